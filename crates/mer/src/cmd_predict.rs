//! `mer predict FILE...|DIR`: arousal/valence of audio files with the embedded default model
//! (or `--model fast|FILE`), as a table, JSON Lines or CSV, with optional plots.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use mer_io::Overwrite;
use mer_predict::output::{Format, StreamWriter};
use mer_predict::plot::{PlotFormat, plot_to};
use mer_predict::{Interval, ModelChoice, Predictor, Scale};

use crate::batch::{expand_inputs, plan_outputs, run_ordered};

/// Output format.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    /// Aligned table for people.
    Table,
    /// JSON Lines, one object per file.
    Json,
    /// CSV, one row per file (per 0.5 s frame with --dynamic).
    Csv,
}

/// Plot image format.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum PlotFormatArg {
    /// SVG (vector).
    Svg,
    /// PNG (1400×600).
    Png,
}

/// Arguments of `mer predict`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    mer predict song.mp3\n  \
    mer predict music/ --format json > predictions.jsonl\n  \
    mer predict song.mp3 --format csv --dynamic --scale 1..9\n  \
    mer predict song.mp3 --start 60 --end 90 --plot plots/ --plot-format png\n\n\
    Plots keep each input's path relative to the folder named on the command line\n\
    (music/rock/x.mp3 -> plots/rock/x.svg; a file named directly keeps its name); two inputs\n\
    that would write one plot are refused before any work, and an existing plot is not\n\
    overwritten without --force (checked before any work).")]
pub struct PredictArgs {
    /// Audio files or directories (searched recursively for audio files).
    #[arg(required = true)]
    pub inputs: Vec<PathBuf>,
    /// `default` (musicnn + ridge head, embedded), `fast` (log-mel CRNN, embedded),
    /// or a model file written by `mer train`.
    #[arg(long, default_value = "default")]
    pub model: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: FormatArg,
    /// CSV: one row per 0.5 s frame instead of one per file.
    #[arg(long)]
    pub dynamic: bool,
    /// Scale of the printed values: -1..1 (0 neutral), 1..9 (DEAM/SAM) or 0..1 (PMEmo).
    #[arg(long, default_value = "-1..1", allow_hyphen_values = true)]
    pub scale: String,
    /// Predict only from this second of each file.
    #[arg(long, value_parser = seconds)]
    pub start: Option<f64>,
    /// Predict only up to this second of each file (the interval's 0.5 s frames: an interval
    /// of 2 s gives 4).
    #[arg(long, value_parser = seconds)]
    pub end: Option<f64>,
    /// Write a plot per file into this directory.
    #[arg(long)]
    pub plot: Option<PathBuf>,
    /// Plot image format.
    #[arg(long, value_enum, default_value = "svg")]
    pub plot_format: PlotFormatArg,
    /// Worker threads (0 = all cores; at most 1024).
    #[arg(long, short = 'j', default_value_t = 0,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=1024))]
    pub threads: usize,
    /// Overwrite plot files that exist (without it, mer refuses before any work).
    #[arg(long)]
    pub force: bool,
    /// Run musicnn on the patch of every 0.5 s frame even when only song-level values are
    /// printed. Without it, the table and CSV without --dynamic or --plot (no series
    /// printed) let the default model compute one patch in 6 (~2x less CPU per file;
    /// song-level values within 0.061 of the full computation, mean 0.007, on the shared
    /// data: crates/mer-predict/models/REPORT.md). JSON always holds the series, so it always
    /// computes every patch.
    #[arg(long)]
    pub all_patches: bool,
}

/// Longest time accepted for `--start`/`--end`, s (a week: far beyond any audio file, small
/// enough that sample indices at any rate stay exact).
const MAX_SECONDS: f64 = 7.0 * 24.0 * 3600.0;

/// `--start`/`--end`: a finite number of seconds in `0..=MAX_SECONDS`.
fn seconds(s: &str) -> Result<f64, String> {
    let t: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a number of seconds"))?;
    if !t.is_finite() || !(0.0..=MAX_SECONDS).contains(&t) {
        return Err(format!("{s} s is outside 0..={MAX_SECONDS} s"));
    }
    Ok(t)
}

/// Runs `mer predict`; exit code 1 when any file failed (the others are still printed).
pub fn run(a: PredictArgs) -> anyhow::Result<ExitCode> {
    let scale: Scale = a.scale.parse()?;
    let interval = Interval {
        start: a.start,
        end: a.end,
    };
    interval.validate()?;
    let (inputs, unreadable) = expand_inputs(&a.inputs);
    if inputs.is_empty() {
        anyhow::bail!("no audio files found in {:?}", a.inputs);
    }
    let plot_format = match a.plot_format {
        PlotFormatArg::Svg => PlotFormat::Svg,
        PlotFormatArg::Png => PlotFormat::Png,
    };
    // Every plot's file is decided (and checked) before any work.
    let plot_of: HashMap<PathBuf, PathBuf> = match &a.plot {
        Some(dir) => inputs
            .iter()
            .map(|i| i.path.clone())
            .zip(plan_outputs(
                &inputs,
                dir,
                plot_format.extension(),
                a.force,
            )?)
            .collect(),
        None => HashMap::new(),
    };
    let overwrite = Overwrite::from_force(a.force);
    let paths: Vec<PathBuf> = inputs.into_iter().map(|i| i.path).collect();
    let choice = ModelChoice::parse(&a.model);
    let predictor =
        Predictor::load(&choice).with_context(|| format!("loading model {}", a.model))?;
    // No series printed or plotted: only the song-level values are needed.
    let static_only =
        !a.all_patches && !a.dynamic && a.plot.is_none() && !matches!(a.format, FormatArg::Json);
    let predictor = if static_only {
        predictor.static_only()
    } else {
        predictor
    };
    let format = match a.format {
        FormatArg::Table => Format::Table,
        FormatArg::Json => Format::Json,
        FormatArg::Csv => Format::Csv,
    };
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut writer = StreamWriter::new(&mut out, format, scale, a.dynamic, &names)
        .context("writing the output")?;
    let mut failed = unreadable;
    let mut write_error = None;
    // Set when stdout is gone (e.g. `| head`): the files not yet started are skipped.
    let stop = AtomicBool::new(false);
    // Rows are written (and flushed) in input order as the files finish.
    run_ordered(
        &paths,
        a.threads,
        |p| {
            if stop.load(Ordering::Relaxed) {
                anyhow::bail!("skipped: the output could not be written");
            }
            let pred = predictor.predict_file_interval(p, interval)?;
            if let Some(out) = plot_of.get(p) {
                plot_to(&pred, out, plot_format, scale, overwrite)?;
            }
            Ok(pred)
        },
        |i, r| {
            if write_error.is_some() {
                return;
            }
            if let Ok(p) = &r {
                for w in &p.warnings {
                    eprintln!("mer: warning: {}: {w}", names[i]);
                }
            }
            let row = r.map_err(|e| {
                failed += 1;
                let msg = format!("{e:#}");
                // One line per bad file, naming it (the error usually does already).
                let shown = &names[i];
                if msg.contains(shown.as_str()) {
                    eprintln!("mer: error: {msg}");
                } else {
                    eprintln!("mer: error: {shown}: {msg}");
                }
                (shown.clone(), msg)
            });
            if let Err(e) = writer.row(&row) {
                write_error = Some(e);
                stop.store(true, Ordering::Relaxed);
            }
        },
    );
    if let Some(e) = write_error {
        // The reader went away (`mer predict music/ | head`): stop quietly, as ripgrep does.
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Ok(ExitCode::SUCCESS);
        }
        return Err(e).context("writing the output");
    }
    out.flush().context("writing the output")?;
    if failed > 0 {
        eprintln!(
            "mer: {} of {} files failed{}",
            failed - unreadable,
            paths.len(),
            match unreadable {
                0 => String::new(),
                n => format!(", {n} folder(s) could not be read"),
            }
        );
        Ok(ExitCode::FAILURE)
    } else {
        Ok(ExitCode::SUCCESS)
    }
}
