//! Matrix products `C[m, n] = A[m, k] · B[k, n]` for mer's convolutions (im2col rows times a
//! filter bank), with `B` packed once when a model loads and a fused per-column epilogue
//! (bias, ReLU, then an affine map such as a folded batch norm).
//!
//! Three precisions, each with a portable implementation (safe Rust, any target) and, on
//! x86-64, an AVX-512 one chosen at run time:
//!
//! | [`Precision`] | product | AVX-512 instruction | error vs the exact product (per element) |
//! |---|---|---|---|
//! | [`F32`](Precision::F32) | f32 × f32, f32 sums | `vfmadd231ps` | `k · 2⁻²³ · Σ|a||b|` (f32 rounding) |
//! | [`Bf16`](Precision::Bf16) | bf16 × bf16, f32 sums | `vdpbf16ps` (AVX512_BF16) | [`bf16_bound`] |
//! | [`Int8`](Precision::Int8) | u8 × i8, exact i32 sums | `vpdpbusd` (AVX512_VNNI) | [`int8_bound`] |
//!
//! **Int8** quantises each weight column `n` symmetrically (`b ≈ s_n · q`, `q ∈ [−127, 127]`,
//! `s_n = max_k |b| / 127`) and each row of `A` asymmetrically to u8 (`a ≈ s_m · (q − z_m)`,
//! `q ∈ [0, 255]`, the range widened to contain 0 so that 0 — im2col's zero padding — is
//! exact). `vpdpbusd` multiplies *unsigned* by *signed* bytes, so the zero point is taken out
//! after the integer sum: `Σ_k s_m (q_a − z_m) · s_n q_b = s_m s_n (Σ q_a q_b − z_m Σ_k q_b)`,
//! with the column sums `Σ_k q_b` computed when the weights are packed. The i32 sums are exact
//! (`|q_a q_b| ≤ 255 · 127`, so `k` up to 66 000 cannot overflow), which makes the portable and
//! AVX-512 int8 results identical, bit for bit (the tests check it).
//!
//! **Bf16** rounds both operands to bfloat16 (8-bit significand, round to nearest even); the
//! products are exact in f32 and summed in f32.
//!
//! [`Isa::best`] picks the fastest implementation this CPU runs; the environment variable
//! `MER_KERNELS_ISA=portable` forces the portable one (and [`Weights::matmul_on`] takes the
//! implementation explicitly, so tests run every path this CPU has).
//!
//! `unsafe` appears only in the AVX-512 module (intrinsics on raw pointers, each block with its
//! safety argument); everything else, including the portable reference, is safe Rust.
//!
//! The crate's README has the benchmark (`bench/kernels_bench.sh`), musicnn's profile, and the
//! plan and measurements of its use in `mer-musicnn`.

#![deny(unsafe_op_in_unsafe_fn)]

use std::borrow::Cow;
use std::ops::Range;

#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod avx512;
mod portable;
mod quant;

pub use quant::{QuantRows, bf16_bits, bf16_to_f32};

/// Columns per packed panel: one 512-bit vector of f32 or i32.
pub const LANES: usize = 16;

/// Number format of the multiply (the sums are f32 or exact i32, see the crate docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Precision {
    /// f32 operands, f32 sums: the reference.
    F32,
    /// bfloat16 operands, f32 sums.
    Bf16,
    /// u8 activations × i8 weights, exact i32 sums, per-row and per-column scales.
    Int8,
}

impl Precision {
    /// All precisions, for loops in tests and benchmarks.
    pub const ALL: [Precision; 3] = [Precision::F32, Precision::Bf16, Precision::Int8];

    /// Short lowercase name (`f32`, `bf16`, `int8`).
    pub fn name(self) -> &'static str {
        match self {
            Precision::F32 => "f32",
            Precision::Bf16 => "bf16",
            Precision::Int8 => "int8",
        }
    }

    /// `k` rounded up to the multiple the packed layout needs (1, 2 or 4 values per lane).
    fn padded_k(self, k: usize) -> usize {
        match self {
            Precision::F32 => k,
            Precision::Bf16 => k.div_ceil(2) * 2,
            Precision::Int8 => k.div_ceil(4) * 4,
        }
    }
}

impl std::str::FromStr for Precision {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Precision::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| format!("unknown precision {s:?} (expected f32, bf16 or int8)"))
    }
}

/// An implementation of the kernels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Isa {
    /// Safe Rust, any target; the reference.
    Portable,
    /// x86-64 AVX-512 (F + BW, plus BF16 for [`Precision::Bf16`] and VNNI for
    /// [`Precision::Int8`]).
    Avx512,
}

impl Isa {
    /// Short lowercase name (`portable`, `avx512`).
    pub fn name(self) -> &'static str {
        match self {
            Isa::Portable => "portable",
            Isa::Avx512 => "avx512",
        }
    }

    /// Whether this CPU runs `precision` on this implementation.
    pub fn supports(self, precision: Precision) -> bool {
        match self {
            Isa::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => avx512::supports(precision),
            #[cfg(not(target_arch = "x86_64"))]
            Isa::Avx512 => false,
        }
    }

    /// The implementations this CPU runs for `precision`, portable first.
    pub fn available(precision: Precision) -> Vec<Isa> {
        [Isa::Portable, Isa::Avx512]
            .into_iter()
            .filter(|isa| isa.supports(precision))
            .collect()
    }

    /// The fastest implementation this CPU runs for `precision`, unless the environment
    /// variable `MER_KERNELS_ISA` names another one it runs (`portable`, `avx512`).
    /// The variable is read once per process.
    pub fn best(precision: Precision) -> Isa {
        static FORCED: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
        let forced = FORCED.get_or_init(|| std::env::var("MER_KERNELS_ISA").ok());
        Isa::pick(precision, forced.as_deref())
    }

    /// [`best`](Self::best) with the override given (`forced`: the name of an implementation;
    /// ignored when this CPU does not run it for `precision`).
    pub fn pick(precision: Precision, forced: Option<&str>) -> Isa {
        let all = Isa::available(precision);
        if let Some(isa) = all.iter().find(|i| Some(i.name()) == forced) {
            return *isa;
        }
        *all.last().unwrap_or(&Isa::Portable)
    }
}

/// What happens to each product column `n` before it is stored:
/// `y = max(x + bias[n], 0) · scale[n] + shift[n]` (ReLU and affine optional; the affine is
/// one fused multiply-add), e.g. a convolution's bias, ReLU and an inference batch norm.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Epilogue {
    /// Added to every row (`[n]`); empty: none.
    pub bias: Vec<f32>,
    /// ReLU after the bias.
    pub relu: bool,
    /// `(scale, shift)` (`[n]` each) applied last; `None`: none.
    pub affine: Option<(Vec<f32>, Vec<f32>)>,
}

/// An inference batch norm `y = (x − mean) / √(var + eps) · gamma + beta` folded into the
/// per-channel `(scale, shift)` of [`Epilogue::affine`]: `scale = gamma / √(var + eps)`,
/// `shift = beta − mean · scale`. The four slices are per channel, of equal length.
pub fn fold_batch_norm(
    gamma: &[f32],
    beta: &[f32],
    mean: &[f32],
    var: &[f32],
    eps: f32,
) -> (Vec<f32>, Vec<f32>) {
    let scale: Vec<f32> = gamma
        .iter()
        .zip(var)
        .map(|(g, v)| g / (v + eps).sqrt())
        .collect();
    let shift = beta
        .iter()
        .zip(mean)
        .zip(&scale)
        .map(|((b, m), s)| b - m * s)
        .collect();
    (scale, shift)
}

/// Packed weights for one precision, panel-major: for each panel of [`LANES`] columns, the
/// `k` rows of that panel (grouped by 2 for bf16 and by 4 for int8, as the instructions read
/// them), zero padded to whole panels and groups.
#[derive(Debug, Clone)]
enum Packed {
    F32(Vec<f32>),
    Bf16(Vec<u16>),
    Int8 {
        q: Vec<i8>,
        /// Column scales `s_n` (`[np]`, padded with 1).
        scale: Vec<f32>,
        /// `Σ_k q[k, n]` (`[np]`), for the activations' zero points.
        colsum: Vec<i32>,
    },
}

/// First row of `B` a product uses (a multiple of the precision's group of rows); the number of
/// rows is the activations' row length.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Span {
    pub(crate) k0: usize,
}

/// A weight matrix `B[k, n]` packed for one [`Precision`], with its [`Epilogue`].
#[derive(Debug, Clone)]
pub struct Weights {
    k: usize,
    n: usize,
    precision: Precision,
    packed: Packed,
    /// Epilogue vectors padded to whole panels: bias (0), scale (1), shift (0).
    bias: Vec<f32>,
    relu: bool,
    affine: bool,
    scale: Vec<f32>,
    shift: Vec<f32>,
}

impl Weights {
    /// Packs row-major `b` (`[k, n]`) for `precision`, with no epilogue.
    ///
    /// # Panics
    /// If `b.len() != k · n` or `k` or `n` is 0.
    pub fn pack(b: &[f32], k: usize, n: usize, precision: Precision) -> Self {
        assert!(k > 0 && n > 0, "empty weight matrix [{k}, {n}]");
        assert_eq!(
            b.len(),
            k * n,
            "weights of [{k}, {n}] have {} values",
            b.len()
        );
        let np = n.div_ceil(LANES) * LANES;
        let kp = precision.padded_k(k);
        let g = match precision {
            Precision::F32 => 1,
            Precision::Bf16 => 2,
            Precision::Int8 => 4,
        };
        // Index of (kk, col) in the panel-major layout.
        let at = |kk: usize, col: usize| {
            let (panel, lane) = (col / LANES, col % LANES);
            ((panel * (kp / g) + kk / g) * LANES + lane) * g + kk % g
        };
        let packed = match precision {
            Precision::F32 => {
                let mut p = vec![0.0f32; kp * np];
                for kk in 0..k {
                    for col in 0..n {
                        p[at(kk, col)] = b[kk * n + col];
                    }
                }
                Packed::F32(p)
            }
            Precision::Bf16 => {
                let mut p = vec![0u16; kp * np];
                for kk in 0..k {
                    for col in 0..n {
                        p[at(kk, col)] = bf16_bits(b[kk * n + col]);
                    }
                }
                Packed::Bf16(p)
            }
            Precision::Int8 => {
                let mut q = vec![0i8; kp * np];
                let mut scale = vec![1.0f32; np];
                let mut colsum = vec![0i32; np];
                for col in 0..n {
                    let max = (0..k)
                        .map(|kk| b[kk * n + col].abs())
                        .fold(0.0f32, f32::max);
                    let s = if max > 0.0 { max / 127.0 } else { 1.0 };
                    scale[col] = s;
                    for kk in 0..k {
                        let v = (b[kk * n + col] / s).round_ties_even().clamp(-127.0, 127.0);
                        q[at(kk, col)] = v as i8;
                        colsum[col] += v as i32;
                    }
                }
                Packed::Int8 { q, scale, colsum }
            }
        };
        Weights {
            k,
            n,
            precision,
            packed,
            bias: vec![0.0; np],
            relu: false,
            affine: false,
            scale: vec![1.0; np],
            shift: vec![0.0; np],
        }
    }

    /// The same weights with `epilogue` applied to every product.
    ///
    /// # Panics
    /// If a non-empty vector of the epilogue does not have `n` values.
    pub fn with_epilogue(mut self, epilogue: Epilogue) -> Self {
        let n = self.n;
        let check = |what: &str, v: &[f32]| {
            assert_eq!(
                v.len(),
                n,
                "epilogue {what} has {} values for {n} columns",
                v.len()
            );
        };
        if !epilogue.bias.is_empty() {
            check("bias", &epilogue.bias);
            self.bias[..n].copy_from_slice(&epilogue.bias);
        }
        self.relu = epilogue.relu;
        if let Some((scale, shift)) = &epilogue.affine {
            check("scale", scale);
            check("shift", shift);
            self.scale[..n].copy_from_slice(scale);
            self.shift[..n].copy_from_slice(shift);
            self.affine = true;
        }
        self
    }

    /// Rows of `B` (the inner dimension).
    pub fn k(&self) -> usize {
        self.k
    }

    /// Columns of `B` (outputs per row).
    pub fn n(&self) -> usize {
        self.n
    }

    /// The precision the weights were packed for.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Bytes of the packed weights.
    pub fn packed_bytes(&self) -> usize {
        match &self.packed {
            Packed::F32(p) => 4 * p.len(),
            Packed::Bf16(p) => 2 * p.len(),
            Packed::Int8 { q, .. } => q.len(),
        }
    }

    /// `B` as the kernels really multiply by it (`[k, n]` row-major): rounded to bf16, or
    /// `s_n · q` for int8. For error analysis.
    pub fn effective(&self) -> Vec<f32> {
        let (k, n) = (self.k, self.n);
        let kp = self.precision.padded_k(k);
        let mut out = vec![0.0f32; k * n];
        for kk in 0..k {
            for col in 0..n {
                let (panel, lane) = (col / LANES, col % LANES);
                out[kk * n + col] = match &self.packed {
                    Packed::F32(p) => p[(panel * kp + kk) * LANES + lane],
                    Packed::Bf16(p) => {
                        bf16_to_f32(p[((panel * (kp / 2) + kk / 2) * LANES + lane) * 2 + kk % 2])
                    }
                    Packed::Int8 { q, scale, .. } => {
                        let v = q[((panel * (kp / 4) + kk / 4) * LANES + lane) * 4 + kk % 4];
                        scale[col] * f32::from(v)
                    }
                };
            }
        }
        out
    }

    /// `c = epilogue(a · B)` for row-major `a` (`[m, k]`) into row-major `c` (`[m, n]`), on
    /// [`Isa::best`].
    ///
    /// # Panics
    /// If `a` or `c` is shorter than `m · k` or `m · n`.
    pub fn matmul(&self, a: &[f32], m: usize, c: &mut [f32]) {
        self.matmul_on(Isa::best(self.precision), a, m, c);
    }

    /// [`matmul`](Self::matmul) on a given implementation.
    ///
    /// # Panics
    /// If this CPU does not run `isa` for the weights' precision, or `a` or `c` is shorter
    /// than `m · k` or `m · n`.
    pub fn matmul_on(&self, isa: Isa, a: &[f32], m: usize, c: &mut [f32]) {
        self.matmul_range_on(isa, a, m, 0..self.k, c);
    }

    /// How `k_range.start` of [`matmul_range`](Self::matmul_range) must be aligned: 1 (f32),
    /// 2 (bf16) or 4 (int8) rows of `B`.
    pub fn k_align(&self) -> usize {
        match self.precision {
            Precision::F32 => 1,
            Precision::Bf16 => 2,
            Precision::Int8 => 4,
        }
    }

    /// `c = epilogue(a · B[k_range, ..])`: the product with rows `k_range` of `B` only, `a`
    /// being `[m, k_range.len()]` (e.g. im2col rows without the taps that read padding), on
    /// [`Isa::best`].
    ///
    /// # Panics
    /// If `k_range` is empty, leaves `[0, k)` or does not start at a multiple of
    /// [`k_align`](Self::k_align); or as [`matmul`](Self::matmul).
    pub fn matmul_range(&self, a: &[f32], m: usize, k_range: Range<usize>, c: &mut [f32]) {
        self.matmul_range_on(Isa::best(self.precision), a, m, k_range, c);
    }

    /// [`matmul_range`](Self::matmul_range) on a given implementation.
    ///
    /// # Panics
    /// As [`matmul_range`](Self::matmul_range), or if this CPU does not run `isa`.
    pub fn matmul_range_on(
        &self,
        isa: Isa,
        a: &[f32],
        m: usize,
        k_range: Range<usize>,
        c: &mut [f32],
    ) {
        let span = self.span(&k_range);
        let len = k_range.len();
        assert!(
            a.len() >= m * len,
            "a has {} values, not {m} × {len}",
            a.len()
        );
        assert!(
            c.len() >= m * self.n,
            "c has {} values, not {m} × {}",
            c.len(),
            self.n
        );
        assert!(
            isa.supports(self.precision),
            "this CPU does not run {} {}",
            isa.name(),
            self.precision.name()
        );
        if m == 0 {
            return;
        }
        match self.precision {
            Precision::F32 => match isa {
                Isa::Portable => portable::f32(self, a, m, span, len, c),
                #[cfg(target_arch = "x86_64")]
                Isa::Avx512 => avx512::f32(self, a, m, span, len, c),
                #[cfg(not(target_arch = "x86_64"))]
                Isa::Avx512 => unreachable!("supports() is false"),
            },
            Precision::Bf16 => {
                let stride = len.div_ceil(2) * 2;
                let rows = quant::bf16_rows(isa, a, m, len, stride);
                match isa {
                    Isa::Portable => portable::bf16(self, &rows, stride, m, span, c),
                    #[cfg(target_arch = "x86_64")]
                    Isa::Avx512 => avx512::bf16(self, &rows, stride, m, span, c),
                    #[cfg(not(target_arch = "x86_64"))]
                    Isa::Avx512 => unreachable!("supports() is false"),
                }
            }
            Precision::Int8 => {
                let q = QuantRows::quantize_on(isa, a, m, len);
                self.matmul_quantized_range_on(isa, &q, k_range.start, c);
            }
        }
    }

    /// `c = epilogue(a · B)` for activations already quantised to u8 (int8 weights only), on
    /// [`Isa::best`]. Lets a caller quantise a signal once and build im2col rows of bytes.
    ///
    /// # Panics
    /// If the weights are not int8, `q` has another `k`, or `c` is shorter than `m · n`.
    pub fn matmul_quantized(&self, q: &QuantRows, c: &mut [f32]) {
        self.matmul_quantized_on(Isa::best(Precision::Int8), q, c);
    }

    /// [`matmul_quantized`](Self::matmul_quantized) on a given implementation.
    ///
    /// # Panics
    /// As [`matmul_quantized`](Self::matmul_quantized), or if this CPU does not run `isa`.
    pub fn matmul_quantized_on(&self, isa: Isa, q: &QuantRows, c: &mut [f32]) {
        assert_eq!(
            q.k(),
            self.k,
            "quantised rows have k = {}, weights {}",
            q.k(),
            self.k
        );
        self.matmul_quantized_range_on(isa, q, 0, c);
    }

    /// [`matmul_quantized`](Self::matmul_quantized) with rows `[k0, k0 + q.k())` of `B` only
    /// (see [`matmul_range`](Self::matmul_range)).
    ///
    /// # Panics
    /// As [`matmul_quantized`](Self::matmul_quantized) and [`matmul_range`](Self::matmul_range).
    pub fn matmul_quantized_range_on(&self, isa: Isa, q: &QuantRows, k0: usize, c: &mut [f32]) {
        let Packed::Int8 { colsum, q: b, .. } = &self.packed else {
            panic!(
                "matmul_quantized needs int8 weights, these are {}",
                self.precision.name()
            );
        };
        let span = self.span(&(k0..k0 + q.k()));
        let m = q.rows();
        assert!(
            c.len() >= m * self.n,
            "c has {} values, not {m} × {}",
            c.len(),
            self.n
        );
        assert!(
            isa.supports(Precision::Int8),
            "this CPU does not run {} int8",
            isa.name()
        );
        if m == 0 {
            return;
        }
        // Σ_k q_b over the rows used (for the zero points); padding rows of B are zero.
        let sums = if k0 == 0 && q.k() == self.k {
            Cow::Borrowed(colsum)
        } else {
            let kp = self.precision.padded_k(self.k);
            let mut s = vec![0i32; colsum.len()];
            for (col, sum) in s.iter_mut().enumerate() {
                let (panel, lane) = (col / LANES, col % LANES);
                let start = (panel * kp + k0) * LANES;
                let groups = &b[start..start + q.stride() * LANES];
                *sum = groups
                    .chunks_exact(4 * LANES)
                    .flat_map(|g| &g[4 * lane..4 * lane + 4])
                    .map(|&v| i32::from(v))
                    .sum();
            }
            Cow::Owned(s)
        };
        match isa {
            Isa::Portable => portable::int8(self, q, span, &sums, c),
            #[cfg(target_arch = "x86_64")]
            Isa::Avx512 => avx512::int8(self, q, span, &sums, c),
            #[cfg(not(target_arch = "x86_64"))]
            Isa::Avx512 => unreachable!("supports() is false"),
        }
    }

    /// Checks a range of rows of `B` and returns where it starts.
    fn span(&self, k_range: &Range<usize>) -> Span {
        assert!(
            k_range.start < k_range.end && k_range.end <= self.k,
            "rows {k_range:?} of B with k = {}",
            self.k
        );
        assert!(
            k_range.start.is_multiple_of(self.k_align()),
            "{} rows of B must start at a multiple of {}, not {}",
            self.precision.name(),
            self.k_align(),
            k_range.start
        );
        Span { k0: k_range.start }
    }

    /// Row stride of each packed panel (`k` padded to the precision's group).
    pub(crate) fn kp(&self) -> usize {
        self.precision.padded_k(self.k)
    }

    /// Number of [`LANES`]-column panels.
    fn panels(&self) -> usize {
        self.n.div_ceil(LANES)
    }

    /// The epilogue of column `col` on a scalar (the portable path's; the AVX-512 one does the
    /// same operations in the same order, so int8 results agree bit for bit).
    #[inline]
    fn finish(&self, col: usize, x: f32) -> f32 {
        let mut v = x + self.bias[col];
        if self.relu {
            v = v.max(0.0);
        }
        if self.affine {
            v = v.mul_add(self.scale[col], self.shift[col]);
        }
        v
    }
}

/// Worst-case `|C_bf16 − C_exact|` of one element whose exact terms have `Σ_k |a_k b_k| = abs`:
/// each operand rounded to bf16 (relative error ≤ 2⁻⁸ each, so ≤ 2⁻⁷ + 2⁻¹⁶ per product,
/// which is then exact in f32) plus `k` f32 additions (≤ `k · 2⁻²⁴` relative each, with a
/// factor 1.01 for second-order terms).
pub fn bf16_bound(k: usize, abs: f64) -> f64 {
    let u = 2f64.powi(-8);
    let product = 2.0 * u + u * u;
    let sums = 1.01 * k as f64 * 2f64.powi(-24);
    (product + sums * (1.0 + product)) * abs
}

/// Worst-case `|C_int8 − C_exact|` of one element, for a row `a` with quantisation step
/// `s_a` and `Σ|a_k| = a_abs`, and a weight column with step `s_b` and `Σ|b_k| = b_abs`:
/// each rounded value is off by at most half a step, so
/// `|Σ a b − Σ â b̂| ≤ s_b/2 · Σ|a| + s_a/2 · Σ|b| + k · s_a s_b / 4`; plus the f32 rounding of
/// the dequantisation (a few ulps of the result, bounded by `2⁻²¹ · (Σ|a||b| + the above)`).
pub fn int8_bound(k: usize, s_a: f64, a_abs: f64, s_b: f64, b_abs: f64, ab_abs: f64) -> f64 {
    let q = 0.5 * s_b * a_abs + 0.5 * s_a * b_abs + 0.25 * k as f64 * s_a * s_b;
    q * (1.0 + 1e-6) + 2f64.powi(-21) * (ab_abs + q)
}

impl Weights {
    /// Quantisation steps `s_n` of the columns (int8 weights; `None` otherwise).
    pub fn column_scales(&self) -> Option<&[f32]> {
        match &self.packed {
            Packed::Int8 { scale, .. } => Some(&scale[..self.n]),
            _ => None,
        }
    }
}
