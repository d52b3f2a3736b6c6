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

/// Writes predictions (and failures, for the table) in `format`. `rows` are in input order:
/// `Ok` predictions and `Err((path, message))` failures; failures are skipped in JSON/CSV
/// (they go to stderr, reported by the caller) and shown as `error` rows in the table.
pub fn write<W: Write>(
    out: &mut W,
    rows: &[Result<SongPrediction, (String, String)>],
    format: Format,
    scale: Scale,
    dynamic: bool,
) -> io::Result<()> {
    match format {
        Format::Table => write_table(out, rows, scale),
        Format::Json => {
            for p in rows.iter().flatten() {
                serde_json::to_writer(&mut *out, &json_record(p, scale))?;
                out.write_all(b"\n")?;
            }
            Ok(())
        }
        Format::Csv => write_csv(out, rows.iter().flatten(), scale, dynamic),
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

fn write_csv<'a, W: Write>(
    out: &mut W,
    rows: impl Iterator<Item = &'a SongPrediction>,
    scale: Scale,
    dynamic: bool,
) -> io::Result<()> {
    if dynamic {
        writeln!(out, "path,time_s,arousal,valence,scale")?;
    } else {
        writeln!(
            out,
            "path,duration_s,arousal,valence,quadrant,confidence,scale"
        )?;
    }
    for p in rows {
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
            )?;
        }
    }
    Ok(())
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

fn write_table<W: Write>(
    out: &mut W,
    rows: &[Result<SongPrediction, (String, String)>],
    scale: Scale,
) -> io::Result<()> {
    let name = |r: &Result<SongPrediction, (String, String)>| match r {
        Ok(p) => path_str(p),
        Err((path, _)) => path.clone(),
    };
    let short = |s: String| {
        Path::new(&s)
            .file_name()
            .map_or(s.clone(), |f| f.to_string_lossy().into_owned())
    };
    // Full paths when there are several directories, else file names.
    let names: Vec<String> = if rows.len() > 1 {
        rows.iter().map(name).collect()
    } else {
        rows.iter().map(|r| short(name(r))).collect()
    };
    let w = names
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    writeln!(
        out,
        "{:<w$}  {:>8}  {:>7}  {:>7}  {:>2}  {:>4}  mood (scale {})",
        "file",
        "duration",
        "arousal",
        "valence",
        "Q",
        "conf",
        scale.name()
    )?;
    for (r, n) in rows.iter().zip(&names) {
        match r {
            Ok(p) => writeln!(
                out,
                "{n:<w$}  {:>7.1}s  {:>7.2}  {:>7.2}  Q{}  {:>4.2}  {}",
                p.duration_s,
                scale.from_unit(p.arousal),
                scale.from_unit(p.valence),
                p.quadrant,
                p.confidence,
                quadrant_words(p.quadrant)
            )?,
            Err((_, msg)) => writeln!(out, "{n:<w$}  error: {msg}")?,
        }
    }
    Ok(())
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
}
