//! Publisher layouts built in temporary folders from real shared rows and audio.

use mer_data::{
    Format, LoadOptions, ProblemKind, Quadrant, Scale, Split, Subset, deam, load,
    read_deam_features,
};

use crate::common::{close, link, shared, write};
use crate::fixtures::{build_deam, build_pmemo};

#[test]
fn deam_official_layout() {
    let Some(data) = shared() else { return };
    let tmp = tempfile::tempdir().unwrap();
    build_deam(tmp.path(), &data);
    let ds = load(tmp.path(), Format::Deam, &LoadOptions::default()).unwrap();
    crate::contract::check_contract(&ds);
    assert_eq!(ds.items.len(), 11);
    assert!(ds.problems.is_empty(), "{:?}", ds.problems);
    let it = ds.get("2").unwrap();
    assert!(it.audio.ends_with("MEMD_audio/2.mp3"));
    // Static from the trap file: arousal 3.1, valence 3.0 → (x − 5)/4.
    let s = it.labels.static_av.unwrap();
    assert_eq!(s.scale, Scale::OneToNine);
    assert!(close(s.arousal, -0.475) && close(s.valence, -0.5));
    // First dynamic value: sample_15000ms of song 2, the trailing empty cells ignored.
    let d = it.labels.dynamic.as_ref().unwrap();
    assert!(close(d.arousal[0], -0.109_387_73) && close(d.valence[0], -0.073_341_23));
    assert_eq!((d.len(), d.first_frame()), (61, 30));
    // Full-length evaluation song.
    let e = ds.get("2001").unwrap();
    assert_eq!(e.subset, Some(Subset::Test));
    assert_eq!(e.labels.dynamic.as_ref().unwrap().len(), 80);
    let es = e.labels.static_av.unwrap();
    assert!(close(es.valence, (3.2 - 5.0) / 4.0) && close(es.arousal, (6.6 - 5.0) / 4.0));
    // Features file found for song 2 and readable.
    let fp = it.features.as_ref().expect("features/2.csv");
    let f = read_deam_features(fp).unwrap();
    assert_eq!((f.matrix.rows, f.matrix.cols), (4, 3));
    assert_eq!(f.times, [0.0, 0.5, 1.0, 1.5]);
    assert_eq!(f.names[0], "F0final_sma_stddev");
    assert_eq!(f.matrix.row(3), [3.0, 0.03, -3.0]);
    // MediaEval 2015 split from a user's development list.
    let list = tmp.path().join("dev_ids.txt");
    write(&list, "# MediaEval 2015 development ids\n2, 3\n4 5\n");
    let sp = deam::mediaeval2015(&ds, &list).unwrap();
    assert_eq!(sp.train.len(), 4);
    let test: Vec<&str> = sp.test.iter().map(|&i| ds.items[i].id.as_str()).collect();
    assert_eq!(test, ["2001"]);
    let official = Split::official(&ds).unwrap();
    assert_eq!((official.train.len(), official.test.len()), (10, 1));
    // A list naming a song that is not there is an error.
    write(&list, "2 999\n");
    assert!(deam::mediaeval2015(&ds, &list).is_err());
}

#[test]
fn deam_features_wrong_delimiter_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("features/2.csv");
    write(&p, "frameTime,F0final_sma_stddev\n0.0,1\n");
    let e = read_deam_features(&p).unwrap_err().to_string();
    assert!(e.contains("2.csv:1") && e.contains("delimiter"), "{e}");
    write(&p, "frameTime;a;b\n0.0;1;2\n0.5;1;nan\n");
    let e = read_deam_features(&p).unwrap_err().to_string();
    assert!(e.contains("2.csv:3"), "{e}");
}

#[test]
fn pmemo_2019_layout() {
    let Some(data) = shared() else { return };
    let tmp = tempfile::tempdir().unwrap();
    build_pmemo(tmp.path(), &data);
    let ds = load(tmp.path(), Format::Pmemo, &LoadOptions::default()).unwrap();
    crate::contract::check_contract(&ds);
    assert_eq!(ds.items.len(), 4);
    let it = ds.get("108").unwrap();
    assert!(it.audio.ends_with("chorus/108.mp3"));
    let s = it.labels.static_av.unwrap();
    assert!(close(s.arousal, 2.0 * 0.863 - 1.0));
    assert!(close(s.arousal_std.unwrap(), 0.2) && close(s.valence_std.unwrap(), 0.4));
    let d = it.labels.dynamic.as_ref().unwrap();
    assert_eq!((d.len(), d.start_s, d.first_frame()), (68, 15.5, 31));
    assert!(close(d.arousal[0], 2.0 * 0.8595 - 1.0));
    assert!(close(d.valence_std.as_ref().unwrap()[5], 0.08));
    // The same numbers as the JSON sample reader.
    let sample = load(
        &data.join("pmemo-sample"),
        Format::Pmemo,
        &LoadOptions::default(),
    )
    .unwrap();
    for (a, b) in ds.items.iter().zip(&sample.items) {
        assert_eq!(a.id, b.id);
        let (da, db) = (
            a.labels.dynamic.as_ref().unwrap(),
            b.labels.dynamic.as_ref().unwrap(),
        );
        assert_eq!(da.arousal, db.arousal);
        assert_eq!(da.valence, db.valence);
    }
}

#[test]
fn fourq_without_audio_folder() {
    let Some(data) = shared() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let src = data.join("4q");
    let csv = src.join("panda_dataset_taffc_annotations.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    let mut out = String::from("Song,Quadrant\n");
    let mut per = [0usize; 4];
    for line in text.lines().skip(1) {
        let (song, q) = line.split_once(',').unwrap();
        let qi = Quadrant::parse(q).unwrap().index();
        if per[qi] < 3 {
            per[qi] += 1;
            out += &format!("{line}\n");
            link(
                &src.join(format!("audio/{q}/{song}.mp3")),
                &tmp.path().join(format!("{q}/{song}.mp3")),
            );
        }
    }
    write(
        &tmp.path().join("panda_dataset_taffc_annotations.csv"),
        &out,
    );
    let ds = load(tmp.path(), Format::FourQ, &LoadOptions::default()).unwrap();
    crate::contract::check_contract(&ds);
    assert_eq!(ds.items.len(), 12);
    for it in &ds.items {
        let q = it.labels.quadrant.unwrap();
        assert!(it.audio.parent().unwrap().ends_with(q.to_string()));
    }
}

#[test]
fn manifests_static_and_dynamic() {
    let Some(data) = shared() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let m = tmp.path();
    link(&data.join("pmemo-sample/108.mp3"), &m.join("clips/a.mp3"));
    link(&data.join("pmemo-sample/372.mp3"), &m.join("clips/b.mp3"));
    write(
        &m.join("static.csv"),
        "path,arousal,valence,arousal_std,valence_std\nclips/a.mp3,0.726,0.726,0.1,0.2\nclips/b.mp3,0.65,-0.65,,\n",
    );
    write(
        &m.join("dynamic.csv"),
        "path,time_s,arousal,valence\nclips/a.mp3,15.5,0.719,0.5668\nclips/a.mp3,15.0,0.7,0.5\nclips/a.mp3,16.0,0.73,0.58\n",
    );
    let ds = load(m, Format::Manifest, &LoadOptions::default()).unwrap();
    crate::contract::check_contract(&ds);
    assert_eq!(ds.items.len(), 2);
    let a = ds.get("clips/a.mp3").unwrap();
    let d = a.labels.dynamic.as_ref().unwrap();
    // Rows are sorted by time: 15.0, 15.5, 16.0.
    assert_eq!((d.start_s, d.hop_s, d.first_frame()), (15.0, 0.5, 30));
    assert_eq!(d.arousal, [0.7, 0.719, 0.73]);
    assert_eq!(a.labels.static_av.unwrap().valence_std, Some(0.2));
    let b = ds.get("clips/b.mp3").unwrap();
    assert!(b.labels.dynamic.is_none());
    assert_eq!(b.labels.static_av.unwrap().arousal_std, None);
    // The static manifest alone, named as a file.
    let only = load(
        &m.join("static.csv"),
        Format::Manifest,
        &LoadOptions::default(),
    )
    .unwrap();
    assert_eq!(only.items.len(), 2);
    assert!(only.items.iter().all(|i| i.labels.dynamic.is_none()));
    assert!(
        !ds.problems
            .iter()
            .any(|p| matches!(p.kind, ProblemKind::MissingAudio(_)))
    );
}
