//! Evaluation of a model on labelled clips, and the report of a cross-validation (which
//! `mer_train::cv::cross_validate` runs, with the project's one fold rule).
//!
//! Which clips feed which metrics:
//! - dynamic metrics: clips with per-frame labels (predicted series vs labels, frame by frame);
//! - static metrics: clips with a static label, else the mean of their dynamic labels,
//!   against the predicted static value (mean of the predicted series);
//! - quadrant metrics: clips with a quadrant label, against the quadrant of the predicted
//!   static (arousal, valence).

use serde::{Deserialize, Serialize};

use crate::data::Example;
use crate::error::Result;
use crate::file::MerModel;
use crate::metrics::{
    DynamicMetrics, QuadrantMetrics, StaticMetrics, dynamic_metrics, quadrant_metrics,
    static_metrics,
};
use crate::predict::Prediction;

/// Held-out predictions of one clip, kept for pooling across folds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClipPrediction {
    /// Clip id.
    pub id: String,
    /// Fold that held it out (0 when not cross-validating).
    pub fold: usize,
    /// The prediction.
    pub prediction: Prediction,
}

/// Metrics of a set of predictions.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct EvalMetrics {
    /// Arousal over time (clips with dynamic labels).
    pub dynamic_arousal: Option<DynamicMetrics>,
    /// Valence over time.
    pub dynamic_valence: Option<DynamicMetrics>,
    /// Static arousal.
    pub static_arousal: Option<StaticMetrics>,
    /// Static valence.
    pub static_valence: Option<StaticMetrics>,
    /// Quadrants.
    pub quadrant: Option<QuadrantMetrics>,
}

/// Computes [`EvalMetrics`] of `preds[i]` against `clips[i]`.
pub fn metrics_of(clips: &[&Example], preds: &[&Prediction]) -> EvalMetrics {
    let f = |v: &[f32]| v.iter().map(|&x| f64::from(x)).collect::<Vec<f64>>();
    let (mut da, mut dv) = (Vec::new(), Vec::new());
    let (mut sp, mut st) = ([Vec::new(), Vec::new()], [Vec::new(), Vec::new()]);
    let mut quads = Vec::new();
    for (ex, p) in clips.iter().zip(preds) {
        if let Some((a, v)) = &ex.dynamic {
            da.push((f(&p.arousal), f(a)));
            dv.push((f(&p.valence), f(v)));
        }
        if let Some(c) = ex.clip_av() {
            for d in 0..2 {
                sp[d].push(f64::from(p.static_av[d]));
                st[d].push(f64::from(c[d]));
            }
        }
        if let Some(q) = ex.quadrant {
            quads.push((q, Example::quadrant_of(p.static_av[0], p.static_av[1])));
        }
    }
    EvalMetrics {
        dynamic_arousal: (!da.is_empty()).then(|| dynamic_metrics(&da)),
        dynamic_valence: (!dv.is_empty()).then(|| dynamic_metrics(&dv)),
        static_arousal: (st[0].len() > 1).then(|| static_metrics(&sp[0], &st[0])),
        static_valence: (st[1].len() > 1).then(|| static_metrics(&sp[1], &st[1])),
        quadrant: (!quads.is_empty()).then(|| quadrant_metrics(&quads)),
    }
}

/// Predicts every clip with `model`.
pub fn predict_all(
    model: &MerModel,
    clips: &[Example],
    fold: usize,
) -> Result<Vec<ClipPrediction>> {
    clips
        .iter()
        .map(|ex| {
            Ok(ClipPrediction {
                id: ex.id.clone(),
                fold,
                prediction: model.predict(&ex.features, ex.n_frames)?,
            })
        })
        .collect()
}

/// Result of a k-fold cross-validation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CvReport {
    /// Folds.
    pub k: usize,
    /// Training seed (the folds are by clip id and do not depend on it).
    pub seed: u64,
    /// Metrics over all held-out predictions pooled across folds.
    pub pooled: EvalMetrics,
    /// Metrics of each fold on its own.
    pub folds: Vec<EvalMetrics>,
    /// Every held-out prediction.
    pub predictions: Vec<ClipPrediction>,
}

/// A plain-text table of the metrics (one line per metric group).
pub fn format_table(m: &EvalMetrics) -> String {
    let mut s = String::new();
    let ms = |x: &crate::metrics::MeanStd| format!("{:.3} ± {:.3}", x.mean, x.std);
    for (name, d) in [
        ("arousal", &m.dynamic_arousal),
        ("valence", &m.dynamic_valence),
    ] {
        if let Some(d) = d {
            s += &format!(
                "dynamic {name:<8} RMSE/song {}  r/song {}  CCC/song {}  | pooled RMSE {:.3} r {:.3} CCC {:.3}  ({} songs, {} frames)\n",
                ms(&d.rmse_per_song),
                ms(&d.r_per_song),
                ms(&d.ccc_per_song),
                d.rmse_pooled,
                d.r_pooled,
                d.ccc_pooled,
                d.songs,
                d.frames
            );
        }
    }
    for (name, st) in [
        ("arousal", &m.static_arousal),
        ("valence", &m.static_valence),
    ] {
        if let Some(st) = st {
            s += &format!(
                "static  {name:<8} r {:.3}  RMSE {:.3}  R² {:.3}  CCC {:.3}  ({} clips)\n",
                st.r, st.rmse, st.r2, st.ccc, st.clips
            );
        }
    }
    if let Some(q) = &m.quadrant {
        s += &format!(
            "quadrant         accuracy {:.3}  macro-F1 {:.3}  ({} clips)\n",
            q.accuracy, q.macro_f1, q.clips
        );
        s += "  confusion (rows true Q1..Q4, cols predicted Q1..Q4):\n";
        for row in &q.confusion {
            s += &format!(
                "    {:>4} {:>4} {:>4} {:>4}\n",
                row[0], row[1], row[2], row[3]
            );
        }
    }
    s
}
