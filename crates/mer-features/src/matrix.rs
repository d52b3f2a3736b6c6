//! A dense row-major `[rows, cols]` matrix of `f32`: one row per frame, one column per feature.

/// Row-major `[rows, cols]` features: `data[r * cols + c]` is feature `c` of frame `r`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Matrix {
    /// Number of frames.
    pub rows: usize,
    /// Number of features per frame.
    pub cols: usize,
    /// `rows * cols` values, row-major.
    pub data: Vec<f32>,
}

impl Matrix {
    /// Wraps `data` of shape `[rows, cols]`. Panics if the length does not match (a
    /// programming error, not an input error).
    pub fn new(rows: usize, cols: usize, data: Vec<f32>) -> Self {
        assert_eq!(
            data.len(),
            rows * cols,
            "Matrix::new: {rows}x{cols} != {}",
            data.len()
        );
        Matrix { rows, cols, data }
    }

    /// Frame `r`, shape `[cols]`.
    pub fn row(&self, r: usize) -> &[f32] {
        &self.data[r * self.cols..(r + 1) * self.cols]
    }

    /// Iterates over frames.
    pub fn iter_rows(&self) -> impl Iterator<Item = &[f32]> {
        self.data.chunks_exact(self.cols.max(1))
    }

    /// Frames `start..end` (clamped to the matrix) as a new matrix.
    pub fn slice_rows(&self, start: usize, end: usize) -> Matrix {
        let end = end.min(self.rows);
        let start = start.min(end);
        Matrix::new(
            end - start,
            self.cols,
            self.data[start * self.cols..end * self.cols].to_vec(),
        )
    }
}
