//! Running one job per input file: in parallel, results in input order, a progress bar for
//! many files, and one bad file reported without stopping the others.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
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

/// Expands directories into the audio files below them (sorted), keeps files as given.
pub fn expand_inputs(inputs: &[PathBuf]) -> Vec<PathBuf> {
    const AUDIO: &[&str] = &[
        "mp3", "wav", "flac", "ogg", "oga", "m4a", "mp4", "aac", "aif", "aiff", "caf", "mka",
        "webm",
    ];
    let mut out = Vec::new();
    for p in inputs {
        if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found, AUDIO);
            found.sort();
            out.extend(found);
        } else {
            out.push(p.clone());
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>, exts: &[&str]) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out, exts);
        } else if p
            .extension()
            .and_then(|x| x.to_str())
            .is_some_and(|x| exts.contains(&x.to_ascii_lowercase().as_str()))
        {
            out.push(p);
        }
    }
}
