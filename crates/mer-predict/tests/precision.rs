//! musicnn in bf16 (mer-kernels; the default where the CPU has AVX512_BF16) against the f32
//! reference (burn), on real clips: the 2 Hz embeddings and the default model's answers.
//!
//! The bounds are the error of bfloat16 operands (8-bit significand, relative rounding error
//! ≤ 2⁻⁸ per operand; mer-kernels' `bf16_bound`) carried through eight layers, measured here on
//! these clips and on 30 more (`precision_quality` example, README of mer-kernels) and kept
//! with a margin; the static answers' bound is the quality gate (0.005).
//! On a CPU without AVX512_BF16 the bf16 products run mer-kernels' portable emulation (same
//! operands and sums, slower).

use std::path::PathBuf;

use mer_musicnn::{MusicnnEmbedder, Precision, frontend};
use mer_predict::Predictor;

/// 2 Hz embeddings (batch-normed, mean |value| ~0.4): max |bf16 − f32| per value.
const EMBEDDING_MAX: f32 = 0.08;
/// 2 Hz embeddings: mean |bf16 − f32|.
const EMBEDDING_MEAN: f32 = 0.01;
/// Static (whole-clip) arousal and valence: max |bf16 − f32| (the quality gate).
const STATIC_MAX: f32 = 0.005;
/// Arousal and valence every 0.5 s: max |bf16 − f32|.
const DYNAMIC_MAX: f32 = 0.015;

/// Two 4Q clips (22.05 kHz mono: Q1 and Q3) and a DEAM clip (44.1 kHz stereo).
fn clips() -> Option<Vec<PathBuf>> {
    let data = mer_audio::testdata::shared_data()?;
    let first = |dir: &str| -> PathBuf {
        let mut files: Vec<PathBuf> = std::fs::read_dir(data.join(dir))
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files.swap_remove(0)
    };
    Some(vec![
        first("4q/audio/Q1"),
        first("4q/audio/Q3"),
        data.join("deam-sample/audio/2.mp3"),
    ])
}

fn max_mean(a: &[f32], b: &[f32]) -> (f32, f32) {
    assert_eq!(a.len(), b.len());
    let d: Vec<f32> = a.iter().zip(b).map(|(x, y)| (x - y).abs()).collect();
    (
        d.iter().copied().fold(0.0, f32::max),
        d.iter().sum::<f32>() / d.len() as f32,
    )
}

#[test]
fn bf16_embeddings_and_answers_are_within_bounds_of_f32() {
    let Some(clips) = clips() else {
        eprintln!("skipping: shared data not found (set MER_DATA)");
        return;
    };
    let f32_embedder = MusicnnEmbedder::new()
        .unwrap()
        .with_precision(Precision::F32);
    let bf16_embedder = MusicnnEmbedder::new()
        .unwrap()
        .with_precision(Precision::Bf16);
    let f32_predictor = Predictor::default_model()
        .unwrap()
        .with_precision(Precision::F32);
    let bf16_predictor = Predictor::default_model()
        .unwrap()
        .with_precision(Precision::Bf16);
    for clip in &clips {
        let (logmel, _) = frontend::logmel_file(clip).unwrap();
        let reference = f32_embedder.embed_2hz_logmel(&logmel).unwrap();
        let bf16 = bf16_embedder.embed_2hz_logmel(&logmel).unwrap();
        let (max, mean) = max_mean(&bf16.data, &reference.data);
        let r = f32_predictor.predict_file(clip).unwrap();
        let b = bf16_predictor.predict_file(clip).unwrap();
        let (da, dv) = ((b.arousal - r.arousal).abs(), (b.valence - r.valence).abs());
        let (dyn_a, _) = max_mean(&b.dynamic_arousal, &r.dynamic_arousal);
        let (dyn_v, _) = max_mean(&b.dynamic_valence, &r.dynamic_valence);
        println!(
            "{}: embeddings max |Δ| {max:.4} mean {mean:.5}; static arousal |Δ| {da:.4} \
             valence {dv:.4}; 0.5 s max |Δ| {dyn_a:.4} / {dyn_v:.4}",
            clip.display()
        );
        assert!(
            max <= EMBEDDING_MAX,
            "{}: embeddings max {max}",
            clip.display()
        );
        assert!(
            mean <= EMBEDDING_MEAN,
            "{}: embeddings mean {mean}",
            clip.display()
        );
        assert!(
            da <= STATIC_MAX && dv <= STATIC_MAX,
            "{}: static {da} {dv}",
            clip.display()
        );
        assert!(
            dyn_a <= DYNAMIC_MAX && dyn_v <= DYNAMIC_MAX,
            "{}: dynamic {dyn_a} {dyn_v}",
            clip.display()
        );
        // The bf16 answers are not the f32 ones (the test would pass vacuously otherwise).
        assert_ne!(bf16.data, reference.data, "{}", clip.display());
    }
}
