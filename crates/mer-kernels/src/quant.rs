//! Activation conversions: f32 → bf16 (round to nearest even) and f32 → u8 with a step and a
//! zero point. Both paths (portable and AVX-512) run this same code — the AVX-512 one compiles
//! it with the wider vectors enabled — so both multiply exactly the same operands.

use crate::Isa;

/// 1.5 · 2²³: `(x + M) − M` rounds `x` to the nearest integer, ties to even, for `|x| < 2²²`
/// (vectorises on any x86-64, unlike a call to `rintf`).
pub(crate) const ROUND_MAGIC: f32 = 12_582_912.0;

/// The bfloat16 nearest to `x` (ties to even), as its 16 bits. NaN stays NaN (quiet).
#[inline]
pub fn bf16_bits(x: f32) -> u16 {
    let b = x.to_bits();
    if x.is_nan() {
        return ((b >> 16) as u16) | 0x0040;
    }
    // Adding 0x7FFF plus the lowest kept bit rounds to nearest, ties to even; a carry into
    // the exponent is the correct rounding up (to the next binade or to infinity).
    ((b + 0x7FFF + ((b >> 16) & 1)) >> 16) as u16
}

/// The f32 value of bfloat16 bits (exact).
#[inline]
pub fn bf16_to_f32(bits: u16) -> f32 {
    f32::from_bits(u32::from(bits) << 16)
}

/// Rows of `a` (`[m, k]`) as bf16 bits, each padded with zeros to `kp` values.
pub(crate) fn bf16_rows(isa: Isa, a: &[f32], m: usize, k: usize, kp: usize) -> Vec<u16> {
    let mut out = vec![0u16; m * kp];
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => crate::avx512::bf16_convert(&a[..m * k], k, &mut out, kp),
        _ => bf16_convert(&a[..m * k], k, &mut out, kp),
    }
    out
}

/// Body of [`bf16_rows`] (inlined into the AVX-512 wrapper for wider vectors).
#[inline(always)]
pub(crate) fn bf16_convert(a: &[f32], k: usize, out: &mut [u16], kp: usize) {
    for (row, dst) in a.chunks_exact(k).zip(out.chunks_exact_mut(kp)) {
        for (d, &x) in dst.iter_mut().zip(row) {
            *d = bf16_bits(x);
        }
    }
}

/// Rows `[m, k]` quantised to u8 for the int8 kernels: row `r` stands for
/// `step[r] · (q − zero[r])`, stored `[m, kp]` with `kp` = `k` rounded up to a multiple of 4
/// (the padding bytes multiply zero weights).
#[derive(Debug, Clone, PartialEq)]
pub struct QuantRows {
    data: Vec<u8>,
    m: usize,
    k: usize,
    kp: usize,
    step: Vec<f32>,
    zero: Vec<i32>,
}

/// The step and zero point of a range `[lo, hi]` widened to contain 0 (so that 0 is exact):
/// `step = (hi − lo) / 255`, `zero = round(−lo / step)` (1 and 0 for an empty range).
pub(crate) fn step_zero(lo: f32, hi: f32) -> (f32, i32) {
    let (lo, hi) = (lo.min(0.0), hi.max(0.0));
    let step = (hi - lo) / 255.0;
    if step > 0.0 && step.is_finite() {
        let zero = (-lo / step).round_ties_even().clamp(0.0, 255.0) as i32;
        (step, zero)
    } else {
        (1.0, 0)
    }
}

/// `round(x / step) + zero`, clamped to `[0, 255]` (`inv` = `1 / step`).
#[inline(always)]
fn quantize_value(x: f32, inv: f32, zero: f32) -> u8 {
    let v = (x * inv).clamp(-512.0, 512.0);
    let r = (v + ROUND_MAGIC) - ROUND_MAGIC;
    (r + zero).clamp(0.0, 255.0) as u8
}

/// Quantises each row of `a` with its own range (body shared by both paths).
#[inline(always)]
pub(crate) fn quantize_rows_into(a: &[f32], k: usize, q: &mut QuantRows) {
    let kp = q.kp;
    for ((row, dst), (step, zero)) in a
        .chunks_exact(k)
        .zip(q.data.chunks_exact_mut(kp))
        .zip(q.step.iter_mut().zip(q.zero.iter_mut()))
    {
        let (lo, hi) = row
            .iter()
            .fold((0.0f32, 0.0f32), |(lo, hi), &x| (lo.min(x), hi.max(x)));
        (*step, *zero) = step_zero(lo, hi);
        let (inv, z) = (1.0 / *step, *zero as f32);
        for (d, &x) in dst.iter_mut().zip(row) {
            *d = quantize_value(x, inv, z);
        }
        for d in &mut dst[k..] {
            *d = *zero as u8;
        }
    }
}

/// Quantises every row with one shared step and zero point (body shared by both paths).
#[inline(always)]
pub(crate) fn quantize_shared_into(a: &[f32], k: usize, step: f32, zero: i32, out: &mut [u8]) {
    let kp = k.div_ceil(4) * 4;
    let (inv, z) = (1.0 / step, zero as f32);
    for (row, dst) in a.chunks_exact(k).zip(out.chunks_exact_mut(kp)) {
        for (d, &x) in dst.iter_mut().zip(row) {
            *d = quantize_value(x, inv, z);
        }
        for d in &mut dst[k..] {
            *d = zero as u8;
        }
    }
}

impl QuantRows {
    fn empty(m: usize, k: usize) -> Self {
        let kp = Self::padded_k(k);
        QuantRows {
            data: vec![0; m * kp],
            m,
            k,
            kp,
            step: vec![1.0; m],
            zero: vec![0; m],
        }
    }

    /// The bytes, steps, zero points and row stride, for the AVX-512 quantiser.
    #[cfg(target_arch = "x86_64")]
    pub(crate) fn parts_mut(&mut self) -> (&mut [u8], &mut [f32], &mut [i32], usize) {
        (&mut self.data, &mut self.step, &mut self.zero, self.kp)
    }

    /// `k` rounded up to a multiple of 4: the row stride of the quantised data.
    pub fn padded_k(k: usize) -> usize {
        k.div_ceil(4) * 4
    }

    /// Each row of `a` (`[m, k]`) quantised with its own range (widened to contain 0), on
    /// [`Isa::best`] for int8.
    ///
    /// # Panics
    /// If `a` is shorter than `m · k` or `k` is 0.
    pub fn quantize(a: &[f32], m: usize, k: usize) -> Self {
        Self::quantize_on(Isa::best(crate::Precision::Int8), a, m, k)
    }

    /// [`quantize`](Self::quantize) with the vector width of `isa` (same values).
    ///
    /// # Panics
    /// As [`quantize`](Self::quantize).
    pub fn quantize_on(isa: Isa, a: &[f32], m: usize, k: usize) -> Self {
        assert!(k > 0, "rows of length 0");
        assert!(a.len() >= m * k, "a has {} values, not {m} × {k}", a.len());
        let mut q = Self::empty(m, k);
        match isa {
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 if isa.supports(crate::Precision::Int8) => {
                crate::avx512::quantize_rows(&a[..m * k], k, &mut q)
            }
            _ => quantize_rows_into(&a[..m * k], k, &mut q),
        }
        q
    }

    /// All rows of `a` (`[m, k]`) quantised with one range `[lo, hi]` (widened to contain 0;
    /// values outside it are clamped): e.g. a whole signal's range, so that im2col rows built
    /// from its bytes need no conversion of their own.
    ///
    /// # Panics
    /// If `a` is shorter than `m · k` or `k` is 0.
    pub fn quantize_with_range(a: &[f32], m: usize, k: usize, lo: f32, hi: f32) -> Self {
        assert!(k > 0, "rows of length 0");
        assert!(a.len() >= m * k, "a has {} values, not {m} × {k}", a.len());
        let mut q = Self::empty(m, k);
        let (step, zero) = step_zero(lo, hi);
        q.step.fill(step);
        q.zero.fill(zero);
        quantize_shared_into(&a[..m * k], k, step, zero, &mut q.data);
        q
    }

    /// Rows already quantised with one `step` and `zero` point, `data` being `[m, stride]`
    /// with `stride` = [`padded_k`](Self::padded_k)`(k)` and the padding bytes equal to
    /// `zero`: e.g. im2col rows copied from the bytes of a signal quantised once
    /// ([`quantize_with_range`](Self::quantize_with_range)), so that no row is converted again.
    ///
    /// # Panics
    /// If `k` is 0, `data` is not `m · stride` bytes, `step` is not finite and positive or
    /// `zero` is outside `[0, 255]`.
    pub fn from_bytes(data: Vec<u8>, m: usize, k: usize, step: f32, zero: i32) -> Self {
        assert!(k > 0, "rows of length 0");
        let kp = Self::padded_k(k);
        assert_eq!(data.len(), m * kp, "{m} rows of stride {kp}");
        assert!(step > 0.0 && step.is_finite(), "step {step}");
        assert!((0..=255).contains(&zero), "zero point {zero}");
        QuantRows {
            data,
            m,
            k,
            kp,
            step: vec![step; m],
            zero: vec![zero; m],
        }
    }

    /// Rows `[m, k]` of the quantised value.
    pub fn rows(&self) -> usize {
        self.m
    }

    /// Values per row.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Row stride of [`data`](Self::data) (`k` rounded up to a multiple of 4).
    pub fn stride(&self) -> usize {
        self.kp
    }

    /// The bytes, `[m, stride]` row-major.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Quantisation step of each row.
    pub fn steps(&self) -> &[f32] {
        &self.step
    }

    /// Zero point of each row.
    pub fn zeros(&self) -> &[i32] {
        &self.zero
    }

    /// The value row `r` stands for at column `c`: `step · (q − zero)`.
    pub fn value(&self, r: usize, c: usize) -> f32 {
        self.step[r] * (i32::from(self.data[r * self.kp + c]) - self.zero[r]) as f32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bf16_rounds_to_nearest_even() {
        // 1 + 2^-8 is a tie between 1 and 1 + 2^-7: to even (1).
        assert_eq!(bf16_to_f32(bf16_bits(1.0 + 2f32.powi(-8))), 1.0);
        // 1 + 3·2^-8 is a tie between 1 + 2^-7 and 1 + 2^-6: to even (1 + 2^-6).
        let x = 1.0 + 3.0 * 2f32.powi(-8);
        assert_eq!(bf16_to_f32(bf16_bits(x)), 1.0 + 2f32.powi(-6));
        // Just above a tie rounds up.
        let x = f32::from_bits((1.0f32 + 2f32.powi(-8)).to_bits() + 1);
        assert_eq!(bf16_to_f32(bf16_bits(x)), 1.0 + 2f32.powi(-7));
        assert_eq!(bf16_to_f32(bf16_bits(-2.5)), -2.5);
        assert!(bf16_to_f32(bf16_bits(f32::NAN)).is_nan());
        assert_eq!(bf16_to_f32(bf16_bits(f32::MAX)), f32::INFINITY);
        // Relative error at most 2^-8 over many magnitudes.
        let mut x = 1e-30f32;
        while x < 1e30 {
            let y = bf16_to_f32(bf16_bits(x));
            assert!(((y - x) / x).abs() <= 2f32.powi(-8), "{x} → {y}");
            x *= 1.37;
        }
    }

    #[test]
    fn quantisation_is_within_half_a_step_and_zero_is_exact() {
        let a: Vec<f32> = (0..300)
            .map(|i| ((i * 37) % 101) as f32 * 0.173 - 5.0)
            .collect();
        for (lo, hi) in [(-5.0f32, 12.3f32), (0.5, 3.0), (-2.0, -1.0)] {
            let row: Vec<f32> = a.iter().map(|x| x.clamp(lo, hi)).chain([0.0]).collect();
            let q = QuantRows::quantize_on(Isa::Portable, &row, 1, row.len());
            let step = q.steps()[0];
            for (c, &x) in row.iter().enumerate() {
                let err = (q.value(0, c) - x).abs();
                assert!(err <= 0.5 * step * (1.0 + 1e-5), "{x}: {}", q.value(0, c));
            }
            assert_eq!(q.value(0, row.len() - 1), 0.0);
        }
    }

    /// The AVX-512 conversions give the portable ones' exact bits and bytes (odd lengths,
    /// NaN, ±0, ties, values past the shared range).
    #[test]
    fn vector_conversions_equal_the_portable_ones() {
        let mut a: Vec<f32> = (0..37 * 7)
            .map(|i| ((i * 7919) % 1013) as f32 * 0.0137 - 6.0)
            .collect();
        a[3] = -0.0;
        a[4] = 1.0 + 2f32.powi(-8);
        a[5] = 1e-40; // subnormal
        a[6] = -3e38;
        for isa in Isa::available(crate::Precision::Int8) {
            for k in [1, 3, 16, 17, 37] {
                let m = a.len() / k;
                let kp2 = k.div_ceil(2) * 2;
                let kp4 = k.div_ceil(4) * 4;
                let mut rows = a[..m * k].to_vec();
                let bits = bf16_rows(isa, &rows, m, k, kp2);
                assert_eq!(
                    bits,
                    bf16_rows(Isa::Portable, &rows, m, k, kp2),
                    "{isa:?} k {k}"
                );
                rows[0] = f32::NAN;
                let bits = bf16_rows(isa, &rows, m, k, kp2);
                assert_eq!(bits[0], bf16_bits(f32::NAN));
                let q = QuantRows::quantize_on(isa, &a[..m * k], m, k);
                assert_eq!(q, QuantRows::quantize_on(Isa::Portable, &a[..m * k], m, k));
                assert_eq!(q.stride(), kp4);
            }
        }
    }
}
