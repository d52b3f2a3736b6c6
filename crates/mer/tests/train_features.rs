//! `mer train` / `mer eval` with the computed feature kinds beyond log-mel (`musicnn`,
//! `mediaeval260`, `logmel-musicnn`) on a few real shared clips: the model file names its
//! feature set, features are cached under their versioned key, `mer eval --model-file`
//! recomputes the same features, `mer predict --model` runs a musicnn model, and bad audio
//! gives one-line errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mer_audio::testdata::shared_data;

struct Run {
    ok: bool,
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `mer ARGS` with its feature cache in `cache`.
fn mer(cache: &Path, args: &[&str]) -> Run {
    let o: Output = Command::new(env!("CARGO_BIN_EXE_mer"))
        .env("MER_CACHE", cache)
        .args(args)
        .output()
        .unwrap();
    Run {
        ok: o.status.success(),
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 test paths")
}

/// Cache entries (`*.f32m`) below `dir`.
fn cache_entries(dir: &Path) -> usize {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.filter_map(Result::ok)
        .map(|e| e.path())
        .map(|p| {
            if p.is_dir() {
                cache_entries(&p)
            } else {
                usize::from(p.extension().is_some_and(|e| e == "f32m"))
            }
        })
        .sum()
}

/// Trains 1 epoch of CRNN_NB on 3 DEAM sample clips (dynamic labels) and 3 4Q clips
/// (quadrants) with `--features kind`, checks the model file's feature spec and the cache,
/// then evaluates the model file (features chosen from the file).
fn train_and_eval(data: &Path, tmp: &Path, kind: &str, spec_name: &str, n_features: usize) {
    let cache = tmp.join("cache");
    let model = tmp.join(format!("{kind}.mer"));
    let deam = format!("deam={}", s(&data.join("deam-sample")));
    let fourq = format!("4q={}", s(&data.join("4q")));
    let common = ["--data", &deam, "--data", &fourq, "--limit", "3"];
    let mut args = vec!["train", "--features", kind];
    args.extend(common);
    args.extend([
        "--model",
        "crnn-nb",
        "--seq-len",
        "20",
        "--epochs",
        "1",
        "--threads",
        "2",
        "-o",
    ]);
    args.push(s(&model));
    let r = mer(&cache, &args);
    assert!(r.ok, "{kind}: mer train failed:\n{}", r.stderr);
    assert!(r.stdout.contains("wrote"), "{}", r.stdout);

    let m = mer_model::load_model_file(&model).unwrap();
    assert_eq!(m.header.features.name, spec_name);
    assert_eq!(m.header.features.version, "1");
    assert_eq!(m.header.features.n_features, n_features);
    assert_eq!(m.header.model.n_features(), n_features);
    assert_eq!(cache_entries(&cache), 6, "{kind}: one cache entry per clip");

    // No --features: `mer eval` takes the model's; the features come from the cache.
    let mut args = vec!["eval", "--model-file", s(&model)];
    args.extend(common);
    let r = mer(&cache, &args);
    assert!(r.ok, "{kind}: mer eval failed:\n{}", r.stderr);
    assert!(
        r.stdout.contains("dynamic arousal") && r.stdout.contains("(3 songs"),
        "{kind}: {}",
        r.stdout
    );
    assert_eq!(cache_entries(&cache), 6, "{kind}: eval reads the cache");

    // A contradicting --features is one clear error naming the model file.
    let mut args = vec!["eval", "--model-file", s(&model), "--features", "logmel"];
    args.extend(common);
    let r = mer(&cache, &args);
    let errors: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("mer: error:"))
        .collect();
    assert_eq!((r.code, errors.len()), (1, 1), "{}", r.stderr);
    assert!(errors[0].contains(s(&model)) && errors[0].contains(spec_name));
}

#[test]
fn musicnn_model_trains_evaluates_and_predicts() {
    let Some(data) = shared_data() else { return };
    let tmp = tempfile::tempdir().unwrap();
    train_and_eval(
        &data,
        tmp.path(),
        "musicnn",
        mer_musicnn::FEATURE_SET,
        mer_musicnn::EMBEDDING_DIM,
    );
    // mer-predict knows the feature set by name and computes it itself.
    let clip = data.join("4q/audio/Q1/MT0000040632.mp3");
    let model = tmp.path().join("musicnn.mer");
    let r = mer(
        &tmp.path().join("cache"),
        &[
            "predict",
            "--model",
            s(&model),
            "--format",
            "json",
            s(&clip),
        ],
    );
    assert!(r.ok, "mer predict --model: {}", r.stderr);
    let p: serde_json::Value = serde_json::from_str(r.stdout.trim()).unwrap();
    let a = p["arousal"].as_f64().unwrap();
    assert!((-1.0..=1.0).contains(&a), "{p}");
}

#[test]
fn mediaeval260_model_trains_and_evaluates() {
    let Some(data) = shared_data() else { return };
    let tmp = tempfile::tempdir().unwrap();
    train_and_eval(
        &data,
        tmp.path(),
        "mediaeval260",
        "mediaeval260-mer-smile-44k",
        260,
    );
}

/// A manifest of clips that are not audio (no shared data needed): every computed kind reports each file in a
/// warning, then exactly one error, exit 1, no panic.
#[test]
fn bad_audio_gives_one_line_errors_for_every_kind() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("bad");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("garbage.mp3"), b"this is not an mp3 file at all").unwrap();
    // A valid WAV header with no samples.
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 22_050,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    hound::WavWriter::create(dir.join("empty.wav"), spec)
        .unwrap()
        .finalize()
        .unwrap();
    std::fs::write(
        dir.join("labels.csv"),
        "path,arousal,valence\ngarbage.mp3,0.5,0.5\nempty.wav,-0.5,0.5\n",
    )
    .unwrap();
    let manifest = format!("manifest={}", s(&dir));
    for kind in ["musicnn", "mediaeval260", "logmel-musicnn"] {
        let out: PathBuf = tmp.path().join(format!("{kind}.mer"));
        let r = mer(
            &tmp.path().join("cache"),
            &[
                "train",
                "--data",
                &manifest,
                "--features",
                kind,
                "--epochs",
                "1",
                "-o",
                s(&out),
            ],
        );
        assert_eq!(r.code, 1, "{kind}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{kind}: {}", r.stderr);
        let errors = r
            .stderr
            .lines()
            .filter(|l| l.starts_with("mer: error:"))
            .count();
        assert_eq!(errors, 1, "{kind}: {}", r.stderr);
        for f in ["garbage.mp3", "empty.wav"] {
            assert!(
                r.stderr
                    .lines()
                    .any(|l| l.starts_with("mer: warning:") && l.contains(f)),
                "{kind}: {f} not reported: {}",
                r.stderr
            );
        }
        assert!(!out.exists());
    }
}
