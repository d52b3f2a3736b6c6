//! CRNN (Malik et al. 2017) and its variants: no branching (CRNN_NB), any recurrent cell,
//! self-attention after or instead of the recurrence.
//!
//! ```text
//! [batch, time, feat] → Conv2d 3×3 (time × feat) → BatchNorm → ReLU → MaxPool 1×P (feat only)
//!   → Dropout → [batch, time, filters·feat/P]
//!   → per branch: recurrent layers → (self-attention) → Linear → [batch, time, 1 or 2]
//! ```

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{
    BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig2d,
    PositionalEncoding, PositionalEncodingConfig,
};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::attention::SelfAttention;
use crate::error::{ModelError, Result};
use crate::recurrent::{CellKind, RecurrentLayer, recurrent_stack};

/// Configuration of a [`Crnn`].
///
/// Malik et al. 2017 (SMC, "Stacked convolutional and recurrent neural networks for music
/// emotion recognition") give the structure: 40 log-mel bands in, one convolutional layer
/// with 3×3 kernels, batch normalisation, ReLU, max-pooling over frequency only, dropout,
/// then two branches of GRU layers (arousal, valence), trained with Adam. The sizes below
/// (`conv_filters`, `pool_freq`, `hidden`, `rnn_layers`, `dropout`) are **our choice**
/// (the sizes of `mer bench`'s reference network), not numbers taken from the paper.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CrnnConfig {
    /// Features per frame (40 log-mel bands in Malik et al.). Default 40.
    pub n_features: usize,
    /// Convolution filters. Default 32 (chosen).
    pub conv_filters: usize,
    /// Square convolution kernel (time × feature). Default 3 (Malik et al.: 3×3).
    pub conv_kernel: usize,
    /// Max-pool size over the feature axis only (time is kept). Default 5 (chosen).
    pub pool_freq: usize,
    /// Dropout after pooling. Default 0.25 (chosen; Malik et al. use dropout, rate not reused).
    pub dropout: f64,
    /// Recurrent cell. Default GRU (Malik et al.).
    pub cell: CellKind,
    /// Hidden units per recurrent layer (per direction). Default 32 (chosen).
    pub hidden: usize,
    /// Recurrent layers per branch; 0 means attention only (needs `attention_heads > 0`).
    /// Default 2 (chosen).
    pub rnn_layers: usize,
    /// Two branches (arousal, valence) as in Malik et al. (`crnn`); `false` is one shared
    /// stack with two outputs (`crnn-nb`). Default true.
    pub branches: bool,
    /// Heads of a self-attention block after the recurrent layers; 0 = none. Default 0.
    pub attention_heads: usize,
}

impl Default for CrnnConfig {
    fn default() -> Self {
        Self {
            n_features: 40,
            conv_filters: 32,
            conv_kernel: 3,
            pool_freq: 5,
            dropout: 0.25,
            cell: CellKind::Gru,
            hidden: 32,
            rnn_layers: 2,
            branches: true,
            attention_heads: 0,
        }
    }
}

/// Longest sequence the positional encoding of an attention-only branch covers (frames).
const MAX_ATTENTION_FRAMES: usize = 4096;

impl CrnnConfig {
    /// Checks sizes before building.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(ModelError::InvalidConfig(m));
        if self.n_features == 0 || self.conv_filters == 0 || self.hidden == 0 {
            return bad(format!("crnn sizes must be > 0: {self:?}"));
        }
        if self.pool_freq == 0 || self.pool_freq > self.n_features {
            return bad(format!(
                "pool_freq {} must be in 1..={} (n_features)",
                self.pool_freq, self.n_features
            ));
        }
        if self.conv_kernel.is_multiple_of(2) {
            return bad(format!("conv_kernel {} must be odd", self.conv_kernel));
        }
        if self.rnn_layers == 0 && self.attention_heads == 0 {
            return bad("rnn_layers = 0 needs attention_heads > 0".into());
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return bad(format!("dropout {} must be in [0, 1)", self.dropout));
        }
        if self.attention_heads > 0 {
            let width = if self.rnn_layers == 0 {
                self.hidden
            } else {
                self.cell.output_width(self.hidden)
            };
            if width % self.attention_heads != 0 {
                return bad(format!(
                    "attention width {width} not divisible by {} heads",
                    self.attention_heads
                ));
            }
        }
        Ok(())
    }

    /// Width of the features the convolution block hands to the branches.
    pub fn trunk_width(&self) -> usize {
        self.conv_filters * (self.n_features / self.pool_freq)
    }

    /// Builds the network (call [`validate`](Self::validate) first for a clean error).
    pub fn init(&self, device: &Device) -> Crnn {
        let p = self.conv_kernel / 2;
        let conv = ConvBlock {
            conv: Conv2dConfig::new([1, self.conv_filters], [self.conv_kernel; 2])
                .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
                .init(device),
            norm: BatchNormConfig::new(self.conv_filters).init(device),
            pool: MaxPool2dConfig::new([1, self.pool_freq])
                .with_strides([1, self.pool_freq])
                .init(),
            dropout: DropoutConfig::new(self.dropout).init(),
        };
        let n_branches = if self.branches { 2 } else { 1 };
        let outputs = if self.branches { 1 } else { 2 };
        let branches = (0..n_branches)
            .map(|_| self.branch(outputs, device))
            .collect();
        Crnn { conv, branches }
    }

    fn branch(&self, outputs: usize, device: &Device) -> Branch {
        let trunk = self.trunk_width();
        let (proj, pos, layers, width) = if self.rnn_layers == 0 {
            let proj = LinearConfig::new(trunk, self.hidden).init(device);
            let pos = PositionalEncodingConfig::new(self.hidden)
                .with_max_sequence_size(MAX_ATTENTION_FRAMES)
                .init(device);
            (Some(proj), Some(pos), Vec::new(), self.hidden)
        } else {
            let (layers, width) =
                recurrent_stack(self.cell, trunk, self.hidden, self.rnn_layers, device);
            (None, None, layers, width)
        };
        let attention = (self.attention_heads > 0)
            .then(|| SelfAttention::new(width, self.attention_heads, self.dropout, device));
        Branch {
            proj,
            pos,
            layers,
            attention,
            head: LinearConfig::new(width, outputs).init(device),
        }
    }
}

/// Convolution → BatchNorm → ReLU → max-pool over features → dropout.
#[derive(Module, Debug)]
pub struct ConvBlock {
    /// 3×3 convolution over (time, feature), one input channel.
    pub conv: Conv2d,
    /// Batch normalisation per filter.
    pub norm: BatchNorm,
    /// Max-pool over the feature axis only.
    pub pool: MaxPool2d,
    /// Dropout on the pooled maps.
    pub dropout: Dropout,
}

impl ConvBlock {
    /// - `x`: `[batch, time, feat]`
    /// - returns: `[batch, time, filters·(feat/P)]`
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let [batch, time, _] = x.dims();
        let x = x.unsqueeze_dim::<4>(1); // [batch, 1, time, feat]
        let x = self.conv.forward(x); // [batch, filters, time, feat]
        let x = relu(self.norm.forward(x)); // [batch, filters, time, feat]
        let x = self.pool.forward(x); // [batch, filters, time, feat/P]
        let x = self.dropout.forward(x);
        let [_, filters, _, pooled] = x.dims();
        x.swap_dims(1, 2) // [batch, time, filters, feat/P]
            .reshape([batch, time, filters * pooled]) // [batch, time, filters·feat/P]
    }
}

/// One output branch: recurrent layers (or projection + positions), optional attention, head.
#[derive(Module, Debug)]
pub struct Branch {
    /// Projection to `hidden` for an attention-only branch.
    pub proj: Option<Linear>,
    /// Sinusoidal positions for an attention-only branch.
    pub pos: Option<PositionalEncoding>,
    /// Recurrent layers (empty for attention-only).
    pub layers: Vec<RecurrentLayer>,
    /// Self-attention over time.
    pub attention: Option<SelfAttention>,
    /// Per-frame linear output.
    pub head: Linear,
}

impl Branch {
    /// - `x`: `[batch, time, trunk]`
    /// - returns: `[batch, time, outputs]`
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let mut x = x;
        if let Some(proj) = &self.proj {
            x = proj.forward(x); // [batch, time, hidden]
        }
        if let Some(pos) = &self.pos {
            x = pos.forward(x);
        }
        for layer in &self.layers {
            x = layer.forward(x); // [batch, time, width]
        }
        if let Some(att) = &self.attention {
            x = att.forward(x); // [batch, time, width]
        }
        self.head.forward(x) // [batch, time, outputs]
    }
}

/// The CRNN of Malik et al. 2017 (two branches) or CRNN_NB (one), see [`CrnnConfig`].
#[derive(Module, Debug)]
pub struct Crnn {
    /// The shared convolution block.
    pub conv: ConvBlock,
    /// Two branches (arousal, valence; one output each) or one (two outputs).
    pub branches: Vec<Branch>,
}

impl Crnn {
    /// - `x`: `[batch, time, feat]` (standardised features at 2 Hz)
    /// - returns: `[batch, time, 2]` (arousal, valence)
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        self.forward_with(x, false)
    }

    /// Like [`forward`](Self::forward); with `detach_trunk` no gradient flows into the
    /// convolution block (used to train the second branch alone, see `BranchTraining`).
    pub fn forward_with(&self, x: Tensor<3>, detach_trunk: bool) -> Tensor<3> {
        let mut trunk = self.conv.forward(x); // [batch, time, trunk]
        if detach_trunk {
            trunk = trunk.detach();
        }
        let outs: Vec<Tensor<3>> = self
            .branches
            .iter()
            .map(|b| b.forward(trunk.clone()))
            .collect(); // each [batch, time, 1] or one [batch, time, 2]
        if outs.len() == 1 {
            outs.into_iter().next().expect("one branch")
        } else {
            Tensor::cat(outs, 2) // [batch, time, 2]
        }
    }
}
