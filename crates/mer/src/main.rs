//! `mer`: music emotion recognition from the command line.
//!
//! The CLI is thin: parse, resolve, call the libraries (`mer-audio` → `mer-features` →
//! `mer-model` → output). Each subcommand lives in its own `cmd_*.rs`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod batch;
mod cmd_bench;
mod cmd_catalog;
mod cmd_data;
mod cmd_eval;
mod cmd_experiment;
mod cmd_features;
mod cmd_predict;
mod cmd_serve;
mod cmd_train;

/// Music emotion recognition: arousal (calm ↔ energetic) and valence (negative ↔ positive)
/// on [-1, 1], every 0.5 s and per track (Malik et al., SMC 2017, and beyond).
#[derive(Debug, Parser)]
#[command(
    name = "mer",
    version,
    about,
    after_help = "Examples:\n  \
        mer features examples/dd-groove.mp3 --kind logmel --rate 2hz -o dd-groove.npy\n  \
        mer data check ../shared/data/4q --format 4q"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Compute features (log-mel, …) of audio files and write them as .npy or .csv.
    Features(cmd_features::FeaturesArgs),
    /// Read and check datasets as their publishers ship them.
    Data(cmd_data::DataArgs),
    /// Predict arousal and valence of audio files (embedded default model, no download).
    Predict(cmd_predict::PredictArgs),
    /// Train a model (CRNN, CRNN_NB, …) on one or more datasets; writes one model file.
    Train(cmd_train::TrainArgs),
    /// Evaluate: k-fold cross-validation in one command, or a model file on a dataset.
    Eval(cmd_eval::EvalArgs),
    /// Run an experiment file (models × sequence lengths); writes results/NAME/.
    Experiment(cmd_experiment::ExperimentArgs),
    /// Speed of the CRNN's training step and inference (JSON).
    Bench(cmd_bench::BenchArgs),
    /// Catalogue folder trees into one CSV/JSONL/Parquet table (resumable, kill -9 safe).
    Catalog(cmd_catalog::CatalogArgs),
    /// A local web page: hear a song while its arousal and valence move; browse DIR.
    Serve(cmd_serve::ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.cmd {
        Cmd::Features(a) => cmd_features::run(a),
        Cmd::Data(a) => cmd_data::run(a),
        Cmd::Predict(a) => cmd_predict::run(a),
        Cmd::Train(a) => cmd_train::run(a),
        Cmd::Eval(a) => cmd_eval::run(a),
        Cmd::Experiment(a) => cmd_experiment::run(a),
        Cmd::Bench(a) => cmd_bench::run(a),
        Cmd::Serve(a) => cmd_serve::run(a),
        Cmd::Catalog(a) => cmd_catalog::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // One line: the error and its causes, joined by ": ".
            eprintln!("mer: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
