//! Training and cross-validating the shipped models on the shared data
//! (`../shared/data`: MUSIFEAST-17, 4Q, the DEAM and PMEmo samples).
//!
//! - [`SharedData::load`]: every clip's features (musicnn embeddings and 2 Hz log-mel, one
//!   front end, [`crate::features`]) with its labels: MUSIFEAST-17 static ratings, 4Q
//!   quadrants (weak labels), DEAM/PMEmo dynamic series (features cropped to the annotated
//!   frames). Features are cached per file content in a [`FeatureCache`].
//! - [`Preset`]: the recipes of the embedded models (`default`, `fast`) and of the variants
//!   compared in `models/REPORT.md`.
//! - [`cross_validate`]: k-fold CV by song (fold = `fnv1a64(id) mod k`, the project's split
//!   rule), reporting MUSIFEAST-17 Pearson r, 4Q accuracy and DEAM/PMEmo dynamic r.
//! - [`linear_probe_cv`]: the reference point of the issue: ridge on clip-averaged features.

use std::path::Path;

use mer_data::{FeatureCache, Format, Matrix, fold_of};
use mer_model::burn::tensor::Device;
use mer_model::crnn::CrnnConfig;
use mer_model::file::{ModelHeader, TrainingInfo};
use mer_model::ridge::{RidgeConfig, RidgeRow};
use mer_model::{
    ClipLabels, DynamicLabels, Example, FeatureSpec, MerModel, ModelConfig, Standardizer,
    TrainConfig, TrainSet, train,
};
use mer_musicnn::MusicnnEmbedder;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{PredictError, Result};
use crate::features::{InputKind, LOGMEL_FEATURE_SET, MODEL_RATE, compute_all};

/// One labelled clip with its features.
#[derive(Clone, Debug)]
pub struct Clip {
    /// `dataset/id`.
    pub id: String,
    /// `musifeast`, `4q`, `deam` or `pmemo`.
    pub dataset: &'static str,
    /// musicnn embeddings of the whole file `[frames, 200]`, when computed.
    pub musicnn: Option<Matrix>,
    /// 2 Hz log-mel of the whole file `[frames, 96]`.
    pub logmel: Matrix,
    /// Static (arousal, valence) on [-1, 1].
    pub static_av: Option<[f32; 2]>,
    /// Quadrant 1..=4.
    pub quadrant: Option<u8>,
    /// Dynamic labels: (first frame, arousal, valence).
    pub dynamic: Option<(usize, Vec<f32>, Vec<f32>)>,
}

impl Clip {
    /// The training example for features `kind` (dynamic clips cropped to their labels).
    ///
    /// Panics if `kind` needs musicnn features that were not computed.
    pub fn example(&self, kind: InputKind) -> Example {
        let m = crate::features::assemble(kind, self.musicnn.as_ref(), &self.logmel);
        let labels = ClipLabels {
            static_av: self.static_av,
            quadrant: self.quadrant,
            dynamic: self.dynamic.as_ref().map(|(first, a, v)| DynamicLabels {
                first_frame: *first,
                arousal: a,
                valence: v,
            }),
        };
        Example::from_frames(self.id.clone(), m.data, m.cols, labels)
    }
}

/// Every labelled clip of the shared data.
#[derive(Clone, Debug, Default)]
pub struct SharedData {
    /// The clips, in dataset order (MUSIFEAST-17, 4Q, DEAM, PMEmo), each sorted by id.
    pub clips: Vec<Clip>,
    /// Files that could not be read (id, message).
    pub failures: Vec<(String, String)>,
}

/// The corpora of the shared data: (folder, format, short name).
pub const CORPORA: &[(&str, Format, &str)] = &[
    ("musifeast17", Format::Musifeast, "musifeast"),
    ("4q", Format::FourQ, "4q"),
    ("deam-sample", Format::Deam, "deam"),
    ("pmemo-sample", Format::Pmemo, "pmemo"),
];

/// The labelled items with audio of every corpus found under `data_dir`, with their corpus'
/// short name, in [`CORPORA`] order, each corpus sorted by id.
pub fn labelled_items(data_dir: &Path) -> Result<Vec<(&'static str, mer_data::Item)>> {
    let mut items = Vec::new();
    for &(folder, format, name) in CORPORA {
        let dir = data_dir.join(folder);
        if !dir.exists() {
            continue;
        }
        let ds = mer_data::load_lenient(&dir, format)?;
        let mut its: Vec<_> = ds
            .items
            .into_iter()
            .filter(|it| it.audio.exists() && !it.labels.is_empty())
            .collect();
        its.sort_by(|a, b| a.id.cmp(&b.id));
        items.extend(its.into_iter().map(|it| (name, it)));
    }
    Ok(items)
}

impl SharedData {
    /// Loads every corpus found under `data_dir` and computes (or reads from `cache`) each
    /// clip's features on all of rayon's threads.
    pub fn load(
        data_dir: &Path,
        cache: Option<&FeatureCache>,
        with_musicnn: bool,
    ) -> Result<SharedData> {
        let embedder = if with_musicnn {
            Some(MusicnnEmbedder::new()?)
        } else {
            None
        };
        let items = labelled_items(data_dir)?;
        let key_musicnn = format!(
            "mer-predict {}",
            mer_musicnn::embed::feature_set_description()
        );
        let key_logmel = format!(
            "mer-predict {LOGMEL_FEATURE_SET} {}",
            mer_musicnn::frontend::mel_config().describe()
        );
        let results: Vec<_> = items
            .par_iter()
            .map(|(name, it)| {
                let cached = |key: &str| -> Option<Matrix> {
                    let c = cache?;
                    c.get(&c.key(&it.audio, key).ok()?)
                };
                let put = |key: &str, m: &Matrix| {
                    if let Some(c) = cache
                        && let Ok(k) = c.key(&it.audio, key)
                    {
                        let _ = c.put(&k, m);
                    }
                };
                let compute = || -> Result<(Option<Matrix>, Matrix)> {
                    let l = cached(&key_logmel);
                    let m = if embedder.is_some() {
                        cached(&key_musicnn)
                    } else {
                        None
                    };
                    if let Some(l) = l
                        && (embedder.is_none() || m.is_some())
                    {
                        return Ok((m, l));
                    }
                    let audio = mer_audio::load(&it.audio, Some(MODEL_RATE))?;
                    let (m, l) = compute_all(&audio.samples, embedder.as_ref())?;
                    put(&key_logmel, &l);
                    if let Some(m) = &m {
                        put(&key_musicnn, m);
                    }
                    Ok((m, l))
                };
                (name, it, compute())
            })
            .collect();
        let mut out = SharedData::default();
        for (name, it, feats) in results {
            let id = format!("{name}/{}", it.id);
            let (musicnn, logmel) = match feats {
                Ok(f) if f.1.rows > 0 => f,
                Ok(_) => {
                    out.failures.push((id, "no frames".into()));
                    continue;
                }
                Err(e) => {
                    out.failures.push((id, e.to_string()));
                    continue;
                }
            };
            let l = &it.labels;
            out.clips.push(Clip {
                id,
                dataset: name,
                musicnn,
                logmel,
                static_av: l.static_av.as_ref().map(|s| [s.arousal, s.valence]),
                quadrant: l.quadrant.map(|q| q.index() as u8 + 1),
                dynamic: l
                    .dynamic
                    .as_ref()
                    .map(|d| (d.first_frame(), d.arousal.clone(), d.valence.clone())),
            });
        }
        Ok(out)
    }
}

/// A training recipe: features, architecture, training settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Preset {
    /// Name (`default`, `fast`, or a variant of the comparison).
    pub name: String,
    /// Input features.
    pub kind: InputKind,
    /// Architecture.
    pub model: ModelConfig,
    /// Training settings.
    pub train: TrainConfig,
    /// Models averaged (different seeds); 1 = a single model.
    pub ensemble: usize,
    /// Ridge only: weight of a quadrant-only (4Q) clip's row relative to a rated clip's
    /// (see [`fit_weak_ridge`]). Ignored by the networks.
    #[serde(default = "one")]
    pub quadrant_weight: f64,
    /// Ridge only: centred moving average of its dynamic output, frames
    /// (`mer_model::ridge::Ridge::smooth_frames`).
    #[serde(default)]
    pub smooth_frames: usize,
    /// A preset name: when set, this preset is a student distilled from that teacher — the
    /// teacher is trained on the same clips and its dynamic series over each clip becomes the
    /// clip's only label ([`train_on_clips`]).
    #[serde(default)]
    pub teacher: Option<String>,
}

fn one() -> f64 {
    1.0
}

/// Names [`Preset::named`] knows.
pub const PRESETS: &[&str] = &[
    "default",
    "fast",
    "fast-labels",
    "crnn-musicnn",
    "crnn-logmel",
    "crnn-both",
    "ridge-musicnn",
    "ridge-logmel",
    "ridge-both",
];

impl Preset {
    /// The CRNN with the recurrent branches of Malik et al. on `kind`: one 3×3 convolution
    /// (16 filters) over (time × feature), max-pool 8 over features, dropout 0.25, two GRU
    /// branches (2 × 32 units) for arousal and valence; trained on 30 s windows (60 frames,
    /// overlap 30) with Adam 1e-3, batch 16, at most 25 epochs, patience 5, 15 % of the
    /// clips held out for early stopping; weak labels as in `mer_model::train` (static
    /// MSE on the series mean, quadrant logistic loss on its sign).
    pub fn crnn(name: &str, kind: InputKind) -> Preset {
        let n = kind.n_features();
        Preset {
            name: name.into(),
            kind,
            model: ModelConfig::Crnn(CrnnConfig {
                n_features: n,
                conv_filters: 16,
                pool_freq: 8,
                hidden: 32,
                rnn_layers: 2,
                ..CrnnConfig::default()
            }),
            train: TrainConfig {
                seq_len: 60,
                overlap: 30,
                batch_size: 16,
                lr: 1e-3,
                max_epochs: 25,
                patience: 5,
                seed: 42,
                quadrant_weight: 0.5,
                ..TrainConfig::default()
            },
            ensemble: 1,
            quadrant_weight: 1.0,
            smooth_frames: 0,
            teacher: None,
        }
    }

    /// Ridge regression from standardised frame features to (arousal, valence), fitted on
    /// each clip's mean features (the linear probe of issue 6) and applied frame by frame, so
    /// that its dynamic series' mean is the probe's static prediction: [`fit_weak_ridge`]
    /// with penalty `lambda` and 4Q rows weighted `quadrant_weight`.
    pub fn ridge(name: &str, kind: InputKind, lambda: f64, quadrant_weight: f64) -> Preset {
        Preset {
            quadrant_weight,
            smooth_frames: 5,
            name: name.into(),
            kind,
            model: ModelConfig::Ridge(RidgeConfig {
                n_features: kind.n_features(),
                lambda,
            }),
            train: TrainConfig {
                seed: 42,
                ..TrainConfig::default()
            },
            ensemble: 1,
            teacher: None,
        }
    }

    /// A named preset ([`PRESETS`]): `default` (ridge head on musicnn embeddings), `fast`
    /// (small CRNN on the 2 Hz log-mel, distilled from `default`), `fast-labels` (the same
    /// network on the clips' labels), and the comparison's variants `crnn-musicnn` /
    /// `crnn-logmel` / `crnn-both` and `ridge-musicnn` / `ridge-logmel` / `ridge-both`.
    pub fn named(name: &str) -> Result<Preset> {
        Ok(match name {
            // The winner of the 5-fold comparison in models/REPORT.md: a ridge head on
            // musicnn embeddings (one intercept per dataset, 4Q rows weighted 0.25, output
            // smoothed over 9 frames).
            "default" => {
                let mut p = Self::ridge("default", InputKind::Musicnn, 300.0, 0.25);
                p.smooth_frames = 9;
                p
            }
            // A small log-mel CRNN distilled from `default` (REPORT.md: the teacher's series
            // lift the same network from MUSIFEAST r 0.74 / 0.41 to 0.79 / 0.46).
            "fast" => {
                let mut p = Self::crnn("fast", InputKind::LogMel);
                if let ModelConfig::Crnn(c) = &mut p.model {
                    c.conv_filters = 8;
                    c.pool_freq = 12;
                    c.hidden = 16;
                }
                p.teacher = Some("default".into());
                p
            }
            // The same network trained on the clips' own labels.
            "fast-labels" => {
                let mut p = Self::named("fast")?;
                p.name = name.into();
                p.teacher = None;
                p
            }
            "crnn-musicnn" => Self::crnn(name, InputKind::Musicnn),
            "crnn-logmel" => Self::crnn(name, InputKind::LogMel),
            "crnn-both" => Self::crnn(name, InputKind::Both),
            "ridge-musicnn" => Self::ridge(name, InputKind::Musicnn, 300.0, 0.25),
            "ridge-logmel" => Self::ridge(name, InputKind::LogMel, 300.0, 0.25),
            "ridge-both" => Self::ridge(name, InputKind::Both, 300.0, 0.25),
            other => {
                return Err(PredictError::Training(format!(
                    "unknown preset {other:?}; known: {}",
                    PRESETS.join(", ")
                )));
            }
        })
    }

    fn feature_spec(&self) -> FeatureSpec {
        FeatureSpec {
            name: self.kind.feature_set().into(),
            version: self.kind.feature_version().into(),
            n_features: self.kind.n_features(),
            frame_rate_hz: 2.0,
        }
    }
}

/// A clip's single static target for the ridge (and the probe) and whether it is a weak
/// (quadrant) one: its static rating, else the mean of its dynamic series, else `0.5 ·` the
/// signs of its quadrant (4Q). `None` without labels.
fn weak_target(
    static_av: Option<[f32; 2]>,
    dynamic: Option<(&[f32], &[f32])>,
    quadrant: Option<u8>,
) -> Option<([f32; 2], bool)> {
    if let Some(s) = static_av {
        return Some((s, false));
    }
    if let Some((a, v)) = dynamic {
        let n = a.len().max(1) as f32;
        return Some((
            [a.iter().sum::<f32>() / n, v.iter().sum::<f32>() / n],
            false,
        ));
    }
    let s = quadrant.and_then(Example::quadrant_signs)?;
    Some(([0.5 * s[0], 0.5 * s[1]], true))
}

/// [`weak_target`] of a training example (dynamic labels cropped to its frames).
fn ridge_target(e: &Example) -> Option<([f32; 2], bool)> {
    let dynamic = e.dynamic.as_ref().map(|(a, v)| (&a[..], &v[..]));
    weak_target(e.static_av, dynamic, e.quadrant)
}

/// The dataset of a clip id `dataset/clip` (the part before the first `/`).
fn dataset_of(id: &str) -> &str {
    id.split_once('/').map_or(id, |(d, _)| d)
}

/// Fits the shipped ridge head on clip-mean features: one row per clip (`ridge_target`),
/// features standardised over the clips' means (stored as the model's standardiser, so the
/// head applies frame by frame), quadrant rows weighted `quadrant_weight`, and one
/// unpenalised intercept per dataset ([`mer_model::ridge::Ridge::fit_grouped`]): MUSIFEAST's
/// valence ratings sit mostly above 0 while 4Q's quadrants are balanced, and a shared
/// intercept let that offset bend the weights (CV: valence r 0.60 → 0.65). The model's 0 is
/// the intercept of the dataset with quadrant labels (4Q), else of the first dataset.
pub fn fit_weak_ridge(
    examples: &[Example],
    n_features: usize,
    lambda: f64,
    quadrant_weight: f64,
) -> Result<(Standardizer, mer_model::ridge::Ridge)> {
    let f = n_features;
    let mut groups: Vec<&str> = Vec::new();
    let mut raw = Vec::new();
    for e in examples {
        let Some((y, weak)) = ridge_target(e) else {
            continue;
        };
        let mut m = vec![0f64; f];
        for row in e.features.chunks_exact(f) {
            for (acc, &x) in m.iter_mut().zip(row) {
                *acc += f64::from(x) / e.n_frames.max(1) as f64;
            }
        }
        let d = dataset_of(&e.id);
        let g = groups.iter().position(|&x| x == d).unwrap_or_else(|| {
            groups.push(d);
            groups.len() - 1
        });
        raw.push((m, y, weak, g));
    }
    if raw.len() < 2 {
        return Err(PredictError::Training(format!(
            "ridge needs at least 2 labelled clips, got {}",
            raw.len()
        )));
    }
    let n = raw.len() as f64;
    let mut mean = vec![0f64; f];
    let mut sq = vec![0f64; f];
    for (m, ..) in &raw {
        for j in 0..f {
            mean[j] += m[j] / n;
            sq[j] += m[j] * m[j] / n;
        }
    }
    let std: Vec<f64> = mean
        .iter()
        .zip(&sq)
        .map(|(m, s)| {
            let sd = (s - m * m).max(0.0).sqrt();
            if sd < 1e-8 { 1.0 } else { sd }
        })
        .collect();
    let zero_group = raw.iter().find(|r| r.2).map_or(0, |r| r.3);
    let rows: Vec<RidgeRow> = raw
        .into_iter()
        .map(|(m, y, weak, group)| RidgeRow {
            x: m.iter()
                .zip(&mean)
                .zip(&std)
                .map(|((x, mu), sd)| (x - mu) / sd)
                .collect(),
            y: [f64::from(y[0]), f64::from(y[1])],
            weight: if weak { quadrant_weight } else { 1.0 },
            group,
        })
        .collect();
    let ridge = mer_model::ridge::Ridge::fit_grouped(&rows, f, lambda, zero_group)
        .map_err(|e| PredictError::Training(e.to_string()))?;
    let standardizer = Standardizer {
        mean: mean.iter().map(|&x| x as f32).collect(),
        std: std.iter().map(|&x| x as f32).collect(),
    };
    Ok((standardizer, ridge))
}

/// Whether computing `preset`'s inputs (its teacher's included) runs musicnn.
pub fn needs_musicnn(preset: &Preset) -> Result<bool> {
    Ok(preset.kind.needs_musicnn()
        || match &preset.teacher {
            Some(t) => needs_musicnn(&Preset::named(t)?)?,
            None => false,
        })
}

/// Trains `preset` on `clips` — with a teacher ([`Preset::teacher`]), the teacher first on
/// the same clips, then `preset` on the teacher's dynamic series over each whole clip (per-
/// frame targets from frame 0, replacing the clip's labels). Deterministic.
pub fn train_on_clips(preset: &Preset, clips: &[&Clip], progress: bool) -> Result<MerModel> {
    if needs_musicnn(preset)?
        && let Some(c) = clips.iter().find(|c| c.musicnn.is_none())
    {
        return Err(PredictError::Training(format!(
            "preset {} needs musicnn embeddings, which {} has not (load SharedData with musicnn)",
            preset.name, c.id
        )));
    }
    let Some(teacher_name) = &preset.teacher else {
        let examples: Vec<Example> = clips.iter().map(|c| c.example(preset.kind)).collect();
        return train_preset(preset, &examples, progress);
    };
    let teacher = Preset::named(teacher_name)?;
    let teacher_model = train_on_clips(&teacher, clips, progress)?;
    let mut examples = Vec::with_capacity(clips.len());
    for c in clips {
        let (arousal, valence) = predict_whole(&teacher_model, &teacher, c)?;
        let m = crate::features::assemble(preset.kind, c.musicnn.as_ref(), &c.logmel);
        let labels = ClipLabels {
            static_av: None,
            quadrant: None,
            dynamic: Some(DynamicLabels {
                first_frame: 0,
                arousal: &arousal,
                valence: &valence,
            }),
        };
        examples.push(Example::from_frames(c.id.clone(), m.data, m.cols, labels));
    }
    let mut model = train_preset(preset, &examples, progress)?;
    let training = &mut model.header.training;
    training.datasets.push(format!(
        "targets: the {teacher_name} model's dynamic series over these clips (distillation)"
    ));
    if let Some(config) = training.config.as_object_mut() {
        config.insert("teacher".into(), teacher_name.as_str().into());
    }
    Ok(model)
}

/// `model`'s dynamic series over the whole file of `clip` (its labels ignored).
fn predict_whole(model: &MerModel, preset: &Preset, clip: &Clip) -> Result<Series> {
    let whole = Clip {
        dynamic: None,
        ..clip.clone()
    }
    .example(preset.kind);
    let pred = model
        .predict(&whole.features, whole.n_frames)
        .map_err(|e| PredictError::Training(e.to_string()))?;
    Ok((pred.arousal, pred.valence))
}

/// Trains `preset` on `examples` (CPU, deterministic for a given seed).
pub fn train_preset(preset: &Preset, examples: &[Example], progress: bool) -> Result<MerModel> {
    let mut cfg = preset.train.clone();
    cfg.progress = progress;
    let datasets = vec![
        "MUSIFEAST-17 (static)".to_string(),
        "4Q (quadrants, weak labels)".into(),
        "DEAM sample (dynamic)".into(),
        "PMEmo sample (dynamic)".into(),
    ];
    if let ModelConfig::Ridge(rc) = &preset.model {
        // The shipped head is the weak, grouped ridge on clip means (closed form, nothing
        // held out), not mer_model::train's plain per-frame ridge.
        if let Some(e) = examples.iter().find(|e| e.n_features() != rc.n_features) {
            return Err(PredictError::Training(format!(
                "{}: {} features per frame, the preset reads {}",
                e.id,
                e.n_features(),
                rc.n_features
            )));
        }
        let (standardizer, ridge) =
            fit_weak_ridge(examples, rc.n_features, rc.lambda, preset.quadrant_weight)?;
        let labelled = examples
            .iter()
            .filter(|e| e.dynamic.is_some() || e.static_av.is_some() || e.quadrant.is_some())
            .count();
        let training = TrainingInfo {
            datasets,
            n_train: labelled,
            n_val: 0,
            epochs: 1,
            best_epoch: 1,
            best_val_loss: f32::NAN,
            config: serde_json::json!({
                "head": "ridge on clip-mean features, one intercept per dataset, 0 = 4Q's",
                "lambda": rc.lambda,
                "quadrant_weight": preset.quadrant_weight,
                "smooth_frames": preset.smooth_frames,
            }),
        };
        let ridge = mer_model::ridge::Ridge {
            smooth_frames: preset.smooth_frames,
            ..ridge
        };
        let header = ModelHeader::new(
            &preset.model,
            preset.feature_spec(),
            standardizer,
            &cfg,
            training,
            Some(ridge),
        );
        return Ok(MerModel {
            header,
            net: None,
            device: Device::flex(),
        });
    }
    let set = TrainSet {
        train: examples,
        val: None,
        features: preset.feature_spec(),
        datasets,
    };
    let (model, _log) = train(&preset.model, &set, &cfg, &Device::flex())
        .map_err(|e| PredictError::Training(e.to_string()))?;
    Ok(model)
}

/// Cross-validation results (clips pooled over the held-out folds).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CvReport {
    /// Variant name.
    pub name: String,
    /// MUSIFEAST-17 Pearson r of static arousal.
    pub musifeast_r_arousal: f64,
    /// MUSIFEAST-17 Pearson r of static valence.
    pub musifeast_r_valence: f64,
    /// 4Q quadrant accuracy (quadrant of the predicted static point).
    pub fourq_accuracy: f64,
    /// DEAM + PMEmo samples: mean per-song Pearson r of the dynamic arousal series.
    pub dynamic_r_arousal: f64,
    /// Same for valence.
    pub dynamic_r_valence: f64,
    /// Folds.
    pub folds: usize,
    /// Wall-clock seconds of the whole CV.
    pub seconds: f64,
    /// Held-out dynamic series per clip (clip id, arousal, valence), for mixing variants
    /// offline ([`mix_held_out`]); not serialised.
    #[serde(skip)]
    pub held_out: Vec<HeldSeries>,
}

/// The CV report of the average of several variants' held-out series (as if their models
/// had been averaged), e.g. read back from `train_models` dumps. Clips missing from any
/// variant are left out.
pub fn mix_held_out(name: &str, data: &SharedData, variants: &[CvReport]) -> CvReport {
    let mut held: Held = Vec::new();
    for (i, c) in data.clips.iter().enumerate() {
        let series: Option<Vec<&HeldSeries>> = variants
            .iter()
            .map(|r| r.held_out.iter().find(|h| h.0 == c.id))
            .collect();
        let Some(series) = series else { continue };
        let series: Vec<(&[f32], &[f32])> = series.iter().map(|s| (&s.1[..], &s.2[..])).collect();
        held.push(held_entry(i, mean_series(&series)));
    }
    let folds = variants.first().map_or(0, |r| r.folds);
    report(name, data, &held, folds, 0.0)
}

/// The frame-by-frame mean of several (arousal, valence) series, over the shortest length.
fn mean_series(series: &[(&[f32], &[f32])]) -> Series {
    let n = series
        .iter()
        .map(|s| s.0.len().min(s.1.len()))
        .min()
        .unwrap_or(0);
    let w = 1.0 / series.len() as f32;
    let (mut a, mut v) = (vec![0f32; n], vec![0f32; n]);
    for s in series {
        for t in 0..n {
            a[t] += w * s.0[t];
            v[t] += w * s.1[t];
        }
    }
    (a, v)
}

/// A held-out clip's entry: its static prediction is the mean of its series.
fn held_entry(i: usize, (a, v): Series) -> (usize, [f32; 2], Option<Series>) {
    let mean = |x: &[f32]| x.iter().sum::<f32>() / x.len().max(1) as f32;
    (i, [mean(&a), mean(&v)], Some((a, v)))
}

/// A clip's held-out dynamic series: (clip id, arousal, valence).
pub type HeldSeries = (String, Vec<f32>, Vec<f32>);

/// A dynamic series: (arousal, valence).
type Series = (Vec<f32>, Vec<f32>);

/// Held-out static predictions of each clip: (clip index, [arousal, valence], series).
type Held = Vec<(usize, [f32; 2], Option<(Vec<f32>, Vec<f32>)>)>;

fn report(name: &str, data: &SharedData, held: &Held, folds: usize, seconds: f64) -> CvReport {
    let pearson = |x: &[f64], y: &[f64]| mer_model::metrics::pearson(x, y);
    let (mut pa, mut ta, mut pv, mut tv) = (vec![], vec![], vec![], vec![]);
    let (mut correct, mut n4) = (0usize, 0usize);
    let (mut ra, mut rv) = (vec![], vec![]);
    for (i, p, series) in held {
        let c = &data.clips[*i];
        if c.dataset == "musifeast"
            && let Some(s) = c.static_av
        {
            pa.push(f64::from(p[0]));
            ta.push(f64::from(s[0]));
            pv.push(f64::from(p[1]));
            tv.push(f64::from(s[1]));
        }
        if let Some(q) = c.quadrant {
            n4 += 1;
            correct += usize::from(Example::quadrant_of(p[0], p[1]) == q);
        }
        if let (Some((first, a, v)), Some((sa, sv))) = (&c.dynamic, series) {
            let n = a.len().min(sa.len().saturating_sub(*first));
            let f = |x: &[f32]| x.iter().map(|&y| f64::from(y)).collect::<Vec<_>>();
            ra.push(pearson(&f(&sa[*first..first + n]), &f(&a[..n])));
            rv.push(pearson(&f(&sv[*first..first + n]), &f(&v[..n])));
        }
    }
    let mean = |v: &[f64]| {
        let v: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
        v.iter().sum::<f64>() / v.len().max(1) as f64
    };
    let held_out = held
        .iter()
        .filter_map(|(i, _, s)| {
            s.as_ref()
                .map(|(a, v)| (data.clips[*i].id.clone(), a.clone(), v.clone()))
        })
        .collect();
    CvReport {
        held_out,
        name: name.into(),
        musifeast_r_arousal: pearson(&pa, &ta),
        musifeast_r_valence: pearson(&pv, &tv),
        fourq_accuracy: correct as f64 / n4.max(1) as f64,
        dynamic_r_arousal: mean(&ra),
        dynamic_r_valence: mean(&rv),
        folds,
        seconds,
    }
}

/// k-fold CV of `preset` by song: fold of a clip = `fnv1a64(id) mod k`; each fold's model is
/// trained on the other folds and predicts the whole files of its held-out clips.
/// `preset.ensemble > 1` averages that many models with seeds `seed, seed + 1, …`.
pub fn cross_validate(preset: &Preset, data: &SharedData, k: usize) -> Result<CvReport> {
    let members: Vec<Preset> = (0..preset.ensemble.max(1))
        .map(|s| {
            let mut p = preset.clone();
            p.train.seed = preset.train.seed + s as u64;
            p.ensemble = 1;
            p
        })
        .collect();
    cross_validate_mix(&preset.name, &members, data, k)
}

/// k-fold CV of the average of several models (e.g. a ridge and a CRNN, each on its own
/// features): per fold every member is trained on the other folds, and the held-out clips'
/// dynamic series are the mean of the members' series.
pub fn cross_validate_mix(
    name: &str,
    members: &[Preset],
    data: &SharedData,
    k: usize,
) -> Result<CvReport> {
    let t0 = std::time::Instant::now();
    let mut held: Held = Vec::new();
    for fold in 0..k {
        let mut per_clip: Vec<Vec<Series>> = vec![Vec::new(); data.clips.len()];
        for p in members {
            let tr: Vec<&Clip> = data
                .clips
                .iter()
                .filter(|c| fold_of(&c.id, k) != fold)
                .collect();
            let model = train_on_clips(p, &tr, false)?;
            for (i, c) in data.clips.iter().enumerate() {
                if fold_of(&c.id, k) == fold {
                    per_clip[i].push(predict_whole(&model, p, c)?);
                }
            }
        }
        for (i, members) in per_clip.iter().enumerate() {
            if !members.is_empty() {
                let series: Vec<(&[f32], &[f32])> =
                    members.iter().map(|(a, v)| (&a[..], &v[..])).collect();
                held.push(held_entry(i, mean_series(&series)));
            }
        }
        let so_far = report(name, data, &held, fold + 1, t0.elapsed().as_secs_f64());
        eprintln!(
            "  {name} fold {}/{k} done ({:.0} s); pooled so far: MUSIFEAST r A {:.3} V {:.3}, 4Q acc {:.3}",
            fold + 1,
            so_far.seconds,
            so_far.musifeast_r_arousal,
            so_far.musifeast_r_valence,
            so_far.fourq_accuracy
        );
    }
    Ok(report(name, data, &held, k, t0.elapsed().as_secs_f64()))
}

/// The linear probe of the issue: ridge regression (penalty `lambda`, standardised inputs)
/// from the clip-averaged features of `kind` to the clip's (arousal, valence); 4Q clips
/// enter with the target `0.5 · sign` of their quadrant (weak labels), DEAM/PMEmo clips with
/// the mean of their series. Same folds as [`cross_validate`].
pub fn linear_probe_cv(
    data: &SharedData,
    kind: InputKind,
    lambda: f64,
    k: usize,
) -> Result<CvReport> {
    let t0 = std::time::Instant::now();
    let f = kind.n_features();
    let probe_ex: Vec<Example> = data
        .clips
        .iter()
        .map(|c| {
            let ex = Clip {
                dynamic: None,
                ..c.clone()
            }
            .example(kind);
            let mut mean = vec![0f32; f];
            for row in ex.features.chunks_exact(f) {
                for (m, x) in mean.iter_mut().zip(row) {
                    *m += x / ex.n_frames as f32;
                }
            }
            let dynamic = c.dynamic.as_ref().map(|(_, a, v)| (&a[..], &v[..]));
            let target = weak_target(c.static_av, dynamic, c.quadrant).map(|t| t.0);
            Example {
                id: c.id.clone(),
                features: mean,
                n_frames: 1,
                dynamic: None,
                static_av: target,
                quadrant: None,
            }
        })
        .collect();
    let cfg = RidgeConfig {
        n_features: f,
        lambda,
    };
    let mut held: Held = Vec::new();
    for fold in 0..k {
        let tr: Vec<Example> = probe_ex
            .iter()
            .zip(&data.clips)
            .filter(|(_, c)| fold_of(&c.id, k) != fold)
            .map(|(e, _)| e.clone())
            .collect();
        let std = Standardizer::fit(&tr).map_err(|e| PredictError::Training(e.to_string()))?;
        let tr: Vec<Example> = tr
            .into_iter()
            .map(|mut e| {
                std.apply(&mut e.features);
                e
            })
            .collect();
        let ridge = mer_model::ridge::Ridge::fit(&cfg, &tr)
            .map_err(|e| PredictError::Training(e.to_string()))?;
        for (i, (e, c)) in probe_ex.iter().zip(&data.clips).enumerate() {
            if fold_of(&c.id, k) != fold {
                continue;
            }
            let mut x = e.features.clone();
            std.apply(&mut x);
            let (a, v) = ridge.predict(&x, f);
            held.push((i, [a[0], v[0]], None));
        }
    }
    Ok(report(
        &format!("ridge-probe-{}-lambda{lambda}", kind.short()),
        data,
        &held,
        k,
        t0.elapsed().as_secs_f64(),
    ))
}

/// `mer train --preset NAME`: trains the shipped model `name` (`default` or `fast`) on every
/// corpus of the shared data under `data_dir` and writes it to `out`. Features are cached in
/// `cache` (e.g. `mer_data::FeatureCache::open_default()`). Deterministic: the same data and
/// code give the same file bit for bit (seeded initialisation, shuffling and dropout).
pub fn train_shipped(
    name: &str,
    data_dir: &Path,
    cache: Option<&FeatureCache>,
    out: &Path,
    progress: bool,
) -> Result<MerModel> {
    let preset = Preset::named(name)?;
    let data = SharedData::load(data_dir, cache, needs_musicnn(&preset)?)?;
    if data.clips.is_empty() {
        return Err(PredictError::Training(format!(
            "no labelled clips found under {}",
            data_dir.display()
        )));
    }
    let clips: Vec<&Clip> = data.clips.iter().collect();
    let model = train_on_clips(&preset, &clips, progress)?;
    model.save_file(out).map_err(|e| PredictError::Write {
        path: out.to_path_buf(),
        reason: e.to_string(),
    })?;
    Ok(model)
}
