//! Writes every shared-data clip's features from musicnn 0.1.0's pretrained models
//! ([`mer_musicnn::Pretrained`]: MSD_musicnn, MTT_musicnn, MSD_vgg, MTT_vgg) as JSON Lines,
//! with the labels and fold of `dump_clip_features` (same ids), for comparing the models with
//! the numpy heads (`models/explore_pretrained.py`); not used by `mer`.
//!
//! ```text
//! cargo run --release -p mer-train --example dump_pretrained -- <data dir> <out.jsonl> [MODEL...]
//! ```
//! MODEL: musicnn's names (`MSD_musicnn`, `mtt-vgg`, …; default all four). Per clip: id,
//! dataset, fold, static / quadrant / dynamic-mean labels, and per model (key = its name in
//! lower case) the mean and std over musicnn `extractor()`'s patches (non-overlapping 3 s from
//! the start: 10 for a 30 s clip, `patches`) of its embedding (`<key>_mean`, `<key>_std`:
//! musicnn's penultimate, vgg's pool5) and the mean of its tag probabilities (`<key>_tags`).
//! (Not the 2 Hz patches `mer` reads: six times as many, and the vgg models have no shared-frame
//! path.) musicnn's log-mel is computed once per clip for all models.
//!
//! Lines are appended to `out.jsonl` as clips finish, in a fixed pseudo-random order (by
//! `fnv1a64(id)`, so a partial file samples every dataset); clips already in the file are
//! skipped, so an interrupted run resumes.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use mer_data::{fnv1a64, fold_of};
use mer_musicnn::{Embedder, Pretrained, frontend};
use mer_train::shared::labelled_items;
use rayon::prelude::*;

mod common;
use common::mean_std;

const USAGE: &str = "usage: dump_pretrained <data dir> <out.jsonl> [MODEL...]";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().ok_or(USAGE)?);
    let out_path = PathBuf::from(args.next().ok_or(USAGE)?);
    let models: Vec<Pretrained> = args
        .map(|a| Pretrained::from_name(&a).ok_or(format!("unknown model {a}")))
        .collect::<Result<_, _>>()?;
    let models = if models.is_empty() {
        Pretrained::ALL.to_vec()
    } else {
        models
    };
    let embedders: Vec<Embedder> = models
        .iter()
        .map(|&m| Embedder::new(m))
        .collect::<Result<_, _>>()?;
    let done: std::collections::HashSet<String> = std::fs::read_to_string(&out_path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["id"].as_str().map(str::to_string))
        .collect();
    let mut items: Vec<_> = labelled_items(&dir)?
        .into_iter()
        .map(|(name, it)| (format!("{name}/{}", it.id), name, it))
        .filter(|(id, _, _)| !done.contains(id))
        .collect();
    items.sort_by_key(|(id, _, _)| fnv1a64(id.as_bytes()));
    eprintln!(
        "{} clips to do ({} already in the output)",
        items.len(),
        done.len()
    );
    let out = Mutex::new(
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&out_path)?,
    );
    items.par_iter().for_each(|(id, name, it)| {
        let logmel = match frontend::logmel_file(&it.audio) {
            Ok((l, _)) => l,
            Err(e) => {
                eprintln!("{id}: {e}");
                return;
            }
        };
        let l = &it.labels;
        let dyn_mean = l.dynamic.as_ref().map(|d| {
            let mean = |x: &[f32]| x.iter().sum::<f32>() / x.len().max(1) as f32;
            [mean(&d.arousal), mean(&d.valence)]
        });
        let mut line = serde_json::json!({
            "id": id, "dataset": name, "fold": fold_of(id, 5),
            "static": l.static_av.as_ref().map(|s| [s.arousal, s.valence]),
            "quadrant": l.quadrant.map(|q| q.index() + 1),
            "dynamic_mean": dyn_mean,
        });
        for e in &embedders {
            let p = match e.tag_patches(&logmel) {
                Ok(p) => p,
                Err(err) => {
                    eprintln!("{id}: {}: {err}", e.model());
                    return;
                }
            };
            let key = e.model().name().to_ascii_lowercase();
            let (mean, std) = mean_std(&p.penultimate);
            line[format!("{key}_mean")] = mean.into();
            line[format!("{key}_std")] = std.into();
            line[format!("{key}_tags")] = mean_std(&p.tags).0.into();
            line["patches"] = p.tags.rows.into();
        }
        let mut f = out.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = writeln!(f, "{line}").and_then(|_| f.flush()) {
            eprintln!("{}: {e}", out_path.display());
        }
        eprintln!("{id}");
    });
    Ok(())
}
