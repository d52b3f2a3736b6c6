//! Finding the audio files under a served DIR: the team's one walker
//! ([`mer_audio::walk::audio_files`], by extension, as `mer predict DIR`), plus the server's
//! own rule: a file is kept only when it resolves (symlinks followed) to a regular file
//! inside the DIR, so a link leading out never becomes a track.

use std::path::{Path, PathBuf};

use mer_audio::walk::{Recognise, audio_files as walk_audio};

/// What a walk of one DIR found.
#[derive(Debug, Default)]
pub struct Walked {
    /// Audio files inside the DIR, relative to it, in the walker's (sorted) order.
    pub files: Vec<PathBuf>,
    /// Files found through links but resolving outside the DIR (not served).
    pub outside: usize,
    /// What could not be read (folders, dangling links), one line each.
    pub errors: Vec<String>,
}

/// The audio files under `root` (a canonical directory).
pub fn audio_files(root: &Path) -> Walked {
    let mut w = Walked::default();
    for item in walk_audio(root, Recognise::Extension) {
        match item {
            Ok(f) if inside(root, &f.path) => w.files.push(f.relative),
            Ok(_) => w.outside += 1,
            Err(e) if e.is_loop() => {}
            Err(e) => w.errors.push(e.to_string()),
        }
    }
    w
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
        let mut want = vec![PathBuf::from("a/b/song.MP3"), PathBuf::from("top.flac")];
        #[cfg(unix)]
        {
            use std::os::unix::fs::symlink;
            symlink(outside.path().join("secret.mp3"), root.join("out.mp3")).unwrap();
            symlink(outside.path(), root.join("outdir")).unwrap();
            symlink(root.join("top.flac"), root.join("a/in.flac")).unwrap();
            want.insert(1, PathBuf::from("a/in.flac"));
        }
        let found = audio_files(&root);
        assert_eq!(found.files, want);
        if cfg!(unix) {
            assert_eq!(found.outside, 2, "out.mp3 and outdir/secret.mp3");
        }
    }
}
