//! `mer eval`: k-fold cross-validation in one command (or evaluation of a trained model file
//! on a dataset), printed as a table and written as JSON.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use mer_model::eval::{format_table, metrics_of, predict_all};
use mer_model::{Example, ModelConfig, Prediction, TrainSet, load_model_file};
use mer_train::cv::cross_validate;

use mer_featureset::FeatureSet;

use crate::cmd_train::{DataOpts, TrainOpts, burn_device, load_examples, set_threads};

/// `mer eval`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    mer eval --data musifeast=../shared/data/musifeast17 --data 4q=../shared/data/4q \\\n    \
      --model crnn --folds 5 --json cv.json\n  \
    mer eval --data deam=../shared/data/deam-sample --model-file crnn.mer\n\n\
    Metrics (MediaEval): dynamic RMSE, Pearson r and Lin's CCC per song (mean ± std over\n\
    songs) and pooled over frames; static r, RMSE, R², CCC; quadrant accuracy, macro-F1 and\n\
    the confusion matrix. In cross-validation the metrics pool the held-out predictions of\n\
    all folds; per-fold metrics are in the JSON.")]
pub struct EvalArgs {
    #[command(flatten)]
    data: DataOpts,
    #[command(flatten)]
    train: TrainOpts,
    /// Folds of the cross-validation.
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Evaluate this trained model file instead of cross-validating.
    #[arg(long)]
    model_file: Option<PathBuf>,
    /// Write the metrics (and every held-out prediction) as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Overwrite the --json file if it exists (without it, mer refuses before any work).
    #[arg(long)]
    force: bool,
}

/// Runs `mer eval`.
pub fn run(args: EvalArgs) -> anyhow::Result<ExitCode> {
    if let Some(path) = &args.json
        && !args.force
    {
        crate::batch::refuse_existing([path])?;
    }
    set_threads(args.train.threads);
    let json = if let Some(path) = &args.model_file {
        let model = load_model_file(path)?;
        // The model's features decide; --features, if given, must agree.
        let kind = FeatureSet::of_spec(&model.header.features)
            .with_context(|| path.display().to_string())?;
        if let Some(given) = args.data.features
            && given != kind
        {
            anyhow::bail!(
                "{}: model reads features {:?}, but --features gives {:?}",
                path.display(),
                model.header.features.name,
                given.feature_set()
            );
        }
        let data = DataOpts {
            features: Some(kind),
            ..args.data.clone()
        };
        let (examples, names) = load_examples(&data)?;
        let preds = predict_all(&model, &examples, 0)?;
        let refs: Vec<&Example> = examples.iter().collect();
        let prefs: Vec<&Prediction> = preds.iter().map(|p| &p.prediction).collect();
        let m = metrics_of(&refs, &prefs);
        println!("{} on {}:", path.display(), names.join(" + "));
        print!("{}", format_table(&m));
        serde_json::json!({"model_file": path, "datasets": names, "metrics": m, "predictions": preds})
    } else {
        let (examples, names) = load_examples(&args.data)?;
        let spec = args.data.kind().spec();
        let model = ModelConfig::preset(&args.train.model, spec.n_features)?;
        let mut cfg = args.train.train_config();
        cfg.progress = false;
        let set = TrainSet {
            train: &examples,
            val: None,
            features: spec.clone(),
            datasets: names.clone(),
        };
        let report = cross_validate(&model, &set, &cfg, args.folds, &burn_device(), |i, m| {
            eprintln!("fold {}/{} done", i + 1, args.folds);
            eprint!("{}", format_table(m));
        })?;
        println!(
            "{}-fold cross-validation of {} (L = {}) on {}:",
            report.k,
            args.train.model,
            args.train.seq_len,
            names.join(" + ")
        );
        print!("{}", format_table(&report.pooled));
        serde_json::json!({
            "model": args.train.model,
            "train": cfg,
            "datasets": names,
            "features": spec,
            "cv": report,
        })
    };
    if let Some(path) = &args.json {
        let bytes = serde_json::to_vec_pretty(&json)?;
        mer_io::write_bytes(path, mer_io::Overwrite::from_force(args.force), &bytes)?;
        eprintln!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
