//! The 65 ComParE low-level descriptors (openSMILE `ComParE_2016` LLD level, or the
//! `IS13_ComParE` one used by the MediaEval 2015 baseline: see [`Config`]) and their deltas.

use crate::contour::{delta, delta_in_segments, sma3};
use crate::frame::{Framing, MagSpectrum, gauss, hamming};
use crate::lld::auditory::{AudSpec, RastaAudSpec};
use crate::lld::energy::{rms, zcr};
use crate::lld::melspec::MelFilterbank;
use crate::lld::mfcc::Mfcc;
use crate::lld::spectral::{N_SPECTRAL, Spectral};
use crate::lld::voicing::Voicing;
use crate::{Config, SmileError};

/// Number of ComParE LLDs.
pub const N_LLD: usize = 65;

/// openSMILE's names of the 65 smoothed LLDs, in its output order (`ComParE_2016`,
/// `LowLevelDescriptors`; the delta names append `_de` after `_sma`).
pub const LLD_NAMES: [&str; N_LLD] = [
    "F0final_sma",
    "voicingFinalUnclipped_sma",
    "jitterLocal_sma",
    "jitterDDP_sma",
    "shimmerLocal_sma",
    "logHNR_sma",
    "audspec_lengthL1norm_sma",
    "audspecRasta_lengthL1norm_sma",
    "pcm_RMSenergy_sma",
    "pcm_zcr_sma",
    "audSpec_Rfilt_sma[0]",
    "audSpec_Rfilt_sma[1]",
    "audSpec_Rfilt_sma[2]",
    "audSpec_Rfilt_sma[3]",
    "audSpec_Rfilt_sma[4]",
    "audSpec_Rfilt_sma[5]",
    "audSpec_Rfilt_sma[6]",
    "audSpec_Rfilt_sma[7]",
    "audSpec_Rfilt_sma[8]",
    "audSpec_Rfilt_sma[9]",
    "audSpec_Rfilt_sma[10]",
    "audSpec_Rfilt_sma[11]",
    "audSpec_Rfilt_sma[12]",
    "audSpec_Rfilt_sma[13]",
    "audSpec_Rfilt_sma[14]",
    "audSpec_Rfilt_sma[15]",
    "audSpec_Rfilt_sma[16]",
    "audSpec_Rfilt_sma[17]",
    "audSpec_Rfilt_sma[18]",
    "audSpec_Rfilt_sma[19]",
    "audSpec_Rfilt_sma[20]",
    "audSpec_Rfilt_sma[21]",
    "audSpec_Rfilt_sma[22]",
    "audSpec_Rfilt_sma[23]",
    "audSpec_Rfilt_sma[24]",
    "audSpec_Rfilt_sma[25]",
    "pcm_fftMag_fband250-650_sma",
    "pcm_fftMag_fband1000-4000_sma",
    "pcm_fftMag_spectralRollOff25.0_sma",
    "pcm_fftMag_spectralRollOff50.0_sma",
    "pcm_fftMag_spectralRollOff75.0_sma",
    "pcm_fftMag_spectralRollOff90.0_sma",
    "pcm_fftMag_spectralFlux_sma",
    "pcm_fftMag_spectralCentroid_sma",
    "pcm_fftMag_spectralEntropy_sma",
    "pcm_fftMag_spectralVariance_sma",
    "pcm_fftMag_spectralSkewness_sma",
    "pcm_fftMag_spectralKurtosis_sma",
    "pcm_fftMag_spectralSlope_sma",
    "pcm_fftMag_psySharpness_sma",
    "pcm_fftMag_spectralHarmonicity_sma",
    "mfcc_sma[1]",
    "mfcc_sma[2]",
    "mfcc_sma[3]",
    "mfcc_sma[4]",
    "mfcc_sma[5]",
    "mfcc_sma[6]",
    "mfcc_sma[7]",
    "mfcc_sma[8]",
    "mfcc_sma[9]",
    "mfcc_sma[10]",
    "mfcc_sma[11]",
    "mfcc_sma[12]",
    "mfcc_sma[13]",
    "mfcc_sma[14]",
];

/// Index of the first voicing LLD and the count of them (F0 … logHNR).
pub const VOICING: std::ops::Range<usize> = 0..6;
const AUDSPEC_SUM: usize = 6;
const RASTA_SUM: usize = 7;
const RMS: usize = 8;
const ZCR: usize = 9;
const RFILT: usize = 10;
const SPECTRAL: usize = 36;
const MFCC: usize = 51;
const N_BANDS: usize = 26;

/// The name openSMILE gives the delta of LLD `i` (e.g. `mfcc_sma_de[1]`, `F0final_sma_de`).
pub fn delta_name(i: usize) -> String {
    let base = LLD_NAMES[i];
    match base.find('[') {
        Some(p) => format!("{}_de{}", &base[..p], &base[p..]),
        None => format!("{base}_de"),
    }
}

/// A matrix of descriptor tracks: row `t` is the frame starting at `t · period_s` seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Llds {
    /// Frame period, s (0.01 at 44.1 and 16 kHz; 221/22050 at 22.05 kHz, as openSMILE).
    pub period_s: f64,
    /// Number of frames.
    pub n_frames: usize,
    /// Values, row-major; shape `[n_frames, N_LLD]`.
    pub values: Vec<f32>,
}

impl Llds {
    /// Frame `t`; shape `[N_LLD]`.
    pub fn row(&self, t: usize) -> &[f32] {
        &self.values[t * N_LLD..(t + 1) * N_LLD]
    }

    /// Track of LLD `i` over all frames; shape `[n_frames]`.
    pub fn column(&self, i: usize) -> Vec<f32> {
        (0..self.n_frames)
            .map(|t| self.values[t * N_LLD + i])
            .collect()
    }

    /// Rows `0..n_frames` of the columns `cols` (each at least `n_frames` long).
    fn from_columns(cols: &[Vec<f32>], n_frames: usize, period_s: f64) -> Self {
        let mut values = vec![0.0f32; n_frames * N_LLD];
        for (i, c) in cols.iter().enumerate() {
            for (t, &v) in c.iter().take(n_frames).enumerate() {
                values[t * N_LLD + i] = v;
            }
        }
        Self {
            period_s,
            n_frames,
            values,
        }
    }
}

/// Smoothed LLDs and their deltas.
#[derive(Debug, Clone, PartialEq)]
pub struct CompareLlds {
    /// The 65 `_sma` LLDs; shape `[frames, 65]`.
    pub lld: Llds,
    /// Their delta regression coefficients (`_sma_de`); shape `[frames, 65]`.
    pub delta: Llds,
}

/// Computes the 65 ComParE LLDs and deltas of mono `samples` (shape `[n]`, nominally in
/// `[-1, 1]`, as openSMILE reads 16-bit PCM) at `sample_rate` Hz with the `ComParE_2016`
/// configuration. One frame every 10 ms (rounded to whole samples), as many as complete
/// 60 ms frames fit. Single-threaded.
pub fn compare_llds(samples: &[f32], sample_rate: u32) -> Result<CompareLlds, SmileError> {
    compare_llds_with(samples, sample_rate, Config::ComParE2016)
}

/// As [`compare_llds`], with the openSMILE configuration `config`.
pub fn compare_llds_with(
    samples: &[f32],
    sample_rate: u32,
    config: Config,
) -> Result<CompareLlds, SmileError> {
    if sample_rate < 16_000 {
        return Err(SmileError::SampleRate(sample_rate));
    }
    if let Some(index) = samples.iter().position(|x| !x.is_finite()) {
        return Err(SmileError::NonFinite { index });
    }
    let fr = Framing::compare(sample_rate);
    let n_frames = fr.count(samples.len(), fr.long);
    if n_frames == 0 {
        return Err(SmileError::TooShort {
            samples: samples.len(),
            sample_rate,
            needed: fr.long,
        });
    }
    // The 20 ms branch has more complete frames than the 60 ms one; openSMILE smooths and
    // differentiates each branch over all of its own frames before the levels are joined, so
    // the last output frames of the 20 ms descriptors see real neighbours, not padding.
    let n_short = fr.count(samples.len(), fr.short);
    let mut raw: Vec<Vec<f32>> = (0..N_LLD)
        .map(|i| {
            let long_branch = VOICING.contains(&i) || i == ZCR;
            vec![0.0; if long_branch { n_frames } else { n_short }]
        })
        .collect();

    // 20 ms Hamming branch.
    let mut fft_s = MagSpectrum::new(hamming(fr.short));
    let nb = fft_s.n_bins();
    let mel_aud = MelFilterbank::new(nb, sample_rate, N_BANDS, 20.0, 8000.0, false);
    let mel_mfcc = MelFilterbank::new(nb, sample_rate, N_BANDS, 20.0, 8000.0, true);
    let aud = AudSpec::new(mel_aud.centres_hz());
    let mut rasta = RastaAudSpec::new(mel_aud.centres_hz(), fr.period_s());
    let mfcc = Mfcc::new(N_BANDS, 1, 14, 22.0);
    let mut spectral = Spectral::new(nb, sample_rate);
    let mut mag = vec![0.0f32; nb];
    let mut mel = vec![0.0f32; N_BANDS];
    let mut bands = vec![0.0f32; N_BANDS];
    let mut spec = [0.0f32; N_SPECTRAL];
    let mut cc = [0.0f32; 14];
    // 60 ms Gaussian branch (pitch, voicing, voice quality).
    let mut voicing = Voicing::new(&fr, gauss(fr.long, 0.4), config.broken_jitter_thresh());

    for t in 0..n_short {
        let start = t * fr.step;
        let short = &samples[start..start + fr.short];
        if t < n_frames {
            let long = &samples[start..start + fr.long];
            raw[ZCR][t] = zcr(long);
            voicing.push_frame(long);
        }
        raw[RMS][t] = rms(short);
        fft_s.compute(short, &mut mag);
        mel_aud.apply_power(&mag, &mut mel);
        raw[AUDSPEC_SUM][t] = aud.apply(&mel, &mut bands);
        raw[RASTA_SUM][t] = rasta.apply(&mel, &mut bands);
        for (k, &b) in bands.iter().enumerate() {
            raw[RFILT + k][t] = b;
        }
        spectral.apply(&mag, &mut spec);
        for (k, &v) in spec.iter().enumerate() {
            raw[SPECTRAL + k][t] = v;
        }
        mel_mfcc.apply_power(&mag, &mut mel);
        mfcc.apply(&mel, &mut cc);
        for (k, &v) in cc.iter().enumerate() {
            raw[MFCC + k][t] = v;
        }
    }
    let voiced = voicing.finish(samples);
    for (k, track) in voiced.into_iter().enumerate() {
        raw[VOICING.start + k] = track;
    }

    let smoothed: Vec<Vec<f32>> = raw
        .iter()
        .enumerate()
        .map(|(i, x)| sma3(x, VOICING.contains(&i)))
        .collect();
    let mut deltas: Vec<Vec<f32>> = Vec::with_capacity(N_LLD);
    deltas.extend(delta_in_segments(&smoothed[VOICING]));
    deltas.extend(smoothed[VOICING.end..].iter().map(|x| delta(x)));
    Ok(CompareLlds {
        lld: Llds::from_columns(&smoothed, n_frames, fr.period_s()),
        delta: Llds::from_columns(&deltas, n_frames, fr.period_s()),
    })
}
