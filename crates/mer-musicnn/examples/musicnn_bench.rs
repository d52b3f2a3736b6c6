//! Times mer-musicnn's 2 Hz embeddings on the given files (used by bench/musicnn_bench.sh,
//! which runs it beside musicnn's TensorFlow graph). One line per file:
//! `OURS <file> audio_s=… frontend_s=… network_s=… patches=…`
//! (frontend = decode + resample + log-mel; network = all 2 Hz patches through the model).
//! Set RAYON_NUM_THREADS=1 for one thread.
//!
//! `cargo run --release -p mer-musicnn --example musicnn_bench -- FILE...`

use std::path::PathBuf;
use std::time::Instant;

use mer_features::Matrix;
use mer_musicnn::{MusicnnEmbedder, frontend};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let paths: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    if paths.is_empty() {
        return Err("usage: musicnn_bench FILE...".into());
    }
    let embedder = MusicnnEmbedder::new()?;
    // Warm-up outside the timings (allocations, lazy initialisation).
    embedder.embed_2hz_logmel(&Matrix::new(200, 96, vec![0.0; 200 * 96]))?;
    for path in &paths {
        let t0 = Instant::now();
        let audio = mer_audio::load(path, Some(frontend::SAMPLE_RATE))?;
        let logmel = frontend::logmel(&audio.samples)?;
        let t1 = Instant::now();
        let emb = embedder.embed_2hz_logmel(&logmel)?;
        let t2 = Instant::now();
        println!(
            "OURS {} audio_s={:.3} frontend_s={:.4} network_s={:.4} patches={}",
            path.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default(),
            audio.duration_s(),
            (t1 - t0).as_secs_f64(),
            (t2 - t1).as_secs_f64(),
            emb.rows
        );
    }
    Ok(())
}
