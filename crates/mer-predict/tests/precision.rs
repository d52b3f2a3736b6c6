//! musicnn in bf16 (mer-kernels; the default where the CPU has AVX512_BF16) and with int8
//! timbral convolutions (static answers where it also has AVX512_VNNI) against the f32 reference
//! (burn), on real clips: the 2 Hz embeddings and the default model's answers.
//!
//! The bounds are the error of bfloat16 operands (8-bit significand, relative rounding error
//! ≤ 2⁻⁸ per operand; mer-kernels' `bf16_bound`) carried through eight layers, measured here on
//! these clips and on 30 more (`precision_quality` example, README of mer-kernels) and kept
//! with a margin; the static answers' bound is the quality gate (0.005).
//! On a CPU without AVX512_BF16 the bf16 products run mer-kernels' portable emulation (same
//! operands and sums, slower).

use std::path::PathBuf;

use mer_musicnn::{LayerPrecision, MusicnnEmbedder, Precision, frontend};
use mer_predict::Predictor;

/// Bounds of a reduced precision against f32: 2 Hz embeddings (batch-normed, mean |value|
/// ~0.4) max and mean |Δ|, static (whole-clip) arousal and valence max |Δ|, arousal and
/// valence every 0.5 s max |Δ|.
struct Bounds {
    embedding_max: f32,
    embedding_mean: f32,
    static_max: f32,
    dynamic_max: f32,
}

/// bf16 everywhere; the static bound is the quality gate (0.005).
const BF16: Bounds = Bounds {
    embedding_max: 0.08,
    embedding_mean: 0.01,
    static_max: 0.005,
    dynamic_max: 0.015,
};

/// int8 timbral convolutions (input quantised once per file to 8 bits over its range), bf16
/// elsewhere: `mer_musicnn::static_precision` on CPUs with AVX512_VNNI and AVX512_BF16. Its quantisation noise
/// passes ReLU and a max over up to 90 frequency positions, so the static answers move more
/// than bf16's and mostly upwards (arousal +0.005 on average over 12 4Q clips, max |Δ| 0.011,
/// 2 Hz max 0.017, `precision_quality` example; here embeddings max 0.14, mean 0.011, static
/// 0.005, 2 Hz 0.008); the quality gate is the nested-CV protocol
/// (`nested_quadrant --view`, models/REPORT.md), these bounds keep what was measured with a
/// margin.
const INT8_TIMBRAL: Bounds = Bounds {
    embedding_max: 0.2,
    embedding_mean: 0.02,
    static_max: 0.015,
    dynamic_max: 0.025,
};

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

/// Embeddings and the default model's answers in `precision` against f32 on the test clips.
fn within_bounds_of_f32(precision: LayerPrecision, b: &Bounds) {
    let Some(clips) = clips() else {
        eprintln!("skipping: shared data not found (set MER_DATA)");
        return;
    };
    let f32_embedder = MusicnnEmbedder::new()
        .unwrap()
        .with_precision(Precision::F32);
    let embedder = MusicnnEmbedder::new().unwrap().with_precision(precision);
    let f32_predictor = Predictor::default_model()
        .unwrap()
        .with_precision(Precision::F32);
    let predictor = Predictor::default_model()
        .unwrap()
        .with_precision(precision);
    for clip in &clips {
        let (logmel, _) = frontend::logmel_file(clip).unwrap();
        let reference = f32_embedder.embed_2hz_logmel(&logmel).unwrap();
        let reduced = embedder.embed_2hz_logmel(&logmel).unwrap();
        let (max, mean) = max_mean(&reduced.data, &reference.data);
        let r = f32_predictor.predict_file(clip).unwrap();
        let p = predictor.predict_file(clip).unwrap();
        let (da, dv) = ((p.arousal - r.arousal).abs(), (p.valence - r.valence).abs());
        let (dyn_a, _) = max_mean(&p.dynamic_arousal, &r.dynamic_arousal);
        let (dyn_v, _) = max_mean(&p.dynamic_valence, &r.dynamic_valence);
        println!(
            "{precision} {}: embeddings max |Δ| {max:.4} mean {mean:.5}; static arousal |Δ| {da:.4} \
             valence {dv:.4}; 0.5 s max |Δ| {dyn_a:.4} / {dyn_v:.4}",
            clip.display()
        );
        assert!(
            max <= b.embedding_max,
            "{}: embeddings max {max}",
            clip.display()
        );
        assert!(
            mean <= b.embedding_mean,
            "{}: embeddings mean {mean}",
            clip.display()
        );
        assert!(
            da <= b.static_max && dv <= b.static_max,
            "{}: static {da} {dv}",
            clip.display()
        );
        assert!(
            dyn_a <= b.dynamic_max && dyn_v <= b.dynamic_max,
            "{}: dynamic {dyn_a} {dyn_v}",
            clip.display()
        );
        // The answers are not the f32 ones (the test would pass vacuously otherwise).
        assert_ne!(reduced.data, reference.data, "{}", clip.display());
    }
}

#[test]
fn bf16_embeddings_and_answers_are_within_bounds_of_f32() {
    within_bounds_of_f32(Precision::Bf16.into(), &BF16);
}

#[test]
fn int8_timbral_embeddings_and_answers_are_within_bounds_of_f32() {
    let p = LayerPrecision {
        timbral: Precision::Int8,
        ..LayerPrecision::all(Precision::Bf16)
    };
    within_bounds_of_f32(p, &INT8_TIMBRAL);
}
