//! `mer serve [DIR...]`: a local web page to hear a song while its arousal and valence move,
//! and to browse the tracks under DIR (or a catalog of them). The server is `mer-serve`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use mer_predict::ModelChoice;
use mer_serve::engine::Limits;
use mer_serve::{App, ServeConfig};

/// Arguments of `mer serve`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    mer serve examples/\n  \
    mer serve music/ --catalog music.parquet   (made by mer catalog music/ -o music.parquet)\n  \
    mer serve --addr 127.0.0.1:9000            (upload only)")]
pub struct ServeArgs {
    /// Directories whose audio files the page lists and plays (nothing else is served).
    pub dirs: Vec<PathBuf>,
    /// Values from a catalog of those directories (`mer catalog` output: .csv, .jsonl or
    /// .parquet; or `mer predict --format csv|json` output).
    #[arg(long)]
    pub catalog: Option<PathBuf>,
    /// Address to listen on (loopback by default; port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// `default`, `fast`, or a model file written by `mer train`.
    #[arg(long, default_value = "default")]
    pub model: String,
    /// Predictions running at once (0 = cores, at most 4).
    #[arg(long, default_value_t = 0)]
    pub workers: usize,
    /// Prediction requests waiting beyond those (more get 503 "busy").
    #[arg(long, default_value_t = 32)]
    pub queue: usize,
    /// Predictions kept in memory.
    #[arg(long, default_value_t = 256)]
    pub cache: usize,
    /// Largest upload, MiB.
    #[arg(long, default_value_t = 512)]
    pub max_upload_mb: u64,
}

/// Runs `mer serve` until Ctrl-C.
pub fn run(a: ServeArgs) -> anyhow::Result<ExitCode> {
    let defaults = ServeConfig::default();
    let config = ServeConfig {
        dirs: a.dirs.clone(),
        catalog: a.catalog.clone(),
        model: ModelChoice::parse(&a.model),
        model_name: a.model.clone(),
        limits: Limits {
            workers: if a.workers == 0 {
                defaults.limits.workers
            } else {
                a.workers
            },
            queue: a.queue,
            cache: a.cache,
        },
        upload_limit: a.max_upload_mb.saturating_mul(1 << 20),
        upload_dir: None,
    };
    let app = App::new(config)?;
    let (skipped, first) = &app.catalog_skipped;
    if let (Some(cat), Some((line, why))) = (&a.catalog, first) {
        eprintln!(
            "mer: warning: {}: skipped {skipped} malformed rows (first: line {line}: {why})",
            cat.display()
        );
    }
    let lib = &app.state().library;
    if lib.unmatched_rows > 0 {
        eprintln!(
            "mer: warning: {} catalog rows name no file under {:?}",
            lib.unmatched_rows, a.dirs
        );
    }
    for e in &lib.walk_errors {
        eprintln!("mer: warning: {e}");
    }
    if lib.links_outside > 0 {
        eprintln!(
            "mer: warning: {} audio files reached through links leading out of {:?} are not \
             served",
            lib.links_outside, a.dirs
        );
    }
    let (n, analyzed) = (lib.tracks().len(), lib.analyzed());
    if !a.addr.ip().is_loopback() {
        eprintln!(
            "mer: warning: listening on {}: other machines can reach this server and play \
             the files under {:?}",
            a.addr, a.dirs
        );
    }
    mer_serve::run(app, a.addr, |addr| {
        let what = if a.dirs.is_empty() {
            "no DIR: upload only".to_string()
        } else {
            let s = if n == 1 { "" } else { "s" };
            format!("{n} track{s}, {analyzed} with values")
        };
        // The first line of stdout is the address (scripts and tests read it).
        println!("mer serve: http://{addr}/ ({what}; Ctrl-C stops)");
        let _ = std::io::stdout().flush();
    })
    .context("serving")?;
    Ok(ExitCode::SUCCESS)
}
