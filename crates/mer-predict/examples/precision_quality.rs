//! The default model's answers with musicnn in f32 (burn, the reference) and in another
//! precision (default bf16), file by file, with the CPU time of each (all threads): one CSV row per file
//! (`file,arousal_f32,valence_f32,arousal_P,valence_P,max_2hz_diff,seconds_f32,seconds_P`)
//! on stdout, a summary (max and mean |diff|, quadrant changes, time ratio) on stderr.
//!
//! ```text
//! RAYON_NUM_THREADS=1 taskset -c 0 target/release/examples/precision_quality [--precision bf16] FILE...
//! ```
//! `bench/precision_quality.py` adds the labels (4Q accuracy, MUSIFEAST-17 r) of both columns.

use mer_musicnn::{LayerPrecision, Precision};
use mer_predict::{Predictor, SongPrediction};

/// CPU seconds used so far by all threads of this process (Linux; so that other processes on
/// a loaded machine do not count).
fn cpu_seconds() -> f64 {
    let ns: u64 = std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    ns as f64 * 1e-9
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut precision = LayerPrecision::all(Precision::Bf16);
    if let Some(i) = args.iter().position(|a| a == "--precision") {
        precision = args
            .get(i + 1)
            .ok_or("--precision needs a value")?
            .parse()?;
        args.drain(i..i + 2);
    }
    if args.is_empty() {
        return Err(
            "usage: precision_quality [--precision bf16|int8|int8,bf16,bf16,bf16] FILE...".into(),
        );
    }
    let reference = Predictor::default_model()?.with_precision(Precision::F32);
    let other = Predictor::default_model()?.with_precision(precision);
    let timed =
        |p: &Predictor, f: &str| -> Result<(SongPrediction, f64), Box<dyn std::error::Error>> {
            let t = cpu_seconds();
            let r = p.predict_file(f.as_ref())?;
            Ok((r, cpu_seconds() - t))
        };
    println!(
        "file,arousal_f32,valence_f32,arousal_{p},valence_{p},max_2hz_diff,seconds_f32,seconds_{p}",
        p = precision
    );
    let (mut max_a, mut max_v, mut sum_a, mut sum_v, mut max_d) = (0f32, 0f32, 0f32, 0f32, 0f32);
    let (mut changes, mut t_ref, mut t_other) = (0, 0.0, 0.0);
    for f in &args {
        let (r, tr) = timed(&reference, f)?;
        let (o, to) = timed(&other, f)?;
        let d2 = r
            .dynamic_arousal
            .iter()
            .zip(&o.dynamic_arousal)
            .chain(r.dynamic_valence.iter().zip(&o.dynamic_valence))
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        let (da, dv) = ((r.arousal - o.arousal).abs(), (r.valence - o.valence).abs());
        max_a = max_a.max(da);
        max_v = max_v.max(dv);
        sum_a += da;
        sum_v += dv;
        max_d = max_d.max(d2);
        changes += usize::from(r.quadrant != o.quadrant);
        t_ref += tr;
        t_other += to;
        println!(
            "{f},{:.6},{:.6},{:.6},{:.6},{d2:.6},{tr:.4},{to:.4}",
            r.arousal, r.valence, o.arousal, o.valence
        );
    }
    let n = args.len() as f32;
    eprintln!(
        "{} files, {} vs f32: static arousal max {max_a:.4} mean {:.4}; valence max {max_v:.4} \
         mean {:.4}; 2 Hz max {max_d:.4}; quadrant changes {changes}; time f32 {:.3} s/file, \
         {} {:.3} s/file ({:.2}x)",
        args.len(),
        precision,
        sum_a / n,
        sum_v / n,
        t_ref / n as f64,
        precision,
        t_other / n as f64,
        t_ref / t_other
    );
    Ok(())
}
