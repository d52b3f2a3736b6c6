//! `mer bench`: the median training step and the inference throughput of a CRNN.
//!
//! The network is the one of `bench/crnn_torch.py` (its PyTorch twin): conv 3×3 with F
//! filters, BatchNorm, ReLU, max-pool 5 over frequency, dropout, two GRU layers of H units
//! per branch (one stack for `crnn-nb`), a linear output per frame; 40 mel inputs.

use std::time::Instant;

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Distribution, Tensor};
use serde::{Deserialize, Serialize};

use crate::crnn::CrnnConfig;
use crate::error::{ModelError, Result};

/// What to measure.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BenchOptions {
    /// Two branches (`crnn`) or one (`crnn-nb`).
    pub branches: bool,
    /// Convolution filters F. Default 32.
    pub conv_filters: usize,
    /// GRU units H. Default 32.
    pub hidden: usize,
    /// Batch size. Default 32.
    pub batch: usize,
    /// Sequence length in frames. Default 60.
    pub seq: usize,
    /// Worker threads (a rayon pool of this size runs the whole bench). Default 1.
    pub threads: usize,
    /// Timed training steps (after `warmup`). Default 20.
    pub steps: usize,
    /// Untimed warm-up steps. Default 3.
    pub warmup: usize,
}

impl Default for BenchOptions {
    fn default() -> Self {
        Self {
            branches: true,
            conv_filters: 32,
            hidden: 32,
            batch: 32,
            seq: 60,
            threads: 1,
            steps: 20,
            warmup: 3,
        }
    }
}

/// What `mer bench` prints.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BenchResult {
    /// Median wall time of one step: forward + MSE + backward + Adam, in ms.
    pub train_step_ms: f64,
    /// Frames (batch × seq) per second in inference mode (no autodiff, dropout off).
    pub infer_frames_per_s: f64,
    /// Trainable parameters (burn's `num_params` also counts BatchNorm's running mean and
    /// variance; these are left out, as PyTorch's `requires_grad` count does).
    pub params: usize,
}

/// Runs the benchmark on the flex CPU backend inside a rayon pool of `threads` threads.
pub fn run_bench(opts: &BenchOptions) -> Result<BenchResult> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.max(1))
        .build()
        .map_err(|e| ModelError::InvalidConfig(format!("thread pool: {e}")))?;
    pool.install(|| bench_on(opts, &Device::flex()))
}

/// Elements of the parameters that require gradients (call on a module on an autodiff device).
pub fn trainable_params<M: Module>(module: &M) -> usize {
    struct Count(usize);
    impl ModuleVisitor for Count {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let t = param.val();
            if t.is_require_grad() {
                self.0 += t.shape().num_elements();
            }
        }
    }
    let mut c = Count(0);
    module.visit(&mut c);
    c.0
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn bench_on(opts: &BenchOptions, device: &Device) -> Result<BenchResult> {
    let config = CrnnConfig {
        conv_filters: opts.conv_filters,
        hidden: opts.hidden,
        branches: opts.branches,
        ..CrnnConfig::default()
    };
    config.validate()?;
    let ad = device.clone().autodiff();
    ad.seed(0);
    let mut model = config.init(&ad);
    let params = trainable_params(&model);
    let mut optim = AdamConfig::new().init();
    let shape = [opts.batch, opts.seq, config.n_features];
    let x = Tensor::<3>::random(shape, Distribution::Normal(0.0, 1.0), &ad);
    let y = Tensor::<3>::random(
        [opts.batch, opts.seq, 2],
        Distribution::Uniform(-1.0, 1.0),
        &ad,
    );
    let mut times = Vec::with_capacity(opts.steps);
    for i in 0..opts.warmup + opts.steps.max(1) {
        let start = Instant::now();
        let pred = model.forward(x.clone());
        let loss = (pred - y.clone()).square().mean();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(1e-3, model, grads);
        // Force the update to finish before the clock stops.
        let _ = model.branches[0].head.weight.val().into_data();
        if i >= opts.warmup {
            times.push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    let train_step_ms = median(&mut times);

    let valid = model.valid();
    let xv = x.inner();
    let mut rates = Vec::new();
    for i in 0..opts.warmup + opts.steps.max(1) {
        let start = Instant::now();
        let out = valid.forward(xv.clone());
        let _ = out.into_data();
        if i >= opts.warmup {
            rates.push((opts.batch * opts.seq) as f64 / start.elapsed().as_secs_f64());
        }
    }
    Ok(BenchResult {
        train_step_ms,
        infer_frames_per_s: median(&mut rates),
        params,
    })
}
