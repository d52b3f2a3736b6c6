//! One run (features × model × length × seed × fold) and the folder that keeps them:
//! `runs/<key>.json`, each written atomically the moment its run ends.

use std::path::{Path, PathBuf};

use mer_model::Prediction;
use mer_model::eval::EvalMetrics;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What identifies a run in the grid.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RunKey {
    /// Feature set.
    pub features: String,
    /// Model preset.
    pub model: String,
    /// Sequence length, frames.
    pub seq_len: usize,
    /// Seed.
    pub seed: u64,
    /// Fold (0 for single-split protocols).
    pub fold: usize,
}

impl RunKey {
    /// The run's file name: `<features>__<model>__L<len>__s<seed>__f<fold>.json`.
    pub fn file_name(&self) -> String {
        format!(
            "{}__{}__L{}__s{}__f{}.json",
            self.features, self.model, self.seq_len, self.seed, self.fold
        )
    }

    /// `model L=len features seed fold`, for progress lines.
    pub fn label(&self) -> String {
        format!(
            "{} L={} {} seed {} fold {}",
            self.model, self.seq_len, self.features, self.seed, self.fold
        )
    }
}

/// A test clip's prediction and its labels, kept so that the report (pooled metrics over
/// folds, figures) is rebuilt from `runs/` alone.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClipResult {
    /// Clip id (`deam/2001`).
    pub id: String,
    /// The prediction (2 Hz series over the clip's labelled frames, and their mean).
    pub prediction: Prediction,
    /// Annotated (arousal, valence) per frame, if any.
    pub dynamic: Option<(Vec<f32>, Vec<f32>)>,
    /// Annotated static (arousal, valence), if any.
    pub static_av: Option<[f32; 2]>,
    /// Annotated quadrant 1..=4, if any.
    pub quadrant: Option<u8>,
}

impl ClipResult {
    /// The labels as a `mer_model::Example` without features (for `metrics_of`).
    pub fn truth(&self) -> mer_model::Example {
        mer_model::Example {
            id: self.id.clone(),
            features: Vec::new(),
            n_frames: self.prediction.arousal.len(),
            dynamic: self.dynamic.clone(),
            static_av: self.static_av,
            quadrant: self.quadrant,
        }
    }
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Trained and evaluated.
    Ok,
    /// Failed; `error` says why. Re-running the experiment tries it again.
    Failed,
}

/// Everything about one finished (or failed) run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    /// Which run.
    pub key: RunKey,
    /// The experiment settings the run was made with (protocol, data, training); a run whose
    /// fingerprint differs from the current file's is run again.
    pub fingerprint: String,
    /// How it ended.
    pub status: RunStatus,
    /// The error of a failed run.
    pub error: Option<String>,
    /// Metrics on the run's test clips.
    pub metrics: Option<EvalMetrics>,
    /// Trainable parameters of the model.
    pub params: Option<usize>,
    /// Training clips.
    pub n_train: usize,
    /// Test clips.
    pub n_test: usize,
    /// Epochs trained, and the (1-based) epoch kept.
    pub epochs: usize,
    /// Epoch whose weights were kept.
    pub best_epoch: usize,
    /// Wall time of training, s.
    pub train_s: f64,
    /// Wall time of the whole run (training + prediction), s.
    pub wall_s: f64,
    /// `git describe --always --dirty` of the source tree, or "unknown".
    pub git_commit: String,
    /// When the run ended, s since the Unix epoch.
    pub finished_unix_s: u64,
    /// Per test clip: prediction and labels.
    pub clips: Vec<ClipResult>,
}

/// The `runs/` folder of an experiment.
#[derive(Debug, Clone)]
pub struct RunStore {
    dir: PathBuf,
}

impl RunStore {
    /// Opens (creating) `dir`.
    pub fn open(dir: &Path) -> Result<RunStore> {
        std::fs::create_dir_all(dir).map_err(|e| Error::Io {
            path: dir.to_path_buf(),
            reason: e.to_string(),
        })?;
        Ok(RunStore {
            dir: dir.to_path_buf(),
        })
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes `rec` to `<dir>/<key>.json` atomically (replacing an earlier attempt).
    pub fn save(&self, rec: &RunRecord) -> Result<()> {
        let bytes = serde_json::to_vec(rec).map_err(|e| Error::BadFile {
            path: self.dir.join(rec.key.file_name()),
            reason: e.to_string(),
        })?;
        mer_io::write_bytes(
            &self.dir.join(rec.key.file_name()),
            mer_io::Overwrite::Replace,
            &bytes,
        )?;
        Ok(())
    }

    /// Every run file in the folder, sorted by key; files that do not parse are returned as
    /// errors beside them (they are run again).
    pub fn load_all(&self) -> (Vec<RunRecord>, Vec<Error>) {
        let mut recs = Vec::new();
        let mut bad = Vec::new();
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return (recs, bad);
        };
        let mut paths: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        paths.sort();
        for p in paths {
            let parsed = std::fs::read(&p)
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_slice::<RunRecord>(&b).map_err(|e| e.to_string()));
            match parsed {
                Ok(r) => recs.push(r),
                Err(reason) => bad.push(Error::BadFile { path: p, reason }),
            }
        }
        recs.sort_by(|a, b| a.key.cmp(&b.key));
        (recs, bad)
    }
}

/// The source tree's commit (`git describe --always --dirty`), "unknown" outside a checkout.
pub fn git_commit() -> String {
    std::process::Command::new("git")
        .args(["describe", "--always", "--dirty", "--abbrev=12"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into())
}
