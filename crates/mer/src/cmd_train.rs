//! `mer train`: train a model on one or more datasets and write one model file.
//! Also the shared pieces of `mer eval` and `mer experiment`: dataset and feature options,
//! and turning dataset items into `mer_model::Example`s (features from the cache).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use mer_data::{FeatureCache, Format, Item, LoadOptions, Matrix, compute_all, read_deam_features};
use mer_features::{MelConfig, log_mel_file, pool_2hz};
use mer_model::{
    BranchTraining, ClipLabels, DynamicLabels, Example, FeatureSpec, ModelConfig, TrainConfig,
    TrainSet,
};

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

/// Which frame features models read (all at 2 Hz: frame `k` covers `[0.5k, 0.5k + 0.5)` s).
///
/// The clap value names and the serde names (experiment files) are the same.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum FeatureKind {
    /// 40 log-mel bands at 2 Hz, full band (Malik et al. 2017: 44.1 kHz, 0 Hz – 22.05 kHz).
    Logmel,
    /// 40 log-mel bands at 2 Hz over 0–10 kHz only: the same answer whatever the file's
    /// sample rate or bitrate (the 4Q / MUSIFEAST-17 copies stop at ~11 kHz).
    #[value(name = "logmel-10k")]
    #[serde(rename = "logmel-10k", alias = "logmel10k")]
    Logmel10k,
    /// DEAM's published openSMILE frame features (`features/<id>.csv`, 260 per 0.5 s).
    #[value(name = "deam-opensmile")]
    DeamOpensmile,
    /// musicnn (MSD) 200-d penultimate embeddings at 2 Hz, the 3 s patch centred on each
    /// frame (mer-musicnn, audio at 16 kHz; the features `mer predict --model` computes for
    /// a musicnn model).
    Musicnn,
    /// musicnn's 200 columns, then the 40 of `logmel-10k`, frame by frame (240; cropped to
    /// the shorter of the two).
    #[value(name = "logmel-musicnn")]
    LogmelMusicnn,
    /// Our openSMILE MediaEval 2015 260-value set (mer-smile, audio at 44.1 kHz): row `k`
    /// holds the functionals of the 1 s window starting at 0.5k s, as DEAM's published files.
    Mediaeval260,
}

/// Sample rate the `mediaeval260` features are computed at (DEAM's published set: 44.1 kHz).
const MEDIAEVAL_RATE: u32 = 44_100;

impl FeatureKind {
    /// The mel settings of the log-mel kinds (None for the others).
    pub fn mel_config(self) -> Option<MelConfig> {
        match self {
            Self::Logmel => Some(MelConfig::malik2017()),
            Self::Logmel10k => Some(MelConfig {
                fmax: Some(10_000.0),
                ..MelConfig::malik2017()
            }),
            Self::DeamOpensmile | Self::Musicnn | Self::LogmelMusicnn | Self::Mediaeval260 => None,
        }
    }

    /// The named, versioned feature set recorded in model files. Bump a version whenever
    /// the values of its kind can change: it is part of the cache key too.
    pub fn spec(self) -> FeatureSpec {
        let (name, n) = match self {
            Self::Logmel => ("logmel40-malik2017", 40),
            Self::Logmel10k => ("logmel40-fmax10k", 40),
            Self::DeamOpensmile => ("deam-opensmile-260", 260),
            // mer-predict knows a musicnn model by this name (`InputKind::Musicnn`).
            Self::Musicnn => (mer_musicnn::FEATURE_SET, mer_musicnn::EMBEDDING_DIM),
            Self::LogmelMusicnn => (
                "musicnn-msd-penultimate+logmel40-fmax10k-2hz",
                mer_musicnn::EMBEDDING_DIM + 40,
            ),
            Self::Mediaeval260 => ("mediaeval260-mer-smile-44k", mer_smile::N_MEDIAEVAL),
        };
        FeatureSpec {
            name: name.into(),
            version: "1".into(),
            n_features: n,
            frame_rate_hz: 2.0,
        }
    }

    /// The kind whose [`spec`](Self::spec) is `spec` (same name and version), or an error
    /// saying what the model reads and what this `mer` computes.
    pub fn of_spec(spec: &FeatureSpec) -> anyhow::Result<FeatureKind> {
        use clap::ValueEnum;
        let same_name = Self::value_variants()
            .iter()
            .copied()
            .find(|k| k.spec().name == spec.name);
        match same_name {
            Some(k) if k.spec().version == spec.version => Ok(k),
            Some(k) => bail!(
                "the model reads features {:?} version {:?}; this mer computes version {:?} \
                 (retrain the model)",
                spec.name,
                spec.version,
                k.spec().version
            ),
            None => bail!(
                "the model reads features {:?}, which `mer eval` does not compute",
                spec.name
            ),
        }
    }

    /// The feature cache's settings key: feature-set name and version, then the settings
    /// that produce the values. None for features read from the dataset (`deam-opensmile`)
    /// and for `logmel-musicnn`, whose two parts are cached under their own keys.
    pub fn cache_key(self) -> Option<String> {
        let spec = self.spec();
        let detail = match self {
            Self::Logmel | Self::Logmel10k => {
                format!("2hz;{}", self.mel_config()?.describe())
            }
            Self::Musicnn => mer_musicnn::embed::feature_set_description(),
            Self::Mediaeval260 => format!("mer-smile MediaEval260 sr={MEDIAEVAL_RATE}"),
            Self::DeamOpensmile | Self::LogmelMusicnn => return None,
        };
        Some(format!("{}/v{};{detail}", spec.name, spec.version))
    }
}

/// The features of every item as `[frames, feat]` at 2 Hz, from the cache when it holds them;
/// one result per item (a bad file fails alone). Fails as a whole only when the features
/// cannot be computed at all (musicnn's weights do not load).
fn item_features(
    kind: FeatureKind,
    items: &[Item],
    cache: Option<&FeatureCache>,
) -> anyhow::Result<Vec<anyhow::Result<Matrix>>> {
    let key = kind.cache_key().unwrap_or_default();
    let done = |r: Vec<Result<Matrix, mer_data::DataError>>| {
        r.into_iter()
            .map(|r| r.map_err(anyhow::Error::from))
            .collect()
    };
    Ok(match kind {
        FeatureKind::Logmel | FeatureKind::Logmel10k => {
            let cfg = kind
                .mel_config()
                .context("log-mel kinds have a mel config")?;
            done(compute_all(items, cache, &key, true, |p: &Path| {
                log_mel_file(p, &cfg)
                    .map(|o| pool_2hz(&o.features, o.n_samples, cfg.hop_length, cfg.sample_rate))
            }))
        }
        FeatureKind::Musicnn => {
            // One model for all of rayon's threads (the embedder is Sync).
            let embedder = mer_musicnn::MusicnnEmbedder::new().context("loading musicnn")?;
            done(compute_all(items, cache, &key, true, |p: &Path| {
                embedder.embed_2hz_file(p)
            }))
        }
        FeatureKind::Mediaeval260 => done(compute_all(items, cache, &key, true, |p: &Path| {
            mer_smile::compute_file(p, Some(MEDIAEVAL_RATE), mer_smile::SmileKind::MediaEval260)
                .map(|t| Matrix::new(t.times_s.len(), t.columns.len(), t.values))
        })),
        FeatureKind::LogmelMusicnn => {
            let m = item_features(FeatureKind::Musicnn, items, cache)?;
            let l = item_features(FeatureKind::Logmel10k, items, cache)?;
            m.into_iter()
                .zip(l)
                .map(|(m, l)| Ok(mer_predict::features::side_by_side(&m?, &l?)))
                .collect()
        }
        FeatureKind::DeamOpensmile => items
            .iter()
            .map(|it| {
                let path = it
                    .features
                    .as_ref()
                    .with_context(|| format!("{}: no published feature file", it.id))?;
                Ok(read_deam_features(path)?.matrix)
            })
            .collect(),
    })
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
    #[arg(long, value_enum)]
    pub features: Option<FeatureKind>,
    /// Use at most this many clips per dataset (sorted by id; for quick runs).
    #[arg(long)]
    pub limit: Option<usize>,
    /// Do not read or write the feature cache ($MER_CACHE or ~/.cache/mer).
    #[arg(long)]
    pub no_cache: bool,
}

impl DataOpts {
    /// The frame features: `--features`, else `logmel-10k`.
    pub fn kind(&self) -> FeatureKind {
        self.features.unwrap_or(FeatureKind::Logmel10k)
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

/// Pairs an item's features `[frames, feat]` (frame k = [0.5k, 0.5k + 0.5) s) with its labels
/// ([`Example::from_frames`]: dynamic labels cropped to the frames that have both).
pub fn to_example(item: &Item, prefix: &str, m: Matrix) -> Example {
    let l = &item.labels;
    let labels = ClipLabels {
        static_av: l.static_av.as_ref().map(|s| [s.arousal, s.valence]),
        quadrant: l.quadrant.map(|q| q.index() as u8 + 1),
        dynamic: l.dynamic.as_ref().map(|d| DynamicLabels {
            first_frame: d.first_frame(),
            arousal: &d.arousal,
            valence: &d.valence,
        }),
    };
    Example::from_frames(format!("{prefix}/{}", item.id), m.data, m.cols, labels)
}

/// Loads every dataset and computes (or reads cached) features; a clip whose features fail
/// is reported on stderr and left out. Returns the examples and the dataset names.
pub fn load_examples(opts: &DataOpts) -> anyhow::Result<(Vec<Example>, Vec<String>)> {
    if opts.data.is_empty() {
        anyhow::bail!("no dataset given: pass --data FORMAT=DIR (repeat to mix datasets)");
    }
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
    let mut all = Vec::new();
    let mut names = Vec::new();
    for spec in &opts.data {
        let ds = mer_data::load(&spec.dir, spec.format, &LoadOptions { skip_bad: true })
            .with_context(|| format!("loading {}", spec.dir.display()))?;
        for p in ds.problems.iter().take(3) {
            eprintln!("mer: warning: {}: {:?}", p.file.display(), p.kind);
        }
        if ds.problems.len() > 3 {
            eprintln!(
                "mer: warning: {} more problems in {} (see `mer data check`)",
                ds.problems.len() - 3,
                spec.dir.display()
            );
        }
        let mut items: Vec<Item> = ds
            .items
            .iter()
            .filter(|i| !i.labels.is_empty())
            .cloned()
            .collect();
        items.sort_by(|a, b| a.id.cmp(&b.id));
        if let Some(n) = opts.limit {
            items.truncate(n);
        }
        let prefix = spec.format.to_string();
        let results = item_features(opts.kind(), &items, cache.as_ref())?;
        let mut n_ok = 0;
        for (item, r) in items.iter().zip(results) {
            match r {
                Ok(m) if m.rows > 0 => {
                    all.push(to_example(item, &prefix, m));
                    n_ok += 1;
                }
                Ok(_) => eprintln!("mer: warning: {}: no frames, skipped", item.audio.display()),
                Err(e) => eprintln!("mer: warning: {e:#}; skipped"),
            }
        }
        eprintln!("{}: {n_ok} clips", ds.name);
        names.push(ds.name.clone());
    }
    if all.is_empty() {
        bail!("no usable clips in the given datasets");
    }
    Ok((all, names))
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
        mer_predict::training::train_shipped(
            name,
            &args.data_dir,
            cache.as_ref(),
            &args.output,
            true,
        )?;
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
    use clap::ValueEnum;

    /// `--features X` and `"features": "X"` in an experiment file name the same kind.
    #[test]
    fn clap_and_serde_names_agree() {
        for k in FeatureKind::value_variants() {
            let name = k.to_possible_value().expect("no skipped variants");
            let json = serde_json::to_string(k).unwrap();
            assert_eq!(json, format!("\"{}\"", name.get_name()));
            let back: FeatureKind = serde_json::from_str(&json).unwrap();
            assert_eq!(back, *k);
        }
    }

    /// Every cached kind has its own key, naming its feature set and version.
    #[test]
    fn cache_keys_are_versioned_and_distinct() {
        let keys: Vec<String> = FeatureKind::value_variants()
            .iter()
            .filter_map(|k| k.cache_key())
            .collect();
        assert_eq!(keys.len(), 4, "{keys:?}");
        for (i, k) in keys.iter().enumerate() {
            assert!(k.contains("/v1;"), "{k}");
            assert!(!keys[..i].contains(k), "{k} repeated");
        }
        for k in FeatureKind::value_variants() {
            assert_eq!(FeatureKind::of_spec(&k.spec()).unwrap(), *k);
        }
        let mut old = FeatureKind::Musicnn.spec();
        old.version = "0".into();
        assert!(FeatureKind::of_spec(&old).is_err());
        assert!(
            FeatureKind::Musicnn
                .cache_key()
                .unwrap()
                .starts_with(mer_musicnn::FEATURE_SET)
        );
    }

    /// Every feature set `mer train` computes from audio, `mer predict --model` computes too,
    /// under the same name, version and width (mediaeval260 excepted: not in mer-predict);
    /// `deam-opensmile` comes from DEAM's own files, not from audio.
    #[test]
    fn mer_predict_knows_the_trainable_feature_sets() {
        for k in FeatureKind::value_variants() {
            let spec = k.spec();
            match mer_predict::InputKind::from_feature_set(&spec.name) {
                Some(i) => {
                    assert_eq!(i.feature_version(), spec.version, "{k:?}");
                    assert_eq!(i.n_features(), spec.n_features, "{k:?}");
                }
                None => assert!(
                    matches!(k, FeatureKind::Mediaeval260 | FeatureKind::DeamOpensmile),
                    "{k:?} ({}) is unknown to mer predict",
                    spec.name
                ),
            }
        }
    }

    #[test]
    fn side_by_side_puts_the_first_first_and_crops() {
        use mer_predict::features::side_by_side;
        let a = Matrix::new(2, 2, vec![1.0, 2.0, 3.0, 4.0]);
        let b = Matrix::new(3, 1, vec![9.0, 8.0, 7.0]);
        let c = side_by_side(&a, &b);
        assert_eq!((c.rows, c.cols), (2, 3));
        assert_eq!(c.data, vec![1.0, 2.0, 9.0, 3.0, 4.0, 8.0]);
        assert_eq!(
            FeatureKind::LogmelMusicnn.spec().n_features,
            FeatureKind::Musicnn.spec().n_features + FeatureKind::Logmel10k.spec().n_features
        );
    }
}
