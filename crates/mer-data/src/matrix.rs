//! The reader of DEAM's openSMILE feature files.

use std::path::Path;

use mer_features::Matrix;

use crate::DataError;
use crate::table::{Table, parse_number};

/// A publisher's per-frame feature file: times, names and values.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameFeatures {
    /// `frameTime` of each row, seconds. `[frames]`
    pub times: Vec<f32>,
    /// Feature names (the header without `frameTime`). `[features]`
    pub names: Vec<String>,
    /// Values `[frames, features]`.
    pub matrix: Matrix,
}

/// Reads DEAM's `features/<id>.csv`: openSMILE output, `;`-separated, a header whose first
/// column is `frameTime`, one row per 0.5 s frame (260 features in DEAM). A file with another
/// delimiter, a row of the wrong length or a non-numeric cell is an error naming the line.
pub fn read_deam_features(path: &Path) -> Result<FrameFeatures, DataError> {
    let t = Table::read(path, b';')?;
    if t.column("frameTime") != Some(0) {
        let shown =
            crate::table::one_line(&t.header.join(";").chars().take(80).collect::<String>());
        let hint = if t.header.len() == 1 && shown.contains(',') {
            " (wrong delimiter? DEAM features are `;`-separated)"
        } else {
            ""
        };
        return Err(DataError::BadHeader {
            path: path.to_path_buf(),
            line: 1,
            message: format!("expected `frameTime;…` first, found `{shown}`{hint}"),
        });
    }
    let cols = t.header.len() - 1;
    let mut times = Vec::with_capacity(t.rows.len());
    let mut data = Vec::with_capacity(t.rows.len() * cols);
    for (line, row) in &t.rows {
        // openSMILE may end lines with a trailing `;`.
        let n = if row.len() == cols + 2 && row[cols + 1].is_empty() {
            cols + 1
        } else {
            row.len()
        };
        if n != cols + 1 {
            return Err(DataError::Parse {
                path: path.to_path_buf(),
                line: *line,
                message: format!("{} fields, the header has {}", row.len(), cols + 1),
            });
        }
        for (i, cell) in row[..n].iter().enumerate() {
            let v = parse_number(cell, &t.header[i]).map_err(|kind| DataError::Parse {
                path: path.to_path_buf(),
                line: *line,
                message: kind.to_string(),
            })?;
            if i == 0 {
                times.push(v);
            } else {
                data.push(v);
            }
        }
    }
    Ok(FrameFeatures {
        matrix: Matrix {
            rows: times.len(),
            cols,
            data,
        },
        times,
        names: t.header[1..].to_vec(),
    })
}
