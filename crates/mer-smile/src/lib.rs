//! openSMILE-compatible descriptors in pure Rust: the 65 ComParE low-level descriptors
//! (LLDs) and the 260-value MediaEval 2015 / DEAM feature set built from them.
//!
//! - [`compare_llds`]: samples → 65 smoothed LLDs + 65 deltas every 10 ms ([`CompareLlds`]).
//! - [`mediaeval260`]: those → mean and std over 1 s windows every 0.5 s, named as DEAM's
//!   `features/<id>.csv` ([`DEAM_HEADER`]).
//! - [`compute_kind`] / [`compute_file`]: a named table ([`SmileKind`]) for the CLI.
//! - [`write_table`]: `;`-separated CSV (`frameTime` first) or `.npy`.
//!
//! Two openSMILE configurations ([`Config`]): `ComParE_2016` (the default) and `IS13_ComParE`,
//! the one DEAM's shipped features were made with (they differ in jitter and shimmer only;
//! `mer features --kind mediaeval260-is13`). How both compare with DEAM's own feature files,
//! setting by setting and column by column, is in the crate's `REPORT.md`.
//!
//! Validation: `cargo test --release -p mer-smile --test reference -- --nocapture` prints the
//! Pearson r and relative error of every LLD and delta against openSMILE 2.6.0 (`ComParE_2016`,
//! fixtures from `scripts/smile_reference.sh`; `IS13_ComParE`, from
//! `scripts/smile_reference_is13.sh`); `--test deam_levels` compares with DEAM's features;
//! speed: `bash bench/smile_bench.sh`.
//! Known differences: openSMILE emits one more LLD frame at the end of the input (its
//! end-of-input flush) and two more delta frames; on long inputs about 1 % of frames take a
//! different Viterbi F0 path (F0 r ≈ 0.998 over a 45 s clip).
//!
//! Modules, one pipeline stage per file: `frame` (framing, windows, FFT), `lld::*` (one
//! descriptor family each), `contour` (smoothing, deltas), `compare` (the ComParE set),
//! `mediaeval` (functionals, DEAM names), `table` (output).

// DSP loops index several arrays by bin/frame exactly as openSMILE's C++ does, so that each
// can be checked line by line against its source; iterator rewrites would hide that.
#![allow(clippy::needless_range_loop)]

mod compare;
mod config;
mod contour;
mod error;
mod frame;
mod kind;
mod lld;
mod mediaeval;
mod table;

pub use compare::{
    CompareLlds, LLD_NAMES, Llds, N_LLD, compare_llds, compare_llds_with, delta_name,
};
pub use config::Config;
pub use error::SmileError;
pub use frame::Framing;
pub use kind::{
    SmileKind, compute_file, compute_file_with, compute_kind, compute_kind_with, pcm16_as_opensmile,
};
pub use mediaeval::{DEAM_HEADER, Functionals, N_MEDIAEVAL, mediaeval260};
pub use table::{Table, write_table, write_table_with};
