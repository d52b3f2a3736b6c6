//! What `mer features` (and the Python package's `mer.features`) computes, from a file or from
//! samples in memory: the registry's sets ([`Extractor::frames`]) and the two views outside
//! the registry — the 40-band log-mel at the STFT rate and any sample rate ([`log_mel`]) and
//! openSMILE's 65 `ComParE_2016` LLDs every 10 ms ([`smile_lld`]).

use std::borrow::Cow;
use std::path::Path;

use mer_features::{Matrix, MelConfig, log_mel_file, pool_2hz};
use mer_musicnn::Pretrained;
use mer_musicnn::frontend::{self, SAMPLE_RATE};

use crate::compute::{Extractor, assemble, compute_16k, compute_all_16k, side_by_side};
use crate::error::{FeatureSetError, Result};
use crate::registry::{FeatureSet, RATE_44K};

/// The audio to analyse: a file (any format `mer_audio` decodes), or mono samples with their
/// rate, which give what a file decoding to these samples gives (same resampler, fed at once
/// rather than chunk by chunk: equal within float rounding).
#[derive(Debug, Clone, Copy)]
pub enum Input<'a> {
    /// An audio file.
    File(&'a Path),
    /// Mono samples at `sample_rate` Hz (finite values, rate > 0).
    Samples {
        /// The samples.
        samples: &'a [f32],
        /// Their rate, Hz.
        sample_rate: u32,
    },
}

impl Input<'_> {
    /// The samples at `rate` Hz, with the decoder's warnings (none for samples in memory).
    fn load(&self, rate: u32) -> Result<(Cow<'_, [f32]>, Vec<String>)> {
        match *self {
            Input::File(path) => {
                let audio = mer_audio::load(path, Some(rate))?;
                Ok((Cow::Owned(audio.samples), audio.warnings))
            }
            Input::Samples {
                samples,
                sample_rate,
            } => Ok((resample(samples, sample_rate, rate)?, Vec::new())),
        }
    }

    fn check(&self) -> Result<()> {
        if let Input::Samples {
            samples,
            sample_rate,
        } = *self
        {
            if sample_rate == 0 {
                return Err(FeatureSetError::BadSamples("sample rate 0".into()));
            }
            if let Some(i) = samples.iter().position(|v| !v.is_finite()) {
                return Err(FeatureSetError::BadSamples(format!(
                    "non-finite sample at index {i}"
                )));
            }
        }
        Ok(())
    }
}

/// Resamples mono samples with `mer_audio`'s resampler (borrowed when `from == to`).
fn resample(samples: &[f32], from: u32, to: u32) -> Result<Cow<'_, [f32]>> {
    if from == to {
        return Ok(Cow::Borrowed(samples));
    }
    let bad = |e: String| FeatureSetError::BadSamples(format!("resampling {from} → {to} Hz: {e}"));
    let mut r = mer_audio::StreamResampler::new(from, to).map_err(bad)?;
    let mut out = Vec::with_capacity(samples.len() * to as usize / from as usize + 1024);
    r.push(samples, &mut out).map_err(bad)?;
    r.finish(&mut out).map_err(bad)?;
    Ok(Cow::Owned(out))
}

/// A feature matrix as `mer features` writes it: values, column names, frame hop.
#[derive(Debug, Clone, PartialEq)]
pub struct Frames {
    /// `[frames, features]`.
    pub features: Matrix,
    /// Column names, `[features]` (openSMILE's / DEAM's names for the openSMILE tables).
    pub names: Vec<String>,
    /// Seconds between frames.
    pub hop_s: f64,
    /// Problems that did not stop decoding, one line each.
    pub warnings: Vec<String>,
    /// The openSMILE-style table (frame times, names, values) of the openSMILE views, as
    /// `mer_smile::write_table` writes it.
    pub smile: Option<mer_smile::Table>,
}

impl Frames {
    fn of_table(t: mer_smile::Table, warnings: Vec<String>) -> Frames {
        Frames {
            features: Matrix::new(t.times_s.len(), t.columns.len(), t.values.clone()),
            names: t.columns.clone(),
            hop_s: t.times_s.get(1).copied().unwrap_or(0.0),
            warnings,
            smile: Some(t),
        }
    }
}

/// The 40 log mel-band energies of Malik et al. 2017 (`ln(mel power + 1e-10)`, librosa's
/// `melspectrogram` defaults: n_fft 2048, hop 1024, Slaney bands, centred frames) at
/// `sample_rate` Hz: one frame per STFT hop, or at 2 Hz when `two_hz` (frame `k` = mean of the
/// STFT frames centred in `[0.5k, 0.5k + 0.5)` s). `[frames, 40]`.
pub fn log_mel(input: Input<'_>, sample_rate: u32, two_hz: bool) -> Result<Frames> {
    input.check()?;
    let cfg = MelConfig {
        sample_rate,
        ..MelConfig::malik2017()
    };
    let (stft, n_samples, warnings) = match input {
        Input::File(path) => {
            let out = log_mel_file(path, &cfg)?;
            (out.features, out.n_samples, out.warnings)
        }
        Input::Samples { .. } => {
            let (x, warnings) = input.load(cfg.sample_rate)?;
            let lm = mer_features::log_mel(&x, &cfg)?;
            (lm, x.len() as u64, warnings)
        }
    };
    let (features, hop_s) = if two_hz {
        (
            pool_2hz(&stft, n_samples, cfg.hop_length, cfg.sample_rate),
            mer_features::FRAME_HOP_S,
        )
    } else {
        (stft, cfg.hop_length as f64 / f64::from(cfg.sample_rate))
    };
    Ok(Frames {
        features,
        names: (0..cfg.n_mels).map(|m| format!("mel_{m}")).collect(),
        hop_s,
        warnings,
        smile: None,
    })
}

/// openSMILE's 65 `ComParE_2016` LLDs every 10 ms (mer-smile) at `sample_rate` Hz, with
/// openSMILE's column names and table.
pub fn smile_lld(input: Input<'_>, sample_rate: u32) -> Result<Frames> {
    smile(
        input,
        sample_rate,
        mer_smile::SmileKind::Lld,
        mer_smile::Config::ComParE2016,
    )
}

fn smile(
    input: Input<'_>,
    sample_rate: u32,
    kind: mer_smile::SmileKind,
    config: mer_smile::Config,
) -> Result<Frames> {
    input.check()?;
    match input {
        Input::File(path) => Ok(Frames::of_table(
            mer_smile::compute_file_with(path, Some(sample_rate), kind, config)?,
            Vec::new(),
        )),
        Input::Samples { .. } => {
            let (x, warnings) = input.load(sample_rate)?;
            let mut x = x.into_owned();
            if config == mer_smile::Config::Is13ComParE {
                mer_smile::pcm16_as_opensmile(&mut x);
            }
            let t = mer_smile::compute_kind_with(&x, sample_rate, kind, config)?;
            Ok(Frames::of_table(t, warnings))
        }
    }
}

impl Extractor {
    /// The 2 Hz features of a registry set as `mer features --kind SET --rate 2hz` writes them.
    /// The openSMILE sets (`mediaeval260`, `mediaeval260-is13`) keep openSMILE's table layout
    /// (DEAM's column names) and are computed at `sample_rate` Hz; the other sets at their own
    /// rate ([`FeatureSet::sample_rate`]), with columns `{short}_{i}`.
    pub fn frames(&self, set: FeatureSet, input: Input<'_>, sample_rate: u32) -> Result<Frames> {
        if let Some(config) = set.smile_config() {
            return smile(
                input,
                sample_rate,
                mer_smile::SmileKind::MediaEval260,
                config,
            );
        }
        let c = match input {
            Input::File(path) => self.compute_file(set, path, None)?,
            Input::Samples { .. } => crate::Computed {
                features: self.compute_input(set, input)?,
                warnings: Vec::new(),
            },
        };
        Ok(Frames {
            names: (0..c.features.cols)
                .map(|i| format!("{}_{i}", set.short()))
                .collect(),
            features: c.features,
            hop_s: mer_features::FRAME_HOP_S,
            warnings: c.warnings,
            smile: None,
        })
    }

    /// The features of `set` for mono `samples` at `sample_rate` Hz, as
    /// [`Extractor::compute_file`] computes them from a file decoding to these samples:
    /// `[frames, set.n_features()]`. `deam-opensmile` (read from the dataset's files) is an
    /// error.
    pub fn compute_samples(
        &self,
        set: FeatureSet,
        samples: &[f32],
        sample_rate: u32,
    ) -> Result<Matrix> {
        self.compute_input(
            set,
            Input::Samples {
                samples,
                sample_rate,
            },
        )
    }

    fn compute_input(&self, set: FeatureSet, input: Input<'_>) -> Result<Matrix> {
        input.check()?;
        if let Some((a, b)) = set.parts() {
            if set == FeatureSet::Both {
                let (x, _) = input.load(SAMPLE_RATE)?;
                let (m, l) = compute_all_16k(&x, Some(self.musicnn()?))?;
                return assemble(set, m.as_ref(), &l);
            }
            let a = self.compute_input(a, input)?;
            let b = self.compute_input(b, input)?;
            return Ok(side_by_side(&a, &b));
        }
        if let Some(cfg) = set.mel_44k() {
            let (x, _) = input.load(cfg.sample_rate)?;
            let lm = mer_features::log_mel(&x, &cfg)?;
            return Ok(pool_2hz(
                &lm,
                x.len() as u64,
                cfg.hop_length,
                cfg.sample_rate,
            ));
        }
        if let Some(config) = set.smile_config() {
            let (x, _) = input.load(RATE_44K)?;
            let mut x = x.into_owned();
            if config == mer_smile::Config::Is13ComParE {
                mer_smile::pcm16_as_opensmile(&mut x);
            }
            let t = mer_smile::compute_kind_with(
                &x,
                RATE_44K,
                mer_smile::SmileKind::MediaEval260,
                config,
            )?;
            return Ok(Matrix::new(t.times_s.len(), t.columns.len(), t.values));
        }
        if set == FeatureSet::DeamOpensmile {
            return Err(FeatureSetError::NotComputable {
                set: set.cli_name(),
                reason: "read from the dataset's published feature files, not from audio".into(),
            });
        }
        let (x, _) = input.load(SAMPLE_RATE)?;
        Ok(match set.pretrained() {
            Some(Pretrained::MsdMusicnn) | None => compute_16k(
                set,
                &x,
                if set.needs_musicnn() {
                    Some(self.musicnn()?)
                } else {
                    None
                },
            )?,
            Some(p) => {
                let logmel = frontend::logmel(&x)?; // [mel frames, 96]
                let m = self.embedder(p)?.embed_2hz_logmel(&logmel)?; // [frames, dim]
                mer_musicnn::embed::exact_frames(m, x.len() as u64)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 3 s of a 440 Hz tone at 22.05 kHz.
    fn tone() -> Vec<f32> {
        (0..66_150)
            .map(|i| 0.3 * (i as f32 * 440.0 * std::f32::consts::TAU / 22_050.0).sin())
            .collect()
    }

    #[test]
    fn samples_give_the_shapes_of_each_view() {
        let x = tone();
        let input = Input::Samples {
            samples: &x,
            sample_rate: 22_050,
        };
        // 3 s at 44.1 kHz, hop 1024, centred: 1 + 132300 / 1024 frames.
        let stft = log_mel(input, 44_100, false).unwrap();
        assert_eq!((stft.features.rows, stft.features.cols), (130, 40));
        let two = log_mel(input, 44_100, true).unwrap();
        assert_eq!((two.features.rows, two.hop_s), (6, 0.5));
        // The registry's logmel-10k is the 40-band log-mel at 2 Hz with fmax 10 kHz.
        let ex = Extractor::new();
        let m = ex
            .compute_samples(FeatureSet::LogMel40Fmax10k, &x, 22_050)
            .unwrap();
        assert_eq!((m.rows, m.cols), (6, 40));
        let t = ex.frames(FeatureSet::LogMel, input, 44_100).unwrap();
        assert_eq!((t.features.cols, t.names[0].as_str()), (96, "logmel_0"));
    }

    #[test]
    fn bad_samples_name_the_problem() {
        let bad = [0.0, f32::NAN];
        let input = Input::Samples {
            samples: &bad,
            sample_rate: 22_050,
        };
        let e = log_mel(input, 44_100, true).unwrap_err().to_string();
        assert!(e.contains("index 1"), "{e}");
        let e = Extractor::new()
            .compute_samples(FeatureSet::DeamOpensmile, &[0.0; 100], 16_000)
            .unwrap_err()
            .to_string();
        assert!(e.contains("deam-opensmile"), "{e}");
    }
}
