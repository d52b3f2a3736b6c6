//! `mer train`: train a model on one or more datasets and write one model file.
//! Also the shared pieces of `mer eval` and `mer experiment`: dataset and feature options,
//! and turning dataset items into `mer_model::Example`s (features from the cache).

use std::path::PathBuf;
use std::process::ExitCode;

use mer_data::{FeatureCache, Format};
use mer_featureset::FeatureSet;
use mer_model::{BranchTraining, Example, ModelConfig, TrainConfig, TrainSet};

/// A dataset given as `FORMAT=DIR` (formats: deam, pmemo, 4q, musifeast, manifest).
#[derive(Debug, Clone)]
pub struct DataSpec {
    /// Layout.
    pub format: Format,
    /// Folder (or manifest file).
    pub dir: PathBuf,
}

impl std::str::FromStr for DataSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (f, d) = s
            .split_once('=')
            .ok_or_else(|| format!("expected FORMAT=DIR (e.g. 4q=../shared/data/4q), got {s:?}"))?;
        let format = Format::parse(f).ok_or_else(|| {
            format!("unknown dataset format {f:?} (deam, pmemo, 4q, musifeast, manifest)")
        })?;
        Ok(Self {
            format,
            dir: PathBuf::from(d),
        })
    }
}

/// The clap parser of a feature-set name ([`FeatureSet::cli_name`]); `--help` lists them.
pub fn feature_set_arg() -> impl clap::builder::TypedValueParser<Value = FeatureSet> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new(
        FeatureSet::EVERY.map(|k| PossibleValue::new(k.cli_name()).help(k.help())),
    )
    .try_map(|s| s.parse::<FeatureSet>())
}

/// Options shared by `mer train`, `mer eval` and `mer experiment`: data and features.
#[derive(Debug, Clone, clap::Args)]
pub struct DataOpts {
    /// A dataset as FORMAT=DIR; repeat to mix datasets in one run
    /// (e.g. --data musifeast=../shared/data/musifeast17 --data 4q=../shared/data/4q).
    /// Required, except with `mer train --preset`.
    #[arg(long = "data")]
    pub data: Vec<DataSpec>,
    /// Frame features [default: logmel-10k; with `mer eval --model-file`: the model's].
    #[arg(long, value_parser = feature_set_arg())]
    pub features: Option<FeatureSet>,
    /// Use at most this many clips per dataset (sorted by id; for quick runs).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Do not read or write the feature cache ($MER_CACHE or ~/.cache/mer).
    #[arg(long)]
    pub no_cache: bool,
}

impl DataOpts {
    /// The frame features: `--features`, else `logmel-10k`.
    pub fn kind(&self) -> FeatureSet {
        self.features.unwrap_or(FeatureSet::LogMel40Fmax10k)
    }
}

/// Training options shared by `mer train`, `mer eval` and `mer experiment`.
#[derive(Debug, Clone, clap::Args)]
pub struct TrainOpts {
    /// Model preset: crnn, crnn-nb, crnn-lstm, crnn-bigru, crnn-bilstm, crnn-att, attention,
    /// crnn-ms, dblstm, dblstm-ms, ridge.
    #[arg(long, default_value = "crnn")]
    pub model: String,
    /// Sequence length L, frames at 2 Hz (10…60).
    #[arg(long, default_value_t = 60)]
    pub seq_len: usize,
    /// Overlap of training sequences, frames (default L/2).
    #[arg(long)]
    pub overlap: Option<usize>,
    /// Sequences per batch.
    #[arg(long, default_value_t = 16)]
    pub batch: usize,
    /// Adam learning rate.
    #[arg(long, default_value_t = 1e-3)]
    pub lr: f64,
    /// Most epochs.
    #[arg(long, default_value_t = 60)]
    pub epochs: usize,
    /// Early-stopping patience, epochs.
    #[arg(long, default_value_t = 8)]
    pub patience: usize,
    /// Seed (initialisation, dropout, shuffling, splits).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Train the arousal and valence branches separately (Malik et al.), not jointly.
    #[arg(long)]
    pub separate_branches: bool,
    /// Worker threads for training (0 = all cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
}

impl TrainOpts {
    /// The library's training config.
    pub fn train_config(&self) -> TrainConfig {
        TrainConfig {
            seq_len: self.seq_len,
            overlap: self.overlap.unwrap_or(self.seq_len / 2),
            batch_size: self.batch,
            lr: self.lr,
            max_epochs: self.epochs,
            patience: self.patience,
            seed: self.seed,
            branch_training: if self.separate_branches {
                BranchTraining::Separate
            } else {
                BranchTraining::Joint
            },
            progress: true,
            ..TrainConfig::default()
        }
    }
}

/// Sets the size of rayon's global pool once (0 = all cores).
pub fn set_threads(threads: usize) {
    if threads > 0 {
        // Fails only when the pool already exists; keeping it is fine.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build_global();
    }
}

/// Loads every dataset and computes (or reads cached) features (mer_train::load_examples);
/// every warning (dataset problems, clips left out, decoder warnings, also of cached
/// features) is printed on stderr. Returns the examples and the dataset names.
pub fn load_examples(opts: &DataOpts) -> anyhow::Result<(Vec<Example>, Vec<String>)> {
    let cache = if opts.no_cache {
        None
    } else {
        match FeatureCache::open_default() {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!("mer: warning: no feature cache ({e}); computing features");
                None
            }
        }
    };
    let sources: Vec<mer_train::Source> = opts
        .data
        .iter()
        .map(|d| mer_train::Source {
            format: d.format,
            dir: d.dir.clone(),
        })
        .collect();
    let loaded = mer_train::load_examples(&sources, opts.kind(), cache.as_ref(), opts.limit, true)?;
    for w in &loaded.warnings {
        eprintln!("mer: warning: {w}");
    }
    for (name, n) in &loaded.datasets {
        eprintln!("{name}: {n} clips");
    }
    if loaded.examples.is_empty() {
        anyhow::bail!("training: no usable clips in the given datasets");
    }
    let names = loaded.names();
    Ok((loaded.examples, names))
}

/// `mer train`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    mer train --data deam=../shared/data/deam-sample --model crnn -o crnn.mer\n  \
    mer train --data musifeast=../shared/data/musifeast17 --data 4q=../shared/data/4q \\\n    \
      --model crnn-nb --seq-len 30 --checkpoint ckpt/ -o crnn-nb.mer\n  \
    mer train ... --checkpoint ckpt/ --resume     # continue an interrupted run\n  \
    mer train --preset default --data-dir ../shared/data -o default.mer   # the embedded model")]
pub struct TrainArgs {
    #[command(flatten)]
    data: DataOpts,
    #[command(flatten)]
    train: TrainOpts,
    /// Checkpoint folder (written every epoch).
    #[arg(long)]
    checkpoint: Option<PathBuf>,
    /// Resume from --checkpoint.
    #[arg(long, requires = "checkpoint")]
    resume: bool,
    /// The model file to write.
    #[arg(short, long)]
    output: PathBuf,
    /// Train a model that ships with mer (`default`, or `fast`: distilled from a `default`
    /// trained first; see mer-predict's models/REPORT.md) on all of --data-dir, with its
    /// fixed recipe and seed.
    #[arg(long, value_parser = ["default", "fast"])]
    preset: Option<String>,
    /// With --preset: the shared data folder (4q/, musifeast17/, deam-sample/, pmemo-sample/).
    #[arg(long, default_value = "../shared/data")]
    data_dir: PathBuf,
    /// Overwrite the model file if it exists (without it, mer refuses before training).
    #[arg(long)]
    force: bool,
}

/// Runs `mer train`.
pub fn run(args: TrainArgs) -> anyhow::Result<ExitCode> {
    if !args.force {
        crate::batch::refuse_existing([&args.output])?;
    }
    set_threads(args.train.threads);
    if let Some(name) = &args.preset {
        let cache = if args.data.no_cache {
            None
        } else {
            Some(mer_data::FeatureCache::open_default()?)
        };
        let (_, warnings) =
            mer_train::train_shipped(name, &args.data_dir, cache.as_ref(), &args.output, true)?;
        for w in &warnings {
            eprintln!("mer: warning: {w}");
        }
        println!("wrote the {name} model to {}", args.output.display());
        return Ok(ExitCode::SUCCESS);
    }
    let (examples, names) = load_examples(&args.data)?;
    let spec = args.data.kind().spec();
    let model = ModelConfig::preset(&args.train.model, spec.n_features)?;
    let cfg = TrainConfig {
        checkpoint_dir: args.checkpoint.clone(),
        resume: args.resume,
        ..args.train.train_config()
    };
    let set = TrainSet {
        train: &examples,
        val: None,
        features: spec,
        datasets: names,
    };
    let (m, history) = mer_model::train(&model, &set, &cfg, &burn_device())?;
    m.save_file_with(&args.output, mer_io::Overwrite::from_force(args.force))?;
    let last = history.last();
    println!(
        "wrote {} ({} train / {} val clips, {} epochs, best val loss {:.4} at epoch {}{})",
        args.output.display(),
        m.header.training.n_train,
        m.header.training.n_val,
        m.header.training.epochs,
        m.header.training.best_val_loss,
        m.header.training.best_epoch,
        last.map(|h| format!(", last train loss {:.4}", h.train_loss))
            .unwrap_or_default()
    );
    Ok(ExitCode::SUCCESS)
}

/// The device models train and run on (flex CPU).
pub fn burn_device() -> mer_model::burn::tensor::Device {
    mer_model::burn::tensor::Device::flex()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::builder::TypedValueParser;

    /// `--features X` and `"features": "X"` in an experiment file name the same set.
    #[test]
    fn clap_and_serde_names_agree() {
        let cmd = clap::Command::new("t");
        for k in FeatureSet::EVERY {
            let parsed = feature_set_arg()
                .parse_ref(&cmd, None, std::ffi::OsStr::new(k.cli_name()))
                .unwrap();
            assert_eq!(parsed, k);
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.cli_name()));
        }
        assert!(
            feature_set_arg()
                .parse_ref(&cmd, None, std::ffi::OsStr::new("nope"))
                .is_err()
        );
    }
}
