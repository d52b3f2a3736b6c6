//! Bad rows and files: each is a problem with file and line; `skip_bad` loads the rest.

use mer_data::{
    DataError, Format, LoadOptions, ProblemKind, audio_coverage, load, load_lenient, probe_audio,
};

use crate::common::{link, row_of, shared, write};
use crate::fixtures::build_bad_4q;

#[test]
fn bad_rows_in_4q_are_reported_with_lines() {
    let Some(data) = shared() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    build_bad_4q(root, &data);
    let ds = load_lenient(root, Format::FourQ).unwrap();
    assert_eq!(ds.items.len(), 1);
    let lines: Vec<(u64, &ProblemKind)> = ds
        .problems
        .iter()
        .map(|p| (p.line.unwrap(), &p.kind))
        .collect();
    assert_eq!(lines.len(), 4, "{:#?}", ds.problems);
    assert!(matches!(lines[0], (3, ProblemKind::BadRow(_))));
    assert!(matches!(lines[1], (4, ProblemKind::DuplicateId)));
    assert!(matches!(lines[2], (5, ProblemKind::MissingAudio(_))));
    // Filed under Q2 but labelled Q1.
    assert!(matches!(lines[3], (6, ProblemKind::BadRow(m)) if m.contains("Q2")));
    let shown = ds.problems[2].to_string();
    assert!(
        shown.contains("panda_dataset_taffc_annotations.csv:5"),
        "{shown}"
    );
    let err = load(root, Format::FourQ, &LoadOptions::default()).unwrap_err();
    assert!(matches!(err, DataError::BadRows { count: 4, .. }));
    assert!(err.to_string().contains("--skip-bad"));
    let ok = load(root, Format::FourQ, &LoadOptions { skip_bad: true }).unwrap();
    assert_eq!(ok.items.len(), 1);
}

#[test]
fn nan_and_out_of_range_labels() {
    let Some(data) = shared() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    for n in ["a", "b", "c", "d"] {
        link(
            &data.join("pmemo-sample/108.mp3"),
            &root.join(format!("{n}.mp3")),
        );
    }
    write(
        &root.join("m.csv"),
        "path,arousal,valence\na.mp3,0.5,-0.5\nb.mp3,NaN,0.1\nc.mp3,1.5,0\nd.mp3,0.2,abc\n",
    );
    let ds = load_lenient(root, Format::Manifest).unwrap();
    assert_eq!(ds.items.len(), 1);
    let kinds: Vec<_> = ds
        .problems
        .iter()
        .map(|p| (p.line, p.kind.clone()))
        .collect();
    assert!(
        matches!(&kinds[0], (Some(3), ProblemKind::NotANumber { value, .. }) if value == "NaN")
    );
    assert!(matches!(&kinds[1], (Some(4), ProblemKind::OutOfRange { value, .. }) if *value == 1.5));
    assert!(matches!(
        &kinds[2],
        (Some(5), ProblemKind::NotANumber { .. })
    ));
}

#[test]
fn wrong_delimiter_or_header_is_an_error_naming_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        &root.join("MUSIFEAST17_all.csv"),
        "CLIP_NAME;valence_M;valence_SD;arousal_M;arousal_SD\n60s_HIGH_01;3.5;1;2.5;1\n",
    );
    let e = load_lenient(root, Format::Musifeast)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("MUSIFEAST17_all.csv:1") && e.contains("delimiter"),
        "{e}"
    );
    write(
        &root.join("MUSIFEAST17_all.csv"),
        "name,valence,arousal\nx,1,2\n",
    );
    let e = load_lenient(root, Format::Musifeast)
        .unwrap_err()
        .to_string();
    assert!(e.contains("CLIP_NAME"), "{e}");
    // No annotation file at all.
    let empty = tempfile::tempdir().unwrap();
    let e = load_lenient(empty.path(), Format::FourQ)
        .unwrap_err()
        .to_string();
    assert!(e.contains("panda_dataset_taffc_annotations.csv"), "{e}");
    let e = load_lenient(&root.join("nope"), Format::Deam)
        .unwrap_err()
        .to_string();
    assert!(e.contains("nope"), "{e}");
}

#[test]
fn deam_wide_rows_with_holes_and_duplicates() {
    let Some(data) = shared() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    for id in ["2", "3", "4"] {
        link(
            &data.join(format!("deam-sample/audio/{id}.mp3")),
            &root.join(format!("MEMD_audio/{id}.mp3")),
        );
    }
    let dir =
        root.join("annotations/annotations averaged per song/dynamic (per second annotations)");
    let head = "song_id,sample_15000ms,sample_15500ms,sample_16000ms\n";
    write(
        &dir.join("arousal.csv"),
        &format!("{head}2,0.1,0.2,0.3\n3,0.1,,0.3\n2,0.1,0.1,0.1\n4,0.1,0.2,\n"),
    );
    write(
        &dir.join("valence.csv"),
        &format!("{head}2,0.1,0.2,0.3\n3,0.1,0.2,0.3\n4,-2,0,0\n"),
    );
    let ds = load_lenient(root, Format::Deam).unwrap();
    let ids: Vec<&str> = ds.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["2"]);
    let where_: Vec<(String, u64)> = ds
        .problems
        .iter()
        .map(|p| {
            (
                p.file.file_name().unwrap().to_string_lossy().into_owned(),
                p.line.unwrap(),
            )
        })
        .collect();
    // Hole in 3's arousal (line 3), duplicate 2 (line 4), -2 in 4's valence (line 4); then
    // 3 and 4 lack a partner series.
    assert!(where_.contains(&("arousal.csv".into(), 3)), "{where_:?}");
    assert!(where_.contains(&("arousal.csv".into(), 4)), "{where_:?}");
    assert!(where_.contains(&("valence.csv".into(), 4)), "{where_:?}");
}

#[test]
fn probe_moves_unreadable_audio_to_problems() {
    let Some(data) = shared() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    link(&data.join("pmemo-sample/634.mp3"), &root.join("good.mp3"));
    write(&root.join("empty.mp3"), "");
    write(&root.join("text.mp3"), "this is not audio\n");
    write(
        &root.join("m.csv"),
        "path,arousal,valence\ngood.mp3,0,0\nempty.mp3,0,0\ntext.mp3,0,0\n",
    );
    let mut ds = load_lenient(root, Format::Manifest).unwrap();
    assert_eq!(ds.items.len(), 3);
    let durations = probe_audio(&mut ds);
    assert_eq!(durations.len(), 1);
    assert_eq!(ds.items.len(), 1);
    assert_eq!(ds.items[0].id, "good.mp3");
    let bad: Vec<_> = ds.problems.iter().map(|p| p.id.clone().unwrap()).collect();
    assert_eq!(bad, ["empty.mp3", "text.mp3"]);
    assert!(
        ds.problems
            .iter()
            .all(|p| matches!(p.kind, ProblemKind::UnreadableAudio(_)))
    );
    // 634.json states a 45.1 s clip; the MP3 container states about as much.
    let (range, past_end) = audio_coverage(&ds, &durations);
    assert_eq!(range.count, 1);
    assert!((range.min - 45.1).abs() < 0.2, "{range}");
    assert!(past_end.is_empty());
    // A series stamped up to 50 s on that 45.1 s clip reaches past its end.
    write(
        &root.join("m.csv"),
        "path,time_s,arousal,valence\ngood.mp3,45.0,0,0\ngood.mp3,50.0,0,0\n",
    );
    let mut ds = load_lenient(&root.join("m.csv"), Format::Manifest).unwrap();
    let durations = probe_audio(&mut ds);
    assert_eq!(audio_coverage(&ds, &durations).1, [0]);
}

/// emoMusic layout with a spread file saved with `;`: the means still load, the broken file
/// is one problem at line 1.
#[test]
fn broken_optional_file_is_a_problem_not_a_failure() {
    let Some(data) = shared() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let ann = data.join("deam-sample/emomusic-annotations");
    for id in ["2", "3"] {
        link(
            &data.join(format!("deam-sample/audio/{id}.mp3")),
            &root.join(format!("clips_45seconds/{id}.mp3")),
        );
    }
    for name in [
        "arousal_cont_average.csv",
        "valence_cont_average.csv",
        "valence_cont_std.csv",
    ] {
        let text = std::fs::read_to_string(ann.join(name)).unwrap();
        let head = text.lines().next().unwrap();
        let body = format!(
            "{head}\n{}\n{}\n",
            row_of(&ann.join(name), "2"),
            row_of(&ann.join(name), "3")
        );
        write(&root.join("annotations").join(name), &body);
    }
    let text = std::fs::read_to_string(ann.join("arousal_cont_std.csv")).unwrap();
    let semi: String = text
        .lines()
        .take(3)
        .map(|l| l.replace(',', ";") + "\n")
        .collect();
    write(&root.join("annotations/arousal_cont_std.csv"), &semi);
    let ds = load_lenient(root, Format::Deam).unwrap();
    assert_eq!(ds.items.len(), 2);
    assert_eq!(ds.problems.len(), 1, "{:?}", ds.problems);
    let p = &ds.problems[0];
    assert!(p.file.ends_with("arousal_cont_std.csv") && p.line == Some(1));
    assert!(p.to_string().contains("delimiter"), "{p}");
    let d = ds.items[0].labels.dynamic.as_ref().unwrap();
    assert!(d.arousal_std.is_none() && d.valence_std.is_some());
    // Without --skip-bad the broken file is reported as the error.
    let e = load(root, Format::Deam, &LoadOptions::default()).unwrap_err();
    assert!(e.to_string().contains("arousal_cont_std.csv:1"), "{e}");
}

/// Time stamps before 0 s or beyond a week (here 1e30 s, which would overflow the frame
/// indices of `DynamicAV::frames`) are a problem of that series, at its first line; the
/// other series load.
#[test]
fn out_of_range_time_stamps_are_problems() {
    let Some(data) = shared() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    for name in ["a.mp3", "b.mp3", "c.mp3"] {
        link(&data.join("deam-sample/audio/2.mp3"), &root.join(name));
    }
    write(
        &root.join("m.csv"),
        "path,time_s,arousal,valence\n\
         a.mp3,15.0,0.1,0.2\na.mp3,15.5,0.1,0.2\n\
         b.mp3,-0.5,0,0\nb.mp3,0.0,0,0\n\
         c.mp3,1e30,0,0\n",
    );
    let ds = load_lenient(&root.join("m.csv"), Format::Manifest).unwrap();
    let ids: Vec<&str> = ds.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["a.mp3"], "{:#?}", ds.problems);
    let frames = ds.items[0].labels.dynamic.as_ref().unwrap().frames();
    assert_eq!(frames, 30..32);
    let bad: Vec<(Option<&str>, Option<u64>)> = ds
        .problems
        .iter()
        .map(|p| (p.id.as_deref(), p.line))
        .collect();
    assert_eq!(bad, [(Some("b.mp3"), Some(4)), (Some("c.mp3"), Some(6))]);
    for p in &ds.problems {
        let shown = p.to_string();
        assert!(
            shown.contains("m.csv") && shown.contains("time stamps"),
            "{shown}"
        );
    }
}
