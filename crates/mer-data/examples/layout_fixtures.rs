//! Writes the publisher-layout fixtures that mer-data's tests build (DEAM official download,
//! PMEmo2019, and a 4Q folder with bad rows) into a folder, so `mer data check` can be tried
//! on them:
//!
//! ```text
//! cargo run --release -p mer-data --example layout_fixtures -- /tmp/mer-fixtures
//! mer data check /tmp/mer-fixtures/deam --format deam
//! mer data check /tmp/mer-fixtures/pmemo --format pmemo
//! mer data check /tmp/mer-fixtures/bad-4q --format 4q
//! ```
//!
//! Audio is symlinked from the shared data (`MER_DATA` or `../shared/data`).

use std::path::PathBuf;
use std::process::ExitCode;

#[path = "../tests/it/fixtures.rs"]
mod fixtures;

fn main() -> ExitCode {
    let Some(out) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: layout_fixtures OUT_DIR");
        return ExitCode::FAILURE;
    };
    let Some(data) = mer_audio::testdata::shared_data() else {
        return ExitCode::FAILURE;
    };
    if out.exists() {
        eprintln!("{}: already exists; give a new folder", out.display());
        return ExitCode::FAILURE;
    }
    fixtures::build_deam(&out.join("deam"), &data);
    fixtures::build_pmemo(&out.join("pmemo"), &data);
    fixtures::build_bad_4q(&out.join("bad-4q"), &data);
    println!("wrote {}/{{deam,pmemo,bad-4q}}", out.display());
    ExitCode::SUCCESS
}
