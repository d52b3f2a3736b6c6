//! The HTTP API and the page.
//!
//! | route | answer |
//! |---|---|
//! | `GET /` | the page (HTML, CSS, JS compiled into the binary; no network) |
//! | `GET /api/info` | model, track counts, upload limit, scales, quadrant words |
//! | `GET /api/tracks?offset&limit&sort&order&quadrant&q&analyzed&scale` | a page of tracks |
//! | `GET /api/tracks/{id}?scale` | the prediction ([`TrackJson`]) |
//! | `POST /api/predict?scale` | multipart upload → the prediction (id `up-…`) |
//! | `GET /audio/{id}` | the file, with range requests (206, 416) |
//!
//! Errors are `{"error": "...", "status": N}` with a 4xx for the client's mistakes.
//! When the server listens on loopback, a request must name a loopback host (`Host:
//! localhost`, `127.0.0.1`, `[::1]`): a web page elsewhere cannot reach the server through
//! DNS rebinding. A cross-origin `POST` is refused.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::multipart::MultipartRejection;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use mer_predict::output::{JsonRecord, json_record, quadrant_words};
use mer_predict::{Scale, SongPrediction};
use serde::{Deserialize, Serialize};
use tower::ServiceExt;
use tower_http::services::ServeFile;

use crate::AppState;
use crate::catalog::Summary;
use crate::engine::{Input, Key};
use crate::error::ApiError;
use crate::library::{ListQuery, SortKey};
use crate::upload;

const INDEX_HTML: &str = include_str!("../assets/index.html");
const APP_JS: &str = include_str!("../assets/app.js");
const APP_CSS: &str = include_str!("../assets/app.css");
const FAVICON: &str = include_str!("../assets/favicon.svg");

/// Rows a list request may ask for at once (the page's scatter asks for the most).
pub const MAX_LIMIT: usize = 5000;

/// The router: API, audio, page; host check and security headers on every answer.
pub fn router(state: Arc<AppState>, local: SocketAddr) -> Router {
    let upload_limit = state.upload_limit;
    Router::new()
        .route("/", get(|| asset("text/html; charset=utf-8", INDEX_HTML)))
        .route(
            "/assets/app.js",
            get(|| asset("text/javascript; charset=utf-8", APP_JS)),
        )
        .route(
            "/assets/app.css",
            get(|| asset("text/css; charset=utf-8", APP_CSS)),
        )
        .route("/favicon.svg", get(|| asset("image/svg+xml", FAVICON)))
        .route("/api/info", get(info))
        .route("/api/tracks", get(list))
        .route("/api/tracks/{id}", get(track))
        .route(
            "/api/predict",
            // The upload handler counts bytes itself (and drains a little past the limit so
            // the client reads the 413); this cap only stops a body that never ends.
            post(predict_upload).layer(DefaultBodyLimit::max(
                usize::try_from(upload_limit.saturating_add(80 << 20)).unwrap_or(usize::MAX),
            )),
        )
        .route("/audio/{id}", get(audio))
        .fallback(|| async { ApiError::not_found("no such page") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method not allowed here")
        })
        .with_state(state)
        .layer(middleware::from_fn_with_state(local, guard))
}

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// Whether a `Host` header value names a loopback host.
fn loopback_host(host: &str) -> bool {
    let h = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or("")
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Host check (DNS rebinding), same-origin POST, security headers.
async fn guard(State(local): State<SocketAddr>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()))
        .map(str::to_string);
    let mut resp = match host {
        None => ApiError::bad_request("no Host header").into_response(),
        Some(h) if local.ip().is_loopback() && !loopback_host(&h) => ApiError::new(
            StatusCode::FORBIDDEN,
            format!("host {h:?} is not this loopback server (use http://{local}/)"),
        )
        .into_response(),
        Some(h)
            if req.method() == axum::http::Method::POST
                && req
                    .headers()
                    .get(header::ORIGIN)
                    .and_then(|o| o.to_str().ok())
                    .is_some_and(|o| {
                        o.strip_prefix("http://")
                            .or_else(|| o.strip_prefix("https://"))
                            != Some(h.as_str())
                    }) =>
        {
            ApiError::new(StatusCode::FORBIDDEN, "cross-origin request refused").into_response()
        }
        Some(_) => next.run(req).await,
    };
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             media-src 'self' blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; \
             frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    resp
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScaleParams {
    scale: Option<String>,
}

fn parse_scale(s: Option<&str>) -> Result<Scale, ApiError> {
    s.map_or(Ok(Scale::MinusOneToOne), |s| {
        s.parse().map_err(|e| ApiError::bad_request(format!("{e}")))
    })
}

fn query<T>(q: Result<Query<T>, QueryRejection>) -> Result<T, ApiError> {
    q.map(|Query(t)| t)
        .map_err(|e| ApiError::bad_request(e.body_text()))
}

fn path_param(p: Result<Path<String>, PathRejection>) -> Result<String, ApiError> {
    p.map(|Path(s)| s)
        .map_err(|e| ApiError::bad_request(e.body_text()))
}

/// `GET /api/info`.
async fn info(State(st): State<Arc<AppState>>) -> Json<serde_json::Value> {
    let quadrants: serde_json::Map<String, serde_json::Value> = (1..=4)
        .map(|q| (format!("Q{q}"), quadrant_words(q).into()))
        .collect();
    Json(serde_json::json!({
        "model": st.model_name,
        "tracks": st.library.tracks().len(),
        "analyzed": st.library.analyzed(),
        "dirs": st.library.n_roots(),
        "upload_limit_bytes": st.upload_limit,
        "hop_s": mer_predict::HOP_S,
        "scales": Scale::ALL.iter().map(|s| s.name()).collect::<Vec<_>>(),
        "quadrants": quadrants,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Order {
    Asc,
    Desc,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    offset: Option<usize>,
    limit: Option<usize>,
    sort: Option<SortKey>,
    order: Option<Order>,
    /// `Q1,Q3` or `1,3`.
    quadrant: Option<String>,
    q: Option<String>,
    analyzed: Option<bool>,
    scale: Option<String>,
}

/// One row of `GET /api/tracks`, on the requested scale.
#[derive(Debug, Serialize)]
pub struct TrackRow<'a> {
    /// Opaque id.
    pub id: String,
    /// Path relative to its DIR.
    pub path: &'a str,
    /// Seconds (when known).
    pub duration_s: Option<f64>,
    /// Song-level arousal.
    pub arousal: Option<f32>,
    /// Song-level valence.
    pub valence: Option<f32>,
    /// `Q1`…`Q4`.
    pub quadrant: Option<String>,
    /// Share of frames in the quadrant.
    pub confidence: Option<f32>,
    /// Model that made the values.
    pub model: Option<&'a str>,
    /// Why it could not be predicted.
    pub error: Option<&'a str>,
}

fn r4(x: f32) -> f32 {
    (x * 10_000.0).round() / 10_000.0
}

fn parse_quadrants(s: &str) -> Result<Vec<u8>, ApiError> {
    s.split(',')
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            let t = p.trim().trim_start_matches(['Q', 'q']);
            match t.parse::<u8>() {
                Ok(n @ 1..=4) => Ok(n),
                _ => Err(ApiError::bad_request(format!(
                    "bad quadrant {p:?}: use Q1, Q2, Q3, Q4 (comma-separated)"
                ))),
            }
        })
        .collect()
}

/// `GET /api/tracks`.
async fn list(
    State(st): State<Arc<AppState>>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let p = query(params)?;
    let scale = parse_scale(p.scale.as_deref())?;
    let limit = p.limit.unwrap_or(50);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ApiError::bad_request(format!(
            "limit {limit}: must be 1 to {MAX_LIMIT}"
        )));
    }
    if p.q.as_ref().is_some_and(|q| q.len() > 1000) {
        return Err(ApiError::bad_request("q: at most 1000 characters"));
    }
    let q = ListQuery {
        text: p.q.filter(|t| !t.is_empty()),
        quadrants: p
            .quadrant
            .as_deref()
            .map_or(Ok(Vec::new()), parse_quadrants)?,
        analyzed_only: p.analyzed.unwrap_or(false),
        sort: p.sort.unwrap_or_default(),
        desc: matches!(p.order, Some(Order::Desc)),
        offset: p.offset.unwrap_or(0),
        limit,
    };
    let (total, page) = st.library.list(&q);
    let rows: Vec<TrackRow> = page
        .iter()
        .map(|t| {
            let (s, err) = match t.status.get() {
                Some(Ok(s)) => (Some(s), None),
                Some(Err(e)) => (None, Some(&**e)),
                None => (None, None),
            };
            TrackRow {
                id: t.id_str(),
                path: &t.display,
                duration_s: s.map(|s| (s.duration_s * 1000.0).round() / 1000.0),
                arousal: s.map(|s| r4(scale.from_unit(s.arousal))),
                valence: s.map(|s| r4(scale.from_unit(s.valence))),
                quadrant: s.map(|s| format!("Q{}", s.quadrant)),
                confidence: s.map(|s| r4(s.confidence)),
                model: s.map(|s| &*s.model),
                error: err,
            }
        })
        .collect();
    Ok(Json(TrackList {
        total,
        offset: q.offset,
        limit: q.limit,
        tracks_in_library: st.library.tracks().len(),
        analyzed: st.library.analyzed(),
        scale: scale.name(),
        tracks: rows,
    })
    .into_response())
}

/// The answer of `GET /api/tracks`.
#[derive(Debug, Serialize)]
pub struct TrackList<'a> {
    /// Tracks matching the filters.
    pub total: usize,
    /// First row of this page.
    pub offset: usize,
    /// Rows asked for.
    pub limit: usize,
    /// Tracks served in all.
    pub tracks_in_library: usize,
    /// Tracks with values (from the catalog or predicted since the server started).
    pub analyzed: usize,
    /// Scale of the values.
    pub scale: &'static str,
    /// The page.
    pub tracks: Vec<TrackRow<'a>>,
}

/// The JSON of one prediction: exactly `mer predict --format json`'s record (flattened),
/// plus the track's id, the model, the start time of each 0.5 s frame of the series, the
/// quadrant's words and any decoder warnings.
#[derive(Debug, Serialize)]
pub struct TrackJson<'a> {
    /// Track id (16 hex digits), or `up-…` for an upload.
    pub id: String,
    /// Model name.
    pub model: &'a str,
    /// `mer predict --format json`'s record.
    #[serde(flatten)]
    pub record: JsonRecord<'a>,
    /// Start of each frame of `dynamic`, s (`start_s + k · hop_s`).
    pub time_s: Vec<f64>,
    /// The quadrant in words.
    pub quadrant_words: &'static str,
    /// Problems that did not stop decoding.
    pub warnings: &'a [String],
}

fn track_json(st: &AppState, id: String, name: &str, p: &SongPrediction, scale: Scale) -> Response {
    let mut record = json_record(p, scale);
    record.path = name.to_string();
    let time_s = (0..p.dynamic_arousal.len())
        .map(|k| ((p.start_s + k as f64 * p.hop_s) * 1000.0).round() / 1000.0)
        .collect();
    Json(TrackJson {
        id,
        model: &st.model_name,
        record,
        time_s,
        quadrant_words: quadrant_words(p.quadrant),
        warnings: &p.warnings,
    })
    .into_response()
}

fn parse_upload_id(id: &str) -> Option<[u8; 16]> {
    let hex = id.strip_prefix("up-")?;
    if hex.len() != 32 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

fn upload_id(hash: &[u8; 16]) -> String {
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("up-{hex}")
}

/// `GET /api/tracks/{id}`.
async fn track(
    State(st): State<Arc<AppState>>,
    id: Result<Path<String>, PathRejection>,
    params: Result<Query<ScaleParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let id = path_param(id)?;
    let scale = parse_scale(query(params)?.scale.as_deref())?;
    if let Some(hash) = parse_upload_id(&id) {
        return match st.engine.cached(Key::Upload(hash)) {
            Some(Ok(p)) => {
                let name = p
                    .path
                    .as_ref()
                    .map_or("upload".into(), |p| p.display().to_string());
                Ok(track_json(&st, id, &name, &p, scale))
            }
            Some(Err(e)) => Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                e.to_string(),
            )),
            None => Err(ApiError::not_found(
                "upload no longer kept (the cache is bounded): upload it again",
            )),
        };
    }
    let Some((_, t)) = st.library.get(&id) else {
        return Err(ApiError::not_found(format!("no track {id:?}")));
    };
    let Some(path) = st.library.resolve(t) else {
        return Err(ApiError::not_found(format!("track {id}: file gone")));
    };
    let result = st
        .engine
        .predict(Key::Track(t.id), Input::File(path), &t.display)
        .await;
    match result {
        Ok(p) => {
            let _ = t.status.set(Ok(Summary {
                duration_s: p.duration_s,
                arousal: p.arousal,
                valence: p.valence,
                quadrant: p.quadrant,
                confidence: p.confidence,
                model: st.model_name.as_str().into(),
            }));
            Ok(track_json(&st, id, &t.display, &p, scale))
        }
        Err(e) => {
            if e.status == StatusCode::UNPROCESSABLE_ENTITY {
                let _ = t.status.set(Err(e.message.as_str().into()));
            }
            Err(e)
        }
    }
}

/// `POST /api/predict`.
async fn predict_upload(
    State(st): State<Arc<AppState>>,
    headers: HeaderMap,
    params: Result<Query<ScaleParams>, QueryRejection>,
    mp: Result<Multipart, MultipartRejection>,
) -> Result<Response, ApiError> {
    let scale = parse_scale(query(params)?.scale.as_deref())?;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    // Form fields and boundaries add a little to the file's own size.
    if declared.is_some_and(|n| n > st.upload_limit.saturating_add(1 << 20)) {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "upload too large: {} bytes declared, the limit is {} bytes",
                declared.unwrap_or(0),
                st.upload_limit
            ),
        ));
    }
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    if !ctype.starts_with("multipart/form-data") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("send the file as multipart/form-data (got Content-Type {ctype:?})"),
        ));
    }
    let mp = mp.map_err(|e| ApiError::new(e.status(), e.body_text()))?;
    let up = upload::receive(mp, &st.upload_dir, st.upload_limit).await?;
    let (hash, name) = (up.hash, up.name.clone());
    let mut p = st
        .engine
        .predict(Key::Upload(hash), Input::Upload(up.temp), &name)
        .await?;
    if p.path.as_deref() != Some(std::path::Path::new(&name)) {
        let mut named = (*p).clone();
        named.path = Some(name.clone().into());
        p = Arc::new(named);
    }
    Ok(track_json(&st, upload_id(&hash), &name, &p, scale))
}

/// `GET /audio/{id}`: the file of a library track, with HTTP range requests.
async fn audio(
    State(st): State<Arc<AppState>>,
    id: Result<Path<String>, PathRejection>,
    req: Request,
) -> Result<Response, ApiError> {
    let id = path_param(id)?;
    let Some((_, t)) = st.library.get(&id) else {
        return Err(ApiError::not_found(format!("no track {id:?}")));
    };
    let Some(path) = st.library.resolve(t) else {
        return Err(ApiError::not_found(format!("track {id}: file gone")));
    };
    let range = req.headers().get(header::RANGE).cloned();
    let resp = match ServeFile::new(path).oneshot(req).await {
        Ok(r) => r.map(Body::new),
        Err(never) => match never {},
    };
    if resp.status() == StatusCode::RANGE_NOT_SATISFIABLE {
        // tower-http answers 416 with an empty body: say why.
        let size = resp
            .headers()
            .get(header::CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("bytes */"))
            .unwrap_or("?")
            .to_string();
        let asked = range
            .as_ref()
            .map(|r| String::from_utf8_lossy(r.as_bytes()).into_owned())
            .unwrap_or_default();
        let mut e = ApiError::new(
            StatusCode::RANGE_NOT_SATISFIABLE,
            format!("range {asked:?} not satisfiable: the file has {size} bytes (one range of bytes=FIRST-LAST)"),
        )
        .into_response();
        if let Some(cr) = resp.headers().get(header::CONTENT_RANGE) {
            e.headers_mut().insert(header::CONTENT_RANGE, cr.clone());
        }
        return Ok(e);
    }
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_ids() {
        for h in [
            "localhost:8080",
            "127.0.0.1:1",
            "[::1]:80",
            "LOCALHOST",
            "127.0.0.2",
        ] {
            assert!(loopback_host(h), "{h}");
        }
        for h in [
            "evil.example:8080",
            "192.168.1.2",
            "localhost.evil.example",
            "[::2]:1",
        ] {
            assert!(!loopback_host(h), "{h}");
        }
        let h = [7u8; 16];
        assert_eq!(parse_upload_id(&upload_id(&h)), Some(h));
        assert_eq!(parse_upload_id("up-zz"), None);
        assert_eq!(parse_quadrants("Q1, 3").unwrap(), vec![1, 3]);
        assert!(parse_quadrants("Q5").is_err());
    }
}
