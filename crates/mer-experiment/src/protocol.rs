//! Train/test splits of the loaded clips under an experiment's protocol.
//!
//! Clip ids are `<format>/<id>` (`deam/2001`, `4q/MT0000004637`), as `mer` loads them.

use std::collections::HashSet;
use std::path::Path;

use mer_model::Example;

use crate::error::{Error, Result};
use crate::spec::{Experiment, ProtocolKind};

/// One train/test split: indices into the loaded clips.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fold {
    /// Fold number (0 for single-split protocols).
    pub index: usize,
    /// Training clips.
    pub train: Vec<usize>,
    /// Test clips.
    pub test: Vec<usize>,
}

/// k-fold by song id with the project's one fold rule ([`mer_train::cv::fold_of_clip`]:
/// `fnv1a64(id) mod k`, as `mer eval` and the default's report): the one place this crate
/// assigns folds.
/// Folds that come out empty (few clips) are dropped.
pub fn cv_folds(ids: &[&str], k: usize) -> Vec<Fold> {
    (0..k)
        .map(|f| {
            let (test, train): (Vec<usize>, Vec<usize>) =
                (0..ids.len()).partition(|&i| mer_train::cv::fold_of_clip(ids[i], k) == f);
            Fold {
                index: f,
                train,
                test,
            }
        })
        .filter(|f| !f.test.is_empty() && !f.train.is_empty())
        .collect()
}

/// The part of a clip id after its dataset prefix (`deam/2001` → `2001`).
pub fn bare_id(id: &str) -> &str {
    id.rsplit_once('/').map_or(id, |(_, b)| b)
}

/// Songs 2001–2058: the MediaEval 2015 evaluation set.
fn is_eval_2015(id: &str) -> bool {
    id.starts_with("deam/")
        && bare_id(id)
            .parse::<u32>()
            .is_ok_and(|n| mer_data::deam::EVAL_2015.contains(&n))
}

/// The MediaEval 2015 split of DEAM clips: test = songs 2001–2058 (full length), train = the
/// ids of `dev_list` (431 in the task; every id must be loaded), or without a list every other
/// DEAM song that has dynamic ratings (songs 1–2000: their 15–45 s). Clips of other datasets
/// are left out.
pub fn mediaeval2015(clips: &[Example], dev_list: Option<&Path>) -> Result<Fold> {
    let err = |reason: String| Error::Protocol {
        protocol: "mediaeval2015".into(),
        reason,
    };
    let test: Vec<usize> = (0..clips.len())
        .filter(|&i| is_eval_2015(&clips[i].id))
        .collect();
    let train: Vec<usize> = match dev_list {
        Some(path) => {
            let ids = mer_data::read_id_list(path).map_err(|e| err(e.to_string()))?;
            let mut train = Vec::with_capacity(ids.len());
            for id in &ids {
                let full = if id.contains('/') {
                    id.clone()
                } else {
                    format!("deam/{id}")
                };
                match clips.iter().position(|c| c.id == full) {
                    Some(i) if !is_eval_2015(&full) => train.push(i),
                    Some(_) => {
                        return Err(err(format!(
                            "{}: id {id} is an evaluation song (2001–2058)",
                            path.display()
                        )));
                    }
                    None => {
                        return Err(err(format!(
                            "{}: id {id} is not among the loaded DEAM clips",
                            path.display()
                        )));
                    }
                }
            }
            train
        }
        None => (0..clips.len())
            .filter(|&i| {
                clips[i].id.starts_with("deam/")
                    && !is_eval_2015(&clips[i].id)
                    && clips[i].dynamic.is_some()
            })
            .collect(),
    };
    if test.is_empty() {
        return Err(err(
            "no DEAM song 2001–2058 loaded (give DEAM's official download as deam=DIR)".into(),
        ));
    }
    if train.is_empty() {
        return Err(err("no DEAM development clip loaded".into()));
    }
    Ok(Fold {
        index: 0,
        train,
        test,
    })
}

/// Test = the clips listed in `test_list` (full `deam/2001` or bare `2001` ids), train = the
/// rest. A listed id that matches no clip is an error.
pub fn holdout(clips: &[Example], test_list: &Path) -> Result<Fold> {
    let ids = mer_data::read_id_list(test_list).map_err(|e| Error::Protocol {
        protocol: "holdout".into(),
        reason: e.to_string(),
    })?;
    let mut wanted: HashSet<usize> = HashSet::new();
    for id in &ids {
        let hit: Vec<usize> = (0..clips.len())
            .filter(|&i| clips[i].id == *id || (!id.contains('/') && bare_id(&clips[i].id) == id))
            .collect();
        if hit.is_empty() {
            return Err(Error::Protocol {
                protocol: "holdout".into(),
                reason: format!("{}: id {id} matches no loaded clip", test_list.display()),
            });
        }
        wanted.extend(hit);
    }
    let (test, train) = (0..clips.len()).partition(|i| wanted.contains(i));
    Ok(Fold {
        index: 0,
        train,
        test,
    })
}

/// The splits of `clips` under `exp`'s protocol.
pub fn splits(exp: &Experiment, clips: &[Example]) -> Result<Vec<Fold>> {
    match exp.protocol {
        ProtocolKind::Kfold => {
            let ids: Vec<&str> = clips.iter().map(|c| c.id.as_str()).collect();
            let f = cv_folds(&ids, exp.folds);
            if f.is_empty() {
                return Err(Error::Protocol {
                    protocol: "kfold".into(),
                    reason: format!("{} clips give no usable fold of {}", clips.len(), exp.folds),
                });
            }
            Ok(f)
        }
        ProtocolKind::Mediaeval2015 => Ok(vec![mediaeval2015(
            clips,
            exp.dev_list.as_deref().map(Path::new),
        )?]),
        ProtocolKind::Holdout => {
            let list = exp.test_list.as_deref().ok_or_else(|| Error::Protocol {
                protocol: "holdout".into(),
                reason: "no test_list".into(),
            })?;
            Ok(vec![holdout(clips, Path::new(list))?])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clip(id: &str) -> Example {
        Example {
            id: id.into(),
            features: vec![0.0; 4],
            n_frames: 2,
            dynamic: Some((vec![0.0; 2], vec![0.0; 2])),
            static_av: None,
            quadrant: None,
        }
    }

    #[test]
    fn kfold_is_by_id_and_covers_every_clip_once() {
        let ids: Vec<String> = (0..50).map(|i| format!("4q/{i}")).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let folds = cv_folds(&refs, 5);
        let mut seen = vec![0; ids.len()];
        for f in &folds {
            for &i in &f.test {
                seen[i] += 1;
                assert_eq!(mer_data::fold_of(&ids[i], 5), f.index);
            }
            assert_eq!(f.train.len() + f.test.len(), ids.len());
        }
        assert!(seen.iter().all(|&n| n == 1), "{seen:?}");
        // The same id lands in the same fold whatever the order of the clips.
        let mut rev = refs.clone();
        rev.reverse();
        let back = cv_folds(&rev, 5);
        for (a, b) in folds.iter().zip(&back) {
            let mut x: Vec<&str> = a.test.iter().map(|&i| refs[i]).collect();
            let mut y: Vec<&str> = b.test.iter().map(|&i| rev[i]).collect();
            x.sort_unstable();
            y.sort_unstable();
            assert_eq!(x, y);
        }
    }

    #[test]
    fn mediaeval_test_set_is_2001_to_2058_and_other_data_is_left_out() {
        let clips: Vec<Example> = [
            "deam/2000",
            "deam/2001",
            "deam/2058",
            "deam/2059",
            "4q/2001",
        ]
        .into_iter()
        .map(clip)
        .collect();
        let f = mediaeval2015(&clips, None).unwrap();
        assert_eq!(f.test, vec![1, 2]);
        assert_eq!(f.train, vec![0, 3]);
    }

    #[test]
    fn holdout_refuses_an_unknown_id() {
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("test.txt");
        std::fs::write(&list, "2 # a comment\n4q/x\n").unwrap();
        let clips: Vec<Example> = ["deam/2", "4q/x", "4q/y"].into_iter().map(clip).collect();
        let f = holdout(&clips, &list).unwrap();
        assert_eq!((f.test, f.train), (vec![0, 1], vec![2]));
        std::fs::write(&list, "3\n").unwrap();
        let e = holdout(&clips, &list).unwrap_err().to_string();
        assert!(e.contains("id 3") && e.contains("test.txt"), "{e}");
    }
}
