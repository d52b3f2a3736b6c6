//! Output formats: a human table, JSON Lines, CSV (one row per file, or one per frame).
//!
//! Every writer takes the predictions on [-1, 1] and a [`Scale`] to print them on.

use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use crate::predictor::SongPrediction;
use crate::scale::Scale;

/// How predictions are printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// An aligned, human-readable table (default).
    #[default]
    Table,
    /// JSON Lines: one object per file.
    Json,
    /// CSV: a header, then one row per file (or per 0.5 s frame with `dynamic`).
    Csv,
}

fn path_str(p: &SongPrediction) -> String {
    p.path
        .as_deref()
        .map_or_else(|| "<samples>".to_string(), |p| p.display().to_string())
}

/// One JSON Lines record (`mer predict --format json`).
#[derive(Debug, Serialize)]
pub struct JsonRecord<'a> {
    /// The file.
    pub path: String,
    /// Seconds predicted.
    pub duration_s: f64,
    /// Offset of the predicted audio in the file (`--start`), s.
    pub start_s: f64,
    /// The scale of every value below.
    pub scale: &'static str,
    /// Song-level arousal.
    pub arousal: f32,
    /// Song-level valence.
    pub valence: f32,
    /// Russell quadrant (`Q1`…`Q4`).
    pub quadrant: String,
    /// Share of frames in the song's quadrant.
    pub confidence: f32,
    /// Seconds between dynamic values.
    pub hop_s: f64,
    /// The dynamic series.
    pub dynamic: Dynamic<'a>,
}

/// The dynamic part of a [`JsonRecord`].
#[derive(Debug, Serialize)]
pub struct Dynamic<'a> {
    /// Arousal every `hop_s`.
    pub arousal: Vec<f32>,
    /// Valence every `hop_s`.
    pub valence: Vec<f32>,
    #[serde(skip)]
    _p: std::marker::PhantomData<&'a ()>,
}

/// Rounds to 4 decimals for printing (the models are not more precise than that).
fn r4(x: f32) -> f32 {
    (x * 10_000.0).round() / 10_000.0
}

/// The JSON Lines record of a prediction on `scale`.
pub fn json_record(p: &SongPrediction, scale: Scale) -> JsonRecord<'_> {
    let conv = |v: &[f32]| v.iter().map(|&x| r4(scale.from_unit(x))).collect();
    JsonRecord {
        path: path_str(p),
        duration_s: (p.duration_s * 1000.0).round() / 1000.0,
        start_s: p.start_s,
        scale: scale.name(),
        arousal: r4(scale.from_unit(p.arousal)),
        valence: r4(scale.from_unit(p.valence)),
        quadrant: format!("Q{}", p.quadrant),
        confidence: r4(p.confidence),
        hop_s: p.hop_s,
        dynamic: Dynamic {
            arousal: conv(&p.dynamic_arousal),
            valence: conv(&p.dynamic_valence),
            _p: std::marker::PhantomData,
        },
    }
}

/// One row of output: a prediction, or a failure `(path, message)`.
pub type Row = Result<SongPrediction, (String, String)>;

/// Writes predictions (and failures, for the table) in `format`. `rows` are in input order:
/// `Ok` predictions and `Err((path, message))` failures; failures are skipped in JSON/CSV
/// (they go to stderr, reported by the caller) and shown as `error` rows in the table.
pub fn write<W: Write>(
    out: &mut W,
    rows: &[Row],
    format: Format,
    scale: Scale,
    dynamic: bool,
) -> io::Result<()> {
    let names: Vec<String> = rows
        .iter()
        .map(|r| match r {
            Ok(p) => path_str(p),
            Err((path, _)) => path.clone(),
        })
        .collect();
    let mut w = StreamWriter::new(out, format, scale, dynamic, &names)?;
    for r in rows {
        w.row(r)?;
    }
    Ok(())
}

/// Writes rows one at a time as they become ready (header first), so a long batch shows
/// its results as it goes and an interrupted run keeps what it printed. The table's file
/// column is sized from the paths given up front.
pub struct StreamWriter<'w, W: Write> {
    out: &'w mut W,
    format: Format,
    scale: Scale,
    dynamic: bool,
    /// Table: width of the file column; whether names are shortened to file names.
    width: usize,
    short: bool,
}

impl<'w, W: Write> StreamWriter<'w, W> {
    /// Writes the header (table, CSV) for the files `paths` (in the order rows will come).
    pub fn new(
        out: &'w mut W,
        format: Format,
        scale: Scale,
        dynamic: bool,
        paths: &[String],
    ) -> io::Result<Self> {
        // Full paths when there are several files, else the file name.
        let short = paths.len() <= 1;
        let width = paths
            .iter()
            .map(|p| table_name(p, short).chars().count())
            .max()
            .unwrap_or(4)
            .max(4);
        match format {
            Format::Table => writeln!(
                out,
                "{:<width$}  {:>8}  {:>7}  {:>7}  {:>2}  {:>4}  mood (scale {})",
                "file",
                "duration",
                "arousal",
                "valence",
                "Q",
                "conf",
                scale.name()
            )?,
            Format::Csv if dynamic => writeln!(out, "path,time_s,arousal,valence,scale")?,
            Format::Csv => writeln!(
                out,
                "path,duration_s,arousal,valence,quadrant,confidence,scale"
            )?,
            Format::Json => {}
        }
        Ok(StreamWriter {
            out,
            format,
            scale,
            dynamic,
            width,
            short,
        })
    }

    /// Writes one row (a failure only in the table) and flushes it.
    pub fn row(&mut self, row: &Row) -> io::Result<()> {
        let (out, scale) = (&mut *self.out, self.scale);
        match (self.format, row) {
            (Format::Table, _) => write_table_row(out, row, scale, self.width, self.short)?,
            (Format::Json, Ok(p)) => {
                serde_json::to_writer(&mut *out, &json_record(p, scale))?;
                out.write_all(b"\n")?;
            }
            (Format::Csv, Ok(p)) => write_csv_row(out, p, scale, self.dynamic)?,
            (_, Err(_)) => {}
        }
        self.out.flush()
    }
}

/// Quotes a CSV field when needed (RFC 4180).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn write_csv_row<W: Write>(
    out: &mut W,
    p: &SongPrediction,
    scale: Scale,
    dynamic: bool,
) -> io::Result<()> {
    let path = csv_field(&path_str(p));
    if dynamic {
        for (k, (a, v)) in p.dynamic_arousal.iter().zip(&p.dynamic_valence).enumerate() {
            let t = p.start_s + k as f64 * p.hop_s;
            writeln!(
                out,
                "{path},{t:.1},{},{},{}",
                r4(scale.from_unit(*a)),
                r4(scale.from_unit(*v)),
                scale.name()
            )?;
        }
        Ok(())
    } else {
        writeln!(
            out,
            "{path},{:.3},{},{},Q{},{},{}",
            p.duration_s,
            r4(scale.from_unit(p.arousal)),
            r4(scale.from_unit(p.valence)),
            p.quadrant,
            r4(p.confidence),
            scale.name()
        )
    }
}

/// Words for a quadrant (Russell's circumplex, the usual 4Q mood adjectives).
pub fn quadrant_words(q: u8) -> &'static str {
    match q {
        1 => "energetic, positive (happy, exciting)",
        2 => "energetic, negative (tense, angry)",
        3 => "calm, negative (sad, gloomy)",
        4 => "calm, positive (relaxed, serene)",
        _ => "?",
    }
}

/// The table's name for a file: its path, or only its file name when `short`.
fn table_name(path: &str, short: bool) -> String {
    if short {
        Path::new(path)
            .file_name()
            .map_or(path.to_string(), |f| f.to_string_lossy().into_owned())
    } else {
        path.to_string()
    }
}

fn write_table_row<W: Write>(
    out: &mut W,
    row: &Row,
    scale: Scale,
    w: usize,
    short: bool,
) -> io::Result<()> {
    match row {
        Ok(p) => writeln!(
            out,
            "{:<w$}  {:>7.1}s  {:>7.2}  {:>7.2}  Q{}  {:>4.2}  {}",
            table_name(&path_str(p), short),
            p.duration_s,
            scale.from_unit(p.arousal),
            scale.from_unit(p.valence),
            p.quadrant,
            p.confidence,
            quadrant_words(p.quadrant)
        ),
        Err((path, msg)) => writeln!(out, "{:<w$}  error: {msg}", table_name(path, short)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SongPrediction {
        SongPrediction {
            path: Some("a,b.mp3".into()),
            duration_s: 1.0,
            start_s: 10.0,
            arousal: 0.5,
            valence: -0.25,
            quadrant: 2,
            confidence: 1.0,
            hop_s: 0.5,
            dynamic_arousal: vec![0.5, 0.5],
            dynamic_valence: vec![-0.25, -0.25],
            warnings: Vec::new(),
        }
    }

    #[test]
    fn json_names_the_scale_and_converts() {
        let mut buf = Vec::new();
        write(
            &mut buf,
            &[Ok(sample())],
            Format::Json,
            Scale::OneToNine,
            false,
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&buf).unwrap();
        assert_eq!(v["scale"], "1..9");
        assert_eq!(v["arousal"], 7.0);
        assert_eq!(v["valence"], 4.0);
        assert_eq!(v["hop_s"], 0.5);
        assert_eq!(v["dynamic"]["arousal"].as_array().unwrap().len(), 2);
        assert_eq!(v["path"], "a,b.mp3");
    }

    #[test]
    fn csv_rows_per_file_and_per_frame() {
        let rows = [Ok(sample()), Err(("bad.mp3".to_string(), "x".to_string()))];
        let mut buf = Vec::new();
        write(&mut buf, &rows, Format::Csv, Scale::ZeroToOne, false).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert_eq!(lines[1], "\"a,b.mp3\",1.000,0.75,0.375,Q2,1,0..1");
        let mut buf = Vec::new();
        write(&mut buf, &rows, Format::Csv, Scale::MinusOneToOne, true).unwrap();
        let text = String::from_utf8(buf).unwrap();
        assert_eq!(text.lines().count(), 3);
        assert!(
            text.lines()
                .nth(2)
                .unwrap()
                .starts_with("\"a,b.mp3\",10.5,")
        );
    }

    #[test]
    fn table_rows_stream_aligned_with_failures_inline() {
        let mut p = sample();
        p.path = Some("music/long name.mp3".into());
        let paths = ["music/long name.mp3".to_string(), "x.mp3".to_string()];
        let mut buf = Vec::new();
        let mut w = StreamWriter::new(&mut buf, Format::Table, Scale::MinusOneToOne, false, &paths)
            .unwrap();
        w.row(&Ok(p)).unwrap();
        w.row(&Err(("x.mp3".into(), "x.mp3: not audio".into())))
            .unwrap();
        let text = String::from_utf8(buf).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        // The columns after the file name start at the same place on every line.
        let col = "music/long name.mp3".len() + 2;
        assert!(lines[0][col..].starts_with("duration"), "{text}");
        assert!(lines[1][col..].trim_start().starts_with("1.0s"), "{text}");
        assert!(
            lines[2].starts_with("x.mp3 ")
                && lines[2][col..].starts_with("error: x.mp3: not audio"),
            "{text}"
        );
    }
}
