//! The experiment file (JSON) and the grid it spans.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How clips are split into training and test sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProtocolKind {
    /// k-fold cross-validation by song id (fold of a clip = `fnv1a64(id) mod k`,
    /// [`crate::protocol::cv_folds`]); every seed sees the same folds.
    Kfold,
    /// MediaEval 2015 "Emotion in Music" on DEAM: train on the development clips' 15–45 s
    /// dynamic ratings (the 431 ids of `dev_list`; without it every DEAM song 1–2000 with
    /// dynamic ratings), test on the 58 full-length songs 2001–2058.
    Mediaeval2015,
    /// Test = the clip ids listed in `test_list`, train = the rest.
    Holdout,
}

/// One or several feature-set names (`"features": "logmel"` or `["logmel", "mediaeval260"]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One name.
    One(String),
    /// Several.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The names.
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            Self::One(s) => vec![s.clone()],
            Self::Many(v) => v.clone(),
        }
    }
}

/// An experiment file (JSON). Paths may start with `$MER_DATA` (default `../shared/data`);
/// relative paths of `dev_list`/`test_list` are relative to the experiment file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    /// Name; results go to `<out>/<name>/`.
    pub name: String,
    /// What the experiment asks.
    #[serde(default)]
    pub description: String,
    /// Datasets as `FORMAT=DIR` (formats: deam, pmemo, 4q, musifeast, manifest).
    pub data: Vec<String>,
    /// Split rule. Default `kfold`.
    #[serde(default = "default_protocol")]
    pub protocol: ProtocolKind,
    /// Folds of `kfold`. Default 5.
    #[serde(default = "default_folds")]
    pub folds: usize,
    /// `mediaeval2015`: the development ids (431 in the task), one file.
    #[serde(default)]
    pub dev_list: Option<String>,
    /// `holdout`: the test ids.
    #[serde(default)]
    pub test_list: Option<String>,
    /// Feature sets: `logmel`, `logmel-10k`, `mediaeval260`, `deam-opensmile`, `musicnn`,
    /// `logmel-musicnn`.
    pub features: OneOrMany,
    /// Model presets (`mer_model::ModelConfig::preset`).
    pub models: Vec<String>,
    /// Sequence lengths, frames at 2 Hz. A ridge ignores it and runs at the first only.
    pub seq_lens: Vec<usize>,
    /// Seeds (initialisation, dropout, shuffling, early-stopping hold-out). Default: the
    /// training seed alone.
    #[serde(default)]
    pub seeds: Vec<u64>,
    /// At most this many clips per dataset (sorted by id).
    #[serde(default)]
    pub limit: Option<usize>,
    /// Training settings.
    #[serde(default)]
    pub train: TrainSettings,
    /// What `--quick` changes (a CI-sized grid of the same file).
    #[serde(default)]
    pub quick: QuickSettings,
}

fn default_protocol() -> ProtocolKind {
    ProtocolKind::Kfold
}

fn default_folds() -> usize {
    5
}

/// Training settings of every run (defaults as `mer train`'s).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainSettings {
    /// Most epochs. Default 60.
    pub epochs: usize,
    /// Early-stopping patience. Default 8.
    pub patience: usize,
    /// Batch size. Default 16.
    pub batch: usize,
    /// Adam learning rate. Default 1e-3.
    pub lr: f64,
    /// Seed when `seeds` is empty. Default 42.
    pub seed: u64,
    /// Train the arousal and valence branches one after the other (Malik et al.).
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

/// `--quick`: the same file with fewer lengths, seeds, epochs and clips.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuickSettings {
    /// Sequence lengths. Default: the first and last of `seq_lens`.
    pub seq_lens: Option<Vec<usize>>,
    /// Seeds. Default: the first 2.
    pub seeds: Option<Vec<u64>>,
    /// Most epochs. Default 2.
    pub epochs: usize,
    /// Clips per dataset. Default 40.
    pub limit: Option<usize>,
    /// Folds of `kfold`. Default 2.
    pub folds: usize,
}

impl Default for QuickSettings {
    fn default() -> Self {
        Self {
            seq_lens: None,
            seeds: None,
            epochs: 2,
            limit: Some(40),
            folds: 2,
        }
    }
}

/// Command-line reductions of a grid (to fit a time budget); `None` keeps the file's value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// Keep the first n seeds.
    pub seeds: Option<usize>,
    /// Sequence lengths.
    pub seq_lens: Option<Vec<usize>>,
    /// Most epochs (patience is capped to it).
    pub epochs: Option<usize>,
    /// Clips per dataset.
    pub limit: Option<usize>,
    /// Folds of `kfold`.
    pub folds: Option<usize>,
}

/// Replaces a leading `$MER_DATA` by the env var (default `../shared/data`).
pub fn expand(s: &str) -> String {
    let data = std::env::var("MER_DATA").unwrap_or_else(|_| "../shared/data".into());
    s.replace("$MER_DATA", &data)
}

impl Experiment {
    /// Reads and checks an experiment file; list paths are resolved against its folder.
    pub fn from_file(path: &Path) -> Result<Experiment> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let mut exp: Experiment = serde_json::from_str(&text).map_err(|e| Error::BadFile {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let base = path.parent().unwrap_or(Path::new("."));
        for list in [&mut exp.dev_list, &mut exp.test_list]
            .into_iter()
            .flatten()
        {
            let p = PathBuf::from(expand(list));
            if p.is_relative() && !list.starts_with("$MER_DATA") {
                *list = base.join(p).to_string_lossy().into_owned();
            } else {
                *list = p.to_string_lossy().into_owned();
            }
        }
        exp.data = exp.data.iter().map(|d| expand(d)).collect();
        exp.check().map_err(|reason| Error::BadFile {
            path: path.to_path_buf(),
            reason,
        })?;
        Ok(exp)
    }

    /// Checks the settings that do not need the data.
    pub fn check(&self) -> std::result::Result<(), String> {
        if self.name.is_empty() || self.name.contains(['/', '\\']) || self.name.starts_with('.') {
            return Err(format!("name {:?} is not a folder name", self.name));
        }
        if self.models.is_empty() || self.seq_lens.is_empty() || self.features.to_vec().is_empty() {
            return Err("models, seq_lens and features must not be empty".into());
        }
        for m in &self.models {
            mer_model::ModelConfig::preset(m, 40).map_err(|e| e.to_string())?;
        }
        match self.protocol {
            ProtocolKind::Kfold if self.folds < 2 => {
                return Err(format!("kfold needs folds >= 2, got {}", self.folds));
            }
            ProtocolKind::Holdout if self.test_list.is_none() => {
                return Err("protocol holdout needs \"test_list\"".into());
            }
            _ => {}
        }
        Ok(())
    }

    /// The seeds of the grid.
    pub fn seeds(&self) -> Vec<u64> {
        if self.seeds.is_empty() {
            vec![self.train.seed]
        } else {
            self.seeds.clone()
        }
    }

    /// This experiment with the settings of `o` that are set (the report states them).
    pub fn with_overrides(&self, o: &Overrides) -> Experiment {
        let mut e = self.clone();
        if let Some(n) = o.seeds {
            e.seeds = self.seeds().into_iter().take(n.max(1)).collect();
        }
        if let Some(l) = &o.seq_lens {
            e.seq_lens = l.clone();
        }
        if let Some(n) = o.epochs {
            e.train.epochs = n;
            e.train.patience = e.train.patience.min(n);
        }
        if let Some(n) = o.limit {
            e.limit = Some(n);
        }
        if let Some(k) = o.folds {
            e.folds = k;
        }
        e
    }

    /// The `--quick` version of this experiment, named `<name>-quick` (so its runs and report
    /// never mix with the full grid's).
    pub fn quick(&self) -> Experiment {
        let q = &self.quick;
        let mut e = self.clone();
        e.name = format!("{}-quick", self.name);
        e.seq_lens = q.seq_lens.clone().unwrap_or_else(|| {
            let mut v = vec![self.seq_lens[0]];
            if let Some(&last) = self.seq_lens.last().filter(|&&l| l != self.seq_lens[0]) {
                v.push(last);
            }
            v
        });
        e.seeds = q
            .seeds
            .clone()
            .unwrap_or_else(|| self.seeds().into_iter().take(2).collect());
        e.train.epochs = q.epochs.min(self.train.epochs);
        e.train.patience = e.train.patience.min(e.train.epochs);
        e.limit = match (q.limit, self.limit) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        e.folds = q.folds.min(self.folds).max(2);
        e
    }
}
