//! Errors: [`ServeError`] when the server cannot start, [`ApiError`] for one bad request.

use std::path::PathBuf;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Why the server could not start (bad DIR, unreadable catalog, model, address in use…).
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A DIR given on the command line is missing or not a directory.
    #[error("{}: not a directory ({reason})", path.display())]
    BadDir {
        /// The DIR as given.
        path: PathBuf,
        /// What the file system said.
        reason: String,
    },
    /// The catalog file could not be read.
    #[error("catalog {}: {reason}", path.display())]
    Catalog {
        /// The catalog file.
        path: PathBuf,
        /// What is wrong (with the line number where there is one).
        reason: String,
    },
    /// `--catalog` without a DIR to resolve its relative paths against.
    #[error(
        "catalog {}: give the DIR the catalog was made from (mer serve DIR --catalog FILE); \
         its paths are relative to it",
        .0.display()
    )]
    CatalogWithoutDir(PathBuf),
    /// The model could not be loaded.
    #[error("loading model {name}: {error}")]
    Model {
        /// The model as chosen (`default`, `fast`, a file).
        name: String,
        /// Why (boxed: the error is large).
        error: Box<mer_predict::PredictError>,
    },
    /// The upload directory could not be made.
    #[error("upload directory {}: {error}", path.display())]
    UploadDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        error: std::io::Error,
    },
    /// Binding or serving failed.
    #[error("{addr}: {error}")]
    Io {
        /// The address.
        addr: String,
        /// Why.
        error: std::io::Error,
    },
}

/// One failed request: an HTTP status and a one-line message, sent as
/// `{"error": "...", "status": 404}` (never a panic, never an empty body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status (4xx for the client's mistakes, 503 when busy, 500 otherwise).
    pub status: StatusCode,
    /// What went wrong, naming the bad value.
    pub message: String,
    /// Seconds after which a retry may succeed (503 only).
    pub retry_after_s: Option<u32>,
}

impl ApiError {
    /// An error with `status` and `message`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            retry_after_s: None,
        }
    }

    /// 400: a malformed request (the message says which part).
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404: no such track (ids are opaque; nothing outside the served DIRs has one).
    pub fn not_found(what: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, what)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.message, "status": self.status.as_u16() });
        let mut resp = (self.status, Json(body)).into_response();
        if let Some(s) = self.retry_after_s {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        resp
    }
}
