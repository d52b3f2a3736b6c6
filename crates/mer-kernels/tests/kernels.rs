//! Every precision on every implementation this CPU runs, against the exact product (f64) with
//! the crate's stated worst-case bounds, and the implementations against each other: seeded
//! random shapes (odd sizes included), musicnn's layer shapes, and awkward inputs.
//! (~2 s in release on one core.)

use mer_kernels::{
    Epilogue, Isa, LANES, Precision, QuantRows, Weights, bf16_bound, bf16_to_f32, int8_bound,
};

/// Random `[len]` values: `scale · (uniform in [−1, 1))`, a few of them 0 and a few large.
fn values(rng: &mut fastrand::Rng, len: usize, scale: f32) -> Vec<f32> {
    (0..len)
        .map(|_| match rng.u8(0..20) {
            0 => 0.0,
            1 => scale * 8.0 * (rng.f32() - 0.5),
            _ => scale * (2.0 * rng.f32() - 1.0),
        })
        .collect()
}

/// `a [m, k] · b [k, n]` in f64, and `Σ|a||b|` per element.
fn exact(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> (Vec<f64>, Vec<f64>) {
    let (mut c, mut abs) = (vec![0.0f64; m * n], vec![0.0f64; m * n]);
    for r in 0..m {
        for kk in 0..k {
            let x = f64::from(a[r * k + kk]);
            for col in 0..n {
                let y = f64::from(b[kk * n + col]);
                c[r * n + col] += x * y;
                abs[r * n + col] += (x * y).abs();
            }
        }
    }
    (c, abs)
}

/// Runs `w` on `a` on `isa`, with the output buffer prefilled with NaN (every element must be
/// written) and one guard value past the end (must not be).
fn run(w: &Weights, isa: Isa, a: &[f32], m: usize) -> Vec<f32> {
    let mut c = vec![f32::NAN; m * w.n() + 1];
    c[m * w.n()] = 12345.0;
    w.matmul_on(isa, a, m, &mut c);
    assert_eq!(c[m * w.n()], 12345.0, "wrote past the output");
    c.truncate(m * w.n());
    c
}

/// Checks every implementation of `precision` on one product against the exact value and the
/// bound; returns the largest error relative to its bound.
fn check_product(a: &[f32], b: &[f32], m: usize, k: usize, n: usize, precision: Precision) -> f64 {
    let w = Weights::pack(b, k, n, precision);
    let (c_exact, abs) = exact(a, b, m, k, n);
    let mut worst = 0.0f64;
    let mut results = Vec::new();
    for isa in Isa::available(precision) {
        let c = run(&w, isa, a, m);
        for r in 0..m {
            let bound_row = match precision {
                Precision::Int8 => {
                    let q = QuantRows::quantize_on(isa, a, m, k);
                    Some((
                        f64::from(q.steps()[r]),
                        a[r * k..(r + 1) * k]
                            .iter()
                            .map(|x| f64::from(x.abs()))
                            .sum::<f64>(),
                    ))
                }
                _ => None,
            };
            for col in 0..n {
                let i = r * n + col;
                let bound = match precision {
                    Precision::F32 => 1.01 * k as f64 * 2f64.powi(-23) * abs[i] + 1e-30,
                    Precision::Bf16 => bf16_bound(k, abs[i]) + 1e-30,
                    Precision::Int8 => {
                        let (s_a, a_abs) = bound_row.unwrap();
                        let s_b = f64::from(w.column_scales().unwrap()[col]);
                        let b_abs: f64 = (0..k).map(|kk| f64::from(b[kk * n + col].abs())).sum();
                        int8_bound(k, s_a, a_abs, s_b, b_abs, abs[i]) + 1e-30
                    }
                };
                let err = (f64::from(c[i]) - c_exact[i]).abs();
                assert!(
                    err <= bound,
                    "{} {} [{m}×{k}]·[{k}×{n}] at ({r}, {col}): {} vs exact {}, error {err:e} > bound {bound:e}",
                    isa.name(),
                    precision.name(),
                    c[i],
                    c_exact[i]
                );
                worst = worst.max(err / bound);
            }
        }
        results.push((isa, c));
    }
    // The implementations against each other: int8 identical (exact integer sums, same f32
    // operations after); f32 and bf16 within the rounding of k f32 additions.
    if let [(_, first), rest @ ..] = results.as_slice() {
        let eff = w.effective();
        let (_, abs_eff) = exact(&effective_rows(a, m, k, precision), &eff, m, k, n);
        for (isa, c) in rest {
            for i in 0..m * n {
                match precision {
                    Precision::Int8 => assert_eq!(
                        c[i],
                        first[i],
                        "{} int8 differs from portable at {i}",
                        isa.name()
                    ),
                    _ => {
                        let tol = 2.02 * k as f64 * 2f64.powi(-24) * abs_eff[i] + 1e-30;
                        let d = (f64::from(c[i]) - f64::from(first[i])).abs();
                        assert!(
                            d <= tol,
                            "{} vs portable at {i}: {d:e} > {tol:e}",
                            isa.name()
                        );
                    }
                }
            }
        }
    }
    worst
}

/// The activations as the kernels multiply them (bf16-rounded; f32 and int8 unchanged: only
/// used for the f32/bf16 cross-check).
fn effective_rows(a: &[f32], m: usize, k: usize, precision: Precision) -> Vec<f32> {
    match precision {
        Precision::Bf16 => a[..m * k]
            .iter()
            .map(|&x| bf16_to_f32(mer_kernels::bf16_bits(x)))
            .collect(),
        _ => a[..m * k].to_vec(),
    }
}

#[test]
fn random_shapes_within_bounds_on_every_path() {
    let mut rng = fastrand::Rng::with_seed(18);
    let mut worst = [0.0f64; 3];
    for case in 0..60 {
        // Odd sizes: m across tile heights, n across partial panels, k across group sizes.
        let m = rng.usize(1..=20);
        let n = rng.usize(1..=3 * LANES + 7);
        let k = if case % 10 == 0 {
            rng.usize(1..=5)
        } else {
            rng.usize(1..=300)
        };
        let a = values(&mut rng, m * k, 2.0);
        let b = values(&mut rng, k * n, 0.1);
        for (p, precision) in Precision::ALL.into_iter().enumerate() {
            worst[p] = worst[p].max(check_product(&a, &b, m, k, n, precision));
        }
    }
    eprintln!(
        "largest error / bound: f32 {:.3}, bf16 {:.3}, int8 {:.3}",
        worst[0], worst[1], worst[2]
    );
}

/// musicnn's products per chunk (rows as fast.rs forms them): timbral 7×38 and 7×67 over 4
/// frames, temporal 128/64/32 taps over 8 frames × 96 bands, the mid end's first and second
/// layers over 32 frames, the dense layer over 61 patches. Activations like a batch-normed
/// log-mel (mostly in [−2, 3]), weights ~0.05.
#[test]
fn musicnn_layer_shapes_within_bounds() {
    let shapes = [
        (4 * 59, 7 * 38, 204),
        (4 * 30, 7 * 67, 204),
        (8 * 96, 128, 51),
        (8 * 96, 64, 51),
        (8 * 96, 32, 51),
        (32, 7 * 561, 64),
        (32, 7 * 64, 64),
        (61, 1506, 200),
    ];
    let mut rng = fastrand::Rng::with_seed(561);
    for (m, k, n) in shapes {
        let a: Vec<f32> = (0..m * k).map(|_| 5.0 * rng.f32() - 2.0).collect();
        let b = values(&mut rng, k * n, 0.05);
        for precision in Precision::ALL {
            let worst = check_product(&a, &b, m, k, n, precision);
            eprintln!(
                "[{m}×{k}]·[{k}×{n}] {}: largest error / bound {worst:.3}",
                precision.name()
            );
        }
    }
}

#[test]
fn awkward_inputs() {
    let mut rng = fastrand::Rng::with_seed(7);
    let (m, k, n) = (7, 13, 17);
    let b = values(&mut rng, k * n, 0.3);
    let mut cases: Vec<Vec<f32>> = vec![
        vec![0.0; m * k],               // all zero (an empty quantisation range)
        vec![1.5; m * k],               // constant positive rows
        vec![-0.25; m * k],             // constant negative rows
        values(&mut rng, m * k, 1e-20), // tiny
        values(&mut rng, m * k, 1e20),  // huge
    ];
    let mut outlier = values(&mut rng, m * k, 1.0);
    outlier[5] = 1e4; // one value stretches its row's range
    cases.push(outlier);
    for a in &cases {
        for precision in Precision::ALL {
            check_product(a, &b, m, k, n, precision);
        }
    }
    // A zero weight column and an all-zero weight matrix.
    let mut b0 = b.clone();
    for kk in 0..k {
        b0[kk * n + 3] = 0.0;
    }
    for precision in Precision::ALL {
        check_product(&cases[5], &b0, m, k, n, precision);
        check_product(&cases[5], &vec![0.0; k * n], m, k, n, precision);
    }
}

/// The epilogue is the product followed by `max(x + bias, 0) · scale + shift`, the same
/// operations on every path (so the results equal, bit for bit, the ones computed here from
/// the same path's plain product).
#[test]
fn epilogue_is_bias_relu_affine() {
    let mut rng = fastrand::Rng::with_seed(3);
    let (m, k, n) = (11, 37, 2 * LANES + 5);
    let a = values(&mut rng, m * k, 1.0);
    let b = values(&mut rng, k * n, 0.2);
    let bias = values(&mut rng, n, 0.5);
    let scale = values(&mut rng, n, 2.0);
    let shift = values(&mut rng, n, 1.0);
    for precision in Precision::ALL {
        let plain = Weights::pack(&b, k, n, precision);
        for relu in [false, true] {
            for affine in [false, true] {
                let epi = Epilogue {
                    bias: bias.clone(),
                    relu,
                    affine: affine.then(|| (scale.clone(), shift.clone())),
                };
                let fused = plain.clone().with_epilogue(epi);
                for isa in Isa::available(precision) {
                    let x = run(&plain, isa, &a, m);
                    let y = run(&fused, isa, &a, m);
                    for i in 0..m * n {
                        let col = i % n;
                        let mut v = x[i] + bias[col];
                        if relu {
                            v = v.max(0.0);
                        }
                        if affine {
                            v = v.mul_add(scale[col], shift[col]);
                        }
                        assert_eq!(
                            y[i],
                            v,
                            "{} {} relu {relu} affine {affine}",
                            isa.name(),
                            precision.name()
                        );
                    }
                }
            }
        }
    }
}

/// Activations quantised once with a shared range give the same product as quantising the
/// same values row by row when every row has that range, and stay within the bound otherwise.
#[test]
fn shared_range_quantisation() {
    let mut rng = fastrand::Rng::with_seed(11);
    let (m, k, n) = (9, 21, 19);
    let mut a = values(&mut rng, m * k, 1.0);
    for r in 0..m {
        a[r * k] = -4.0; // every row spans [−4, 4]
        a[r * k + 1] = 4.0;
    }
    let b = values(&mut rng, k * n, 0.2);
    let w = Weights::pack(&b, k, n, Precision::Int8);
    let shared = QuantRows::quantize_with_range(&a, m, k, -4.0, 4.0);
    for isa in Isa::available(Precision::Int8) {
        let per_row = QuantRows::quantize_on(isa, &a, m, k);
        assert_eq!(shared.data(), per_row.data());
        let mut c1 = vec![0.0; m * n];
        let mut c2 = vec![0.0; m * n];
        w.matmul_quantized_on(isa, &shared, &mut c1);
        w.matmul_on(isa, &a, m, &mut c2);
        assert_eq!(c1, c2, "{}", isa.name());
    }
}

#[test]
fn forcing_an_implementation() {
    for precision in Precision::ALL {
        assert_eq!(Isa::pick(precision, Some("portable")), Isa::Portable);
        let best = Isa::pick(precision, None);
        assert!(best.supports(precision));
        // An implementation this CPU lacks, or an unknown name, falls back to the best.
        assert_eq!(Isa::pick(precision, Some("no-such-isa")), best);
        eprintln!(
            "{}: implementations here {:?}",
            precision.name(),
            Isa::available(precision)
                .iter()
                .map(|i| i.name())
                .collect::<Vec<_>>()
        );
    }
    #[cfg(target_arch = "x86_64")]
    {
        // On a CPU with the instructions, the tests above exercised the AVX-512 kernels.
        let vnni = std::is_x86_feature_detected!("avx512vnni")
            && std::is_x86_feature_detected!("avx512bw");
        assert_eq!(Isa::Avx512.supports(Precision::Int8), vnni);
        let bf16 = std::is_x86_feature_detected!("avx512bf16")
            && std::is_x86_feature_detected!("avx512bw");
        assert_eq!(Isa::Avx512.supports(Precision::Bf16), bf16);
    }
}

#[test]
fn empty_and_mismatched_inputs() {
    let w = Weights::pack(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2, 3, Precision::Int8);
    let mut c: Vec<f32> = Vec::new();
    w.matmul(&[], 0, &mut c); // m = 0: nothing to do
    let r = std::panic::catch_unwind(|| {
        let mut c = vec![0.0; 2];
        w.matmul(&[1.0, 2.0], 1, &mut c); // c too short for [1, 3]
    });
    assert!(r.is_err());
    let r = std::panic::catch_unwind(|| Weights::pack(&[1.0; 5], 2, 3, Precision::F32));
    assert!(r.is_err());
    assert!("bf16".parse::<Precision>() == Ok(Precision::Bf16));
    assert!("fp8".parse::<Precision>().is_err());
}

/// A product with rows `[k0, k1)` of `B` equals the product with those rows packed on their
/// own (int8: identical, as the column scales are those of the whole columns only when the
/// sub-matrix has the same maxima, so compared within the bound instead).
#[test]
fn row_ranges_of_b() {
    let mut rng = fastrand::Rng::with_seed(128);
    for case in 0..40 {
        let (m, n) = (rng.usize(1..=13), rng.usize(1..=40));
        let k = rng.usize(8..=200);
        let b = values(&mut rng, k * n, 0.1);
        for precision in Precision::ALL {
            let w = Weights::pack(&b, k, n, precision);
            let align = w.k_align();
            let k0 = rng.usize(0..k - 1) / align * align;
            let k1 = if case % 3 == 0 {
                k
            } else {
                rng.usize(k0 + 1..=k)
            };
            let len = k1 - k0;
            let a = values(&mut rng, m * len, 1.0);
            let sub: Vec<f32> = b[k0 * n..k1 * n].to_vec();
            let (c_exact, abs) = exact(&a, &sub, m, len, n);
            let mut first: Option<Vec<f32>> = None;
            for isa in Isa::available(precision) {
                let mut c = vec![f32::NAN; m * n];
                w.matmul_range_on(isa, &a, m, k0..k1, &mut c);
                let q = QuantRows::quantize_on(isa, &a, m, len);
                for i in 0..m * n {
                    let (r, col) = (i / n, i % n);
                    let bound = match precision {
                        Precision::F32 => 1.01 * len as f64 * 2f64.powi(-23) * abs[i],
                        Precision::Bf16 => bf16_bound(len, abs[i]),
                        Precision::Int8 => {
                            let a_abs = a[r * len..(r + 1) * len]
                                .iter()
                                .map(|x| f64::from(x.abs()))
                                .sum();
                            let b_abs = (0..len).map(|kk| f64::from(sub[kk * n + col].abs())).sum();
                            let s_b = f64::from(w.column_scales().unwrap()[col]);
                            int8_bound(len, f64::from(q.steps()[r]), a_abs, s_b, b_abs, abs[i])
                        }
                    } + 1e-30;
                    let err = (f64::from(c[i]) - c_exact[i]).abs();
                    assert!(
                        err <= bound,
                        "{} {} rows {k0}..{k1} of {k}: {err:e} > {bound:e}",
                        isa.name(),
                        precision.name()
                    );
                }
                if precision == Precision::Int8 {
                    match &first {
                        None => first = Some(c),
                        Some(f) => assert_eq!(&c, f, "{} int8 rows {k0}..{k1}", isa.name()),
                    }
                }
            }
        }
    }
    // A start that is not a multiple of the group is refused.
    let w = Weights::pack(&[0.5; 8 * 3], 8, 3, Precision::Int8);
    let r = std::panic::catch_unwind(|| w.matmul_range(&[1.0; 6], 1, 2..8, &mut [0.0; 3]));
    assert!(r.is_err());
}
