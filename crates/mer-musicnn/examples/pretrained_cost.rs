//! Cost per file of each pretrained model (model loaded, warm): its 2 Hz embeddings (`2hz`,
//! what `mer` reads) and musicnn `extractor()`'s non-overlapping 3 s patches (`3s`, the clip
//! features of `dump_pretrained`); and of the front end they share (decode + resample to
//! 16 kHz + musicnn's log-mel, computed once per file). Each the minimum over `RUNS` (default
//! 5) runs. One line per file and model.
//!
//! ```text
//! cargo build --release -p mer-musicnn --example pretrained_cost
//! taskset -c 0 env RAYON_NUM_THREADS=1 target/release/examples/pretrained_cost [--models MSD_musicnn,MTT_vgg] FILE...
//! ```

use std::path::PathBuf;
use std::time::{Duration, Instant};

use mer_features::Matrix;
use mer_musicnn::{Embedder, Pretrained, frontend};

fn min_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed());
        out = Some(v);
    }
    (best, out.expect("at least one run"))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut models = Pretrained::ALL.to_vec();
    if let Some(i) = args.iter().position(|a| a == "--models") {
        let list = args.get(i + 1).ok_or("--models needs a list")?.clone();
        models = list
            .split(',')
            .map(|n| Pretrained::from_name(n).ok_or(format!("unknown model {n}")))
            .collect::<Result<_, _>>()?;
        args.drain(i..i + 2);
    }
    let paths: Vec<PathBuf> = args.into_iter().map(PathBuf::from).collect();
    if paths.is_empty() {
        return Err("usage: pretrained_cost [--models A,B] FILE...".into());
    }
    let embedders: Vec<Embedder> = models
        .iter()
        .map(|&m| Embedder::new(m))
        .collect::<Result<_, _>>()?;
    // Warm-up outside the timings (allocations, lazy initialisation).
    let silence = Matrix::new(200, 96, vec![0.0; 200 * 96]);
    for e in &embedders {
        e.embed_2hz_logmel(&silence)?;
    }
    for path in &paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        let (front, logmel) = min_of(runs, || frontend::logmel_file(path));
        let (logmel, samples) = logmel?;
        let audio_s = samples as f64 / f64::from(frontend::SAMPLE_RATE);
        println!(
            "{name} audio_s={audio_s:.2} front_end(decode+resample+logmel)_s={:.4} runs={runs}",
            front.as_secs_f64()
        );
        for e in &embedders {
            let (t2, emb) = min_of(runs, || e.embed_2hz_logmel(&logmel));
            let (t3, patches) = min_of(runs, || e.tag_patches(&logmel));
            let (emb, patches) = (emb?, patches?);
            println!(
                "  {:<12} 2hz: {:>4} x {:>3} network_s={:.4} per_30s={:.4} | 3s: {:>3} patches \
                 network_s={:.4} per_30s={:.4}",
                e.model().name(),
                emb.rows,
                emb.cols,
                t2.as_secs_f64(),
                t2.as_secs_f64() * 30.0 / audio_s,
                patches.tags.rows,
                t3.as_secs_f64(),
                t3.as_secs_f64() * 30.0 / audio_s
            );
        }
    }
    Ok(())
}
