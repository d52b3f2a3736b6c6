//! Every reader on the real shared data, checked against its README and the raw rows.

use std::collections::HashMap;

use mer_data::{
    DataError, Format, LoadOptions, ProblemKind, Quadrant, Scale, Split, Subset, Summary,
    audio_coverage, deam, load, load_lenient, probe_audio,
};

use crate::common::{close, numbers_after_id, row_of, shared};

#[test]
fn fourq_has_640_clips_160_per_quadrant() {
    let Some(data) = shared() else { return };
    let ds = load(&data.join("4q"), Format::FourQ, &LoadOptions::default()).unwrap();
    assert_eq!(ds.items.len(), 640);
    let s = Summary::of(&ds);
    assert_eq!(s.per_quadrant, [160; 4]);
    // The folder an item's audio is in agrees with its label (the reader checks; verify).
    for it in &ds.items {
        let folder = it
            .audio
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap();
        assert_eq!(Quadrant::parse(folder), it.labels.quadrant, "{}", it.id);
    }
    // Row 2 of the CSV: MT0000004637,Q3.
    let first = &ds.items[0];
    assert_eq!(first.id, "MT0000004637");
    assert_eq!(first.labels.quadrant, Some(Quadrant::Q3));
}

#[test]
fn musifeast_has_256_clips_on_one_to_five() {
    let Some(data) = shared() else { return };
    let ds = load(
        &data.join("musifeast17"),
        Format::Musifeast,
        &LoadOptions::default(),
    )
    .unwrap();
    assert_eq!(ds.items.len(), 256);
    // First row: 60s_HIGH_01, valence_M 3.58823529411765, valence_SD 0.988345635126778,
    // arousal_M 2.5, arousal_SD 0.788170109311512 → (x − 3)/2, SD/2.
    let it = ds.get("60s_HIGH_01").unwrap();
    let s = it.labels.static_av.unwrap();
    assert_eq!(s.scale, Scale::OneToFive);
    assert!(close(s.valence, (3.588_235_3 - 3.0) / 2.0));
    assert!(close(s.arousal, -0.25));
    assert!(close(s.valence_std.unwrap(), 0.988_345_6 / 2.0));
    assert!(close(s.arousal_std.unwrap(), 0.788_170_1 / 2.0));
    assert!(it.audio.ends_with("stimuli/60s_HIGH_01.mp3"));
    let sum = Summary::of(&ds);
    // Published range of valence_M is 2.45–4.5, arousal_M 1.56–4.79.
    assert!(close(sum.static_valence.min, (2.451_613 - 3.0) / 2.0));
    assert!(close(sum.static_arousal.max, (4.787_879 - 3.0) / 2.0));
}

#[test]
fn deam_sample_reads_744_songs_10_with_audio() {
    let Some(data) = shared() else { return };
    let dir = data.join("deam-sample");
    let ds = load_lenient(&dir, Format::Deam).unwrap();
    assert_eq!(ds.items.len(), 10);
    let missing = ds
        .problems
        .iter()
        .filter(|p| matches!(p.kind, ProblemKind::MissingAudio(_)))
        .count();
    assert_eq!(missing, 734, "744 annotated songs, 10 with audio");
    assert_eq!(ds.problems.len(), 734);
    // Without --skip-bad the missing audio is an error; with it, the 10 load.
    let strict = load(&dir, Format::Deam, &LoadOptions::default());
    assert!(matches!(strict, Err(DataError::BadRows { count: 734, .. })));
    let ok = load(&dir, Format::Deam, &LoadOptions { skip_bad: true }).unwrap();
    assert_eq!(ok.items.len(), 10);

    // Song 2: static arousal 3.1, valence 3.0 on 1–9 (emoMusic's static_annotations.csv).
    let it = ds.get("2").unwrap();
    let s = it.labels.static_av.unwrap();
    assert!(close(s.arousal, (3.1 - 5.0) / 4.0), "{}", s.arousal);
    assert!(close(s.valence, (3.0 - 5.0) / 4.0));
    assert!(close(s.arousal_std.unwrap(), 0.994_43 / 4.0));
    // Its dynamic series equals the raw row, sample_15000ms first (frame 30 at 2 Hz).
    let d = it.labels.dynamic.as_ref().unwrap();
    let ann = dir.join("emomusic-annotations");
    let raw_a = numbers_after_id(&row_of(&ann.join("arousal_cont_average.csv"), "2"));
    let raw_v = numbers_after_id(&row_of(&ann.join("valence_cont_average.csv"), "2"));
    let raw_as = numbers_after_id(&row_of(&ann.join("arousal_cont_std.csv"), "2"));
    assert_eq!(d.arousal, raw_a);
    assert_eq!(d.valence, raw_v);
    assert_eq!(d.arousal_std.as_deref(), Some(raw_as.as_slice()));
    assert!(close(d.arousal[0], -0.109_387_73));
    assert_eq!(
        (d.len(), d.start_s, d.hop_s, d.first_frame()),
        (61, 15.0, 0.5, 30)
    );
    // MediaEval 2015's development window, 15–45 s: 60 frames, the last stamped 44.5 s.
    let c = d.crop(15.0, 45.0).unwrap();
    assert_eq!((c.len(), c.frames()), (60, 30..90));
    assert_eq!(c.arousal[..], raw_a[..60]);
    assert_eq!(c.time_of(59), 44.5);
    assert!(d.crop(50.0, 60.0).is_none());
    // songs_info.csv's MediaEval 2013 set is the official split: of the 10, 3 and 12 are
    // evaluation songs.
    assert_eq!(it.subset, Some(Subset::Train));
    let split = Split::official(&ds).unwrap();
    let test_ids: Vec<&str> = split
        .test
        .iter()
        .map(|&i| ds.items[i].id.as_str())
        .collect();
    assert_eq!(test_ids, ["3", "12"]);
    assert_eq!(split.train.len(), 8);
}

#[test]
fn deam_static_swapped_header_trap() {
    let Some(data) = shared() else { return };
    let meta = data.join("deam-sample/deam-metadata");
    let mut problems = Vec::new();
    let rows = deam::read_static(
        &meta.join("static_annotations_averaged_songs_1_2000.csv"),
        &mut problems,
    )
    .unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(rows.len(), 1744);
    // Header says `valence_mean, valence_std, arousal_mean, arousal_std`, row is
    // `2,3.1,0.94,3,0.63`: song 2 is arousal 3.1, valence 3.0 (as in emoMusic).
    let (_, _, s2) = rows.iter().find(|r| r.0 == "2").unwrap();
    assert!(close(s2.arousal, (3.1 - 5.0) / 4.0));
    assert!(close(s2.valence, (3.0 - 5.0) / 4.0));
    assert!(close(s2.arousal_std.unwrap(), 0.94 / 4.0));
    assert!(close(s2.valence_std.unwrap(), 0.63 / 4.0));
    // Over all 744 songs in both files, the two readings agree (to the files' rounding).
    let mut p2 = Vec::new();
    let emo = deam::read_static(
        &data.join("deam-sample/emomusic-annotations/static_annotations.csv"),
        &mut p2,
    )
    .unwrap();
    assert_eq!(emo.len(), 744);
    let by_id: std::collections::HashMap<_, _> = rows.iter().map(|r| (r.0.clone(), r.2)).collect();
    let agree = emo
        .iter()
        .filter(|(id, _, e)| {
            let d = by_id[id];
            (d.arousal - e.arousal).abs() < 1e-5 && (d.valence - e.valence).abs() < 1e-5
        })
        .count();
    assert_eq!(agree, 734);
    // The 2015 file is read by its header: song 2001 valence_mean 3.2, arousal_mean 6.6.
    let rows15 = deam::read_static(
        &meta.join("static_annotations_averaged_songs_2000_2058.csv"),
        &mut problems,
    )
    .unwrap();
    assert_eq!(rows15.len(), 58);
    let (_, _, s) = rows15.iter().find(|r| r.0 == "2001").unwrap();
    assert!(close(s.valence, (3.2 - 5.0) / 4.0) && close(s.arousal, (6.6 - 5.0) / 4.0));
}

/// Pearson correlation.
fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    sxy / (sxx * syy).sqrt()
}

/// Issue 13: DEAM's `static_annotations_averaged_songs_1_2000.csv` has its valence/arousal
/// header swapped for song ids ≤ 1000 only. In every part (ids ≤ 1000, ids 1001–2000, the
/// 2015 file) the static column read as arousal must correlate best with the mean of the
/// song's dynamic arousal ratings (all 1,802 songs, `deam-features-ref/deam_dynamic_*.csv`)
/// and the one read as valence with dynamic valence; the r values are those of the data
/// README, and every song agrees with `static_swap_check.csv` (its labelled columns, swapped
/// for ids ≤ 1000, and its dynamic means).
#[test]
fn deam_static_columns_follow_the_dynamic_ratings() {
    let Some(data) = shared() else { return };
    let meta = data.join("deam-sample/deam-metadata");
    let reference = data.join("deam-features-ref");
    let mut problems = Vec::new();
    let dynamic = deam::read_dynamic(
        &reference.join("deam_dynamic_arousal.csv"),
        &reference.join("deam_dynamic_valence.csv"),
        &mut problems,
    )
    .unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(dynamic.len(), 1802);
    let mean = |v: &[f32]| v.iter().map(|&x| f64::from(x)).sum::<f64>() / v.len() as f64;
    let dyn_mean: HashMap<String, [f64; 2]> = dynamic
        .iter()
        .map(|(id, _, d)| (id.clone(), [mean(&d.arousal), mean(&d.valence)]))
        .collect();

    // The derived check file: `song_id,part,file,labelled_valence_mean,
    // labelled_arousal_mean,dyn_arousal_mean,dyn_valence_mean,n_dyn`.
    let check = std::fs::read_to_string(reference.join("static_swap_check.csv")).unwrap();
    let mut checked = 0;
    let mut read: HashMap<(String, String), mer_data::StaticAV> = HashMap::new();
    for file in [
        "static_annotations_averaged_songs_1_2000.csv",
        "static_annotations_averaged_songs_2000_2058.csv",
    ] {
        for (id, _, s) in deam::read_static(&meta.join(file), &mut problems).unwrap() {
            read.insert((file.to_string(), id), s);
        }
    }
    assert!(problems.is_empty(), "{problems:?}");
    for line in check.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let num = |i: usize| f[i].parse::<f64>().unwrap();
        let s = read[&(f[2].to_string(), f[0].to_string())];
        let (lab_v, lab_a) = ((num(3) - 5.0) / 4.0, (num(4) - 5.0) / 4.0);
        let id: u32 = f[0].parse().unwrap();
        let swapped = f[2].ends_with("1_2000.csv") && id <= 1000;
        let (want_a, want_v) = if swapped {
            (lab_v, lab_a)
        } else {
            (lab_a, lab_v)
        };
        assert!(
            (f64::from(s.arousal) - want_a).abs() < 1e-6
                && (f64::from(s.valence) - want_v).abs() < 1e-6,
            "song {id} in {}: read {s:?}",
            f[2]
        );
        // The check file averages each series over its own length; the reader keeps the
        // common prefix where a full-length song's two series differ by a value (which moves
        // a mean of values in [-1, 1] by at most 2/n).
        let d = dyn_mean[f[0]];
        let tol = 1e-5 + if id > 2000 { 2.0 / num(7) } else { 0.0 };
        assert!(
            (d[0] - num(5)).abs() < tol && (d[1] - num(6)).abs() < tol,
            "{id}"
        );
        checked += 1;
    }
    assert_eq!(checked, 1802);

    // (part, file, ids, songs, README's r of read arousal ~ dyn. arousal, read valence ~ dyn. valence)
    let parts = [
        ("ids <= 1000", "1_2000", 1..=1000, 744, 0.956, 0.949),
        ("ids 1001-2000", "1_2000", 1001..=2000, 1000, 0.942, 0.912),
        ("2000_2058 file", "2000_2058", 2001..=2058, 58, 0.929, 0.984),
    ];
    for (part, file, ids, n, want_aa, want_vv) in parts {
        let file = format!("static_annotations_averaged_songs_{file}.csv");
        let (mut sa, mut sv, mut da, mut dv) = (vec![], vec![], vec![], vec![]);
        for ((f, id), s) in &read {
            if *f != file || !ids.contains(&id.parse::<u32>().unwrap()) {
                continue;
            }
            let d = dyn_mean[id];
            sa.push(f64::from(s.arousal));
            sv.push(f64::from(s.valence));
            da.push(d[0]);
            dv.push(d[1]);
        }
        assert_eq!(sa.len(), n, "{part}");
        let (aa, av) = (pearson(&sa, &da), pearson(&sa, &dv));
        let (vv, va) = (pearson(&sv, &dv), pearson(&sv, &da));
        println!(
            "{part}: {n} songs; read arousal ~ dyn arousal r {aa:.3} (~ dyn valence {av:.3}); \
             read valence ~ dyn valence r {vv:.3} (~ dyn arousal {va:.3})"
        );
        assert!(aa > av && aa > va, "{part}: arousal column is not arousal");
        assert!(vv > va && vv > av, "{part}: valence column is not valence");
        assert!((aa - want_aa).abs() < 5e-4, "{part}: r {aa}");
        assert!((vv - want_vv).abs() < 5e-4, "{part}: r {vv}");
    }
}

#[test]
fn pmemo_sample_reads_4_songs() {
    let Some(data) = shared() else { return };
    let ds = load(
        &data.join("pmemo-sample"),
        Format::Pmemo,
        &LoadOptions::default(),
    )
    .unwrap();
    assert_eq!(ds.items.len(), 4);
    let it = ds.get("108").unwrap();
    // 108.json: valence_mean 0.863, arousal_mean 0.863, dynamic t from 15.5, a[0] 0.8595,
    // v[0] 0.7834, 68 values; [0,1] → 2x − 1.
    let s = it.labels.static_av.unwrap();
    assert!(close(s.arousal, 2.0 * 0.863 - 1.0) && close(s.valence, 2.0 * 0.863 - 1.0));
    let d = it.labels.dynamic.as_ref().unwrap();
    assert_eq!(
        (d.len(), d.start_s, d.hop_s, d.first_frame()),
        (68, 15.5, 0.5, 31)
    );
    assert!(close(d.arousal[0], 2.0 * 0.8595 - 1.0));
    assert!(close(d.valence[0], 2.0 * 0.7834 - 1.0));
    assert_eq!(it.labels.quadrant, Some(Quadrant::Q1));
    let quads: Vec<_> = ds
        .items
        .iter()
        .map(|i| i.labels.quadrant.unwrap())
        .collect();
    assert_eq!(quads, Quadrant::ALL);
}

/// Every dynamic series of the real corpora ends before its audio does (the last stamp is
/// below the duration the file states), and the shared clips have the stated lengths.
#[test]
fn dynamic_labels_end_inside_the_audio() {
    let Some(data) = shared() else { return };
    for (dir, format, min_s, max_s) in [
        ("pmemo-sample", Format::Pmemo, 45.0, 60.3),
        ("deam-sample", Format::Deam, 45.0, 45.2),
    ] {
        let mut ds = load_lenient(&data.join(dir), format).unwrap();
        let n = ds.items.len();
        let durations = probe_audio(&mut ds);
        assert_eq!(ds.items.len(), n, "{dir}: all files open");
        let (range, past_end) = audio_coverage(&ds, &durations);
        assert_eq!(range.count, n, "{dir}: every file states its duration");
        assert!(range.min >= min_s && range.max <= max_s, "{dir}: {range}");
        assert!(past_end.is_empty(), "{dir}: {past_end:?}");
    }
}
