//! Leading ID3v2 tags, skipped before symphonia looks at a file.
//!
//! An MP3 (or FLAC, AAC, …) may start with ID3v2 tags of any size: cover art makes them
//! megabytes long. This build enables no symphonia metadata reader, so its probe would scan a
//! tag byte by byte for an audio marker — up to its 1 MB probe limit ("no suitable format
//! reader found" beyond), and inside a picture's bytes it can meet a false frame sync. We do
//! not use tags, so instead of symphonia's `id3v2` feature (which reads every frame into
//! memory, pictures whole, and fails the whole probe on a tag header it does not support, e.g.
//! ID3v2.2 with its compression flag) the tags are skipped by their headers: 10 bytes, a
//! 28-bit syncsafe size, and a 10-byte footer when flagged (ID3v2.4 §3.1).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use symphonia::core::io::MediaSourceStream;

/// The offset of the first byte after the ID3v2 tags that start `r` (0 without any); a tag
/// header cut short ends the search. Tags may be chained (several in a row).
pub(crate) fn tags_end(r: &mut (impl Read + Seek)) -> std::io::Result<u64> {
    let len = r.seek(SeekFrom::End(0))?;
    let mut pos = 0u64;
    while pos + 10 <= len {
        let mut h = [0u8; 10];
        r.seek(SeekFrom::Start(pos))?;
        r.read_exact(&mut h)?;
        // "ID3", version (< 0xff), flags, size: four bytes below 0x80.
        if &h[..3] != b"ID3" || h[3] == 0xff || h[4] == 0xff || h[6..10].iter().any(|&b| b >= 0x80)
        {
            break;
        }
        let size = h[6..10]
            .iter()
            .fold(0u64, |acc, &b| (acc << 7) | u64::from(b));
        let footer = if h[5] & 0x10 != 0 { 10 } else { 0 };
        pos += 10 + size + footer;
    }
    Ok(pos.min(len))
}

/// `file` as symphonia's input, positioned after its leading ID3v2 tags.
pub(crate) fn media_source(mut file: File) -> std::io::Result<MediaSourceStream<'static>> {
    let start = tags_end(&mut file)?;
    file.seek(SeekFrom::Start(0))?;
    // Seek the stream itself: it counts its position from where it starts reading, and the
    // probe returns to that count after looking at the file's end.
    let mut mss = MediaSourceStream::new(Box::new(file), Default::default());
    mss.seek(SeekFrom::Start(start))?;
    Ok(mss)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn header(flags: u8, size: u32) -> Vec<u8> {
        let mut h = b"ID3\x04\x00".to_vec();
        h.push(flags);
        h.extend((0..4).rev().map(|i| ((size >> (7 * i)) & 0x7f) as u8));
        h
    }

    #[test]
    fn skips_chained_tags_and_footers() {
        let mut bytes = header(0, 300);
        bytes.resize(310, 0);
        bytes.extend(header(0x10, 5_000_000)); // with footer
        bytes.resize(310 + 10 + 5_000_000 + 10, 0);
        bytes.extend(b"\xff\xfb audio");
        assert_eq!(tags_end(&mut Cursor::new(&bytes)).unwrap(), 5_000_330);
        // No tag; a tag stating more than the file holds; a header cut short; a bad size byte.
        assert_eq!(tags_end(&mut Cursor::new(b"\xff\xfb audio")).unwrap(), 0);
        let long = header(0, 1 << 20);
        assert_eq!(tags_end(&mut Cursor::new(&long)).unwrap(), 10);
        assert_eq!(tags_end(&mut Cursor::new(b"ID3\x04")).unwrap(), 0);
        let mut bad = header(0, 10);
        bad[7] = 0x80;
        assert_eq!(tags_end(&mut Cursor::new(&bad)).unwrap(), 0);
    }
}
