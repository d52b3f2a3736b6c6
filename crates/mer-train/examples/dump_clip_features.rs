//! Writes every shared-data clip's pooled features and labels as JSON Lines, for exploring
//! heads on the features offline (e.g. with numpy); not used by `mer`.
//!
//! ```text
//! WITH_MUSICNN=1 cargo run --release -p mer-train --example dump_clip_features -- <data dir> <cache dir> > clips.jsonl
//! ```
//! Per clip: id, dataset, fold (of 5, as in the CV), static / quadrant / dynamic-mean labels,
//! and mean and std over frames of the musicnn embedding and of the 2 Hz log-mel.

use std::path::PathBuf;

use mer_data::{FeatureCache, fold_of};
use mer_train::SharedData;

mod common;
use common::mean_std;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cache = FeatureCache::new(&args[1])?;
    let musicnn = std::env::var_os("WITH_MUSICNN").is_some();
    let data = SharedData::load(&PathBuf::from(&args[0]), Some(&cache), musicnn)?;
    for c in &data.clips {
        let (lm, ls) = mean_std(&c.logmel);
        let (mm, ms) = c.musicnn.as_ref().map(mean_std).unwrap_or_default();
        let dyn_mean = c.dynamic.as_ref().map(|(_, a, v)| {
            let n = a.len().max(1) as f32;
            [a.iter().sum::<f32>() / n, v.iter().sum::<f32>() / n]
        });
        let line = serde_json::json!({
            "id": c.id, "dataset": c.dataset, "fold": fold_of(&c.id, 5),
            "static": c.static_av, "quadrant": c.quadrant, "dynamic_mean": dyn_mean,
            "frames": c.logmel.rows,
            "musicnn_mean": mm, "musicnn_std": ms, "logmel_mean": lm, "logmel_std": ls,
        });
        println!("{line}");
    }
    Ok(())
}
