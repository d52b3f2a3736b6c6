//! The six voicing LLDs of ComParE, unsmoothed: F0final, voicingFinalUnclipped (see
//! [`super::pitch`]), jitterLocal, jitterDDP, shimmerLocal, logHNR (see
//! [`super::voice_quality`]).

use crate::frame::Framing;
use crate::lld::pitch::{Candidates, ShsPitch, f0_and_voicing};
use crate::lld::voice_quality::VoiceQuality;

/// Collects per-frame pitch candidates, then resolves the whole contour at the end
/// (the Viterbi smoother needs up to 30 frames of look-ahead).
pub struct Voicing {
    fr: Framing,
    broken_jitter_thresh: bool,
    shs: ShsPitch,
    energy: Vec<f32>,
    cands: Vec<Candidates>,
}

impl Voicing {
    /// For the ComParE framing `fr`, 60 ms frames windowed with `window` (Gaussian σ = 0.4);
    /// `broken_jitter_thresh` as [`VoiceQuality::new`].
    pub fn new(fr: &Framing, window: Vec<f32>, broken_jitter_thresh: bool) -> Self {
        Self {
            fr: *fr,
            broken_jitter_thresh,
            shs: ShsPitch::new(fr, window),
            energy: Vec::new(),
            cands: Vec::new(),
        }
    }

    /// Next raw 60 ms frame (shape `[fr.long]`).
    pub fn push_frame(&mut self, frame: &[f32]) {
        let (e, c) = self.shs.detect(frame);
        self.energy.push(e);
        self.cands.push(c);
    }

    /// The six tracks, each of shape `[frames]`; `samples` is the whole input signal.
    pub fn finish(self, samples: &[f32]) -> Vec<Vec<f32>> {
        let (f0, vp) = f0_and_voicing(&self.energy, &self.cands);
        let mut vq = VoiceQuality::new(
            self.fr.sample_rate,
            self.fr.step,
            self.fr.long,
            self.broken_jitter_thresh,
        );
        let n = f0.len();
        let (mut jl, mut jd, mut sh, mut hnr) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for (t, &f) in f0.iter().enumerate() {
            let o = vq.push(t, f, samples);
            jl.push(o.jitter_local);
            jd.push(o.jitter_ddp);
            sh.push(o.shimmer_local);
            hnr.push(o.log_hnr);
        }
        vec![f0, vp, jl, jd, sh, hnr]
    }
}
