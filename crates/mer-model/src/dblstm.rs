//! Li et al. 2016's DBLSTM baseline ("DBLSTM-based multi-scale fusion for dynamic emotion
//! prediction in music", ICME 2016): a deep bidirectional LSTM on frame features with a
//! linear output per frame. Its multi-scale fusion is [`crate::multiscale`] around this net.

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::model::limits;
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
        for (name, value, max) in [
            ("n_features", self.n_features, limits::MAX_FEATURES),
            ("hidden", self.hidden, limits::MAX_WIDTH),
            ("layers", self.layers, limits::MAX_LAYERS),
        ] {
            if value > max {
                return Err(ModelError::InvalidConfig(format!(
                    "dblstm {name} {value} is above the limit {max}"
                )));
            }
        }
        Ok(())
    }

    /// Parameters of the network [`init`](Self::init) builds, saturating.
    pub fn n_params(&self) -> u64 {
        let (stack, width) =
            CellKind::BiLstm.stack_params(self.n_features, self.hidden, self.layers);
        stack.saturating_add((width as u64).saturating_mul(2).saturating_add(2))
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
