//! Auditory spectrum (openSMILE `cPlp` with `doAud = 1`, no LP analysis) and its RASTA-filtered
//! variant (`newRASTA = 1`), plus their `lengthL1norm` (`cVectorOperation`, `operation = ll1`: the sum
//! over bands divided by the number of bands).
//!
//! From the 26-band mel power spectrum (20–8000 Hz, openSMILE sample scaling):
//! - `audspec`: `max(x, melfloor) · E(f_c)` then `^0.33` (power law of hearing), where
//!   `E` is the equal-loudness curve of Hermansky (1990) as `smileDsp_equalLoudnessWeight`.
//! - `audSpec_Rfilt`: `ln max(x, melfloor)` → RASTA band-pass (1–29 Hz; Hermansky & Morgan
//!   1994, type-II direct form; the first 5 frames output 0 and feed no IIR state) →
//!   `+ ln E(f_c)` → `· 0.33` → `exp`.

/// `melfloor` default of cPlp.
const MELFLOOR: f32 = 0.000_000_000_93;
/// Loudness compression exponent (`compression = 0.33`).
const COMPRESSION: f32 = 0.33;
/// RASTA band edges, Hz (`rastaLowerCutoff`, `rastaUpperCutoff`).
const RASTA_LO_HZ: f64 = 1.0;
const RASTA_HI_HZ: f64 = 29.0;

/// Hermansky's equal-loudness weight (openSMILE `smileDsp_equalLoudnessWeight`).
pub fn equal_loudness(frequency: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * frequency;
    let w2 = w * w;
    let c = w2 + 6_300_000.0;
    if c > 0.0 {
        1e32 * ((w2 + 56.8e6) * w2 * w2) / (c * c * (w2 + 0.38e9) * (w2 * w2 * w2 * w + 1.7e31))
    } else {
        0.0
    }
}

/// Plain auditory spectrum, frame by frame (no state).
#[derive(Debug, Clone)]
pub struct AudSpec {
    eql: Vec<f32>,
}

impl AudSpec {
    /// For bands centred at `centres_hz` (shape `[n_bands]`).
    pub fn new(centres_hz: &[f64]) -> Self {
        Self {
            eql: centres_hz
                .iter()
                .map(|&f| equal_loudness(f) as f32)
                .collect(),
        }
    }

    /// `mel` (shape `[n_bands]`) → `out` (shape `[n_bands]`); returns the band mean
    /// (`lengthL1norm`: `cVectorOperation` `ll1` = Σx/N).
    pub fn apply(&self, mel: &[f32], out: &mut [f32]) -> f32 {
        let mut sum = 0.0f32;
        for ((o, &x), &e) in out.iter_mut().zip(mel).zip(&self.eql) {
            let v = x.max(MELFLOOR) * e;
            *o = (f64::from(v).powf(f64::from(COMPRESSION))) as f32;
            sum += *o;
        }
        sum / out.len() as f32
    }
}

/// RASTA-filtered auditory spectrum; keeps 4 filter states per band across frames.
#[derive(Debug, Clone)]
pub struct RastaAudSpec {
    log_eql: Vec<f32>,
    fir: [f32; 5],
    iir: f32,
    state: Vec<[f32; 4]>,
    init: u32,
}

impl RastaAudSpec {
    /// For bands centred at `centres_hz`, frames every `period_s` seconds.
    pub fn new(centres_hz: &[f64], period_s: f64) -> Self {
        let tau = 2.0 * std::f64::consts::PI;
        let iir = (1.0 - (tau * RASTA_LO_HZ * period_s).sin()) as f32;
        let om = (tau * RASTA_HI_HZ * period_s).cos() as f32;
        let norm = (10.0 * (32.0 * f64::from(om) * f64::from(om) + 8.0)).sqrt() as f32;
        let f0 = (2.0 / f64::from(norm)) as f32;
        let f1 = (-4.0 * f64::from(om) / f64::from(norm)) as f32;
        Self {
            log_eql: centres_hz
                .iter()
                .map(|&f| (equal_loudness(f) as f32).ln())
                .collect(),
            fir: [f0, f1, 0.0, -f1, -f0],
            iir,
            state: vec![[0.0; 4]; centres_hz.len()],
            init: 0,
        }
    }

    /// Next frame: `mel` (shape `[n_bands]`) → `out` (shape `[n_bands]`); returns the band mean
    /// (`lengthL1norm`: `cVectorOperation` `ll1` = Σx/N).
    pub fn apply(&mut self, mel: &[f32], out: &mut [f32]) -> f32 {
        let active = self.init >= 5;
        let fb = if active { self.iir } else { 0.0 };
        let mut sum = 0.0f32;
        for (((o, &x), b), &le) in out
            .iter_mut()
            .zip(mel)
            .zip(&mut self.state)
            .zip(&self.log_eql)
        {
            let lx = if x < MELFLOOR { MELFLOOR.ln() } else { x.ln() };
            let y = self.fir[0] * lx + b[0];
            b[0] = self.fir[1] * lx + b[1] + fb * y;
            b[1] = self.fir[2] * lx + b[2];
            b[2] = self.fir[3] * lx + b[3];
            b[3] = self.fir[4] * lx;
            let r = if active { y } else { 0.0 };
            *o = ((r + le) * COMPRESSION).exp();
            sum += *o;
        }
        if self.init < 5 {
            self.init += 1;
        }
        sum / out.len() as f32
    }
}
