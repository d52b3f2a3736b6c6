//! Computing a feature set: from a file ([`Extractor::compute_file`], with the decoder's
//! warnings) or, for the 16 kHz sets, from samples in memory ([`compute_16k`]).

use std::path::Path;
use std::sync::OnceLock;

use mer_features::{Matrix, log_mel_file, pool_2hz};
use mer_musicnn::frontend::{self, HOP_LENGTH, SAMPLE_RATE};
use mer_musicnn::{Embedder, MusicnnEmbedder, Pretrained};

use crate::error::{FeatureSetError, Result};
use crate::registry::{FeatureSet, RATE_44K};

/// A computed feature matrix and the decoder's warnings (truncated file, …).
#[derive(Clone, Debug, PartialEq)]
pub struct Computed {
    /// `[frames, set.n_features()]` at 2 Hz.
    pub features: Matrix,
    /// Problems that did not stop decoding, one line each.
    pub warnings: Vec<String>,
}

/// Computes feature sets from files; loads each musicnn network once, on first use, and
/// shares it across threads (it is `Sync`).
///
/// musicnn runs in f32 here whatever the CPU ([`mer_musicnn::Precision::F32`], the path
/// verified against TensorFlow): these features train models, fill the feature cache and are
/// `mer features`' output, so they must not depend on whether the machine has AVX-512 BF16.
/// Prediction ([`mer_musicnn::default_precision`]) may use bf16.
#[derive(Debug, Default)]
pub struct Extractor {
    msd: OnceLock<MusicnnEmbedder>,
    others: [OnceLock<Embedder>; 3],
}

impl Extractor {
    /// An extractor with no network loaded yet.
    pub fn new() -> Extractor {
        Extractor::default()
    }

    /// MSD_musicnn (the default model's front end), loaded on first use.
    pub fn musicnn(&self) -> Result<&MusicnnEmbedder> {
        if let Some(e) = self.msd.get() {
            return Ok(e);
        }
        let e = MusicnnEmbedder::new()?.with_precision(mer_musicnn::Precision::F32);
        // Two threads may both load it; one copy is kept.
        let _ = self.msd.set(e);
        Ok(self.msd.get().expect("set above"))
    }

    pub(crate) fn embedder(&self, p: Pretrained) -> Result<&Embedder> {
        let i = match p {
            Pretrained::MttMusicnn => 0,
            Pretrained::MsdVgg => 1,
            _ => 2,
        };
        if let Some(e) = self.others[i].get() {
            return Ok(e);
        }
        let _ = self.others[i].set(Embedder::new(p)?.with_precision(mer_musicnn::Precision::F32));
        Ok(self.others[i].get().expect("set above"))
    }

    /// The features of `set` for the audio file `path` (`published`: the dataset's own
    /// feature file, needed by `deam-opensmile` only): `[frames, set.n_features()]`, with
    /// the decoder's warnings.
    pub fn compute_file(
        &self,
        set: FeatureSet,
        path: &Path,
        published: Option<&Path>,
    ) -> Result<Computed> {
        if let Some((a, b)) = set.parts() {
            if set == FeatureSet::Both {
                let audio = mer_audio::load(path, Some(SAMPLE_RATE))?;
                let (m, l) = compute_all_16k(&audio.samples, Some(self.musicnn()?))?;
                return Ok(Computed {
                    features: assemble(set, m.as_ref(), &l)?,
                    warnings: audio.warnings,
                });
            }
            let a = self.compute_file(a, path, published)?;
            let b = self.compute_file(b, path, published)?;
            let mut warnings = a.warnings;
            for w in b.warnings {
                if !warnings.contains(&w) {
                    warnings.push(w);
                }
            }
            return Ok(Computed {
                features: side_by_side(&a.features, &b.features),
                warnings,
            });
        }
        if let Some(cfg) = set.mel_44k() {
            let out = log_mel_file(path, &cfg)?;
            return Ok(Computed {
                features: pool_2hz(
                    &out.features,
                    out.n_samples,
                    cfg.hop_length,
                    cfg.sample_rate,
                ),
                warnings: out.warnings,
            });
        }
        if let Some(config) = set.smile_config() {
            let mut audio = mer_audio::load(path, Some(RATE_44K))?;
            if config == mer_smile::Config::Is13ComParE {
                mer_smile::pcm16_as_opensmile(&mut audio.samples);
            }
            let t = mer_smile::compute_kind_with(
                &audio.samples,
                audio.sample_rate,
                mer_smile::SmileKind::MediaEval260,
                config,
            )
            .map_err(|e| mer_smile::SmileError::InFile {
                path: path.to_path_buf(),
                source: Box::new(e),
            })?;
            return Ok(Computed {
                features: Matrix::new(t.times_s.len(), t.columns.len(), t.values),
                warnings: audio.warnings,
            });
        }
        if set == FeatureSet::DeamOpensmile {
            let file = published.ok_or_else(|| FeatureSetError::NotComputable {
                set: set.cli_name(),
                reason: format!("{}: no published feature file", path.display()),
            })?;
            return Ok(Computed {
                features: mer_data::read_deam_features(file)?.matrix,
                warnings: Vec::new(),
            });
        }
        // The 16 kHz sets: one musicnn log-mel of the whole file.
        let audio = mer_audio::load(path, Some(SAMPLE_RATE))?;
        let features = match set.pretrained() {
            Some(Pretrained::MsdMusicnn) | None => compute_16k(
                set,
                &audio.samples,
                if set.needs_musicnn() {
                    Some(self.musicnn()?)
                } else {
                    None
                },
            )?,
            Some(p) => {
                let logmel = frontend::logmel(&audio.samples)?; // [mel frames, 96]
                let m = self.embedder(p)?.embed_2hz_logmel(&logmel)?; // [frames, dim]
                mer_musicnn::embed::exact_frames(m, audio.samples.len() as u64)
            }
        };
        Ok(Computed {
            features,
            warnings: audio.warnings,
        })
    }
}

/// musicnn's features of mono 16 kHz samples from one log-mel: `(MSD_musicnn embeddings
/// [frames, 200], log-mel pooled to 2 Hz [frames, 96])`; the embeddings are `None` when no
/// embedder is given.
pub fn compute_all_16k(
    samples_16k: &[f32],
    embedder: Option<&MusicnnEmbedder>,
) -> Result<(Option<Matrix>, Matrix)> {
    let n = samples_16k.len() as u64;
    let logmel = frontend::logmel(samples_16k)?; // [mel frames, 96]
    let pooled = pool_2hz(&logmel, n, HOP_LENGTH, SAMPLE_RATE); // [frames, 96]
    let emb = match embedder {
        // [frames, 200]
        Some(e) => Some(e.embed_2hz_exact(&logmel, n)?),
        None => None,
    };
    Ok((emb, pooled))
}

/// The features of a 16 kHz set ([`FeatureSet::ALL`]) from [`compute_all_16k`]'s parts:
/// `[frames, set.n_features()]`. An error for other sets, or when `set` needs musicnn and
/// `musicnn` is `None`.
pub fn assemble(set: FeatureSet, musicnn: Option<&Matrix>, logmel: &Matrix) -> Result<Matrix> {
    let need = || FeatureSetError::NotComputable {
        set: set.cli_name(),
        reason: "needs musicnn embeddings, which were not computed".into(),
    };
    match set {
        FeatureSet::LogMel => Ok(logmel.clone()),
        FeatureSet::Musicnn => Ok(musicnn.ok_or_else(need)?.clone()),
        FeatureSet::Both => Ok(side_by_side(musicnn.ok_or_else(need)?, logmel)),
        _ => Err(FeatureSetError::NotComputable {
            set: set.cli_name(),
            reason: "not one of the sets of musicnn's 16 kHz front end".into(),
        }),
    }
}

/// The features of a 16 kHz set for mono 16 kHz samples: `[frames, set.n_features()]`.
pub fn compute_16k(
    set: FeatureSet,
    samples_16k: &[f32],
    embedder: Option<&MusicnnEmbedder>,
) -> Result<Matrix> {
    let (m, l) = compute_all_16k(samples_16k, embedder.filter(|_| set.needs_musicnn()))?;
    assemble(set, m.as_ref(), &l)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_puts_musicnn_first_and_crops() {
        let m = Matrix::new(2, 2, vec![1.0, 2.0, 3.0, 4.0]);
        let l = Matrix::new(3, 1, vec![9.0, 8.0, 7.0]);
        let b = assemble(FeatureSet::Both, Some(&m), &l).unwrap();
        assert_eq!((b.rows, b.cols), (2, 3));
        assert_eq!(b.data, vec![1.0, 2.0, 9.0, 3.0, 4.0, 8.0]);
        assert!(assemble(FeatureSet::Musicnn, None, &l).is_err());
        assert!(assemble(FeatureSet::LogMel40, Some(&m), &l).is_err());
    }
}
