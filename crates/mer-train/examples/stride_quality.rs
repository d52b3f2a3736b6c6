//! Static answers of the default model when musicnn runs on every k-th 2 Hz patch only
//! (issue 18, `MusicnnEmbedder::with_patch_stride`), against every patch:
//!
//! ```text
//! cargo run --release -p mer-train --example stride_quality -- DATA CACHE_DIR [STRIDES...]
//! ```
//!
//! The 2 Hz embeddings come from the feature cache (`SharedData::load`); each frame's patch is
//! independent, so the stride-k embeddings are the cached rows of
//! `mer_musicnn::embed::strided_frames`, held over their groups (`Clip::strided`) — what the
//! strided embedder computes. For each stride k (default 1 2 3 4 6 8 12 20):
//!
//! 1. the embedded default model (`mer_predict::DEFAULT_MODEL`) on every clip: static
//!    arousal/valence as `mer predict` reports them (series clamped to [-1, 1], then the mean),
//!    max and mean |diff| against k = 1, quadrant changes, max |diff| of the confidence;
//! 2. 5-fold CV by song (models/REPORT.md's: `cross_validate_preset` folds, recipe
//!    `default`, static = mean of the unclamped series): each fold's model is trained on the
//!    full 2 Hz embeddings (as the shipped model is) and predicts its held-out clips from the
//!    stride-k embeddings; MUSIFEAST r arousal / valence, 4Q accuracy;
//! 3. the internal holdout (`experiments/holdout-shared.txt`): the default recipe (fixed
//!    hyper-parameters) trained on the other clips, the holdout predicted from stride-k
//!    embeddings; same metrics.

use std::path::PathBuf;

use mer_data::FeatureCache;
use mer_model::{Example, MerModel, load_model};
use mer_musicnn::embed::strided_frames;
use mer_train::cv::{fold_of_clip, static_scores};
use mer_train::{Clip, Preset, SharedData, train_on_clips};

/// The model's (arousal, valence) series over the whole clip.
fn series(model: &MerModel, preset: &Preset, clip: &Clip) -> (Vec<f32>, Vec<f32>) {
    let ex = Clip {
        dynamic: None,
        ..clip.clone()
    }
    .example(preset.kind)
    .expect("features");
    let p = model.predict(&ex.features, ex.n_frames).expect("predict");
    (p.arousal, p.valence)
}

fn mean(x: &[f32]) -> f32 {
    (x.iter().map(|&v| f64::from(v)).sum::<f64>() / x.len().max(1) as f64) as f32
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 2 {
        return Err("usage: stride_quality DATA CACHE_DIR [STRIDES...]".into());
    }
    let data_dir = PathBuf::from(&args[0]);
    let cache = FeatureCache::new(&args[1])?;
    let mut strides: Vec<usize> = args[2..]
        .iter()
        .map(|s| s.parse())
        .collect::<Result<_, _>>()?;
    if strides.is_empty() {
        strides = vec![1, 2, 3, 4, 6, 8, 12, 20];
    }
    if !strides.contains(&1) {
        strides.insert(0, 1);
    }
    let t0 = std::time::Instant::now();
    let data = SharedData::load_logged(&data_dir, &cache)?;
    let preset = Preset::named("default")?;
    let views: Vec<Vec<Clip>> = strides
        .iter()
        .map(|&k| data.clips.iter().map(|c| c.strided(k)).collect())
        .collect();

    // 1. The embedded default on every clip, as `mer predict` summarises a series.
    let embedded = load_model(mer_predict::DEFAULT_MODEL)?;
    let summary = |c: &Clip| {
        let (a, v) = series(&embedded, &preset, c);
        let clamp = |x: Vec<f32>| {
            x.into_iter()
                .map(|y| y.clamp(-1.0, 1.0))
                .collect::<Vec<_>>()
        };
        let (a, v) = (clamp(a), clamp(v));
        let (ma, mv) = (mean(&a), mean(&v));
        let q = Example::quadrant_of(ma, mv);
        let agree = a
            .iter()
            .zip(&v)
            .filter(|&(&x, &y)| Example::quadrant_of(x, y) == q)
            .count();
        (ma, mv, q, agree as f32 / a.len().max(1) as f32)
    };
    let full: Vec<_> = data.clips.iter().map(summary).collect();
    println!(
        "embedded default, {} clips: static answers of stride k vs k = 1\n",
        data.clips.len()
    );
    println!(
        "| k | patches per 30 s | max abs diff A | mean abs diff A | max abs diff V | mean abs diff V | quadrant changes | max abs diff confidence | mean abs diff confidence |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let frames_30s = 60;
    for (k, view) in strides.iter().zip(&views) {
        let (mut max_a, mut sum_a, mut max_v, mut sum_v, mut flips, mut max_c, mut sum_c) =
            (0f32, 0f64, 0f32, 0f64, 0usize, 0f32, 0f64);
        for (c, f) in view.iter().zip(&full) {
            let s = summary(c);
            let (da, dv) = ((s.0 - f.0).abs(), (s.1 - f.1).abs());
            max_a = max_a.max(da);
            max_v = max_v.max(dv);
            sum_a += f64::from(da);
            sum_v += f64::from(dv);
            flips += usize::from(s.2 != f.2);
            max_c = max_c.max((s.3 - f.3).abs());
            sum_c += f64::from((s.3 - f.3).abs());
        }
        let n = view.len() as f64;
        println!(
            "| {k} | {} | {max_a:.4} | {:.4} | {max_v:.4} | {:.4} | {flips} | {max_c:.3} | {:.3} |",
            strided_frames(frames_30s, *k).len(),
            sum_a / n,
            sum_v / n,
            sum_c / n
        );
    }

    // 2. 5-fold CV by song: trained on full embeddings, held-out clips strided.
    let k_folds = 5;
    let mut held: Vec<Vec<(usize, [f32; 2])>> = vec![Vec::new(); strides.len()];
    for fold in 0..k_folds {
        let tr: Vec<&Clip> = data
            .clips
            .iter()
            .filter(|c| fold_of_clip(&c.id, k_folds) != fold)
            .collect();
        let model = train_on_clips(&preset, &tr, false)?;
        for (si, view) in views.iter().enumerate() {
            for (i, c) in view.iter().enumerate() {
                if fold_of_clip(&c.id, k_folds) == fold {
                    let (a, v) = series(&model, &preset, c);
                    held[si].push((i, [mean(&a), mean(&v)]));
                }
            }
        }
    }
    // 3. Holdout: trained on the rest (full embeddings), holdout strided.
    let holdout = mer_train::protocol::committed_holdout()?;
    let rest: Vec<&Clip> = data
        .clips
        .iter()
        .filter(|c| !holdout.contains(&c.id))
        .collect();
    let model = train_on_clips(&preset, &rest, false)?;
    println!(
        "\nquality: 5-fold CV by song on {} clips (trained on full embeddings, held-out clips \
         at stride k); holdout {} ({} clips of it here), trained on the other {}\n",
        data.clips.len(),
        mer_train::protocol::HOLDOUT_FILE,
        data.clips
            .iter()
            .filter(|c| holdout.contains(&c.id))
            .count(),
        rest.len()
    );
    println!("| k | CV r A | CV r V | CV 4Q acc | holdout r A | holdout r V | holdout 4Q acc |");
    println!("|---|---|---|---|---|---|---|");
    for (si, (k, view)) in strides.iter().zip(&views).enumerate() {
        let cv = static_scores(&data, held[si].iter().copied());
        let ho: Vec<(usize, [f32; 2])> = view
            .iter()
            .enumerate()
            .filter(|(_, c)| holdout.contains(&c.id))
            .map(|(i, c)| {
                let (a, v) = series(&model, &preset, c);
                (i, [mean(&a), mean(&v)])
            })
            .collect();
        let ho = static_scores(&data, ho.iter().copied());
        println!(
            "| {k} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} |",
            cv[0], cv[1], cv[2], ho[0], ho[1], ho[2]
        );
    }
    eprintln!("{:.0} s in all", t0.elapsed().as_secs_f64());
    Ok(())
}
