//! Honest model selection on the shared data.
//!
//! - **A fixed internal holdout** ([`holdout_ids`]): 20 % of MUSIFEAST-17 and of 4Q, stratified
//!   (4Q by quadrant, MUSIFEAST-17 by its genre + level, the clip id without its `_NN`); within
//!   each stratum the clip ids are sorted by the hex SHA-256 of the id string and the first
//!   `floor(0.2 n + 0.5)` taken. Committed as `experiments/holdout-shared.txt` (made by
//!   `scripts/holdout_shared.py`; a test regenerates it here). Nothing in it may choose a
//!   model.
//! - **Nested cross-validation by song** ([`nested_cv`]): on the rest, each outer training
//!   fold chooses the recipe's hyper-parameters ([`Grid`]: ridge λ, 4Q row weight, output
//!   smoothing) by an inner CV of its own clips only, then trains on all of them and predicts
//!   the outer fold. The pooled outer predictions, and each outer fold's, are the honest
//!   estimate. The holdout is scored by a model chosen (inner CV) and trained on the rest.
//!
//! Folds are [`crate::cv::fold_of_clip`] of the clip id throughout: outer `k`, inner `k - 1`
//! (a different modulus, so no inner fold is empty).

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use mer_data::Format;
use mer_model::ModelConfig;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::cv::{Held, SharedCvReport, fold_of_clip, held_entry, report};
use crate::error::{Result, TrainError};
use crate::recipe::{Preset, predict_whole_decided, train_on_clips};
use crate::shared::{Clip, SharedData};
use mer_model::quadrant::{QuadrantDecision, ReliabilityBin, ece};

/// Share of each stratum held out.
pub const HOLDOUT_FRACTION: f64 = 0.2;

/// The committed holdout list, relative to the repository root.
pub const HOLDOUT_FILE: &str = "experiments/holdout-shared.txt";

/// The ids of the committed holdout ([`HOLDOUT_FILE`] in the source tree this crate was built
/// from), for the study examples run from a checkout.
pub fn committed_holdout() -> Result<HashSet<String>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(HOLDOUT_FILE);
    Ok(read_holdout(&path)?.into_iter().collect())
}

/// The holdout of the shared data under `data_dir` (`4q/`, `musifeast17/`): sorted
/// `dataset/clip_id` lines (`4q/MT0000040632`, `musifeast/60s_HIGH_01`), from the label files
/// alone (every labelled row, audio or not).
pub fn holdout_ids(data_dir: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for (folder, format, name) in [
        ("4q", Format::FourQ, "4q"),
        ("musifeast17", Format::Musifeast, "musifeast"),
    ] {
        let ds = mer_data::load_lenient(&data_dir.join(folder), format)?;
        let mut strata: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for it in &ds.items {
            let stratum = match format {
                Format::FourQ => match it.labels.quadrant {
                    Some(q) => format!("Q{}", q.index() + 1),
                    None => continue,
                },
                _ => match it.id.rsplit_once('_') {
                    Some((stem, n)) if n.chars().all(|c| c.is_ascii_digit()) => stem.to_string(),
                    _ => {
                        return Err(TrainError::Invalid(format!(
                            "{}: clip id {:?} is not GENRE_LEVEL_NN",
                            ds.name, it.id
                        )));
                    }
                },
            };
            strata.entry(stratum).or_default().push(it.id.clone());
        }
        for ids in strata.values_mut() {
            ids.sort();
            ids.dedup();
            ids.sort_by_cached_key(|id| (hex_sha256(id), id.clone()));
            let take = (HOLDOUT_FRACTION * ids.len() as f64 + 0.5).floor() as usize;
            out.extend(ids[..take].iter().map(|id| format!("{name}/{id}")));
        }
    }
    out.sort();
    Ok(out)
}

/// The ids of a holdout file: every line that is not empty or a `#` comment.
pub fn read_holdout(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        TrainError::Invalid(format!(
            "{}: cannot read the holdout list: {e}",
            path.display()
        ))
    })?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect())
}

fn hex_sha256(s: &str) -> String {
    Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The hyper-parameters a ridge recipe is chosen over.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Grid {
    /// Ridge penalties λ.
    pub lambdas: Vec<f64>,
    /// Weights of a 4Q (quadrant-only) clip's row.
    pub quadrant_weights: Vec<f64>,
    /// Centred moving averages of the dynamic output, frames.
    pub smooth_frames: Vec<usize>,
}

impl Grid {
    /// Around the default recipe (λ 300, 4Q weight 0.25, smoothing 9): 5 × 4 × 4 points.
    pub fn default_recipe() -> Grid {
        Grid {
            lambdas: vec![30.0, 100.0, 300.0, 1000.0, 3000.0],
            quadrant_weights: vec![0.1, 0.25, 0.5, 1.0],
            smooth_frames: vec![1, 5, 9, 15],
        }
    }

    /// The one point of `base` (a ridge preset): no search for the ridge (e.g. to measure
    /// the quadrant head beside today's recipe, whose own settings are still chosen inside
    /// each outer training fold).
    pub fn fixed(base: &Preset) -> Result<Grid> {
        let ModelConfig::Ridge(rc) = &base.model else {
            return Err(TrainError::Invalid(format!(
                "the grid tunes ridge recipes; {} is not one",
                base.name
            )));
        };
        Ok(Grid {
            lambdas: vec![rc.lambda],
            quadrant_weights: vec![base.quadrant_weight],
            smooth_frames: vec![base.smooth_frames],
        })
    }

    /// Every point of the grid applied to `base` (a ridge preset).
    pub fn presets(&self, base: &Preset) -> Result<Vec<Choice>> {
        if !matches!(base.model, ModelConfig::Ridge(_)) {
            return Err(TrainError::Invalid(format!(
                "the grid tunes ridge recipes; {} is not one",
                base.name
            )));
        }
        let mut out = Vec::new();
        for &lambda in &self.lambdas {
            for &quadrant_weight in &self.quadrant_weights {
                for &smooth_frames in &self.smooth_frames {
                    out.push(Choice {
                        lambda,
                        quadrant_weight,
                        smooth_frames,
                        inner_score: f64::NAN,
                    });
                }
            }
        }
        Ok(out)
    }
}

/// One point of a [`Grid`], with its inner-CV score once chosen.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    /// Ridge penalty.
    pub lambda: f64,
    /// 4Q row weight.
    pub quadrant_weight: f64,
    /// Output smoothing, frames.
    pub smooth_frames: usize,
    /// [`score`] of the inner CV that chose it.
    pub inner_score: f64,
}

impl Choice {
    /// `base` with these settings.
    pub fn apply(&self, base: &Preset) -> Preset {
        let mut p = base.clone();
        if let ModelConfig::Ridge(rc) = &mut p.model {
            rc.lambda = self.lambda;
        }
        p.quadrant_weight = self.quadrant_weight;
        p.smooth_frames = self.smooth_frames;
        p
    }
}

/// The selection score: the mean of the finite ones of MUSIFEAST-17 static r (arousal,
/// valence), 4Q accuracy and DEAM/PMEmo mean per-song dynamic r (arousal, valence).
pub fn score(r: &SharedCvReport) -> f64 {
    let v: Vec<f64> = [
        r.musifeast_r_arousal,
        r.musifeast_r_valence,
        r.fourq_accuracy,
        r.dynamic_r_arousal,
        r.dynamic_r_valence,
    ]
    .into_iter()
    .filter(|x| x.is_finite())
    .collect();
    if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// What [`nested_cv`] measured.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NestedReport {
    /// The recipe tuned.
    pub recipe: String,
    /// The grid searched.
    pub grid: Grid,
    /// Clips outside the holdout (the nested CV's data) and in it.
    pub n_rest: usize,
    /// Clips of the holdout found in the data.
    pub n_holdout: usize,
    /// Outer folds, inner folds.
    pub folds: (usize, usize),
    /// The outer folds' held-out predictions pooled: the honest CV estimate.
    pub outer: SharedCvReport,
    /// Each outer fold's own scores.
    pub outer_folds: Vec<SharedCvReport>,
    /// The settings each outer fold's inner CV chose.
    pub choices: Vec<Choice>,
    /// The holdout, predicted by the model chosen by CV on the rest and trained on all of it.
    pub holdout: SharedCvReport,
    /// The settings that model uses.
    pub holdout_choice: Choice,
    /// 4Q valence-sign accuracy of the pooled outer folds and of the holdout.
    pub valence_sign: (f64, f64),
    /// The quadrant head's calibration, when the recipe has one.
    pub quadrant: Option<QuadrantEval>,
    /// Wall-clock seconds.
    pub seconds: f64,
}

/// Calibration of a quadrant head in [`nested_cv`] (4Q clips; top label = the answered
/// quadrant, confidence = its calibrated probability).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct QuadrantEval {
    /// ECE (10 equal-width bins) of the pooled outer folds.
    pub outer_ece: f64,
    /// Their reliability table.
    pub outer_bins: Vec<ReliabilityBin>,
    /// Share of 4Q clips whose quadrant the classifier answered (confidence ≥ τ).
    pub outer_from_classifier: f64,
    /// ECE of the holdout.
    pub holdout_ece: f64,
    /// Its reliability table.
    pub holdout_bins: Vec<ReliabilityBin>,
    /// Share of the holdout's 4Q clips answered by the classifier.
    pub holdout_from_classifier: f64,
    /// The head's settings each outer fold chose (its model's `quadrant_head` record), then
    /// the holdout model's.
    pub chosen: Vec<serde_json::Value>,
}

/// (clip index, decision) of the clips a head predicted.
type Decisions = Vec<(usize, QuadrantDecision)>;

/// 4Q clips of `decisions`: (confidence, right?) and whether the classifier answered.
fn answers(data: &SharedData, decisions: &Decisions) -> (Vec<(f64, bool)>, f64) {
    let mut out = Vec::new();
    let mut from = 0usize;
    for (i, d) in decisions {
        if let Some(q) = data.clips[*i].quadrant
            && data.clips[*i].dataset == "4q"
        {
            out.push((f64::from(d.confidence), d.quadrant == q));
            from += usize::from(d.from_classifier);
        }
    }
    let share = from as f64 / out.len().max(1) as f64;
    (out, share)
}

/// 4Q valence-sign accuracy of held-out static predictions.
pub(crate) fn valence_sign_accuracy(data: &SharedData, held: &Held) -> f64 {
    let (mut ok, mut n) = (0usize, 0usize);
    for (i, p, _) in held {
        let c = &data.clips[*i];
        if c.dataset == "4q"
            && let Some(s) = c.quadrant.and_then(mer_model::Example::quadrant_signs)
        {
            n += 1;
            ok += usize::from((p[1] >= 0.0) == (s[1] > 0.0));
        }
    }
    ok as f64 / n.max(1) as f64
}

/// Held-out series of `preset` over the clips `subset` (indices into `data.clips`) by `k`-fold
/// CV within the subset ([`fold_of_clip`]`(id, k)`).
fn cv_within(preset: &Preset, data: &SharedData, subset: &[usize], k: usize) -> Result<Held> {
    let mut held = Held::new();
    for fold in 0..k {
        let (test, train): (Vec<usize>, Vec<usize>) = subset
            .iter()
            .partition(|&&i| fold_of_clip(&data.clips[i].id, k) == fold);
        if test.is_empty() || train.is_empty() {
            continue;
        }
        held.extend(fit_predict(preset, data, &train, &test)?);
    }
    Ok(held)
}

/// Trains `preset` on the clips `train` and predicts the whole files of `test`.
fn fit_predict(
    preset: &Preset,
    data: &SharedData,
    train: &[usize],
    test: &[usize],
) -> Result<Held> {
    Ok(fit_predict_decided(preset, data, data, train, test)?.0)
}

/// [`fit_predict`] with the test clips' features from `view` (the same clips as `data`), the
/// quadrant head's decisions and its settings record (when the model has a head).
fn fit_predict_decided(
    preset: &Preset,
    data: &SharedData,
    view: &SharedData,
    train: &[usize],
    test: &[usize],
) -> Result<(Held, Decisions, Option<serde_json::Value>)> {
    let tr: Vec<&Clip> = train.iter().map(|&i| &data.clips[i]).collect();
    let model = train_on_clips(preset, &tr, false)?;
    let mut held = Held::new();
    let mut decisions = Decisions::new();
    for &i in test {
        let (series, d) = predict_whole_decided(&model, preset, &view.clips[i])?;
        held.push(held_entry(i, series));
        if let Some(d) = d {
            decisions.push((i, d));
        }
    }
    let chosen = model
        .header
        .training
        .config
        .get("quadrant_head")
        .map(|q| q["chosen"].clone());
    Ok((held, decisions, chosen))
}

/// The grid point with the best inner-CV [`score`] on `subset` (ties: the first in grid order).
fn choose(
    base: &Preset,
    grid: &Grid,
    data: &SharedData,
    subset: &[usize],
    k: usize,
) -> Result<Choice> {
    let points = grid.presets(base)?;
    if let [only] = &points[..] {
        return Ok(*only); // nothing to choose: no inner CV
    }
    let mut best: Option<Choice> = None;
    for mut c in points {
        let held = cv_within(&c.apply(base), data, subset, k)?;
        c.inner_score = score(&report(&base.name, data, &held, k, 0.0));
        if best.is_none_or(|b| c.inner_score > b.inner_score || b.inner_score.is_nan()) {
            best = Some(c);
        }
    }
    best.ok_or_else(|| TrainError::Invalid("empty grid".into()))
}

/// Nested CV of the ridge recipe `base` over `grid` on the shared data minus `holdout`, and
/// the holdout scored by a model chosen on the rest (see the module docs). `k` outer folds,
/// `k - 1` inner.
pub fn nested_cv(
    base: &Preset,
    grid: &Grid,
    data: &SharedData,
    holdout: &HashSet<String>,
    k: usize,
) -> Result<NestedReport> {
    nested_cv_viewed(base, grid, data, data, holdout, k)
}

/// [`nested_cv`] where every model is chosen and trained on `data`'s features but the outer
/// folds' and the holdout's clips are predicted from `view`'s: the same clips in the same
/// order with other features of the same set, e.g. musicnn embeddings computed in a reduced
/// precision or at a patch stride ([`SharedData::strided`]) — how a model trained on f32
/// features does when the prediction path computes them differently.
pub fn nested_cv_viewed(
    base: &Preset,
    grid: &Grid,
    data: &SharedData,
    view: &SharedData,
    holdout: &HashSet<String>,
    k: usize,
) -> Result<NestedReport> {
    let same = view.clips.len() == data.clips.len()
        && view
            .clips
            .iter()
            .zip(&data.clips)
            .all(|(v, d)| v.id == d.id);
    if !same {
        return Err(TrainError::Invalid(format!(
            "nested CV: the test view's {} clips are not the training data's {} in order",
            view.clips.len(),
            data.clips.len()
        )));
    }
    if k < 3 {
        return Err(TrainError::Invalid(format!(
            "nested CV needs at least 3 outer folds, got {k}"
        )));
    }
    let t0 = std::time::Instant::now();
    let (held_idx, rest): (Vec<usize>, Vec<usize>) =
        (0..data.clips.len()).partition(|&i| holdout.contains(&data.clips[i].id));
    let mut outer = Held::new();
    let mut outer_folds = Vec::new();
    let mut choices = Vec::new();
    let mut outer_decisions = Decisions::new();
    let mut chosen_heads = Vec::new();
    for fold in 0..k {
        let (test, train): (Vec<usize>, Vec<usize>) = rest
            .iter()
            .partition(|&&i| fold_of_clip(&data.clips[i].id, k) == fold);
        let c = choose(base, grid, data, &train, k - 1)?;
        let (held, decisions, head) =
            fit_predict_decided(&c.apply(base), data, view, &train, &test)?;
        outer_decisions.extend(decisions);
        chosen_heads.extend(head);
        let r = report(
            &format!("{} outer fold {}", base.name, fold + 1),
            data,
            &held,
            1,
            0.0,
        );
        eprintln!(
            "  outer fold {}/{k}: chose λ {} wq {} smooth {} ({}); MUSIFEAST r A {:.3} V {:.3}, 4Q acc {:.3} ({:.0} s)",
            fold + 1,
            c.lambda,
            c.quadrant_weight,
            c.smooth_frames,
            if c.inner_score.is_nan() {
                "one grid point: no inner CV".to_string()
            } else {
                format!("inner score {:.4}", c.inner_score)
            },
            r.musifeast_r_arousal,
            r.musifeast_r_valence,
            r.fourq_accuracy,
            t0.elapsed().as_secs_f64()
        );
        outer_folds.push(r);
        choices.push(c);
        outer.extend(held);
    }
    let outer_vsign = valence_sign_accuracy(data, &outer);
    let outer = report(
        &format!("{} nested", base.name),
        data,
        &outer,
        k,
        t0.elapsed().as_secs_f64(),
    );
    let holdout_choice = choose(base, grid, data, &rest, k)?;
    let (held, holdout_decisions, head) =
        fit_predict_decided(&holdout_choice.apply(base), data, view, &rest, &held_idx)?;
    chosen_heads.extend(head);
    let holdout_vsign = valence_sign_accuracy(data, &held);
    let quadrant = if outer_decisions.is_empty() {
        None
    } else {
        let (o, of) = answers(data, &outer_decisions);
        let (h, hf) = answers(data, &holdout_decisions);
        let (outer_ece, outer_bins) = ece(&o, 10);
        let (holdout_ece, holdout_bins) = ece(&h, 10);
        Some(QuadrantEval {
            outer_ece,
            outer_bins,
            outer_from_classifier: of,
            holdout_ece,
            holdout_bins,
            holdout_from_classifier: hf,
            chosen: chosen_heads,
        })
    };
    let holdout_report = report(
        &format!("{} holdout", base.name),
        data,
        &held,
        1,
        t0.elapsed().as_secs_f64(),
    );
    Ok(NestedReport {
        recipe: base.name.clone(),
        grid: grid.clone(),
        n_rest: rest.len(),
        n_holdout: held_idx.len(),
        folds: (k, k - 1),
        outer,
        outer_folds,
        choices,
        holdout: holdout_report,
        holdout_choice,
        valence_sign: (outer_vsign, holdout_vsign),
        quadrant,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_hex_of_a_known_string() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            hex_sha256("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn grid_points_apply_to_the_default() {
        let base = Preset::named("default").unwrap();
        let grid = Grid::default_recipe();
        let points = grid.presets(&base).unwrap();
        assert_eq!(points.len(), 80);
        // The shipped default is one of the points.
        assert!(points.iter().any(|c| c.apply(&base) == base));
        assert!(grid.presets(&Preset::named("fast").unwrap()).is_err());
    }

    #[test]
    fn score_is_the_mean_of_the_finite_metrics() {
        let r = SharedCvReport {
            musifeast_r_arousal: 0.8,
            musifeast_r_valence: 0.6,
            fourq_accuracy: 0.7,
            dynamic_r_arousal: f64::NAN,
            dynamic_r_valence: f64::NAN,
            ..SharedCvReport::default()
        };
        assert!((score(&r) - 0.7).abs() < 1e-12);
    }
}
