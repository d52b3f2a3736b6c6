//! MTT_musicnn, MSD_vgg and MTT_vgg against the original musicnn 0.1.0 TensorFlow graphs
//! (fixtures by scripts/musicnn_reference.py, in tests/fixtures/<model>/): network only on the
//! reference log-mel (2 Hz embeddings and `extractor()`'s 3 s patches), and end to end from the
//! audio files through our decode + resample + log-mel. (MSD_musicnn: network.rs and
//! end_to_end.rs.)

mod common;

use common::{Fixtures, max_abs_diff, top_tag};
use mer_features::Matrix;
use mer_musicnn::{Architecture, Embedder, Precision, Pretrained, frontend};

/// Network only (the reference's own log-mel in): max |Δ| of tag probabilities and of
/// embedding values (O(1): batch-normed, |value| ≤ 2.7 on these clips), every model. Measured:
/// ≤ 2.2e-6 (tags) and ≤ 1.1e-5 (2 Hz and extractor embeddings); f32 summation order differs.
const NETWORK_TOLERANCE: f32 = 1e-4;

/// End to end (our decode, resampler and log-mel vs librosa/soxr): max |Δ| `(tag probability,
/// embedding)` per model. The 44.1 kHz DEAM clip dominates, as for MSD_musicnn (end_to_end.rs:
/// the resampler's roll-off above ~7.2 kHz changes mel bands 93–95). Measured on DEAM 2:
/// MTT_musicnn 0.083 / 0.368, MSD_vgg 0.012 / 0.190, MTT_vgg 0.023 / 0.224; on the 4Q clip
/// ≤ 0.005 / 0.037.
fn e2e_tolerance(model: Pretrained) -> (f32, f32) {
    match model.architecture() {
        Architecture::Musicnn => (0.1, 0.6),
        Architecture::Vgg => (0.05, 0.4),
    }
}

const OTHERS: [Pretrained; 3] = [
    Pretrained::MttMusicnn,
    Pretrained::MsdVgg,
    Pretrained::MttVgg,
];

fn matrix(a: &common::Array) -> Matrix {
    Matrix::new(a.shape[0], a.shape[1], a.data.clone())
}

#[test]
fn other_models_match_tensorflow_on_reference_mel() {
    let fx = Fixtures::load();
    let clip = fx.logmel_clip();
    let logmel = matrix(&fx.npy(&format!("{}.logmel.npy", clip.id)));
    for model in OTHERS {
        let mf = fx.model(model.name());
        assert_eq!(mf.embedding, model.embedding_layer());
        let names: Vec<String> = model.tags().iter().map(|s| s.to_string()).collect();
        assert_eq!(mf.fixtures.tags(), names, "{model} tag names");
        let e = Embedder::new(model).unwrap().with_precision(Precision::F32);

        let emb_ref = mf.fixtures.npy(&format!("{}.embed2hz.npy", clip.id));
        let emb = e.embed_2hz_logmel(&logmel).unwrap();
        assert_eq!([emb.rows, emb.cols], [emb_ref.shape[0], emb_ref.shape[1]]);
        assert_eq!(emb.cols, model.embedding_dim());
        let emb_err = max_abs_diff(&emb.data, &emb_ref.data);

        let ours = e.tag_patches(&logmel).unwrap();
        let tags_ref = mf.fixtures.npy(&format!("{}.tags.npy", clip.id));
        let pen_ref = mf.fixtures.npy(&format!("{}.penultimate.npy", clip.id));
        let tag_err = max_abs_diff(&ours.tags.data, &tags_ref.data);
        let pen_err = max_abs_diff(&ours.penultimate.data, &pen_ref.data);
        // tags_of (the output layer alone) gives the same tags from the embeddings.
        let relabel_err = max_abs_diff(&e.tags_of(&ours.penultimate).data, &ours.tags.data);
        println!(
            "{model} on the reference log-mel: 2 Hz {} ({} frames) max |Δ| {emb_err:.2e}; \
             {} patches: tags {tag_err:.2e}, {} {pen_err:.2e}",
            model.embedding_layer(),
            emb.rows,
            ours.tags.rows,
            model.embedding_layer()
        );
        assert!(tag_err <= NETWORK_TOLERANCE, "{model}: tag error {tag_err}");
        assert!(
            emb_err <= NETWORK_TOLERANCE && pen_err <= NETWORK_TOLERANCE,
            "{model}: embedding error {emb_err} / {pen_err}"
        );
        assert!(relabel_err <= 1e-6, "{model}: tags_of {relabel_err}");
        // Not vacuous: the reference's tags are far from uniform.
        let best = tags_ref.data.iter().cloned().fold(0.0f32, f32::max);
        assert!(best > 0.2, "{model}: reference top tag {best}");
    }
}

#[test]
fn other_models_audio_to_tags_match_the_original_within_tolerance() {
    let Some(data) = mer_audio::testdata::shared_data() else {
        println!("skipping: shared data not found (set MER_DATA)");
        return;
    };
    let fx = Fixtures::load();
    let embedders: Vec<Embedder> = OTHERS
        .iter()
        .map(|&m| Embedder::new(m).unwrap().with_precision(Precision::F32))
        .collect();
    for clip in fx.model(OTHERS[0].name()).fixtures.clips() {
        // One log-mel per file serves every model.
        let audio = mer_audio::load(&data.join(&clip.path), Some(16_000)).unwrap();
        let logmel = frontend::logmel(&audio.samples).unwrap();
        for e in &embedders {
            let model = e.model();
            let mf = fx.model(model.name()).fixtures;
            let ours = e.tag_patches(&logmel).unwrap();
            let tags_ref = mf.npy(&format!("{}.tags.npy", clip.id));
            let pen_ref = mf.npy(&format!("{}.penultimate.npy", clip.id));
            assert_eq!(ours.tags.rows, tags_ref.shape[0], "{model} {}", clip.id);
            let tag_err = max_abs_diff(&ours.tags.data, &tags_ref.data);
            let pen_err = max_abs_diff(&ours.penultimate.data, &pen_ref.data);
            println!(
                "{model} {}: {} patches, max |Δ tag prob| {tag_err:.4}, max |Δ {}| {pen_err:.4}",
                clip.id,
                ours.tags.rows,
                model.embedding_layer()
            );
            let (tag_tol, emb_tol) = e2e_tolerance(model);
            assert!(
                tag_err <= tag_tol,
                "{model} {}: tag error {tag_err}",
                clip.id
            );
            assert!(
                pen_err <= emb_tol,
                "{model} {}: embedding error {pen_err}",
                clip.id
            );
            assert_eq!(
                top_tag(&ours.tags),
                top_tag(&matrix(&tags_ref)),
                "{model} {}",
                clip.id
            );
        }
    }
}
