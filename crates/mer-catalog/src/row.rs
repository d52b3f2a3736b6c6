//! One catalog row: its columns, their types, and the resume key.

use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema};
use serde::{Deserialize, Serialize};

/// The columns, in the order every format writes them (CSV header, JSON keys, Parquet schema).
pub const COLUMNS: [&str; 10] = [
    "path",
    "duration_s",
    "arousal",
    "valence",
    "quadrant",
    "confidence",
    "model",
    "error",
    "size",
    "mtime",
];

/// One audio file's row. See the crate docs for each column's type in each format.
///
/// A row that worked has every value and an empty `error`; a row that failed has `error` set
/// and no values (`None`: an empty CSV field, a JSON `null`, a Parquet null). `size` and
/// `mtime` are `None` only when the file could not even be stat'ed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    /// The file, relative to the DIR it was found in (one DIR), or the DIR as given joined with
    /// that (several DIRs, or a DIR that is a file). UTF-8 (lossy for non-UTF-8 names).
    pub path: String,
    /// Seconds of audio.
    pub duration_s: Option<f64>,
    /// Song-level arousal on [-1, 1] (mean of the 2 Hz series).
    pub arousal: Option<f32>,
    /// Song-level valence on [-1, 1].
    pub valence: Option<f32>,
    /// Russell quadrant 1..=4 (Q1 A+V+, Q2 A+V−, Q3 A−V−, Q4 A−V+).
    pub quadrant: Option<u8>,
    /// [0, 1]: the quadrant head's calibrated probability of `quadrant` (models with a head,
    /// e.g. `default`), else the share of the 0.5 s frames in the song's quadrant.
    pub confidence: Option<f32>,
    /// The model: `default`, `fast`, or the model file as given.
    pub model: String,
    /// Why the file has no values (one line, naming the file); empty when it worked.
    pub error: String,
    /// File size, bytes (resume key).
    pub size: Option<u64>,
    /// Modification time, integer nanoseconds since the Unix epoch (resume key).
    pub mtime: Option<i64>,
}

impl Row {
    /// Whether the file was predicted (no error).
    pub fn ok(&self) -> bool {
        self.error.is_empty()
    }

    /// The resume key of this row.
    pub fn key(&self) -> Key {
        Key::new(&self.path, self.size, self.mtime)
    }
}

/// A file's identity for resuming: path (as the catalog writes it) + size + mtime, hashed to
/// 128 bits (16 bytes a finished file in memory; two files colliding has odds ~10⁻²⁶ in a
/// library of 10⁶).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key(u128);

impl Key {
    /// The key of `path` with this size and mtime.
    pub fn new(path: &str, size: Option<u64>, mtime: Option<i64>) -> Key {
        let half = |seed: u8| {
            let mut h = std::hash::DefaultHasher::new();
            (seed, path, size, mtime).hash(&mut h);
            h.finish()
        };
        Key(((half(1) as u128) << 64) | half(2) as u128)
    }
}

/// Size and mtime (ns since the epoch) of `path` (symlinks followed), or `None` if it cannot be
/// stat'ed.
pub fn stat(path: &Path) -> Option<(u64, i64)> {
    let m = std::fs::metadata(path).ok()?;
    let t = m.modified().ok()?;
    let ns = match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_nanos()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_nanos()).unwrap_or(i64::MAX),
    };
    Some((m.len(), ns))
}

/// The Arrow schema of a catalog (Parquet parts are written and read with it).
pub fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("path", DataType::Utf8, false),
        Field::new("duration_s", DataType::Float64, true),
        Field::new("arousal", DataType::Float32, true),
        Field::new("valence", DataType::Float32, true),
        Field::new("quadrant", DataType::UInt8, true),
        Field::new("confidence", DataType::Float32, true),
        Field::new("model", DataType::Utf8, false),
        Field::new("error", DataType::Utf8, false),
        Field::new("size", DataType::Int64, true),
        Field::new("mtime", DataType::Int64, true),
    ]))
}
