//! Log mel-band energies: the paper's raw input (Malik et al. 2017, §3.1), computed exactly as
//! `np.log(librosa.feature.melspectrogram(y=y, sr=sr, n_fft=n_fft, hop_length=hop, n_mels=40) + 1e-10)`.

use std::path::Path;

use crate::mel::MelFilterbank;
use crate::stft::PowerStft;
use crate::{FeatureError, Matrix};

/// Largest FFT length accepted (2^20 samples, 24 s at 44.1 kHz).
const MAX_N_FFT: usize = 1 << 20;

/// Longest stated duration, seconds, that [`log_mel_file`] reserves memory for up front.
const MAX_RESERVE_S: f64 = 3600.0;

/// Floor added before the logarithm: `ln(mel_power + 1e-10)`, so silence gives `ln(1e-10)`.
pub const LOG_FLOOR: f32 = 1e-10;

/// Settings of the mel spectrogram. Defaults ([`MelConfig::malik2017`]) reproduce the paper's
/// front end with librosa's conventions (librosa 0.10/0.11 `feature.melspectrogram`).
#[derive(Debug, Clone, PartialEq)]
pub struct MelConfig {
    /// Analysis rate, Hz; audio is resampled to it. Paper: 44 100.
    pub sample_rate: u32,
    /// FFT length = window length, samples. Paper/librosa: 2048 (46 ms at 44.1 kHz).
    pub n_fft: usize,
    /// Hop, samples. Ours: 1024 (50 % overlap; librosa's default would be 512).
    pub hop_length: usize,
    /// Number of mel bands. Paper: 40.
    pub n_mels: usize,
    /// Lowest band edge, Hz. librosa: 0.
    pub fmin: f32,
    /// Highest band edge, Hz; `None` = `sample_rate / 2` (librosa's default).
    pub fmax: Option<f32>,
    /// Centre frames by zero-padding `n_fft/2` on both sides (librosa `center=True`,
    /// `pad_mode="constant"`, the default since librosa 0.10).
    pub center: bool,
    /// HTK mel scale instead of Slaney (librosa default `htk=False`).
    pub htk: bool,
    /// Slaney area normalisation of the triangles (librosa default `norm="slaney"`).
    pub slaney_norm: bool,
}

impl Default for MelConfig {
    fn default() -> Self {
        Self::malik2017()
    }
}

impl MelConfig {
    /// Malik et al. 2017: 40 log mel bands at 44.1 kHz, 2048-sample periodic-Hann frames,
    /// hop 1024, Slaney filterbank 0 Hz – sr/2.
    pub fn malik2017() -> Self {
        MelConfig {
            sample_rate: 44_100,
            n_fft: 2048,
            hop_length: 1024,
            n_mels: 40,
            fmin: 0.0,
            fmax: None,
            center: true,
            htk: false,
            slaney_norm: true,
        }
    }

    /// musicnn's input (Pons & Serra 2019, `musicnn/configuration.py`): 16 kHz, n_fft 512,
    /// hop 256, 96 Slaney bands, computed by librosa's `melspectrogram` defaults.
    pub fn musicnn() -> Self {
        MelConfig {
            sample_rate: 16_000,
            n_fft: 512,
            hop_length: 256,
            n_mels: 96,
            ..Self::malik2017()
        }
    }

    /// Checks every value; errors name the setting.
    pub fn validate(&self) -> Result<(), FeatureError> {
        let bad = |name, value: String, reason| {
            Err(FeatureError::InvalidConfig {
                name,
                value,
                reason,
            })
        };
        if self.sample_rate == 0 || self.sample_rate > mer_audio::MAX_RATE {
            return bad(
                "sample_rate",
                self.sample_rate.to_string(),
                "must be in 1..=768000 Hz",
            );
        }
        if self.n_fft < 4 || !self.n_fft.is_multiple_of(2) || self.n_fft > MAX_N_FFT {
            return bad(
                "n_fft",
                self.n_fft.to_string(),
                "must be even, >= 4 and <= 1048576",
            );
        }
        if self.hop_length == 0 {
            return bad("hop_length", "0".into(), "must be > 0");
        }
        if 2 * self.hop_length as u64 > u64::from(self.sample_rate) {
            return bad(
                "hop_length",
                format!("{} at {} Hz", self.hop_length, self.sample_rate),
                "must be at most half a second (sample_rate / 2), the length of a 2 Hz frame",
            );
        }
        if self.n_mels == 0 || self.n_mels > self.n_fft / 2 + 1 {
            return bad(
                "n_mels",
                format!("{} with n_fft {}", self.n_mels, self.n_fft),
                "must be in 1..=n_fft/2 + 1 (the FFT's bins)",
            );
        }
        let nyq = self.sample_rate as f32 / 2.0;
        let fmax = self.fmax.unwrap_or(nyq);
        if !(self.fmin >= 0.0 && self.fmin < fmax && fmax <= nyq) {
            return bad(
                "fmin/fmax",
                format!("{}/{fmax}", self.fmin),
                "need 0 <= fmin < fmax <= sample_rate/2",
            );
        }
        Ok(())
    }

    /// STFT frames per second.
    pub fn frame_rate(&self) -> f64 {
        self.sample_rate as f64 / self.hop_length as f64
    }

    /// A stable one-line description, used in cache keys and model files. It names the
    /// resampler that brings audio to `sample_rate` ([`mer_audio::RESAMPLER`]); `v2`: that
    /// resampler and the exact 2 Hz frame count of [`crate::pool`] (issue 13).
    pub fn describe(&self) -> String {
        format!(
            "logmel-v2 sr={} n_fft={} hop={} n_mels={} fmin={} fmax={} center={} htk={} slaney_norm={} resampler={}",
            self.sample_rate,
            self.n_fft,
            self.hop_length,
            self.n_mels,
            self.fmin,
            self.fmax.map_or("sr/2".to_string(), |f| f.to_string()),
            self.center,
            self.htk,
            self.slaney_norm,
            mer_audio::RESAMPLER
        )
    }

    fn filterbank(&self) -> MelFilterbank {
        MelFilterbank::new(
            self.sample_rate,
            self.n_fft,
            self.n_mels,
            self.fmin as f64,
            self.fmax.map(f64::from),
            self.htk,
            self.slaney_norm,
        )
    }
}

/// Streaming mel power spectrogram: push samples, get `[n_mels]`-wide frames appended to a
/// row-major buffer.
#[derive(Debug)]
pub struct MelSpectrogram {
    stft: PowerStft,
    fb: MelFilterbank,
}

impl MelSpectrogram {
    /// A new spectrogram; the config must be valid.
    pub fn new(cfg: &MelConfig) -> Result<Self, FeatureError> {
        cfg.validate()?;
        Ok(MelSpectrogram {
            stft: PowerStft::new(cfg.n_fft, cfg.hop_length, cfg.center),
            fb: cfg.filterbank(),
        })
    }

    /// Bands per frame.
    pub fn n_mels(&self) -> usize {
        self.fb.n_mels()
    }

    /// Frames produced so far.
    pub fn frames_done(&self) -> u64 {
        self.stft.frames_done()
    }

    /// Feeds samples (mono, at the config's rate); appends complete frames of mel power,
    /// `[frames, n_mels]` row-major, to `out`.
    pub fn push(&mut self, samples: &[f32], out: &mut Vec<f32>) {
        let fb = &self.fb;
        self.stft.push(samples, |p| fb.apply(p, out));
    }

    /// Ends the stream; appends the last frames.
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        let fb = &self.fb;
        self.stft.finish(|p| fb.apply(p, out));
    }

    /// The filterbank in use.
    pub fn filterbank(&self) -> &MelFilterbank {
        &self.fb
    }
}

/// Streaming log-mel: [`MelSpectrogram`] followed by `ln(x + 1e-10)`.
#[derive(Debug)]
pub struct LogMel {
    inner: MelSpectrogram,
}

impl LogMel {
    /// A new log-mel extractor; the config must be valid.
    pub fn new(cfg: &MelConfig) -> Result<Self, FeatureError> {
        Ok(LogMel {
            inner: MelSpectrogram::new(cfg)?,
        })
    }

    /// Bands per frame.
    pub fn n_mels(&self) -> usize {
        self.inner.n_mels()
    }

    /// Feeds samples; appends complete log-mel frames (`[frames, n_mels]` row-major) to `out`.
    pub fn push(&mut self, samples: &[f32], out: &mut Vec<f32>) {
        let start = out.len();
        self.inner.push(samples, out);
        to_log(&mut out[start..]);
    }

    /// Ends the stream; appends the last frames.
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        let start = out.len();
        self.inner.finish(out);
        to_log(&mut out[start..]);
    }
}

fn to_log(x: &mut [f32]) {
    for v in x {
        *v = (*v + LOG_FLOOR).ln();
    }
}

/// Log-mel of samples already in memory (at `cfg.sample_rate`), shape `[1 + n/hop, n_mels]`.
pub fn log_mel(samples: &[f32], cfg: &MelConfig) -> Result<Matrix, FeatureError> {
    let mut lm = LogMel::new(cfg)?;
    let mut out = Vec::with_capacity((samples.len() / cfg.hop_length + 1) * cfg.n_mels);
    lm.push(samples, &mut out);
    lm.finish(&mut out);
    let rows = out.len() / cfg.n_mels;
    Ok(Matrix::new(rows, cfg.n_mels, out))
}

/// Log-mel of a file, decoded and resampled to `cfg.sample_rate` while the features are
/// computed (memory: the output plus a few kB). Returns the STFT-rate matrix
/// `[frames, n_mels]`, the number of samples decoded (at `cfg.sample_rate`) and any decoder
/// warnings (e.g. a truncated file).
pub fn log_mel_file(path: &Path, cfg: &MelConfig) -> Result<LogMelOutput, FeatureError> {
    cfg.validate()?;
    let mut stream = mer_audio::AudioStream::open(path, Some(cfg.sample_rate))?;
    let mut lm = LogMel::new(cfg)?;
    // Reserve for the duration the container states, up to an hour's worth: the header is
    // untrusted (a crafted one may state years), and the vector grows past it if needed.
    let expected = stream
        .info()
        .duration_s
        .map(|d| ((d.min(MAX_RESERVE_S) * cfg.frame_rate()) as usize + 2) * cfg.n_mels)
        .unwrap_or(0);
    let mut out = Vec::with_capacity(expected);
    while let Some(chunk) = stream.read_chunk()? {
        lm.push(chunk, &mut out);
    }
    lm.finish(&mut out);
    let rows = out.len() / cfg.n_mels;
    Ok(LogMelOutput {
        features: Matrix::new(rows, cfg.n_mels, out),
        n_samples: stream.samples_read(),
        warnings: stream.warnings().to_vec(),
    })
}

/// What [`log_mel_file`] returns.
#[derive(Debug, Clone, PartialEq)]
pub struct LogMelOutput {
    /// STFT-rate log-mel, `[frames, n_mels]`.
    pub features: Matrix,
    /// Samples decoded, at the config's rate.
    pub n_samples: u64,
    /// Decoder warnings (non-fatal problems).
    pub warnings: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Settings that make no sense are refused with an error naming the setting, never a
    /// panic further down (`--sample-rate 2000` used to panic in `pool_2hz`).
    #[test]
    fn nonsense_settings_are_refused() {
        let base = MelConfig::malik2017();
        let cases = [
            (
                "sample_rate",
                MelConfig {
                    sample_rate: 0,
                    ..base.clone()
                },
            ),
            (
                "sample_rate",
                MelConfig {
                    sample_rate: u32::MAX,
                    ..base.clone()
                },
            ),
            (
                "hop_length",
                MelConfig {
                    sample_rate: 2000,
                    ..base.clone()
                },
            ),
            (
                "hop_length",
                MelConfig {
                    hop_length: 0,
                    ..base.clone()
                },
            ),
            (
                "n_fft",
                MelConfig {
                    n_fft: 3,
                    ..base.clone()
                },
            ),
            (
                "n_fft",
                MelConfig {
                    n_fft: usize::MAX - 1,
                    ..base.clone()
                },
            ),
            (
                "n_mels",
                MelConfig {
                    n_mels: 0,
                    ..base.clone()
                },
            ),
            (
                "n_mels",
                MelConfig {
                    n_mels: 1100,
                    ..base.clone()
                },
            ),
            (
                "fmin/fmax",
                MelConfig {
                    fmin: -1.0,
                    ..base.clone()
                },
            ),
            (
                "fmin/fmax",
                MelConfig {
                    fmin: f32::NAN,
                    ..base.clone()
                },
            ),
            (
                "fmin/fmax",
                MelConfig {
                    fmax: Some(30_000.0),
                    ..base.clone()
                },
            ),
            (
                "fmin/fmax",
                MelConfig {
                    fmin: 5000.0,
                    fmax: Some(4000.0),
                    ..base.clone()
                },
            ),
        ];
        for (name, cfg) in cases {
            match cfg.validate() {
                Err(FeatureError::InvalidConfig { name: got, .. }) => assert_eq!(got, name),
                other => panic!("{cfg:?}: expected an error about {name}, got {other:?}"),
            }
            assert!(LogMel::new(&cfg).is_err());
        }
    }

    /// Every rate the CLI accepts (8–192 kHz) gives a valid config whose features pool to
    /// 2 Hz: one second of noise gives two frames.
    #[test]
    fn accepted_rates_pool_to_2hz() {
        for sr in [8_000u32, 11_025, 16_000, 22_050, 44_100, 96_000, 192_000] {
            let cfg = MelConfig {
                sample_rate: sr,
                ..MelConfig::malik2017()
            };
            cfg.validate().unwrap();
            let x: Vec<f32> = (0..sr)
                .map(|i| ((i * 7919) % 97) as f32 / 97.0 - 0.5)
                .collect();
            let m = log_mel(&x, &cfg).unwrap();
            let p = crate::pool_2hz(&m, x.len() as u64, cfg.hop_length, sr);
            assert_eq!(p.rows, 2, "{sr}");
            assert!(p.data.iter().all(|v| v.is_finite()), "{sr}");
        }
    }
}
