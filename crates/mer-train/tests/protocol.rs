//! The model-selection protocol's fixed pieces: the holdout list regenerates from the label
//! files, folds are by clip id, and decoder warnings survive the feature cache.

use std::path::PathBuf;

use mer_featureset::FeatureSet;
use mer_train::cv::{fold_of_clip, folds};
use mer_train::protocol::{HOLDOUT_FILE, holdout_ids, read_holdout};

/// `experiments/holdout-shared.txt` (written by `scripts/holdout_shared.py`) is exactly what
/// the Rust rule computes from the shared data's label files.
#[test]
fn holdout_regenerates_the_committed_file() {
    let Some(data) = mer_audio::testdata::shared_data() else {
        return;
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let committed = read_holdout(&root.join(HOLDOUT_FILE)).unwrap();
    let ours = holdout_ids(&data).unwrap();
    assert_eq!(ours.len(), 179, "128 of 640 4Q + 51 of 256 MUSIFEAST-17");
    assert_eq!(ours, committed);
}

/// One fold rule: a clip's fold is a function of its id alone.
#[test]
fn folds_are_by_clip_id_whatever_the_order() {
    let ids: Vec<String> = (0..40).map(|i| format!("4q/MT{i:04}")).collect();
    let f = folds(&ids, 5).unwrap();
    let mut rev = ids.clone();
    rev.reverse();
    let g = folds(&rev, 5).unwrap();
    for (fi, members) in f.iter().enumerate() {
        for &i in members {
            assert_eq!(fold_of_clip(&ids[i], 5), fi);
            assert_eq!(mer_data::fold_of(&ids[i], 5), fi);
            assert!(g[fi].contains(&(ids.len() - 1 - i)));
        }
    }
    assert!(folds(&ids, 1).is_err());
    assert!(folds(&ids[..2], 5).is_err(), "empty folds are refused");
}

/// A truncated file's decoder warning is reported when its features are computed and again
/// when they come from the cache.
#[test]
fn decoder_warnings_survive_the_feature_cache() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(mer_audio::testdata::clip("4q_22k_mono.mp3")).unwrap();
    let audio = dir.path().join("half.mp3");
    std::fs::write(&audio, &bytes[..bytes.len() / 2]).unwrap();
    let item = mer_data::Item {
        id: "half".into(),
        audio,
        labels: mer_data::Labels::default(),
        features: None,
        subset: None,
    };
    let cache = mer_data::FeatureCache::new(dir.path().join("cache")).unwrap();
    let set = FeatureSet::LogMel40Fmax10k;
    let items = [item];
    let first = mer_train::load::features_of(set, &items, Some(&cache), false);
    let first = first.into_iter().next().unwrap().unwrap();
    assert!(
        first.warnings.iter().any(|w| w.contains("truncated")),
        "{:?}",
        first.warnings
    );
    let key = cache
        .key(&items[0].audio, &set.cache_key().unwrap())
        .unwrap();
    assert!(
        cache.get_entry(&key).is_some(),
        "computed features are cached"
    );
    let second = mer_train::load::features_of(set, &items, Some(&cache), false);
    let second = second.into_iter().next().unwrap().unwrap();
    assert_eq!(second, first);
}
