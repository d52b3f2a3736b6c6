//! The VGG-like baseline of musicnn 0.1.0 (`MSD_vgg`, `MTT_vgg`), as `musicnn/models.py`
//! `vgg(x, is_training, num_classes, num_filters=128)` defines it:
//!
//! - a batch norm of the log-mel input `[187 frames, 96 bands]` (one channel);
//! - five blocks of 3 × 3 convolution (128 maps, 'same' padding: one zero frame/band each side,
//!   after the input norm) → ReLU → batch norm → max pooling, with pools (time × frequency)
//!   `[4, 1]` stride `[2, 2]` (so every other band is dropped), then `[2, 2]` stride 2 three
//!   times, then `[4, 4]` stride 4, all 'valid'. Feature maps per 3 s patch:
//!   `pool1 [92, 48, 128]`, `pool2 [46, 24]`, `pool3 [23, 12]`, `pool4 [11, 6]`,
//!   `pool5 [2, 1, 128]`;
//! - `pool5` flattened in TensorFlow's order (time, frequency, map: `t · 128 + c`), 256 values,
//!   then a dense layer to the 50 tag logits.
//!
//! **The embedding is `pool5` (256)**: the last hidden layer, the only input of the tag layer
//! (the role of musicnn's penultimate), and small. The earlier pools are time-frequency maps
//! (8 448 values for `pool4`), not clip descriptors. Dropout is inactive at inference and
//! omitted; batch norms use TensorFlow's ε = 0.001 and their moving statistics.

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::MaxPool2dConfig;
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};

/// Max pooling of each block, `(kernel, stride)` as `[time, frequency]` (`models.py` `vgg`).
pub const POOLS: [([usize; 2], [usize; 2]); 5] = [
    ([4, 1], [2, 2]),
    ([2, 2], [2, 2]),
    ([2, 2], [2, 2]),
    ([2, 2], [2, 2]),
    ([4, 4], [4, 4]),
];

/// Hyper-parameters of musicnn's vgg; the defaults are `MSD_vgg` and `MTT_vgg` of musicnn 0.1.0
/// (`vgg(x, is_training, num_classes, 128)`).
#[derive(Config, Debug)]
pub struct VggConfig {
    /// Maps of every convolution. Default 128.
    #[config(default = 128)]
    pub filters: usize,
    /// Output tags. Default 50.
    #[config(default = 50)]
    pub num_classes: usize,
    /// Values of `pool5` for a 187 × 96 input: 2 × 1 × 128. Default 256.
    #[config(default = 256)]
    pub pool5_values: usize,
    /// Batch-norm ε. Default 0.001 (TF `tf.layers.batch_normalization`).
    #[config(default = 1e-3)]
    pub epsilon: f64,
}

impl VggConfig {
    /// Builds the network with untrained parameters (load weights with
    /// [`Vgg::load_safetensors`], or use [`Vgg::pretrained`]).
    pub fn init(&self, device: &Device) -> Vgg {
        let norm = |n: usize| {
            BatchNormConfig::new(n)
                .with_epsilon(self.epsilon)
                .init(device)
        };
        let block = |channels_in: usize| VggBlock {
            conv: Conv2dConfig::new([channels_in, self.filters], [3, 3])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(device),
            norm: norm(self.filters),
        };
        Vgg {
            input_norm: norm(1),
            blocks: (0..POOLS.len())
                .map(|i| block(if i == 0 { 1 } else { self.filters }))
                .collect(),
            output: LinearConfig::new(self.pool5_values, self.num_classes).init(device),
        }
    }
}

/// One block: 3 × 3 conv ('same') → ReLU → batch norm (the pooling follows in [`Vgg`]).
#[derive(Module, Debug)]
pub struct VggBlock {
    /// Weight `[128, maps in, 3, 3]`.
    pub conv: Conv2d,
    /// Batch norm over the maps.
    pub norm: BatchNorm,
}

/// musicnn's vgg network. Field names are the tensor paths of the converted weights
/// (`scripts/musicnn_convert.py` maps TF's `1CNN`…`5CNN`, `batch_normalization_N`, `dense`).
#[derive(Module, Debug)]
pub struct Vgg {
    /// Batch norm of the log-mel input (one channel).
    pub input_norm: BatchNorm,
    /// The five convolution blocks.
    pub blocks: Vec<VggBlock>,
    /// Dense 256 → 50 tag logits.
    pub output: Linear,
}

/// What one forward pass of [`Vgg`] gives.
#[derive(Debug, Clone)]
pub struct VggOutput {
    /// Tag logits `[batch, 50]`; `sigmoid` gives the probabilities musicnn reports.
    pub logits: Tensor<2>,
    /// `pool5` flattened in TensorFlow's order `[batch, 256]` (the embedding).
    pub pool5: Tensor<2>,
}

impl Vgg {
    /// Runs the network on log-mel patches `[batch, 187, 96]` (musicnn's input; the vgg
    /// models only take 3 s patches, as musicnn's `extractor` says).
    pub fn forward(&self, logmel: Tensor<3>) -> VggOutput {
        let mut x = self.input_norm.forward(logmel.unsqueeze_dim::<4>(1)); // [batch, 1, 187, 96]
        for (block, (kernel, stride)) in self.blocks.iter().zip(POOLS) {
            let y = block.norm.forward(relu(block.conv.forward(x))); // [batch, 128, t, f]
            x = MaxPool2dConfig::new(kernel)
                .with_strides(stride)
                .init()
                .forward(y); // pool1 [b, 128, 92, 48] … pool5 [b, 128, 2, 1]
        }
        let [batch, maps, t, f] = x.dims();
        // TF flattens [batch, t, f, maps].
        let pool5 = x.permute([0, 2, 3, 1]).reshape([batch, t * f * maps]); // [batch, 256]
        VggOutput {
            logits: self.output.forward(pool5.clone()), // [batch, 50]
            pool5,
        }
    }
}
