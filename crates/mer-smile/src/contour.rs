//! Contour post-processing of LLD tracks, as openSMILE's window processors do it: the
//! 3-frame moving average (`cContourSmoother`, `smaWin = 3`) and the delta regression
//! (`cDeltaRegression`, `deltawin = 2`). Frames before the first and after the last are the
//! first and last frame repeated (openSMILE's default matrix padding).

/// Reads `x[i]` with edge frames repeated.
fn at(x: &[f32], i: isize) -> f32 {
    let n = x.len() as isize;
    x[i.clamp(0, n - 1) as usize]
}

/// 3-frame moving average of `x` (shape `[frames]`). With `no_zero`, zeros are gaps: a zero
/// frame stays zero and zero neighbours are left out of the mean (`noZeroSma = 1`, used for
/// the voicing-related tracks).
pub fn sma3(x: &[f32], no_zero: bool) -> Vec<f32> {
    let mut y = vec![0.0f32; x.len()];
    for (n, yn) in y.iter_mut().enumerate() {
        let n = n as isize;
        let c = at(x, n);
        if no_zero {
            if c != 0.0 {
                let mut s = c;
                let mut cnt = 1.0f32;
                for v in [at(x, n - 1), at(x, n + 1)] {
                    if v != 0.0 {
                        s += v;
                        cnt += 1.0;
                    }
                }
                *yn = s / cnt;
            }
        } else {
            *yn = (c + at(x, n - 1) + at(x, n + 1)) / 3.0;
        }
    }
    y
}

/// Delta regression over ±2 frames: `Σ_i i (x[n+i] - x[n-i]) / (2 Σ_i i²)` of `x`
/// (shape `[frames]`).
pub fn delta(x: &[f32]) -> Vec<f32> {
    (0..x.len() as isize)
        .map(|n| {
            let mut num = 0.0f32;
            for i in 1..=2isize {
                num += i as f32 * (at(x, n + i) - at(x, n - i));
            }
            num / 10.0
        })
        .collect()
}

/// Delta regression "only in segments" (`onlyInSegments = 1`, `zeroSegBound = 1`), as
/// openSMILE 3.0 computes it for the voicing tracks: a term is used only when both its frames
/// are non-zero, and — reproducing openSMILE — the normaliser is never reset: it starts at
/// `2 Σ i² = 10` and grows by `i²` for every term used, over all frames and over all tracks
/// processed by the same component in frame-major order. `tracks` is `[track][frame]`.
pub fn delta_in_segments(tracks: &[Vec<f32>]) -> Vec<Vec<f32>> {
    let n_frames = tracks.first().map_or(0, Vec::len);
    let mut out = vec![vec![0.0f32; n_frames]; tracks.len()];
    let mut norm = 10.0f32;
    for n in 0..n_frames as isize {
        for (x, y) in tracks.iter().zip(out.iter_mut()) {
            let mut num = 0.0f32;
            for i in 1..=2isize {
                let (a, b) = (at(x, n + i), at(x, n - i));
                if a != 0.0 && b != 0.0 && !a.is_nan() && !b.is_nan() {
                    num += i as f32 * (a - b);
                    norm += (i * i) as f32;
                }
            }
            y[n as usize] = if norm != 0.0 { num / norm } else { 0.0 };
        }
    }
    out
}
