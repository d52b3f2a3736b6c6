//! Named feature kinds, ready for the CLI: audio file or samples → a [`Table`] with
//! openSMILE's / DEAM's column names.

use std::path::Path;

use crate::compare::{LLD_NAMES, compare_llds_with, delta_name};
use crate::mediaeval::{DEAM_HEADER, mediaeval260};
use crate::{Config, SmileError, Table};

/// Which openSMILE-compatible table to compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SmileKind {
    /// The 65 ComParE LLDs every 10 ms, named as openSMILE's `ComParE_2016` LLD output
    /// (`F0final_sma`, …, `pcm_RMSenergy_sma`, …, `mfcc_sma[14]`).
    Lld,
    /// The 65 LLDs followed by their 65 deltas (`…_sma_de`), every 10 ms.
    LldWithDeltas,
    /// The 260-value MediaEval 2015 set every 0.5 s with DEAM's column names.
    MediaEval260,
}

/// Computes `kind` from mono `samples` (shape `[n]`, in `[-1, 1]`) at `sample_rate` Hz with
/// the `ComParE_2016` configuration.
pub fn compute_kind(
    samples: &[f32],
    sample_rate: u32,
    kind: SmileKind,
) -> Result<Table, SmileError> {
    compute_kind_with(samples, sample_rate, kind, Config::ComParE2016)
}

/// As [`compute_kind`], with the openSMILE configuration `config` (e.g.
/// [`Config::Is13ComParE`] for values comparable with DEAM's shipped features).
pub fn compute_kind_with(
    samples: &[f32],
    sample_rate: u32,
    kind: SmileKind,
    config: Config,
) -> Result<Table, SmileError> {
    let llds = compare_llds_with(samples, sample_rate, config)?;
    let times = |n: usize, p: f64| (0..n).map(|t| t as f64 * p).collect::<Vec<f64>>();
    Ok(match kind {
        SmileKind::Lld => Table {
            columns: LLD_NAMES.iter().map(|s| s.to_string()).collect(),
            times_s: times(llds.lld.n_frames, llds.lld.period_s),
            values: llds.lld.values,
        },
        SmileKind::LldWithDeltas => {
            let n = llds.lld.n_frames;
            let k = LLD_NAMES.len();
            let mut values = Vec::with_capacity(n * 2 * k);
            for t in 0..n {
                values.extend_from_slice(llds.lld.row(t));
                values.extend_from_slice(llds.delta.row(t));
            }
            let mut columns: Vec<String> = LLD_NAMES.iter().map(|s| s.to_string()).collect();
            columns.extend((0..k).map(delta_name));
            Table {
                columns,
                times_s: times(n, llds.lld.period_s),
                values,
            }
        }
        SmileKind::MediaEval260 => {
            let f = mediaeval260(&llds);
            Table {
                columns: DEAM_HEADER[1..].iter().map(|s| s.to_string()).collect(),
                times_s: f.times_s,
                values: f.values,
            }
        }
    })
}

/// Quantises `samples` (in `[-1, 1]`) to 16-bit PCM and scales them back as openSMILE's
/// `smilePcm_convertSamples` does: `round(x · 32768)` clamped to `i16`, then `/ 32767`
/// (openSMILE 2.1 and 3.x divide by 32767, not 32768). The level changes by 3e-5; what it
/// buys is bit-identical frames, which the `IS13_ComParE` jitter threshold needs (it compares
/// a cross-correlation with its own f32 rounding, see [`Config::Is13ComParE`]).
pub fn pcm16_as_opensmile(samples: &mut [f32]) {
    for x in samples {
        let q = (f64::from(*x) * 32768.0).round().clamp(-32768.0, 32767.0) as f32;
        *x = q / 32767.0;
    }
}

/// Loads `path` (any format `mer-audio` reads; mono mix; resampled to `target_rate` if
/// given, else at the file's own rate, as openSMILE reads it) and computes `kind` with the
/// `ComParE_2016` configuration.
pub fn compute_file(
    path: &Path,
    target_rate: Option<u32>,
    kind: SmileKind,
) -> Result<Table, SmileError> {
    compute_file_with(path, target_rate, kind, Config::ComParE2016)
}

/// As [`compute_file`], with the openSMILE configuration `config`. With
/// [`Config::Is13ComParE`] the decoded samples are first read as openSMILE reads a 16-bit WAV
/// ([`pcm16_as_opensmile`]), so that a 16-bit WAV gives openSMILE's values bit for bit.
pub fn compute_file_with(
    path: &Path,
    target_rate: Option<u32>,
    kind: SmileKind,
    config: Config,
) -> Result<Table, SmileError> {
    let mut audio = mer_audio::load(path, target_rate)?;
    if config == Config::Is13ComParE {
        pcm16_as_opensmile(&mut audio.samples);
    }
    compute_kind_with(&audio.samples, audio.sample_rate, kind, config).map_err(|e| {
        SmileError::InFile {
            path: path.to_path_buf(),
            source: Box::new(e),
        }
    })
}
