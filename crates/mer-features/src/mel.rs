//! The mel filterbank of `librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk=False,
//! norm="slaney")` — the Slaney (Auditory Toolbox) mel scale: linear below 1 kHz, logarithmic
//! above, each triangle scaled to unit area (`2 / (f_{i+2} − f_i)`).
//!
//! Computed in `f64` like librosa, rounded to `f32` where librosa stores `float32`.

/// Slaney mel scale: Hz per mel below the break frequency (librosa `f_sp = 200/3`).
const F_SP: f64 = 200.0 / 3.0;
/// Break frequency between the linear and logarithmic parts, Hz.
const MIN_LOG_HZ: f64 = 1000.0;
/// Step of the logarithmic part, `ln(6.4) / 27` (librosa `logstep`).
fn logstep() -> f64 {
    6.4f64.ln() / 27.0
}

/// Hz → mel, Slaney scale (librosa `hz_to_mel(htk=False)`); `htk` selects the HTK formula.
pub fn hz_to_mel(hz: f64, htk: bool) -> f64 {
    if htk {
        return 2595.0 * (1.0 + hz / 700.0).log10();
    }
    let min_log_mel = MIN_LOG_HZ / F_SP;
    if hz >= MIN_LOG_HZ {
        min_log_mel + (hz / MIN_LOG_HZ).ln() / logstep()
    } else {
        hz / F_SP
    }
}

/// mel → Hz, inverse of [`hz_to_mel`].
pub fn mel_to_hz(mel: f64, htk: bool) -> f64 {
    if htk {
        return 700.0 * (10f64.powf(mel / 2595.0) - 1.0);
    }
    let min_log_mel = MIN_LOG_HZ / F_SP;
    if mel >= min_log_mel {
        MIN_LOG_HZ * (logstep() * (mel - min_log_mel)).exp()
    } else {
        F_SP * mel
    }
}

/// A mel filterbank stored sparsely: band `m` has weights `weights[m]` on FFT bins
/// `start[m] .. start[m] + weights[m].len()` (zeros elsewhere).
#[derive(Debug, Clone, PartialEq)]
pub struct MelFilterbank {
    /// First non-zero FFT bin of each band.
    pub start: Vec<usize>,
    /// Non-zero weights of each band, shape `[n_mels][width_m]`.
    pub weights: Vec<Vec<f32>>,
    /// `n_fft / 2 + 1`.
    pub n_bins: usize,
}

impl MelFilterbank {
    /// librosa's `filters.mel` (see the module doc). `fmax` defaults to `sr / 2`.
    pub fn new(
        sr: u32,
        n_fft: usize,
        n_mels: usize,
        fmin: f64,
        fmax: Option<f64>,
        htk: bool,
        slaney_norm: bool,
    ) -> Self {
        let dense = dense_filterbank(sr, n_fft, n_mels, fmin, fmax, htk, slaney_norm);
        let n_bins = n_fft / 2 + 1;
        let mut start = Vec::with_capacity(n_mels);
        let mut weights = Vec::with_capacity(n_mels);
        for row in dense.chunks(n_bins) {
            let first = row.iter().position(|&w| w != 0.0).unwrap_or(0);
            let last = row.iter().rposition(|&w| w != 0.0).map_or(first, |l| l + 1);
            start.push(first);
            weights.push(row[first..last].to_vec());
        }
        MelFilterbank {
            start,
            weights,
            n_bins,
        }
    }

    /// Number of bands.
    pub fn n_mels(&self) -> usize {
        self.weights.len()
    }

    /// The dense matrix, shape `[n_mels, n_bins]` row-major (as `librosa.filters.mel`).
    pub fn to_dense(&self) -> Vec<f32> {
        let mut out = vec![0.0; self.n_mels() * self.n_bins];
        for (m, (s, w)) in self.start.iter().zip(&self.weights).enumerate() {
            out[m * self.n_bins + s..m * self.n_bins + s + w.len()].copy_from_slice(w);
        }
        out
    }

    /// Applies the filterbank to one power spectrum (`[n_bins]`), appending `[n_mels]` values.
    /// Accumulates in `f64` and rounds to `f32`.
    pub fn apply(&self, power: &[f64], out: &mut Vec<f32>) {
        for (s, w) in self.start.iter().zip(&self.weights) {
            let acc: f64 = w
                .iter()
                .zip(&power[*s..*s + w.len()])
                .map(|(&w, &p)| w as f64 * p)
                .sum();
            out.push(acc as f32);
        }
    }
}

/// The dense `[n_mels, n_fft/2+1]` filterbank, step by step as librosa computes it.
fn dense_filterbank(
    sr: u32,
    n_fft: usize,
    n_mels: usize,
    fmin: f64,
    fmax: Option<f64>,
    htk: bool,
    slaney_norm: bool,
) -> Vec<f32> {
    let fmax = fmax.unwrap_or(sr as f64 / 2.0);
    let n_bins = n_fft / 2 + 1;
    // np.fft.rfftfreq(n_fft, 1/sr)
    let fftfreqs: Vec<f64> = (0..n_bins)
        .map(|i| i as f64 * (1.0 / (n_fft as f64 * (1.0 / sr as f64))))
        .collect();
    // mel_frequencies(n_mels + 2, fmin, fmax): equally spaced in mel.
    let (mlo, mhi) = (hz_to_mel(fmin, htk), hz_to_mel(fmax, htk));
    let n_pts = n_mels + 2;
    let mel_f: Vec<f64> = (0..n_pts)
        .map(|i| {
            // np.linspace: start + i * step, with the last point exactly `stop`.
            let m = if i == n_pts - 1 {
                mhi
            } else {
                mlo + i as f64 * ((mhi - mlo) / (n_pts - 1) as f64)
            };
            mel_to_hz(m, htk)
        })
        .collect();
    let fdiff: Vec<f64> = mel_f.windows(2).map(|w| w[1] - w[0]).collect();
    let mut weights = vec![0.0f32; n_mels * n_bins];
    for i in 0..n_mels {
        let enorm = if slaney_norm {
            2.0 / (mel_f[i + 2] - mel_f[i])
        } else {
            1.0
        };
        for (k, &f) in fftfreqs.iter().enumerate() {
            let lower = -(mel_f[i] - f) / fdiff[i];
            let upper = (mel_f[i + 2] - f) / fdiff[i + 1];
            let w = lower.min(upper).max(0.0) as f32;
            weights[i * n_bins + k] = (w as f64 * enorm) as f32;
        }
    }
    weights
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mel_scale_round_trips_and_breaks_at_1khz() {
        for hz in [0.0, 100.0, 999.0, 1000.0, 4000.0, 22050.0] {
            for htk in [false, true] {
                let back = mel_to_hz(hz_to_mel(hz, htk), htk);
                assert!((back - hz).abs() < 1e-9 * hz.max(1.0), "{hz} {htk}");
            }
        }
        // Slaney: 1 kHz is mel 15; linear below.
        assert!((hz_to_mel(1000.0, false) - 15.0).abs() < 1e-12);
        assert!((hz_to_mel(500.0, false) - 7.5).abs() < 1e-12);
    }

    /// Properties of librosa's Slaney filterbank: non-negative; each band is one triangle;
    /// with Slaney normalisation every band has area ≈ 1 in Hz·(weight); centres increase.
    #[test]
    fn filterbank_properties() {
        let fb = MelFilterbank::new(44100, 2048, 40, 0.0, None, false, true);
        assert_eq!(fb.n_mels(), 40);
        let df = 44100.0 / 2048.0;
        let mut last_peak = 0;
        for (m, w) in fb.weights.iter().enumerate() {
            assert!(w.iter().all(|&x| x >= 0.0));
            let peak = fb.start[m] + (0..w.len()).max_by(|&a, &b| w[a].total_cmp(&w[b])).unwrap();
            assert!(peak >= last_peak, "band {m}");
            last_peak = peak;
            // Triangle of height 2/(f_hi - f_lo) and base (f_hi - f_lo): area 1 (discretised).
            let area: f64 = w.iter().map(|&x| x as f64 * df).sum();
            if m > 2 {
                assert!((area - 1.0).abs() < 0.15, "band {m} area {area}");
            }
        }
    }
}
