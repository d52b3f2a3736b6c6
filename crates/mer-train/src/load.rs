//! Loading labelled datasets as training examples: features from the registry
//! ([`mer_featureset`]), through the feature cache, with the decoder's warnings kept (also for
//! clips read from the cache).

use std::path::PathBuf;

use mer_data::{FeatureCache, Format, Item, LoadOptions};
use mer_featureset::{Computed, Extractor, FeatureSet};
use mer_model::Example;
use rayon::prelude::*;

use crate::error::{Result, TrainError};
use crate::example::example_of;

/// A dataset to load: its layout and folder (or manifest file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// Layout.
    pub format: Format,
    /// Folder (or manifest file).
    pub dir: PathBuf,
}

/// Examples of one or more datasets, and what was said while loading them.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The examples, dataset after dataset, each sorted by id.
    pub examples: Vec<Example>,
    /// Each dataset's name and its number of usable clips.
    pub datasets: Vec<(String, usize)>,
    /// Warnings, one line each, naming the file: dataset problems, clips left out (and why),
    /// decoder warnings (truncated file, …) whether the features were computed or cached.
    pub warnings: Vec<String>,
}

impl Loaded {
    /// The datasets' names.
    pub fn names(&self) -> Vec<String> {
        self.datasets.iter().map(|d| d.0.clone()).collect()
    }
}

/// The features of `set` for every item, on all of rayon's threads, through `cache` when
/// given (an entry keeps the decoder's warnings); one result per item, so one bad file fails
/// alone. A progress bar on stderr when `progress`.
pub fn features_of(
    set: FeatureSet,
    items: &[Item],
    cache: Option<&FeatureCache>,
    progress: bool,
) -> Vec<Result<Computed>> {
    let extractor = Extractor::new();
    let bar = if progress {
        indicatif::ProgressBar::new(items.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{msg} {wide_bar} {pos}/{len} [{elapsed} < {eta}]")
    {
        bar.set_style(style);
    }
    bar.set_message(format!("features {set}"));
    let key = set.cache_key();
    let out = items
        .par_iter()
        .map(|it| {
            let compute = || extractor.compute_file(set, &it.audio, it.features.as_deref());
            let r = match (cache, &key) {
                (Some(c), Some(key)) => c
                    .get_or_compute_entry(&it.audio, key, || {
                        compute().map(|c| (c.features, c.warnings))
                    })
                    .map(|e| Computed {
                        features: e.matrix,
                        warnings: e.warnings,
                    })
                    .map_err(TrainError::from),
                _ => compute().map_err(TrainError::from),
            };
            bar.inc(1);
            r
        })
        .collect();
    bar.finish_and_clear();
    out
}

/// Loads every dataset (labelled items only, sorted by id, at most `limit` per dataset) with
/// the features of `set`. A clip whose features fail or have no frames is left out with a
/// warning; an error only when no dataset is given. When no clip is usable the result has no
/// examples (check [`Loaded::examples`]) and keeps every warning, so the caller can report
/// each bad file before failing.
pub fn load_examples(
    sources: &[Source],
    set: FeatureSet,
    cache: Option<&FeatureCache>,
    limit: Option<usize>,
    progress: bool,
) -> Result<Loaded> {
    if sources.is_empty() {
        return Err(TrainError::Invalid(
            "no dataset given: pass --data FORMAT=DIR (repeat to mix datasets)".into(),
        ));
    }
    let mut out = Loaded::default();
    for src in sources {
        let ds = mer_data::load(&src.dir, src.format, &LoadOptions { skip_bad: true })?;
        for p in ds.problems.iter().take(3) {
            out.warnings
                .push(format!("{}: {:?}", p.file.display(), p.kind));
        }
        if ds.problems.len() > 3 {
            out.warnings.push(format!(
                "{} more problems in {} (see `mer data check`)",
                ds.problems.len() - 3,
                src.dir.display()
            ));
        }
        let mut items: Vec<Item> = ds
            .items
            .iter()
            .filter(|i| !i.labels.is_empty())
            .cloned()
            .collect();
        items.sort_by(|a, b| a.id.cmp(&b.id));
        if let Some(n) = limit {
            items.truncate(n);
        }
        let prefix = src.format.to_string();
        let mut n_ok = 0;
        for (item, r) in items.iter().zip(features_of(set, &items, cache, progress)) {
            match r {
                Ok(c) => {
                    for w in &c.warnings {
                        out.warnings.push(format!("{}: {w}", item.audio.display()));
                    }
                    if c.features.rows == 0 {
                        out.warnings
                            .push(format!("{}: no frames, skipped", item.audio.display()));
                        continue;
                    }
                    out.examples.push(example_of(item, &prefix, c.features));
                    n_ok += 1;
                }
                Err(e) => out.warnings.push(format!("{e}; skipped")),
            }
        }
        out.datasets.push((ds.name.clone(), n_ok));
    }
    Ok(out)
}
