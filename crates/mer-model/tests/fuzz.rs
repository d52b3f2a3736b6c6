//! Fuzzing the model-file reader on stable Rust with `mer_testkit::fuzz` (issue 13): a model
//! file is untrusted input. Every mutant is loaded with `load_model_on` and, when it loads,
//! predicts 12 frames; it may be refused with an error naming the file, or load and predict
//! anything, but never panic or abort (a header that asks for a huge network must be refused
//! before anything is allocated).
//!
//! Seeds: the two models embedded in mer-predict (`default.mermodel`: ridge on 200 musicnn
//! features; `fast.mermodel`: CRNN on 96 log-mel bands, written before run options left the
//! recorded config), and tiny models trained here on synthetic clips (CRNN, ridge,
//! attention-only CRNN, DBLSTM, multi-scale CRNN, the ridge with a quadrant head). Three ways in:
//!
//! 1. whole files, mutated anywhere (magic, version, section lengths, JSON, burnpack);
//! 2. the JSON header alone, re-framed with its model's own weights (every field and number
//!    of the header reaches the checks, not only the framing);
//! 3. the burnpack weights alone, re-framed under their model's header (burn's reader, shape,
//!    dtype and NaN/inf checks).
//!
//! Budget at `MER_FUZZ_SCALE=1`: 1500 + 8 × 250 + 5 × 300 mutants; a longer campaign:
//!
//! ```text
//! MER_FUZZ_SCALE=100 cargo test --release -p mer-model --test fuzz -- --nocapture
//! MER_FUZZ_SEED=7 ...   # another sequence of mutants
//! ```

use std::path::Path;

use burn::tensor::Device;
use mer_model::crnn::CrnnConfig;
use mer_model::dblstm::DblstmConfig;
use mer_model::file::load_model_on;
use mer_model::multiscale::{MultiScaleConfig, ScaleNetConfig};
use mer_model::recurrent::CellKind;
use mer_model::ridge::RidgeConfig;
use mer_model::{Example, FeatureSpec, ModelConfig, TrainConfig, TrainSet, train};
use mer_testkit::fuzz::fuzz;

const NAME: &str = "fuzz.mermodel";

/// The bytes of a model embedded in mer-predict (read, never changed).
fn embedded(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../mer-predict/models")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Six synthetic clips of 40 frames × `n` features, with dynamic labels that depend on them.
fn clips(n: usize) -> Vec<Example> {
    (0..6)
        .map(|c| {
            let features: Vec<f32> = (0..40 * n)
                .map(|i| (((i * 7919 + c * 104_729) % 211) as f32 / 70.0) - 1.5)
                .collect();
            let a = (0..40).map(|t| features[t * n] / 3.0).collect();
            let v = (0..40).map(|t| -features[t * n + 1] / 3.0).collect();
            Example {
                id: format!("clip{c}"),
                features,
                n_frames: 40,
                dynamic: Some((a, v)),
                ..Default::default()
            }
        })
        .collect()
}

/// Tiny models trained for two epochs on [`clips`] (the trained file is what `mer train`
/// writes, header and all).
fn trained() -> Vec<Vec<u8>> {
    let n = 8;
    let data = clips(n);
    let set = TrainSet {
        train: &data,
        val: None,
        features: FeatureSpec {
            name: "synthetic".into(),
            version: "1".into(),
            n_features: n,
            frame_rate_hz: 2.0,
        },
        datasets: vec!["synthetic".into()],
    };
    let cfg = TrainConfig {
        seq_len: 10,
        overlap: 0,
        batch_size: 8,
        max_epochs: 2,
        seed: 3,
        ..TrainConfig::default()
    };
    let crnn = CrnnConfig {
        n_features: n,
        conv_filters: 2,
        pool_freq: 4,
        hidden: 4,
        rnn_layers: 1,
        ..CrnnConfig::default()
    };
    let models = [
        ModelConfig::Crnn(crnn.clone()),
        ModelConfig::Ridge(RidgeConfig {
            n_features: n,
            lambda: 0.1,
        }),
        ModelConfig::Crnn(CrnnConfig {
            rnn_layers: 0,
            attention_heads: 2,
            branches: false,
            ..crnn.clone()
        }),
        ModelConfig::Dblstm(DblstmConfig {
            n_features: n,
            hidden: 3,
            layers: 1,
        }),
        ModelConfig::MultiScale(MultiScaleConfig {
            scales: vec![5, 10],
            net: ScaleNetConfig::Crnn(CrnnConfig {
                cell: CellKind::Lstm,
                ..crnn
            }),
        }),
    ];
    let dev = Device::flex();
    let mut out: Vec<Vec<u8>> = models
        .iter()
        .map(|m| {
            let (model, _) = train(m, &set, &cfg, &dev).unwrap_or_else(|e| panic!("{m:?}: {e}"));
            model.to_bytes().unwrap()
        })
        .collect();
    // The ridge again with a quadrant head (the embedded default's sections).
    let mut ridge = mer_model::load_model(&out[1]).unwrap();
    ridge.header.quadrant = Some(mer_model::quadrant::QuadrantHead {
        weights: (0..4 * n).map(|i| (i % 5) as f32 / 5.0 - 0.4).collect(),
        bias: [0.2, -0.1, 0.0, -0.1],
        temperature: 0.9,
        threshold: 0.6,
    });
    out.push(ridge.to_bytes().unwrap());
    out
}

/// Tokens of the model file: magic, section lengths, JSON keys and the values that break
/// size arithmetic and float checks.
const DICT: &[&[u8]] = &[
    b"MERMODEL",
    b"\x01\x00\x00\x00",
    b"\xff\xff\xff\xff\xff\xff\xff\x7f",
    b"\x00\x00\x00\x00\x00\x00\x00\x00",
    b"\"n_features\":",
    b"\"hidden\":",
    b"\"conv_filters\":",
    b"\"rnn_layers\":",
    b"\"attention_heads\":",
    b"\"scales\":[",
    b"\"seq_len\":",
    b"\"predict_hop\":",
    b"\"weights\":[",
    b"\"smooth_frames\":",
    b"\"quadrant\":{",
    b"\"temperature\":",
    b"\"threshold\":",
    b"\"bias\":[",
    b"\"kind\":\"dblstm\"",
    b"\"kind\":\"multi-scale\"",
    b"\"cell\":\"bilstm\"",
    b"4294967296",
    b"18446744073709551615",
    b"65537",
    b"1e39",
    b"-1",
    b"0",
    b"null",
    b"[]",
    b"BURNPACK",
    b"F32",
    b"F16",
    b"\x00\x00\xc0\x7f", // f32 NaN
    b"\x00\x00\x80\x7f", // f32 +inf
];

/// The parts of a model file: (header JSON, weights).
fn split(file: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let h = u64::from_le_bytes(file[12..20].try_into().unwrap()) as usize;
    (file[20..20 + h].to_vec(), file[28 + h..].to_vec())
}

/// A model file from its parts, with correct lengths.
fn frame(header: &[u8], weights: &[u8]) -> Vec<u8> {
    let mut out = b"MERMODEL".to_vec();
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&(header.len() as u64).to_le_bytes());
    out.extend_from_slice(header);
    out.extend_from_slice(&(weights.len() as u64).to_le_bytes());
    out.extend_from_slice(weights);
    out
}

/// Loads `bytes` as a model file and predicts 12 frames with it; `true` when it loaded.
fn load_and_predict(bytes: &[u8]) -> bool {
    let path = Path::new(NAME);
    match load_model_on(bytes, path, &Device::flex()) {
        Ok(m) => {
            let f = m.header.model.n_features();
            let x: Vec<f32> = (0..12 * f).map(|i| (i % 13) as f32 / 6.0 - 1.0).collect();
            if let Ok(p) = m.predict(&x, 12) {
                assert_eq!(p.arousal.len(), 12);
            }
            if let Ok((p, d)) = m.predict_with_quadrant(&x, 12) {
                assert_eq!(p.arousal.len(), 12);
                if let Some(d) = d {
                    assert!((1..=4).contains(&d.quadrant), "{d:?}");
                }
            }
            true
        }
        Err(e) => {
            let msg = e.to_string();
            assert!(msg.starts_with(NAME), "error does not name the file: {msg}");
            assert!(!msg.contains('\n'), "error is not one line: {msg}");
            false
        }
    }
}

#[test]
fn fuzz_model_files() {
    let mut corpus = vec![embedded("default.mermodel"), embedded("fast.mermodel")];
    corpus.extend(trained());
    // Every seed loads: the embedded models as shipped (fast.mermodel records run options
    // in its config, as files written before did), the trained ones as written.
    for (i, c) in corpus.iter().enumerate() {
        assert!(load_and_predict(c), "seed {i} does not load");
    }

    // 1. Whole files.
    let r = fuzz("model file", &corpus, DICT, 1500, 11, load_and_predict);
    assert!(r.accepted > 15, "{r}");

    // 2. Each model's header, re-framed with its weights.
    for (i, c) in corpus.iter().enumerate() {
        let (header, weights) = split(c);
        let target = |h: &[u8]| load_and_predict(&frame(h, &weights));
        let r = fuzz(
            &format!("model header {i}"),
            &[header],
            DICT,
            250,
            20 + i as u64,
            target,
        );
        assert!(r.accepted > 2, "{r}");
    }

    // 3. Each network's weights, re-framed under its header.
    for (i, c) in corpus
        .iter()
        .enumerate()
        .filter(|(_, c)| !split(c).1.is_empty())
    {
        let (header, weights) = split(c);
        let target = |w: &[u8]| load_and_predict(&frame(&header, w));
        let r = fuzz(
            &format!("model weights {i}"),
            &[weights],
            DICT,
            300,
            40 + i as u64,
            target,
        );
        assert!(r.accepted > 2, "{r}");
    }
}
