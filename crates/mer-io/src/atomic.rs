//! The atomic writer: temporary file in the target's folder → write → flush → fsync →
//! rename → fsync of the folder.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::{Error, Result};

/// What to do when the target file exists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Overwrite {
    /// Leave it and fail with [`Error::Exists`] (the `mer` commands' default: nothing a user
    /// made is overwritten by surprise). Checked when the file is opened and again, atomically,
    /// at the final rename.
    #[default]
    Refuse,
    /// Replace it atomically (`--force`; and files that are mer's own working state, such as
    /// feature-cache entries and training checkpoints).
    Replace,
}

impl Overwrite {
    /// [`Overwrite::Replace`] when `force`, else [`Overwrite::Refuse`].
    pub fn from_force(force: bool) -> Overwrite {
        if force {
            Overwrite::Replace
        } else {
            Overwrite::Refuse
        }
    }
}

/// Whether something (a file, a folder, a symlink, even a dangling one) is at `path`.
pub(crate) fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// A file being written atomically: write to it (it is buffered), then [`AtomicFile::commit`].
/// Dropped without a commit (an error, a panic), its temporary file is removed and the target
/// is untouched.
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    dir: PathBuf,
    overwrite: Overwrite,
    sync: bool,
    tmp: BufWriter<NamedTempFile>,
}

impl AtomicFile {
    /// Starts writing `path`: fails at once with [`Error::Exists`] if it exists and `overwrite`
    /// is [`Overwrite::Refuse`]; creates missing parent folders; creates a uniquely named
    /// hidden temporary file `.NAME.XXXXXX.tmp` in the target's folder (permissions as
    /// `File::create` gives: 0o666 less the umask).
    pub fn create(path: &Path, overwrite: Overwrite) -> Result<AtomicFile> {
        if overwrite == Overwrite::Refuse && exists(path) {
            return Err(Error::Exists {
                path: path.to_path_buf(),
                more: 0,
            });
        }
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o666));
        }
        let tmp = builder.tempfile_in(&dir).map_err(Error::io(path))?;
        Ok(AtomicFile {
            target: path.to_path_buf(),
            dir,
            overwrite,
            sync: true,
            tmp: BufWriter::with_capacity(1 << 16, tmp),
        })
    }

    /// Skips both fsyncs: the rename stays atomic (a reader sees the old file or the whole
    /// new one), but after a power cut the new file may be empty or missing. Only for files
    /// that check themselves and are cheap to redo — the feature cache, whose entries carry a
    /// checksum — where two fsyncs (1–30 ms on this machine, see `examples/write_cost.rs`)
    /// would cost more than the entry.
    pub fn without_fsync(mut self) -> AtomicFile {
        self.sync = false;
        self
    }

    /// The file this will become.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// The temporary file being written (in the target's folder).
    pub fn temp_path(&self) -> &Path {
        self.tmp.get_ref().path()
    }

    /// Flushes, fsyncs, renames the temporary file onto the target (without replacing an
    /// existing one under [`Overwrite::Refuse`]) and fsyncs the folder, so the new name
    /// survives a power cut.
    pub fn commit(self) -> Result<()> {
        let AtomicFile {
            target,
            dir,
            overwrite,
            sync,
            tmp,
        } = self;
        let tmp = tmp
            .into_inner()
            .map_err(|e| Error::io(&target)(e.into_error()))?;
        if sync {
            tmp.as_file().sync_all().map_err(Error::io(&target))?;
        }
        let persisted = match overwrite {
            Overwrite::Replace => tmp.persist(&target),
            Overwrite::Refuse => tmp.persist_noclobber(&target),
        };
        if let Err(e) = persisted {
            // `e.file` (the temporary file) is dropped here, which removes it.
            if overwrite == Overwrite::Refuse && e.error.kind() == std::io::ErrorKind::AlreadyExists
            {
                return Err(Error::Exists {
                    path: target,
                    more: 0,
                });
            }
            return Err(Error::io(&target)(e.error));
        }
        if sync {
            sync_dir(&dir).map_err(Error::io(&dir))?;
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.tmp.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.tmp.write_all(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.tmp.flush()
    }
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    // Windows cannot open a folder as a file; NTFS journals the rename itself.
    Ok(())
}

/// Writes `path` atomically with what `fill` writes into it. An error from `fill` (or a panic
/// in it) leaves the target as it was and removes the temporary file.
///
/// ```
/// # let dir = tempfile::tempdir().unwrap();
/// # let path = dir.path().join("report.md");
/// use std::io::Write;
/// use mer_io::{Overwrite, write_file};
/// write_file(&path, Overwrite::Refuse, |w| writeln!(w, "# report")).unwrap();
/// // A second write is refused unless the policy says Replace.
/// assert!(write_file(&path, Overwrite::Refuse, |w| writeln!(w, "again")).is_err());
/// ```
pub fn write_file(
    path: &Path,
    overwrite: Overwrite,
    fill: impl FnOnce(&mut AtomicFile) -> std::io::Result<()>,
) -> Result<()> {
    let mut f = AtomicFile::create(path, overwrite)?;
    fill(&mut f).map_err(Error::io(path))?;
    f.commit()
}

/// Writes `bytes` to `path` atomically.
pub fn write_bytes(path: &Path, overwrite: Overwrite, bytes: &[u8]) -> Result<()> {
    write_file(path, overwrite, |w| w.write_all(bytes))
}
