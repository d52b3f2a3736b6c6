//! Finding a corpus' folders and files anywhere below the folder the user named, since
//! users unzip the publishers' archives in different ways.

use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

use crate::DataError;

/// File extensions treated as audio when indexing a corpus.
pub const AUDIO_EXTENSIONS: [&str; 8] = ["mp3", "wav", "flac", "ogg", "m4a", "aac", "aif", "aiff"];

/// Deepest folder level searched below the root.
const MAX_DEPTH: usize = 8;

/// Every file below `root` (breadth first, names sorted, hidden entries and symlink loops
/// skipped by the depth limit), shallowest first.
pub(crate) fn walk(root: &Path) -> Result<Vec<PathBuf>, DataError> {
    if !root.is_dir() {
        return Err(DataError::NotADir(root.to_path_buf()));
    }
    let mut files = Vec::new();
    let mut queue = VecDeque::from([(root.to_path_buf(), 0usize)]);
    while let Some((dir, depth)) = queue.pop_front() {
        let rd = std::fs::read_dir(&dir).map_err(|e| DataError::io(&dir, e))?;
        let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for p in entries {
            let hidden = p
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if hidden {
                continue;
            }
            // `metadata` follows symlinks, so linked audio files and folders are found.
            match std::fs::metadata(&p) {
                Ok(m) if m.is_dir() && depth < MAX_DEPTH => queue.push_back((p, depth + 1)),
                Ok(m) if m.is_file() => files.push(p),
                _ => {}
            }
        }
    }
    Ok(files)
}

/// The shallowest file named `name` (case-insensitive), optionally only where its parent
/// folder's name satisfies `parent_ok`.
pub(crate) fn find_file<'a>(
    files: &'a [PathBuf],
    name: &str,
    parent_ok: impl Fn(&str) -> bool,
) -> Option<&'a PathBuf> {
    files.iter().find(|p| {
        let n_ok = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.eq_ignore_ascii_case(name));
        let parent = p
            .parent()
            .and_then(|d| d.file_name())
            .and_then(|n| n.to_str())
            .unwrap_or("");
        n_ok && parent_ok(parent)
    })
}

fn is_audio(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| AUDIO_EXTENSIONS.iter().any(|a| a.eq_ignore_ascii_case(e)))
}

/// Audio files below the root, by file stem (shallowest first wins; a preferred folder
/// name, e.g. `MEMD_audio`, wins over others).
pub(crate) struct AudioIndex {
    by_stem: HashMap<String, PathBuf>,
}

impl AudioIndex {
    pub fn new(files: &[PathBuf], preferred_dir: Option<&str>) -> AudioIndex {
        let mut by_stem: HashMap<String, PathBuf> = HashMap::new();
        let in_preferred = |p: &Path| {
            preferred_dir.is_some_and(|d| {
                p.ancestors()
                    .any(|a| a.file_name().and_then(|n| n.to_str()) == Some(d))
            })
        };
        for p in files.iter().filter(|p| is_audio(p)) {
            let Some(stem) = p.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            let replace = match by_stem.get(stem) {
                None => true,
                Some(old) => !in_preferred(old) && in_preferred(p),
            };
            if replace {
                by_stem.insert(stem.to_string(), p.clone());
            }
        }
        AudioIndex { by_stem }
    }

    /// The audio file whose stem is `stem`.
    pub fn get(&self, stem: &str) -> Option<&PathBuf> {
        self.by_stem.get(stem)
    }
}
