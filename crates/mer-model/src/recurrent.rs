//! Recurrent layers behind one switch: GRU, LSTM, bidirectional GRU, bidirectional LSTM.

use burn::module::Module;
use burn::nn::{BiLstm, BiLstmConfig, Lstm, LstmConfig};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::gru::{FusedBiGru, FusedGru, FusedGruConfig};

/// Which recurrent cell a stack uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum CellKind {
    /// Unidirectional GRU (fused, see [`FusedGru`]). Malik et al. 2017 use GRUs.
    #[default]
    Gru,
    /// Unidirectional LSTM (burn's `Lstm`).
    Lstm,
    /// Bidirectional GRU (two [`FusedGru`]), output `2·hidden` wide.
    BiGru,
    /// Bidirectional LSTM (burn's `BiLstm`), output `2·hidden` wide; Li et al. 2016's cell.
    BiLstm,
}

impl CellKind {
    /// Output width of one layer with `hidden` units per direction.
    pub fn output_width(self, hidden: usize) -> usize {
        match self {
            CellKind::Gru | CellKind::Lstm => hidden,
            CellKind::BiGru | CellKind::BiLstm => 2 * hidden,
        }
    }

    /// Parses `gru`, `lstm`, `bigru`, `bilstm` (case-insensitive).
    pub fn parse(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "gru" => Some(Self::Gru),
            "lstm" => Some(Self::Lstm),
            "bigru" => Some(Self::BiGru),
            "bilstm" | "blstm" => Some(Self::BiLstm),
            _ => None,
        }
    }
}

/// One recurrent layer of any [`CellKind`].
#[derive(Module, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum RecurrentLayer {
    /// See [`CellKind::Gru`].
    Gru(FusedGru),
    /// See [`CellKind::Lstm`].
    Lstm(Lstm),
    /// See [`CellKind::BiGru`].
    BiGru(FusedBiGru),
    /// See [`CellKind::BiLstm`].
    BiLstm(BiLstm),
}

impl RecurrentLayer {
    /// A layer of `kind` reading `d_input` features with `hidden` units per direction.
    pub fn new(kind: CellKind, d_input: usize, hidden: usize, device: &Device) -> Self {
        match kind {
            CellKind::Gru => Self::Gru(FusedGruConfig::new(d_input, hidden).init(device)),
            CellKind::BiGru => Self::BiGru(FusedBiGru::new(
                &FusedGruConfig::new(d_input, hidden),
                device,
            )),
            CellKind::Lstm => Self::Lstm(LstmConfig::new(d_input, hidden, true).init(device)),
            CellKind::BiLstm => Self::BiLstm(BiLstmConfig::new(d_input, hidden, true).init(device)),
        }
    }

    /// - `input`: `[batch, time, d_input]`
    /// - returns: `[batch, time, kind.output_width(hidden)]`
    pub fn forward(&self, input: Tensor<3>) -> Tensor<3> {
        match self {
            Self::Gru(m) => m.forward(input),
            Self::BiGru(m) => m.forward(input),
            Self::Lstm(m) => m.forward(input, None).0,
            Self::BiLstm(m) => m.forward(input, None).0,
        }
    }
}

/// Builds `layers` stacked layers; returns them and the output width of the last.
pub fn recurrent_stack(
    kind: CellKind,
    d_input: usize,
    hidden: usize,
    layers: usize,
    device: &Device,
) -> (Vec<RecurrentLayer>, usize) {
    let mut width = d_input;
    let mut stack = Vec::with_capacity(layers);
    for _ in 0..layers {
        stack.push(RecurrentLayer::new(kind, width, hidden, device));
        width = kind.output_width(hidden);
    }
    (stack, width)
}
