//! `mer bench`: speed of the CRNN's training step and inference (see bench/model_bench.sh for
//! the comparison with PyTorch).

use std::process::ExitCode;

use mer_model::bench::{BenchOptions, run_bench};

/// `mer bench`.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Prints JSON {\"train_step_ms\", \"infer_frames_per_s\", \"params\"}:\n\
    the median step (forward + MSE + backward + Adam) and the inference throughput of a CRNN\n\
    on 40 mel inputs (conv 3x3 with F filters, BatchNorm, ReLU, max-pool 5 over frequency,\n\
    dropout, two GRU layers of H units per branch). bench/model_bench.sh runs it beside\n\
    its PyTorch twin (bench/crnn_torch.py) and prints the ratios."
)]
pub struct BenchArgs {
    /// Network: two branches (crnn) or one (crnn-nb).
    #[arg(long, default_value = "crnn", value_parser = ["crnn", "crnn-nb"])]
    model: String,
    /// Convolution filters F.
    #[arg(long, default_value_t = 32)]
    conv_filters: usize,
    /// GRU units H.
    #[arg(long, default_value_t = 32)]
    hidden: usize,
    /// Batch size.
    #[arg(long, default_value_t = 32)]
    batch: usize,
    /// Sequence length, frames.
    #[arg(long, default_value_t = 60)]
    seq: usize,
    /// Threads.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Timed steps (median reported).
    #[arg(long, default_value_t = 20)]
    steps: usize,
}

/// Runs `mer bench`.
pub fn run(a: BenchArgs) -> anyhow::Result<ExitCode> {
    let r = run_bench(&BenchOptions {
        branches: a.model == "crnn",
        conv_filters: a.conv_filters,
        hidden: a.hidden,
        batch: a.batch,
        seq: a.seq,
        threads: a.threads,
        steps: a.steps,
        ..BenchOptions::default()
    })?;
    println!("{}", serde_json::to_string(&r)?);
    Ok(ExitCode::SUCCESS)
}
