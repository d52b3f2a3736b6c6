//! `mer experiment FILE`: parse, resolve, call `mer_experiment::run_experiment` with this
//! crate's clip loader (features computed or read as `mer train` does).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use mer_experiment::{ClipSource, Experiment, LoadedClips, RunOptions};

use crate::cmd_train::{DataOpts, DataSpec, burn_device, load_examples, set_threads};

/// `mer experiment`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    mer experiment experiments/malik2017-shared.json\n  \
    mer experiment experiments/reviewers-shared.json --quick   # CI-sized: fewer lengths, seeds, epochs\n\n\
    Each run (features × model × length × seed × fold) is written to OUT/NAME/runs/ the moment\n\
    it ends; running the same command again skips the finished runs. The report (OUT/NAME/\n\
    report.md, report.html, summary.csv, runs.csv, runs.json, figures/) is rewritten after\n\
    every run, so an interrupted experiment leaves a valid partial report.")]
pub struct ExperimentArgs {
    /// The experiment file (JSON).
    file: PathBuf,
    /// Results folder.
    #[arg(long, default_value = "results")]
    out: PathBuf,
    /// Worker threads (0 = all cores).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// The file's CI-sized grid (its "quick" settings: by default the first and last length,
    /// two seeds, 2 epochs, 40 clips per dataset, 2 folds), written to OUT/NAME-quick/.
    #[arg(long)]
    quick: bool,
    /// Keep only the first N seeds of the file (to fit a time budget; the report says so).
    #[arg(long, value_name = "N")]
    seeds: Option<usize>,
    /// Sequence lengths instead of the file's (comma separated).
    #[arg(long, value_delimiter = ',', value_name = "L,...")]
    seq_lens: Option<Vec<usize>>,
    /// Most epochs instead of the file's.
    #[arg(long)]
    epochs: Option<usize>,
    /// At most this many clips per dataset.
    #[arg(long)]
    limit: Option<usize>,
    /// Folds of a k-fold protocol instead of the file's.
    #[arg(long)]
    folds: Option<usize>,
    /// Only rewrite the report from the runs stored so far (e.g. of a grid stopped for time);
    /// run nothing.
    #[arg(long)]
    report_only: bool,
    /// Start over in a results folder that was not made by a resumable experiment (one with
    /// a report but no runs/ folder).
    #[arg(long)]
    force: bool,
    /// Do not read or write the feature cache.
    #[arg(long)]
    no_cache: bool,
}

/// Loads clips with `mer train`'s loaders.
struct Loader {
    no_cache: bool,
}

impl ClipSource for Loader {
    fn load(&mut self, exp: &Experiment, features: &str) -> Result<LoadedClips, String> {
        let kind: mer_featureset::FeatureSet = features
            .parse()
            .map_err(|e| format!("feature set {features:?}: {e}"))?;
        let data = exp
            .data
            .iter()
            .map(|d| d.parse::<DataSpec>())
            .collect::<Result<Vec<_>, _>>()?;
        let opts = DataOpts {
            data,
            features: Some(kind),
            limit: exp.limit,
            no_cache: self.no_cache,
        };
        let (clips, datasets) = load_examples(&opts).map_err(|e| format!("{e:#}"))?;
        Ok(LoadedClips {
            clips,
            datasets,
            spec: kind.spec(),
        })
    }
}

/// Runs `mer experiment`.
pub fn run(args: ExperimentArgs) -> anyhow::Result<ExitCode> {
    set_threads(args.threads);
    let mut exp = Experiment::from_file(&args.file)?;
    if args.quick {
        exp = exp.quick();
    }
    exp = exp.with_overrides(&mer_experiment::Overrides {
        seeds: args.seeds,
        seq_lens: args.seq_lens.clone(),
        epochs: args.epochs,
        limit: args.limit,
        folds: args.folds,
    });
    exp.check()
        .map_err(|e| anyhow::anyhow!("{}: {e}", args.file.display()))?;
    let dir = args.out.join(&exp.name);
    if !args.force && !dir.join("runs").is_dir() {
        let earlier =
            ["config.json", "metrics.json", "report.md", "model.mer"].map(|f| dir.join(f));
        crate::batch::refuse_existing(&earlier)?;
    }
    let command = std::iter::once("mer".to_string())
        .chain(std::env::args().skip(1))
        .collect::<Vec<_>>()
        .join(" ");
    let opts = RunOptions {
        out: args.out.clone(),
        command,
        device: burn_device(),
        progress: true,
        report_only: args.report_only,
    };
    let s = mer_experiment::run_experiment(
        &exp,
        &mut Loader {
            no_cache: args.no_cache,
        },
        &opts,
    )
    .with_context(|| format!("experiment {}", args.file.display()))?;
    println!(
        "{}: {} runs, {} finished earlier, {} done now, {} failed; report in {}/report.{{md,html}}",
        exp.name,
        s.total,
        s.skipped,
        s.done,
        s.failed,
        s.dir.display()
    );
    Ok(if s.failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
