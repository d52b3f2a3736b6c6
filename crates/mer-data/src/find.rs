//! Finding a corpus' folders and files anywhere below the folder the user named, since
//! users unzip the publishers' archives in different ways.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use mer_audio::walk::{WalkError, WalkOptions, WalkProblem, has_audio_extension, walk_with};

use crate::DataError;

/// Deepest folder level searched below the root.
const MAX_DEPTH: usize = 8;

/// Every file below `root`, shallowest first (by depth, then by path: the order of a
/// breadth-first walk with sorted names), through mer-audio's walker: hidden entries skipped,
/// symlinks followed (a link back to an ancestor is not followed: its files are found once,
/// through the ancestor), at most [`MAX_DEPTH`] folder levels down. A folder that cannot be
/// read is an error naming it; a dangling link is skipped (it has no content).
pub(crate) fn walk(root: &Path) -> Result<Vec<PathBuf>, DataError> {
    if !root.is_dir() {
        return Err(DataError::NotADir(root.to_path_buf()));
    }
    let opts = WalkOptions {
        // Files in a folder MAX_DEPTH levels below the root are MAX_DEPTH + 1 deep.
        max_depth: Some(MAX_DEPTH + 1),
        hidden: false,
    };
    let mut files = Vec::new();
    for item in walk_with(root, opts) {
        match item {
            Ok(f) => files.push((f.depth, f.path)),
            Err(e) if e.is_loop() || is_dangling_link(&e.path) => {}
            Err(WalkError {
                path,
                problem: WalkProblem::Io(io),
            }) => return Err(DataError::io(&path, io)),
            Err(_) => {}
        }
    }
    files.sort();
    Ok(files.into_iter().map(|(_, p)| p).collect())
}

fn is_dangling_link(p: &Path) -> bool {
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink()) && !p.exists()
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
        for p in files.iter().filter(|p| has_audio_extension(p)) {
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
