//! Time-domain descriptors: RMS energy (`cEnergy`, `rms = 1`, on the raw 20 ms frame) and the
//! zero-crossing rate (`cMZcr`, on the raw 60 ms frame).

/// `sqrt(Σx²/N)` of `frame` (shape `[N]`).
pub fn rms(frame: &[f32]) -> f32 {
    if frame.is_empty() {
        return 0.0;
    }
    let mut d = 0.0f64;
    for &x in frame {
        d += f64::from(x * x);
    }
    (d / frame.len() as f64).sqrt() as f32
}

/// Zero crossings per sample of `frame` (shape `[N]`), counted as openSMILE does: sample `i`
/// (for `1 ≤ i < N-1`) counts when `x[i-1]·x[i] < 0`, or when `x[i] = 0` and
/// `x[i-1]·x[i+1] ≤ 0`; the count is divided by `N`.
pub fn zcr(frame: &[f32]) -> f32 {
    let n = frame.len();
    if n < 3 {
        return 0.0;
    }
    let mut nzc = 0.0f32;
    for i in 1..n - 1 {
        let (a, b, c) = (frame[i - 1], frame[i], frame[i + 1]);
        if (a * c <= 0.0 && b == 0.0) || a * b < 0.0 {
            nzc += 1.0;
        }
    }
    nzc / n as f32
}
