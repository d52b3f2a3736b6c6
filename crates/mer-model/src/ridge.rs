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
}

impl Ridge {
    /// Fits on standardised examples (see the module docs for which rows are used).
    pub fn fit(config: &RidgeConfig, examples: &[Example]) -> Result<Self> {
        let f = config.n_features;
        let mut rows: Vec<(Vec<f64>, [f64; 2])> = Vec::new();
        for ex in examples {
            if ex.n_features() != f {
                return Err(ModelError::FeatureMismatch {
                    expected: f,
                    found: ex.n_features(),
                });
            }
            if let Some((a, v)) = &ex.dynamic {
                for (t, row) in ex.features.chunks_exact(f).enumerate() {
                    let x = row.iter().map(|&v| f64::from(v)).collect();
                    rows.push((x, [f64::from(a[t]), f64::from(v[t])]));
                }
            } else if let Some([a, v]) = ex.static_av {
                let mut m = vec![0f64; f];
                for row in ex.features.chunks_exact(f) {
                    for (acc, &v) in m.iter_mut().zip(row) {
                        *acc += f64::from(v);
                    }
                }
                m.iter_mut().for_each(|x| *x /= ex.n_frames as f64);
                rows.push((m, [f64::from(a), f64::from(v)]));
            }
        }
        if rows.is_empty() {
            return Err(ModelError::Training(
                "ridge needs clips with dynamic or static labels".into(),
            ));
        }
        let n = rows.len() as f64;
        // Centre X and Y so the intercept is not penalised.
        let mut mx = vec![0f64; f];
        let mut my = [0f64; 2];
        for (x, y) in &rows {
            mx.iter_mut().zip(x).for_each(|(m, v)| *m += v / n);
            my[0] += y[0] / n;
            my[1] += y[1] / n;
        }
        let mut a = vec![0f64; f * f];
        let mut b = vec![0f64; f * 2];
        for (x, y) in &rows {
            let xc: Vec<f64> = x.iter().zip(&mx).map(|(v, m)| v - m).collect();
            for i in 0..f {
                for j in 0..=i {
                    a[i * f + j] += xc[i] * xc[j];
                }
                b[i * 2] += xc[i] * (y[0] - my[0]);
                b[i * 2 + 1] += xc[i] * (y[1] - my[1]);
            }
        }
        for i in 0..f {
            for j in 0..i {
                a[j * f + i] = a[i * f + j];
            }
            a[i * f + i] += config.lambda * n;
        }
        let weights = cholesky_solve(&mut a, &b, f, 2).ok_or_else(|| {
            ModelError::Training("ridge normal equations not positive definite".into())
        })?;
        let mut bias = my;
        for i in 0..f {
            bias[0] -= mx[i] * weights[i * 2];
            bias[1] -= mx[i] * weights[i * 2 + 1];
        }
        Ok(Self {
            weights: weights.iter().map(|&w| w as f32).collect(),
            bias: [bias[0] as f32, bias[1] as f32],
        })
    }

    /// Per-frame predictions for standardised features `[n_frames, n_features]` →
    /// (arousal[n_frames], valence[n_frames]).
    pub fn predict(&self, features: &[f32], n_features: usize) -> (Vec<f32>, Vec<f32>) {
        features
            .chunks_exact(n_features)
            .map(|row| {
                let mut o = [f64::from(self.bias[0]), f64::from(self.bias[1])];
                for (i, &x) in row.iter().enumerate() {
                    o[0] += f64::from(x) * f64::from(self.weights[i * 2]);
                    o[1] += f64::from(x) * f64::from(self.weights[i * 2 + 1]);
                }
                (o[0] as f32, o[1] as f32)
            })
            .unzip()
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
