//! [`Predictor`]: a model with its front end, from a path or samples to a [`SongPrediction`].

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use mer_model::{MerModel, load_model, load_model_file};
use mer_musicnn::MusicnnEmbedder;
use serde::{Deserialize, Serialize};

use crate::error::{PredictError, Result};
use crate::features::{InputKind, MODEL_RATE, compute, side_by_side};
use mer_features::{Matrix, MelConfig};

/// The embedded default model: a ridge head on musicnn embeddings, applied per frame
/// (see `models/REPORT.md`; `mer train --preset default` rebuilds it).
pub static DEFAULT_MODEL: &[u8] = include_bytes!("../models/default.mermodel");
/// The embedded fast model: CRNN on the 2 Hz log-mel only (no musicnn).
pub static FAST_MODEL: &[u8] = include_bytes!("../models/fast.mermodel");

/// Seconds between two frames of the dynamic series.
pub const HOP_S: f64 = 0.5;

/// The patch stride of [`Predictor::static_only`]: musicnn on the patch of one 0.5 s frame in
/// STATIC_PATCH_STRIDE (measured in `models/REPORT.md`, "Static answers from fewer patches").
pub const STATIC_PATCH_STRIDE: usize = 6;

/// Which model: one of the embedded ones or a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelChoice {
    /// The embedded default model (musicnn + ridge head).
    Default,
    /// The embedded fast model (log-mel CRNN).
    Fast,
    /// A model file written by `mer train`.
    File(PathBuf),
}

impl ModelChoice {
    /// `default`, `fast`, or a path.
    pub fn parse(s: &str) -> ModelChoice {
        match s {
            "default" => ModelChoice::Default,
            "fast" => ModelChoice::Fast,
            other => ModelChoice::File(PathBuf::from(other)),
        }
    }
}

/// An interval of a file to predict, seconds from its start (`None` = from the start / to
/// the end).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Interval {
    /// Start, s (≥ 0).
    pub start: Option<f64>,
    /// End, s (> start).
    pub end: Option<f64>,
}

impl Interval {
    /// The whole file.
    pub const WHOLE: Interval = Interval {
        start: None,
        end: None,
    };

    /// Checks `0 ≤ start < end`, finite values.
    pub fn validate(&self) -> Result<()> {
        let bad = |reason: &str| {
            Err(PredictError::BadInterval {
                start: self.start,
                end: self.end,
                reason: reason.into(),
            })
        };
        if self.start.is_some_and(|s| !s.is_finite() || s < 0.0) {
            return bad("start must be a finite number of seconds ≥ 0");
        }
        if self.end.is_some_and(|e| !e.is_finite() || e <= 0.0) {
            return bad("end must be a finite number of seconds > 0");
        }
        if let (Some(s), Some(e)) = (self.start, self.end)
            && e <= s
        {
            return bad("end must be after start");
        }
        Ok(())
    }

    /// The sample range `[a, b)` of `n` samples at `rate` Hz.
    fn samples(&self, n: usize, rate: u32) -> (usize, usize) {
        let at = |t: f64| ((t * f64::from(rate)).round() as usize).min(n);
        let a = self.start.map_or(0, at);
        let b = self.end.map_or(n, at);
        (a, b.max(a))
    }
}

/// The prediction for one file or buffer. Values are on [-1, 1] (see [`crate::Scale`] for
/// others).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SongPrediction {
    /// The file (`None` for samples in memory).
    pub path: Option<PathBuf>,
    /// Seconds of audio predicted (the interval's length).
    pub duration_s: f64,
    /// Where the predicted audio starts in the file, s (0 without `--start`).
    pub start_s: f64,
    /// Song-level arousal: the mean of the dynamic series.
    pub arousal: f32,
    /// Song-level valence: the mean of the dynamic series.
    pub valence: f32,
    /// Russell quadrant 1..=4 of (arousal, valence): Q1 A+V+, Q2 A+V−, Q3 A−V−, Q4 A−V+.
    /// With a model that has a quadrant head (the embedded default since issue 17), the
    /// classifier's quadrant when its calibrated probability is ≥ the model's τ, else the
    /// signs of (arousal, valence); either way (arousal, valence) lie in it (see
    /// `mer_model::quadrant`).
    pub quadrant: u8,
    /// With a quadrant head: the calibrated probability of `quadrant` (reliability table in
    /// models/REPORT.md). Without one: the share of the 0.5 s frames whose (arousal, valence)
    /// lies in `quadrant`, in [0, 1] (1: the whole song agrees; ~0.25–0.5: the song moves
    /// between quadrants or sits on a boundary).
    pub confidence: f32,
    /// Seconds between dynamic values (0.5).
    pub hop_s: f64,
    /// Arousal every 0.5 s; value `k` covers `[start_s + 0.5k, start_s + 0.5k + 0.5)`.
    /// Empty when the predictor is static-only ([`Predictor::static_only`]).
    pub dynamic_arousal: Vec<f32>,
    /// Valence every 0.5 s.
    pub dynamic_valence: Vec<f32>,
    /// Problems that did not stop decoding the file (e.g. "file ends early (truncated?)");
    /// empty for samples in memory.
    #[serde(default)]
    pub warnings: Vec<String>,
}

/// Quadrant 1..=4 of a point (ties at 0 count as positive), Russell's circumplex.
pub fn quadrant_of(arousal: f32, valence: f32) -> u8 {
    mer_model::Example::quadrant_of(arousal, valence)
}

/// A model ready to predict, with its front end. Cheap to share between threads (`&self`).
#[derive(Debug)]
pub struct Predictor {
    model: MerModel,
    kind: InputKind,
    embedder: Option<MusicnnEmbedder>,
    /// The registry's extractor, for the sets this crate has no streaming path for
    /// (openSMILE, the other musicnn models): whole files only.
    extractor: mer_featureset::Extractor,
    name: String,
    /// Files are predicted in blocks of this many seconds of audio (see [`Self::with_blocks`]).
    block_s: u32,
    /// Seconds of context decoded on each side of a block and dropped after prediction.
    margin_s: u32,
}

/// Default block: 5 minutes, with 1 minute of context on each side (multiples of 4 s, where
/// musicnn's 256-sample hops meet the 0.5 s frames, and of 15 s, the CRNNs' window hop).
const BLOCK_S: u32 = 300;
const MARGIN_S: u32 = 60;

fn cached(slot: &'static OnceLock<MerModel>, bytes: &[u8], name: &str) -> Result<MerModel> {
    if let Some(m) = slot.get() {
        return Ok(m.clone());
    }
    let m = load_model(bytes).map_err(|error| PredictError::Model {
        source_name: name.into(),
        error,
    })?;
    Ok(slot.get_or_init(|| m).clone())
}

impl Predictor {
    /// The embedded default model (parsed once per process; later calls clone it).
    ///
    /// ```
    /// use mer_predict::Predictor;
    /// # fn main() -> Result<(), mer_predict::PredictError> {
    /// let predictor = Predictor::default_model()?;
    /// // Ten seconds of a 220 Hz tone at 44.1 kHz, in memory.
    /// let samples: Vec<f32> = (0..441_000)
    ///     .map(|i| 0.3 * (i as f32 * 220.0 * std::f32::consts::TAU / 44_100.0).sin())
    ///     .collect();
    /// let p = predictor.predict_samples(&samples, 44_100)?;
    /// // One value per whole 0.5 s of audio (mer_features::pool_2hz): 20 for the 10 s.
    /// assert_eq!(p.dynamic_arousal.len(), 20);
    /// assert!((-1.0..=1.0).contains(&p.arousal) && (1..=4).contains(&p.quadrant));
    /// println!("arousal {:.2} valence {:.2} (Q{})", p.arousal, p.valence, p.quadrant);
    /// // From a file, the whole song or one interval of it:
    /// // let p = predictor.predict_file("song.mp3".as_ref())?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn default_model() -> Result<Predictor> {
        static SLOT: OnceLock<MerModel> = OnceLock::new();
        Self::from_model(
            cached(&SLOT, DEFAULT_MODEL, "<embedded default>")?,
            "default",
        )
    }

    /// The embedded fast model (log-mel CRNN, no musicnn), parsed once per process.
    pub fn fast_model() -> Result<Predictor> {
        static SLOT: OnceLock<MerModel> = OnceLock::new();
        Self::from_model(cached(&SLOT, FAST_MODEL, "<embedded fast>")?, "fast")
    }

    /// A model file written by `mer train` (its features must be one of [`InputKind`]'s).
    pub fn from_file(path: &Path) -> Result<Predictor> {
        let model = load_model_file(path).map_err(|error| PredictError::Model {
            source_name: path.display().to_string(),
            error,
        })?;
        Self::from_model(model, &path.display().to_string())
    }

    /// [`ModelChoice`] → predictor.
    pub fn load(choice: &ModelChoice) -> Result<Predictor> {
        match choice {
            ModelChoice::Default => Self::default_model(),
            ModelChoice::Fast => Self::fast_model(),
            ModelChoice::File(p) => Self::from_file(p),
        }
    }

    /// Wraps a loaded model; `name` names it in errors.
    pub fn from_model(model: MerModel, name: &str) -> Result<Predictor> {
        let feat = &model.header.features;
        // Every set of the registry computed from audio; `deam-opensmile` is read from DEAM.
        let kind = InputKind::from_feature_set(&feat.name)
            .filter(|k| k.from_audio())
            .ok_or_else(|| PredictError::UnknownFeatures {
                source_name: name.into(),
                name: feat.name.clone(),
                known: InputKind::EVERY
                    .into_iter()
                    .filter(|k| k.from_audio())
                    .map(InputKind::feature_set)
                    .collect::<Vec<_>>()
                    .join(", "),
            })?;
        if feat.version != kind.feature_version() {
            return Err(PredictError::FeatureVersion {
                source_name: name.into(),
                name: feat.name.clone(),
                found: feat.version.clone(),
                expected: kind.feature_version().into(),
            });
        }
        if model.header.model.n_features() != kind.n_features() {
            return Err(PredictError::Model {
                source_name: name.into(),
                error: mer_model::ModelError::FeatureMismatch {
                    expected: kind.n_features(),
                    found: model.header.model.n_features(),
                },
            });
        }
        let streamed = InputKind::ALL.contains(&kind) || InputKind::FROM_FILE.contains(&kind);
        let embedder = if streamed && kind.needs_musicnn() {
            Some(MusicnnEmbedder::new()?)
        } else {
            None
        };
        Ok(Predictor {
            model,
            kind,
            embedder,
            extractor: mer_featureset::Extractor::new(),
            name: name.into(),
            block_s: BLOCK_S,
            margin_s: MARGIN_S,
        })
    }

    /// The same predictor with musicnn's products in `precision` (default:
    /// [`mer_musicnn::default_precision`]); no effect on models without musicnn.
    pub fn with_precision(mut self, precision: impl Into<mer_musicnn::LayerPrecision>) -> Self {
        let precision = precision.into();
        self.embedder = self.embedder.map(|e| e.with_precision(precision));
        self
    }

    /// Whether this crate streams the model's features block by block (the 16 kHz sets of
    /// one musicnn front end and the 44.1 kHz log-mels); the others are computed per file.
    fn streamed(&self) -> bool {
        InputKind::ALL.contains(&self.kind) || InputKind::FROM_FILE.contains(&self.kind)
    }

    /// The features this model reads.
    pub fn input_kind(&self) -> InputKind {
        self.kind
    }

    /// The underlying model (header: training data, metrics, architecture).
    pub fn model(&self) -> &MerModel {
        &self.model
    }

    /// The same predictor for static answers only (song-level arousal, valence, quadrant and
    /// confidence; the dynamic series are left empty): musicnn runs on the patch of one 0.5 s
    /// frame in [`STATIC_PATCH_STRIDE`] ([`Self::with_patch_stride`]), in
    /// [`mer_musicnn::static_precision`] (int8 timbral convolutions where the CPU has
    /// AVX512_VNNI; replaces an earlier [`Self::with_precision`]).
    pub fn static_only(self) -> Self {
        self.with_patch_stride(STATIC_PATCH_STRIDE)
            .with_precision(mer_musicnn::static_precision())
    }

    /// The same predictor with musicnn's 2 Hz patches computed every `stride` frames only
    /// (`mer_musicnn::MusicnnEmbedder::with_patch_stride`: each group of `stride` frames gets
    /// the embedding of its middle frame's patch), for static answers: with `stride > 1` the
    /// dynamic series are left empty and the song-level values (the mean of the series the
    /// head gives on the held embeddings) differ from the full computation's by the bound
    /// measured in `models/REPORT.md`. Only for a ridge head on musicnn embeddings (per-frame
    /// linear, so its mean is the head of the mean embedding); other models keep every patch.
    /// 1 is every patch (the default).
    pub fn with_patch_stride(mut self, stride: usize) -> Self {
        let linear = matches!(self.model.header.model, mer_model::ModelConfig::Ridge(_));
        let stride = if linear { stride.max(1) } else { 1 };
        self.embedder = self.embedder.map(|e| e.with_patch_stride(stride));
        self
    }

    /// The patch stride of musicnn's 2 Hz embeddings (1: every patch, the dynamic series are
    /// computed; see [`Self::with_patch_stride`]).
    pub fn patch_stride(&self) -> usize {
        self.embedder
            .as_ref()
            .map_or(1, MusicnnEmbedder::patch_stride)
    }

    /// A static-only prediction has no series ([`Self::with_patch_stride`]).
    fn finish(&self, mut p: SongPrediction) -> SongPrediction {
        if self.patch_stride() > 1 {
            p.dynamic_arousal = Vec::new();
            p.dynamic_valence = Vec::new();
        }
        p
    }

    /// Predicts a whole audio file (any format `mer_audio` decodes).
    pub fn predict_file(&self, path: &Path) -> Result<SongPrediction> {
        self.predict_file_interval(path, Interval::WHOLE)
    }

    /// Sets how long files are cut (default 300 s blocks with 60 s of context on each side):
    /// a file is decoded as a stream and predicted block by block, so memory stays bounded
    /// (~7 minutes of audio and its features) whatever the file's length. Each block's
    /// features and model see `margin_s` of audio on each side, so the frames kept are those
    /// of the whole file: exactly for the default model when both values are multiples of 4 s;
    /// for a CRNN, when they are also multiples of its window hop (15 s for the embedded
    /// `fast`). Files up to `block_s + margin_s` long are one block.
    ///
    /// # Panics
    /// If `block_s` or `margin_s` is not a positive multiple of 4.
    pub fn with_blocks(mut self, block_s: u32, margin_s: u32) -> Self {
        assert!(
            block_s > 0 && block_s.is_multiple_of(4) && margin_s > 0 && margin_s.is_multiple_of(4),
            "blocks and margins must be positive multiples of 4 s, got {block_s} and {margin_s}"
        );
        self.block_s = block_s;
        self.margin_s = margin_s;
        self
    }

    /// Predicts `interval` of an audio file, streaming it block by block ([`Self::with_blocks`]).
    pub fn predict_file_interval(&self, path: &Path, interval: Interval) -> Result<SongPrediction> {
        self.predict_file_interval_series(path, interval)
            .map(|p| self.finish(p))
    }

    /// [`Self::predict_file_interval`] before [`Self::finish`].
    fn predict_file_interval_series(
        &self,
        path: &Path,
        interval: Interval,
    ) -> Result<SongPrediction> {
        interval.validate()?;
        if let Some(cfg) = self.kind.mel_44k() {
            return self.predict_file_mel_44k(path, interval, &cfg);
        }
        if !self.streamed() {
            // The registry computes the whole file; the interval's frames are kept.
            let c = self.extractor.compute_file(self.kind, path, None)?;
            let total = c.features.rows as f64 * HOP_S;
            let mut p = self.predict_rows(&c.features, interval, total, Some(path))?;
            p.warnings = c.warnings;
            return Ok(p);
        }
        // [frames, 2 (+ 4)]: (arousal, valence) of each kept frame (and the quadrant head's
        // logits of the frame, averaged over the kept frames below).
        let w = if self.model.header.quadrant.is_some() {
            6
        } else {
            2
        };
        let (series, a, end, warnings) = self.stream_blocks(path, interval, |block| {
            let (ba, bv, bl) = self.predict_block(block, Some(path))?;
            let mut data = Vec::with_capacity(ba.len() * w);
            for t in 0..ba.len() {
                data.extend([ba[t], bv[t]]);
                if let Some(l) = &bl {
                    data.extend_from_slice(&l[t * 4..t * 4 + 4]);
                }
            }
            Ok(Matrix::new(ba.len(), w, data))
        })?;
        let (arousal, valence) = series.data.chunks_exact(w).map(|r| (r[0], r[1])).unzip();
        let logits: Option<Vec<f32>> = (w == 6).then(|| {
            series
                .data
                .chunks_exact(w)
                .flat_map(|r| r[2..].iter().copied())
                .collect()
        });
        let rate = f64::from(MODEL_RATE);
        let mut p = summarise(arousal, valence, (end - a) as f64 / rate, a as f64 / rate);
        self.apply_quadrant(&mut p, logits.as_deref());
        p.path = Some(path.to_path_buf());
        p.warnings = warnings;
        Ok(p)
    }

    /// Streams `interval` of a file at 16 kHz in blocks of `block_s` with `margin_s` of audio
    /// on each side, calls `per_block` on each block's samples (`[rows, cols]` per 2 Hz frame
    /// back) and keeps the rows of the block's own frames, so that the result equals
    /// `per_block` on the whole interval for frame-local features with less context than the
    /// margin (musicnn: 1.5 s). Returns the rows, the interval's first and end samples and
    /// the decoder's warnings.
    fn stream_blocks(
        &self,
        path: &Path,
        interval: Interval,
        mut per_block: impl FnMut(&[f32]) -> Result<Matrix>,
    ) -> Result<(Matrix, usize, usize, Vec<String>)> {
        let mut stream = mer_audio::AudioStream::open(path, Some(MODEL_RATE))?;
        let rate = f64::from(MODEL_RATE);
        let at = |t: f64| (t * rate).round() as usize;
        // Absolute sample indices: the interval [a, b) (b = None: to the end of the file).
        let a = interval.start.map_or(0, at);
        let b = interval.end.map(at);
        let block = self.block_s as usize * MODEL_RATE as usize;
        let margin = self.margin_s as usize * MODEL_RATE as usize;
        let half_s = MODEL_RATE as usize / 2; // samples per 0.5 s frame
        let mut buf: Vec<f32> = Vec::new(); // samples [buf_start, buf_start + buf.len())
        let mut buf_start = a;
        let mut pos = 0usize; // absolute index of the stream's next sample
        let mut eof = false;
        let mut core = a; // first sample of the next block's kept frames
        let (mut rows, mut cols, mut out) = (0usize, 0usize, Vec::new());
        loop {
            while !eof && buf_start + buf.len() < core + block + margin && b.is_none_or(|b| pos < b)
            {
                match stream.read_chunk()? {
                    Some(c) => {
                        let lo = a.saturating_sub(pos).min(c.len());
                        let hi = b.map_or(c.len(), |b| b.saturating_sub(pos).min(c.len()));
                        if hi > lo {
                            buf.extend_from_slice(&c[lo..hi]);
                        }
                        pos += c.len();
                    }
                    None => eof = true,
                }
            }
            let end = buf_start + buf.len();
            let last = end < core + block + margin;
            let lo = core.saturating_sub(margin).max(a);
            let hi = if last { end } else { core + block + margin };
            if hi <= lo {
                return Err(no_audio(Some(path), interval, pos as f64 / rate));
            }
            let m = per_block(&buf[lo - buf_start..hi - buf_start])?;
            let skip = ((core - lo) / half_s).min(m.rows);
            let keep = if last {
                m.rows
            } else {
                (skip + block / half_s).min(m.rows)
            };
            if keep > skip {
                cols = m.cols;
                out.extend_from_slice(&m.data[skip * m.cols..keep * m.cols]);
                rows += keep - skip;
            }
            if last {
                break;
            }
            core += block;
            let drop = core - margin - buf_start;
            buf.drain(..drop);
            buf_start += drop;
        }
        let end = b.map_or(pos, |b| b.min(pos));
        Ok((
            Matrix::new(rows, cols, out),
            a,
            end,
            stream.warnings().to_vec(),
        ))
    }

    /// A model on the paper's 44.1 kHz log-mel (`mer train --features logmel|logmel-10k`):
    /// the log-mel is streamed over the whole file (its 2 Hz rows are small), then the
    /// interval's frames are kept (its ends rounded to the 0.5 s frames).
    fn predict_file_mel_44k(
        &self,
        path: &Path,
        interval: Interval,
        cfg: &MelConfig,
    ) -> Result<SongPrediction> {
        let out = mer_features::log_mel_file(path, cfg).map_err(|e| match e {
            mer_features::FeatureError::Audio(a) => PredictError::Audio(a),
            other => PredictError::Features {
                path: path.to_path_buf(),
                reason: other.to_string(),
            },
        })?;
        let x = mer_features::pool_2hz(
            &out.features,
            out.n_samples,
            cfg.hop_length,
            cfg.sample_rate,
        );
        let total = out.n_samples as f64 / f64::from(cfg.sample_rate);
        // musicnn rows of the whole file at 16 kHz, block by block.
        let x = self.with_musicnn(x, |e| {
            let (m, ..) = self.stream_blocks(path, Interval::WHOLE, |block| {
                compute(InputKind::Musicnn, block, Some(e))
            })?;
            Ok(m)
        })?;
        let mut p = self.predict_rows(&x, interval, total, Some(path))?;
        p.warnings = out.warnings;
        Ok(p)
    }

    /// The 2 Hz rows of a 44.1 kHz kind from its log-mel rows `mel`: `mel` itself, or, for a
    /// kind that also reads musicnn, `musicnn(embedder)`'s rows beside it (musicnn first, the
    /// common frames), as `mer train` assembles them.
    fn with_musicnn(
        &self,
        mel: Matrix,
        musicnn: impl FnOnce(&MusicnnEmbedder) -> Result<Matrix>,
    ) -> Result<Matrix> {
        match &self.embedder {
            Some(e) => Ok(side_by_side(&musicnn(e)?, &mel)),
            None => Ok(mel),
        }
    }

    /// Predicts the 2 Hz rows of `x` (the whole audio, `total_s` long) inside `interval`.
    fn predict_rows(
        &self,
        x: &Matrix,
        interval: Interval,
        total_s: f64,
        path: Option<&Path>,
    ) -> Result<SongPrediction> {
        let start = interval.start.unwrap_or(0.0);
        let end = interval.end.map_or(total_s, |e| e.min(total_s));
        let a = ((start / HOP_S).round() as usize).min(x.rows);
        let b = interval
            .end
            .map_or(x.rows, |e| ((e / HOP_S).ceil() as usize).min(x.rows));
        if b <= a || end <= start {
            return Err(no_audio(path, interval, total_s));
        }
        let (arousal, valence, logits) = self.run_model(&x.data[a * x.cols..b * x.cols], b - a)?;
        let mut p = summarise(arousal, valence, end - start, start);
        self.apply_quadrant(&mut p, logits.as_deref());
        p.path = path.map(Path::to_path_buf);
        Ok(p)
    }

    /// The model's dynamic series for one block of 16 kHz samples (`path`: `None` for
    /// samples in memory), and its quadrant head's per-frame logits.
    fn predict_block(&self, samples: &[f32], path: Option<&Path>) -> Result<FrameOutputs> {
        let x = compute(self.kind, samples, self.embedder.as_ref())?; // [frames, feat]
        if x.rows == 0 {
            return Err(no_audio(path, Interval::WHOLE, 0.0));
        }
        self.run_model(&x.data, x.rows)
    }

    /// The model on features `[n_frames, feat]`: (arousal, valence) per frame, and the raw
    /// logits of its quadrant head per frame (`[n_frames, 4]`; `None` without a head).
    fn run_model(&self, x: &[f32], n_frames: usize) -> Result<FrameOutputs> {
        let pred = self
            .model
            .predict(x, n_frames)
            .map_err(|error| PredictError::Model {
                source_name: self.name.clone(),
                error,
            })?;
        let logits = self.model.quadrant_logits(x, n_frames);
        Ok((pred.arousal, pred.valence, logits))
    }

    /// The quadrant head's rule (`mer_model::quadrant`) on a summarised prediction: the head
    /// sees the mean of the kept frames' logits (= its logits of their mean features); the
    /// answered quadrant and its calibrated probability replace `quadrant` and `confidence`;
    /// where (arousal, valence) is projected onto the classifier's quadrant, the 2 Hz series
    /// is shifted by the same offset, so its mean stays the static value (unless the shift
    /// takes frames past ±1, where they are clamped: then the static value is the clamped
    /// series' mean). No head or no logits: unchanged.
    fn apply_quadrant(&self, p: &mut SongPrediction, logits: Option<&[f32]>) {
        let (Some(head), Some(logits)) = (&self.model.header.quadrant, logits) else {
            return;
        };
        let d = head.decide(
            mer_model::quadrant::mean_logits(logits),
            p.arousal,
            p.valence,
        );
        let finish = |series: &mut Vec<f32>, from: f32, to: f32| {
            if from == to {
                return from;
            }
            mer_model::quadrant::shift_series(series, from, to);
            series.iter_mut().for_each(|x| *x = x.clamp(-1.0, 1.0));
            (series.iter().map(|&x| f64::from(x)).sum::<f64>() / series.len().max(1) as f64) as f32
        };
        p.arousal = finish(&mut p.dynamic_arousal, p.arousal, d.arousal);
        p.valence = finish(&mut p.dynamic_valence, p.valence, d.valence);
        p.quadrant = d.quadrant;
        p.confidence = d.confidence;
    }

    /// Predicts mono samples in memory at `sample_rate` Hz (resampled to 16 kHz here).
    pub fn predict_samples(&self, samples: &[f32], sample_rate: u32) -> Result<SongPrediction> {
        self.predict_samples_interval(samples, sample_rate, Interval::WHOLE)
    }

    /// Predicts `interval` of mono samples in memory at `sample_rate` Hz.
    pub fn predict_samples_interval(
        &self,
        samples: &[f32],
        sample_rate: u32,
        interval: Interval,
    ) -> Result<SongPrediction> {
        self.predict_samples_interval_series(samples, sample_rate, interval)
            .map(|p| self.finish(p))
    }

    /// [`Self::predict_samples_interval`] before [`Self::finish`].
    fn predict_samples_interval_series(
        &self,
        samples: &[f32],
        sample_rate: u32,
        interval: Interval,
    ) -> Result<SongPrediction> {
        interval.validate()?;
        if sample_rate == 0 {
            return Err(PredictError::BadSamples("sample rate 0".into()));
        }
        if let Some(i) = samples.iter().position(|v| !v.is_finite()) {
            return Err(PredictError::BadSamples(format!(
                "non-finite sample at index {i}"
            )));
        }
        if let Some(cfg) = self.kind.mel_44k() {
            let s44 = at_rate(samples, sample_rate, cfg.sample_rate)?;
            let lm = mer_features::log_mel(&s44, &cfg)
                .map_err(|e| PredictError::BadSamples(format!("log-mel: {e}")))?;
            let x = mer_features::pool_2hz(&lm, s44.len() as u64, cfg.hop_length, cfg.sample_rate);
            let x = self.with_musicnn(x, |e| {
                let s16 = at_rate(samples, sample_rate, MODEL_RATE)?;
                compute(InputKind::Musicnn, &s16, Some(e))
            })?;
            let total = s44.len() as f64 / f64::from(cfg.sample_rate);
            return self.predict_rows(&x, interval, total, None);
        }
        if !self.streamed() {
            return Err(PredictError::BadSamples(format!(
                "the model reads {}, computed from files only: use predict_file",
                self.kind.feature_set()
            )));
        }
        let s16 = at_rate(samples, sample_rate, MODEL_RATE)?;
        self.predict_16k(&s16, interval)
    }

    /// Predicts `interval` of 16 kHz samples in memory.
    fn predict_16k(&self, samples: &[f32], interval: Interval) -> Result<SongPrediction> {
        let (a, b) = interval.samples(samples.len(), MODEL_RATE);
        if b <= a {
            let total = samples.len() as f64 / f64::from(MODEL_RATE);
            return Err(no_audio(None, interval, total));
        }
        let (arousal, valence, logits) = self.predict_block(&samples[a..b], None)?;
        let mut p = summarise(
            arousal,
            valence,
            (b - a) as f64 / f64::from(MODEL_RATE),
            a as f64 / f64::from(MODEL_RATE),
        );
        self.apply_quadrant(&mut p, logits.as_deref());
        Ok(p)
    }
}

/// A model's per-frame outputs: arousal, valence, and the quadrant head's logits
/// (`[frames, 4]`, `None` without a head).
type FrameOutputs = (Vec<f32>, Vec<f32>, Option<Vec<f32>>);

/// "No audio" for a file (`None`: samples in memory), naming the interval and the audio's
/// length `total_s` when an interval was asked for.
fn no_audio(path: Option<&Path>, interval: Interval, total_s: f64) -> PredictError {
    let detail = if interval == Interval::WHOLE {
        String::new()
    } else {
        let at =
            |t: Option<f64>, none: &str| t.map_or_else(|| none.to_string(), |t| format!("{t}"));
        format!(
            " in {}..{} s (the audio lasts {total_s:.2} s)",
            at(interval.start, "0"),
            at(interval.end, "end")
        )
    };
    PredictError::NoAudio {
        path: path.map_or_else(|| PathBuf::from("<samples>"), Path::to_path_buf),
        detail,
    }
}

/// `samples` at `to` Hz: borrowed when already there, else resampled.
fn at_rate(samples: &[f32], from: u32, to: u32) -> Result<std::borrow::Cow<'_, [f32]>> {
    Ok(if from == to {
        std::borrow::Cow::Borrowed(samples)
    } else {
        std::borrow::Cow::Owned(resample(samples, from, to)?)
    })
}

/// Builds a [`SongPrediction`] from the dynamic series (values clamped to [-1, 1]).
fn summarise(
    arousal: Vec<f32>,
    valence: Vec<f32>,
    duration_s: f64,
    start_s: f64,
) -> SongPrediction {
    let clamp = |v: Vec<f32>| {
        v.into_iter()
            .map(|x| x.clamp(-1.0, 1.0))
            .collect::<Vec<_>>()
    };
    let (arousal, valence) = (clamp(arousal), clamp(valence));
    let mean =
        |v: &[f32]| (v.iter().map(|&x| f64::from(x)).sum::<f64>() / v.len().max(1) as f64) as f32;
    let (a, v) = (mean(&arousal), mean(&valence));
    let q = quadrant_of(a, v);
    let agree = arousal
        .iter()
        .zip(&valence)
        .filter(|&(&x, &y)| quadrant_of(x, y) == q)
        .count();
    SongPrediction {
        path: None,
        duration_s,
        start_s,
        arousal: a,
        valence: v,
        quadrant: q,
        confidence: agree as f32 / arousal.len().max(1) as f32,
        hop_s: HOP_S,
        dynamic_arousal: arousal,
        dynamic_valence: valence,
        warnings: Vec::new(),
    }
}

/// Resamples mono samples with `mer_audio`'s resampler.
fn resample(samples: &[f32], from: u32, to: u32) -> Result<Vec<f32>> {
    let mut r = mer_audio::StreamResampler::new(from, to)
        .map_err(|e| PredictError::BadSamples(format!("resampling {from} → {to} Hz: {e}")))?;
    let mut out = Vec::with_capacity(samples.len() * to as usize / from as usize + 1024);
    r.push(samples, &mut out)
        .map_err(|e| PredictError::BadSamples(format!("resampling: {e}")))?;
    r.finish(&mut out)
        .map_err(|e| PredictError::BadSamples(format!("resampling: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_checks_and_crops() {
        assert!(Interval::WHOLE.validate().is_ok());
        let bad = Interval {
            start: Some(5.0),
            end: Some(2.0),
        };
        assert!(bad.validate().is_err());
        assert!(
            Interval {
                start: Some(-1.0),
                end: None
            }
            .validate()
            .is_err()
        );
        let i = Interval {
            start: Some(1.0),
            end: Some(2.5),
        };
        assert_eq!(i.samples(100_000, 16_000), (16_000, 40_000));
        assert_eq!(i.samples(20_000, 16_000), (16_000, 20_000));
    }

    #[test]
    fn summary_confidence_is_quadrant_agreement() {
        let p = summarise(
            vec![0.5, 0.5, 0.5, -0.1],
            vec![0.2, 0.3, -0.1, 0.2],
            2.0,
            0.0,
        );
        assert_eq!(p.quadrant, 1);
        assert_eq!(p.confidence, 0.5);
        assert!((p.arousal - 0.35).abs() < 1e-6);
    }
}
