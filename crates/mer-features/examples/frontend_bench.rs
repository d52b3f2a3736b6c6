//! mer side of `bench/frontend_bench.sh`: per file, the median over REPEAT runs (after one
//! warm-up) of (a) decode [+ resample] + log-mel and (b) decode [+ resample] only, on this
//! thread. Prints one JSON line per file. Usage: `frontend_bench REPEAT FILE...`.

use std::path::Path;
use std::time::Instant;

use mer_features::{MelConfig, log_mel_file};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn decode_only(path: &Path, rate: u32) -> Result<u64, mer_audio::AudioError> {
    let mut s = mer_audio::AudioStream::open(path, Some(rate))?;
    let mut n = 0u64;
    while let Some(c) = s.read_chunk()? {
        n += c.len() as u64;
    }
    Ok(n)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let repeat: usize = args
        .next()
        .ok_or("usage: frontend_bench REPEAT FILE...")?
        .parse()?;
    let cfg = MelConfig::malik2017();
    for file in args {
        let path = Path::new(&file);
        let (mut full, mut dec) = (Vec::new(), Vec::new());
        let mut n = 0;
        for i in 0..=repeat {
            let t0 = Instant::now();
            let out = log_mel_file(path, &cfg)?;
            let t1 = Instant::now();
            n = decode_only(path, cfg.sample_rate)?;
            let t2 = Instant::now();
            assert_eq!(out.n_samples, n);
            if i > 0 {
                full.push((t1 - t0).as_secs_f64());
                dec.push((t2 - t1).as_secs_f64());
            }
        }
        println!(
            "{{\"path\": \"{}\", \"seconds\": {}, \"decode_seconds\": {}, \"duration_s\": {}}}",
            file,
            median(full),
            median(dec),
            n as f64 / cfg.sample_rate as f64
        );
    }
    Ok(())
}
