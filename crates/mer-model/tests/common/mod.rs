//! Real training examples for the tests: DEAM sample clips (dynamic + static labels),
//! 4Q clips (quadrant) and MUSIFEAST-17 clips (static), as 40-band log-mel at 2 Hz.

#![allow(dead_code)]

use std::path::Path;

use mer_data::{Format, Item, LoadOptions};
use mer_features::{MelConfig, log_mel_file, pool_2hz};
use mer_model::{Example, FeatureSpec};

/// The feature spec of the test examples.
pub fn spec() -> FeatureSpec {
    FeatureSpec {
        name: "logmel40-malik2017".into(),
        version: "test".into(),
        n_features: 40,
        frame_rate_hz: 2.0,
    }
}

/// Log-mel at 2 Hz of an item, paired with its labels (dynamic labels cropped to the frames
/// that have both a label and features).
pub fn example(item: &Item, prefix: &str) -> Example {
    let cfg = MelConfig::malik2017();
    let lm = log_mel_file(&item.audio, &cfg).expect("log-mel of shared clip");
    let m = pool_2hz(&lm.features, cfg.hop_length, cfg.sample_rate);
    let mut ex = Example {
        id: format!("{prefix}/{}", item.id),
        features: m.data.clone(),
        n_frames: m.rows,
        static_av: item
            .labels
            .static_av
            .as_ref()
            .map(|s| [s.arousal, s.valence]),
        quadrant: item.labels.quadrant.map(|q| q.index() as u8 + 1),
        ..Default::default()
    };
    if let Some(d) = &item.labels.dynamic {
        let first = d.first_frame();
        let n = d.len().min(m.rows.saturating_sub(first));
        ex.features = m.data[first * m.cols..(first + n) * m.cols].to_vec();
        ex.n_frames = n;
        ex.dynamic = Some((d.arousal[..n].to_vec(), d.valence[..n].to_vec()));
    }
    ex
}

/// The first `n` items of a corpus folder as examples.
pub fn corpus(data: &Path, dir: &str, format: Format, n: usize) -> Vec<Example> {
    let ds = mer_data::load(&data.join(dir), format, &LoadOptions { skip_bad: true })
        .expect("shared corpus loads");
    let mut items: Vec<&Item> = ds.items.iter().filter(|i| !i.labels.is_empty()).collect();
    items.sort_by(|a, b| a.id.cmp(&b.id));
    items.into_iter().take(n).map(|i| example(i, dir)).collect()
}
