//! Li et al. 2016's DBLSTM baseline ("DBLSTM-based multi-scale fusion for dynamic emotion
//! prediction in music", ICME 2016): a deep bidirectional LSTM on frame features with a
//! linear output per frame. Its multi-scale fusion is [`crate::multiscale`] around this net.

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::recurrent::{CellKind, RecurrentLayer, recurrent_stack};

/// Configuration of a [`Dblstm`].
///
/// Li et al. 2016 stack bidirectional LSTM layers on MediaEval's frame features; the sizes
/// here (2 layers of 64 units per direction) are **our choice**, small enough for CPU.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DblstmConfig {
    /// Features per frame. Default 40 (log-mel); 260 for DEAM's openSMILE set.
    pub n_features: usize,
    /// Units per direction per layer. Default 64 (chosen).
    pub hidden: usize,
    /// Bidirectional LSTM layers. Default 2 (chosen; "deep" = more than one).
    pub layers: usize,
}

impl Default for DblstmConfig {
    fn default() -> Self {
        Self {
            n_features: 40,
            hidden: 64,
            layers: 2,
        }
    }
}

impl DblstmConfig {
    /// Checks sizes.
    pub fn validate(&self) -> Result<()> {
        if self.n_features == 0 || self.hidden == 0 || self.layers == 0 {
            return Err(ModelError::InvalidConfig(format!(
                "dblstm sizes must be > 0: {self:?}"
            )));
        }
        Ok(())
    }

    /// Builds the network.
    pub fn init(&self, device: &Device) -> Dblstm {
        let (layers, width) = recurrent_stack(
            CellKind::BiLstm,
            self.n_features,
            self.hidden,
            self.layers,
            device,
        );
        Dblstm {
            layers,
            head: LinearConfig::new(width, 2).init(device),
        }
    }
}

/// Deep bidirectional LSTM with a per-frame linear output (see [`DblstmConfig`]).
#[derive(Module, Debug)]
pub struct Dblstm {
    /// Bidirectional LSTM layers.
    pub layers: Vec<RecurrentLayer>,
    /// Per-frame output (arousal, valence).
    pub head: Linear,
}

impl Dblstm {
    /// - `x`: `[batch, time, feat]`
    /// - returns: `[batch, time, 2]`
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let mut x = x;
        for layer in &self.layers {
            x = layer.forward(x); // [batch, time, 2·hidden]
        }
        self.head.forward(x) // [batch, time, 2]
    }
}
