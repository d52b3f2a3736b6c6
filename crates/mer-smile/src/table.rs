//! Output of descriptor tables: openSMILE-style CSV (`;`, header, `frameTime` first) or `.npy`.

use std::io::Write;
use std::path::Path;

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

/// Writes `table` to `path`: `.csv` → `frameTime;<columns…>` header then one `;`-separated
/// row per frame; `.npy` → float32 array of shape `[rows, cols]` (values only, no times).
pub fn write_table(table: &Table, path: &Path) -> Result<(), SmileError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let werr = |source: std::io::Error| SmileError::Write {
        path: path.to_path_buf(),
        source,
    };
    let cols = table.columns.len();
    match ext.as_deref() {
        Some("csv") => {
            let f = std::fs::File::create(path).map_err(werr)?;
            let mut w = std::io::BufWriter::new(f);
            write!(w, "frameTime").map_err(werr)?;
            for c in &table.columns {
                write!(w, ";{c}").map_err(werr)?;
            }
            writeln!(w).map_err(werr)?;
            for (r, t) in table.times_s.iter().enumerate() {
                write!(w, "{t:.6}").map_err(werr)?;
                for v in &table.values[r * cols..(r + 1) * cols] {
                    write!(w, ";{v:e}").map_err(werr)?;
                }
                writeln!(w).map_err(werr)?;
            }
            w.flush().map_err(werr)
        }
        Some("npy") => {
            let f = std::fs::File::create(path).map_err(werr)?;
            let mut w = npyz::WriteOptions::<f32>::new()
                .default_dtype()
                .shape(&[table.times_s.len() as u64, cols as u64])
                .writer(std::io::BufWriter::new(f))
                .begin_nd()
                .map_err(werr)?;
            w.extend(table.values.iter().copied()).map_err(werr)?;
            w.finish().map_err(werr)
        }
        _ => Err(SmileError::OutputFormat {
            path: path.to_path_buf(),
        }),
    }
}
