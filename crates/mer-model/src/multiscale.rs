//! Multi-scale fusion: one sub-network per sequence length (e.g. 10, 20, 30, 60 frames);
//! each reads the song cut into windows of its length, and the per-frame outputs are fused
//! with learned softmax weights per output dimension — the fusion happens inside the network,
//! so the weights train with everything else. (Li et al. 2016 fuse DBLSTMs of several
//! scales with a separately trained extreme learning machine; learned in-network weights are
//! our choice.)

use burn::module::{Module, Param};
use burn::nn::Initializer;
use burn::tensor::activation::softmax;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::crnn::{Crnn, CrnnConfig};
use crate::data::window_starts;
use crate::dblstm::{Dblstm, DblstmConfig};
use crate::error::{ModelError, Result};
use crate::model::limits;

/// The network run at each scale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ScaleNetConfig {
    /// A CRNN per scale.
    Crnn(CrnnConfig),
    /// A DBLSTM per scale (Li et al. 2016).
    Dblstm(DblstmConfig),
}

/// Configuration of a [`MultiScale`] network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MultiScaleConfig {
    /// Sequence lengths in frames, one sub-network each. Default `[10, 20, 30, 60]`
    /// (5, 10, 15, 30 s).
    pub scales: Vec<usize>,
    /// The sub-network (same config at every scale).
    pub net: ScaleNetConfig,
}

impl MultiScaleConfig {
    /// Checks scales and the sub-network.
    pub fn validate(&self) -> Result<()> {
        if self.scales.is_empty() || self.scales.contains(&0) {
            return Err(ModelError::InvalidConfig(format!(
                "multi-scale needs scales > 0, got {:?}",
                self.scales
            )));
        }
        if self.scales.len() > limits::MAX_SCALES
            || self.scales.iter().any(|&s| s > limits::MAX_FRAMES)
        {
            return Err(ModelError::InvalidConfig(format!(
                "multi-scale takes at most {} scales of at most {} frames, got {:?}",
                limits::MAX_SCALES,
                limits::MAX_FRAMES,
                self.scales
            )));
        }
        match &self.net {
            ScaleNetConfig::Crnn(c) => c.validate(),
            ScaleNetConfig::Dblstm(c) => c.validate(),
        }
    }

    /// Parameters of the network [`init`](Self::init) builds (every scale's sub-network and
    /// the fusion logits), saturating.
    pub fn n_params(&self) -> u64 {
        let net = match &self.net {
            ScaleNetConfig::Crnn(c) => c.n_params(),
            ScaleNetConfig::Dblstm(c) => c.n_params(),
        };
        let n = self.scales.len() as u64;
        net.saturating_mul(n).saturating_add(n.saturating_mul(2))
    }

    /// Builds the network; fusion weights start equal.
    pub fn init(&self, device: &Device) -> MultiScale {
        let nets = self
            .scales
            .iter()
            .map(|_| match &self.net {
                ScaleNetConfig::Crnn(c) => ScaleNet::Crnn(c.init(device)),
                ScaleNetConfig::Dblstm(c) => ScaleNet::Dblstm(c.init(device)),
            })
            .collect();
        MultiScale {
            nets,
            fusion: Initializer::Zeros.init([self.scales.len(), 2], device),
            scales: self.scales.clone(),
        }
    }
}

/// One scale's sub-network.
#[derive(Module, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum ScaleNet {
    /// CRNN.
    Crnn(Crnn),
    /// DBLSTM.
    Dblstm(Dblstm),
}

impl ScaleNet {
    /// `[batch, time, feat]` → `[batch, time, 2]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        match self {
            Self::Crnn(m) => m.forward(x),
            Self::Dblstm(m) => m.forward(x),
        }
    }
}

/// Sub-networks at several sequence lengths fused by learned weights (see the module docs).
#[derive(Module, Debug)]
pub struct MultiScale {
    /// One network per scale.
    pub nets: Vec<ScaleNet>,
    /// Fusion logits `[n_scales, 2]`; softmax over scales per output.
    pub fusion: Param<Tensor<2>>,
    /// Sequence length of each scale (frames).
    pub scales: Vec<usize>,
}

impl MultiScale {
    /// - `x`: `[batch, time, feat]`
    /// - returns: `[batch, time, 2]`
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let [batch, time, feat] = x.dims();
        let outs: Vec<Tensor<3>> = self
            .nets
            .iter()
            .zip(&self.scales)
            .map(|(net, &scale)| run_at_scale(net, x.clone(), scale, [batch, time, feat]))
            .collect(); // each [batch, time, 2]
        let n = outs.len();
        let stacked: Tensor<4> = Tensor::stack(outs, 0); // [scales, batch, time, 2]
        let w = softmax(self.fusion.val(), 0).reshape([n, 1, 1, 2]); // [scales, 1, 1, 2]
        (stacked * w).sum_dim(0).reshape([batch, time, 2]) // [batch, time, 2]
    }

    /// The current fusion weights `[n_scales][2]` (softmax of the logits).
    pub fn fusion_weights(&self) -> Vec<[f32; 2]> {
        let w = softmax(self.fusion.val(), 0).into_data();
        let v: Vec<f32> = w.try_into_vec().unwrap_or_default();
        v.chunks_exact(2).map(|c| [c[0], c[1]]).collect()
    }
}

/// Cuts `x` into consecutive windows of `scale` frames (the last aligned to the end), runs
/// them as one batch and reassembles a `[batch, time, 2]` output.
fn run_at_scale(net: &ScaleNet, x: Tensor<3>, scale: usize, dims: [usize; 3]) -> Tensor<3> {
    let [batch, time, feat] = dims;
    if scale >= time {
        return net.forward(x);
    }
    let starts = window_starts(time, scale, scale);
    let chunks: Vec<Tensor<3>> = starts
        .iter()
        .map(|&s| x.clone().slice([0..batch, s..s + scale, 0..feat]))
        .collect();
    let y = net.forward(Tensor::cat(chunks, 0)); // [chunks·batch, scale, 2]
    let mut parts = Vec::with_capacity(starts.len());
    let mut covered = 0;
    for (c, &s) in starts.iter().enumerate() {
        let skip = covered - s; // frames already covered by the previous window
        parts.push(
            y.clone()
                .slice([c * batch..(c + 1) * batch, skip..scale, 0..2]),
        );
        covered = s + scale;
    }
    Tensor::cat(parts, 1) // [batch, time, 2]
}
