//! Times the log-mel stages on samples already in memory (no decoding): `logmel_time FILE`.
use std::time::Instant;

use mer_features::stft::PowerStft;

fn main() {
    let path = std::env::args().nth(1).expect("usage: logmel_time FILE");
    let audio = mer_audio::load(path.as_ref(), Some(44_100)).unwrap();
    let cfg = mer_features::MelConfig::malik2017();
    for _ in 0..3 {
        let t = Instant::now();
        let m = mer_features::log_mel(&audio.samples, &cfg).unwrap();
        let full = t.elapsed().as_secs_f64() * 1e3;
        let t = Instant::now();
        let mut s = PowerStft::new(cfg.n_fft, cfg.hop_length, true);
        let mut acc = 0.0;
        s.push(&audio.samples, |p| acc += p[10]);
        s.finish(|p| acc += p[10]);
        let stft = t.elapsed().as_secs_f64() * 1e3;
        eprintln!(
            "{} frames: log-mel {full:.1} ms, of which STFT {stft:.1} ms ({acc:.1})",
            m.rows
        );
    }
}
