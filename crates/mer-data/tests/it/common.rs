use std::path::PathBuf;

pub use crate::fixtures::{link, numbers_after_id, row_of, write};

/// The shared data folder, or `None` after printing why the test is skipped.
pub fn shared() -> Option<PathBuf> {
    mer_audio::testdata::shared_data()
}

pub fn close(a: f32, b: f32) -> bool {
    (a - b).abs() < 1e-5
}
