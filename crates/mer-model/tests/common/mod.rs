//! Real training examples for the tests: DEAM sample clips (dynamic + static labels),
//! 4Q clips (quadrant) and MUSIFEAST-17 clips (static), as 40-band log-mel at 2 Hz.

#![allow(dead_code)]

use std::path::Path;

use mer_data::{Format, Item, LoadOptions};
use mer_features::{MelConfig, log_mel_file, pool_2hz};
use mer_model::{ClipLabels, Example, FeatureSpec};

/// The feature spec of the test examples.
pub fn spec() -> FeatureSpec {
    FeatureSpec {
        name: "logmel40-malik2017".into(),
        version: "test".into(),
        n_features: 40,
        frame_rate_hz: 2.0,
    }
}

/// Log-mel at 2 Hz of an item, paired with its labels by the project's one adapter
/// ([`mer_train::example_of`]).
pub fn example(item: &Item, prefix: &str) -> Example {
    let cfg = MelConfig::malik2017();
    let lm = log_mel_file(&item.audio, &cfg).expect("log-mel of shared clip");
    let m = pool_2hz(&lm.features, lm.n_samples, cfg.hop_length, cfg.sample_rate);
    mer_train::example_of(item, prefix, m)
}

/// An item's labels for [`Example::from_frames`] ([`mer_train::labels_of`]).
pub fn labels(item: &Item) -> ClipLabels<'_> {
    mer_train::labels_of(item)
}

/// The first `n` items of a corpus folder as examples.
pub fn corpus(data: &Path, dir: &str, format: Format, n: usize) -> Vec<Example> {
    let ds = mer_data::load(&data.join(dir), format, &LoadOptions { skip_bad: true })
        .expect("shared corpus loads");
    let mut items: Vec<&Item> = ds.items.iter().filter(|i| !i.labels.is_empty()).collect();
    items.sort_by(|a, b| a.id.cmp(&b.id));
    items.into_iter().take(n).map(|i| example(i, dir)).collect()
}
