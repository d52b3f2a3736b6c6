//! The atomic writer's guarantees, each on real files in a temporary folder.

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};

use mer_io::{AtomicFile, Error, OutputPlan, Overwrite, refuse_existing, write_bytes, write_file};

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn a_failing_writer_leaves_the_old_file_and_no_temporary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.npy");
    std::fs::write(&path, b"old contents").unwrap();
    let e = write_file(&path, Overwrite::Replace, |w| {
        w.write_all(&[7u8; 100_000])?;
        Err(std::io::Error::other("disk on fire"))
    })
    .unwrap_err();
    assert!(
        e.to_string().contains("x.npy") && e.to_string().contains("disk on fire"),
        "{e}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"old contents");
    assert_eq!(names_in(dir.path()), ["x.npy"]);
}

#[test]
fn a_panicking_writer_leaves_the_old_file_and_no_temporary() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.csv");
    std::fs::write(&path, b"old").unwrap();
    let r = std::panic::catch_unwind(|| {
        let _ = write_file(&path, Overwrite::Replace, |w| {
            w.write_all(b"half a ro")?;
            panic!("bug while writing");
        });
    });
    assert!(r.is_err());
    assert_eq!(std::fs::read(&path).unwrap(), b"old");
    assert_eq!(names_in(dir.path()), ["x.csv"]);
}

/// Helper run in a child process by `a_crash_before_the_rename_leaves_the_old_file`: writes
/// half a file through the API and dies (abort: no unwinding, no destructors, as `kill -9`).
#[test]
#[ignore = "child process of a_crash_before_the_rename_leaves_the_old_file"]
fn crash_child() {
    let Some(path) = std::env::var_os("MER_IO_CRASH_TARGET") else {
        return;
    };
    let mut f = AtomicFile::create(Path::new(&path), Overwrite::Replace).unwrap();
    f.write_all(&[1u8; 300_000]).unwrap();
    f.flush().unwrap();
    std::process::abort();
}

#[test]
fn a_crash_before_the_rename_leaves_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.mer");
    std::fs::write(&path, b"the user's model").unwrap();
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "crash_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("MER_IO_CRASH_TARGET", &path)
        .stderr(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success(), "the child was meant to abort");
    assert_eq!(std::fs::read(&path).unwrap(), b"the user's model");
    // What a hard crash leaves: one hidden temporary next to the target, named after it.
    let names = names_in(dir.path());
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names[0].starts_with(".model.mer.") && names[0].ends_with(".tmp"),
        "{names:?}"
    );
}

#[test]
fn concurrent_writers_never_share_a_temporary_and_leave_one_whole_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metrics.json");
    let writers = 8;
    let per = 8;
    let temps: Vec<PathBuf> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..writers)
            .map(|t| {
                let path = &path;
                s.spawn(move || {
                    let mut seen = Vec::new();
                    for k in 0..per {
                        let mut f = AtomicFile::create(path, Overwrite::Replace).unwrap();
                        seen.push(f.temp_path().to_path_buf());
                        let byte = (t * per + k) as u8;
                        f.write_all(&vec![byte; 50_000]).unwrap();
                        f.commit().unwrap();
                    }
                    seen
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let unique: HashSet<&PathBuf> = temps.iter().collect();
    assert_eq!(
        unique.len(),
        writers * per,
        "two writers shared a temporary file"
    );
    assert!(temps.iter().all(|t| t.parent() == Some(dir.path())));
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(bytes.len(), 50_000);
    assert!(bytes.iter().all(|&b| b == bytes[0]), "a mixed file");
    assert_eq!(names_in(dir.path()), ["metrics.json"]);
}

#[test]
fn an_existing_file_is_not_overwritten_without_replace() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("song.npy");
    std::fs::write(&path, b"user data").unwrap();
    let e = write_bytes(&path, Overwrite::Refuse, b"new").unwrap_err();
    assert!(matches!(e, Error::Exists { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!("{}: already exists, not overwritten", path.display())
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"user data");
    write_bytes(&path, Overwrite::Replace, b"new").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"new");
    assert_eq!(names_in(dir.path()), ["song.npy"]);
}

#[test]
fn a_file_that_appears_while_writing_is_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.mer");
    let mut f = AtomicFile::create(&path, Overwrite::Refuse).unwrap();
    f.write_all(b"hours of training").unwrap();
    std::fs::write(&path, b"made meanwhile").unwrap();
    let e = f.commit().unwrap_err();
    assert!(matches!(e, Error::Exists { .. }), "{e:?}");
    assert_eq!(std::fs::read(&path).unwrap(), b"made meanwhile");
    assert_eq!(names_in(dir.path()), ["model.mer"]);
}

#[test]
fn missing_folders_are_created_and_permissions_follow_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/c.svg");
    write_bytes(&path, Overwrite::Refuse, b"<svg/>").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"<svg/>");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let created = std::fs::File::create(dir.path().join("plain")).unwrap();
        let want = created.metadata().unwrap().permissions().mode() & 0o777;
        let got = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            got, want,
            "as File::create would (tempfile alone gives 0o600)"
        );
    }
}

#[test]
fn a_folder_in_the_way_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.npy");
    std::fs::create_dir(&path).unwrap();
    let e = write_bytes(&path, Overwrite::Replace, b"x").unwrap_err();
    assert!(
        e.to_string().starts_with(&path.display().to_string()),
        "{e}"
    );
    assert_eq!(names_in(dir.path()), ["out.npy"]);
}

#[test]
fn plan_keeps_relative_paths_and_refuses_two_inputs_for_one_output() {
    let mut plan = OutputPlan::new("F", "npy");
    let a = plan
        .add(Path::new("music/a/x.mp3"), Path::new("a/x.mp3"))
        .unwrap();
    let b = plan
        .add(Path::new("music/b/x.mp3"), Path::new("b/x.mp3"))
        .unwrap();
    assert_eq!(a, Path::new("F/a/x.npy"));
    assert_eq!(b, Path::new("F/b/x.npy"));
    plan.add(Path::new("one/y.mp3"), Path::new("y.mp3"))
        .unwrap();
    let e = plan
        .add(Path::new("two/y.wav"), Path::new("y.wav"))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "one/y.mp3 and two/y.wav would both write F/y.npy; give them different names or run \
         them separately"
    );
    assert!(matches!(
        plan.add(Path::new(".."), Path::new("..")),
        Err(Error::NoFileName { .. })
    ));
}

#[test]
fn refuse_existing_names_the_first_and_counts_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let p: Vec<PathBuf> = (0..4)
        .map(|i| dir.path().join(format!("{i}.npy")))
        .collect();
    refuse_existing(&p).unwrap();
    std::fs::write(&p[1], b"").unwrap();
    std::fs::write(&p[3], b"").unwrap();
    let e = refuse_existing(&p).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{}: already exists, not overwritten (nor is 1 more output that exists)",
            p[1].display()
        )
    );
}

#[test]
fn without_fsync_is_still_atomic_and_still_follows_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("entry.f32m");
    std::fs::write(&path, b"old").unwrap();
    assert!(matches!(
        AtomicFile::create(&path, Overwrite::Refuse),
        Err(Error::Exists { .. })
    ));
    let mut f = AtomicFile::create(&path, Overwrite::Replace)
        .unwrap()
        .without_fsync();
    f.write_all(b"new entry").unwrap();
    assert_eq!(
        std::fs::read(&path).unwrap(),
        b"old",
        "not visible before commit"
    );
    f.commit().unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"new entry");
    assert_eq!(names_in(dir.path()), ["entry.f32m"]);
}
