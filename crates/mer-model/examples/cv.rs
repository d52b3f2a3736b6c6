//! k-fold cross-validation on shared corpora without the CLI (the CLI's `mer eval` is the
//! real entry point; this example exists to run the same library call from the mer-model
//! crate alone):
//! `cargo run --release -p mer-model --example cv -- MODEL SEQ_LEN EPOCHS FOLDS FORMAT=DIR...`
//! Features: 40 log-mel bands at 2 Hz over 0–10 kHz (as `mer eval --features logmel-10k`).

use mer_data::{Format, LoadOptions};
use mer_features::{MelConfig, log_mel_file, pool_2hz};
use mer_model::eval::{cross_validate, format_table};
use mer_model::{
    ClipLabels, DynamicLabels, Example, FeatureSpec, ModelConfig, TrainConfig, TrainSet,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 5 {
        return Err("usage: cv MODEL SEQ_LEN EPOCHS FOLDS FORMAT=DIR...".into());
    }
    let (model, seq_len, epochs, folds) = (
        args[0].clone(),
        args[1].parse::<usize>()?,
        args[2].parse::<usize>()?,
        args[3].parse::<usize>()?,
    );
    let cfg = MelConfig {
        fmax: Some(10_000.0),
        ..MelConfig::malik2017()
    };
    let mut clips: Vec<Example> = Vec::new();
    let mut names = Vec::new();
    for spec in &args[4..] {
        let (f, dir) = spec.split_once('=').ok_or("FORMAT=DIR")?;
        let format = Format::parse(f).ok_or("unknown format")?;
        let ds = mer_data::load(dir.as_ref(), format, &LoadOptions { skip_bad: true })?;
        let cache = mer_data::FeatureCache::open_default().ok();
        // The key of `mer eval --features logmel-10k`, so the two share cache entries.
        let key = format!("logmel40-fmax10k/v1;2hz;{}", cfg.describe());
        let mats = mer_data::compute_all(&ds.items, cache.as_ref(), &key, true, |p| {
            log_mel_file(p, &cfg)
                .map(|o| pool_2hz(&o.features, o.n_samples, cfg.hop_length, cfg.sample_rate))
        });
        for (item, m) in ds.items.iter().zip(mats) {
            let m = m?;
            let l = &item.labels;
            let labels = ClipLabels {
                static_av: l.static_av.as_ref().map(|s| [s.arousal, s.valence]),
                quadrant: l.quadrant.map(|q| q.index() as u8 + 1),
                dynamic: l.dynamic.as_ref().map(|d| DynamicLabels {
                    first_frame: d.first_frame(),
                    arousal: &d.arousal,
                    valence: &d.valence,
                }),
            };
            let id = format!("{f}/{}", item.id);
            clips.push(Example::from_frames(id, m.data, m.cols, labels));
        }
        eprintln!("{}: {} clips", ds.name, ds.items.len());
        names.push(ds.name);
    }
    let set = TrainSet {
        train: &clips,
        val: None,
        features: FeatureSpec {
            name: "logmel40-fmax10k".into(),
            version: "1".into(),
            n_features: 40,
            frame_rate_hz: 2.0,
        },
        datasets: names.clone(),
    };
    let tc = TrainConfig {
        seq_len,
        overlap: seq_len / 2,
        max_epochs: epochs,
        patience: 4,
        ..TrainConfig::default()
    };
    let config = ModelConfig::preset(&model, 40)?;
    let report = cross_validate(
        &config,
        &set,
        &tc,
        folds,
        &burn::tensor::Device::flex(),
        |i, m| {
            eprintln!("fold {} done:\n{}", i + 1, format_table(m));
        },
    )?;
    println!(
        "{folds}-fold CV of {model} (L = {seq_len}, ≤ {epochs} epochs) on {}:",
        names.join(" + ")
    );
    print!("{}", format_table(&report.pooled));
    Ok(())
}
