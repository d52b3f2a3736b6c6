//! Named feature kinds, ready for the CLI: audio file or samples → a [`Table`] with
//! openSMILE's / DEAM's column names.

use std::path::Path;

use crate::compare::{LLD_NAMES, compare_llds, delta_name};
use crate::mediaeval::{DEAM_HEADER, mediaeval260};
use crate::{SmileError, Table};

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

/// Computes `kind` from mono `samples` (shape `[n]`, in `[-1, 1]`) at `sample_rate` Hz.
pub fn compute_kind(
    samples: &[f32],
    sample_rate: u32,
    kind: SmileKind,
) -> Result<Table, SmileError> {
    let llds = compare_llds(samples, sample_rate)?;
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

/// Loads `path` (any format `mer-audio` reads; mono mix; resampled to `target_rate` if
/// given, else at the file's own rate, as openSMILE reads it) and computes `kind`.
pub fn compute_file(
    path: &Path,
    target_rate: Option<u32>,
    kind: SmileKind,
) -> Result<Table, SmileError> {
    let audio = mer_audio::load(path, target_rate)?;
    compute_kind(&audio.samples, audio.sample_rate, kind).map_err(|e| SmileError::InFile {
        path: path.to_path_buf(),
        source: Box::new(e),
    })
}
