//! The MediaEval 2015 "Emotion in Music" baseline set as DEAM ships it (`features/<id>.csv`):
//! for each of the 65 ComParE LLDs and then each of their 65 deltas, the standard deviation
//! and the arithmetic mean over 1 s windows every 0.5 s — 260 values per row, `frameTime`
//! (window start, s) first.

use crate::compare::{CompareLlds, Llds, N_LLD};

/// Number of values per row (without `frameTime`).
pub const N_MEDIAEVAL: usize = 4 * N_LLD;

/// Window length and hop of the functionals, s (MediaEval 2015: 1 s windows, 50 % overlap).
const WIN_S: f64 = 1.0;
const HOP_S: f64 = 0.5;

/// DEAM's CSV header, `;`-separated in the files. Order and spelling reconstructed from public
/// code that reads DEAM's `features/*.csv` (retrieved with the `search` tool, code corpus):
/// a DEAM reader listing `frameTime, F0final_sma_stddev, F0final_sma_amean,
/// voicingFinalUnclipped_sma_stddev, …, pcm_fftMag_spectralHarmonicity_sma_amean,
/// F0final_sma_de_stddev, …` (the column order below), and several DEAM loaders slicing
/// `'F0final_sma_stddev':'pcm_fftMag_mfcc_sma_de[14]_amean'` as the 260 feature columns
/// (DEAM's openSMILE 2.x named the MFCCs `pcm_fftMag_mfcc_sma[i]`, openSMILE 3 names them
/// `mfcc_sma[i]`). The LLD order is openSMILE's ComParE LLD order (see `LLD_NAMES`).
pub const DEAM_HEADER: [&str; N_MEDIAEVAL + 1] = [
    "frameTime",
    "F0final_sma_stddev",
    "F0final_sma_amean",
    "voicingFinalUnclipped_sma_stddev",
    "voicingFinalUnclipped_sma_amean",
    "jitterLocal_sma_stddev",
    "jitterLocal_sma_amean",
    "jitterDDP_sma_stddev",
    "jitterDDP_sma_amean",
    "shimmerLocal_sma_stddev",
    "shimmerLocal_sma_amean",
    "logHNR_sma_stddev",
    "logHNR_sma_amean",
    "audspec_lengthL1norm_sma_stddev",
    "audspec_lengthL1norm_sma_amean",
    "audspecRasta_lengthL1norm_sma_stddev",
    "audspecRasta_lengthL1norm_sma_amean",
    "pcm_RMSenergy_sma_stddev",
    "pcm_RMSenergy_sma_amean",
    "pcm_zcr_sma_stddev",
    "pcm_zcr_sma_amean",
    "audSpec_Rfilt_sma[0]_stddev",
    "audSpec_Rfilt_sma[0]_amean",
    "audSpec_Rfilt_sma[1]_stddev",
    "audSpec_Rfilt_sma[1]_amean",
    "audSpec_Rfilt_sma[2]_stddev",
    "audSpec_Rfilt_sma[2]_amean",
    "audSpec_Rfilt_sma[3]_stddev",
    "audSpec_Rfilt_sma[3]_amean",
    "audSpec_Rfilt_sma[4]_stddev",
    "audSpec_Rfilt_sma[4]_amean",
    "audSpec_Rfilt_sma[5]_stddev",
    "audSpec_Rfilt_sma[5]_amean",
    "audSpec_Rfilt_sma[6]_stddev",
    "audSpec_Rfilt_sma[6]_amean",
    "audSpec_Rfilt_sma[7]_stddev",
    "audSpec_Rfilt_sma[7]_amean",
    "audSpec_Rfilt_sma[8]_stddev",
    "audSpec_Rfilt_sma[8]_amean",
    "audSpec_Rfilt_sma[9]_stddev",
    "audSpec_Rfilt_sma[9]_amean",
    "audSpec_Rfilt_sma[10]_stddev",
    "audSpec_Rfilt_sma[10]_amean",
    "audSpec_Rfilt_sma[11]_stddev",
    "audSpec_Rfilt_sma[11]_amean",
    "audSpec_Rfilt_sma[12]_stddev",
    "audSpec_Rfilt_sma[12]_amean",
    "audSpec_Rfilt_sma[13]_stddev",
    "audSpec_Rfilt_sma[13]_amean",
    "audSpec_Rfilt_sma[14]_stddev",
    "audSpec_Rfilt_sma[14]_amean",
    "audSpec_Rfilt_sma[15]_stddev",
    "audSpec_Rfilt_sma[15]_amean",
    "audSpec_Rfilt_sma[16]_stddev",
    "audSpec_Rfilt_sma[16]_amean",
    "audSpec_Rfilt_sma[17]_stddev",
    "audSpec_Rfilt_sma[17]_amean",
    "audSpec_Rfilt_sma[18]_stddev",
    "audSpec_Rfilt_sma[18]_amean",
    "audSpec_Rfilt_sma[19]_stddev",
    "audSpec_Rfilt_sma[19]_amean",
    "audSpec_Rfilt_sma[20]_stddev",
    "audSpec_Rfilt_sma[20]_amean",
    "audSpec_Rfilt_sma[21]_stddev",
    "audSpec_Rfilt_sma[21]_amean",
    "audSpec_Rfilt_sma[22]_stddev",
    "audSpec_Rfilt_sma[22]_amean",
    "audSpec_Rfilt_sma[23]_stddev",
    "audSpec_Rfilt_sma[23]_amean",
    "audSpec_Rfilt_sma[24]_stddev",
    "audSpec_Rfilt_sma[24]_amean",
    "audSpec_Rfilt_sma[25]_stddev",
    "audSpec_Rfilt_sma[25]_amean",
    "pcm_fftMag_fband250-650_sma_stddev",
    "pcm_fftMag_fband250-650_sma_amean",
    "pcm_fftMag_fband1000-4000_sma_stddev",
    "pcm_fftMag_fband1000-4000_sma_amean",
    "pcm_fftMag_spectralRollOff25.0_sma_stddev",
    "pcm_fftMag_spectralRollOff25.0_sma_amean",
    "pcm_fftMag_spectralRollOff50.0_sma_stddev",
    "pcm_fftMag_spectralRollOff50.0_sma_amean",
    "pcm_fftMag_spectralRollOff75.0_sma_stddev",
    "pcm_fftMag_spectralRollOff75.0_sma_amean",
    "pcm_fftMag_spectralRollOff90.0_sma_stddev",
    "pcm_fftMag_spectralRollOff90.0_sma_amean",
    "pcm_fftMag_spectralFlux_sma_stddev",
    "pcm_fftMag_spectralFlux_sma_amean",
    "pcm_fftMag_spectralCentroid_sma_stddev",
    "pcm_fftMag_spectralCentroid_sma_amean",
    "pcm_fftMag_spectralEntropy_sma_stddev",
    "pcm_fftMag_spectralEntropy_sma_amean",
    "pcm_fftMag_spectralVariance_sma_stddev",
    "pcm_fftMag_spectralVariance_sma_amean",
    "pcm_fftMag_spectralSkewness_sma_stddev",
    "pcm_fftMag_spectralSkewness_sma_amean",
    "pcm_fftMag_spectralKurtosis_sma_stddev",
    "pcm_fftMag_spectralKurtosis_sma_amean",
    "pcm_fftMag_spectralSlope_sma_stddev",
    "pcm_fftMag_spectralSlope_sma_amean",
    "pcm_fftMag_psySharpness_sma_stddev",
    "pcm_fftMag_psySharpness_sma_amean",
    "pcm_fftMag_spectralHarmonicity_sma_stddev",
    "pcm_fftMag_spectralHarmonicity_sma_amean",
    "pcm_fftMag_mfcc_sma[1]_stddev",
    "pcm_fftMag_mfcc_sma[1]_amean",
    "pcm_fftMag_mfcc_sma[2]_stddev",
    "pcm_fftMag_mfcc_sma[2]_amean",
    "pcm_fftMag_mfcc_sma[3]_stddev",
    "pcm_fftMag_mfcc_sma[3]_amean",
    "pcm_fftMag_mfcc_sma[4]_stddev",
    "pcm_fftMag_mfcc_sma[4]_amean",
    "pcm_fftMag_mfcc_sma[5]_stddev",
    "pcm_fftMag_mfcc_sma[5]_amean",
    "pcm_fftMag_mfcc_sma[6]_stddev",
    "pcm_fftMag_mfcc_sma[6]_amean",
    "pcm_fftMag_mfcc_sma[7]_stddev",
    "pcm_fftMag_mfcc_sma[7]_amean",
    "pcm_fftMag_mfcc_sma[8]_stddev",
    "pcm_fftMag_mfcc_sma[8]_amean",
    "pcm_fftMag_mfcc_sma[9]_stddev",
    "pcm_fftMag_mfcc_sma[9]_amean",
    "pcm_fftMag_mfcc_sma[10]_stddev",
    "pcm_fftMag_mfcc_sma[10]_amean",
    "pcm_fftMag_mfcc_sma[11]_stddev",
    "pcm_fftMag_mfcc_sma[11]_amean",
    "pcm_fftMag_mfcc_sma[12]_stddev",
    "pcm_fftMag_mfcc_sma[12]_amean",
    "pcm_fftMag_mfcc_sma[13]_stddev",
    "pcm_fftMag_mfcc_sma[13]_amean",
    "pcm_fftMag_mfcc_sma[14]_stddev",
    "pcm_fftMag_mfcc_sma[14]_amean",
    "F0final_sma_de_stddev",
    "F0final_sma_de_amean",
    "voicingFinalUnclipped_sma_de_stddev",
    "voicingFinalUnclipped_sma_de_amean",
    "jitterLocal_sma_de_stddev",
    "jitterLocal_sma_de_amean",
    "jitterDDP_sma_de_stddev",
    "jitterDDP_sma_de_amean",
    "shimmerLocal_sma_de_stddev",
    "shimmerLocal_sma_de_amean",
    "logHNR_sma_de_stddev",
    "logHNR_sma_de_amean",
    "audspec_lengthL1norm_sma_de_stddev",
    "audspec_lengthL1norm_sma_de_amean",
    "audspecRasta_lengthL1norm_sma_de_stddev",
    "audspecRasta_lengthL1norm_sma_de_amean",
    "pcm_RMSenergy_sma_de_stddev",
    "pcm_RMSenergy_sma_de_amean",
    "pcm_zcr_sma_de_stddev",
    "pcm_zcr_sma_de_amean",
    "audSpec_Rfilt_sma_de[0]_stddev",
    "audSpec_Rfilt_sma_de[0]_amean",
    "audSpec_Rfilt_sma_de[1]_stddev",
    "audSpec_Rfilt_sma_de[1]_amean",
    "audSpec_Rfilt_sma_de[2]_stddev",
    "audSpec_Rfilt_sma_de[2]_amean",
    "audSpec_Rfilt_sma_de[3]_stddev",
    "audSpec_Rfilt_sma_de[3]_amean",
    "audSpec_Rfilt_sma_de[4]_stddev",
    "audSpec_Rfilt_sma_de[4]_amean",
    "audSpec_Rfilt_sma_de[5]_stddev",
    "audSpec_Rfilt_sma_de[5]_amean",
    "audSpec_Rfilt_sma_de[6]_stddev",
    "audSpec_Rfilt_sma_de[6]_amean",
    "audSpec_Rfilt_sma_de[7]_stddev",
    "audSpec_Rfilt_sma_de[7]_amean",
    "audSpec_Rfilt_sma_de[8]_stddev",
    "audSpec_Rfilt_sma_de[8]_amean",
    "audSpec_Rfilt_sma_de[9]_stddev",
    "audSpec_Rfilt_sma_de[9]_amean",
    "audSpec_Rfilt_sma_de[10]_stddev",
    "audSpec_Rfilt_sma_de[10]_amean",
    "audSpec_Rfilt_sma_de[11]_stddev",
    "audSpec_Rfilt_sma_de[11]_amean",
    "audSpec_Rfilt_sma_de[12]_stddev",
    "audSpec_Rfilt_sma_de[12]_amean",
    "audSpec_Rfilt_sma_de[13]_stddev",
    "audSpec_Rfilt_sma_de[13]_amean",
    "audSpec_Rfilt_sma_de[14]_stddev",
    "audSpec_Rfilt_sma_de[14]_amean",
    "audSpec_Rfilt_sma_de[15]_stddev",
    "audSpec_Rfilt_sma_de[15]_amean",
    "audSpec_Rfilt_sma_de[16]_stddev",
    "audSpec_Rfilt_sma_de[16]_amean",
    "audSpec_Rfilt_sma_de[17]_stddev",
    "audSpec_Rfilt_sma_de[17]_amean",
    "audSpec_Rfilt_sma_de[18]_stddev",
    "audSpec_Rfilt_sma_de[18]_amean",
    "audSpec_Rfilt_sma_de[19]_stddev",
    "audSpec_Rfilt_sma_de[19]_amean",
    "audSpec_Rfilt_sma_de[20]_stddev",
    "audSpec_Rfilt_sma_de[20]_amean",
    "audSpec_Rfilt_sma_de[21]_stddev",
    "audSpec_Rfilt_sma_de[21]_amean",
    "audSpec_Rfilt_sma_de[22]_stddev",
    "audSpec_Rfilt_sma_de[22]_amean",
    "audSpec_Rfilt_sma_de[23]_stddev",
    "audSpec_Rfilt_sma_de[23]_amean",
    "audSpec_Rfilt_sma_de[24]_stddev",
    "audSpec_Rfilt_sma_de[24]_amean",
    "audSpec_Rfilt_sma_de[25]_stddev",
    "audSpec_Rfilt_sma_de[25]_amean",
    "pcm_fftMag_fband250-650_sma_de_stddev",
    "pcm_fftMag_fband250-650_sma_de_amean",
    "pcm_fftMag_fband1000-4000_sma_de_stddev",
    "pcm_fftMag_fband1000-4000_sma_de_amean",
    "pcm_fftMag_spectralRollOff25.0_sma_de_stddev",
    "pcm_fftMag_spectralRollOff25.0_sma_de_amean",
    "pcm_fftMag_spectralRollOff50.0_sma_de_stddev",
    "pcm_fftMag_spectralRollOff50.0_sma_de_amean",
    "pcm_fftMag_spectralRollOff75.0_sma_de_stddev",
    "pcm_fftMag_spectralRollOff75.0_sma_de_amean",
    "pcm_fftMag_spectralRollOff90.0_sma_de_stddev",
    "pcm_fftMag_spectralRollOff90.0_sma_de_amean",
    "pcm_fftMag_spectralFlux_sma_de_stddev",
    "pcm_fftMag_spectralFlux_sma_de_amean",
    "pcm_fftMag_spectralCentroid_sma_de_stddev",
    "pcm_fftMag_spectralCentroid_sma_de_amean",
    "pcm_fftMag_spectralEntropy_sma_de_stddev",
    "pcm_fftMag_spectralEntropy_sma_de_amean",
    "pcm_fftMag_spectralVariance_sma_de_stddev",
    "pcm_fftMag_spectralVariance_sma_de_amean",
    "pcm_fftMag_spectralSkewness_sma_de_stddev",
    "pcm_fftMag_spectralSkewness_sma_de_amean",
    "pcm_fftMag_spectralKurtosis_sma_de_stddev",
    "pcm_fftMag_spectralKurtosis_sma_de_amean",
    "pcm_fftMag_spectralSlope_sma_de_stddev",
    "pcm_fftMag_spectralSlope_sma_de_amean",
    "pcm_fftMag_psySharpness_sma_de_stddev",
    "pcm_fftMag_psySharpness_sma_de_amean",
    "pcm_fftMag_spectralHarmonicity_sma_de_stddev",
    "pcm_fftMag_spectralHarmonicity_sma_de_amean",
    "pcm_fftMag_mfcc_sma_de[1]_stddev",
    "pcm_fftMag_mfcc_sma_de[1]_amean",
    "pcm_fftMag_mfcc_sma_de[2]_stddev",
    "pcm_fftMag_mfcc_sma_de[2]_amean",
    "pcm_fftMag_mfcc_sma_de[3]_stddev",
    "pcm_fftMag_mfcc_sma_de[3]_amean",
    "pcm_fftMag_mfcc_sma_de[4]_stddev",
    "pcm_fftMag_mfcc_sma_de[4]_amean",
    "pcm_fftMag_mfcc_sma_de[5]_stddev",
    "pcm_fftMag_mfcc_sma_de[5]_amean",
    "pcm_fftMag_mfcc_sma_de[6]_stddev",
    "pcm_fftMag_mfcc_sma_de[6]_amean",
    "pcm_fftMag_mfcc_sma_de[7]_stddev",
    "pcm_fftMag_mfcc_sma_de[7]_amean",
    "pcm_fftMag_mfcc_sma_de[8]_stddev",
    "pcm_fftMag_mfcc_sma_de[8]_amean",
    "pcm_fftMag_mfcc_sma_de[9]_stddev",
    "pcm_fftMag_mfcc_sma_de[9]_amean",
    "pcm_fftMag_mfcc_sma_de[10]_stddev",
    "pcm_fftMag_mfcc_sma_de[10]_amean",
    "pcm_fftMag_mfcc_sma_de[11]_stddev",
    "pcm_fftMag_mfcc_sma_de[11]_amean",
    "pcm_fftMag_mfcc_sma_de[12]_stddev",
    "pcm_fftMag_mfcc_sma_de[12]_amean",
    "pcm_fftMag_mfcc_sma_de[13]_stddev",
    "pcm_fftMag_mfcc_sma_de[13]_amean",
    "pcm_fftMag_mfcc_sma_de[14]_stddev",
    "pcm_fftMag_mfcc_sma_de[14]_amean",
];

/// A table of windowed functionals; row `k` starts at `times_s[k]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Functionals {
    /// Window start times, s; shape `[rows]`.
    pub times_s: Vec<f64>,
    /// Values, row-major, columns as `DEAM_HEADER[1..]`; shape `[rows, N_MEDIAEVAL]`.
    pub values: Vec<f32>,
}

fn push_std_mean(m: &Llds, a: usize, b: usize, out: &mut Vec<f32>) {
    let n = (b - a) as f64;
    for i in 0..N_LLD {
        let (mut s, mut s2) = (0.0f64, 0.0f64);
        for t in a..b {
            let v = f64::from(m.values[t * N_LLD + i]);
            s += v;
            s2 += v * v;
        }
        let mean = s / n;
        let var = (s2 / n - mean * mean).max(0.0);
        out.push(var.sqrt() as f32);
        out.push(mean as f32);
    }
}

/// The 260-value set from ComParE LLDs: windows of round(1 s / period) frames every
/// round(0.5 s / period) frames (100 and 50 at a 10 ms period), emitted while a window is
/// complete; std is the population standard deviation (openSMILE `stddev`).
pub fn mediaeval260(llds: &CompareLlds) -> Functionals {
    let period = llds.lld.period_s;
    let win = (WIN_S / period).round() as usize;
    let hop = (HOP_S / period).round() as usize;
    let n = llds.lld.n_frames;
    let mut times_s = Vec::new();
    let mut values = Vec::new();
    let mut k = 0;
    while k * hop + win <= n {
        let (a, b) = (k * hop, k * hop + win);
        push_std_mean(&llds.lld, a, b, &mut values);
        push_std_mean(&llds.delta, a, b, &mut values);
        times_s.push(a as f64 * period);
        k += 1;
    }
    Functionals { times_s, values }
}
