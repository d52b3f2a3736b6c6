//! Running one job per input file: in parallel, results in input order, a progress bar for
//! many files, and one bad file reported without stopping the others.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use mer_audio::walk::{Recognise, audio_files};
use rayon::prelude::*;

/// Runs `job` on every path (on `threads` threads; 0 = all cores) and returns the results in
/// input order. A progress bar is drawn on stderr when there is more than one file and stderr
/// is a terminal.
pub fn run_all<T: Send>(
    paths: &[PathBuf],
    threads: usize,
    job: impl Fn(&Path) -> anyhow::Result<T> + Sync,
) -> Vec<anyhow::Result<T>> {
    let mut out = Vec::with_capacity(paths.len());
    run_ordered(paths, threads, job, |_, r| out.push(r));
    out
}

/// Runs `job` on every path in parallel (on `threads` threads; 0 = all cores) and hands each
/// result to `deliver` on the calling thread, in input order, as soon as it and every earlier
/// one are done — so output can be written while later files are still being processed.
/// Progress bar on stderr as in [`run_all`].
pub fn run_ordered<T: Send>(
    paths: &[PathBuf],
    threads: usize,
    job: impl Fn(&Path) -> anyhow::Result<T> + Sync,
    mut deliver: impl FnMut(usize, anyhow::Result<T>),
) {
    let bar = if paths.len() > 1 {
        let b = ProgressBar::new(paths.len() as u64);
        b.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} files, {elapsed} (ETA {eta}) {msg}")
                .expect("static template"),
        );
        b
    } else {
        ProgressBar::hidden()
    };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build();
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::channel();
        let job = &job;
        scope.spawn(move || {
            let work = move || {
                paths
                    .par_iter()
                    .enumerate()
                    .for_each_with(tx, |tx, (i, p)| {
                        // The receiver lives until every result is in.
                        let _ = tx.send((i, job(p)));
                    });
            };
            match &pool {
                Ok(pool) => pool.install(work),
                Err(_) => work(),
            }
        });
        // Results that arrived before an earlier one, held until it is delivered.
        let mut waiting = BTreeMap::new();
        let mut next = 0;
        for (i, r) in rx {
            bar.inc(1);
            waiting.insert(i, r);
            while let Some(r) = waiting.remove(&next) {
                bar.suspend(|| deliver(next, r));
                next += 1;
            }
        }
    });
    bar.finish_and_clear();
}

/// One input file of a batch.
#[derive(Debug, Clone)]
pub struct Input {
    /// The file to read.
    pub path: PathBuf,
    /// Its path relative to the folder the user named (its file name when the user named the
    /// file itself): outputs keep it (see [`plan_outputs`]).
    pub relative: PathBuf,
}

/// Expands folders into the audio files below them (mer-audio's walker: by extension, sorted,
/// hidden entries skipped, symlink loops safe) and keeps files as given. What the walk could
/// not read is printed on stderr naming it — a symlink loop as a warning (its files were
/// reached through the folder it points to), an unreadable folder as an error — and the
/// errors are counted in the second value, so the command can exit non-zero.
pub fn expand_inputs(inputs: &[PathBuf]) -> (Vec<Input>, usize) {
    let mut out = Vec::new();
    let mut unreadable = 0;
    for p in inputs {
        if !p.is_dir() {
            // A file (or a missing path: reading it reports the error, naming it).
            let relative = p
                .file_name()
                .map(PathBuf::from)
                .unwrap_or_else(|| p.clone());
            out.push(Input {
                path: p.clone(),
                relative,
            });
            continue;
        }
        for item in audio_files(p, Recognise::Extension) {
            match item {
                Ok(f) => out.push(Input {
                    path: f.path,
                    relative: f.relative,
                }),
                Err(e) if e.is_loop() => eprintln!("mer: warning: {e}"),
                Err(e) => {
                    unreadable += 1;
                    eprintln!("mer: error: {e}");
                }
            }
        }
    }
    (out, unreadable)
}

/// The output file of each input in folder `dir` with extension `ext`, keeping the inputs'
/// relative paths; fails before any work when two inputs would write one file, or (unless
/// `force`) when an output exists.
pub fn plan_outputs(
    inputs: &[Input],
    dir: &Path,
    ext: &str,
    force: bool,
) -> anyhow::Result<Vec<PathBuf>> {
    let mut plan = mer_io::OutputPlan::new(dir, ext);
    let outputs = inputs
        .iter()
        .map(|i| plan.add(&i.path, &i.relative))
        .collect::<Result<Vec<_>, _>>()?;
    if !force {
        refuse_existing(&outputs)?;
    }
    Ok(outputs)
}

/// Fails (naming the first, counting the rest) when any of `outputs` exists; the commands
/// call it before any work unless `--force`.
pub fn refuse_existing<P: AsRef<Path>>(outputs: impl IntoIterator<Item = P>) -> anyhow::Result<()> {
    mer_io::refuse_existing(outputs).map_err(|e| anyhow::anyhow!("{e}; pass --force to overwrite"))
}
