//! The model file: round trip, and clear errors for corrupt, truncated, foreign and
//! future-version files.

use std::path::Path;

use mer_model::data::Standardizer;
use mer_model::file::{FORMAT_VERSION, ModelHeader, TrainingInfo};
use mer_model::ridge::{Ridge, RidgeConfig};
use mer_model::{
    Example, FeatureSpec, MerModel, ModelConfig, ModelError, load_model, load_model_file,
};

/// A small ridge model fitted on synthetic data (no burn weights) and a CRNN with fresh weights.
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
    };
    let rc = RidgeConfig {
        n_features: n_feat,
        lambda: 0.1,
    };
    let ridge = Ridge::fit(&rc, std::slice::from_ref(&ex)).unwrap();
    let dev = burn::tensor::Device::flex();
    let crnn = ModelConfig::preset("crnn", n_feat).unwrap();
    vec![
        MerModel {
            header: header(ModelConfig::Ridge(rc), Some(ridge)),
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
