//! `mer serve --catalog` reads the three formats `mer catalog` writes (CSV, JSON Lines and
//! the Parquet folder) to the same rows, and serves their values: one catalog of real 4Q
//! clips (fast model) written by mer-catalog in each format.

use std::path::PathBuf;

use mer_audio::testdata::shared_data;
use mer_catalog::{Observer, Options};
use mer_predict::Predictor;
use mer_serve::catalog::Catalog;
use mer_serve::library::Library;

struct Quiet;
impl Observer for Quiet {}

#[test]
fn csv_jsonl_and_parquet_catalogs_read_to_the_same_rows_and_fill_the_library() {
    let Some(data) = shared_data() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib");
    for (i, q) in ["Q1", "Q3", "Q4"].into_iter().enumerate() {
        let mut clips: Vec<PathBuf> = std::fs::read_dir(data.join("4q/audio").join(q))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        clips.sort();
        let to = lib.join(q).join(clips[i].file_name().unwrap());
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&clips[i], &to).unwrap();
    }
    // A file that is not audio: an error row in every format.
    std::fs::write(lib.join("broken.mp3"), b"no audio here").unwrap();
    let predictor = Predictor::fast_model().unwrap();
    let mut read = Vec::new();
    for ext in ["csv", "jsonl", "parquet"] {
        let out = tmp.path().join(format!("cat.{ext}"));
        let opts = Options {
            roots: vec![lib.clone()],
            output: out.clone(),
            threads: 2,
            force: false,
            dynamic: None,
        };
        let s = mer_catalog::run(&opts, &predictor, "fast", &Quiet).unwrap();
        assert_eq!((s.written, s.errors), (4, 1), "{ext}");
        let mut cat = Catalog::read(&out).unwrap();
        assert_eq!(cat.skipped, 0, "{ext}: {:?}", cat.first_skip);
        cat.rows.sort_by(|a, b| a.path.cmp(&b.path));
        let library = Library::build(std::slice::from_ref(&lib), Some(&cat)).unwrap();
        assert_eq!(library.unmatched_rows, 0, "{ext}");
        assert_eq!(library.analyzed(), 3, "{ext}");
        read.push((ext, cat.rows));
    }
    let (_, csv) = &read[0];
    assert_eq!(csv.len(), 4);
    assert_eq!(
        csv[0].path,
        PathBuf::from("Q1").join(csv[0].path.file_name().unwrap())
    );
    let broken = csv
        .iter()
        .find(|r| r.path == std::path::Path::new("broken.mp3"))
        .unwrap();
    assert!(broken.status.as_ref().unwrap_err().contains("broken.mp3"));
    for r in csv.iter().filter(|r| r.status.is_ok()) {
        let s = r.status.as_ref().unwrap();
        assert!(
            (29.0..31.0).contains(&s.duration_s) && &*s.model == "fast",
            "{r:?}"
        );
    }
    for (ext, rows) in &read[1..] {
        assert_eq!(rows, csv, "{ext} reads otherwise than csv");
    }
}
