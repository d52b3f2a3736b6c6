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
            CellKind::BiGru | CellKind::BiLstm => hidden.saturating_mul(2),
        }
    }

    /// Parameters of one layer reading `d_input` features with `hidden` units per direction
    /// (saturating: only compared against limits).
    pub fn layer_params(self, d_input: usize, hidden: usize) -> u64 {
        let (d, h) = (d_input as u64, hidden as u64);
        // Per gate: input weights, hidden weights and two biases (FusedGru: b_ih and b_hh;
        // burn's Lstm: one bias in each of its two Linear transforms).
        let per_gate = h.saturating_mul(d.saturating_add(h).saturating_add(2));
        match self {
            CellKind::Gru => per_gate.saturating_mul(3),
            CellKind::BiGru => per_gate.saturating_mul(6),
            CellKind::Lstm => per_gate.saturating_mul(4),
            CellKind::BiLstm => per_gate.saturating_mul(8),
        }
    }

    /// Parameters of `layers` stacked layers (as [`recurrent_stack`] builds them) and the
    /// output width of the last.
    pub fn stack_params(self, d_input: usize, hidden: usize, layers: usize) -> (u64, usize) {
        if layers == 0 {
            return (0, d_input);
        }
        let width = self.output_width(hidden);
        let rest = self
            .layer_params(width, hidden)
            .saturating_mul(layers as u64 - 1);
        (
            self.layer_params(d_input, hidden).saturating_add(rest),
            width,
        )
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
