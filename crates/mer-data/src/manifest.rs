//! Plain CSV manifests, for any collection the other readers do not know.
//!
//! - **Static**: header `path,arousal,valence[,arousal_std,valence_std]`, one row per clip.
//! - **Dynamic** (long format): header `path,time_s,arousal,valence`, one row per value;
//!   each clip's stamps must be evenly spaced (their spacing is the hop, the first is
//!   `start_s`, see [`crate::DynamicAV`] for the window a stamp describes).
//!
//! Values are on [-1, 1]. `path` is relative to the manifest's folder (or absolute) and is
//! the item id. The dataset folder may be a manifest file itself, or a folder whose `.csv`
//! files (not below it) are read as manifests when their header is one of the above; a clip
//! in both gets both label kinds.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::series::{LongRow, group_long};
use crate::table::{Problems, SeenIds, Table, parse_label, parse_number, parse_std};
use crate::{DataError, Dataset, DynamicAV, Format, Item, Labels, ProblemKind, Scale, StaticAV};

const SCALE: Scale = Scale::MinusOneToOne;

/// Reads a manifest file, or every manifest CSV directly in a folder.
pub fn load(root: &Path) -> Result<Dataset, DataError> {
    let (base, csvs) = if root.is_file() {
        let base = root.parent().unwrap_or(Path::new(".")).to_path_buf();
        (base, vec![root.to_path_buf()])
    } else if root.is_dir() {
        let rd = std::fs::read_dir(root).map_err(|e| DataError::io(root, e))?;
        let mut v: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")))
            .collect();
        v.sort();
        (root.to_path_buf(), v)
    } else {
        return Err(DataError::NotADir(root.to_path_buf()));
    };
    let mut problems = Vec::new();
    let mut order: Vec<(String, PathBuf, u64)> = Vec::new();
    let mut labels: HashMap<String, Labels> = HashMap::new();
    let mut first_header_error = None;
    let mut any = false;
    for csv in &csvs {
        let t = Table::read(csv, b',')?;
        let entries = if t.column("time_s").is_some() {
            read_dynamic(&t, &mut problems)?
        } else {
            match read_static(&t, &mut problems) {
                Ok(e) => e,
                Err(e) => {
                    first_header_error.get_or_insert(e);
                    continue;
                }
            }
        };
        any = true;
        for (id, line, l) in entries {
            let slot = labels.entry(id.clone()).or_insert_with(|| {
                order.push((id, csv.clone(), line));
                Labels::default()
            });
            slot.dynamic = l.dynamic.or(slot.dynamic.take());
            slot.static_av = l.static_av.or(slot.static_av);
        }
    }
    if !any {
        return Err(first_header_error.unwrap_or_else(|| DataError::NotFound {
            root: root.to_path_buf(),
            what: "manifest CSV".into(),
            looked_for: "path,arousal,valence or path,time_s,arousal,valence".into(),
        }));
    }
    let mut items = Vec::with_capacity(order.len());
    let mut pr = Problems {
        list: &mut problems,
    };
    for (id, file, line) in order {
        let audio = base.join(&id);
        if !audio.is_file() {
            pr.push(
                &file,
                Some(line),
                Some(&id),
                ProblemKind::MissingAudio(audio),
            );
            continue;
        }
        let l = labels.remove(&id).unwrap_or_default();
        items.push(Item {
            id,
            audio,
            labels: l,
            features: None,
            subset: None,
        });
    }
    Ok(Dataset {
        name: "manifest".into(),
        format: Format::Manifest,
        root: root.to_path_buf(),
        items,
        problems,
    })
}

type Entries = Vec<(String, u64, Labels)>;

fn read_static(t: &Table, problems: &mut Vec<crate::Problem>) -> Result<Entries, DataError> {
    let c = t.columns(&["path", "arousal", "valence"])?;
    let std_cols = (t.column("arousal_std"), t.column("valence_std"));
    let mut seen = SeenIds::default();
    let mut pr = Problems { list: problems };
    let mut out = Vec::with_capacity(t.rows.len());
    for (line, row) in &t.rows {
        let id = Table::cell(row, c[0]).to_string();
        if id.is_empty() {
            let kind = ProblemKind::BadRow("empty path".into());
            pr.push(&t.path, Some(*line), None, kind);
            continue;
        }
        if !seen.first(&id) {
            pr.push(&t.path, Some(*line), Some(&id), ProblemKind::DuplicateId);
            continue;
        }
        let opt_std = |col: Option<usize>, name: &str| -> Result<Option<f32>, ProblemKind> {
            match col.map(|c| Table::cell(row, c)) {
                None | Some("") => Ok(None),
                Some(cell) => parse_std(cell, name).map(Some),
            }
        };
        let parsed = (|| -> Result<StaticAV, ProblemKind> {
            Ok(StaticAV {
                arousal: parse_label(Table::cell(row, c[1]), "arousal", SCALE)?,
                valence: parse_label(Table::cell(row, c[2]), "valence", SCALE)?,
                arousal_std: opt_std(std_cols.0, "arousal_std")?,
                valence_std: opt_std(std_cols.1, "valence_std")?,
                scale: SCALE,
            })
        })();
        match parsed {
            Ok(s) => out.push((
                id,
                *line,
                Labels {
                    static_av: Some(s),
                    ..Labels::default()
                },
            )),
            Err(kind) => pr.push(&t.path, Some(*line), Some(&id), kind),
        }
    }
    Ok(out)
}

fn read_dynamic(t: &Table, problems: &mut Vec<crate::Problem>) -> Result<Entries, DataError> {
    let c = t.columns(&["path", "time_s", "arousal", "valence"])?;
    let mut rows = Vec::with_capacity(t.rows.len());
    let mut bad = std::collections::HashSet::new();
    {
        let mut pr = Problems { list: problems };
        for (line, row) in &t.rows {
            let id = Table::cell(row, c[0]).to_string();
            let parsed = parse_number(Table::cell(row, c[1]), "time_s").and_then(|time| {
                let a = parse_label(Table::cell(row, c[2]), "arousal", SCALE)?;
                let v = parse_label(Table::cell(row, c[3]), "valence", SCALE)?;
                Ok((time, a, v))
            });
            match parsed {
                Ok((time_s, a, v)) => rows.push(LongRow {
                    line: *line,
                    id,
                    time_s,
                    a,
                    v,
                }),
                Err(kind) => {
                    pr.push(&t.path, Some(*line), Some(&id), kind);
                    bad.insert(id);
                }
            }
        }
    }
    // A clip with a bad row is dropped whole: a hole would shift every later frame.
    rows.retain(|r| !bad.contains(&r.id));
    Ok(group_long(&t.path, rows, 0.5, problems)
        .into_iter()
        .map(|(id, g)| {
            let dynamic = DynamicAV {
                start_s: g.start_s,
                hop_s: g.hop_s,
                arousal: g.a,
                valence: g.v,
                arousal_std: None,
                valence_std: None,
                scale: SCALE,
            };
            (
                id,
                g.line,
                Labels {
                    dynamic: Some(dynamic),
                    ..Labels::default()
                },
            )
        })
        .collect())
}
