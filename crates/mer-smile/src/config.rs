//! Which openSMILE configuration the LLDs reproduce.
//!
//! Both configurations compute the same 65 LLDs with the same framing, windows, filterbanks,
//! smoothing and deltas; setting by setting (openSMILE 3.0 `config/compare16/` vs
//! `config/is09-13/`, and openSMILE 2.1.0's monolithic `IS13_ComParE.conf` of Dec 2014):
//!
//! | setting | `ComParE_2016` | `IS13_ComParE` | effect |
//! |---|---|---|---|
//! | `cPitchJitter.useBrokenJitterThresh` | 0 | 1 (2.1: no option, always "broken") | jitterLocal, jitterDDP, shimmerLocal |
//! | `cTransformFFT.zeroPadSymmetric` | 1 | 0 (2.1: no option, pads at the end) | phase only; magnitudes equal (< 1e-4 relative, measured) |
//! | everything else (frame 20/60 ms, step 10 ms, Hamming / Gauss σ 0.4, no pre-emphasis, 26 mel bands 20–8000 Hz, power spectrum, PLP compression 0.33, RASTA, MFCC 1–14 lifter 22 HTK, ZCR on the 60 ms frame, SHS + Viterbi F0, `smaWin = 3`, deltas ±2) | same | same | none |
//!
//! One *code* difference between openSMILE 2.1 (which made DEAM's features) and 3.x is not a
//! setting and is not reproduced: 2.1's `cSpecScale` took the octave spectrum up to
//! `Δf · nBins` instead of `Δf · (nBins − 1)`, which moves the SHS pitch grid by < 0.1 %
//! (see `REPORT.md`).

/// An openSMILE ComParE configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Config {
    /// `ComParE_2016` as openSMILE 3 / the `opensmile` 2.6.0 Python package computes it
    /// (validated against it: `tests/reference.rs`).
    #[default]
    ComParE2016,
    /// `IS13_ComParE`, the Interspeech 2013 ComParE configuration that the MediaEval 2015
    /// "Emotion in Music" baseline and DEAM's shipped `features/` were made with (openSMILE
    /// 2.1); validated against openSMILE 3 running that configuration (`tests/reference.rs`,
    /// fixtures from `scripts/smile_reference_is13.sh`). Differs from `ComParE_2016` in
    /// jitter and shimmer only.
    ///
    /// Its jitter threshold (`useBrokenJitterThresh = 1`) accepts a frame's first pitch period
    /// when the period's cross-correlation (f64) exceeds its own f32 rounding: a coin flip
    /// decided by the last bits of the samples. Bit-identical input is therefore needed to
    /// reproduce openSMILE frame by frame ([`crate::pcm16_as_opensmile`]; `compute_file_with`
    /// applies it); on other input the jitter tracks agree in distribution, not frame by
    /// frame.
    Is13ComParE,
}

impl Config {
    /// openSMILE's name of the configuration (`ComParE_2016`, `IS13_ComParE`).
    pub fn name(self) -> &'static str {
        match self {
            Self::ComParE2016 => "ComParE_2016",
            Self::Is13ComParE => "IS13_ComParE",
        }
    }

    /// Whether `cPitchJitter` uses openSMILE ≤ 2.2's period threshold
    /// (`useBrokenJitterThresh = 1`).
    pub(crate) fn broken_jitter_thresh(self) -> bool {
        matches!(self, Self::Is13ComParE)
    }
}

impl std::fmt::Display for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
