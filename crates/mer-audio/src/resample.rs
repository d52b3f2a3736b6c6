//! Streaming sample-rate conversion matching libsoxr's "HQ" recipe (what `librosa.load`
//! resamples with): a polyphase FIR computed by FFT blocks, rubato's sinc resampler for
//! irregular rate pairs.
//!
//! **Filter.** soxr "HQ" (libsoxr 0.1.3, `SOXR_HQ`, 20-bit precision) is flat within 0.01 dB
//! to 0.913 × the lower Nyquist frequency, −3 dB at 0.95, and rejects ≥ 120 dB from the
//! Nyquist frequency on (measured through python-soxr 0.5.0). We filter with a
//! Blackman²-windowed sinc of [`SINC_LEN_LOW`] = 224 taps (counted at the lower rate), cutoff
//! [`CUTOFF`] = 0.9565 × the lower Nyquist frequency: the closest fit of rubato's windows to
//! that response (within 0.33 dB wherever soxr passes more than −40 dB; ≥ 102 dB rejection
//! from the Nyquist frequency on).
//!
//! **Engines.** Output sample `i` is `Σₖ x[k]·h(i·rate_in/rate_out − k)`, the filter `h` taken
//! at exactly the phase each output needs (a polyphase FIR with `rate_out / gcd` phases).
//! - Rate pairs whose reduced ratio `rate_out/rate_in = l/m` has `l, m ≤`
//!   [`MAX_BLOCK_RATIO_TERM`] (all the usual ones: 44.1 → 16 kHz is 160/441) compute it by FFT
//!   blocks (`rational.rs`): equal to the direct FIR in f64 within 4e-7 (tests below), at a
//!   cost independent of the filter's length — 44.1 → 16 kHz ~10× faster than the same FIR
//!   as rubato's exact-phase sinc resampler (624 multiply-adds per output sample), which this
//!   crate used before and whose output it reproduces within 2.5e-6 (1.4e-5 at 32 → 22.05
//!   kHz, where rubato's f32 tables are coarsest). `bench/resample_bench.sh` times both
//!   engines' successor against soxr.
//! - Other pairs (e.g. 44 100 → 44 101 Hz) use rubato's sinc resampler with the same filter:
//!   tabulated at every phase (`Nearest`) up to [`MAX_PHASES`] phases, else a 256-phase table
//!   interpolated (`Cubic`).
//!
//! rubato's FFT resampler, used before either, cannot take a chosen filter: it derives the
//! cutoff from its block length, and its default sub-chunks (~256 input frames) gave −2 dB
//! already at 0.90 × Nyquist (7.2 kHz at 16 kHz) and p99 0.034–0.075 from librosa's log-mel
//! at 32 kHz. No other Rust crate resamples with a given FIR by FFT, hence `rational.rs`
//! (on realfft).
//!
//! **Why not libsoxr itself.** The `soxr`/`libsoxr` crates bind the C library: it is LGPL
//! (linked statically, its terms would reach the `mer` binary), and it needs CMake or a system
//! `libsoxr` to build. Matching its pass band keeps the build pure Rust at the cost of a
//! residue in the transition band (see `mer-features/tests/librosa_logmel.rs`).
//!
//! **Timing.** Output sample `i` sits at time `i / rate_out` like input sample
//! `i · rate_in / rate_out`, exactly (the filter is centred on it; the stream starts with
//! zeros); the output has exactly `ceil(n_in · rate_out / rate_in)` samples. The stream is
//! processed block by block in bounded memory.

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{
    Async, FixedAsync, Indexing, Resampler, SincInterpolationParameters, SincInterpolationType,
    WindowFunction,
};

use crate::rational::FftBlocks;

/// Names the resampler and its settings, for cache keys and feature-set descriptions: features
/// computed from resampled audio change when it changes.
pub const RESAMPLER: &str =
    "fft-polyphase blackman2 224 taps cutoff 0.9565 (soxr-hq fit; rubato-sinc beyond 4096/4096)";

/// Length of the sinc filter in samples of the lower rate (see the module doc).
pub const SINC_LEN_LOW: usize = 224;
/// Cutoff of the sinc filter, relative to the lower Nyquist frequency.
pub const CUTOFF: f32 = 0.9565;
/// Rate pairs whose reduced ratio `rate_out/rate_in = l/m` has `l` and `m` up to this are
/// resampled by FFT blocks; others by rubato's sinc resampler.
pub const MAX_BLOCK_RATIO_TERM: u64 = 4096;
/// Most phases tabulated exactly by rubato (the table holds `phases × taps` values).
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
    engine: Engine,
    rate_in: u32,
    rate_out: u32,
}

impl std::fmt::Debug for StreamResampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamResampler")
            .field("rate_in", &self.rate_in)
            .field("rate_out", &self.rate_out)
            .finish()
    }
}

enum Engine {
    Blocks(Box<BlockStream>),
    Sinc(Box<SincStream>),
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The reduced ratio `(p_in, p_out)` = `(rate_in, rate_out) / gcd`, the filter length in input
/// samples (SINC_LEN_LOW at the lower rate, rounded up to 8 as rubato does) and the filter's
/// cutoff relative to the input Nyquist frequency, in `f32` as rubato computes it.
fn design(rate_in: u32, rate_out: u32) -> (u64, u64, usize, f32) {
    let g = gcd(u64::from(rate_in), u64::from(rate_out));
    let (p_in, p_out) = (u64::from(rate_in) / g, u64::from(rate_out) / g);
    let taps = (SINC_LEN_LOW as u64 * p_in)
        .div_ceil(p_out.min(p_in))
        .next_multiple_of(8) as usize;
    let ratio = rate_out as f64 / rate_in as f64;
    let cutoff = if ratio >= 1.0 {
        CUTOFF
    } else {
        CUTOFF * ratio as f32
    };
    (p_in, p_out, taps, cutoff)
}

impl StreamResampler {
    /// A mono resampler from `rate_in` to `rate_out` Hz (both in `MIN_RATE..=MAX_RATE`).
    pub fn new(rate_in: u32, rate_out: u32) -> Result<Self, String> {
        Self::build(rate_in, rate_out, false)
    }

    /// The same resampler computed by rubato's sinc resampler whatever the rate pair (what
    /// [`new`](Self::new) uses only for irregular pairs): equal output within 1.4e-5, several
    /// times slower; for comparisons (`bench/resample_bench.sh`).
    pub fn new_rubato_sinc(rate_in: u32, rate_out: u32) -> Result<Self, String> {
        Self::build(rate_in, rate_out, true)
    }

    /// `sinc`: use rubato's sinc resampler whatever the ratio.
    fn build(rate_in: u32, rate_out: u32, sinc: bool) -> Result<Self, String> {
        for rate in [rate_in, rate_out] {
            if !(MIN_RATE..=MAX_RATE).contains(&rate) {
                return Err(format!(
                    "sample rate {rate} Hz is outside {MIN_RATE}..={MAX_RATE} Hz"
                ));
            }
        }
        let (p_in, p_out, taps, cutoff) = design(rate_in, rate_out);
        let engine = if !sinc && p_in.max(p_out) <= MAX_BLOCK_RATIO_TERM {
            Engine::Blocks(Box::new(BlockStream::new(p_in, p_out, taps, cutoff)))
        } else {
            Engine::Sinc(Box::new(SincStream::new(
                rate_in, rate_out, p_in, p_out, taps,
            )?))
        };
        Ok(StreamResampler {
            engine,
            rate_in,
            rate_out,
        })
    }

    /// Resamples `input` (mono, `rate_in`), appending whatever output is ready to `out`.
    pub fn push(&mut self, input: &[f32], out: &mut Vec<f32>) -> Result<(), String> {
        match &mut self.engine {
            Engine::Blocks(b) => b.push(input, out),
            Engine::Sinc(s) => s.push(input, out),
        }
    }

    /// Flushes the resampler at the end of the stream.
    pub fn finish(&mut self, out: &mut Vec<f32>) -> Result<(), String> {
        match &mut self.engine {
            Engine::Blocks(b) => b.finish(out),
            Engine::Sinc(s) => s.finish(out),
        }
    }
}

/// Output samples for `n_in` input samples: `ceil(n_in · p_out / p_in)`.
fn expected_out(n_in: u64, p_in: u64, p_out: u64) -> u64 {
    (n_in as u128 * p_out as u128).div_ceil(p_in as u128) as u64
}

/// Streaming over [`FftBlocks`]: blocks of `n_in` samples every `hop_in`.
struct BlockStream {
    blocks: FftBlocks,
    p_in: u64,
    p_out: u64,
    /// Input from the current block's start on (the stream starts with `lead` zeros).
    pending: Vec<f32>,
    n_in: u64,
    n_out: u64,
}

impl BlockStream {
    fn new(p_in: u64, p_out: u64, taps: usize, cutoff: f32) -> Self {
        let blocks = FftBlocks::new(p_out as usize, p_in as usize, taps, f64::from(cutoff));
        let mut pending = Vec::with_capacity(2 * blocks.n_in);
        pending.resize(blocks.lead, 0.0);
        BlockStream {
            blocks,
            p_in,
            p_out,
            pending,
            n_in: 0,
            n_out: 0,
        }
    }

    fn push(&mut self, input: &[f32], out: &mut Vec<f32>) -> Result<(), String> {
        self.n_in += input.len() as u64;
        self.pending.extend_from_slice(input);
        let (n, hop) = (self.blocks.n_in, self.blocks.hop_in);
        let mut pos = 0;
        while self.pending.len() - pos >= n {
            self.blocks.process(&self.pending[pos..pos + n], out)?;
            self.n_out += self.blocks.hop_out as u64;
            pos += hop;
        }
        self.pending.drain(..pos);
        Ok(())
    }

    fn finish(&mut self, out: &mut Vec<f32>) -> Result<(), String> {
        let expected = expected_out(self.n_in, self.p_in, self.p_out);
        let n = self.blocks.n_in;
        while self.n_out < expected {
            if self.pending.len() < n {
                self.pending.resize(n, 0.0);
            }
            self.blocks.process(&self.pending[..n], out)?;
            self.n_out += self.blocks.hop_out as u64;
            self.pending.drain(..self.blocks.hop_in);
        }
        let extra = (self.n_out - expected) as usize;
        out.truncate(out.len().saturating_sub(extra));
        self.n_out = expected;
        self.pending.clear();
        Ok(())
    }
}

/// Streaming over rubato's sinc resampler (rate pairs beyond [`MAX_BLOCK_RATIO_TERM`]).
struct SincStream {
    inner: Async<f32>,
    p_in: u64,
    p_out: u64,
    pending: Vec<f32>,
    scratch: Vec<f32>,
    delay_left: usize,
    n_in: u64,
    n_out: u64,
}

impl SincStream {
    fn new(
        rate_in: u32,
        rate_out: u32,
        p_in: u64,
        p_out: u64,
        taps: usize,
    ) -> Result<Self, String> {
        let exact = p_out as usize <= MAX_PHASES && p_out as usize * taps <= MAX_TABLE;
        let (phases, interpolation) = if exact {
            (p_out as usize, SincInterpolationType::Nearest)
        } else {
            (256, SincInterpolationType::Cubic)
        };
        // rubato scales the cutoff by the ratio itself when downsampling (as `design` does).
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
        Ok(SincStream {
            inner,
            p_in,
            p_out,
            pending,
            scratch,
            delay_left: delay_out,
            n_in: 0,
            n_out: 0,
        })
    }

    fn push(&mut self, input: &[f32], out: &mut Vec<f32>) -> Result<(), String> {
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

    fn finish(&mut self, out: &mut Vec<f32>) -> Result<(), String> {
        let expected = expected_out(self.n_in, self.p_in, self.p_out);
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

    /// Resamples `x` streamed in pieces of 777 samples, with rubato's sinc resampler if `sinc`.
    fn resample_with(x: &[f32], rin: u32, rout: u32, sinc: bool) -> Vec<f32> {
        let mut r = StreamResampler::build(rin, rout, sinc).unwrap();
        let mut out = Vec::new();
        for piece in x.chunks(777) {
            r.push(piece, &mut out).unwrap();
        }
        r.finish(&mut out).unwrap();
        out
    }

    /// Deterministic noise in [-0.5, 0.5) plus a tone: every frequency present.
    fn noise(n: usize, seed: u64) -> Vec<f32> {
        let mut state = seed;
        (0..n)
            .map(|i| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) + 0.4 * (i as f32 * 0.05).sin()
            })
            .collect()
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
    /// Both engines (FFT blocks; rubato's sinc).
    #[test]
    fn streaming_matches_length_and_phase() {
        for (rin, rout) in PAIRS {
            let n = rin as usize * 3 + 17;
            for (rel, sinc) in [0.05, 0.3, 0.8]
                .into_iter()
                .flat_map(|r| [(r, false), (r, true)])
            {
                let f = rel * rin.min(rout) as f64 / 2.0;
                let out = resample_with(&sine(rin, f, n), rin, rout, sinc);
                let expected = (n as u64 * rout as u64).div_ceil(rin as u64) as usize;
                assert_eq!(out.len(), expected, "{rin}->{rout}");
                let (amp, delay) = tone_fit(&out, rout, f);
                println!(
                    "{rin}->{rout} {f:.0} Hz (sinc {sinc}): gain {amp:.6} delay {delay:+.4} samples"
                );
                assert!((amp - 1.0).abs() < 1e-3, "{rin}->{rout} {f} Hz: gain {amp}");
                assert!(delay.abs() < 1e-3, "{rin}->{rout} {f} Hz: delay {delay}");
            }
        }
    }

    /// The FFT blocks compute the polyphase FIR exactly: every output against
    /// `Σₖ x[k]·h(i·m/l − k) / ∫h` evaluated directly in f64, over several blocks (their seams,
    /// the stream's start and end included), streamed in odd-sized pieces. rubato's exact-phase
    /// sinc resampler (the engine they replace at these rates) computes the same FIR up to the
    /// rounding of its f32 tables (its DC gain is off by up to 5e-6).
    #[test]
    fn blocks_equal_the_direct_fir_and_rubato() {
        let pairs = [
            (44_100, 16_000),
            (44_100, 22_050),
            (48_000, 16_000),
            (32_000, 22_050),
            (22_050, 16_000),
            (48_000, 44_100),
            (8_000, 16_000),
        ];
        for (rin, rout) in pairs {
            let x = noise(rin as usize + 5, u64::from(rin));
            let (p_in, p_out, taps, cutoff) = design(rin, rout);
            let (taps_f, cutoff) = (taps as f64, f64::from(cutoff));
            let h = |t: f64| crate::rational::filter(t, taps_f, cutoff);
            let area = (-(64 * taps as i64)..=64 * taps as i64)
                .map(|n| h(n as f64 / 64.0))
                .sum::<f64>()
                / 64.0;
            let n_out = expected_out(x.len() as u64, p_in, p_out) as usize;
            let direct: Vec<f64> = (0..n_out)
                .map(|i| {
                    let t = (i as u64 * p_in) as f64 / p_out as f64;
                    let lo = (t - taps_f / 2.0).floor().max(0.0) as usize;
                    let hi = ((t + taps_f / 2.0).ceil() as usize).min(x.len() - 1);
                    (lo..=hi)
                        .map(|k| f64::from(x[k]) * h(t - k as f64))
                        .sum::<f64>()
                        / area
                })
                .collect();
            let max_diff = |y: &[f32]| {
                assert_eq!(y.len(), n_out, "{rin}->{rout}");
                y.iter()
                    .zip(&direct)
                    .map(|(&a, &b)| (f64::from(a) - b).abs())
                    .fold(0.0f64, f64::max)
            };
            let fft = max_diff(&resample_with(&x, rin, rout, false));
            let sinc = max_diff(&resample_with(&x, rin, rout, true));
            println!(
                "{rin}->{rout}: max |y − direct FIR|: FFT blocks {fft:.2e}, rubato sinc {sinc:.2e}"
            );
            assert!(fft < 1e-6, "{rin}->{rout}: FFT blocks {fft:.2e}");
            assert!(sinc < 2e-5, "{rin}->{rout}: rubato sinc {sinc:.2e}");
        }
    }

    /// Finite samples near f32's limit (a crafted float WAV) give finite output, the
    /// samples scaled down and back by a power of two.
    #[test]
    fn huge_samples_stay_finite() {
        let x = noise(20_000, 3);
        let y = resample_with(&x, 44_100, 16_000, false);
        // Peaks from 1.1e37 to 2.2e38 (f32's largest is 3.4e38).
        for e in [123, 126, 127] {
            let big: Vec<f32> = x.iter().map(|v| v * 2f32.powi(e)).collect();
            let y_big = resample_with(&big, 44_100, 16_000, false);
            for (a, b) in y.iter().zip(&y_big) {
                assert!(b.is_finite(), "2^{e}: {b}");
                assert!((a - b / 2f32.powi(e)).abs() < 1e-6, "2^{e}: {a} vs {b}");
            }
        }
    }
}
