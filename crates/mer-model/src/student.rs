//! A small student of musicnn's 2 Hz embeddings (issue 18, "distil the front end"): a fully
//! convolutional network over a whole track's musicnn log-mel (16 kHz, hop 256: 62.5 frames
//! per second, 96 bands as channels) that outputs one 200-d vector per 0.5 s frame, trained to
//! reproduce MSD_musicnn's penultimate embedding of the 3 s patch centred on that frame.
//!
//! ```text
//! log-mel [batch, 96, T] (62.5 fps, standardised per band)
//!   → conv1d 96→c1, k 5, stride 2 → ReLU → BN                       (31.25 fps)
//!   → conv1d c1→c2, k 5, stride 2 → ReLU → BN   = f0                (15.625 fps)
//!   → conv1d c2→c2, k 3, dilation 1 → ReLU → BN, + f0 = f1
//!   → conv1d c2→c2, k 3, dilation 2 → ReLU → BN, + f1 = f2
//!   → [f0, f1, f2] (3·c2 channels, dense as musicnn's mid end)
//!   → per 2 Hz frame: max and mean over the 46 output frames inside its 3 s patch (6·c2)
//!   → BN → dense 6·c2→hidden → ReLU → dense hidden→200
//! ```
//!
//! The whole track runs once (no overlapping patches): output frame `j` is centred on input
//! frame `4j`; the patch of a 2 Hz frame that starts at input frame `a` (187 frames, as
//! musicnn's) pools output frames `ceil(a / 4) .. ceil(a / 4) + 46`.
//!
//! Multiply-accumulates per second of audio ([`StudentConfig::macs_per_second`]):
//! `Σ_conv c_in · c_out · k · fps_out + 2 · (6·c2 · hidden + hidden · 200)`.

use burn::module::Module;
use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::pool::{AvgPool1d, AvgPool1dConfig, MaxPool1d, MaxPool1dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig1d};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Int, Tensor, TensorData};
use serde::{Deserialize, Serialize};

mod fast;
pub use fast::FastStudent;

/// Input frames per second (musicnn: 16 kHz, hop 256).
pub const INPUT_FPS: f64 = 62.5;
/// Input frames of one musicnn patch (3 s).
pub const PATCH_FRAMES: usize = 187;
/// Input frames per output frame (two stride-2 convolutions).
pub const STRIDE: usize = 4;
/// Output frames pooled per 2 Hz frame: every patch of 187 input frames holds at least 46.
pub const WINDOW: usize = 46;

/// Sizes of a [`Student`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StudentConfig {
    /// Mel bands in (musicnn: 96).
    pub n_mels: usize,
    /// Channels of the first convolution.
    pub c1: usize,
    /// Channels of the second convolution and the residual blocks.
    pub c2: usize,
    /// Hidden units of the head.
    pub hidden: usize,
    /// Embedding width out (MSD_musicnn: 200).
    pub n_out: usize,
}

impl Default for StudentConfig {
    fn default() -> Self {
        StudentConfig {
            n_mels: 96,
            c1: 256,
            c2: 256,
            hidden: 512,
            n_out: 200,
        }
    }
}

impl StudentConfig {
    /// Multiply-accumulates per second of audio (see the module docs; 2 Hz output).
    pub fn macs_per_second(&self) -> f64 {
        let fps1 = INPUT_FPS / 2.0;
        let fps2 = INPUT_FPS / 4.0;
        let conv1 = (self.n_mels * self.c1 * 5) as f64 * fps1;
        let conv2 = (self.c1 * self.c2 * 5) as f64 * fps2;
        let res = 2.0 * (self.c2 * self.c2 * 3) as f64 * fps2;
        let head = 2.0 * (6 * self.c2 * self.hidden + self.hidden * self.n_out) as f64;
        conv1 + conv2 + res + head
    }

    /// Builds the network with untrained parameters.
    pub fn init(&self, device: &Device) -> Student {
        let conv = |cin: usize, cout: usize, k: usize, stride: usize, dil: usize| {
            let pad = dil * (k - 1) / 2;
            Conv1dConfig::new(cin, cout, k)
                .with_stride(stride)
                .with_dilation(dil)
                .with_padding(PaddingConfig1d::Explicit(pad, pad))
                .init(device)
        };
        let norm = |n: usize| BatchNormConfig::new(n).init(device);
        Student {
            conv1: conv(self.n_mels, self.c1, 5, 2, 1),
            norm1: norm(self.c1),
            conv2: conv(self.c1, self.c2, 5, 2, 1),
            norm2: norm(self.c2),
            res1: conv(self.c2, self.c2, 3, 1, 1),
            norm_r1: norm(self.c2),
            res2: conv(self.c2, self.c2, 3, 1, 2),
            norm_r2: norm(self.c2),
            max: MaxPool1dConfig::new(WINDOW).with_stride(1).init(),
            mean: AvgPool1dConfig::new(WINDOW).with_stride(1).init(),
            pool_norm: norm(6 * self.c2),
            hidden: LinearConfig::new(6 * self.c2, self.hidden).init(device),
            out: LinearConfig::new(self.hidden, self.n_out).init(device),
        }
    }
}

/// The student network (see the module docs).
#[derive(Module, Debug)]
pub struct Student {
    conv1: Conv1d,
    norm1: BatchNorm,
    conv2: Conv1d,
    norm2: BatchNorm,
    res1: Conv1d,
    norm_r1: BatchNorm,
    res2: Conv1d,
    norm_r2: BatchNorm,
    max: MaxPool1d,
    mean: AvgPool1d,
    pool_norm: BatchNorm,
    hidden: Linear,
    out: Linear,
}

/// Output frames of a convolution stack over `t` input frames.
pub fn output_frames(t: usize) -> usize {
    let t1 = (t + 4 - 5) / 2 + 1;
    (t1 + 4 - 5) / 2 + 1
}

/// First output frame pooled for the patch starting at input frame `a` (≥ 0).
pub fn window_start(a: usize) -> usize {
    a.div_ceil(STRIDE)
}

impl Student {
    /// Frame features `[batch, 3·c2, T']` of standardised log-mel `[batch, n_mels, T]`.
    pub fn features(&self, x: Tensor<3>) -> Tensor<3> {
        let x = self.norm1.forward(relu(self.conv1.forward(x))); // [b, c1, T/2]
        let f0 = self.norm2.forward(relu(self.conv2.forward(x))); // [b, c2, T/4]
        let f1 = self.norm_r1.forward(relu(self.res1.forward(f0.clone()))) + f0.clone();
        let f2 = self.norm_r2.forward(relu(self.res2.forward(f1.clone()))) + f1.clone();
        Tensor::cat(vec![f0, f1, f2], 1) // [b, 3·c2, T/4]
    }

    /// Embeddings `[windows.len(), n_out]` of standardised log-mel `[batch, n_mels, T]`:
    /// `windows[i] = (batch index, first output frame)` of the `i`-th 2 Hz frame's patch
    /// ([`window_start`]); every window must lie inside the output (`first + 46 ≤ T'`).
    pub fn forward(&self, x: Tensor<3>, windows: &[(usize, usize)]) -> Tensor<2> {
        let device = x.device();
        let f = self.features(x); // [b, 3·c2, T']
        let pooled = Tensor::cat(vec![self.max.forward(f.clone()), self.mean.forward(f)], 1); // [b, 6·c2, T'-45]
        let [b, c, t] = pooled.dims();
        let rows = pooled.swap_dims(1, 2).reshape([b * t, c]); // [b·(T'-45), 6·c2]
        let idx: Vec<i64> = windows
            .iter()
            .map(|&(bi, j)| (bi * t + j.min(t.saturating_sub(1))) as i64)
            .collect();
        let idx = Tensor::<1, Int>::from_data(TensorData::new(idx, [windows.len()]), &device);
        let rows = self.pool_norm.forward(rows.select(0, idx)); // [n, 6·c2]
        self.out.forward(relu(self.hidden.forward(rows))) // [n, n_out]
    }

    /// [`forward`](Self::forward) for one track (`x`: `[1, n_mels, T]`), pooling only the
    /// windows asked for, on the host (inference: the stride-1 pools of `forward` cost more
    /// than the convolutions). `starts[i]`: first output frame of the `i`-th window.
    pub fn embed(&self, x: Tensor<3>, starts: &[usize]) -> Tensor<2> {
        let device = x.device();
        let f = self.features(x); // [1, 3·c2, T']
        let [_, c, t] = f.dims();
        let v: Vec<f32> = f.into_data().try_to_vec::<f32>().unwrap_or_default();
        let mut rows = vec![0f32; starts.len() * 2 * c];
        for (row, &j) in rows.chunks_exact_mut(2 * c).zip(starts) {
            let j = j.min(t.saturating_sub(WINDOW));
            for ch in 0..c {
                let w = &v[(ch * t + j).min(v.len())..(ch * t + j + WINDOW).min(v.len())];
                row[ch] = w.iter().copied().fold(f32::NEG_INFINITY, f32::max);
                row[c + ch] = w.iter().sum::<f32>() / WINDOW as f32;
            }
        }
        let rows = Tensor::<2>::from_data(TensorData::new(rows, [starts.len(), 2 * c]), &device);
        let rows = self.pool_norm.forward(rows); // [n, 6·c2]
        self.out.forward(relu(self.hidden.forward(rows))) // [n, n_out]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Distribution;

    #[test]
    fn shapes_and_macs() {
        let cfg = StudentConfig {
            c1: 16,
            c2: 8,
            hidden: 12,
            ..StudentConfig::default()
        };
        let device = Device::flex();
        let net = cfg.init(&device);
        // 10 s of log-mel: 625 frames.
        let t = 625;
        let x = Tensor::<3>::random([2, 96, t], Distribution::Normal(0.0, 1.0), &device);
        let tp = output_frames(t);
        assert_eq!(tp, 157);
        assert_eq!(net.features(x.clone()).dims(), [2, 24, tp]);
        let last = tp - WINDOW;
        let out = net.forward(x.clone(), &[(0, 0), (1, 3), (1, last)]);
        assert_eq!(out.dims(), [3, 200]);
        // Host pooling of one track gives forward's values.
        let one = x.slice([1..2, 0..96, 0..t]);
        let a: Vec<f32> = net
            .forward(one.clone(), &[(0, 3), (0, last)])
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        let b: Vec<f32> = net
            .embed(one, &[3, last])
            .into_data()
            .try_to_vec::<f32>()
            .unwrap();
        assert!(a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-4));
        // A patch of 187 input frames always covers the 46 output frames pooled for it.
        for a in 0..64 {
            let j = window_start(a);
            assert!(STRIDE * j >= a && STRIDE * (j + WINDOW - 1) < a + PATCH_FRAMES);
        }
        // The default: 3.84 + 5.12 + 6.14 M + head 2·(1536·512 + 512·200) = 16.88 M MAC/s.
        let macs = StudentConfig::default().macs_per_second();
        assert!((macs - 16_881_664.0).abs() < 1.0, "{macs}");
    }
}
