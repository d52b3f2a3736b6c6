//! F0 and voicing probability as openSMILE's ComParE chain computes them:
//! `cSpecScale` (60 ms Gaussian-windowed magnitude spectrum → peak enhancement → 3-tap
//! smoothing → natural cubic spline onto a log2 (octave) axis from 25 Hz to Nyquist → auditory
//! weighting), `cPitchShs` (sub-harmonic summation of Hermes (1988), 15 harmonics, compression
//! 0.85, 6 greedy candidates), `cPitchBase` (candidates outside 52–620 Hz dropped, best score
//! first), `cPitchSmootherViterbi` (Viterbi path over the candidates plus an unvoiced state,
//! 30-frame buffer) and `cValbasedSelector` (F0 and voicing zeroed where the RMS of the
//! windowed 60 ms frame is not above 0.001).
//!
//! openSMILE quirks reproduced on purpose (they change values): `setWeights` copies `wTvv`
//! into `wTvvd`; the unvoiced→unvoiced transition costs 1.0 (its `i == j == n-1` test never
//! holds); `lastChange` is shared by all transition evaluations in evaluation order.

use crate::frame::{Framing, MagSpectrum};

const MIN_F: f64 = 25.0;
const MIN_PITCH: f32 = 52.0;
const MAX_PITCH: f32 = 620.0;
const N_CANDIDATES: usize = 6;
const N_HARMONICS: usize = 15;
const COMPRESSION: f32 = 0.85;
const VOICING_CUTOFF: f32 = 0.7;
const ENERGY_THRESHOLD: f32 = 0.001;
const VITERBI_BUFLEN: usize = 30;
const W_LOCAL: f64 = 2.0;
const W_TVV: f64 = 10.0;
const W_TVVD: f64 = 10.0; // = wTvv (openSMILE setWeights), config says 5.0
const W_TVUV: f64 = 10.0;
const W_THR: f64 = 4.0;
const W_RANGE: f64 = 1.0;

/// `smileMath_quadFrom3pts`: vertex (x, y) of the parabola through three points, falling back
/// to the largest point.
pub fn quad_from_3pts(x1: f64, y1: f64, x2: f64, y2: f64, x3: f64, y3: f64) -> (f64, f64) {
    let den =
        x1 * x1 * x2 + x2 * x2 * x3 + x3 * x3 * x1 - x3 * x3 * x2 - x2 * x2 * x1 - x1 * x1 * x3;
    if den != 0.0 {
        let a = (y1 * x2 + y2 * x3 + y3 * x1 - y3 * x2 - y2 * x1 - y1 * x3) / den;
        let b = (x1 * x1 * y2 + x2 * x2 * y3 + x3 * x3 * y1
            - x3 * x3 * y2
            - x2 * x2 * y1
            - x1 * x1 * y3)
            / den;
        let c = (x1 * x1 * x2 * y3 + x2 * x2 * x3 * y1 + x3 * x3 * x1 * y2
            - x3 * x3 * x2 * y1
            - x2 * x2 * x1 * y3
            - x1 * x1 * x3 * y2)
            / den;
        if a != 0.0 {
            let x = -b / (2.0 * a);
            return (x, c - a * x * x);
        }
    }
    if y1 > y2 && y1 > y3 {
        (x1, y1)
    } else if y2 > y1 && y2 > y3 {
        (x2, y2)
    } else if y3 > y1 && y3 > y2 {
        (x3, y3)
    } else {
        (x1, y1)
    }
}

/// Per-frame pitch candidates as `cPitchBase` outputs them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Candidates {
    pub f0: [f32; N_CANDIDATES],
    pub voicing: [f32; N_CANDIDATES],
    pub score: [f32; N_CANDIDATES],
}

/// Octave-scale spectrum + SHS pitch detector for one frame geometry.
pub struct ShsPitch {
    fft: MagSpectrum,
    mag: Vec<f32>,
    n: usize,
    // spline: precomputed sigma/diff1/diff2 of the log2 knots, evaluation points
    sigma: Vec<f64>,
    diff1: Vec<f64>,
    diff2: Vec<f64>,
    eval_k: Vec<usize>,
    eval_c: Vec<[f64; 3]>,
    audw: Vec<f64>,
    y: Vec<f64>,
    y2: Vec<f64>,
    u: Vec<f64>,
    oct: Vec<f32>,
    ss: Vec<f32>,
    shifts: Vec<usize>,
    fmint: f32,
    fstept: f32,
}

impl ShsPitch {
    /// For 60 ms frames windowed with `window` (shape `[fr.long]`).
    pub fn new(fr: &Framing, window: Vec<f32>) -> Self {
        let fft = MagSpectrum::new(window);
        let n = fft.n_bins();
        let n_fft = (n - 1) * 2;
        let t = 1.0 / f64::from(fr.sample_rate);
        // frameSizeSec of the FFT level, stored as float by cSpecScale.
        let fs_sec = ((fr.long as f64 * t) * (n_fft as f64 / fr.long as f64)) as f32;
        let delta_f = 1.0 / f64::from(fs_sec);
        let max_f = delta_f * (n - 1) as f64;
        let fmin_t = MIN_F.log2();
        let fmax_t = max_f.log2();
        let delta_f_t = (fmax_t - fmin_t) / (n - 1) as f64;
        let mut f_t = vec![0.0f64; n];
        for (i, f) in f_t.iter_mut().enumerate().skip(1) {
            *f = (i as f64 * delta_f).log2();
        }
        f_t[0] = 2.0 * f_t[1] - f_t[2];
        let mut sigma = vec![0.0; n];
        let mut diff1 = vec![0.0; n];
        let mut diff2 = vec![0.0; n];
        for i in 1..n - 1 {
            sigma[i] = (f_t[i] - f_t[i - 1]) / (f_t[i + 1] - f_t[i - 1]);
            diff1[i] = (f_t[i + 1] - f_t[i]) * (f_t[i + 1] - f_t[i - 1]);
            diff2[i] = (f_t[i] - f_t[i - 1]) * (f_t[i + 1] - f_t[i - 1]);
        }
        let mut eval_k = Vec::with_capacity(n);
        let mut eval_c = Vec::with_capacity(n);
        let mut kupper = 1usize;
        for i in 0..n {
            let x = fmin_t + i as f64 * delta_f_t;
            while kupper < n - 1 && f_t[kupper] < x {
                kupper += 1;
            }
            let klower = kupper - 1;
            let range = f_t[kupper] - f_t[klower];
            let a = (f_t[kupper] - x) / range;
            let b = 1.0 - a;
            let r2 = range * range / 6.0;
            eval_k.push(klower);
            eval_c.push([a, (a * a * a - a) * r2, (b * b * b - b) * r2]);
        }
        let n_octaves = (max_f / MIN_F).ln() / 2.0f64.ln();
        let ppo = n as f64 / n_octaves;
        let atan_s = ppo * (65.0f64 / 50.0).log2() - 1.0;
        let audw = (0..n)
            .map(|i| 0.5 + (3.0 * (i as f64 + 1.0 - atan_s) / ppo).atan() / std::f64::consts::PI)
            .collect();
        // cPitchShs reads these back from level metadata as floats.
        let ppo_f = ppo as f32;
        let fmint = fmin_t as f32;
        let fmaxt = fmax_t as f32;
        let fstept = (fmaxt - fmint) / (n - 1) as f32;
        let shifts = (2..=N_HARMONICS)
            .map(|h| (f64::from(ppo_f) * (h as f64).log2()).floor() as usize)
            .collect();
        Self {
            fft,
            mag: vec![0.0; n],
            n,
            sigma,
            diff1,
            diff2,
            eval_k,
            eval_c,
            audw,
            y: vec![0.0; n],
            y2: vec![0.0; n],
            u: vec![0.0; n],
            oct: vec![0.0; n],
            ss: vec![0.0; n],
            shifts,
            fmint,
            fstept,
        }
    }

    /// Magnitude spectrum → octave-scale spectrum (`cSpecScale`), into `self.oct`.
    fn spec_scale(&mut self) {
        let n = self.n;
        for (y, &m) in self.y.iter_mut().zip(&self.mag) {
            *y = f64::from(m);
        }
        enhance_shs(&mut self.y);
        smooth_shs(&mut self.y);
        // Natural cubic spline second derivatives (smileMath_cspline).
        let (y, y2, u) = (&self.y, &mut self.y2, &mut self.u);
        y2[0] = 0.0;
        u[0] = 0.0;
        for i in 1..n - 1 {
            let sig = self.sigma[i];
            let p = 1.0 / (sig * y2[i - 1] + 2.0);
            y2[i] = (sig - 1.0) * p;
            let ut = (y[i + 1] - y[i]) / self.diff1[i] - (y[i] - y[i - 1]) / self.diff2[i];
            u[i] = p * (6.0 * ut - sig * u[i - 1]);
        }
        y2[n - 1] = 0.0;
        for j in (0..n - 1).rev() {
            y2[j] = y2[j] * y2[j + 1] + u[j];
        }
        for i in 0..n {
            let k = self.eval_k[i];
            let [a, c, d] = self.eval_c[i];
            let v = (a * y[k] + (1.0 - a) * y[k + 1] + c * y2[k] + d * y2[k + 1]) as f32;
            self.oct[i] = if v > 0.0 {
                (f64::from(v) * self.audw[i]) as f32
            } else {
                0.0
            };
        }
    }

    /// One 60 ms frame `frame` (shape `[fr.long]`) → (RMS of the windowed frame, candidates).
    pub fn detect(&mut self, frame: &[f32]) -> (f32, Candidates) {
        let windowed = self.fft.compute(frame, &mut self.mag);
        let e60 = crate::lld::energy::rms(windowed);
        self.spec_scale();
        (e60, self.shs())
    }

    fn shs(&mut self) -> Candidates {
        let n = self.n;
        let inp = &self.oct;
        let ss = &mut self.ss;
        ss.copy_from_slice(inp);
        let mut scale = COMPRESSION;
        for &shift in &self.shifts {
            for j in shift..n {
                ss[j - shift] += inp[j] * scale;
            }
            scale *= COMPRESSION;
        }
        for v in ss.iter_mut() {
            *v /= N_HARMONICS as f32;
            if *v < 0.0 {
                *v = 0.0;
            }
        }
        let mut c = Candidates::default();
        let mut idx = [0.0f32; N_CANDIDATES];
        let mut n_cand = 0usize;
        let mut ss_mean = f64::from(ss[0]);
        let mut i = 1;
        while i < n - 1 {
            if ss[i - 1] < ss[i] && ss[i] > ss[i + 1] {
                for j in 0..N_CANDIDATES {
                    if c.score[j] == 0.0 || c.score[j] < ss[i] {
                        for jj in (j + 1..N_CANDIDATES).rev() {
                            c.score[jj] = c.score[jj - 1];
                            idx[jj] = idx[jj - 1];
                        }
                        idx[j] = i as f32;
                        c.score[j] = ss[i];
                        if n_cand < N_CANDIDATES {
                            n_cand += 1;
                        }
                        break;
                    }
                }
            }
            ss_mean += f64::from(ss[i]);
            i += 1;
        }
        ss_mean = (ss_mean + f64::from(ss[i])) / n as f64;
        for k in 0..n_cand {
            let j = idx[k] as usize;
            let f1 = idx[k] * self.fstept + self.fmint;
            let f2 = (idx[k] + 1.0) * self.fstept + self.fmint;
            let f0 = (idx[k] - 1.0) * self.fstept + self.fmint;
            let (fx, sc) = quad_from_3pts(
                f64::from(f0),
                f64::from(ss[j - 1]),
                f64::from(f1),
                f64::from(ss[j]),
                f64::from(f2),
                f64::from(ss[j + 1]),
            );
            c.f0[k] = (fx * 2.0f64.ln()).exp() as f32;
            c.score[k] = sc as f32;
            c.voicing[k] = if sc > 0.0 && sc > ss_mean {
                (1.0 - ss_mean / sc) as f32
            } else {
                0.0
            };
        }
        // cPitchBase: drop candidates outside `[minPitch, maxPitch]`, best score first.
        let mut nc = n_cand as i64;
        let mut i = 0i64;
        while (i as usize) < N_CANDIDATES && nc > 0 {
            let iu = i as usize;
            if c.f0[iu] > MAX_PITCH || c.f0[iu] < MIN_PITCH {
                let orig = c.f0[iu];
                for j in iu + 1..N_CANDIDATES {
                    c.f0[j - 1] = c.f0[j];
                    c.voicing[j - 1] = c.voicing[j];
                    c.score[j - 1] = c.score[j];
                }
                c.f0[N_CANDIDATES - 1] = 0.0;
                c.voicing[N_CANDIDATES - 1] = 0.0;
                c.score[N_CANDIDATES - 1] = 0.0;
                if orig > 0.0 {
                    nc -= 1;
                    i -= 1;
                }
            }
            i += 1;
        }
        let mut max_i = 0;
        for k in 1..N_CANDIDATES {
            if c.score[k] > c.score[max_i] {
                max_i = k;
            }
        }
        if max_i > 0 {
            c.f0.swap(0, max_i);
            c.voicing.swap(0, max_i);
            c.score.swap(0, max_i);
        }
        c
    }
}

/// `smileDsp_specEnhanceSHS`: zero everything more than 2 bins away from local maxima.
fn enhance_shs(a: &mut [f64]) {
    let n = a.len();
    if n < 2 {
        return;
    }
    let mut pos = Vec::with_capacity(n / 2 + 2);
    if a[0] > a[1] {
        pos.push(0usize);
    }
    for i in 1..n - 1 {
        if a[i] > a[i - 1] && a[i] >= a[i + 1] {
            pos.push(i);
        }
    }
    if a[n - 1] > a[n - 2] {
        pos.push(n - 1);
    }
    if pos.len() == 1 {
        // openSMILE reads posmax[1] (zero from calloc) here.
        for v in a.iter_mut().skip(3) {
            *v = 0.0;
        }
    } else {
        for w in pos.windows(2) {
            let (lo, hi) = (w[0] + 3, w[1] as i64 - 3);
            let mut j = lo as i64;
            while j <= hi {
                a[j as usize] = 0.0;
                j += 1;
            }
        }
    }
}

/// `smileDsp_specSmoothSHS`: `(a[i-1] + 2a[i] + a[i+1]) / 4`, last bin untouched.
fn smooth_shs(a: &mut [f64]) {
    let mut aim1 = 0.0;
    for i in 0..a.len().saturating_sub(1) {
        let ai = a[i];
        a[i] = (aim1 + 2.0 * ai + a[i + 1]) / 4.0;
        aim1 = ai;
    }
}

fn f_weight(f: f32) -> f64 {
    let f = f64::from(f);
    if f > 0.0 && f < 100.0 {
        -(1.0 / 100.0) * f + 1.0
    } else if (100.0..350.0).contains(&f) {
        0.0
    } else if (350.0..600.0).contains(&f) {
        (f - 350.0) / 250.0
    } else if f >= 600.0 {
        1.2
    } else {
        2.0
    }
}

/// Offline equivalent of openSMILE's incremental Viterbi smoother (same convergence and forced
/// decisions with a 30-frame buffer). Returns per frame (F0final, voicingFinalUnclipped).
pub fn viterbi_smooth(frames: &[Candidates]) -> Vec<(f32, f32)> {
    let ns = N_CANDIDATES + 1;
    let nt = frames.len();
    let buflen = VITERBI_BUFLEN;
    let local = |i: usize, c: &Candidates| -> f64 {
        if i < ns - 1 {
            let pv = f64::from(c.voicing[i]).clamp(0.01, 1.0);
            let thr = if pv < f64::from(VOICING_CUTOFF) {
                W_THR
            } else {
                0.0
            };
            (-pv.ln() + thr) * W_LOCAL + f_weight(c.f0[i]) * W_RANGE
        } else {
            // openSMILE also scans slot n-1 of its frame (voicingClip), which is ≥ the cutoff
            // only when candidate 0 is.
            let flag = if c.voicing.iter().any(|&v| v >= VOICING_CUTOFF) {
                W_THR
            } else {
                0.0
            };
            W_LOCAL * flag
        }
    };
    let mut last_change = 1.0f64;
    let mut trans = |i: usize, j: usize, prev: &Candidates, cur: &Candidates| -> f64 {
        if i < ns - 1 && j < ns - 1 {
            let (f0, f1) = (prev.f0[j], cur.f0[i]);
            if f0 == 0.0 || f1 == 0.0 {
                return 999.0;
            }
            let r = f64::from(f1 / f0).ln();
            let x = W_TVV * r.abs() + W_TVVD * (r - last_change).abs();
            last_change = r;
            return x;
        }
        if (i == ns - 1) != (j == ns - 1) {
            last_change = 0.0;
            return W_TVUV;
        }
        1.0
    };
    let mut paths = vec![vec![0usize; ns * buflen]; 2];
    let mut path_buf = 0usize;
    let mut costs = vec![0.0f64; ns];
    let mut costs_new = vec![0.0f64; ns];
    let mut best = vec![0usize; nt];
    let mut conv: i64 = -1;
    for (p_idx, c) in frames.iter().enumerate() {
        if p_idx == 0 {
            for i in 0..ns {
                costs[i] = local(i, c);
                paths[path_buf][i * buflen] = i;
            }
        } else {
            let prev = &frames[p_idx - 1];
            let nb = (path_buf + 1) % 2;
            for i in 0..ns {
                let mut min_state = 0;
                let mut min_cost = trans(i, 0, prev, c) + costs[0];
                for j in 1..ns {
                    let v = trans(i, j, prev, c) + costs[j];
                    if v < min_cost {
                        min_state = j;
                        min_cost = v;
                    }
                }
                costs_new[i] = min_cost + local(i, c);
                let (src, dst) = if nb == 0 {
                    let (a, b) = paths.split_at_mut(1);
                    (&b[0], &mut a[0])
                } else {
                    let (a, b) = paths.split_at_mut(1);
                    (&a[0], &mut b[0])
                };
                dst[i * buflen..(i + 1) * buflen]
                    .copy_from_slice(&src[min_state * buflen..(min_state + 1) * buflen]);
                dst[i * buflen + p_idx % buflen] = i;
            }
            std::mem::swap(&mut costs, &mut costs_new);
            path_buf = nb;
        }
        let path_idx = p_idx as i64 + 1;
        if path_idx - conv > buflen as i64 {
            let mut ms = 0;
            for i in 1..ns {
                if costs[i] < costs[ms] {
                    ms = i;
                }
            }
            conv += 1;
            best[conv as usize] = paths[path_buf][ms * buflen + conv as usize % buflen];
        } else {
            let mut n = conv + 1;
            while n < path_idx {
                let x = paths[path_buf][n as usize % buflen];
                if (1..ns).any(|i| paths[path_buf][i * buflen + n as usize % buflen] != x) {
                    break;
                }
                conv += 1;
                best[conv as usize] = x;
                n += 1;
            }
        }
    }
    // Flush at end of input.
    let mut ms = 0;
    for i in 1..ns {
        if costs[i] < costs[ms] {
            ms = i;
        }
    }
    while conv + 1 < nt as i64 {
        conv += 1;
        best[conv as usize] = paths[path_buf][ms * buflen + conv as usize % buflen];
    }
    frames
        .iter()
        .zip(&best)
        .map(|(c, &s)| {
            if s < ns - 1 {
                (c.f0[s], c.voicing[s])
            } else {
                (0.0, c.voicing[0])
            }
        })
        .collect()
}

/// F0final and voicingFinalUnclipped per frame (unsmoothed), after the energy gate.
pub fn f0_and_voicing(energy: &[f32], cands: &[Candidates]) -> (Vec<f32>, Vec<f32>) {
    let sm = viterbi_smooth(cands);
    let mut f0 = Vec::with_capacity(sm.len());
    let mut vp = Vec::with_capacity(sm.len());
    for (&e, &(f, v)) in energy.iter().zip(&sm) {
        if e > ENERGY_THRESHOLD {
            f0.push(f);
            vp.push(v);
        } else {
            f0.push(0.0);
            vp.push(0.0);
        }
    }
    (f0, vp)
}
