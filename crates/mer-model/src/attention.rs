//! Self-attention over time, used after (or instead of) the recurrent layers.

use burn::module::Module;
use burn::nn::attention::{MhaInput, MultiHeadAttention, MultiHeadAttentionConfig};
use burn::nn::{LayerNorm, LayerNormConfig};
use burn::tensor::{Device, Tensor};

/// A post-norm residual self-attention block: `LayerNorm(x + MHA(x, x, x))`.
#[derive(Module, Debug)]
pub struct SelfAttention {
    /// Multi-head attention (burn-nn), `d_model` wide.
    pub mha: MultiHeadAttention,
    /// Normalisation after the residual sum.
    pub norm: LayerNorm,
}

impl SelfAttention {
    /// `d_model` must be divisible by `heads`.
    pub fn new(d_model: usize, heads: usize, dropout: f64, device: &Device) -> Self {
        Self {
            mha: MultiHeadAttentionConfig::new(d_model, heads)
                .with_dropout(dropout)
                .init(device),
            norm: LayerNormConfig::new(d_model).init(device),
        }
    }

    /// - `x`: `[batch, time, d_model]`
    /// - returns: `[batch, time, d_model]`
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let context = self.mha.forward(MhaInput::self_attn(x.clone())).context; // [batch, time, d_model]
        self.norm.forward(x + context) // [batch, time, d_model]
    }
}
