//! The input features of the shipped models, computed once per file from one front end.
//!
//! The feature sets themselves (names, versions, widths, settings, cache keys, how each is
//! computed) live in one registry, [`mer_featureset::FeatureSet`]; [`InputKind`] is that type
//! under the name this crate has always used.
//!
//! Every model here reads audio at **16 kHz** (musicnn's rate): whatever the file's rate,
//! bitrate or channel count, it is decoded to mono and resampled to 16 kHz, so nothing above
//! 8 kHz reaches a model. This is the defence against the data README's *bandwidth trap* (the
//! 4Q and MUSIFEAST-17 copies are 22.05 kHz, users' files are 44.1 kHz full band): both look
//! the same below 8 kHz.
//!
//! One log-mel is computed over the whole file (musicnn's front end, [`mer_musicnn::frontend`]:
//! 512/256 STFT, 96 Slaney bands to 8 kHz, `log10(10000·f16(mel) + 1)`), then
//! - [`InputKind::Musicnn`]: musicnn's 200-d penultimate embedding of the 3 s patch centred on
//!   each 0.5 s frame (`[frames, 200]`, [`mer_musicnn::MusicnnEmbedder::embed_2hz_logmel`]);
//!   the convolutions run once per 2 Hz frame over slices of that one log-mel;
//! - [`InputKind::LogMel`]: the same log-mel mean-pooled to 2 Hz (`[frames, 96]`,
//!   [`mer_features::pool_2hz`]);
//! - [`InputKind::Both`]: the two side by side (`[frames, 296]`, musicnn first).
//!
//! Frame `k` covers `[0.5k, 0.5k + 0.5)` s of the (cropped) audio in all three.

use mer_features::Matrix;
use mer_musicnn::MusicnnEmbedder;

use crate::error::Result;

pub use mer_featureset::{BOTH_FEATURE_SET, LOGMEL_FEATURE_SET, side_by_side};

/// Which features a model reads (stored by name in the model file's `features.name`): the
/// feature-set registry's [`mer_featureset::FeatureSet`].
pub type InputKind = mer_featureset::FeatureSet;

/// Sample rate every model here reads, Hz.
pub const MODEL_RATE: u32 = mer_featureset::RATE_16K;

/// All features of mono 16 kHz samples: `(musicnn [frames, 200], logmel [frames, 96])`;
/// musicnn is `None` when no embedder is given.
pub fn compute_all(
    samples_16k: &[f32],
    embedder: Option<&MusicnnEmbedder>,
) -> Result<(Option<Matrix>, Matrix)> {
    Ok(mer_featureset::compute_all_16k(samples_16k, embedder)?)
}

/// The features of `kind` from [`compute_all`]'s parts: `[frames, kind.n_features()]`; an
/// error when `kind` needs musicnn and `musicnn` is `None`, or is not a 16 kHz set.
pub fn assemble(kind: InputKind, musicnn: Option<&Matrix>, logmel: &Matrix) -> Result<Matrix> {
    Ok(mer_featureset::assemble(kind, musicnn, logmel)?)
}

/// The features of `kind` for mono 16 kHz samples: `[frames, kind.n_features()]`.
pub fn compute(
    kind: InputKind,
    samples_16k: &[f32],
    embedder: Option<&MusicnnEmbedder>,
) -> Result<Matrix> {
    Ok(mer_featureset::compute_16k(kind, samples_16k, embedder)?)
}
