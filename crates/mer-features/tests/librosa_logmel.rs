//! Log-mel against librosa 0.11 (fixtures made by `scripts/librosa_reference.sh`, which pins
//! librosa, soxr and LAME).
//!
//! Tolerances, over every bin whose reference value is above ln(1e-6) (quieter bins are
//! dominated by decoder rounding):
//! - native 44.1 kHz files: max |ours − librosa| ≤ 1e-3;
//! - files resampled to 44.1 kHz (from 22.05, 32 and 48 kHz): 99th percentile of
//!   |ours − librosa| ≤ 0.05 (librosa resamples with libsoxr "HQ", we with mer-audio's
//!   windowed-sinc FIR fit to the same passband; the residue sits in the top bands, near the
//!   source's Nyquist).
//!
//! The 2 Hz pooled frames are checked with the same bounds, over the pooled bins whose every
//! STFT frame is above ln(1e-6) in the reference, and their count must be librosa's under the
//! rule of `mer_features::pool`.
//!
//! Two sets: the small clips committed in `crates/mer-audio/tests/fixtures/clips` (every STFT
//! frame; runs anywhere, ~1 s) and whole clips of the shared data (every 5th frame; ~3 s).

use std::path::{Path, PathBuf};

use mer_features::output::read_npy;
use mer_features::{MelConfig, log_mel_file, pool_2hz};

fn fixtures(set: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(set)
}

struct Diff {
    max: f32,
    p99: f32,
    n: usize,
}

/// |ours − reference| over the bins whose `mask` value (the reference itself, or for pooled
/// frames the minimum reference over the pooled frames) is above ln(1e-6).
fn diff(ours: &[f32], reference: &[f32], mask: &[f32]) -> Diff {
    let floor = (1e-6f32).ln();
    let mut d: Vec<f32> = ours
        .iter()
        .zip(reference)
        .zip(mask)
        .filter(|(_, m)| **m > floor)
        .map(|((o, r), _)| (o - r).abs())
        .collect();
    d.sort_by(f32::total_cmp);
    let n = d.len();
    Diff {
        max: d.last().copied().unwrap_or(0.0),
        p99: if n == 0 {
            0.0
        } else {
            d[(n * 99 / 100).min(n - 1)]
        },
        n,
    }
}

/// Compares every clip of the fixture set `set` (its `index.json`), the audio found by
/// `audio(path in the index)`; returns the failures.
fn compare(set: &str, audio: impl Fn(&str) -> PathBuf) -> Vec<String> {
    let dir = fixtures(set);
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    let cfg = MelConfig::malik2017();
    let decimate = index["settings"]["decimate"].as_u64().unwrap() as usize;
    let mut failures = Vec::new();
    println!(
        "{set}: clip                 rate frames  bins>floor   max|d|   p99|d|  2Hz max  2Hz p99"
    );
    for clip in index["clips"].as_array().unwrap() {
        let name = clip["name"].as_str().unwrap();
        let path = audio(clip["path"].as_str().unwrap());
        let native = clip["native_sr"].as_u64().unwrap();
        let resampled = clip["resampled"].as_bool().unwrap();
        let out = log_mel_file(&path, &cfg).unwrap();
        let n_frames = clip["n_frames"].as_u64().unwrap() as usize;
        if out.features.rows != n_frames {
            failures.push(format!(
                "{name}: {} frames, librosa {n_frames} (samples {} vs {})",
                out.features.rows, out.n_samples, clip["n_samples"]
            ));
            continue;
        }
        let reference = read_npy(&dir.join(format!("{name}.npy"))).unwrap();
        let ours: Vec<f32> = out
            .features
            .iter_rows()
            .step_by(decimate)
            .flatten()
            .copied()
            .collect();
        let d = diff(&ours, &reference.data, &reference.data);
        let ref2 = read_npy(&dir.join(format!("{name}_2hz.npy"))).unwrap();
        let ours2 = pool_2hz(
            &out.features,
            out.n_samples,
            cfg.hop_length,
            cfg.sample_rate,
        );
        assert_eq!(ours2.rows, ref2.rows, "{name}: 2 Hz frame count");
        assert_eq!(
            ours2.rows as u64,
            clip["n_frames_2hz"].as_u64().unwrap(),
            "{name}: 2 Hz frame count"
        );
        let min2 = read_npy(&dir.join(format!("{name}_2hz_min.npy"))).unwrap();
        let d2 = diff(&ours2.data, &ref2.data, &min2.data);
        println!(
            "{name:<25} {native:>6} {n_frames:>5} {:>11} {:>8.2e} {:>8.2e} {:>8.2e} {:>8.2e}",
            d.n, d.max, d.p99, d2.max, d2.p99,
        );
        assert!(
            d.n > reference.data.len() / 2,
            "{name}: too few bins above the floor"
        );
        let ok = if resampled {
            d.p99 <= 0.05 && d2.p99 <= 0.05
        } else {
            d.max <= 1e-3 && d2.max <= 1e-3
        };
        if !ok {
            failures.push(format!(
                "{name}: max {:.3e} p99 {:.3e}; 2 Hz max {:.3e} p99 {:.3e}",
                d.max, d.p99, d2.max, d2.p99
            ));
        }
    }
    failures
}

/// The committed clips: native 44.1 kHz stereo, and 22.05, 32 and 48 kHz mono resampled.
#[test]
fn log_mel_matches_librosa_on_committed_clips() {
    let failures = compare("librosa-clips", mer_audio::testdata::clip);
    assert!(
        failures.is_empty(),
        "beyond tolerance:\n{}",
        failures.join("\n")
    );
}

/// Whole clips of the shared data: DEAM's 45 s MP3s as published (44.1 kHz, LAME tags whose
/// CRC fails) and five 4Q clips (22.05 kHz).
#[test]
fn log_mel_matches_librosa_on_shared_clips() {
    let Some(data) = mer_audio::testdata::shared_data() else {
        return;
    };
    let failures = compare("librosa", |p| data.join(p));
    assert!(
        failures.is_empty(),
        "beyond tolerance:\n{}",
        failures.join("\n")
    );
}
