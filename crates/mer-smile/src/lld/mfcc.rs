//! MFCC 1–14 as openSMILE's `cMfcc` with `htkcompatible = 1`: log of the HTK-scaled mel
//! power spectrum floored at 1.0, DCT-II `sqrt(2/M) Σ x_m cos(πi/M (m+0.5))`, cepstral
//! liftering `1 + L/2 sin(πi/L)` with `L = 22`.

const MELFLOOR_HTK: f32 = 1.0;

/// DCT tables for `first..=last` coefficients of `n_bands` bands.
#[derive(Debug, Clone)]
pub struct Mfcc {
    n_bands: usize,
    cos: Vec<f32>,
    lifter: Vec<f32>,
}

impl Mfcc {
    /// Coefficients `first..=last` from `n_bands` mel bands, lifter `cep_lifter`.
    pub fn new(n_bands: usize, first: usize, last: usize, cep_lifter: f32) -> Self {
        let fnm = n_bands as f64;
        let mut cos = Vec::with_capacity(n_bands * (last - first + 1));
        let mut lifter = Vec::with_capacity(last - first + 1);
        for i in first..=last {
            for m in 0..n_bands {
                cos.push((std::f64::consts::PI * (i as f64 / fnm) * (m as f64 + 0.5)).cos() as f32);
            }
            lifter.push(if cep_lifter > 0.0 {
                1.0 + cep_lifter / 2.0 * (std::f32::consts::PI * i as f32 / cep_lifter).sin()
            } else {
                1.0
            });
        }
        Self {
            n_bands,
            cos,
            lifter,
        }
    }

    /// `mel` (shape `[n_bands]`, HTK-scaled power) → `out` (shape [last-first+1]).
    pub fn apply(&self, mel: &[f32], out: &mut [f32]) {
        let factor = (2.0f64 / self.n_bands as f64).sqrt() as f32;
        let logs: Vec<f32> = mel
            .iter()
            .map(|&x| {
                if x < MELFLOOR_HTK {
                    MELFLOOR_HTK.ln()
                } else {
                    x.ln()
                }
            })
            .collect();
        for (k, o) in out.iter_mut().enumerate() {
            let row = &self.cos[k * self.n_bands..(k + 1) * self.n_bands];
            let mut acc = 0.0f32;
            for (&l, &c) in logs.iter().zip(row) {
                acc += l * c;
            }
            *o = acc * self.lifter[k] * factor;
        }
    }
}
