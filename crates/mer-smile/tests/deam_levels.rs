//! `mediaeval260` (`IS13_ComParE`) against DEAM's own openSMILE features: for the 10 DEAM
//! sample songs, the mean over all rows of each of the 130 `*_amean` columns of DEAM's shipped
//! `features/<id>.csv` (`deam-features-ref/deam_song_amean_means.sample.csv` in the shared
//! data) beside the same mean of ours on the published MP3 (`deam-sample/audio/<id>.mp3`).
//!
//! Per column: Pearson r across the 10 songs and the relative error of the level,
//! Σ|ours − DEAM| / Σ|DEAM|. Every column must be within 5 % or be listed in [`KNOWN`] with
//! the bounds it keeps and why it differs. Print the table with
//! `cargo test --release -p mer-smile --test deam_levels -- --nocapture` (about 10 s);
//! `-- --ignored --nocapture` also prints the `ComParE_2016` table (the "before" of REPORT.md).
//! Needs the shared data: skips without it, fails with `MER_REQUIRE_DATA=1`.

use std::path::Path;

use mer_smile::{Config, DEAM_HEADER, N_LLD, N_MEDIAEVAL, SmileKind, compute_file_with};

/// DEAM's sample songs whose audio is in `deam-sample/audio`.
const SONGS: [u32; 10] = [2, 3, 4, 5, 7, 8, 10, 12, 13, 17];

/// Level tolerance: Σ|ours − DEAM| / Σ|DEAM| over the 10 songs.
const MAX_REL_ERR: f64 = 0.05;

/// Why a column is allowed to differ by more than [`MAX_REL_ERR`]. Common to all: DEAM's
/// openSMILE input was not the published MP3 as it decodes. openSMILE 3 itself running
/// `IS13_ComParE` on these MP3s agrees with us to a median 0.7 % per column (max 5.6 %,
/// jitterDDP; RASTA bands aside, see [`Why::Rasta`]) while both are off DEAM by the amounts
/// below; re-encoding the MP3s once more (LAME 3.100, 64 kbps) moves these columns by ≤ 11 %,
/// mostly *away* from DEAM, so neither our code, the configuration nor MP3 generation loss
/// explains them (measurements in REPORT.md).
#[derive(Debug, Clone, Copy)]
enum Why {
    /// Level-like descriptors (energy, band energies, auditory spectrum, flux, slope,
    /// harmonicity): the per-song ratio ours/DEAM of mean RMS energy is 0.92–1.26 (r 0.97);
    /// no common gain, clip window, setting or version reproduces it.
    Level,
    /// Spectral shape and noise descriptors (ZCR ×0.85, roll-offs, centroid, variance,
    /// skewness, kurtosis, sharpness): DEAM's audio had a different spectral balance (more
    /// high-frequency/noise content: higher ZCR, flatter spectrum).
    Source,
    /// logHNR ×1.8 (0.17 of its within-window std): openSMILE 3 running IS13 on the same MP3s
    /// gives ×1.78, so it is the audio, not our code.
    Hnr,
    /// jitter/shimmer: `IS13_ComParE` brings jitter's level to DEAM's (ratio 0.87 → 1.00,
    /// DDP 0.82 → 1.02); what is left is period-level noise on different audio (a frame's
    /// first period is accepted by a coin flip of f32 rounding, see `Config::Is13ComParE`).
    Vq,
    /// F0 4 % high at r 0.994: openSMILE 3 running IS13 on these MP3s gives the same 1.040;
    /// the one code difference from openSMILE 2.1 in the pitch path (`cSpecScale` maxF =
    /// Δf·nBins) moves the octave grid by < 0.1 % and is not reproduced.
    F0,
    /// RASTA-filtered auditory bands 0–9: band-pass filtering removes the level, so these
    /// means are the equal-loudness constant plus modulation, nearly the same for every song
    /// (across-song spread ≈ the error); r across 10 songs says little. ~3–6 % high in bands
    /// 4–9, within 5 % above. (openSMILE itself adds a start-up transient when a decoder
    /// emits leading zeros; DEAM's values show none, nor do ours.)
    Rasta,
    /// MFCC 2–14: means near 0 (ratios like −1.5 or 0.3 are small differences of small
    /// numbers); off by 0.11–0.24 of their within-window std, r 0.89–0.99; c1 is within 3 %.
    Mfcc,
    /// Means of the deltas of voicing tracks (F0, voicing, shimmer, logHNR): ≈ 0, compared in
    /// units of their within-window std (~0.1 off); they follow where voiced segments start
    /// and end, i.e. the F0/voicing differences on different audio.
    VoicingDelta,
}

/// Columns outside [`MAX_REL_ERR`] today: (name, the level error they must stay within,
/// the r across songs they must keep (None: r is not meaningful for that column), why).
/// Bounds are the measured values with 25 % headroom (r: −0.05), so a regression fails.
const KNOWN: &[(&str, f64, Option<f64>, Why)] = {
    use Why::*;
    &[
        ("F0final_sma_amean", 0.07, Some(0.94), F0),
        ("jitterLocal_sma_amean", 0.10, Some(0.89), Vq),
        ("jitterDDP_sma_amean", 0.09, Some(0.91), Vq),
        ("shimmerLocal_sma_amean", 0.08, Some(0.78), Vq),
        ("logHNR_sma_amean", 0.93, Some(0.82), Hnr),
        ("audspec_lengthL1norm_sma_amean", 0.15, Some(0.92), Level),
        ("pcm_RMSenergy_sma_amean", 0.12, Some(0.91), Level),
        ("pcm_zcr_sma_amean", 0.24, Some(0.76), Source),
        ("audSpec_Rfilt_sma[0]_amean", 0.18, None, Rasta),
        ("audSpec_Rfilt_sma[1]_amean", 0.18, None, Rasta),
        ("audSpec_Rfilt_sma[2]_amean", 0.14, None, Rasta),
        ("audSpec_Rfilt_sma[3]_amean", 0.13, None, Rasta),
        ("audSpec_Rfilt_sma[4]_amean", 0.10, None, Rasta),
        ("audSpec_Rfilt_sma[5]_amean", 0.09, None, Rasta),
        ("audSpec_Rfilt_sma[6]_amean", 0.09, None, Rasta),
        ("audSpec_Rfilt_sma[7]_amean", 0.08, Some(0.50), Rasta),
        ("audSpec_Rfilt_sma[8]_amean", 0.08, Some(0.54), Rasta),
        ("audSpec_Rfilt_sma[9]_amean", 0.08, Some(0.57), Rasta),
        ("pcm_fftMag_fband250-650_sma_amean", 0.32, Some(0.92), Level),
        (
            "pcm_fftMag_fband1000-4000_sma_amean",
            0.35,
            Some(0.92),
            Level,
        ),
        (
            "pcm_fftMag_spectralRollOff25.0_sma_amean",
            0.16,
            Some(0.85),
            Source,
        ),
        (
            "pcm_fftMag_spectralRollOff50.0_sma_amean",
            0.16,
            Some(0.83),
            Source,
        ),
        (
            "pcm_fftMag_spectralRollOff75.0_sma_amean",
            0.14,
            Some(0.84),
            Source,
        ),
        (
            "pcm_fftMag_spectralRollOff90.0_sma_amean",
            0.16,
            Some(0.84),
            Source,
        ),
        ("pcm_fftMag_spectralFlux_sma_amean", 0.12, Some(0.93), Level),
        (
            "pcm_fftMag_spectralCentroid_sma_amean",
            0.12,
            Some(0.86),
            Source,
        ),
        (
            "pcm_fftMag_spectralVariance_sma_amean",
            0.23,
            Some(0.74),
            Source,
        ),
        (
            "pcm_fftMag_spectralSkewness_sma_amean",
            0.17,
            Some(0.93),
            Source,
        ),
        (
            "pcm_fftMag_spectralKurtosis_sma_amean",
            0.31,
            Some(0.94),
            Source,
        ),
        (
            "pcm_fftMag_spectralSlope_sma_amean",
            0.16,
            Some(0.92),
            Level,
        ),
        (
            "pcm_fftMag_psySharpness_sma_amean",
            0.10,
            Some(0.88),
            Source,
        ),
        (
            "pcm_fftMag_spectralHarmonicity_sma_amean",
            0.24,
            Some(0.90),
            Level,
        ),
        ("pcm_fftMag_mfcc_sma[2]_amean", 0.19, Some(0.93), Mfcc),
        ("pcm_fftMag_mfcc_sma[3]_amean", 0.15, Some(0.84), Mfcc),
        ("pcm_fftMag_mfcc_sma[4]_amean", 0.30, Some(0.92), Mfcc),
        ("pcm_fftMag_mfcc_sma[5]_amean", 0.35, Some(0.92), Mfcc),
        ("pcm_fftMag_mfcc_sma[6]_amean", 0.47, Some(0.91), Mfcc),
        ("pcm_fftMag_mfcc_sma[7]_amean", 0.63, Some(0.85), Mfcc),
        ("pcm_fftMag_mfcc_sma[8]_amean", 0.34, Some(0.91), Mfcc),
        ("pcm_fftMag_mfcc_sma[9]_amean", 0.56, Some(0.84), Mfcc),
        ("pcm_fftMag_mfcc_sma[10]_amean", 0.45, Some(0.90), Mfcc),
        ("pcm_fftMag_mfcc_sma[11]_amean", 0.35, Some(0.91), Mfcc),
        ("pcm_fftMag_mfcc_sma[12]_amean", 0.37, Some(0.90), Mfcc),
        ("pcm_fftMag_mfcc_sma[13]_amean", 0.36, Some(0.92), Mfcc),
        ("pcm_fftMag_mfcc_sma[14]_amean", 0.47, Some(0.89), Mfcc),
        ("F0final_sma_de_amean", 0.12, None, VoicingDelta),
        (
            "voicingFinalUnclipped_sma_de_amean",
            0.12,
            None,
            VoicingDelta,
        ),
        ("shimmerLocal_sma_de_amean", 0.13, None, VoicingDelta),
        ("logHNR_sma_de_amean", 0.14, None, VoicingDelta),
    ]
};

/// The 130 `_amean` column names in DEAM's order (65 LLDs, then 65 deltas).
fn amean_names() -> Vec<&'static str> {
    DEAM_HEADER[1..]
        .iter()
        .copied()
        .filter(|n| n.ends_with("_amean"))
        .collect()
}

/// Index of `_amean` column `k` (0..130) in a `mediaeval260` row.
fn amean_index(k: usize) -> usize {
    2 * k + 1
}

/// DEAM's per-song means: song id → 130 values in [`amean_names`] order.
fn deam_means(data: &Path) -> Vec<(u32, Vec<f64>)> {
    let path = data.join("deam-features-ref/deam_song_amean_means.sample.csv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    assert_eq!(
        &header[1..],
        &amean_names()[..],
        "{}: column order",
        path.display()
    );
    lines
        .map(|l| {
            let v: Vec<f64> = l.split(',').map(|x| x.parse().expect("number")).collect();
            (v[0] as u32, v[1..].to_vec())
        })
        .collect()
}

/// Our per-song means over all `mediaeval260` rows of the 130 `_amean` columns, then of the
/// 130 `_stddev` columns (same order).
fn our_means(data: &Path, id: u32, config: Config) -> Vec<f64> {
    let mp3 = data.join(format!("deam-sample/audio/{id}.mp3"));
    let t = compute_file_with(&mp3, None, SmileKind::MediaEval260, config)
        .unwrap_or_else(|e| panic!("{e}"));
    let rows = t.times_s.len();
    assert!(rows > 80, "{}: {rows} rows for a 45 s clip", mp3.display());
    let cols = (0..2 * N_LLD)
        .map(amean_index)
        .chain((0..2 * N_LLD).map(|k| 2 * k));
    cols.map(|c| {
        (0..rows)
            .map(|r| f64::from(t.values[r * N_MEDIAEVAL + c]))
            .sum::<f64>()
            / rows as f64
    })
    .collect()
}

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    sab / (saa * sbb).sqrt()
}

fn rel_err(a: &[f64], b: &[f64]) -> f64 {
    let num: f64 = a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum();
    let den: f64 = b.iter().map(|y| y.abs()).sum();
    num / den
}

/// One column's comparison over the 10 songs.
struct Row {
    name: &'static str,
    r: f64,
    /// The level error checked against [`MAX_REL_ERR`]: for an LLD mean Σ|ours − DEAM| /
    /// Σ|DEAM|; for a delta mean (≈ 0, so a ratio means nothing) Σ|ours − DEAM| over Σ of our
    /// mean within-window standard deviation of that delta (`_de_stddev`).
    rel: f64,
    /// mean(ours) / mean(DEAM).
    ratio: f64,
    /// Σ|ours − DEAM| over Σ of our mean within-window standard deviation of the column: how
    /// far the level is off in units of the descriptor's own spread.
    per_std: f64,
}

fn compare(data: &Path, config: Config) -> Vec<Row> {
    let deam = deam_means(data);
    let theirs: Vec<Vec<f64>> = SONGS
        .iter()
        .map(|id| {
            let (_, d) = deam
                .iter()
                .find(|(i, _)| i == id)
                .unwrap_or_else(|| panic!("song {id} not in DEAM's means"));
            d.clone()
        })
        .collect();
    // Two threads (the machine's cores): about 1 s of CPU per 45 s clip.
    let ours: Vec<Vec<f64>> = std::thread::scope(|s| {
        let handles: Vec<_> = SONGS
            .chunks(SONGS.len().div_ceil(2))
            .map(|ids| {
                s.spawn(move || {
                    ids.iter()
                        .map(|&id| our_means(data, id, config))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker"))
            .collect()
    });
    amean_names()
        .into_iter()
        .enumerate()
        .map(|(k, name)| {
            let a: Vec<f64> = ours.iter().map(|v| v[k]).collect();
            let b: Vec<f64> = theirs.iter().map(|v| v[k]).collect();
            let ratio = a.iter().sum::<f64>() / b.iter().sum::<f64>();
            let spread: f64 = ours.iter().map(|v| v[2 * N_LLD + k]).sum();
            let per_std = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).sum::<f64>() / spread;
            let rel = if k < N_LLD { rel_err(&a, &b) } else { per_std };
            Row {
                name,
                r: pearson(&a, &b),
                rel,
                ratio,
                per_std,
            }
        })
        .collect()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn print_table(config: Config, rows: &[Row]) {
    println!(
        "\n{config} vs DEAM features/ (10 songs, means of the _amean columns; rel.err of a \
         delta mean is relative to its within-window std)\n{:<46} {:>7} {:>8} {:>8} {:>8}",
        "column", "r", "rel.err", "ratio", "err/std"
    );
    for row in rows {
        let flag = if row.rel <= MAX_REL_ERR { "" } else { "  >5%" };
        println!(
            "{:<46} {:>7.3} {:>8.3} {:>8.3} {:>8.3}{flag}",
            row.name, row.r, row.rel, row.ratio, row.per_std
        );
    }
    for (part, range) in [("LLD means", 0..N_LLD), ("delta means", N_LLD..2 * N_LLD)] {
        let part_rows = &rows[range];
        let within = part_rows.iter().filter(|r| r.rel <= MAX_REL_ERR).count();
        let rs: Vec<f64> = part_rows
            .iter()
            .map(|r| r.r)
            .filter(|r| r.is_finite())
            .collect();
        println!(
            "{config} {part}: {within} of {} within {:.0} %, median r {:.3}",
            part_rows.len(),
            MAX_REL_ERR * 100.0,
            median(rs)
        );
    }
}

#[test]
#[ignore = "prints the ComParE_2016 table (REPORT.md's before); ~10 s"]
fn compare2016_vs_deam_table() {
    let Some(data) = mer_audio::testdata::shared_data() else {
        return;
    };
    print_table(Config::ComParE2016, &compare(&data, Config::ComParE2016));
}

/// The `IS13_ComParE` variant against DEAM: every column within 5 % or within its [`KNOWN`]
/// bounds. ~12 s of CPU (10 × 45 s MP3s decoded and analysed, two threads).
#[test]
fn is13_mediaeval260_levels_match_deam() {
    let Some(data) = mer_audio::testdata::shared_data() else {
        return;
    };
    let rows = compare(&data, Config::Is13ComParE);
    print_table(Config::Is13ComParE, &rows);
    let names = amean_names();
    for (name, ..) in KNOWN {
        assert!(
            names.contains(name),
            "KNOWN lists {name}, which DEAM does not have"
        );
    }
    let mut failed = Vec::new();
    println!("\ncolumns off by more than 5 % (bounds kept, reason):");
    for row in &rows {
        match KNOWN.iter().find(|(n, ..)| *n == row.name) {
            None if row.rel > MAX_REL_ERR => failed.push(format!(
                "{}: level error {:.3} > {MAX_REL_ERR} (r {:.3})",
                row.name, row.rel, row.r
            )),
            None => {}
            Some((_, max_rel, min_r, why)) => {
                println!(
                    "  {:<44} {:.3} ≤ {max_rel:.2}  r {:>6.3} ≥ {}  {why:?}",
                    row.name,
                    row.rel,
                    row.r,
                    min_r.map_or("-".into(), |r| format!("{r:.2}"))
                );
                if row.rel > *max_rel {
                    failed.push(format!(
                        "{}: level error {:.3} > {max_rel}",
                        row.name, row.rel
                    ));
                }
                if min_r.is_some_and(|m| row.r.is_nan() || row.r < m) {
                    failed.push(format!("{}: r {:.3} < {min_r:?}", row.name, row.r));
                }
                if row.rel <= MAX_REL_ERR {
                    println!("    ^ now within 5 %: take it off KNOWN");
                }
            }
        }
    }
    assert!(
        failed.is_empty(),
        "columns beyond their bounds:\n{}",
        failed.join("\n")
    );
}
