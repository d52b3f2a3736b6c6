//! Training inputs that do not depend on any dataset reader: [`Example`], feature
//! standardisation ([`Standardizer`]) and cutting songs into fixed-length sequences.

use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};

/// One clip with its frame features and whatever labels it has.
///
/// All arousal/valence values are on the project's [-1, 1] scale; frames are 0.5 s (2 Hz).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Example {
    /// Stable id (e.g. `deam/2`, `4q/MT0000004637`).
    pub id: String,
    /// Frame features, row-major `[n_frames, n_features]`.
    pub features: Vec<f32>,
    /// Number of frames (rows of `features`).
    pub n_frames: usize,
    /// Per-frame labels `(arousal[n_frames], valence[n_frames])`, if annotated over time.
    pub dynamic: Option<(Vec<f32>, Vec<f32>)>,
    /// Static (whole-clip) `[arousal, valence]`, if annotated.
    pub static_av: Option<[f32; 2]>,
    /// Russell quadrant 1..=4 (Q1 A+V+, Q2 A+V−, Q3 A−V−, Q4 A−V+), if annotated.
    pub quadrant: Option<u8>,
}

/// Per-frame labels of a clip as a dataset gives them: `arousal[i]` and `valence[i]` describe
/// 2 Hz feature frame `first_frame + i` (e.g. DEAM's `sample_15000ms` is frame 30).
#[derive(Clone, Copy, Debug)]
pub struct DynamicLabels<'a> {
    /// The feature frame of the first value.
    pub first_frame: usize,
    /// Arousal per frame, [-1, 1].
    pub arousal: &'a [f32],
    /// Valence per frame, [-1, 1].
    pub valence: &'a [f32],
}

/// Whatever labels a clip has, on the project's [-1, 1] scale.
#[derive(Clone, Copy, Debug, Default)]
pub struct ClipLabels<'a> {
    /// Whole-clip `[arousal, valence]`.
    pub static_av: Option<[f32; 2]>,
    /// Russell quadrant 1..=4.
    pub quadrant: Option<u8>,
    /// Per-frame labels.
    pub dynamic: Option<DynamicLabels<'a>>,
}

impl Example {
    /// Pairs a clip's frame features `[n_frames, n_features]` (row-major, frame `k` =
    /// `[0.5k, 0.5k + 0.5)` s) with its labels. With dynamic labels, the example keeps only
    /// the frames that have both features and a label (frames `first_frame ..
    /// first_frame + n`, `n = min(labels, frames − first_frame)`) and the first `n` labels; when
    /// no frame has both (`n = 0`: labels start after the features end), the example keeps
    /// all its frames and drops the dynamic labels. `n_frames` is
    /// `features.len() / n_features` (0 for `n_features = 0`); [`validate`](Self::validate)
    /// reports sizes that do not divide.
    pub fn from_frames(
        id: impl Into<String>,
        features: Vec<f32>,
        n_features: usize,
        labels: ClipLabels<'_>,
    ) -> Example {
        let n_frames = features.len().checked_div(n_features).unwrap_or(0);
        let mut ex = Example {
            id: id.into(),
            features,
            n_frames,
            dynamic: None,
            static_av: labels.static_av,
            quadrant: labels.quadrant,
        };
        if let Some(d) = labels.dynamic {
            let first = d.first_frame;
            let n = d
                .arousal
                .len()
                .min(d.valence.len())
                .min(n_frames.saturating_sub(first));
            if n > 0 {
                let rows = first * n_features..(first + n) * n_features;
                ex.features.copy_within(rows, 0);
                ex.features.truncate(n * n_features);
                ex.n_frames = n;
                ex.dynamic = Some((d.arousal[..n].to_vec(), d.valence[..n].to_vec()));
            }
        }
        ex
    }

    /// Features per frame (0 when there are no frames).
    pub fn n_features(&self) -> usize {
        self.features.len().checked_div(self.n_frames).unwrap_or(0)
    }

    /// Checks sizes, label lengths, finiteness and label ranges.
    pub fn validate(&self) -> Result<()> {
        let bad = |reason: String| {
            Err(ModelError::BadExample {
                id: self.id.clone(),
                reason,
            })
        };
        if self.n_frames == 0 {
            return bad("no frames".into());
        }
        if !self.features.len().is_multiple_of(self.n_frames) {
            return bad(format!(
                "{} feature values is not a multiple of {} frames",
                self.features.len(),
                self.n_frames
            ));
        }
        if let Some(i) = self.features.iter().position(|v| !v.is_finite()) {
            return bad(format!("non-finite feature value at flat index {i}"));
        }
        if let Some((a, v)) = &self.dynamic {
            if a.len() != self.n_frames || v.len() != self.n_frames {
                return bad(format!(
                    "dynamic labels have {}/{} values for {} frames",
                    a.len(),
                    v.len(),
                    self.n_frames
                ));
            }
            if a.iter().chain(v).any(|x| !x.is_finite()) {
                return bad("non-finite dynamic label".into());
            }
        }
        if let Some(s) = self.static_av
            && s.iter().any(|x| !x.is_finite())
        {
            return bad(format!("non-finite static label {s:?}"));
        }
        if let Some(q) = self.quadrant
            && !(1..=4).contains(&q)
        {
            return bad(format!("quadrant {q} not in 1..=4"));
        }
        Ok(())
    }

    /// Signs of (arousal, valence) implied by the quadrant: Q1 (+,+), Q2 (+,−), Q3 (−,−), Q4 (−,+).
    pub fn quadrant_signs(q: u8) -> Option<[f32; 2]> {
        match q {
            1 => Some([1.0, 1.0]),
            2 => Some([1.0, -1.0]),
            3 => Some([-1.0, -1.0]),
            4 => Some([-1.0, 1.0]),
            _ => None,
        }
    }

    /// Quadrant of an (arousal, valence) point (ties at 0 count as positive).
    pub fn quadrant_of(arousal: f32, valence: f32) -> u8 {
        match (arousal >= 0.0, valence >= 0.0) {
            (true, true) => 1,
            (true, false) => 2,
            (false, false) => 3,
            (false, true) => 4,
        }
    }

    /// The clip-level (arousal, valence) target: the static label, else the mean of the
    /// dynamic labels.
    pub fn clip_av(&self) -> Option<[f32; 2]> {
        self.static_av.or_else(|| {
            self.dynamic.as_ref().map(|(a, v)| {
                let n = a.len().max(1) as f32;
                [a.iter().sum::<f32>() / n, v.iter().sum::<f32>() / n]
            })
        })
    }
}

/// Per-feature standardisation `(x − mean) / std`, fitted on training frames only.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Standardizer {
    /// Per-feature mean.
    pub mean: Vec<f32>,
    /// Per-feature standard deviation (population; features with std < 1e-8 use 1).
    pub std: Vec<f32>,
}

impl Standardizer {
    /// Fits mean and std over every frame of `examples` (accumulated in f64).
    pub fn fit(examples: &[Example]) -> Result<Self> {
        let n_feat = examples
            .first()
            .map(Example::n_features)
            .ok_or_else(|| ModelError::Training("no examples to fit standardisation".into()))?;
        let mut sum = vec![0f64; n_feat];
        let mut sq = vec![0f64; n_feat];
        let mut count = 0usize;
        for ex in examples {
            if ex.n_features() != n_feat {
                return Err(ModelError::FeatureMismatch {
                    expected: n_feat,
                    found: ex.n_features(),
                });
            }
            for row in ex.features.chunks_exact(n_feat) {
                for (j, &v) in row.iter().enumerate() {
                    sum[j] += f64::from(v);
                    sq[j] += f64::from(v) * f64::from(v);
                }
                count += 1;
            }
        }
        let n = count.max(1) as f64;
        let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
        let std = sq
            .iter()
            .zip(&mean)
            .map(|(s, m)| {
                let sd = (s / n - m * m).max(0.0).sqrt();
                if sd < 1e-8 { 1.0 } else { sd as f32 }
            })
            .collect();
        Ok(Self {
            mean: mean.into_iter().map(|m| m as f32).collect(),
            std,
        })
    }

    /// Standardises row-major `[n_frames, n_features]` features in place.
    pub fn apply(&self, features: &mut [f32]) {
        let n = self.mean.len();
        for row in features.chunks_exact_mut(n) {
            for ((v, m), s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                *v = (*v - m) / s;
            }
        }
    }
}

/// Start frames of the windows of length `len` (≤ `n_frames`) with `hop` between starts;
/// the last window is aligned to the end so every frame is covered.
pub fn window_starts(n_frames: usize, len: usize, hop: usize) -> Vec<usize> {
    if n_frames <= len {
        return vec![0];
    }
    let hop = hop.max(1);
    let mut starts: Vec<usize> = (0..=n_frames - len).step_by(hop).collect();
    if starts.last().is_some_and(|&s| s + len < n_frames) {
        starts.push(n_frames - len);
    }
    starts
}

/// A fixed-length training sequence cut from an [`Example`].
#[derive(Clone, Debug)]
pub struct Sequence {
    /// Index of the source example.
    pub example: usize,
    /// First frame.
    pub start: usize,
    /// Frames (`min(L, n_frames)`).
    pub len: usize,
}

/// Cuts every example into windows of `seq_len` frames overlapping by `overlap` frames
/// (a clip shorter than `seq_len` gives one window of its own length).
pub fn cut_sequences(examples: &[Example], seq_len: usize, overlap: usize) -> Vec<Sequence> {
    let hop = seq_len.saturating_sub(overlap).max(1);
    examples
        .iter()
        .enumerate()
        .flat_map(|(i, ex)| {
            let len = seq_len.min(ex.n_frames);
            window_starts(ex.n_frames, len, hop)
                .into_iter()
                .map(move |start| Sequence {
                    example: i,
                    start,
                    len,
                })
        })
        .collect()
}

/// SplitMix64: a tiny, seedable, platform-independent generator for shuffling and folds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SplitMix64(pub u64);

impl SplitMix64 {
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_cover_every_frame_once_aligned_to_end() {
        assert_eq!(window_starts(60, 60, 30), vec![0]);
        assert_eq!(window_starts(10, 60, 30), vec![0]);
        assert_eq!(window_starts(70, 60, 30), vec![0, 10]);
        assert_eq!(window_starts(100, 20, 20), vec![0, 20, 40, 60, 80]);
        assert_eq!(window_starts(105, 20, 20), vec![0, 20, 40, 60, 80, 85]);
    }

    #[test]
    fn standardizer_gives_zero_mean_unit_std() {
        let ex = Example {
            id: "a".into(),
            features: vec![1.0, 10.0, 3.0, 10.0, 5.0, 10.0],
            n_frames: 3,
            ..Default::default()
        };
        let s = Standardizer::fit(std::slice::from_ref(&ex)).unwrap();
        // mean 3, population std sqrt(8/3); constant feature keeps std 1.
        assert!((s.mean[0] - 3.0).abs() < 1e-6);
        assert!((s.std[0] - (8.0f32 / 3.0).sqrt()).abs() < 1e-6);
        assert_eq!(s.std[1], 1.0);
        let mut f = ex.features.clone();
        s.apply(&mut f);
        assert!((f[0] + f[2] + f[4]).abs() < 1e-5);
    }

    #[test]
    fn validate_rejects_bad_examples() {
        let mut ex = Example {
            id: "x".into(),
            features: vec![0.0; 6],
            n_frames: 3,
            ..Default::default()
        };
        assert!(ex.validate().is_ok());
        ex.features[1] = f32::NAN;
        assert!(ex.validate().is_err());
        ex.features[1] = 0.0;
        ex.dynamic = Some((vec![0.0; 2], vec![0.0; 3]));
        assert!(ex.validate().is_err());
        ex.dynamic = None;
        ex.quadrant = Some(5);
        assert!(ex.validate().is_err());
    }

    /// 6 frames × 2 features, value = 10·frame + feature.
    fn frames() -> Vec<f32> {
        (0..6)
            .flat_map(|k| [10.0 * k as f32, 10.0 * k as f32 + 1.0])
            .collect()
    }

    #[test]
    fn from_frames_crops_to_labelled_frames() {
        let (a, v) = ([0.1, 0.2, 0.3, 0.4, 0.5], [-0.1, -0.2, -0.3, -0.4, -0.5]);
        let labels = ClipLabels {
            static_av: Some([0.5, -0.5]),
            quadrant: Some(2),
            dynamic: Some(DynamicLabels {
                first_frame: 2,
                arousal: &a,
                valence: &v,
            }),
        };
        let ex = Example::from_frames("d/1", frames(), 2, labels);
        // Labels cover frames 2..7, features end at 6: frames 2..6, 4 labels.
        assert_eq!(ex.n_frames, 4);
        assert_eq!(
            ex.features,
            vec![20.0, 21.0, 30.0, 31.0, 40.0, 41.0, 50.0, 51.0]
        );
        assert_eq!(
            ex.dynamic,
            Some((vec![0.1, 0.2, 0.3, 0.4], vec![-0.1, -0.2, -0.3, -0.4]))
        );
        assert_eq!((ex.static_av, ex.quadrant), (Some([0.5, -0.5]), Some(2)));
        assert!(ex.validate().is_ok());

        // Fewer labels than frames: the features are cut after the last label.
        let dynamic = Some(DynamicLabels {
            first_frame: 1,
            arousal: &a[..2],
            valence: &v[..2],
        });
        let labels = ClipLabels {
            dynamic,
            ..Default::default()
        };
        let ex = Example::from_frames("d/2", frames(), 2, labels);
        assert_eq!(ex.features, vec![10.0, 11.0, 20.0, 21.0]);
        assert_eq!(ex.dynamic.as_ref().map(|d| d.0.len()), Some(2));
    }

    #[test]
    fn from_frames_without_overlap_keeps_frames_and_drops_dynamic() {
        let a = [0.1; 3];
        let labels = ClipLabels {
            quadrant: Some(1),
            dynamic: Some(DynamicLabels {
                first_frame: 6,
                arousal: &a,
                valence: &a,
            }),
            ..Default::default()
        };
        let ex = Example::from_frames("d/3", frames(), 2, labels);
        assert_eq!((ex.n_frames, ex.features.len()), (6, 12));
        assert!(ex.dynamic.is_none());
        assert_eq!(ex.quadrant, Some(1));
        assert!(ex.validate().is_ok());

        let ex = Example::from_frames("d/4", Vec::new(), 2, ClipLabels::default());
        assert_eq!(ex.n_frames, 0);
        assert!(ex.validate().is_err(), "no frames is reported by validate");
        let ex = Example::from_frames("d/5", vec![1.0; 5], 2, ClipLabels::default());
        assert!(ex.validate().is_err(), "5 values are not whole frames of 2");
    }

    #[test]
    fn quadrants_match_russell() {
        for q in 1..=4u8 {
            let [a, v] = Example::quadrant_signs(q).unwrap();
            assert_eq!(Example::quadrant_of(a, v), q);
        }
    }
}
