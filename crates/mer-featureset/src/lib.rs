//! mer-featureset: the one registry of mer's feature sets.
//!
//! Every set a model can read is a [`FeatureSet`]: its command-line name, the name and
//! version written into model files, its width, frame rate (2 Hz), analysis sample rate, the
//! settings that produce it, its feature-cache key (including [`mer_audio::RESAMPLER`]) and
//! the function that computes it ([`Extractor::compute_file`], [`Extractor::compute_samples`]).
//! [`Extractor::frames`], [`log_mel`] and [`smile_lld`] give what `mer features` writes (also
//! the Python package's `mer.features`), from a file or samples in memory.
//! `mer train/eval/experiment`, `mer features` and `mer_predict::Predictor` all look sets up
//! here.
//!
//! ```text
//! audio file ─► 16 kHz ─► musicnn log-mel ─┬─► musicnn / musicnn-mtt / vgg-msd / vgg-mtt
//!                                           └─► logmel96 (pooled to 2 Hz)
//!            ─► 44.1 kHz ─► 40-band log-mel (logmel, logmel-10k) │ mer-smile (mediaeval260[-is13])
//! DEAM features/<id>.csv ─► deam-opensmile
//! ```

mod compute;
mod error;
mod frames;
mod registry;

pub use compute::{Computed, Extractor, assemble, compute_16k, compute_all_16k, side_by_side};
pub use error::{FeatureSetError, Result};
pub use frames::{Frames, Input, log_mel, smile_lld};
pub use registry::{
    BOTH_FEATURE_SET, FRAME_RATE_HZ, FeatureSet, LOGMEL_FEATURE_SET, RATE_16K, RATE_44K,
};
