//! `mer catalog`: killed with SIGKILL mid-run and resumed (every file exactly once, in all
//! three formats), bad files as error rows, a changed file redone, an unrelated output
//! refused. Real 4Q clips from the shared data, the fast model.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mer_audio::testdata::shared_data;
use mer_catalog::Row;

fn mer() -> Command {
    Command::new(env!("CARGO_BIN_EXE_mer"))
}

/// The first `n` clips of the 4Q set (30 s each), sorted.
fn clips(n: usize) -> Option<Vec<PathBuf>> {
    let dir = shared_data()?.join("4q/audio");
    let mut all = Vec::new();
    for q in ["Q1", "Q2", "Q3", "Q4"] {
        let mut v: Vec<PathBuf> = std::fs::read_dir(dir.join(q))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "mp3"))
            .collect();
        v.sort();
        all.extend(v.into_iter().take(n.div_ceil(4)));
    }
    all.truncate(n);
    assert_eq!(all.len(), n);
    Some(all)
}

/// Copies `clips` into nested folders below `root`: a/NAME, b/c/NAME, … ; returns the
/// relative paths.
fn library(root: &Path, clips: &[PathBuf]) -> Vec<String> {
    let folders = ["a", "b/c", "b/d/e", ""];
    clips
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let rel = Path::new(folders[i % folders.len()]).join(c.file_name().unwrap());
            std::fs::create_dir_all(root.join(&rel).parent().unwrap()).unwrap();
            std::fs::copy(c, root.join(&rel)).unwrap();
            rel.to_string_lossy().into_owned()
        })
        .collect()
}

fn rows(out: &Path) -> Vec<Row> {
    let mut v = Vec::new();
    mer_catalog::for_each_row(out, |r| {
        v.push(r);
        Ok(())
    })
    .unwrap();
    v
}

/// Complete rows on disk now (the Parquet journal included), for deciding when to kill.
fn rows_on_disk(out: &Path) -> usize {
    let lines =
        |p: &Path| std::fs::read(p).map_or(0, |b| b.iter().filter(|&&c| c == b'\n').count());
    if out.extension().is_some_and(|e| e == "parquet") {
        std::fs::read_dir(out).map_or(0, |d| {
            d.map(|e| e.unwrap().path())
                .filter(|p| {
                    p.file_name()
                        .unwrap()
                        .to_string_lossy()
                        .starts_with("_journal")
                })
                .map(|p| lines(&p))
                .sum()
        })
    } else if out.extension().is_some_and(|e| e == "csv") {
        lines(out).saturating_sub(1)
    } else {
        lines(out)
    }
}

fn run_catalog(args: &[&std::ffi::OsStr]) -> (bool, String) {
    let o = mer().arg("catalog").args(args).output().unwrap();
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn sigkill_mid_run_then_resume_catalogues_every_file_exactly_once() {
    let Some(clips) = clips(10) else { return };
    for ext in ["csv", "jsonl", "parquet"] {
        let tmp = tempfile::tempdir().unwrap();
        let lib = tmp.path().join("lib");
        let expected = library(&lib, &clips);
        let out = tmp.path().join(format!("cat.{ext}"));
        let args = |c: &mut Command| {
            c.arg("catalog")
                .arg(&lib)
                .arg("-o")
                .arg(&out)
                .args(["--model", "fast", "-j", "1"]);
        };
        let mut c = mer();
        args(&mut c);
        let mut child = c.stderr(Stdio::null()).spawn().unwrap();
        let t0 = Instant::now();
        while rows_on_disk(&out) < 2 {
            assert!(
                child.try_wait().unwrap().is_none(),
                "{ext}: finished before it could be killed"
            );
            assert!(t0.elapsed() < Duration::from_secs(120), "{ext}: no rows");
            std::thread::sleep(Duration::from_millis(20));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let before = rows_on_disk(&out);
        assert!(
            (2..expected.len()).contains(&before),
            "{ext}: {before} rows when killed"
        );
        // What a crash in the middle of a write leaves: half a row after the last one.
        let torn_into = if ext == "parquet" {
            std::fs::read_dir(&out)
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| {
                    p.file_name()
                        .unwrap()
                        .to_string_lossy()
                        .starts_with("_journal")
                })
                .expect("the journal of the part being filled")
        } else {
            out.clone()
        };
        let half = if ext == "csv" {
            "b/c/half.mp3,30.0,0.1".to_string()
        } else {
            "{\"path\":\"b/c/half.mp3\",\"duration_s\":30.0,\"aro".to_string()
        };
        std::fs::OpenOptions::new()
            .append(true)
            .open(&torn_into)
            .unwrap()
            .write_all(half.as_bytes())
            .unwrap();

        let mut c = mer();
        args(&mut c);
        let o = c.output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(o.status.success(), "{ext}: {err}");
        assert!(
            err.contains(&format!("resuming: {before} files already done")),
            "{ext}: {err}"
        );
        assert!(err.contains("repaired"), "{ext}: {err}");
        assert!(
            err.contains(&format!("{} files catalogued", expected.len() - before)),
            "{ext}: finished files were redone: {err}"
        );
        let got = rows(&out);
        let mut count: BTreeMap<&str, usize> = BTreeMap::new();
        for r in &got {
            *count.entry(r.path.as_str()).or_default() += 1;
            assert!(r.ok(), "{ext}: {r:?}");
            assert_eq!(r.model, "fast");
            assert!((29.0..31.0).contains(&r.duration_s.unwrap()), "{r:?}");
            assert!((1..=4).contains(&r.quadrant.unwrap()));
        }
        let mut want: Vec<&str> = expected.iter().map(String::as_str).collect();
        want.sort();
        assert_eq!(count.keys().copied().collect::<Vec<_>>(), want, "{ext}");
        assert!(count.values().all(|&n| n == 1), "{ext}: {count:?}");
        if ext == "parquet" {
            // Only committed parts and the marker remain: no journal, no temporary file.
            let names: Vec<String> = std::fs::read_dir(&out)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            assert!(
                names
                    .iter()
                    .all(|n| n == "_mer_catalog.json" || n.starts_with("part-")),
                "{names:?}"
            );
        }
        // A third run has nothing to do.
        let (ok, err) = run_catalog(&[
            lib.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
            "--model".as_ref(),
            "fast".as_ref(),
        ]);
        assert!(ok && err.contains("0 files catalogued"), "{ext}: {err}");
        assert_eq!(rows(&out).len(), expected.len());
    }
}

#[test]
fn bad_files_are_error_rows_a_changed_file_is_redone_and_other_outputs_are_refused() {
    let Some(clips) = clips(3) else { return };
    let tmp = tempfile::tempdir().unwrap();
    let lib = tmp.path().join("lib");
    library(&lib, &clips[..2]);
    let bytes = std::fs::read(&clips[2]).unwrap();
    std::fs::write(lib.join("empty.mp3"), b"").unwrap();
    // Cut inside its first MP3 frame (after the 45-byte ID3 tag): no audio at all, an error.
    // (600 bytes hold one whole frame: 2 ms decoded, a "file ends early" warning, values.)
    std::fs::write(lib.join("a/head.mp3"), &bytes[..200]).unwrap();
    std::fs::write(lib.join("notes.mp3"), b"not audio at all\n").unwrap();
    std::fs::write(lib.join("readme.txt"), b"not a row\n").unwrap();
    std::fs::write(lib.join("b/renamed.dat"), &bytes).unwrap();
    let out = tmp.path().join("cat.jsonl");
    let cmd = |extra: &[&str]| {
        let mut a: Vec<&std::ffi::OsStr> = vec![
            lib.as_os_str(),
            "-o".as_ref(),
            out.as_os_str(),
            "--model".as_ref(),
            "fast".as_ref(),
        ];
        a.extend(extra.iter().map(|s| std::ffi::OsStr::new(*s)));
        run_catalog(&a)
    };
    let (ok, err) = cmd(&[]);
    assert!(ok, "{err}");
    assert!(
        err.contains("6 files catalogued") && err.contains("3 errors"),
        "{err}"
    );
    let by: BTreeMap<String, Row> = rows(&out)
        .into_iter()
        .map(|r| (r.path.clone(), r))
        .collect();
    let names: Vec<&str> = by.keys().map(String::as_str).collect();
    let c0 = format!("a/{}", clips[0].file_name().unwrap().to_string_lossy());
    let c1 = format!("b/c/{}", clips[1].file_name().unwrap().to_string_lossy());
    let mut want = vec![
        "a/head.mp3",
        "b/renamed.dat",
        "empty.mp3",
        "notes.mp3",
        c0.as_str(),
        c1.as_str(),
    ];
    want.sort();
    assert_eq!(names, want);
    for bad in ["a/head.mp3", "empty.mp3", "notes.mp3"] {
        let r = &by[bad];
        assert!(
            !r.ok() && r.arousal.is_none() && r.duration_s.is_none(),
            "{r:?}"
        );
        assert!(
            r.error
                .contains(Path::new(bad).file_name().unwrap().to_str().unwrap()),
            "{r:?}"
        );
        assert!(!r.error.contains('\n'));
        assert!(err.contains(&r.error), "{err}");
    }
    assert!(by["b/renamed.dat"].ok(), "{:?}", by["b/renamed.dat"]);

    // A file replaced by another song is redone; the others are not.
    let before = by[&c0].clone();
    std::fs::copy(&clips[2], lib.join(&c0)).unwrap();
    let (ok, err) = cmd(&[]);
    assert!(ok, "{err}");
    assert!(err.contains("1 changed files to redo"), "{err}");
    assert!(
        err.contains("1 files catalogued") && err.contains("5 already done"),
        "{err}"
    );
    let after: Vec<Row> = rows(&out);
    assert_eq!(after.len(), 6);
    let redone = after.iter().find(|r| r.path == c0).unwrap();
    assert_eq!(redone.size, Some(bytes.len() as u64));
    // The 4Q clips are CBR with equal tags: both songs may have the same size, so the row
    // must be new by its mtime and its values.
    assert_ne!(redone.mtime, before.mtime);
    assert_ne!(redone.arousal, before.arousal, "another song, other values");
    assert_eq!(
        redone.arousal, by["b/renamed.dat"].arousal,
        "same song, same values"
    );

    // An output that is not a catalog is refused, and left as it was; --force replaces it.
    let other = tmp.path().join("notes.csv");
    std::fs::write(&other, "mine,not yours\n1,2\n").unwrap();
    let args = [
        lib.as_os_str(),
        "-o".as_ref(),
        other.as_os_str(),
        "--model".as_ref(),
        "fast".as_ref(),
    ];
    let (ok, err) = run_catalog(&args);
    assert!(
        !ok && err.contains("not a catalog written by mer catalog"),
        "{err}"
    );
    assert!(err.contains("--force"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&other).unwrap(),
        "mine,not yours\n1,2\n"
    );
    // Another model on this catalog is refused too.
    let (ok, err) = run_catalog(&[lib.as_os_str(), "-o".as_ref(), out.as_os_str()]);
    assert!(!ok && err.contains("model \"fast\""), "{err}");
}
