//! Decoding edge cases on committed clips and WAVs built here (runs without the shared data).

use std::path::Path;

use mer_audio::testdata::{clip, lame_tag_crc_offset};
use mer_audio::{AudioError, load};

fn write_wav(path: &Path, rate: u32, float: bool, samples: &[f32]) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: if float { 32 } else { 16 },
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &s in samples {
        if float {
            w.write_sample(s).unwrap();
        } else {
            w.write_sample((s * 32767.0) as i16).unwrap();
        }
    }
    w.finalize().unwrap();
}

/// A LAME tag whose CRC fails (DEAM's files: tags edited after encoding) is still used to
/// drop the encoder delay, like mpg123/libsndfile: the samples start exactly as those of the
/// intact file, which symphonia trims itself; the end padding is kept, as libsndfile keeps it
/// on such files (measured on DEAM's 2.mp3, see lame.rs), so at most a frame more follows.
#[test]
fn broken_lame_crc_decodes_like_the_intact_file() {
    let p = clip("deam2-3_44k_stereo.mp3");
    let mut bytes = std::fs::read(&p).unwrap();
    let crc = lame_tag_crc_offset(&bytes).unwrap();
    bytes[crc] ^= 0xff;
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.mp3");
    std::fs::write(&broken, &bytes).unwrap();
    let a = load(&p, None).unwrap();
    let b = load(&broken, None).unwrap();
    assert_eq!(a.samples.len(), 441_000, "10 s at 44.1 kHz");
    let extra = b.samples.len() - a.samples.len();
    assert!(extra < 1152, "{extra} samples of padding");
    assert!(
        a.samples == b.samples[..a.samples.len()],
        "the first {} samples differ",
        a.samples.len()
    );
}

/// An ID3v2.3 tag of `picture_bytes` bytes of cover art (an `APIC` frame holding a JPEG
/// header and pseudo-random bytes, as compressed image data looks: frame syncs included), a
/// title and 1 kB of padding.
fn id3v2_tag_with_picture(picture_bytes: usize) -> Vec<u8> {
    fn frame(id: &[u8; 4], content: &[u8]) -> Vec<u8> {
        let mut f = id.to_vec();
        f.extend((content.len() as u32).to_be_bytes()); // ID3v2.3: plain 32-bit size
        f.extend([0, 0]); // flags
        f.extend(content);
        f
    }
    let mut apic = b"\x00image/jpeg\x00\x03cover\x00\xff\xd8\xff\xe0".to_vec();
    let mut state = 0x2545_f491_4f6c_dd1du64;
    while apic.len() < picture_bytes {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        apic.extend(state.to_le_bytes());
    }
    let mut body = frame(b"TIT2", b"\x00a title");
    body.extend(frame(b"APIC", &apic));
    body.resize(body.len() + 1024, 0);
    let size = body.len() as u32;
    let mut tag = b"ID3\x03\x00\x00".to_vec();
    tag.extend((0..4).rev().map(|i| ((size >> (7 * i)) & 0x7f) as u8)); // syncsafe
    tag.extend(body);
    tag
}

/// An MP3 behind ID3v2 tags larger than symphonia's 1 MB probe limit (embedded cover art)
/// decodes to exactly the samples of the untagged file, and is recognised as MP3 by content.
#[test]
fn big_id3v2_tags_are_skipped() {
    let p = clip("deam2-3_44k_stereo.mp3");
    let audio = std::fs::read(&p).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let tagged = dir.path().join("tagged.mp3");
    // Two tags in a row, as some taggers leave them: 1.5 MB and 300 kB.
    let mut bytes = id3v2_tag_with_picture(1_500_000);
    bytes.extend(id3v2_tag_with_picture(300_000));
    assert!(bytes.len() > 1 << 20);
    bytes.extend(&audio);
    std::fs::write(&tagged, &bytes).unwrap();
    let a = load(&p, None).unwrap();
    let b = load(&tagged, None).unwrap();
    assert_eq!(a.samples.len(), 441_000, "10 s at 44.1 kHz");
    assert!(
        a.samples == b.samples,
        "samples differ from the untagged file's"
    );
    assert!(b.warnings.is_empty(), "{:?}", b.warnings);
    // Resampled too (the path musicnn's input takes).
    let a16 = load(&p, Some(16_000)).unwrap();
    let b16 = load(&tagged, Some(16_000)).unwrap();
    assert!(a16.samples == b16.samples);
    assert_eq!(mer_audio::walk::sniff(&tagged).unwrap(), Some("mp3"));
}

/// NaN or infinity in a float WAV is a decode error naming the file, not a NaN feature.
#[test]
fn non_finite_samples_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    for bad in [f32::NAN, f32::INFINITY] {
        let p = dir.path().join("nan.wav");
        let mut x = vec![0.1f32; 4000];
        x[1234] = bad;
        write_wav(&p, 16_000, true, &x);
        let e = load(&p, None).unwrap_err();
        assert!(matches!(e, AudioError::Decode { .. }), "{e}");
        assert!(
            e.to_string().contains("nan.wav") && e.to_string().contains("NaN"),
            "{e}"
        );
    }
}

/// A rate no audio has cannot be resampled (a "1 Hz" file would grow 16 000-fold at 16 kHz);
/// read at its own rate, it is just samples.
#[test]
fn absurd_rates_are_refused_when_resampling() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("slow.wav");
    write_wav(&p, 10, false, &[0.1; 100]);
    let e = load(&p, Some(16_000)).unwrap_err();
    assert!(matches!(e, AudioError::Resample { .. }), "{e}");
    assert!(e.to_string().contains("slow.wav"), "{e}");
    assert_eq!(load(&p, None).unwrap().samples.len(), 100);
}

/// A header that states ~3 days of audio in a tiny file does not size memory from it: the
/// file decodes to the samples it holds, with a warning that it ends early.
#[test]
fn stated_length_does_not_size_allocations() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("huge.wav");
    write_wav(&p, 8_000, false, &[0.25; 1000]);
    let mut bytes = std::fs::read(&p).unwrap();
    let data = bytes.windows(4).position(|w| w == b"data").unwrap();
    bytes[data + 4..data + 8].copy_from_slice(&0xffff_ff00u32.to_le_bytes());
    bytes[4..8].copy_from_slice(&0xffff_fff8u32.to_le_bytes());
    std::fs::write(&p, &bytes).unwrap();
    for rate in [None, Some(44_100)] {
        let a = load(&p, rate).unwrap();
        let expected = if rate.is_some() { 5513 } else { 1000 };
        assert_eq!(a.samples.len(), expected, "{rate:?}");
    }
}
