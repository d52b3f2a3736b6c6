//! Reading the reference fixtures of scripts/musicnn_reference.py.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A float array read from a `.npy` fixture, row-major.
pub struct Array {
    pub shape: Vec<usize>,
    pub data: Vec<f32>,
}

/// One clip of `manifest.json`.
pub struct Clip {
    pub id: String,
    /// Path relative to the shared data folder.
    pub path: String,
    pub samples_16k: usize,
    pub mel_frames: usize,
    pub logmel: bool,
}

pub struct Fixtures {
    dir: PathBuf,
    manifest: serde_json::Value,
}

impl Fixtures {
    pub fn load() -> Self {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let text =
            std::fs::read_to_string(dir.join("manifest.json")).expect("fixtures/manifest.json");
        let manifest = serde_json::from_str(&text).expect("manifest.json parses");
        Fixtures { dir, manifest }
    }

    pub fn npy(&self, name: &str) -> Array {
        let path = self.dir.join(name);
        let file = std::fs::File::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let npy = npyz::NpyFile::new(std::io::BufReader::new(file)).expect("npy header");
        assert_eq!(
            npy.order(),
            npyz::Order::C,
            "{}: must be row-major",
            path.display()
        );
        let shape = npy.shape().iter().map(|&d| d as usize).collect();
        let data = npy.into_vec::<f32>().expect("f32 npy");
        Array { shape, data }
    }

    pub fn clips(&self) -> Vec<Clip> {
        clips_of(&self.manifest["clips"])
    }

    /// The fixtures of another model (`MTT_musicnn`, `MSD_vgg`, `MTT_vgg`): its folder's
    /// fixtures, its clips, tag names and embedding layer.
    pub fn model(&self, name: &str) -> ModelFixtures {
        let m = &self.manifest["models"][name];
        let dir = m["dir"]
            .as_str()
            .unwrap_or_else(|| panic!("manifest: no model {name}"));
        ModelFixtures {
            fixtures: Fixtures {
                dir: self.dir.join(dir),
                manifest: serde_json::json!({"clips": m["clips"], "tags": m["tags"]}),
            },
            embedding: m["embedding"].as_str().unwrap().to_string(),
        }
    }

    /// The clip whose whole log-mel (in the top folder) and 2 Hz reference are stored.
    pub fn logmel_clip(&self) -> Clip {
        self.clips()
            .into_iter()
            .find(|c| c.logmel)
            .expect("a clip with logmel")
    }

    pub fn tags(&self) -> Vec<String> {
        self.manifest["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect()
    }
}

pub struct ModelFixtures {
    /// Its fixtures (`clips()`, `tags()`, `npy()` of its folder).
    pub fixtures: Fixtures,
    /// `penultimate` or `pool5`.
    pub embedding: String,
}

fn clips_of(clips: &serde_json::Value) -> Vec<Clip> {
    clips
        .as_array()
        .expect("clips")
        .iter()
        .map(|c| Clip {
            id: c["id"].as_str().unwrap().to_string(),
            path: c["path"].as_str().unwrap().to_string(),
            samples_16k: c["samples_16k"].as_u64().unwrap() as usize,
            mel_frames: c["mel_frames"].as_u64().unwrap() as usize,
            logmel: c["logmel"].as_bool().unwrap_or(false),
        })
        .collect()
}

pub fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "lengths differ");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// The tag with the highest mean probability over the rows (patches).
pub fn top_tag(tags: &mer_features::Matrix) -> usize {
    let mut mean = vec![0.0f32; tags.cols];
    for row in tags.iter_rows() {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += v;
        }
    }
    (0..tags.cols)
        .max_by(|&a, &b| mean[a].total_cmp(&mean[b]))
        .unwrap()
}
