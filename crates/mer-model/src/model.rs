//! Every architecture behind one config ([`ModelConfig`]) and one network type ([`Net`]),
//! with named presets (`crnn`, `crnn-nb`, …) for the CLI and experiment files.

use burn::module::Module;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::crnn::{Crnn, CrnnConfig};
use crate::dblstm::{Dblstm, DblstmConfig};
use crate::error::{ModelError, Result};
use crate::multiscale::{MultiScale, MultiScaleConfig, ScaleNetConfig};
use crate::recurrent::CellKind;
use crate::ridge::RidgeConfig;

/// The architecture of a model: what the model file stores to rebuild it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ModelConfig {
    /// CRNN and its variants (branches, cell, attention).
    Crnn(CrnnConfig),
    /// Li et al. 2016's deep bidirectional LSTM.
    Dblstm(DblstmConfig),
    /// Several sequence lengths fused inside the network.
    MultiScale(MultiScaleConfig),
    /// Closed-form ridge regression on frame features (no burn).
    Ridge(RidgeConfig),
}

/// The largest sizes a [`ModelConfig`] may state. [`ModelConfig::validate`] refuses larger
/// ones, for training and for every model file read (untrusted input), so a file cannot make
/// `mer` allocate more than these allow; each is far above what any preset uses.
pub mod limits {
    /// Features per frame (presets: 40–260).
    pub const MAX_FEATURES: usize = 1 << 16;
    /// Convolution filters and hidden units per direction (presets: 8–64).
    pub const MAX_WIDTH: usize = 4096;
    /// Recurrent or BLSTM layers per stack (presets: 2).
    pub const MAX_LAYERS: usize = 16;
    /// Convolution kernel size (presets: 3).
    pub const MAX_KERNEL: usize = 15;
    /// Attention heads (presets: 4).
    pub const MAX_HEADS: usize = 64;
    /// Scales of a multi-scale model (presets: 4).
    pub const MAX_SCALES: usize = 16;
    /// Frames of a window: training sequence, prediction window, scale, smoothing
    /// (2^16 frames at 2 Hz: 9 h).
    pub const MAX_FRAMES: usize = 1 << 16;
    /// Parameters of a whole network, 4 bytes each (2^27: 512 MiB; presets: up to ~0.3 M).
    pub const MAX_PARAMS: u64 = 1 << 27;
    /// Floats a network allocates besides its parameters (positional encodings: 2^22, 16 MiB).
    pub const MAX_BUFFER_FLOATS: u64 = 1 << 22;
    /// Temperatures a quadrant head may state (fitted: e^-3..e^3, i.e. 0.05..20).
    pub const QUADRANT_TEMPERATURE: std::ops::RangeInclusive<f32> = 0.01..=100.0;
    /// Thresholds τ of a quadrant head (0: always the classifier; above 1: never).
    pub const QUADRANT_THRESHOLD: std::ops::RangeInclusive<f32> = 0.0..=2.0;
}

/// The preset names [`ModelConfig::preset`] knows.
pub const PRESETS: &[&str] = &[
    "crnn",
    "crnn-nb",
    "crnn-lstm",
    "crnn-bigru",
    "crnn-bilstm",
    "crnn-att",
    "attention",
    "crnn-ms",
    "dblstm",
    "dblstm-ms",
    "ridge",
];

impl ModelConfig {
    /// A named preset for `n_features` inputs:
    /// - `crnn`: Malik et al. 2017 (two GRU branches); `crnn-nb`: one stack, two outputs;
    /// - `crnn-lstm`, `crnn-bigru`, `crnn-bilstm`: the CRNN with another cell;
    /// - `crnn-att`: CRNN + 4-head self-attention after the GRUs; `attention`: self-attention
    ///   instead of the GRUs (projection + sinusoidal positions + attention);
    /// - `crnn-ms`: CRNN at 10/20/30/60 frames fused with learned weights;
    /// - `dblstm`, `dblstm-ms`: Li et al. 2016 (single scale / multi-scale);
    /// - `ridge`: ridge regression on frame features.
    pub fn preset(name: &str, n_features: usize) -> Result<Self> {
        let crnn = CrnnConfig {
            n_features,
            pool_freq: CrnnConfig::default().pool_freq.min(n_features),
            ..CrnnConfig::default()
        };
        let dblstm = DblstmConfig {
            n_features,
            ..DblstmConfig::default()
        };
        let ms = vec![10, 20, 30, 60];
        Ok(match name {
            "crnn" => Self::Crnn(crnn),
            "crnn-nb" => Self::Crnn(CrnnConfig {
                branches: false,
                ..crnn
            }),
            "crnn-lstm" => Self::Crnn(CrnnConfig {
                cell: CellKind::Lstm,
                ..crnn
            }),
            "crnn-bigru" => Self::Crnn(CrnnConfig {
                cell: CellKind::BiGru,
                ..crnn
            }),
            "crnn-bilstm" => Self::Crnn(CrnnConfig {
                cell: CellKind::BiLstm,
                ..crnn
            }),
            "crnn-att" => Self::Crnn(CrnnConfig {
                attention_heads: 4,
                ..crnn
            }),
            "attention" => Self::Crnn(CrnnConfig {
                attention_heads: 4,
                rnn_layers: 0,
                ..crnn
            }),
            "crnn-ms" => Self::MultiScale(MultiScaleConfig {
                scales: ms,
                net: ScaleNetConfig::Crnn(crnn),
            }),
            "dblstm" => Self::Dblstm(dblstm),
            "dblstm-ms" => Self::MultiScale(MultiScaleConfig {
                scales: ms,
                net: ScaleNetConfig::Dblstm(dblstm),
            }),
            "ridge" => Self::Ridge(RidgeConfig {
                n_features,
                ..RidgeConfig::default()
            }),
            other => {
                return Err(ModelError::InvalidConfig(format!(
                    "unknown model {other:?}; known: {}",
                    PRESETS.join(", ")
                )));
            }
        })
    }

    /// Features per frame the model reads.
    pub fn n_features(&self) -> usize {
        match self {
            Self::Crnn(c) => c.n_features,
            Self::Dblstm(c) => c.n_features,
            Self::MultiScale(c) => match &c.net {
                ScaleNetConfig::Crnn(n) => n.n_features,
                ScaleNetConfig::Dblstm(n) => n.n_features,
            },
            Self::Ridge(c) => c.n_features,
        }
    }

    /// Parameters of the network (what a model file's weights section holds, 4 bytes each;
    /// 0 for ridge, whose coefficients live in the header), saturating.
    pub fn n_params(&self) -> u64 {
        match self {
            Self::Crnn(c) => c.n_params(),
            Self::Dblstm(c) => c.n_params(),
            Self::MultiScale(c) => c.n_params(),
            Self::Ridge(_) => 0,
        }
    }

    /// Floats the network allocates besides its parameters (positional encodings).
    pub fn n_buffer_floats(&self) -> u64 {
        match self {
            Self::Crnn(c) => c.n_buffer_floats(),
            Self::MultiScale(MultiScaleConfig {
                scales,
                net: ScaleNetConfig::Crnn(c),
            }) => c.n_buffer_floats().saturating_mul(scales.len() as u64),
            _ => 0,
        }
    }

    /// Longest window the network runs on, if it has a limit (attention-only CRNN branches:
    /// [`crate::crnn::MAX_ATTENTION_FRAMES`]).
    pub fn max_frames(&self) -> Option<usize> {
        match self {
            Self::Crnn(c)
            | Self::MultiScale(MultiScaleConfig {
                net: ScaleNetConfig::Crnn(c),
                ..
            }) => c.max_frames(),
            _ => None,
        }
    }

    /// Whether the model has separate arousal/valence branches (separate training applies).
    pub fn has_branches(&self) -> bool {
        matches!(self, Self::Crnn(c) if c.branches)
    }

    /// Checks the configuration: sizes in range (see [`limits`]), the network's parameter
    /// count and extra buffers within [`limits::MAX_PARAMS`] and
    /// [`limits::MAX_BUFFER_FLOATS`]. Computes nothing big: safe on untrusted configs.
    pub fn validate(&self) -> Result<()> {
        match self {
            Self::Crnn(c) => c.validate()?,
            Self::Dblstm(c) => c.validate()?,
            Self::MultiScale(c) => c.validate()?,
            Self::Ridge(c)
                if c.n_features == 0
                    || c.n_features > limits::MAX_FEATURES
                    || !c.lambda.is_finite()
                    || c.lambda < 0.0 =>
            {
                return Err(ModelError::InvalidConfig(format!(
                    "ridge config invalid (n_features in 1..={}, finite lambda ≥ 0): {c:?}",
                    limits::MAX_FEATURES
                )));
            }
            Self::Ridge(_) => {}
        }
        let n = self.n_params();
        if n > limits::MAX_PARAMS {
            return Err(ModelError::InvalidConfig(format!(
                "{n} parameters, above the limit {}",
                limits::MAX_PARAMS
            )));
        }
        let b = self.n_buffer_floats();
        if b > limits::MAX_BUFFER_FLOATS {
            return Err(ModelError::InvalidConfig(format!(
                "positional encodings of {b} floats, above the limit {} (fewer hidden units or branches)",
                limits::MAX_BUFFER_FLOATS
            )));
        }
        Ok(())
    }

    /// Builds the neural network (`None` for ridge, which has no burn network).
    pub fn init_net(&self, device: &Device) -> Option<Net> {
        match self {
            Self::Crnn(c) => Some(Net::Crnn(c.init(device))),
            Self::Dblstm(c) => Some(Net::Dblstm(c.init(device))),
            Self::MultiScale(c) => Some(Net::MultiScale(c.init(device))),
            Self::Ridge(_) => None,
        }
    }
}

/// Any of the neural networks.
#[derive(Module, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Net {
    /// CRNN family.
    Crnn(Crnn),
    /// DBLSTM.
    Dblstm(Dblstm),
    /// Multi-scale fusion.
    MultiScale(MultiScale),
}

impl Net {
    /// - `x`: `[batch, time, feat]` standardised features at 2 Hz
    /// - returns: `[batch, time, 2]` (arousal, valence)
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        self.forward_with(x, false)
    }

    /// [`forward`](Self::forward); `detach_trunk` stops gradients into a CRNN's convolution
    /// block (second phase of separate branch training; no effect on other nets).
    pub fn forward_with(&self, x: Tensor<3>, detach_trunk: bool) -> Tensor<3> {
        match self {
            Self::Crnn(m) => m.forward_with(x, detach_trunk),
            Self::Dblstm(m) => m.forward(x),
            Self::MultiScale(m) => m.forward(x),
        }
    }
}
