use std::path::{Path, PathBuf};

/// The shared data folder, or `None` after printing why the test is skipped.
pub fn shared() -> Option<PathBuf> {
    mer_audio::testdata::shared_data()
}

/// Writes `text` to `path`, creating parent folders.
pub fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Symlinks (or copies where symlinks are unavailable) the real file `src` to `dst`.
pub fn link(src: &Path, dst: &Path) {
    assert!(src.is_file(), "{} missing", src.display());
    std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(src, dst).unwrap();
    #[cfg(not(unix))]
    std::fs::copy(src, dst).map(|_| ()).unwrap();
}

/// The line of a real CSV whose first field is `id` (exactly), without its newline.
pub fn row_of(csv: &Path, id: &str) -> String {
    let text = std::fs::read_to_string(csv).unwrap();
    text.lines()
        .find(|l| l.split(',').next().map(|f| f.trim_matches('"')) == Some(id))
        .unwrap_or_else(|| panic!("no row {id} in {}", csv.display()))
        .to_string()
}

/// Parses the numbers of a CSV line after its first field (empty cells skipped).
pub fn numbers_after_id(line: &str) -> Vec<f32> {
    line.split(',')
        .skip(1)
        .filter(|c| !c.trim().is_empty())
        .map(|c| c.trim().parse::<f32>().unwrap())
        .collect()
}

pub fn close(a: f32, b: f32) -> bool {
    (a - b).abs() < 1e-5
}
