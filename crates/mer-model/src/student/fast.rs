//! Inference of a trained [`Student`] without burn: each convolution one matrix product
//! through mer-kernels (im2col rows × packed weights, bias, ReLU and the following batch norm
//! fused into the product's epilogue; f32, bf16 or int8 on the best implementation this CPU
//! runs), the window pooling and the head on the host. [`Student::embed`] (burn) stays the
//! reference; `tests/student_fast.rs` checks the two agree on real audio.
//!
//! Layout: time-major throughout (`[frames, channels]`), so an im2col row of a convolution is
//! `k` consecutive input frames (taps outside the input are zero, as burn's padding).

use burn::tensor::Tensor;
use mer_kernels::{Epilogue, Isa, Precision, Weights};
use rayon::prelude::*;

use super::{Student, WINDOW, output_frames};

/// Output rows per matrix product: bounded im2col buffers (≤ 64 · 5 · 256 f32 = 320 kB), and
/// units of work for rayon.
const CHUNK: usize = 64;

fn vec1(t: Tensor<1>) -> Vec<f32> {
    t.into_data().try_into_vec().unwrap_or_default()
}

/// Batch norm (inference) folded into `y = x · scale + shift` per channel.
fn affine(bn: &burn::nn::BatchNorm) -> (Vec<f32>, Vec<f32>) {
    mer_kernels::fold_batch_norm(
        &vec1(bn.gamma.val()),
        &vec1(bn.beta.val()),
        &vec1(bn.running_mean.value()),
        &vec1(bn.running_var.value()),
        bn.epsilon as f32,
    )
}

/// A 1-d convolution (`k` taps, stride, dilation, zero padding `pad` on both sides) as packed
/// weights `[k · c_in, c_out]` (row `i · c_in + c`: tap `i`, input channel `c`).
#[derive(Debug, Clone)]
struct Conv {
    weights: Weights,
    taps: usize,
    stride: usize,
    dilation: usize,
    pad: usize,
    c_in: usize,
    c_out: usize,
}

impl Conv {
    fn new(
        conv: &burn::nn::conv::Conv1d,
        norm: &burn::nn::BatchNorm,
        (stride, dilation): (usize, usize),
        precision: Precision,
    ) -> Self {
        let w = conv.weight.val(); // [c_out, c_in, k]
        let [c_out, c_in, taps] = w.dims();
        let w: Vec<f32> = w
            .permute([2, 1, 0])
            .reshape([taps * c_in, c_out])
            .into_data()
            .try_into_vec()
            .unwrap_or_default();
        let bias = conv
            .bias
            .as_ref()
            .map_or(vec![0.0; c_out], |b| vec1(b.val()));
        let weights = Weights::pack(&w, taps * c_in, c_out, precision).with_epilogue(Epilogue {
            bias,
            relu: true,
            affine: Some(affine(norm)),
        });
        Conv {
            weights,
            taps,
            stride,
            dilation,
            pad: dilation * (taps - 1) / 2,
            c_in,
            c_out,
        }
    }

    /// Output frames of `t` input frames.
    fn frames(&self, t: usize) -> usize {
        (t + 2 * self.pad - self.dilation * (self.taps - 1) - 1) / self.stride + 1
    }

    /// `norm(relu(conv(x)))` of time-major `x` (`[t, c_in]`) → `[frames(t), c_out]`, in
    /// chunks of [`CHUNK`] output frames on rayon's threads (each writes its own rows).
    fn forward(&self, isa: Isa, x: &[f32], t: usize) -> Vec<f32> {
        let (c_in, c_out) = (self.c_in, self.c_out);
        let out_t = self.frames(t);
        let k = self.taps * c_in;
        let mut y = vec![0.0f32; out_t * c_out];
        y.par_chunks_mut(CHUNK * c_out)
            .enumerate()
            .for_each(|(ci, out)| {
                let (j0, n) = (ci * CHUNK, out.len() / c_out);
                let mut a = vec![0.0f32; n * k];
                for (r, row) in a.chunks_exact_mut(k).enumerate() {
                    let first = ((j0 + r) * self.stride) as i64 - self.pad as i64;
                    for (i, tap) in row.chunks_exact_mut(c_in).enumerate() {
                        let src = first + (i * self.dilation) as i64;
                        if (0..t as i64).contains(&src) {
                            let s = src as usize;
                            tap.copy_from_slice(&x[s * c_in..(s + 1) * c_in]);
                        }
                    }
                }
                self.weights.matmul_on(isa, &a, n, out);
            });
        y
    }
}

/// A [`Student`]'s parameters packed for mer-kernels (see the module docs).
#[derive(Debug, Clone)]
pub struct FastStudent {
    conv1: Conv,
    conv2: Conv,
    res1: Conv,
    res2: Conv,
    /// The pooled rows' batch norm, `(scale, shift)` per feature (`[6 · c2]`).
    pool_norm: (Vec<f32>, Vec<f32>),
    /// Dense `6 · c2 → hidden` with bias and ReLU.
    hidden: Weights,
    /// Dense `hidden → n_out` with bias.
    out: Weights,
    precision: Precision,
    isa: Isa,
}

impl FastStudent {
    /// Packs `net`'s parameters (its batch norms in inference mode) for `precision`, to run on
    /// [`Isa::best`].
    pub fn new(net: &Student, precision: Precision) -> Self {
        let linear = |l: &burn::nn::Linear, relu: bool| {
            let w = l.weight.val(); // [d_in, d_out]
            let [k, n] = w.dims();
            let w: Vec<f32> = w.into_data().try_into_vec().unwrap_or_default();
            let bias = l.bias.as_ref().map_or(vec![0.0; n], |b| vec1(b.val()));
            Weights::pack(&w, k, n, precision).with_epilogue(Epilogue {
                bias,
                relu,
                affine: None,
            })
        };
        FastStudent {
            conv1: Conv::new(&net.conv1, &net.norm1, (2, 1), precision),
            conv2: Conv::new(&net.conv2, &net.norm2, (2, 1), precision),
            res1: Conv::new(&net.res1, &net.norm_r1, (1, 1), precision),
            res2: Conv::new(&net.res2, &net.norm_r2, (1, 2), precision),
            pool_norm: affine(&net.pool_norm),
            hidden: linear(&net.hidden, true),
            out: linear(&net.out, false),
            precision,
            isa: Isa::best(precision),
        }
    }

    /// The precision of the products.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// The implementation of the products ([`Isa::best`] for the precision).
    pub fn isa(&self) -> Isa {
        self.isa
    }

    /// The same network on another implementation (e.g. the portable one, to compare).
    ///
    /// # Panics
    /// If this CPU does not run `isa` for the precision.
    pub fn on(mut self, isa: Isa) -> Self {
        assert!(
            isa.supports(self.precision),
            "this CPU does not run {} {}",
            isa.name(),
            self.precision.name()
        );
        self.isa = isa;
        self
    }

    /// Embedding width out.
    pub fn n_out(&self) -> usize {
        self.out.n()
    }

    /// Frame features `[T', 3 · c2]` (time-major; `f0, f1, f2` as [`Student::features`]) of
    /// standardised log-mel `x` (`[t, n_mels]`, time-major).
    pub fn features(&self, x: &[f32], t: usize) -> Vec<f32> {
        let isa = self.isa;
        let x1 = self.conv1.forward(isa, x, t);
        let t1 = self.conv1.frames(t);
        let f0 = self.conv2.forward(isa, &x1, t1);
        let t2 = self.conv2.frames(t1);
        debug_assert_eq!(t2, output_frames(t));
        let mut f1 = self.res1.forward(isa, &f0, t2);
        f1.iter_mut().zip(&f0).for_each(|(a, b)| *a += b);
        let mut f2 = self.res2.forward(isa, &f1, t2);
        f2.iter_mut().zip(&f1).for_each(|(a, b)| *a += b);
        let c = self.conv2.c_out;
        let mut f = vec![0.0f32; t2 * 3 * c];
        for (j, row) in f.chunks_exact_mut(3 * c).enumerate() {
            for (part, src) in row.chunks_exact_mut(c).zip([&f0, &f1, &f2]) {
                part.copy_from_slice(&src[j * c..(j + 1) * c]);
            }
        }
        f
    }

    /// Embeddings `[starts.len(), n_out]` (row-major) of standardised log-mel `x` (`[t,
    /// n_mels]`, time-major): what [`Student::embed`] gives for `x` transposed to
    /// `[1, n_mels, t]` and the same window starts (clamped to the output the same way).
    pub fn embed(&self, x: &[f32], t: usize, starts: &[usize]) -> Vec<f32> {
        let f = self.features(x, t);
        let c = 3 * self.conv2.c_out;
        let tp = f.len() / c;
        let (scale, shift) = &self.pool_norm;
        // Max and mean over each window, then the pooled rows' batch norm.
        let mut rows = vec![0.0f32; starts.len() * 2 * c];
        rows.par_chunks_mut(2 * c)
            .zip(starts.par_iter())
            .for_each(|(row, &j)| {
                let j = j.min(tp.saturating_sub(WINDOW));
                let (max, mean) = row.split_at_mut(c);
                max.fill(f32::NEG_INFINITY);
                for frame in f[j * c..(j + WINDOW).min(tp) * c].chunks_exact(c) {
                    for ((m, s), v) in max.iter_mut().zip(mean.iter_mut()).zip(frame) {
                        *m = m.max(*v);
                        *s += v;
                    }
                }
                for s in mean.iter_mut() {
                    *s /= WINDOW as f32;
                }
                for ((v, a), b) in row.iter_mut().zip(scale).zip(shift) {
                    *v = *v * a + b;
                }
            });
        let n = starts.len();
        let mut h = vec![0.0f32; n * self.hidden.n()];
        self.hidden.matmul_on(self.isa, &rows, n, &mut h);
        let mut y = vec![0.0f32; n * self.out.n()];
        self.out.matmul_on(self.isa, &h, n, &mut y);
        y
    }
}
