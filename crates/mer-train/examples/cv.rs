//! k-fold cross-validation on shared corpora without the CLI (the CLI's `mer eval` is the
//! real entry point; this example runs the same library calls):
//! `cargo run --release -p mer-train --example cv -- MODEL SEQ_LEN EPOCHS FOLDS FORMAT=DIR...`
//! Features: 40 log-mel bands at 2 Hz over 0–10 kHz (as `mer eval --features logmel-10k`,
//! sharing its cache entries).

use mer_data::Format;
use mer_featureset::FeatureSet;
use mer_model::eval::format_table;
use mer_model::{ModelConfig, TrainConfig, TrainSet};
use mer_train::{Source, cv::cross_validate, load_examples};

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
    let set = FeatureSet::LogMel40Fmax10k;
    let mut sources = Vec::new();
    for spec in &args[4..] {
        let (f, dir) = spec.split_once('=').ok_or("FORMAT=DIR")?;
        let format = Format::parse(f).ok_or("unknown format")?;
        sources.push(Source {
            format,
            dir: dir.into(),
        });
    }
    let cache = mer_data::FeatureCache::open_default().ok();
    let loaded = load_examples(&sources, set, cache.as_ref(), None, true)?;
    for w in &loaded.warnings {
        eprintln!("warning: {w}");
    }
    if loaded.examples.is_empty() {
        return Err("no usable clips in the given datasets".into());
    }
    let names = loaded.names();
    let train_set = TrainSet {
        train: &loaded.examples,
        val: None,
        features: set.spec(),
        datasets: names.clone(),
    };
    let tc = TrainConfig {
        seq_len,
        overlap: seq_len / 2,
        max_epochs: epochs,
        patience: 4,
        ..TrainConfig::default()
    };
    let config = ModelConfig::preset(&model, set.n_features())?;
    let report = cross_validate(
        &config,
        &train_set,
        &tc,
        folds,
        &mer_model::burn::tensor::Device::flex(),
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
