//! DEAM (Aljanaki, Yang & Soleymani 2017) and its 2013 part as published by emoMusic
//! ("1000 songs", Soleymani et al. 2013).
//!
//! Two layouts are read as they come, the folders found anywhere below the folder named:
//!
//! - **Official DEAM download**: `MEMD_audio/<id>.mp3`;
//!   `annotations/annotations averaged per song/dynamic (per second annotations)/{arousal,valence}.csv`
//!   (`song_id,sample_15000ms,…`, [-1, 1], full-length songs 2001–2058 leave trailing cells
//!   empty); `…/song_level/static_annotations_averaged_songs_1_2000.csv` and
//!   `static_annotations_averaged_songs_2000_2058.csv` (1–9); `features/<id>.csv` (openSMILE,
//!   see [`crate::read_deam_features`]). Chosen when a `MEMD_audio` folder or the dynamic
//!   `arousal.csv` is found.
//! - **emoMusic 2013**: `arousal_cont_average.csv`, `valence_cont_average.csv`, their
//!   `_cont_std.csv`, `static_annotations.csv` and `songs_info.csv` (fields padded with tabs
//!   inside the quotes; its last column is the MediaEval 2013 development/evaluation set,
//!   used as the official split). Audio: any file below the folder whose stem is the song's
//!   `file_name` stem (the shared sample keeps them in `audio/`).
//!
//! **Static column trap.** `static_annotations_averaged_songs_1_2000.csv` is headed
//! `song_id, valence_mean, valence_std, arousal_mean, arousal_std`, and that header is **wrong
//! for song ids ≤ 1000** (the 2013 part; [`STATIC_SWAPPED`]) and right for ids 1001–2000 (the
//! 2014 part). So that file is read by song id: ids ≤ 1000 **by position as arousal, arousal
//! std, valence, valence std**, ids 1001–2000 by the header's names. The 2015 file
//! (`…_2000_2058.csv`, 13 columns) and emoMusic's `static_annotations.csv` are read by their
//! header names. Evidence (all 1,802 songs, the column as read against the mean of the song's
//! dynamic ratings, `../shared/data/deam-features-ref/static_swap_check.csv`; kept by the
//! test `deam_static_columns_follow_the_dynamic_ratings`):
//!
//! | part | songs | read as arousal ~ dyn. arousal (~ dyn. valence) | read as valence ~ dyn. valence (~ dyn. arousal) |
//! |---|---|---|---|
//! | ids 2–1000 (header swapped) | 744 | r 0.956 (0.575) | r 0.949 (0.570) |
//! | ids 1001–2000 (header right) | 1000 | r 0.942 (0.570) | r 0.912 (0.591) |
//! | `…_2000_2058.csv` (header right) | 58 | r 0.929 (−0.101) | r 0.984 (0.050) |
//!
//! Song 2 reads `3.1, 0.94, 3, 0.63` and is `mean_arousal 3.1, mean_valence 3` in emoMusic;
//! of the 744 2013 songs in both files, 734 agree to the digit in arousal-first order (the
//! other 10 differ by re-rounding). Reading the whole file arousal-first (as mer did before)
//! crossed the labels of the 1,000 songs of 2014: r 0.591 and 0.570 instead of 0.942 and 0.912.
//!
//! **MediaEval 2015 protocol** ([`mediaeval2015`]): development = 431 clips of songs 1–2000
//! (use their 15–45 s, [`crate::DynamicAV::crop`]), evaluation = songs 2001–2058 (full
//! length). DEAM does not ship the development id list as a file; it is the list of the
//! MediaEval 2015 "Emotion in Music" task's development set (Aljanaki, Yang & Soleymani,
//! MediaEval 2015 working notes, distributed with the task's development data). Give it as a
//! text file of ids, whitespace/comma separated, `#` starting a comment.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::find::{AudioIndex, find_file, walk};
use crate::table::{Problems, SeenIds, Table, one_line, parse_label, parse_std, soften};
use crate::{
    DataError, Dataset, DynamicAV, Format, Item, Labels, Problem, ProblemKind, Scale, Split,
    StaticAV, Subset,
};

/// Songs 2001–2058: the MediaEval 2015 evaluation set (full-length songs). In the official
/// layout they are [`Subset::Test`] and every other song [`Subset::Train`] (DEAM's own
/// development/evaluation division); [`mediaeval2015`] narrows training to the 431 clips.
pub const EVAL_2015: std::ops::RangeInclusive<u32> = 2001..=2058;

/// Song ids whose row in `static_annotations_averaged_songs_1_2000.csv` holds arousal first
/// although the header says valence first (see the module docs).
pub const STATIC_SWAPPED: std::ops::RangeInclusive<u32> = 1..=1000;

/// Reads a DEAM folder in either layout (see the module docs).
pub fn load(root: &Path) -> Result<Dataset, DataError> {
    let files = walk(root)?;
    let is_dyn_dir = |d: &str| d.to_ascii_lowercase().starts_with("dynamic");
    let official_dyn = find_file(&files, "arousal.csv", is_dyn_dir).cloned();
    let has_memd = files.iter().any(|p| {
        p.parent()
            .and_then(|d| d.file_name())
            .is_some_and(|n| n == "MEMD_audio")
    });
    let emo_dyn = find_file(&files, "arousal_cont_average.csv", |_| true).cloned();
    if official_dyn.is_some() || has_memd || emo_dyn.is_none() {
        load_official(root, &files)
    } else {
        load_emomusic(root, &files)
    }
}

/// One song's labels while merging the files.
#[derive(Default)]
struct Song {
    dynamic: Option<DynamicAV>,
    static_av: Option<StaticAV>,
    file_stem: Option<String>,
    subset: Option<Subset>,
    /// Where the song was first seen, for "missing audio" lines.
    origin: Option<(PathBuf, u64)>,
}

fn load_official(root: &Path, files: &[PathBuf]) -> Result<Dataset, DataError> {
    let mut problems = Vec::new();
    let mut songs: Vec<(String, Song)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut song = |id: &str, origin: (PathBuf, u64)| -> usize {
        *index.entry(id.to_string()).or_insert_with(|| {
            songs.push((
                id.to_string(),
                Song {
                    origin: Some(origin),
                    ..Song::default()
                },
            ));
            songs.len() - 1
        })
    };
    let is_dyn_dir = |d: &str| d.to_ascii_lowercase().starts_with("dynamic");
    let a_path = find_file(files, "arousal.csv", is_dyn_dir);
    let v_path = find_file(files, "valence.csv", is_dyn_dir);
    let mut dyn_by_id: HashMap<String, DynamicAV> = HashMap::new();
    if let (Some(a_path), Some(v_path)) = (a_path, v_path) {
        for (id, line, d) in read_dynamic(a_path, v_path, &mut problems)? {
            song(&id, (a_path.clone(), line));
            dyn_by_id.insert(id, d);
        }
    } else if a_path.is_some() != v_path.is_some() {
        return Err(DataError::NotFound {
            root: root.to_path_buf(),
            what: "the other DEAM dynamic annotation file".into(),
            looked_for: "dynamic*/arousal.csv and dynamic*/valence.csv".into(),
        });
    }
    let mut static_by_id: HashMap<String, StaticAV> = HashMap::new();
    for name in [
        "static_annotations_averaged_songs_1_2000.csv",
        "static_annotations_averaged_songs_2000_2058.csv",
    ] {
        if let Some(p) = find_file(files, name, |_| true) {
            let rows = read_static(p, &mut problems);
            for (id, line, s) in soften(rows, &mut problems).unwrap_or_default() {
                song(&id, (p.clone(), line));
                static_by_id.insert(id, s);
            }
        }
    }
    if songs.is_empty() && dyn_by_id.is_empty() && static_by_id.is_empty() {
        return Err(DataError::NotFound {
            root: root.to_path_buf(),
            what: "DEAM annotations".into(),
            looked_for: "dynamic*/arousal.csv, valence.csv, static_annotations_averaged_songs_*.csv, or emoMusic's arousal_cont_average.csv".into(),
        });
    }
    let features: HashMap<String, PathBuf> = files
        .iter()
        .filter(|p| {
            p.extension().is_some_and(|e| e == "csv")
                && p.parent()
                    .and_then(|d| d.file_name())
                    .is_some_and(|n| n.eq_ignore_ascii_case("features"))
        })
        .filter_map(|p| Some((p.file_stem()?.to_str()?.to_string(), p.clone())))
        .collect();
    for (id, s) in songs.iter_mut() {
        s.dynamic = dyn_by_id.remove(id.as_str());
        s.static_av = static_by_id.remove(id.as_str());
        let in_eval = id.parse::<u32>().is_ok_and(|n| EVAL_2015.contains(&n));
        s.subset = Some(if in_eval { Subset::Test } else { Subset::Train });
    }
    let audio = AudioIndex::new(files, Some("MEMD_audio"));
    let items = finish(songs, &audio, |id| features.get(id).cloned(), &mut problems);
    Ok(Dataset {
        name: "deam".into(),
        format: Format::Deam,
        root: root.to_path_buf(),
        items,
        problems,
    })
}

fn load_emomusic(root: &Path, files: &[PathBuf]) -> Result<Dataset, DataError> {
    let need = |name: &str| {
        find_file(files, name, |_| true)
            .cloned()
            .ok_or_else(|| DataError::NotFound {
                root: root.to_path_buf(),
                what: format!("emoMusic `{name}`"),
                looked_for: name.to_string(),
            })
    };
    let mut problems = Vec::new();
    let a = read_wide(&need("arousal_cont_average.csv")?, false, &mut problems)?;
    let v = read_wide(&need("valence_cont_average.csv")?, false, &mut problems)?;
    let optional = |name: &str, problems: &mut Vec<Problem>| {
        let p = find_file(files, name, |_| true)?;
        let r = read_wide(p, true, problems);
        soften(r, problems)
    };
    let a_std = optional("arousal_cont_std.csv", &mut problems);
    let v_std = optional("valence_cont_std.csv", &mut problems);
    let mut dyn_by_id = pair_series(&a, &v, a_std.as_ref(), v_std.as_ref(), &mut problems);
    let mut static_by_id: HashMap<String, StaticAV> = HashMap::new();
    if let Some(p) = find_file(files, "static_annotations.csv", |_| true) {
        let rows = read_static(p, &mut problems);
        for (id, _, s) in soften(rows, &mut problems).unwrap_or_default() {
            static_by_id.insert(id, s);
        }
    }
    let mut info: HashMap<String, (String, Option<Subset>)> = HashMap::new();
    let songs_info = find_file(files, "songs_info.csv", |_| true).and_then(|p| {
        let t = Table::read(p, b',').and_then(|t| {
            let cols = t.columns(&["song_id", "file_name"])?;
            Ok((t, cols))
        });
        soften(t, &mut problems)
    });
    if let Some((t, cols)) = songs_info {
        let set_col = t.column("Mediaeval 2013 set");
        for (_, row) in &t.rows {
            let id = Table::cell(row, cols[0]).to_string();
            let stem = Path::new(Table::cell(row, cols[1]))
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or(&id)
                .to_string();
            let subset = set_col.and_then(|c| match Table::cell(row, c) {
                "development" => Some(Subset::Train),
                "evaluation" => Some(Subset::Test),
                _ => None,
            });
            info.insert(id, (stem, subset));
        }
    }
    let mut songs = Vec::new();
    for (line, id, _) in &a.rows {
        let Some(dynamic) = dyn_by_id.remove(id) else {
            continue;
        };
        let (stem, subset) = info.remove(id).unwrap_or_else(|| (id.clone(), None));
        songs.push((
            id.clone(),
            Song {
                dynamic: Some(dynamic),
                static_av: static_by_id.remove(id),
                file_stem: Some(stem),
                subset,
                origin: Some((a.path.clone(), *line)),
            },
        ));
    }
    let audio = AudioIndex::new(files, None);
    let items = finish(songs, &audio, |_| None, &mut problems);
    Ok(Dataset {
        name: "deam (emoMusic 2013)".into(),
        format: Format::Deam,
        root: root.to_path_buf(),
        items,
        problems,
    })
}

/// Turns merged songs into items, reporting missing audio and missing labels.
fn finish(
    songs: Vec<(String, Song)>,
    audio: &AudioIndex,
    features: impl Fn(&str) -> Option<PathBuf>,
    problems: &mut Vec<Problem>,
) -> Vec<Item> {
    let mut items = Vec::with_capacity(songs.len());
    for (id, s) in songs {
        let (file, line) = s.origin.unwrap_or_default();
        let stem = s.file_stem.as_deref().unwrap_or(&id);
        let Some(path) = audio.get(stem) else {
            problems.push(Problem {
                file,
                line: Some(line),
                id: Some(id.clone()),
                kind: ProblemKind::MissingAudio(PathBuf::from(format!("{stem}.mp3"))),
            });
            continue;
        };
        let labels = Labels {
            dynamic: s.dynamic,
            static_av: s.static_av,
            quadrant: None,
        };
        if labels.is_empty() {
            continue;
        }
        items.push(Item {
            features: features(&id),
            id,
            audio: path.clone(),
            labels,
            subset: s.subset,
        });
    }
    items
}

/// Reads DEAM's averaged dynamic annotations, official layout (`…/dynamic (per second
/// annotations)/arousal.csv` and `valence.csv`: `song_id,sample_15000ms,…` on [-1, 1],
/// trailing cells of shorter songs empty) into `(song id, line in the arousal file, series)`
/// in the arousal file's order. Bad rows, and songs in only one file, become problems; a
/// file whose header is not DEAM's is an error.
pub fn read_dynamic(
    arousal: &Path,
    valence: &Path,
    problems: &mut Vec<Problem>,
) -> Result<Vec<(String, u64, DynamicAV)>, DataError> {
    let a = read_wide(arousal, false, problems)?;
    let v = read_wide(valence, false, problems)?;
    let mut by_id = pair_series(&a, &v, None, None, problems);
    Ok(a.rows
        .iter()
        .filter_map(|(line, id, _)| Some((id.clone(), *line, by_id.remove(id)?)))
        .collect())
}

/// A wide per-song series file: `song_id,sample_15000ms,sample_15500ms,…`.
struct Wide {
    path: PathBuf,
    start_s: f32,
    hop_s: f32,
    /// (line, id, values) of the good rows, in file order.
    rows: Vec<(u64, String, Vec<f32>)>,
}

/// Reads a wide series file. `is_std`: values are spreads (≥ 0) rather than means on [-1, 1].
fn read_wide(path: &Path, is_std: bool, problems: &mut Vec<Problem>) -> Result<Wide, DataError> {
    let t = Table::read(path, b',')?;
    let id_col = t.columns(&["song_id"])?[0];
    let bad_header = |message: String| DataError::BadHeader {
        path: path.to_path_buf(),
        line: 1,
        message,
    };
    let mut times_ms = Vec::new();
    let mut cols = Vec::new();
    for (i, h) in t.header.iter().enumerate() {
        if i == id_col || h.is_empty() {
            continue;
        }
        let ms = h
            .strip_prefix("sample_")
            .and_then(|r| r.strip_suffix("ms"))
            .and_then(|n| n.parse::<u32>().ok())
            .ok_or_else(|| {
                let shown = one_line(&h.chars().take(60).collect::<String>());
                bad_header(format!("column `{shown}` is not `sample_<ms>ms`"))
            })?;
        times_ms.push(ms);
        cols.push(i);
    }
    if times_ms.is_empty() {
        return Err(bad_header("no `sample_<ms>ms` columns".into()));
    }
    let hop_ms = if times_ms.len() > 1 {
        times_ms[1].saturating_sub(times_ms[0])
    } else {
        500
    };
    if hop_ms == 0
        || times_ms
            .windows(2)
            .any(|w| w[0].checked_add(hop_ms) != Some(w[1]))
    {
        return Err(bad_header(
            "`sample_<ms>ms` columns are not evenly spaced".into(),
        ));
    }
    let mut seen = SeenIds::default();
    let mut rows = Vec::with_capacity(t.rows.len());
    let mut pr = Problems { list: problems };
    'rows: for (line, row) in &t.rows {
        let id = Table::cell(row, id_col).to_string();
        if id.is_empty() || id.parse::<u32>().is_err() {
            pr.push(
                path,
                Some(*line),
                None,
                ProblemKind::BadRow(format!("song_id {id:?} is not a number")),
            );
            continue;
        }
        if !seen.first(&id) {
            pr.push(path, Some(*line), Some(&id), ProblemKind::DuplicateId);
            continue;
        }
        let mut values = Vec::with_capacity(cols.len());
        let mut ended = false;
        for (&c, &ms) in cols.iter().zip(&times_ms) {
            let cell = Table::cell(row, c);
            if cell.is_empty() {
                ended = true;
                continue;
            }
            let column = format!("sample_{ms}ms");
            if ended {
                let kind = ProblemKind::BadRow(format!("empty cell before `{column}`"));
                pr.push(path, Some(*line), Some(&id), kind);
                continue 'rows;
            }
            let parsed = if is_std {
                parse_std(cell, &column)
            } else {
                parse_label(cell, &column, Scale::MinusOneToOne)
            };
            match parsed {
                Ok(x) => values.push(x),
                Err(kind) => {
                    pr.push(path, Some(*line), Some(&id), kind);
                    continue 'rows;
                }
            }
        }
        if values.is_empty() {
            let kind = ProblemKind::Unlabelled("no values in the row".into());
            pr.push(path, Some(*line), Some(&id), kind);
            continue;
        }
        rows.push((*line, id, values));
    }
    Ok(Wide {
        path: path.to_path_buf(),
        start_s: times_ms[0] as f32 / 1000.0,
        hop_s: hop_ms as f32 / 1000.0,
        rows,
    })
}

/// Joins arousal and valence (and optional std) series by id. A song whose two series differ
/// in length keeps the common prefix (DEAM's raters' series end at slightly different
/// frames in a few full-length songs).
fn pair_series(
    a: &Wide,
    v: &Wide,
    a_std: Option<&Wide>,
    v_std: Option<&Wide>,
    problems: &mut Vec<Problem>,
) -> HashMap<String, DynamicAV> {
    let by_id = |w: &Wide| -> HashMap<String, Vec<f32>> {
        w.rows
            .iter()
            .map(|(_, id, vals)| (id.clone(), vals.clone()))
            .collect()
    };
    let v_map = by_id(v);
    let a_std = a_std.map(by_id);
    let v_std = v_std.map(by_id);
    let mut out = HashMap::new();
    if (a.start_s - v.start_s).abs() > 1e-6 || (a.hop_s - v.hop_s).abs() > 1e-6 {
        problems.push(Problem {
            file: v.path.clone(),
            line: Some(1),
            id: None,
            kind: ProblemKind::BadHeader(format!(
                "time stamps start {} s every {} s, arousal file's start {} s every {} s",
                v.start_s, v.hop_s, a.start_s, a.hop_s
            )),
        });
        return out;
    }
    for (line, id, arousal) in &a.rows {
        let Some(valence) = v_map.get(id) else {
            problems.push(Problem {
                file: a.path.clone(),
                line: Some(*line),
                id: Some(id.clone()),
                kind: ProblemKind::Unlabelled(format!(
                    "arousal but no valence row in {}",
                    v.path.display()
                )),
            });
            continue;
        };
        let n = arousal.len().min(valence.len());
        let std_of = |m: &Option<HashMap<String, Vec<f32>>>| {
            m.as_ref()
                .and_then(|m| m.get(id))
                .filter(|s| s.len() >= n)
                .map(|s| s[..n].to_vec())
        };
        out.insert(
            id.clone(),
            DynamicAV {
                start_s: a.start_s,
                hop_s: a.hop_s,
                arousal: arousal[..n].to_vec(),
                valence: valence[..n].to_vec(),
                arousal_std: std_of(&a_std),
                valence_std: std_of(&v_std),
                scale: Scale::MinusOneToOne,
            },
        );
    }
    out
}

/// Reads one DEAM/emoMusic static file (1–9 scale) into `(song id, line, labels on [-1, 1])`,
/// handling the column trap described in the module docs. Bad rows become problems.
///
/// Recognised headers: emoMusic `song_id,mean_arousal,std_arousal,mean_valence,std_valence`
/// (by name); DEAM `song_id, valence_mean, valence_std, arousal_mean, arousal_std` with
/// exactly these five columns (the trap: ids in [`STATIC_SWAPPED`] by position, arousal
/// first; other ids by name); DEAM 2015's 13-column file (by name).
pub fn read_static(
    path: &Path,
    problems: &mut Vec<Problem>,
) -> Result<Vec<(String, u64, StaticAV)>, DataError> {
    let t = Table::read(path, b',')?;
    let trap = [
        "song_id",
        "valence_mean",
        "valence_std",
        "arousal_mean",
        "arousal_std",
    ];
    // Column indices of (id, arousal mean, arousal std, valence mean, valence std): by
    // name, and for the rows whose header is swapped.
    let (by_name, swapped): ([usize; 5], Option<[usize; 5]>) = if t.column("mean_arousal").is_some()
    {
        let c = t.columns(&[
            "song_id",
            "mean_arousal",
            "std_arousal",
            "mean_valence",
            "std_valence",
        ])?;
        ([c[0], c[1], c[2], c[3], c[4]], None)
    } else {
        let c = t.columns(&trap)?;
        let is_trap = t.header.len() == trap.len()
            && t.header
                .iter()
                .zip(trap)
                .all(|(h, w)| h.eq_ignore_ascii_case(w));
        (
            [c[0], c[3], c[4], c[1], c[2]],
            is_trap.then_some([c[0], c[1], c[2], c[3], c[4]]),
        )
    };
    let names = [
        "song_id",
        "arousal mean",
        "arousal std",
        "valence mean",
        "valence std",
    ];
    let mut out = Vec::with_capacity(t.rows.len());
    let mut seen = SeenIds::default();
    let mut pr = Problems { list: problems };
    for (line, row) in &t.rows {
        let id = Table::cell(row, by_name[0]).to_string();
        let Ok(n) = id.parse::<u32>() else {
            let kind = ProblemKind::BadRow(format!("song_id {id:?} is not a number"));
            pr.push(path, Some(*line), None, kind);
            continue;
        };
        if !seen.first(&id) {
            pr.push(path, Some(*line), Some(&id), ProblemKind::DuplicateId);
            continue;
        }
        let cols = match swapped {
            Some(c) if STATIC_SWAPPED.contains(&n) => c,
            _ => by_name,
        };
        let cell = |k: usize| Table::cell(row, cols[k]);
        let parsed = (|| -> Result<StaticAV, ProblemKind> {
            let s = Scale::OneToNine;
            Ok(StaticAV {
                arousal: s.to_unit(parse_label(cell(1), names[1], s)?),
                arousal_std: Some(s.std_to_unit(parse_std(cell(2), names[2])?)),
                valence: s.to_unit(parse_label(cell(3), names[3], s)?),
                valence_std: Some(s.std_to_unit(parse_std(cell(4), names[4])?)),
                scale: s,
            })
        })();
        match parsed {
            Ok(s) => out.push((id, *line, s)),
            Err(kind) => pr.push(path, Some(*line), Some(&id), kind),
        }
    }
    Ok(out)
}

/// The MediaEval 2015 split: train = the development ids listed in `dev_list` (431 in the
/// task), test = songs 2001–2058. Ids in the list that are not in the dataset are an error
/// (they usually mean a wrong file or missing audio; load with `--skip-bad` and fix the list).
pub fn mediaeval2015(ds: &Dataset, dev_list: &Path) -> Result<Split, DataError> {
    let dev = crate::split::read_id_list(dev_list)?;
    let pos: HashMap<&str, usize> = ds
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| (it.id.as_str(), i))
        .collect();
    let mut train = Vec::with_capacity(dev.len());
    let mut unknown = Vec::new();
    for id in &dev {
        match pos.get(id.as_str()) {
            Some(&i) => train.push(i),
            None => unknown.push(id.as_str()),
        }
    }
    if !unknown.is_empty() {
        return Err(DataError::BadSplit(format!(
            "{}: {} id(s) not in the dataset, first {}",
            dev_list.display(),
            unknown.len(),
            unknown[0]
        )));
    }
    let test = (0..ds.items.len())
        .filter(|&i| {
            ds.items[i]
                .id
                .parse::<u32>()
                .is_ok_and(|n| EVAL_2015.contains(&n))
        })
        .collect();
    Ok(Split { train, test })
}
