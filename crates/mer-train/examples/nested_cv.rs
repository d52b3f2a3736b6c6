//! Re-scores the default recipe honestly (`mer_train::protocol`): the old non-nested 5-fold
//! CV on all the shared data (its λ, 4Q weight and smoothing were chosen on those folds),
//! then nested CV by song on the shared data minus the fixed holdout
//! (`experiments/holdout-shared.txt`), and the holdout scored by a model chosen on the rest.
//!
//! ```text
//! cargo run --release -p mer-train --example nested_cv -- <data dir> [cache dir] [out.json]
//! ```
//! Prints one JSON line per result and a summary table; `out.json` gets the whole report.

use std::path::PathBuf;

use mer_data::FeatureCache;
use mer_train::cv::cross_validate_preset;
use mer_train::protocol::{Grid, committed_holdout, nested_cv};
use mer_train::{Preset, SharedData};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let data_dir = PathBuf::from(
        args.first()
            .ok_or("usage: nested_cv DATA_DIR [CACHE] [OUT]")?,
    );
    let cache = match args.get(1) {
        Some(d) => FeatureCache::new(d)?,
        None => FeatureCache::open_default()?,
    };
    let holdout = committed_holdout()?;
    let data = SharedData::load_logged(&data_dir, &cache)?;
    let base = Preset::named("default")?;
    let old = cross_validate_preset(&base, &data, 5)?;
    println!("{}", serde_json::to_string(&old)?);
    let nested = nested_cv(&base, &Grid::default_recipe(), &data, &holdout, 5)?;
    println!("{}", serde_json::to_string(&nested)?);
    println!(
        "| protocol | clips | MUSIFEAST r arousal | r valence | 4Q accuracy | dynamic r A / V |"
    );
    println!("|---|---|---|---|---|---|");
    let row = |name: &str, n: usize, r: &mer_train::cv::SharedCvReport| {
        println!(
            "| {name} | {n} | {:.3} | {:.3} | {:.3} | {:.3} / {:.3} |",
            r.musifeast_r_arousal,
            r.musifeast_r_valence,
            r.fourq_accuracy,
            r.dynamic_r_arousal,
            r.dynamic_r_valence
        )
    };
    row(
        "old: 5-fold CV, settings chosen on the same folds",
        data.clips.len(),
        &old,
    );
    row(
        "nested 5×4-fold CV (outer folds pooled), holdout excluded",
        nested.n_rest,
        &nested.outer,
    );
    for (i, (r, c)) in nested.outer_folds.iter().zip(&nested.choices).enumerate() {
        let name = format!(
            "  outer fold {} (chose λ {}, 4Q weight {}, smoothing {})",
            i + 1,
            c.lambda,
            c.quadrant_weight,
            c.smooth_frames
        );
        row(&name, 0, r);
    }
    let c = nested.holdout_choice;
    row(
        &format!(
            "holdout, model chosen on the rest (λ {}, 4Q weight {}, smoothing {})",
            c.lambda, c.quadrant_weight, c.smooth_frames
        ),
        nested.n_holdout,
        &nested.holdout,
    );
    if let Some(out) = args.get(2) {
        std::fs::write(out, serde_json::to_vec_pretty(&(old, nested))?)?;
    }
    Ok(())
}
