//! mer-predict: music emotion prediction out of the box.
//!
//! ```text
//! audio file / samples ─► 16 kHz mono ─► musicnn log-mel (once per file)
//!    ├─► musicnn embeddings at 2 Hz [frames, 200] ─► default model (ridge head)
//!    └─► log-mel pooled to 2 Hz     [frames, 96]  ─► fast model (CRNN)
//!  ─► dynamic arousal/valence every 0.5 s ─► song-level values, quadrant, confidence
//! ```
//!
//! - [`Predictor`]: the embedded default model ([`Predictor::default_model`]), the fast one,
//!   or a model file; predicts a file ([`Predictor::predict_file`]), an interval of it, or
//!   samples in memory ([`Predictor::predict_samples`]) → [`SongPrediction`].
//! - [`features`]: the input features ([`InputKind`], the feature-set registry's
//!   `mer_featureset::FeatureSet`) and why everything runs at 16 kHz.
//! - [`Scale`]: output on [-1, 1], 1–9 or 0–1. [`output`]: table, JSON Lines, CSV.
//! - [`plot`]: SVG/PNG plots of the series and the valence–arousal trajectory.
//! - Training (the embedded models' recipes, the shared-data loader, the cross-validation
//!   behind `models/REPORT.md`) is crate `mer-train`; this crate only predicts.
//! - [`PredictError`]: the crate's one error type.

mod error;
pub mod features;
pub mod output;
pub mod plot;
mod predictor;
mod scale;

pub use error::{PredictError, Result};
pub use features::InputKind;
pub use predictor::{
    DEFAULT_MODEL, FAST_MODEL, HOP_S, Interval, ModelChoice, Predictor, STATIC_PATCH_STRIDE,
    SongPrediction, quadrant_of,
};
pub use scale::Scale;
