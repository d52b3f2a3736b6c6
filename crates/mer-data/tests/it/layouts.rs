//! Publisher layouts built in temporary folders from real shared rows and audio.

use std::path::Path;

use mer_data::{
    Format, LoadOptions, ProblemKind, Quadrant, Scale, Split, Subset, deam, load,
    read_deam_features,
};

use crate::common::{close, link, numbers_after_id, row_of, shared, write};

const DEAM_IDS: [&str; 10] = ["2", "3", "4", "5", "7", "8", "10", "12", "13", "17"];

/// The official DEAM download unzipped the way its three archives unpack, one level deeper
/// than the user's folder: `DEAM_audio/MEMD_audio`, `DEAM_Annotations/annotations/…`,
/// `DEAM_features/features`. Songs 2–17 come from the shared sample (their emoMusic rows
/// under DEAM's dynamic header, 61 values then empty cells up to the longest song), plus a
/// full-length evaluation song 2001 (its audio: song 2's file; its series: 80 values from
/// songs 2 and 3), the static rows copied verbatim from the shared DEAM metadata.
fn build_deam(root: &Path, data: &Path) {
    let sample = data.join("deam-sample");
    let ann = sample.join("emomusic-annotations");
    for id in DEAM_IDS {
        link(
            &sample.join(format!("audio/{id}.mp3")),
            &root.join(format!("DEAM_audio/MEMD_audio/{id}.mp3")),
        );
    }
    link(
        &sample.join("audio/2.mp3"),
        &root.join("DEAM_audio/MEMD_audio/2001.mp3"),
    );
    let dyn_dir = root.join(
        "DEAM_Annotations/annotations/annotations averaged per song/dynamic (per second annotations)",
    );
    let n_cols = 80; // 15.0 … 54.5 s
    let header: Vec<String> = (0..n_cols)
        .map(|k| format!("sample_{}ms", 15000 + 500 * k))
        .collect();
    for (file, emo) in [
        ("arousal.csv", "arousal_cont_average.csv"),
        ("valence.csv", "valence_cont_average.csv"),
    ] {
        let mut text = format!("song_id,{}\n", header.join(","));
        for id in DEAM_IDS {
            let row = row_of(&ann.join(emo), id);
            let n = row.split(',').count() - 1;
            text += &format!("{row}{}\n", ",".repeat(n_cols - n));
        }
        let mut long = numbers_after_id(&row_of(&ann.join(emo), "2"));
        long.extend(
            numbers_after_id(&row_of(&ann.join(emo), "3"))
                .iter()
                .take(19),
        );
        let cells: Vec<String> = long.iter().map(|x| x.to_string()).collect();
        text += &format!("2001,{}\n", cells.join(","));
        write(&dyn_dir.join(file), &text);
    }
    let meta = sample.join("deam-metadata");
    let song_level =
        root.join("DEAM_Annotations/annotations/annotations averaged per song/song_level");
    let f1 = "static_annotations_averaged_songs_1_2000.csv";
    let header1 = std::fs::read_to_string(meta.join(f1)).unwrap();
    let mut text = header1.lines().next().unwrap().to_string() + "\n";
    for id in DEAM_IDS {
        text += &(row_of(&meta.join(f1), id) + "\n");
    }
    write(&song_level.join(f1), &text);
    let f2 = "static_annotations_averaged_songs_2000_2058.csv";
    let header2 = std::fs::read_to_string(meta.join(f2)).unwrap();
    let text = format!(
        "{}\n{}\n",
        header2.lines().next().unwrap(),
        row_of(&meta.join(f2), "2001")
    );
    write(&song_level.join(f2), &text);
    // openSMILE frames for song 2: `;`-separated, frameTime first, 0.5 s apart.
    let mut feat =
        String::from("frameTime;F0final_sma_stddev;pcm_RMSenergy_sma_amean;pcm_zcr_sma_amean\n");
    for k in 0..4 {
        feat += &format!(
            "{:.2};{};{};{}\n",
            0.5 * k as f32,
            k,
            0.01 * k as f32,
            -(k as f32)
        );
    }
    write(&root.join("DEAM_features/features/2.csv"), &feat);
}

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
    assert_eq!(Split::official(&ds).unwrap().test.len(), 1);
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

/// PMEmo2019 as published, its CSVs derived from the 4 shared songs' JSON.
fn build_pmemo(root: &Path, data: &Path) {
    let sample = data.join("pmemo-sample");
    let base = root.join("PMEmo2019");
    let mut st = String::from("musicId,Arousal(mean),Valence(mean)\n");
    let mut st_std = String::from("musicId,Arousal(std),Valence(std)\n");
    let mut dy = String::from("musicId,frameTime,Arousal(mean),Valence(mean)\n");
    let mut dy_std = String::from("musicId,frameTime,Arousal(std),Valence(std)\n");
    for id in ["108", "372", "634", "683"] {
        link(
            &sample.join(format!("{id}.mp3")),
            &base.join(format!("chorus/{id}.mp3")),
        );
        let j: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(sample.join(format!("{id}.json"))).unwrap(),
        )
        .unwrap();
        st += &format!("{id},{},{}\n", j["arousal_mean"], j["valence_mean"]);
        st_std += &format!("{id},0.1,0.2\n");
        let d = &j["dynamic"];
        for k in 0..d["t"].as_array().unwrap().len() {
            dy += &format!("{id},{},{},{}\n", d["t"][k], d["a"][k], d["v"][k]);
            dy_std += &format!("{id},{},0.05,0.04\n", d["t"][k]);
        }
    }
    write(&base.join("annotations/static_annotations.csv"), &st);
    write(
        &base.join("annotations/static_annotations_std.csv"),
        &st_std,
    );
    write(&base.join("annotations/dynamic_annotations.csv"), &dy);
    write(
        &base.join("annotations/dynamic_annotations_std.csv"),
        &dy_std,
    );
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
