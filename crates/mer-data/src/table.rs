//! Small CSV helpers shared by the readers: read a whole table with line numbers, find the
//! publisher's columns by name, parse numeric cells into problems instead of panics.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use crate::{DataError, Problem, ProblemKind, Scale};

/// A CSV file read whole: its cleaned header and its rows, each with its 1-based line number.
pub(crate) struct Table {
    pub path: PathBuf,
    pub header: Vec<String>,
    pub rows: Vec<(u64, Vec<String>)>,
}

/// `s` on one line: line breaks and other control characters escaped (`\n`), so a message
/// that quotes a file's text (a quoted field may hold a newline) stays one line.
pub(crate) fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Strips the padding some publishers put around fields (emoMusic pads with tabs inside the
/// quotes), and a UTF-8 byte-order mark.
pub(crate) fn clean(s: &str) -> &str {
    s.trim_start_matches('\u{feff}')
        .trim_matches(|c: char| c.is_whitespace() || c == '"')
}

impl Table {
    /// Reads `path` with the given delimiter. Rows may have any number of fields (DEAM's
    /// full-length songs leave trailing cells empty); the readers check what they need.
    pub fn read(path: &Path, delimiter: u8) -> Result<Table, DataError> {
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_path(path)
            .map_err(|e| csv_err(path, e))?;
        let mut header = None;
        let mut rows = Vec::new();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| csv_err(path, e))?;
            let line = rec.position().map_or(0, |p| p.line());
            let fields: Vec<String> = rec.iter().map(|f| clean(f).to_string()).collect();
            if header.is_none() {
                header = Some(fields);
            } else if !(fields.iter().all(|f| f.is_empty())) {
                rows.push((line, fields));
            }
        }
        let header = header.ok_or_else(|| DataError::BadHeader {
            path: path.to_path_buf(),
            line: 1,
            message: "empty file".into(),
        })?;
        Ok(Table {
            path: path.to_path_buf(),
            header,
            rows,
        })
    }

    /// Index of each `wanted` column (matched case-insensitively after trimming), or a
    /// [`DataError::BadHeader`] naming the first missing one and guessing a wrong delimiter.
    pub fn columns(&self, wanted: &[&str]) -> Result<Vec<usize>, DataError> {
        wanted
            .iter()
            .map(|w| self.column(w).ok_or_else(|| self.bad_header(w)))
            .collect()
    }

    /// Index of one column, if present.
    pub fn column(&self, wanted: &str) -> Option<usize> {
        self.header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(wanted))
    }

    fn bad_header(&self, missing: &str) -> DataError {
        let found = self.header.join(",");
        let hint = if self.header.len() == 1 && (found.contains(';') || found.contains('\t')) {
            " (wrong delimiter?)"
        } else {
            ""
        };
        let shown = one_line(&found.chars().take(120).collect::<String>());
        DataError::BadHeader {
            path: self.path.clone(),
            line: 1,
            message: format!("expected a column `{missing}`, found `{shown}`{hint}"),
        }
    }

    /// The cell `col` of a row, or "" when the row is short.
    pub fn cell(row: &[String], col: usize) -> &str {
        row.get(col).map_or("", String::as_str)
    }
}

fn csv_err(path: &Path, e: csv::Error) -> DataError {
    let line = e.position().map_or(0, |p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(source) => DataError::io(path, source),
        other => DataError::Parse {
            path: path.to_path_buf(),
            line,
            message: format!("{other:?}"),
        },
    }
}

/// Collects problems for one file.
pub(crate) struct Problems<'a> {
    pub list: &'a mut Vec<Problem>,
}

impl Problems<'_> {
    pub fn push(&mut self, file: &Path, line: Option<u64>, id: Option<&str>, kind: ProblemKind) {
        self.list.push(Problem {
            file: file.to_path_buf(),
            line,
            id: id.map(str::to_string),
            kind,
        });
    }
}

/// Parses a label cell on `scale`: a problem (and `None`) when it is not a finite number or
/// is outside the scale.
pub(crate) fn parse_label(text: &str, column: &str, scale: Scale) -> Result<f32, ProblemKind> {
    let v = parse_number(text, column)?;
    if !scale.contains(v) {
        return Err(ProblemKind::OutOfRange {
            column: column.to_string(),
            value: v,
            scale,
        });
    }
    Ok(v)
}

/// Parses a standard deviation: finite and ≥ 0.
pub(crate) fn parse_std(text: &str, column: &str) -> Result<f32, ProblemKind> {
    let v = parse_number(text, column)?;
    if v < 0.0 {
        return Err(ProblemKind::OutOfRange {
            column: column.to_string(),
            value: v,
            scale: Scale::MinusOneToOne,
        });
    }
    Ok(v)
}

/// A finite number, or [`ProblemKind::NotANumber`].
pub(crate) fn parse_number(text: &str, column: &str) -> Result<f32, ProblemKind> {
    let t = clean(text);
    match t.parse::<f32>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(ProblemKind::NotANumber {
            column: column.to_string(),
            value: t.to_string(),
        }),
    }
}

/// Remembers ids already seen, to report duplicates.
#[derive(Default)]
pub(crate) struct SeenIds(HashSet<String>);

impl SeenIds {
    /// `true` the first time an id is seen.
    pub fn first(&mut self, id: &str) -> bool {
        self.0.insert(id.to_string())
    }
}

/// For a file the labels can do without (spreads, song info, a second static file): a read
/// error becomes a problem naming the file and line, and `None`, so the rest still loads.
pub(crate) fn soften<T>(r: Result<T, DataError>, problems: &mut Vec<Problem>) -> Option<T> {
    let e = match r {
        Ok(t) => return Some(t),
        Err(e) => e,
    };
    let (file, line, kind) = match e {
        DataError::BadHeader {
            path,
            line,
            message,
        } => (path, Some(line), ProblemKind::BadHeader(message)),
        DataError::Parse {
            path,
            line,
            message,
        } => (path, Some(line), ProblemKind::BadRow(message)),
        DataError::Io { path, source } => (path, None, ProblemKind::BadRow(source.to_string())),
        other => (PathBuf::new(), None, ProblemKind::BadRow(other.to_string())),
    };
    problems.push(Problem {
        file,
        line,
        id: None,
        kind,
    });
    None
}
