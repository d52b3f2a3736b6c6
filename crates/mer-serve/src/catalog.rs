//! Reading a catalog written by `mer catalog` (`.csv`, `.jsonl`, `.parquet`), or the per-file
//! output of `mer predict --format csv|json`, into song-level summaries.
//!
//! Columns (any order, extra columns ignored): `path` (relative to the DIR the catalog was
//! made from), `duration_s`, `arousal`, `valence`, `quadrant` (`Q1`…`Q4` or `1`…`4`),
//! `confidence`, `model`, `error` (empty when the file worked). A `scale` column (as
//! `mer predict` writes) says which scale the values are on; without one they are on [-1, 1].
//!
//! A catalog may be read while `mer catalog` is still writing it: a malformed row (e.g. a
//! half-written last line) is skipped and counted, not fatal. A `.parquet` catalog (a folder
//! of part files, or one Parquet file) is read through `mer-catalog`: its committed parts,
//! row numbers counted across them.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use mer_predict::Scale;
use serde::Deserialize;

use crate::error::ServeError;

/// Song-level values of one track on [-1, 1].
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Seconds of audio.
    pub duration_s: f64,
    /// Song-level arousal.
    pub arousal: f32,
    /// Song-level valence.
    pub valence: f32,
    /// Russell quadrant 1..=4.
    pub quadrant: u8,
    /// Share of frames in the song's quadrant.
    pub confidence: f32,
    /// The model that made it.
    pub model: Arc<str>,
}

/// What is known about a track: its summary, or why it could not be predicted.
pub type Status = Result<Summary, Arc<str>>;

/// One catalog row: the path as written, and its status.
#[derive(Clone, Debug, PartialEq)]
pub struct CatalogRow {
    /// The path as the catalog has it (relative to its DIR, or as `mer predict` was given it).
    pub path: PathBuf,
    /// Values, or the row's error.
    pub status: Status,
}

/// A catalog read from disk.
#[derive(Debug, Default)]
pub struct Catalog {
    /// The rows that parsed.
    pub rows: Vec<CatalogRow>,
    /// Rows skipped as malformed.
    pub skipped: usize,
    /// The first skipped row's line number and reason.
    pub first_skip: Option<(usize, String)>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawRow {
    path: Option<String>,
    duration_s: Option<f64>,
    arousal: Option<f64>,
    valence: Option<f64>,
    #[serde(deserialize_with = "quadrant")]
    quadrant: Option<u8>,
    confidence: Option<f64>,
    model: Option<String>,
    error: Option<String>,
    scale: Option<String>,
}

/// `Q3`, `3` or `3.0` (or empty) → `Some(3)`.
fn quadrant<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u8>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Q {
        N(f64),
        S(String),
    }
    let q: Option<Q> = Option::deserialize(d)?;
    let n = match q {
        None => return Ok(None),
        Some(Q::N(n)) => n,
        Some(Q::S(s)) => {
            let t = s.trim().trim_start_matches(['Q', 'q']);
            if t.is_empty() {
                return Ok(None);
            }
            t.parse::<f64>()
                .map_err(|_| serde::de::Error::custom(format!("bad quadrant {s:?}")))?
        }
    };
    if [1.0, 2.0, 3.0, 4.0].contains(&n) {
        Ok(Some(n as u8))
    } else {
        Err(serde::de::Error::custom(format!(
            "bad quadrant {n} (1 to 4)"
        )))
    }
}

impl RawRow {
    fn into_row(self, interner: &mut Vec<Arc<str>>) -> Result<CatalogRow, String> {
        let path = self.path.filter(|p| !p.is_empty()).ok_or("no path")?;
        let path = PathBuf::from(path);
        if let Some(e) = self.error.filter(|e| !e.trim().is_empty()) {
            return Ok(CatalogRow {
                path,
                status: Err(e.into()),
            });
        }
        let scale: Scale = match &self.scale {
            Some(s) if !s.is_empty() => s.parse().map_err(|e| format!("{e}"))?,
            _ => Scale::MinusOneToOne,
        };
        let (_, mid, hi) = scale.range();
        let unit = |name: &str, x: Option<f64>| -> Result<f32, String> {
            let x = x.ok_or_else(|| format!("no {name}"))?;
            let u = (x as f32 - mid) / (hi - mid);
            if u.is_finite() && (-1.001..=1.001).contains(&u) {
                Ok(u.clamp(-1.0, 1.0))
            } else {
                Err(format!("{name} {x} is not on the scale {scale}"))
            }
        };
        let arousal = unit("arousal", self.arousal)?;
        let valence = unit("valence", self.valence)?;
        let duration_s = self
            .duration_s
            .filter(|d| d.is_finite() && *d >= 0.0)
            .ok_or("no duration_s (or not a number ≥ 0)")?;
        let confidence = self
            .confidence
            .filter(|c| (0.0..=1.0).contains(c))
            .unwrap_or(1.0) as f32;
        let quadrant = self
            .quadrant
            .unwrap_or_else(|| mer_predict::quadrant_of(arousal, valence));
        let model = self.model.unwrap_or_default();
        let model = match interner.iter().find(|m| ***m == *model) {
            Some(m) => m.clone(),
            None => {
                let m: Arc<str> = model.into();
                interner.push(m.clone());
                m
            }
        };
        Ok(CatalogRow {
            path,
            status: Ok(Summary {
                duration_s,
                arousal,
                valence,
                quadrant,
                confidence,
                model,
            }),
        })
    }
}

impl Catalog {
    /// Reads `path` by its extension: `.csv`, `.jsonl` / `.json` / `.ndjson`, `.parquet`.
    pub fn read(path: &Path) -> Result<Catalog, ServeError> {
        let bad = |reason: String| ServeError::Catalog {
            path: path.to_path_buf(),
            reason,
        };
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        let file = std::fs::File::open(path).map_err(|e| bad(e.to_string()))?;
        let mut cat = Catalog::default();
        let mut interner = Vec::new();
        let mut push = |cat: &mut Catalog, line: usize, r: Result<RawRow, String>| match r
            .and_then(|raw| raw.into_row(&mut interner))
        {
            Ok(row) => cat.rows.push(row),
            Err(e) => {
                cat.skipped += 1;
                cat.first_skip.get_or_insert((line, e));
            }
        };
        match ext.as_str() {
            "csv" => {
                let mut rdr = csv::ReaderBuilder::new()
                    .flexible(true)
                    .from_reader(BufReader::new(file));
                let headers = rdr.headers().map_err(|e| bad(e.to_string()))?.clone();
                if !headers.iter().any(|h| h == "path") {
                    return Err(bad(format!(
                        "no `path` column (columns: {})",
                        headers.iter().collect::<Vec<_>>().join(", ")
                    )));
                }
                for (i, rec) in rdr.records().enumerate() {
                    let r = rec
                        .and_then(|rec| rec.deserialize::<RawRow>(Some(&headers)))
                        .map_err(|e| e.to_string());
                    push(&mut cat, i + 2, r);
                }
            }
            "jsonl" | "json" | "ndjson" => {
                for (i, line) in BufReader::new(file).lines().enumerate() {
                    let line = line.map_err(|e| bad(format!("line {}: {e}", i + 1)))?;
                    if line.trim().is_empty() {
                        continue;
                    }
                    let r = serde_json::from_str::<RawRow>(&line).map_err(|e| e.to_string());
                    push(&mut cat, i + 1, r);
                }
            }
            "parquet" => {
                // A `mer catalog` Parquet folder (its committed parts) or one Parquet file
                // with the catalog's columns, read by mer-catalog.
                drop(file);
                let mut n = 0;
                mer_catalog::for_each_row(path, |r| {
                    n += 1;
                    let raw = RawRow {
                        path: Some(r.path),
                        duration_s: r.duration_s,
                        arousal: r.arousal.map(f64::from),
                        valence: r.valence.map(f64::from),
                        quadrant: r.quadrant,
                        confidence: r.confidence.map(f64::from),
                        model: Some(r.model),
                        error: Some(r.error),
                        scale: None,
                    };
                    push(&mut cat, n, Ok(raw));
                    Ok(())
                })
                .map_err(|e| bad(e.to_string()))?;
            }
            other => {
                return Err(bad(format!(
                    "unknown catalog format {other:?} (.csv, .jsonl or .parquet)"
                )));
            }
        }
        Ok(cat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(name: &str, text: &str) -> Catalog {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        Catalog::read(&p).unwrap()
    }

    #[test]
    fn csv_catalog_rows_errors_and_a_torn_last_line() {
        let cat = read(
            "c.csv",
            "path,duration_s,arousal,valence,quadrant,confidence,model,error\n\
             a/x.mp3,30.0,0.5,-0.25,Q2,0.75,default,\n\
             b.mp3,,,,,,default,not audio: b.mp3\n\
             c.mp3,12,0.1,0.2,Q1,0.9,fast,\n\
             d.mp3,12,0.1",
        );
        assert_eq!(cat.rows.len(), 3, "{cat:?}");
        let s = cat.rows[0].status.as_ref().unwrap();
        assert_eq!(
            (s.duration_s, s.arousal, s.valence, s.quadrant, s.confidence),
            (30.0, 0.5, -0.25, 2, 0.75)
        );
        assert_eq!(&*s.model, "default");
        assert_eq!(
            cat.rows[1].status.as_ref().unwrap_err().as_ref(),
            "not audio: b.mp3"
        );
        assert_eq!(cat.skipped, 1);
        assert_eq!(cat.first_skip.as_ref().unwrap().0, 5);
    }

    #[test]
    fn mer_predict_outputs_are_catalogs_on_their_scale() {
        // `mer predict --format csv --scale 1..9` and `--format json` as they print.
        let cat = read(
            "p.csv",
            "path,duration_s,arousal,valence,quadrant,confidence,scale\n\
             x.mp3,45.010,3.0,7.0,Q4,0.91,1..9\n",
        );
        let s = cat.rows[0].status.as_ref().unwrap();
        assert_eq!((s.arousal, s.valence, s.quadrant), (-0.5, 0.5, 4));
        let cat = read(
            "p.jsonl",
            "{\"path\":\"x.mp3\",\"duration_s\":45.01,\"scale\":\"0..1\",\"arousal\":0.25,\
             \"valence\":1.0,\"quadrant\":\"Q4\",\"confidence\":1.0,\"dynamic\":{}}\n\nnot json\n",
        );
        let s = cat.rows[0].status.as_ref().unwrap();
        assert_eq!((s.arousal, s.valence), (-0.5, 1.0));
        assert_eq!((cat.rows.len(), cat.skipped), (1, 1));
    }

    #[test]
    fn values_off_the_scale_and_bad_quadrants_are_skipped() {
        let cat = read(
            "c.csv",
            "path,duration_s,arousal,valence,quadrant\nx,1,3.0,0,Q1\ny,1,0,0,Q7\nz,1,NaN,0,\n",
        );
        assert_eq!((cat.rows.len(), cat.skipped), (0, 3), "{cat:?}");
    }

    #[test]
    fn a_catalog_without_paths_or_of_an_unknown_format_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.csv");
        std::fs::write(&p, "file,arousal\n").unwrap();
        let e = Catalog::read(&p).unwrap_err().to_string();
        assert!(e.contains("no `path` column") && e.contains("c.csv"), "{e}");
        let p = dir.path().join("c.xlsx");
        std::fs::write(&p, "").unwrap();
        assert!(
            Catalog::read(&p)
                .unwrap_err()
                .to_string()
                .contains("unknown catalog format")
        );
    }
}
