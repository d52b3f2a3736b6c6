//! The musicnn network (Pons & Serra 2019, "musicnn: pre-trained convolutional neural networks
//! for music audio tagging", ISMIR LBD), as `musicnn/models.py` `build_musicnn` of musicnn 0.1.0
//! defines it for `MSD_musicnn`:
//!
//! - front end, "musically motivated": a batch norm of the log-mel input, then
//!   - two *timbral* (vertical) filters of 7 frames × 38 and × 67 mel bands (`int(0.4·96)`,
//!     `int(0.7·96)`), 204 maps each (`int(1.6·128)`), time padded by 3 frames each side and
//!     valid in frequency,
//!   - three *temporal* (horizontal) filters of 128, 64 and 32 frames × 1 band, 51 maps each
//!     (`int(1.6·32)`), 'same' padded (TF: 63 before / 64 after for 128),
//!
//!   each followed by ReLU, batch norm, and max pooling over all frequency positions; the five
//!   outputs are concatenated to 561 features per frame;
//! - mid end: three 1-D convolutions over time (kernel 7, padding 3, 64 maps, ReLU then batch
//!   norm), the second and third with residual connections; the front-end and all three mid-end
//!   outputs are concatenated (dense connection) to 753 features per frame;
//! - back end: max and mean over time, interleaved per feature (TF `concat` on a trailing axis
//!   then `flatten`: `[max_0, mean_0, max_1, …]`, 1506 values), batch norm, dense 200 + ReLU,
//!   batch norm = the *penultimate* embedding, dense 50 = tag logits (sigmoid gives the
//!   probabilities).
//!
//! Batch norms use TensorFlow's default ε = 0.001 and their moving statistics (inference).
//! Dropout layers of the original are inactive at inference and omitted.

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv1d, Conv1dConfig, Conv2d, Conv2dConfig};
use burn::nn::{
    BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig1d, PaddingConfig2d,
};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};

/// Hyper-parameters of the musicnn network; the defaults are `MSD_musicnn` of musicnn 0.1.0
/// (`build_musicnn(num_filt_frontend=1.6, num_filt_midend=64, num_units_backend=200)`).
#[derive(Config, Debug)]
pub struct MusicnnConfig {
    /// Mel bands of the input (musicnn `N_MELS`). Default 96.
    #[config(default = 96)]
    pub n_mels: usize,
    /// Maps per timbral filter, `int(1.6 · 128)`. Default 204.
    #[config(default = 204)]
    pub timbral_filters: usize,
    /// Maps per temporal filter, `int(1.6 · 32)`. Default 51.
    #[config(default = 51)]
    pub temporal_filters: usize,
    /// Maps of each mid-end convolution. Default 64 (`MSD_musicnn`; 512 for `MSD_musicnn_big`).
    #[config(default = 64)]
    pub midend_filters: usize,
    /// Units of the penultimate dense layer. Default 200 (`MSD_musicnn`).
    #[config(default = 200)]
    pub backend_units: usize,
    /// Output tags. Default 50 (the MSD last.fm tags).
    #[config(default = 50)]
    pub num_classes: usize,
    /// Batch-norm ε. Default 0.001 (TF `tf.layers.batch_normalization`).
    #[config(default = 1e-3)]
    pub epsilon: f64,
}

/// Frames of time context of each timbral filter (`kernel_size=[7, …]`).
pub const TIMBRAL_HEIGHT: usize = 7;
/// Lengths (frames) of the three temporal filters `s1, s2, s3`.
pub const TEMPORAL_LENGTHS: [usize; 3] = [128, 64, 32];
/// Kernel length (frames) of the mid-end convolutions.
pub const MIDEND_KERNEL: usize = 7;

impl MusicnnConfig {
    /// Widths (mel bands) of the two timbral filters: `int(0.4 · n_mels)`, `int(0.7 · n_mels)`
    /// (38 and 67 for 96 bands).
    pub fn timbral_widths(&self) -> [usize; 2] {
        [self.n_mels * 4 / 10, self.n_mels * 7 / 10]
    }

    /// Features per frame after the front end: 2 · 204 + 3 · 51 = 561.
    pub fn frontend_features(&self) -> usize {
        2 * self.timbral_filters + 3 * self.temporal_filters
    }

    /// Features per frame after the dense mid end: 561 + 3 · 64 = 753.
    pub fn midend_features(&self) -> usize {
        self.frontend_features() + 3 * self.midend_filters
    }

    /// Builds the network with untrained parameters; load weights with
    /// [`Musicnn::load_safetensors`](crate::Musicnn::load_safetensors) or use
    /// [`Musicnn::pretrained`](crate::Musicnn::pretrained).
    pub fn init(&self, device: &Device) -> Musicnn {
        let norm = |n: usize| {
            BatchNormConfig::new(n)
                .with_epsilon(self.epsilon)
                .init(device)
        };
        let [w74, w77] = self.timbral_widths();
        let timbral = |width: usize| FrontBlock {
            conv: Conv2dConfig::new([1, self.timbral_filters], [TIMBRAL_HEIGHT, width])
                .with_padding(PaddingConfig2d::Explicit(3, 0, 3, 0))
                .init(device),
            norm: norm(self.timbral_filters),
        };
        let temporal = |length: usize| FrontBlock {
            conv: Conv2dConfig::new([1, self.temporal_filters], [length, 1])
                .with_padding(PaddingConfig2d::Same)
                .init(device),
            norm: norm(self.temporal_filters),
        };
        let mid = |channels_in: usize| MidBlock {
            conv: Conv1dConfig::new(channels_in, self.midend_filters, MIDEND_KERNEL)
                .with_padding(PaddingConfig1d::Explicit(3, 3))
                .init(device),
            norm: norm(self.midend_filters),
        };
        let pooled = 2 * self.midend_features();
        Musicnn {
            input_norm: norm(1),
            timbral_74: timbral(w74),
            timbral_77: timbral(w77),
            temporal_128: temporal(TEMPORAL_LENGTHS[0]),
            temporal_64: temporal(TEMPORAL_LENGTHS[1]),
            temporal_32: temporal(TEMPORAL_LENGTHS[2]),
            mid_1: mid(self.frontend_features()),
            mid_2: mid(self.midend_filters),
            mid_3: mid(self.midend_filters),
            pool_norm: norm(pooled),
            penultimate: LinearConfig::new(pooled, self.backend_units).init(device),
            penultimate_norm: norm(self.backend_units),
            output: LinearConfig::new(self.backend_units, self.num_classes).init(device),
        }
    }
}

/// A front-end filter: conv2d → ReLU → batch norm → max over all frequency positions.
#[derive(Module, Debug)]
pub struct FrontBlock {
    /// Weight `[maps, 1, height (frames), width (bands)]`.
    pub conv: Conv2d,
    /// Batch norm over the maps.
    pub norm: BatchNorm,
}

impl FrontBlock {
    /// `[batch, 1, frames, bands]` (normalised log-mel) → `[batch, maps, frames]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<3> {
        let x = self.conv.forward(x); // [batch, maps, frames, positions]
        let x = self.norm.forward(relu(x)); // [batch, maps, frames, positions]
        x.max_dim(3).squeeze_dim(3) // [batch, maps, frames]
    }
}

/// A mid-end layer: conv1d over time (kernel 7, padding 3) → ReLU → batch norm.
#[derive(Module, Debug)]
pub struct MidBlock {
    /// Weight `[maps, features_in, 7]`.
    pub conv: Conv1d,
    /// Batch norm over the maps.
    pub norm: BatchNorm,
}

impl MidBlock {
    /// `[batch, features_in, frames]` → `[batch, maps, frames]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        self.norm.forward(relu(self.conv.forward(x)))
    }
}

/// The musicnn network. Field names are the tensor paths of the converted weights
/// (`scripts/musicnn_convert.py` maps TF's `conv2d_N`/`batch_normalization_N` onto them).
#[derive(Module, Debug)]
pub struct Musicnn {
    /// Batch norm of the log-mel input (one channel).
    pub input_norm: BatchNorm,
    /// Timbral filter 7 × 38.
    pub timbral_74: FrontBlock,
    /// Timbral filter 7 × 67.
    pub timbral_77: FrontBlock,
    /// Temporal filter 128 × 1.
    pub temporal_128: FrontBlock,
    /// Temporal filter 64 × 1.
    pub temporal_64: FrontBlock,
    /// Temporal filter 32 × 1.
    pub temporal_32: FrontBlock,
    /// Mid-end layer 1 (561 → 64).
    pub mid_1: MidBlock,
    /// Mid-end layer 2 (64 → 64, residual).
    pub mid_2: MidBlock,
    /// Mid-end layer 3 (64 → 64, residual).
    pub mid_3: MidBlock,
    /// Batch norm of the pooled features (1506).
    pub pool_norm: BatchNorm,
    /// Dense 1506 → 200 (ReLU).
    pub penultimate: Linear,
    /// Batch norm of the penultimate layer; its output is the embedding.
    pub penultimate_norm: BatchNorm,
    /// Dense 200 → 50 tag logits.
    pub output: Linear,
}

/// What one forward pass gives.
#[derive(Debug, Clone)]
pub struct MusicnnOutput {
    /// Tag logits `[batch, 50]`; `sigmoid` gives the probabilities musicnn reports.
    pub logits: Tensor<2>,
    /// Penultimate embedding `[batch, 200]` (musicnn's `penultimate` feature).
    pub penultimate: Tensor<2>,
}

impl Musicnn {
    /// Runs the network on log-mel patches `[batch, frames, bands]` (musicnn's own input layout:
    /// `log10(10000 · mel + 1)`, 96 bands; the model was trained on 187 frames = 3 s, but any
    /// length ≥ 1 runs).
    pub fn forward(&self, logmel: Tensor<3>) -> MusicnnOutput {
        let x = self.input_norm.forward(logmel.unsqueeze_dim::<4>(1)); // [batch, 1, frames, 96]
        let front = Tensor::cat(
            vec![
                self.timbral_74.forward(x.clone()),   // [batch, 204, frames]
                self.timbral_77.forward(x.clone()),   // [batch, 204, frames]
                self.temporal_128.forward(x.clone()), // [batch, 51, frames]
                self.temporal_64.forward(x.clone()),  // [batch, 51, frames]
                self.temporal_32.forward(x),          // [batch, 51, frames]
            ],
            1,
        ); // [batch, 561, frames]
        let mid = self.midend(front); // [batch, 753, frames]
        self.backend(mid)
    }

    /// Dense mid end: `[batch, 561, frames]` → `[batch, 753, frames]`.
    pub fn midend(&self, front: Tensor<3>) -> Tensor<3> {
        let m1 = self.mid_1.forward(front.clone()); // [batch, 64, frames]
        let m2 = self.mid_2.forward(m1.clone()) + m1.clone(); // [batch, 64, frames]
        let m3 = self.mid_3.forward(m2.clone()) + m2.clone(); // [batch, 64, frames]
        Tensor::cat(vec![front, m1, m2, m3], 1) // [batch, 753, frames]
    }

    /// Temporal pooling and dense layers: `[batch, 753, frames]` → logits and penultimate.
    pub fn backend(&self, mid: Tensor<3>) -> MusicnnOutput {
        let [batch, features, _] = mid.dims();
        let max = mid.clone().max_dim(2); // [batch, 753, 1]
        let mean = mid.mean_dim(2); // [batch, 753, 1]
        let pooled = Tensor::cat(vec![max, mean], 2).reshape([batch, 2 * features]); // [batch, 1506]
        let pooled = self.pool_norm.forward(pooled); // [batch, 1506]
        let hidden = relu(self.penultimate.forward(pooled)); // [batch, 200]
        let penultimate = self.penultimate_norm.forward(hidden); // [batch, 200]
        let logits = self.output.forward(penultimate.clone()); // [batch, 50]
        MusicnnOutput {
            logits,
            penultimate,
        }
    }
}
