//! AVX-512 kernels: the one place in the workspace with `unsafe`.
//!
//! Structure, for each precision: a public safe entry point checks the CPU features at run time
//! and enters a `#[target_feature]` driver (the only `unsafe` call into it, justified by that
//! check); the driver walks the output in tiles of up to [`MR`] rows × [`NP`] panels of
//! [`LANES`] columns; each tile function asserts the bounds of everything it reads and writes,
//! then keeps `MR × NP` vector accumulators in registers while it runs over `k`, reading the
//! packed weights and the activations through raw pointers (the `unsafe` blocks, each justified
//! by those assertions), and stores through the epilogue with a masked store for the last,
//! partial panel.
//!
//! Per `k` step a tile loads `NP` weight vectors and broadcasts one activation word per row:
//! 24 multiply-accumulates for 4 loads and 6 broadcasts, which keeps the FMA or dot-product
//! ports busy from L1/L2.

use core::arch::x86_64::*;

use crate::quant::{QuantRows, ROUND_MAGIC, step_zero};
use crate::{LANES, Packed, Precision, Span, Weights};

/// Rows per tile.
const MR: usize = 6;
/// Panels (of [`LANES`] columns) per tile.
const NP: usize = 4;

/// Whether this CPU has the AVX-512 features `precision` needs.
pub(crate) fn supports(precision: Precision) -> bool {
    let base = is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512bw");
    base && match precision {
        Precision::F32 => true,
        Precision::Bf16 => is_x86_feature_detected!("avx512bf16"),
        Precision::Int8 => is_x86_feature_detected!("avx512vnni"),
    }
}

/// Calls `$tile::<R, P>($args)` for the runtime tile size `($r, $p)` (1..=MR, 1..=NP).
macro_rules! dispatch {
    ($tile:ident, $r:expr, $p:expr, ($($arg:expr),*)) => {
        match ($r, $p) {
            (6, 4) => $tile::<6, 4>($($arg),*),
            (6, 3) => $tile::<6, 3>($($arg),*),
            (6, 2) => $tile::<6, 2>($($arg),*),
            (6, 1) => $tile::<6, 1>($($arg),*),
            (5, 4) => $tile::<5, 4>($($arg),*),
            (5, 3) => $tile::<5, 3>($($arg),*),
            (5, 2) => $tile::<5, 2>($($arg),*),
            (5, 1) => $tile::<5, 1>($($arg),*),
            (4, 4) => $tile::<4, 4>($($arg),*),
            (4, 3) => $tile::<4, 3>($($arg),*),
            (4, 2) => $tile::<4, 2>($($arg),*),
            (4, 1) => $tile::<4, 1>($($arg),*),
            (3, 4) => $tile::<3, 4>($($arg),*),
            (3, 3) => $tile::<3, 3>($($arg),*),
            (3, 2) => $tile::<3, 2>($($arg),*),
            (3, 1) => $tile::<3, 1>($($arg),*),
            (2, 4) => $tile::<2, 4>($($arg),*),
            (2, 3) => $tile::<2, 3>($($arg),*),
            (2, 2) => $tile::<2, 2>($($arg),*),
            (2, 1) => $tile::<2, 1>($($arg),*),
            (1, 4) => $tile::<1, 4>($($arg),*),
            (1, 3) => $tile::<1, 3>($($arg),*),
            (1, 2) => $tile::<1, 2>($($arg),*),
            (1, 1) => $tile::<1, 1>($($arg),*),
            (r, p) => unreachable!("tile {r} × {p}"),
        }
    };
}

/// Walks `[m rows] × [panels]` in tiles, calling `tile(r0, rows, p0, panels)`.
#[inline(always)]
fn walk(m: usize, panels: usize, mut tile: impl FnMut(usize, usize, usize, usize)) {
    let mut p0 = 0;
    while p0 < panels {
        let p = NP.min(panels - p0);
        let mut r0 = 0;
        while r0 < m {
            let r = MR.min(m - r0);
            tile(r0, r, p0, p);
            r0 += r;
        }
        p0 += p;
    }
}

/// Asserts that a tile of rows `[r0, r0 + R)` and panels `[p0, p0 + P)` lies inside `c`
/// (`[m, n]`) and the weights' epilogue vectors: what every store of the tile relies on.
#[inline]
fn check_tile<const R: usize, const P: usize>(w: &Weights, c: &[f32], r0: usize, p0: usize) {
    assert!((r0 + R) * w.n <= c.len(), "tile rows past the output");
    assert!(
        (p0 + P) * LANES <= w.bias.len(),
        "tile panels past the weights"
    );
    assert!(w.bias.len() == w.scale.len() && w.bias.len() == w.shift.len());
    assert!(p0 * LANES < w.n, "tile starts past the last column");
}

/// Epilogue of one vector of sums for columns `[col0, col0 + 16)` of row `r`, stored to `c`
/// with the lanes past column `n` masked off.
#[inline]
#[target_feature(enable = "avx512f")]
fn finish_store(w: &Weights, v: __m512, r: usize, col0: usize, c: &mut [f32]) {
    // `check_tile` asserted `col0 + 16 <= bias.len() == scale.len() == shift.len()`
    // (whole padded panels), `col0 < n` and `(r + 1) · n <= c.len()`.
    debug_assert!(col0 + LANES <= w.bias.len() && col0 < w.n && (r + 1) * w.n <= c.len());
    // SAFETY: `col0 + 16 <= bias.len()` (check_tile): 16 f32 in bounds, unaligned load.
    let mut v = _mm512_add_ps(v, unsafe { _mm512_loadu_ps(w.bias.as_ptr().add(col0)) });
    if w.relu {
        v = _mm512_max_ps(v, _mm512_setzero_ps());
    }
    if w.affine {
        // SAFETY: `scale` and `shift` have the length of `bias` (check_tile), so 16 values
        // from `col0` are in bounds for both.
        let (s, t) = unsafe {
            (
                _mm512_loadu_ps(w.scale.as_ptr().add(col0)),
                _mm512_loadu_ps(w.shift.as_ptr().add(col0)),
            )
        };
        v = _mm512_fmadd_ps(v, s, t);
    }
    let width = LANES.min(w.n - col0);
    let mask: __mmask16 = u16::MAX >> (LANES - width);
    // SAFETY: lanes `[0, width)` are written, at `r · n + col0 + [0, width)` with
    // `col0 + width <= n`, so below `(r + 1) · n <= c.len()`; masked-off lanes are neither
    // read nor written (no fault).
    unsafe { _mm512_mask_storeu_ps(c.as_mut_ptr().add(r * w.n + col0), mask, v) };
}

// ---------------------------------------------------------------------------------------------
// f32

/// `c = epilogue(a · B)`, f32 weights. Panics if the CPU lacks AVX-512F/BW.
pub(crate) fn f32(w: &Weights, a: &[f32], m: usize, span: Span, len: usize, c: &mut [f32]) {
    assert!(supports(Precision::F32), "no AVX-512F/BW on this CPU");
    // SAFETY: the CPU has the features `f32_driver` is compiled for (asserted above).
    unsafe { f32_driver(w, a, m, span, len, c) }
}

#[target_feature(enable = "avx512f,avx512bw")]
fn f32_driver(w: &Weights, a: &[f32], m: usize, span: Span, len: usize, c: &mut [f32]) {
    walk(m, w.panels(), |r0, r, p0, p| {
        dispatch!(f32_tile, r, p, (w, a, span, len, r0, p0, c))
    });
}

#[target_feature(enable = "avx512f,avx512bw")]
fn f32_tile<const R: usize, const P: usize>(
    w: &Weights,
    a: &[f32],
    span: Span,
    len: usize,
    r0: usize,
    p0: usize,
    c: &mut [f32],
) {
    let Packed::F32(b) = &w.packed else {
        unreachable!("f32 tile on {:?} weights", w.precision)
    };
    let (k, k0) = (w.k, span.k0);
    check_tile::<R, P>(w, c, r0, p0);
    assert!((r0 + R) * len <= a.len(), "tile rows past the activations");
    assert!(k0 + len <= k, "rows past the weights");
    assert!(
        (p0 + P) * k * LANES <= b.len(),
        "tile panels past the packed weights"
    );
    let (ap, bp) = (a.as_ptr(), b.as_ptr());
    let mut acc = [[_mm512_setzero_ps(); P]; R];
    for kk in 0..len {
        let mut bv = [_mm512_setzero_ps(); P];
        for (j, v) in bv.iter_mut().enumerate() {
            // SAFETY: panel `p0 + j < p0 + P` holds `k · 16` values from `(p0 + j) · k · 16`;
            // `k0 + kk < k0 + len <= k`, so the 16 values at `(k0 + kk) · 16` are inside it
            // (asserted above).
            *v = unsafe { _mm512_loadu_ps(bp.add(((p0 + j) * k + k0 + kk) * LANES)) };
        }
        for (i, row) in acc.iter_mut().enumerate() {
            // SAFETY: row `r0 + i < r0 + R` and `kk < len`: index `< (r0 + R) · len <= a.len()`.
            let x = _mm512_set1_ps(unsafe { *ap.add((r0 + i) * len + kk) });
            for (s, &y) in row.iter_mut().zip(&bv) {
                *s = _mm512_fmadd_ps(x, y, *s);
            }
        }
    }
    for (i, row) in acc.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            finish_store(w, v, r0 + i, (p0 + j) * LANES, c);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// bf16

/// `c = epilogue(a · B)`, bf16 activations (`[m, kp]` bits) and weights. Panics if the CPU
/// lacks AVX-512F/BW/BF16.
pub(crate) fn bf16(w: &Weights, a: &[u16], stride: usize, m: usize, span: Span, c: &mut [f32]) {
    assert!(supports(Precision::Bf16), "no AVX-512 BF16 on this CPU");
    // SAFETY: the CPU has the features `bf16_driver` is compiled for (asserted above).
    unsafe { bf16_driver(w, a, stride, m, span, c) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512bf16")]
fn bf16_driver(w: &Weights, a: &[u16], stride: usize, m: usize, span: Span, c: &mut [f32]) {
    walk(m, w.panels(), |r0, r, p0, p| {
        dispatch!(bf16_tile, r, p, (w, a, stride, span, r0, p0, c))
    });
}

/// 32 bf16 values (16 lanes × 2) from their bits.
#[inline]
#[target_feature(enable = "avx512f,avx512bf16")]
fn as_bh(v: __m512i) -> __m512bh {
    // SAFETY: both are 512-bit plain-data vector types; every bit pattern is a valid bf16
    // vector.
    unsafe { core::mem::transmute::<__m512i, __m512bh>(v) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512bf16")]
fn bf16_tile<const R: usize, const P: usize>(
    w: &Weights,
    a: &[u16],
    stride: usize,
    span: Span,
    r0: usize,
    p0: usize,
    c: &mut [f32],
) {
    let Packed::Bf16(b) = &w.packed else {
        unreachable!("bf16 tile on {:?} weights", w.precision)
    };
    let (kp, k0) = (w.kp(), span.k0);
    check_tile::<R, P>(w, c, r0, p0);
    assert!(
        stride.is_multiple_of(2) && k0.is_multiple_of(2),
        "bf16 rows of stride {stride} from row {k0}"
    );
    assert!(k0 + stride <= kp, "rows past the weights");
    assert!(
        (r0 + R) * stride <= a.len(),
        "tile rows past the activations"
    );
    assert!(
        (p0 + P) * kp * LANES <= b.len(),
        "tile panels past the packed weights"
    );
    let (ap, bp) = (a.as_ptr(), b.as_ptr());
    let mut acc = [[_mm512_setzero_ps(); P]; R];
    for g in 0..stride / 2 {
        let mut bv = [as_bh(_mm512_setzero_si512()); P];
        for (j, v) in bv.iter_mut().enumerate() {
            // SAFETY: panel `p0 + j` holds `kp · 16` bf16 from `(p0 + j) · kp · 16`; the pair
            // of rows `k0 + 2g` (`k0 + 2g + 1 < k0 + stride <= kp`) is 32 values at
            // `(k0 + 2g) · 16`, inside it (asserted above).
            let x =
                unsafe { _mm512_loadu_si512(bp.add(((p0 + j) * kp + k0 + 2 * g) * LANES).cast()) };
            *v = as_bh(x);
        }
        for (i, row) in acc.iter_mut().enumerate() {
            // SAFETY: two u16 at `(r0 + i) · stride + 2g`, with `2g + 1 < stride` and
            // `r0 + i < r0 + R`, so inside `a` (asserted above); unaligned read of a u32.
            let pair = unsafe {
                ap.add((r0 + i) * stride + 2 * g)
                    .cast::<u32>()
                    .read_unaligned()
            };
            let x = as_bh(_mm512_set1_epi32(pair as i32));
            for (s, &y) in row.iter_mut().zip(&bv) {
                *s = _mm512_dpbf16_ps(*s, x, y);
            }
        }
    }
    for (i, row) in acc.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            finish_store(w, v, r0 + i, (p0 + j) * LANES, c);
        }
    }
}

/// [`crate::quant::bf16_convert`] in 16-lane vectors (the same integer rounding, so the same
/// bits). Panics without AVX-512F/BW.
pub(crate) fn bf16_convert(a: &[f32], k: usize, out: &mut [u16], kp: usize) {
    assert!(supports(Precision::F32), "no AVX-512F/BW on this CPU");
    // SAFETY: the CPU has the features `bf16_convert_wide` is compiled for (asserted above).
    unsafe { bf16_convert_wide(a, k, out, kp) }
}

#[target_feature(enable = "avx512f,avx512bw")]
fn bf16_convert_wide(a: &[f32], k: usize, out: &mut [u16], kp: usize) {
    assert!(k <= kp, "rows of {k} into a stride of {kp}");
    for (row, dst) in a.chunks_exact(k).zip(out.chunks_exact_mut(kp)) {
        for c0 in (0..k).step_by(LANES) {
            let width = LANES.min(k - c0);
            let mask: __mmask16 = u16::MAX >> (LANES - width);
            // SAFETY: lanes `[0, width)` read `row[c0..c0 + width]`, in bounds since
            // `c0 + width <= k = row.len()`; masked-off lanes are not read.
            let x = unsafe { _mm512_maskz_loadu_ps(mask, row.as_ptr().add(c0)) };
            let bits = _mm512_castps_si512(x);
            // bf16_bits: (b + 0x7FFF + ((b >> 16) & 1)) >> 16, NaN → (b >> 16) | 0x40.
            let odd = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
            let rounded = _mm512_srli_epi32(
                _mm512_add_epi32(_mm512_add_epi32(bits, _mm512_set1_epi32(0x7FFF)), odd),
                16,
            );
            let nan = _mm512_or_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(0x40));
            let is_nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
            let v = _mm512_mask_blend_epi32(is_nan, rounded, nan);
            // SAFETY: lanes `[0, width)` write `dst[c0..c0 + width]`, in bounds since
            // `c0 + width <= k <= kp = dst.len()`; masked-off lanes are not written.
            unsafe { _mm512_mask_cvtepi32_storeu_epi16(dst.as_mut_ptr().add(c0).cast(), mask, v) };
        }
        dst[k..].fill(0);
    }
}

// ---------------------------------------------------------------------------------------------
// int8

/// `c = epilogue(q · B)`, u8 activations × i8 weights. Panics if the CPU lacks
/// AVX-512F/BW/VNNI.
pub(crate) fn int8(w: &Weights, q: &QuantRows, span: Span, colsum: &[i32], c: &mut [f32]) {
    assert!(supports(Precision::Int8), "no AVX-512 VNNI on this CPU");
    // SAFETY: the CPU has the features `int8_driver` is compiled for (asserted above).
    unsafe { int8_driver(w, q, span, colsum, c) }
}

#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
fn int8_driver(w: &Weights, q: &QuantRows, span: Span, colsum: &[i32], c: &mut [f32]) {
    walk(q.rows(), w.panels(), |r0, r, p0, p| {
        dispatch!(int8_tile, r, p, (w, q, span, colsum, r0, p0, c))
    });
}

#[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
fn int8_tile<const R: usize, const P: usize>(
    w: &Weights,
    q: &QuantRows,
    span: Span,
    colsum: &[i32],
    r0: usize,
    p0: usize,
    c: &mut [f32],
) {
    let Packed::Int8 { q: b, scale, .. } = &w.packed else {
        unreachable!("int8 tile on {:?} weights", w.precision)
    };
    check_tile::<R, P>(w, c, r0, p0);
    let (a, stride, kp, k0) = (q.data(), q.stride(), w.kp(), span.k0);
    assert!(
        stride.is_multiple_of(4) && k0.is_multiple_of(4),
        "u8 rows of stride {stride} from row {k0}"
    );
    assert!(k0 + stride <= kp, "rows past the weights");
    assert!(
        (r0 + R) * stride <= a.len(),
        "tile rows past the activations"
    );
    assert!((r0 + R) <= q.steps().len() && (r0 + R) <= q.zeros().len());
    assert!(
        (p0 + P) * kp * LANES <= b.len(),
        "tile panels past the packed weights"
    );
    assert!((p0 + P) * LANES <= scale.len() && (p0 + P) * LANES <= colsum.len());
    let (ap, bp) = (a.as_ptr(), b.as_ptr());
    let mut acc = [[_mm512_setzero_si512(); P]; R];
    for g in 0..stride / 4 {
        let mut bv = [_mm512_setzero_si512(); P];
        for (j, v) in bv.iter_mut().enumerate() {
            // SAFETY: panel `p0 + j` holds `kp · 16` bytes from `(p0 + j) · kp · 16`; the group
            // of rows `k0 + 4g` (`k0 + 4g + 3 < k0 + stride <= kp`) is 64 bytes at
            // `(k0 + 4g) · 16`, inside it (asserted above).
            *v = unsafe { _mm512_loadu_si512(bp.add(((p0 + j) * kp + k0 + 4 * g) * LANES).cast()) };
        }
        for (i, row) in acc.iter_mut().enumerate() {
            // SAFETY: four bytes at `(r0 + i) · stride + 4g` with `4g + 3 < stride` and
            // `r0 + i < r0 + R`: inside `a` (asserted above); unaligned read of a u32.
            let quad = unsafe {
                ap.add((r0 + i) * stride + 4 * g)
                    .cast::<u32>()
                    .read_unaligned()
            };
            let x = _mm512_set1_epi32(quad as i32);
            for (s, &y) in row.iter_mut().zip(&bv) {
                *s = _mm512_dpbusd_epi32(*s, x, y);
            }
        }
    }
    for (i, row) in acc.iter().enumerate() {
        let r = r0 + i;
        let step = _mm512_set1_ps(q.steps()[r]);
        let zero = _mm512_set1_epi32(q.zeros()[r]);
        for (j, &s) in row.iter().enumerate() {
            let col0 = (p0 + j) * LANES;
            // SAFETY: `col0 + 16 <= (p0 + P) · 16 <= colsum.len(), scale.len()` (asserted).
            let (cs, sc) = unsafe {
                (
                    _mm512_loadu_si512(colsum.as_ptr().add(col0).cast()),
                    _mm512_loadu_ps(scale.as_ptr().add(col0)),
                )
            };
            let exact = _mm512_sub_epi32(s, _mm512_mullo_epi32(zero, cs));
            let v = _mm512_mul_ps(_mm512_cvtepi32_ps(exact), _mm512_mul_ps(step, sc));
            finish_store(w, v, r, col0, c);
        }
    }
}

/// [`crate::quant::quantize_rows_into`] in 16-lane vectors (the same f32 operations, so the same bytes).
/// Panics without AVX-512F/BW.
pub(crate) fn quantize_rows(a: &[f32], k: usize, q: &mut QuantRows) {
    assert!(supports(Precision::F32), "no AVX-512F/BW on this CPU");
    // SAFETY: the CPU has the features `quantize_rows_wide` is compiled for (asserted above).
    unsafe { quantize_rows_wide(a, k, q) }
}

#[target_feature(enable = "avx512f,avx512bw")]
fn quantize_rows_wide(a: &[f32], k: usize, q: &mut QuantRows) {
    let (data, steps, zeros, kp) = q.parts_mut();
    assert!(k <= kp, "rows of {k} into a stride of {kp}");
    let rows = a
        .chunks_exact(k)
        .zip(data.chunks_exact_mut(kp))
        .zip(steps.iter_mut().zip(zeros.iter_mut()));
    for ((row, dst), (step, zero)) in rows {
        let mask_at = |c0: usize| -> __mmask16 { u16::MAX >> (LANES - LANES.min(k - c0)) };
        // Range of the row and 0 (masked-off lanes load 0, which the range contains anyway).
        let (mut lo, mut hi) = (_mm512_setzero_ps(), _mm512_setzero_ps());
        for c0 in (0..k).step_by(LANES) {
            // SAFETY: the unmasked lanes read `row[c0..c0 + width]` with `c0 + width <= k`.
            let x = unsafe { _mm512_maskz_loadu_ps(mask_at(c0), row.as_ptr().add(c0)) };
            lo = _mm512_min_ps(lo, x);
            hi = _mm512_max_ps(hi, x);
        }
        (*step, *zero) = step_zero(_mm512_reduce_min_ps(lo), _mm512_reduce_max_ps(hi));
        let inv = _mm512_set1_ps(1.0 / *step);
        let z = _mm512_set1_ps(*zero as f32);
        let magic = _mm512_set1_ps(ROUND_MAGIC);
        for c0 in (0..k).step_by(LANES) {
            let mask = mask_at(c0);
            // SAFETY: as above.
            let x = unsafe { _mm512_maskz_loadu_ps(mask, row.as_ptr().add(c0)) };
            // quantize_value: clamp(x · inv, ±512), round half even, + zero, clamp [0, 255].
            let v = _mm512_mul_ps(x, inv);
            let v = _mm512_min_ps(
                _mm512_max_ps(v, _mm512_set1_ps(-512.0)),
                _mm512_set1_ps(512.0),
            );
            let r = _mm512_sub_ps(_mm512_add_ps(v, magic), magic);
            let r = _mm512_add_ps(r, z);
            let r = _mm512_min_ps(_mm512_max_ps(r, _mm512_setzero_ps()), _mm512_set1_ps(255.0));
            let bytes = _mm512_cvttps_epi32(r);
            // SAFETY: the unmasked lanes write `dst[c0..c0 + width]`, `c0 + width <= k <= kp`.
            unsafe {
                _mm512_mask_cvtusepi32_storeu_epi8(dst.as_mut_ptr().add(c0).cast(), mask, bytes)
            };
        }
        dst[k..].fill(*zero as u8);
    }
}
