//! `mer catalog DIR... -o OUT`: one row per audio file under folder trees, into a CSV, JSON
//! Lines or Parquet catalog, resumable (the library is `mer-catalog`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mer_catalog::{Observer, Options, Resumed, Row};
use mer_predict::{ModelChoice, Predictor};

/// Arguments of `mer catalog`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    mer catalog music/ -o music.csv\n  \
    mer catalog music/ -o music.parquet --model fast --dynamic music-series/\n  \
    mer serve music/ --catalog music.parquet\n\n\
    Run the same command again after Ctrl-C, a crash or kill -9: files already catalogued are\n\
    not redone (key: path + size + mtime), a changed file is. A .parquet catalog is a folder of\n\
    part files (pandas.read_parquet, pyarrow, Ray and DuckDB read it as one table). Columns:\n\
    path, duration_s, arousal, valence, quadrant (1-4), confidence, model, error (empty when it\n\
    worked), size, mtime (ns); values on [-1, 1]. A bad file is a row with its error; the exit\n\
    code is 0 when the run finished, with the number of errors on stderr.")]
pub struct CatalogArgs {
    /// Folders (searched recursively; audio found by extension or content) or files.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// The catalog: .csv, .jsonl or .parquet.
    #[arg(long, short = 'o')]
    pub output: PathBuf,
    /// `default` (musicnn + ridge head, embedded), `fast` (log-mel CRNN, embedded), or a
    /// model file written by `mer train`.
    #[arg(long, default_value = "default")]
    pub model: String,
    /// Also write each file's 2 Hz series as `DIR/<path>.npy` (float32 [frames, 2]: arousal,
    /// valence).
    #[arg(long, value_name = "OUT_DIR")]
    pub dynamic: Option<PathBuf>,
    /// Worker threads (0 = all cores; at most 1024).
    #[arg(long, short = 'j', default_value_t = 0,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=1024))]
    pub threads: usize,
    /// Replace an existing output that is not a catalog to resume (or start a catalog over).
    #[arg(long)]
    pub force: bool,
    /// Run musicnn on the patch of every 0.5 s frame. Without --dynamic the catalog holds
    /// only song-level values, and the default model computes one patch in 6 (~2x less
    /// CPU per file; values within 0.061 of the full computation, mean 0.007, on the shared
    /// data: crates/mer-predict/models/REPORT.md); this flag computes them all.
    #[arg(long)]
    pub all_patches: bool,
}

/// The progress bar: files done / to do, files/s and ETA on stderr (hidden when stderr is not
/// a terminal; then a summary line is printed at the end only).
struct Progress {
    bar: ProgressBar,
}

impl Observer for Progress {
    fn opened(&self, r: &Resumed) {
        let mut what = Vec::new();
        if r.replaced {
            what.push("replaced the existing catalog".to_string());
        }
        if r.kept > 0 {
            what.push(format!("resuming: {} files already done", r.kept));
        }
        if r.stale > 0 {
            what.push(format!("{} changed files to redo", r.stale));
        }
        if r.repaired {
            what.push("repaired a half-written last row".into());
        }
        if !what.is_empty() {
            self.bar
                .suspend(|| eprintln!("mer catalog: {}", what.join(", ")));
        }
    }

    fn counted(&self, todo: u64, complete: bool) {
        self.bar.set_length(todo);
        if complete {
            self.bar.set_prefix("");
        }
    }

    fn row(&self, row: &Row) {
        if !row.ok() {
            self.bar.suspend(|| eprintln!("mer: error: {}", row.error));
        }
        self.bar.inc(1);
    }

    fn warning(&self, message: &str) {
        self.bar.suspend(|| eprintln!("mer: warning: {message}"));
    }
}

/// Runs `mer catalog`.
pub fn run(a: CatalogArgs) -> anyhow::Result<ExitCode> {
    let choice = ModelChoice::parse(&a.model);
    let predictor =
        Predictor::load(&choice).with_context(|| format!("loading model {}", a.model))?;
    // Without series files only the song-level values are needed.
    let predictor = if a.dynamic.is_none() && !a.all_patches {
        predictor.static_only()
    } else {
        predictor
    };
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix}{bar:30} {pos}/{len} files, {per_sec}, {elapsed} (ETA {eta})",
        )
        .expect("static template"),
    );
    bar.set_prefix("(counting) ");
    let progress = Progress { bar };
    let opts = Options {
        roots: a.dirs.clone(),
        output: a.output.clone(),
        threads: a.threads,
        force: a.force,
        dynamic: a.dynamic.clone(),
    };
    let t0 = Instant::now();
    let s = mer_catalog::run(&opts, &predictor, &a.model, &progress)?;
    progress.bar.finish_and_clear();
    let secs = t0.elapsed().as_secs_f64();
    let rate = if secs > 0.0 {
        s.written as f64 / secs
    } else {
        0.0
    };
    eprintln!(
        "mer catalog: {}: {} files catalogued in {secs:.1} s ({rate:.2} files/s), {} errors, \
         {} already done{}",
        a.output.display(),
        s.written,
        s.errors,
        s.skipped,
        match s.unreadable {
            0 => String::new(),
            n => format!(", {n} folders could not be read"),
        }
    );
    Ok(ExitCode::SUCCESS)
}
