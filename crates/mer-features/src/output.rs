//! Writing feature matrices: `.npy` (float32, C order, shape `[frames, features]`, readable by
//! `numpy.load`) and `.csv` (header row, one row per frame).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use npyz::WriterBuilder;

use crate::{FeatureError, Matrix};

fn write_err(path: &Path) -> impl Fn(std::io::Error) -> FeatureError + '_ {
    move |io| FeatureError::Write {
        path: path.to_path_buf(),
        io,
    }
}

/// Writes `m` as a float32 `.npy` of shape `[rows, cols]`.
pub fn write_npy(path: &Path, m: &Matrix) -> Result<(), FeatureError> {
    let err = write_err(path);
    let file = BufWriter::new(File::create(path).map_err(&err)?);
    let mut w = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&[m.rows as u64, m.cols as u64])
        .writer(file)
        .begin_nd()
        .map_err(&err)?;
    w.extend(m.data.iter().copied()).map_err(&err)?;
    w.finish().map_err(&err)?;
    Ok(())
}

/// Reads a float32 2-D `.npy` written by [`write_npy`] (or numpy).
pub fn read_npy(path: &Path) -> Result<Matrix, std::io::Error> {
    let bytes = std::fs::read(path)?;
    let npy = npyz::NpyFile::new(&bytes[..])?;
    let shape = npy.shape().to_vec();
    let data: Vec<f32> = npy.into_vec()?;
    let (rows, cols) = match shape.as_slice() {
        [r, c] => (*r as usize, *c as usize),
        [r] => (*r as usize, 1),
        _ => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("expected a 2-D array, got shape {shape:?}"),
            ));
        }
    };
    Ok(Matrix::new(rows, cols, data))
}

/// Writes `m` as CSV: a header (`time_s` then `names`), then per frame its start time in
/// seconds (`row · hop_s`) and its values. `delimiter` is `,` or `;` (openSMILE style).
pub fn write_csv(
    path: &Path,
    m: &Matrix,
    names: &[String],
    hop_s: f64,
    delimiter: char,
) -> Result<(), FeatureError> {
    let err = write_err(path);
    let mut w = BufWriter::new(File::create(path).map_err(&err)?);
    let d = delimiter.to_string();
    writeln!(w, "time_s{d}{}", names.join(&d)).map_err(&err)?;
    for (r, row) in m.iter_rows().enumerate() {
        write!(w, "{}", r as f64 * hop_s).map_err(&err)?;
        for v in row {
            write!(w, "{d}{v}").map_err(&err)?;
        }
        writeln!(w).map_err(&err)?;
    }
    w.flush().map_err(&err)?;
    Ok(())
}
