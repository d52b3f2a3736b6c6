//! Runs the grid: every pending run trained, evaluated and stored at once; the report
//! rewritten after each, so an interrupted experiment (Ctrl-C, a kill, a crash) leaves a
//! valid partial report and re-running the same command goes on where it stopped.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use indicatif::{ProgressBar, ProgressStyle};
use mer_model::eval::{metrics_of, predict_all};
use mer_model::{
    BranchTraining, Example, FeatureSpec, ModelConfig, Prediction, TrainConfig, TrainSet,
};

use crate::error::{Error, Result};
use crate::protocol::{Fold, splits};
use crate::report::{ReportInfo, write_report};
use crate::runs::{ClipResult, RunKey, RunRecord, RunStatus, RunStore};
use crate::spec::Experiment;
use crate::summary::headline;

/// Clips with their features, as the caller loads them (the feature sets are computed or
/// read by `mer`'s loaders).
#[derive(Debug, Clone)]
pub struct LoadedClips {
    /// The clips (ids `<format>/<id>`).
    pub clips: Vec<Example>,
    /// Dataset names, for the model files and the report.
    pub datasets: Vec<String>,
    /// The feature set the clips carry.
    pub spec: FeatureSpec,
}

/// Where the clips of a feature set come from.
///
/// Implementations load every dataset of the experiment with the features named `features`
/// (`logmel`, `mediaeval260`, …). An error (unknown name, unreadable data) fails every run
/// of that feature set, each recorded with the message; the grid goes on.
pub trait ClipSource {
    /// Loads the clips of `exp` with feature set `features`.
    fn load(
        &mut self,
        exp: &Experiment,
        features: &str,
    ) -> std::result::Result<LoadedClips, String>;
}

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// `results/` (the experiment writes `results/<name>/`).
    pub out: PathBuf,
    /// The command line, quoted in the report.
    pub command: String,
    /// The device models train on.
    pub device: mer_model::burn::tensor::Device,
    /// Show the progress bar (lines are printed either way).
    pub progress: bool,
    /// Only rewrite the report from the runs stored so far; run nothing.
    pub report_only: bool,
}

/// What a call of [`run_experiment`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// Runs in the grid.
    pub total: usize,
    /// Runs found finished in `runs/` and skipped.
    pub skipped: usize,
    /// Runs made now that succeeded.
    pub done: usize,
    /// Runs made now that failed (recorded with their error).
    pub failed: usize,
    /// The report folder.
    pub dir: PathBuf,
}

/// The grid of `exp`: seed-major (then feature set, model, length, fold), so that the first
/// seed of every configuration is done before any second seed and an interrupted grid leaves
/// whole seeds.
fn keys_of(exp: &Experiment, folds: &[usize]) -> Vec<RunKey> {
    let mut keys = Vec::new();
    for seed in exp.seeds() {
        for features in exp.features.to_vec() {
            for model in &exp.models {
                let lens: Vec<usize> = if model == "ridge" {
                    // A ridge does not read sequences: one length.
                    exp.seq_lens.iter().take(1).copied().collect()
                } else {
                    exp.seq_lens.clone()
                };
                for &seq_len in &lens {
                    for &fold in folds {
                        keys.push(RunKey {
                            features: features.clone(),
                            model: model.clone(),
                            seq_len,
                            seed,
                            fold,
                        });
                    }
                }
            }
        }
    }
    keys
}

/// Folds the protocol has before the data is loaded (k-fold: 0..k; others: 0). A k-fold
/// fold that comes out empty once the data is loaded fails its runs.
fn fold_numbers(exp: &Experiment) -> Vec<usize> {
    match exp.protocol {
        crate::spec::ProtocolKind::Kfold => (0..exp.folds).collect(),
        _ => vec![0],
    }
}

/// The settings a run depends on besides its key, as JSON.
pub fn fingerprint(exp: &Experiment) -> String {
    serde_json::json!({
        "data": exp.data,
        "protocol": exp.protocol,
        "folds": exp.folds,
        "dev_list": exp.dev_list,
        "test_list": exp.test_list,
        "limit": exp.limit,
        "train": exp.train,
    })
    .to_string()
}

/// Trainable parameters of `config` (a ridge: its weights and biases).
pub fn param_count(config: &ModelConfig, device: &mer_model::burn::tensor::Device) -> usize {
    let ad = device.clone().autodiff();
    match config.init_net(&ad) {
        Some(net) => mer_model::bench::trainable_params(&net),
        None => 2 * (config.n_features() + 1),
    }
}

/// Trains on `fold.train`, predicts `fold.test` and records it.
fn run_one(
    exp: &Experiment,
    key: &RunKey,
    fold: &Fold,
    loaded: &LoadedClips,
    device: &mer_model::burn::tensor::Device,
) -> Result<RunRecord> {
    let t0 = Instant::now();
    let config = ModelConfig::preset(&key.model, loaded.spec.n_features)?;
    let train: Vec<Example> = fold
        .train
        .iter()
        .map(|&i| loaded.clips[i].clone())
        .collect();
    let test: Vec<Example> = fold.test.iter().map(|&i| loaded.clips[i].clone()).collect();
    let t = &exp.train;
    let cfg = TrainConfig {
        seq_len: key.seq_len,
        overlap: key.seq_len / 2,
        batch_size: t.batch,
        lr: t.lr,
        max_epochs: t.epochs,
        patience: t.patience,
        seed: key.seed,
        branch_training: if t.separate_branches {
            BranchTraining::Separate
        } else {
            BranchTraining::Joint
        },
        progress: false,
        ..TrainConfig::default()
    };
    let set = TrainSet {
        train: &train,
        val: None,
        features: loaded.spec.clone(),
        datasets: loaded.datasets.clone(),
    };
    let (model, _log) = mer_model::train(&config, &set, &cfg, device)?;
    let train_s = t0.elapsed().as_secs_f64();
    let preds = predict_all(&model, &test, key.fold)?;
    let refs: Vec<&Example> = test.iter().collect();
    let prefs: Vec<&Prediction> = preds.iter().map(|p| &p.prediction).collect();
    let metrics = metrics_of(&refs, &prefs);
    let clips = test
        .iter()
        .zip(preds)
        .map(|(ex, p)| ClipResult {
            id: ex.id.clone(),
            prediction: p.prediction,
            dynamic: ex.dynamic.clone(),
            static_av: ex.static_av,
            quadrant: ex.quadrant,
        })
        .collect();
    let info = &model.header.training;
    Ok(RunRecord {
        key: key.clone(),
        fingerprint: String::new(),
        status: RunStatus::Ok,
        error: None,
        metrics: Some(metrics),
        params: Some(param_count(&config, device)),
        n_train: train.len(),
        n_test: test.len(),
        epochs: info.epochs,
        best_epoch: info.best_epoch,
        train_s,
        wall_s: t0.elapsed().as_secs_f64(),
        git_commit: String::new(),
        finished_unix_s: 0,
        clips,
    })
}

fn failed(key: &RunKey, error: String, wall_s: f64) -> RunRecord {
    RunRecord {
        key: key.clone(),
        fingerprint: String::new(),
        status: RunStatus::Failed,
        error: Some(error),
        metrics: None,
        params: None,
        n_train: 0,
        n_test: 0,
        epochs: 0,
        best_epoch: 0,
        train_s: 0.0,
        wall_s,
        git_commit: String::new(),
        finished_unix_s: 0,
        clips: Vec::new(),
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

fn fmt_duration(s: f64) -> String {
    if !s.is_finite() {
        "?".into()
    } else if s < 90.0 {
        format!("{s:.0} s")
    } else if s < 5400.0 {
        format!("{:.1} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}

/// Runs every pending run of `exp` (a run is done when `runs/` holds it finished with the
/// same settings), storing each at once, printing one line per run and rewriting the report
/// after each. Failing runs are recorded with their error and the grid goes on.
pub fn run_experiment(
    exp: &Experiment,
    source: &mut dyn ClipSource,
    opts: &RunOptions,
) -> Result<RunSummary> {
    let dir = opts.out.join(&exp.name);
    let store = RunStore::open(&dir.join("runs"))?;
    let config = serde_json::to_vec_pretty(exp).map_err(|e| Error::BadFile {
        path: dir.join("config.json"),
        reason: e.to_string(),
    })?;
    mer_io::write_bytes(
        &dir.join("config.json"),
        mer_io::Overwrite::Replace,
        &config,
    )?;
    let fp = fingerprint(exp);
    let commit = crate::runs::git_commit();
    let (existing, bad) = store.load_all();
    for e in &bad {
        eprintln!("mer: warning: {e}; that run is made again");
    }
    let mut records: HashMap<RunKey, RunRecord> =
        existing.into_iter().map(|r| (r.key.clone(), r)).collect();
    let features = exp.features.to_vec();
    let folds = fold_numbers(exp);
    let grid = keys_of(exp, &folds);
    let is_done =
        |r: Option<&RunRecord>| r.is_some_and(|r| r.status == RunStatus::Ok && r.fingerprint == fp);
    let pending: Vec<&RunKey> = grid.iter().filter(|k| !is_done(records.get(*k))).collect();
    let mut summary = RunSummary {
        total: grid.len(),
        skipped: grid.len() - pending.len(),
        dir: dir.clone(),
        ..RunSummary::default()
    };
    // Records of runs no longer in the grid (or made with other settings) stay on disk but
    // are left out of the report.
    let in_grid = |recs: &HashMap<RunKey, RunRecord>| -> Vec<RunRecord> {
        grid.iter()
            .filter_map(|k| recs.get(k))
            .filter(|r| r.fingerprint == fp)
            .cloned()
            .collect()
    };
    let info = ReportInfo {
        command: opts.command.clone(),
        grid_total: grid.len(),
    };
    eprintln!(
        "{}: {} runs ({} features × {} models × {} lengths × {} seeds × {} folds, ridge at one \
         length); {} finished earlier, {} to run",
        exp.name,
        grid.len(),
        features.len(),
        exp.models.len(),
        exp.seq_lens.len(),
        exp.seeds().len(),
        folds.len(),
        summary.skipped,
        pending.len()
    );
    write_report(&dir, exp, &in_grid(&records), &info)?;
    if pending.is_empty() || opts.report_only {
        return Ok(summary);
    }
    let bar = if opts.progress {
        ProgressBar::new(pending.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs, {elapsed} elapsed, ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let t_start = Instant::now();
    type Loaded = std::result::Result<(LoadedClips, Vec<Fold>), String>;
    let mut loaded: HashMap<String, Loaded> = HashMap::new();
    for (n, key) in pending.iter().enumerate() {
        if !loaded.contains_key(&key.features) {
            bar.suspend(|| eprintln!("loading clips with features {}", key.features));
            let l = source.load(exp, &key.features).and_then(|l| {
                let f = splits(exp, &l.clips).map_err(|e| e.to_string())?;
                Ok((l, f))
            });
            if let Ok((l, f)) = &l {
                let sizes: Vec<String> = f
                    .iter()
                    .map(|f| format!("{}/{}", f.train.len(), f.test.len()))
                    .collect();
                bar.suspend(|| {
                    eprintln!(
                        "{} clips; train/test per fold: {}",
                        l.clips.len(),
                        sizes.join(", ")
                    )
                });
            }
            loaded.insert(key.features.clone(), l);
        }
        let t0 = Instant::now();
        let mut rec = match loaded.get(&key.features) {
            Some(Ok((l, folds))) => match folds.iter().find(|f| f.index == key.fold) {
                Some(fold) => {
                    let r = catch_unwind(AssertUnwindSafe(|| {
                        run_one(exp, key, fold, l, &opts.device)
                    }));
                    match r {
                        Ok(Ok(rec)) => rec,
                        Ok(Err(e)) => failed(key, e.to_string(), t0.elapsed().as_secs_f64()),
                        Err(p) => failed(
                            key,
                            format!("panicked: {}", panic_message(p.as_ref())),
                            t0.elapsed().as_secs_f64(),
                        ),
                    }
                }
                None => failed(
                    key,
                    format!("fold {} has no clips", key.fold),
                    t0.elapsed().as_secs_f64(),
                ),
            },
            Some(Err(e)) => failed(key, e.clone(), 0.0),
            None => failed(key, "no clips".into(), 0.0),
        };
        rec.fingerprint = fp.clone();
        rec.git_commit = commit.clone();
        rec.finished_unix_s = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        store.save(&rec)?;
        let done_n = n + 1;
        let left = pending.len() - done_n;
        let eta = t_start.elapsed().as_secs_f64() / done_n as f64 * left as f64;
        let line = match rec.status {
            RunStatus::Ok => {
                summary.done += 1;
                format!(
                    "[{done_n}/{}] {}: {} ({} params, {:.0} s, {} epochs); ETA {}",
                    pending.len(),
                    key.label(),
                    rec.metrics.as_ref().map(headline).unwrap_or_default(),
                    rec.params.unwrap_or(0),
                    rec.wall_s,
                    rec.epochs,
                    fmt_duration(eta)
                )
            }
            RunStatus::Failed => {
                summary.failed += 1;
                format!(
                    "[{done_n}/{}] {}: FAILED: {}; ETA {}",
                    pending.len(),
                    key.label(),
                    rec.error.as_deref().unwrap_or("?"),
                    fmt_duration(eta)
                )
            }
        };
        bar.suspend(|| eprintln!("{line}"));
        records.insert((*key).clone(), rec);
        write_report(&dir, exp, &in_grid(&records), &info)?;
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_is_seed_major_and_ridge_runs_at_one_length() {
        let exp: Experiment = serde_json::from_value(serde_json::json!({
            "name": "t", "data": [], "features": ["logmel", "mediaeval260"],
            "models": ["crnn", "ridge"], "seq_lens": [10, 20], "seeds": [1, 2], "folds": 3
        }))
        .unwrap();
        let keys = keys_of(&exp, &fold_numbers(&exp));
        // crnn: 2 lengths × 3 folds, ridge: 1 × 3, per feature set and seed.
        assert_eq!(keys.len(), 2 * 2 * (6 + 3));
        assert!(keys[..18].iter().all(|k| k.seed == 1));
        assert_eq!(keys[9].features, "mediaeval260");
        assert!(
            keys.iter()
                .filter(|k| k.model == "ridge")
                .all(|k| k.seq_len == 10)
        );
        let names: std::collections::HashSet<String> = keys.iter().map(RunKey::file_name).collect();
        assert_eq!(names.len(), keys.len());
    }
}
