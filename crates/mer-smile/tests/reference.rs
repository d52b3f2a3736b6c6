//! mer-smile against openSMILE 2.6.0 (Python package): `ComParE_2016` fixtures made by
//! `scripts/smile_reference.sh` from 4 shared clips (6 s excerpts, 16-bit WAV committed next to
//! the reference arrays), and `IS13_ComParE` fixtures (`*.is13.*`) made from the same WAVs by
//! `scripts/smile_reference_is13.sh`. Prints a table of Pearson r and relative error per LLD;
//! run `cargo test --release -p mer-smile --test reference -- --nocapture` to see it.

use std::path::{Path, PathBuf};

use mer_smile::{
    Config, LLD_NAMES, N_LLD, N_MEDIAEVAL, compare_llds, compare_llds_with, delta_name,
    mediaeval260,
};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read_npy(path: &Path) -> (Vec<usize>, Vec<f32>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let shape = npy.shape().iter().map(|&d| d as usize).collect();
    let data = npy
        .into_vec::<f32>()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (shape, data)
}

fn clips() -> Vec<String> {
    let manifest = std::fs::read_to_string(fixtures().join("manifest.tsv")).expect("manifest.tsv");
    manifest
        .lines()
        .skip(1)
        .map(|l| l.split('\t').next().unwrap_or_default().to_string())
        .collect()
}

/// Pearson correlation; `None` when either side is constant.
fn pearson(a: &[f64], b: &[f64]) -> Option<f64> {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (&x, &y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    if saa == 0.0 || sbb == 0.0 {
        None
    } else {
        Some(sab / (saa * sbb).sqrt())
    }
}

/// Mean |ours - ref| over mean |ref|.
fn rel_err(a: &[f64], b: &[f64]) -> f64 {
    let num: f64 = a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum();
    let den: f64 = b.iter().map(|y| y.abs()).sum();
    if den == 0.0 {
        if num == 0.0 { 0.0 } else { f64::INFINITY }
    } else {
        num / den
    }
}

/// Required r per LLD index. Energy, spectral and MFCC descriptors: 0.99; voicing: 0.95.
/// Lower bars, each named with the reason, are listed in `LOWER_BARS`.
fn bar(name: &str, i: usize) -> f64 {
    if let Some((_, b, _)) = LOWER_BARS.iter().find(|(n, _, _)| *n == name) {
        return *b;
    }
    if i < 6 { 0.95 } else { 0.99 }
}

/// (LLD name, bar it reaches, why it falls short of the issue's bar).
const LOWER_BARS: &[(&str, f64, &str)] = &[];

/// LLDs not implemented yet (reported, not asserted); empty now that all 65 exist.
const NOT_YET: &[&str] = &[];

/// Mean |ours − openSMILE| / mean |openSMILE| allowed per LLD (all measure ≤ 0.002).
const MAX_REL_ERR: f64 = 0.01;

struct Stats {
    ours: Vec<Vec<f64>>,
    theirs: Vec<Vec<f64>>,
}

/// The fixture name infix of a configuration's reference arrays (`<clip>.<infix>lld.npy`).
fn infix(config: Config) -> &'static str {
    match config {
        Config::Is13ComParE => "is13.",
        _ => "",
    }
}

fn collect(delta: bool, config: Config) -> Stats {
    let mut ours = vec![Vec::new(); N_LLD];
    let mut theirs = vec![Vec::new(); N_LLD];
    for clip in clips() {
        let wav = fixtures().join(format!("{clip}.wav"));
        let mut audio = mer_audio::load(&wav, None).unwrap_or_else(|e| panic!("{e}"));
        if config == Config::Is13ComParE {
            // openSMILE's reading of the 16-bit WAV, bit for bit (n / 32767).
            mer_smile::pcm16_as_opensmile(&mut audio.samples);
        }
        let got =
            compare_llds_with(&audio.samples, audio.sample_rate, config).expect("compare_llds");
        let suffix = if delta { "lld_de" } else { "lld" };
        let pre = infix(config);
        let (shape, want) = read_npy(&fixtures().join(format!("{clip}.{pre}{suffix}.npy")));
        assert_eq!(shape[1], N_LLD);
        let m = if delta { &got.delta } else { &got.lld };
        // openSMILE emits one LLD frame more than complete 60 ms frames fit (its end-of-input
        // flush); compare the frames both have.
        let n = m.n_frames.min(shape[0]);
        // (The delta level flushes 2 more.) Frame t is the same time on both sides.
        assert!(
            shape[0].abs_diff(m.n_frames) <= 3,
            "{clip}: {} frames vs openSMILE {}",
            m.n_frames,
            shape[0]
        );
        for t in 0..n {
            for i in 0..N_LLD {
                ours[i].push(f64::from(m.values[t * N_LLD + i]));
                theirs[i].push(f64::from(want[t * N_LLD + i]));
            }
        }
    }
    Stats { ours, theirs }
}

fn report(title: &str, names: &[String], s: &Stats) -> Vec<(String, f64, f64)> {
    println!("\n{title}\n{:<42} {:>8} {:>10}", "LLD", "r", "rel.err");
    let mut rows = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let r = pearson(&s.ours[i], &s.theirs[i]).unwrap_or(f64::NAN);
        let e = rel_err(&s.ours[i], &s.theirs[i]);
        println!("{name:<42} {r:>8.4} {e:>10.4}");
        rows.push((name.clone(), r, e));
    }
    rows
}

fn check_llds(config: Config) {
    let s = collect(false, config);
    let names: Vec<String> = LLD_NAMES.iter().map(|s| s.to_string()).collect();
    let title = format!("{config} LLDs vs openSMILE (all 4 clips pooled)");
    let rows = report(&title, &names, &s);
    let mut failed = Vec::new();
    for (i, (name, r, _)) in rows.iter().enumerate() {
        if NOT_YET.contains(&name.as_str()) {
            println!("NOT IMPLEMENTED YET: {name}");
            continue;
        }
        if r.is_nan() || *r < bar(name, i) {
            failed.push(format!("{name}: r = {r:.4} < {}", bar(name, i)));
        }
        if rows[i].2 > MAX_REL_ERR {
            failed.push(format!(
                "{name}: relative error {:.4} > {MAX_REL_ERR}",
                rows[i].2
            ));
        }
    }
    for (n, b, why) in LOWER_BARS {
        println!("lower bar: {n} ≥ {b} ({why})");
    }
    assert!(
        failed.is_empty(),
        "LLDs below their bar:\n{}",
        failed.join("\n")
    );
}

fn check_deltas(config: Config) {
    let s = collect(true, config);
    let names: Vec<String> = (0..N_LLD).map(delta_name).collect();
    let rows = report(&format!("{config} LLD deltas vs openSMILE"), &names, &s);
    let mut failed = Vec::new();
    for (i, (name, r, _)) in rows.iter().enumerate() {
        let base = LLD_NAMES[i];
        if NOT_YET.contains(&base) {
            continue;
        }
        let b = bar(base, i) - 0.02;
        if r.is_nan() || *r < b {
            failed.push(format!("{name}: r = {r:.4} < {b}"));
        }
    }
    assert!(
        failed.is_empty(),
        "deltas below their bar:\n{}",
        failed.join("\n")
    );
}

#[test]
fn llds_match_opensmile() {
    check_llds(Config::ComParE2016);
}

#[test]
fn deltas_match_opensmile() {
    check_deltas(Config::ComParE2016);
}

/// `IS13_ComParE` (openSMILE 3 running the Interspeech 2013 config, the MediaEval 2015 / DEAM
/// set): the same bars as `ComParE_2016`; only jitter and shimmer differ between the two.
#[test]
fn is13_llds_match_opensmile() {
    check_llds(Config::Is13ComParE);
}

#[test]
fn is13_deltas_match_opensmile() {
    check_deltas(Config::Is13ComParE);
}

/// The two configurations really differ where they should (a guard that the IS13 fixtures are
/// not copies of the 2016 ones and that `Config` reaches the jitter code): jitter and shimmer
/// differ in most voiced frames, every other LLD is the same.
#[test]
fn is13_differs_from_compare2016_in_jitter_and_shimmer_only() {
    let wav = fixtures().join("deam_2.wav");
    let audio = mer_audio::load(&wav, None).unwrap_or_else(|e| panic!("{e}"));
    let a = compare_llds(&audio.samples, audio.sample_rate).expect("2016");
    let b =
        compare_llds_with(&audio.samples, audio.sample_rate, Config::Is13ComParE).expect("is13");
    for (i, &name) in LLD_NAMES.iter().enumerate() {
        let (x, y) = (a.lld.column(i), b.lld.column(i));
        let differ = x.iter().zip(&y).filter(|(p, q)| p != q).count();
        if matches!(
            name,
            "jitterLocal_sma" | "jitterDDP_sma" | "shimmerLocal_sma"
        ) {
            assert!(
                differ * 4 > x.len(),
                "{name}: only {differ} of {} frames differ",
                x.len()
            );
        } else {
            assert_eq!(differ, 0, "{name}: {differ} frames differ between configs");
        }
    }
}

#[test]
fn mediaeval260_matches_reference_aggregation() {
    let mut worst = (String::new(), f64::INFINITY);
    for clip in clips() {
        let wav = fixtures().join(format!("{clip}.wav"));
        let audio = mer_audio::load(&wav, None).unwrap_or_else(|e| panic!("{e}"));
        let got = mediaeval260(&compare_llds(&audio.samples, audio.sample_rate).expect("llds"));
        let (shape, want) = read_npy(&fixtures().join(format!("{clip}.me260.npy")));
        assert_eq!(shape[1], N_MEDIAEVAL);
        assert_eq!(got.times_s.len(), shape[0], "{clip}: window count");
        for c in 0..N_MEDIAEVAL {
            let a: Vec<f64> = (0..shape[0])
                .map(|k| f64::from(got.values[k * N_MEDIAEVAL + c]))
                .collect();
            let b: Vec<f64> = (0..shape[0])
                .map(|k| f64::from(want[k * N_MEDIAEVAL + c]))
                .collect();
            let lld = if c < 2 * N_LLD {
                c / 2
            } else {
                (c - 2 * N_LLD) / 2
            };
            if NOT_YET.contains(&LLD_NAMES[lld]) {
                continue;
            }
            let r = pearson(&a, &b).unwrap_or(f64::NAN);
            if r.is_nan() || r < worst.1 {
                worst = (format!("{clip} {}", mer_smile::DEAM_HEADER[c + 1]), r);
            }
        }
    }
    println!(
        "mediaeval260: worst column r = {:.6} ({})",
        worst.1, worst.0
    );
    assert!(
        worst.1 >= 0.99,
        "mediaeval260 column below r = 0.99: {} (r = {})",
        worst.0,
        worst.1
    );
}

/// The 260-value set of a whole 45 s DEAM clip (less its first 0.5 s), decoded from the shared
/// MP3 by mer-audio,
/// against openSMILE run on the same clip (decoded by libsndfile) and aggregated by the
/// reference script. Needs the shared data (skips loudly without it).
#[test]
fn mediaeval260_full_clip_from_mp3() {
    let Some(data) = mer_audio::testdata::shared_data() else {
        return;
    };
    let audio = mer_audio::load(&data.join("deam-sample/audio/2.mp3"), None).expect("decode");
    // Drop the first 0.5 s as the reference script does (MP3 decoders disagree on the first
    // ~80 ms; see scripts/smile_reference.py, FULL_TRIM_S).
    let trim = (0.5 * f64::from(audio.sample_rate)).round() as usize;
    let got = mediaeval260(&compare_llds(&audio.samples[trim..], audio.sample_rate).expect("llds"));
    let (shape, want) = read_npy(&fixtures().join("deam_2.full.me260.npy"));
    assert_eq!(shape[1], N_MEDIAEVAL);
    assert!(
        got.times_s.len().abs_diff(shape[0]) <= 1,
        "{} vs {} windows",
        got.times_s.len(),
        shape[0]
    );
    let rows = got.times_s.len().min(shape[0]);
    let mut failed = Vec::new();
    let mut all: Vec<(f64, String)> = Vec::new();
    for c in 0..N_MEDIAEVAL {
        let a: Vec<f64> = (0..rows)
            .map(|k| f64::from(got.values[k * N_MEDIAEVAL + c]))
            .collect();
        let b: Vec<f64> = (0..rows)
            .map(|k| f64::from(want[k * N_MEDIAEVAL + c]))
            .collect();
        let name = mer_smile::DEAM_HEADER[c + 1];
        let r = pearson(&a, &b).unwrap_or(f64::NAN);
        let lld = if c < 2 * N_LLD {
            c / 2
        } else {
            (c - 2 * N_LLD) / 2
        };
        let b_r = bar(LLD_NAMES[lld], lld);
        if r.is_nan() || r < b_r {
            failed.push(format!("{name}: r = {r:.4} < {b_r}"));
        }
        all.push((r, name.to_string()));
    }
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let below = |t: f64| all.iter().filter(|(r, _)| *r < t).count();
    println!(
        "full 45 s clip, 260 columns over {rows} windows: {} with r < 0.999, {} with r < 0.99; worst:",
        below(0.999),
        below(0.99)
    );
    for (r, name) in all.iter().take(8) {
        println!("  {name:<44} r = {r:.4}");
    }
    assert!(
        failed.is_empty(),
        "columns below their bar:\n{}",
        failed.join("\n")
    );
}
