//! Where one model's time goes on one file, mean of REPEATS runs after a warm-up (model loaded
//! once), in CPU seconds of the whole process (all its threads, from
//! /proc/self/task/*/schedstat, so that other processes on a loaded machine do not count; run
//! it with RAYON_NUM_THREADS=1): decode alone (the floor: the file's own rate), resample
//! (decode and resample to the model's rate, minus decode), features (the model's log-mel of
//! those samples), network (`predict_samples` on them minus features: network, head, pooling),
//! and `predict_file` end to end. One line: `MODEL decode D resample R features F network N
//! total T` (seconds). Used by `bench/predict_bench.sh`. MODEL `default-static` is the default
//! as `mer predict` runs it for song-level answers only (`Predictor::static_only`: stride 6,
//! `mer_musicnn::static_precision`), `default/K`
//! the default with musicnn's patch stride K (`Predictor::with_patch_stride`).
//!
//! ```text
//! RAYON_NUM_THREADS=1 taskset -c 0 target/release/examples/time_stages default|default-static|default/K|fast FILE [REPEATS]
//! ```

use mer_predict::{ModelChoice, Predictor};

/// CPU seconds used so far by all threads of this process (Linux).
fn cpu_seconds() -> f64 {
    let ns: u64 = std::fs::read_dir("/proc/self/task")
        .expect("/proc/self/task")
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum();
    ns as f64 * 1e-9
}

fn mean_secs(n: u32, mut f: impl FnMut()) -> f64 {
    let t = cpu_seconds();
    for _ in 0..n {
        f();
    }
    (cpu_seconds() - t) / f64::from(n)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: time_stages default|default-static|default/K|fast FILE [REPEATS]";
    let model = args.next().ok_or(usage)?;
    let path = std::path::PathBuf::from(args.next().ok_or(usage)?);
    let n: u32 = args.next().map_or(Ok(3), |s| s.parse())?;
    let (choice, stride) = match model.as_str() {
        "default" => (ModelChoice::Default, 1),
        "default-static" => (ModelChoice::Default, mer_predict::STATIC_PATCH_STRIDE),
        "fast" => (ModelChoice::Fast, 1),
        other => match other.strip_prefix("default/").map(str::parse::<usize>) {
            Some(Ok(k)) => (ModelChoice::Default, k),
            _ => return Err(format!("unknown model {other:?} ({usage})").into()),
        },
    };
    let predictor = if model == "default-static" {
        Predictor::load(&choice)?.static_only()
    } else {
        Predictor::load(&choice)?.with_patch_stride(stride)
    };
    let mel = predictor.input_kind().mel_44k();
    let rate = mel
        .as_ref()
        .map_or(mer_musicnn::frontend::SAMPLE_RATE, |c| c.sample_rate);
    predictor.predict_file(&path)?; // warm-up
    let decode = mean_secs(n, || {
        mer_audio::load(&path, None).expect("decode");
    });
    let mut samples = Vec::new();
    let decode_resample = mean_secs(n, || {
        samples = mer_audio::load(&path, Some(rate)).expect("decode").samples;
    });
    let features = mean_secs(n, || match &mel {
        Some(cfg) => {
            mer_features::log_mel(&samples, cfg).expect("log-mel");
        }
        None => {
            mer_musicnn::frontend::logmel(&samples).expect("log-mel");
        }
    });
    let in_memory = mean_secs(n, || {
        predictor.predict_samples(&samples, rate).expect("predict");
    });
    let total = mean_secs(n, || {
        predictor.predict_file(&path).expect("predict");
    });
    println!(
        "{model} decode {decode:.4} resample {:.4} features {features:.4} network {:.4} total {total:.4}",
        decode_resample - decode,
        in_memory - features
    );
    Ok(())
}
