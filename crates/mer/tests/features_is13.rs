//! `mer features --kind mediaeval260-is13` writes DEAM's 260-column table from the
//! `IS13_ComParE` LLDs: the same header and rows as `--kind mediaeval260`, values that differ
//! only in the jitter and shimmer columns and in the deltas of the six voicing tracks (whose
//! delta normaliser openSMILE shares across F0, voicing, jitter, shimmer and logHNR). Uses a committed 6 s fixture WAV
//! of mer-smile (a DEAM clip), no shared data.

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../mer-smile/tests/fixtures/deam_2.wav")
}

/// Runs `mer features IN --kind KIND -o OUT` and returns the CSV's header and rows.
fn table(kind: &str, out: &Path) -> (Vec<String>, Vec<Vec<f64>>) {
    let o = Command::new(env!("CARGO_BIN_EXE_mer"))
        .args(["features", "--kind", kind, "-o"])
        .arg(out)
        .arg(fixture())
        .output()
        .expect("run mer");
    assert!(
        o.status.success(),
        "mer features --kind {kind}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = std::fs::read_to_string(out).expect("csv");
    let mut lines = text.lines();
    let header = lines
        .next()
        .expect("header")
        .split(';')
        .map(String::from)
        .collect();
    let rows = lines
        .map(|l| l.split(';').map(|v| v.parse().expect("number")).collect())
        .collect();
    (header, rows)
}

#[test]
fn mediaeval260_is13_differs_from_2016_in_voice_quality_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (h16, r16) = table("mediaeval260", &dir.path().join("a.csv"));
    let (h13, r13) = table("mediaeval260-is13", &dir.path().join("b.csv"));
    assert_eq!(h13, h16);
    assert_eq!(h13.len(), 261);
    assert_eq!(h13[0], "frameTime");
    assert_eq!(r13.len(), r16.len());
    assert_eq!(r13.len(), 10, "6 s → 10 windows of 1 s every 0.5 s");
    let voice_quality = |name: &str| {
        let voicing_delta = ["F0final", "voicingFinalUnclipped", "logHNR"]
            .iter()
            .any(|v| name.starts_with(&format!("{v}_sma_de_")));
        name.starts_with("jitter") || name.starts_with("shimmer") || voicing_delta
    };
    let mut changed = Vec::new();
    for (c, name) in h13.iter().enumerate() {
        let max_diff = r13
            .iter()
            .zip(&r16)
            .map(|(a, b)| (a[c] - b[c]).abs())
            .fold(0.0, f64::max);
        // 16-bit input is read as openSMILE reads it (n/32767) in the IS13 variant: levels
        // move by 3e-5 relative, far below what the jitter threshold changes.
        let scale = r16.iter().map(|b| b[c].abs()).fold(0.0, f64::max).max(1e-6);
        if max_diff / scale > 1e-3 {
            changed.push(name.clone());
        }
    }
    assert!(!changed.is_empty(), "IS13 gave the ComParE_2016 table");
    assert!(
        changed.iter().all(|n| voice_quality(n)),
        "columns other than jitter/shimmer and voicing deltas changed: {changed:?}"
    );
    assert!(
        changed.iter().any(|n| n == "jitterLocal_sma_amean"),
        "{changed:?}"
    );
}
