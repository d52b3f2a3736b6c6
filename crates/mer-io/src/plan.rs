//! Deciding, before any work, where a run's outputs go and whether it may write them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::atomic::exists;
use crate::{Error, Result};

/// Output files of many inputs in one output folder: each input's path relative to the folder
/// the user named is kept (`music/` + `rock/x.mp3` → `OUT/rock/x.EXT`; a file named directly
/// keeps its file name: `a/x.mp3` → `OUT/x.EXT`), and two inputs that would write the same
/// file are refused ([`Error::SameOutput`]) — so plan all outputs before computing any.
///
/// ```
/// use std::path::Path;
/// let mut plan = mer_io::OutputPlan::new("feats", "npy");
/// let out = plan.add(Path::new("music/rock/x.mp3"), Path::new("rock/x.mp3")).unwrap();
/// assert_eq!(out, Path::new("feats/rock/x.npy"));
/// // `a/x.mp3` and `b/x.mp3` named directly would both write feats/x.npy.
/// plan.add(Path::new("a/x.mp3"), Path::new("x.mp3")).unwrap();
/// assert!(plan.add(Path::new("b/x.mp3"), Path::new("x.mp3")).is_err());
/// ```
#[derive(Debug)]
pub struct OutputPlan {
    dir: PathBuf,
    ext: String,
    /// Output → the input that claimed it.
    claimed: HashMap<PathBuf, PathBuf>,
}

impl OutputPlan {
    /// Outputs go below `dir`, with extension `ext` (without the dot).
    pub fn new(dir: impl Into<PathBuf>, ext: &str) -> OutputPlan {
        OutputPlan {
            dir: dir.into(),
            ext: ext.to_string(),
            claimed: HashMap::new(),
        }
    }

    /// The output of `input`, whose path relative to the folder the user named is `relative`
    /// (its file name when the user named the file itself).
    pub fn add(&mut self, input: &Path, relative: &Path) -> Result<PathBuf> {
        if relative.file_name().is_none() {
            return Err(Error::NoFileName {
                input: input.to_path_buf(),
            });
        }
        let output = self.dir.join(relative).with_extension(&self.ext);
        if let Some(first) = self.claimed.get(&output) {
            return Err(Error::SameOutput {
                first: first.clone(),
                second: input.to_path_buf(),
                output,
            });
        }
        self.claimed.insert(output.clone(), input.to_path_buf());
        Ok(output)
    }
}

/// Fails with [`Error::Exists`] naming the first of `outputs` that exists (and counting the
/// others that do), so a run under [`crate::Overwrite::Refuse`] stops before any work rather
/// than after hours of it.
pub fn refuse_existing<P: AsRef<Path>>(outputs: impl IntoIterator<Item = P>) -> Result<()> {
    let mut first = None;
    let mut more = 0;
    for p in outputs {
        let p = p.as_ref();
        if exists(p) {
            if first.is_none() {
                first = Some(p.to_path_buf());
            } else {
                more += 1;
            }
        }
    }
    match first {
        Some(path) => Err(Error::Exists { path, more }),
        None => Ok(()),
    }
}
