//! Bad input gets a clear one-line error naming the file and a non-zero exit, never a panic;
//! a truncated MP3 decodes what is there with a warning; silence is valid. The broken files are
//! built from real shared audio.

use std::path::{Path, PathBuf};
use std::process::Command;

use mer_audio::testdata::shared_data;

fn mer() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mer"))
}

struct Run {
    code: i32,
    stderr: String,
}

fn features(input: &Path, out: &Path) -> Run {
    let o = mer()
        .args(["features", "--kind", "logmel", "--rate", "2hz", "-o"])
        .arg(out)
        .arg(input)
        .output()
        .unwrap();
    Run {
        code: o.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

/// Exactly one error line, naming the file; no panic; exit 1.
fn assert_clean_error(r: &Run, file: &Path, what: &str) {
    assert_eq!(r.code, 1, "{what}: exit code; stderr: {}", r.stderr);
    assert!(
        !r.stderr.contains("panicked"),
        "{what}: panic: {}",
        r.stderr
    );
    let errors: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("mer: error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{what}: {}", r.stderr);
    assert!(
        errors[0].contains(&*file.display().to_string()),
        "{what}: error does not name the file: {}",
        errors[0]
    );
}

fn write_wav(path: &Path, rate: u32, channels: u16, samples: &[i16]) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &s in samples {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
}

fn read_npy(path: &Path) -> mer_features::Matrix {
    mer_features::output::read_npy(path).unwrap()
}

#[test]
fn broken_files_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.join("out.npy");

    let missing = d.join("missing.mp3");
    assert_clean_error(&features(&missing, &out), &missing, "missing file");

    let empty = d.join("empty.mp3");
    std::fs::write(&empty, b"").unwrap();
    assert_clean_error(&features(&empty, &out), &empty, "empty file");

    // Random bytes with an .mp3 name (a fixed LCG, so the bytes are the same every run).
    let random = d.join("random.mp3");
    let mut x = 12345u64;
    let bytes: Vec<u8> = (0..50_000)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 56) as u8
        })
        .collect();
    std::fs::write(&random, bytes).unwrap();
    assert_clean_error(&features(&random, &out), &random, "random bytes");

    // A WAV header with no samples.
    let no_samples = d.join("header_only.wav");
    write_wav(&no_samples, 44_100, 2, &[]);
    assert_clean_error(
        &features(&no_samples, &out),
        &no_samples,
        "WAV without samples",
    );

    // An unsupported codec: a WAV whose format tag says MPEG Layer 3 in RIFF (0x0055).
    let unsupported = d.join("mp3_in_wav.wav");
    let mut w = Vec::new();
    w.extend_from_slice(b"RIFF");
    w.extend_from_slice(&(36u32 + 1000).to_le_bytes());
    w.extend_from_slice(b"WAVEfmt ");
    w.extend_from_slice(&16u32.to_le_bytes());
    w.extend_from_slice(&0x0055u16.to_le_bytes()); // format tag
    w.extend_from_slice(&1u16.to_le_bytes()); // channels
    w.extend_from_slice(&44_100u32.to_le_bytes());
    w.extend_from_slice(&16_000u32.to_le_bytes());
    w.extend_from_slice(&1u16.to_le_bytes());
    w.extend_from_slice(&0u16.to_le_bytes());
    w.extend_from_slice(b"data");
    w.extend_from_slice(&1000u32.to_le_bytes());
    w.extend(std::iter::repeat_n(0u8, 1000));
    std::fs::write(&unsupported, w).unwrap();
    assert_clean_error(
        &features(&unsupported, &out),
        &unsupported,
        "unsupported codec",
    );

    // A directory with no audio in it.
    let sub = d.join("no_audio_here");
    std::fs::create_dir(&sub).unwrap();
    assert_clean_error(&features(&sub, &d.join("o")), &sub, "directory");
}

#[test]
fn truncated_mp3_decodes_what_is_there_and_warns() {
    let Some(data) = shared_data() else {
        return;
    };
    let src = data.join("deam-sample/audio/3.mp3");
    let bytes = std::fs::read(&src).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cut = dir.path().join("truncated.mp3");
    // Keep 40 % of the file and cut in the middle of a frame.
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 5 + 77]).unwrap();
    let out = dir.path().join("t.npy");
    let r = features(&cut, &out);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("warning") && r.stderr.contains("truncated.mp3"),
        "no warning naming the file: {}",
        r.stderr
    );
    let m = read_npy(&out);
    // The audio that is left: the kept bytes after the ID3 tag, as a share of all audio bytes,
    // of the full clip's 91 frames (the cover art makes this tag ~100 kB).
    let id3 = 10
        + bytes[6..10]
            .iter()
            .fold(0usize, |a, &b| (a << 7) | (b & 0x7f) as usize);
    let kept = (bytes.len() * 2 / 5 + 77 - id3) as f64 / (bytes.len() - id3) as f64;
    let expected = 91.0 * kept;
    assert!(
        (m.rows as f64 - expected).abs() <= 2.0,
        "{} frames, expected about {expected:.1}",
        m.rows
    );
    assert!(m.data.iter().all(|v| v.is_finite()));
}

#[test]
fn silence_is_valid_and_at_the_floor() {
    let dir = tempfile::tempdir().unwrap();
    let wav = dir.path().join("silence.wav");
    write_wav(&wav, 22_050, 1, &vec![0i16; 22_050 * 3]);
    let out = dir.path().join("s.npy");
    let r = features(&wav, &out);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let m = read_npy(&out);
    assert_eq!((m.rows, m.cols), (6, 40));
    let floor = 1e-10f32.ln();
    assert!(
        m.data.iter().all(|&v| (v - floor).abs() < 1e-3),
        "{:?}",
        &m.data[..5]
    );
}

/// One bad file among good ones: the others are written, the exit code says something failed.
#[test]
fn batch_goes_on_after_a_bad_file() {
    let Some(data) = shared_data() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.mp3");
    std::fs::write(&bad, b"not audio at all").unwrap();
    let good: Vec<PathBuf> = ["2", "3"]
        .iter()
        .map(|i| data.join(format!("deam-sample/audio/{i}.mp3")))
        .collect();
    let outdir = dir.path().join("feats");
    let o = mer()
        .args(["features", "--rate", "2hz", "-o"])
        .arg(&outdir)
        .arg(&good[0])
        .arg(&bad)
        .arg(&good[1])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("bad.mp3"), "{stderr}");
    for stem in ["2", "3"] {
        let m = read_npy(&outdir.join(format!("{stem}.npy")));
        // 45.04 s (1 986 095 samples) → 91 frames of 0.5 s (the last one partial).
        assert_eq!((m.rows, m.cols), (91, 40));
    }
}

/// The CSV output has a header and one row per 0.5 s frame with its start time.
#[test]
fn csv_output_has_header_and_times() {
    let Some(data) = shared_data() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("f.csv");
    let r = features(&data.join("deam-sample/audio/2.mp3"), &out);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(&out).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("time_s,mel_0,mel_1"));
    assert_eq!(header.split(',').count(), 41);
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 91);
    assert!(rows[30].starts_with("15,"), "{}", rows[30]);
}
