//! The reference kernels: safe Rust on the packed layout, one [`LANES`]-column panel and one
//! row at a time (the inner loop over a panel's 16 lanes vectorises on any target). Each
//! multiplies rows of activations by rows `[span.k0, span.k0 + row length)` of `B`.

use crate::{LANES, Packed, QuantRows, Span, Weights, bf16_to_f32};

/// Writes the `LANES` sums of row `r`, panel `panel` through the epilogue into `c`.
#[inline]
fn store(w: &Weights, c: &mut [f32], r: usize, panel: usize, acc: &[f32; LANES]) {
    let col0 = panel * LANES;
    let width = LANES.min(w.n - col0);
    let out = &mut c[r * w.n + col0..r * w.n + col0 + width];
    for (l, o) in out.iter_mut().enumerate() {
        *o = w.finish(col0 + l, acc[l]);
    }
}

/// f32 × f32, f32 sums in `k` order; `a` is `[m, len]`.
pub(crate) fn f32(w: &Weights, a: &[f32], m: usize, span: Span, len: usize, c: &mut [f32]) {
    let Packed::F32(b) = &w.packed else {
        unreachable!("f32 kernel on {:?} weights", w.precision)
    };
    let k = w.k;
    for panel in 0..w.panels() {
        let start = (panel * k + span.k0) * LANES;
        let bp = &b[start..start + len * LANES];
        for r in 0..m {
            let mut acc = [0.0f32; LANES];
            for (&x, bv) in a[r * len..(r + 1) * len].iter().zip(bp.chunks_exact(LANES)) {
                for (s, &y) in acc.iter_mut().zip(bv) {
                    *s += x * y;
                }
            }
            store(w, c, r, panel, &acc);
        }
    }
}

/// bf16 × bf16 (exact products), f32 sums: pairs `(2g, 2g + 1)` added in that order;
/// `a` is `[m, stride]` bf16 bits (`stride` even).
pub(crate) fn bf16(w: &Weights, a: &[u16], stride: usize, m: usize, span: Span, c: &mut [f32]) {
    let Packed::Bf16(b) = &w.packed else {
        unreachable!("bf16 kernel on {:?} weights", w.precision)
    };
    let kp = w.kp();
    for panel in 0..w.panels() {
        let start = (panel * kp + span.k0) * LANES;
        let bp = &b[start..start + stride * LANES];
        for r in 0..m {
            let mut acc = [0.0f32; LANES];
            let row = &a[r * stride..(r + 1) * stride];
            for (pair, bv) in row.chunks_exact(2).zip(bp.chunks_exact(2 * LANES)) {
                let (x0, x1) = (bf16_to_f32(pair[0]), bf16_to_f32(pair[1]));
                for (s, y) in acc.iter_mut().zip(bv.chunks_exact(2)) {
                    *s = (*s + x0 * bf16_to_f32(y[0])) + x1 * bf16_to_f32(y[1]);
                }
            }
            store(w, c, r, panel, &acc);
        }
    }
}

/// u8 × i8, exact i32 sums, then the zero-point correction (`colsum`: `Σ q_b` over the rows
/// used) and the scales: the same f32 operations in the same order as the AVX-512 kernel.
pub(crate) fn int8(w: &Weights, q: &QuantRows, span: Span, colsum: &[i32], c: &mut [f32]) {
    let Packed::Int8 { q: b, scale, .. } = &w.packed else {
        unreachable!("int8 kernel on {:?} weights", w.precision)
    };
    let (kp, stride) = (w.kp(), q.stride());
    for panel in 0..w.panels() {
        let start = (panel * kp + span.k0) * LANES;
        let bp = &b[start..start + stride * LANES];
        for r in 0..q.rows() {
            let mut acc = [0i32; LANES];
            let row = &q.data()[r * stride..(r + 1) * stride];
            for (quad, bv) in row.chunks_exact(4).zip(bp.chunks_exact(4 * LANES)) {
                for (s, y) in acc.iter_mut().zip(bv.chunks_exact(4)) {
                    for (&x, &y) in quad.iter().zip(y) {
                        *s += i32::from(x) * i32::from(y);
                    }
                }
            }
            let (step, zero) = (q.steps()[r], q.zeros()[r]);
            let mut out = [0.0f32; LANES];
            for (l, (o, s)) in out.iter_mut().zip(acc).enumerate() {
                let col = panel * LANES + l;
                let exact = s.wrapping_sub(zero.wrapping_mul(colsum[col]));
                *o = exact as f32 * (step * scale[col]);
            }
            store(w, c, r, panel, &out);
        }
    }
}
