//! Triangular mel filterbank exactly as openSMILE's `cMelspec` (standard "lr" bandwidth):
//! `nBands` filters with centres equally spaced on `mel(f) = 1127 ln(1 + f/700)` between
//! `lofreq` and `hifreq`, each FFT bin split between its two neighbouring filters
//! (weights `w` and `1-w`), bins at or below `round(lofreq/F0)` and at or above
//! `round(hifreq/F0)` ignored. ComParE uses 26 bands, 20–8000 Hz, on the power spectrum.

/// Mel scale of openSMILE (`SPECTSCALE_MEL`, Beranek 1949).
pub fn hz_to_mel(f: f64) -> f64 {
    if f > 0.0 {
        1127.0 * (1.0 + f / 700.0).ln()
    } else {
        0.0
    }
}

/// Inverse of [`hz_to_mel`].
pub fn mel_to_hz(m: f64) -> f64 {
    700.0 * ((m / 1127.0).exp() - 1.0)
}

/// A ready filterbank for one FFT size and sample rate.
#[derive(Debug, Clone)]
pub struct MelFilterbank {
    n_bands: usize,
    lo_bin: usize,
    hi_bin: usize,
    /// Per FFT bin: index of the lower band this bin feeds (`m-2` in openSMILE), or < -1 if none.
    chan_map: Vec<i64>,
    /// Per FFT bin: weight of the lower band; the upper band gets `1 - w`.
    coeff: Vec<f32>,
    /// Centre frequency of each band in Hz; shape `[n_bands]`.
    centres_hz: Vec<f64>,
    /// Multiply outputs by 32767² (HTK sample scaling) when set.
    htk_scale: bool,
}

impl MelFilterbank {
    /// Filterbank for magnitude spectra of `n_bins = n_fft/2+1` bins at `sample_rate`.
    pub fn new(
        n_bins: usize,
        sample_rate: u32,
        n_bands: usize,
        lofreq: f32,
        hifreq: f32,
        htk_scale: bool,
    ) -> Self {
        let n_fft = (n_bins - 1) * 2;
        // F0 = 1/frameSizeSec, in FLOAT_DMEM (f32) as cMelspec.
        let frame_size_sec = n_fft as f64 / f64::from(sample_rate);
        let f0 = (1.0 / frame_size_sec) as f32;
        let fs = (n_fft as f64 / frame_size_sec) as f32;
        let (mut lofreq, mut hifreq) = (lofreq, hifreq);
        if lofreq < 0.0 || lofreq > fs / 2.0 || lofreq > hifreq {
            lofreq = 0.0;
        }
        if hifreq < lofreq || hifreq > fs / 2.0 || hifreq <= 0.0 {
            hifreq = fs / 2.0;
        }
        let lo_mel = hz_to_mel(f64::from(lofreq)) as f32;
        let hi_mel = hz_to_mel(f64::from(hifreq)) as f32;
        let f_to_n = |f: f32| (f64::from(f / f0)).round() as i64;
        let lo_bin = f_to_n(lofreq).clamp(0, n_bins as i64) as usize;
        let hi_bin = f_to_n(hifreq).clamp(0, n_bins as i64) as usize;
        let m_bandw = (hi_mel - lo_mel) / (n_bands as f32 + 1.0);
        let cfs: Vec<f32> = (0..=n_bands + 1)
            .map(|m| lo_mel + m as f32 * m_bandw)
            .collect();
        let centres_hz = (1..=n_bands)
            .map(|m| mel_to_hz(f64::from(cfs[m])))
            .collect();
        let bin_mel = |n: usize| hz_to_mel(f64::from(n as f32 * f0)) as f32;

        let mut chan_map = vec![-3i64; n_bins];
        let mut m = 0usize;
        for (n, c) in chan_map.iter_mut().enumerate() {
            if n <= lo_bin || n >= hi_bin {
                continue;
            }
            let nm = bin_mel(n);
            while cfs[m] < nm {
                if m > n_bands {
                    break;
                }
                m += 1;
            }
            *c = m as i64 - 2;
        }
        let mut coeff = vec![0.0f32; n_bins];
        let mut m = 0usize;
        for (n, c) in coeff.iter_mut().enumerate().take(hi_bin).skip(lo_bin) {
            let nm = bin_mel(n);
            while m <= n_bands && nm > cfs[m + 1] {
                m += 1;
            }
            *c = (cfs[m + 1] - nm) / (cfs[m + 1] - cfs[m]);
        }
        Self {
            n_bands,
            lo_bin,
            hi_bin,
            chan_map,
            coeff,
            centres_hz,
            htk_scale,
        }
    }

    /// Band centre frequencies, Hz; shape `[n_bands]`.
    pub fn centres_hz(&self) -> &[f64] {
        &self.centres_hz
    }

    /// Band powers from a magnitude spectrum `mag` (shape `[n_bins]`) into `out` (shape
    /// `[n_bands]`); the magnitudes are squared first (`usePower = 1`).
    pub fn apply_power(&self, mag: &[f32], out: &mut [f32]) {
        out.iter_mut().for_each(|o| *o = 0.0);
        let nb = self.n_bands as i64;
        for n in self.lo_bin..self.hi_bin {
            let m = self.chan_map[n];
            if m <= -2 {
                continue;
            }
            let p = mag[n] * mag[n];
            let a = (f64::from(p) * f64::from(self.coeff[n])) as f32;
            if m > -1 {
                out[m as usize] += a;
            }
            if m < nb - 1 {
                out[(m + 1) as usize] += p - a;
            }
        }
        if self.htk_scale {
            let s = (32767.0f64 * 32767.0) as f32;
            out.iter_mut().for_each(|o| *o *= s);
        }
    }
}
