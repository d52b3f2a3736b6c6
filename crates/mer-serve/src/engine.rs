//! Predictions on demand: one model loaded once, a bounded pool of blocking workers, a
//! bounded queue in front of it (503 beyond), and a bounded cache so each track is
//! predicted once while it is kept.
//!
//! ```text
//! request ─► cache hit? ─► answer
//!    └─► admitted? (running + waiting < workers + queue, else 503 Retry-After)
//!          └─► one computation per key (later requests for it wait on the same cell)
//!                └─► worker permit ─► spawn_blocking(predict_file) ─► cache
//! ```
//!
//! The model runs on tokio's blocking pool (and the rayon threads it uses inside), never on
//! the async executor's threads. A worker permit and an upload's temporary file move into the
//! blocking job, so a client that hangs up does not free a worker slot while its job still
//! runs, and the file lives exactly as long as the job needs it.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use lru::LruCache;
use mer_predict::{Predictor, SongPrediction};
use tokio::sync::{OnceCell, Semaphore};

use crate::error::ApiError;

/// What a prediction is cached under.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub enum Key {
    /// A library track, by id.
    Track(u64),
    /// An upload, by the first 128 bits of the SHA-256 of its bytes.
    Upload([u8; 16]),
}

/// A finished computation: the prediction, or the one-line error (kept too, so a bad file is
/// not decoded again on every request).
pub type Outcome = Result<Arc<SongPrediction>, Arc<str>>;

/// The audio a job reads.
#[derive(Debug)]
pub enum Input {
    /// A file under a served DIR.
    File(PathBuf),
    /// An upload's temporary file (removed when the job ends).
    Upload(tempfile::TempPath),
}

impl Input {
    fn path(&self) -> &Path {
        match self {
            Input::File(p) => p,
            Input::Upload(t) => t,
        }
    }
}

/// Sizes of the pool, queue and cache.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Predictions running at once.
    pub workers: usize,
    /// Requests waiting for a worker beyond those (more get 503).
    pub queue: usize,
    /// Predictions kept.
    pub cache: usize,
}

/// The model, its worker pool and the cache of its predictions.
pub struct Engine {
    predictor: Arc<Predictor>,
    permits: Arc<Semaphore>,
    admitted: AtomicUsize,
    max_admitted: usize,
    cache: Mutex<LruCache<Key, Arc<OnceCell<Outcome>>>>,
    computed: AtomicU64,
    running: Arc<RunCount>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("workers", &self.permits.available_permits())
            .field("max_admitted", &self.max_admitted)
            .field("computed", &self.computed)
            .finish_non_exhaustive()
    }
}

/// Jobs running now and the most ever running at once.
#[derive(Debug, Default)]
struct RunCount {
    now: AtomicUsize,
    peak: AtomicUsize,
}

/// Counts a blocking job while it runs.
struct Running<'a>(&'a RunCount);

impl<'a> Running<'a> {
    fn enter(c: &'a RunCount) -> Running<'a> {
        let now = c.now.fetch_add(1, Ordering::SeqCst) + 1;
        c.peak.fetch_max(now, Ordering::SeqCst);
        Running(c)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.now.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Decrements the admission count when a request leaves (answered, failed or dropped).
struct Admission<'a>(&'a AtomicUsize);

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Engine {
    /// An engine over `predictor` with `limits` (each at least 1).
    pub fn new(predictor: Predictor, limits: Limits) -> Engine {
        let workers = limits.workers.max(1);
        Engine {
            predictor: Arc::new(predictor),
            permits: Arc::new(Semaphore::new(workers)),
            admitted: AtomicUsize::new(0),
            max_admitted: workers + limits.queue,
            cache: Mutex::new(LruCache::new(
                NonZeroUsize::new(limits.cache.max(1)).expect("≥ 1"),
            )),
            computed: AtomicU64::new(0),
            running: Arc::default(),
        }
    }

    /// How many predictions have been computed (not served from the cache) so far.
    pub fn computed(&self) -> u64 {
        self.computed.load(Ordering::SeqCst)
    }

    /// The most predictions that ever ran at once (never more than the workers).
    pub fn peak_running(&self) -> usize {
        self.running.peak.load(Ordering::SeqCst)
    }

    /// Requests running or waiting for a worker now.
    pub fn busy(&self) -> usize {
        self.admitted.load(Ordering::SeqCst)
    }

    fn cell(&self, key: Key) -> Arc<OnceCell<Outcome>> {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .get_or_insert(key, || Arc::new(OnceCell::new()))
            .clone()
    }

    /// The finished outcome for `key`, if it is in the cache.
    pub fn cached(&self, key: Key) -> Option<Outcome> {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache.get(&key).and_then(|c| c.get().cloned())
    }

    /// The prediction for `key`: from the cache, or computed from `input` on a worker.
    /// `name` replaces the file's path in error messages (the page never sees server paths).
    /// 503 when every worker and queue slot is taken; 422 when the audio cannot be predicted.
    pub async fn predict(
        &self,
        key: Key,
        input: Input,
        name: &str,
    ) -> Result<Arc<SongPrediction>, ApiError> {
        let cell = self.cell(key);
        if let Some(o) = cell.get() {
            return outcome_to_result(o.clone());
        }
        // Only the request that computes takes a queue slot; others asking for the same key
        // wait on its cell. A 503 is not cached (the next request tries again); a finished
        // prediction or its error is.
        let outcome = cell
            .get_or_try_init(|| async {
                let _admission = self.admit()?;
                Ok::<_, ApiError>(self.compute(input, name.to_string()).await)
            })
            .await?
            .clone();
        outcome_to_result(outcome)
    }

    fn admit(&self) -> Result<Admission<'_>, ApiError> {
        let before = self.admitted.fetch_add(1, Ordering::SeqCst);
        let guard = Admission(&self.admitted);
        if before >= self.max_admitted {
            return Err(ApiError {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: format!(
                    "busy: {before} predictions running or waiting (at most {}); retry in a \
                     few seconds",
                    self.max_admitted
                ),
                retry_after_s: Some(2),
            });
        }
        Ok(guard)
    }

    async fn compute(&self, input: Input, name: String) -> Outcome {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed");
        let predictor = self.predictor.clone();
        self.computed.fetch_add(1, Ordering::SeqCst);
        let running = self.running.clone();
        let job = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let _running = Running::enter(&running);
            let path = input.path().to_path_buf();
            let r = predictor.predict_file(&path);
            drop(input);
            r.map(|mut p| {
                p.path = Some(PathBuf::from(&name));
                p
            })
            .map_err(|e| {
                // One line naming the file as the page knows it, not the server's path.
                let msg = format!("{e}").replace(&path.display().to_string(), &name);
                if msg.contains(&name) {
                    msg
                } else {
                    format!("{name}: {msg}")
                }
            })
        });
        match job.await {
            Ok(Ok(p)) => Ok(Arc::new(p)),
            Ok(Err(msg)) => Err(msg.into()),
            Err(e) => Err(format!("prediction failed: {e}").into()),
        }
    }
}

fn outcome_to_result(o: Outcome) -> Result<Arc<SongPrediction>, ApiError> {
    o.map_err(|msg| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, msg.to_string()))
}
