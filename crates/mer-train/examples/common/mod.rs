//! Helpers shared by the dump examples.

use mer_data::Matrix;

/// Mean and standard deviation over the rows of `m`, per column (f64 sums).
pub fn mean_std(m: &Matrix) -> (Vec<f32>, Vec<f32>) {
    let n = m.rows.max(1) as f64;
    let mut mean = vec![0f64; m.cols];
    let mut sq = vec![0f64; m.cols];
    for row in m.data.chunks_exact(m.cols) {
        for (j, &x) in row.iter().enumerate() {
            mean[j] += f64::from(x) / n;
            sq[j] += f64::from(x) * f64::from(x) / n;
        }
    }
    let std = mean
        .iter()
        .zip(&sq)
        .map(|(m, s)| (s - m * m).max(0.0).sqrt() as f32)
        .collect();
    (mean.into_iter().map(|x| x as f32).collect(), std)
}
