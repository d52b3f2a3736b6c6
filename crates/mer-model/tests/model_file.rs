//! The model file: round trip, and clear errors for corrupt, truncated, foreign and
//! future-version files.

use std::path::Path;

use mer_model::data::Standardizer;
use mer_model::file::{FORMAT_VERSION, ModelHeader, TrainingInfo, load_model_on};
use mer_model::quadrant::QuadrantHead;
use mer_model::ridge::{Ridge, RidgeConfig};
use mer_model::{
    Example, FeatureSpec, MerModel, ModelConfig, ModelError, load_model, load_model_file,
};

/// A small ridge model fitted on synthetic data (no burn weights), the same with a quadrant
/// head, and a CRNN with fresh weights.
fn models() -> Vec<MerModel> {
    let n_feat = 40;
    let ex = Example {
        id: "s".into(),
        features: (0..60 * n_feat)
            .map(|i| ((i * 7919) % 113) as f32 / 50.0)
            .collect(),
        n_frames: 60,
        dynamic: Some(((0..60).map(|t| t as f32 / 60.0).collect(), vec![0.1; 60])),
        ..Default::default()
    };
    let std = Standardizer::fit(std::slice::from_ref(&ex)).unwrap();
    let header = |model: ModelConfig, ridge| ModelHeader {
        written_by: "test".into(),
        model,
        features: FeatureSpec {
            name: "synthetic".into(),
            version: "1".into(),
            n_features: n_feat,
            frame_rate_hz: 2.0,
        },
        standardizer: std.clone(),
        seq_len: 20,
        predict_hop: 10,
        training: TrainingInfo::default(),
        metrics: serde_json::json!({"note": "none"}),
        ridge,
        quadrant: None,
    };
    let rc = RidgeConfig {
        n_features: n_feat,
        lambda: 0.1,
    };
    let ridge = Ridge::fit(&rc, std::slice::from_ref(&ex)).unwrap();
    let dev = burn::tensor::Device::flex();
    let crnn = ModelConfig::preset("crnn", n_feat).unwrap();
    let mut with_head = header(ModelConfig::Ridge(rc.clone()), Some(ridge.clone()));
    with_head.quadrant = Some(QuadrantHead {
        weights: (0..4 * n_feat)
            .map(|i| (i % 7) as f32 / 7.0 - 0.4)
            .collect(),
        bias: [0.1, -0.2, 0.05, 0.05],
        temperature: 0.8,
        threshold: 0.6,
    });
    vec![
        MerModel {
            header: header(ModelConfig::Ridge(rc), Some(ridge)),
            net: None,
            device: dev.clone(),
        },
        MerModel {
            header: with_head,
            net: None,
            device: dev.clone(),
        },
        MerModel {
            net: crnn.init_net(&dev).map(|n| burn::module::Module::valid(&n)),
            header: header(crnn, None),
            device: dev,
        },
    ]
}

#[test]
fn round_trip_and_clear_errors() {
    let feats: Vec<f32> = (0..45 * 40).map(|i| (i % 17) as f32 / 9.0).collect();
    for m in models() {
        let bytes = m.to_bytes().unwrap();
        let back = load_model(&bytes).unwrap();
        assert_eq!(back.header, m.header);
        assert_eq!(
            back.predict(&feats, 45).unwrap(),
            m.predict(&feats, 45).unwrap()
        );

        // A file on disk round-trips too.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.mer");
        m.save_file(&path).unwrap();
        assert_eq!(load_model_file(&path).unwrap().header, m.header);

        // Future version.
        let mut future = bytes.clone();
        future[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
        match load_model(&future) {
            Err(e @ ModelError::FutureVersion { .. }) => {
                assert!(e.to_string().contains("newer"), "{e}")
            }
            other => panic!("future version: {other:?}"),
        }
        // Wrong magic.
        assert!(matches!(
            load_model(b"RIFF1234whatever"),
            Err(ModelError::BadMagic { .. })
        ));
        // Truncated anywhere → corrupt, never a panic.
        for cut in [9, 15, 25, bytes.len() / 2, bytes.len() - 1] {
            assert!(
                matches!(
                    load_model(&bytes[..cut]),
                    Err(ModelError::CorruptFile { .. } | ModelError::BadMagic { .. })
                ),
                "cut at {cut}"
            );
        }
        // Garbage header.
        let mut bad = bytes.clone();
        bad[20] = b'#';
        assert!(matches!(
            load_model(&bad),
            Err(ModelError::CorruptFile { .. })
        ));
        // Flipped weight bytes of a network: a clear error or a model, never a panic.
        if m.net.is_some() {
            let mut flip = bytes.clone();
            let n = flip.len();
            flip[n - 40..].iter_mut().for_each(|b| *b ^= 0xFF);
            let _ = load_model(&flip);
        }
    }
    // Missing file names the path.
    let err = load_model_file(Path::new("/nonexistent/model.mer")).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/model.mer"), "{err}");
}

#[test]
fn quadrant_heads_are_bound_checked() {
    let m = &models()[1];
    assert!(m.header.quadrant.is_some());
    let bytes = |h: &ModelHeader| {
        MerModel {
            header: h.clone(),
            net: None,
            device: m.device.clone(),
        }
        .to_bytes()
        .unwrap()
    };
    type Edit = fn(&mut QuadrantHead);
    // (NaN and inf are written as JSON `null`, refused by the header's parser; the finite
    // checks guard headers built in memory.)
    let cases: [(Edit, &str); 6] = [
        (
            |q| q.weights.pop().map(drop).unwrap_or(()),
            "weights for 40 features",
        ),
        (|q| q.weights[3] = f32::INFINITY, "header JSON"),
        (|q| q.bias[1] = f32::NAN, "header JSON"),
        (|q| q.temperature = 0.0, "temperature 0"),
        (|q| q.temperature = 1e9, "temperature 1000000000"),
        (|q| q.threshold = -0.5, "threshold -0.5"),
    ];
    for (edit, want) in cases {
        let mut h = m.header.clone();
        edit(h.quadrant.as_mut().unwrap());
        let err = load_model_on(&bytes(&h), Path::new("head.mermodel"), &m.device).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("head.mermodel") && text.contains(want) && !text.contains('\n'),
            "{text}"
        );
    }
    // A file without the head (older files) loads, and writes no `quadrant` key.
    let old = bytes(&models()[0].header);
    assert!(!String::from_utf8_lossy(&old).contains("quadrant"));
    assert!(load_model(&old).unwrap().header.quadrant.is_none());
}

#[test]
fn predict_rejects_wrong_feature_count_and_nan() {
    let m = &models()[0];
    assert!(matches!(
        m.predict(&[0.0; 39 * 3], 3),
        Err(ModelError::FeatureMismatch { expected: 40, .. })
    ));
    let mut f = vec![0.0; 40 * 3];
    f[5] = f32::NAN;
    assert!(m.predict(&f, 3).is_err());
}

/// Gives every parameter a fresh random id, as a second training run would.
struct RandomIds;

impl burn::module::ModuleMapper for RandomIds {
    fn map_float<const D: usize>(
        &mut self,
        param: burn::module::Param<burn::tensor::Tensor<D>>,
    ) -> burn::module::Param<burn::tensor::Tensor<D>> {
        let (_, value, mapper) = param.consume();
        burn::module::Param::from_mapped_value(burn::module::ParamId::new(), value, mapper)
    }
}

/// A model file depends only on the weights: burn's random parameter ids are renumbered
/// (BatchNorm's running statistics, which a mapper cannot renumber, get fixed ids at init), so
/// `mer train --preset fast` is reproducible byte for byte.
#[test]
fn same_weights_give_the_same_bytes_whatever_the_param_ids() {
    let m = models().pop().unwrap();
    let bytes = m.to_bytes().unwrap();
    let net = m
        .net
        .clone()
        .map(|n| burn::module::Module::map(n, &mut RandomIds));
    let relabelled = MerModel {
        net,
        header: m.header.clone(),
        device: m.device.clone(),
    };
    assert_eq!(relabelled.to_bytes().unwrap(), bytes);
}

/// `ModelConfig::n_params` (what the loader checks a weights section against before building
/// anything) is exactly burn's parameter count, for every preset and cell.
#[test]
fn parameter_counts_match_the_networks() {
    use mer_model::crnn::CrnnConfig;
    use mer_model::model::PRESETS;
    use mer_model::recurrent::CellKind;
    let dev = burn::tensor::Device::flex();
    let mut configs: Vec<ModelConfig> = PRESETS
        .iter()
        .map(|p| ModelConfig::preset(p, 40).unwrap())
        .collect();
    for cell in [
        CellKind::Gru,
        CellKind::Lstm,
        CellKind::BiGru,
        CellKind::BiLstm,
    ] {
        configs.push(ModelConfig::Crnn(CrnnConfig {
            n_features: 96,
            conv_filters: 3,
            conv_kernel: 5,
            pool_freq: 7,
            cell,
            hidden: 6,
            rnn_layers: 3,
            branches: cell == CellKind::Gru,
            attention_heads: 2,
            ..CrnnConfig::default()
        }));
    }
    for c in &configs {
        let net = c.init_net(&dev);
        let burn = net.as_ref().map_or(0, burn::module::Module::num_params);
        assert_eq!(c.n_params(), burn as u64, "{c:?}");
    }
}

/// A header is checked before anything is allocated from it: sizes, the weights section
/// against the architecture, NaN/inf anywhere, window lengths; each a one-line error naming
/// the file.
#[test]
fn hostile_headers_and_weights_are_refused() {
    let [ridge, _with_head, crnn] = <[MerModel; 3]>::try_from(models()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.mermodel");
    let refused = |m: &MerModel, what: &str| {
        m.save_file(&path).unwrap();
        let e = load_model_file(&path).expect_err(what).to_string();
        assert!(e.starts_with(&path.display().to_string()), "{what}: {e}");
        assert!(!e.contains('\n'), "{e}");
        e
    };
    let mut m = crnn.clone();
    if let ModelConfig::Crnn(c) = &mut m.header.model {
        c.hidden = 1000; // within the limits, but the weights hold 32 units
    }
    let e = refused(&m, "network larger than its weights");
    assert!(e.contains("cannot hold"), "{e}");
    let mut m = crnn.clone();
    if let ModelConfig::Crnn(c) = &mut m.header.model {
        c.n_features = 1 << 40;
    }
    refused(&m, "absurd feature count");
    let mut m = crnn.clone();
    m.header.seq_len = usize::MAX;
    refused(&m, "absurd window");
    let mut m = crnn.clone();
    m.header.standardizer.std[3] = 0.0;
    assert!(refused(&m, "zero std").contains("std 3"));
    let mut m = crnn.clone();
    m.header.standardizer.mean.pop();
    refused(&m, "short standardisation");
    let mut m = ridge.clone();
    m.header.ridge.as_mut().unwrap().weights.pop();
    assert!(refused(&m, "short ridge").contains("79 weights"));
    let mut m = ridge.clone();
    m.header.ridge.as_mut().unwrap().weights[5] = f32::INFINITY;
    refused(&m, "inf ridge weight");
    // A NaN inside the network's weights, found by its module path.
    let bytes = crnn.to_bytes().unwrap();
    let mut net = crnn.net.clone().unwrap();
    if let mer_model::Net::Crnn(c) = &mut net {
        let w = c.branches[1].head.weight.val();
        let mut v: Vec<f32> = w.to_data().try_to_vec().unwrap();
        v[0] = f32::NAN;
        let t = burn::tensor::Tensor::<2>::from_data(
            burn::tensor::TensorData::new(v, w.dims()),
            &crnn.device,
        );
        c.branches[1].head.weight = burn::module::Param::from_tensor(t);
    }
    let m = MerModel {
        net: Some(net),
        ..crnn.clone()
    };
    let e = refused(&m, "NaN weight");
    assert!(
        e.contains("branches.1.head.weight") && e.contains("NaN"),
        "{e}"
    );
    assert!(load_model(&bytes).is_ok());
}

/// Training records the model and training settings, not the run's options (checkpoint
/// folder, resume, progress, stop_after): no local path in a model file.
#[test]
fn training_config_in_the_file_holds_no_run_options() {
    let n = 4;
    let clip = |c: usize| Example {
        id: format!("c{c}"),
        features: (0..30 * n)
            .map(|i| ((i * 31 + c * 7) % 17) as f32)
            .collect(),
        n_frames: 30,
        static_av: Some([0.1 * c as f32, -0.1]),
        ..Default::default()
    };
    let clips: Vec<Example> = (0..4).map(clip).collect();
    let set = mer_model::TrainSet {
        train: &clips,
        val: None,
        features: FeatureSpec {
            name: "synthetic".into(),
            version: "1".into(),
            n_features: n,
            frame_rate_hz: 2.0,
        },
        datasets: vec![],
    };
    let dir = tempfile::tempdir().unwrap();
    let cfg = mer_model::TrainConfig {
        checkpoint_dir: Some(dir.path().to_path_buf()),
        resume: true,
        progress: true,
        stop_after: Some(3),
        ..mer_model::TrainConfig::default()
    };
    let model = ModelConfig::preset("ridge", n).unwrap();
    let dev = burn::tensor::Device::flex();
    let (m, _) = mer_model::train(&model, &set, &cfg, &dev).unwrap();
    let recorded = &m.header.training.config;
    let map = recorded.as_object().unwrap();
    for key in mer_model::train::RUN_OPTIONS {
        assert!(!map.contains_key(key), "{key} recorded: {recorded}");
    }
    assert_eq!(map["seq_len"], 60);
    assert_eq!(map["lr"], 1e-3);
    let text = String::from_utf8_lossy(&m.to_bytes().unwrap()).to_string();
    assert!(
        !text.contains(&dir.path().display().to_string()),
        "path in the file"
    );
}
