//! Writes every shared-data clip's musicnn pooled features (clip mean and std over its 2 Hz
//! patches of the 1506 max/mean-pooled front- and mid-end maps, and of the 50 tag
//! probabilities) as JSON Lines keyed by the ids
//! of `dump_clip_features`, for exploring heads offline; not used by `mer`.
//!
//! ```text
//! cargo run --release -p mer-predict --example dump_pooled -- <data dir> > pooled.jsonl
//! ```

use std::path::PathBuf;

use mer_musicnn::{MusicnnEmbedder, frontend};
use mer_predict::training::CORPORA;
use rayon::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: dump_pooled <data dir>")?,
    );
    let embedder = MusicnnEmbedder::new()?;
    let mut items = Vec::new();
    for &(folder, format, name) in CORPORA {
        let d = dir.join(folder);
        if !d.exists() {
            continue;
        }
        for it in mer_data::load_lenient(&d, format)?.items {
            if it.audio.exists() && !it.labels.is_empty() {
                items.push((format!("{name}/{}", it.id), it.audio));
            }
        }
    }
    let lines: Vec<String> = items
        .par_iter()
        .filter_map(|(id, path)| {
            let audio = mer_audio::load(path, Some(16_000)).ok()?;
            let logmel = frontend::logmel(&audio.samples).ok()?;
            let p = embedder.pooled_2hz_logmel(&logmel).ok()?;
            let tags = embedder.tags_of(&embedder.embed_2hz_logmel(&logmel).ok()?);
            let tags_mean: Vec<f32> = (0..tags.cols)
                .map(|j| {
                    let s: f64 = tags.data.iter().skip(j).step_by(tags.cols).map(|&x| f64::from(x)).sum();
                    (s / tags.rows.max(1) as f64) as f32
                })
                .collect();
            let n = p.rows.max(1) as f64;
            let mut mean = vec![0f64; p.cols];
            let mut sq = vec![0f64; p.cols];
            for row in p.data.chunks_exact(p.cols) {
                for (j, &x) in row.iter().enumerate() {
                    mean[j] += f64::from(x) / n;
                    sq[j] += f64::from(x) * f64::from(x) / n;
                }
            }
            let std: Vec<f32> = mean
                .iter()
                .zip(&sq)
                .map(|(m, s)| (s - m * m).max(0.0).sqrt() as f32)
                .collect();
            let mean: Vec<f32> = mean.into_iter().map(|x| x as f32).collect();
            eprintln!("{id}");
            Some(serde_json::json!({"id": id, "pooled_mean": mean, "pooled_std": std, "tags_mean": tags_mean}).to_string())
        })
        .collect();
    for l in lines {
        println!("{l}");
    }
    Ok(())
}
