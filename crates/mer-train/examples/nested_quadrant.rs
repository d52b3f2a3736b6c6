//! The default's quadrant head measured honestly (issue 17, `mer_train::protocol`): nested CV
//! by song on the shared data minus the fixed holdout (`experiments/holdout-shared.txt`), and
//! the holdout scored by a model chosen and trained on the rest — today's ridge recipe (λ 300,
//! 4Q weight 0.25, smoothing 9, fixed) without and with the quadrant head, whose C, MUSIFEAST
//! weight, temperature and τ are chosen by inner CV inside each outer training fold, and the
//! same head with τ fixed at 0 (the classifier always answers)
//! (`mer_train::quadrant`).
//!
//! ```text
//! cargo run --release -p mer-train --example nested_quadrant -- <data dir> [cache dir] [out.json]
//!     [--view PRECISION=CACHE_DIR]... [--strides 1,6]
//! ```
//! Prints a summary table, the chosen head settings, ECE and the reliability tables.
//!
//! With `--view`, only the shipped recipe (ridge + quadrant head) runs, once per test view and
//! stride: every model is chosen and trained on the f32 features (as shipped), and the outer
//! folds' and holdout's clips are predicted from musicnn embeddings computed in `PRECISION`
//! (`bf16`, `int8`, or per layer `timbral,temporal,mid,dense` such as `int8,bf16,bf16,bf16`;
//! cached in `CACHE_DIR`, computed there when missing) and/or at patch stride k
//! (`mer_train::protocol::nested_cv_viewed`, `SharedData::strided`); f32 itself is the first
//! view. This measures what the reduced-precision and static-only prediction paths do to the
//! shipped model's quality.

use std::collections::HashSet;
use std::path::PathBuf;

use mer_data::FeatureCache;
use mer_musicnn::{LayerPrecision, Precision};
use mer_train::protocol::{Grid, NestedReport, committed_holdout, nested_cv, nested_cv_viewed};
use mer_train::{Preset, SharedData};

/// The shipped recipe on each (precision, stride) view of the test clips; prints one table.
fn views(
    data: &SharedData,
    data_dir: &std::path::Path,
    holdout: &HashSet<String>,
    views: &[(LayerPrecision, FeatureCache)],
    strides: &[usize],
) -> Result<Vec<(String, NestedReport)>, Box<dyn std::error::Error>> {
    let preset = Preset::named("default")?;
    let grid = Grid::fixed(&preset)?;
    let mut out = Vec::new();
    let mut loaded = vec![(Precision::F32.into(), data.clone())];
    for (p, cache) in views {
        let t0 = std::time::Instant::now();
        let v = SharedData::load_at(data_dir, Some(cache), true, *p)?;
        eprintln!(
            "{p} view: {} clips in {:.0} s",
            v.clips.len(),
            t0.elapsed().as_secs_f64()
        );
        loaded.push((*p, v));
    }
    println!(
        "| test features | nested r A | r V | 4Q acc | V sign | holdout r A | r V | 4Q acc | V sign |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (p, v) in &loaded {
        for &k in strides {
            let name = format!("{p}, stride {k}");
            eprintln!("{name}");
            let r = nested_cv_viewed(&preset, &grid, data, &v.strided(k), holdout, 5)?;
            println!(
                "| {name} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} |",
                r.outer.musifeast_r_arousal,
                r.outer.musifeast_r_valence,
                r.outer.fourq_accuracy,
                r.valence_sign.0,
                r.holdout.musifeast_r_arousal,
                r.holdout.musifeast_r_valence,
                r.holdout.fourq_accuracy,
                r.valence_sign.1,
            );
            out.push((name, r));
        }
    }
    Ok(out)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = Vec::new();
    let mut test_views: Vec<(LayerPrecision, FeatureCache)> = Vec::new();
    let mut strides = vec![1usize, 6];
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--view" => {
                let v = it.next().ok_or("--view PRECISION=CACHE_DIR")?;
                let (p, dir) = v.split_once('=').ok_or("--view PRECISION=CACHE_DIR")?;
                test_views.push((p.parse()?, FeatureCache::new(dir)?));
            }
            "--strides" => {
                strides = it
                    .next()
                    .ok_or("--strides K,K...")?
                    .split(',')
                    .map(|k| k.parse())
                    .collect::<Result<_, _>>()?;
            }
            _ => args.push(a),
        }
    }
    let data_dir = PathBuf::from(
        args.first()
            .ok_or("usage: nested_quadrant DATA_DIR [CACHE] [OUT]")?,
    );
    let cache = match args.get(1) {
        Some(d) => FeatureCache::new(d)?,
        None => FeatureCache::open_default()?,
    };
    let holdout = committed_holdout()?;
    let data = SharedData::load_logged(&data_dir, &cache)?;
    if !test_views.is_empty() {
        let reports = views(&data, &data_dir, &holdout, &test_views, &strides)?;
        if let Some(out) = args.get(2) {
            std::fs::write(out, serde_json::to_vec_pretty(&reports)?)?;
        }
        return Ok(());
    }
    let with_head = Preset::named("default")?;
    let mut without = with_head.clone();
    without.quadrant_head = None;
    // The classifier always answering (τ = 0 only; C, wm, T still chosen inside the folds).
    let mut always = with_head.clone();
    if let Some(s) = &mut always.quadrant_head {
        s.thresholds = vec![0.0];
    }
    let grid = Grid::fixed(&with_head)?;
    let mut reports: Vec<(&str, NestedReport)> = Vec::new();
    for (name, preset) in [
        ("ridge λ 300 (signs of the ridge)", &without),
        ("ridge λ 300 + logistic quadrant head (τ rule)", &with_head),
        (
            "ridge λ 300 + logistic quadrant head, τ = 0 (always the classifier)",
            &always,
        ),
    ] {
        eprintln!("{name}");
        reports.push((name, nested_cv(preset, &grid, &data, &holdout, 5)?));
    }
    println!(
        "| recipe | nested r A | r V | 4Q acc | V sign | ECE | holdout r A | r V | 4Q acc | V sign | ECE |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for (name, r) in &reports {
        let (oe, he) = r
            .quadrant
            .as_ref()
            .map_or(("—".to_string(), "—".to_string()), |q| {
                (
                    format!("{:.3}", q.outer_ece),
                    format!("{:.3}", q.holdout_ece),
                )
            });
        println!(
            "| {name} | {:.3} | {:.3} | {:.3} | {:.3} | {oe} | {:.3} | {:.3} | {:.3} | {:.3} | {he} |",
            r.outer.musifeast_r_arousal,
            r.outer.musifeast_r_valence,
            r.outer.fourq_accuracy,
            r.valence_sign.0,
            r.holdout.musifeast_r_arousal,
            r.holdout.musifeast_r_valence,
            r.holdout.fourq_accuracy,
            r.valence_sign.1,
        );
    }
    for (name, r) in &reports {
        println!(
            "\n{name}: {} rest clips, {} holdout clips, dynamic r A / V nested {:.3} / {:.3}, holdout {:.3} / {:.3}, {:.0} s",
            r.n_rest,
            r.n_holdout,
            r.outer.dynamic_r_arousal,
            r.outer.dynamic_r_valence,
            r.holdout.dynamic_r_arousal,
            r.holdout.dynamic_r_valence,
            r.seconds
        );
        for (i, f) in r.outer_folds.iter().enumerate() {
            println!(
                "  outer fold {}: r A {:.3} r V {:.3} 4Q acc {:.3}",
                i + 1,
                f.musifeast_r_arousal,
                f.musifeast_r_valence,
                f.fourq_accuracy
            );
        }
        let Some(q) = &r.quadrant else { continue };
        println!(
            "  classifier answered {:.1} % of the 4Q clips (nested), {:.1} % (holdout)",
            100.0 * q.outer_from_classifier,
            100.0 * q.holdout_from_classifier
        );
        for (i, c) in q.chosen.iter().enumerate() {
            let which = if i + 1 == q.chosen.len() {
                "holdout fit".to_string()
            } else {
                format!("outer fold {}", i + 1)
            };
            println!("  chosen ({which}): {c}");
        }
        println!(
            "\n| confidence | nested CV clips | mean confidence | accuracy | holdout clips | mean confidence | accuracy |"
        );
        println!("|---|---|---|---|---|---|---|");
        for b in 0..10 {
            let lo = b as f64 / 10.0;
            let find = |bins: &[mer_model::quadrant::ReliabilityBin]| {
                bins.iter()
                    .find(|x| (x.lo - lo).abs() < 1e-9)
                    .map_or("0 | — | —".to_string(), |x| {
                        format!("{} | {:.3} | {:.3}", x.n, x.confidence, x.accuracy)
                    })
            };
            let (o, h) = (find(&q.outer_bins), find(&q.holdout_bins));
            if o.starts_with("0 |") && h.starts_with("0 |") {
                continue;
            }
            println!("| ({lo:.1}, {:.1}] | {o} | {h} |", lo + 0.1);
        }
        println!(
            "| ECE | | | {:.3} | | | {:.3} |",
            q.outer_ece, q.holdout_ece
        );
    }
    if let Some(out) = args.get(2) {
        std::fs::write(out, serde_json::to_vec_pretty(&reports)?)?;
    }
    Ok(())
}
