//! Train/test splits: the publisher's official one, k-fold by a stable hash of the id, or a
//! user's id list.

use std::path::Path;

use crate::{DataError, Dataset, Subset};

/// Indices into [`Dataset::items`] of the training and test items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// Training items.
    pub train: Vec<usize>,
    /// Held-out items.
    pub test: Vec<usize>,
}

/// 64-bit FNV-1a (Fowler–Noll–Vo, offset basis 0xcbf29ce484222325, prime 0x100000001b3).
/// Fixed on every platform and Rust version, unlike `std`'s randomised hasher, so a k-fold
/// assignment never changes between runs or machines.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The fold (0..k) of an id: `fnv1a64(id) mod k` (k = 0 is taken as 1).
pub fn fold_of(id: &str, k: usize) -> usize {
    (fnv1a64(id.as_bytes()) % k.max(1) as u64) as usize
}

impl Split {
    /// The publisher's split ([`crate::Item::subset`]), or `None` when the corpus (as loaded)
    /// has no test items marked. Items without a subset are left out.
    pub fn official(ds: &Dataset) -> Option<Split> {
        let pick = |s: Subset| -> Vec<usize> {
            (0..ds.items.len())
                .filter(|&i| ds.items[i].subset == Some(s))
                .collect()
        };
        let test = pick(Subset::Test);
        (!test.is_empty()).then(|| Split {
            train: pick(Subset::Train),
            test,
        })
    }

    /// Fold `fold` of `k` as the test set, the other folds as training; an item's fold is
    /// [`fold_of`] its id, so it does not depend on item order.
    pub fn kfold(ds: &Dataset, k: usize, fold: usize) -> Result<Split, DataError> {
        if k < 2 || fold >= k {
            return Err(DataError::BadSplit(format!(
                "k-fold needs k >= 2 and fold < k, got k={k}, fold={fold}"
            )));
        }
        let (test, train) = (0..ds.items.len()).partition(|&i| fold_of(&ds.items[i].id, k) == fold);
        Ok(Split { train, test })
    }

    /// Test = the ids listed in `test_list` (see [`read_id_list`]), train = the rest. Ids
    /// not in the dataset are an error naming the first.
    pub fn from_test_list(ds: &Dataset, test_list: &Path) -> Result<Split, DataError> {
        let ids = read_id_list(test_list)?;
        let known: std::collections::HashSet<&str> =
            ds.items.iter().map(|it| it.id.as_str()).collect();
        if let Some(bad) = ids.iter().find(|id| !known.contains(id.as_str())) {
            return Err(DataError::BadSplit(format!(
                "{}: id {bad} is not in the dataset",
                test_list.display()
            )));
        }
        let wanted: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
        let (test, train) =
            (0..ds.items.len()).partition(|&i| wanted.contains(ds.items[i].id.as_str()));
        Ok(Split { train, test })
    }
}

/// Reads a list of ids: separated by whitespace or commas, `#` to the end of a line is a
/// comment. Duplicates are kept once, in first-seen order.
pub fn read_id_list(path: &Path) -> Result<Vec<String>, DataError> {
    let text = std::fs::read_to_string(path).map_err(|e| DataError::io(path, e))?;
    let mut seen = std::collections::HashSet::new();
    let mut ids = Vec::new();
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("");
        for tok in line.split(|c: char| c.is_whitespace() || c == ',') {
            let tok = tok.trim_matches('"');
            if !tok.is_empty() && seen.insert(tok.to_string()) {
                ids.push(tok.to_string());
            }
        }
    }
    Ok(ids)
}
