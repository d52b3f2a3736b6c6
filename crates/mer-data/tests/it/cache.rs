//! The feature cache: computes once, survives corruption, keys on content and settings,
//! safe under parallel writers.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

use mer_data::{DataError, FeatureCache, Format, LoadOptions, Matrix, compute_all, load};
use rayon::prelude::*;

use crate::common::shared;

/// A cheap but real feature of a file: per 4 KiB block, mean and max byte value.
fn block_stats(path: &Path) -> Result<Matrix, std::io::Error> {
    let bytes = std::fs::read(path)?;
    let data: Vec<f32> = bytes
        .chunks(4096)
        .flat_map(|c| {
            let mean = c.iter().map(|&b| f32::from(b)).sum::<f32>() / c.len() as f32;
            let max = f32::from(*c.iter().max().unwrap_or(&0));
            [mean, max]
        })
        .collect();
    Ok(Matrix::new(data.len() / 2, 2, data))
}

#[test]
fn computes_once_then_reads_back() {
    let Some(data) = shared() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let cache = FeatureCache::new(tmp.path().join("cache")).unwrap();
    let audio = data.join("pmemo-sample/634.mp3");
    let calls = AtomicUsize::new(0);
    let f = || {
        calls.fetch_add(1, Ordering::SeqCst);
        block_stats(&audio)
    };
    let a = cache.get_or_compute(&audio, "blockstats v1", f).unwrap();
    let b = cache.get_or_compute(&audio, "blockstats v1", f).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(a, b);
    assert_eq!(a, block_stats(&audio).unwrap());
    // Other settings: another entry.
    cache.get_or_compute(&audio, "blockstats v2", f).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // Same content under another name: same key.
    let copy = tmp.path().join("renamed.mp3");
    std::fs::copy(&audio, &copy).unwrap();
    assert_eq!(
        cache.key(&audio, "blockstats v1").unwrap(),
        cache.key(&copy, "blockstats v1").unwrap()
    );
    // Corrupt the entry (flip a payload byte; then truncate): detected, recomputed, repaired.
    let entry = cache.entry_path(&cache.key(&audio, "blockstats v1").unwrap());
    let mut bytes = std::fs::read(&entry).unwrap();
    let last = bytes.len() - 3;
    bytes[last] ^= 0xff;
    std::fs::write(&entry, &bytes).unwrap();
    let c = cache.get_or_compute(&audio, "blockstats v1", f).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(c, a);
    std::fs::write(&entry, &bytes[..40]).unwrap();
    cache.get_or_compute(&audio, "blockstats v1", f).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    cache.get_or_compute(&audio, "blockstats v1", f).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 4, "repaired entry is used");
    // A failing feature function names the file.
    let e = cache
        .get_or_compute(&audio, "broken", || Err::<Matrix, _>("decoder exploded"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("634.mp3") && e.contains("decoder exploded"),
        "{e}"
    );
}

#[test]
fn parallel_writers_of_one_key() {
    let Some(data) = shared() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let cache = FeatureCache::new(tmp.path()).unwrap();
    let audio = data.join("pmemo-sample/683.mp3");
    let want = block_stats(&audio).unwrap();
    let got: Vec<Matrix> = (0..16)
        .into_par_iter()
        .map(|_| {
            cache
                .get_or_compute(&audio, "par", || block_stats(&audio))
                .unwrap()
        })
        .collect();
    assert!(got.iter().all(|m| *m == want));
    assert_eq!(cache.get(&cache.key(&audio, "par").unwrap()), Some(want));
    // No temporary files left behind.
    let sub = cache.entry_path(&cache.key(&audio, "par").unwrap());
    let n = std::fs::read_dir(sub.parent().unwrap()).unwrap().count();
    assert_eq!(n, 1);
}

#[test]
fn compute_all_over_a_dataset() {
    let Some(data) = shared() else { return };
    let ds = load(
        &data.join("pmemo-sample"),
        Format::Pmemo,
        &LoadOptions::default(),
    )
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let cache = FeatureCache::new(tmp.path()).unwrap();
    let out = compute_all(&ds.items, Some(&cache), "blockstats v1", false, block_stats);
    assert_eq!(out.len(), 4);
    for (it, r) in ds.items.iter().zip(&out) {
        assert_eq!(r.as_ref().unwrap(), &block_stats(&it.audio).unwrap());
    }
    // Second pass is served from the cache: a feature function that fails proves it.
    let again = compute_all(
        &ds.items,
        Some(&cache),
        "blockstats v1",
        false,
        |_: &Path| Err::<Matrix, _>("must not be called"),
    );
    assert!(again.iter().all(|r| r.is_ok()));
    let uncached = compute_all(&ds.items, None, "x", false, |_: &Path| {
        Err::<Matrix, _>("bad file")
    });
    assert!(uncached.iter().all(|r| {
        r.as_ref()
            .is_err_and(|e| e.to_string().contains("bad file"))
    }));
}

/// A decoder error (which names the file itself) is reported with the file named once.
#[test]
fn compute_errors_name_the_file_once() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("not-audio.mp3");
    std::fs::write(&bad, b"this is not an mp3 file at all").unwrap();
    let cache = FeatureCache::new(tmp.path().join("cache")).unwrap();
    let decode = |p: &Path| {
        mer_audio::load(p, None).map(|a| Matrix::new(1, 1, vec![a.samples.len() as f32]))
    };
    let inner = decode(&bad).unwrap_err().to_string();
    assert!(inner.starts_with(&bad.display().to_string()), "{inner}");
    for e in [
        cache
            .get_or_compute(&bad, "decode", || decode(&bad))
            .unwrap_err(),
        DataError::compute(&bad, "plain message"),
    ] {
        let e = e.to_string();
        assert_eq!(e.matches("not-audio.mp3").count(), 1, "{e}");
        assert!(e.contains("computing features"), "{e}");
    }
}

/// The real front-end through the cache: 2 Hz log-mel (Malik et al. 2017 settings) of the
/// PMEmo sample; every labelled frame has a feature frame.
#[test]
fn compute_all_with_log_mel() {
    let Some(data) = shared() else { return };
    let ds = load(
        &data.join("pmemo-sample"),
        Format::Pmemo,
        &LoadOptions::default(),
    )
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let cache = FeatureCache::new(tmp.path()).unwrap();
    let cfg = mer_features::MelConfig::malik2017();
    let key = format!("logmel-2hz v1 {cfg:?}");
    let logmel_2hz = |p: &Path| -> Result<Matrix, mer_features::FeatureError> {
        let out = mer_features::log_mel_file(p, &cfg)?;
        Ok(mer_features::pool_2hz(
            &out.features,
            out.n_samples,
            cfg.hop_length,
            cfg.sample_rate,
        ))
    };
    let out = compute_all(&ds.items, Some(&cache), &key, false, logmel_2hz);
    for (it, r) in ds.items.iter().zip(out) {
        let m = r.unwrap();
        assert_eq!(m.cols, 40);
        assert!(m.data.iter().all(|x| x.is_finite()));
        let d = it.labels.dynamic.as_ref().unwrap();
        assert_eq!(d.frames().start, 31);
        assert!(
            d.frames().end <= m.rows,
            "{}: labels reach frame {}, features have {}",
            it.id,
            d.frames().end,
            m.rows
        );
        assert_eq!(cache.get(&cache.key(&it.audio, &key).unwrap()), Some(m));
    }
}
