//! The run: walk the DIRs, skip the files already in the catalog, predict the others on a
//! rayon pool, append each row as it finishes.

use std::panic::AssertUnwindSafe;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use mer_audio::walk::{Found, Recognise, WalkError, audio_files};
use mer_features::Matrix;
use mer_io::Overwrite;
use mer_predict::Predictor;
use rayon::iter::{ParallelBridge, ParallelIterator};

use crate::error::{CatalogError, Result};
use crate::row::{Key, Row, stat};
use crate::store::{Index, Resumed, Store};

/// What to catalogue and where.
#[derive(Clone, Debug)]
pub struct Options {
    /// Folders (walked recursively; audio found by extension or content) or files.
    pub roots: Vec<PathBuf>,
    /// The catalog: `.csv`, `.jsonl` or `.parquet` (see the crate docs).
    pub output: PathBuf,
    /// Worker threads predicting (0 = all cores).
    pub threads: usize,
    /// Replace an existing output (a file, or a catalog folder this crate wrote) and existing
    /// series files, instead of refusing.
    pub force: bool,
    /// Also write each file's 2 Hz series here (see the crate docs).
    pub dynamic: Option<PathBuf>,
}

/// What a run reports as it goes (called from the run's threads; all methods default to
/// nothing). `mer catalog` draws its progress bar with it.
pub trait Observer: Sync {
    /// The catalog was opened: what resuming found.
    fn opened(&self, _resumed: &Resumed) {}
    /// Files still to do counted so far; `complete` when the count is final (a second walk
    /// counts them, so the total is known only after a while).
    fn counted(&self, _todo: u64, _complete: bool) {}
    /// A row was written.
    fn row(&self, _row: &Row) {}
    /// Something to tell the user that is not a row: a folder that cannot be read, a symlink
    /// loop, a warning of a file that was still predicted (e.g. "file ends early").
    fn warning(&self, _message: &str) {}
}

/// A run's numbers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// What reopening the catalog found.
    pub resumed: Resumed,
    /// Rows written by this run.
    pub written: u64,
    /// Of those, rows with an error.
    pub errors: u64,
    /// Files skipped as already in the catalog.
    pub skipped: u64,
    /// Folders (or links) that could not be read: reported, no row.
    pub unreadable: u64,
}

/// How rows name their files, and back.
#[derive(Clone, Debug)]
enum Naming {
    /// One DIR: paths relative to it.
    Relative(PathBuf),
    /// Several DIRs, or files: the DIR as given joined with the path below it.
    AsGiven,
}

impl Naming {
    fn name(&self, root: &Path, f: &Found) -> String {
        match self {
            Naming::Relative(_) => f.relative.to_string_lossy().into_owned(),
            Naming::AsGiven if f.depth == 0 => root.to_string_lossy().into_owned(),
            Naming::AsGiven => root.join(&f.relative).to_string_lossy().into_owned(),
        }
    }

    fn resolve(&self, name: &str) -> PathBuf {
        match self {
            Naming::Relative(root) => root.join(name),
            Naming::AsGiven => PathBuf::from(name),
        }
    }
}

/// One file to predict.
struct Job {
    path: PathBuf,
    name: String,
    stat: Option<(u64, i64)>,
    /// The walk could not read it (e.g. a dangling link).
    error: Option<String>,
}

/// The series file of the row named `name` below `dir`: its path's plain components
/// (a root, `.` and `..` dropped), with `.npy` appended (`rock/x.mp3` → `dir/rock/x.mp3.npy`,
/// so `x.mp3` and `x.wav` do not share one).
pub fn series_path(dir: &Path, name: &str) -> PathBuf {
    let mut p = dir.to_path_buf();
    for c in Path::new(name).components() {
        if let Component::Normal(s) = c {
            p.push(s);
        }
    }
    let mut s = p.into_os_string();
    s.push(".npy");
    PathBuf::from(s)
}

/// Catalogues `opts.roots` into `opts.output` with `predictor` (named `model` in the rows),
/// resuming the catalog if this crate wrote it. Bad audio files are rows with an error; the
/// result is an error only when the catalog itself cannot be opened or written.
pub fn run(
    opts: &Options,
    predictor: &Predictor,
    model: &str,
    observer: &dyn Observer,
) -> Result<Summary> {
    if opts.roots.is_empty() {
        return Err(CatalogError::BadInput {
            path: PathBuf::new(),
            reason: "no folder or file to catalogue".into(),
        });
    }
    // Each root once (the same folder named twice would give every file two rows).
    let mut roots: Vec<PathBuf> = Vec::new();
    let mut seen = Vec::new();
    for r in &opts.roots {
        let canon = std::fs::canonicalize(r).map_err(|e| CatalogError::BadInput {
            path: r.clone(),
            reason: e.to_string(),
        })?;
        if !seen.contains(&canon) {
            seen.push(canon);
            roots.push(r.clone());
        }
    }
    let naming = if roots.len() == 1 && roots[0].is_dir() {
        Naming::Relative(roots[0].clone())
    } else {
        Naming::AsGiven
    };
    let existed = std::fs::symlink_metadata(&opts.output).is_ok();
    if let Some(d) = &opts.dynamic {
        let non_empty = std::fs::read_dir(d).is_ok_and(|mut e| e.next().is_some());
        if non_empty && !existed && !opts.force {
            return Err(CatalogError::NotOurs {
                path: d.clone(),
                reason: "exists and is not empty, and there is no catalog to resume; series \
                         files are not overwritten (pass --force)"
                    .into(),
            });
        }
    }
    let mut index = Index::new();
    let (mut store, resumed) = Store::open(
        &opts.output,
        model,
        opts.force,
        &|name| naming.resolve(name),
        &mut index,
    )?;
    observer.opened(&resumed);
    let index = &index;
    let naming = &naming;
    let roots = &roots;
    let skipped = AtomicU64::new(0);
    // Set when the catalog cannot be written: the files not yet started are left.
    let stop = AtomicBool::new(false);
    let unreadable = AtomicU64::new(0);
    let threads = if opts.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        opts.threads
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| CatalogError::BadInput {
            path: opts.output.clone(),
            reason: format!("cannot start {threads} threads: {e}"),
        })?;
    let mut summary = Summary {
        resumed,
        ..Summary::default()
    };
    let mut write_error = None;
    std::thread::scope(|scope| {
        // The count for the progress bar: the same walk, without predicting.
        scope.spawn(|| {
            let mut todo = 0;
            for (root, item) in walk(roots) {
                if let Ok(f) = item {
                    let name = naming.name(root, &f);
                    let st = stat(&f.path);
                    if !index.contains(&Key::new(&name, st.map(|s| s.0), st.map(|s| s.1))) {
                        todo += 1;
                        if todo % 256 == 0 {
                            observer.counted(todo, false);
                        }
                    }
                }
            }
            observer.counted(todo, true);
        });
        let (tx, rx) = std::sync::mpsc::sync_channel::<Row>(threads * 4);
        let jobs = walk(roots).filter_map(|(root, item)| match item {
            Ok(f) => {
                let name = naming.name(root, &f);
                let st = stat(&f.path);
                if index.contains(&Key::new(&name, st.map(|s| s.0), st.map(|s| s.1))) {
                    skipped.fetch_add(1, Ordering::Relaxed);
                    return None;
                }
                Some(Job {
                    path: f.path,
                    name,
                    stat: st,
                    error: None,
                })
            }
            Err(e) => walk_error(e, root, naming, index, observer, &skipped, &unreadable),
        });
        let dynamic = opts.dynamic.as_deref();
        let stop = &stop;
        scope.spawn(move || {
            pool.install(|| {
                jobs.par_bridge().for_each_with(tx, |tx, job| {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let row = predict(job, predictor, model, dynamic, observer);
                    // The receiver lives until every row is in (or the catalog failed).
                    let _ = tx.send(row);
                });
            });
        });
        for row in rx {
            if write_error.is_some() {
                continue;
            }
            match store.append(&row) {
                Ok(()) => {
                    summary.written += 1;
                    summary.errors += u64::from(!row.ok());
                    observer.row(&row);
                }
                Err(e) => {
                    write_error = Some(e);
                    stop.store(true, Ordering::Relaxed);
                }
            }
        }
    });
    if let Some(e) = write_error {
        return Err(e);
    }
    store.finish()?;
    summary.skipped = skipped.into_inner();
    summary.unreadable = unreadable.into_inner();
    Ok(summary)
}

/// Every (root, item) of the walks of `roots`, in order: mer-audio's walker recognising audio
/// by extension or content (`Recognise::ExtensionOrContent`: an empty or broken `.mp3` gets a
/// row with its error instead of vanishing, a renamed `.dat` MP3 is found). A root that is a
/// file is kept whatever it is: the user named it.
fn walk(roots: &[PathBuf]) -> impl Iterator<Item = (&Path, Result<Found, WalkError>)> + Send {
    roots.iter().flat_map(|r| {
        audio_files(r, Recognise::ExtensionOrContent).map(move |item| (r.as_path(), item))
    })
}

/// A walk error: a file the walk could not read becomes a row with the error (unless that row
/// is in the catalog already); an unreadable folder or a link loop is a warning.
fn walk_error(
    e: WalkError,
    root: &Path,
    naming: &Naming,
    index: &Index,
    observer: &dyn Observer,
    skipped: &AtomicU64,
    unreadable: &AtomicU64,
) -> Option<Job> {
    if e.is_loop() {
        observer.warning(&e.to_string());
        return None;
    }
    if e.path.is_dir() {
        unreadable.fetch_add(1, Ordering::Relaxed);
        observer.warning(&e.to_string());
        return None;
    }
    let relative = match naming {
        Naming::Relative(r) => e.path.strip_prefix(r).unwrap_or(&e.path).to_path_buf(),
        Naming::AsGiven => e.path.strip_prefix(root).unwrap_or(&e.path).to_path_buf(),
    };
    let depth = relative.components().count();
    let found = Found {
        path: e.path.clone(),
        relative,
        depth,
    };
    let name = naming.name(root, &found);
    let st = stat(&e.path);
    if index.contains(&Key::new(&name, st.map(|s| s.0), st.map(|s| s.1))) {
        skipped.fetch_add(1, Ordering::Relaxed);
        return None;
    }
    Some(Job {
        path: e.path.clone(),
        name,
        stat: st,
        error: Some(one_line(&e.to_string())),
    })
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Predicts one file into its row (never fails: a failure is the row's error).
fn predict(
    job: Job,
    predictor: &Predictor,
    model: &str,
    dynamic: Option<&Path>,
    observer: &dyn Observer,
) -> Row {
    let mut row = Row {
        path: job.name,
        duration_s: None,
        arousal: None,
        valence: None,
        quadrant: None,
        confidence: None,
        model: model.to_string(),
        error: String::new(),
        size: job.stat.map(|s| s.0),
        mtime: job.stat.map(|s| s.1),
    };
    if let Some(e) = job.error {
        row.error = e;
        return row;
    }
    let path = &job.path;
    // A panic in a decoder is this file's error, not the end of a run over 10⁶ files.
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| predictor.predict_file(path)))
        .map_err(|panic| {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            format!("internal error (panic): {what}")
        })
        .and_then(|r| r.map_err(|e| e.to_string()));
    let p = match result {
        Ok(p) => p,
        Err(e) => {
            let msg = one_line(&e);
            let shown = path.display().to_string();
            row.error = if msg.contains(&shown) {
                msg
            } else {
                format!("{shown}: {msg}")
            };
            return row;
        }
    };
    for w in &p.warnings {
        observer.warning(&format!("{}: {w}", path.display()));
    }
    if let Some(dir) = dynamic {
        let out = series_path(dir, &row.path);
        let m = Matrix::new(
            p.dynamic_arousal.len(),
            2,
            p.dynamic_arousal
                .iter()
                .zip(&p.dynamic_valence)
                .flat_map(|(&a, &v)| [a, v])
                .collect(),
        );
        if let Err(e) = mer_io::write_file(&out, Overwrite::Replace, |w| {
            mer_features::output::write_npy_to(w, &m)
        }) {
            row.error = one_line(&format!("{}: series not written: {e}", path.display()));
            return row;
        }
    }
    row.duration_s = Some(p.duration_s);
    row.arousal = Some(p.arousal);
    row.valence = Some(p.valence);
    row.quadrant = Some(p.quadrant);
    row.confidence = Some(p.confidence);
    row
}
