//! The on-disk feature cache: features are computed once per (audio file content, front-end
//! settings) and reused.
//!
//! An entry's key is SHA-256 over a version tag, the SHA-256 of the audio file's bytes and
//! the caller's settings string (feature-set name + version + configuration), so renaming or
//! moving a file keeps its entry, and editing it or changing a setting makes a new one.
//!
//! Entry file `<dir>/<key[..2]>/<key>.f32m`, little-endian:
//!
//! | bytes | content |
//! |---|---|
//! | 8 | magic `MERFEAT3` |
//! | 8 | rows (u64) |
//! | 8 | cols (u64) |
//! | 8 | bytes of the warnings text (u64) |
//! | 32 | SHA-256 of the three numbers above (their 24 bytes), the payload and the warnings text |
//! | 4·rows·cols | payload, f32, row-major `[frames, features]` |
//! | as given | the decoder's warnings of the computation, UTF-8, one per line |
//!
//! The warnings travel with the features so that a clip read from the cache reports the same
//! problems (a truncated file, …) as when it was computed ([`CacheEntry`]).
//!
//! Entries are written through mer-io's atomic writer (a uniquely named temporary file in the
//! same folder, rename; no fsync, see [`FeatureCache::put`]), so a reader never sees a half-written entry and parallel
//! writers of one key each leave a whole one (the last rename wins; both hold the same values). An entry whose length, magic or
//! checksum is wrong (truncated, bit-flipped) is treated as absent and recomputed.
//!
//! Entries of the previous version (`MERFEAT2`, whose checksum left out the rows, columns and
//! text length, so a flipped header bit that kept the length consistent went unseen: e.g.
//! rows and columns swapped) are still read, so that existing caches stay valid; new entries
//! are always written as `MERFEAT3`.

use std::fmt::Display;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sha2::{Digest, Sha256};

use mer_features::Matrix;
use mer_io::{AtomicFile, Overwrite};

use crate::{DataError, Item};

const MAGIC: &[u8; 8] = b"MERFEAT3";
/// The previous version: same layout, the checksum over payload and text only.
const MAGIC_V2: &[u8; 8] = b"MERFEAT2";
const HEADER: usize = 8 + 8 + 8 + 8 + 32;
/// Changing the entry format or the key recipe bumps this, orphaning old entries
/// (2: entries carry the decoder's warnings).
const KEY_VERSION: &str = "mer-feature-cache/2";

/// A cached feature matrix with the decoder's warnings of its computation.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheEntry {
    /// `[frames, features]`.
    pub matrix: Matrix,
    /// Problems that did not stop decoding, one line each (no newlines inside).
    pub warnings: Vec<String>,
}

/// The cache folder: `$MER_CACHE` when set, else `<platform cache dir>/mer`
/// (`~/.cache/mer` on Linux, `~/Library/Caches/mer` on macOS, `%LOCALAPPDATA%\mer` on Windows).
pub fn default_cache_dir() -> Result<PathBuf, DataError> {
    match std::env::var_os("MER_CACHE") {
        Some(d) if !d.is_empty() => Ok(PathBuf::from(d)),
        _ => dirs::cache_dir()
            .map(|d| d.join("mer"))
            .ok_or(DataError::NoCacheDir),
    }
}

/// A folder of cached feature matrices (see the module docs for the format and guarantees).
#[derive(Debug, Clone)]
pub struct FeatureCache {
    dir: PathBuf,
}

impl FeatureCache {
    /// A cache in `dir`, created if needed.
    pub fn new(dir: impl Into<PathBuf>) -> Result<FeatureCache, DataError> {
        let dir = dir.into();
        std::fs::create_dir_all(&dir).map_err(|e| DataError::io(&dir, e))?;
        Ok(FeatureCache { dir })
    }

    /// A cache in [`default_cache_dir`].
    pub fn open_default() -> Result<FeatureCache, DataError> {
        FeatureCache::new(default_cache_dir()?)
    }

    /// The cache folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The entry key (64 hex digits) for this audio file's content and these settings.
    pub fn key(&self, audio: &Path, settings_key: &str) -> Result<String, DataError> {
        let content = sha256_file(audio)?;
        let mut h = Sha256::new();
        h.update(KEY_VERSION.as_bytes());
        h.update([0u8]);
        h.update(content);
        h.update([0u8]);
        h.update(settings_key.as_bytes());
        Ok(hex(&h.finalize()))
    }

    /// Where the entry for `key` lives.
    pub fn entry_path(&self, key: &str) -> PathBuf {
        let shard = key.get(..2).unwrap_or("00");
        self.dir.join(shard).join(format!("{key}.f32m"))
    }

    /// The cached matrix for `key`, or `None` when absent or corrupt.
    pub fn get(&self, key: &str) -> Option<Matrix> {
        self.get_entry(key).map(|e| e.matrix)
    }

    /// The cached matrix and warnings for `key`, or `None` when absent or corrupt.
    pub fn get_entry(&self, key: &str) -> Option<CacheEntry> {
        let bytes = std::fs::read(self.entry_path(key)).ok()?;
        decode(&bytes)
    }

    /// Stores `m` under `key` (mer-io's atomic writer; the cache always replaces its own
    /// entries, and skips fsync: an entry lost or emptied by a power cut fails its checksum
    /// and is recomputed).
    pub fn put(&self, key: &str, m: &Matrix) -> Result<(), DataError> {
        self.put_entry(key, m, &[])
    }

    /// Stores `m` and its decoder `warnings` under `key` (as [`put`](Self::put); newlines
    /// inside a warning become spaces).
    pub fn put_entry(&self, key: &str, m: &Matrix, warnings: &[String]) -> Result<(), DataError> {
        let path = self.entry_path(key);
        let mut f = AtomicFile::create(&path, Overwrite::Replace)?.without_fsync();
        f.write_all(&encode(m, warnings))
            .map_err(|e| DataError::io(&path, e))?;
        Ok(f.commit()?)
    }

    /// The features of `audio` under `settings_key`: from the cache when a valid entry
    /// exists, else `compute()`d and stored. `compute`'s error becomes
    /// [`DataError::Compute`] naming the file.
    pub fn get_or_compute<E: Display>(
        &self,
        audio: &Path,
        settings_key: &str,
        compute: impl FnOnce() -> Result<Matrix, E>,
    ) -> Result<Matrix, DataError> {
        let key = self.key(audio, settings_key)?;
        if let Some(m) = self.get(&key) {
            return Ok(m);
        }
        let m = compute().map_err(|e| DataError::compute(audio, e))?;
        self.put(&key, &m)?;
        Ok(m)
    }

    /// As [`get_or_compute`](Self::get_or_compute), keeping the decoder's warnings:
    /// `compute` returns the matrix and its warnings, and a cached entry gives back the
    /// warnings stored with it.
    pub fn get_or_compute_entry<E: Display>(
        &self,
        audio: &Path,
        settings_key: &str,
        compute: impl FnOnce() -> Result<(Matrix, Vec<String>), E>,
    ) -> Result<CacheEntry, DataError> {
        let key = self.key(audio, settings_key)?;
        if let Some(e) = self.get_entry(&key) {
            return Ok(e);
        }
        let (matrix, warnings) = compute().map_err(|e| DataError::compute(audio, e))?;
        self.put_entry(&key, &matrix, &warnings)?;
        Ok(CacheEntry { matrix, warnings })
    }
}

/// Features for every item, on all cores (rayon's global pool), with a progress bar on
/// stderr when `progress` is true. Each item's result is separate, so one bad file does not
/// stop the others. With a cache, results are read from / written to it under
/// `settings_key`; without, `compute` runs for every item.
///
/// `compute` maps an audio path to its `[frames, features]` matrix (log-mel from
/// mer-features, musicnn, openSMILE, ...). All results are held in memory; for corpora too
/// large for that, call [`FeatureCache::get_or_compute`] per item instead.
pub fn compute_all<E, F>(
    items: &[Item],
    cache: Option<&FeatureCache>,
    settings_key: &str,
    progress: bool,
    compute: F,
) -> Vec<Result<Matrix, DataError>>
where
    E: Display,
    F: Fn(&Path) -> Result<Matrix, E> + Sync,
{
    let bar = if progress {
        indicatif::ProgressBar::new(items.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{msg} {wide_bar} {pos}/{len} [{elapsed} < {eta}]")
    {
        bar.set_style(style);
    }
    bar.set_message("features");
    let out = items
        .par_iter()
        .map(|it| {
            let r = match cache {
                Some(c) => c.get_or_compute(&it.audio, settings_key, || compute(&it.audio)),
                None => compute(&it.audio).map_err(|e| DataError::compute(&it.audio, e)),
            };
            bar.inc(1);
            r
        })
        .collect();
    bar.finish_and_clear();
    out
}

fn sha256_file(path: &Path) -> Result<[u8; 32], DataError> {
    let mut f = std::fs::File::open(path).map_err(|e| DataError::io(path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = f.read(&mut buf).map_err(|e| DataError::io(path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(&h.finalize());
    Ok(out)
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

fn encode(m: &Matrix, warnings: &[String]) -> Vec<u8> {
    let text: Vec<String> = warnings
        .iter()
        .map(|w| w.replace(['\n', '\r'], " "))
        .collect();
    let text = text.join("\n").into_bytes();
    let payload: Vec<u8> = m.data.iter().flat_map(|x| x.to_le_bytes()).collect();
    let mut out = Vec::with_capacity(HEADER + payload.len() + text.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(m.rows as u64).to_le_bytes());
    out.extend_from_slice(&(m.cols as u64).to_le_bytes());
    out.extend_from_slice(&(text.len() as u64).to_le_bytes());
    let mut h = Sha256::new();
    h.update(&out[8..32]);
    h.update(&payload);
    h.update(&text);
    out.extend_from_slice(&h.finalize());
    out.extend_from_slice(&payload);
    out.extend_from_slice(&text);
    out
}

fn decode(bytes: &[u8]) -> Option<CacheEntry> {
    if bytes.len() < HEADER {
        return None;
    }
    let header_checked = match &bytes[..8] {
        m if m == MAGIC => true,
        m if m == MAGIC_V2 => false,
        _ => return None,
    };
    let u64_at =
        |i: usize| -> Option<u64> { Some(u64::from_le_bytes(bytes[i..i + 8].try_into().ok()?)) };
    let rows = usize::try_from(u64_at(8)?).ok()?;
    let cols = usize::try_from(u64_at(16)?).ok()?;
    let n_text = usize::try_from(u64_at(24)?).ok()?;
    let n_payload = rows.checked_mul(cols)?.checked_mul(4)?;
    if n_payload.checked_add(n_text)? != bytes.len() - HEADER {
        return None;
    }
    let (payload, text) = bytes[HEADER..].split_at(n_payload);
    let mut h = Sha256::new();
    if header_checked {
        h.update(&bytes[8..32]);
    }
    h.update(payload);
    h.update(text);
    if h.finalize().as_slice() != &bytes[32..64] {
        return None;
    }
    let data = payload
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let text = std::str::from_utf8(text).ok()?;
    let warnings = if text.is_empty() {
        Vec::new()
    } else {
        text.split('\n').map(str::to_string).collect()
    };
    Some(CacheEntry {
        matrix: Matrix { rows, cols, data },
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_decode_round_trip_and_corruption() {
        let m = Matrix::new(3, 2, vec![1.0, -2.5, 3.25, f32::MIN_POSITIVE, 0.0, 7.0]);
        let bytes = encode(&m, &[]);
        assert_eq!(bytes.len(), HEADER + 24);
        assert_eq!(decode(&bytes).map(|e| e.matrix), Some(m.clone()));
        // Warnings round-trip (a newline inside one is flattened) and are checksummed.
        let w = vec!["file ends early\n(truncated?)".to_string(), "second".into()];
        let with = encode(&m, &w);
        let back = decode(&with).unwrap();
        assert_eq!(back.matrix, m);
        assert_eq!(back.warnings, ["file ends early (truncated?)", "second"]);
        let mut bad = with.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert_eq!(
            decode(&bad),
            None,
            "bit flip in the warnings must be detected"
        );
        let mut flipped = bytes.clone();
        flipped[HEADER + 5] ^= 0x10;
        assert_eq!(
            decode(&flipped),
            None,
            "bit flip in payload must be detected"
        );
        assert_eq!(
            decode(&bytes[..bytes.len() - 1]),
            None,
            "truncation must be detected"
        );
        // Rows and columns swapped: the length still fits, the checksum does not.
        let mut swapped = bytes.clone();
        swapped[8..16].copy_from_slice(&2u64.to_le_bytes());
        swapped[16..24].copy_from_slice(&3u64.to_le_bytes());
        assert_eq!(decode(&swapped), None, "a changed shape must be detected");
    }

    /// Entries written by the previous version (checksum over payload and text only) load.
    #[test]
    fn previous_version_entries_still_load() {
        let m = Matrix::new(2, 2, vec![1.0, 2.0, 3.0, 4.0]);
        let payload: Vec<u8> = m.data.iter().flat_map(|x| x.to_le_bytes()).collect();
        let mut v2 = Vec::new();
        v2.extend_from_slice(MAGIC_V2);
        for n in [2u64, 2, 0] {
            v2.extend_from_slice(&n.to_le_bytes());
        }
        v2.extend_from_slice(&Sha256::digest(&payload));
        v2.extend_from_slice(&payload);
        assert_eq!(decode(&v2).map(|e| e.matrix), Some(m.clone()));
        let mut bad = v2.clone();
        bad[HEADER] ^= 1;
        assert_eq!(decode(&bad), None);
        // The same bytes under the new magic fail: its checksum covers the header too.
        v2[..8].copy_from_slice(MAGIC);
        assert_eq!(decode(&v2), None);
    }

    #[test]
    fn hex_matches_known_digest() {
        // SHA-256("abc") from FIPS 180-2, appendix B.1.
        assert_eq!(
            hex(&Sha256::digest(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
