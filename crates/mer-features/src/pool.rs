//! STFT-rate frames → the 2 Hz rate of DEAM's annotations.
//!
//! **Rule.** 2 Hz frame `k` is the mean of the STFT frames whose centres fall in
//! `[0.5·k, 0.5·k + 0.5)` seconds. With centred frames (frame `t` centred at `t·hop/sr`) and
//! hop 1024 at 44.1 kHz, each 2 Hz frame averages 21 or 22 STFT frames. A file of `d` seconds
//! gives `⌊(last centre)/0.5⌋ + 1` frames: `⌈d / 0.5⌉`, plus one when the last frame centre falls
//! exactly on a window boundary (e.g. exactly 10 s at 16 kHz, hop 256 → 21 frames, the last one
//! made of that single, half-padded frame).
//!
//! **Annotations.** DEAM's `sample_15000ms` column is the rating at t = 15.0 s; `mer` pairs the
//! rating at `t` with the frame covering `[t, t + 0.5)`, i.e. frame `2t`: the 60 columns
//! `sample_15000ms … sample_44500ms` of a 45 s clip are frames 30 … 89.

use crate::Matrix;

/// Seconds between two 2 Hz frames.
pub const FRAME_HOP_S: f64 = 0.5;

/// The 2 Hz window of STFT frame `t` (exact integer arithmetic: `⌊t·hop·2 / sr⌋`).
pub fn window_of_frame(t: usize, hop_length: usize, sample_rate: u32) -> usize {
    ((t as u128 * hop_length as u128 * 2) / sample_rate as u128) as usize
}

/// Mean-pools STFT-rate frames `[frames, n]` (hop `hop_length` samples at `sample_rate`) to
/// 2 Hz frames `[windows, n]` (see the module doc for the rule). `hop_length` must not exceed
/// half a second so that no window is empty.
pub fn pool_2hz(frames: &Matrix, hop_length: usize, sample_rate: u32) -> Matrix {
    assert!(
        2 * hop_length <= sample_rate as usize,
        "pool_2hz: a hop of {hop_length} samples at {sample_rate} Hz is longer than 0.5 s"
    );
    if frames.rows == 0 {
        return Matrix::new(0, frames.cols, Vec::new());
    }
    let n_windows = window_of_frame(frames.rows - 1, hop_length, sample_rate) + 1;
    let mut sums = vec![0.0f64; n_windows * frames.cols];
    let mut counts = vec![0usize; n_windows];
    for (t, row) in frames.iter_rows().enumerate() {
        let k = window_of_frame(t, hop_length, sample_rate);
        counts[k] += 1;
        for (s, &v) in sums[k * frames.cols..(k + 1) * frames.cols]
            .iter_mut()
            .zip(row)
        {
            *s += v as f64;
        }
    }
    let data = sums
        .chunks(frames.cols)
        .zip(&counts)
        .flat_map(|(s, &c)| s.iter().map(move |&v| (v / c as f64) as f32))
        .collect();
    Matrix::new(n_windows, frames.cols, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 45 s DEAM clip at 44.1 kHz/hop 1024 has 1939 STFT frames → 90 windows; window 30
    /// (the annotation at 15.0 s) averages the frames centred in [15.0, 15.5) s.
    #[test]
    fn deam_clip_alignment() {
        let n_samples = 45 * 44_100;
        let rows = 1 + n_samples / 1024;
        let m = Matrix::new(rows, 1, (0..rows).map(|t| t as f32).collect());
        let p = pool_2hz(&m, 1024, 44_100);
        assert_eq!(p.rows, 90);
        let in_window: Vec<usize> = (0..rows)
            .filter(|&t| {
                let c = t as f64 * 1024.0 / 44_100.0;
                (15.0..15.5).contains(&c)
            })
            .collect();
        let mean = in_window.iter().sum::<usize>() as f32 / in_window.len() as f32;
        assert!((p.row(30)[0] - mean).abs() < 1e-4);
        assert!(in_window.len() == 21 || in_window.len() == 22);
    }
}
