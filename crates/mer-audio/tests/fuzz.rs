//! Fuzzing the whole decode path on stable Rust with `mer_testkit::fuzz` (issue 13): MP3 with
//! and without its Xing/LAME tag, WAV (PCM 8/16/24-bit and float, mono and stereo) and FLAC.
//! Each mutant is written to a temporary file named with its format's extension and read with
//! `mer_audio::load` at 16 kHz: probe, decode, downmix, LAME trim, resample. A mutant may be
//! refused with an error or decode to anything; it must never panic or abort.
//!
//! The seeds are real audio: prefixes of the clips committed in `tests/fixtures/clips`, and
//! WAVs written here from their decoded samples. Budget: 3000 mutants per format (MP3: 1500
//! with its tag, 1500 without), every 8th one resampled; a longer campaign multiplies it:
//!
//! ```text
//! MER_FUZZ_SCALE=100 cargo test --release -p mer-audio --test fuzz -- --nocapture
//! MER_FUZZ_SEED=7 ...   # another sequence of mutants
//! ```

use std::path::{Path, PathBuf};

use mer_audio::testdata::clip;
use mer_testkit::fuzz::fuzz;

const MUTANTS: usize = 3000;

/// The first `n` bytes of a committed clip.
fn prefix(name: &str, n: usize) -> Vec<u8> {
    let b = std::fs::read(clip(name)).unwrap();
    b[..b.len().min(n)].to_vec()
}

/// `mp3` without its first frame (the Xing/Info + LAME tag): from the next frame sync with
/// the same header bytes on.
fn without_tag(mp3: &[u8]) -> Vec<u8> {
    let first = mp3
        .windows(2)
        .position(|w| w[0] == 0xff && w[1] & 0xe0 == 0xe0)
        .unwrap();
    let sync = &mp3[first..first + 2];
    let next = mp3[first + 4..].windows(2).position(|w| w == sync).unwrap() + first + 4;
    assert!(
        !mp3[next..next + 64]
            .windows(4)
            .any(|w| w == b"Xing" || w == b"Info"),
        "second frame is a tag too"
    );
    mp3[next..].to_vec()
}

/// A WAV of `samples` (interleaved, `channels`) in the given sample format, as bytes.
fn wav(rate: u32, channels: u16, bits: u16, float: bool, samples: &[f32]) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: bits,
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let mut cursor = std::io::Cursor::new(Vec::new());
    let mut w = hound::WavWriter::new(&mut cursor, spec).unwrap();
    for &s in samples {
        if float {
            w.write_sample(s).unwrap();
        } else {
            let max = (1i64 << (bits - 1)) as f32 - 1.0;
            w.write_sample((s.clamp(-1.0, 1.0) * max) as i32).unwrap();
        }
    }
    w.finalize().unwrap();
    cursor.into_inner()
}

/// Decodes every mutant written to `dir/fuzz.EXT`; accepted = decoded without error. Every
/// 8th mutant is also resampled to 16 kHz (building the resampler's filter costs more than
/// decoding a seed; the others read the file's own rate).
fn decode_target(dir: &Path, ext: &str) -> impl Fn(&[u8]) -> bool {
    let path: PathBuf = dir.join(format!("fuzz.{ext}"));
    let count = std::cell::Cell::new(0usize);
    move |bytes| {
        std::fs::write(&path, bytes).unwrap();
        count.set(count.get() + 1);
        let rate = count.get().is_multiple_of(8).then_some(16_000);
        match mer_audio::load(&path, rate) {
            Ok(audio) => {
                if let Some(r) = rate {
                    assert_eq!(audio.sample_rate, r);
                }
                assert!(
                    audio.samples.iter().all(|v| v.is_finite()),
                    "non-finite sample"
                );
                true
            }
            Err(e) => {
                // Every error names the file.
                assert_eq!(e.path(), path.as_path(), "{e}");
                if e.to_string().contains("panic in symphonia") {
                    eprintln!("caught at our boundary: {e}");
                }
                false
            }
        }
    }
}

#[test]
fn fuzz_mp3_with_and_without_lame_tag() {
    let dir = tempfile::tempdir().unwrap();
    let tagged: Vec<Vec<u8>> = [
        "deam2-3_44k_stereo.mp3",
        "4q_22k_mono.mp3",
        "deam10_32k_mono.mp3",
        "deam10_48k_mono.mp3",
    ]
    .iter()
    .map(|n| prefix(n, 6000))
    .collect();
    let untagged: Vec<Vec<u8>> = tagged.iter().map(|b| without_tag(b)).collect();
    let mut broken_crc = tagged[0].clone();
    let crc = mer_audio::testdata::lame_tag_crc_offset(&broken_crc).unwrap();
    broken_crc[crc] ^= 0xff;
    let mut id3 = b"ID3\x04\x00\x00\x00\x00\x00\x0a".to_vec();
    id3.extend_from_slice(&[0u8; 10]);
    id3.extend_from_slice(&tagged[1]);
    let dict: &[&[u8]] = &[
        b"ID3",
        b"Xing",
        b"Info",
        b"LAME",
        b"Lavf",
        b"\xff\xfb",
        b"\xff\xf3",
        b"\xff\xe3",
        b"\xff\xfa",
        b"\x00\x00\x00\x0f",
        b"\xff\xff\xff\xff",
        b"\x7f\xff\xff\xff",
    ];
    let target = decode_target(dir.path(), "mp3");
    let r = fuzz("mp3 (LAME tag)", &tagged, dict, MUTANTS / 2, 1, &target);
    assert!(r.accepted > MUTANTS / 20, "{r}");
    let mut seeds = untagged;
    seeds.push(broken_crc);
    seeds.push(id3);
    let r = fuzz(
        "mp3 (no tag, broken CRC, ID3)",
        &seeds,
        dict,
        MUTANTS / 2,
        2,
        &target,
    );
    assert!(r.accepted > MUTANTS / 20, "{r}");
}

#[test]
fn fuzz_wav() {
    let dir = tempfile::tempdir().unwrap();
    let a = mer_audio::load(&clip("4q_22k_mono.mp3"), None).unwrap();
    let x = &a.samples[22_050..22_050 + 2_000]; // 2000 samples of real audio
    let stereo: Vec<f32> = x.iter().flat_map(|&v| [v, 0.5 * v]).collect();
    let corpus = vec![
        wav(22_050, 1, 16, false, x),
        wav(44_100, 2, 24, false, &stereo),
        wav(48_000, 1, 32, true, x),
        wav(8_000, 2, 8, false, &stereo),
    ];
    let dict: &[&[u8]] = &[
        b"RIFF",
        b"WAVE",
        b"fmt ",
        b"data",
        b"LIST",
        b"fact",
        b"\x01\x00",
        b"\x03\x00",
        b"\xfe\xff",
        b"\x44\xac\x00\x00",
        b"\xff\xff\xff\xff",
        b"\x00\x00\x00\x80",
    ];
    let r = fuzz(
        "wav",
        &corpus,
        dict,
        MUTANTS,
        3,
        decode_target(dir.path(), "wav"),
    );
    assert!(r.accepted > MUTANTS / 10, "{r}");
}

#[test]
fn fuzz_flac() {
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::read(clip("deam2-3_44k_stereo_250ms.flac")).unwrap();
    let corpus = vec![full.clone(), full[..full.len() / 3].to_vec()];
    let dict: &[&[u8]] = &[
        b"fLaC",
        b"\x00\x00\x00\x22",
        b"\x84\x00\x00\x28",
        b"\xff\xf8",
        b"\xff\xf9",
        b"reference libFLAC",
        b"\xff\xff\xff\xff",
        b"\x00\x00\x00\x00",
    ];
    let r = fuzz(
        "flac",
        &corpus,
        dict,
        MUTANTS,
        4,
        decode_target(dir.path(), "flac"),
    );
    assert!(r.accepted > MUTANTS / 10, "{r}");
}
