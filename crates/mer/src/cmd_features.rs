//! `mer features FILE... --kind K [--rate stft|2hz] -o OUT`: feature matrices as `.npy`/`.csv`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use mer_features::output::{write_csv, write_npy};
use mer_featureset::{FeatureSet, Frames, Input};
use mer_io::Overwrite;

use crate::batch;

/// `mer features`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    mer features song.mp3 --kind logmel -o song.npy                  # [frames, 40] at 43 Hz\n  \
    mer features song.mp3 --kind logmel --rate 2hz -o song.csv       # [frames, 40] at 2 Hz\n  \
    mer features music/ --kind logmel --rate 2hz -o feats/            # one .npy per file\n\n\
    Outputs: into a folder, each input keeps its path relative to the folder named on the\n\
    command line (music/rock/x.mp3 -> feats/rock/x.npy; a file named directly keeps its file\n\
    name); two inputs that would write one file are refused before any work. An existing\n\
    output is not overwritten without --force (checked before any work). Files are written\n\
    atomically (temporary file, fsync, rename): a reader never sees half a file.\n\n\
    Log-mel = ln(mel power + 1e-10), librosa's melspectrogram defaults at 44.1 kHz:\n\
    n_fft 2048, hop 1024, 40 Slaney bands, periodic Hann, centred zero-padded frames.\n\
    2 Hz frame k = mean of the STFT frames centred in [0.5k, 0.5k+0.5) s.")]
pub struct FeaturesArgs {
    /// Audio files or folders (searched recursively for audio files).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Which features: `logmel` (40 bands, STFT rate or 2 Hz, at --sample-rate), `smile-lld`
    /// (65 openSMILE LLDs every 10 ms), or any set of the feature-set registry (2 Hz; the
    /// names `mer train --features` takes: musicnn, musicnn-mtt, vgg-msd, vgg-mtt, logmel96,
    /// logmel-10k, mediaeval260, mediaeval260-is13, …).
    #[arg(long, default_value = "logmel", value_parser = kind_arg())]
    kind: Kind,
    /// Frame rate of the output: the STFT's (hop 1024 at 44.1 kHz) or 2 Hz (0.5 s frames).
    #[arg(long, value_enum, default_value_t = Rate::Stft)]
    rate: Rate,
    /// Output: a file (.npy or .csv) for one input, or a folder for several.
    #[arg(short, long)]
    output: PathBuf,
    /// Output format when writing into a folder (a file's extension decides otherwise).
    #[arg(long, value_enum, default_value_t = Format::Npy)]
    format: Format,
    /// Analysis sample rate, Hz, 8000–192000 (audio is resampled to it).
    #[arg(long, default_value_t = 44_100,
          value_parser = clap::value_parser!(u32).range(8_000..=192_000))]
    sample_rate: u32,
    /// Worker threads (0 = all cores; at most 1024).
    #[arg(long, default_value_t = 0,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=1024))]
    threads: usize,
    /// Overwrite output files that exist (without it, mer refuses before any work).
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// 40 log mel-band energies (Malik et al. 2017) at --sample-rate, STFT rate or 2 Hz.
    Logmel,
    /// The 65 openSMILE ComParE LLDs every 10 ms (mer-smile; `;` CSV, openSMILE names).
    SmileLld,
    /// A set of the registry (2 Hz). The mediaeval260 sets keep openSMILE's table layout
    /// (DEAM's CSV header) and --sample-rate.
    Set(FeatureSet),
}

/// `logmel`, `smile-lld`, or a registry name (`logmel` is the 40-band log-mel above, which at
/// 2 Hz and 44.1 kHz is the registry's `logmel`).
fn kind_arg() -> impl clap::builder::TypedValueParser<Value = Kind> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    let mut values = vec![
        PossibleValue::new("logmel").help("40 log-mel bands (Malik et al. 2017)"),
        PossibleValue::new("smile-lld").help("65 openSMILE ComParE LLDs every 10 ms"),
    ];
    values.extend(
        FeatureSet::EVERY
            .into_iter()
            .filter(|k| k.from_audio() && k.cli_name() != "logmel")
            .map(|k| PossibleValue::new(k.cli_name()).help(k.help())),
    );
    PossibleValuesParser::new(values).try_map(|s| match s.as_str() {
        "logmel" => Ok(Kind::Logmel),
        "smile-lld" => Ok(Kind::SmileLld),
        other => other.parse::<FeatureSet>().map(Kind::Set),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Rate {
    /// One frame per STFT hop (1024 samples at 44.1 kHz ≈ 43 Hz).
    Stft,
    /// One frame per 0.5 s (DEAM's annotation rate).
    #[value(name = "2hz")]
    TwoHz,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Npy,
    Csv,
}

fn compute(
    path: &Path,
    args: &FeaturesArgs,
    extractor: &mer_featureset::Extractor,
) -> anyhow::Result<Frames> {
    let input = Input::File(path);
    Ok(match args.kind {
        Kind::Logmel => mer_featureset::log_mel(input, args.sample_rate, args.rate == Rate::TwoHz)?,
        Kind::SmileLld => mer_featureset::smile_lld(input, args.sample_rate)?,
        Kind::Set(set) => {
            if set.smile_config().is_none() && args.rate != Rate::TwoHz {
                bail!("--kind {set} gives 2 Hz frames only: add --rate 2hz");
            }
            extractor.frames(set, input, args.sample_rate)?
        }
    })
}

fn write(path: &Path, c: &Frames, format: Format, overwrite: Overwrite) -> anyhow::Result<()> {
    if let Some(t) = &c.smile {
        let path = path.with_extension(match format {
            Format::Npy => "npy",
            Format::Csv => "csv",
        });
        return Ok(mer_smile::write_table_with(t, &path, overwrite)?);
    }
    match format {
        Format::Npy => write_npy(path, &c.features, overwrite)?,
        Format::Csv => write_csv(path, &c.features, &c.names, c.hop_s, ',', overwrite)?,
    }
    Ok(())
}

fn format_of(path: &Path) -> Option<Format> {
    match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
        "npy" => Some(Format::Npy),
        "csv" => Some(Format::Csv),
        _ => None,
    }
}

/// Runs `mer features`.
pub fn run(args: FeaturesArgs) -> anyhow::Result<ExitCode> {
    let (inputs, unreadable) = batch::expand_inputs(&args.inputs);
    if inputs.is_empty() {
        let names: Vec<String> = args
            .inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        bail!("{}: no audio files found", names.join(", "));
    }
    let single_file = inputs.len() == 1 && args.inputs.len() == 1 && !args.inputs[0].is_dir();
    let to_file = single_file && format_of(&args.output).is_some();
    let ext = match args.format {
        Format::Npy => "npy",
        Format::Csv => "csv",
    };
    // Every output is decided (and checked) before any work.
    let (outputs, format) = if to_file {
        if !args.force {
            batch::refuse_existing([&args.output])?;
        }
        let format = format_of(&args.output).unwrap_or(args.format);
        (vec![args.output.clone()], format)
    } else {
        let outputs = batch::plan_outputs(&inputs, &args.output, ext, args.force)?;
        std::fs::create_dir_all(&args.output)
            .with_context(|| format!("{}: cannot create output folder", args.output.display()))?;
        (outputs, args.format)
    };
    let output_of: HashMap<&Path, &Path> = inputs
        .iter()
        .zip(&outputs)
        .map(|(i, o)| (i.path.as_path(), o.as_path()))
        .collect();
    let overwrite = Overwrite::from_force(args.force);
    let paths: Vec<PathBuf> = inputs.iter().map(|i| i.path.clone()).collect();
    // One extractor (each musicnn network loaded once) for all worker threads.
    let extractor = mer_featureset::Extractor::new();
    let results = batch::run_all(&paths, args.threads, |p| {
        let c = compute(p, &args, &extractor)?;
        for w in &c.warnings {
            eprintln!("mer: warning: {}: {w}", p.display());
        }
        let out = output_of[p];
        write(out, &c, format, overwrite)?;
        Ok(out.to_path_buf())
    });
    let mut failed = unreadable;
    for (p, r) in paths.iter().zip(results) {
        match r {
            Ok(out) => eprintln!("{} -> {}", p.display(), out.display()),
            Err(e) => {
                failed += 1;
                eprintln!("mer: error: {e:#}");
            }
        }
    }
    if failed > 0 {
        if paths.len() > 1 || unreadable > 0 {
            eprintln!(
                "mer: {} of {} files failed{}",
                failed - unreadable,
                paths.len(),
                match unreadable {
                    0 => String::new(),
                    n => format!(", {n} folder(s) could not be read"),
                }
            );
        }
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
