//! Kinds, output files and bad input of `mer-smile` (no shared data needed: uses the committed
//! fixture WAVs).

use std::path::PathBuf;

use mer_smile::{DEAM_HEADER, SmileError, SmileKind, compute_file, compute_kind, write_table};

fn wav(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn mediaeval260_csv_has_deam_header_and_2hz_rows() {
    let t = compute_file(&wav("deam_2.wav"), None, SmileKind::MediaEval260).expect("features");
    // 6 s → windows starting at 0, 0.5, …, 4.5 s that hold a full second of frames.
    assert_eq!(t.times_s.len(), 10);
    assert_eq!(t.times_s[1], 0.5);
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("f.csv");
    write_table(&t, &out).expect("write");
    let text = std::fs::read_to_string(&out).expect("read");
    let header = text.lines().next().expect("header");
    assert_eq!(header, DEAM_HEADER.join(";"));
    assert_eq!(text.lines().count(), 11);
    let row: Vec<&str> = text.lines().nth(1).expect("row").split(';').collect();
    assert_eq!(row.len(), 261);
    assert!(
        row[1..]
            .iter()
            .all(|v| v.parse::<f32>().is_ok_and(f32::is_finite))
    );
}

#[test]
fn lld_npy_has_65_columns_and_deltas_130() {
    let audio = mer_audio::load(&wav("fourq_q2_first.wav"), None).expect("load");
    let lld = compute_kind(&audio.samples, audio.sample_rate, SmileKind::Lld).expect("lld");
    assert_eq!(lld.columns.len(), 65);
    assert_eq!(lld.columns[8], "pcm_RMSenergy_sma");
    assert_eq!(lld.values.len(), lld.times_s.len() * 65);
    let both =
        compute_kind(&audio.samples, audio.sample_rate, SmileKind::LldWithDeltas).expect("de");
    assert_eq!(both.columns.len(), 130);
    assert_eq!(both.columns[65 + 51], "mfcc_sma_de[1]");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("f.npy");
    write_table(&lld, &out).expect("write");
    let bytes = std::fs::read(&out).expect("read");
    let npy = npyz::NpyFile::new(&bytes[..]).expect("npy");
    assert_eq!(npy.shape(), &[lld.times_s.len() as u64, 65]);
}

#[test]
fn bad_input_is_a_clear_error() {
    let short = vec![0.0f32; 100];
    assert!(matches!(
        compute_kind(&short, 44_100, SmileKind::Lld),
        Err(SmileError::TooShort { .. })
    ));
    let mut nan = vec![0.0f32; 44_100];
    nan[7] = f32::NAN;
    assert!(matches!(
        compute_kind(&nan, 44_100, SmileKind::Lld),
        Err(SmileError::NonFinite { index: 7 })
    ));
    assert!(matches!(
        compute_kind(&nan, 8_000, SmileKind::Lld),
        Err(SmileError::SampleRate(8_000))
    ));
    let missing = wav("no-such-file.wav");
    let e = compute_file(&missing, None, SmileKind::Lld).expect_err("missing file");
    assert!(e.to_string().contains("no-such-file.wav"), "{e}");
    let t = compute_kind(&vec![0.0f32; 44_100], 44_100, SmileKind::Lld).expect("silence is fine");
    let e = write_table(&t, &wav("x.txt")).expect_err("unknown extension");
    assert!(matches!(e, SmileError::OutputFormat { .. }));
    assert!(
        t.values.iter().all(|v| v.is_finite()),
        "silence gives finite values"
    );
}
