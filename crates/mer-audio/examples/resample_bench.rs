//! Resampler numbers for reports (issue 13): speed per 30 s of audio, and the pass band.
//!
//! ```text
//! cargo build --release -p mer-audio --example resample_bench
//! target/release/examples/resample_bench speed FILE...   # min of 7 runs, this thread
//! target/release/examples/resample_bench passband        # gain (dB) vs frequency
//! target/release/examples/resample_bench time FILE SECONDS RATE_OUT REPEAT OUT.f32
//! ```
//!
//! `speed`: per file, decode time (mono, the file's rate) and the time to resample its first
//! 30 s (in memory, streamed through `StreamResampler`) to 16 kHz and 44.1 kHz, each scaled to
//! 30 s of audio. `passband`: the gain of sines at fractions of the lower Nyquist frequency for
//! 44.1 → 16 kHz and 22.05 → 16 kHz (musicnn's input), and the −0.1/−1/−3 dB points.
//! `time` (for `bench/resample_bench.sh`): FILE decoded at its own rate and repeated to
//! SECONDS, resampled to RATE_OUT by `StreamResampler::new` and by
//! `StreamResampler::new_rubato_sinc`, min of REPEAT runs each; prints one JSON line
//! `{"rate_in", "rate_out", "seconds", "mer_ms", "rubato_ms"}` and writes the input samples
//! (raw little-endian f32) to OUT.f32 for the reference to read.

use std::time::{Duration, Instant};

use mer_audio::StreamResampler;

fn min_time<T>(n: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut last = None;
    for _ in 0..n {
        let t = Instant::now();
        last = Some(f());
        best = best.min(t.elapsed());
    }
    (best, last.expect("n > 0"))
}

fn resample(x: &[f32], rin: u32, rout: u32) -> Vec<f32> {
    stream(
        StreamResampler::new(rin, rout).expect("valid rates"),
        x,
        rin,
        rout,
    )
}

/// `x` through `r` (`rin` → `rout` Hz) in pieces of 4608 samples (4 MP3 frames), flushed.
fn stream(mut r: StreamResampler, x: &[f32], rin: u32, rout: u32) -> Vec<f32> {
    let mut out = Vec::with_capacity(x.len() * rout as usize / rin as usize + 16);
    for piece in x.chunks(4608) {
        r.push(piece, &mut out).expect("resample");
    }
    r.finish(&mut out).expect("resample");
    out
}

fn speed(files: &[String]) {
    println!("file                       rate  decode/30s  ->16k/30s  ->44.1k/30s");
    for f in files {
        let (t_dec, audio) = min_time(7, || mer_audio::load(f.as_ref(), None).expect("decode"));
        let rate = audio.sample_rate;
        let per30 = |t: Duration, seconds: f64| t.as_secs_f64() * 30.0 / seconds * 1e3;
        let x = &audio.samples[..audio.samples.len().min(30 * rate as usize)];
        let secs = x.len() as f64 / rate as f64;
        let mut cols = Vec::new();
        for out in [16_000u32, 44_100] {
            cols.push(if out == rate {
                "-".to_string()
            } else {
                let (t, _) = min_time(7, || resample(x, rate, out));
                format!("{:.1} ms", per30(t, secs))
            });
        }
        let name = std::path::Path::new(f)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        println!(
            "{name:<24} {rate:>6} {:>8.1} ms {:>10} {:>11}",
            per30(t_dec, audio.duration_s()),
            cols[0],
            cols[1]
        );
    }
}

/// Gain (dB) of a sine at `f` Hz through `rin → rout`, fitted by least squares.
fn gain_db(rin: u32, rout: u32, f: f64) -> f64 {
    let n = rin as usize;
    let x: Vec<f32> = (0..n)
        .map(|i| (2.0 * std::f64::consts::PI * f * i as f64 / rin as f64).sin() as f32)
        .collect();
    let y = resample(&x, rin, rout);
    let w = 2.0 * std::f64::consts::PI * f / rout as f64;
    let (lo, hi) = (y.len() / 4, y.len() * 3 / 4);
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
    20.0 * (a.hypot(b) + 1e-30).log10()
}

fn passband() {
    for (rin, rout) in [(44_100u32, 16_000u32), (22_050, 16_000), (32_000, 44_100)] {
        let nyq = rin.min(rout) as f64 / 2.0;
        println!("{rin} -> {rout} Hz (lower Nyquist {nyq} Hz):");
        let rels = [
            0.5, 0.8, 0.9, 0.913, 0.93, 0.94, 0.95, 0.96, 0.97, 0.98, 0.99,
        ];
        let row: Vec<String> = rels
            .iter()
            .map(|r| format!("{r}:{:.2}", gain_db(rin, rout, r * nyq)))
            .collect();
        println!("  gain dB at x·Nyquist  {}", row.join(" "));
        // Downsampling: a tone above the output's Nyquist must vanish (aliasing).
        if rout < rin {
            let alias: Vec<String> = [1.0, 1.02, 1.1, 1.5]
                .iter()
                .map(|r| format!("{r}:{:.1}", gain_db(rin, rout, r * nyq)))
                .collect();
            println!("  alias dB at x·Nyquist {}", alias.join(" "));
        }
        for level in [-0.1, -1.0, -3.0] {
            // Bisection on the monotone part of the transition band.
            let (mut lo, mut hi) = (0.5 * nyq, nyq);
            for _ in 0..30 {
                let mid = 0.5 * (lo + hi);
                if gain_db(rin, rout, mid) > level {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            println!(
                "  {level:>5} dB at {:.0} Hz ({:.3} × Nyquist)",
                lo,
                lo / nyq
            );
        }
    }
}

/// `time FILE SECONDS RATE_OUT REPEAT OUT.f32` (see the module doc).
fn time(args: &[String]) {
    let [file, seconds, rate_out, repeat, dump] = args else {
        eprintln!("usage: resample_bench time FILE SECONDS RATE_OUT REPEAT OUT.f32");
        std::process::exit(2);
    };
    let seconds: f64 = seconds.parse().expect("SECONDS");
    let rout: u32 = rate_out.parse().expect("RATE_OUT");
    let repeat: usize = repeat.parse().expect("REPEAT");
    let audio = mer_audio::load(file.as_ref(), None).expect("decode");
    let rin = audio.sample_rate;
    let n = (seconds * rin as f64) as usize;
    let x: Vec<f32> = audio.samples.iter().copied().cycle().take(n).collect();
    let bytes: Vec<u8> = x.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(dump, bytes).expect("write OUT.f32");
    let ms = |sinc: bool| {
        let (t, _) = min_time(repeat, || {
            let r = if sinc {
                StreamResampler::new_rubato_sinc(rin, rout)
            } else {
                StreamResampler::new(rin, rout)
            };
            stream(r.expect("valid rates"), &x, rin, rout)
        });
        t.as_secs_f64() * 1e3
    };
    let (mer_ms, rubato_ms) = (ms(false), ms(true));
    println!(
        "{{\"rate_in\": {rin}, \"rate_out\": {rout}, \"seconds\": {seconds}, \"mer_ms\": {mer_ms:.3}, \"rubato_ms\": {rubato_ms:.3}}}"
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("speed") => speed(&args[1..]),
        Some("passband") => passband(),
        Some("time") => time(&args[1..]),
        _ => eprintln!(
            "usage: resample_bench speed FILE... | resample_bench passband | \
             resample_bench time FILE SECONDS RATE_OUT REPEAT OUT.f32"
        ),
    }
}
