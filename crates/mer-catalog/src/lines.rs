//! CSV and JSON Lines catalogs: one row per line, appended and flushed as files finish.
//!
//! A crash (`kill -9`, power cut) can leave at most the last row half-written. [`scan`] finds
//! the end of the last complete row: it must end with a newline, parse, and — for CSV, whose
//! quoted fields may hold newlines — be byte for byte what [`encode`] writes for it. The file
//! is truncated there before new rows are appended.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use crate::error::{CatalogError, Result};
use crate::row::{COLUMNS, Row};

/// The two line formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LineFormat {
    Csv,
    Jsonl,
}

/// The header a new file starts with (CSV: the column names; JSON Lines: nothing).
pub(crate) fn header(fmt: LineFormat) -> Vec<u8> {
    match fmt {
        LineFormat::Csv => format!("{}\n", COLUMNS.join(",")).into_bytes(),
        LineFormat::Jsonl => Vec::new(),
    }
}

/// One row as its line (with the newline).
pub(crate) fn encode(fmt: LineFormat, row: &Row) -> Vec<u8> {
    match fmt {
        LineFormat::Csv => {
            let mut w = csv::WriterBuilder::new()
                .has_headers(false)
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(Vec::with_capacity(160));
            w.serialize(row).expect("a row serializes to CSV");
            w.into_inner().expect("writing to memory")
        }
        LineFormat::Jsonl => {
            let mut v = serde_json::to_vec(row).expect("a row serializes to JSON");
            v.push(b'\n');
            v
        }
    }
}

/// What [`scan`] found in an existing file.
#[derive(Debug, Default)]
pub(crate) struct Scanned {
    /// Byte length of the complete rows (and header): truncate the file here.
    pub complete: u64,
    /// Whether a half-written last row follows.
    pub torn: bool,
}

/// Reads every complete row of an existing catalog file, calling `each` with it; a malformed
/// row that is not the last one is an error (the file is not a catalog this crate wrote, or
/// was edited). A file that does not start like a catalog is [`CatalogError::NotOurs`].
pub(crate) fn scan(
    path: &Path,
    fmt: LineFormat,
    mut each: impl FnMut(Row) -> Result<()>,
) -> Result<Scanned> {
    let file = File::open(path).map_err(CatalogError::io(path))?;
    let len = file.metadata().map_err(CatalogError::io(path))?.len();
    match fmt {
        LineFormat::Csv => scan_csv(path, file, len, &mut each),
        LineFormat::Jsonl => scan_jsonl(path, file, &mut each),
    }
}

fn not_ours(path: &Path, what: String) -> CatalogError {
    CatalogError::NotOurs {
        path: path.to_path_buf(),
        reason: format!(
            "exists and is not a catalog written by mer catalog ({what}); not overwritten \
             (pass --force to replace it)"
        ),
    }
}

fn scan_csv(
    path: &Path,
    file: File,
    len: u64,
    each: &mut dyn FnMut(Row) -> Result<()>,
) -> Result<Scanned> {
    let head = header(LineFormat::Csv);
    let mut first = vec![0u8; head.len()];
    let mut f = file;
    let n = read_up_to(&mut f, &mut first).map_err(CatalogError::io(path))?;
    if first[..n] != head[..] {
        let line = String::from_utf8_lossy(&first[..n]);
        let line = line.lines().next().unwrap_or("");
        return Err(not_ours(path, format!("its header is {line:?}")));
    }
    f.seek(SeekFrom::Start(0)).map_err(CatalogError::io(path))?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(BufReader::with_capacity(1 << 16, f));
    let headers = rdr
        .byte_headers()
        .map_err(|e| CatalogError::BadRow {
            path: path.to_path_buf(),
            row: 1,
            reason: e.to_string(),
        })?
        .clone();
    let mut rec = csv::ByteRecord::new();
    // The last row read, not yet handed over: (its start, its line, the row or why not).
    let mut pending: Option<(u64, u64, std::result::Result<Row, String>)> = None;
    let mut complete = head.len() as u64;
    loop {
        let start = rdr.position().byte();
        // Byte records with flexible lengths: reading itself fails only on I/O errors.
        let more = rdr
            .read_byte_record(&mut rec)
            .map_err(|e| CatalogError::BadRow {
                path: path.to_path_buf(),
                row: rdr.position().line(),
                reason: e.to_string(),
            })?;
        if !more {
            break;
        }
        if let Some((_, line, r)) = pending.take() {
            match r {
                Ok(row) => each(row)?,
                Err(reason) => {
                    return Err(CatalogError::BadRow {
                        path: path.to_path_buf(),
                        row: line,
                        reason,
                    });
                }
            }
            complete = start;
        }
        let line = rec.position().map_or(0, |p| p.line());
        let r = rec
            .deserialize::<Row>(Some(&headers))
            .map_err(|e| e.to_string());
        pending = Some((start, line, r));
    }
    finish_pending(path, pending, each, complete, len)
}

/// Hands over the last CSV row if it is complete (ends with a newline, reads back as exactly
/// the bytes [`encode`] writes), else reports it torn.
fn finish_pending(
    path: &Path,
    pending: Option<(u64, u64, std::result::Result<Row, String>)>,
    each: &mut dyn FnMut(Row) -> Result<()>,
    complete: u64,
    len: u64,
) -> Result<Scanned> {
    let Some((start, _, r)) = pending else {
        return Ok(Scanned {
            complete,
            torn: complete < len,
        });
    };
    if let Ok(row) = r {
        let want = encode(LineFormat::Csv, &row);
        if start + want.len() as u64 == len {
            let mut f = File::open(path).map_err(CatalogError::io(path))?;
            f.seek(SeekFrom::Start(start))
                .map_err(CatalogError::io(path))?;
            let mut got = Vec::with_capacity(want.len());
            f.take(want.len() as u64)
                .read_to_end(&mut got)
                .map_err(CatalogError::io(path))?;
            if got == want {
                each(row)?;
                return Ok(Scanned {
                    complete: len,
                    torn: false,
                });
            }
        }
    }
    Ok(Scanned {
        complete: start,
        torn: true,
    })
}

fn read_up_to(f: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

fn scan_jsonl(path: &Path, file: File, each: &mut dyn FnMut(Row) -> Result<()>) -> Result<Scanned> {
    let mut rdr = BufReader::with_capacity(1 << 16, file);
    let mut buf = Vec::new();
    let mut at = 0u64;
    let mut line = 0u64;
    loop {
        buf.clear();
        let n = rdr
            .read_until(b'\n', &mut buf)
            .map_err(CatalogError::io(path))? as u64;
        if n == 0 {
            return Ok(Scanned {
                complete: at,
                torn: false,
            });
        }
        line += 1;
        let whole = buf.last() == Some(&b'\n');
        let parsed = serde_json::from_slice::<Row>(&buf);
        match parsed {
            Ok(row) if whole => each(row)?,
            Err(e) if whole && line == 1 => {
                return Err(not_ours(path, format!("its first line: {e}")));
            }
            Err(e) if whole => {
                return Err(CatalogError::BadRow {
                    path: path.to_path_buf(),
                    row: line,
                    reason: e.to_string(),
                });
            }
            _ => {
                // A half-written last line; but a file whose only line is not even the start
                // of a row is someone else's.
                let start: &[u8] = b"{\"path\":";
                let k = buf.len().min(start.len());
                if line == 1 && buf[..k] != start[..k] {
                    return Err(not_ours(path, "its first line is not a catalog row".into()));
                }
                return Ok(Scanned {
                    complete: at,
                    torn: true,
                });
            }
        }
        at += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(path: &str, ok: bool) -> Row {
        Row {
            path: path.into(),
            duration_s: ok.then_some(30.016),
            arousal: ok.then_some(-0.123_456_79),
            valence: ok.then_some(0.5),
            quadrant: ok.then_some(4),
            confidence: ok.then_some(0.75),
            model: "fast".into(),
            error: if ok {
                String::new()
            } else {
                format!("{path}: not audio, \"quoted\"")
            },
            size: Some(123_456),
            mtime: Some(1_764_000_000_123_456_789),
        }
    }

    /// Every prefix of a file — what a crash can leave — scans to exactly the rows wholly
    /// written, and the rest is reported torn; paths with commas, quotes and newlines too.
    #[test]
    fn every_cut_of_a_catalog_keeps_exactly_its_complete_rows() {
        let rows = [
            row("a/x.mp3", true),
            row("b,\"c\"\nd.mp3", false),
            row("é/y\n.mp3", true),
        ];
        let dir = tempfile::tempdir().unwrap();
        for fmt in [LineFormat::Csv, LineFormat::Jsonl] {
            let mut bytes = header(fmt);
            let mut ends = vec![bytes.len()];
            for r in &rows {
                bytes.extend(encode(fmt, r));
                ends.push(bytes.len());
            }
            let p = dir.path().join("c");
            for cut in ends[0]..=bytes.len() {
                std::fs::write(&p, &bytes[..cut]).unwrap();
                let mut got = Vec::new();
                let s = scan(&p, fmt, |r| {
                    got.push(r);
                    Ok(())
                })
                .unwrap();
                let whole = ends.iter().rposition(|&e| e <= cut).unwrap();
                assert_eq!(got, rows[..whole], "{fmt:?} cut at {cut}");
                assert_eq!(s.complete, ends[whole] as u64, "{fmt:?} cut at {cut}");
                assert_eq!(s.torn, cut != ends[whole], "{fmt:?} cut at {cut}");
            }
        }
    }

    #[test]
    fn a_file_that_is_not_a_catalog_is_refused_and_a_bad_middle_row_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c");
        std::fs::write(&p, "name,value\nx,1\n").unwrap();
        let e = scan(&p, LineFormat::Csv, |_| Ok(())).unwrap_err();
        assert!(matches!(e, CatalogError::NotOurs { .. }), "{e}");
        std::fs::write(&p, "{\"name\":\"x\"}\n").unwrap();
        let e = scan(&p, LineFormat::Jsonl, |_| Ok(())).unwrap_err();
        assert!(matches!(e, CatalogError::NotOurs { .. }), "{e}");
        let mut bytes = encode(LineFormat::Jsonl, &row("a", true));
        bytes.extend(b"garbage\n");
        bytes.extend(encode(LineFormat::Jsonl, &row("b", true)));
        std::fs::write(&p, &bytes).unwrap();
        let e = scan(&p, LineFormat::Jsonl, |_| Ok(()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("row 2"), "{e}");
    }
}
