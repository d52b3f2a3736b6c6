//! `POST /api/predict`: a multipart upload streamed to a temporary file, never held in memory,
//! with a size limit. Over the limit: 413, and the temporary file is removed at once.

use std::path::Path;

use axum::extract::Multipart;
use axum::http::StatusCode;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::error::ApiError;

/// An upload on disk.
#[derive(Debug)]
pub struct Upload {
    /// The client's file name, cleaned (last component, no control characters, ≤ 120 chars).
    pub name: String,
    /// The temporary file (removed when dropped).
    pub temp: tempfile::TempPath,
    /// First 128 bits of the SHA-256 of its bytes.
    pub hash: [u8; 16],
    /// Bytes.
    pub size: u64,
}

/// After the limit is passed, the rest of the body is read and dropped (up to this much) so
/// the client gets to read the 413 instead of a reset connection.
const DRAIN_BYTES: u64 = 64 << 20;

/// The client's file name, made safe to show and to take an extension from.
pub fn clean_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let name: String = last.chars().filter(|c| !c.is_control()).take(120).collect();
    if name.trim().is_empty() {
        "upload".into()
    } else {
        name
    }
}

/// The file extension to give the temporary file (the decoder's hint), if plain.
fn extension(name: &str) -> String {
    match name.rsplit_once('.') {
        Some((_, ext))
            if !ext.is_empty()
                && ext.len() <= 8
                && ext.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            format!(".{}", ext.to_ascii_lowercase())
        }
        _ => String::new(),
    }
}

fn multipart_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    ApiError::new(
        e.status(),
        format!("bad multipart upload: {}", e.body_text()),
    )
}

fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!(
            "upload too large: the limit is {} MiB ({limit} bytes)",
            limit as f64 / f64::from(1 << 20)
        ),
    )
}

/// Reads the first file field of `mp` into a temporary file in `dir` (at most `limit` bytes).
pub async fn receive(mut mp: Multipart, dir: &Path, limit: u64) -> Result<Upload, ApiError> {
    let mut total = 0u64;
    let mut upload = None;
    let mut over = false;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if over => {
                // The client stopped mid-body after we stopped listening: answer 413 still.
                let _ = e;
                break;
            }
            Err(e) => return Err(multipart_error(e)),
        };
        let mut field = field;
        let wanted = upload.is_none() && !over && field.file_name().is_some();
        let mut sink = if wanted {
            let name = clean_name(field.file_name().unwrap_or(""));
            let named = tempfile::Builder::new()
                .prefix("upload-")
                .suffix(&extension(&name))
                .tempfile_in(dir)
                .map_err(|e| {
                    ApiError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("cannot store the upload: {e}"),
                    )
                })?;
            let (file, temp) = named.into_parts();
            Some((
                name,
                temp,
                tokio::fs::File::from_std(file),
                Sha256::new(),
                0u64,
            ))
        } else {
            None
        };
        loop {
            let chunk = match field.chunk().await {
                Ok(Some(c)) => c,
                Ok(None) => break,
                Err(_) if over => break,
                Err(e) => return Err(multipart_error(e)),
            };
            total += chunk.len() as u64;
            if total > limit {
                // Remove the file now; keep reading (bounded) so the 413 reaches the client.
                sink = None;
                over = true;
                if total > limit.saturating_add(DRAIN_BYTES) {
                    return Err(too_large(limit));
                }
                continue;
            }
            if let Some((_, _, file, hash, size)) = sink.as_mut() {
                file.write_all(&chunk).await.map_err(|e| {
                    ApiError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("cannot store the upload: {e}"),
                    )
                })?;
                hash.update(&chunk);
                *size += chunk.len() as u64;
            }
        }
        if let Some((name, temp, mut file, hash, size)) = sink {
            file.flush().await.map_err(|e| {
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("cannot store the upload: {e}"),
                )
            })?;
            let digest = hash.finalize();
            upload = Some(Upload {
                name,
                temp,
                hash: digest[..16].try_into().expect("16 bytes"),
                size,
            });
        }
    }
    if over {
        return Err(too_large(limit));
    }
    let up = upload.ok_or_else(|| {
        ApiError::bad_request("no file in the upload: send multipart/form-data with a file field")
    })?;
    if up.size == 0 {
        return Err(ApiError::bad_request(format!(
            "{}: empty file (0 bytes)",
            up.name
        )));
    }
    Ok(up)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_cleaned_and_extensions_plain() {
        assert_eq!(clean_name("../../etc/passwd"), "passwd");
        assert_eq!(clean_name("C:\\music\\a\u{7}.mp3"), "a.mp3");
        assert_eq!(clean_name(""), "upload");
        assert_eq!(extension("song.MP3"), ".mp3");
        assert_eq!(extension("x.tar/../y"), "");
        assert_eq!(extension("noext"), "");
    }
}
