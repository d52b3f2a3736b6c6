//! Files out and folders in, through the `mer` binary: inputs with the same name in different
//! folders never overwrite each other's outputs (relative paths kept, or refused before any
//! work), an existing file is not overwritten without `--force` (every command that writes
//! files), and a folder that cannot be read is reported while the other files are done.
//! Audio: the repository's committed DEAM re-encodes (no shared data needed).

use std::path::{Path, PathBuf};
use std::process::Command;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn mer(args: &[&str]) -> Run {
    mer_cmd(Command::new(env!("CARGO_BIN_EXE_mer")), args)
}

fn mer_cmd(mut cmd: Command, args: &[&str]) -> Run {
    let o = cmd
        .args(args)
        .env(
            "MER_CACHE",
            std::env::temp_dir().join("mer-outputs-test-cache"),
        )
        .output()
        .unwrap();
    Run {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn clip(i: u32) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(
        "../mer-predict/tests/fixtures/reencoded/deam-{i}-22k-mono-56k.mp3"
    ))
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 test paths")
}

/// `root/a/x.mp3` (clip 2) and `root/b/x.mp3` (clip 10): one name, two songs.
fn same_names(root: &Path) -> (PathBuf, PathBuf) {
    let (a, b) = (root.join("a/x.mp3"), root.join("b/x.mp3"));
    for (p, i) in [(&a, 2), (&b, 10)] {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::copy(clip(i), p).unwrap();
    }
    (a, b)
}

fn files_below(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = mer_audio::walk::walk_with(
        dir,
        mer_audio::walk::WalkOptions {
            hidden: true,
            ..Default::default()
        },
    )
    .map(|f| f.unwrap().relative.to_string_lossy().into_owned())
    .collect();
    v.sort();
    v
}

#[test]
fn features_two_inputs_for_one_output_are_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = same_names(dir.path());
    let out = dir.path().join("F");
    let r = mer(&["features", s(&a), s(&b), "-o", s(&out)]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stderr.trim(),
        format!(
            "mer: error: {} and {} would both write {}; give them different names or run \
             them separately",
            a.display(),
            b.display(),
            out.join("x.npy").display()
        )
    );
    assert!(!out.exists(), "nothing written, not even the folder");
    // The two folders named on the command line: same relative path, same refusal.
    let r = mer(&[
        "features",
        s(a.parent().unwrap()),
        s(b.parent().unwrap()),
        "-o",
        s(&out),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("would both write"), "{}", r.stderr);
}

#[test]
fn features_of_a_folder_keep_relative_paths_and_existing_files_need_force() {
    let dir = tempfile::tempdir().unwrap();
    same_names(dir.path());
    let out = dir.path().join("F");
    let args = ["features", s(dir.path()), "--rate", "2hz", "-o", s(&out)];
    let r = mer(&args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(files_below(&out), ["a/x.npy", "b/x.npy"]);
    let a = std::fs::read(out.join("a/x.npy")).unwrap();
    let b = std::fs::read(out.join("b/x.npy")).unwrap();
    assert_ne!(a, b, "two songs, two matrices");

    // A second run refuses before any work, naming the first output and counting the other.
    std::fs::write(out.join("b/x.npy"), b"the user's file").unwrap();
    let r = mer(&args);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(
        r.stderr.trim(),
        format!(
            "mer: error: {}: already exists, not overwritten (nor is 1 more output that \
             exists); pass --force to overwrite",
            out.join("a/x.npy").display()
        )
    );
    assert_eq!(
        std::fs::read(out.join("b/x.npy")).unwrap(),
        b"the user's file"
    );
    let mut forced = args.to_vec();
    forced.push("--force");
    let r = mer(&forced);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(std::fs::read(out.join("b/x.npy")).unwrap(), b);
    assert_eq!(
        files_below(&out),
        ["a/x.npy", "b/x.npy"],
        "no temporary left"
    );

    // One file to one named output: the same policy.
    let one = dir.path().join("one.csv");
    std::fs::write(&one, b"mine").unwrap();
    let r = mer(&["features", s(&clip(2)), "--rate", "2hz", "-o", s(&one)]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("pass --force to overwrite"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(&one).unwrap(), b"mine");
}

#[test]
fn predict_plots_keep_relative_paths_or_refuse_a_shared_name() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = same_names(dir.path());
    let plots = dir.path().join("P");
    // Files named directly: one name, one plot file: refused before the model is loaded.
    let r = mer(&[
        "predict",
        "--model",
        "fast",
        s(&a),
        s(&b),
        "--plot",
        s(&plots),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("would both write") && r.stdout.is_empty(),
        "{}",
        r.stderr
    );
    assert!(!plots.exists());
    // Their folder: relative paths kept.
    let r = mer(&[
        "predict",
        "--model",
        "fast",
        s(dir.path()),
        "--plot",
        s(&plots),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(files_below(&plots), ["a/x.svg", "b/x.svg"]);
    assert_eq!(
        r.stdout.lines().count(),
        3,
        "header + 2 rows:\n{}",
        r.stdout
    );
    // Again: the plots exist.
    let r = mer(&[
        "predict",
        "--model",
        "fast",
        s(dir.path()),
        "--plot",
        s(&plots),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("pass --force to overwrite") && r.stdout.is_empty());
    let r = mer(&[
        "predict",
        "--model",
        "fast",
        s(dir.path()),
        "--plot",
        s(&plots),
        "--force",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn train_eval_and_experiment_refuse_to_overwrite_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let existing = dir.path().join("mine");
    std::fs::write(&existing, b"keep me").unwrap();
    // The data does not exist: the refusal comes first, before anything is read.
    let data = format!("deam={}", dir.path().join("no-such-data").display());
    let want = format!(
        "mer: error: {}: already exists, not overwritten; pass --force to overwrite",
        existing.display()
    );
    let r = mer(&[
        "train",
        "--data",
        &data,
        "--model",
        "ridge",
        "-o",
        s(&existing),
    ]);
    assert_eq!((r.code, r.stderr.trim()), (1, want.as_str()));
    let r = mer(&[
        "eval",
        "--data",
        &data,
        "--model",
        "ridge",
        "--json",
        s(&existing),
    ]);
    assert_eq!((r.code, r.stderr.trim()), (1, want.as_str()));
    // With --force the command goes on (and fails on the missing data instead).
    let r = mer(&[
        "train",
        "--data",
        &data,
        "--model",
        "ridge",
        "-o",
        s(&existing),
        "--force",
    ]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("no-such-data"), "{}", r.stderr);
    assert_eq!(std::fs::read(&existing).unwrap(), b"keep me");

    let exp = dir.path().join("exp.json");
    let spec = serde_json::json!({
        "name": "smoke", "data": [data], "features": "logmel",
        "models": ["ridge"], "seq_lens": [10], "folds": 2
    });
    std::fs::write(&exp, spec.to_string()).unwrap();
    let results = dir.path().join("results");
    std::fs::create_dir_all(results.join("smoke")).unwrap();
    std::fs::write(results.join("smoke/report.md"), b"last week's report").unwrap();
    let r = mer(&["experiment", s(&exp), "--out", s(&results)]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("smoke/report.md: already exists") && r.stderr.contains("--force"),
        "{}",
        r.stderr
    );
    assert_eq!(
        files_below(&results),
        ["smoke/report.md"],
        "config.json not written"
    );
}

/// Runs `mer ARGS` unable to read folders it has no permission for, also as root (as tests
/// run here): `setpriv` drops root's CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH.
#[cfg(unix)]
fn mer_without_root_read(args: &[&str]) -> Run {
    let mut cmd = Command::new("setpriv");
    cmd.args(["--bounding-set=-dac_override,-dac_read_search"])
        .arg(env!("CARGO_BIN_EXE_mer"));
    mer_cmd(cmd, args)
}

#[cfg(unix)]
#[test]
fn an_unreadable_folder_is_an_error_naming_it_and_the_other_files_are_done() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let music = dir.path().join("music");
    for (rel, i) in [("a/1.mp3", 2), ("locked/2.mp3", 10), ("z/3.mp3", 12)] {
        let p = music.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::copy(clip(i), p).unwrap();
    }
    let locked = music.join("locked");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let r = mer_without_root_read(&["predict", "--model", "fast", s(&music), "--format", "csv"]);
    let f = mer_without_root_read(&["features", s(&music), "-o", s(&dir.path().join("F"))]);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
    for r in [&r, &f] {
        assert_eq!(r.code, 1, "{}", r.stderr);
        let errors: Vec<&str> = r.stderr.lines().filter(|l| l.contains("error")).collect();
        assert_eq!(errors.len(), 1, "{}", r.stderr);
        assert!(
            errors[0].starts_with(&format!("mer: error: {}: cannot read: ", locked.display())),
            "{}",
            r.stderr
        );
        assert!(
            r.stderr
                .contains("0 of 2 files failed, 1 folder(s) could not be read"),
            "{}",
            r.stderr
        );
    }
    let rows: Vec<&str> = r.stdout.lines().skip(1).collect();
    assert_eq!(rows.len(), 2, "{}", r.stdout);
    assert!(rows[0].contains("a/1.mp3") && rows[1].contains("z/3.mp3"));
    assert_eq!(files_below(&dir.path().join("F")), ["a/1.npy", "z/3.npy"]);
}
