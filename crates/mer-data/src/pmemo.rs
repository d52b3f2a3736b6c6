//! PMEmo (Zhang et al., ICMR 2018), as published in 2019 and as the 4-song sample.
//!
//! - **PMEmo2019**: `chorus/<musicId>.mp3`; `annotations/static_annotations.csv`
//!   (`musicId,Arousal(mean),Valence(mean)`), `static_annotations_std.csv`
//!   (`musicId,Arousal(std),Valence(std)`), `dynamic_annotations.csv`
//!   (`musicId,frameTime,Arousal(mean),Valence(mean)`, one row per 0.5 s from 15.5 s) and
//!   `dynamic_annotations_std.csv` (`…,Arousal(std),Valence(std)`). All on [0, 1] → 2x − 1.
//! - **Sample layout** (the shared 4-song copy): `<id>.json` beside `<id>.mp3`, each JSON an
//!   object with `id`, `arousal_mean`, `valence_mean`, `quadrant` (`"Q1 …"`) and
//!   `dynamic: {t, a, v}`; other JSON files (such as `index.json`, a list) are ignored.
//!
//! Time stamps: PMEmo's first stamp is 15.5 s and its last is at most the clip's length
//! (49.0 for a 49.1 s clip), see [`crate::DynamicAV`] for the frame a stamp maps to.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::find::{AudioIndex, find_file, walk};
use crate::series::{LongRow, group_long};
use crate::table::{Problems, SeenIds, Table, parse_label, parse_number, parse_std, soften};
use crate::{
    DataError, Dataset, DynamicAV, Format, Item, Labels, Problem, ProblemKind, Quadrant, Scale,
    StaticAV,
};

const SCALE: Scale = Scale::ZeroToOne;

/// Reads a PMEmo folder in either layout (see the module docs).
pub fn load(root: &Path) -> Result<Dataset, DataError> {
    let files = walk(root)?;
    let has_csv = |name: &str| find_file(&files, name, |_| true).is_some();
    if has_csv("static_annotations.csv") || has_csv("dynamic_annotations.csv") {
        load_2019(root, &files)
    } else {
        load_sample(root, &files)
    }
}

fn load_2019(root: &Path, files: &[PathBuf]) -> Result<Dataset, DataError> {
    let mut problems = Vec::new();
    let find = |name: &str| find_file(files, name, |_| true);
    let mut order: Vec<(String, PathBuf, u64)> = Vec::new();
    let mut statics: HashMap<String, StaticAV> = HashMap::new();
    if let Some(p) = find("static_annotations.csv") {
        let stds = match find("static_annotations_std.csv") {
            Some(sp) => {
                let r =
                    read_static_pairs(sp, ["Arousal(std)", "Valence(std)"], true, &mut problems);
                soften(r, &mut problems).unwrap_or_default()
            }
            None => Vec::new(),
        };
        let stds: HashMap<String, (f32, f32)> =
            stds.into_iter().map(|(id, _, a, v)| (id, (a, v))).collect();
        for (id, line, a, v) in
            read_static_pairs(p, ["Arousal(mean)", "Valence(mean)"], false, &mut problems)?
        {
            let std = stds.get(&id);
            order.push((id.clone(), p.clone(), line));
            statics.insert(
                id,
                StaticAV {
                    arousal: SCALE.to_unit(a),
                    valence: SCALE.to_unit(v),
                    arousal_std: std.map(|s| SCALE.std_to_unit(s.0)),
                    valence_std: std.map(|s| SCALE.std_to_unit(s.1)),
                    scale: SCALE,
                },
            );
        }
    }
    let mut dynamics: HashMap<String, DynamicAV> = HashMap::new();
    if let Some(p) = find("dynamic_annotations.csv") {
        let std_rows = find("dynamic_annotations_std.csv").and_then(|sp| {
            let r = read_dynamic(sp, ["Arousal(std)", "Valence(std)"], true, &mut problems);
            soften(r, &mut problems)
        });
        let stds: HashMap<String, (Vec<f32>, Vec<f32>)> = std_rows
            .unwrap_or_default()
            .into_iter()
            .map(|(id, g)| (id, (g.a, g.v)))
            .collect();
        for (id, g) in read_dynamic(p, ["Arousal(mean)", "Valence(mean)"], false, &mut problems)? {
            let std = stds.get(&id).filter(|s| s.0.len() == g.a.len());
            if !statics.contains_key(&id) {
                order.push((id.clone(), p.clone(), g.line));
            }
            dynamics.insert(
                id,
                DynamicAV {
                    start_s: g.start_s,
                    hop_s: g.hop_s,
                    arousal: g.a.iter().map(|&x| SCALE.to_unit(x)).collect(),
                    valence: g.v.iter().map(|&x| SCALE.to_unit(x)).collect(),
                    arousal_std: std.map(|s| s.0.iter().map(|&x| SCALE.std_to_unit(x)).collect()),
                    valence_std: std.map(|s| s.1.iter().map(|&x| SCALE.std_to_unit(x)).collect()),
                    scale: SCALE,
                },
            );
        }
    }
    let audio = AudioIndex::new(files, Some("chorus"));
    let mut items = Vec::with_capacity(order.len());
    for (id, file, line) in order {
        let labels = Labels {
            dynamic: dynamics.remove(&id),
            static_av: statics.remove(&id),
            quadrant: None,
        };
        push_item(
            &mut items,
            &mut problems,
            &audio,
            id,
            labels,
            &file,
            Some(line),
        );
    }
    Ok(Dataset {
        name: "pmemo".into(),
        format: Format::Pmemo,
        root: root.to_path_buf(),
        items,
        problems,
    })
}

fn push_item(
    items: &mut Vec<Item>,
    problems: &mut Vec<Problem>,
    audio: &AudioIndex,
    id: String,
    labels: Labels,
    file: &Path,
    line: Option<u64>,
) {
    match audio.get(&id) {
        Some(path) => items.push(Item {
            id,
            audio: path.clone(),
            labels,
            features: None,
            subset: None,
        }),
        None => problems.push(Problem {
            file: file.to_path_buf(),
            line,
            id: Some(id.clone()),
            kind: ProblemKind::MissingAudio(PathBuf::from(format!("chorus/{id}.mp3"))),
        }),
    }
}

/// `(musicId, line, arousal, valence)` rows of a PMEmo static file, on the published scale.
fn read_static_pairs(
    path: &Path,
    value_cols: [&str; 2],
    is_std: bool,
    problems: &mut Vec<Problem>,
) -> Result<Vec<(String, u64, f32, f32)>, DataError> {
    let t = Table::read(path, b',')?;
    let c = t.columns(&["musicId", value_cols[0], value_cols[1]])?;
    let mut seen = SeenIds::default();
    let mut pr = Problems { list: problems };
    let mut out = Vec::with_capacity(t.rows.len());
    for (line, row) in &t.rows {
        let id = Table::cell(row, c[0]).to_string();
        if !seen.first(&id) {
            pr.push(path, Some(*line), Some(&id), ProblemKind::DuplicateId);
            continue;
        }
        let parse = |k: usize| {
            let cell = Table::cell(row, c[k]);
            if is_std {
                parse_std(cell, value_cols[k - 1])
            } else {
                parse_label(cell, value_cols[k - 1], SCALE)
            }
        };
        match parse(1).and_then(|a| Ok((a, parse(2)?))) {
            Ok((a, v)) => out.push((id, *line, a, v)),
            Err(kind) => pr.push(path, Some(*line), Some(&id), kind),
        }
    }
    Ok(out)
}

/// The per-song series of a PMEmo long-format dynamic file, on the published scale.
fn read_dynamic(
    path: &Path,
    value_cols: [&str; 2],
    is_std: bool,
    problems: &mut Vec<Problem>,
) -> Result<Vec<(String, crate::series::Grouped)>, DataError> {
    let t = Table::read(path, b',')?;
    let c = t.columns(&["musicId", "frameTime", value_cols[0], value_cols[1]])?;
    let mut rows = Vec::with_capacity(t.rows.len());
    let mut bad_ids = std::collections::HashSet::new();
    {
        let mut pr = Problems { list: problems };
        for (line, row) in &t.rows {
            let id = Table::cell(row, c[0]).to_string();
            let parse = |k: usize| {
                let cell = Table::cell(row, c[k]);
                if is_std {
                    parse_std(cell, value_cols[k - 2])
                } else {
                    parse_label(cell, value_cols[k - 2], SCALE)
                }
            };
            let parsed = parse_number(Table::cell(row, c[1]), "frameTime")
                .and_then(|t| Ok((t, parse(2)?, parse(3)?)));
            match parsed {
                Ok((time_s, a, v)) => rows.push(LongRow {
                    line: *line,
                    id,
                    time_s,
                    a,
                    v,
                }),
                Err(kind) => {
                    pr.push(path, Some(*line), Some(&id), kind);
                    bad_ids.insert(id);
                }
            }
        }
    }
    // A song with a bad row is dropped whole: a hole would shift every later frame.
    rows.retain(|r| !bad_ids.contains(&r.id));
    Ok(group_long(path, rows, 0.5, problems))
}

fn load_sample(root: &Path, files: &[PathBuf]) -> Result<Dataset, DataError> {
    let mut problems = Vec::new();
    let mut items = Vec::new();
    let audio = AudioIndex::new(files, None);
    let mut seen = SeenIds::default();
    let mut found_any = false;
    for p in files
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
    {
        let text = std::fs::read_to_string(p).map_err(|e| DataError::io(p, e))?;
        let json: serde_json::Value = match serde_json::from_str(&text) {
            Ok(j) => j,
            Err(e) => {
                problems.push(Problem {
                    file: p.clone(),
                    line: Some(e.line() as u64),
                    id: None,
                    kind: ProblemKind::BadRow(format!("not JSON: {e}")),
                });
                continue;
            }
        };
        // Only per-song objects; `index.json` is a list.
        let Some(obj) = json.as_object().filter(|o| o.contains_key("dynamic")) else {
            continue;
        };
        found_any = true;
        let id = match obj.get("id") {
            Some(serde_json::Value::Number(n)) => n.to_string(),
            Some(serde_json::Value::String(s)) => s.clone(),
            _ => p
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string(),
        };
        if !seen.first(&id) {
            problems.push(Problem {
                file: p.clone(),
                line: None,
                id: Some(id),
                kind: ProblemKind::DuplicateId,
            });
            continue;
        }
        match sample_labels(obj) {
            Ok(labels) => push_item(&mut items, &mut problems, &audio, id, labels, p, None),
            Err(kind) => problems.push(Problem {
                file: p.clone(),
                line: None,
                id: Some(id),
                kind,
            }),
        }
    }
    if !found_any {
        return Err(DataError::NotFound {
            root: root.to_path_buf(),
            what: "PMEmo annotations".into(),
            looked_for: "annotations/static_annotations.csv, dynamic_annotations.csv, or <id>.json with `dynamic`".into(),
        });
    }
    Ok(Dataset {
        name: "pmemo (sample)".into(),
        format: Format::Pmemo,
        root: root.to_path_buf(),
        items,
        problems,
    })
}

fn sample_labels(obj: &serde_json::Map<String, serde_json::Value>) -> Result<Labels, ProblemKind> {
    let num = |v: Option<&serde_json::Value>, name: &str| -> Result<f32, ProblemKind> {
        match v.and_then(serde_json::Value::as_f64) {
            Some(x) if SCALE.contains(x as f32) => Ok(x as f32),
            Some(x) => Err(ProblemKind::OutOfRange {
                column: name.into(),
                value: x as f32,
                scale: SCALE,
            }),
            None => Err(ProblemKind::NotANumber {
                column: name.into(),
                value: v.map_or("missing".into(), |v| v.to_string()),
            }),
        }
    };
    let static_av = StaticAV {
        arousal: SCALE.to_unit(num(obj.get("arousal_mean"), "arousal_mean")?),
        valence: SCALE.to_unit(num(obj.get("valence_mean"), "valence_mean")?),
        arousal_std: None,
        valence_std: None,
        scale: SCALE,
    };
    let d = &obj["dynamic"];
    let list = |key: &str| -> Result<Vec<f32>, ProblemKind> {
        let arr = d
            .get(key)
            .and_then(|v| v.as_array())
            .ok_or_else(|| ProblemKind::BadRow(format!("`dynamic.{key}` is not a list")))?;
        arr.iter()
            .map(|x| num(Some(x), &format!("dynamic.{key}")))
            .collect()
    };
    let times: Vec<f32> = d
        .get("t")
        .and_then(|v| v.as_array())
        .ok_or_else(|| ProblemKind::BadRow("`dynamic.t` is not a list".into()))?
        .iter()
        .map(|x| x.as_f64().map(|x| x as f32))
        .collect::<Option<_>>()
        .ok_or_else(|| ProblemKind::BadRow("`dynamic.t` has a non-number".into()))?;
    let (a, v) = (list("a")?, list("v")?);
    if a.len() != times.len() || v.len() != times.len() || times.is_empty() {
        return Err(ProblemKind::BadRow(format!(
            "dynamic lengths differ or are zero: t {}, a {}, v {}",
            times.len(),
            a.len(),
            v.len()
        )));
    }
    let hop = if times.len() > 1 {
        times[1] - times[0]
    } else {
        0.5
    };
    if hop <= 0.0 || times.windows(2).any(|w| ((w[1] - w[0]) - hop).abs() > 1e-3) {
        return Err(ProblemKind::BadRow(
            "`dynamic.t` is not evenly spaced".into(),
        ));
    }
    crate::dataset::check_stamps(times[0], hop, times.len())?;
    Ok(Labels {
        dynamic: Some(DynamicAV {
            start_s: times[0],
            hop_s: hop,
            arousal: a.iter().map(|&x| SCALE.to_unit(x)).collect(),
            valence: v.iter().map(|&x| SCALE.to_unit(x)).collect(),
            arousal_std: None,
            valence_std: None,
            scale: SCALE,
        }),
        static_av: Some(static_av),
        quadrant: obj
            .get("quadrant")
            .and_then(|q| q.as_str())
            .and_then(Quadrant::parse),
    })
}
