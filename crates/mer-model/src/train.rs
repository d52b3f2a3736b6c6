//! Training: sequences of L frames, standardisation fitted on training clips only, Adam,
//! MSE per branch, weak labels, early stopping on validation loss with the best weights
//! kept, seeded determinism, a progress bar, and per-epoch checkpoints to resume from.
//!
//! Loss of a batch (each term averaged over the entries its mask selects, per output):
//! - clips with dynamic labels: MSE per frame, per output (arousal, valence);
//! - clips with only a static label: MSE between the mean of the predicted series and the
//!   label, weighted by `static_weight`;
//! - clips with only a quadrant: logistic loss `softplus(−k·sign·mean)` on the signs the
//!   quadrant implies for the mean of the predicted series (k = `quadrant_scale`),
//!   weighted by `quadrant_weight`.
//!
//! The total is `w_a·L_arousal + w_v·L_valence`, with `(w_a, w_v) = (1, 1)` in joint training.
//! Separate branch training (Malik et al. train the arousal and valence branches
//! separately) runs two phases: (1, 0) training the convolution block and the arousal
//! branch, then (0, 1) with the convolution block detached and a fresh Adam, so only the
//! valence branch changes.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::store::ModuleRecord;
use burn::tensor::activation::softplus;
use burn::tensor::{Bytes, Device, Tensor, TensorData};
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};

use crate::data::{Example, Sequence, SplitMix64, Standardizer, cut_sequences};
use crate::error::{ModelError, Result};
use crate::file::{FeatureSpec, MerModel, ModelHeader, TrainingInfo};
use crate::model::{ModelConfig, Net};
use crate::ridge::Ridge;

/// How the two branches of a branched model are trained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum BranchTraining {
    /// Both outputs at once (sum of the two losses).
    #[default]
    Joint,
    /// Arousal first, then valence with the shared layers frozen (see the module docs).
    Separate,
}

/// Training settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Sequence length L in frames (10…60 at 2 Hz). Default 60 (30 s, DEAM's annotated span).
    pub seq_len: usize,
    /// Overlap between consecutive training sequences, frames. Default 30 (50 %).
    pub overlap: usize,
    /// Sequences per batch. Default 16.
    pub batch_size: usize,
    /// Adam learning rate. Default 1e-3 (Adam's usual default).
    pub lr: f64,
    /// Most epochs per phase. Default 60.
    pub max_epochs: usize,
    /// Stop after this many epochs without a better validation loss. Default 8.
    pub patience: usize,
    /// Seed of initialisation, dropout, shuffling and the validation split. Default 42.
    pub seed: u64,
    /// Fraction of the training clips held out for early stopping when no validation set
    /// is given. Default 0.15.
    pub val_fraction: f64,
    /// Joint or separate branch training. Default joint.
    pub branch_training: BranchTraining,
    /// Weight of the static-label term. Default 1.
    pub static_weight: f64,
    /// Weight of the quadrant term. Default 0.5.
    pub quadrant_weight: f64,
    /// Scale k of the logistic quadrant loss `softplus(−k·sign·mean)`. Default 4.
    pub quadrant_scale: f64,
    /// Hop between windows in whole-song prediction (0 = seq_len / 2). Default 0.
    pub predict_hop: usize,
    /// Directory for per-epoch checkpoints (`None` = no checkpoints). Default none.
    pub checkpoint_dir: Option<PathBuf>,
    /// Continue from the checkpoint in `checkpoint_dir`. Default false.
    pub resume: bool,
    /// Show a progress bar on stderr. Default false.
    pub progress: bool,
    /// Stop this run after this many epochs, as if interrupted (the checkpoint stays
    /// resumable); for time-boxed runs and the resume test. Default none.
    pub stop_after: Option<usize>,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            seq_len: 60,
            overlap: 30,
            batch_size: 16,
            lr: 1e-3,
            max_epochs: 60,
            patience: 8,
            seed: 42,
            val_fraction: 0.15,
            branch_training: BranchTraining::Joint,
            static_weight: 1.0,
            quadrant_weight: 0.5,
            quadrant_scale: 4.0,
            predict_hop: 0,
            checkpoint_dir: None,
            resume: false,
            progress: false,
            stop_after: None,
        }
    }
}

/// [`TrainConfig`] fields that are options of one run (where to keep checkpoints, whether
/// to resume, show progress or stop early), not settings of the model: left out of the
/// training configuration a model file records ([`TrainConfig::recorded`]).
pub const RUN_OPTIONS: [&str; 4] = ["checkpoint_dir", "resume", "progress", "stop_after"];

impl TrainConfig {
    /// The training settings as a model file records them ([`TrainingInfo::config`]): every
    /// field but the [`RUN_OPTIONS`], so a model file holds no local paths and two runs with
    /// the same settings record the same configuration. (Files written before this kept
    /// them; they still load, the field is free-form JSON.)
    pub fn recorded(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self).unwrap_or_default();
        if let Some(map) = v.as_object_mut() {
            for key in RUN_OPTIONS {
                map.remove(key);
            }
        }
        v
    }
}

/// What to train on.
#[derive(Clone, Debug)]
pub struct TrainSet<'a> {
    /// Training clips (raw features; standardisation is fitted here).
    pub train: &'a [Example],
    /// Validation clips for early stopping; `None` holds out `val_fraction` of `train`.
    pub val: Option<&'a [Example]>,
    /// The features the clips carry.
    pub features: FeatureSpec,
    /// Dataset names for the model file.
    pub datasets: Vec<String>,
}

/// One epoch's losses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochLog {
    /// Phase (0; 1 = valence phase of separate branch training).
    pub phase: usize,
    /// Epoch within the phase, 1-based.
    pub epoch: usize,
    /// Mean training loss (f32 so that checkpoints round-trip it exactly).
    pub train_loss: f32,
    /// Validation loss.
    pub val_loss: f32,
}

/// Training state written to `state.json` in the checkpoint directory.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct CheckpointState {
    phase: usize,
    next_epoch: usize,
    best_val: f64,
    best_epoch: usize,
    bad_epochs: usize,
    history: Vec<EpochLog>,
    done: bool,
}

impl CheckpointState {
    /// Whether a state read from disk fits this run (`phases` training phases of at most
    /// `max_epochs` epochs each): a hand-edited or foreign `state.json` is an error naming the
    /// file, not an overflow of the epoch counters.
    fn check(&self, phases: usize, max_epochs: usize) -> std::result::Result<(), String> {
        if self.phase > phases {
            return Err(format!("phase {} but this run has {phases}", self.phase));
        }
        if !(1..=max_epochs + 1).contains(&self.next_epoch) {
            return Err(format!(
                "next epoch {} outside 1..={} (max_epochs {max_epochs})",
                self.next_epoch,
                max_epochs + 1
            ));
        }
        if self.best_epoch > max_epochs || self.bad_epochs > max_epochs {
            return Err(format!(
                "best epoch {} / epochs without improvement {} over max_epochs {max_epochs}",
                self.best_epoch, self.bad_epochs
            ));
        }
        if self.best_val.is_nan() {
            return Err("best validation loss is NaN".into());
        }
        Ok(())
    }
}

/// A batch as host arrays.
struct HostBatch {
    b: usize,
    len: usize,
    x: Vec<f32>,     // [b, len, feat]
    dyn_y: Vec<f32>, // [b, len, 2]
    dyn_m: Vec<f32>, // [b, len, 2]
    st_y: Vec<f32>,  // [b, 2]
    st_m: Vec<f32>,  // [b, 2]
    q_s: Vec<f32>,   // [b, 2]
    q_m: Vec<f32>,   // [b, 2]
}

fn host_batch(examples: &[Example], seqs: &[&Sequence], n_feat: usize) -> HostBatch {
    let b = seqs.len();
    let len = seqs[0].len;
    let mut hb = HostBatch {
        b,
        len,
        x: Vec::with_capacity(b * len * n_feat),
        dyn_y: vec![0.0; b * len * 2],
        dyn_m: vec![0.0; b * len * 2],
        st_y: vec![0.0; b * 2],
        st_m: vec![0.0; b * 2],
        q_s: vec![0.0; b * 2],
        q_m: vec![0.0; b * 2],
    };
    for (i, s) in seqs.iter().enumerate() {
        let ex = &examples[s.example];
        hb.x.extend_from_slice(&ex.features[s.start * n_feat..(s.start + len) * n_feat]);
        if let Some((a, v)) = &ex.dynamic {
            for t in 0..len {
                let k = (i * len + t) * 2;
                hb.dyn_y[k] = a[s.start + t];
                hb.dyn_y[k + 1] = v[s.start + t];
                hb.dyn_m[k] = 1.0;
                hb.dyn_m[k + 1] = 1.0;
            }
        } else if let Some(sv) = ex.static_av {
            hb.st_y[i * 2..i * 2 + 2].copy_from_slice(&sv);
            hb.st_m[i * 2..i * 2 + 2].copy_from_slice(&[1.0, 1.0]);
        } else if let Some(signs) = ex.quadrant.and_then(Example::quadrant_signs) {
            hb.q_s[i * 2..i * 2 + 2].copy_from_slice(&signs);
            hb.q_m[i * 2..i * 2 + 2].copy_from_slice(&[1.0, 1.0]);
        }
    }
    hb
}

/// Per-output counts of a mask `[.., 2]`, at least 1.
fn counts(mask: &[f32]) -> [f32; 2] {
    let mut c = [0f32; 2];
    for pair in mask.chunks_exact(2) {
        c[0] += pair[0];
        c[1] += pair[1];
    }
    [c[0].max(1.0), c[1].max(1.0)]
}

/// The loss of a batch (see the module docs); `weights` = (w_a, w_v).
fn batch_loss(
    pred: Tensor<3>,
    hb: &HostBatch,
    cfg: &TrainConfig,
    weights: [f32; 2],
    device: &Device,
) -> Tensor<1> {
    let (b, len) = (hb.b, hb.len);
    let t3 = |v: &[f32]| Tensor::<3>::from_data(TensorData::new(v.to_vec(), [b, len, 2]), device);
    let t2 = |v: &[f32]| Tensor::<2>::from_data(TensorData::new(v.to_vec(), [b, 2]), device);
    let t1 = |v: [f32; 2]| Tensor::<1>::from_data(TensorData::new(v.to_vec(), [2]), device);
    let w = t1(weights);
    let mut total = Tensor::<1>::zeros([2], device);
    if hb.dyn_m.iter().any(|&m| m > 0.0) {
        let err = (pred.clone() - t3(&hb.dyn_y)).square() * t3(&hb.dyn_m); // [b, len, 2]
        let per_out = err.sum_dim(0).sum_dim(1).reshape([2]) / t1(counts(&hb.dyn_m)); // [2]
        total = total + per_out;
    }
    let needs_mean = hb.st_m.iter().chain(&hb.q_m).any(|&m| m > 0.0);
    if needs_mean {
        let mean = pred.mean_dim(1).reshape([b, 2]); // [b, 2]
        if hb.st_m.iter().any(|&m| m > 0.0) {
            let err = (mean.clone() - t2(&hb.st_y)).square() * t2(&hb.st_m); // [b, 2]
            let per_out = err.sum_dim(0).reshape([2]) / t1(counts(&hb.st_m));
            total = total + per_out.mul_scalar(cfg.static_weight);
        }
        if hb.q_m.iter().any(|&m| m > 0.0) {
            let margin = (mean * t2(&hb.q_s)).mul_scalar(-cfg.quadrant_scale); // [b, 2]
            let err = softplus(margin, 1.0) * t2(&hb.q_m);
            let per_out = err.sum_dim(0).reshape([2]) / t1(counts(&hb.q_m));
            total = total + per_out.mul_scalar(cfg.quadrant_weight);
        }
    }
    (total * w).sum() // [1]
}

/// Groups sequences of equal length into batches of at most `batch_size`, shuffled by `rng`.
fn make_batches(
    seqs: &[Sequence],
    batch_size: usize,
    rng: Option<&mut SplitMix64>,
) -> Vec<Vec<usize>> {
    let mut idx: Vec<usize> = (0..seqs.len()).collect();
    if let Some(rng) = rng {
        rng.shuffle(&mut idx);
    }
    // Stable grouping by length keeps the shuffled order within a length.
    idx.sort_by_key(|&i| seqs[i].len);
    let mut batches = Vec::new();
    let mut cur: Vec<usize> = Vec::new();
    for i in idx {
        if let Some(&last) = cur.last()
            && (seqs[last].len != seqs[i].len || cur.len() == batch_size.max(1))
        {
            batches.push(std::mem::take(&mut cur));
        }
        cur.push(i);
    }
    if !cur.is_empty() {
        batches.push(cur);
    }
    batches
}

fn standardized(examples: &[Example], std: &Standardizer) -> Vec<Example> {
    examples
        .iter()
        .map(|e| {
            let mut e = e.clone();
            std.apply(&mut e.features);
            e
        })
        .collect()
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ModelError + '_ {
    move |source| ModelError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Checkpoint files are training's own state: replaced atomically each epoch (mer-io).
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    Ok(mer_io::write_bytes(
        path,
        mer_io::Overwrite::Replace,
        bytes,
    )?)
}

fn net_bytes(net: &Net) -> Result<Vec<u8>> {
    Ok(net
        .clone()
        .into_record()
        .into_bytes()
        .map_err(|e| ModelError::Training(format!("serialising weights: {e}")))?
        .to_vec())
}

fn load_net(net: Net, bytes: Vec<u8>, path: &Path) -> Result<Net> {
    let corrupt = |e: String| ModelError::CorruptFile {
        path: path.to_path_buf(),
        reason: e,
    };
    let rec = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes))
        .map_err(|e| corrupt(e.to_string()))?;
    net.try_load_record(rec).map_err(|e| corrupt(e.to_string()))
}

/// An independent copy of `net` (through its record).
fn snapshot(net: &Net, model: &ModelConfig, device: &Device) -> Result<Net> {
    let fresh = model.init_net(device).expect("neural model");
    load_net(fresh, net_bytes(net)?, Path::new("<snapshot>"))
}

/// Mean loss over `batches` without gradients.
fn eval_loss(
    net: &Net,
    examples: &[Example],
    seqs: &[Sequence],
    batches: &[Vec<usize>],
    n_feat: usize,
    cfg: &TrainConfig,
    weights: [f32; 2],
    device: &Device,
) -> f64 {
    let mut sum = 0.0;
    let mut n = 0usize;
    for batch in batches {
        let refs: Vec<&Sequence> = batch.iter().map(|&i| &seqs[i]).collect();
        let hb = host_batch(examples, &refs, n_feat);
        let x = Tensor::<3>::from_data(
            TensorData::new(hb.x.clone(), [hb.b, hb.len, n_feat]),
            device,
        );
        let loss = batch_loss(net.forward(x), &hb, cfg, weights, device);
        let v: f32 = loss.into_scalar();
        sum += f64::from(v) * hb.b as f64;
        n += hb.b;
    }
    if n == 0 { f64::NAN } else { sum / n as f64 }
}

/// Splits `examples` into (train, val) by seed when no validation set is given.
fn split_val(examples: &[Example], fraction: f64, seed: u64) -> (Vec<Example>, Vec<Example>) {
    let n_val = ((examples.len() as f64) * fraction).round() as usize;
    let n_val = n_val.clamp(
        usize::from(examples.len() > 1),
        examples.len().saturating_sub(1),
    );
    let mut idx: Vec<usize> = (0..examples.len()).collect();
    SplitMix64(seed ^ 0x005E_ED0F_5A11).shuffle(&mut idx);
    let val_set: std::collections::HashSet<usize> = idx[..n_val].iter().copied().collect();
    let mut tr = Vec::new();
    let mut va = Vec::new();
    for (i, e) in examples.iter().enumerate() {
        if val_set.contains(&i) {
            va.push(e.clone());
        } else {
            tr.push(e.clone());
        }
    }
    (tr, va)
}

/// Trains `model` on `set` and returns the model (best validation weights) with its
/// training history. Runs on `device` (e.g. `Device::flex()`); autodiff is added here.
pub fn train(
    model: &ModelConfig,
    set: &TrainSet<'_>,
    cfg: &TrainConfig,
    device: &Device,
) -> Result<(MerModel, Vec<EpochLog>)> {
    model.validate()?;
    if cfg.seq_len == 0 || cfg.overlap >= cfg.seq_len.max(1) {
        return Err(ModelError::InvalidConfig(format!(
            "need seq_len > overlap ≥ 0, got seq_len {} overlap {}",
            cfg.seq_len, cfg.overlap
        )));
    }
    let max_frames = crate::model::limits::MAX_FRAMES;
    if cfg.seq_len > max_frames || cfg.predict_hop > max_frames {
        return Err(ModelError::InvalidConfig(format!(
            "seq_len {} and predict_hop {} must be at most {max_frames} frames",
            cfg.seq_len, cfg.predict_hop
        )));
    }
    if let Some(max) = model.max_frames().filter(|&m| cfg.seq_len > m) {
        return Err(ModelError::InvalidConfig(format!(
            "seq_len {} is longer than this architecture runs on ({max} frames)",
            cfg.seq_len
        )));
    }
    let n_feat = model.n_features();
    if set.features.n_features != n_feat {
        return Err(ModelError::FeatureMismatch {
            expected: n_feat,
            found: set.features.n_features,
        });
    }
    for ex in set.train.iter().chain(set.val.unwrap_or(&[])) {
        ex.validate()?;
        if ex.n_features() != n_feat {
            return Err(ModelError::FeatureMismatch {
                expected: n_feat,
                found: ex.n_features(),
            });
        }
    }
    let labelled =
        |e: &&Example| e.dynamic.is_some() || e.static_av.is_some() || e.quadrant.is_some();
    let pool: Vec<Example> = set.train.iter().filter(labelled).cloned().collect();
    if pool.len() < 2 {
        return Err(ModelError::Training(format!(
            "need at least 2 labelled training clips, got {}",
            pool.len()
        )));
    }
    let (train_raw, val_raw) = match set.val {
        Some(v) => (pool, v.iter().filter(labelled).cloned().collect()),
        None => split_val(&pool, cfg.val_fraction, cfg.seed),
    };
    let standardizer = Standardizer::fit(&train_raw)?;
    let train_ex = standardized(&train_raw, &standardizer);
    let val_ex = standardized(&val_raw, &standardizer);
    let mut info = TrainingInfo {
        datasets: set.datasets.clone(),
        n_train: train_ex.len(),
        n_val: val_ex.len(),
        config: cfg.recorded(),
        ..TrainingInfo::default()
    };
    let header = |info: TrainingInfo, ridge: Option<Ridge>| {
        ModelHeader::new(
            model,
            set.features.clone(),
            standardizer.clone(),
            cfg,
            info,
            ridge,
        )
    };

    let ModelConfig::Ridge(rc) = model else {
        return train_net(model, cfg, &train_ex, &val_ex, n_feat, device, info, header);
    };
    let ridge = Ridge::fit(rc, &train_ex)?;
    // Validation loss of the ridge: per-frame MSE on dynamic val clips (for the record).
    let mut se = 0.0;
    let mut n = 0usize;
    for ex in &val_ex {
        if let Some((a, v)) = &ex.dynamic {
            let (pa, pv) = ridge.predict(&ex.features, n_feat);
            for t in 0..ex.n_frames {
                se += f64::from((pa[t] - a[t]).powi(2) + (pv[t] - v[t]).powi(2));
                n += 1;
            }
        }
    }
    info.epochs = 1;
    info.best_epoch = 1;
    info.best_val_loss = if n > 0 {
        (se / n as f64) as f32
    } else {
        f32::NAN
    };
    Ok((
        MerModel {
            header: header(info, Some(ridge)),
            net: None,
            device: device.clone(),
        },
        Vec::new(),
    ))
}

#[allow(clippy::too_many_arguments)]
fn train_net(
    model: &ModelConfig,
    cfg: &TrainConfig,
    train_ex: &[Example],
    val_ex: &[Example],
    n_feat: usize,
    device: &Device,
    mut info: TrainingInfo,
    header: impl Fn(TrainingInfo, Option<Ridge>) -> ModelHeader,
) -> Result<(MerModel, Vec<EpochLog>)> {
    let ad = device.clone().autodiff();
    ad.seed(cfg.seed);
    let mut net = model.init_net(&ad).expect("neural model");
    let train_seqs = cut_sequences(train_ex, cfg.seq_len, cfg.overlap);
    let val_seqs = cut_sequences(val_ex, cfg.seq_len, cfg.overlap);
    let val_batches = make_batches(&val_seqs, cfg.batch_size, None);
    let phases: Vec<([f32; 2], bool)> =
        if cfg.branch_training == BranchTraining::Separate && model.has_branches() {
            vec![([1.0, 0.0], false), ([0.0, 1.0], true)]
        } else {
            vec![([1.0, 1.0], false)]
        };
    let n_batches = make_batches(&train_seqs, cfg.batch_size, None).len();

    let ckpt = cfg.checkpoint_dir.as_deref();
    if let Some(dir) = ckpt {
        std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    }
    let mut state = CheckpointState {
        phase: 0,
        next_epoch: 1,
        best_val: f64::INFINITY,
        best_epoch: 0,
        bad_epochs: 0,
        history: Vec::new(),
        done: false,
    };
    let mut best: Option<Net> = None;
    let mut optim = AdamConfig::new().init();
    if cfg.resume
        && let Some(dir) = ckpt
        && dir.join("state.json").exists()
    {
        let p = dir.join("state.json");
        let text = std::fs::read_to_string(&p).map_err(io_err(&p))?;
        state = serde_json::from_str(&text).map_err(|e| ModelError::CorruptFile {
            path: p.clone(),
            reason: e.to_string(),
        })?;
        state
            .check(phases.len(), cfg.max_epochs)
            .map_err(|reason| ModelError::CorruptFile {
                path: p.clone(),
                reason,
            })?;
        let p = dir.join("model.bpk");
        net = load_net(net, std::fs::read(&p).map_err(io_err(&p))?, &p)?;
        let p = dir.join("best.bpk");
        if p.exists() {
            let fresh = model.init_net(&ad).expect("neural model");
            best = Some(load_net(fresh, std::fs::read(&p).map_err(io_err(&p))?, &p)?);
        }
        let p = dir.join("optim.bpk");
        optim = optim
            .from_bytes(Bytes::from_bytes_vec(
                std::fs::read(&p).map_err(io_err(&p))?,
            ))
            .map_err(|e| ModelError::CorruptFile {
                path: p.clone(),
                reason: e.to_string(),
            })?;
    }

    let bar = if cfg.progress {
        let total = (phases.len() * cfg.max_epochs * n_batches) as u64;
        let pb = ProgressBar::new(total);
        pb.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} batches, ETA {eta} (upper bound) {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        pb
    } else {
        ProgressBar::hidden()
    };
    let done_before: usize = state.phase * cfg.max_epochs + state.next_epoch - 1;
    bar.set_position((done_before * n_batches) as u64);

    let mut epochs_this_run = 0usize;
    'phases: while !state.done && state.phase < phases.len() {
        let (weights, detach) = phases[state.phase];
        while state.next_epoch <= cfg.max_epochs {
            let epoch = state.next_epoch;
            let epoch_seed = cfg.seed ^ ((state.phase as u64) << 32) ^ epoch as u64;
            ad.seed(epoch_seed);
            let mut rng = SplitMix64(epoch_seed.wrapping_mul(0x2545_F491_4F6C_DD1D));
            let batches = make_batches(&train_seqs, cfg.batch_size, Some(&mut rng));
            let mut order: Vec<usize> = (0..batches.len()).collect();
            rng.shuffle(&mut order);
            let (mut sum, mut count) = (0.0f64, 0usize);
            for &bi in &order {
                let refs: Vec<&Sequence> = batches[bi].iter().map(|&i| &train_seqs[i]).collect();
                let hb = host_batch(train_ex, &refs, n_feat);
                let x = Tensor::<3>::from_data(
                    TensorData::new(hb.x.clone(), [hb.b, hb.len, n_feat]),
                    &ad,
                );
                let loss = batch_loss(net.forward_with(x, detach), &hb, cfg, weights, &ad);
                let value: f32 = loss.clone().into_scalar();
                if !value.is_finite() {
                    return Err(ModelError::Training(format!(
                        "loss became {value} in phase {} epoch {epoch}; lower the learning rate",
                        state.phase
                    )));
                }
                let grads = GradientsParams::from_grads(loss.backward(), &net);
                net = optim.step(cfg.lr, net, grads);
                sum += f64::from(value) * hb.b as f64;
                count += hb.b;
                bar.inc(1);
            }
            let train_loss = (sum / count.max(1) as f64) as f32;
            let val_loss = eval_loss(
                &net.valid(),
                val_ex,
                &val_seqs,
                &val_batches,
                n_feat,
                cfg,
                weights,
                device,
            ) as f32;
            state.history.push(EpochLog {
                phase: state.phase,
                epoch,
                train_loss,
                val_loss,
            });
            // No validation data: keep the last weights.
            let improved = val_loss.is_nan() || f64::from(val_loss) < state.best_val - 1e-7;
            if improved {
                state.best_val = if val_loss.is_nan() {
                    f64::INFINITY
                } else {
                    f64::from(val_loss)
                };
                state.best_epoch = epoch;
                state.bad_epochs = 0;
                // A deep copy: a clone would share BatchNorm's running statistics, which
                // later epochs keep updating.
                best = Some(snapshot(&net, model, &ad)?);
            } else {
                state.bad_epochs += 1;
            }
            bar.set_message(format!(
                "phase {} epoch {epoch}: train {train_loss:.4} val {val_loss:.4} (best {:.4} @ {})",
                state.phase, state.best_val, state.best_epoch
            ));
            state.next_epoch += 1;
            let stop = state.bad_epochs >= cfg.patience.max(1);
            if stop || state.next_epoch > cfg.max_epochs {
                // Phase over: continue from its best weights with a fresh optimizer.
                if let Some(b) = &best {
                    net = snapshot(b, model, &ad)?;
                }
                state.phase += 1;
                state.next_epoch = 1;
                state.bad_epochs = 0;
                state.best_val = f64::INFINITY;
                optim = AdamConfig::new().init();
                state.done = state.phase >= phases.len();
                bar.set_position((state.phase * cfg.max_epochs * n_batches) as u64);
            }
            if let Some(dir) = ckpt {
                write_atomic(&dir.join("model.bpk"), &net_bytes(&net)?)?;
                if let Some(b) = &best {
                    write_atomic(&dir.join("best.bpk"), &net_bytes(b)?)?;
                }
                let ob = optim
                    .into_bytes()
                    .map_err(|e| ModelError::Training(format!("serialising optimizer: {e}")))?;
                write_atomic(&dir.join("optim.bpk"), &ob)?;
                let js = serde_json::to_vec_pretty(&state)
                    .map_err(|e| ModelError::Training(e.to_string()))?;
                write_atomic(&dir.join("state.json"), &js)?;
            }
            epochs_this_run += 1;
            if cfg.stop_after.is_some_and(|n| epochs_this_run >= n) && !state.done {
                bar.finish_and_clear();
                return Err(ModelError::Interrupted {
                    epochs: epochs_this_run,
                });
            }
            if state.phase >= phases.len() || state.next_epoch == 1 {
                continue 'phases;
            }
        }
    }
    bar.finish_and_clear();
    let final_net = best.unwrap_or(net);
    info.epochs = state.history.len();
    let last_phase = state.history.last().map_or(0, |h| h.phase);
    let (best_epoch, best_val) = state.history.iter().filter(|h| h.phase == last_phase).fold(
        (0, f32::INFINITY),
        |acc, h| {
            if h.val_loss < acc.1 {
                (h.epoch, h.val_loss)
            } else {
                acc
            }
        },
    );
    info.best_epoch = best_epoch;
    info.best_val_loss = best_val;
    let valid = final_net.valid();
    Ok((
        MerModel {
            header: header(info, None),
            net: Some(valid),
            device: device.clone(),
        },
        state.history,
    ))
}
