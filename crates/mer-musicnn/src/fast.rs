//! A faster inference path for many overlapping patches of one file (the 2 Hz embeddings),
//! computing exactly what [`Musicnn::forward`] computes per patch.
//!
//! Two things make it faster than running the burn module on every patch:
//!
//! 1. **Shared timbral filters.** The 7-frame timbral convolutions dominate the cost (1.1 of
//!    1.4 GMAC per patch). Apart from the first and last 3 frames of a patch (whose 7-frame
//!    context crosses the patch edge, where musicnn pads with zeros *after* the input batch
//!    norm), a patch's timbral features are those of the same mel frame in the whole file. They
//!    are computed once per mel frame of the file, and only the 6 edge frames of each patch
//!    are recomputed, with the patch's own zero padding. With 2 Hz patches (31.25-frame hop,
//!    187-frame patches) every frame is otherwise computed ~6 times.
//! 2. **Convolutions as one matrix product each**: explicit im2col buffers (a copy of K values
//!    per output row, cheap next to the K × maps multiply-adds), multiplied in the
//!    [`Precision`] chosen when the model loads ([`default_precision`]): f32 through burn's
//!    `matmul` (the Flex backend's packed `gemm`; the reference), or bf16 through mer-kernels
//!    (`vdpbf16ps` on AVX512_BF16: 1.7× less CPU per clip, static answers within 0.0035 of
//!    f32 on 32 real clips) or int8 (`vpdpbusd` on AVX512_VNNI; the timbral layers for static
//!    answers there, [`static_precision`], on im2col rows of bytes of the input quantised once
//!    per call), per layer group
//!    ([`LayerPrecision`]), with bias, ReLU and batch norm fused into the product; frequency
//!    max pooling in one pass over it. Filter taps that read only padding for every row of a
//!    product are left out of it (exact).
//!
//! The temporal filters (128, 64 and 32 frames, 'same' padded) are shared the same way for the
//! frames whose whole filter lies inside the patch (60, 124 and 156 of 187); the others are
//! recomputed per patch with the patch's zero padding. The mid and back end run per patch.
//! Shared frames that no patch reads (gaps between patches, e.g. a patch stride over 6 frames,
//! `MusicnnEmbedder::with_patch_stride`) are not computed.
//!
//! The shared chunks and the patches run on rayon's threads (one file uses every core; in a
//! batch, files and patches share the pool). Each task writes its own rows, so the values do
//! not depend on the number of threads.

use burn::tensor::{Device, Tensor, TensorData};
use mer_features::Matrix;
use mer_kernels::{Epilogue, Isa, Precision, QuantRows, Weights};
use rayon::prelude::*;

use crate::embed::{EMBEDDING_DIM, PATCH_FRAMES};
use crate::frontend::N_MELS;
use crate::model::{MIDEND_KERNEL, Musicnn, TEMPORAL_LENGTHS, TIMBRAL_HEIGHT};

/// Frames of timbral context on each side of a frame (7-frame filters).
const HALF_T: usize = TIMBRAL_HEIGHT / 2;

/// Frames per timbral matrix product: small enough that the im2col buffer (~250 kB) and the
/// product stay in cache and below glibc's mmap threshold (fresh zeroed pages on every call).
const TIMBRAL_CHUNK: usize = 4;
/// Frames per temporal matrix product (all 96 bands each; ~400 kB of im2col for 128 taps).
const TEMPORAL_CHUNK: usize = 8;
/// Rows per mid-end matrix product (~500 kB of im2col for the first layer).
const MID_CHUNK: usize = 32;

/// Batch norm folded into `y = x · scale + shift` per channel.
#[derive(Debug, Clone)]
struct Affine {
    scale: Vec<f32>,
    shift: Vec<f32>,
}

impl Affine {
    fn of(bn: &burn::nn::BatchNorm) -> Self {
        let (scale, shift) = mer_kernels::fold_batch_norm(
            &vec1(bn.gamma.val()),
            &vec1(bn.beta.val()),
            &vec1(bn.running_mean.value()),
            &vec1(bn.running_var.value()),
            bn.epsilon as f32,
        );
        Affine { scale, shift }
    }
}

/// A convolution as a matrix `[K, maps]` (im2col order) with bias and the following batch norm.
#[derive(Debug, Clone)]
struct ConvMat {
    weight: Tensor<2>,
    /// The same weights packed for mer-kernels with bias, ReLU and batch norm as the epilogue
    /// (`None`: f32 through burn, the reference).
    packed: Option<Weights>,
    bias: Vec<f32>,
    norm: Affine,
    maps: usize,
}

impl ConvMat {
    fn new(weight: Tensor<2>, bias: Vec<f32>, norm: Affine, precision: Precision) -> Self {
        let [k, maps] = weight.dims();
        let packed = (precision != Precision::F32).then(|| {
            let w: Vec<f32> = weight
                .clone()
                .into_data()
                .try_into_vec()
                .unwrap_or_default();
            Weights::pack(&w, k, maps, precision).with_epilogue(Epilogue {
                bias: bias.clone(),
                relu: true,
                affine: Some((norm.scale.clone(), norm.shift.clone())),
            })
        });
        ConvMat {
            weight,
            packed,
            bias,
            norm,
            maps,
        }
    }

    /// Rows of `B` a product over taps `[k0, k1)` must start at: `k0` rounded down to the
    /// packed precision's group (the im2col rows then start with that many extra taps).
    fn align(&self, k0: usize) -> usize {
        let g = self.packed.as_ref().map_or(1, Weights::k_align);
        k0 - k0 % g
    }

    /// Activated product `act(a [rows, k1 − k0] · W[k0..k1, ..])` → `[rows, maps]`: bias, ReLU
    /// and batch norm applied (fused into the kernel, or after burn's f32 `matmul`).
    /// `k0` must be [`align`](Self::align)ed.
    fn product(
        &self,
        a: Vec<f32>,
        rows: usize,
        (k0, k1): (usize, usize),
        device: &Device,
    ) -> Vec<f32> {
        let maps = self.maps;
        match &self.packed {
            Some(w) => {
                let mut c = vec![0.0f32; rows * maps];
                w.matmul_range(&a, rows, k0..k1, &mut c);
                c
            }
            None => {
                let [k, _] = self.weight.dims();
                let weight = if (k0, k1) == (0, k) {
                    self.weight.clone()
                } else {
                    self.weight.clone().slice([k0..k1, 0..maps])
                };
                let mut y = matmul(a, rows, &weight, device);
                for r in y.chunks_mut(maps) {
                    self.activate(r);
                }
                y
            }
        }
    }

    /// Bias, ReLU, batch norm of row `r` of a product `[rows, maps]`.
    #[inline]
    fn activate(&self, y: &mut [f32]) {
        for (o, v) in y.iter_mut().enumerate() {
            *v = (*v + self.bias[o]).max(0.0) * self.norm.scale[o] + self.norm.shift[o];
        }
    }
}

/// `out = max(out, r)` element-wise (max pooling over frequency of activated rows).
#[inline]
fn max_into(r: &[f32], out: &mut [f32]) {
    for (m, v) in out.iter_mut().zip(r) {
        *m = m.max(*v);
    }
}

/// Normalised input frames `[rows, 96]` for the timbral filters, with the same frames
/// quantised once to bytes when a timbral layer multiplies in int8.
#[derive(Clone, Copy)]
struct Frames<'a> {
    x: &'a [f32],
    q: Option<QuantFrames<'a>>,
}

/// Frames as bytes standing for `step · (byte − zero)` (one step and zero point for all).
#[derive(Clone, Copy)]
struct QuantFrames<'a> {
    bytes: &'a [u8],
    step: f32,
    zero: i32,
}

impl<'a> Frames<'a> {
    /// Frames `[r0, r1)`.
    fn rows(self, r0: usize, r1: usize) -> Frames<'a> {
        Frames {
            x: &self.x[r0 * N_MELS..r1 * N_MELS],
            q: self.q.map(|q| QuantFrames {
                bytes: &q.bytes[r0 * N_MELS..r1 * N_MELS],
                ..q
            }),
        }
    }
}

/// The timbral im2col rows of frames `[first, first + count)` of `rows` input frames: for
/// each frame and frequency position, filter rows `taps` (`[i0, i1)`) of `width` bands,
/// starting at tap `k0` (≤ `i0 · width`); frames outside the input stay padding.
struct Im2col {
    rows: usize,
    first: i64,
    count: usize,
    width: usize,
    taps: (usize, usize),
    k0: usize,
}

impl Im2col {
    /// `[count · positions, stride]` from `frames` (`[rows, 96]`), `pad` where nothing is read
    /// (outside the input, and from the row length to `stride`).
    fn build<T: Copy>(&self, frames: &[T], stride: usize, pad: T) -> Vec<T> {
        let positions = N_MELS - self.width + 1;
        let mut a = vec![pad; self.count * positions * stride];
        for t in 0..self.count {
            for i in self.taps.0..self.taps.1 {
                let src = self.first + t as i64 + i as i64 - HALF_T as i64;
                if src < 0 || src >= self.rows as i64 {
                    continue;
                }
                let row = &frames[src as usize * N_MELS..(src as usize + 1) * N_MELS];
                for f in 0..positions {
                    let dst = (t * positions + f) * stride + i * self.width - self.k0;
                    a[dst..dst + self.width].copy_from_slice(&row[f..f + self.width]);
                }
            }
        }
        a
    }
}

/// The network's parameters rearranged for the matrix-product path.
#[derive(Debug, Clone)]
pub struct FastMusicnn {
    device: Device,
    input: Affine,
    /// Timbral filters with their widths (bands).
    timbral: Vec<(ConvMat, usize)>,
    /// Temporal filters with their lengths (frames).
    temporal: Vec<(ConvMat, usize)>,
    mid: Vec<ConvMat>,
    pool_norm: Affine,
    /// Dense layer with its ReLU and batch norm.
    dense: ConvMat,
    precision: LayerPrecision,
    output: Tensor<2>,
    output_bias: Vec<f32>,
}

fn vec1(t: Tensor<1>) -> Vec<f32> {
    t.into_data().try_into_vec().unwrap_or_default()
}

fn to_mat(rows: usize, cols: usize, data: Vec<f32>, device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(data, [rows, cols]), device)
}

/// `a [rows, k] · w [k, n]` → `[rows, n]` row-major.
fn matmul(a: Vec<f32>, rows: usize, w: &Tensor<2>, device: &Device) -> Vec<f32> {
    let [k, _] = w.dims();
    to_mat(rows, k, a, device)
        .matmul(w.clone())
        .into_data()
        .try_into_vec()
        .unwrap_or_default()
}

/// `[rows, maps]` computed `chunk` rows at a time by `f(first row, count)` (which returns
/// `[count, maps]`), the chunks on rayon's threads, each written to its own rows. Chunks
/// without a row in `needed` (sorted, disjoint row ranges) are left zero.
fn in_chunks(
    rows: usize,
    maps: usize,
    chunk: usize,
    needed: &[(usize, usize)],
    f: impl Fn(usize, usize) -> Vec<f32> + Sync,
) -> Vec<f32> {
    let mut all = vec![0.0f32; rows * maps];
    all.par_chunks_mut(chunk * maps)
        .enumerate()
        .for_each(|(c, out)| {
            let (r0, n) = (c * chunk, out.len() / maps);
            if needed.iter().any(|&(lo, hi)| lo < r0 + n && r0 < hi) {
                out.copy_from_slice(&f(r0, n));
            }
        });
    all
}

/// The union of the row ranges `[off + a, off + b)` over the patch offsets `offs`: the
/// extended frames whose shared features some patch reads (sorted, disjoint).
fn needed_rows(offs: &[usize], (a, b): (usize, usize)) -> Vec<(usize, usize)> {
    let mut r: Vec<(usize, usize)> = offs.iter().map(|&o| (o + a, o + b)).collect();
    r.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(r.len());
    for (lo, hi) in r {
        match out.last_mut() {
            Some(last) if lo <= last.1 => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    out
}

/// The precision of each layer group's products: timbral convolutions, temporal
/// convolutions, mid end, dense layer. Written `bf16` when all four agree, else
/// `timbral,temporal,mid,dense` (e.g. `int8,bf16,bf16,bf16`), which [`str::parse`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LayerPrecision {
    /// The two timbral convolutions (7 × 38 and 7 × 67 filters; most of the MACs).
    pub timbral: Precision,
    /// The three temporal convolutions (128, 64, 32 frames).
    pub temporal: Precision,
    /// The three mid-end convolutions.
    pub mid: Precision,
    /// The back end's dense layer (the 50-tag output layer is always f32).
    pub dense: Precision,
}

impl LayerPrecision {
    /// One precision for every layer.
    pub const fn all(p: Precision) -> Self {
        LayerPrecision {
            timbral: p,
            temporal: p,
            mid: p,
            dense: p,
        }
    }

    fn parts(self) -> [Precision; 4] {
        [self.timbral, self.temporal, self.mid, self.dense]
    }
}

impl From<Precision> for LayerPrecision {
    fn from(p: Precision) -> Self {
        LayerPrecision::all(p)
    }
}

impl std::fmt::Display for LayerPrecision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = self.parts();
        if p.iter().all(|&x| x == p[0]) {
            return f.write_str(p[0].name());
        }
        let names: Vec<&str> = p.iter().map(|x| x.name()).collect();
        f.write_str(&names.join(","))
    }
}

impl std::str::FromStr for LayerPrecision {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let p: Vec<Precision> = s
            .split(',')
            .map(|x| x.trim().parse())
            .collect::<Result<_, _>>()?;
        match p[..] {
            [one] => Ok(LayerPrecision::all(one)),
            [timbral, temporal, mid, dense] => Ok(LayerPrecision {
                timbral,
                temporal,
                mid,
                dense,
            }),
            _ => Err(format!(
                "precision {s:?}: one precision or four (timbral,temporal,mid,dense)"
            )),
        }
    }
}

/// `MER_MUSICNN_PRECISION`, read once: one precision or four (`timbral,temporal,mid,dense`).
fn forced_precision() -> Option<LayerPrecision> {
    static FORCED: std::sync::OnceLock<Option<LayerPrecision>> = std::sync::OnceLock::new();
    *FORCED.get_or_init(|| {
        std::env::var("MER_MUSICNN_PRECISION")
            .ok()
            .and_then(|s| s.parse().ok())
    })
}

/// Whether this CPU runs `p`'s kernels natively (mer-kernels' AVX-512 path).
fn native(p: Precision) -> bool {
    Isa::best(p) == Isa::Avx512
}

/// The precision [`FastMusicnn::new`] uses: bf16 where this CPU multiplies bf16 natively
/// (AVX512_BF16: static answers within 0.005 of f32, see mer-predict's `precision` tests),
/// f32 through burn (the reference) otherwise. `MER_KERNELS_ISA=portable` (mer-kernels' switch
/// to its portable code) selects f32, as does `MER_MUSICNN_PRECISION=f32`;
/// `MER_MUSICNN_PRECISION=bf16`, `int8` or per layer `timbral,temporal,mid,dense` (e.g.
/// `int8,bf16,bf16,bf16`) forces those (emulated, slowly, on CPUs without the instructions).
/// Both variables are read once.
pub fn default_precision() -> LayerPrecision {
    forced_precision().unwrap_or(LayerPrecision::all(if native(Precision::Bf16) {
        Precision::Bf16
    } else {
        Precision::F32
    }))
}

/// The precision for static (song-level) answers only (`mer_predict::Predictor::static_only`):
/// [`default_precision`] with the timbral convolutions (the largest products) in int8 where
/// this CPU has AVX512_VNNI, on bytes of the input quantised once per call over its range.
/// Quality in the nested-CV protocol within 0.005 of f32 (`crates/mer-predict/models/REPORT.md`);
/// not used for the 2 Hz series, where the quantisation step following each streamed block's
/// range moves single values by up to 0.003 between block-wise and whole-file computation.
/// `MER_MUSICNN_PRECISION` overrides it as it does [`default_precision`].
pub fn static_precision() -> LayerPrecision {
    forced_precision().unwrap_or_else(|| {
        let rest = default_precision();
        LayerPrecision {
            timbral: if native(Precision::Int8) {
                Precision::Int8
            } else {
                rest.timbral
            },
            ..rest
        }
    })
}

impl FastMusicnn {
    /// Rearranges a loaded [`Musicnn`]'s parameters for [`default_precision`].
    pub fn new(model: &Musicnn, device: &Device) -> Self {
        Self::with_precision(model, device, default_precision())
    }

    /// The precision of the products (convolutions and dense layer; the 50-tag output layer
    /// is always f32).
    pub fn precision(&self) -> LayerPrecision {
        self.precision
    }

    /// Rearranges a loaded [`Musicnn`]'s parameters, multiplying in `precision`: f32 through
    /// burn's `matmul` (the reference: the same values as the burn module up to summation
    /// order), bf16 or int8 through mer-kernels on the best implementation this CPU runs
    /// ([`Isa::best`]), bias, ReLU and batch norm fused into each product.
    pub fn with_precision(
        model: &Musicnn,
        device: &Device,
        precision: impl Into<LayerPrecision>,
    ) -> Self {
        let precision = precision.into();
        // Conv2d weight [maps, 1, kh, kw] → [kh·kw, maps] (row k = i·kw + j).
        let conv2 = |block: &crate::model::FrontBlock, precision| -> (ConvMat, usize, usize) {
            let [maps, _, kh, kw] = block.conv.weight.val().dims();
            let w = block.conv.weight.val().reshape([maps, kh * kw]).transpose();
            let w = to_mat(
                kh * kw,
                maps,
                w.into_data().try_into_vec().unwrap_or_default(),
                device,
            );
            let bias = block
                .conv
                .bias
                .as_ref()
                .map(|b| vec1(b.val()))
                .unwrap_or(vec![0.0; maps]);
            let norm = Affine::of(&block.norm);
            (ConvMat::new(w, bias, norm, precision), kh, kw)
        };
        let timbral = [&model.timbral_74, &model.timbral_77]
            .into_iter()
            .map(|b| {
                let (c, _, kw) = conv2(b, precision.timbral);
                (c, kw)
            })
            .collect();
        let temporal = [&model.temporal_128, &model.temporal_64, &model.temporal_32]
            .into_iter()
            .zip(TEMPORAL_LENGTHS)
            .map(|(b, len)| {
                let (c, kh, _) = conv2(b, precision.temporal);
                debug_assert_eq!(kh, len);
                (c, len)
            })
            .collect();
        // Conv1d weight [maps, cin, 7] → [7·cin, maps] (row k = i·cin + c).
        let mid = [&model.mid_1, &model.mid_2, &model.mid_3]
            .into_iter()
            .map(|b| {
                let [maps, cin, k] = b.conv.weight.val().dims();
                let w = b
                    .conv
                    .weight
                    .val()
                    .permute([2, 1, 0])
                    .reshape([k * cin, maps]);
                let w = to_mat(
                    k * cin,
                    maps,
                    w.into_data().try_into_vec().unwrap_or_default(),
                    device,
                );
                let bias = b
                    .conv
                    .bias
                    .as_ref()
                    .map(|b| vec1(b.val()))
                    .unwrap_or(vec![0.0; maps]);
                ConvMat::new(w, bias, Affine::of(&b.norm), precision.mid)
            })
            .collect();
        let bias =
            |l: &burn::nn::Linear| l.bias.as_ref().map(|b| vec1(b.val())).unwrap_or_default();
        FastMusicnn {
            device: device.clone(),
            input: Affine::of(&model.input_norm),
            timbral,
            temporal,
            mid,
            pool_norm: Affine::of(&model.pool_norm),
            dense: ConvMat::new(
                model.penultimate.weight.val(),
                bias(&model.penultimate),
                Affine::of(&model.penultimate_norm),
                precision.dense,
            ),
            precision,
            output: model.output.weight.val(),
            output_bias: bias(&model.output),
        }
    }

    /// Timbral features `[frames, maps]` of frames `[first, first + count)` of the normalised
    /// frames `x` (`[rows, 96]`); frames outside `x` are zero (TF's padding after the norm).
    /// Filter rows that read outside `x` for every frame of the call are left out of the
    /// product (exact: they multiply zeros). An int8 layer multiplies `x`'s bytes when `x`
    /// has them (im2col rows of bytes, no conversion per product).
    fn timbral_frames(
        &self,
        conv: &ConvMat,
        width: usize,
        x: Frames<'_>,
        first: i64,
        count: usize,
    ) -> Vec<f32> {
        let rows = x.x.len() / N_MELS;
        let positions = N_MELS - width + 1;
        // Filter rows i in [i0, i1) read inside x for at least one frame of the call.
        let inside = |i: usize| {
            (0..count).any(|t| {
                let src = first + t as i64 + i as i64 - HALF_T as i64;
                (0..rows as i64).contains(&src)
            })
        };
        let i0 = (0..TIMBRAL_HEIGHT).find(|&i| inside(i)).unwrap_or(0);
        let i1 = (i0..TIMBRAL_HEIGHT)
            .rev()
            .find(|&i| inside(i))
            .map_or(i0 + 1, |i| i + 1);
        let k0 = conv.align(i0 * width);
        let k1 = i1 * width;
        let k = k1 - k0;
        let cols = Im2col {
            rows,
            first,
            count,
            width,
            taps: (i0, i1),
            k0,
        };
        let maps = conv.maps;
        // [count·positions, maps]
        let y = match (&conv.packed, x.q) {
            (Some(w), Some(q)) if w.precision() == Precision::Int8 => {
                let a = cols.build(q.bytes, QuantRows::padded_k(k), q.zero as u8);
                let a = QuantRows::from_bytes(a, count * positions, k, q.step, q.zero);
                let mut y = vec![0.0f32; count * positions * maps];
                w.matmul_quantized_range_on(Isa::best(Precision::Int8), &a, k0, &mut y);
                y
            }
            _ => {
                let a = cols.build(x.x, k, 0.0);
                conv.product(a, count * positions, (k0, k1), &self.device)
            }
        };
        let mut out = vec![f32::NEG_INFINITY; count * maps];
        for t in 0..count {
            let o = &mut out[t * maps..(t + 1) * maps];
            for r in y[t * positions * maps..(t + 1) * positions * maps].chunks_exact(maps) {
                max_into(r, o);
            }
        }
        out
    }

    /// Temporal features `[count, maps]` of frames `[first, first + count)` of the band-major
    /// normalised frames `xt` (`[96][rows]`), 'same' padding: taps reading a frame outside
    /// `[lo, hi)` read zero (TF pads each patch with zeros after the input norm).
    fn temporal_frames(
        &self,
        conv: &ConvMat,
        len: usize,
        xt: &[f32],
        rows: usize,
        first: usize,
        count: usize,
        (lo, hi): (usize, usize),
    ) -> Vec<f32> {
        if count > TEMPORAL_CHUNK {
            let mut out = Vec::with_capacity(count * conv.maps);
            for c0 in (0..count).step_by(TEMPORAL_CHUNK) {
                let n = TEMPORAL_CHUNK.min(count - c0);
                out.extend(self.temporal_frames(conv, len, xt, rows, first + c0, n, (lo, hi)));
            }
            return out;
        }
        let before = (len - 1) / 2;
        // Taps of row t: j in [j_lo, j_hi) read frames inside [lo, hi), the others read zero.
        let taps = |t: usize| {
            // Tap j reads frame u0 + j.
            let u0 = (first + t) as i64 - before as i64;
            let j_lo = (lo as i64 - u0).clamp(0, len as i64) as usize;
            let j_hi = (hi as i64 - u0).clamp(0, len as i64) as usize;
            (u0, j_lo, j_hi)
        };
        // Taps that are zero for every row of the chunk (near a patch edge) are left out of
        // the product: the union [k0, k1) of the rows' ranges (at least one tap).
        let (mut k0, mut k1) = (len, 0);
        for t in 0..count {
            let (_, j_lo, j_hi) = taps(t);
            if j_hi > j_lo {
                k0 = k0.min(j_lo);
                k1 = k1.max(j_hi);
            }
        }
        if k1 <= k0 {
            (k0, k1) = (0, 1);
        }
        let k0 = conv.align(k0);
        let k = k1 - k0;
        let mut a = vec![0.0f32; N_MELS * count * k];
        for m in 0..N_MELS {
            let band = &xt[m * rows..(m + 1) * rows];
            for t in 0..count {
                let dst = (m * count + t) * k;
                let (u0, j_lo, j_hi) = taps(t);
                if j_hi > j_lo {
                    let src = (u0 + j_lo as i64) as usize;
                    a[dst + j_lo - k0..dst + j_hi - k0]
                        .copy_from_slice(&band[src..src + j_hi - j_lo]);
                }
            }
        }
        let maps = conv.maps;
        let mut out = vec![f32::NEG_INFINITY; count * maps];
        // [(m, t), maps]
        let y = conv.product(a, N_MELS * count, (k0, k1), &self.device);
        for band in y.chunks_exact(count * maps) {
            for (r, o) in band.chunks_exact(maps).zip(out.chunks_exact_mut(maps)) {
                max_into(r, o);
            }
        }
        out
    }

    /// One mid-end layer over `x [187, cin]` → `[187, 64]` (kernel 7, padding 3).
    fn mid_layer(&self, conv: &ConvMat, x: &[f32], cin: usize) -> Vec<f32> {
        let k = MIDEND_KERNEL * cin;
        let half = MIDEND_KERNEL / 2;
        let mut y = Vec::with_capacity(PATCH_FRAMES * conv.maps);
        for t0 in (0..PATCH_FRAMES).step_by(MID_CHUNK) {
            let n = MID_CHUNK.min(PATCH_FRAMES - t0);
            let mut a = vec![0.0f32; n * k];
            for (r, t) in (t0..t0 + n).enumerate() {
                for i in 0..MIDEND_KERNEL {
                    let src = t as i64 + i as i64 - half as i64;
                    if (0..PATCH_FRAMES as i64).contains(&src) {
                        let s = src as usize;
                        a[r * k + i * cin..r * k + (i + 1) * cin]
                            .copy_from_slice(&x[s * cin..(s + 1) * cin]);
                    }
                }
            }
            y.extend(conv.product(a, n, (0, k), &self.device));
        }
        y
    }

    /// Penultimate embeddings `[starts.len(), 200]` of the 187-frame patches of `logmel`
    /// (`[frames, 96]`) starting at mel frames `starts` (may leave the file: log-mel 0 there).
    pub fn penultimate(&self, logmel: &Matrix, starts: &[i64]) -> Matrix {
        if starts.is_empty() {
            return Matrix::new(0, EMBEDDING_DIM, Vec::new());
        }
        self.back_end(self.pooled(logmel, starts))
    }

    /// Penultimate embeddings `[patches, 200]` of [`pooled`](Self::pooled) features
    /// `[patches, 1506]`: the back end's batch norm, dense layer, ReLU and batch norm.
    pub fn back_end(&self, pooled: Matrix) -> Matrix {
        let patches = pooled.rows;
        let mut pooled = pooled.data;
        // 5. Back end for all patches at once.
        for row in pooled.chunks_mut(self.pool_norm.scale.len()) {
            for (i, v) in row.iter_mut().enumerate() {
                *v = *v * self.pool_norm.scale[i] + self.pool_norm.shift[i];
            }
        }
        let k = self.pool_norm.scale.len();
        // [P, 200]: dense, ReLU, batch norm.
        let hidden = self.dense.product(pooled, patches, (0, k), &self.device);
        Matrix::new(patches, EMBEDDING_DIM, hidden)
    }

    /// musicnn's pooled features `[starts.len(), 2 · 753]` of the same patches: for each of the
    /// 561 front-end and 3 × 64 mid-end maps, its maximum and its mean over the patch's 187
    /// frames (interleaved), before the back end's batch norm; what [`penultimate`](Self::penultimate)
    /// feeds the dense layer.
    pub fn pooled(&self, logmel: &Matrix, starts: &[i64]) -> Matrix {
        let front_dim: usize = self.timbral.iter().map(|(c, _)| c.maps).sum::<usize>()
            + self.temporal.iter().map(|(c, _)| c.maps).sum::<usize>();
        let mid_dim = front_dim + self.mid.iter().map(|c| c.maps).sum::<usize>();
        if starts.is_empty() {
            return Matrix::new(0, 2 * mid_dim, Vec::new());
        }
        let first = *starts.iter().min().unwrap_or(&0);
        let last = starts.iter().max().unwrap_or(&0) + PATCH_FRAMES as i64;
        let ext_rows = (last - first) as usize;
        // Normalised input over [first, last): BN(log-mel), BN(0) outside the file.
        let (a, b) = (self.input.scale[0], self.input.shift[0]);
        let mut ext = vec![b; ext_rows * N_MELS];
        for u in 0..ext_rows {
            let src = first + u as i64;
            if (0..logmel.rows as i64).contains(&src) {
                let row = &logmel.data[src as usize * N_MELS..(src as usize + 1) * N_MELS];
                for (d, s) in ext[u * N_MELS..(u + 1) * N_MELS].iter_mut().zip(row) {
                    *d = s * a + b;
                }
            }
        }
        // An int8 timbral layer reads the input as bytes, quantised once over its range
        // (one step for the whole input, zero exact: the padding).
        let quantised = (self.precision.timbral == Precision::Int8).then(|| {
            let (lo, hi) = ext
                .iter()
                .fold((0.0f32, 0.0f32), |(lo, hi), &v| (lo.min(v), hi.max(v)));
            QuantRows::quantize_with_range(&ext, ext_rows, N_MELS, lo, hi)
        });
        let frames = Frames {
            x: &ext,
            q: quantised.as_ref().map(|q| QuantFrames {
                bytes: q.data(),
                step: q.steps()[0],
                zero: q.zeros()[0],
            }),
        };
        // 1. Timbral features of every extended frame a patch reads (all of them unless the
        // patches leave gaps), in chunks (bounded im2col memory), the chunks on rayon's
        // threads (each writes its own rows: same values, any order).
        let offs: Vec<usize> = starts.iter().map(|&s| (s - first) as usize).collect();
        let timbral_rows = needed_rows(&offs, (HALF_T, PATCH_FRAMES - HALF_T));
        let shared: Vec<Vec<f32>> = self
            .timbral
            .iter()
            .map(|(conv, width)| {
                in_chunks(
                    ext_rows,
                    conv.maps,
                    TIMBRAL_CHUNK,
                    &timbral_rows,
                    |c0, n| self.timbral_frames(conv, *width, frames, c0 as i64, n),
                )
            })
            .collect();
        // Band-major copy for the temporal filters, whose frames are shared like the timbral
        // ones except where the filter reaches past the patch (all but the middle frames).
        let mut xt = vec![0.0f32; N_MELS * ext_rows];
        for u in 0..ext_rows {
            for m in 0..N_MELS {
                xt[m * ext_rows + u] = ext[u * N_MELS + m];
            }
        }
        let shared_temporal: Vec<Vec<f32>> = self
            .temporal
            .iter()
            .map(|(conv, len)| {
                let before = (len - 1) / 2;
                let rows = needed_rows(&offs, (before, PATCH_FRAMES - (len - 1 - before)));
                in_chunks(ext_rows, conv.maps, TEMPORAL_CHUNK, &rows, |c0, n| {
                    self.temporal_frames(conv, *len, &xt, ext_rows, c0, n, (0, ext_rows))
                })
            })
            .collect();
        // Patches on rayon's threads, each writing its own row of `pooled`.
        let mut pooled = vec![0.0f32; starts.len() * 2 * mid_dim];
        pooled
            .par_chunks_mut(2 * mid_dim)
            .zip(starts.par_iter())
            .for_each(|(pool, &start)| {
                let off = (start - first) as usize;
                let patch = frames.rows(off, off + PATCH_FRAMES);
                // 2. Front end [187, 561]: timbral (shared interior, recomputed edges), temporal.
                let mut front = vec![0.0f32; PATCH_FRAMES * front_dim];
                let mut col = 0;
                for ((conv, width), all) in self.timbral.iter().zip(&shared) {
                    let maps = conv.maps;
                    for t in HALF_T..PATCH_FRAMES - HALF_T {
                        let src = &all[(off + t) * maps..(off + t + 1) * maps];
                        front[t * front_dim + col..t * front_dim + col + maps].copy_from_slice(src);
                    }
                    // One frame per product, so that each leaves out all its padding rows.
                    for r in (0..HALF_T).chain(PATCH_FRAMES - HALF_T..PATCH_FRAMES) {
                        let y = self.timbral_frames(conv, *width, patch, r as i64, 1);
                        front[r * front_dim + col..r * front_dim + col + maps].copy_from_slice(&y);
                    }
                    col += maps;
                }
                for ((conv, len), all) in self.temporal.iter().zip(&shared_temporal) {
                    let maps = conv.maps;
                    let before = (len - 1) / 2;
                    let after = len - 1 - before;
                    for t in before..PATCH_FRAMES - after {
                        let src = &all[(off + t) * maps..(off + t + 1) * maps];
                        front[t * front_dim + col..t * front_dim + col + maps].copy_from_slice(src);
                    }
                    let window = (off, off + PATCH_FRAMES);
                    for (e0, n) in [(0, before), (PATCH_FRAMES - after, after)] {
                        let y =
                            self.temporal_frames(conv, *len, &xt, ext_rows, off + e0, n, window);
                        for t in 0..n {
                            let r = e0 + t;
                            front[r * front_dim + col..r * front_dim + col + maps]
                                .copy_from_slice(&y[t * maps..(t + 1) * maps]);
                        }
                    }
                    col += maps;
                }
                // 3. Mid end with residuals, 4. max and mean over time, interleaved.
                let m1 = self.mid_layer(&self.mid[0], &front, front_dim);
                let mut m2 = self.mid_layer(&self.mid[1], &m1, self.mid[0].maps);
                m2.iter_mut().zip(&m1).for_each(|(a, b)| *a += b);
                let mut m3 = self.mid_layer(&self.mid[2], &m2, self.mid[1].maps);
                m3.iter_mut().zip(&m2).for_each(|(a, b)| *a += b);
                let mut feature = 0;
                let mm = self.mid[0].maps;
                for (x, dim) in [(&front, front_dim), (&m1, mm), (&m2, mm), (&m3, mm)] {
                    for c in 0..dim {
                        let (mut max, mut sum) = (f32::NEG_INFINITY, 0.0f32);
                        for t in 0..PATCH_FRAMES {
                            let v = x[t * dim + c];
                            max = max.max(v);
                            sum += v;
                        }
                        pool[2 * feature] = max;
                        pool[2 * feature + 1] = sum / PATCH_FRAMES as f32;
                        feature += 1;
                    }
                }
            });
        Matrix::new(starts.len(), 2 * mid_dim, pooled)
    }

    /// Tag probabilities `[patches, 50]` from penultimate embeddings `[patches, 200]`.
    pub fn tags(&self, penultimate: &Matrix) -> Matrix {
        let n = self.output_bias.len();
        let mut y = matmul(
            penultimate.data.clone(),
            penultimate.rows,
            &self.output,
            &self.device,
        );
        for row in y.chunks_mut(n) {
            for (v, b) in row.iter_mut().zip(&self.output_bias) {
                *v = 1.0 / (1.0 + (-(*v + b)).exp());
            }
        }
        Matrix::new(penultimate.rows, n, y)
    }
}
