//! One cross-validation, one fold rule: a clip's fold is [`fold_of_clip`] of its id
//! (`dataset/clip`; `fnv1a64(id) mod k`, the project's split rule, `mer_data::fold_of`), so a
//! song is never on both sides and the folds do not depend on the order, the seed or the other
//! clips. `mer eval` and `mer experiment` ([`cross_validate`], any `mer_model` network), the
//! default model's report ([`cross_validate_preset`], [`linear_probe_cv`]) and the protocol's
//! nested CV ([`crate::protocol`]) all split with [`folds`].
//!
//! - [`cross_validate`]: trains a `mer_model` network per fold; MediaEval metrics
//!   (`mer_model::eval::CvReport`).
//! - [`cross_validate_preset`] / [`cross_validate_mix`]: a recipe ([`Preset`]) on the shared
//!   data; MUSIFEAST-17 Pearson r, 4Q accuracy and DEAM/PMEmo dynamic r ([`SharedCvReport`]).
//! - [`linear_probe_cv`]: the reference point of issue 6: ridge on clip-averaged features.

use mer_featureset::FeatureSet;
use mer_model::eval::{ClipPrediction, CvReport, EvalMetrics, metrics_of, predict_all};
use mer_model::ridge::RidgeConfig;
use mer_model::{Example, ModelConfig, Prediction, Standardizer, TrainConfig, TrainSet, train};
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};
use crate::recipe::{Preset, Series, predict_whole, train_on_clips, weak_target};
use crate::shared::{Clip, SharedData};

/// The fold (0..k) of a clip id `dataset/clip`: `fnv1a64(id) mod k` ([`mer_data::fold_of`]).
pub fn fold_of_clip(id: &str, k: usize) -> usize {
    mer_data::fold_of(id, k)
}

/// The clips (indices into `ids`) of each of the `k` folds, by [`fold_of_clip`]. An error when
/// `k < 2` or a fold would be empty (fewer clips than folds).
pub fn folds<S: AsRef<str>>(ids: &[S], k: usize) -> Result<Vec<Vec<usize>>> {
    if k < 2 {
        return Err(TrainError::Invalid(format!(
            "cross-validation needs at least 2 folds, got {k}"
        )));
    }
    let mut out = vec![Vec::new(); k];
    for (i, id) in ids.iter().enumerate() {
        out[fold_of_clip(id.as_ref(), k)].push(i);
    }
    if let Some(f) = out.iter().position(Vec::is_empty) {
        return Err(TrainError::Invalid(format!(
            "fold {f} of {k} is empty ({} clips): use fewer folds",
            ids.len()
        )));
    }
    Ok(out)
}

/// k-fold cross-validation of a `mer_model` network (what `mer eval` and `mer experiment`
/// run): for each fold of [`folds`], trains on the other folds (with its own validation
/// hold-out for early stopping, `TrainConfig::val_fraction`) and predicts the fold. `on_fold`
/// is called after each fold (e.g. to print progress). The report's `seed` is the training
/// seed; the folds do not depend on it.
pub fn cross_validate(
    model: &ModelConfig,
    set: &TrainSet<'_>,
    cfg: &TrainConfig,
    k: usize,
    device: &mer_model::burn::tensor::Device,
    mut on_fold: impl FnMut(usize, &EvalMetrics),
) -> Result<CvReport> {
    let clips = set.train;
    let ids: Vec<&str> = clips.iter().map(|e| e.id.as_str()).collect();
    let folds = folds(&ids, k)?;
    let mut predictions: Vec<ClipPrediction> = Vec::new();
    let mut fold_metrics = Vec::new();
    for (fi, test_idx) in folds.iter().enumerate() {
        let test: Vec<Example> = test_idx.iter().map(|&i| clips[i].clone()).collect();
        let train_clips: Vec<Example> = clips
            .iter()
            .filter(|e| fold_of_clip(&e.id, k) != fi)
            .cloned()
            .collect();
        let fold_set = TrainSet {
            train: &train_clips,
            val: None,
            features: set.features.clone(),
            datasets: set.datasets.clone(),
        };
        let fold_cfg = TrainConfig {
            checkpoint_dir: None,
            resume: false,
            ..cfg.clone()
        };
        let (m, _) = train(model, &fold_set, &fold_cfg, device)?;
        let preds = predict_all(&m, &test, fi)?;
        let refs: Vec<&Example> = test.iter().collect();
        let prefs: Vec<&Prediction> = preds.iter().map(|p| &p.prediction).collect();
        let fm = metrics_of(&refs, &prefs);
        on_fold(fi, &fm);
        fold_metrics.push(fm);
        predictions.extend(preds);
    }
    let by_id: std::collections::HashMap<&str, &Example> =
        clips.iter().map(|e| (e.id.as_str(), e)).collect();
    let refs: Vec<&Example> = predictions.iter().map(|p| by_id[p.id.as_str()]).collect();
    let prefs: Vec<&Prediction> = predictions.iter().map(|p| &p.prediction).collect();
    let pooled = metrics_of(&refs, &prefs);
    Ok(CvReport {
        k,
        seed: cfg.seed,
        pooled,
        folds: fold_metrics,
        predictions,
    })
}

/// Cross-validation results (clips pooled over the held-out folds).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SharedCvReport {
    /// Variant name.
    pub name: String,
    /// MUSIFEAST-17 Pearson r of static arousal.
    pub musifeast_r_arousal: f64,
    /// MUSIFEAST-17 Pearson r of static valence.
    pub musifeast_r_valence: f64,
    /// 4Q quadrant accuracy (quadrant of the predicted static point).
    pub fourq_accuracy: f64,
    /// DEAM + PMEmo samples: mean per-song Pearson r of the dynamic arousal series (NaN when
    /// no held-out clip has one).
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
pub fn mix_held_out(name: &str, data: &SharedData, variants: &[SharedCvReport]) -> SharedCvReport {
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
pub(crate) fn held_entry(i: usize, (a, v): Series) -> (usize, [f32; 2], Option<Series>) {
    let mean = |x: &[f32]| x.iter().sum::<f32>() / x.len().max(1) as f32;
    (i, [mean(&a), mean(&v)], Some((a, v)))
}

/// A clip's held-out dynamic series: (clip id, arousal, valence).
pub type HeldSeries = (String, Vec<f32>, Vec<f32>);

/// Held-out static predictions of each clip: (clip index, [arousal, valence], series).
pub(crate) type Held = Vec<(usize, [f32; 2], Option<(Vec<f32>, Vec<f32>)>)>;

/// MUSIFEAST-17 Pearson r of arousal and of valence, and 4Q accuracy (quadrant of the static
/// prediction vs the clip's), of held-out static predictions `(clip index, [arousal, valence])`.
pub fn static_scores(
    data: &SharedData,
    held: impl IntoIterator<Item = (usize, [f32; 2])>,
) -> [f64; 3] {
    let (mut pa, mut ta, mut pv, mut tv) = (vec![], vec![], vec![], vec![]);
    let (mut correct, mut n4) = (0usize, 0usize);
    for (i, p) in held {
        let c = &data.clips[i];
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
    }
    let pearson = mer_model::metrics::pearson::<f64>;
    [
        pearson(&pa, &ta),
        pearson(&pv, &tv),
        correct as f64 / n4.max(1) as f64,
    ]
}

pub(crate) fn report(
    name: &str,
    data: &SharedData,
    held: &Held,
    folds: usize,
    seconds: f64,
) -> SharedCvReport {
    let pearson = |x: &[f64], y: &[f64]| mer_model::metrics::pearson(x, y);
    let [musifeast_r_arousal, musifeast_r_valence, fourq_accuracy] =
        static_scores(data, held.iter().map(|(i, p, _)| (*i, *p)));
    let (mut ra, mut rv) = (vec![], vec![]);
    for (i, _, series) in held {
        let c = &data.clips[*i];
        if let (Some((first, a, v)), Some((sa, sv))) = (&c.dynamic, series) {
            let n = a.len().min(sa.len().saturating_sub(*first));
            let f = |x: &[f32]| x.iter().map(|&y| f64::from(y)).collect::<Vec<_>>();
            ra.push(pearson(&f(&sa[*first..first + n]), &f(&a[..n])));
            rv.push(pearson(&f(&sv[*first..first + n]), &f(&v[..n])));
        }
    }
    // NaN when no held-out clip has a dynamic series (not 0, which would read as a score and
    // enter `protocol::score`'s mean).
    let mean = |v: &[f64]| {
        let v: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            f64::NAN
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    let held_out = held
        .iter()
        .filter_map(|(i, _, s)| {
            s.as_ref()
                .map(|(a, v)| (data.clips[*i].id.clone(), a.clone(), v.clone()))
        })
        .collect();
    SharedCvReport {
        held_out,
        name: name.into(),
        musifeast_r_arousal,
        musifeast_r_valence,
        fourq_accuracy,
        dynamic_r_arousal: mean(&ra),
        dynamic_r_valence: mean(&rv),
        folds,
        seconds,
    }
}

/// k-fold CV of `preset` by song: fold of a clip = `fnv1a64(id) mod k`; each fold's model is
/// trained on the other folds and predicts the whole files of its held-out clips.
/// `preset.ensemble > 1` averages that many models with seeds `seed, seed + 1, …`.
pub fn cross_validate_preset(
    preset: &Preset,
    data: &SharedData,
    k: usize,
) -> Result<SharedCvReport> {
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
) -> Result<SharedCvReport> {
    let t0 = std::time::Instant::now();
    let mut held: Held = Vec::new();
    for fold in 0..k {
        let mut per_clip: Vec<Vec<Series>> = vec![Vec::new(); data.clips.len()];
        for p in members {
            let tr: Vec<&Clip> = data
                .clips
                .iter()
                .filter(|c| fold_of_clip(&c.id, k) != fold)
                .collect();
            let model = train_on_clips(p, &tr, false)?;
            for (i, c) in data.clips.iter().enumerate() {
                if fold_of_clip(&c.id, k) == fold {
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
/// the mean of their series. Same folds as [`cross_validate_preset`].
pub fn linear_probe_cv(
    data: &SharedData,
    kind: FeatureSet,
    lambda: f64,
    k: usize,
) -> Result<SharedCvReport> {
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
            .example(kind)?;
            let mut mean = vec![0f32; f];
            for row in ex.features.chunks_exact(f) {
                for (m, x) in mean.iter_mut().zip(row) {
                    *m += x / ex.n_frames as f32;
                }
            }
            let dynamic = c.dynamic.as_ref().map(|(_, a, v)| (&a[..], &v[..]));
            let target = weak_target(c.static_av, dynamic, c.quadrant).map(|t| t.0);
            Ok(Example {
                id: c.id.clone(),
                features: mean,
                n_frames: 1,
                dynamic: None,
                static_av: target,
                quadrant: None,
            })
        })
        .collect::<Result<_>>()?;
    let cfg = RidgeConfig {
        n_features: f,
        lambda,
    };
    let mut held: Held = Vec::new();
    for fold in 0..k {
        let tr: Vec<Example> = probe_ex
            .iter()
            .zip(&data.clips)
            .filter(|(_, c)| fold_of_clip(&c.id, k) != fold)
            .map(|(e, _)| e.clone())
            .collect();
        let std = Standardizer::fit(&tr)?;
        let tr: Vec<Example> = tr
            .into_iter()
            .map(|mut e| {
                std.apply(&mut e.features);
                e
            })
            .collect();
        let ridge = mer_model::ridge::Ridge::fit(&cfg, &tr)?;
        for (i, (e, c)) in probe_ex.iter().zip(&data.clips).enumerate() {
            if fold_of_clip(&c.id, k) != fold {
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
