//! mer-catalog: arousal and valence of every audio file under folder trees, into one catalog
//! (`mer catalog DIR... -o OUT`), resumable after Ctrl-C, a crash or `kill -9`.
//!
//! ```text
//! DIR... ─► walk (mer_audio::walk, streaming, sorted; audio by extension or content)
//!        ─► skip files already in the catalog (key: path + size + mtime)
//!        ─► predict on a rayon pool (mer_predict::Predictor, one per run, shared)
//!        ─► one row per file, appended as it finishes ─► OUT (.csv | .jsonl | .parquet)
//!                                                   └─► --dynamic DIR: one .npy per file
//! ```
//!
//! - [`run`] with [`Options`] and an [`Observer`] (progress); [`Summary`] of what it did.
//! - [`Row`] and [`COLUMNS`]: the catalog's columns. [`Store`]: an open catalog (created, or
//!   reopened, repaired and indexed for resuming). [`for_each_row`]: read any catalog back.
//! - [`CatalogError`]: the crate's one error type. One bad audio file is never an error: it is
//!   a row whose `error` says why.
//!
//! # Columns
//!
//! The same columns, in this order, in every format (readers such as the Python/Ray side
//! rely on the names and types):
//!
//! | column | Parquet (Arrow) type | CSV / JSON Lines | meaning |
//! |---|---|---|---|
//! | `path` | utf8, not null | text | the file, relative to the DIR it was found in (one DIR given); with several DIRs, or a file given, the DIR as given joined with that |
//! | `duration_s` | float64 | number; empty / `null` on error | seconds of audio |
//! | `arousal` | float32 | number; empty / `null` on error | song-level arousal on [-1, 1] (mean of the 2 Hz series) |
//! | `valence` | float32 | number; empty / `null` on error | song-level valence on [-1, 1] |
//! | `quadrant` | uint8 | integer 1–4; empty / `null` on error | Russell quadrant: 1 A+V+, 2 A+V−, 3 A−V−, 4 A−V+ |
//! | `confidence` | float32 | number; empty / `null` on error | [0, 1]: the quadrant head's calibrated probability of `quadrant` (`default`); for models without a head (`fast`), the share of the 0.5 s frames in the song's quadrant |
//! | `model` | utf8, not null | text | `default`, `fast`, or the model file as given |
//! | `error` | utf8, not null | text | why the file has no values (one line naming it); empty when it worked |
//! | `size` | int64 | integer | file size in bytes when catalogued (resume key); null if it could not be stat'ed |
//! | `mtime` | int64 | integer | modification time, nanoseconds since the Unix epoch (resume key); null likewise |
//!
//! Values are on [-1, 1] at full precision (no rounding). Floats in CSV/JSON are written as
//! the shortest text that reads back to the same float.
//!
//! # Resuming
//!
//! Run the same command again after Ctrl-C, a crash or `kill -9`: a file whose path, size and
//! mtime match a row is not redone; a file that changed is redone and its old row dropped; a
//! file that is gone keeps its row. Every row is on disk (written to the OS) before the next
//! is taken, so a `kill -9` loses no finished file; a power cut can lose the last rows (they
//! are redone). The model must be the one the catalog was made with (else the run is refused:
//! use another output, or `force` to start over). An existing output that this crate did not
//! write is refused unless `force` ([`mer_io`]'s convention); resuming is not overwriting.
//!
//! - **CSV / JSON Lines**: rows are appended and flushed one by one. A half-written last row
//!   (the only thing a crash can leave) is cut off on reopening: the file is truncated after
//!   the last complete row — one that ends with a newline, parses, and (CSV, whose quoted
//!   fields may hold newlines) reads back as the very bytes the writer writes for it.
//! - **Parquet**: `OUT.parquet` is a *folder* of part files, the layout Spark, pyarrow, pandas,
//!   Polars, DuckDB and Ray read as one table (`pandas.read_parquet("OUT.parquet")`,
//!   `ray.data.read_parquet("OUT.parquet")`, DuckDB `'OUT.parquet/*.parquet'`). Each part
//!   `part-NNNNNN.parquet` (one row group, at most [`PART_ROWS`] rows, snappy) is written
//!   atomically through [`mer_io::AtomicFile`] once full, or after [`PART_SECS`], or at the
//!   end of the run. Until then its rows are journalled, one flushed line each, in
//!   `_journal-NNNNNN.jsonl`; reopening turns a journal into its part (or drops it when the
//!   part was committed just before the crash). `_mer_catalog.json` marks the folder as a
//!   catalog. Readers skip names starting with `_` and `.` (journals, the marker, temporary
//!   files), so they see only committed parts.
//!
//! # Memory
//!
//! Bounded whatever the library size: the walk streams (one folder's listing at a time), rows
//! go to disk as they finish (Parquet: at most one part, [`PART_ROWS`] rows, in memory), and
//! the resume index holds 16 bytes per finished file (16 MB for 10⁶ files), not the rows.
//!
//! # Series (`--dynamic DIR`)
//!
//! Each file's 2 Hz series is written atomically (mer-io) as a float32 `.npy` of shape
//! `[frames, 2]` (columns arousal, valence; frame `k` covers `[0.5k, 0.5k + 0.5)` s) at
//! [`series_path`]: `DIR/` + the row's path + `.npy`. It is written before the row, so a row
//! means its series is there.

mod error;
mod lines;
mod parquet_part;
mod row;
mod run;
mod store;

pub use error::{CatalogError, Result};
pub use row::{COLUMNS, Key, Row, schema, stat};
pub use run::{Observer, Options, Summary, run, series_path};
pub use store::{Format, Index, MARKER, PART_ROWS, PART_SECS, Resumed, Store, for_each_row};
