//! Spectral descriptors of the 20 ms Hamming-windowed magnitude spectrum, as openSMILE's
//! `cSpectral` computes them for ComParE (`squareInput = 1`, linear power spectrum, range
//! bins `1..n_bins-1`): band energies 250–650 Hz and 1–4 kHz, roll-off 25/50/75/90 %, flux,
//! centroid, entropy, variance, skewness, kurtosis, slope, psychoacoustic sharpness and
//! harmonicity, in that output order (15 values).

/// Number of outputs of [`Spectral::apply`].
pub const N_SPECTRAL: usize = 15;

const BANDS: [(f64, f64); 2] = [(250.0, 650.0), (1000.0, 4000.0)];
const ROLL_OFF: [f32; 4] = [0.25, 0.50, 0.75, 0.90];
const ENTROPY_FLOOR: f64 = 0.000_000_1;

/// Bark scale (Traunmüller 1990) with openSMILE's low/high corrections.
fn hz_to_bark(x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    let zz = 26.81 / (1.0 + 1960.0 / x) - 0.53;
    if zz < 2.0 {
        0.85 * zz + 0.3
    } else if zz > 20.1 {
        1.22 * zz - 0.22 * 20.1
    } else {
        zz
    }
}

/// Zwicker's sharpness weight g(z).
fn sharpness_g(z: f64) -> f64 {
    if z <= 16.0 {
        1.0
    } else {
        ((z - 16.0) / 4.0).powf(1.584_962_5) + 1.0
    }
}

/// Per-band bin range and edge weights (`bandsLi/wghtLi`, `bandsHi/wghtHi` of cSpectral).
#[derive(Debug, Clone, Copy)]
struct Band {
    il: usize,
    wl: f64,
    ir: usize,
    wr: f64,
}

/// Spectral descriptor state (the previous magnitude spectrum for the flux).
#[derive(Debug, Clone)]
pub struct Spectral {
    frq: Vec<f64>,
    bands: Vec<Band>,
    sharp_w: Vec<f64>,
    prev: Option<Vec<f32>>,
    power: Vec<f32>,
}

impl Spectral {
    /// For magnitude spectra of `n_bins` bins from an `n_fft`-point FFT at `sample_rate`.
    pub fn new(n_bins: usize, sample_rate: u32) -> Self {
        let n_fft = (n_bins - 1) * 2;
        let f0 = 1.0 / (n_fft as f64 / f64::from(sample_rate));
        let frq: Vec<f64> = (0..n_bins).map(|i| f0 * i as f64).collect();
        let bands = BANDS
            .iter()
            .map(|&(lo, hi)| {
                let mut ii = 0;
                while ii < n_bins && frq[ii] <= lo {
                    ii += 1;
                }
                let wl = if ii < n_bins && ii > 0 {
                    (frq[ii] - lo) / (frq[ii] - frq[ii - 1])
                } else {
                    1.0
                };
                let il = (ii as i64 - 1).clamp(0, n_bins as i64) as usize;
                let mut ii = 0;
                while ii < n_bins && frq[ii] < hi {
                    ii += 1;
                }
                let wr = if ii < n_bins && ii > 0 {
                    (hi - frq[ii - 1]) / (frq[ii] - frq[ii - 1])
                } else {
                    1.0
                };
                let ir = if ii < n_bins && frq[ii] == hi {
                    ii
                } else {
                    ii.saturating_sub(1)
                };
                let ir = ir.min(n_bins - 1);
                Band {
                    il,
                    wl: if wl == 0.0 { 1.0 } else { wl },
                    ir,
                    wr: if wr == 0.0 { 1.0 } else { wr },
                }
            })
            .collect();
        let sharp_w = (1..n_bins)
            .map(|j| {
                let z = hz_to_bark(frq[j]);
                z * sharpness_g(z)
            })
            .collect();
        Self {
            frq,
            bands,
            sharp_w,
            prev: None,
            power: vec![0.0; n_bins],
        }
    }

    /// Next frame: `mag` (shape `[n_bins]`) → `out` (shape `[N_SPECTRAL]`).
    pub fn apply(&mut self, mag: &[f32], out: &mut [f32; N_SPECTRAL]) {
        let nsrc = mag.len();
        let (lo, hi) = (1usize, nsrc - 1);
        let n_bins = (hi - lo + 1) as f64;
        for (p, &m) in self.power.iter_mut().zip(mag) {
            *p = m * m;
        }
        let p = &self.power;
        let mut frame_sum = 0.0f64;
        for &v in &p[lo..=hi] {
            frame_sum += f64::from(v);
        }
        let mut n = 0;
        for b in &self.bands {
            let mut sum = f64::from(p[b.il]) * b.wl;
            for &v in &p[b.il + 1..b.ir] {
                sum += f64::from(v);
            }
            sum += f64::from(p[b.ir]) * b.wr;
            out[n] = (sum / n_bins) as f32;
            n += 1;
        }
        // Roll-off points.
        let mut ro = [0.0f32; 4];
        let mut sum_c = 0.0f64;
        for j in lo..=hi {
            sum_c += f64::from(p[j]);
            for (r, &frac) in ro.iter_mut().zip(&ROLL_OFF) {
                if *r == 0.0 && sum_c >= f64::from(frac) * frame_sum {
                    *r = self.frq[j] as f32;
                }
            }
        }
        out[n..n + 4].copy_from_slice(&ro);
        n += 4;
        // Flux: RMS difference of magnitudes to the previous frame (0 for the first frame).
        out[n] = match &self.prev {
            None => 0.0,
            Some(prev) => {
                let mut a = 0.0f64;
                for j in lo..=hi {
                    let d = f64::from(mag[j]) - f64::from(prev[j - lo]);
                    a += d * d;
                }
                let f = a / n_bins;
                if f > 0.0 { f.sqrt() as f32 } else { 0.0 }
            }
        };
        n += 1;
        let prev = self.prev.get_or_insert_with(|| vec![0.0; hi - lo + 1]);
        prev.copy_from_slice(&mag[lo..=hi]);
        // Centroid.
        let mut sum_a = 0.0f64;
        let mut sum_b = 0.0f64;
        for j in lo..=hi {
            sum_a += self.frq[j] * f64::from(p[j]);
            sum_b += f64::from(p[j]);
        }
        let ctr = if sum_b != 0.0 {
            (sum_a / sum_b) as f32
        } else {
            0.0
        };
        out[n] = ctr;
        n += 1;
        // Entropy of the power spectrum (all values ≥ 0).
        let dn = sum_b.max(ENTROPY_FLOOR);
        let mut e = 0.0f64;
        let l2 = 2.0f64.ln();
        for &v in &p[lo..=hi] {
            let v = f64::from(v).max(ENTROPY_FLOOR);
            let ln = v / dn;
            if ln > 0.0 {
                e += ln * ln.ln() / l2;
            }
        }
        out[n] = (-e) as f32;
        n += 1;
        // Moments around the centroid.
        let u = f64::from(ctr);
        let (mut m2, mut m3, mut m4) = (0.0f64, 0.0f64, 0.0f64);
        for j in lo..=hi {
            let t1 = self.frq[j] - u;
            let mut m = t1 * t1 * f64::from(p[j]);
            m2 += m;
            m *= t1;
            m3 += m;
            m4 += m * t1;
        }
        let sigma2 = if sum_b != 0.0 { m2 / sum_b } else { 0.0 };
        out[n] = sigma2 as f32;
        out[n + 1] = if sigma2 <= 0.0 {
            0.0
        } else {
            (m3 / (sum_b * sigma2 * sigma2.sqrt())) as f32
        };
        out[n + 2] = if sigma2 == 0.0 {
            0.0
        } else {
            (m4 / (sum_b * sigma2 * sigma2)) as f32
        };
        n += 3;
        // Slope: least-squares line of power over frequency, times (N-1) as openSMILE's
        // default `oldSlopeScale = 1` (kept for compatibility with the 2013 feature sets).
        let (mut sf, mut s2f) = (0.0f64, 0.0f64);
        for &f in &self.frq[lo..=hi] {
            s2f += f * f;
            sf += f;
        }
        let deno = n_bins * s2f - sf * sf;
        let slope = if deno != 0.0 {
            (n_bins * sum_a - sf * sum_b) / deno
        } else {
            0.0
        };
        out[n] = (slope * (n_bins - 1.0)) as f32;
        n += 1;
        // Sharpness: 0.11 · Σ z g(z) P / Σ P, z in Bark.
        let mut sum_aa = 0.0f32;
        for (&w, &v) in self.sharp_w.iter().zip(&p[lo..=hi]) {
            sum_aa += (w * f64::from(v)) as f32;
        }
        let sh = if frame_sum != 0.0 {
            (f64::from(sum_aa) / frame_sum) as f32
        } else {
            0.0
        };
        out[n] = (0.11 * f64::from(sh)) as f32;
        n += 1;
        // Harmonicity: mean peak-to-valley distance of local extrema (±2 bins).
        let mut ptp = 0.0f32;
        let mut last: Option<f32> = None;
        for j in lo + 2..hi - 1 {
            let c = p[j];
            let is_max = p[j - 2] < c && p[j - 1] < c && c > p[j + 1] && c > p[j + 2];
            let is_min = p[j - 2] > c && p[j - 1] > c && c < p[j + 1] && c < p[j + 2];
            if is_max || is_min {
                if let Some(l) = last {
                    ptp += (c - l).abs();
                }
                last = Some(c);
            }
        }
        ptp /= 2.0;
        ptp /= n_bins as f32;
        out[n] = ptp;
    }
}
