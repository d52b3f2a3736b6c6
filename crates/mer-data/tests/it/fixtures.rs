//! Builders of the publishers' layouts in a folder, from real shared rows and audio. Used
//! by the tests and by `examples/layout_fixtures.rs` (which writes them for `mer data check`).
// Helpers the example does not call would otherwise warn there.
#![allow(dead_code)]

use std::path::Path;

/// Writes `text` to `path`, creating parent folders.
pub fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Symlinks (or copies where symlinks are unavailable) the real file `src` to `dst`.
pub fn link(src: &Path, dst: &Path) {
    assert!(src.is_file(), "{} missing", src.display());
    std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(src, dst).unwrap();
    #[cfg(not(unix))]
    std::fs::copy(src, dst).map(|_| ()).unwrap();
}

/// The line of a real CSV whose first field is `id` (exactly), without its newline.
pub fn row_of(csv: &Path, id: &str) -> String {
    let text = std::fs::read_to_string(csv).unwrap();
    text.lines()
        .find(|l| l.split(',').next().map(|f| f.trim_matches('"')) == Some(id))
        .unwrap_or_else(|| panic!("no row {id} in {}", csv.display()))
        .to_string()
}

/// Parses the numbers of a CSV line after its first field (empty cells skipped).
pub fn numbers_after_id(line: &str) -> Vec<f32> {
    line.split(',')
        .skip(1)
        .filter(|c| !c.trim().is_empty())
        .map(|c| c.trim().parse::<f32>().unwrap())
        .collect()
}

pub const DEAM_IDS: [&str; 10] = ["2", "3", "4", "5", "7", "8", "10", "12", "13", "17"];

/// The official DEAM download unzipped the way its three archives unpack, one level deeper
/// than the user's folder: `DEAM_audio/MEMD_audio`, `DEAM_Annotations/annotations/…`,
/// `DEAM_features/features`. Songs 2–17 come from the shared sample (their emoMusic rows
/// under DEAM's dynamic header, 61 values then empty cells up to the longest song), plus a
/// full-length evaluation song 2001 (its audio: song 2's file; its series: 80 values from
/// songs 2 and 3), the static rows copied verbatim from the shared DEAM metadata.
pub fn build_deam(root: &Path, data: &Path) {
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

/// PMEmo2019 as published, its CSVs derived from the 4 shared songs' JSON.
pub fn build_pmemo(root: &Path, data: &Path) {
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

/// A 4Q folder with one good row and four bad ones: a bad quadrant (line 3), a duplicate
/// (line 4), missing audio (line 5), and a clip filed under Q2 but labelled Q1 (line 6).
pub fn build_bad_4q(root: &Path, data: &Path) {
    let src = data.join("4q/audio");
    link(
        &src.join("Q3/MT0000004637.mp3"),
        &root.join("Q3/MT0000004637.mp3"),
    );
    link(
        &src.join("Q2/MT0000011357.mp3"),
        &root.join("Q2/MT0000011357.mp3"),
    );
    write(
        &root.join("panda_dataset_taffc_annotations.csv"),
        "Song,Quadrant\n\
         MT0000004637,Q3\n\
         MT0000011357,Q5\n\
         MT0000004637,Q3\n\
         MT9999999999,Q1\n\
         MT0000011357,Q1\n",
    );
}
