//! Streaming sample-rate conversion matching libsoxr's "HQ" recipe (what `librosa.load`
//! resamples with), built on rubato's sinc resampler.
//!
//! **Filter.** soxr "HQ" (libsoxr 0.1.3, `SOXR_HQ`, 20-bit precision) is flat within 0.01 dB
//! to 0.913 × the lower Nyquist frequency, −3 dB at 0.95, and rejects ≥ 120 dB from the
//! Nyquist frequency on (measured through python-soxr 0.5.0). We filter with a
//! Blackman²-windowed sinc of [`SINC_LEN_LOW`] = 224 taps (counted at the lower rate), cutoff
//! [`CUTOFF`] = 0.9565 × the lower Nyquist frequency: the closest fit of rubato's windows to
//! that response (within 0.33 dB wherever soxr passes more than −40 dB; ≥ 102 dB rejection
//! from the Nyquist frequency on). The sinc is tabulated at every phase the rate pair needs
//! (`rate_out / gcd` phases) and applied without interpolation, so the filter is exactly the
//! designed one; rate pairs with more phases than [`MAX_PHASES`] interpolate a 256-phase table.
//!
//! rubato's FFT resampler, used before, cannot take a chosen cutoff: it derives it from its
//! block length, and its default sub-chunks (~256 input frames) gave −2 dB already at 0.90 ×
//! Nyquist (7.2 kHz at 16 kHz) and p99 0.034–0.075 from librosa's log-mel at 32 kHz.
//!
//! **Why not libsoxr itself.** The `soxr`/`libsoxr` crates bind the C library: it is LGPL
//! (linked statically, its terms would reach the `mer` binary), and it needs CMake or a system
//! `libsoxr` to build. Matching its pass band with rubato keeps the build pure Rust at the cost
//! of a residue in the transition band (see `mer-features/tests/librosa_logmel.rs`).
//!
//! **Timing.** Output sample `i` sits at time `i / rate_out` like input sample
//! `i · rate_in / rate_out`, exactly: the filter's delay (half its length, in input samples) is
//! padded with leading zeros up to a whole number of the rate pair's periods and the
//! corresponding output trimmed; the output has exactly `ceil(n_in · rate_out / rate_in)`
//! samples. The stream is processed chunk by chunk in bounded memory.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{
    Async, FixedAsync, Indexing, Resampler, SincInterpolationParameters, SincInterpolationType,
    WindowFunction,
};

/// Names the resampler and its settings, for cache keys and feature-set descriptions: features
/// computed from resampled audio change when it changes.
pub const RESAMPLER: &str = "rubato-sinc blackman2 224 taps cutoff 0.9565 (soxr-hq fit)";

/// Length of the sinc filter in samples of the lower rate (see the module doc).
pub const SINC_LEN_LOW: usize = 224;
/// Cutoff of the sinc filter, relative to the lower Nyquist frequency.
pub const CUTOFF: f32 = 0.9565;
/// Most phases tabulated exactly (the table holds `phases × taps` values).
pub const MAX_PHASES: usize = 1024;
/// Most table entries (phases × taps, 16 MB of `f32`) for an exact table.
const MAX_TABLE: usize = 1 << 22;
/// Input frames per call into rubato.
const CHUNK_IN: usize = 4096;

/// Highest sample rate accepted on either side, Hz: 768 kHz, beyond any audio format in use.
/// A crafted header may state any 32-bit rate; the filter grows with the ratio of the rates,
/// so absurd rates are refused instead of building a gigantic filter.
pub const MAX_RATE: u32 = 768_000;
/// Lowest sample rate accepted on either side, Hz: below it a header is not describing audio,
/// and the output of a crafted "1 Hz" file resampled to 44.1 kHz would be 44 100 times its
/// input.
pub const MIN_RATE: u32 = 1_000;

/// Mono resampler fed with arbitrary-size pieces of a stream.
pub struct StreamResampler {
    inner: Async<f32>,
    rate_in: u32,
    rate_out: u32,
    pending: Vec<f32>,
    scratch: Vec<f32>,
    delay_left: usize,
    n_in: u64,
    n_out: u64,
}

impl std::fmt::Debug for StreamResampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamResampler")
            .field("rate_in", &self.rate_in)
            .field("rate_out", &self.rate_out)
            .finish()
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

impl StreamResampler {
    /// A mono resampler from `rate_in` to `rate_out` Hz (both in `MIN_RATE..=MAX_RATE`).
    pub fn new(rate_in: u32, rate_out: u32) -> Result<Self, String> {
        for rate in [rate_in, rate_out] {
            if !(MIN_RATE..=MAX_RATE).contains(&rate) {
                return Err(format!(
                    "sample rate {rate} Hz is outside {MIN_RATE}..={MAX_RATE} Hz"
                ));
            }
        }
        let g = gcd(u64::from(rate_in), u64::from(rate_out));
        let (p_in, p_out) = (u64::from(rate_in) / g, u64::from(rate_out) / g);
        // Taps at the input rate: SINC_LEN_LOW at the lower rate (rubato rounds up to 8).
        let taps = (SINC_LEN_LOW as u64 * p_in)
            .div_ceil(p_out.min(p_in))
            .next_multiple_of(8) as usize;
        let exact = p_out as usize <= MAX_PHASES && p_out as usize * taps <= MAX_TABLE;
        let (phases, interpolation) = if exact {
            (p_out as usize, SincInterpolationType::Nearest)
        } else {
            (256, SincInterpolationType::Cubic)
        };
        let params = SincInterpolationParameters::new(taps, WindowFunction::Blackman2)
            .f_cutoff(CUTOFF)
            .oversampling_factor(phases)
            .interpolation(interpolation);
        let inner = Async::<f32>::new_sinc(
            rate_out as f64 / rate_in as f64,
            1.0,
            &params,
            CHUNK_IN,
            1,
            FixedAsync::Input,
        )
        .map_err(|e| e.to_string())?;
        // Output sample j of rubato's sinc resampler is centred on input time
        // `j·r + r − taps/2 + 1/phases` (r = p_in/p_out: its first output sits one step after
        // its start index −(taps − 1), and its tables put the centre of phase s at
        // `taps/2 − 1 + (s + 1)/phases`), i.e. it lags by `taps/2 − r − 1/phases` input
        // samples; measured to 1e-4 samples in the tests below. In units of 1/p_out:
        let half = (taps / 2) as u64 * p_out;
        let delay_num = if exact {
            half - p_in - 1
        } else {
            (half as f64 - p_out as f64 / phases as f64).round() as u64 - p_in
        };
        // Pad with `zeros` input samples so that the delay is a whole number of periods
        // (p_in input samples = p_out output samples), then drop that many output samples.
        let zeros = (0..p_in)
            .find(|z| (delay_num + z * p_out).is_multiple_of(p_in))
            .expect("p_out is invertible modulo p_in");
        let delay_out = ((delay_num + zeros * p_out) / p_in) as usize;
        let scratch = vec![0.0; inner.output_frames_max()];
        let mut pending = Vec::with_capacity(2 * CHUNK_IN);
        pending.resize(zeros as usize, 0.0);
        Ok(StreamResampler {
            inner,
            rate_in,
            rate_out,
            pending,
            scratch,
            delay_left: delay_out,
            n_in: 0,
            n_out: 0,
        })
    }

    /// Resamples `input` (mono, `rate_in`), appending whatever output is ready to `out`.
    pub fn push(&mut self, input: &[f32], out: &mut Vec<f32>) -> Result<(), String> {
        self.n_in += input.len() as u64;
        self.pending.extend_from_slice(input);
        let mut pos = 0;
        loop {
            let need = self.inner.input_frames_next();
            if self.pending.len() - pos < need {
                break;
            }
            self.run(pos, None, out)?;
            pos += need;
        }
        self.pending.drain(..pos);
        Ok(())
    }

    /// Flushes the resampler at the end of the stream.
    pub fn finish(&mut self, out: &mut Vec<f32>) -> Result<(), String> {
        let expected =
            (self.n_in as u128 * self.rate_out as u128).div_ceil(self.rate_in as u128) as u64;
        let partial = self.pending.len();
        self.run(0, Some(partial), out)?;
        self.pending.clear();
        while self.n_out < expected {
            self.run(0, Some(0), out)?;
        }
        if self.n_out > expected {
            let extra = (self.n_out - expected) as usize;
            out.truncate(out.len().saturating_sub(extra));
            self.n_out = expected;
        }
        Ok(())
    }

    fn run(
        &mut self,
        pos: usize,
        partial: Option<usize>,
        out: &mut Vec<f32>,
    ) -> Result<(), String> {
        let need = self.inner.input_frames_next();
        // A partial (final) chunk may be shorter than `need`; rubato pads it with zeros but
        // still wants a buffer of the full size.
        let input: &[f32] = if partial.is_some() {
            self.pending.resize(pos + need, 0.0);
            &self.pending[pos..pos + need]
        } else {
            &self.pending[pos..pos + need]
        };
        let adapter_in = InterleavedSlice::new(input, 1, need).map_err(|e| e.to_string())?;
        let n_max = self.scratch.len();
        let mut adapter_out = InterleavedSlice::new_mut(&mut self.scratch[..], 1, n_max)
            .map_err(|e| e.to_string())?;
        let indexing = partial.map(|p| Indexing {
            input_offset: 0,
            output_offset: 0,
            active_channels_mask: None,
            partial_len: Some(p),
        });
        let (_, n_out) = self
            .inner
            .process_into_buffer(&adapter_in, &mut adapter_out, indexing.as_ref())
            .map_err(|e| e.to_string())?;
        let skip = self.delay_left.min(n_out);
        self.delay_left -= skip;
        out.extend_from_slice(&self.scratch[skip..n_out]);
        self.n_out += (n_out - skip) as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(rate: u32, freq: f64, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (2.0 * std::f64::consts::PI * freq * i as f64 / rate as f64).sin() as f32)
            .collect()
    }

    /// Resamples `x` streamed in pieces of 777 samples.
    fn resample(x: &[f32], rin: u32, rout: u32) -> Vec<f32> {
        let mut r = StreamResampler::new(rin, rout).unwrap();
        let mut out = Vec::new();
        for piece in x.chunks(777) {
            r.push(piece, &mut out).unwrap();
        }
        r.finish(&mut out).unwrap();
        out
    }

    /// Amplitude and delay (output samples) of the tone `freq` in `y` (rate `rate`), fitted by
    /// least squares away from the edges.
    fn tone_fit(y: &[f32], rate: u32, freq: f64) -> (f64, f64) {
        let w = 2.0 * std::f64::consts::PI * freq / rate as f64;
        let (lo, hi) = (y.len() / 5, y.len() * 4 / 5);
        let (mut ss, mut cc, mut sc, mut ys, mut yc) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for (i, &v) in y.iter().enumerate().take(hi).skip(lo) {
            let (s, c) = (w * i as f64).sin_cos();
            ss += s * s;
            cc += c * c;
            sc += s * c;
            ys += v as f64 * s;
            yc += v as f64 * c;
        }
        let det = ss * cc - sc * sc;
        let a = (ys * cc - yc * sc) / det;
        let b = (yc * ss - ys * sc) / det;
        // y ≈ A sin(w (i − d)) = A cos(w d) sin(w i) − A sin(w d) cos(w i).
        (a.hypot(b), (-b).atan2(a) / w)
    }

    const PAIRS: [(u32, u32); 7] = [
        (22_050, 44_100),
        (32_000, 44_100),
        (48_000, 44_100),
        (44_100, 16_000),
        (22_050, 16_000),
        (44_100, 44_101),
        (8_000, 16_000),
    ];

    /// Streaming in odd-sized pieces gives the exact length, and tones come out at the same
    /// time position (delay within 1e-3 output samples) and with the pass band's gain.
    #[test]
    fn streaming_matches_length_and_phase() {
        for (rin, rout) in PAIRS {
            let n = rin as usize * 3 + 17;
            for rel in [0.05, 0.3, 0.8] {
                let f = rel * rin.min(rout) as f64 / 2.0;
                let out = resample(&sine(rin, f, n), rin, rout);
                let expected = (n as u64 * rout as u64).div_ceil(rin as u64) as usize;
                assert_eq!(out.len(), expected, "{rin}->{rout}");
                let (amp, delay) = tone_fit(&out, rout, f);
                println!("{rin}->{rout} {f:.0} Hz: gain {amp:.6} delay {delay:+.4} samples");
                assert!((amp - 1.0).abs() < 1e-3, "{rin}->{rout} {f} Hz: gain {amp}");
                assert!(delay.abs() < 1e-3, "{rin}->{rout} {f} Hz: delay {delay}");
            }
        }
    }
}
