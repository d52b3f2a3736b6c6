//! The burn network against the original musicnn 0.1.0 TensorFlow graph, fed the reference's
//! own log-mel (fixtures by scripts/musicnn_reference.py): this isolates network error from
//! front-end error.

mod common;

use burn::tensor::activation::sigmoid;
use burn::tensor::{Device, Tensor, TensorData};
use common::{Fixtures, max_abs_diff};
use mer_musicnn::{MSD_TAGS, Musicnn};

/// Required by the issue: tag probabilities within 1e-3 of the reference.
const TAG_TOLERANCE: f32 = 1e-3;
/// Penultimate values are O(1) (batch-normed); float reordering in the convolutions.
const PENULTIMATE_TOLERANCE: f32 = 2e-3;

#[test]
fn tags_and_penultimate_match_tensorflow_on_reference_mel() {
    let fx = Fixtures::load();
    let clip = fx.logmel_clip();
    let logmel = fx.npy(&format!("{}.logmel.npy", clip.id)); // [frames, 96]
    let tags_ref = fx.npy(&format!("{}.tags.npy", clip.id)); // [patches, 50]
    let pen_ref = fx.npy(&format!("{}.penultimate.npy", clip.id)); // [patches, 200]
    let patches = tags_ref.shape[0];
    assert_eq!(logmel.shape[1], 96);
    assert_eq!(patches, logmel.shape[0] / 187, "extractor() patch count");

    // musicnn extractor(): non-overlapping patches of 187 frames from frame 0.
    let flat: Vec<f32> = logmel.data[..patches * 187 * 96].to_vec();
    let device = Device::flex();
    let model = Musicnn::pretrained(&device).expect("embedded weights load");
    let input = Tensor::<3>::from_data(TensorData::new(flat, [patches, 187, 96]), &device);
    let out = model.forward(input);
    let tags: Vec<f32> = sigmoid(out.logits).into_data().try_into_vec().unwrap();
    let pen: Vec<f32> = out.penultimate.into_data().try_into_vec().unwrap();

    let tag_err = max_abs_diff(&tags, &tags_ref.data);
    let pen_err = max_abs_diff(&pen, &pen_ref.data);
    println!(
        "{} patches: max |Δ tag prob| = {tag_err:.2e}, max |Δ penultimate| = {pen_err:.2e}",
        patches
    );
    assert!(tag_err <= TAG_TOLERANCE, "tag error {tag_err}");
    assert!(
        pen_err <= PENULTIMATE_TOLERANCE,
        "penultimate error {pen_err}"
    );
    // The comparison is not vacuous: the clip's tags are far from uniform.
    let best = tags_ref.data[..50].iter().cloned().fold(0.0f32, f32::max);
    assert!(best > 0.1, "reference top tag {best}");
}

#[test]
fn tag_names_match_the_reference_manifest() {
    let fx = Fixtures::load();
    assert_eq!(
        fx.tags(),
        MSD_TAGS.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    );
}

/// The matrix-product path (shared timbral filters) equals the burn module patch by patch,
/// including patches that leave the file (2 Hz edges) and the extractor patches.
#[test]
fn fast_path_equals_the_burn_module() {
    let fx = Fixtures::load();
    let clip = fx.logmel_clip();
    let logmel = fx.npy(&format!("{}.logmel.npy", clip.id));
    // 12 s of the clip keeps the test short: 25 2 Hz frames, 4 extractor patches.
    let rows = 750;
    let logmel = mer_features::Matrix::new(rows, 96, logmel.data[..rows * 96].to_vec());
    // f32: the reference path (bf16 is tested against it in mer-predict's tests/precision.rs).
    let e = mer_musicnn::MusicnnEmbedder::new()
        .unwrap()
        .with_precision(mer_musicnn::Precision::F32);
    let fast = e.embed_2hz_logmel(&logmel).unwrap();
    let module = e.embed_2hz_logmel_module(&logmel).unwrap();
    let err = max_abs_diff(&fast.data, &module.data);
    let tags_err = max_abs_diff(
        &e.tag_patches(&logmel).unwrap().tags.data,
        &e.tag_patches_module(&logmel).unwrap().tags.data,
    );
    println!("fast vs module: 2 Hz max |Δ| {err:.2e}, tags max |Δ| {tags_err:.2e}");
    assert!(err <= 1e-3 && tags_err <= 1e-5, "{err} {tags_err}");
}
