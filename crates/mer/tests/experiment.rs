//! `mer experiment` end to end: the MediaEval 2015 protocol on a fixture in DEAM's official
//! layout (the real annotation files of the shared data, short generated audio), and an
//! experiment killed mid-grid that resumes without redoing its finished runs.
//!
//! Needs the shared data: skips without it, fails with `MER_REQUIRE_DATA=1`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MER: &str = env!("CARGO_BIN_EXE_mer");

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 test paths")
}

fn mer(args: &[&str], cache: &Path) -> std::process::Output {
    Command::new(MER)
        .args(args)
        .env("MER_CACHE", cache)
        .output()
        .unwrap()
}

/// A mono 22.05 kHz WAV of `secs` seconds: a tone whose pitch and loudness depend on `seed`.
fn wav(path: &Path, secs: f32, seed: u32) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 22_050,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    let f = 110.0 * (1.0 + (seed % 13) as f32 / 4.0);
    let amp = 0.1 + 0.05 * (seed % 7) as f32;
    for i in 0..(secs * 22_050.0) as usize {
        let t = i as f32 / 22_050.0;
        let x = amp * (2.0 * std::f32::consts::PI * f * t).sin() * (1.0 + 0.5 * (t * 0.7).sin());
        w.write_sample((x * 32_000.0) as i16).unwrap();
    }
    w.finalize().unwrap();
}

/// DEAM's official layout from the shared data's real annotation files, with generated audio
/// (17 s: the ratings start at 15 s) for the song ids `audio`.
fn deam_fixture(data: &Path, root: &Path, audio: &[u32]) {
    let ann = root.join("annotations/annotations averaged per song");
    let dynamic = ann.join("dynamic (per second annotations)");
    std::fs::create_dir_all(&dynamic).unwrap();
    let refd = data.join("deam-features-ref");
    std::fs::copy(
        refd.join("deam_dynamic_arousal.csv"),
        dynamic.join("arousal.csv"),
    )
    .unwrap();
    std::fs::copy(
        refd.join("deam_dynamic_valence.csv"),
        dynamic.join("valence.csv"),
    )
    .unwrap();
    let song_level = ann.join("song_level");
    std::fs::create_dir_all(&song_level).unwrap();
    for f in [
        "static_annotations_averaged_songs_1_2000.csv",
        "static_annotations_averaged_songs_2000_2058.csv",
    ] {
        std::fs::copy(
            data.join("deam-sample/deam-metadata").join(f),
            song_level.join(f),
        )
        .unwrap();
    }
    for &id in audio {
        wav(&root.join(format!("MEMD_audio/{id}.wav")), 17.0, id);
    }
}

/// DEAM's `features/<id>.csv` for a 17 s song in the published format (`;`-separated,
/// `frameTime` first, 260 columns, one row per 0.5 s), its values a function of the song's
/// tone parameters and time (DEAM's real files are not in the shared data).
fn deam_features_file(root: &Path, id: u32) {
    let dir = root.join("features");
    std::fs::create_dir_all(&dir).unwrap();
    let mut text = String::from("frameTime");
    for k in 0..260 {
        text += &format!(";f{k}");
    }
    text.push('\n');
    let (f, amp) = ((id % 13) as f32, (id % 7) as f32);
    for row in 0..34 {
        let t = row as f32 * 0.5;
        text += &format!("{t:.1}");
        for k in 0..260 {
            let v = amp * (0.1 * k as f32 + t * f).sin() + 0.01 * k as f32;
            text += &format!(";{v:.4}");
        }
        text.push('\n');
    }
    std::fs::write(dir.join(format!("{id}.csv")), text).unwrap();
}

fn run_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == "json"));
    v.sort();
    v
}

#[test]
fn mediaeval2015_trains_on_the_dev_list_and_tests_on_the_58_eval_songs() {
    let Some(data) = mer_audio::testdata::shared_data() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let deam = tmp.path().join("DEAM");
    let dev = [2, 3, 4, 5, 7, 8, 10, 12];
    // The development ids, song 13 (audio but not listed: must not be trained on) and the 58
    // evaluation songs 2001–2058.
    let audio: Vec<u32> = dev.iter().copied().chain([13]).chain(2001..=2058).collect();
    deam_fixture(&data, &deam, &audio);
    let list = tmp.path().join("dev.txt");
    std::fs::write(&list, "# development ids\n2 3 4 5\n7, 8, 10, 12\n").unwrap();
    let exp = tmp.path().join("me15.json");
    let spec = serde_json::json!({
        "name": "me15", "data": [format!("deam={}", s(&deam))],
        "protocol": "mediaeval2015", "dev_list": "dev.txt",
        "features": "logmel-10k", "models": ["ridge"], "seq_lens": [10], "seeds": [1]
    });
    std::fs::write(&exp, spec.to_string()).unwrap();
    let out = tmp.path().join("results");
    let o = mer(
        &["experiment", s(&exp), "--out", s(&out)],
        &tmp.path().join("cache"),
    );
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let runs = run_files(&out.join("me15/runs"));
    assert_eq!(runs.len(), 1, "{runs:?}");
    let rec: serde_json::Value = serde_json::from_slice(&std::fs::read(&runs[0]).unwrap()).unwrap();
    assert_eq!(rec["status"], "ok", "{rec}");
    assert_eq!(
        rec["n_train"],
        dev.len(),
        "song 13 has audio but is not listed"
    );
    let ids: Vec<String> = rec["clips"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect();
    let want: Vec<String> = (2001..=2058).map(|i| format!("deam/{i}")).collect();
    assert_eq!(ids, want);
    // Full-length songs: each test clip carries its own (dynamic) ratings from 15 s on.
    for c in rec["clips"].as_array().unwrap() {
        let a = c["dynamic"][0].as_array().unwrap();
        assert_eq!(
            a.len(),
            c["prediction"]["arousal"].as_array().unwrap().len()
        );
        assert!(!a.is_empty());
    }
    let m = &rec["metrics"]["dynamic_arousal"];
    assert_eq!(m["songs"], 58, "{m}");
    let md = std::fs::read_to_string(out.join("me15/report.md")).unwrap();
    assert!(md.contains("1 of 1 runs finished"), "{md}");
    assert!(md.contains("MediaEval 2015"), "{md}");

    // An id of the list that is not loaded is an error naming it, recorded with the run.
    std::fs::write(&list, "2 3 999\n").unwrap();
    let spec = serde_json::json!({
        "name": "me15-bad", "data": [format!("deam={}", s(&deam))],
        "protocol": "mediaeval2015", "dev_list": "dev.txt",
        "features": "logmel-10k", "models": ["ridge"], "seq_lens": [10], "seeds": [1]
    });
    std::fs::write(&exp, spec.to_string()).unwrap();
    let o = mer(
        &["experiment", s(&exp), "--out", s(&out)],
        &tmp.path().join("cache"),
    );
    assert!(!o.status.success());
    let runs = run_files(&out.join("me15-bad/runs"));
    let rec: serde_json::Value = serde_json::from_slice(&std::fs::read(&runs[0]).unwrap()).unwrap();
    assert_eq!(rec["status"], "failed");
    let e = rec["error"].as_str().unwrap();
    assert!(e.contains("id 999") && e.contains("dev.txt"), "{e}");
}

#[test]
fn a_killed_experiment_resumes_without_redoing_finished_runs() {
    let Some(data) = mer_audio::testdata::shared_data() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let exp = tmp.path().join("resume.json");
    let spec = serde_json::json!({
        "name": "resume", "data": [format!("deam={}", s(&data.join("deam-sample")))],
        "protocol": "kfold", "folds": 2, "features": "logmel",
        "models": ["ridge", "crnn-nb"], "seq_lens": [10, 20], "seeds": [1, 2],
        "quick": { "seq_lens": [10], "epochs": 1, "limit": 10, "folds": 2 }
    });
    std::fs::write(&exp, spec.to_string()).unwrap();
    let out = tmp.path().join("results");
    let cache = tmp.path().join("cache");
    let runs_dir = out.join("resume-quick/runs");
    // Quick grid: 2 models × 1 length × 2 seeds × 2 folds = 8 runs.
    let mut child = Command::new(MER)
        .args(["experiment", s(&exp), "--out", s(&out), "--quick"])
        .env("MER_CACHE", &cache)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while run_files(&runs_dir).is_empty() {
        assert!(
            t0.elapsed() < Duration::from_secs(600),
            "no run finished in 10 min"
        );
        if let Some(st) = child.try_wait().unwrap() {
            panic!("mer experiment ended ({st}) before it could be killed");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before: Vec<(PathBuf, Vec<u8>)> = run_files(&runs_dir)
        .into_iter()
        .map(|p| {
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect();
    assert!(!before.is_empty() && before.len() < 8, "{}", before.len());
    // The partial report is there and valid.
    let md = std::fs::read_to_string(out.join("resume-quick/report.md")).unwrap();
    assert!(md.contains("partial report"), "{md}");
    assert!(
        std::fs::read_to_string(out.join("resume-quick/report.html"))
            .unwrap()
            .ends_with("</html>\n")
    );

    let o = mer(
        &["experiment", s(&exp), "--out", s(&out), "--quick"],
        &cache,
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let line = format!(
        "{} finished earlier, {} done now",
        before.len(),
        8 - before.len()
    );
    assert!(stdout.contains(&line), "{stdout}");
    for (p, b) in &before {
        assert_eq!(&std::fs::read(p).unwrap(), b, "{} was redone", p.display());
    }
    assert_eq!(run_files(&runs_dir).len(), 8);
    let md = std::fs::read_to_string(out.join("resume-quick/report.md")).unwrap();
    assert!(
        md.contains("8 of 8 runs finished, 0 failed, 0 not run yet"),
        "{md}"
    );
    // A third call has nothing to do.
    let o = mer(
        &["experiment", s(&exp), "--out", s(&out), "--quick"],
        &cache,
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("8 finished earlier, 0 done now"));
}

/// The spec's feature sets beyond log-mel run inside an experiment: `deam-opensmile` read
/// from DEAM's `features/` (260 columns) and `musicnn` computed from the audio, each through
/// a ridge (parameters = 2 × (features + 1), so the count proves which features it read).
#[test]
fn deam_opensmile_and_musicnn_feature_sets_run_in_an_experiment() {
    let Some(data) = mer_audio::testdata::shared_data() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let deam = tmp.path().join("DEAM");
    let ids = [2, 3, 4, 5, 7, 8, 10, 12];
    deam_fixture(&data, &deam, &ids);
    for id in ids {
        deam_features_file(&deam, id);
    }
    let exp = tmp.path().join("sets.json");
    let spec = serde_json::json!({
        "name": "sets", "data": [format!("deam={}", s(&deam))],
        "protocol": "kfold", "folds": 2, "features": ["deam-opensmile", "musicnn"],
        "models": ["ridge"], "seq_lens": [10], "seeds": [1]
    });
    std::fs::write(&exp, spec.to_string()).unwrap();
    let out = tmp.path().join("results");
    let o = mer(
        &["experiment", s(&exp), "--out", s(&out)],
        &tmp.path().join("cache"),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let runs = run_files(&out.join("sets/runs"));
    assert_eq!(runs.len(), 4, "{runs:?}");
    for (features, n) in [
        ("deam-opensmile", 260),
        ("musicnn", mer_musicnn::EMBEDDING_DIM),
    ] {
        let mut test_clips = 0;
        for p in runs.iter().filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!("{features}__"))
        }) {
            let rec: serde_json::Value =
                serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
            assert_eq!(rec["status"], "ok", "{rec}");
            assert_eq!(rec["params"], 2 * (n + 1), "{features}: {}", p.display());
            test_clips += rec["n_test"].as_u64().unwrap();
            assert!(rec["metrics"]["dynamic_arousal"]["songs"].as_u64().unwrap() > 0);
        }
        assert_eq!(
            test_clips,
            ids.len() as u64,
            "{features}: every song tested once"
        );
    }
    let md = std::fs::read_to_string(out.join("sets/report.md")).unwrap();
    for row in [
        "| deam-opensmile | ridge | 10 | 1 |",
        "| musicnn | ridge | 10 | 1 |",
    ] {
        assert!(md.contains(row), "{md}");
    }
}
