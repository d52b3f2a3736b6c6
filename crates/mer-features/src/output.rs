//! Writing feature matrices: `.npy` (float32, C order, shape `[frames, features]`, readable by
//! `numpy.load`) and `.csv` (header row, one row per frame). Files are written atomically
//! through mer-io under an explicit [`Overwrite`] policy; the `*_to` forms write into any
//! [`Write`].

use std::io::Write;
use std::path::Path;

use mer_io::Overwrite;
use npyz::WriterBuilder;

use crate::{FeatureError, Matrix};

/// Writes `m` as a float32 `.npy` of shape `[rows, cols]`, atomically (mer-io), under the
/// `overwrite` policy.
pub fn write_npy(path: &Path, m: &Matrix, overwrite: Overwrite) -> Result<(), FeatureError> {
    Ok(mer_io::write_file(path, overwrite, |w| write_npy_to(w, m))?)
}

/// Writes `m` as a float32 `.npy` of shape `[rows, cols]` into `w`.
pub fn write_npy_to(w: &mut impl Write, m: &Matrix) -> std::io::Result<()> {
    let mut npy = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&[m.rows as u64, m.cols as u64])
        .writer(w)
        .begin_nd()?;
    npy.extend(m.data.iter().copied())?;
    npy.finish()
}

/// Reads a float32 2-D `.npy` written by [`write_npy`] (or numpy, in C or Fortran order:
/// `np.save` of a transposed array writes Fortran order, read here as the same matrix).
pub fn read_npy(path: &Path) -> Result<Matrix, std::io::Error> {
    let bytes = std::fs::read(path)?;
    let npy = npyz::NpyFile::new(&bytes[..])?;
    let shape = npy.shape().to_vec();
    let fortran = npy.order() == npyz::Order::Fortran;
    let mut data: Vec<f32> = npy.into_vec()?;
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
    if fortran && rows > 1 && cols > 1 {
        // Column-major on disk: element (r, c) at c·rows + r.
        let col_major = data;
        data = (0..rows * cols)
            .map(|i| col_major[(i % cols) * rows + i / cols])
            .collect();
    }
    Ok(Matrix::new(rows, cols, data))
}

/// Writes `m` as CSV, atomically (mer-io), under the `overwrite` policy: see [`write_csv_to`].
pub fn write_csv(
    path: &Path,
    m: &Matrix,
    names: &[String],
    hop_s: f64,
    delimiter: char,
    overwrite: Overwrite,
) -> Result<(), FeatureError> {
    Ok(mer_io::write_file(path, overwrite, |w| {
        write_csv_to(w, m, names, hop_s, delimiter)
    })?)
}

/// Writes `m` as CSV into `w`: a header (`time_s` then `names`), then per frame its start time
/// in seconds (`row · hop_s`) and its values. `delimiter` is `,` or `;` (openSMILE style).
pub fn write_csv_to(
    w: &mut impl Write,
    m: &Matrix,
    names: &[String],
    hop_s: f64,
    delimiter: char,
) -> std::io::Result<()> {
    let d = delimiter.to_string();
    writeln!(w, "time_s{d}{}", names.join(&d))?;
    for (r, row) in m.iter_rows().enumerate() {
        write!(w, "{}", r as f64 * hop_s)?;
        for v in row {
            write!(w, "{d}{v}")?;
        }
        writeln!(w)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::fs::File;
    use std::io::BufWriter;

    use super::*;

    /// numpy saves a transposed array in Fortran order; it reads back as the same matrix.
    #[test]
    fn reads_c_and_fortran_order() {
        let dir = tempfile::tempdir().unwrap();
        for order in [npyz::Order::C, npyz::Order::Fortran] {
            let path = dir.path().join("m.npy");
            let file = BufWriter::new(File::create(&path).unwrap());
            let mut w = npyz::WriteOptions::new()
                .default_dtype()
                .shape(&[2, 3])
                .order(order)
                .writer(file)
                .begin_nd()
                .unwrap();
            // The bytes on disk of [[1, 2, 3], [4, 5, 6]] in `order`.
            let on_disk: [f32; 6] = match order {
                npyz::Order::C => [1., 2., 3., 4., 5., 6.],
                npyz::Order::Fortran => [1., 4., 2., 5., 3., 6.],
            };
            w.extend(on_disk).unwrap();
            w.finish().unwrap();
            let m = read_npy(&path).unwrap();
            assert_eq!((m.rows, m.cols), (2, 3), "{order:?}");
            assert_eq!(m.data, [1., 2., 3., 4., 5., 6.], "{order:?}");
        }
    }
}
