//! Every kernel path on musicnn's layer shapes, beside the `gemm` crate's f32 product (what
//! burn's Flex backend runs today), in one run: GMAC/s (min over repeats) and the ratio to
//! `gemm`. Run on one core:
//!
//! ```text
//! cargo build --release -p mer-kernels --example kernels_bench
//! taskset -c 0 target/release/examples/kernels_bench [REPEATS]
//! ```

use std::time::{Duration, Instant};

use mer_kernels::{Epilogue, Isa, Precision, QuantRows, Weights};

/// `C = A · B` with the `gemm` crate, one thread, row-major, overwriting `c`.
#[allow(unsafe_code)] // The gemm crate's API is raw pointers; this is the baseline, not shipped.
fn gemm_f32(a: &[f32], b: &[f32], c: &mut [f32], m: usize, k: usize, n: usize) {
    assert!(a.len() >= m * k && b.len() >= k * n && c.len() >= m * n);
    // SAFETY: the three buffers hold [m, k], [k, n] and [m, n] row-major f32 (asserted above);
    // row strides k, n, n and column stride 1 address only inside them; `c` is exclusively
    // borrowed and `read_dst = false` (its old values are not read).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            c.as_mut_ptr(),
            1,
            n as isize,
            false,
            a.as_ptr(),
            1,
            k as isize,
            b.as_ptr(),
            1,
            n as isize,
            0.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        )
    }
}

/// Seconds per call of `f`: calls batched to ~5 ms, the fastest of `repeats` batches.
fn time(repeats: usize, mut f: impl FnMut()) -> f64 {
    f();
    let t = Instant::now();
    let mut calls = 0u32;
    while t.elapsed() < Duration::from_millis(5) {
        f();
        calls += 1;
    }
    let calls = calls.max(1);
    (0..repeats)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..calls {
                f();
            }
            t.elapsed().as_secs_f64() / f64::from(calls)
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let repeats: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    // (name, rows per call as fast.rs forms them, k, n)
    let shapes = [
        ("timbral 7x38", 4 * 59, 7 * 38, 204),
        ("timbral 7x67", 4 * 30, 7 * 67, 204),
        ("temporal 128", 8 * 96, 128, 51),
        ("temporal 64", 8 * 96, 64, 51),
        ("temporal 32", 8 * 96, 32, 51),
        ("mid 1", 32, 7 * 561, 64),
        ("mid 2/3", 32, 7 * 64, 64),
        ("dense", 61, 1506, 200),
    ];
    println!(
        "\n{:13} {:>15} {:>9} | {:>22} {:>7}",
        "shape", "m x k x n", "MMAC", "path", "GMAC/s"
    );
    let mut rng = fastrand::Rng::with_seed(1);
    for (name, m, k, n) in shapes {
        let a: Vec<f32> = (0..m * k).map(|_| 5.0 * rng.f32() - 2.0).collect();
        let b: Vec<f32> = (0..k * n).map(|_| 0.1 * rng.f32() - 0.05).collect();
        let mut c = vec![0.0f32; m * n];
        let macs = (m * k * n) as f64;
        let base = time(repeats, || gemm_f32(&a, &b, &mut c, m, k, n));
        let shape = format!("{m}x{k}x{n}");
        println!(
            "{name:13} {shape:>15} {:9.2} | {:>22} {:7.1}  1.00x",
            macs / 1e6,
            "gemm crate f32",
            macs / base / 1e9
        );
        // The epilogue fast.rs applies (bias, ReLU, batch norm), fused.
        let epi = Epilogue {
            bias: vec![0.01; n],
            relu: true,
            affine: Some((vec![1.1; n], vec![-0.2; n])),
        };
        for precision in Precision::ALL {
            let w = Weights::pack(&b, k, n, precision).with_epilogue(epi.clone());
            for isa in Isa::available(precision) {
                let s = time(repeats, || w.matmul_on(isa, &a, m, &mut c));
                let label = format!("{} {} (+epilogue)", isa.name(), precision.name());
                println!(
                    "{:13} {:>15} {:9} | {label:>22} {:7.1} {:5.2}x",
                    "",
                    "",
                    "",
                    macs / s / 1e9,
                    base / s
                );
                if precision == Precision::Int8 {
                    let q = QuantRows::quantize_on(isa, &a, m, k);
                    let s = time(repeats, || w.matmul_quantized_on(isa, &q, &mut c));
                    let label = format!("{} int8 prequantised", isa.name());
                    println!(
                        "{:13} {:>15} {:9} | {label:>22} {:7.1} {:5.2}x",
                        "",
                        "",
                        "",
                        macs / s / 1e9,
                        base / s
                    );
                }
            }
        }
    }
}
