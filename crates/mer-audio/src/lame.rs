//! The encoder delay of an MP3's LAME/Xing tag, read even when the tag's CRC does not match.
//!
//! symphonia trims MP3 encoder delay and padding only when the LAME tag's CRC is valid. Many
//! real files (all of DEAM's, e.g. `2.mp3`, "LAME3.99r") carry a tag whose CRC fails after later
//! tag edits; libsndfile/mpg123 (what `librosa.load` uses) still remove the start delay from such
//! files — measured on DEAM 2.mp3: librosa's samples equal ours from sample 1105 = 576 + 529 on,
//! to the last sample (the end padding is kept). We do the same so that frame times agree.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Decoder delay of MPEG-1/2 layer III added to the encoder delay (mpg123, symphonia: 528 + 1).
const DECODER_DELAY: u32 = 529;

/// Samples to drop at the start of `path` according to its LAME/Lavf/Lavc tag, ignoring the
/// tag CRC; `None` when there is no such tag.
pub(crate) fn lame_start_trim(path: &Path) -> Option<u32> {
    let mut f = File::open(path).ok()?;
    let pos = crate::id3::tags_end(&mut f).ok()?;
    let mut buf = vec![0u8; 8192];
    f.seek(SeekFrom::Start(pos)).ok()?;
    let n = read_up_to(&mut f, &mut buf)?;
    xing_start_trim(&buf[..n])
}

/// The start trim of the Xing/Info + LAME tag in the first layer III frame of `buf` (the
/// bytes after any ID3v2 tag), ignoring the tag CRC; `None` without such a tag.
pub(crate) fn xing_start_trim(buf: &[u8]) -> Option<u32> {
    // First frame sync of layer III.
    let i = (0..buf.len().saturating_sub(4))
        .find(|&i| buf[i] == 0xff && buf[i + 1] & 0xe0 == 0xe0 && (buf[i + 1] >> 1) & 3 == 1)?;
    let mpeg1 = (buf[i + 1] >> 3) & 3 == 3;
    let mono = (buf[i + 3] >> 6) & 3 == 3;
    let side = match (mpeg1, mono) {
        (true, true) => 17,
        (true, false) => 32,
        (false, true) => 9,
        (false, false) => 17,
    };
    let off = i + 4 + side;
    let id = buf.get(off..off + 4)?;
    if id != b"Xing" && id != b"Info" {
        return None;
    }
    let flags = u32::from_be_bytes(buf.get(off + 4..off + 8)?.try_into().ok()?);
    let mut p = off + 8;
    for (bit, len) in [(1, 4), (2, 4), (4, 100), (8, 4)] {
        if flags & bit != 0 {
            p += len;
        }
    }
    let encoder = buf.get(p..p + 9)?;
    if !(encoder.starts_with(b"LAME")
        || encoder.starts_with(b"Lavf")
        || encoder.starts_with(b"Lavc"))
    {
        return None;
    }
    // 9 encoder + 1 revision + 1 lowpass + 4 peak + 2 + 2 replaygain + 1 flags + 1 abr = 21.
    let t = buf.get(p + 21..p + 24)?;
    let trim = (t[0] as u32) << 16 | (t[1] as u32) << 8 | t[2] as u32;
    Some((trim >> 12) + DECODER_DELAY)
}

fn read_up_to(f: &mut File, buf: &mut [u8]) -> Option<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(_) => return None,
        }
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The LAME tag of a committed clip (LAME 3.100, encoder delay 576): 1105 samples, also
    /// with the tag's CRC broken (symphonia then ignores the tag; we do not).
    #[test]
    fn committed_clip_lame_delay() {
        let p = crate::testdata::clip("deam2-3_44k_stereo.mp3");
        assert_eq!(lame_start_trim(&p), Some(1105));
        let mut bytes = std::fs::read(&p).unwrap();
        let crc = crate::testdata::lame_tag_crc_offset(&bytes).expect("a LAME tag");
        bytes[crc] ^= 0xff;
        let mut broken = tempfile::Builder::new().suffix(".mp3").tempfile().unwrap();
        std::io::Write::write_all(&mut broken, &bytes).unwrap();
        assert_eq!(lame_start_trim(broken.path()), Some(1105));
    }

    /// The Xing/LAME parser on mutants of real first frames: no panic, whatever the bytes.
    #[test]
    fn fuzz_xing_tag() {
        let corpus: Vec<Vec<u8>> = ["deam2-3_44k_stereo.mp3", "4q_22k_mono.mp3"]
            .iter()
            .map(|n| {
                let b = std::fs::read(crate::testdata::clip(n)).unwrap();
                b[..b.len().min(2048)].to_vec()
            })
            .collect();
        assert!(corpus.iter().all(|c| xing_start_trim(c) == Some(1105)));
        let dict: &[&[u8]] = &[
            b"Xing",
            b"Info",
            b"LAME",
            b"Lavf",
            b"Lavc",
            b"\xff\xfb",
            b"\xff\xf3",
            b"\xff\xe3",
            b"\x00\x00\x00\x0f",
            b"\xff\xff\xff\xff",
        ];
        let report = mer_testkit::fuzz::fuzz("xing tag", &corpus, dict, 5000, 13, |b| {
            xing_start_trim(b).is_some()
        });
        assert!(report.accepted > 100, "{report}");
    }

    /// DEAM's 2.mp3: LAME3.99r tag, encoder delay 576 → 1105 samples to skip.
    #[test]
    fn deam_lame_delay() {
        let Some(data) = crate::testdata::shared_data() else {
            return;
        };
        let p = data.join("deam-sample/audio/2.mp3");
        assert_eq!(lame_start_trim(&p), Some(1105));
        // A WAV has no LAME tag.
        let mut w = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut w, b"RIFF\0\0\0\0WAVEfmt ").unwrap();
        assert_eq!(lame_start_trim(w.path()), None);
    }
}
