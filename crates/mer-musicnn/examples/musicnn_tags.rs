//! Sanity table: top-5 MSD tags (mean over musicnn's 3 s patches) of the reference clips,
//! ours (audio → symphonia/mer-audio resampler/mer-features/burn) beside the original (librosa/soxr +
//! TensorFlow, from tests/fixtures/ made by scripts/musicnn_reference.py).
//!
//! `cargo run --release -p mer-musicnn --example musicnn_tags [SHARED_DATA_DIR]`

use std::path::{Path, PathBuf};

use mer_features::Matrix;
use mer_musicnn::{MSD_TAGS, MusicnnEmbedder, frontend};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let data = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .or_else(mer_audio::testdata::shared_data)
        .ok_or("shared data not found: pass its folder or set MER_DATA")?;
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures.join("manifest.json"))?)?;
    let embedder = MusicnnEmbedder::new()?;
    for clip in manifest["clips"].as_array().ok_or("manifest: no clips")? {
        let id = clip["id"].as_str().ok_or("clip id")?;
        let path = data.join(clip["path"].as_str().ok_or("clip path")?);
        let audio = mer_audio::load(&path, Some(frontend::SAMPLE_RATE))?;
        let ours = embedder
            .tag_patches(&frontend::logmel(&audio.samples)?)?
            .tags;
        let npy = npyz::NpyFile::new(std::fs::File::open(
            fixtures.join(format!("{id}.tags.npy")),
        )?)?;
        let shape: Vec<usize> = npy.shape().iter().map(|&d| d as usize).collect();
        let reference = Matrix::new(shape[0], shape[1], npy.into_vec::<f32>()?);
        println!(
            "{id} ({}, {} patches of 3 s)",
            clip["path"].as_str().unwrap_or(""),
            ours.rows
        );
        println!(
            "  {:<30} {:<30}",
            "ours (mer-musicnn)", "reference (musicnn 0.1.0, TF)"
        );
        let (a, b) = (top5(&ours), top5(&reference));
        for ((ta, pa), (tb, pb)) in a.iter().zip(&b) {
            println!(
                "  {:<22} {pa:.3}   {:<22} {pb:.3}",
                MSD_TAGS[*ta], MSD_TAGS[*tb]
            );
        }
    }
    Ok(())
}

/// The five tags with the highest mean probability over the patches.
fn top5(tags: &Matrix) -> Vec<(usize, f32)> {
    let mut mean = vec![0.0f32; tags.cols];
    for row in tags.iter_rows() {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += v / tags.rows as f32;
        }
    }
    let mut order: Vec<usize> = (0..tags.cols).collect();
    order.sort_by(|&a, &b| mean[b].total_cmp(&mean[a]));
    order.into_iter().take(5).map(|i| (i, mean[i])).collect()
}
