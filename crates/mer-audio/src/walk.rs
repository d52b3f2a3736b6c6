//! Folders in: the one directory walker of `mer predict`, `mer features`, `mer data` and
//! `mer catalog`, and the two ways it recognises audio files.
//!
//! Built on `walkdir`:
//! - **streaming**: [`Walk`] is an iterator; a folder's entries are read (and sorted) when the
//!   walk reaches it, so a library of 10⁶ files never needs a list of 10⁶ paths;
//! - **deterministic**: entries sorted by name, depth first (the order of the sorted paths);
//! - **symlinks followed, loops safe**: a link back to one of its own ancestors is reported
//!   ([`WalkError::is_loop`]) and not followed;
//! - **nothing dropped silently**: a folder that cannot be read (permissions, I/O error), a
//!   dangling link or a file that cannot be sniffed is an `Err` item naming it, and the walk
//!   goes on;
//! - **hidden entries skipped** (names starting with `.`, e.g. `.git/`, `._x.mp3`, mer's own
//!   `.x.npy.XXXXXX.tmp`), except a root the user named.
//!
//! Audio is recognised [by extension](Recognise::Extension) ([`AUDIO_EXTENSIONS`]: the formats
//! this build decodes), [by content](Recognise::Content) ([`sniff`]: symphonia's probe —
//! the very one decoding uses — finds a container with an audio track this build decodes,
//! whatever the file's name) or [by either](Recognise::ExtensionOrContent).
//!
//! ```no_run
//! use mer_audio::walk::{Recognise, audio_files};
//! for item in audio_files("music/".as_ref(), Recognise::Extension) {
//!     match item {
//!         Ok(f) => println!("{} (as {})", f.path.display(), f.relative.display()),
//!         Err(e) => eprintln!("warning: {e}"),
//!     }
//! }
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

pub use crate::sniff::{AUDIO_EXTENSIONS, has_audio_extension, sniff};

/// A file found below a root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The path to open (the root joined with `relative`).
    pub path: PathBuf,
    /// The path relative to the root the walk started from; a root that is itself a file is
    /// relative to its folder (its file name).
    pub relative: PathBuf,
    /// Folder levels below the root (0: the root itself is the file).
    pub depth: usize,
}

/// Something the walk could not read; it is reported and the walk goes on.
#[derive(Debug)]
pub struct WalkError {
    /// The folder, link or file concerned.
    pub path: PathBuf,
    /// What went wrong.
    pub problem: WalkProblem,
}

/// What went wrong at [`WalkError::path`].
#[derive(Debug)]
pub enum WalkProblem {
    /// A symbolic link to one of its own ancestors (not followed: its files were reached
    /// through the ancestor already).
    Loop {
        /// The folder the link points back to.
        ancestor: PathBuf,
    },
    /// A folder that cannot be listed, a dangling link, a file that cannot be opened.
    Io(std::io::Error),
}

impl WalkError {
    /// A symlink loop: nothing was lost (the files are reached once, through the ancestor).
    pub fn is_loop(&self) -> bool {
        matches!(self.problem, WalkProblem::Loop { .. })
    }

    fn from_walkdir(e: walkdir::Error, root: &Path) -> WalkError {
        let path = e.path().unwrap_or(root).to_path_buf();
        let problem = match e.loop_ancestor() {
            Some(a) => WalkProblem::Loop {
                ancestor: a.to_path_buf(),
            },
            None => WalkProblem::Io(
                e.into_io_error()
                    .unwrap_or_else(|| std::io::Error::other("walk error")),
            ),
        };
        WalkError { path, problem }
    }
}

impl fmt::Display for WalkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.problem {
            WalkProblem::Loop { ancestor } => write!(
                f,
                "{}: symbolic link loop back to {}; not followed",
                self.path.display(),
                ancestor.display()
            ),
            WalkProblem::Io(io) => write!(f, "{}: cannot read: {io}", self.path.display()),
        }
    }
}

impl std::error::Error for WalkError {}

/// How a walk goes (default: all depths, hidden entries skipped).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WalkOptions {
    /// Deepest level of files returned (1: only the root folder's own files); `None`: no limit
    /// (symlink loops are still safe).
    pub max_depth: Option<usize>,
    /// Return hidden entries (names starting with `.`) too. Default false.
    pub hidden: bool,
}

/// Every file below a root (see the module docs); made by [`walk`] or [`walk_with`].
pub struct Walk {
    root: PathBuf,
    inner: walkdir::FilterEntry<walkdir::IntoIter, fn(&walkdir::DirEntry) -> bool>,
}

impl fmt::Debug for Walk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Walk").field("root", &self.root).finish()
    }
}

fn is_hidden(e: &walkdir::DirEntry) -> bool {
    e.file_name().to_str().is_some_and(|n| n.starts_with('.'))
}

fn visible(e: &walkdir::DirEntry) -> bool {
    e.depth() == 0 || !is_hidden(e)
}

fn anything(_: &walkdir::DirEntry) -> bool {
    true
}

/// Every visible file below `root`, all depths.
pub fn walk(root: &Path) -> Walk {
    walk_with(root, WalkOptions::default())
}

/// Every file below `root` as `opts` say.
pub fn walk_with(root: &Path, opts: WalkOptions) -> Walk {
    let mut w = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name();
    if let Some(d) = opts.max_depth {
        w = w.max_depth(d);
    }
    let filter: fn(&walkdir::DirEntry) -> bool = if opts.hidden { anything } else { visible };
    Walk {
        root: root.to_path_buf(),
        inner: w.into_iter().filter_entry(filter),
    }
}

impl Iterator for Walk {
    type Item = Result<Found, WalkError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let e = match self.inner.next()? {
                Ok(e) => e,
                Err(e) => return Some(Err(WalkError::from_walkdir(e, &self.root))),
            };
            // Followed links report their target's type; folders are walked, not returned.
            if e.file_type().is_dir() {
                continue;
            }
            let relative = if e.depth() == 0 {
                e.path().file_name().map(PathBuf::from).unwrap_or_default()
            } else {
                e.path()
                    .strip_prefix(&self.root)
                    .unwrap_or(e.path())
                    .to_path_buf()
            };
            return Some(Ok(Found {
                depth: e.depth(),
                relative,
                path: e.into_path(),
            }));
        }
    }
}

/// How to tell audio files from others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recognise {
    /// By file extension ([`AUDIO_EXTENSIONS`]); reads no file. `mer predict`, `mer features`.
    Extension,
    /// By content ([`sniff`]): every file's first bytes are probed, so a renamed `.dat` MP3 is
    /// found and a `.mp3` that is text is not.
    Content,
    /// By extension, else by content: a file with an audio extension is kept without being
    /// read (so an empty or broken `.mp3` reaches the decoder and gets its error reported
    /// instead of vanishing), any other file is probed ([`sniff`]) so a renamed `.dat` MP3 is
    /// found. `mer catalog`: every audio-named file gets a row, broken or not.
    ExtensionOrContent,
}

/// The audio files below `root` (a root that is itself a file is returned as it is, whatever
/// its name: the user named it), with the walk's errors; see the module docs.
pub fn audio_files(
    root: &Path,
    by: Recognise,
) -> impl Iterator<Item = Result<Found, WalkError>> + use<> {
    walk(root).filter_map(move |item| match item {
        Ok(f) if f.depth == 0 => Some(Ok(f)),
        Ok(f) => match by {
            Recognise::Extension => has_audio_extension(&f.path).then_some(Ok(f)),
            Recognise::ExtensionOrContent if has_audio_extension(&f.path) => Some(Ok(f)),
            Recognise::Content | Recognise::ExtensionOrContent => match sniff(&f.path) {
                Ok(Some(_)) => Some(Ok(f)),
                Ok(None) => None,
                Err(io) => Some(Err(WalkError {
                    path: f.path,
                    problem: WalkProblem::Io(io),
                })),
            },
        },
        Err(e) => Some(Err(e)),
    })
}
