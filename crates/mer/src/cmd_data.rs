//! `mer data …`: dataset commands. `mer data check DIR --format F [--skip-bad]` reads a
//! corpus as its publisher ships it and prints a summary and every problem, one per line.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use mer_data::{Format, Split, Summary, audio_coverage, deam, load_lenient, probe_audio};

/// `mer data`.
#[derive(Debug, clap::Args)]
pub struct DataArgs {
    #[command(subcommand)]
    cmd: DataCmd,
}

#[derive(Debug, clap::Subcommand)]
enum DataCmd {
    /// Read a dataset folder and report items, labels, ranges, splits and problems.
    ///
    /// Exits 1 when the dataset cannot be used: no usable item, or problems without
    /// --skip-bad.
    Check(CheckArgs),
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// The dataset folder as unpacked from the publisher's archives (a manifest may also be
    /// given as the CSV file itself).
    dir: PathBuf,
    /// Layout to read.
    #[arg(long, value_enum)]
    format: FormatArg,
    /// Accept the dataset when some rows are bad (they are reported and left out).
    #[arg(long)]
    skip_bad: bool,
    /// Number of folds to report for the k-fold split by id hash.
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Do not open every audio file to check that it is readable audio (faster).
    #[arg(long)]
    no_probe: bool,
    /// DEAM only: the MediaEval 2015 development id list (ids separated by spaces, commas or
    /// newlines); reports the 2015 split (development vs songs 2001–2058).
    #[arg(long)]
    dev_list: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum FormatArg {
    Deam,
    Pmemo,
    #[value(name = "4q")]
    FourQ,
    Musifeast,
    Manifest,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Format {
        match f {
            FormatArg::Deam => Format::Deam,
            FormatArg::Pmemo => Format::Pmemo,
            FormatArg::FourQ => Format::FourQ,
            FormatArg::Musifeast => Format::Musifeast,
            FormatArg::Manifest => Format::Manifest,
        }
    }
}

/// Runs `mer data …`.
pub fn run(args: DataArgs) -> anyhow::Result<ExitCode> {
    match args.cmd {
        DataCmd::Check(a) => check(a),
    }
}

fn check(a: CheckArgs) -> anyhow::Result<ExitCode> {
    let format = Format::from(a.format);
    if a.dev_list.is_some() && format != Format::Deam {
        anyhow::bail!("--dev-list (the MediaEval 2015 development ids) is for --format deam");
    }
    let mut ds = load_lenient(&a.dir, format)
        .with_context(|| format!("cannot read {} as {format}", a.dir.display()))?;
    let durations = (!a.no_probe).then(|| probe_audio(&mut ds));
    println!("{}", Summary::of(&ds));
    if let Some(durations) = durations {
        let (d, past_end) = audio_coverage(&ds, &durations);
        let stated = if d.count > 0 {
            format!("{:.1}-{:.1} s as the files state", d.min, d.max)
        } else {
            "not stated".to_string()
        };
        println!(
            "audio: {} files open as audio; durations {stated}; dynamic labels past the end of the audio: {}",
            ds.items.len(),
            past_end.len()
        );
        for &i in &past_end {
            let it = &ds.items[i];
            println!(
                "note: {}: labels stamped past the end of {}",
                it.id,
                it.audio.display()
            );
        }
    }
    if !ds.items.is_empty() && a.folds >= 2 {
        let sizes: Vec<String> = (0..a.folds)
            .map(|f| Split::kfold(&ds, a.folds, f).map(|s| s.test.len().to_string()))
            .collect::<Result<_, _>>()?;
        println!(
            "k-fold (k={}, FNV-1a of id): test sizes {}",
            a.folds,
            sizes.join(", ")
        );
    }
    if let Some(list) = &a.dev_list {
        let s = deam::mediaeval2015(&ds, list)?;
        println!(
            "MediaEval 2015 split: development {}, evaluation {}",
            s.train.len(),
            s.test.len()
        );
    }
    for p in &ds.problems {
        println!("problem: {p}");
    }
    let usable = !ds.items.is_empty() && (ds.problems.is_empty() || a.skip_bad);
    if usable {
        println!("usable: yes ({} items)", ds.items.len());
        Ok(ExitCode::SUCCESS)
    } else if ds.items.is_empty() {
        println!("usable: no (no item has both audio and labels)");
        Ok(ExitCode::FAILURE)
    } else {
        println!(
            "usable: no ({} problem(s); pass --skip-bad to use the {} good items)",
            ds.problems.len(),
            ds.items.len()
        );
        Ok(ExitCode::FAILURE)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(dir: PathBuf, format: FormatArg, skip_bad: bool) -> CheckArgs {
        CheckArgs {
            dir,
            format,
            skip_bad,
            folds: 5,
            no_probe: false,
            dev_list: None,
        }
    }

    /// The exit status follows usability: a clean corpus passes, missing audio fails
    /// unless --skip-bad, a wrong format is an error.
    #[test]
    fn check_exit_status_follows_usability() {
        let Some(data) = mer_audio::testdata::shared_data() else {
            return;
        };
        let ok = check(args(data.join("4q"), FormatArg::FourQ, false)).unwrap();
        assert_eq!(ok, ExitCode::SUCCESS);
        let deam = || args(data.join("deam-sample"), FormatArg::Deam, false);
        assert_eq!(check(deam()).unwrap(), ExitCode::FAILURE);
        let skip = CheckArgs {
            skip_bad: true,
            ..deam()
        };
        assert_eq!(check(skip).unwrap(), ExitCode::SUCCESS);
        assert!(check(args(data.join("4q"), FormatArg::Musifeast, false)).is_err());
        let wrong = CheckArgs {
            dev_list: Some(data.join("README.md")),
            ..args(data.join("4q"), FormatArg::FourQ, false)
        };
        assert!(check(wrong).is_err());
    }
}
