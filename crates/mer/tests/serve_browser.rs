//! `mer serve` end to end in a real browser: the binary on loopback ports, headless Chromium
//! (Debian's `chromium`, driven by Playwright from Node.js: `tests/browser/serve_e2e.mjs`).
//!
//! Needs `chromium` (Debian: `apt-get install -y chromium`; or `MER_CHROMIUM=/path`) and
//! Node.js ≥ 20 with npm (the test installs `playwright-core`, pinned by
//! `tests/browser/package-lock.json`, into the target directory: no browser download). When
//! one is missing the test says so and skips — unless `MER_REQUIRE_DATA=1` (`.ci/run`), where
//! it fails. Screenshots go to the target directory, or to `$MER_SCREENSHOT_DIR` (how
//! `docs/serve*.png` were made).
//!
//! Also checks that the API's JSON is `mer predict --format json`'s record, and that a
//! catalog of 20 shared 4Q clips fills the library view.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const MER: &str = env!("CARGO_BIN_EXE_mer");
const INSTALL: &str = "install Chromium and Node.js 20+ with npm: `apt-get install -y chromium` \
                       (Debian; or set MER_CHROMIUM to a Chromium binary), Node.js from your \
                       distribution or nodejs.org";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Skips (or, with `MER_REQUIRE_DATA=1`, fails) for want of `what`.
fn missing(what: &str) -> Option<std::convert::Infallible> {
    if mer_audio::testdata::require_data() {
        panic!("{what} not found and MER_REQUIRE_DATA=1: {INSTALL}");
    }
    eprintln!("skipping the browser test: {what} not found; {INSTALL}");
    None
}

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MER_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.is_file())
}

fn command_works(cmd: &str, arg: &str) -> bool {
    Command::new(cmd)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `playwright-core` from `tests/browser/package-lock.json`, installed once into the target
/// directory; returns the folder holding the script.
fn playwright() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve-browser");
    std::fs::create_dir_all(&dir).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    for f in ["package.json", "package-lock.json", "serve_e2e.mjs"] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    if !dir
        .join("node_modules/playwright-core/package.json")
        .is_file()
    {
        let t0 = Instant::now();
        let st = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .status();
        match st {
            Ok(s) if s.success() => eprintln!(
                "installed playwright-core in {:.1} s",
                t0.elapsed().as_secs_f64()
            ),
            _ => {
                missing("playwright-core (npm ci failed)")?;
            }
        }
    }
    Some(dir)
}

/// A `mer serve` process on a free loopback port; killed when dropped.
struct Serve {
    child: Child,
    url: String,
}

impl Serve {
    fn start(args: &[&str], cwd: &Path) -> Serve {
        let mut child = Command::new(MER)
            .arg("serve")
            .args(args)
            .args(["--addr", "127.0.0.1:0"])
            .current_dir(cwd)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start mer serve");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(l) => l,
            Err(_) => {
                let _ = child.kill();
                panic!("mer serve printed no address in 60 s");
            }
        };
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {line:?}"))
            .to_string();
        Serve { child, url }
    }

    fn addr(&self) -> String {
        self.url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string()
    }

    /// GET `path` → (status, JSON).
    fn get(&self, path: &str) -> (u16, Value) {
        let mut s = TcpStream::connect(self.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).unwrap();
        let text = String::from_utf8_lossy(&buf);
        let (head, body) = text.split_once("\r\n\r\n").expect("a response");
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        (status, serde_json::from_str(body).unwrap_or(Value::Null))
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// 20 shared 4Q clips (5 per quadrant) in `dir/music/Qn/`, and `dir/catalog.csv` in
/// `mer catalog`'s columns made from `mer predict --model fast --format csv` (paths relative
/// to music/; the fast model keeps this step under a second of CPU).
fn catalog_of_shared_clips(dir: &Path) -> Option<()> {
    let data = mer_audio::testdata::shared_data()?;
    let music = dir.join("music");
    for q in 1..=4 {
        let src = data.join(format!("4q/audio/Q{q}"));
        let mut clips: Vec<PathBuf> = std::fs::read_dir(&src)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "mp3"))
            .collect();
        clips.sort();
        std::fs::create_dir_all(music.join(format!("Q{q}"))).unwrap();
        for c in clips.iter().take(5) {
            std::fs::copy(c, music.join(format!("Q{q}")).join(c.file_name().unwrap())).unwrap();
        }
    }
    let out = Command::new(MER)
        .args(["predict", "music", "--format", "csv", "--model", "fast"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut cat = String::from("path,duration_s,arousal,valence,quadrant,confidence,model,error\n");
    for line in String::from_utf8(out.stdout).unwrap().lines().skip(1) {
        // path,duration_s,arousal,valence,quadrant,confidence,scale
        let f: Vec<&str> = line.split(',').collect();
        let rel = f[0].trim_start_matches("music/");
        cat.push_str(&format!(
            "{rel},{},{},{},{},{},fast,\n",
            f[1], f[2], f[3], f[4], f[5]
        ));
    }
    std::fs::write(dir.join("catalog.csv"), cat).unwrap();
    Some(())
}

#[test]
fn serve_in_a_browser_upload_plot_play_and_library() {
    let t_all = Instant::now();
    let Some(chrome) = chromium().or_else(|| missing("chromium").map(|n| match n {})) else {
        return;
    };
    if !command_works("node", "--version") || !command_works("npm", "--version") {
        missing("node and npm");
        return;
    }
    let Some(script_dir) = playwright() else {
        return;
    };
    let example = repo().join("examples/dd-groove.mp3");

    // The API's JSON is `mer predict --format json`'s record (plus id, model, time axis).
    let listen = Serve::start(&["examples/"], &repo());
    let (st, list) = listen.get("/api/tracks");
    assert_eq!(st, 200);
    assert_eq!(list["total"], 1, "{list}");
    let id = list["tracks"][0]["id"].as_str().unwrap().to_string();
    let t0 = Instant::now();
    let (st, api) = listen.get(&format!("/api/tracks/{id}?scale=1..9"));
    let first_s = t0.elapsed().as_secs_f64();
    assert_eq!(st, 200, "{api}");
    let t0 = Instant::now();
    let (_, again) = listen.get(&format!("/api/tracks/{id}?scale=1..9"));
    let cached_s = t0.elapsed().as_secs_f64();
    assert_eq!(again, api);
    let cli = Command::new(MER)
        .args([
            "predict",
            "examples/dd-groove.mp3",
            "--format",
            "json",
            "--scale",
            "1..9",
        ])
        .current_dir(repo())
        .output()
        .unwrap();
    let cli: Value = serde_json::from_slice(&cli.stdout).unwrap();
    for (k, v) in cli.as_object().unwrap() {
        if k != "path" {
            assert_eq!(&api[k], v, "field {k}");
        }
    }
    assert_eq!(api["path"], "dd-groove.mp3");
    let n = api["dynamic"]["arousal"].as_array().unwrap().len();
    let times = api["time_s"].as_array().unwrap();
    assert_eq!(times.len(), n);
    assert_eq!(times[1].as_f64().unwrap() - times[0].as_f64().unwrap(), 0.5);
    eprintln!("API: first prediction {first_s:.2} s, cached {cached_s:.3} s, {n} values");

    // A catalogued library of 20 shared clips.
    let lib_dir = tempfile::tempdir().unwrap();
    let library = catalog_of_shared_clips(lib_dir.path())
        .map(|()| Serve::start(&["music", "--catalog", "catalog.csv"], lib_dir.path()));
    if let Some(l) = &library {
        let (_, v) = l.get("/api/tracks?analyzed=true&limit=100");
        assert_eq!(
            v["total"], 20,
            "the catalog's values, without predicting: {v}"
        );
    }

    let out_dir = std::env::var_os("MER_SCREENSHOT_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("serve-browser"));
    std::fs::create_dir_all(&out_dir).unwrap();
    let mut cmd = Command::new("node");
    cmd.arg(script_dir.join("serve_e2e.mjs"))
        .current_dir(&script_dir)
        .env("MER_CHROMIUM", &chrome)
        .env("LISTEN_URL", &listen.url)
        .env("AUDIO", &example)
        .env("OUT_DIR", &out_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if let Some(l) = &library {
        cmd.env("LIBRARY_URL", &l.url);
    }
    let t0 = Instant::now();
    let mut child = cmd.spawn().expect("node");
    let deadline = Instant::now() + Duration::from_secs(240);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the browser script took over 240 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    assert!(status.success(), "browser script failed: {stdout}");
    let out: Value = serde_json::from_str(stdout.lines().last().unwrap_or("")).unwrap();
    eprintln!(
        "browser: {:.1} s; {}",
        t0.elapsed().as_secs_f64(),
        serde_json::to_string(&out).unwrap()
    );

    // No script error, nothing fetched but from the two servers.
    assert_eq!(out["errors"], serde_json::json!([]), "{out}");
    let mut allowed = vec![listen.url.trim_end_matches('/').to_string()];
    if let Some(l) = &library {
        allowed.push(l.url.trim_end_matches('/').to_string());
    }
    for o in out["origins"].as_array().unwrap() {
        assert!(
            allowed.contains(&o.as_str().unwrap().to_string()),
            "fetched {o}"
        );
    }
    // One point per 0.5 s, the same as the JSON, in the plane and the time series.
    let duration = api["duration_s"].as_f64().unwrap();
    let points = out["points"].as_u64().unwrap() as usize;
    assert_eq!(points, n);
    assert_eq!(out["data_n"].as_u64().unwrap() as usize, n);
    assert_eq!(out["series_points"].as_u64().unwrap() as usize, n);
    assert!(
        (points as f64 - duration / 0.5).abs() <= 1.5,
        "{points} points for {duration} s"
    );
    assert_eq!(out["title"], "dd-groove.mp3");
    assert_eq!(out["quadrant"], api["quadrant"]);
    assert!((out["audio_duration"].as_f64().unwrap() - duration).abs() < 0.3);
    // Playback advances and the dot moves with it.
    let (d1, d2) = (&out["dot"][0], &out["dot"][1]);
    let f = |v: &Value, k: &str| v[k].as_f64().unwrap();
    assert!(f(d2, "t") > f(d1, "t") + 2.0, "{d1} {d2}");
    let moved = (f(d2, "x") - f(d1, "x")).hypot(f(d2, "y") - f(d1, "y"));
    assert!(moved > 0.5, "the dot moved {moved} px: {d1} {d2}");
    assert!(out["played_points"].as_u64().unwrap() >= 5);
    // Clicking the series' middle seeks there; → adds 5 s.
    let click = out["after_click"].as_f64().unwrap();
    assert!((click - duration / 2.0).abs() < 1.5, "clicked to {click} s");
    assert!((out["after_key"].as_f64().unwrap() - click - 5.0).abs() < 0.6);
    let on_1_9: f64 = out["now_on_1_9"]
        .as_str()
        .unwrap()
        .replace('−', "-")
        .parse()
        .unwrap();
    assert!((1.0..=9.0).contains(&on_1_9));
    let ticks = out["full_plane_ticks"].as_array().unwrap();
    assert!(
        ticks.contains(&"−1".into()) && ticks.contains(&"1".into()),
        "{ticks:?}"
    );
    for png in ["serve.png", "serve-full.png"] {
        let b = std::fs::read(out_dir.join(png)).unwrap();
        assert!(b.starts_with(b"\x89PNG") && b.len() > 20_000, "{png}");
    }
    if library.is_some() {
        let l = &out["library"];
        assert_eq!(
            (l["rows"].as_u64(), l["dots"].as_u64()),
            (Some(20), Some(20)),
            "{l}"
        );
        let a: Vec<f64> = l["arousal_desc"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert!(a.windows(2).all(|w| w[0] >= w[1]), "{a:?}");
        assert!(
            l["q3_rows"].as_u64().unwrap() > 0 && l["q3_rows"] == l["q3_dots"],
            "{l}"
        );
        assert!(l["played_src"].as_str().unwrap().starts_with("/audio/"));
        let b = std::fs::read(out_dir.join("serve-library.png")).unwrap();
        assert!(b.starts_with(b"\x89PNG") && b.len() > 20_000);
    }
    eprintln!(
        "serve browser test: {:.1} s in all; screenshots in {}",
        t_all.elapsed().as_secs_f64(),
        out_dir.display()
    );
}
