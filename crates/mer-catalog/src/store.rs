//! The output of a run: created, or reopened and repaired for resuming, then appended to.

use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mer_io::Overwrite;

use crate::error::{CatalogError, Result};
use crate::lines::{self, LineFormat};
use crate::parquet_part::{read_part, write_part};
use crate::row::{Key, Row, stat};

/// Catalog file formats, chosen by the output's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `.csv`: a header, then one row per line (RFC 4180 quoting).
    Csv,
    /// `.jsonl` (or `.ndjson`): one JSON object per line.
    Jsonl,
    /// `.parquet`: a folder of Parquet part files (see the crate docs).
    Parquet,
}

impl Format {
    /// The format `path`'s extension names.
    pub fn of(path: &Path) -> Result<Format> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("")
            .to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Ok(Format::Csv),
            "jsonl" | "ndjson" => Ok(Format::Jsonl),
            "parquet" => Ok(Format::Parquet),
            _ => Err(CatalogError::UnknownFormat {
                path: path.to_path_buf(),
                ext,
            }),
        }
    }
}

/// The marker file of a Parquet catalog folder (readers skip names starting with `_`).
pub const MARKER: &str = "_mer_catalog.json";

/// Rows per Parquet part (one row group each): at most this many rows are held in memory.
pub const PART_ROWS: usize = 10_000;
/// A Parquet part is also committed after this long, so readers see progress.
pub const PART_SECS: u64 = 300;

/// What reopening an existing catalog found.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Resumed {
    /// Rows kept from earlier runs (their files are not redone).
    pub kept: u64,
    /// Rows dropped because their file changed since (size or mtime): redone.
    pub stale: u64,
    /// Whether a half-written last row was cut off (CSV/JSONL) or an uncommitted Parquet
    /// journal was turned into a part.
    pub repaired: bool,
    /// Whether an existing catalog was replaced (`force`).
    pub replaced: bool,
}

/// The resume index: keys of the files already in the catalog (16 bytes each).
pub type Index = HashSet<Key>;

/// An open catalog, ready for [`Store::append`].
pub struct Store {
    path: PathBuf,
    kind: Kind,
}

enum Kind {
    Lines {
        fmt: LineFormat,
        out: BufWriter<File>,
    },
    Parquet {
        dir: PathBuf,
        /// Number of the part being filled.
        part: u64,
        /// Rows of that part (also in its journal, flushed row by row).
        rows: Vec<Row>,
        journal: Option<BufWriter<File>>,
        since: Instant,
    },
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

fn part_name(n: u64) -> String {
    format!("part-{n:06}.parquet")
}

fn journal_name(n: u64) -> String {
    format!("_journal-{n:06}.jsonl")
}

/// `name` → part number, for `prefix{n:06}suffix`.
fn number(name: &str, prefix: &str, suffix: &str) -> Option<u64> {
    name.strip_prefix(prefix)?
        .strip_suffix(suffix)?
        .parse()
        .ok()
}

/// Whether a row still describes the file on disk: not when the file is there with another
/// size or mtime (rows of files that are gone are kept: a folder may be unmounted).
fn is_stale(row: &Row, resolve: &dyn Fn(&str) -> PathBuf) -> bool {
    match stat(&resolve(&row.path)) {
        Some((size, mtime)) => row.size != Some(size) || row.mtime != Some(mtime),
        None => false,
    }
}

fn check_model(path: &Path, row: &Row, model: &str) -> Result<()> {
    if row.model == model {
        return Ok(());
    }
    Err(CatalogError::NotOurs {
        path: path.to_path_buf(),
        reason: format!(
            "its rows were made with model {:?}, this run uses {model:?}: give another output, \
             or --force to start it over",
            row.model
        ),
    })
}

impl Store {
    /// Opens `path` for a run with `model`: creates it, or — when it is a catalog this crate
    /// wrote — repairs it, drops the rows of files changed since (`resolve` maps a row's path
    /// to the file) and fills `index` with the keys of the rows kept. `force` replaces an
    /// existing file (never a folder that is not a catalog).
    pub fn open(
        path: &Path,
        model: &str,
        force: bool,
        resolve: &dyn Fn(&str) -> PathBuf,
        index: &mut Index,
    ) -> Result<(Store, Resumed)> {
        match Format::of(path)? {
            Format::Csv => Self::open_lines(path, LineFormat::Csv, model, force, resolve, index),
            Format::Jsonl => {
                Self::open_lines(path, LineFormat::Jsonl, model, force, resolve, index)
            }
            Format::Parquet => Self::open_parquet(path, model, force, resolve, index),
        }
    }

    fn open_lines(
        path: &Path,
        fmt: LineFormat,
        model: &str,
        force: bool,
        resolve: &dyn Fn(&str) -> PathBuf,
        index: &mut Index,
    ) -> Result<(Store, Resumed)> {
        let mut resumed = Resumed::default();
        let meta = std::fs::symlink_metadata(path).ok();
        let fresh = match &meta {
            None => true,
            Some(m) if m.is_dir() => {
                return Err(CatalogError::NotOurs {
                    path: path.to_path_buf(),
                    reason: "is a folder; a .csv or .jsonl catalog is a file".into(),
                });
            }
            Some(m) if m.len() == 0 => true,
            Some(_) if force => {
                resumed.replaced = true;
                true
            }
            Some(_) => false,
        };
        if fresh {
            // The header is written atomically: a catalog file never lacks it.
            mer_io::write_bytes(path, Overwrite::Replace, &lines::header(fmt))?;
        } else {
            let mut stale = HashSet::new();
            let scanned = lines::scan(path, fmt, |row| {
                check_model(path, &row, model)?;
                if is_stale(&row, resolve) {
                    stale.insert(row.key());
                } else {
                    index.insert(row.key());
                    resumed.kept += 1;
                }
                Ok(())
            })?;
            resumed.stale = stale.len() as u64;
            if scanned.torn {
                resumed.repaired = true;
                let f = OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(CatalogError::io(path))?;
                f.set_len(scanned.complete)
                    .map_err(CatalogError::io(path))?;
                f.sync_all().map_err(CatalogError::io(path))?;
            }
            if !stale.is_empty() {
                // Rewrite without them, atomically (a crash leaves the old file).
                let mut out = mer_io::AtomicFile::create(path, Overwrite::Replace)?;
                out.write_all(&lines::header(fmt))
                    .map_err(CatalogError::io(path))?;
                lines::scan(path, fmt, |row| {
                    if !stale.contains(&row.key()) {
                        out.write_all(&lines::encode(fmt, &row))
                            .map_err(CatalogError::io(path))?;
                    }
                    Ok(())
                })?;
                out.commit()?;
            }
        }
        let f = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(CatalogError::io(path))?;
        Ok((
            Store {
                path: path.to_path_buf(),
                kind: Kind::Lines {
                    fmt,
                    out: BufWriter::with_capacity(1 << 14, f),
                },
            },
            resumed,
        ))
    }

    fn open_parquet(
        dir: &Path,
        model: &str,
        force: bool,
        resolve: &dyn Fn(&str) -> PathBuf,
        index: &mut Index,
    ) -> Result<(Store, Resumed)> {
        let mut resumed = Resumed::default();
        let marker = dir.join(MARKER);
        let marker_text = format!(
            "{{\"written_by\":\"mer catalog\",\"layout\":1,\"model\":{}}}\n",
            serde_json::to_string(model).expect("a string serializes")
        );
        match std::fs::symlink_metadata(dir) {
            Err(_) => {}
            Ok(m) if !m.is_dir() => {
                if !force {
                    return Err(CatalogError::NotOurs {
                        path: dir.to_path_buf(),
                        reason: "exists and is a file, not a catalog folder written by mer \
                                 catalog; not overwritten (pass --force to replace it)"
                            .into(),
                    });
                }
                std::fs::remove_file(dir).map_err(CatalogError::io(dir))?;
                resumed.replaced = true;
            }
            Ok(_) => {
                let entries = list(dir)?;
                if !marker.exists() {
                    if !entries.is_empty() {
                        return Err(CatalogError::NotOurs {
                            path: dir.to_path_buf(),
                            reason: format!(
                                "is a folder that mer catalog did not write (no {MARKER}); \
                                 not touched, even with --force"
                            ),
                        });
                    }
                } else if force {
                    for name in &entries {
                        if number(name, "part-", ".parquet").is_some()
                            || number(name, "_journal-", ".jsonl").is_some()
                        {
                            let p = dir.join(name);
                            std::fs::remove_file(&p).map_err(CatalogError::io(&p))?;
                            resumed.replaced = true;
                        }
                    }
                } else {
                    let text =
                        std::fs::read_to_string(&marker).map_err(CatalogError::io(&marker))?;
                    let v: serde_json::Value =
                        serde_json::from_str(&text).map_err(|e| CatalogError::NotOurs {
                            path: marker.clone(),
                            reason: format!("unreadable marker: {e}"),
                        })?;
                    let theirs = v.get("model").and_then(|m| m.as_str()).unwrap_or("");
                    check_model(
                        dir,
                        &Row {
                            path: String::new(),
                            duration_s: None,
                            arousal: None,
                            valence: None,
                            quadrant: None,
                            confidence: None,
                            model: theirs.into(),
                            error: String::new(),
                            size: None,
                            mtime: None,
                        },
                        model,
                    )?;
                }
            }
        }
        std::fs::create_dir_all(dir).map_err(CatalogError::io(dir))?;
        mer_io::write_bytes(&marker, Overwrite::Replace, marker_text.as_bytes())?;
        // Journals of parts never committed: commit them now (or drop them when their part
        // was committed just before the crash).
        let mut next = 0;
        for name in list(dir)? {
            if let Some(n) = number(&name, "_journal-", ".jsonl") {
                let journal = dir.join(&name);
                let part = dir.join(part_name(n));
                if !part.exists() {
                    let mut rows = Vec::new();
                    let scanned = lines::scan(&journal, LineFormat::Jsonl, |r| {
                        rows.push(r);
                        Ok(())
                    })?;
                    if !rows.is_empty() {
                        write_part(&part, &rows, Overwrite::Refuse)?;
                    }
                    resumed.repaired |= scanned.torn || !rows.is_empty();
                }
                std::fs::remove_file(&journal).map_err(CatalogError::io(&journal))?;
            }
        }
        // The index, and parts rewritten without the rows of changed files.
        for name in list(dir)? {
            let Some(n) = number(&name, "part-", ".parquet") else {
                continue;
            };
            next = next.max(n + 1);
            let part = dir.join(&name);
            let mut stale = 0;
            read_part(&part, |row| {
                check_model(&part, &row, model)?;
                if is_stale(&row, resolve) {
                    stale += 1;
                } else {
                    index.insert(row.key());
                    resumed.kept += 1;
                }
                Ok(())
            })?;
            if stale > 0 {
                resumed.stale += stale;
                let mut rows = Vec::new();
                read_part(&part, |row| {
                    if index.contains(&row.key()) {
                        rows.push(row);
                    }
                    Ok(())
                })?;
                if rows.is_empty() {
                    std::fs::remove_file(&part).map_err(CatalogError::io(&part))?;
                } else {
                    write_part(&part, &rows, Overwrite::Replace)?;
                }
            }
        }
        Ok((
            Store {
                path: dir.to_path_buf(),
                kind: Kind::Parquet {
                    dir: dir.to_path_buf(),
                    part: next,
                    rows: Vec::new(),
                    journal: None,
                    since: Instant::now(),
                },
            },
            resumed,
        ))
    }

    /// The catalog's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one row; it is on disk (flushed to the OS: safe from `kill -9`) on return.
    pub fn append(&mut self, row: &Row) -> Result<()> {
        let path = &self.path;
        match &mut self.kind {
            Kind::Lines { fmt, out } => {
                out.write_all(&lines::encode(*fmt, row))
                    .and_then(|()| out.flush())
                    .map_err(CatalogError::io(path))?;
            }
            Kind::Parquet {
                dir,
                part,
                rows,
                journal,
                since,
            } => {
                if journal.is_none() {
                    let p = dir.join(journal_name(*part));
                    let f = OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(&p)
                        .map_err(CatalogError::io(&p))?;
                    *journal = Some(BufWriter::with_capacity(1 << 14, f));
                    *since = Instant::now();
                }
                let j = journal.as_mut().expect("opened above");
                j.write_all(&lines::encode(LineFormat::Jsonl, row))
                    .and_then(|()| j.flush())
                    .map_err(CatalogError::io(dir.join(journal_name(*part))))?;
                rows.push(row.clone());
                if rows.len() >= PART_ROWS || since.elapsed() >= Duration::from_secs(PART_SECS) {
                    self.commit_part()?;
                }
            }
        }
        Ok(())
    }

    /// Parquet: writes the rows gathered so far as the next part (atomically), then removes
    /// their journal. A crash between the two leaves both; reopening drops the journal.
    fn commit_part(&mut self) -> Result<()> {
        if let Kind::Parquet {
            dir,
            part,
            rows,
            journal,
            ..
        } = &mut self.kind
        {
            if rows.is_empty() {
                return Ok(());
            }
            write_part(&dir.join(part_name(*part)), rows, Overwrite::Refuse)?;
            *journal = None;
            let j = dir.join(journal_name(*part));
            std::fs::remove_file(&j).map_err(CatalogError::io(&j))?;
            rows.clear();
            *part += 1;
        }
        Ok(())
    }

    /// Ends the run: the last Parquet part is committed; CSV/JSONL are fsync'ed.
    pub fn finish(mut self) -> Result<()> {
        self.commit_part()?;
        if let Kind::Lines { out, .. } = &mut self.kind {
            out.flush().map_err(CatalogError::io(&self.path))?;
            out.get_ref()
                .sync_all()
                .map_err(CatalogError::io(&self.path))?;
        }
        Ok(())
    }
}

/// Names in `dir`, sorted.
fn list(dir: &Path) -> Result<Vec<String>> {
    let mut names = Vec::new();
    for e in std::fs::read_dir(dir).map_err(CatalogError::io(dir))? {
        let e = e.map_err(CatalogError::io(dir))?;
        names.push(e.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}

/// Calls `each` with every row of a catalog: a `.csv` or `.jsonl` file (a half-written last
/// row is skipped), or a `.parquet` catalog folder (its committed parts, in order; rows still
/// in a journal are not read) or single Parquet file with the catalog's columns.
pub fn for_each_row(path: &Path, mut each: impl FnMut(Row) -> Result<()>) -> Result<()> {
    match Format::of(path)? {
        Format::Csv => lines::scan(path, LineFormat::Csv, each).map(|_| ()),
        Format::Jsonl => lines::scan(path, LineFormat::Jsonl, each).map(|_| ()),
        Format::Parquet if path.is_dir() => {
            for name in list(path)? {
                if !name.starts_with(['.', '_']) && name.ends_with(".parquet") {
                    read_part(&path.join(name), &mut each)?;
                }
            }
            Ok(())
        }
        Format::Parquet => read_part(path, each),
    }
}
