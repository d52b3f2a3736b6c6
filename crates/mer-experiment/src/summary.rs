//! From runs to the results table: per seed the metrics of all its folds' test clips pooled
//! (MediaEval 2015: RMSE and r per song, averaged over songs), then mean ± std over seeds.

use std::collections::BTreeMap;

use mer_model::eval::{EvalMetrics, metrics_of};
use mer_model::{Example, Prediction};
use serde::Serialize;

use crate::runs::{ClipResult, RunRecord, RunStatus};

/// A metric of the table.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    /// Column name.
    pub name: &'static str,
    /// Whether higher is better.
    pub higher_is_better: bool,
    /// Reads it from the metrics (None when the data has no such label).
    pub get: fn(&EvalMetrics) -> Option<f64>,
}

/// The table's metrics, in column order: dynamic RMSE, r and CCC per song (averaged over
/// songs) for arousal and valence, static r and 4Q accuracy.
pub const METRICS: &[Metric] = &[
    Metric {
        name: "RMSE A",
        higher_is_better: false,
        get: |m| m.dynamic_arousal.as_ref().map(|d| d.rmse_per_song.mean),
    },
    Metric {
        name: "RMSE V",
        higher_is_better: false,
        get: |m| m.dynamic_valence.as_ref().map(|d| d.rmse_per_song.mean),
    },
    Metric {
        name: "r A",
        higher_is_better: true,
        get: |m| m.dynamic_arousal.as_ref().map(|d| d.r_per_song.mean),
    },
    Metric {
        name: "r V",
        higher_is_better: true,
        get: |m| m.dynamic_valence.as_ref().map(|d| d.r_per_song.mean),
    },
    Metric {
        name: "CCC A",
        higher_is_better: true,
        get: |m| m.dynamic_arousal.as_ref().map(|d| d.ccc_per_song.mean),
    },
    Metric {
        name: "CCC V",
        higher_is_better: true,
        get: |m| m.dynamic_valence.as_ref().map(|d| d.ccc_per_song.mean),
    },
    Metric {
        name: "static r A",
        higher_is_better: true,
        get: |m| m.static_arousal.as_ref().map(|s| s.r),
    },
    Metric {
        name: "static r V",
        higher_is_better: true,
        get: |m| m.static_valence.as_ref().map(|s| s.r),
    },
    Metric {
        name: "4Q acc",
        higher_is_better: true,
        get: |m| m.quadrant.as_ref().map(|q| q.accuracy),
    },
];

/// The metric by name.
pub fn metric(name: &str) -> Option<&'static Metric> {
    METRICS.iter().find(|m| m.name == name)
}

/// A short line of the main metrics, for progress output.
pub fn headline(m: &EvalMetrics) -> String {
    let parts: Vec<String> = METRICS
        .iter()
        .filter_map(|x| (x.get)(m).map(|v| format!("{} {v:.3}", x.name)))
        .collect();
    parts.join(", ")
}

/// Mean and sample standard deviation (n − 1; 0 for one value) of the finite values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanSd {
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation.
    pub sd: f64,
    /// Values (seeds).
    pub n: usize,
}

impl MeanSd {
    /// Of the finite values of `v`; None when there are none.
    pub fn of(v: &[f64]) -> Option<MeanSd> {
        let v: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
        if v.is_empty() {
            return None;
        }
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let sd = if v.len() > 1 {
            (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        } else {
            0.0
        };
        Some(MeanSd {
            mean,
            sd,
            n: v.len(),
        })
    }
}

/// A configuration of the grid (a row of the table).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ConfigKey {
    /// Feature set.
    pub features: String,
    /// Model.
    pub model: String,
    /// Sequence length.
    pub seq_len: usize,
}

/// One seed of a configuration, its folds pooled.
#[derive(Debug, Clone, Serialize)]
pub struct SeedResult {
    /// Seed.
    pub seed: u64,
    /// Metrics over the pooled test clips of all its folds.
    pub metrics: EvalMetrics,
    /// Folds that finished.
    pub folds: usize,
}

/// A row: a configuration over its seeds.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// Which configuration.
    pub key: ConfigKey,
    /// Seeds whose folds all finished.
    pub seeds: Vec<SeedResult>,
    /// Mean ± sd over seeds, by metric name.
    pub values: BTreeMap<&'static str, MeanSd>,
    /// Runs that failed.
    pub failed: usize,
    /// Runs that finished.
    pub finished: usize,
    /// Trainable parameters.
    pub params: Option<usize>,
    /// Mean training time per run, s.
    pub train_s: Option<MeanSd>,
}

/// Groups `runs` into rows; a seed counts once all its `folds` folds finished.
pub fn rows(runs: &[RunRecord], folds: usize) -> Vec<Row> {
    let mut by_cfg: BTreeMap<ConfigKey, Vec<&RunRecord>> = BTreeMap::new();
    for r in runs {
        by_cfg
            .entry(ConfigKey {
                features: r.key.features.clone(),
                model: r.key.model.clone(),
                seq_len: r.key.seq_len,
            })
            .or_default()
            .push(r);
    }
    by_cfg
        .into_iter()
        .map(|(key, runs)| {
            let ok: Vec<&&RunRecord> = runs.iter().filter(|r| r.status == RunStatus::Ok).collect();
            let mut by_seed: BTreeMap<u64, Vec<&RunRecord>> = BTreeMap::new();
            for r in &ok {
                by_seed.entry(r.key.seed).or_default().push(r);
            }
            // Folds with no clips (tiny data) can never finish: they do not hold a seed back.
            let empty = |seed: u64| {
                runs.iter()
                    .filter(|r| {
                        r.key.seed == seed
                            && r.error
                                .as_deref()
                                .is_some_and(|e| e.ends_with("has no clips"))
                    })
                    .count()
            };
            let seeds: Vec<SeedResult> = by_seed
                .into_iter()
                .filter(|(seed, rs)| rs.len() + empty(*seed) >= folds)
                .map(|(seed, rs)| SeedResult {
                    seed,
                    metrics: pooled(rs.iter().flat_map(|r| &r.clips)),
                    folds: rs.len(),
                })
                .collect();
            let values = METRICS
                .iter()
                .filter_map(|m| {
                    let v: Vec<f64> = seeds.iter().filter_map(|s| (m.get)(&s.metrics)).collect();
                    MeanSd::of(&v).map(|x| (m.name, x))
                })
                .collect();
            let t: Vec<f64> = ok.iter().map(|r| r.train_s).collect();
            Row {
                key,
                seeds,
                values,
                failed: runs.len() - ok.len(),
                finished: ok.len(),
                params: ok.iter().find_map(|r| r.params),
                train_s: MeanSd::of(&t),
            }
        })
        .collect()
}

/// Metrics of clips pooled from several runs (e.g. the folds of one seed).
pub fn pooled<'a>(clips: impl Iterator<Item = &'a ClipResult>) -> EvalMetrics {
    let clips: Vec<&ClipResult> = clips.collect();
    let truth: Vec<Example> = clips.iter().map(|c| c.truth()).collect();
    let refs: Vec<&Example> = truth.iter().collect();
    let preds: Vec<&Prediction> = clips.iter().map(|c| &c.prediction).collect();
    metrics_of(&refs, &preds)
}

/// Fewest clips (songs for dynamic measures) per seed a measure must rest on to rank
/// configurations ahead of the next one in the ranking order ([`ranking`]): the shared data's 14 DEAM/PMEmo
/// songs are too few to rank by dynamic RMSE when 164 clips carry static labels.
pub const MIN_RANK_CLIPS: usize = 30;

/// How many clips (songs) a measure rests on in one seed's metrics.
type Count = fn(&EvalMetrics) -> Option<usize>;

/// The measures that can rank configurations, first that the data has enough clips for wins
/// ([`MIN_RANK_CLIPS`]): its name, whether higher is better, the metrics it averages (per
/// seed) and the clips it rests on.
const RANKINGS: [(&str, bool, &[&str], Count); 3] = [
    ("mean of RMSE A and V", false, &["RMSE A", "RMSE V"], |m| {
        Some(m.dynamic_arousal.as_ref()?.songs)
    }),
    (
        "mean of static r A and V",
        true,
        &["static r A", "static r V"],
        |m| {
            Some(
                m.static_arousal
                    .as_ref()?
                    .clips
                    .min(m.static_valence.as_ref()?.clips),
            )
        },
    ),
    ("4Q accuracy", true, &["4Q acc"], |m| {
        Some(m.quadrant.as_ref()?.clips)
    }),
];

/// The metric that ranks configurations: dynamic RMSE (mean of A and V) when at least
/// [`MIN_RANK_CLIPS`] songs per seed have dynamic labels, else static r (mean of A and V) on
/// as many clips, else 4Q accuracy; when no measure has that many, the first the data has at
/// all. Returns its name (with the clips it rests on), whether higher is better, and per row
/// its mean ± sd over the row's seeds (the measure is taken per seed, so the sd is the seed
/// spread of the measure itself; `n` = seeds).
pub fn ranking(rows: &[Row]) -> Option<(String, bool, Vec<Option<MeanSd>>)> {
    let measured: Vec<_> = RANKINGS
        .iter()
        .filter_map(|&(what, higher, names, count)| {
            let ms: Vec<&Metric> = names.iter().filter_map(|n| metric(n)).collect();
            let v: Vec<Option<MeanSd>> = rows
                .iter()
                .map(|r| {
                    let per_seed: Vec<f64> = r
                        .seeds
                        .iter()
                        .filter_map(|s| {
                            let x: Option<Vec<f64>> =
                                ms.iter().map(|m| (m.get)(&s.metrics)).collect();
                            x.map(|x| x.iter().sum::<f64>() / x.len() as f64)
                        })
                        .collect();
                    MeanSd::of(&per_seed)
                })
                .collect();
            let clips = rows
                .iter()
                .flat_map(|r| &r.seeds)
                .filter_map(|s| count(&s.metrics))
                .min()?;
            v.iter()
                .any(Option::is_some)
                .then(|| (format!("{what} ({clips} clips)"), higher, v, clips))
        })
        .collect();
    let pick = measured
        .iter()
        .position(|m| m.3 >= MIN_RANK_CLIPS)
        .unwrap_or(0);
    measured
        .into_iter()
        .nth(pick)
        .map(|(what, higher, v, _)| (what, higher, v))
}

/// Index of the best row under [`ranking`].
pub fn best_row(rows: &[Row]) -> Option<usize> {
    let (_, higher, v) = ranking(rows)?;
    let mean = |i: usize| v[i].map_or(f64::NAN, |m| m.mean);
    (0..rows.len())
        .filter(|&i| mean(i).is_finite())
        .max_by(|&a, &b| {
            let (x, y) = (mean(a), mean(b));
            if higher {
                x.total_cmp(&y)
            } else {
                y.total_cmp(&x)
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_sd_of_seeds() {
        let m = MeanSd::of(&[1.0, 2.0, 3.0, f64::NAN]).unwrap();
        assert_eq!((m.mean, m.n), (2.0, 3));
        assert!((m.sd - 1.0).abs() < 1e-12);
        assert_eq!(MeanSd::of(&[5.0]).unwrap().sd, 0.0);
        assert!(MeanSd::of(&[f64::NAN]).is_none());
    }

    /// A row of one seed whose predictions are the truth plus `noise_dyn` on the dynamic
    /// clips and plus `noise_static` on the static ones.
    fn row(model: &str, dyn_clips: &[Example], static_clips: &[Example], noise: (f32, f32)) -> Row {
        let wobble = |i: usize, k: f32| k * ((i * 7 % 5) as f32 - 2.0);
        let mut clips: Vec<&Example> = Vec::new();
        let mut preds = Vec::new();
        for (i, ex) in dyn_clips.iter().enumerate() {
            let (a, v) = ex.dynamic.clone().unwrap();
            let f = |x: Vec<f32>| -> Vec<f32> {
                x.iter()
                    .enumerate()
                    .map(|(j, y)| y + wobble(i + j, noise.0))
                    .collect()
            };
            let (a, v) = (f(a), f(v));
            let static_av = [a[0], v[0]];
            clips.push(ex);
            preds.push(Prediction {
                arousal: a,
                valence: v,
                static_av,
            });
        }
        for (i, ex) in static_clips.iter().enumerate() {
            let [a, v] = ex.static_av.unwrap();
            let p = [a + wobble(i, noise.1), v - wobble(i + 1, noise.1)];
            clips.push(ex);
            preds.push(Prediction {
                arousal: vec![p[0]],
                valence: vec![p[1]],
                static_av: p,
            });
        }
        let preds: Vec<&Prediction> = preds.iter().collect();
        Row {
            key: ConfigKey {
                features: "f".into(),
                model: model.into(),
                seq_len: 10,
            },
            seeds: vec![SeedResult {
                seed: 0,
                metrics: metrics_of(&clips, &preds),
                folds: 1,
            }],
            values: BTreeMap::new(),
            failed: 0,
            finished: 1,
            params: None,
            train_s: None,
        }
    }

    /// 5 songs with dynamic labels are too few to rank by when 45 clips have static labels
    /// (40 static-only, and the 5 dynamic ones, whose series means are static labels too):
    /// the static r ranks (model b, better there, wins although a's dynamic RMSE is lower);
    /// with the static clips gone the dynamic measure ranks again (a wins).
    #[test]
    fn ranking_prefers_a_measure_with_enough_clips() {
        let ex = |id: String, dynamic, static_av| Example {
            id,
            features: vec![],
            n_frames: 4,
            dynamic,
            static_av,
            quadrant: None,
        };
        let dyn_clips: Vec<Example> = (0..5)
            .map(|i| {
                let s: Vec<f32> = (0..4).map(|j| ((i * 4 + j) as f32).sin() * 0.5).collect();
                ex(format!("d{i}"), Some((s.clone(), s)), None)
            })
            .collect();
        let static_clips: Vec<Example> = (0..40)
            .map(|i| {
                let x = (i as f32 * 0.37).sin() * 0.6;
                ex(format!("s{i}"), None, Some([x, -x * 0.5]))
            })
            .collect();
        let rows = vec![
            row("a", &dyn_clips, &static_clips, (0.01, 0.2)),
            row("b", &dyn_clips, &static_clips, (0.2, 0.01)),
        ];
        let (what, higher, _) = ranking(&rows).unwrap();
        assert!(
            what.starts_with("mean of static r") && what.contains("(45 clips)"),
            "{what}"
        );
        assert!(higher);
        assert_eq!(rows[best_row(&rows).unwrap()].key.model, "b");
        let rows = vec![
            row("a", &dyn_clips, &[], (0.01, 0.2)),
            row("b", &dyn_clips, &[], (0.2, 0.01)),
        ];
        let (what, higher, _) = ranking(&rows).unwrap();
        assert!(
            what.starts_with("mean of RMSE") && what.contains("(5 clips)"),
            "{what}"
        );
        assert!(!higher);
        assert_eq!(rows[best_row(&rows).unwrap()].key.model, "a");
    }
}
