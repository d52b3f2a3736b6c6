//! Training guarantees on real data: determinism given a seed, resumption after an
//! interrupt equals an uninterrupted run, separate branch training, weak labels.

mod common;

use burn::tensor::Device;
use mer_data::Format;
use mer_model::{BranchTraining, ModelConfig, ModelError, TrainConfig, TrainSet, train};

/// burn seeds the flex backend's generator globally, so trainings in one process must not
/// overlap for the seed to decide the result: the tests here take turns.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn cfg(seed: u64) -> TrainConfig {
    TrainConfig {
        seq_len: 20,
        overlap: 10,
        batch_size: 8,
        lr: 2e-3,
        max_epochs: 4,
        patience: 10,
        seed,
        ..TrainConfig::default()
    }
}

/// Predictions on every clip: equal iff the weights act the same (the file bytes also hold
/// burn's per-process parameter ids, so they differ between any two runs).
fn weights(m: &mer_model::MerModel, clips: &[mer_model::Example]) -> Vec<mer_model::Prediction> {
    clips
        .iter()
        .map(|c| m.predict(&c.features, c.n_frames).unwrap())
        .collect()
}

#[test]
fn same_seed_same_weights_and_resume_equals_uninterrupted() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(data) = mer_audio::testdata::shared_data() else {
        return;
    };
    let clips = common::corpus(&data, "deam-sample", Format::Deam, 10);
    let set = TrainSet {
        train: &clips,
        val: None,
        features: common::spec(),
        datasets: vec!["deam-sample".into()],
    };
    let model = ModelConfig::preset("crnn", 40).unwrap();
    let dev = Device::flex();
    let (a, hist_a) = train(&model, &set, &cfg(1), &dev).unwrap();
    let (b, _) = train(&model, &set, &cfg(1), &dev).unwrap();
    let (c, _) = train(&model, &set, &cfg(2), &dev).unwrap();
    assert_eq!(a.header, b.header);
    assert_eq!(
        weights(&a, &clips),
        weights(&b, &clips),
        "same seed must give the same model"
    );
    assert_ne!(
        weights(&a, &clips),
        weights(&c, &clips),
        "another seed must give another model"
    );

    // Interrupt after 2 epochs, resume, compare with the uninterrupted run `a`.
    let dir = tempfile::tempdir().unwrap();
    let mut c1 = cfg(1);
    c1.checkpoint_dir = Some(dir.path().to_path_buf());
    c1.stop_after = Some(2);
    match train(&model, &set, &c1, &dev) {
        Err(ModelError::Interrupted { epochs: 2 }) => {}
        other => panic!("expected an interruption, got {other:?}"),
    }
    // A crafted or damaged checkpoint is an error naming its file, not a panic.
    for (file, bytes) in [
        (
            "state.json",
            &br#"{"phase":99,"next_epoch":0,"best_val":1.0,"best_epoch":0,"bad_epochs":0,"history":[],"done":false}"#[..],
        ),
        ("state.json", &b"{\"phase\": 0"[..]),
        ("model.bpk", &b"not burn bytes"[..]),
    ] {
        let bad = tempfile::tempdir().unwrap();
        for f in ["state.json", "model.bpk", "best.bpk", "optim.bpk"] {
            if dir.path().join(f).exists() {
                std::fs::copy(dir.path().join(f), bad.path().join(f)).unwrap();
            }
        }
        std::fs::write(bad.path().join(file), bytes).unwrap();
        let mut cb = cfg(1);
        cb.checkpoint_dir = Some(bad.path().to_path_buf());
        cb.resume = true;
        match train(&model, &set, &cb, &dev) {
            Err(e @ ModelError::CorruptFile { .. }) => {
                assert!(e.to_string().contains(file), "{e}");
            }
            other => panic!("{file}: expected a corrupt-file error, got {other:?}"),
        }
    }
    let mut c2 = cfg(1);
    c2.checkpoint_dir = Some(dir.path().to_path_buf());
    c2.resume = true;
    let (r, hist) = train(&model, &set, &c2, &dev).unwrap();
    assert_eq!(hist.len(), 4, "history spans both runs");
    assert_eq!(
        hist, hist_a,
        "resumed losses differ from the uninterrupted run's"
    );
    // The header records the training settings, not the run options (checkpoint folder,
    // resume, stop_after): the resumed model's header is the uninterrupted one's.
    assert_eq!(r.header, a.header);
    let p = a.predict(&clips[0].features, clips[0].n_frames).unwrap();
    let q = r.predict(&clips[0].features, clips[0].n_frames).unwrap();
    assert_eq!(p, q, "resumed run differs from the uninterrupted one");
}

#[test]
fn separate_branches_and_weak_labels_train() {
    let _turn = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(data) = mer_audio::testdata::shared_data() else {
        return;
    };
    // DEAM (dynamic) + MUSIFEAST-17 (static only) + 4Q (quadrant only), mixed in one run.
    let mut clips = common::corpus(&data, "deam-sample", Format::Deam, 6);
    clips.extend(common::corpus(&data, "musifeast17", Format::Musifeast, 6));
    clips.extend(common::corpus(&data, "4q", Format::FourQ, 6));
    assert!(
        clips
            .iter()
            .any(|c| c.dynamic.is_none() && c.static_av.is_some())
    );
    assert!(
        clips
            .iter()
            .any(|c| c.static_av.is_none() && c.quadrant.is_some())
    );
    let set = TrainSet {
        train: &clips,
        val: None,
        features: common::spec(),
        datasets: vec!["deam-sample".into(), "musifeast17".into(), "4q".into()],
    };
    let model = ModelConfig::preset("crnn", 40).unwrap();
    let mut c = cfg(3);
    c.branch_training = BranchTraining::Separate;
    c.max_epochs = 3;
    let (m, hist) = train(&model, &set, &c, &Device::flex()).unwrap();
    assert!(hist.iter().any(|h| h.phase == 0) && hist.iter().any(|h| h.phase == 1));
    for phase in 0..2 {
        let h: Vec<_> = hist.iter().filter(|h| h.phase == phase).collect();
        assert!(
            h.last().unwrap().train_loss < h[0].train_loss,
            "phase {phase} did not learn: {hist:?}"
        );
    }
    let p = m.predict(&clips[8].features, clips[8].n_frames).unwrap();
    assert!(p.static_av.iter().all(|x| x.is_finite()));
}
