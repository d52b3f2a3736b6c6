//! The shared data (`../shared/data`: MUSIFEAST-17, 4Q, the DEAM and PMEmo samples) as
//! labelled clips with the embedded models' features.
//!
//! [`SharedData::load`]: every clip's features (musicnn embeddings and 2 Hz log-mel of one
//! 16 kHz front end, [`mer_featureset::compute_all_16k`]) with its labels: MUSIFEAST-17 static
//! ratings, 4Q quadrants (weak labels), DEAM/PMEmo dynamic series (features cropped to the
//! annotated frames). Features are cached per file content in a [`FeatureCache`] under the
//! registry's keys, with the decoder's warnings.

use std::path::Path;

use mer_data::{FeatureCache, Format, Matrix};
use mer_featureset::{FeatureSet, compute_all_16k};
use mer_model::{ClipLabels, DynamicLabels, Example};
use mer_musicnn::{LayerPrecision, MusicnnEmbedder, Precision};
use rayon::prelude::*;

use crate::error::Result;

#[derive(Clone, Debug)]
pub struct Clip {
    /// `dataset/id`.
    pub id: String,
    /// `musifeast`, `4q`, `deam` or `pmemo`.
    pub dataset: &'static str,
    /// musicnn embeddings of the whole file `[frames, 200]`, when computed.
    pub musicnn: Option<Matrix>,
    /// 2 Hz log-mel of the whole file `[frames, 96]`.
    pub logmel: Matrix,
    /// Static (arousal, valence) on [-1, 1].
    pub static_av: Option<[f32; 2]>,
    /// Quadrant 1..=4.
    pub quadrant: Option<u8>,
    /// Dynamic labels: (first frame, arousal, valence).
    pub dynamic: Option<(usize, Vec<f32>, Vec<f32>)>,
}

impl Clip {
    /// The clip with its musicnn embeddings as the stride-`k` embedder computes them
    /// (`MusicnnEmbedder::with_patch_stride`): each 2 Hz frame's patch is independent, so
    /// they are the rows [`strided_frames`](mer_musicnn::embed::strided_frames) picks,
    /// held over their groups ([`expand_strided`](mer_musicnn::embed::expand_strided)).
    pub fn strided(&self, k: usize) -> Clip {
        let musicnn = self.musicnn.as_ref().map(|m| {
            let picked: Vec<f32> = mer_musicnn::embed::strided_frames(m.rows, k)
                .into_iter()
                .flat_map(|t| m.row(t).to_vec())
                .collect();
            let rows = Matrix::new(picked.len() / m.cols, m.cols, picked);
            mer_musicnn::embed::expand_strided(&rows, m.rows, k)
        });
        Clip {
            musicnn,
            ..self.clone()
        }
    }

    /// The training example for features `kind` (dynamic clips cropped to their labels).
    ///
    /// An error if `kind` needs musicnn features that were not computed.
    pub fn example(&self, kind: FeatureSet) -> Result<Example> {
        let m = mer_featureset::assemble(kind, self.musicnn.as_ref(), &self.logmel)?;
        let labels = ClipLabels {
            static_av: self.static_av,
            quadrant: self.quadrant,
            dynamic: self.dynamic.as_ref().map(|(first, a, v)| DynamicLabels {
                first_frame: *first,
                arousal: a,
                valence: v,
            }),
        };
        Ok(Example::from_frames(
            self.id.clone(),
            m.data,
            m.cols,
            labels,
        ))
    }
}

/// A clip's features: musicnn embeddings (when computed), 2 Hz log-mel, decoder warnings.
type Features = (Option<Matrix>, Matrix, Vec<String>);

/// Every labelled clip of the shared data.
#[derive(Clone, Debug, Default)]
pub struct SharedData {
    /// The clips, in dataset order (MUSIFEAST-17, 4Q, DEAM, PMEmo), each sorted by id.
    pub clips: Vec<Clip>,
    /// Files that could not be read (id, message).
    pub failures: Vec<(String, String)>,
    /// Decoder warnings of the clips kept (id, message), also for features from the cache.
    pub warnings: Vec<(String, String)>,
}

/// The corpora of the shared data: (folder, format, short name).
pub const CORPORA: &[(&str, Format, &str)] = &[
    ("musifeast17", Format::Musifeast, "musifeast"),
    ("4q", Format::FourQ, "4q"),
    ("deam-sample", Format::Deam, "deam"),
    ("pmemo-sample", Format::Pmemo, "pmemo"),
];

/// The labelled items with audio of every corpus found under `data_dir`, with their corpus'
/// short name, in [`CORPORA`] order, each corpus sorted by id.
pub fn labelled_items(data_dir: &Path) -> Result<Vec<(&'static str, mer_data::Item)>> {
    let mut items = Vec::new();
    for &(folder, format, name) in CORPORA {
        let dir = data_dir.join(folder);
        if !dir.exists() {
            continue;
        }
        let ds = mer_data::load_lenient(&dir, format)?;
        items.extend(
            ds.into_items_by_id()
                .into_iter()
                .filter(|it| it.audio.exists() && !it.labels.is_empty())
                .map(|it| (name, it)),
        );
    }
    Ok(items)
}

impl SharedData {
    /// Every clip [`Clip::strided`] by `k`.
    pub fn strided(&self, k: usize) -> SharedData {
        SharedData {
            clips: self.clips.iter().map(|c| c.strided(k)).collect(),
            ..self.clone()
        }
    }

    /// One line per decoder warning (`id: message`) and per clip left out
    /// (`id: message; left out`), for the caller to print.
    pub fn report_lines(&self) -> Vec<String> {
        let warnings = self.warnings.iter().map(|(id, w)| format!("{id}: {w}"));
        let failures = self
            .failures
            .iter()
            .map(|(id, e)| format!("{id}: {e}; left out"));
        warnings.chain(failures).collect()
    }

    /// [`SharedData::load`] with musicnn features, printing to stderr how many clips loaded,
    /// how many were left out and how long it took, then [`report_lines`](Self::report_lines)
    /// (the study examples' start).
    pub fn load_logged(data_dir: &Path, cache: &FeatureCache) -> Result<SharedData> {
        let t0 = std::time::Instant::now();
        let data = Self::load(data_dir, Some(cache), true)?;
        eprintln!(
            "{} clips ({} left out) in {:.0} s",
            data.clips.len(),
            data.failures.len(),
            t0.elapsed().as_secs_f64()
        );
        for line in data.report_lines() {
            eprintln!("  {line}");
        }
        Ok(data)
    }

    /// Loads every corpus found under `data_dir` and computes (or reads from `cache`) each
    /// clip's features on all of rayon's threads.
    ///
    /// musicnn runs in f32 whatever the CPU (as `mer_featureset::Extractor`): training data
    /// must not depend on whether the machine has AVX-512 BF16 (prediction may use bf16).
    pub fn load(
        data_dir: &Path,
        cache: Option<&FeatureCache>,
        with_musicnn: bool,
    ) -> Result<SharedData> {
        Self::load_at(data_dir, cache, with_musicnn, Precision::F32.into())
    }

    /// [`load`](Self::load) with musicnn's products in `precision` (to measure what a
    /// reduced-precision prediction path does to models trained on f32 features). The cache
    /// key names the precision.
    pub fn load_at(
        data_dir: &Path,
        cache: Option<&FeatureCache>,
        with_musicnn: bool,
        precision: LayerPrecision,
    ) -> Result<SharedData> {
        let embedder = if with_musicnn {
            Some(MusicnnEmbedder::new()?.with_precision(precision))
        } else {
            None
        };
        let items = labelled_items(data_dir)?;
        let key_musicnn = FeatureSet::Musicnn
            .cache_key()
            .unwrap_or_default()
            .replace(";precision=f32", &format!(";precision={precision}"));
        let key_logmel = FeatureSet::LogMel.cache_key().unwrap_or_default();
        let results: Vec<_> = items
            .par_iter()
            .map(|(name, it)| {
                let cached = |key: &str| -> Option<mer_data::CacheEntry> {
                    let c = cache?;
                    c.get_entry(&c.key(&it.audio, key).ok()?)
                };
                let put = |key: &str, m: &Matrix, warnings: &[String]| {
                    if let Some(c) = cache
                        && let Ok(k) = c.key(&it.audio, key)
                    {
                        let _ = c.put_entry(&k, m, warnings);
                    }
                };
                let compute = || -> Result<Features> {
                    let l = cached(&key_logmel);
                    let m = if embedder.is_some() {
                        cached(&key_musicnn)
                    } else {
                        None
                    };
                    if let Some(l) = l
                        && (embedder.is_none() || m.is_some())
                    {
                        return Ok((m.map(|m| m.matrix), l.matrix, l.warnings));
                    }
                    let audio = mer_audio::load(&it.audio, Some(mer_featureset::RATE_16K))?;
                    let (m, l) = compute_all_16k(&audio.samples, embedder.as_ref())?;
                    put(&key_logmel, &l, &audio.warnings);
                    if let Some(m) = &m {
                        put(&key_musicnn, m, &audio.warnings);
                    }
                    Ok((m, l, audio.warnings))
                };
                (name, it, compute())
            })
            .collect();
        let mut out = SharedData::default();
        for (name, it, feats) in results {
            let id = crate::example::clip_id(name, it);
            let (musicnn, logmel, warnings) = match feats {
                Ok(f) if f.1.rows > 0 => f,
                Ok(_) => {
                    out.failures.push((id, "no frames".into()));
                    continue;
                }
                Err(e) => {
                    out.failures.push((id, e.to_string()));
                    continue;
                }
            };
            out.warnings
                .extend(warnings.into_iter().map(|w| (id.clone(), w)));
            // The labels as every example gets them (crate::example::labels_of).
            let l = crate::example::labels_of(it);
            out.clips.push(Clip {
                id,
                dataset: name,
                musicnn,
                logmel,
                static_av: l.static_av,
                quadrant: l.quadrant,
                dynamic: l
                    .dynamic
                    .map(|d| (d.first_frame, d.arousal.to_vec(), d.valence.to_vec())),
            });
        }
        Ok(out)
    }
}
