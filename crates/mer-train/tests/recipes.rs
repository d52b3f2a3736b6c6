//! The embedded models' recipes on real clips: the default ridge head round-trips through its
//! file and predicts in `mer predict` what it predicts in memory; `fast` is distilled from it.

use std::path::Path;

use mer_model::metrics::pearson;

/// A corpus of the shared data, its items sorted by id.
fn sorted_items(data: &Path, dir: &str, format: mer_data::Format) -> Vec<mer_data::Item> {
    mer_data::load_lenient(&data.join(dir), format)
        .unwrap()
        .into_items_by_id()
}

/// The default recipe (ridge head on musicnn embeddings) trained on a few real clips: the
/// file round-trips exactly (including its NaN validation loss, written as null), the 4Q
/// dataset sets the zero point, and `--model FILE` predicts what the in-memory model does.
#[test]
fn default_recipe_trains_and_round_trips_on_real_clips() {
    use mer_data::Format;
    use mer_featureset::FeatureSet as InputKind;
    use mer_train::{Preset, train_preset};
    let Some(data) = mer_audio::testdata::shared_data() else {
        eprintln!("skipping: shared data not found");
        return;
    };
    let embedder = mer_musicnn::MusicnnEmbedder::new().unwrap();
    let mut examples = Vec::new();
    for (dir, format, name) in [
        ("musifeast17", Format::Musifeast, "musifeast"),
        ("4q", Format::FourQ, "4q"),
    ] {
        let items = sorted_items(&data, dir, format);
        // Four clips of each quadrant from 4Q (ids are sorted by quadrant folder).
        let picked: Vec<_> = if name == "4q" {
            (1..=4u8)
                .flat_map(|q| {
                    items
                        .iter()
                        .filter(move |it| {
                            it.labels.quadrant.map(|x| x.index() as u8 + 1) == Some(q)
                        })
                        .take(2)
                })
                .cloned()
                .collect()
        } else {
            items.into_iter().take(8).collect()
        };
        for it in picked {
            let audio = mer_audio::load(&it.audio, Some(16_000)).unwrap();
            let ten_s = &audio.samples[..audio.samples.len().min(160_000)];
            let m =
                mer_featureset::compute_16k(InputKind::Musicnn, ten_s, Some(&embedder)).unwrap();
            examples.push(mer_train::example_of(&it, name, m));
        }
    }
    assert_eq!(examples.len(), 16);
    let preset = Preset::named("default").unwrap();
    let model = train_preset(&preset, &examples, false).unwrap();
    let ridge = model.header.ridge.clone().expect("a ridge head");
    assert_eq!(ridge.smooth_frames, 9);
    assert!(model.header.training.best_val_loss.is_nan());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.mermodel");
    model.save_file(&path).unwrap();
    let back = mer_predict::Predictor::from_file(&path).unwrap();
    // (NaN ≠ NaN, so compare the headers as written.)
    let json = |m: &mer_model::MerModel| serde_json::to_string(&m.header).unwrap();
    assert_eq!(json(back.model()), json(&model));
    assert!(back.model().header.training.best_val_loss.is_nan());
    assert_eq!(back.input_kind(), InputKind::Musicnn);
    let x = &examples[0];
    let a = model.predict(&x.features, x.n_frames).unwrap();
    let b = back.model().predict(&x.features, x.n_frames).unwrap();
    assert_eq!(a.arousal, b.arousal);
    // The zero point is 4Q's: its balanced quadrants' targets (±0.5) average to ~0, so the
    // 4Q clips' mean predicted valence sits near 0 while MUSIFEAST's mean rating does not
    // pull it.
    let mean_4q: f32 = examples[8..]
        .iter()
        .map(|e| model.predict(&e.features, e.n_frames).unwrap().static_av[1])
        .sum::<f32>()
        / 8.0;
    assert!(mean_4q.abs() < 0.1, "4Q mean valence {mean_4q}");
}

/// `fast` is distilled from `default`: trained on 16 real clips (10 s each), the student
/// learns the teacher's series (the clips' own ratings are replaced), says so in its header,
/// and its clip means follow the teacher's.
#[test]
fn fast_preset_is_distilled_from_the_default() {
    use mer_data::Format;
    use mer_featureset::FeatureSet as InputKind;
    use mer_train::recipe::needs_musicnn;
    use mer_train::{Clip, Preset, train_on_clips};
    let Some(data) = mer_audio::testdata::shared_data() else {
        eprintln!("skipping: shared data not found");
        return;
    };
    let mut student = Preset::named("fast").unwrap();
    assert_eq!(student.teacher.as_deref(), Some("default"));
    assert!(needs_musicnn(&student).unwrap());
    assert!(!needs_musicnn(&Preset::named("fast-labels").unwrap()).unwrap());
    student.train.max_epochs = 12;
    student.train.patience = 12;
    let embedder = mer_musicnn::MusicnnEmbedder::new().unwrap();
    let clips: Vec<Clip> = sorted_items(&data, "musifeast17", Format::Musifeast)
        .iter()
        .step_by(16)
        .take(16)
        .map(|it| {
            let audio = mer_audio::load(&it.audio, Some(16_000)).unwrap();
            let ten_s = &audio.samples[..audio.samples.len().min(160_000)];
            let (musicnn, logmel) =
                mer_featureset::compute_all_16k(ten_s, Some(&embedder)).unwrap();
            Clip {
                id: format!("musifeast/{}", it.id),
                dataset: "musifeast",
                musicnn,
                logmel,
                static_av: it.labels.static_av.map(|s| [s.arousal, s.valence]),
                quadrant: None,
                dynamic: None,
            }
        })
        .collect();
    let refs: Vec<&Clip> = clips.iter().collect();
    let model = train_on_clips(&student, &refs, false).unwrap();
    let training = &model.header.training;
    assert!(
        training
            .datasets
            .iter()
            .any(|d| d.contains("default model's dynamic series")),
        "{:?}",
        training.datasets
    );
    assert_eq!(training.config["teacher"], "default");
    let teacher = train_on_clips(&Preset::named("default").unwrap(), &refs, false).unwrap();
    let mean = |m: &mer_model::MerModel, c: &Clip, kind: InputKind| {
        let x = mer_featureset::assemble(kind, c.musicnn.as_ref(), &c.logmel).unwrap();
        m.predict(&x.data, x.rows).unwrap().static_av
    };
    let t: Vec<f32> = clips
        .iter()
        .map(|c| mean(&teacher, c, InputKind::Musicnn)[0])
        .collect();
    let s: Vec<f32> = clips
        .iter()
        .map(|c| mean(&model, c, InputKind::LogMel)[0])
        .collect();
    let r = pearson(&t, &s);
    println!("student vs teacher, clip-mean arousal on the training clips: r {r:.3}");
    assert!(r > 0.5, "r {r}");
}
