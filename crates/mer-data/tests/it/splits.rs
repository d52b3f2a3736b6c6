//! Splits: the stable hash, k-fold, test lists.

use mer_data::{Format, LoadOptions, Split, fnv1a64, fold_of, load};

use crate::common::{shared, write};

#[test]
fn fnv1a64_matches_published_test_vectors() {
    // Test vectors from the FNV reference (Noll, "FNV hash" test suite, 64-bit FNV-1a).
    assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
    assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
    assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
}

#[test]
fn kfold_partitions_and_is_stable() {
    let Some(data) = shared() else { return };
    let ds = load(&data.join("4q"), Format::FourQ, &LoadOptions::default()).unwrap();
    let k = 5;
    let mut seen = vec![0usize; ds.items.len()];
    for fold in 0..k {
        let s = Split::kfold(&ds, k, fold).unwrap();
        assert_eq!(s.train.len() + s.test.len(), ds.items.len());
        for &i in &s.test {
            seen[i] += 1;
            assert_eq!(fold_of(&ds.items[i].id, k), fold);
        }
        // Roughly balanced: 128 expected per fold.
        assert!(
            (90..170).contains(&s.test.len()),
            "fold {fold}: {}",
            s.test.len()
        );
    }
    assert!(
        seen.iter().all(|&n| n == 1),
        "every item in exactly one test fold"
    );
    // Independent of item order.
    let mut rev = ds.clone();
    rev.items.reverse();
    let a: Vec<&str> = Split::kfold(&ds, k, 2)
        .unwrap()
        .test
        .iter()
        .map(|&i| ds.items[i].id.as_str())
        .collect();
    let mut b: Vec<&str> = Split::kfold(&rev, k, 2)
        .unwrap()
        .test
        .iter()
        .map(|&i| rev.items[i].id.as_str())
        .collect();
    b.reverse();
    assert_eq!(a, b);
    assert!(Split::kfold(&ds, 1, 0).is_err() && Split::kfold(&ds, 3, 3).is_err());
}

#[test]
fn test_list_split() {
    let Some(data) = shared() else { return };
    let ds = load(
        &data.join("pmemo-sample"),
        Format::Pmemo,
        &LoadOptions::default(),
    )
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let list = tmp.path().join("test.txt");
    write(&list, "372\n683 # two songs\n");
    let s = Split::from_test_list(&ds, &list).unwrap();
    let test: Vec<&str> = s.test.iter().map(|&i| ds.items[i].id.as_str()).collect();
    assert_eq!(test, ["372", "683"]);
    assert_eq!(s.train.len(), 2);
    write(&list, "372 4242\n");
    let e = Split::from_test_list(&ds, &list).unwrap_err().to_string();
    assert!(e.contains("4242"), "{e}");
    assert!(Split::official(&ds).is_none());
}
