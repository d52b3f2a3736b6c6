//! Whole-song prediction: sliding windows of the training length, overlapping outputs
//! averaged per frame; the static value is the mean of the dynamic series.

use burn::tensor::{Tensor, TensorData};
use serde::{Deserialize, Serialize};

use crate::data::window_starts;
use crate::error::{ModelError, Result};
use crate::file::MerModel;

/// Predictions for one song.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// Arousal per frame ([-1, 1] scale, 2 Hz).
    pub arousal: Vec<f32>,
    /// Valence per frame.
    pub valence: Vec<f32>,
    /// Song-level (arousal, valence): the mean of the per-frame series.
    pub static_av: [f32; 2],
}

/// Most windows run through the network in one batch.
const MAX_WINDOWS_PER_BATCH: usize = 64;

impl MerModel {
    /// Predicts A/V for a song of any length from raw (unstandardised) features,
    /// row-major `[n_frames, n_features]`.
    ///
    /// Windows of `header.seq_len` frames start every `header.predict_hop` frames (the last
    /// is aligned to the end); each frame's value is the mean over the windows covering it.
    /// A song shorter than `seq_len` is one window of its own length.
    pub fn predict(&self, features: &[f32], n_frames: usize) -> Result<Prediction> {
        let f = self.header.model.n_features();
        if n_frames == 0 || n_frames.checked_mul(f) != Some(features.len()) {
            return Err(ModelError::FeatureMismatch {
                expected: f,
                found: features.len().checked_div(n_frames).unwrap_or(0),
            });
        }
        if let Some(i) = features.iter().position(|v| !v.is_finite()) {
            return Err(ModelError::BadExample {
                id: "<input>".into(),
                reason: format!("non-finite feature at flat index {i}"),
            });
        }
        let mut x = features.to_vec();
        self.header.standardizer.apply(&mut x);
        let (arousal, valence) = match (&self.net, &self.header.ridge) {
            (Some(net), _) => {
                let max = self.header.model.max_frames().unwrap_or(usize::MAX);
                let len = self.header.seq_len.min(max).clamp(1, n_frames);
                let starts = window_starts(n_frames, len, self.header.predict_hop.max(1));
                let mut sum = vec![[0f64; 2]; n_frames];
                let mut count = vec![0u32; n_frames];
                for group in starts.chunks(MAX_WINDOWS_PER_BATCH) {
                    let mut buf = Vec::with_capacity(group.len() * len * f);
                    for &s in group {
                        buf.extend_from_slice(&x[s * f..(s + len) * f]);
                    }
                    let input = Tensor::<3>::from_data(
                        TensorData::new(buf, [group.len(), len, f]),
                        &self.device,
                    ); // [windows, len, feat]
                    let out: Vec<f32> = net
                        .forward(input) // [windows, len, 2]
                        .into_data()
                        .try_into_vec()
                        .map_err(|e| ModelError::Training(format!("output read: {e:?}")))?;
                    for (w, &s) in group.iter().enumerate() {
                        for t in 0..len {
                            let o = &out[(w * len + t) * 2..(w * len + t) * 2 + 2];
                            sum[s + t][0] += f64::from(o[0]);
                            sum[s + t][1] += f64::from(o[1]);
                            count[s + t] += 1;
                        }
                    }
                }
                sum.iter()
                    .zip(&count)
                    .map(|(s, &c)| {
                        let c = f64::from(c.max(1));
                        ((s[0] / c) as f32, (s[1] / c) as f32)
                    })
                    .unzip()
            }
            (None, Some(ridge)) if ridge.weights.len() == 2 * f => ridge.predict(&x, f),
            (None, Some(ridge)) => {
                return Err(ModelError::InvalidConfig(format!(
                    "ridge has {} weights for {f} features (needs {})",
                    ridge.weights.len(),
                    2 * f
                )));
            }
            (None, None) => {
                return Err(ModelError::InvalidConfig(
                    "model has neither network nor ridge coefficients".into(),
                ));
            }
        };
        let mean = |v: &[f32]| v.iter().map(|&x| f64::from(x)).sum::<f64>() / v.len() as f64;
        let static_av = [mean(&arousal) as f32, mean(&valence) as f32];
        Ok(Prediction {
            arousal,
            valence,
            static_av,
        })
    }
}
