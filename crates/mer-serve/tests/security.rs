//! Security and robustness of the server, on loopback with raw HTTP (so paths reach the
//! server exactly as written, unnormalised): only files inside the served DIRs are served,
//! uploads are bounded and leave nothing behind, malformed requests get a 4xx with a message,
//! and predictions are bounded in number. Every loop here is bounded in count and time.
//!
//! Audio: `examples/dd-groove.mp3` (45 s, in the repository).

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{Server, multipart, request};
use mer_serve::ServeConfig;
use mer_serve::engine::Limits;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/dd-groove.mp3")
}

/// A served DIR with `song.mp3` (and `sub/other.mp3`), and a file outside it that a link
/// inside points to.
struct Tree {
    _tmp: tempfile::TempDir,
    music: PathBuf,
    outside: PathBuf,
}

const SECRET: &[u8] = b"ID3 this is the secret file outside the served directory";

fn tree() -> Tree {
    let tmp = tempfile::tempdir().unwrap();
    let music = tmp.path().join("music");
    std::fs::create_dir_all(music.join("sub")).unwrap();
    std::fs::copy(example(), music.join("song.mp3")).unwrap();
    std::fs::copy(example(), music.join("sub/other.mp3")).unwrap();
    let outside = tmp.path().join("secret.mp3");
    std::fs::write(&outside, SECRET).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, music.join("link-out.mp3")).unwrap();
    Tree {
        _tmp: tmp,
        music,
        outside,
    }
}

fn config(dirs: Vec<PathBuf>) -> ServeConfig {
    ServeConfig {
        dirs,
        limits: Limits {
            workers: 1,
            queue: 2,
            cache: 64,
        },
        ..ServeConfig::default()
    }
}

fn track_ids(s: &Server) -> Vec<(String, String)> {
    let r = s.get("/api/tracks?limit=100");
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["id"].as_str().unwrap().to_string(),
                t["path"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn only_files_inside_the_dirs_are_served() {
    let t = tree();
    let s = Server::start(config(vec![t.music.clone()]));
    let ids = track_ids(&s);
    let paths: Vec<&str> = ids.iter().map(|(_, p)| p.as_str()).collect();
    // The link leading out is not a track; ids are opaque hex, not paths.
    assert_eq!(paths, ["song.mp3", "sub/other.mp3"]);
    for (id, _) in &ids {
        assert!(
            id.len() == 16 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "{id}"
        );
    }
    let outside = t.outside.display().to_string();
    let enc = |p: &str| p.replace('/', "%2F");
    let attempts = [
        "/audio/../secret.mp3".to_string(),
        "/audio/..%2Fsecret.mp3".into(),
        "/audio/%2e%2e%2fsecret.mp3".into(),
        "/audio/..%5Csecret.mp3".into(),
        "/audio/%2E%2E/%2E%2E/secret.mp3".into(),
        format!("/audio/{}", enc(&outside)),
        format!("/audio/{outside}"),
        format!("/audio//{outside}"),
        "/audio/link-out.mp3".into(),
        "/audio/song.mp3".into(),
        "/audio/sub%2Fother.mp3".into(),
        format!("/api/tracks/{}", enc(&outside)),
        "/api/tracks/..%2F..%2Fsecret.mp3".into(),
        "/../secret.mp3".into(),
        "/assets/../../secret.mp3".into(),
        "/assets/%2e%2e%2f%2e%2e%2fsecret.mp3".into(),
        "/audio/0000000000000000".into(),
    ];
    for path in &attempts {
        let r = s.get(path);
        assert_eq!(r.status, 404, "{path}: {} {}", r.status, r.text());
        assert!(
            !r.body.windows(SECRET.len()).any(|w| w == SECRET),
            "{path} leaked the file"
        );
        assert!(
            r.json()["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{path}"
        );
    }
    // A track replaced by a link leading out after the server started: 404 too.
    let (id, _) = &ids[0];
    assert_eq!(s.get(&format!("/audio/{id}")).status, 200);
    #[cfg(unix)]
    {
        std::fs::remove_file(t.music.join("song.mp3")).unwrap();
        std::os::unix::fs::symlink(&t.outside, t.music.join("song.mp3")).unwrap();
        let r = s.get(&format!("/audio/{id}"));
        assert_eq!(r.status, 404, "{}", r.text());
        assert!(!r.body.windows(SECRET.len()).any(|w| w == SECRET));
        assert_eq!(s.get(&format!("/api/tracks/{id}")).status, 404);
    }
}

#[test]
fn audio_is_served_with_ranges() {
    let t = tree();
    let s = Server::start(config(vec![t.music.clone()]));
    let bytes = std::fs::read(example()).unwrap();
    let n = bytes.len();
    let (id, _) = track_ids(&s).remove(0);
    let url = format!("/audio/{id}");
    let r = s.get(&url);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("accept-ranges"), Some("bytes"));
    assert_eq!(r.header("content-type"), Some("audio/mpeg"));
    assert_eq!(r.body, bytes);

    let ranged = |range: &str| s.get_with(&url, &[("Range", range)]);
    let r = ranged("bytes=0-99");
    assert_eq!(r.status, 206);
    assert_eq!(
        r.header("content-range"),
        Some(format!("bytes 0-99/{n}").as_str())
    );
    assert_eq!(r.body, bytes[..100]);
    let r = ranged("bytes=1000-");
    assert_eq!(r.status, 206);
    assert_eq!(r.body, bytes[1000..]);
    let r = ranged("bytes=-500");
    assert_eq!(r.status, 206);
    assert_eq!(
        r.header("content-range"),
        Some(format!("bytes {}-{}/{n}", n - 500, n - 1).as_str())
    );
    assert_eq!(r.body, bytes[n - 500..]);
    // Past the end, malformed, several ranges: 416 with the size and a message.
    for bad in [
        format!("bytes={n}-"),
        format!("bytes={}-{}", n + 10, n + 20),
        "bytes=abc".into(),
        "bytes=5-2".into(),
        "items=0-1".into(),
        "bytes=0-1,5-6".into(),
    ] {
        let r = ranged(&bad);
        assert_eq!(r.status, 416, "{bad}: {}", r.text());
        assert_eq!(
            r.header("content-range"),
            Some(format!("bytes */{n}").as_str()),
            "{bad}"
        );
        assert!(
            r.json()["error"]
                .as_str()
                .unwrap()
                .contains("not satisfiable"),
            "{bad}"
        );
    }
    // HEAD: headers only.
    let r = request(
        s.addr,
        format!("HEAD {url} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").as_bytes(),
    );
    assert_eq!((r.status, r.body.len()), (200, 0));
    assert_eq!(r.header("content-length"), Some(n.to_string().as_str()));
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect()
}

#[test]
fn uploads_are_bounded_and_leave_no_file() {
    let up_dir = tempfile::tempdir().unwrap();
    let limit = 256 * 1024;
    let s = Server::start(ServeConfig {
        upload_limit: limit,
        upload_dir: Some(up_dir.path().to_path_buf()),
        ..config(Vec::new())
    });
    // Over the limit (1 MiB of a 256 KiB limit): 413, the temporary file removed.
    let big = vec![7u8; 1 << 20];
    let r = s.post_multipart("/api/predict", "file", "big.mp3", &big);
    assert_eq!(r.status, 413, "{}", r.text());
    assert!(r.json()["error"].as_str().unwrap().contains("too large"));
    assert_eq!(files_in(up_dir.path()), Vec::<PathBuf>::new());
    // A declared length over the limit is refused before the body is read.
    let r = request(
        s.addr,
        b"POST /api/predict HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
          Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 10000000000\r\n\r\n",
    );
    assert_eq!(r.status, 413, "{}", r.text());
    assert_eq!(files_in(up_dir.path()), Vec::<PathBuf>::new());
    // Within the limit: predicted, then the file is gone too.
    let s2 = Server::start(ServeConfig {
        upload_dir: Some(up_dir.path().to_path_buf()),
        ..config(Vec::new())
    });
    let audio = std::fs::read(example()).unwrap();
    let r = s2.post_multipart("/api/predict", "file", "dd-groove.mp3", &audio);
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    assert_eq!(j["path"], "dd-groove.mp3");
    assert!(j["id"].as_str().unwrap().starts_with("up-"));
    assert_eq!(files_in(up_dir.path()), Vec::<PathBuf>::new());
    // The same bytes again come from the cache (computed once), and by id on another scale.
    let before = s2.app.engine.computed();
    let r = s2.post_multipart("/api/predict", "file", "again.mp3", &audio);
    assert_eq!(
        (r.status, r.json()["path"].clone()),
        (200, "again.mp3".into())
    );
    assert_eq!(s2.app.engine.computed(), before);
    let r = s2.get(&format!(
        "/api/tracks/{}?scale=1..9",
        j["id"].as_str().unwrap()
    ));
    assert_eq!((r.status, r.json()["scale"].clone()), (200, "1..9".into()));
}

#[test]
fn malformed_requests_get_a_4xx_with_a_message() {
    let t = tree();
    let up_dir = tempfile::tempdir().unwrap();
    let s = Server::start(ServeConfig {
        upload_dir: Some(up_dir.path().to_path_buf()),
        ..config(vec![t.music.clone()])
    });
    let mut cases: Vec<(String, common::Response, u16)> = Vec::new();
    for (path, want) in [
        ("/api/tracks?limit=abc", 400),
        ("/api/tracks?limit=0", 400),
        ("/api/tracks?limit=999999", 400),
        ("/api/tracks?offset=-1", 400),
        ("/api/tracks?sort=loudness", 400),
        ("/api/tracks?order=sideways", 400),
        ("/api/tracks?quadrant=Q9", 400),
        ("/api/tracks?scale=1..5", 400),
        ("/api/tracks?analyzed=maybe", 400),
        ("/api/tracks?bogus=1", 400),
        ("/api/tracks/zzz", 404),
        ("/api/tracks/up-00", 404),
        ("/api/tracks/up-00000000000000000000000000000000", 404),
        ("/nope", 404),
        ("/api/tracks/0123456789abcdef?scale=x", 400),
    ] {
        cases.push((path.into(), s.get(path), want));
    }
    let raw = |name: &str, req: &[u8], want: u16| (name.to_string(), request(s.addr, req), want);
    cases.push(raw(
        "not multipart",
        b"POST /api/predict HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
          Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello",
        415,
    ));
    cases.push(raw(
        "no boundary",
        b"POST /api/predict HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
          Content-Type: multipart/form-data\r\nContent-Length: 5\r\n\r\nhello",
        400,
    ));
    let with_body = |ctype: &str, body: &[u8]| {
        let mut r = format!(
            "POST /api/predict HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
             Content-Type: {ctype}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        r.extend_from_slice(body);
        r
    };
    // A file part whose closing boundary never comes.
    cases.push(raw(
        "truncated multipart",
        &with_body(
            "multipart/form-data; boundary=XyZ",
            b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.mp3\"\r\n\r\nabc",
        ),
        400,
    ));
    cases.push(raw(
        "garbage multipart",
        &with_body("multipart/form-data; boundary=XyZ", b"not a form"),
        400,
    ));
    cases.push(raw(
        "wrong method",
        b"DELETE /api/tracks HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        405,
    ));
    cases.push(raw(
        "foreign host (DNS rebinding)",
        b"GET /api/tracks HTTP/1.1\r\nHost: evil.example:8080\r\nConnection: close\r\n\r\n",
        403,
    ));
    let form = multipart("file", "a.mp3", b"abc");
    let mut req = format!(
        "POST /api/predict HTTP/1.1\r\nHost: localhost\r\nOrigin: http://evil.example\r\n\
         Connection: close\r\nContent-Type: multipart/form-data; boundary={}\r\n\
         Content-Length: {}\r\n\r\n",
        common::BOUNDARY,
        form.len()
    )
    .into_bytes();
    req.extend_from_slice(&form);
    cases.push(raw("cross-origin upload", &req, 403));
    cases.push((
        "text file as audio".into(),
        s.post_multipart(
            "/api/predict",
            "file",
            "notes.mp3",
            b"just some text, not audio",
        ),
        422,
    ));
    cases.push((
        "empty file".into(),
        s.post_multipart("/api/predict", "file", "empty.mp3", b""),
        400,
    ));
    cases.push((
        "no file field".into(),
        s.post_multipart("/api/predict", "comment", "", b"hello"),
        400,
    ));
    for (name, r, want) in &cases {
        assert_eq!(r.status, *want, "{name}: {}", r.text());
        let j = r.json();
        let msg = j["error"].as_str().unwrap_or("");
        assert!(!msg.is_empty(), "{name}: no message in {}", r.text());
        eprintln!("{name}: {} {msg}", r.status);
    }
    let text_err = &cases
        .iter()
        .find(|c| c.0 == "text file as audio")
        .unwrap()
        .1;
    assert!(text_err.text().contains("notes.mp3"), "{}", text_err.text());
    assert!(
        !text_err
            .text()
            .contains(&up_dir.path().display().to_string())
    );
    // Still alive, nothing left behind.
    assert_eq!(s.get("/api/info").status, 200);
    assert_eq!(files_in(up_dir.path()), Vec::<PathBuf>::new());
}

#[test]
fn predictions_are_bounded_and_computed_once() {
    let tmp = tempfile::tempdir().unwrap();
    let music = tmp.path().join("music");
    std::fs::create_dir_all(&music).unwrap();
    std::fs::copy(example(), music.join("a.mp3")).unwrap();
    // 100 tracks (links to one file inside the DIR): 100 distinct predictions to ask for.
    #[cfg(unix)]
    for i in 0..99 {
        std::os::unix::fs::symlink(music.join("a.mp3"), music.join(format!("l{i:02}.mp3")))
            .unwrap();
    }
    let s = Server::start(config(vec![music.clone()]));
    let r = s.get("/api/tracks?limit=200");
    let ids: Vec<String> = r.json()["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_string())
        .collect();
    let rss0 = common::rss_kib();
    // 100 requests at once for different tracks, 1 worker + 2 queued: most get 503 at once.
    let t0 = Instant::now();
    let statuses: Vec<(u16, Option<String>)> = std::thread::scope(|sc| {
        let hs: Vec<_> = ids
            .iter()
            .map(|id| {
                let s = &s;
                sc.spawn(move || {
                    let r = s.get(&format!("/api/tracks/{id}"));
                    (r.status, r.header("retry-after").map(str::to_string))
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let elapsed = t0.elapsed();
    let ok = statuses.iter().filter(|s| s.0 == 200).count();
    let busy = statuses.iter().filter(|s| s.0 == 503).count();
    eprintln!(
        "{} parallel requests: {ok} predicted, {busy} busy (503) in {:.1} s; peak running {}; \
         RSS +{} MiB",
        ids.len(),
        elapsed.as_secs_f64(),
        s.app.engine.peak_running(),
        common::rss_kib().saturating_sub(rss0) / 1024
    );
    assert_eq!(ok + busy, ids.len(), "{statuses:?}");
    assert!(ok >= 1 && busy >= 50, "{ok} ok, {busy} busy");
    assert!(
        statuses
            .iter()
            .filter(|s| s.0 == 503)
            .all(|s| s.1.as_deref() == Some("2"))
    );
    assert_eq!(s.app.engine.peak_running(), 1);
    assert_eq!(s.app.engine.computed() as usize, ok);
    assert!(elapsed < Duration::from_secs(60), "{elapsed:?}");
    assert!(
        common::rss_kib().saturating_sub(rss0) < 1 << 20,
        "RSS grew by over 1 GiB"
    );
    assert_eq!(s.app.engine.busy(), 0);

    // The same track asked 20 times at once: one computation, 20 answers (waiters take no
    // queue slot).
    let listed = s.get("/api/tracks?limit=200").json();
    let fresh = listed["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["arousal"].is_null())
        .expect("an unpredicted track")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let before = s.app.engine.computed();
    let same: Vec<u16> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..20)
            .map(|_| {
                let (s, id) = (&s, &fresh);
                sc.spawn(move || s.get(&format!("/api/tracks/{id}")).status)
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(same.iter().all(|&c| c == 200), "{same:?}");
    assert_eq!(s.app.engine.computed(), before + 1);
    // Predicted tracks now have values in the list.
    let r = s.get("/api/tracks?analyzed=true&limit=200&sort=arousal&order=desc");
    assert_eq!(r.json()["total"].as_u64().unwrap() as usize, ok + 1);
}
