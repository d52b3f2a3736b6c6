//! One contract, checked on every reader's output over the shared data.

use std::collections::HashSet;

use mer_data::{Dataset, Format, load_lenient};

use crate::common::shared;

fn in_unit(x: f32) -> bool {
    x.is_finite() && (-1.0..=1.0).contains(&x)
}

/// What every reader promises: unique ids, existing audio, at least one label, every A/V
/// value finite on [-1, 1], dynamic series aligned and evenly stamped, spreads ≥ 0, and
/// every problem names a file that exists.
pub fn check_contract(ds: &Dataset) {
    let mut ids = HashSet::new();
    for it in &ds.items {
        assert!(ids.insert(&it.id), "{}: duplicate id {}", ds.name, it.id);
        assert!(
            it.audio.is_file(),
            "{}: {} missing",
            ds.name,
            it.audio.display()
        );
        assert!(
            !it.labels.is_empty(),
            "{}: {} has no labels",
            ds.name,
            it.id
        );
        if let Some(s) = &it.labels.static_av {
            assert!(
                in_unit(s.arousal) && in_unit(s.valence),
                "{}: {}",
                ds.name,
                it.id
            );
            for sd in [s.arousal_std, s.valence_std].into_iter().flatten() {
                assert!(sd.is_finite() && sd >= 0.0);
            }
        }
        if let Some(d) = &it.labels.dynamic {
            assert!(!d.is_empty() && d.arousal.len() == d.valence.len());
            assert!(d.hop_s > 0.0 && d.start_s >= 0.0);
            assert!(d.arousal.iter().chain(&d.valence).all(|&x| in_unit(x)));
            for sd in [&d.arousal_std, &d.valence_std].into_iter().flatten() {
                assert_eq!(sd.len(), d.len());
                assert!(sd.iter().all(|&x| x.is_finite() && x >= 0.0));
            }
        }
    }
    for p in &ds.problems {
        assert!(
            p.file.is_file(),
            "{}: problem names {}",
            ds.name,
            p.file.display()
        );
    }
}

#[test]
fn every_reader_keeps_the_contract_on_shared_data() {
    let Some(data) = shared() else { return };
    for (dir, format, items) in [
        ("4q", Format::FourQ, 640),
        ("musifeast17", Format::Musifeast, 256),
        ("deam-sample", Format::Deam, 10),
        ("pmemo-sample", Format::Pmemo, 4),
    ] {
        let ds = load_lenient(&data.join(dir), format).unwrap();
        assert_eq!(ds.items.len(), items, "{dir}");
        check_contract(&ds);
    }
}
