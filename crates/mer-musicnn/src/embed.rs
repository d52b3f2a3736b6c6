//! musicnn as an input feature: 200-d penultimate embeddings at 2 Hz, and musicnn's own
//! 3-second tagging.
//!
//! **2 Hz frames.** Frame `k` covers `[0.5k, 0.5k + 0.5)` s (the rule of `mer_features::pool`;
//! the frame count is the one `pool_2hz` gives for the same mel frames, so musicnn frames line
//! up with pooled log-mel frames). Its embedding is musicnn's penultimate layer on the 3 s patch
//! (187 mel frames) *centred* on `0.5k + 0.25` s: the patch starts at mel frame
//! `round((0.5k + 0.25) · 62.5) − 93`. The log-mel of the whole file is computed once and the
//! patches are slices of it. Frames before the start or after the end of the file are log-mel
//! 0, i.e. digital silence (`log10(10000 · 0 + 1) = 0`), so the first and last ~1.5 s see
//! silence on one side.

use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Tensor, TensorData};
use mer_audio::Audio;
use mer_features::Matrix;
use mer_features::pool::window_of_frame;

use crate::error::MusicnnError;
use crate::fast::{FastMusicnn, LayerPrecision};
use crate::frontend::{self, HOP_LENGTH, N_MELS, SAMPLE_RATE};
use crate::model::Musicnn;
use crate::pretrained::Pretrained;

/// Frames of one musicnn patch: 3 s, `librosa.time_to_frames(3, sr=16000, hop_length=256) + 1`.
pub const PATCH_FRAMES: usize = 187;
/// Width of the musicnn embedding (penultimate layer of MSD_musicnn and MTT_musicnn).
pub const EMBEDDING_DIM: usize = 200;
/// Name and version of MSD_musicnn's 2 Hz feature set, for caches and model files (the other
/// models': [`Pretrained::feature_set`]). Bump the version whenever the values can change
/// (weights, front end, patching, padding).
pub const FEATURE_SET: &str = "musicnn-msd-penultimate-2hz-v1";
/// Patches per forward pass (bounds the memory of the convolutions: ~30 MB per patch).
pub const DEFAULT_BATCH: usize = 8;

/// A one-line description of [`FEATURE_SET`] for model files.
pub fn feature_set_description() -> String {
    Pretrained::MsdMusicnn.feature_set_description()
}

/// Number of 2 Hz frames for `mel_frames` musicnn mel frames when the sample count is not
/// known: one per window any mel frame's centre falls in. When the last mel frame is centred
/// exactly on the end of the audio (a length that is a multiple of the hop) this is one more
/// than `mer_features::frames_2hz` of the sample count, the exact rule that
/// [`embed_2hz`](MusicnnEmbedder::embed_2hz) and
/// [`embed_2hz_file`](MusicnnEmbedder::embed_2hz_file) apply ([`exact_frames`]).
pub fn frames_2hz(mel_frames: usize) -> usize {
    match mel_frames {
        0 => 0,
        n => window_of_frame(n - 1, HOP_LENGTH, SAMPLE_RATE) + 1,
    }
}

/// First mel frame (may be negative) of the patch of 2 Hz frame `k`:
/// `round((0.5k + 0.25) · 16000 / 256) − 93`. The centre `(2k + 1) · 125 / 8` frames is never
/// a tie, so the rounding is exact integer arithmetic.
pub fn patch_start_2hz(k: usize) -> i64 {
    let centre = ((2 * k as i64 + 1) * 125 + 4) / 8;
    centre - (PATCH_FRAMES / 2) as i64
}

/// The first `mer_features::frames_2hz(n_samples)` rows of 2 Hz frames computed from mel
/// frames alone ([`frames_2hz`]): frame `k` covers `[0.5k, 0.5k + 0.5)` s of `n_samples`.
pub fn exact_frames(mut m: Matrix, n_samples: u64) -> Matrix {
    let rows = mer_features::frames_2hz(n_samples, HOP_LENGTH, SAMPLE_RATE).min(m.rows);
    m.data.truncate(rows * m.cols);
    m.rows = rows;
    m
}

/// First mel frames of the 2 Hz patches of a log-mel of `mel_frames` frames.
pub(crate) fn starts_2hz(mel_frames: usize) -> Vec<i64> {
    (0..frames_2hz(mel_frames)).map(patch_start_2hz).collect()
}

/// The 2 Hz frames whose patches are computed with patch stride `stride` out of `frames`
/// (a stride of 0 counts as one): the frames are cut into groups of `stride` consecutive
/// frames (the last group may be shorter) and each group is represented by its middle frame,
/// `(len − 1) / 2` into a group of `len`. Stride 1 is every frame.
///
/// ```
/// use mer_musicnn::embed::strided_frames;
/// assert_eq!(strided_frames(7, 1), vec![0, 1, 2, 3, 4, 5, 6]);
/// assert_eq!(strided_frames(7, 3), vec![1, 4, 6]);
/// assert_eq!(strided_frames(60, 6).len(), 10);
/// ```
pub fn strided_frames(frames: usize, stride: usize) -> Vec<usize> {
    let s = stride.max(1);
    (0..frames.div_ceil(s))
        .map(|g| {
            let len = s.min(frames - g * s);
            g * s + (len - 1) / 2
        })
        .collect()
}

/// The rows of [`strided_frames`]`(frames, stride)` (`rows`, one per group) held over every
/// frame of their group: `[frames, rows.cols]`, frame `t` taking row `t / stride`. What a
/// static-only prediction feeds a per-frame head in place of the 2 Hz embeddings.
pub fn expand_strided(rows: &Matrix, frames: usize, stride: usize) -> Matrix {
    let s = stride.max(1);
    debug_assert_eq!(rows.rows, frames.div_ceil(s));
    let mut data = Vec::with_capacity(frames * rows.cols);
    for t in 0..frames {
        data.extend_from_slice(rows.row(t / s));
    }
    Matrix::new(frames, rows.cols, data)
}

/// First mel frames of musicnn `extractor()`'s patches (its defaults): non-overlapping 3 s
/// patches from the first frame, the trailing partial patch dropped.
pub(crate) fn extractor_starts(mel_frames: usize) -> Vec<i64> {
    (0..mel_frames / PATCH_FRAMES)
        .map(|p| (p * PATCH_FRAMES) as i64)
        .collect()
}

/// Copies mel frames `[start, start + 187)` of `logmel` into `out` (`[187, 96]` row-major),
/// with log-mel 0 where the range leaves the file.
fn fill_patch(logmel: &Matrix, start: i64, out: &mut [f32]) {
    out.fill(0.0);
    let lo = start.max(0);
    let hi = (start + PATCH_FRAMES as i64).min(logmel.rows as i64);
    if hi > lo {
        let dst = ((lo - start) as usize) * N_MELS;
        let src = &logmel.data[lo as usize * N_MELS..hi as usize * N_MELS];
        out[dst..dst + src.len()].copy_from_slice(src);
    }
}

/// musicnn with its weights on a device, ready to embed or tag (MSD_musicnn or MTT_musicnn, or
/// any weights of the same network). Embeddings and tags use the matrix-product path of
/// [`FastMusicnn`] (shared timbral filters); the `*_module` methods run the burn module on
/// every patch (same values, for verification).
#[derive(Debug)]
pub struct MusicnnEmbedder {
    model: Musicnn,
    fast: FastMusicnn,
    device: Device,
    batch: usize,
    /// Patch stride of the 2 Hz embeddings (1: every frame; see [`MusicnnEmbedder::with_patch_stride`]).
    patch_stride: usize,
}

/// Per-patch outputs of [`MusicnnEmbedder::tag_patches`] (and of the vgg's).
#[derive(Debug, Clone)]
pub struct PatchOutputs {
    /// Tag probabilities `[patches, 50]` (order of the model's [`Pretrained::tags`]).
    pub tags: Matrix,
    /// Embeddings `[patches, dim]`: musicnn's penultimate (200), or vgg's `pool5` (256).
    pub penultimate: Matrix,
}

impl MusicnnEmbedder {
    /// The pretrained MSD_musicnn on the Flex (CPU) device.
    pub fn new() -> Result<Self, MusicnnError> {
        Self::pretrained(Pretrained::MsdMusicnn)
    }

    /// A pretrained musicnn-architecture model (MSD_musicnn or MTT_musicnn) on the Flex (CPU)
    /// device; a vgg model is an error (use [`Embedder`](crate::Embedder) for any model).
    pub fn pretrained(model: Pretrained) -> Result<Self, MusicnnError> {
        let device = Device::flex();
        Ok(Self::with_model(
            Musicnn::pretrained_model(model, &device)?,
            device,
        ))
    }

    /// A given model on its device.
    pub fn with_model(model: Musicnn, device: Device) -> Self {
        MusicnnEmbedder {
            fast: FastMusicnn::new(&model, &device),
            model,
            device,
            batch: DEFAULT_BATCH,
            patch_stride: 1,
        }
    }

    /// The same model multiplying in `precision` (the default is
    /// [`default_precision`](crate::fast::default_precision): bf16 where the CPU has AVX512_BF16,
    /// else f32; [`Precision::F32`](crate::Precision::F32) is the reference).
    pub fn with_precision(mut self, precision: impl Into<LayerPrecision>) -> Self {
        self.fast = FastMusicnn::with_precision(&self.model, &self.device, precision);
        self
    }

    /// The precision of the embeddings' products.
    pub fn precision(&self) -> LayerPrecision {
        self.fast.precision()
    }

    /// Sets the number of patches per forward pass (≥ 1).
    pub fn with_batch(mut self, batch: usize) -> Self {
        self.batch = batch.max(1);
        self
    }

    /// The same model computing only every `stride`-th patch of the 2 Hz embeddings (≥ 1; 0
    /// counts as 1), for static answers: the frames are cut into groups of `stride`, the
    /// patch of each group's middle frame is computed ([`strided_frames`]) and its embedding
    /// is held over the group's frames ([`expand_strided`]). The 2 Hz methods
    /// ([`embed_2hz`](Self::embed_2hz), [`embed_2hz_file`](Self::embed_2hz_file),
    /// [`embed_2hz_exact`](Self::embed_2hz_exact), [`embed_2hz_logmel`](Self::embed_2hz_logmel))
    /// still return one row per frame, but only the groups' rows are musicnn's: use them for
    /// a per-frame linear head's mean over the file, not as a series. 3 s patches overlap by
    /// 2.5 s at 2 Hz, so a stride up to 6 (non-overlapping patches, as musicnn's own
    /// extractor) still covers every mel frame; the network's work falls about
    /// `stride`-fold for the per-patch parts (mid end, patch edges) and, past 6, for the rest.
    pub fn with_patch_stride(mut self, stride: usize) -> Self {
        self.patch_stride = stride.max(1);
        self
    }

    /// The patch stride of the 2 Hz embeddings (1: every frame).
    pub fn patch_stride(&self) -> usize {
        self.patch_stride
    }

    /// 2 Hz embeddings of mono audio at 16 kHz (`mer_audio::load(path, Some(16000))`):
    /// `[frames, 200]`.
    pub fn embed_2hz(&self, audio: &Audio) -> Result<Matrix, MusicnnError> {
        if audio.sample_rate != SAMPLE_RATE {
            return Err(MusicnnError::SampleRate {
                expected: SAMPLE_RATE,
                got: audio.sample_rate,
            });
        }
        self.embed_2hz_exact(
            &frontend::logmel(&audio.samples)?,
            audio.samples.len() as u64,
        )
    }

    /// 2 Hz embeddings of a file, decoded and resampled to 16 kHz on the fly: `[frames, 200]`.
    pub fn embed_2hz_file(&self, path: &std::path::Path) -> Result<Matrix, MusicnnError> {
        let (logmel, n_samples) = frontend::logmel_file(path)?;
        self.embed_2hz_exact(&logmel, n_samples)
    }

    /// 2 Hz embeddings from musicnn's log-mel `[mel_frames, 96]` of `n_samples` samples:
    /// `[mer_features::frames_2hz(n_samples), 200]` ([`exact_frames`] of
    /// [`embed_2hz_logmel`](Self::embed_2hz_logmel); with a patch stride, the groups are
    /// those of the exact frames).
    pub fn embed_2hz_exact(&self, logmel: &Matrix, n_samples: u64) -> Result<Matrix, MusicnnError> {
        if self.patch_stride <= 1 {
            return Ok(exact_frames(self.embed_2hz_logmel(logmel)?, n_samples));
        }
        check_logmel(logmel)?;
        let frames = mer_features::frames_2hz(n_samples, HOP_LENGTH, SAMPLE_RATE)
            .min(frames_2hz(logmel.rows));
        Ok(self.strided(logmel, frames))
    }

    /// The embeddings of [`strided_frames`]`(frames, stride)` held over their groups.
    fn strided(&self, logmel: &Matrix, frames: usize) -> Matrix {
        let starts: Vec<i64> = strided_frames(frames, self.patch_stride)
            .into_iter()
            .map(patch_start_2hz)
            .collect();
        let rows = self.fast.penultimate(logmel, &starts);
        expand_strided(&rows, frames, self.patch_stride)
    }

    /// 2 Hz embeddings from musicnn's log-mel `[mel_frames, 96]` (see [`frontend::logmel`]):
    /// `[frames_2hz(mel_frames), 200]`.
    pub fn embed_2hz_logmel(&self, logmel: &Matrix) -> Result<Matrix, MusicnnError> {
        check_logmel(logmel)?;
        if self.patch_stride > 1 {
            return Ok(self.strided(logmel, frames_2hz(logmel.rows)));
        }
        Ok(self.fast.penultimate(logmel, &starts_2hz(logmel.rows)))
    }

    /// Penultimate embeddings `[patches, 200]` of pooled features `[patches, 1506]` (e.g. of
    /// [`pooled_2hz_logmel`](Self::pooled_2hz_logmel)): musicnn's back end, without running
    /// the convolutions again.
    pub fn penultimate_of(&self, pooled: Matrix) -> Matrix {
        self.fast.back_end(pooled)
    }

    /// Tag probabilities `[patches, 50]` of penultimate embeddings `[patches, 200]` (e.g. of
    /// [`embed_2hz_logmel`](Self::embed_2hz_logmel)): musicnn's output layer.
    pub fn tags_of(&self, penultimate: &Matrix) -> Matrix {
        self.fast.tags(penultimate)
    }

    /// musicnn's pooled features (see [`FastMusicnn::pooled`]) of the 2 Hz patches of musicnn's
    /// log-mel `[mel_frames, 96]`: `[frames_2hz(mel_frames), 1506]`.
    pub fn pooled_2hz_logmel(&self, logmel: &Matrix) -> Result<Matrix, MusicnnError> {
        check_logmel(logmel)?;
        Ok(self.fast.pooled(logmel, &starts_2hz(logmel.rows)))
    }

    /// [`embed_2hz_logmel`](Self::embed_2hz_logmel) computed by the burn module, patch by patch.
    pub fn embed_2hz_logmel_module(&self, logmel: &Matrix) -> Result<Matrix, MusicnnError> {
        check_logmel(logmel)?;
        Ok(self
            .run_patches(logmel, &starts_2hz(logmel.rows))
            .penultimate)
    }

    /// musicnn's own tagging (`extractor()` with its defaults): non-overlapping 3 s patches from
    /// the first frame, the trailing partial patch dropped.
    pub fn tag_patches(&self, logmel: &Matrix) -> Result<PatchOutputs, MusicnnError> {
        check_logmel(logmel)?;
        let penultimate = self
            .fast
            .penultimate(logmel, &extractor_starts(logmel.rows));
        Ok(PatchOutputs {
            tags: self.fast.tags(&penultimate),
            penultimate,
        })
    }

    /// [`tag_patches`](Self::tag_patches) computed by the burn module, patch by patch.
    pub fn tag_patches_module(&self, logmel: &Matrix) -> Result<PatchOutputs, MusicnnError> {
        check_logmel(logmel)?;
        Ok(self.run_patches(logmel, &extractor_starts(logmel.rows)))
    }

    /// Runs the network on the patches starting at `starts`, `batch` at a time.
    fn run_patches(&self, logmel: &Matrix, starts: &[i64]) -> PatchOutputs {
        run_module(logmel, starts, self.batch, &self.device, |x| {
            let out = self.model.forward(x);
            (out.logits, out.penultimate)
        })
    }
}

/// Runs `forward` (patches `[batch, 187, 96]` → tag logits `[batch, tags]` and embeddings
/// `[batch, dim]`) on the patches of `logmel` starting at `starts`, `batch` at a time.
pub(crate) fn run_module(
    logmel: &Matrix,
    starts: &[i64],
    batch: usize,
    device: &Device,
    forward: impl Fn(Tensor<3>) -> (Tensor<2>, Tensor<2>),
) -> PatchOutputs {
    let patch_len = PATCH_FRAMES * N_MELS;
    let (mut tags, mut emb) = (Vec::new(), Vec::new());
    for group in starts.chunks(batch.max(1)) {
        let mut input = vec![0.0f32; group.len() * patch_len];
        for (&start, out) in group.iter().zip(input.chunks_mut(patch_len)) {
            fill_patch(logmel, start, out);
        }
        let x = Tensor::<3>::from_data(
            TensorData::new(input, [group.len(), PATCH_FRAMES, N_MELS]),
            device,
        ); // [batch, 187, 96]
        let (logits, e) = forward(x);
        tags.extend(to_vec(sigmoid(logits))); // [batch, tags]
        emb.extend(to_vec(e)); // [batch, dim]
    }
    let n = starts.len().max(1);
    PatchOutputs {
        tags: Matrix::new(starts.len(), tags.len() / n, tags),
        penultimate: Matrix::new(starts.len(), emb.len() / n, emb),
    }
}

pub(crate) fn to_vec(t: Tensor<2>) -> Vec<f32> {
    t.into_data()
        .try_into_vec::<f32>()
        .expect("the model's outputs are f32")
}

pub(crate) fn check_logmel(logmel: &Matrix) -> Result<(), MusicnnError> {
    if logmel.cols != N_MELS {
        return Err(MusicnnError::MelBands {
            expected: N_MELS,
            got: logmel.cols,
        });
    }
    if let Some(i) = logmel.data.iter().position(|v| !v.is_finite()) {
        return Err(MusicnnError::NonFinite { frame: i / N_MELS });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Frame k's patch is centred on 0.5k + 0.25 s: its middle frame (start + 93) is the mel
    /// frame nearest to that time.
    #[test]
    fn patches_are_centred_on_their_frame() {
        for k in 0..500 {
            let mid = patch_start_2hz(k) + 93;
            let centre_s = 0.5 * k as f64 + 0.25;
            let err = (mid as f64 * 256.0 / 16000.0 - centre_s).abs();
            assert!(err <= 0.5 * 256.0 / 16000.0, "k {k}: mid {mid}");
        }
        assert_eq!(patch_start_2hz(0), 16 - 93);
    }

    /// 30 s at 16 kHz: 1876 centred frames; the last one (t = 30.0 s) opens frame 60 when only
    /// the mel frames are known; with the sample count, 30 s are 60 frames.
    #[test]
    fn frame_count_follows_pool_2hz() {
        assert_eq!(frames_2hz(1 + 480_000 / 256), 61);
        let m = Matrix::new(61, 2, vec![0.0; 122]);
        assert_eq!(exact_frames(m.clone(), 480_000).rows, 60);
        assert_eq!(exact_frames(m, 480_001).rows, 61);
        assert_eq!(frames_2hz(1), 1);
        assert_eq!(frames_2hz(0), 0);
    }

    #[test]
    fn patches_outside_the_file_are_silence() {
        let logmel = Matrix::new(3, N_MELS, vec![1.0; 3 * N_MELS]);
        let mut out = vec![f32::NAN; PATCH_FRAMES * N_MELS];
        fill_patch(&logmel, -2, &mut out);
        assert!(out[..2 * N_MELS].iter().all(|&v| v == 0.0));
        assert!(out[2 * N_MELS..5 * N_MELS].iter().all(|&v| v == 1.0));
        assert!(out[5 * N_MELS..].iter().all(|&v| v == 0.0));
    }
}
