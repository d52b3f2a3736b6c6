//! A quadrant classifier beside the ridge head: multinomial logistic regression with an L2
//! penalty on standardised clip features, temperature-scaled, and the rule that keeps the
//! regression's (arousal, valence) consistent with the quadrant it answers.
//!
//! - [`fit_logistic`]: minimises `C · Σ wᵢ · (−log pᵢ(yᵢ)) + ½‖W‖²` over the weights `W`
//!   `[n_features, 4]` and four unpenalised intercepts — scikit-learn's
//!   `LogisticRegression(C=C)` (multinomial, lbfgs) with `sample_weight`. Solved here by
//!   L-BFGS in f64, sequential and so deterministic (4 × 200 weights, ~900 rows: ~0.1 s).
//!   `linfa-logistic` was not used: its fit takes no sample weights, which the head needs
//!   (MUSIFEAST rows count `wm` of a 4Q row).
//! - [`fit_temperature`]: the `T` minimising the mean log loss of `softmax(logits / T)`
//!   (1-D, golden section on `ln T ∈ [−3, 3]`; scipy's bounded `minimize_scalar`).
//! - [`QuadrantHead::decide`], the **consistency rule**: with calibrated probabilities `p`
//!   of the clip's mean features (a linear head's logits of the mean are the mean of its
//!   per-frame logits), the answered quadrant is the classifier's `argmax p` when
//!   `max p ≥ τ` ([`QuadrantHead::threshold`]); then an arousal or valence value whose sign
//!   disagrees with that quadrant is projected onto it (set to ±[`PROJECTED`], the nearest
//!   point of the quadrant; the other value is kept). Below `τ` the quadrant is the signs of
//!   the regression's own (arousal, valence), unchanged. Either way `confidence` is the
//!   calibrated probability of the answered quadrant. Callers shift a 2 Hz series by the same
//!   offset as its static value ([`shift_series`]), so the series' mean stays the static value.

use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};

/// Quadrants (Russell: Q1 A+V+, Q2 A+V−, Q3 A−V−, Q4 A−V+); class `k` is quadrant `k + 1`.
pub const N_CLASSES: usize = 4;

/// Where a projected arousal or valence lands: just inside the answered quadrant.
pub const PROJECTED: f32 = 0.01;

/// A fitted quadrant head (stored in f32 in the model file's JSON header, so that it
/// round-trips exactly).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuadrantHead {
    /// Weights on the model's standardised features, row-major `[n_features, 4]`.
    pub weights: Vec<f32>,
    /// Intercepts of Q1..Q4.
    pub bias: [f32; 4],
    /// Temperature `T` (> 0): probabilities are `softmax(logits / T)`.
    pub temperature: f32,
    /// `τ`: the classifier answers the quadrant only when its top probability is ≥ this
    /// (0: always; above 1: never — the regression's signs decide, the probabilities still
    /// give `confidence`).
    pub threshold: f32,
}

/// What [`QuadrantHead::decide`] answers for one clip.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QuadrantDecision {
    /// Quadrant 1..=4.
    pub quadrant: u8,
    /// Calibrated probability of `quadrant`.
    pub confidence: f32,
    /// Calibrated probabilities of Q1..Q4.
    pub probabilities: [f32; 4],
    /// Static arousal after the rule (projected or kept).
    pub arousal: f32,
    /// Static valence after the rule.
    pub valence: f32,
    /// Whether the classifier answered (`max p ≥ τ`).
    pub from_classifier: bool,
}

/// Signs (arousal, valence) of quadrant `q` (1..=4).
fn signs(q: u8) -> [f32; 2] {
    crate::Example::quadrant_signs(q).unwrap_or([1.0, 1.0])
}

impl QuadrantHead {
    /// Features the head reads.
    pub fn n_features(&self) -> usize {
        self.weights.len() / N_CLASSES
    }

    /// Raw logits of one row of standardised features (extra features are ignored).
    pub fn logits(&self, x: &[f32]) -> [f64; 4] {
        let mut o = self.bias.map(f64::from);
        for (&v, w) in x.iter().zip(self.weights.chunks_exact(N_CLASSES)) {
            for k in 0..N_CLASSES {
                o[k] += f64::from(v) * f64::from(w[k]);
            }
        }
        o
    }

    /// Calibrated probabilities `softmax(logits / T)`.
    pub fn probabilities(&self, logits: [f64; 4]) -> [f64; 4] {
        softmax(logits.map(|l| l / f64::from(self.temperature)))
    }

    /// The consistency rule (module docs) for a clip whose mean raw logits are `logits` and
    /// whose regression answered (`arousal`, `valence`).
    pub fn decide(&self, logits: [f64; 4], arousal: f32, valence: f32) -> QuadrantDecision {
        let p = self.probabilities(logits);
        let top = (0..N_CLASSES).fold(0, |b, k| if p[k] > p[b] { k } else { b });
        let from_classifier = p[top] >= f64::from(self.threshold);
        let (quadrant, arousal, valence) = if from_classifier {
            let q = top as u8 + 1;
            let [sa, sv] = signs(q);
            let project = |x: f32, s: f32| {
                if (x >= 0.0) == (s > 0.0) {
                    x
                } else {
                    s * PROJECTED
                }
            };
            (q, project(arousal, sa), project(valence, sv))
        } else {
            (
                crate::Example::quadrant_of(arousal, valence),
                arousal,
                valence,
            )
        };
        QuadrantDecision {
            quadrant,
            confidence: p[usize::from(quadrant - 1)] as f32,
            probabilities: p.map(|x| x as f32),
            arousal,
            valence,
            from_classifier,
        }
    }
}

impl crate::MerModel {
    /// Raw logits of the model's quadrant head for every frame of raw (unstandardised)
    /// features `[n_frames, n_features]`, row-major `[n_frames, 4]`; `None` without a head
    /// or for a feature count that does not fit. The head is linear: the mean of these rows
    /// over a clip's frames is the head's logits of the clip's mean features.
    pub fn quadrant_logits(&self, features: &[f32], n_frames: usize) -> Option<Vec<f32>> {
        let head = self.header.quadrant.as_ref()?;
        let f = self.header.model.n_features();
        if n_frames.checked_mul(f) != Some(features.len()) {
            return None;
        }
        let mut x = features.to_vec();
        self.header.standardizer.apply(&mut x);
        Some(
            x.chunks_exact(f)
                .flat_map(|row| head.logits(row).map(|l| l as f32))
                .collect(),
        )
    }

    /// [`MerModel::predict`](crate::MerModel::predict) with the quadrant head's rule applied
    /// (module docs): the series are shifted so that their means are the decision's (arousal,
    /// valence). Without a head, the prediction and `None`.
    pub fn predict_with_quadrant(
        &self,
        features: &[f32],
        n_frames: usize,
    ) -> Result<(crate::Prediction, Option<QuadrantDecision>)> {
        let mut p = self.predict(features, n_frames)?;
        let (Some(head), Some(rows)) = (
            self.header.quadrant.as_ref(),
            self.quadrant_logits(features, n_frames),
        ) else {
            return Ok((p, None));
        };
        let d = head.decide(mean_logits(&rows), p.static_av[0], p.static_av[1]);
        shift_series(&mut p.arousal, p.static_av[0], d.arousal);
        shift_series(&mut p.valence, p.static_av[1], d.valence);
        p.static_av = [d.arousal, d.valence];
        Ok((p, Some(d)))
    }
}

/// The mean over frames of per-frame logits `[n_frames, 4]` (f64 sums).
pub fn mean_logits(rows: &[f32]) -> [f64; 4] {
    let mut m = [0f64; 4];
    let n = (rows.len() / N_CLASSES).max(1) as f64;
    for r in rows.chunks_exact(N_CLASSES) {
        for k in 0..N_CLASSES {
            m[k] += f64::from(r[k]);
        }
    }
    m.map(|x| x / n)
}

/// Adds `to - from` to every value of `series`: a series whose mean was the static value
/// `from` then has the mean `to` (the projection of [`QuadrantHead::decide`]).
pub fn shift_series(series: &mut [f32], from: f32, to: f32) {
    let d = to - from;
    if d != 0.0 {
        series.iter_mut().for_each(|x| *x += d);
    }
}

/// Numerically stable softmax.
pub fn softmax(l: [f64; 4]) -> [f64; 4] {
    let m = l.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e = l.map(|x| (x - m).exp());
    let s: f64 = e.iter().sum();
    e.map(|x| x / s)
}

/// Log-softmax.
fn log_softmax(l: [f64; 4]) -> [f64; 4] {
    let m = l.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let s: f64 = l.iter().map(|x| (x - m).exp()).sum::<f64>().ln() + m;
    l.map(|x| x - s)
}

/// A fitted multinomial logistic regression: weights `[n_features, 4]` row-major, intercepts.
#[derive(Clone, Debug, PartialEq)]
pub struct Logistic {
    /// Weights, row-major `[n_features, 4]`.
    pub weights: Vec<f64>,
    /// Intercepts.
    pub bias: [f64; 4],
    /// L-BFGS iterations run.
    pub iterations: usize,
}

impl Logistic {
    /// Logits of one row.
    pub fn logits(&self, x: &[f64]) -> [f64; 4] {
        let mut o = self.bias;
        for (&v, w) in x.iter().zip(self.weights.chunks_exact(N_CLASSES)) {
            for k in 0..N_CLASSES {
                o[k] += v * w[k];
            }
        }
        o
    }
}

/// Objective `(1/S)·[Σ wᵢ·CEᵢ + ‖W‖²/(2C)]` (S = Σ w: the minimiser of scikit-learn's
/// objective, scaled to O(1)) and its gradient, over θ = (W row-major, b).
fn objective(
    theta: &[f64],
    x: &[f64],
    f: usize,
    y: &[u8],
    w: &[f64],
    inv_cs: f64,
    s: f64,
    grad: &mut [f64],
) -> f64 {
    let nw = f * N_CLASSES;
    grad.iter_mut().for_each(|g| *g = 0.0);
    let mut loss = 0.0;
    for (i, (&yi, &wi)) in y.iter().zip(w).enumerate() {
        let row = &x[i * f..(i + 1) * f];
        let mut l = [0f64; 4];
        l.copy_from_slice(&theta[nw..]);
        for (&v, wk) in row.iter().zip(theta[..nw].chunks_exact(N_CLASSES)) {
            for k in 0..N_CLASSES {
                l[k] += v * wk[k];
            }
        }
        let lp = log_softmax(l);
        loss -= wi * lp[usize::from(yi)];
        let mut d = lp.map(|v| wi * v.exp());
        d[usize::from(yi)] -= wi;
        for (&v, gk) in row.iter().zip(grad[..nw].chunks_exact_mut(N_CLASSES)) {
            for k in 0..N_CLASSES {
                gk[k] += v * d[k];
            }
        }
        for k in 0..N_CLASSES {
            grad[nw + k] += d[k];
        }
    }
    let mut reg = 0.0;
    for (g, &t) in grad[..nw].iter_mut().zip(&theta[..nw]) {
        reg += t * t;
        *g += inv_cs * s * t;
    }
    grad.iter_mut().for_each(|g| *g /= s);
    (loss + 0.5 * inv_cs * s * reg) / s
}

/// Fits a multinomial logistic regression (see the module docs) on rows `x`
/// `[n, n_features]` with classes `y` (0..4) and positive weights `w`, penalty `C`, until the
/// gradient's max-norm of the objective scaled by `1/Σw` is below `tol` (or 20 000 L-BFGS
/// iterations). [`TRAIN_TOL`] for training; the sklearn fixture test uses 1e-10.
pub fn fit_logistic(
    x: &[f64],
    n_features: usize,
    y: &[u8],
    w: &[f64],
    c: f64,
    tol: f64,
) -> Result<Logistic> {
    let f = n_features;
    let n = y.len();
    if n == 0 || x.len() != n * f || w.len() != n {
        return Err(ModelError::Training(format!(
            "logistic: {} rows of {f} features, {n} labels, {} weights",
            x.len().checked_div(f).unwrap_or(0),
            w.len()
        )));
    }
    if !(c.is_finite() && c > 0.0) {
        return Err(ModelError::Training(format!("logistic: C = {c}")));
    }
    if let Some(i) = y.iter().position(|&k| usize::from(k) >= N_CLASSES) {
        return Err(ModelError::Training(format!(
            "logistic: row {i} has class {}",
            y[i]
        )));
    }
    if let Some(i) = w.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
        return Err(ModelError::Training(format!(
            "logistic: row {i} has weight {}",
            w[i]
        )));
    }
    if let Some(i) = x.iter().position(|v| !v.is_finite()) {
        return Err(ModelError::Training(format!(
            "logistic: feature {} of row {} is {}",
            i % f,
            i / f,
            x[i]
        )));
    }
    let s: f64 = w.iter().sum();
    let inv_cs = 1.0 / (c * s);
    let dim = f * N_CLASSES + N_CLASSES;
    let mut theta = vec![0f64; dim];
    let mut g = vec![0f64; dim];
    let mut fx = objective(&theta, x, f, y, w, inv_cs, s, &mut g);
    const M: usize = 10;
    let (mut ss, mut ys): (Vec<Vec<f64>>, Vec<Vec<f64>>) = (Vec::new(), Vec::new());
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    let mut iterations = 0;
    let mut g_new = vec![0f64; dim];
    while iterations < 20_000 {
        if g.iter().fold(0f64, |m, v| m.max(v.abs())) < tol {
            break;
        }
        iterations += 1;
        // Two-loop recursion: d = −H·g.
        let mut q = g.clone();
        let mut alpha = vec![0f64; ss.len()];
        for j in (0..ss.len()).rev() {
            alpha[j] = dot(&ss[j], &q) / dot(&ys[j], &ss[j]);
            q.iter_mut()
                .zip(&ys[j])
                .for_each(|(a, b)| *a -= alpha[j] * b);
        }
        let gamma = match ss.last() {
            Some(sl) => {
                dot(sl, ys.last().expect("paired"))
                    / dot(ys.last().expect("paired"), ys.last().expect("paired"))
            }
            None => 1.0 / g.iter().map(|v| v.abs()).sum::<f64>().max(1e-12),
        };
        q.iter_mut().for_each(|v| *v *= gamma);
        for j in 0..ss.len() {
            let beta = dot(&ys[j], &q) / dot(&ys[j], &ss[j]);
            q.iter_mut()
                .zip(&ss[j])
                .for_each(|(a, b)| *a += (alpha[j] - beta) * b);
        }
        let mut d: Vec<f64> = q.iter().map(|v| -v).collect();
        let mut slope = dot(&d, &g);
        if slope >= 0.0 {
            // Not a descent direction (numerical): restart from steepest descent.
            ss.clear();
            ys.clear();
            d = g.iter().map(|v| -v).collect();
            slope = dot(&d, &g);
        }
        // Backtracking (Armijo) line search from the full step.
        let mut step = 1.0;
        let mut accepted = None;
        for _ in 0..60 {
            let t: Vec<f64> = theta.iter().zip(&d).map(|(a, b)| a + step * b).collect();
            let ft = objective(&t, x, f, y, w, inv_cs, s, &mut g_new);
            if ft <= fx + 1e-4 * step * slope {
                accepted = Some((t, ft));
                break;
            }
            step *= 0.5;
        }
        let Some((t, ft)) = accepted else {
            break; // no decrease possible at this precision: converged
        };
        let sv: Vec<f64> = t.iter().zip(&theta).map(|(a, b)| a - b).collect();
        let yv: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        if dot(&sv, &yv) > 1e-16 {
            if ss.len() == M {
                ss.remove(0);
                ys.remove(0);
            }
            ss.push(sv);
            ys.push(yv);
        }
        theta = t;
        std::mem::swap(&mut g, &mut g_new);
        fx = ft;
    }
    let nw = f * N_CLASSES;
    let mut bias = [0f64; 4];
    bias.copy_from_slice(&theta[nw..]);
    // The intercepts are defined up to a common constant: centre them (as the weights are).
    let mb = bias.iter().sum::<f64>() / N_CLASSES as f64;
    bias.iter_mut().for_each(|b| *b -= mb);
    theta.truncate(nw);
    Ok(Logistic {
        weights: theta,
        bias,
        iterations,
    })
}

/// The gradient tolerance [`fit_logistic`] trains with: probabilities then agree with a
/// converged fit to ~1e-4 (the quadrant head is stored in f32 anyway).
pub const TRAIN_TOL: f64 = 1e-6;

/// Mean log loss of `softmax(logits / t)` for classes `y` (0..4).
pub fn temperature_nll(logits: &[[f64; 4]], y: &[u8], t: f64) -> f64 {
    let n = y.len().max(1) as f64;
    logits
        .iter()
        .zip(y)
        .map(|(l, &k)| -log_softmax(l.map(|v| v / t))[usize::from(k)])
        .sum::<f64>()
        / n
}

/// The temperature in `[e⁻³, e³]` minimising [`temperature_nll`] (golden section on `ln T`,
/// to ~1e-10). 1 for no rows.
pub fn fit_temperature(logits: &[[f64; 4]], y: &[u8]) -> f64 {
    if y.is_empty() {
        return 1.0;
    }
    let nll = |lt: f64| temperature_nll(logits, y, lt.exp());
    let r = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (-3.0f64, 3.0f64);
    let mut c = b - r * (b - a);
    let mut d = a + r * (b - a);
    let (mut fc, mut fd) = (nll(c), nll(d));
    for _ in 0..80 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - r * (b - a);
            fc = nll(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + r * (b - a);
            fd = nll(d);
        }
    }
    ((a + b) / 2.0).exp()
}

/// One bin of a reliability table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    /// Confidence interval `(lo, hi]`.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
    /// Clips in the bin.
    pub n: usize,
    /// Their mean confidence.
    pub confidence: f64,
    /// Their accuracy.
    pub accuracy: f64,
}

/// Top-label expected calibration error over `bins` equal-width confidence bins `(lo, hi]`,
/// and the non-empty bins: `answers` are (confidence of the answered quadrant, whether it was
/// right).
pub fn ece(answers: &[(f64, bool)], bins: usize) -> (f64, Vec<ReliabilityBin>) {
    let n = answers.len().max(1) as f64;
    let mut table = Vec::new();
    let mut e = 0.0;
    for b in 0..bins {
        let (lo, hi) = (b as f64 / bins as f64, (b + 1) as f64 / bins as f64);
        let inside: Vec<&(f64, bool)> = answers
            .iter()
            .filter(|(c, _)| *c > lo && *c <= hi)
            .collect();
        if inside.is_empty() {
            continue;
        }
        let k = inside.len() as f64;
        let conf = inside.iter().map(|(c, _)| c).sum::<f64>() / k;
        let acc = inside.iter().filter(|(_, ok)| *ok).count() as f64 / k;
        e += k / n * (acc - conf).abs();
        table.push(ReliabilityBin {
            lo,
            hi,
            n: inside.len(),
            confidence: conf,
            accuracy: acc,
        });
    }
    (e, table)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(threshold: f32) -> QuadrantHead {
        // One feature; logits favour Q2 for x > 0 and Q4 for x < 0.
        QuadrantHead {
            weights: vec![0.0, 2.0, 0.0, -2.0],
            bias: [0.0; 4],
            temperature: 1.0,
            threshold,
        }
    }

    #[test]
    fn the_rule_projects_only_above_the_threshold() {
        let h = head(0.6);
        let l = h.logits(&[2.0]); // logits (0, 4, 0, −4): p(Q2) ≈ 0.965
        // Regression says Q1 (A+ V+): valence is projected to −0.01, arousal kept.
        let d = h.decide(l, 0.3, 0.2);
        assert_eq!((d.quadrant, d.arousal, d.valence), (2, 0.3, -PROJECTED));
        assert!(
            d.from_classifier && (d.confidence - 0.9647).abs() < 1e-3,
            "{d:?}"
        );
        // Below τ (x = 0: all 0.25) the regression's signs stand, confidence = p(that Q).
        let d = h.decide(h.logits(&[0.0]), -0.3, 0.2);
        assert_eq!((d.quadrant, d.arousal, d.valence), (4, -0.3, 0.2));
        assert!(!d.from_classifier && (d.confidence - 0.25).abs() < 1e-6);
        // τ above 1: never the classifier.
        assert!(!head(1.5).decide(l, 0.3, 0.2).from_classifier);
        let mut s = vec![0.1, 0.3, 0.5];
        shift_series(&mut s, 0.3, -0.01);
        let mean = s.iter().sum::<f32>() / 3.0;
        assert!((mean + 0.01).abs() < 1e-6, "{s:?}");
    }

    #[test]
    fn weight_two_equals_a_duplicated_row_and_bad_input_is_an_error() {
        let rows = 24;
        let x: Vec<f64> = (0..rows * 3)
            .map(|i| ((i * 37 % 17) as f64 / 8.0) - 1.0)
            .collect();
        let y: Vec<u8> = (0..rows).map(|i| (i % 4) as u8).collect();
        let mut w = vec![1.0; rows];
        w[5] = 2.0;
        let a = fit_logistic(&x, 3, &y, &w, 0.5, 1e-10).unwrap();
        let mut x2 = x.clone();
        x2.extend_from_slice(&x[15..18]);
        let mut y2 = y.clone();
        y2.push(y[5]);
        let b = fit_logistic(&x2, 3, &y2, &vec![1.0; rows + 1], 0.5, 1e-10).unwrap();
        for (p, q) in a
            .weights
            .iter()
            .zip(&b.weights)
            .chain(a.bias.iter().zip(&b.bias))
        {
            assert!((p - q).abs() < 1e-6, "{a:?} vs {b:?}");
        }
        assert!(fit_logistic(&x, 3, &y, &w, 0.0, 1e-10).is_err());
        w[0] = f64::NAN;
        assert!(fit_logistic(&x, 3, &y, &w, 0.5, 1e-10).is_err());
        let mut bad = y.clone();
        bad[0] = 4;
        assert!(fit_logistic(&x, 3, &bad, &vec![1.0; rows], 0.5, 1e-10).is_err());
    }

    #[test]
    fn ece_of_a_known_table() {
        // Bin (0.5, 0.6]: conf 0.55, 1 of 2 right → |0.5 − 0.55| · 2/4; bin (0.9, 1]: conf
        // 0.95, 2 of 2 right → 0.05 · 2/4.
        let (e, t) = ece(
            &[(0.55, true), (0.55, false), (0.95, true), (0.95, true)],
            10,
        );
        assert!((e - 0.05).abs() < 1e-12, "{e}");
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].n, 2);
    }
}
