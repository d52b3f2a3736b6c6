//! mer-experiment: the studies of a paper from one experiment file.
//!
//! - [`Experiment`] ([`spec`](mod@spec)): the file — datasets, protocol, models × sequence
//!   lengths × feature sets × seeds, training settings, what `--quick` changes;
//! - [`protocol`]: the splits — MediaEval 2015 on DEAM, k-fold by song id ([`cv_folds`]),
//!   holdout from a list;
//! - [`run_experiment`] ([`runner`]): every pending run trained and evaluated, each stored at
//!   once ([`RunStore`], `runs/<key>.json`, atomic), finished runs skipped on a re-run,
//!   failing runs recorded with their error;
//! - [`summary`]: per seed the folds pooled (MediaEval 2015 metrics), mean ± sd over seeds;
//! - [`write_report`] ([`report`], [`figures`]): `report.md`, a self-contained `report.html`
//!   with SVG figures, `summary.csv`, `runs.csv`, `runs.json`.
//!
//! Features come from the caller through [`ClipSource`] (`mer` computes or reads them).

mod error;
pub mod figures;
pub mod protocol;
pub mod report;
pub mod runner;
pub mod runs;
pub mod spec;
pub mod summary;

pub use error::{Error, Result};
pub use protocol::{Fold, cv_folds};
pub use report::{ReportInfo, write_report};
pub use runner::{ClipSource, LoadedClips, RunOptions, RunSummary, run_experiment};
pub use runs::{RunKey, RunRecord, RunStatus, RunStore};
pub use spec::{Experiment, Overrides, ProtocolKind, TrainSettings};
