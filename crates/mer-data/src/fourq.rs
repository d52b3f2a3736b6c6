//! The 4Q audio emotion dataset (Panda, Malheiro & Paiva, IEEE TAFFC 2018): 900 30-s
//! AllMusic clips in the original, 640 (160 per quadrant) in the shared copy.
//!
//! Layout: `Q1/ … Q4/<Song>.mp3` (the shared copy has them under `audio/`; both are
//! accepted, found anywhere below the folder) and `panda_dataset_taffc_annotations.csv`
//! (`Song,Quadrant`). A clip filed under a quadrant folder that disagrees with its row is a
//! problem. Labels: [`crate::Quadrant`] only.

use std::path::{Path, PathBuf};

use crate::find::{AudioIndex, find_file, walk};
use crate::table::{Problems, SeenIds, Table};
use crate::{DataError, Dataset, Format, Item, Labels, ProblemKind, Quadrant};

/// The annotation file's name in the publisher's archive.
pub const ANNOTATIONS: &str = "panda_dataset_taffc_annotations.csv";

/// Reads a 4Q folder.
pub fn load(root: &Path) -> Result<Dataset, DataError> {
    let files = walk(root)?;
    let csv = find_file(&files, ANNOTATIONS, |_| true).ok_or_else(|| DataError::NotFound {
        root: root.to_path_buf(),
        what: "4Q annotations".into(),
        looked_for: ANNOTATIONS.into(),
    })?;
    let t = Table::read(csv, b',')?;
    let c = t.columns(&["Song", "Quadrant"])?;
    let audio = AudioIndex::new(&files, None);
    let mut problems = Vec::new();
    let mut items = Vec::with_capacity(t.rows.len());
    let mut seen = SeenIds::default();
    let mut pr = Problems {
        list: &mut problems,
    };
    for (line, row) in &t.rows {
        let id = Table::cell(row, c[0]).to_string();
        let q_text = Table::cell(row, c[1]);
        let Some(q) = Quadrant::parse(q_text).filter(|_| q_text.len() == 2) else {
            let kind = ProblemKind::BadRow(format!("quadrant {q_text:?} is not Q1..Q4"));
            pr.push(csv, Some(*line), Some(&id), kind);
            continue;
        };
        if !seen.first(&id) {
            pr.push(csv, Some(*line), Some(&id), ProblemKind::DuplicateId);
            continue;
        }
        let Some(path) = audio.get(&id) else {
            let kind = ProblemKind::MissingAudio(PathBuf::from(format!("{q}/{id}.mp3")));
            pr.push(csv, Some(*line), Some(&id), kind);
            continue;
        };
        let folder = path
            .parent()
            .and_then(|d| d.file_name())
            .and_then(|n| n.to_str())
            .and_then(Quadrant::parse);
        if let Some(f) = folder.filter(|&f| f != q) {
            let kind = ProblemKind::BadRow(format!(
                "labelled {q} but filed under {f}: {}",
                path.display()
            ));
            pr.push(csv, Some(*line), Some(&id), kind);
            continue;
        }
        items.push(Item {
            id,
            audio: path.clone(),
            labels: Labels {
                quadrant: Some(q),
                ..Labels::default()
            },
            features: None,
            subset: None,
        });
    }
    Ok(Dataset {
        name: "4q".into(),
        format: Format::FourQ,
        root: root.to_path_buf(),
        items,
        problems,
    })
}
