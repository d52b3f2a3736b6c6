//! The contract every model variant must honour, run over all presets on real shared data
//! (DEAM sample clips, 40-band log-mel at 2 Hz): output shape [batch, time, 2] and finite,
//! training loss decreases, save → load gives identical predictions.

mod common;

use burn::module::Module;
use burn::tensor::{Device, Tensor, TensorData};
use mer_data::Format;
use mer_model::model::PRESETS;
use mer_model::{ModelConfig, TrainConfig, TrainSet, load_model, train};

fn tiny_train_config() -> TrainConfig {
    TrainConfig {
        seq_len: 20,
        overlap: 0,
        batch_size: 16,
        lr: 3e-3,
        max_epochs: 3,
        patience: 10,
        seed: 7,
        ..TrainConfig::default()
    }
}

#[test]
fn every_model_honours_the_contract() {
    let Some(data) = mer_audio::testdata::shared_data() else {
        return;
    };
    let clips = common::corpus(&data, "deam-sample", Format::Deam, 10);
    assert_eq!(clips.len(), 10, "DEAM sample has 10 clips with audio");
    let (train_clips, val_clips) = clips.split_at(8);
    let device = Device::flex();
    for &name in PRESETS {
        let config = ModelConfig::preset(name, 40).unwrap();
        // 1. Shape and finiteness on real (unstandardised) features.
        if let Some(net) = config.init_net(&device) {
            let x: Vec<f32> = clips[0].features[..3 * 20 * 40].to_vec();
            let y = net.valid().forward(Tensor::<3>::from_data(
                TensorData::new(x, [3, 20, 40]),
                &device,
            ));
            assert_eq!(y.dims(), [3, 20, 2], "{name}: output shape");
            let v: Vec<f32> = y.into_data().try_into_vec().unwrap();
            assert!(v.iter().all(|x| x.is_finite()), "{name}: non-finite output");
        }
        // 2. Training lowers the loss.
        let set = TrainSet {
            train: train_clips,
            val: Some(val_clips),
            features: common::spec(),
            datasets: vec!["deam-sample".into()],
        };
        let (model, history) = train(&config, &set, &tiny_train_config(), &device)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        if config.init_net(&device).is_some() {
            let (first, last) = (&history[0], history.last().unwrap());
            assert!(
                last.train_loss < first.train_loss,
                "{name}: training loss did not decrease: {history:?}"
            );
        }
        // Every variant's prediction of a whole clip is finite and has one value per frame.
        let p = model
            .predict(&clips[9].features, clips[9].n_frames)
            .unwrap();
        assert_eq!(p.arousal.len(), clips[9].n_frames, "{name}");
        assert!(
            p.arousal.iter().chain(&p.valence).all(|x| x.is_finite()),
            "{name}"
        );
        // 3. Save → load round trip predicts identically.
        let bytes = model.to_bytes().unwrap();
        let loaded = load_model(&bytes).unwrap();
        assert_eq!(loaded.header, model.header, "{name}: header round trip");
        let q = loaded
            .predict(&clips[9].features, clips[9].n_frames)
            .unwrap();
        assert_eq!(p, q, "{name}: predictions differ after save → load");
        eprintln!(
            "{name}: ok, history {:?}",
            history.iter().map(|h| h.train_loss).collect::<Vec<_>>()
        );
    }
}
