//! `FastStudent` (mer-kernels products) against the burn `Student` it was packed from, on the
//! musicnn log-mel of one real 30 s clip (4Q, shared data), for every precision and every
//! implementation this CPU runs.
//!
//! The network's weights are burn's initialisation; its batch norms' running statistics come
//! from three training-mode passes over the clip (so every folded batch norm is a real affine
//! map, not the identity). Bounds, relative to the largest reference value `M` of the
//! embeddings (or of the features), and on the smallest per-dimension r over the clip's windows
//! (measured values, 2026-12-02, AVX-512 machine, in brackets; the test prints them):
//! - f32: `2e-5 · M`, r ≥ 0.99999 [1.7e-6 · M]. Only the order of the f32 sums differs from
//!   burn's (≤ 1536 terms per product, six products deep).
//! - bf16: `2e-2 · M`, r ≥ 0.998 [6.2e-3 · M, r 0.9996]. Each operand is rounded to 8
//!   significant bits (≤ 2⁻⁸ relative per operand, partly cancelling in the sums).
//! - int8: `5e-2 · M`, r ≥ 0.99 [1.6e-2 · M, r 0.996]: u8 activations per row, i8 weights per
//!   column.

use std::path::PathBuf;

use mer_features::{MelConfig, log_mel_file};
use mer_kernels::{Isa, Precision};
use mer_model::burn::module::Module;
use mer_model::burn::tensor::{Device, Tensor, TensorData};
use mer_model::student::{FastStudent, StudentConfig, WINDOW, output_frames};

fn clip() -> Option<PathBuf> {
    let data = mer_audio::testdata::shared_data()?;
    Some(data.join("4q/audio/Q1/MT0000040632.mp3"))
}

/// Per-band standardised musicnn log-mel `[t, 96]` of a clip, time-major, and `t`.
fn input(path: &std::path::Path) -> (Vec<f32>, usize) {
    let lm = log_mel_file(path, &MelConfig::musicnn()).expect("log-mel of the shared clip");
    let m = lm.features;
    let (t, b) = (m.rows, m.cols);
    let mut x = m.data.clone();
    for band in 0..b {
        let mean = (0..t).map(|r| x[r * b + band]).sum::<f32>() / t as f32;
        let var = (0..t)
            .map(|r| (x[r * b + band] - mean).powi(2))
            .sum::<f32>()
            / t as f32;
        for r in 0..t {
            x[r * b + band] = (x[r * b + band] - mean) / var.sqrt().max(1e-3);
        }
    }
    (x, t)
}

fn pearson(a: &[f32], b: &[f32]) -> f64 {
    let n = a.len() as f64;
    let ma = a.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let mb = b.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (f64::from(x) - ma, f64::from(y) - mb);
        sab += x * y;
        saa += x * x;
        sbb += y * y;
    }
    sab / (saa * sbb).sqrt()
}

/// `(max |a − b| / max |a|, smallest per-column r)` of row-major `[rows, cols]` matrices.
fn compare(a: &[f32], b: &[f32], cols: usize) -> (f64, f64) {
    let m = a.iter().fold(0f32, |m, v| m.max(v.abs()));
    let d = a.iter().zip(b).fold(0f32, |m, (x, y)| m.max((x - y).abs()));
    let min_r = (0..cols)
        .map(|c| {
            let ca: Vec<f32> = a.iter().skip(c).step_by(cols).copied().collect();
            let cb: Vec<f32> = b.iter().skip(c).step_by(cols).copied().collect();
            pearson(&ca, &cb)
        })
        .filter(|r| r.is_finite())
        .fold(1f64, f64::min);
    (f64::from(d / m), min_r)
}

#[test]
fn fast_student_matches_burn_on_real_audio() {
    let Some(path) = clip() else { return };
    let (x, t) = input(&path);
    assert!(t > 1800, "30 s clip gave {t} frames");
    let cfg = StudentConfig::default();
    let device = Device::flex();
    let ad = device.clone().autodiff();
    ad.seed(18);
    let train = cfg.init(&ad);
    let to_burn = |d: &Device| {
        Tensor::<3>::from_data(TensorData::new(x.clone(), [1, t, cfg.n_mels]), d).swap_dims(1, 2)
    };
    let tp = output_frames(t);
    // 2 Hz windows over the whole clip, plus one past the end (clamped by both paths).
    let mut starts: Vec<usize> = (0..)
        .map(|k| (k as f64 * 7.8125).ceil() as usize)
        .take_while(|&j| j + WINDOW <= tp)
        .collect();
    starts.push(tp);
    let windows: Vec<(usize, usize)> = starts.iter().map(|&j| (0, j.min(tp - 46))).collect();
    for _ in 0..3 {
        let _ = train.forward(to_burn(&ad), &windows);
    }
    let net = train.valid();
    let xb = to_burn(&device);
    let reference: Vec<f32> = net
        .embed(xb.clone(), &starts)
        .into_data()
        .try_to_vec()
        .expect("f32");
    let features: Vec<f32> = net
        .features(xb)
        .swap_dims(1, 2) // time-major, as FastStudent's
        .into_data()
        .try_to_vec()
        .expect("f32");
    let n_out = cfg.n_out;
    assert_eq!(reference.len(), starts.len() * n_out);
    for precision in Precision::ALL {
        let (bound, min_r) = match precision {
            Precision::F32 => (2e-5, 0.999_99),
            Precision::Bf16 => (2e-2, 0.998),
            Precision::Int8 => (5e-2, 0.99),
        };
        for isa in Isa::available(precision) {
            let fast = FastStudent::new(&net, precision).on(isa);
            let f = fast.features(&x, t);
            let (df, rf) = compare(&features, &f, 3 * cfg.c2);
            let y = fast.embed(&x, t, &starts);
            let (dy, ry) = compare(&reference, &y, n_out);
            println!(
                "{} {}: features max |Δ| {df:.2e} · M, min r {rf:.6}; embeddings max |Δ| {dy:.2e} · M, min r {ry:.6}",
                precision.name(),
                isa.name()
            );
            assert!(
                df <= bound && dy <= bound,
                "{precision:?} {isa:?}: {df} {dy}"
            );
            assert!(
                rf >= min_r && ry >= min_r,
                "{precision:?} {isa:?}: {rf} {ry}"
            );
        }
    }
}
