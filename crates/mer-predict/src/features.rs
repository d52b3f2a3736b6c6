//! The input features of the shipped models, computed once per file from one front end.
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

use mer_features::{Matrix, MelConfig, pool_2hz};
use mer_musicnn::MusicnnEmbedder;
use mer_musicnn::frontend::{self, HOP_LENGTH, N_MELS, SAMPLE_RATE};
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// Version of the log-mel feature set; bump it when its values can change.
pub const LOGMEL_FEATURE_SET: &str = "logmel96-musicnn-16k-2hz-v1";
/// Name of the concatenation of musicnn embeddings and the 2 Hz log-mel.
pub const BOTH_FEATURE_SET: &str = "musicnn+logmel96-16k-2hz-v1";

/// Which features a model reads (stored by name in the model file's `features.name`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    /// musicnn MSD penultimate embeddings, `[frames, 200]`.
    Musicnn,
    /// musicnn's log-mel pooled to 2 Hz, `[frames, 96]`.
    LogMel,
    /// Both, `[frames, 296]` (musicnn columns first).
    Both,
    /// 40 log-mel bands of the paper (Malik et al. 2017: 44.1 kHz, n_fft 2048, hop 1024, no
    /// upper limit), 2 Hz: what `mer train --features logmel` writes. Computed from the file
    /// at 44.1 kHz, not from the 16 kHz samples; not in [`InputKind::ALL`].
    LogMel40,
    /// The same with the bands limited to 10 kHz: `mer train --features logmel-10k` (its
    /// default).
    LogMel40Fmax10k,
    /// musicnn embeddings (16 kHz) beside [`InputKind::LogMel40Fmax10k`] (44.1 kHz),
    /// `[frames, 240]`, musicnn first: `mer train --features logmel-musicnn`.
    MusicnnLogMel40Fmax10k,
}

impl InputKind {
    /// Every kind.
    pub const ALL: [InputKind; 3] = [InputKind::Musicnn, InputKind::LogMel, InputKind::Both];

    /// The kinds computed from the file at 44.1 kHz (models written by `mer train`).
    pub const FROM_FILE: [InputKind; 3] = [
        InputKind::LogMel40,
        InputKind::LogMel40Fmax10k,
        InputKind::MusicnnLogMel40Fmax10k,
    ];

    /// Feature-set name written into model files (for the 44.1 kHz log-mels, the names
    /// `mer train` writes).
    pub fn feature_set(self) -> &'static str {
        match self {
            InputKind::Musicnn => mer_musicnn::FEATURE_SET,
            InputKind::LogMel => LOGMEL_FEATURE_SET,
            InputKind::Both => BOTH_FEATURE_SET,
            InputKind::LogMel40 => "logmel40-malik2017",
            InputKind::LogMel40Fmax10k => "logmel40-fmax10k",
            InputKind::MusicnnLogMel40Fmax10k => "musicnn-msd-penultimate+logmel40-fmax10k-2hz",
        }
    }

    /// Version of [`feature_set`](Self::feature_set) this build computes, as written into
    /// model files (`mer train` writes "1" for all of these; the 16 kHz names carry their
    /// version in the name too). Bump it whenever the values change.
    pub fn feature_version(self) -> &'static str {
        "1"
    }

    /// The kind whose [`feature_set`](Self::feature_set) is `name`.
    pub fn from_feature_set(name: &str) -> Option<InputKind> {
        Self::ALL
            .into_iter()
            .chain(Self::FROM_FILE)
            .find(|k| k.feature_set() == name)
    }

    /// The mel settings of the kinds computed at 44.1 kHz (`None` for the 16 kHz kinds).
    pub fn mel_44k(self) -> Option<MelConfig> {
        match self {
            InputKind::LogMel40 => Some(MelConfig::malik2017()),
            InputKind::LogMel40Fmax10k | InputKind::MusicnnLogMel40Fmax10k => Some(MelConfig {
                fmax: Some(10_000.0),
                ..MelConfig::malik2017()
            }),
            _ => None,
        }
    }

    /// Values per frame.
    pub fn n_features(self) -> usize {
        match self {
            InputKind::Musicnn => mer_musicnn::EMBEDDING_DIM,
            InputKind::LogMel => N_MELS,
            InputKind::Both => mer_musicnn::EMBEDDING_DIM + N_MELS,
            InputKind::LogMel40 | InputKind::LogMel40Fmax10k => 40,
            InputKind::MusicnnLogMel40Fmax10k => mer_musicnn::EMBEDDING_DIM + 40,
        }
    }

    /// Whether computing the features runs musicnn.
    pub fn needs_musicnn(self) -> bool {
        matches!(
            self,
            InputKind::Musicnn | InputKind::Both | InputKind::MusicnnLogMel40Fmax10k
        )
    }

    /// A short name for reports (`musicnn`, `logmel`, `both`).
    pub fn short(self) -> &'static str {
        match self {
            InputKind::Musicnn => "musicnn",
            InputKind::LogMel => "logmel",
            InputKind::Both => "both",
            InputKind::LogMel40 => "logmel40",
            InputKind::LogMel40Fmax10k => "logmel40-10k",
            InputKind::MusicnnLogMel40Fmax10k => "musicnn+logmel40-10k",
        }
    }
}

/// Sample rate every model here reads, Hz.
pub const MODEL_RATE: u32 = SAMPLE_RATE;

/// All features of mono 16 kHz samples: `(musicnn [frames, 200], logmel [frames, 96])`;
/// musicnn is `None` when no embedder is given.
pub fn compute_all(
    samples_16k: &[f32],
    embedder: Option<&MusicnnEmbedder>,
) -> Result<(Option<Matrix>, Matrix)> {
    let n = samples_16k.len() as u64;
    let logmel = frontend::logmel(samples_16k)?; // [mel frames, 96]
    let pooled = pool_2hz(&logmel, n, HOP_LENGTH, SAMPLE_RATE); // [frames, 96]
    let emb = match embedder {
        // [frames, 200]
        Some(e) => Some(mer_musicnn::embed::exact_frames(
            e.embed_2hz_logmel(&logmel)?,
            n,
        )),
        None => None,
    };
    Ok((emb, pooled))
}

/// The features of `kind` from [`compute_all`]'s parts: `[frames, kind.n_features()]`.
///
/// Panics if `kind` needs musicnn and `musicnn` is `None`, or is a 44.1 kHz kind (programming
/// errors: those come from the file, see [`InputKind::mel_44k`]).
pub fn assemble(kind: InputKind, musicnn: Option<&Matrix>, logmel: &Matrix) -> Matrix {
    match kind {
        InputKind::LogMel40 | InputKind::LogMel40Fmax10k | InputKind::MusicnnLogMel40Fmax10k => {
            panic!("{kind:?} is computed from 44.1 kHz audio, not assembled")
        }
        InputKind::LogMel => logmel.clone(),
        InputKind::Musicnn => musicnn.expect("musicnn features computed").clone(),
        InputKind::Both => side_by_side(musicnn.expect("musicnn features computed"), logmel),
    }
}

/// `a`'s columns then `b`'s, frame by frame: `[min(rows), a.cols + b.cols]`.
pub fn side_by_side(a: &Matrix, b: &Matrix) -> Matrix {
    let rows = a.rows.min(b.rows);
    let mut data = Vec::with_capacity(rows * (a.cols + b.cols));
    for r in 0..rows {
        data.extend_from_slice(a.row(r));
        data.extend_from_slice(b.row(r));
    }
    Matrix::new(rows, a.cols + b.cols, data)
}

/// The features of `kind` for mono 16 kHz samples: `[frames, kind.n_features()]`.
pub fn compute(
    kind: InputKind,
    samples_16k: &[f32],
    embedder: Option<&MusicnnEmbedder>,
) -> Result<Matrix> {
    let (m, l) = compute_all(samples_16k, embedder.filter(|_| kind.needs_musicnn()))?;
    Ok(assemble(kind, m.as_ref(), &l))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_set_names_round_trip() {
        for k in InputKind::ALL.into_iter().chain(InputKind::FROM_FILE) {
            assert_eq!(InputKind::from_feature_set(k.feature_set()), Some(k));
        }
        // The CLI's other feature sets are not computed here.
        assert_eq!(
            InputKind::from_feature_set("mediaeval260-mer-smile-44k"),
            None
        );
        assert_eq!(InputKind::from_feature_set("deam-opensmile-260"), None);
        // The 44.1 kHz log-mels come from the file, and only they have mel settings.
        for k in InputKind::ALL {
            assert!(k.mel_44k().is_none());
        }
        assert_eq!(
            InputKind::LogMel40Fmax10k.mel_44k().and_then(|c| c.fmax),
            Some(10_000.0)
        );
    }

    #[test]
    fn both_puts_musicnn_first() {
        let m = Matrix::new(2, 2, vec![1.0, 2.0, 3.0, 4.0]);
        let l = Matrix::new(3, 1, vec![9.0, 8.0, 7.0]);
        let b = assemble(InputKind::Both, Some(&m), &l);
        assert_eq!((b.rows, b.cols), (2, 3));
        assert_eq!(b.data, vec![1.0, 2.0, 9.0, 3.0, 4.0, 8.0]);
    }
}
