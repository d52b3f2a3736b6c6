//! The recipes of the embedded models ([`Preset`]: `default`, `fast` and the variants of
//! `mer-predict/models/REPORT.md`), the weak, grouped ridge head, distillation
//! ([`train_on_clips`]) and `mer train --preset` ([`train_shipped`]).

use std::path::Path;

use mer_data::FeatureCache;
use mer_featureset::FeatureSet;
use mer_model::burn::tensor::Device;
use mer_model::crnn::CrnnConfig;
use mer_model::file::{ModelHeader, TrainingInfo};
use mer_model::ridge::{RidgeConfig, RidgeRow};
use mer_model::{
    ClipLabels, DynamicLabels, Example, FeatureSpec, MerModel, ModelConfig, Standardizer,
    TrainConfig, TrainSet, train,
};
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};
use crate::quadrant::{QuadrantSearch, fit_quadrant_head, quadrant_clips};
use crate::shared::{Clip, SharedData};

/// A dynamic series: (arousal, valence).
pub(crate) type Series = (Vec<f32>, Vec<f32>);

/// A training recipe: features, architecture, training settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Preset {
    /// Name (`default`, `fast`, or a variant of the comparison).
    pub name: String,
    /// Input features.
    pub kind: FeatureSet,
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
    /// Ridge only: a quadrant head beside the ridge, its settings chosen by an inner CV over
    /// the training clips ([`crate::quadrant::fit_quadrant_head`]). `None`: the quadrant is
    /// the signs of the ridge's outputs.
    #[serde(default)]
    pub quadrant_head: Option<QuadrantSearch>,
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
    pub fn crnn(name: &str, kind: FeatureSet) -> Preset {
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
            quadrant_head: None,
        }
    }

    /// Ridge regression from standardised frame features to (arousal, valence), fitted on
    /// each clip's mean features (the linear probe of issue 6) and applied frame by frame, so
    /// that its dynamic series' mean is the probe's static prediction: [`fit_weak_ridge`]
    /// with penalty `lambda` and 4Q rows weighted `quadrant_weight`.
    pub fn ridge(name: &str, kind: FeatureSet, lambda: f64, quadrant_weight: f64) -> Preset {
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
            quadrant_head: None,
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
            // smoothed over 9 frames), and since issue 17 a logistic quadrant head beside it
            // (C, MUSIFEAST weight, temperature and τ chosen by inner CV at training time).
            "default" => {
                let mut p = Self::ridge("default", FeatureSet::Musicnn, 300.0, 0.25);
                p.smooth_frames = 9;
                p.quadrant_head = Some(QuadrantSearch::default());
                p
            }
            // A small log-mel CRNN distilled from `default` (REPORT.md: the teacher's series
            // lift the same network from MUSIFEAST r 0.74 / 0.41 to 0.79 / 0.46).
            "fast" => {
                let mut p = Self::crnn("fast", FeatureSet::LogMel);
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
            "crnn-musicnn" => Self::crnn(name, FeatureSet::Musicnn),
            "crnn-logmel" => Self::crnn(name, FeatureSet::LogMel),
            "crnn-both" => Self::crnn(name, FeatureSet::Both),
            "ridge-musicnn" => Self::ridge(name, FeatureSet::Musicnn, 300.0, 0.25),
            "ridge-logmel" => Self::ridge(name, FeatureSet::LogMel, 300.0, 0.25),
            "ridge-both" => Self::ridge(name, FeatureSet::Both, 300.0, 0.25),
            other => {
                return Err(TrainError::Invalid(format!(
                    "unknown preset {other:?}; known: {}",
                    PRESETS.join(", ")
                )));
            }
        })
    }

    fn feature_spec(&self) -> FeatureSpec {
        self.kind.spec()
    }
}

/// A clip's single static target for the ridge (and the probe) and whether it is a weak
/// (quadrant) one: its static rating, else the mean of its dynamic series, else `0.5 ·` the
/// signs of its quadrant (4Q). `None` without labels.
pub(crate) fn weak_target(
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
        return Err(TrainError::Invalid(format!(
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
    let ridge = mer_model::ridge::Ridge::fit_grouped(&rows, f, lambda, zero_group)?;
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
        return Err(TrainError::Invalid(format!(
            "preset {} needs musicnn embeddings, which {} has not (load SharedData with musicnn)",
            preset.name, c.id
        )));
    }
    let Some(teacher_name) = &preset.teacher else {
        let examples: Vec<Example> = clips
            .iter()
            .map(|c| c.example(preset.kind))
            .collect::<Result<_>>()?;
        return train_preset(preset, &examples, progress);
    };
    let teacher = Preset::named(teacher_name)?;
    let teacher_model = train_on_clips(&teacher, clips, progress)?;
    let mut examples = Vec::with_capacity(clips.len());
    for c in clips {
        // The teacher's own series (before its quadrant head's projection, so that a
        // student's targets do not depend on the head).
        let (arousal, valence) = predict_whole_raw(&teacher_model, &teacher, c)?;
        let m = mer_featureset::assemble(preset.kind, c.musicnn.as_ref(), &c.logmel)?;
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

/// `model`'s dynamic series over the whole file of `clip` (its labels ignored), with its
/// quadrant head's rule applied when it has one (the series shifted so that their means are
/// the rule's static values; `mer_model::quadrant`).
pub(crate) fn predict_whole(model: &MerModel, preset: &Preset, clip: &Clip) -> Result<Series> {
    Ok(predict_whole_decided(model, preset, clip)?.0)
}

/// [`predict_whole`] and the quadrant head's decision (`None` without a head).
pub(crate) fn predict_whole_decided(
    model: &MerModel,
    preset: &Preset,
    clip: &Clip,
) -> Result<(Series, Option<mer_model::quadrant::QuadrantDecision>)> {
    let whole = Clip {
        dynamic: None,
        ..clip.clone()
    }
    .example(preset.kind)?;
    let (pred, d) = model.predict_with_quadrant(&whole.features, whole.n_frames)?;
    Ok(((pred.arousal, pred.valence), d))
}

/// `model`'s dynamic series over the whole file of `clip`, without any quadrant head.
fn predict_whole_raw(model: &MerModel, preset: &Preset, clip: &Clip) -> Result<Series> {
    let whole = Clip {
        dynamic: None,
        ..clip.clone()
    }
    .example(preset.kind)?;
    let pred = model.predict(&whole.features, whole.n_frames)?;
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
            return Err(TrainError::Invalid(format!(
                "{}: {} features per frame, the preset reads {}",
                e.id,
                e.n_features(),
                rc.n_features
            )));
        }
        let (standardizer, ridge) =
            fit_weak_ridge(examples, rc.n_features, rc.lambda, preset.quadrant_weight)?;
        let n_quadrant = quadrant_clips(examples);
        let head = match &preset.quadrant_head {
            Some(search) if n_quadrant >= 2 * search.folds => Some(fit_quadrant_head(
                examples,
                &standardizer,
                search,
                rc.lambda,
                preset.quadrant_weight,
            )?),
            _ => None,
        };
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
        let mut training = training;
        if let (Some(search), Some(config)) =
            (&preset.quadrant_head, training.config.as_object_mut())
        {
            let record = match &head {
                None => serde_json::json!({
                    "skipped": format!(
                        "{n_quadrant} 4Q clips in training, the head needs {}: the quadrant is the signs of arousal/valence",
                        2 * search.folds
                    ),
                }),
                Some((_, choice)) => serde_json::json!({
                    "head": "multinomial logistic on standardised clip-mean features, temperature-scaled; settings chosen by inner CV (mer_train::quadrant)",
                    "search": search,
                    "chosen": choice,
                }),
            };
            config.insert("quadrant_head".into(), record);
        }
        let ridge = mer_model::ridge::Ridge {
            smooth_frames: preset.smooth_frames,
            ..ridge
        };
        let mut header = ModelHeader::new(
            &preset.model,
            preset.feature_spec(),
            standardizer,
            &cfg,
            training,
            Some(ridge),
        );
        header.quadrant = head.map(|(h, _)| h);
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
    let (model, _log) = train(&preset.model, &set, &cfg, &Device::flex())?;
    Ok(model)
}

/// `mer train --preset NAME`: trains the shipped model `name` (`default` or `fast`) on every
/// corpus of the shared data under `data_dir` and writes it to `out`. Features are cached in
/// `cache` (e.g. `mer_data::FeatureCache::open_default()`). Deterministic: the same data and
/// code give the same file bit for bit (seeded initialisation, shuffling and dropout).
/// Returns the model and the loader's warnings ([`SharedData::report_lines`]: decoder
/// warnings, also of cached features, and the clips left out).
pub fn train_shipped(
    name: &str,
    data_dir: &Path,
    cache: Option<&FeatureCache>,
    out: &Path,
    progress: bool,
) -> Result<(MerModel, Vec<String>)> {
    let preset = Preset::named(name)?;
    let data = SharedData::load(data_dir, cache, needs_musicnn(&preset)?)?;
    if data.clips.is_empty() {
        return Err(TrainError::Invalid(format!(
            "no labelled clips found under {}",
            data_dir.display()
        )));
    }
    let clips: Vec<&Clip> = data.clips.iter().collect();
    let model = train_on_clips(&preset, &clips, progress)?;
    model.save_file(out).map_err(|e| TrainError::Write {
        path: out.to_path_buf(),
        reason: e.to_string(),
    })?;
    Ok((model, data.report_lines()))
}
