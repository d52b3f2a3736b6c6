//! Exact rational-ratio resampling by FFT blocks: the polyphase FIR of [`crate::resample`]
//! (same windowed sinc, every phase exact) computed in the frequency domain.
//!
//! **What is computed.** For rates `rate_in`/`rate_out` = `m`/`l` (coprime), output sample `i`
//! is `y[i] = Σₖ x[k] · h(i·m/l − k)` (time in input samples), with `h` the filter of
//! [`filter`]: zero outside `[−taps/2, taps/2)`, unit DC gain. A direct polyphase FIR costs
//! `taps` multiply-adds per output sample (624 for 44.1 → 16 kHz); here it costs two FFTs per
//! block of several thousand samples.
//!
//! **How (overlap-save).** A block is a segment of `n_in` input samples (`n_in = k·m`) that
//! starts `lead` samples before the block's first output time (`lead ≥ taps/2`, a multiple of
//! `m` so that the segment starts on the output grid) and ends at least `taps/2` samples after
//! its last one. Its spectrum `X` (real FFT, `n_in`) gives the `n_out = k·l` bins of the output
//! segment: bin `b` gathers `X(f)·H(f)` over every frequency `f ≡ b (mod n_out)` where the
//! filter's spectrum `H` is not negligible — the pass band and, from the transition band on,
//! the aliases (downsampling) or images (upsampling) the FIR lets through; `H(f)` is the
//! continuous Fourier transform of `h`, so the inverse FFT of size `n_out` evaluates
//! `Σₖ x[k]·h(t − k)` at every output time `t` of the segment. As `h` is zero beyond `taps/2`,
//! the outputs whose filter span lies inside the segment (`hop_out = (n_in − 2·lead)·l/m` of
//! them) are exact, not approximations of a circular convolution; terms with `|H(f)| <`
//! [`NEGLIGIBLE`] are left out (the FIR's f32 coefficients carry larger rounding).

use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

/// Terms of the output spectrum with a filter gain below this (relative to the DC gain) are
/// left out: 200 dB down, far below `f32` resolution.
pub(crate) const NEGLIGIBLE: f64 = 1e-10;
/// Blocks with a sample above this magnitude are scaled down before the FFT (see
/// [`FftBlocks::process`]).
const HUGE: f32 = 1e30;
/// Smallest FFT length on the input side: below it, the FFTs' fixed costs dominate.
const MIN_FFT_IN: usize = 8192;
/// The input FFT spans at least this many times the filter (`2·lead`), so that at least
/// `1 − 1/FFT_PER_FILTER` of each block is new input.
const FFT_PER_FILTER: usize = 8;
/// Oversampling of `h` when tabulating its spectrum (aliases of the spectrum then start at
/// twice the input rate, where it is far below [`NEGLIGIBLE`]).
const SPECTRUM_OVERSAMPLING: usize = 2;

/// The resampling filter of `crate::resample`, as rubato's sinc tables hold it: a sinc of
/// relative cutoff `cutoff` (1 = input Nyquist), windowed by a squared periodic Blackman
/// window of width `taps` input samples, at time `t` input samples from its centre; not
/// normalised (divide by its integral).
pub(crate) fn filter(t: f64, taps: f64, cutoff: f64) -> f64 {
    if t.abs() >= taps / 2.0 {
        return 0.0;
    }
    let phase = 2.0 * std::f64::consts::PI * t / taps;
    // Blackman (0.42, 0.5, 0.08) centred at t = 0.
    let w = 0.42 + 0.5 * phase.cos() + 0.08 * (2.0 * phase).cos();
    let x = std::f64::consts::PI * cutoff * t;
    let sinc = if x == 0.0 { 1.0 } else { x.sin() / x };
    w * w * sinc
}

/// One output bin's term: `Y[out] += weight · X[input]` (conjugated when `conj`).
#[derive(Debug, Clone, Copy)]
struct Term {
    out: u32,
    input: u32,
    conj: bool,
    weight: f32,
}

/// Block-wise FFT resampler for one rate pair; see the module doc.
pub(crate) struct FftBlocks {
    /// Input samples per block (the FFT length on the input side).
    pub(crate) n_in: usize,
    /// Input samples from a block's start to its first output time; also the samples kept
    /// after its last output time.
    pub(crate) lead: usize,
    /// New input samples per block: `n_in − 2·lead`.
    pub(crate) hop_in: usize,
    /// Output samples per block: `hop_in · l / m`.
    pub(crate) hop_out: usize,
    lead_out: usize,
    terms: Vec<Term>,
    fft: Arc<dyn RealToComplex<f32>>,
    ifft: Arc<dyn ComplexToReal<f32>>,
    buf_in: Vec<f32>,
    spec_in: Vec<Complex<f32>>,
    spec_out: Vec<Complex<f32>>,
    buf_out: Vec<f32>,
    scratch_fw: Vec<Complex<f32>>,
    scratch_inv: Vec<Complex<f32>>,
}

impl std::fmt::Debug for FftBlocks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FftBlocks")
            .field("n_in", &self.n_in)
            .field("n_out", &self.buf_out.len())
            .field("lead", &self.lead)
            .field("terms", &self.terms.len())
            .finish()
    }
}

/// Whether `n` has no prime factor above 7 (FFT lengths that rustfft handles fastest).
fn is_7_smooth(mut n: usize) -> bool {
    for p in [2, 3, 5, 7] {
        while n > 1 && n.is_multiple_of(p) {
            n /= p;
        }
    }
    n == 1
}

impl FftBlocks {
    /// Resampler from rate `m` to rate `l` (coprime, in any unit) with the filter
    /// [`filter`]`(·, taps, cutoff)`.
    pub(crate) fn new(l: usize, m: usize, taps: usize, cutoff: f64) -> Self {
        let lead = (taps / 2).div_ceil(m) * m;
        // n_in = k·m with k even (both FFT lengths even) and 7-smooth when m is.
        let target = MIN_FFT_IN.max(FFT_PER_FILTER * 2 * lead);
        let mut k = target.div_ceil(m).next_multiple_of(2);
        while !is_7_smooth(k) {
            k += 2;
        }
        let (n_in, n_out) = (k * m, k * l);
        let hop_in = n_in - 2 * lead;

        let terms = Self::terms(n_in, n_out, taps, cutoff);
        let mut planner = RealFftPlanner::<f32>::new();
        let fft = planner.plan_fft_forward(n_in);
        let ifft = planner.plan_fft_inverse(n_out);
        FftBlocks {
            n_in,
            lead,
            hop_in,
            hop_out: hop_in / m * l,
            lead_out: lead / m * l,
            terms,
            buf_in: fft.make_input_vec(),
            spec_in: fft.make_output_vec(),
            spec_out: ifft.make_input_vec(),
            buf_out: ifft.make_output_vec(),
            scratch_fw: fft.make_scratch_vec(),
            scratch_inv: ifft.make_scratch_vec(),
            fft,
            ifft,
        }
    }

    /// The output spectrum's terms, weights including the inverse FFT's `1/n_in`.
    fn terms(n_in: usize, n_out: usize, taps: usize, cutoff: f64) -> Vec<Term> {
        // H(f) at f = 0, 1, … bins of n_in (f·rate_in/n_in Hz): FFT of h sampled every
        // 1/SPECTRUM_OVERSAMPLING input samples, placed even about index 0 (a real spectrum).
        let r = SPECTRUM_OVERSAMPLING;
        let len = r * n_in;
        let half = r * taps / 2;
        let mut h = vec![0.0f64; len];
        for n in 0..=half {
            let v = filter(n as f64 / r as f64, taps as f64, cutoff);
            h[n] = v;
            if n > 0 {
                h[len - n] = v;
            }
        }
        let mut planner = RealFftPlanner::<f64>::new();
        let fft = planner.plan_fft_forward(len);
        let mut spec = fft.make_output_vec();
        fft.process(&mut h, &mut spec)
            .expect("buffers made for this FFT");
        let dc = spec[0].re;
        let gain: Vec<f64> = spec.iter().map(|c| c.re / dc).collect();
        let top = gain.iter().rposition(|g| g.abs() > NEGLIGIBLE).unwrap_or(0) as i64;

        let (n_in_i, n_out_i) = (n_in as i64, n_out as i64);
        let mut terms = Vec::new();
        for out in 0..=n_out_i / 2 {
            // Every signed frequency f ≡ out (mod n_out) with |f| ≤ top.
            let mut f = out - (out + top) / n_out_i * n_out_i;
            while f <= top {
                let g = gain[f.unsigned_abs() as usize];
                // X(f) for a signed f: X[f mod n_in], conjugated for the negative half.
                let mut bin = f.rem_euclid(n_in_i);
                let mut conj = false;
                if bin > n_in_i / 2 {
                    bin = n_in_i - bin;
                    conj = true;
                }
                terms.push(Term {
                    out: out as u32,
                    input: bin as u32,
                    conj,
                    weight: (g / n_in as f64) as f32,
                });
                f += n_out_i;
            }
        }
        terms
    }

    /// Resamples one block: `segment` holds `n_in` input samples starting `lead` samples before
    /// the first output time; appends the block's `hop_out` output samples to `out`.
    pub(crate) fn process(&mut self, segment: &[f32], out: &mut Vec<f32>) -> Result<(), String> {
        // The FFT sums a block: samples near f32's limit (a crafted float WAV) would overflow
        // to infinity where the FIR does not; scale such a block by a power of two (exact).
        let peak = segment.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let scale = if peak > HUGE { 2f32.powi(-64) } else { 1.0 };
        self.buf_in.copy_from_slice(segment);
        if scale != 1.0 {
            self.buf_in.iter_mut().for_each(|v| *v *= scale);
        }
        self.fft
            .process_with_scratch(&mut self.buf_in, &mut self.spec_in, &mut self.scratch_fw)
            .map_err(|e| e.to_string())?;
        self.spec_out.fill(Complex::new(0.0, 0.0));
        for t in &self.terms {
            let x = self.spec_in[t.input as usize];
            let x = if t.conj { x.conj() } else { x };
            self.spec_out[t.out as usize] += x * t.weight;
        }
        // The DC and Nyquist bins of a real signal are real (their imaginary parts cancel
        // between conjugate terms up to rounding).
        self.spec_out[0].im = 0.0;
        if let Some(last) = self.spec_out.last_mut() {
            last.im = 0.0;
        }
        self.ifft
            .process_with_scratch(&mut self.spec_out, &mut self.buf_out, &mut self.scratch_inv)
            .map_err(|e| e.to_string())?;
        let block = &self.buf_out[self.lead_out..self.lead_out + self.hop_out];
        if scale == 1.0 {
            out.extend_from_slice(block);
        } else {
            out.extend(block.iter().map(|v| v / scale));
        }
        Ok(())
    }
}
