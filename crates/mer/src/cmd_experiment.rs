//! `mer experiment FILE`: run a shipped experiment file (models × sequence lengths on one or
//! more datasets, each cross-validated), then train the best combination on all the data;
//! writes `results/<name>/{config.json, metrics.json, report.md, model.mer}`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use mer_model::eval::{CvReport, EvalMetrics, format_table};
use mer_model::{ModelConfig, TrainSet};
use mer_train::cv::cross_validate;
use serde::{Deserialize, Serialize};

use crate::cmd_train::{DataOpts, DataSpec, TrainOpts, burn_device, load_examples, set_threads};

/// An experiment file (JSON). Paths may start with `$MER_DATA` (default `../shared/data`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    /// Name; results go to `<out>/<name>/`.
    pub name: String,
    /// What the experiment asks.
    #[serde(default)]
    pub description: String,
    /// Datasets as `FORMAT=DIR`.
    pub data: Vec<String>,
    /// Features: a name of the feature-set registry (`logmel`, `logmel-10k`,
    /// `deam-opensmile`, `musicnn`, `logmel-musicnn`, `mediaeval260`, …;
    /// [`mer_featureset::FeatureSet::cli_name`]).
    pub features: mer_featureset::FeatureSet,
    /// Model presets to compare.
    pub models: Vec<String>,
    /// Sequence lengths to compare, frames.
    pub seq_lens: Vec<usize>,
    /// Folds.
    #[serde(default = "default_folds")]
    pub folds: usize,
    /// At most this many clips per dataset.
    #[serde(default)]
    pub limit: Option<usize>,
    /// Training settings.
    #[serde(default)]
    pub train: TrainSettings,
}

fn default_folds() -> usize {
    5
}

/// The training settings of an experiment (defaults as `mer train`'s).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainSettings {
    /// Most epochs.
    pub epochs: usize,
    /// Early-stopping patience.
    pub patience: usize,
    /// Batch size.
    pub batch: usize,
    /// Learning rate.
    pub lr: f64,
    /// Seed.
    pub seed: u64,
    /// Separate branch training.
    pub separate_branches: bool,
}

impl Default for TrainSettings {
    fn default() -> Self {
        Self {
            epochs: 60,
            patience: 8,
            batch: 16,
            lr: 1e-3,
            seed: 42,
            separate_branches: false,
        }
    }
}

/// `mer experiment`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Example:\n  mer experiment experiments/musifeast-4q.json\n\n\
    Score used to pick the best combination: the mean of the available static r (arousal,\n\
    valence), per-song dynamic r (arousal, valence) and quadrant macro-F1."
)]
pub struct ExperimentArgs {
    /// The experiment file (JSON).
    file: PathBuf,
    /// Results folder.
    #[arg(long, default_value = "results")]
    out: PathBuf,
    /// Worker threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Overwrite the results of an earlier run of the same experiment (without it, mer refuses
    /// before any work if one of OUT/NAME/{config.json, metrics.json, report.md, model.mer}
    /// exists).
    #[arg(long)]
    force: bool,
}

fn expand(s: &str) -> String {
    let data = std::env::var("MER_DATA").unwrap_or_else(|_| "../shared/data".into());
    s.replace("$MER_DATA", &data)
}

/// The selection score (see `mer experiment --help`).
pub fn score(m: &EvalMetrics) -> f64 {
    let mut v = Vec::new();
    for s in [&m.static_arousal, &m.static_valence].into_iter().flatten() {
        v.push(s.r);
    }
    for d in [&m.dynamic_arousal, &m.dynamic_valence]
        .into_iter()
        .flatten()
    {
        v.push(d.r_per_song.mean);
    }
    if let Some(q) = &m.quadrant {
        v.push(q.macro_f1);
    }
    let v: Vec<f64> = v.into_iter().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

#[derive(Serialize)]
struct Run<'a> {
    model: &'a str,
    seq_len: usize,
    score: f64,
    cv: CvReport,
}

/// Runs `mer experiment`.
pub fn run(args: ExperimentArgs) -> anyhow::Result<ExitCode> {
    set_threads(args.threads);
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("reading {}", args.file.display()))?;
    let exp: Experiment = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a valid experiment file", args.file.display()))?;
    let data: Vec<DataSpec> = exp
        .data
        .iter()
        .map(|d| expand(d).parse().map_err(anyhow::Error::msg))
        .collect::<anyhow::Result<_>>()
        .with_context(|| format!("{}: data", args.file.display()))?;
    for m in &exp.models {
        ModelConfig::preset(m, 1).with_context(|| format!("{}", args.file.display()))?;
    }
    let dir = args.out.join(&exp.name);
    let outputs = ["config.json", "metrics.json", "report.md", "model.mer"].map(|f| dir.join(f));
    if !args.force {
        crate::batch::refuse_existing(&outputs)?;
    }
    let overwrite = mer_io::Overwrite::from_force(args.force);
    mer_io::write_bytes(&outputs[0], overwrite, &serde_json::to_vec_pretty(&exp)?)?;

    let data_opts = DataOpts {
        data,
        features: Some(exp.features),
        limit: exp.limit,
        no_cache: false,
    };
    let (examples, names) = load_examples(&data_opts)?;
    let spec = exp.features.spec();
    let t = &exp.train;
    let opts = |model: &str, seq_len: usize| TrainOpts {
        model: model.into(),
        seq_len,
        overlap: None,
        batch: t.batch,
        lr: t.lr,
        epochs: t.epochs,
        patience: t.patience,
        seed: t.seed,
        separate_branches: t.separate_branches,
        threads: args.threads,
    };
    let set = TrainSet {
        train: &examples,
        val: None,
        features: spec.clone(),
        datasets: names.clone(),
    };
    let mut runs = Vec::new();
    for model in &exp.models {
        let config = ModelConfig::preset(model, spec.n_features)?;
        // Ridge does not depend on the sequence length: run it once.
        let lens: Vec<usize> = if matches!(config, ModelConfig::Ridge(_)) {
            exp.seq_lens.iter().take(1).copied().collect()
        } else {
            exp.seq_lens.clone()
        };
        for &l in &lens {
            let mut cfg = opts(model, l).train_config();
            cfg.progress = false;
            eprintln!("== {model}, L = {l}: {}-fold cross-validation", exp.folds);
            let cv = cross_validate(&config, &set, &cfg, exp.folds, &burn_device(), |i, _| {
                eprintln!("   fold {} done", i + 1)
            })?;
            eprint!("{}", format_table(&cv.pooled));
            runs.push(Run {
                model,
                seq_len: l,
                score: score(&cv.pooled),
                cv,
            });
        }
    }
    mer_io::write_bytes(&outputs[1], overwrite, &serde_json::to_vec_pretty(&runs)?)?;

    let best = runs
        .iter()
        .filter(|r| r.score.is_finite())
        .max_by(|a, b| a.score.total_cmp(&b.score))
        .context("no run produced a finite score")?;
    eprintln!(
        "== best: {} at L = {} (score {:.3}); training it on all clips",
        best.model, best.seq_len, best.score
    );
    let config = ModelConfig::preset(best.model, spec.n_features)?;
    let cfg = opts(best.model, best.seq_len).train_config();
    let (mut model, _) = mer_model::train(&config, &set, &cfg, &burn_device())?;
    model.header.metrics = serde_json::json!({
        "cross_validation": best.cv.pooled,
        "folds": best.cv.k,
        "experiment": exp.name,
    });
    model.save_file_with(&outputs[3], overwrite)?;
    write_report(
        &outputs[2],
        overwrite,
        &exp,
        &names,
        &runs,
        best.model,
        best.seq_len,
    )?;
    println!(
        "wrote {}/{{config.json, metrics.json, report.md, model.mer}}",
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn write_report(
    path: &Path,
    overwrite: mer_io::Overwrite,
    exp: &Experiment,
    names: &[String],
    runs: &[Run<'_>],
    best_model: &str,
    best_len: usize,
) -> anyhow::Result<()> {
    let f = |x: Option<f64>| x.map_or("–".to_string(), |v| format!("{v:.3}"));
    let mut s = format!(
        "# {}\n\n{}\n\nData: {} ({:?} features), {}-fold cross-validation, held-out predictions \
         pooled over folds.\n\n| model | L | static r A | static r V | static RMSE A | static RMSE V \
         | dyn r/song A | dyn r/song V | dyn RMSE/song A | dyn RMSE/song V | quadrant acc | macro-F1 | score |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
        exp.name,
        exp.description,
        names.join(" + "),
        exp.features,
        exp.folds
    );
    for r in runs {
        let m = &r.cv.pooled;
        s += &format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.3} |\n",
            r.model,
            r.seq_len,
            f(m.static_arousal.as_ref().map(|x| x.r)),
            f(m.static_valence.as_ref().map(|x| x.r)),
            f(m.static_arousal.as_ref().map(|x| x.rmse)),
            f(m.static_valence.as_ref().map(|x| x.rmse)),
            f(m.dynamic_arousal.as_ref().map(|x| x.r_per_song.mean)),
            f(m.dynamic_valence.as_ref().map(|x| x.r_per_song.mean)),
            f(m.dynamic_arousal.as_ref().map(|x| x.rmse_per_song.mean)),
            f(m.dynamic_valence.as_ref().map(|x| x.rmse_per_song.mean)),
            f(m.quadrant.as_ref().map(|x| x.accuracy)),
            f(m.quadrant.as_ref().map(|x| x.macro_f1)),
            r.score
        );
    }
    s += &format!(
        "\nBest: `{best_model}` at L = {best_len}; `model.mer` is it trained on all clips.\n"
    );
    Ok(mer_io::write_bytes(path, overwrite, s.as_bytes())?)
}
