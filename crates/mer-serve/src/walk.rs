//! Finding the audio files under a served DIR.
//!
//! Kept small and apart on purpose: the team's shared walker (`mer-io`, also used by
//! `mer catalog`) replaces it when it lands. What the server needs from any walker: paths
//! relative to the root, nothing outside the root (directory symlinks are not followed, a
//! file symlink is kept only when its target is inside the root), sorted output.

use std::path::{Path, PathBuf};

/// File extensions taken as audio (the same list as `mer predict DIR`).
pub const AUDIO_EXTENSIONS: &[&str] = &[
    "mp3", "wav", "flac", "ogg", "oga", "opus", "m4a", "mp4", "aac", "aif", "aiff", "caf", "mka",
    "webm",
];

/// Whether `path` has an audio extension (case-insensitive).
pub fn has_audio_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|x| x.to_str())
        .is_some_and(|x| AUDIO_EXTENSIONS.contains(&x.to_ascii_lowercase().as_str()))
}

/// The audio files under `root` (a canonical directory), relative to it, sorted. Unreadable
/// directories are skipped.
pub fn audio_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(root.join(&rel)) else {
            continue;
        };
        for e in entries.flatten() {
            let Ok(ft) = e.file_type() else { continue };
            let rel_child = rel.join(e.file_name());
            if ft.is_dir() {
                stack.push(rel_child);
            } else if has_audio_extension(&rel_child)
                && (ft.is_file() || (ft.is_symlink() && inside(root, &root.join(&rel_child))))
            {
                out.push(rel_child);
            }
        }
    }
    out.sort();
    out
}

/// Whether `path` resolves (symlinks followed) to a regular file inside `root` (canonical).
pub fn inside(root: &Path, path: &Path) -> bool {
    std::fs::canonicalize(path).is_ok_and(|p| p.starts_with(root) && p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_audio_skips_others_and_links_leading_out() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.mp3"), b"x").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(dir.path()).unwrap();
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        std::fs::write(root.join("a/b/song.MP3"), b"x").unwrap();
        std::fs::write(root.join("a/notes.txt"), b"x").unwrap();
        std::fs::write(root.join("top.flac"), b"x").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::symlink;
            symlink(outside.path().join("secret.mp3"), root.join("out.mp3")).unwrap();
            symlink(outside.path(), root.join("outdir")).unwrap();
            symlink(root.join("top.flac"), root.join("a/in.flac")).unwrap();
        }
        let found = audio_files(&root);
        let mut want = vec![PathBuf::from("a/b/song.MP3"), PathBuf::from("top.flac")];
        if cfg!(unix) {
            want.insert(1, PathBuf::from("a/in.flac"));
        }
        assert_eq!(found, want);
    }
}
