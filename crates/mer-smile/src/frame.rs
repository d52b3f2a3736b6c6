//! Framing, windows and FFT magnitudes as openSMILE's `cFramer`, `cWindower`,
//! `cTransformFFT` and `cFFTmagphase` compute them for ComParE.
//!
//! - Frame sizes and the step are rounded to whole samples with C `round` (half away from
//!   zero): at 22 050 Hz the 10 ms step is 221 samples, not 220.
//! - `frameCenterSpecial = left`: frame `i` covers samples `[i*step, i*step+size)`; only
//!   complete frames are produced (`noPostEOIprocessing = 1`).
//! - The FFT zero-pads each frame to the next power of two; magnitudes are `|X[k]|`,
//!   `k = 0..=n_fft/2`, unnormalised (openSMILE's `cFFTmagphase` defaults).

use std::sync::Arc;

use realfft::{RealFftPlanner, RealToComplex};

/// Frame geometry in samples for one sample rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Framing {
    /// Sample rate, Hz.
    pub sample_rate: u32,
    /// Hop between frames: round(0.010 s · rate).
    pub step: usize,
    /// Short frame for energy, spectral, auditory and MFCC descriptors: round(0.020 s · rate).
    /// (openSMILE names its level `is13_frame25`, but ComParE 2013/2016 set `frameSize = 0.020`.)
    pub short: usize,
    /// Long frame for pitch, voicing and zero-crossing rate: round(0.060 s · rate).
    pub long: usize,
}

/// openSMILE's `(long)round(seconds / T)` with `T = 1/rate` in double precision.
fn frames_of(seconds: f64, rate: u32) -> usize {
    let t = 1.0 / f64::from(rate);
    (seconds / t).round() as usize
}

impl Framing {
    /// ComParE framing (10 ms step, 20 ms and 60 ms frames) at `sample_rate`.
    pub fn compare(sample_rate: u32) -> Self {
        Self {
            sample_rate,
            step: frames_of(0.010, sample_rate),
            short: frames_of(0.020, sample_rate),
            long: frames_of(0.060, sample_rate),
        }
    }

    /// Frame period in seconds (the step in samples over the rate).
    pub fn period_s(&self) -> f64 {
        self.step as f64 / f64::from(self.sample_rate)
    }

    /// Number of complete frames of `size` samples in `n` samples.
    pub fn count(&self, n: usize, size: usize) -> usize {
        if n < size {
            0
        } else {
            (n - size) / self.step + 1
        }
    }
}

/// Smallest power of two ≥ `n` (at least 4, as `cTransformFFT`).
pub fn next_pow2(n: usize) -> usize {
    n.next_power_of_two().max(4)
}

/// Hamming window, `0.54 - 0.46 cos(2πi/(N-1))` (openSMILE `smileDsp_winHam`).
pub fn hamming(n: usize) -> Vec<f32> {
    let nn = n as f64;
    (0..n)
        .map(|i| (0.54 - 0.46 * (2.0 * std::f64::consts::PI * i as f64 / (nn - 1.0)).cos()) as f32)
        .collect()
}

/// Gaussian window `exp(-0.5 ((i-(N-1)/2) / (σ(N-1)/2))²)` (openSMILE `smileDsp_winGau`).
pub fn gauss(n: usize, sigma: f64) -> Vec<f32> {
    let nn = n as f64;
    (0..n)
        .map(|i| {
            let t = (i as f64 - (nn - 1.0) / 2.0) / (sigma * (nn - 1.0) / 2.0);
            (-0.5 * t * t).exp() as f32
        })
        .collect()
}

/// Windowed, zero-padded real FFT returning magnitudes; owns its scratch buffers.
pub struct MagSpectrum {
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    windowed: Vec<f32>,
    input: Vec<f32>,
    output: Vec<realfft::num_complex::Complex<f32>>,
    scratch: Vec<realfft::num_complex::Complex<f32>>,
}

impl MagSpectrum {
    /// A transform for frames of `window.len()` samples, padded to the next power of two.
    pub fn new(window: Vec<f32>) -> Self {
        let n_fft = next_pow2(window.len());
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(n_fft);
        let input = fft.make_input_vec();
        let output = fft.make_output_vec();
        let scratch = fft.make_scratch_vec();
        let windowed = vec![0.0; window.len()];
        Self {
            fft,
            window,
            windowed,
            input,
            output,
            scratch,
        }
    }

    /// Number of magnitude bins, `n_fft/2 + 1`.
    pub fn n_bins(&self) -> usize {
        self.input.len() / 2 + 1
    }

    /// Windows `frame` (shape [window.len()]), transforms it and writes `|X[k]|` into `mag`
    /// (shape `[n_bins]`). Returns the windowed frame (shape [window.len()]) for reuse.
    pub fn compute(&mut self, frame: &[f32], mag: &mut [f32]) -> &[f32] {
        let n = self.window.len();
        for ((d, &x), &w) in self.windowed.iter_mut().zip(frame).zip(&self.window) {
            *d = x * w;
        }
        self.input[..n].copy_from_slice(&self.windowed);
        for d in &mut self.input[n..] {
            *d = 0.0;
        }
        // process_with_scratch only fails on wrong buffer lengths, which we own.
        self.fft
            .process_with_scratch(&mut self.input, &mut self.output, &mut self.scratch)
            .expect("FFT buffers have the planned lengths");
        for (m, c) in mag.iter_mut().zip(&self.output) {
            *m = (c.re * c.re + c.im * c.im).sqrt();
        }
        &self.windowed
    }
}
