//! Jitter (local, DDP), shimmer (local) and log HNR as openSMILE's `cPitchJitter` computes
//! them for ComParE (`searchRangeRel = 0.25`, `minCC = 0.5`, `minNumPeriods = 2`, peak
//! amplitudes; `useBrokenJitterThresh = 0` for `ComParE_2016`, `= 1` for `IS13_ComParE`, see
//! [`VoiceQuality::new`]): for every 10 ms frame with F0 > 0, pitch periods
//! are found in the waveform by normalised cross-correlation of consecutive period-long
//! segments around `1/F0`; jitter is the mean absolute difference of consecutive periods over
//! the mean period (carried across frames), shimmer the mean peak-to-peak amplitude difference
//! over the mean amplitude, HNR the RMS of the average period waveform over the RMS of the
//! deviations from it, in dB (floor −100 dB, which unvoiced frames get).

use crate::lld::pitch::quad_from_3pts;

const SEARCH_RANGE_REL: f64 = 0.25;
const MIN_NUM_PERIODS: i64 = 2;
const THRESH_CC: f32 = 0.5;
const LG_HNR_FLOOR: f32 = -100.0;

/// Σ x·y in f64 with four partial sums (vectorisable).
fn dot(x: &[f32], y: &[f32]) -> f64 {
    let mut acc = [0.0f64; 4];
    let (xc, yc) = (x.chunks_exact(4), y.chunks_exact(4));
    let (xr, yr) = (xc.remainder(), yc.remainder());
    for (a, b) in xc.zip(yc) {
        for k in 0..4 {
            acc[k] += f64::from(a[k]) * f64::from(b[k]);
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (a, b) in xr.iter().zip(yr) {
        s += f64::from(*a) * f64::from(*b);
    }
    s
}

/// Prefix sums of a segment and of its squares, for O(1) segment means and energies.
struct Prefix {
    s1: Vec<f64>,
    s2: Vec<f64>,
}

impl Prefix {
    fn new(x: &[f32]) -> Self {
        let mut s1 = Vec::with_capacity(x.len() + 1);
        let mut s2 = Vec::with_capacity(x.len() + 1);
        let (mut a, mut b) = (0.0f64, 0.0f64);
        s1.push(0.0);
        s2.push(0.0);
        for &v in x {
            let v = f64::from(v);
            a += v;
            b += v * v;
            s1.push(a);
            s2.push(b);
        }
        Self { s1, s2 }
    }

    /// (Σx, Σx²) over `[a, a+n)`.
    fn sums(&self, a: usize, n: usize) -> (f64, f64) {
        (self.s1[a + n] - self.s1[a], self.s2[a + n] - self.s2[a])
    }
}

/// Normalised cross-correlation (Pearson) of `m[a..a+n]` and `m[b..b+n]`, as openSMILE's
/// `crossCorr`, with the means and energies taken from prefix sums.
fn cross_corr(m: &[f32], pre: &Prefix, a: usize, b: usize, n: usize) -> f64 {
    let nf = n as f64;
    let (sx, sxx) = pre.sums(a, n);
    let (sy, syy) = pre.sums(b, n);
    let cc = dot(&m[a..a + n], &m[b..b + n]) - sx * sy / nf;
    let nx = (sxx - sx * sx / nf).max(0.0);
    let ny = (syy - sy * sy / nf).max(0.0);
    cc / (nx.sqrt() * ny.sqrt())
}

/// Normalised cross-correlation of `x` and `y` (same length) computed exactly as openSMILE's
/// `cPitchJitter::crossCorr`: two passes in f64, sequential sums. Used where the result is
/// compared with its own f32 rounding (`useBrokenJitterThresh = 1`), so that it agrees with
/// openSMILE to the last bit; [`cross_corr`] is the fast equivalent otherwise.
fn cross_corr_exact(x: &[f32], y: &[f32]) -> f64 {
    let n = x.len().min(y.len());
    let (x, y) = (&x[..n], &y[..n]);
    let (mut mx, mut my) = (0.0f64, 0.0f64);
    for (&a, &b) in x.iter().zip(y) {
        mx += f64::from(a);
        my += f64::from(b);
    }
    mx /= n as f64;
    my /= n as f64;
    let (mut cc, mut nx, mut ny) = (0.0f64, 0.0f64, 0.0f64);
    for (&a, &b) in x.iter().zip(y) {
        let (da, db) = (f64::from(a) - mx, f64::from(b) - my);
        cc += da * db;
        nx += da * da;
        ny += db * db;
    }
    cc / (nx.sqrt() * ny.sqrt())
}

/// Peak-to-peak amplitudes of two period segments (`amplitudeDiff`): (|A0 - A1|, A0, A1).
fn amplitude_diff(x: &[f32], y: &[f32]) -> (f32, f32, f32) {
    let amp = |v: &[f32]| {
        let (mut mx, mut mn) = (v[1], v[1]);
        for &s in &v[1..v.len() - 1] {
            mx = mx.max(s);
            mn = mn.min(s);
        }
        mx - mn
    };
    let (a0, a1) = (amp(x), amp(y));
    ((a0 - a1).abs(), a0, a1)
}

/// Streaming state of `cPitchJitter`.
pub struct VoiceQuality {
    t: f64,
    step: usize,
    len_f: i64,
    pp_len: i64,
    last_idx: i64,
    last_mis: i64,
    last_t0: f32,
    last_diff: f32,
    last_jitter_local: f32,
    last_jitter_ddp: f32,
    last_shimmer: f32,
    broken_thresh: bool,
}

/// The four outputs of one frame.
#[derive(Debug, Clone, Copy, Default)]
pub struct VqFrame {
    pub jitter_local: f32,
    pub jitter_ddp: f32,
    pub shimmer_local: f32,
    pub log_hnr: f32,
}

impl VoiceQuality {
    /// For 10 ms frames of `step` samples and 60 ms frames of `long` samples at `rate`.
    ///
    /// `broken_thresh` reproduces `useBrokenJitterThresh = 1` (`IS13_ComParE`, and openSMILE
    /// ≤ 2.2 whatever the config): a period counts for jitter and shimmer when its
    /// cross-correlation exceeds the *lowest* correlation seen so far in the frame (a local
    /// variable that shadowed the 0.5 threshold in openSMILE 2.1), instead of exceeding 0.5.
    pub fn new(rate: u32, step: usize, long: usize, broken_thresh: bool) -> Self {
        let t = 1.0 / f64::from(rate);
        // Frame length and period in samples, computed from the frames' time metadata as
        // openSMILE does (lengthSec = last sample time - first + T; period = step·T).
        let length_sec = ((long - 1) as f64 * t - 0.0) + t;
        let len_f = (length_sec / t).ceil() as i64;
        let pp_len = ((step as f64 * t) / t).ceil() as i64;
        Self {
            t,
            step,
            len_f,
            pp_len,
            last_idx: 0,
            last_mis: 0,
            last_t0: 0.0,
            last_diff: 0.0,
            last_jitter_local: 0.0,
            last_jitter_ddp: 0.0,
            last_shimmer: 0.0,
            broken_thresh,
        }
    }

    /// Frame `frame` (0-based) with F0 `f0` (Hz, 0 = unvoiced) over the whole signal `x`.
    pub fn push(&mut self, frame: usize, f0: f32, x: &[f32]) -> VqFrame {
        let t = self.t;
        let start_vidx = (frame * self.step) as i64;
        let to_read0 = self.pp_len + self.last_mis;
        let mut to_read = to_read0;
        let (mut t0f, mut t0min_f, mut t0max_f) = (0i64, 0i64, 0i64);
        if f0 > 0.0 {
            let tf = (1.0 / f64::from(f0)) / t;
            t0f = tf.round() as i64;
            t0min_f = ((1.0 - SEARCH_RANGE_REL) * tf).floor() as i64;
            t0max_f = ((1.0 + SEARCH_RANGE_REL) * tf).ceil() as i64;
            let two_pp = MIN_NUM_PERIODS * t0max_f + MIN_NUM_PERIODS;
            to_read = to_read.max(two_pp);
        }
        let mut max_read = self.last_mis + self.len_f;
        to_read = to_read.min(max_read);
        if start_vidx - self.last_mis != self.last_idx {
            self.last_idx = start_vidx;
            to_read = to_read.min(self.len_f);
            max_read = max_read.min(self.len_f);
        }
        let a = (self.last_idx.max(0) as usize).min(x.len());
        let b = (a + to_read.max(0) as usize).min(x.len());
        let mat = &x[a..b];
        let nt = mat.len() as i64;
        let mut out = VqFrame::default();
        if max_read < 1 || mat.is_empty() {
            return out;
        }
        let (mut n_local, mut n_ddp, mut n_periods) = (0.0f32, 0.0f32, 0.0f32);
        let (mut avg_period, mut jit_ddp, mut jit_local) = (0.0f32, 0.0f32, 0.0f32);
        let (mut avg_amp, mut avg_amp_diff) = (0.0f32, 0.0f32);
        let mut lg_hnr = 0.0f32;
        let mut last_period = 0i64;
        // Lowest cross-correlation of the accepted-peak periods of this frame (openSMILE keeps
        // it as FLOAT_DMEM = f32; -2 = none yet).
        let mut min_cc = -2.0f32;
        if f0 > 0.0 && t0min_f > 0 {
            let mut periods: Vec<i64> = Vec::new();
            let mut avg_wf = vec![0.0f32; t0f as usize + 1];
            let mut cc = vec![0.0f64; (t0max_f - t0min_f + 1) as usize];
            let pre = Prefix::new(mat);
            let mut start = 0i64;
            let mut pp = 0i64;
            while start < nt - 2 * t0max_f - 1 {
                for tfi in t0min_f..=t0max_f {
                    let s = start as usize;
                    let m = (start + tfi) as usize;
                    let len = tfi as usize;
                    cc[(tfi - t0min_f) as usize] = if self.broken_thresh {
                        cross_corr_exact(&mat[s..s + len], &mat[m..m + len])
                    } else {
                        cross_corr(mat, &pre, s, m, len)
                    };
                }
                let mut max_i: i64 = -1;
                let mut max = 0.0f64;
                for i in 1..(t0max_f - t0min_f - 1).max(1) {
                    let iu = i as usize;
                    if cc[iu - 1] < cc[iu] && cc[iu] > cc[iu + 1] && (max_i == -1 || cc[iu] > max) {
                        max_i = i;
                        max = cc[iu];
                    }
                }
                pp = if max_i == -1 { t0f } else { t0min_f + max_i };
                let os = start;
                if max_i >= 0 {
                    start += pp;
                    let (osu, su, ppu) = (os as usize, start as usize, pp as usize);
                    let (ad, a0, a1) = amplitude_diff(&mat[osu..osu + ppu], &mat[su..su + ppu]);
                    periods.push(os);
                    for i in 0..t0f as usize {
                        avg_wf[i] += mat[osu + i];
                    }
                    let mi = max_i as usize;
                    let (xq, cci) = quad_from_3pts(
                        (max_i - 1) as f64,
                        cc[mi - 1],
                        max_i as f64,
                        cc[mi],
                        (max_i + 1) as f64,
                        cc[mi + 1],
                    );
                    let max_id = (t0min_f as f64 + xq).abs() * t;
                    if min_cc == -2.0 || min_cc > cci as f32 {
                        min_cc = cci as f32;
                    }
                    // openSMILE compares the double `ccI` with the f32 threshold.
                    let accept = if self.broken_thresh {
                        cci > f64::from(min_cc)
                    } else {
                        cci as f32 > THRESH_CC
                    };
                    if accept {
                        let period = max_id as f32;
                        avg_period += period;
                        n_periods += 1.0;
                        if self.last_t0 > 0.0 {
                            let diff = (self.last_t0 - period).abs();
                            jit_local += diff;
                            n_local += 1.0;
                            if self.last_diff > 0.0 {
                                jit_ddp += (self.last_diff - diff).abs();
                                n_ddp += 1.0;
                            }
                            self.last_diff = diff;
                        }
                        self.last_t0 = period;
                        avg_amp += (a0 + a1) / 2.0;
                        avg_amp_diff += ad;
                    }
                } else {
                    start += t0f;
                }
                if start < to_read0 - 1 {
                    last_period = start;
                }
            }
            periods.push(start);
            let num_periods = periods.len();
            let mut eh = 0.0f32;
            let mut i = 0i64;
            while i < t0f && start + i < nt {
                let iu = i as usize;
                avg_wf[iu] += mat[(start + i) as usize];
                avg_wf[iu] /= num_periods as f32;
                if i > 2 && i < t0f - 2 {
                    eh += avg_wf[iu] * avg_wf[iu];
                }
                i += 1;
            }
            if t0f - 4 > 0 {
                eh /= (t0f - 4) as f32;
            }
            eh = eh.sqrt();
            periods.push(if pp > 0 { start + pp } else { 0 });
            let mut en = 0.0f32;
            let mut n_en = 0usize;
            for k in 0..num_periods {
                let mut n = 2usize;
                let end = periods[k + 1].min(periods[k] + t0f) - 2;
                let mut j = periods[k] + 2;
                while j < end && j < nt && n < avg_wf.len() {
                    let d = mat[j as usize] - avg_wf[n];
                    n += 1;
                    en += d * d;
                    n_en += 1;
                    j += 1;
                }
            }
            if n_en > 0 {
                en /= n_en as f32;
            }
            en = en.sqrt();
            if en > 0.0 {
                let hnr = eh / en;
                lg_hnr = if hnr > 0.0 {
                    (20.0 * f64::from(hnr).ln() / 10.0f64.ln()) as f32
                } else {
                    LG_HNR_FLOOR
                };
            }
            self.last_mis = to_read0 - last_period;
        } else {
            last_period = to_read0;
            self.last_mis = 0;
            self.last_t0 = 0.0;
            self.last_diff = 0.0;
            self.last_jitter_ddp = 0.0;
            self.last_jitter_local = 0.0;
            self.last_shimmer = 0.0;
            lg_hnr = LG_HNR_FLOOR;
        }
        self.last_idx += last_period;

        let voiced = f0 > 0.0;
        if n_periods > 0.0 && n_local > 0.0 && voiced {
            self.last_jitter_local = (jit_local / n_local) / (avg_period / n_periods);
        }
        out.jitter_local = if voiced && (n_periods == 0.0 || n_local > 0.0) {
            self.last_jitter_local = self.last_jitter_local.min(1.0);
            self.last_jitter_local
        } else {
            0.0
        };
        if n_periods > 0.0 && n_ddp > 0.0 && voiced {
            self.last_jitter_ddp = (jit_ddp / n_ddp) / (avg_period / n_periods);
        }
        out.jitter_ddp = if voiced && (n_periods == 0.0 || n_ddp > 0.0) {
            self.last_jitter_ddp = self.last_jitter_ddp.min(1.0);
            self.last_jitter_ddp
        } else {
            0.0
        };
        if n_periods > 0.0 && voiced {
            self.last_shimmer = if avg_amp > 0.0 {
                avg_amp_diff / avg_amp
            } else {
                0.0
            };
        }
        out.shimmer_local = if voiced {
            self.last_shimmer = self.last_shimmer.min(1.0);
            self.last_shimmer
        } else {
            0.0
        };
        out.log_hnr = lg_hnr.max(LG_HNR_FLOOR);
        out
    }
}
