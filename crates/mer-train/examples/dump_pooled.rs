//! Writes every shared-data clip's musicnn pooled features (clip mean and std over its 2 Hz
//! patches of the 1506 max/mean-pooled front- and mid-end maps, and of the 50 tag
//! probabilities) as JSON Lines keyed by the ids
//! of `dump_clip_features`, for exploring heads offline; not used by `mer`.
//!
//! ```text
//! cargo run --release -p mer-train --example dump_pooled -- <data dir> > pooled.jsonl
//! ```

use std::path::PathBuf;

use mer_musicnn::{MusicnnEmbedder, frontend};
use mer_train::shared::labelled_items;
use rayon::prelude::*;

mod common;
use common::mean_std;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .ok_or("usage: dump_pooled <data dir>")?,
    );
    let embedder = MusicnnEmbedder::new()?;
    let items: Vec<(String, PathBuf)> = labelled_items(&dir)?
        .into_iter()
        .map(|(name, it)| (format!("{name}/{}", it.id), it.audio))
        .collect();
    let lines: Vec<String> = items
        .par_iter()
        .filter_map(|(id, path)| {
            let audio = mer_audio::load(path, Some(16_000)).ok()?;
            let logmel = frontend::logmel(&audio.samples).ok()?;
            let p = embedder.pooled_2hz_logmel(&logmel).ok()?;
            let (tags_mean, _) = mean_std(&embedder.tags_of(&embedder.penultimate_of(p.clone())));
            let (mean, std) = mean_std(&p);
            eprintln!("{id}");
            Some(serde_json::json!({"id": id, "pooled_mean": mean, "pooled_std": std, "tags_mean": tags_mean}).to_string())
        })
        .collect();
    for l in lines {
        println!("{l}");
    }
    Ok(())
}
