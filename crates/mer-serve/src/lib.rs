//! mer-serve: `mer serve`, a local web app to hear a song while its arousal and valence move,
//! and to browse a music library in the valence–arousal plane.
//!
//! ```text
//! DIRs ─► walk (audio files, ids) ─┐          ┌─► GET /            the page (assets compiled in)
//! catalog (.csv/.jsonl/.parquet) ──┴► Library ├─► GET /api/tracks  list: page, sort, filter
//!                                             ├─► GET /api/tracks/{id}  prediction (JSON)
//! upload (multipart, ≤ limit) ─► temp file ───┼─► POST /api/predict     prediction (JSON)
//!                                   Engine ◄──┘   GET /audio/{id}  the file, with ranges
//!   (model loaded once, bounded workers + queue, bounded cache)
//! ```
//!
//! - [`App`]: built from a [`ServeConfig`] (loads the model, walks the DIRs, reads the
//!   catalog); [`App::router`] is the axum router, [`App::serve`] / [`run`] serve it.
//! - [`library`]: the tracks and their opaque ids; only files inside a DIR are ever served.
//! - [`engine`]: predictions on a bounded blocking pool, cached.
//! - [`catalog`]: reading `mer catalog` output (and `mer predict`'s CSV/JSON).
//! - [`routes`]: the HTTP API; its JSON is `mer predict --format json`'s record plus the time
//!   axis of the 2 Hz series.

pub mod catalog;
pub mod engine;
mod error;
pub mod library;
pub mod routes;
pub mod upload;
pub mod walk;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub use error::{ApiError, ServeError};
use mer_predict::{ModelChoice, Predictor};

use crate::catalog::Catalog;
use crate::engine::{Engine, Limits};
use crate::library::Library;

/// Everything `mer serve` is told.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// Directories whose audio files may be listed and played (nothing else is served).
    pub dirs: Vec<PathBuf>,
    /// A catalog made from those directories by `mer catalog` (or `mer predict`'s CSV/JSON).
    pub catalog: Option<PathBuf>,
    /// The model (`default`, `fast`, a file).
    pub model: ModelChoice,
    /// The model as the user named it (shown on the page).
    pub model_name: String,
    /// Pool, queue and cache sizes.
    pub limits: Limits,
    /// Largest upload, bytes.
    pub upload_limit: u64,
    /// Where uploads are written while predicted (`None`: a fresh temporary directory,
    /// removed when the server stops).
    pub upload_dir: Option<PathBuf>,
}

impl Default for ServeConfig {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        ServeConfig {
            dirs: Vec::new(),
            catalog: None,
            model: ModelChoice::Default,
            model_name: "default".into(),
            limits: Limits {
                workers: cores.clamp(1, 4),
                queue: 32,
                cache: 256,
            },
            upload_limit: 512 << 20,
            upload_dir: None,
        }
    }
}

/// What the handlers share.
#[derive(Debug)]
pub struct AppState {
    /// The tracks.
    pub library: Library,
    /// The model and its cache.
    pub engine: Engine,
    /// Model name shown.
    pub model_name: String,
    /// Upload directory.
    pub upload_dir: PathBuf,
    /// Largest upload, bytes.
    pub upload_limit: u64,
}

/// A server ready to serve: library indexed, model loaded.
#[derive(Debug)]
pub struct App {
    state: Arc<AppState>,
    _upload_tmp: Option<tempfile::TempDir>,
    /// Catalog rows skipped as malformed: (count, first line and reason).
    pub catalog_skipped: (usize, Option<(usize, String)>),
}

impl App {
    /// Loads the model, walks the DIRs and reads the catalog (blocking; seconds for large
    /// libraries).
    pub fn new(config: ServeConfig) -> Result<App, ServeError> {
        let catalog = match &config.catalog {
            Some(p) if config.dirs.is_empty() => {
                return Err(ServeError::CatalogWithoutDir(p.clone()));
            }
            Some(p) => Some(Catalog::read(p)?),
            None => None,
        };
        let library = Library::build(&config.dirs, catalog.as_ref())?;
        let predictor = Predictor::load(&config.model).map_err(|error| ServeError::Model {
            name: config.model_name.clone(),
            error: Box::new(error),
        })?;
        let (upload_dir, tmp) = match &config.upload_dir {
            Some(d) => (d.clone(), None),
            None => {
                let t = tempfile::Builder::new()
                    .prefix("mer-serve-")
                    .tempdir()
                    .map_err(|error| ServeError::UploadDir {
                        path: std::env::temp_dir(),
                        error,
                    })?;
                (t.path().to_path_buf(), Some(t))
            }
        };
        let catalog_skipped = catalog.map_or((0, None), |c| (c.skipped, c.first_skip));
        Ok(App {
            state: Arc::new(AppState {
                library,
                engine: Engine::new(predictor, config.limits),
                model_name: config.model_name,
                upload_dir,
                upload_limit: config.upload_limit,
            }),
            _upload_tmp: tmp,
            catalog_skipped,
        })
    }

    /// The shared state (library, engine).
    pub fn state(&self) -> &Arc<AppState> {
        &self.state
    }

    /// The axum router for a server listening on `local` (requests must name a loopback
    /// host when `local` is a loopback address: see [`routes::router`]).
    pub fn router(&self, local: SocketAddr) -> axum::Router {
        routes::router(self.state.clone(), local)
    }

    /// Serves on `listener` until `shutdown` completes.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let local = listener.local_addr().map_err(|error| ServeError::Io {
            addr: "listener".into(),
            error,
        })?;
        axum::serve(listener, self.router(local))
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(|error| ServeError::Io {
                addr: local.to_string(),
                error,
            })
    }
}

/// Binds `addr`, calls `ready` with the bound address (port 0 picks a free one), and serves
/// `app` until Ctrl-C, on a tokio runtime of its own (blocking).
pub fn run(app: App, addr: SocketAddr, ready: impl FnOnce(SocketAddr)) -> Result<(), ServeError> {
    let io = |error| ServeError::Io {
        addr: addr.to_string(),
        error,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("mer-serve")
        .build()
        .map_err(io)?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await.map_err(io)?;
        ready(listener.local_addr().map_err(io)?);
        app.serve(listener, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
    })
}
