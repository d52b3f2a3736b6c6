//! Evaluation metrics of MediaEval "Emotion in Music" and friends, in f64.
//!
//! - dynamic: RMSE and Pearson r per song, averaged over songs (mean ± std, as MediaEval
//!   2015 reports), plus RMSE, r and Lin's concordance correlation (CCC) over all frames pooled;
//! - static: r, RMSE and R² over clips;
//! - quadrants: accuracy, macro-F1 and the 4×4 confusion matrix (rows true, columns predicted);

use serde::{Deserialize, Serialize};

/// Mean of a slice (0 for empty).
fn mean(x: &[f64]) -> f64 {
    if x.is_empty() {
        0.0
    } else {
        x.iter().sum::<f64>() / x.len() as f64
    }
}

/// Root mean squared error between two equal-length series.
pub fn rmse(pred: &[f64], truth: &[f64]) -> f64 {
    let n = pred.len().min(truth.len());
    if n == 0 {
        return f64::NAN;
    }
    let se: f64 = pred.iter().zip(truth).map(|(p, t)| (p - t) * (p - t)).sum();
    (se / n as f64).sqrt()
}

/// Pearson correlation of f64 or f32 series (computed in f64); NaN when either series is
/// constant (undefined).
pub fn pearson<T: Copy + Into<f64>>(x: &[T], y: &[T]) -> f64 {
    let n = x.len().min(y.len());
    if n < 2 {
        return f64::NAN;
    }
    let x: Vec<f64> = x[..n].iter().map(|&v| v.into()).collect();
    let y: Vec<f64> = y[..n].iter().map(|&v| v.into()).collect();
    let (mx, my) = (mean(&x), mean(&y));
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx <= 0.0 || syy <= 0.0 {
        return f64::NAN;
    }
    sxy / (sxx * syy).sqrt()
}

/// Lin's concordance correlation coefficient `2·cov / (var_x + var_y + (μx − μy)²)`
/// (population moments, as in Lin 1989).
pub fn ccc(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len().min(y.len());
    if n == 0 {
        return f64::NAN;
    }
    let (mx, my) = (mean(&x[..n]), mean(&y[..n]));
    let nf = n as f64;
    let cov = x
        .iter()
        .zip(y)
        .map(|(a, b)| (a - mx) * (b - my))
        .sum::<f64>()
        / nf;
    let vx = x.iter().map(|a| (a - mx) * (a - mx)).sum::<f64>() / nf;
    let vy = y.iter().map(|b| (b - my) * (b - my)).sum::<f64>() / nf;
    let den = vx + vy + (mx - my) * (mx - my);
    if den <= 0.0 {
        f64::NAN
    } else {
        2.0 * cov / den
    }
}

/// Coefficient of determination `1 − SS_res / SS_tot` of predictions against truth.
pub fn r2(pred: &[f64], truth: &[f64]) -> f64 {
    let mt = mean(truth);
    let ss_tot: f64 = truth.iter().map(|t| (t - mt) * (t - mt)).sum();
    let ss_res: f64 = pred.iter().zip(truth).map(|(p, t)| (p - t) * (p - t)).sum();
    if ss_tot <= 0.0 {
        f64::NAN
    } else {
        1.0 - ss_res / ss_tot
    }
}

/// Mean and (population) standard deviation of the finite values; `n` counts them.
#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq)]
pub struct MeanStd {
    /// Mean.
    pub mean: f64,
    /// Population standard deviation.
    pub std: f64,
    /// Values that were finite (songs where the metric is defined).
    pub n: usize,
}

impl MeanStd {
    /// Summarises `values`, skipping NaN (e.g. Pearson r of a constant series).
    pub fn of(values: &[f64]) -> Self {
        let v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
        let m = mean(&v);
        let var = if v.is_empty() {
            f64::NAN
        } else {
            v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / v.len() as f64
        };
        Self {
            mean: if v.is_empty() { f64::NAN } else { m },
            std: var.sqrt(),
            n: v.len(),
        }
    }
}

/// Dynamic (per-frame) metrics of one dimension (arousal or valence).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DynamicMetrics {
    /// RMSE per song, averaged over songs.
    pub rmse_per_song: MeanStd,
    /// Pearson r per song, averaged over songs with a non-constant series.
    pub r_per_song: MeanStd,
    /// Lin's CCC per song, averaged over songs.
    pub ccc_per_song: MeanStd,
    /// RMSE over all frames pooled.
    pub rmse_pooled: f64,
    /// Pearson r over all frames pooled.
    pub r_pooled: f64,
    /// Lin's CCC over all frames pooled.
    pub ccc_pooled: f64,
    /// Songs.
    pub songs: usize,
    /// Frames.
    pub frames: usize,
}

/// Dynamic metrics over songs: `songs[i] = (pred series, true series)` of one dimension.
pub fn dynamic_metrics(songs: &[(Vec<f64>, Vec<f64>)]) -> DynamicMetrics {
    let mut rm = Vec::new();
    let mut rr = Vec::new();
    let mut cc = Vec::new();
    let (mut pp, mut tt) = (Vec::new(), Vec::new());
    for (p, t) in songs {
        let n = p.len().min(t.len());
        rm.push(rmse(&p[..n], &t[..n]));
        rr.push(pearson(&p[..n], &t[..n]));
        cc.push(ccc(&p[..n], &t[..n]));
        pp.extend_from_slice(&p[..n]);
        tt.extend_from_slice(&t[..n]);
    }
    DynamicMetrics {
        rmse_per_song: MeanStd::of(&rm),
        r_per_song: MeanStd::of(&rr),
        ccc_per_song: MeanStd::of(&cc),
        rmse_pooled: rmse(&pp, &tt),
        r_pooled: pearson(&pp, &tt),
        ccc_pooled: ccc(&pp, &tt),
        songs: songs.len(),
        frames: pp.len(),
    }
}

/// Static (per-clip) metrics of one dimension.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StaticMetrics {
    /// Pearson r over clips.
    pub r: f64,
    /// RMSE over clips.
    pub rmse: f64,
    /// R² over clips.
    pub r2: f64,
    /// Lin's CCC over clips.
    pub ccc: f64,
    /// Clips.
    pub clips: usize,
}

/// Static metrics from per-clip predictions and truths.
pub fn static_metrics(pred: &[f64], truth: &[f64]) -> StaticMetrics {
    StaticMetrics {
        r: pearson(pred, truth),
        rmse: rmse(pred, truth),
        r2: r2(pred, truth),
        ccc: ccc(pred, truth),
        clips: pred.len().min(truth.len()),
    }
}

/// Quadrant classification metrics.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct QuadrantMetrics {
    /// Fraction correct.
    pub accuracy: f64,
    /// Unweighted mean of the per-class F1 (a class never true nor predicted counts F1 = 0).
    pub macro_f1: f64,
    /// `confusion[true − 1][pred − 1]`.
    pub confusion: [[usize; 4]; 4],
    /// Clips.
    pub clips: usize,
}

/// Quadrant metrics from (true, predicted) quadrants in 1..=4 (others are ignored).
pub fn quadrant_metrics(pairs: &[(u8, u8)]) -> QuadrantMetrics {
    let mut confusion = [[0usize; 4]; 4];
    let mut n = 0;
    for &(t, p) in pairs {
        if (1..=4).contains(&t) && (1..=4).contains(&p) {
            confusion[usize::from(t - 1)][usize::from(p - 1)] += 1;
            n += 1;
        }
    }
    let correct: usize = (0..4).map(|i| confusion[i][i]).sum();
    let mut f1 = 0.0;
    for (c, row) in confusion.iter().enumerate() {
        let tp = row[c] as f64;
        let pred_c: usize = confusion.iter().map(|r| r[c]).sum();
        let true_c: usize = row.iter().sum();
        let denom = (pred_c + true_c) as f64;
        f1 += if denom > 0.0 { 2.0 * tp / denom } else { 0.0 };
    }
    QuadrantMetrics {
        accuracy: if n == 0 {
            f64::NAN
        } else {
            correct as f64 / n as f64
        },
        macro_f1: f1 / 4.0,
        confusion,
        clips: n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_derivable_cases() {
        // r of a perfect linear relation is 1, of its negation −1.
        assert!((pearson(&[1.0, 2.0, 3.0], &[2.0, 4.0, 6.0]) - 1.0).abs() < 1e-12);
        assert!((pearson(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
        assert!(pearson(&[1.0, 1.0], &[1.0, 2.0]).is_nan());
        // RMSE of errors (1, −1, 1, −1) is 1.
        assert!((rmse(&[1.0, 0.0, 1.0, 0.0], &[0.0, 1.0, 0.0, 1.0]) - 1.0).abs() < 1e-12);
        // CCC of y = x + 1 on x = (0, 2): cov 1, vars 1 and 1, shift 1 → 2/3.
        assert!((ccc(&[0.0, 2.0], &[1.0, 3.0]) - 2.0 / 3.0).abs() < 1e-12);
        // R² of predicting the mean is 0.
        assert!(r2(&[2.0, 2.0, 2.0], &[1.0, 2.0, 3.0]).abs() < 1e-12);
    }

    #[test]
    fn quadrant_f1_by_hand() {
        // true 1,1,2,3 ; pred 1,2,2,4 → acc 2/4; F1: q1 2·1/(1+2)=2/3, q2 2·1/(2+1)=2/3, q3 0, q4 0.
        let m = quadrant_metrics(&[(1, 1), (1, 2), (2, 2), (3, 4)]);
        assert!((m.accuracy - 0.5).abs() < 1e-12);
        assert!((m.macro_f1 - (4.0 / 3.0) / 4.0).abs() < 1e-12);
        assert_eq!(m.confusion[0], [1, 1, 0, 0]);
        assert_eq!(m.confusion[2], [0, 0, 0, 1]);
    }
}
