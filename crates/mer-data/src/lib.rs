//! Datasets in, as their publishers ship them: readers, splits and a feature cache.
//!
//! - [`load`] / [`load_lenient`]: read a corpus folder in a [`Format`] into a [`Dataset`] of
//!   [`Item`]s (audio path + [`Labels`]: dynamic [`DynamicAV`], static [`StaticAV`],
//!   [`Quadrant`]), every A/V value on [-1, 1] with its published [`Scale`] kept, and every
//!   bad row as a [`Problem`] with file and line.
//! - Readers, one module per corpus: [`deam`] (official DEAM + emoMusic 2013, MediaEval 2015
//!   split), [`pmemo`], [`fourq`], [`musifeast`], [`manifest`]; [`read_deam_features`] for
//!   DEAM's openSMILE frames.
//! - [`Split`]: official, k-fold by a stable id hash ([`fnv1a64`]), or a test-id list.
//! - [`Summary`]: what `mer data check` prints; [`probe_audio`] checks every file opens.
//! - [`FeatureCache`] and [`compute_all`]: per-(file content, settings) features on disk,
//!   computed on all cores.
//! - [`Matrix`] (re-exported from mer-features): `[frames, features]` f32, row-major.
//! - [`DataError`]: the crate's one error type.

mod cache;
mod dataset;
pub mod deam;
mod error;
mod find;
pub mod fourq;
pub mod manifest;
mod matrix;
pub mod musifeast;
pub mod pmemo;
mod probe;
mod series;
mod split;
mod summary;
mod table;

pub use cache::{CacheEntry, FeatureCache, compute_all, default_cache_dir};
pub use dataset::{
    Dataset, DynamicAV, Format, Item, Labels, LoadOptions, MAX_TIME_S, Problem, ProblemKind,
    Quadrant, Scale, StaticAV, Subset,
};
pub use error::DataError;
pub use matrix::{FrameFeatures, read_deam_features};
pub use mer_features::Matrix;
pub use probe::{audio_coverage, probe_audio};
pub use split::{Split, fnv1a64, fold_of, read_id_list};
pub use summary::{Range, Summary};

use std::path::Path;

/// Reads `dir` as `format`, keeping every problem in [`Dataset::problems`] and the good items
/// in [`Dataset::items`]. Fails only when nothing can be read (folder or annotation file
/// missing, a required file with the wrong header or delimiter).
pub fn load_lenient(dir: &Path, format: Format) -> Result<Dataset, DataError> {
    match format {
        Format::Deam => deam::load(dir),
        Format::Pmemo => pmemo::load(dir),
        Format::FourQ => fourq::load(dir),
        Format::Musifeast => musifeast::load(dir),
        Format::Manifest => manifest::load(dir),
    }
}

/// Reads `dir` as `format`; with `opts.skip_bad` false, any problem is an error
/// ([`DataError::BadRows`], naming the first), otherwise the good items are returned and the
/// problems kept in the dataset.
pub fn load(dir: &Path, format: Format, opts: &LoadOptions) -> Result<Dataset, DataError> {
    load_lenient(dir, format)?.check(opts)
}
