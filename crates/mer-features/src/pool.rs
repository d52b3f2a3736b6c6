//! STFT-rate frames → the 2 Hz rate of DEAM's annotations.
//!
//! **Rule.** 2 Hz frame `k` covers `[0.5·k, 0.5·k + 0.5)` seconds of the audio: it is the mean
//! of the centred STFT frames (frame `t` centred on sample `t·hop`) whose centre is a sample of
//! the audio (`t·hop < n_samples`) and falls in that half second. With hop 1024 at 44.1 kHz,
//! each 2 Hz frame averages 21 or 22 STFT frames.
//!
//! **Count.** Audio of `n` samples (`d = n / sr` seconds) gives `⌈d / 0.5⌉` frames, one per
//! half second the audio reaches into, except that a last half second holding less than one
//! hop of audio and no frame centre is dropped. An interval of exactly 2 s gives 4 frames,
//! not 5: the STFT's last frame, centred exactly on the end of the audio (`n` a multiple of
//! the hop), opens no frame of its own. This is the count librosa-based references imply
//! (`scripts/librosa_reference.py`) and DEAM's: a 45 s clip has frames 0–89, its annotations
//! `sample_15000ms … sample_44500ms` are frames 30–89; DEAM's MP3s run a few tens of
//! milliseconds past 45 s, so they give a 91st frame that no annotation uses.
//!
//! **Annotations.** DEAM's `sample_15000ms` column is the rating at t = 15.0 s; `mer` pairs the
//! rating at `t` with the frame covering `[t, t + 0.5)`, i.e. frame `2t`.

use crate::Matrix;

/// Seconds between two 2 Hz frames.
pub const FRAME_HOP_S: f64 = 0.5;

/// The 2 Hz window of STFT frame `t` (exact integer arithmetic: `⌊t·hop·2 / sr⌋`).
pub fn window_of_frame(t: usize, hop_length: usize, sample_rate: u32) -> usize {
    ((t as u128 * hop_length as u128 * 2) / sample_rate as u128) as usize
}

/// The centred STFT frames of `n_samples` samples that [`pool_2hz`] reads: those whose centre
/// is a sample of the audio, `t·hop < n_samples`, i.e. `⌈n_samples / hop⌉` of the
/// `1 + ⌊n_samples / hop⌋` the STFT gives (one fewer exactly when the hop divides the length).
pub fn frames_on_audio(n_samples: u64, hop_length: usize) -> usize {
    n_samples.div_ceil(hop_length as u64) as usize
}

/// Number of 2 Hz frames of `n_samples` samples at `sample_rate` analysed with hop
/// `hop_length` (see the module doc): the window of the last frame centred on the audio, plus
/// one; 0 for no samples.
pub fn frames_2hz(n_samples: u64, hop_length: usize, sample_rate: u32) -> usize {
    match frames_on_audio(n_samples, hop_length) {
        0 => 0,
        n => window_of_frame(n - 1, hop_length, sample_rate) + 1,
    }
}

/// Mean-pools centred STFT-rate frames `[frames, n]` of `n_samples` samples (hop `hop_length`
/// samples at `sample_rate`) to 2 Hz frames `[frames_2hz(..), n]`; see the module doc for the
/// rule. Frames beyond those centred on the audio are ignored.
///
/// # Panics
/// If `hop_length` exceeds half a second (a window could be empty; `MelConfig::validate`
/// refuses such settings), or if `frames` has fewer rows than frames centred on the audio
/// (they do not come from `n_samples` samples).
pub fn pool_2hz(frames: &Matrix, n_samples: u64, hop_length: usize, sample_rate: u32) -> Matrix {
    assert!(
        2 * hop_length as u64 <= u64::from(sample_rate),
        "pool_2hz: a hop of {hop_length} samples at {sample_rate} Hz is longer than 0.5 s"
    );
    let used = frames_on_audio(n_samples, hop_length);
    assert!(
        frames.rows >= used,
        "pool_2hz: {} STFT frames, but {n_samples} samples at hop {hop_length} centre {used}",
        frames.rows
    );
    let n_windows = frames_2hz(n_samples, hop_length, sample_rate);
    let mut sums = vec![0.0f64; n_windows * frames.cols];
    let mut counts = vec![0usize; n_windows];
    for (t, row) in frames.iter_rows().take(used).enumerate() {
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
        .chunks(frames.cols.max(1))
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
        let p = pool_2hz(&m, n_samples as u64, 1024, 44_100);
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

    /// An exact number of half seconds gives exactly that many frames, also when the STFT's
    /// last frame is centred on the end (16 kHz, hop 256: 2 s = 32000 samples = 125 hops);
    /// one sample more opens a frame, as does less than a hop more when a centre lands in it.
    #[test]
    fn whole_half_seconds_give_whole_frames() {
        for &(sr, hop) in &[(16_000u32, 256usize), (44_100, 1024), (22_050, 512)] {
            for halves in [1u64, 4, 20, 90] {
                let n = halves * u64::from(sr) / 2;
                let rows = 1 + (n as usize) / hop;
                let m = Matrix::new(rows, 1, vec![1.0; rows]);
                assert_eq!(
                    pool_2hz(&m, n, hop, sr).rows,
                    halves as usize,
                    "{sr} {hop} {n}"
                );
                assert_eq!(frames_2hz(n, hop, sr), halves as usize);
            }
        }
        // 16 kHz, hop 256: the frame centred on sample 32000 starts window 4 once the audio
        // has a sample there.
        assert_eq!(frames_2hz(32_001, 256, 16_000), 5);
        // 44.1 kHz, hop 1024: 10 samples past 0.5 s hold no frame centre (last centre 21504).
        assert_eq!(frames_2hz(22_060, 1024, 44_100), 1);
        assert_eq!(frames_2hz(0, 1024, 44_100), 0);
        let empty = Matrix::new(1, 3, vec![0.0; 3]);
        assert_eq!(pool_2hz(&empty, 0, 1024, 44_100).rows, 0);
    }

    /// Every window of any length has at least one frame (no NaN from an empty mean), and the
    /// count is the documented one.
    #[test]
    fn no_window_is_empty() {
        for &(sr, hop) in &[(16_000u32, 256usize), (44_100, 1024), (8_000, 4_000)] {
            for n in (0..3 * u64::from(sr)).step_by(97) {
                let rows = 1 + (n as usize) / hop;
                let m = Matrix::new(rows, 1, vec![1.0; rows]);
                let p = pool_2hz(&m, n, hop, sr);
                assert!(p.data.iter().all(|v| *v == 1.0), "{sr} {hop} {n}");
                // ⌈d / 0.5⌉ frames, one fewer only when the last half second holds less
                // than a hop of audio.
                let full = (2 * n).div_ceil(u64::from(sr));
                let rows = p.rows as u64;
                let tail = 2 * n - full.saturating_sub(1) * u64::from(sr); // 2 × samples in it
                assert!(
                    rows == full || (rows + 1 == full && tail < 2 * hop as u64),
                    "{sr} {hop} {n}: {rows} frames"
                );
            }
        }
    }
}
