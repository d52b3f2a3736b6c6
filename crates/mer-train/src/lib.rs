//! mer-train: training mer's models. Inference lives in mer-predict; this crate is what
//! `mer train`, `mer eval`, `mer experiment` and the embedded models' report build on.
//!
//! ```text
//! dataset items ─► features (mer-featureset, cached with decoder warnings) ─► examples
//!   ─► recipes (ridge head, CRNN, distillation) ─► one CV by song ─► model selection
//! ```
//!
//! - [`example`]: the one Item → Example adapter ([`example_of`]).
//! - [`load`]: datasets as examples ([`load_examples`]), features through the cache.
//! - [`shared`]: the shared data as clips with the embedded models' features ([`SharedData`]).
//! - [`recipe`]: the embedded models' recipes ([`Preset`]), ridge head, distillation.
//! - [`cv`]: one cross-validation with one fold rule, by clip id ([`cv::folds`]).
//! - [`protocol`]: honest model selection: a fixed holdout and nested CV.
//! - [`quadrant`]: the default's quadrant head, its settings chosen by inner CV.
//! - [`TrainError`]: the crate's one error type.

pub mod cv;
mod error;
pub mod example;
pub mod load;
pub mod protocol;
pub mod quadrant;
pub mod recipe;
pub mod shared;

pub use error::{Result, TrainError};
pub use example::{example_of, labels_of};
pub use load::{Loaded, Source, load_examples};
pub use recipe::{Preset, train_on_clips, train_preset, train_shipped};
pub use shared::{Clip, SharedData};
