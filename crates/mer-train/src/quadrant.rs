//! The default's quadrant head ([`mer_model::quadrant`]), its settings chosen honestly: by an
//! inner CV over the training clips only ([`fit_quadrant_head`]), so that in
//! [`crate::protocol::nested_cv`] every choice is made inside the outer training fold.
//!
//! Rows: the 4Q clips (their quadrant, weight 1) and, when the MUSIFEAST weight `wm > 0`, the
//! MUSIFEAST-17 clips with the quadrant of their rating's signs (weight `wm`); features: each
//! clip's mean features, standardised like the ridge's (the model's standardiser, so the head
//! applies frame by frame). Inner CV: `folds`-fold by clip id ([`crate::cv::fold_of_clip`]).
//! In it, per fold, the ridge (the preset's λ and 4Q weight) and every (C, wm) of the search
//! are fitted on the other folds and predict the fold's clips. Then:
//!
//! 1. (C, wm): the best pooled 4Q accuracy of the raw argmax, ties by the lower log loss;
//! 2. temperature T: minimising the log loss of the chosen logits on the 4Q clips;
//! 3. τ: the best MUSIFEAST r arousal + r valence + 4Q accuracy of the ridge's static outputs
//!    combined with the calibrated classifier by [`mer_model::quadrant::QuadrantHead::decide`]
//!    (the ridge's static output taken as the ridge on the clip's mean features: the mean of
//!    its smoothed series, up to the smoothing's edge effects).
//!
//! The head is then fitted on all the training clips with the chosen C and wm.

use mer_model::quadrant::{
    QuadrantHead, TRAIN_TOL, fit_logistic, fit_temperature, temperature_nll,
};
use mer_model::{Example, Standardizer};
use serde::{Deserialize, Serialize};

use crate::cv::fold_of_clip;
use crate::error::{Result, TrainError};
use crate::recipe::fit_weak_ridge;

/// What the inner CV of [`fit_quadrant_head`] chooses from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuadrantSearch {
    /// Inverse L2 penalties C (scikit-learn's).
    pub cs: Vec<f64>,
    /// Weights of a MUSIFEAST-17 row (0: 4Q rows only).
    pub musifeast_weights: Vec<f64>,
    /// Thresholds τ (0: the classifier always answers; above 1: never).
    pub thresholds: Vec<f64>,
    /// Inner folds.
    pub folds: usize,
}

impl Default for QuadrantSearch {
    /// The grid of the Python study (`models/study_heads.py`): C ∈ {0.001 … 0.1}, wm ∈ {0,
    /// 0.5}; τ ∈ {0, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8, 0.9, never}; 4 inner folds.
    fn default() -> Self {
        QuadrantSearch {
            cs: vec![0.001, 0.003, 0.01, 0.03, 0.1],
            musifeast_weights: vec![0.0, 0.5],
            thresholds: vec![0.0, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.8, 0.9, 2.0],
            folds: 4,
        }
    }
}

/// What [`fit_quadrant_head`] chose, with its inner-CV scores.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuadrantChoice {
    /// C.
    pub c: f64,
    /// MUSIFEAST row weight.
    pub musifeast_weight: f64,
    /// Temperature.
    pub temperature: f64,
    /// τ.
    pub threshold: f64,
    /// Inner-CV 4Q accuracy of the classifier alone.
    pub inner_accuracy: f64,
    /// Inner-CV MUSIFEAST r A + r V + 4Q accuracy of ridge + head at τ.
    pub inner_score: f64,
}

/// One labelled clip for the head: mean raw features, 4Q quadrant or MUSIFEAST rating.
struct Row<'a> {
    id: &'a str,
    mean: Vec<f64>,
    /// 4Q quadrant 1..=4 (4Q clips).
    quadrant: Option<u8>,
    /// MUSIFEAST-17 static rating.
    rating: Option<[f32; 2]>,
}

fn dataset_of(id: &str) -> &str {
    id.split_once('/').map_or(id, |(d, _)| d)
}

fn standardise(m: &[f64], s: &Standardizer) -> Vec<f64> {
    m.iter()
        .zip(&s.mean)
        .zip(&s.std)
        .map(|((x, mu), sd)| (x - f64::from(*mu)) / f64::from(*sd))
        .collect()
}

/// Fits the logistic head on `rows` (standardised by `s`) with C and MUSIFEAST weight `wm`.
fn fit_on(
    rows: &[&Row],
    s: &Standardizer,
    f: usize,
    c: f64,
    wm: f64,
) -> Result<mer_model::quadrant::Logistic> {
    let (mut x, mut y, mut w) = (Vec::new(), Vec::new(), Vec::new());
    for r in rows {
        let (q, weight) = match (r.quadrant, r.rating) {
            (Some(q), _) => (q, 1.0),
            (None, Some([a, v])) if wm > 0.0 => (Example::quadrant_of(a, v), wm),
            _ => continue,
        };
        x.extend(standardise(&r.mean, s));
        y.push(q - 1);
        w.push(weight);
    }
    Ok(fit_logistic(&x, f, &y, &w, c, TRAIN_TOL)?)
}

fn pearson(x: &[f64], y: &[f64]) -> f64 {
    mer_model::metrics::pearson(x, y)
}

/// How many clips the head learns quadrants from (4Q clips with their quadrant).
/// [`fit_quadrant_head`] needs two per inner fold; with fewer, training leaves the head out
/// and the quadrant stays the signs of the ridge's outputs (e.g. `mer train --preset default`
/// on DEAM alone).
pub fn quadrant_clips(examples: &[Example]) -> usize {
    examples
        .iter()
        .filter(|e| e.quadrant.is_some() && dataset_of(&e.id) == "4q")
        .count()
}

/// Chooses C, wm, T and τ by inner CV on `examples` (module docs) and fits the head on all of
/// them, standardised by `standardizer` (the model's). `lambda` and `quadrant_weight`: the
/// ridge recipe the head sits beside.
pub fn fit_quadrant_head(
    examples: &[Example],
    standardizer: &Standardizer,
    search: &QuadrantSearch,
    lambda: f64,
    quadrant_weight: f64,
) -> Result<(QuadrantHead, QuadrantChoice)> {
    let f = standardizer.mean.len();
    if search.cs.is_empty() || search.musifeast_weights.is_empty() || search.thresholds.is_empty() {
        return Err(TrainError::Invalid("empty quadrant-head search".into()));
    }
    if search.folds < 2 {
        return Err(TrainError::Invalid(format!(
            "the quadrant head's inner CV needs at least 2 folds, got {}",
            search.folds
        )));
    }
    let rows: Vec<Row> = examples
        .iter()
        .filter_map(|e| {
            let d = dataset_of(&e.id);
            let quadrant = e.quadrant.filter(|_| d == "4q");
            let rating = e.static_av.filter(|_| d == "musifeast");
            if quadrant.is_none() && rating.is_none() {
                return None;
            }
            let mut m = vec![0f64; f];
            for row in e.features.chunks_exact(f) {
                for (acc, &x) in m.iter_mut().zip(row) {
                    *acc += f64::from(x);
                }
            }
            m.iter_mut().for_each(|x| *x /= e.n_frames.max(1) as f64);
            Some(Row {
                id: &e.id,
                mean: m,
                quadrant,
                rating,
            })
        })
        .collect();
    if rows.iter().filter(|r| r.quadrant.is_some()).count() < 2 * search.folds {
        return Err(TrainError::Invalid(format!(
            "the quadrant head needs 4Q clips to train on, found {}",
            rows.iter().filter(|r| r.quadrant.is_some()).count()
        )));
    }
    let grid: Vec<(f64, f64)> = search
        .musifeast_weights
        .iter()
        .flat_map(|&wm| search.cs.iter().map(move |&c| (c, wm)))
        .collect();
    // Out-of-fold: logits per grid point, the ridge's static output, per row.
    let mut logits = vec![vec![[0f64; 4]; rows.len()]; grid.len()];
    let mut ridge_av = vec![[0f64; 2]; rows.len()];
    for fold in 0..search.folds {
        let in_fold = |id: &str| fold_of_clip(id, search.folds) == fold;
        let test: Vec<usize> = (0..rows.len()).filter(|&i| in_fold(rows[i].id)).collect();
        if test.is_empty() {
            continue;
        }
        let train_ex: Vec<Example> = examples
            .iter()
            .filter(|e| !in_fold(&e.id))
            .cloned()
            .collect();
        let (s, ridge) = fit_weak_ridge(&train_ex, f, lambda, quadrant_weight)?;
        let train_rows: Vec<&Row> = rows.iter().filter(|r| !in_fold(r.id)).collect();
        let xs: Vec<Vec<f64>> = test
            .iter()
            .map(|&i| standardise(&rows[i].mean, &s))
            .collect();
        for (&i, x) in test.iter().zip(&xs) {
            let mut o = [f64::from(ridge.bias[0]), f64::from(ridge.bias[1])];
            for (v, w) in x.iter().zip(ridge.weights.chunks_exact(2)) {
                o[0] += v * f64::from(w[0]);
                o[1] += v * f64::from(w[1]);
            }
            ridge_av[i] = o;
        }
        for (g, &(c, wm)) in grid.iter().enumerate() {
            let t0 = std::time::Instant::now();
            let m = fit_on(&train_rows, &s, f, c, wm)?;
            if std::env::var_os("MER_TRACE_QUADRANT").is_some() {
                eprintln!(
                    "    quadrant head: inner fold {fold}, C {c}, wm {wm}: {} L-BFGS iterations, {:.2} s",
                    m.iterations,
                    t0.elapsed().as_secs_f64()
                );
            }
            for (&i, x) in test.iter().zip(&xs) {
                logits[g][i] = m.logits(x);
            }
        }
    }
    let q4: Vec<usize> = (0..rows.len())
        .filter(|&i| rows[i].quadrant.is_some())
        .collect();
    let y4: Vec<u8> = q4
        .iter()
        .map(|&i| rows[i].quadrant.unwrap_or(1) - 1)
        .collect();
    let argmax = |l: &[f64; 4]| (0..4).fold(0, |b, k| if l[k] > l[b] { k } else { b }) as u8;
    let mut best: Option<(usize, f64, f64)> = None; // grid index, accuracy, log loss
    for (g, lg) in logits.iter().enumerate() {
        let l4: Vec<[f64; 4]> = q4.iter().map(|&i| lg[i]).collect();
        let acc =
            l4.iter().zip(&y4).filter(|(l, y)| argmax(l) == **y).count() as f64 / q4.len() as f64;
        let nll = temperature_nll(&l4, &y4, 1.0);
        if best.is_none_or(|(_, a, n)| acc > a || (acc == a && nll < n)) {
            best = Some((g, acc, nll));
        }
    }
    let (g, inner_accuracy, _) = best.expect("non-empty grid");
    let (c, wm) = grid[g];
    let l4: Vec<[f64; 4]> = q4.iter().map(|&i| logits[g][i]).collect();
    let temperature = fit_temperature(&l4, &y4);
    // τ by the combined score of ridge + head.
    let mut best_tau: Option<(f64, f64)> = None;
    for &tau in &search.thresholds {
        let probe = QuadrantHead {
            weights: Vec::new(),
            bias: [0.0; 4],
            temperature: temperature as f32,
            threshold: tau as f32,
        };
        let (mut pa, mut ta, mut pv, mut tv) = (vec![], vec![], vec![], vec![]);
        let mut correct = 0usize;
        for (i, r) in rows.iter().enumerate() {
            let d = probe.decide(logits[g][i], ridge_av[i][0] as f32, ridge_av[i][1] as f32);
            if let Some(q) = r.quadrant {
                correct += usize::from(d.quadrant == q);
            }
            if let Some([a, v]) = r.rating {
                pa.push(f64::from(d.arousal));
                ta.push(f64::from(a));
                pv.push(f64::from(d.valence));
                tv.push(f64::from(v));
            }
        }
        let mut score = correct as f64 / q4.len() as f64;
        for r in [pearson(&pa, &ta), pearson(&pv, &tv)] {
            if r.is_finite() {
                score += r;
            }
        }
        if best_tau.is_none_or(|(_, s)| score > s) {
            best_tau = Some((tau, score));
        }
    }
    let (threshold, inner_score) = best_tau.expect("non-empty thresholds");
    let all: Vec<&Row> = rows.iter().collect();
    let m = fit_on(&all, standardizer, f, c, wm)?;
    let head = QuadrantHead {
        weights: m.weights.iter().map(|&w| w as f32).collect(),
        bias: m.bias.map(|b| b as f32),
        temperature: temperature as f32,
        threshold: threshold as f32,
    };
    Ok((
        head,
        QuadrantChoice {
            c,
            musifeast_weight: wm,
            temperature,
            threshold,
            inner_accuracy,
            inner_score,
        },
    ))
}
