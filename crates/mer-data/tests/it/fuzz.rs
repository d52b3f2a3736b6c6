//! Fuzzing every dataset reader on stable Rust with `mer_testkit::fuzz` (issue 13): DEAM
//! (official layout: dynamic arousal/valence, both static files; emoMusic 2013: the four
//! series files, static annotations, songs info), DEAM's openSMILE feature files, PMEmo
//! (2019 CSVs and the sample's JSON), 4Q, MUSIFEAST-17, manifests (static and dynamic), id
//! lists, and feature-cache entries.
//!
//! Each publisher layout is built in a temporary folder from real shared rows (the
//! [`crate::fixtures`] builders, or excerpts of the shared files) and one of its files at a
//! time is replaced by each mutant of itself; the folder is then read with `load_lenient`.
//! A mutant may be refused with a one-line error naming a file below the folder, or load
//! with problems; what loads must keep the reader contract ([`check_contract`]: unique ids,
//! labels finite on [-1, 1], series aligned and evenly stamped, frames addressable) — never
//! a panic.
//!
//! Budget at `MER_FUZZ_SCALE=1`: 200 mutants per file or reader (21 of them, a few seconds each
//! test);
//! a longer campaign:
//!
//! ```text
//! MER_FUZZ_SCALE=100 cargo test --release -p mer-data --test it fuzz -- --nocapture
//! MER_FUZZ_SEED=7 ...   # another sequence of mutants
//! ```

use std::path::{Path, PathBuf};

use mer_data::{
    DataError, Format, LoadOptions, Matrix, Summary, deam, load_lenient, read_deam_features,
    read_id_list,
};
use mer_testkit::fuzz::{Report, fuzz};

use crate::common::shared;
use crate::contract::check_contract;
use crate::fixtures::{build_deam, build_pmemo, link, write};

const MUTANTS: usize = 200;

/// CSV and JSON tokens: delimiters, quotes, numbers at the edges, the publishers' names.
const DICT: &[&[u8]] = &[
    b",",
    b";",
    b"\"",
    b"\n",
    b"\r\n",
    b"\t",
    b"\xef\xbb\xbf",
    b",,,,",
    b"NaN",
    b"inf",
    b"-1",
    b"1e39",
    b"-0",
    b"4294967295",
    b"18446744073709551616",
    b"0.5",
    b"1000",
    b"1001",
    b"song_id",
    b"sample_15000ms",
    b"sample_4294967295ms",
    b"valence_mean",
    b"arousal_mean",
    b"musicId",
    b"frameTime",
    b"Arousal(mean)",
    b"Q1",
    b"CLIP_NAME",
    b"path",
    b"time_s",
    b"\"dynamic\"",
    b"\"t\":[",
    b"[]",
    b"{}",
    b"null",
];

/// The error of a reader must be one line and name a file or folder below `root`.
fn check_error(e: &DataError, root: &Path) {
    let msg = e.to_string();
    assert!(!msg.contains('\n'), "error is not one line: {msg:?}");
    assert!(
        msg.contains(&root.display().to_string()),
        "error names no file below {}: {msg}",
        root.display()
    );
}

/// Reads `root` as `format` and checks what it gives; `true` when it read.
fn read_and_check(root: &Path, format: Format) -> bool {
    match load_lenient(root, format) {
        Ok(ds) => {
            check_contract(&ds);
            for it in &ds.items {
                if let Some(d) = &it.labels.dynamic {
                    let frames = d.frames();
                    assert!(frames.start <= frames.end, "{}: frames {frames:?}", it.id);
                    let _ = d.crop(15.0, 45.0);
                }
            }
            let _ = Summary::of(&ds).to_string();
            // The strict load's error names the first problem on one line.
            if let Err(e) = ds.check(&LoadOptions::default()) {
                check_error(&e, root);
            }
            true
        }
        Err(e) => {
            check_error(&e, root);
            false
        }
    }
}

/// Fuzzes the file `rel` of the layout in `root`: every mutant of its content (and of any
/// `extra` seeds) replaces it, and the folder is read as `format`. The file is restored
/// afterwards so the next file of the layout is fuzzed next to good ones.
fn fuzz_file(root: &Path, format: Format, rel: &str, extra: &[&str], seed: u64) -> Report {
    let path = root.join(rel);
    let original = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut corpus = vec![original.clone()];
    corpus.extend(extra.iter().map(|s| s.as_bytes().to_vec()));
    let name = format!("{format:?} {rel}");
    let r = fuzz(&name, &corpus, DICT, MUTANTS, seed, |bytes| {
        std::fs::write(&path, bytes).unwrap();
        read_and_check(root, format)
    });
    std::fs::write(&path, original).unwrap();
    // Not everything refused (most JSON mutants are not JSON: fewer get through there).
    assert!(r.accepted > 2, "{r}");
    r
}

/// The first `n` lines of a shared file, and the rows whose first field is in `ids`.
fn excerpt(path: &Path, n: usize, ids: &[&str]) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let first = line.split(',').next().unwrap_or("").trim_matches('"');
        if i < n || ids.contains(&first) {
            out += line;
            out += "\n";
        }
    }
    out
}

#[test]
fn fuzz_deam_official_layout() {
    let Some(data) = shared() else { return };
    let tmp = tempfile::tempdir().unwrap();
    build_deam(tmp.path(), &data);
    // The static file with rows on both sides of the header swap (ids 1000 and 1001).
    let meta = data.join("deam-sample/deam-metadata");
    let f1 = "static_annotations_averaged_songs_1_2000.csv";
    let song_level = tmp
        .path()
        .join("DEAM_Annotations/annotations/annotations averaged per song/song_level");
    write(
        &song_level.join(f1),
        &excerpt(&meta.join(f1), 11, &["1000", "1001", "1002"]),
    );
    let ann = "DEAM_Annotations/annotations/annotations averaged per song";
    for (i, rel) in [
        "dynamic (per second annotations)/arousal.csv",
        "dynamic (per second annotations)/valence.csv",
        "song_level/static_annotations_averaged_songs_1_2000.csv",
        "song_level/static_annotations_averaged_songs_2000_2058.csv",
    ]
    .iter()
    .enumerate()
    {
        fuzz_file(
            tmp.path(),
            Format::Deam,
            &format!("{ann}/{rel}"),
            &[],
            100 + i as u64,
        );
    }
}

#[test]
fn fuzz_deam_emomusic_layout() {
    let Some(data) = shared() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let src = data.join("deam-sample");
    let ids = ["2", "3", "4", "5"];
    for id in ids {
        link(
            &src.join(format!("audio/{id}.mp3")),
            &tmp.path().join(format!("audio/{id}.mp3")),
        );
    }
    let files = [
        "arousal_cont_average.csv",
        "valence_cont_average.csv",
        "arousal_cont_std.csv",
        "valence_cont_std.csv",
        "static_annotations.csv",
        "songs_info.csv",
    ];
    for f in files {
        let text = excerpt(&src.join("emomusic-annotations").join(f), 1, &ids);
        write(&tmp.path().join("annotations").join(f), &text);
    }
    for (i, f) in files.iter().enumerate() {
        fuzz_file(
            tmp.path(),
            Format::Deam,
            &format!("annotations/{f}"),
            &[],
            200 + i as u64,
        );
    }
}

#[test]
fn fuzz_deam_feature_files_and_id_lists() {
    let Some(data) = shared() else { return };
    let tmp = tempfile::tempdir().unwrap();
    build_deam(tmp.path(), &data);
    let path = tmp.path().join("DEAM_features/features/2.csv");
    let seed = std::fs::read(&path).unwrap();
    // openSMILE ends lines with `;` in some versions.
    let trailing = String::from_utf8(seed.clone())
        .unwrap()
        .replace('\n', ";\n");
    let r = fuzz(
        "DEAM features",
        &[seed, trailing.into_bytes()],
        DICT,
        MUTANTS,
        300,
        |bytes| {
            std::fs::write(&path, bytes).unwrap();
            match read_deam_features(&path) {
                Ok(f) => {
                    let m = &f.matrix;
                    assert_eq!(m.data.len(), m.rows * m.cols);
                    assert_eq!((f.times.len(), f.names.len()), (m.rows, m.cols));
                    assert!(m.data.iter().chain(&f.times).all(|v| v.is_finite()));
                    true
                }
                Err(e) => {
                    check_error(&e, tmp.path());
                    false
                }
            }
        },
    );
    assert!(r.accepted > MUTANTS / 20, "{r}");

    // MediaEval 2015 development list / test-id lists.
    let list = tmp.path().join("dev_ids.txt");
    let ds = load_lenient(tmp.path(), Format::Deam).unwrap();
    let r = fuzz(
        "id list",
        &[b"# MediaEval 2015 development set\n2, 3 4\n5\t7\n".to_vec()],
        DICT,
        MUTANTS,
        301,
        |bytes| {
            std::fs::write(&list, bytes).unwrap();
            match read_id_list(&list) {
                Ok(ids) => {
                    assert!(ids.iter().all(|id| !id.is_empty()));
                    if let Err(e) = deam::mediaeval2015(&ds, &list) {
                        assert!(!e.to_string().contains('\n'), "{e}");
                    }
                    true
                }
                Err(e) => {
                    check_error(&e, tmp.path());
                    false
                }
            }
        },
    );
    assert!(r.accepted > MUTANTS / 20, "{r}");
}

#[test]
fn fuzz_pmemo_layouts() {
    let Some(data) = shared() else { return };
    let tmp = tempfile::tempdir().unwrap();
    build_pmemo(tmp.path(), &data);
    // Keep the dynamic files short: the first 12 rows of each.
    for f in ["dynamic_annotations.csv", "dynamic_annotations_std.csv"] {
        let p = tmp.path().join("PMEmo2019/annotations").join(f);
        let text = std::fs::read_to_string(&p).unwrap();
        let short: String = text.lines().take(13).map(|l| format!("{l}\n")).collect();
        write(&p, &short);
    }
    for (i, f) in [
        "static_annotations.csv",
        "static_annotations_std.csv",
        "dynamic_annotations.csv",
        "dynamic_annotations_std.csv",
    ]
    .iter()
    .enumerate()
    {
        fuzz_file(
            tmp.path(),
            Format::Pmemo,
            &format!("PMEmo2019/annotations/{f}"),
            &[],
            400 + i as u64,
        );
    }

    // The sample layout: `<id>.json` with `dynamic: {t, a, v}`, shortened to 6 values.
    let sample = tempfile::tempdir().unwrap();
    let src = data.join("pmemo-sample");
    link(&src.join("108.mp3"), &sample.path().join("108.mp3"));
    let mut j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(src.join("108.json")).unwrap()).unwrap();
    for k in ["t", "a", "v"] {
        j["dynamic"][k].as_array_mut().unwrap().truncate(6);
    }
    write(&sample.path().join("108.json"), &j.to_string());
    let index = std::fs::read_to_string(src.join("index.json")).unwrap();
    fuzz_file(sample.path(), Format::Pmemo, "108.json", &[&index], 410);
}

#[test]
fn fuzz_fourq_musifeast_and_manifests() {
    let Some(data) = shared() else { return };
    // 4Q: three clips per quadrant.
    let fourq = tempfile::tempdir().unwrap();
    let src = data.join("4q");
    let text = std::fs::read_to_string(src.join("panda_dataset_taffc_annotations.csv")).unwrap();
    let mut csv = String::from("Song,Quadrant\n");
    let mut per = std::collections::HashMap::new();
    for line in text.lines().skip(1) {
        let (song, q) = line.split_once(',').unwrap();
        let n = per.entry(q.to_string()).or_insert(0);
        if *n < 3 {
            *n += 1;
            csv += &format!("{line}\n");
            link(
                &src.join(format!("audio/{q}/{song}.mp3")),
                &fourq.path().join(format!("audio/{q}/{song}.mp3")),
            );
        }
    }
    write(
        &fourq.path().join("panda_dataset_taffc_annotations.csv"),
        &csv,
    );
    fuzz_file(
        fourq.path(),
        Format::FourQ,
        "panda_dataset_taffc_annotations.csv",
        &[],
        500,
    );

    // MUSIFEAST-17: the header and its first five clips.
    let mf = tempfile::tempdir().unwrap();
    let src = data.join("musifeast17");
    let text = std::fs::read_to_string(src.join("MUSIFEAST17_all.csv")).unwrap();
    let mut csv = String::new();
    for line in text.lines().take(6) {
        csv += &format!("{line}\n");
        if let Some(clip) = line.split(',').nth(1).filter(|c| *c != "CLIP_NAME") {
            link(
                &src.join(format!("stimuli/{clip}.mp3")),
                &mf.path().join(format!("stimuli/{clip}.mp3")),
            );
        }
    }
    write(&mf.path().join("MUSIFEAST17_all.csv"), &csv);
    fuzz_file(
        mf.path(),
        Format::Musifeast,
        "MUSIFEAST17_all.csv",
        &[],
        501,
    );

    // Manifests: a static and a dynamic one over two real clips.
    let m = tempfile::tempdir().unwrap();
    let clips = data.join("deam-sample/audio");
    link(&clips.join("2.mp3"), &m.path().join("clips/a.mp3"));
    link(&clips.join("3.mp3"), &m.path().join("clips/b.mp3"));
    write(
        &m.path().join("static.csv"),
        "path,arousal,valence,arousal_std,valence_std\n\
         clips/a.mp3,0.25,-0.5,0.1,0.2\n\
         clips/b.mp3,-0.75,0.5,,\n",
    );
    let mut dynamic = String::from("path,time_s,arousal,valence\n");
    for k in 0..6 {
        let t = 15.0 + 0.5 * k as f32;
        dynamic += &format!("clips/a.mp3,{t},{},{}\n", 0.1 * k as f32, -0.1 * k as f32);
    }
    dynamic += "clips/b.mp3,0,0.5,0.5\n";
    write(&m.path().join("dynamic.csv"), &dynamic);
    fuzz_file(m.path(), Format::Manifest, "static.csv", &[], 502);
    fuzz_file(m.path(), Format::Manifest, "dynamic.csv", &[], 503);
}

#[test]
fn fuzz_feature_cache_entries() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = mer_data::FeatureCache::new(tmp.path()).unwrap();
    let key = "ab".repeat(32);
    let m = Matrix::new(3, 4, (0..12).map(|i| i as f32 * 0.25 - 1.0).collect());
    cache.put(&key, &m).unwrap();
    let entry: PathBuf = cache.entry_path(&key);
    let seed = std::fs::read(&entry).unwrap();
    assert_eq!(cache.get(&key), Some(m.clone()));
    let r = fuzz("cache entry", &[seed], DICT, MUTANTS, 600, |bytes| {
        std::fs::write(&entry, bytes).unwrap();
        match cache.get(&key) {
            Some(got) => {
                // Only an entry that passes its checksum is used: the stored matrix.
                assert_eq!(got, m);
                true
            }
            None => false,
        }
    });
    // Every mutant but the seed fails its length, magic or checksum check.
    assert!(r.accepted >= 1, "{r}");
}
