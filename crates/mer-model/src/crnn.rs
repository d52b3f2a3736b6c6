//! CRNN (Malik et al. 2017) and its variants: no branching (CRNN_NB), any recurrent cell,
//! self-attention after or instead of the recurrence.
//!
//! ```text
//! [batch, time, feat] → Conv2d 3×3 (time × feat) → BatchNorm → ReLU → MaxPool 1×P (feat only)
//!   → Dropout → [batch, time, filters·feat/P]
//!   → per branch: recurrent layers → (self-attention) → Linear → [batch, time, 1 or 2]
//! ```

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{
    BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig2d,
    PositionalEncoding, PositionalEncodingConfig,
};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::attention::SelfAttention;
use crate::error::{ModelError, Result};
use crate::model::limits;
use crate::recurrent::{CellKind, RecurrentLayer, recurrent_stack};

/// Configuration of a [`Crnn`].
///
/// Malik et al. 2017 (SMC, "Stacked convolutional and recurrent neural networks for music
/// emotion recognition") give the structure: 40 log-mel bands in, one convolutional layer
/// with 3×3 kernels, batch normalisation, ReLU, max-pooling over frequency only, dropout,
/// then two branches of GRU layers (arousal, valence), trained with Adam. The sizes below
/// (`conv_filters`, `pool_freq`, `hidden`, `rnn_layers`, `dropout`) are **our choice**
/// (the sizes of `mer bench`'s reference network), not numbers taken from the paper.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CrnnConfig {
    /// Features per frame (40 log-mel bands in Malik et al.). Default 40.
    pub n_features: usize,
    /// Convolution filters. Default 32 (chosen).
    pub conv_filters: usize,
    /// Square convolution kernel (time × feature). Default 3 (Malik et al.: 3×3).
    pub conv_kernel: usize,
    /// Max-pool size over the feature axis only (time is kept). Default 5 (chosen).
    pub pool_freq: usize,
    /// Dropout after pooling. Default 0.25 (chosen; Malik et al. use dropout, rate not reused).
    pub dropout: f64,
    /// Recurrent cell. Default GRU (Malik et al.).
    pub cell: CellKind,
    /// Hidden units per recurrent layer (per direction). Default 32 (chosen).
    pub hidden: usize,
    /// Recurrent layers per branch; 0 means attention only (needs `attention_heads > 0`).
    /// Default 2 (chosen).
    pub rnn_layers: usize,
    /// Two branches (arousal, valence) as in Malik et al. (`crnn`); `false` is one shared
    /// stack with two outputs (`crnn-nb`). Default true.
    pub branches: bool,
    /// Heads of a self-attention block after the recurrent layers; 0 = none. Default 0.
    pub attention_heads: usize,
}

impl Default for CrnnConfig {
    fn default() -> Self {
        Self {
            n_features: 40,
            conv_filters: 32,
            conv_kernel: 3,
            pool_freq: 5,
            dropout: 0.25,
            cell: CellKind::Gru,
            hidden: 32,
            rnn_layers: 2,
            branches: true,
            attention_heads: 0,
        }
    }
}

/// Longest sequence the positional encoding of an attention-only branch covers (frames).
pub const MAX_ATTENTION_FRAMES: usize = 4096;

/// BatchNorm's running mean and variance with fixed ids instead of burn's random ones: model
/// files record the ids, and `MerModel::to_bytes` renumbers every other parameter, so that
/// the same weights always give the same file.
fn fixed_state_ids(mut norm: burn::nn::BatchNorm) -> burn::nn::BatchNorm {
    use burn::module::{ParamId, RunningState};
    norm.running_mean =
        RunningState::with_id(ParamId::from(u64::MAX - 1), norm.running_mean.value());
    norm.running_var = RunningState::with_id(ParamId::from(u64::MAX), norm.running_var.value());
    norm
}

impl CrnnConfig {
    /// Checks sizes before building.
    pub fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(ModelError::InvalidConfig(m));
        if self.n_features == 0 || self.conv_filters == 0 || self.hidden == 0 {
            return bad(format!("crnn sizes must be > 0: {self:?}"));
        }
        for (name, value, max) in [
            ("n_features", self.n_features, limits::MAX_FEATURES),
            ("conv_filters", self.conv_filters, limits::MAX_WIDTH),
            ("hidden", self.hidden, limits::MAX_WIDTH),
            ("conv_kernel", self.conv_kernel, limits::MAX_KERNEL),
            ("rnn_layers", self.rnn_layers, limits::MAX_LAYERS),
            ("attention_heads", self.attention_heads, limits::MAX_HEADS),
        ] {
            if value > max {
                return bad(format!("crnn {name} {value} is above the limit {max}"));
            }
        }
        if self.pool_freq == 0 || self.pool_freq > self.n_features {
            return bad(format!(
                "pool_freq {} must be in 1..={} (n_features)",
                self.pool_freq, self.n_features
            ));
        }
        if self.conv_kernel.is_multiple_of(2) {
            return bad(format!("conv_kernel {} must be odd", self.conv_kernel));
        }
        if self.rnn_layers == 0 && self.attention_heads == 0 {
            return bad("rnn_layers = 0 needs attention_heads > 0".into());
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return bad(format!("dropout {} must be in [0, 1)", self.dropout));
        }
        if self.attention_heads > 0 {
            let width = if self.rnn_layers == 0 {
                self.hidden
            } else {
                self.cell.output_width(self.hidden)
            };
            if width % self.attention_heads != 0 {
                return bad(format!(
                    "attention width {width} not divisible by {} heads",
                    self.attention_heads
                ));
            }
        }
        Ok(())
    }

    /// Parameters of the network [`init`](Self::init) builds (weights, biases and BatchNorm's
    /// running statistics: what a model file stores), saturating.
    pub fn n_params(&self) -> u64 {
        let sat = |a: usize, b: usize| (a as u64).saturating_mul(b as u64);
        let linear = |i: usize, o: usize| sat(i, o).saturating_add(o as u64);
        let f = self.conv_filters;
        // Convolution weights and biases, BatchNorm's gamma, beta, running mean and variance.
        let conv =
            sat(f, self.conv_kernel.saturating_mul(self.conv_kernel)).saturating_add(5 * f as u64);
        let trunk = self.trunk_width();
        let (body, width) = if self.rnn_layers == 0 {
            (linear(trunk, self.hidden), self.hidden)
        } else {
            self.cell.stack_params(trunk, self.hidden, self.rnn_layers)
        };
        let attention = if self.attention_heads > 0 {
            // Query, key, value and output projections, then LayerNorm's gamma and beta.
            linear(width, width)
                .saturating_mul(4)
                .saturating_add(2 * width as u64)
        } else {
            0
        };
        let (n_branches, outputs) = if self.branches { (2, 1) } else { (1, 2) };
        let branch = body
            .saturating_add(attention)
            .saturating_add(linear(width, outputs));
        conv.saturating_add(branch.saturating_mul(n_branches))
    }

    /// Floats [`init`](Self::init) allocates besides the parameters: the positional encoding
    /// of attention-only branches ([`MAX_ATTENTION_FRAMES`] × `hidden` each).
    pub fn n_buffer_floats(&self) -> u64 {
        if self.rnn_layers > 0 {
            return 0;
        }
        let n_branches = if self.branches { 2 } else { 1 };
        (MAX_ATTENTION_FRAMES as u64)
            .saturating_mul(self.hidden as u64)
            .saturating_mul(n_branches)
    }

    /// Longest window the network can run on: [`MAX_ATTENTION_FRAMES`] for attention-only
    /// branches (their positional encoding ends there), unbounded otherwise.
    pub fn max_frames(&self) -> Option<usize> {
        (self.rnn_layers == 0).then_some(MAX_ATTENTION_FRAMES)
    }

    /// Width of the features the convolution block hands to the branches.
    pub fn trunk_width(&self) -> usize {
        self.conv_filters
            .saturating_mul(self.n_features / self.pool_freq.max(1))
    }

    /// Builds the network (call [`validate`](Self::validate) first for a clean error).
    pub fn init(&self, device: &Device) -> Crnn {
        let p = self.conv_kernel / 2;
        let conv = ConvBlock {
            conv: Conv2dConfig::new([1, self.conv_filters], [self.conv_kernel; 2])
                .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
                .init(device),
            norm: fixed_state_ids(BatchNormConfig::new(self.conv_filters).init(device)),
            pool: MaxPool2dConfig::new([1, self.pool_freq])
                .with_strides([1, self.pool_freq])
                .init(),
            dropout: DropoutConfig::new(self.dropout).init(),
        };
        let n_branches = if self.branches { 2 } else { 1 };
        let outputs = if self.branches { 1 } else { 2 };
        let branches = (0..n_branches)
            .map(|_| self.branch(outputs, device))
            .collect();
        Crnn { conv, branches }
    }

    fn branch(&self, outputs: usize, device: &Device) -> Branch {
        let trunk = self.trunk_width();
        let (proj, pos, layers, width) = if self.rnn_layers == 0 {
            let proj = LinearConfig::new(trunk, self.hidden).init(device);
            let pos = PositionalEncodingConfig::new(self.hidden)
                .with_max_sequence_size(MAX_ATTENTION_FRAMES)
                .init(device);
            (Some(proj), Some(pos), Vec::new(), self.hidden)
        } else {
            let (layers, width) =
                recurrent_stack(self.cell, trunk, self.hidden, self.rnn_layers, device);
            (None, None, layers, width)
        };
        let attention = (self.attention_heads > 0)
            .then(|| SelfAttention::new(width, self.attention_heads, self.dropout, device));
        Branch {
            proj,
            pos,
            layers,
            attention,
            head: LinearConfig::new(width, outputs).init(device),
        }
    }
}

/// Convolution → BatchNorm → ReLU → max-pool over features → dropout.
#[derive(Module, Debug)]
pub struct ConvBlock {
    /// 3×3 convolution over (time, feature), one input channel.
    pub conv: Conv2d,
    /// Batch normalisation per filter.
    pub norm: BatchNorm,
    /// Max-pool over the feature axis only.
    pub pool: MaxPool2d,
    /// Dropout on the pooled maps.
    pub dropout: Dropout,
}

impl ConvBlock {
    /// - `x`: `[batch, time, feat]`
    /// - returns: `[batch, time, filters·(feat/P)]`
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let [batch, time, _] = x.dims();
        // Conv → BatchNorm → ReLU → pool as one pass over the data on the Flex CPU backend.
        let x = match conv_kernel::conv_norm_pool(self, &x) {
            Some(x) => x,
            None => self.conv_norm_pool_ops(x),
        }; // [batch, filters, time, feat/P]
        let x = self.dropout.forward(x);
        let [_, filters, _, pooled] = x.dims();
        x.swap_dims(1, 2) // [batch, time, filters, feat/P]
            .reshape([batch, time, filters * pooled]) // [batch, time, filters·feat/P]
    }

    /// Conv → BatchNorm → ReLU → max-pool with burn's modules (any backend; the reference of
    /// the Flex kernel's tests).
    ///
    /// - `x`: `[batch, time, feat]`
    /// - returns: `[batch, filters, time, feat/P]`
    pub fn conv_norm_pool_ops(&self, x: Tensor<3>) -> Tensor<4> {
        let x = x.unsqueeze_dim::<4>(1); // [batch, 1, time, feat]
        let x = self.conv.forward(x); // [batch, filters, time, feat]
        let x = relu(self.norm.forward(x)); // [batch, filters, time, feat]
        self.pool.forward(x) // [batch, filters, time, feat/P]
    }
}

/// [`ConvBlock`]'s convolution, BatchNorm, ReLU and max-pool on raw `f32` buffers of the Flex
/// backend: forward in plain loops, and on autodiff one operation with a hand-written backward
/// pass (burn's flex backend spends most of a CRNN training step in these four operations).
mod conv_kernel {
    use burn::backend::autodiff::checkpoint::base::Checkpointer;
    use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
    use burn::backend::autodiff::grads::Gradients;
    use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
    use burn::backend::flex::FlexTensor;
    use burn::backend::{Autodiff, AutodiffBackend, Flex};
    use burn::nn::PaddingConfig2d;
    use burn::tensor::{DType, Tensor, TensorData};
    use std::borrow::Cow;

    use super::ConvBlock;

    /// Sizes of one call.
    #[derive(Clone, Copy, Debug)]
    struct Geometry {
        batch: usize,
        time: usize,
        /// Features per frame W.
        feat: usize,
        filters: usize,
        /// Square kernel size k (odd), padded by k/2 on every side.
        k: usize,
        /// Pool size over features P.
        pool: usize,
    }

    impl Geometry {
        /// The sizes, or `None` when the block is not the one `CrnnConfig::init` builds
        /// (one input channel, stride 1, "same" padding, pool 1×P with stride P).
        fn of(block: &ConvBlock, x: &Tensor<3>) -> Option<Self> {
            let [batch, time, feat] = x.dims();
            let [filters, channels, kh, kw] = block.conv.weight.dims();
            let p = kh / 2;
            let conv_ok = channels == 1
                && kh == kw
                && kh % 2 == 1
                && block.conv.stride == [1, 1]
                && block.conv.dilation == [1, 1]
                && block.conv.groups == 1
                && block.conv.padding == PaddingConfig2d::Explicit(p, p, p, p)
                && block.conv.bias.is_some();
            let pool = block.pool.kernel_size[1];
            let pool_ok = block.pool.kernel_size[0] == 1
                && block.pool.stride == [1, pool]
                && block.pool.padding == PaddingConfig2d::Valid
                && block.pool.dilation == [1, 1]
                && !block.pool.ceil_mode
                && (1..u8::MAX as usize).contains(&pool)
                && pool <= feat;
            (conv_ok && pool_ok && batch * time > 0).then_some(Geometry {
                batch,
                time,
                feat,
                filters,
                k: kh,
                pool,
            })
        }

        fn pooled(&self) -> usize {
            self.feat / self.pool
        }

        /// `[batch, filters, time, feat/P]`
        fn pooled_shape(&self) -> [usize; 4] {
            [self.batch, self.filters, self.time, self.pooled()]
        }

        /// Positions per filter (the BatchNorm sample count).
        fn positions(&self) -> usize {
            self.batch * self.time * self.feat
        }

        fn tp(&self) -> usize {
            self.time + self.k - 1
        }

        fn wp(&self) -> usize {
            self.feat + self.k - 1
        }
    }

    /// See [`ConvBlock::conv_norm_pool_ops`]; `None` when not on Flex or not applicable
    /// (then the caller runs burn's modules).
    pub(super) fn conv_norm_pool(block: &ConvBlock, x: &Tensor<3>) -> Option<Tensor<4>> {
        let g = Geometry::of(block, x)?;
        let bias = block.conv.bias.as_ref()?.val();
        let norm = &block.norm;
        if !x.device().is_autodiff() {
            let flex = |t: Tensor<1>| t.try_into_primitive::<Flex>().ok();
            let xs = x.clone().try_into_primitive::<Flex>().ok()?;
            let w = block.conv.weight.val().try_into_primitive::<Flex>().ok()?;
            let (b, gamma, beta) = (flex(bias)?, flex(norm.gamma.val())?, flex(norm.beta.val())?);
            let device = x.device();
            let mean = flex(norm.running_mean.value().to_device(&device))?;
            let var = flex(norm.running_var.value().to_device(&device))?;
            if ![&xs, &w, &b, &gamma, &beta, &mean, &var]
                .iter()
                .all(|t| is_f32(t))
            {
                return None;
            }
            let (_, y) = conv(g, &f32s(&xs), &f32s(&w), &f32s(&b));
            // z = a·y + c with the running statistics.
            let (gamma, beta, mean, var) = (f32s(&gamma), f32s(&beta), f32s(&mean), f32s(&var));
            let a: Vec<f32> = (0..g.filters)
                .map(|f| gamma[f] / (var[f] + norm.epsilon as f32).sqrt())
                .collect();
            let c: Vec<f32> = (0..g.filters).map(|f| beta[f] - a[f] * mean[f]).collect();
            let pooled = relu_pool(g, &y, &a, &c, None);
            return Some(Tensor::from_primitive::<Flex>(tensor(
                pooled,
                g.pooled_shape(),
            )));
        }
        // Autodiff: batch statistics, as burn's BatchNorm in training (not when frozen).
        if !norm.training.is_enabled() {
            return None;
        }
        let ad = |t: Tensor<1>| t.try_into_primitive::<Autodiff<Flex>>().ok();
        let xs = x.clone().try_into_primitive::<Autodiff<Flex>>().ok()?;
        let w = block
            .conv
            .weight
            .val()
            .try_into_primitive::<Autodiff<Flex>>()
            .ok()?;
        let (b, gamma, beta) = (ad(bias)?, ad(norm.gamma.val())?, ad(norm.beta.val())?);
        if ![&xs, &w, &b, &gamma, &beta]
            .iter()
            .all(|t| is_f32(t.primitive()))
        {
            return None;
        }
        let (xp, mut y) = conv(
            g,
            &f32s(xs.primitive()),
            &f32s(w.primitive()),
            &f32s(b.primitive()),
        );
        let (mean, var) = batch_stats(g, &y);
        // y becomes ŷ = (y − μ) / √(σ² + ε); then z = γ ŷ + β.
        let inv_std: Vec<f32> = var
            .iter()
            .map(|v| 1.0 / (v + norm.epsilon as f32).sqrt())
            .collect();
        for (i, block_f) in y.chunks_exact_mut(g.time * g.feat).enumerate() {
            let f = i % g.filters;
            for v in block_f {
                *v = (*v - mean[f]) * inv_std[f];
            }
        }
        let (gamma_v, beta_v) = (
            f32s(gamma.primitive()).into_owned(),
            f32s(beta.primitive()).into_owned(),
        );
        let mut arg = vec![0u8; g.batch * g.filters * g.time * g.pooled()];
        let pooled = tensor(
            relu_pool(g, &y, &gamma_v, &beta_v, Some(&mut arg)),
            g.pooled_shape(),
        );
        let w_v = f32s(w.primitive()).into_owned();
        let nodes = [xs.node(), w.node(), b.node(), gamma.node(), beta.node()];
        let out = match ConvNormPoolBackward
            .prepare::<NoCheckpointing>(nodes)
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let saved = Saved {
                    g,
                    xp,
                    yhat: y,
                    arg,
                    w: w_v,
                    gamma: gamma_v,
                    inv_std,
                };
                prep.finish(saved, pooled)
            }
            OpsKind::UnTracked(prep) => prep.finish(pooled),
        };
        // Running statistics, exactly as `BatchNorm::forward` in training updates them.
        let device = x.device();
        let stat = |v: Vec<f32>| {
            Tensor::<1>::from_primitive::<Autodiff<Flex>>(Autodiff::<Flex>::from_inner(tensor(
                v,
                [g.filters],
            )))
        };
        let m = norm.momentum;
        // running ← (1 − m) · running + m · batch statistic
        let ema = |running: Tensor<1>, batch: Vec<f32>| {
            running
                .to_device(&device)
                .mul_scalar(1.0 - m)
                .add(stat(batch).mul_scalar(m))
                .detach()
        };
        norm.running_mean
            .update(ema(norm.running_mean.value_sync(), mean));
        norm.running_var
            .update(ema(norm.running_var.value_sync(), var));
        Some(Tensor::from_primitive::<Autodiff<Flex>>(out))
    }

    fn is_f32(t: &FlexTensor) -> bool {
        t.dtype() == DType::F32
    }

    /// The elements of an f32 tensor in row-major order (copied only when not contiguous).
    fn f32s(t: &FlexTensor) -> Cow<'_, [f32]> {
        match t.as_slice::<f32>() {
            Some(s) => Cow::Borrowed(s),
            None => Cow::Owned(
                t.to_contiguous()
                    .as_slice::<f32>()
                    .unwrap_or_default()
                    .to_vec(),
            ),
        }
    }

    fn tensor<const D: usize>(data: Vec<f32>, shape: [usize; D]) -> FlexTensor {
        FlexTensor::from_data(TensorData::new(data, shape))
    }

    /// The convolution: returns the zero-padded input `[batch, T+k−1, W+k−1]` and the output
    /// `y`: `[batch, filters, time, feat]`.
    ///
    /// `x`: `[batch, time, feat]`, `w`: `[filters, 1, k, k]`, `bias`: `[filters]`.
    fn conv(g: Geometry, x: &[f32], w: &[f32], bias: &[f32]) -> (Vec<f32>, Vec<f32>) {
        let (tp, wp, k, p) = (g.tp(), g.wp(), g.k, g.k / 2);
        let mut xp = vec![0.0f32; g.batch * tp * wp];
        for (b, frames) in x.chunks_exact(g.time * g.feat).enumerate() {
            for (t, frame) in frames.chunks_exact(g.feat).enumerate() {
                let at = (b * tp + t + p) * wp + p;
                xp[at..at + g.feat].copy_from_slice(frame);
            }
        }
        let mut y = vec![0.0f32; g.batch * g.filters * g.time * g.feat];
        for (bf, plane) in y.chunks_exact_mut(g.time * g.feat).enumerate() {
            let (b, f) = (bf / g.filters, bf % g.filters);
            let wf = &w[f * k * k..(f + 1) * k * k];
            for (t, row) in plane.chunks_exact_mut(g.feat).enumerate() {
                row.fill(bias[f]);
                for i in 0..k {
                    let xrow = &xp[(b * tp + t + i) * wp..(b * tp + t + i + 1) * wp];
                    for j in 0..k {
                        let wij = wf[i * k + j];
                        for (o, &v) in row.iter_mut().zip(&xrow[j..j + g.feat]) {
                            *o += wij * v;
                        }
                    }
                }
            }
        }
        (xp, y)
    }

    /// Mean and biased variance per filter of `y`: `[batch, filters, time, feat]`.
    fn batch_stats(g: Geometry, y: &[f32]) -> (Vec<f32>, Vec<f32>) {
        let n = g.positions() as f64;
        let plane = g.time * g.feat;
        let mut sum = vec![0.0f64; g.filters];
        for (bf, values) in y.chunks_exact(plane).enumerate() {
            sum[bf % g.filters] += values.iter().map(|&v| v as f64).sum::<f64>();
        }
        let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
        let mut sq = vec![0.0f64; g.filters];
        for (bf, values) in y.chunks_exact(plane).enumerate() {
            let m = mean[bf % g.filters];
            sq[bf % g.filters] += values.iter().map(|&v| (v as f64 - m).powi(2)).sum::<f64>();
        }
        (
            mean.iter().map(|&m| m as f32).collect(),
            sq.iter().map(|&s| (s / n) as f32).collect(),
        )
    }

    /// "No gradient" in the arg-max buffer: the pooled value was clipped to 0 by the ReLU.
    const CLIPPED: u8 = u8::MAX;

    /// `max(0, max_{k<P} a_f·v + c_f)` over each window of P features (ReLU and max commute):
    /// `v`: `[batch, filters, time, feat]` → `[batch, filters, time, feat/P]`. With `arg`, the
    /// offset of each window's maximum is written there (`CLIPPED` when the output is 0).
    fn relu_pool(
        g: Geometry,
        v: &[f32],
        a: &[f32],
        c: &[f32],
        mut arg: Option<&mut [u8]>,
    ) -> Vec<f32> {
        let (pool, pooled) = (g.pool, g.pooled());
        let mut out = vec![0.0f32; g.batch * g.filters * g.time * pooled];
        let rows = v.chunks_exact(g.feat).zip(out.chunks_exact_mut(pooled));
        for (row_index, (row, out_row)) in rows.enumerate() {
            let f = (row_index / g.time) % g.filters;
            for (q, o) in out_row.iter_mut().enumerate() {
                let mut best = 0.0f32;
                let mut at = CLIPPED;
                for (offset, &x) in row[q * pool..(q + 1) * pool].iter().enumerate() {
                    let z = a[f] * x + c[f];
                    if z > best {
                        best = z;
                        at = offset as u8;
                    }
                }
                *o = best;
                if let Some(arg) = arg.as_deref_mut() {
                    arg[row_index * pooled + q] = at;
                }
            }
        }
        out
    }

    /// What the backward pass keeps from the forward pass.
    #[derive(Clone, Debug)]
    struct Saved {
        g: Geometry,
        /// Zero-padded input `[batch, T+k−1, W+k−1]`.
        xp: Vec<f32>,
        /// Normalised convolution output ŷ `[batch, filters, time, feat]`.
        yhat: Vec<f32>,
        /// Offset of each pooled maximum in its window, or `CLIPPED`: `[batch, filters, time, feat/P]`.
        arg: Vec<u8>,
        /// Convolution weights `[filters, k·k]`.
        w: Vec<f32>,
        /// BatchNorm scale γ and 1/√(σ² + ε) per filter.
        gamma: Vec<f32>,
        inv_std: Vec<f32>,
    }

    /// `Σ a_i b_i` with eight partial sums (so that it vectorises).
    fn dot(a: &[f32], b: &[f32]) -> f32 {
        let mut acc = [0.0f32; 8];
        let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
        let tail: f32 = ca
            .remainder()
            .iter()
            .zip(cb.remainder())
            .map(|(x, y)| x * y)
            .sum();
        for (x, y) in ca.zip(cb) {
            for l in 0..8 {
                acc[l] += x[l] * y[l];
            }
        }
        acc.iter().sum::<f32>() + tail
    }

    #[derive(Debug)]
    struct ConvNormPoolBackward;

    impl Backward<Flex, 5> for ConvNormPoolBackward {
        type State = Saved;

        fn backward(self, ops: Ops<Self::State, 5>, grads: &mut Gradients, _: &mut Checkpointer) {
            let [node_x, node_w, node_b, node_gamma, node_beta] = ops.parents;
            let d_pooled = grads.consume::<Flex>(&ops.node); // [batch, filters, time, feat/P]
            let d_pooled = f32s(&d_pooled);
            let s = ops.state;
            let g = s.g;
            let (plane, pooled, k) = (g.time * g.feat, g.pooled(), g.k);
            // The ReLU and the pool pass the gradient dz to one position per window; sums of dz
            // and dz·ŷ per filter are then the gradients of β and γ.
            let mut d_beta = vec![0.0f32; g.filters];
            let mut d_gamma = vec![0.0f32; g.filters];
            for (row_index, (dp_row, arg_row)) in d_pooled
                .chunks_exact(pooled)
                .zip(s.arg.chunks_exact(pooled))
                .enumerate()
            {
                let f = (row_index / g.time) % g.filters;
                let yhat_row = &s.yhat[row_index * g.feat..(row_index + 1) * g.feat];
                for (q, (&dp, &at)) in dp_row.iter().zip(arg_row).enumerate() {
                    if at != CLIPPED {
                        d_beta[f] += dp;
                        d_gamma[f] += dp * yhat_row[q * g.pool + at as usize];
                    }
                }
            }
            // BatchNorm: dy = γ/σ · (dz − mean(dz) − ŷ · mean(dz·ŷ)), dense.
            let n = g.positions() as f32;
            let mut dy = vec![0.0f32; s.yhat.len()]; // [batch, filters, time, feat]
            for (bf, (dy_plane, yhat_plane)) in dy
                .chunks_exact_mut(plane)
                .zip(s.yhat.chunks_exact(plane))
                .enumerate()
            {
                let f = bf % g.filters;
                let scale = s.gamma[f] * s.inv_std[f];
                let (m1, m2) = (d_beta[f] / n, d_gamma[f] / n);
                for (d, &yh) in dy_plane.iter_mut().zip(yhat_plane) {
                    *d = -scale * (m1 + yh * m2);
                }
            }
            for (row_index, (dp_row, arg_row)) in d_pooled
                .chunks_exact(pooled)
                .zip(s.arg.chunks_exact(pooled))
                .enumerate()
            {
                let f = (row_index / g.time) % g.filters;
                let scale = s.gamma[f] * s.inv_std[f];
                for (q, (&dp, &at)) in dp_row.iter().zip(arg_row).enumerate() {
                    if at != CLIPPED {
                        dy[row_index * g.feat + q * g.pool + at as usize] += scale * dp;
                    }
                }
            }
            // Convolution: bias and weight gradients (and the input's, if it is tracked).
            let (tp, wp) = (g.tp(), g.wp());
            let mut d_bias = vec![0.0f32; g.filters];
            let mut d_w = vec![0.0f32; g.filters * k * k];
            let mut d_xp = node_x.as_ref().map(|_| vec![0.0f32; s.xp.len()]);
            for (bf, dy_plane) in dy.chunks_exact(plane).enumerate() {
                let (b, f) = (bf / g.filters, bf % g.filters);
                d_bias[f] += dy_plane.iter().sum::<f32>();
                for (t, dy_row) in dy_plane.chunks_exact(g.feat).enumerate() {
                    for i in 0..k {
                        let at = (b * tp + t + i) * wp;
                        let xrow = &s.xp[at..at + wp];
                        for j in 0..k {
                            d_w[(f * k + i) * k + j] += dot(dy_row, &xrow[j..j + g.feat]);
                        }
                        if let Some(d_xp) = d_xp.as_mut() {
                            let dx_row = &mut d_xp[at..at + wp];
                            for j in 0..k {
                                let wij = s.w[(f * k + i) * k + j];
                                for (o, &d) in dx_row[j..j + g.feat].iter_mut().zip(dy_row) {
                                    *o += wij * d;
                                }
                            }
                        }
                    }
                }
            }
            if let (Some(node), Some(d_xp)) = (node_x, d_xp) {
                let p = k / 2;
                let mut d_x = Vec::with_capacity(g.batch * g.time * g.feat);
                for b in 0..g.batch {
                    for t in 0..g.time {
                        let at = (b * tp + t + p) * wp + p;
                        d_x.extend_from_slice(&d_xp[at..at + g.feat]);
                    }
                }
                grads.register::<Flex>(node.id, tensor(d_x, [g.batch, g.time, g.feat]));
            }
            let registered = [
                (node_w, tensor(d_w, [g.filters, 1, k, k])),
                (node_b, tensor(d_bias, [g.filters])),
                (node_gamma, tensor(d_gamma, [g.filters])),
                (node_beta, tensor(d_beta, [g.filters])),
            ];
            for (node, grad) in registered {
                if let Some(node) = node {
                    grads.register::<Flex>(node.id, grad);
                }
            }
        }
    }
}

/// One output branch: recurrent layers (or projection + positions), optional attention, head.
#[derive(Module, Debug)]
pub struct Branch {
    /// Projection to `hidden` for an attention-only branch.
    pub proj: Option<Linear>,
    /// Sinusoidal positions for an attention-only branch.
    pub pos: Option<PositionalEncoding>,
    /// Recurrent layers (empty for attention-only).
    pub layers: Vec<RecurrentLayer>,
    /// Self-attention over time.
    pub attention: Option<SelfAttention>,
    /// Per-frame linear output.
    pub head: Linear,
}

impl Branch {
    /// - `x`: `[batch, time, trunk]`
    /// - returns: `[batch, time, outputs]`
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let mut x = x;
        if let Some(proj) = &self.proj {
            x = proj.forward(x); // [batch, time, hidden]
        }
        if let Some(pos) = &self.pos {
            x = pos.forward(x);
        }
        for layer in &self.layers {
            x = layer.forward(x); // [batch, time, width]
        }
        if let Some(att) = &self.attention {
            x = att.forward(x); // [batch, time, width]
        }
        self.head.forward(x) // [batch, time, outputs]
    }
}

/// The CRNN of Malik et al. 2017 (two branches) or CRNN_NB (one), see [`CrnnConfig`].
#[derive(Module, Debug)]
pub struct Crnn {
    /// The shared convolution block.
    pub conv: ConvBlock,
    /// Two branches (arousal, valence; one output each) or one (two outputs).
    pub branches: Vec<Branch>,
}

impl Crnn {
    /// - `x`: `[batch, time, feat]` (standardised features at 2 Hz)
    /// - returns: `[batch, time, 2]` (arousal, valence)
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        self.forward_with(x, false)
    }

    /// Like [`forward`](Self::forward); with `detach_trunk` no gradient flows into the
    /// convolution block (used to train the second branch alone, see `BranchTraining`).
    pub fn forward_with(&self, x: Tensor<3>, detach_trunk: bool) -> Tensor<3> {
        let mut trunk = self.conv.forward(x); // [batch, time, trunk]
        if detach_trunk {
            trunk = trunk.detach();
        }
        let outs: Vec<Tensor<3>> = self
            .branches
            .iter()
            .map(|b| b.forward(trunk.clone()))
            .collect(); // each [batch, time, 1] or one [batch, time, 2]
        if outs.len() == 1 {
            outs.into_iter().next().expect("one branch")
        } else {
            Tensor::cat(outs, 2) // [batch, time, 2]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::module::Param;
    use burn::tensor::{Distribution, Tolerance};

    /// Two conv blocks with the same random weights (BatchNorm scale partly negative) and
    /// their own running statistics.
    fn blocks(device: &Device) -> (ConvBlock, ConvBlock) {
        let config = CrnnConfig {
            n_features: 12,
            conv_filters: 4,
            pool_freq: 5,
            ..CrnnConfig::default()
        };
        let f = config.conv_filters;
        let normal = |m, s| Distribution::Normal(m, s);
        let w = Tensor::<4>::random([f, 1, 3, 3], normal(0.0, 0.5), device);
        let b = Tensor::<1>::random([f], normal(0.0, 0.5), device);
        let gamma = Tensor::<1>::random([f], normal(0.5, 1.0), device);
        let beta = Tensor::<1>::random([f], normal(0.0, 0.5), device);
        let make = || {
            let mut block = config.init(device).conv;
            block.conv.weight = Param::from_tensor(w.clone());
            block.conv.bias = Some(Param::from_tensor(b.clone()));
            block.norm.gamma = Param::from_tensor(gamma.clone());
            block.norm.beta = Param::from_tensor(beta.clone());
            block
        };
        (make(), make())
    }

    fn close<const D: usize>(a: Tensor<D>, b: Tensor<D>) {
        a.into_data()
            .assert_approx_eq::<f32>(&b.into_data(), Tolerance::absolute(2e-5));
    }

    /// The Flex kernel of conv → BatchNorm → ReLU → pool (forward, hand-written backward,
    /// running statistics, inference) against burn's modules.
    #[test]
    fn conv_kernel_matches_burn_modules() {
        let device = Device::flex().autodiff();
        device.seed(5);
        let (ours, reference) = blocks(&device);
        // 12 features, pool 5: the last 2 features are in no window.
        let x = Tensor::<3>::random([3, 6, 12], Distribution::Normal(0.0, 1.0), &device);
        let weight = Tensor::<4>::random([3, 4, 6, 2], Distribution::Normal(0.0, 1.0), &device);
        let run = |b: &ConvBlock, kernel: bool| {
            let x = x.clone().require_grad();
            let out = if kernel {
                conv_kernel::conv_norm_pool(b, &x).expect("kernel applies on Flex")
            } else {
                b.conv_norm_pool_ops(x.clone())
            };
            let grads = out.clone().mul(weight.clone()).sum().backward();
            let g1 = |p: &Param<Tensor<1>>| p.val().grad(&grads).expect("grad");
            (
                out.inner(),
                x.grad(&grads).expect("x grad"),
                b.conv.weight.val().grad(&grads).expect("w grad"),
                [
                    g1(b.conv.bias.as_ref().expect("bias")),
                    g1(&b.norm.gamma),
                    g1(&b.norm.beta),
                    b.norm.running_mean.value().inner(),
                    b.norm.running_var.value().inner(),
                ],
            )
        };
        let (a, b) = (run(&ours, true), run(&reference, false));
        close(a.0, b.0);
        close(a.1, b.1);
        close(a.2, b.2);
        for (u, v) in a.3.into_iter().zip(b.3) {
            close(u, v);
        }
        // Inference uses the running statistics just updated.
        let (ours, reference) = (ours.valid(), reference.valid());
        let xv = x.inner();
        let out = conv_kernel::conv_norm_pool(&ours, &xv).expect("kernel applies on Flex");
        close(out, reference.conv_norm_pool_ops(xv));
    }
}
