//! MUSIFEAST-17 (van der Walle, Wu, Margulis & Jakubowski 2025, Behavior Research Methods):
//! 256 30-s instrumental clips of 17 genres rated by 701 listeners.
//!
//! Layout: `stimuli/<CLIP_NAME>.mp3` and `MUSIFEAST17_all.csv` (R export: an unnamed
//! row-number first column, then `CLIP_NAME`, …, `valence_M`, `valence_SD`, `arousal_M`,
//! `arousal_SD`, …), 1–5 → (x − 3) / 2.

use std::path::{Path, PathBuf};

use crate::find::{AudioIndex, find_file, walk};
use crate::table::{Problems, SeenIds, Table, parse_label, parse_std};
use crate::{DataError, Dataset, Format, Item, Labels, ProblemKind, Scale, StaticAV};

/// The annotation file's name as published.
pub const ANNOTATIONS: &str = "MUSIFEAST17_all.csv";

const SCALE: Scale = Scale::OneToFive;

/// Reads a MUSIFEAST-17 folder.
pub fn load(root: &Path) -> Result<Dataset, DataError> {
    let files = walk(root)?;
    let csv = find_file(&files, ANNOTATIONS, |_| true).ok_or_else(|| DataError::NotFound {
        root: root.to_path_buf(),
        what: "MUSIFEAST-17 annotations".into(),
        looked_for: ANNOTATIONS.into(),
    })?;
    let t = Table::read(csv, b',')?;
    let names = [
        "CLIP_NAME",
        "arousal_M",
        "arousal_SD",
        "valence_M",
        "valence_SD",
    ];
    let c = t.columns(&names)?;
    let audio = AudioIndex::new(&files, Some("stimuli"));
    let mut problems = Vec::new();
    let mut items = Vec::with_capacity(t.rows.len());
    let mut seen = SeenIds::default();
    let mut pr = Problems {
        list: &mut problems,
    };
    for (line, row) in &t.rows {
        let id = Table::cell(row, c[0]).to_string();
        if !seen.first(&id) {
            pr.push(csv, Some(*line), Some(&id), ProblemKind::DuplicateId);
            continue;
        }
        let cell = |k: usize| Table::cell(row, c[k]);
        let parsed = (|| -> Result<StaticAV, ProblemKind> {
            Ok(StaticAV {
                arousal: SCALE.to_unit(parse_label(cell(1), names[1], SCALE)?),
                arousal_std: Some(SCALE.std_to_unit(parse_std(cell(2), names[2])?)),
                valence: SCALE.to_unit(parse_label(cell(3), names[3], SCALE)?),
                valence_std: Some(SCALE.std_to_unit(parse_std(cell(4), names[4])?)),
                scale: SCALE,
            })
        })();
        let s = match parsed {
            Ok(s) => s,
            Err(kind) => {
                pr.push(csv, Some(*line), Some(&id), kind);
                continue;
            }
        };
        let Some(path) = audio.get(&id) else {
            let kind = ProblemKind::MissingAudio(PathBuf::from(format!("stimuli/{id}.mp3")));
            pr.push(csv, Some(*line), Some(&id), kind);
            continue;
        };
        items.push(Item {
            id,
            audio: path.clone(),
            labels: Labels {
                static_av: Some(s),
                ..Labels::default()
            },
            features: None,
            subset: None,
        });
    }
    Ok(Dataset {
        name: "musifeast17".into(),
        format: Format::Musifeast,
        root: root.to_path_buf(),
        items,
        problems,
    })
}
