//! mer-model: models, training and evaluation for music emotion recognition in burn
//! (flex CPU backend by default; `wgpu` / `cuda` cargo features add GPU backends).
//!
//! Models ([`ModelConfig`], [`Net`]):
//! - [`crnn`]: CRNN / CRNN_NB of Malik et al. 2017, any recurrent cell, self-attention;
//! - [`dblstm`]: Li et al. 2016's deep bidirectional LSTM; [`multiscale`]: multi-scale fusion;
//! - [`ridge`]: ridge regression on frame features (closed form); [`quadrant`]: the
//!   logistic quadrant head beside it;
//! - [`gru`]: the fused GRU cell; [`recurrent`]: the cell switch.
//!
//! Pipeline: [`data`] (inputs, standardisation, sequences) → [`train`](mod@train) →
//! [`MerModel`] ([`file`](mod@file): the self-describing model file; [`predict`]: whole songs) →
//! [`metrics`] and [`eval`] (k-fold cross-validation). [`bench`](mod@bench): `mer bench`.

mod attention;
pub mod bench;
pub mod crnn;
pub mod data;
pub mod dblstm;
mod error;
pub mod eval;
pub mod file;
pub mod gru;
pub mod metrics;
pub mod model;
pub mod multiscale;
pub mod predict;
pub mod quadrant;
pub mod recurrent;
pub mod ridge;
pub mod student;
pub mod train;

pub use burn;
pub use data::{ClipLabels, DynamicLabels, Example, Standardizer};
pub use error::{ModelError, Result};
pub use file::{FeatureSpec, MerModel, load_model, load_model_file};
pub use model::{ModelConfig, Net};
pub use predict::Prediction;
pub use train::{BranchTraining, TrainConfig, TrainSet, train};
