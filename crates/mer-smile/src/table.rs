//! Output of descriptor tables: openSMILE-style CSV (`;`, header, `frameTime` first) or `.npy`.

use std::io::Write;
use std::path::Path;

use mer_io::Overwrite;
use npyz::WriterBuilder;

use crate::SmileError;

/// A named table of rows at given times.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// Column names without `frameTime`; shape `[cols]`.
    pub columns: Vec<String>,
    /// Row times, s; shape `[rows]`.
    pub times_s: Vec<f64>,
    /// Row-major values; shape `[rows, cols]`.
    pub values: Vec<f32>,
}

/// Writes `table` to `path` atomically (mer-io), replacing an existing file as
/// `std::fs::write` would: `.csv` → `frameTime;<columns…>` header then one `;`-separated row
/// per frame; `.npy` → float32 array of shape `[rows, cols]` (values only, no times).
pub fn write_table(table: &Table, path: &Path) -> Result<(), SmileError> {
    write_table_with(table, path, Overwrite::Replace)
}

/// [`write_table`] under an explicit overwrite policy (`mer features` refuses to replace a
/// user's file unless `--force`).
pub fn write_table_with(
    table: &Table,
    path: &Path,
    overwrite: Overwrite,
) -> Result<(), SmileError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let cols = table.columns.len();
    match ext.as_deref() {
        Some("csv") => Ok(mer_io::write_file(path, overwrite, |w| {
            write!(w, "frameTime")?;
            for c in &table.columns {
                write!(w, ";{c}")?;
            }
            writeln!(w)?;
            for (r, t) in table.times_s.iter().enumerate() {
                write!(w, "{t:.6}")?;
                for v in &table.values[r * cols..(r + 1) * cols] {
                    write!(w, ";{v:e}")?;
                }
                writeln!(w)?;
            }
            Ok(())
        })?),
        Some("npy") => Ok(mer_io::write_file(path, overwrite, |w| {
            let mut npy = npyz::WriteOptions::<f32>::new()
                .default_dtype()
                .shape(&[table.times_s.len() as u64, cols as u64])
                .writer(w)
                .begin_nd()?;
            npy.extend(table.values.iter().copied())?;
            npy.finish()
        })?),
        _ => Err(SmileError::OutputFormat {
            path: path.to_path_buf(),
        }),
    }
}
