//! Ridge regression on frame features: the linear baseline, solved in closed form.
//!
//! Per frame, `[arousal, valence] = x·W + b` on standardised features `x`. Rows: every frame
//! of clips with dynamic labels; for a clip with only a static label, one row of its mean
//! features (a linear model's mean prediction is its prediction of the mean features, so this
//! is exactly "MSE on the mean of the predicted series"). Quadrant-only clips are ignored.

use serde::{Deserialize, Serialize};

use crate::data::Example;
use crate::error::{ModelError, Result};

/// Configuration of a [`Ridge`] regression.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RidgeConfig {
    /// Features per frame.
    pub n_features: usize,
    /// L2 penalty λ on the weights (not the intercept), in units of "rows": the normal
    /// equations are `(XᵀX + λ·n·I) W = XᵀY` with n rows. Default 1e-2 (chosen).
    pub lambda: f64,
}

impl Default for RidgeConfig {
    fn default() -> Self {
        Self {
            n_features: 40,
            lambda: 1e-2,
        }
    }
}

/// A fitted ridge regression (solved in f64, stored in f32 so that the JSON header
/// round-trips exactly).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ridge {
    /// Weights, row-major `[n_features, 2]`.
    pub weights: Vec<f32>,
    /// Intercepts (arousal, valence).
    pub bias: [f32; 2],
    /// Width (frames) of the centred moving average applied to the per-frame predictions;
    /// 0 or 1 = none. At the ends the average covers the frames that exist. A linear map of
    /// 3 s musicnn patches every 0.5 s jitters from frame to frame; 5 frames (2.5 s) keeps the
    /// series' shape and steadies it across encodings of the same music.
    #[serde(default)]
    pub smooth_frames: usize,
}

impl Ridge {
    /// Fits on standardised examples (see the module docs for which rows are used).
    pub fn fit(config: &RidgeConfig, examples: &[Example]) -> Result<Self> {
        let f = config.n_features;
        let row = |x: Vec<f64>, y: [f64; 2]| RidgeRow {
            x,
            y,
            weight: 1.0,
            group: 0,
        };
        let mut rows: Vec<RidgeRow> = Vec::new();
        for ex in examples {
            if ex.n_features() != f {
                return Err(ModelError::FeatureMismatch {
                    expected: f,
                    found: ex.n_features(),
                });
            }
            if let Some((a, v)) = &ex.dynamic {
                for (t, frame) in ex.features.chunks_exact(f).enumerate() {
                    let x = frame.iter().map(|&v| f64::from(v)).collect();
                    rows.push(row(x, [f64::from(a[t]), f64::from(v[t])]));
                }
            } else if let Some([a, v]) = ex.static_av {
                let mut m = vec![0f64; f];
                for frame in ex.features.chunks_exact(f) {
                    for (acc, &v) in m.iter_mut().zip(frame) {
                        *acc += f64::from(v);
                    }
                }
                m.iter_mut().for_each(|x| *x /= ex.n_frames as f64);
                rows.push(row(m, [f64::from(a), f64::from(v)]));
            }
        }
        if rows.is_empty() {
            return Err(ModelError::Training(
                "ridge needs clips with dynamic or static labels".into(),
            ));
        }
        // One group, unit weights: the intercept is unpenalised, λ is per row.
        let lambda = config.lambda * rows.len() as f64;
        Self::fit_grouped(&rows, f, lambda, 0)
    }

    /// Per-frame predictions for standardised features `[n_frames, n_features]` →
    /// (`arousal[n_frames]`, `valence[n_frames]`). `weights` must hold `2·n_features` values
    /// (a model file's are checked on load); extra features or weights are ignored.
    pub fn predict(&self, features: &[f32], n_features: usize) -> (Vec<f32>, Vec<f32>) {
        let (a, v): (Vec<f32>, Vec<f32>) = features
            .chunks_exact(n_features)
            .map(|row| {
                let mut o = [f64::from(self.bias[0]), f64::from(self.bias[1])];
                for (&x, w) in row.iter().zip(self.weights.chunks_exact(2)) {
                    o[0] += f64::from(x) * f64::from(w[0]);
                    o[1] += f64::from(x) * f64::from(w[1]);
                }
                (o[0] as f32, o[1] as f32)
            })
            .unzip();
        (
            moving_average(&a, self.smooth_frames),
            moving_average(&v, self.smooth_frames),
        )
    }
}

/// Centred moving average over `width` frames (`width / 2` on each side; fewer at the ends).
fn moving_average(x: &[f32], width: usize) -> Vec<f32> {
    if width <= 1 {
        return x.to_vec();
    }
    let h = width / 2;
    (0..x.len())
        .map(|t| {
            let w = &x[t.saturating_sub(h)..(t + h + 1).min(x.len())];
            (w.iter().map(|&v| f64::from(v)).sum::<f64>() / w.len() as f64) as f32
        })
        .collect()
}

/// One row of [`Ridge::fit_grouped`]: features (already standardised), target
/// (arousal, valence), weight and group (e.g. the dataset the row comes from).
#[derive(Clone, Debug, PartialEq)]
pub struct RidgeRow {
    /// Features `[n_features]`.
    pub x: Vec<f64>,
    /// Target (arousal, valence).
    pub y: [f64; 2],
    /// Weight of the row's squared error (> 0).
    pub weight: f64,
    /// Group index; each group gets its own unpenalised intercept.
    pub group: usize,
}

impl Ridge {
    /// Weighted ridge regression with one unpenalised intercept per group: minimises
    /// `Σ wᵢ (yᵢ − xᵢ·β − b_{gᵢ})² + λ‖β‖²` (scikit-learn's `Ridge(alpha=λ)` with
    /// `sample_weight` and one-hot group columns left unpenalised). Datasets rated on
    /// different scales (e.g. one whose clips are mostly positive) then share the weights
    /// without their offsets pulling on them. The stored bias is the intercept of group
    /// `zero_group`, which defines where 0 lies.
    pub fn fit_grouped(
        rows: &[RidgeRow],
        n_features: usize,
        lambda: f64,
        zero_group: usize,
    ) -> Result<Self> {
        let f = n_features;
        let n_groups = rows.iter().map(|r| r.group + 1).max().unwrap_or(0);
        if rows.iter().all(|r| r.group != zero_group) {
            return Err(ModelError::Training(format!(
                "ridge: no row in the zero group {zero_group}"
            )));
        }
        if let Some(r) = rows.iter().find(|r| r.x.len() != f) {
            return Err(ModelError::FeatureMismatch {
                expected: f,
                found: r.x.len(),
            });
        }
        if let Some(r) = rows.iter().find(|r| {
            !(r.weight > 0.0 && r.weight.is_finite())
                || r.y.iter().any(|v| !v.is_finite())
                || r.x.iter().any(|v| !v.is_finite())
        }) {
            return Err(ModelError::Training(format!(
                "ridge: row with weight {} and target {:?} is not finite/positive",
                r.weight, r.y
            )));
        }
        // Weighted group means: the unpenalised intercepts absorb them exactly.
        let mut wsum = vec![0f64; n_groups];
        let mut mx = vec![vec![0f64; f]; n_groups];
        let mut my = vec![[0f64; 2]; n_groups];
        for r in rows {
            wsum[r.group] += r.weight;
            for (m, x) in mx[r.group].iter_mut().zip(&r.x) {
                *m += r.weight * x;
            }
            my[r.group][0] += r.weight * r.y[0];
            my[r.group][1] += r.weight * r.y[1];
        }
        for g in 0..n_groups {
            if wsum[g] > 0.0 {
                mx[g].iter_mut().for_each(|m| *m /= wsum[g]);
                my[g][0] /= wsum[g];
                my[g][1] /= wsum[g];
            }
        }
        let mut a = vec![0f64; f * f];
        let mut b = vec![0f64; f * 2];
        for r in rows {
            let g = r.group;
            let xc: Vec<f64> = r.x.iter().zip(&mx[g]).map(|(v, m)| v - m).collect();
            let yc = [r.y[0] - my[g][0], r.y[1] - my[g][1]];
            for i in 0..f {
                let wx = r.weight * xc[i];
                for j in 0..=i {
                    a[i * f + j] += wx * xc[j];
                }
                b[i * 2] += wx * yc[0];
                b[i * 2 + 1] += wx * yc[1];
            }
        }
        for i in 0..f {
            for j in 0..i {
                a[j * f + i] = a[i * f + j];
            }
            a[i * f + i] += lambda;
        }
        let weights = cholesky_solve(&mut a, &b, f, 2).ok_or_else(|| {
            ModelError::Training("ridge normal equations not positive definite".into())
        })?;
        let g = zero_group;
        let mut bias = my[g];
        for i in 0..f {
            bias[0] -= mx[g][i] * weights[i * 2];
            bias[1] -= mx[g][i] * weights[i * 2 + 1];
        }
        Ok(Self {
            weights: weights.iter().map(|&w| w as f32).collect(),
            bias: [bias[0] as f32, bias[1] as f32],
            smooth_frames: 0,
        })
    }
}

/// Solves `A X = B` for symmetric positive-definite `A` `[n, n]` (overwritten by its
/// Cholesky factor) and `B` `[n, m]`; `None` if `A` is not positive definite.
fn cholesky_solve(a: &mut [f64], b: &[f64], n: usize, m: usize) -> Option<Vec<f64>> {
    for j in 0..n {
        let mut d = a[j * n + j];
        for k in 0..j {
            d -= a[j * n + k] * a[j * n + k];
        }
        if d <= 0.0 || !d.is_finite() {
            return None;
        }
        let d = d.sqrt();
        a[j * n + j] = d;
        for i in j + 1..n {
            let mut s = a[i * n + j];
            for k in 0..j {
                s -= a[i * n + k] * a[j * n + k];
            }
            a[i * n + j] = s / d;
        }
    }
    let mut x = b.to_vec();
    for c in 0..m {
        // L y = b
        for i in 0..n {
            let mut s = x[i * m + c];
            for k in 0..i {
                s -= a[i * n + k] * x[k * m + c];
            }
            x[i * m + c] = s / a[i * n + i];
        }
        // Lᵀ x = y
        for i in (0..n).rev() {
            let mut s = x[i * m + c];
            for k in i + 1..n {
                s -= a[k * n + i] * x[k * m + c];
            }
            x[i * m + c] = s / a[i * n + i];
        }
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smoothing_is_a_centred_moving_average() {
        let x = [0.0, 3.0, 0.0, 3.0, 6.0];
        assert_eq!(moving_average(&x, 1), x.to_vec());
        assert_eq!(moving_average(&x, 3), vec![1.5, 1.0, 2.0, 3.0, 4.5]);
        let r = Ridge {
            weights: vec![1.0, 0.0],
            bias: [0.0, 0.0],
            smooth_frames: 3,
        };
        assert_eq!(r.predict(&x, 1).0, vec![1.5, 1.0, 2.0, 3.0, 4.5]);
    }

    #[test]
    fn grouped_fit_shares_the_slope_and_keeps_each_offset() {
        // Two groups, same slopes (a = 1.5·x0, v = −x1), offsets +0.4 (group 1) and 0
        // (group 0): a plain ridge would bend the slope to fit the offsets.
        let mut rows = Vec::new();
        for t in 0..40 {
            let g = t % 2;
            let x0 = (t as f64 * 0.3).sin() + g as f64; // groups differ in x too
            let x1 = (t as f64 * 0.7).cos();
            let off = if g == 1 { 0.4 } else { 0.0 };
            rows.push(RidgeRow {
                x: vec![x0, x1],
                y: [1.5 * x0 + off, -x1 + off],
                weight: 1.0,
                group: g,
            });
        }
        let r = Ridge::fit_grouped(&rows, 2, 1e-9, 0).unwrap();
        let w = &r.weights;
        assert!(
            (w[0] - 1.5).abs() < 1e-5 && (w[3] + 1.0).abs() < 1e-5,
            "{w:?}"
        );
        assert!(
            r.bias[0].abs() < 1e-5 && r.bias[1].abs() < 1e-5,
            "{:?}",
            r.bias
        );
        let r1 = Ridge::fit_grouped(&rows, 2, 1e-9, 1).unwrap();
        assert!((r1.bias[0] - 0.4).abs() < 1e-5, "{:?}", r1.bias);
    }

    #[test]
    fn grouped_fit_weight_two_equals_a_duplicated_row() {
        let row = |t: usize, w: f64| RidgeRow {
            x: vec![(t as f64).sin(), (t as f64 * 0.5).cos(), t as f64 * 0.01],
            y: [(t as f64 * 0.9).cos(), (t as f64).sin() * 0.3],
            weight: w,
            group: 0,
        };
        let mut weighted: Vec<RidgeRow> = (0..30).map(|t| row(t, 1.0)).collect();
        weighted[7].weight = 2.0;
        let mut duplicated: Vec<RidgeRow> = (0..30).map(|t| row(t, 1.0)).collect();
        duplicated.push(row(7, 1.0));
        let a = Ridge::fit_grouped(&weighted, 3, 0.5, 0).unwrap();
        let b = Ridge::fit_grouped(&duplicated, 3, 0.5, 0).unwrap();
        for (x, y) in a
            .weights
            .iter()
            .zip(&b.weights)
            .chain(a.bias.iter().zip(&b.bias))
        {
            assert!((x - y).abs() < 1e-6, "{a:?} vs {b:?}");
        }
        // A bad weight or a missing zero group is an error, not a panic.
        weighted[0].weight = f64::NAN;
        assert!(Ridge::fit_grouped(&weighted, 3, 0.5, 0).is_err());
        assert!(Ridge::fit_grouped(&duplicated, 3, 0.5, 5).is_err());
    }

    #[test]
    fn recovers_a_noiseless_linear_map() {
        // y_a = 2·x0 − x1 + 0.5, y_v = x1 + 0.1, over 50 frames.
        let mut feats = Vec::new();
        let (mut a, mut v) = (Vec::new(), Vec::new());
        for t in 0..50 {
            let (x0, x1) = ((t as f32 * 0.37).sin(), (t as f32 * 0.11).cos());
            feats.extend([x0, x1]);
            a.push(2.0 * x0 - x1 + 0.5);
            v.push(x1 + 0.1);
        }
        let ex = Example {
            id: "lin".into(),
            features: feats,
            n_frames: 50,
            dynamic: Some((a, v)),
            ..Default::default()
        };
        let cfg = RidgeConfig {
            n_features: 2,
            lambda: 1e-9,
        };
        let r = Ridge::fit(&cfg, &[ex]).unwrap();
        let w = &r.weights;
        assert!(
            (w[0] - 2.0).abs() < 1e-4 && (w[2] + 1.0).abs() < 1e-4,
            "{w:?}"
        );
        assert!(w[1].abs() < 1e-4 && (w[3] - 1.0).abs() < 1e-4, "{w:?}");
        assert!((r.bias[0] - 0.5).abs() < 1e-4 && (r.bias[1] - 0.1).abs() < 1e-4);
    }
}
