//! Issue 13: an interval (or a file) of a whole number of half seconds gives exactly that many
//! 0.5 s frames, in `mer features` and `mer predict --start/--end`; numeric options that make
//! no sense are refused with a message, never a panic. Audio: the clips committed in
//! `crates/mer-audio/tests/fixtures/clips` (runs without the shared data).

use std::path::Path;
use std::process::{Command, Output};

use mer_audio::testdata::clip;

fn mer(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mer"))
        .args(args)
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// An 8.0 s mono 16-bit WAV at 16 kHz of real audio (the committed 22.05 kHz clip resampled):
/// 128 000 samples, a multiple of both the 0.5 s frame (8000) and the STFT hops used (256 for
/// musicnn, 1024 for the log-mel at 16 kHz), so the STFT's last frame is centred exactly on
/// the end — the case that used to open a 17th frame.
fn eight_seconds_16k(path: &Path) {
    let a = mer_audio::load(&clip("4q_22k_mono.mp3"), Some(16_000)).unwrap();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &s in &a.samples[..128_000] {
        w.write_sample((s.clamp(-1.0, 1.0) * 32767.0) as i16)
            .unwrap();
    }
    w.finalize().unwrap();
}

#[test]
fn features_of_eight_seconds_are_sixteen_frames() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("eight.wav");
    eight_seconds_16k(&wav);
    for kind in ["logmel", "musicnn"] {
        let out = dir.path().join(format!("{kind}.npy"));
        let o = mer(&[
            "features",
            wav.to_str().unwrap(),
            "--kind",
            kind,
            "--rate",
            "2hz",
            "--sample-rate",
            "16000",
            "-o",
            out.to_str().unwrap(),
        ]);
        assert!(o.status.success(), "{kind}: {}", stderr(&o));
        let m = mer_features::output::read_npy(&out).unwrap();
        assert_eq!(m.rows, 16, "{kind}: 8 s at 2 Hz");
    }
}

#[test]
fn predict_interval_of_two_seconds_is_four_frames() {
    let mp3 = clip("deam2-3_44k_stereo.mp3");
    for model in ["default", "fast"] {
        for (start, end, frames) in [("4", "6", 4), ("4", "6.25", 5), ("0", "0.5", 1)] {
            let o = mer(&[
                "predict",
                mp3.to_str().unwrap(),
                "--model",
                model,
                "--start",
                start,
                "--end",
                end,
                "--format",
                "json",
            ]);
            assert!(o.status.success(), "{model}: {}", stderr(&o));
            let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
            let n = v["dynamic"]["arousal"].as_array().unwrap().len();
            assert_eq!(n, frames, "{model} --start {start} --end {end}");
        }
    }
}

/// Each value is refused before any work: exit code 2 (clap's usage error), one `error:` line
/// naming the option, no panic.
#[test]
fn nonsense_numbers_are_refused() {
    let mp3 = clip("deam2-3_44k_stereo.mp3");
    let mp3 = mp3.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.npy");
    let out = out.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (
            &["features", mp3, "-o", out, "--sample-rate", "2000"],
            "--sample-rate",
        ),
        (
            &["features", mp3, "-o", out, "--sample-rate", "0"],
            "--sample-rate",
        ),
        (
            &["features", mp3, "-o", out, "--sample-rate", "4294967295"],
            "--sample-rate",
        ),
        (
            &["features", mp3, "-o", out, "--threads", "100000000"],
            "--threads",
        ),
        (&["predict", mp3, "--start", "1e300"], "--start"),
        (&["predict", mp3, "--start=-1"], "--start"),
        (&["predict", mp3, "--end", "nan"], "--end"),
        (&["predict", mp3, "--end", "inf"], "--end"),
        (&["predict", mp3, "--threads", "99999999999"], "--threads"),
    ];
    for (args, option) in cases {
        let o = mer(args);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        let lines: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(lines.len(), 1, "{args:?}: {err}");
        assert!(lines[0].contains(option), "{args:?}: {err}");
    }
    // Values the parser accepts but the interval refuses: end before start.
    let o = mer(&["predict", mp3, "--start", "5", "--end", "2"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"));
    // A start beyond the audio: a one-line error naming the file.
    let o = mer(&["predict", mp3, "--start", "600000"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("deam2-3_44k_stereo.mp3") && !err.contains("panicked"),
        "{err}"
    );
}
