//! The tracks a server may play: the audio files under its DIRs (and the rows of a catalog
//! made from them), each with an opaque id, and what is known of its emotion so far.
//!
//! Only files inside a DIR get an id, and a request names a track only by id, so a path in
//! a URL (`..`, absolute, percent-encoded separators) never reaches the file system. Before a
//! file is opened its path is resolved again (symlinks followed) and must still be inside its
//! DIR ([`Library::resolve`]).

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use crate::catalog::{Catalog, Status, Summary};
use crate::error::ServeError;
use crate::walk;

/// One playable file.
#[derive(Debug)]
pub struct Track {
    /// Opaque id: 64 bits of SHA-256 over the DIR's canonical path and the relative path
    /// (stable across restarts, reveals nothing).
    pub id: u64,
    /// Index of its DIR.
    pub root: usize,
    /// Path relative to its DIR.
    pub rel: PathBuf,
    /// How the page shows it: `rel`, prefixed with the DIR as given when there are several.
    pub display: String,
    /// Song-level values (from the catalog, or once predicted), or the error.
    pub status: OnceLock<Status>,
}

impl Track {
    /// The id as the API spells it: 16 hex digits.
    pub fn id_str(&self) -> String {
        format!("{:016x}", self.id)
    }

    /// The summary, if the track has been predicted (or came from a catalog) successfully.
    pub fn summary(&self) -> Option<&Summary> {
        self.status.get().and_then(|s| s.as_ref().ok())
    }
}

/// The served DIRs and their tracks.
#[derive(Debug, Default)]
pub struct Library {
    /// Canonical DIRs.
    roots: Vec<PathBuf>,
    /// Tracks sorted by DIR, then path.
    tracks: Vec<Track>,
    by_id: HashMap<u64, usize>,
    /// Catalog rows that named no file inside a DIR.
    pub unmatched_rows: usize,
    /// Audio files reached through links that resolve outside their DIR (not served).
    pub links_outside: usize,
    /// What the walk could not read (unreadable folders, dangling links), one line each.
    pub walk_errors: Vec<String>,
}

/// What to sort the track list by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    /// The path shown (default).
    #[default]
    Path,
    /// Song-level arousal (tracks without a value last).
    Arousal,
    /// Song-level valence (tracks without a value last).
    Valence,
    /// Duration.
    Duration,
    /// Confidence.
    Confidence,
}

/// A page of the track list: filters, order, window.
#[derive(Clone, Debug, Default)]
pub struct ListQuery {
    /// Text that must occur in the shown path (case-insensitive).
    pub text: Option<String>,
    /// Quadrants to keep (empty = all); a track without values has no quadrant.
    pub quadrants: Vec<u8>,
    /// Keep only tracks with values.
    pub analyzed_only: bool,
    /// Order.
    pub sort: SortKey,
    /// Descending.
    pub desc: bool,
    /// First row.
    pub offset: usize,
    /// Rows at most.
    pub limit: usize,
}

fn track_id(root: &Path, rel: &Path, salt: u32) -> u64 {
    let mut h = Sha256::new();
    h.update(root.as_os_str().as_encoded_bytes());
    h.update([0]);
    h.update(rel.as_os_str().as_encoded_bytes());
    if salt > 0 {
        h.update(salt.to_le_bytes());
    }
    let d = h.finalize();
    u64::from_be_bytes(d[..8].try_into().expect("8 bytes"))
}

/// A relative path with only normal components (no `..`, no root, no `.`).
fn plain_relative(p: &Path) -> bool {
    !p.as_os_str().is_empty() && p.components().all(|c| matches!(c, Component::Normal(_)))
}

impl Library {
    /// The audio files under `dirs`, with the values of `catalog` where its rows name them.
    pub fn build(dirs: &[PathBuf], catalog: Option<&Catalog>) -> Result<Library, ServeError> {
        let mut lib = Library::default();
        let mut names = Vec::new();
        for d in dirs {
            let root = std::fs::canonicalize(d).map_err(|e| ServeError::BadDir {
                path: d.clone(),
                reason: e.to_string(),
            })?;
            if !root.is_dir() {
                return Err(ServeError::BadDir {
                    path: d.clone(),
                    reason: "a file".into(),
                });
            }
            if lib.roots.contains(&root) {
                continue;
            }
            lib.roots.push(root);
            names.push(d.display().to_string());
        }
        let mut at: HashMap<(usize, PathBuf), usize> = HashMap::new();
        for (r, root) in lib.roots.clone().iter().enumerate() {
            let walked = walk::audio_files(root);
            lib.links_outside += walked.outside;
            lib.walk_errors.extend(walked.errors);
            for rel in walked.files {
                lib.push(r, rel, &names, &mut at);
            }
        }
        if let Some(cat) = catalog {
            for row in &cat.rows {
                match lib.find_or_add(&row.path, &names, &mut at) {
                    Some(i) => {
                        let _ = lib.tracks[i].status.set(row.status.clone());
                    }
                    None => lib.unmatched_rows += 1,
                }
            }
        }
        // Catalog rows may add files the walk did not take for audio: keep the order.
        let mut order: Vec<usize> = (0..lib.tracks.len()).collect();
        order.sort_by(|&a, &b| {
            let (ta, tb) = (&lib.tracks[a], &lib.tracks[b]);
            (ta.root, &ta.rel).cmp(&(tb.root, &tb.rel))
        });
        let mut slots: Vec<Option<Track>> = lib.tracks.drain(..).map(Some).collect();
        lib.tracks = order
            .into_iter()
            .map(|i| slots[i].take().expect("each index once"))
            .collect();
        lib.by_id = lib
            .tracks
            .iter()
            .enumerate()
            .map(|(i, t)| (t.id, i))
            .collect();
        Ok(lib)
    }

    fn push(
        &mut self,
        root: usize,
        rel: PathBuf,
        names: &[String],
        at: &mut HashMap<(usize, PathBuf), usize>,
    ) -> usize {
        if let Some(&i) = at.get(&(root, rel.clone())) {
            return i;
        }
        let mut salt = 0;
        let mut id = track_id(&self.roots[root], &rel, salt);
        while self.by_id.contains_key(&id) && salt < 16 {
            salt += 1;
            id = track_id(&self.roots[root], &rel, salt);
        }
        let display = if names.len() > 1 {
            Path::new(&names[root]).join(&rel).display().to_string()
        } else {
            rel.display().to_string()
        };
        self.tracks.push(Track {
            id,
            root,
            rel: rel.clone(),
            display,
            status: OnceLock::new(),
        });
        let i = self.tracks.len() - 1;
        self.by_id.insert(id, i);
        at.insert((root, rel), i);
        i
    }

    /// The track a catalog row names: relative to a DIR, or a path (relative to the current
    /// directory or absolute) that resolves inside one. Adds files the walk skipped (audio
    /// without an audio extension) when they are inside a DIR.
    fn find_or_add(
        &mut self,
        path: &Path,
        names: &[String],
        at: &mut HashMap<(usize, PathBuf), usize>,
    ) -> Option<usize> {
        if plain_relative(path) {
            for r in 0..self.roots.len() {
                if let Some(&i) = at.get(&(r, path.to_path_buf())) {
                    return Some(i);
                }
            }
            for r in 0..self.roots.len() {
                if walk::inside(&self.roots[r], &self.roots[r].join(path)) {
                    return Some(self.push(r, path.to_path_buf(), names, at));
                }
            }
        }
        let canon = std::fs::canonicalize(path).ok()?;
        if !canon.is_file() {
            return None;
        }
        let r = self.roots.iter().position(|root| canon.starts_with(root))?;
        let rel = canon.strip_prefix(&self.roots[r]).ok()?.to_path_buf();
        Some(self.push(r, rel, names, at))
    }

    /// Every track, in order.
    pub fn tracks(&self) -> &[Track] {
        &self.tracks
    }

    /// The track with id `id` (16 hex digits), if any.
    pub fn get(&self, id: &str) -> Option<(usize, &Track)> {
        if id.len() != 16 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let n = u64::from_str_radix(id, 16).ok()?;
        let &i = self.by_id.get(&n)?;
        Some((i, &self.tracks[i]))
    }

    /// The file of `track` on disk, resolved now (symlinks followed), or `None` when it is
    /// gone or no longer inside its DIR (e.g. replaced by a link leading out).
    pub fn resolve(&self, track: &Track) -> Option<PathBuf> {
        let root = &self.roots[track.root];
        let p = std::fs::canonicalize(root.join(&track.rel)).ok()?;
        (p.starts_with(root) && p.is_file()).then_some(p)
    }

    /// How many tracks have song-level values.
    pub fn analyzed(&self) -> usize {
        self.tracks.iter().filter(|t| t.summary().is_some()).count()
    }

    /// The tracks matching `q`'s filters (how many), and the page `q` asks for, in its order.
    pub fn list(&self, q: &ListQuery) -> (usize, Vec<&Track>) {
        let text = q.text.as_ref().map(|t| t.to_lowercase());
        let mut hits: Vec<&Track> = self
            .tracks
            .iter()
            .filter(|t| {
                let s = t.summary();
                (!q.analyzed_only || s.is_some())
                    && (q.quadrants.is_empty()
                        || s.is_some_and(|s| q.quadrants.contains(&s.quadrant)))
                    && text
                        .as_ref()
                        .is_none_or(|x| t.display.to_lowercase().contains(x.as_str()))
            })
            .collect();
        let key = |t: &Track| -> Option<f64> {
            let s = t.summary()?;
            Some(match q.sort {
                SortKey::Path => 0.0,
                SortKey::Arousal => f64::from(s.arousal),
                SortKey::Valence => f64::from(s.valence),
                SortKey::Duration => s.duration_s,
                SortKey::Confidence => f64::from(s.confidence),
            })
        };
        if q.sort == SortKey::Path {
            if q.desc {
                hits.reverse();
            }
        } else {
            // Tracks without a value go last in both orders; ties keep path order.
            hits.sort_by(|a, b| match (key(a), key(b)) {
                (Some(x), Some(y)) if q.desc => y.total_cmp(&x),
                (Some(x), Some(y)) => x.total_cmp(&y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            });
        }
        let total = hits.len();
        let page = hits.into_iter().skip(q.offset).take(q.limit).collect();
        (total, page)
    }

    /// How many DIRs are served.
    pub fn n_roots(&self) -> usize {
        self.roots.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::CatalogRow;

    fn summary(a: f32, v: f32, d: f64) -> Status {
        Ok(Summary {
            duration_s: d,
            arousal: a,
            valence: v,
            quadrant: mer_predict::quadrant_of(a, v),
            confidence: 1.0,
            model: "default".into(),
        })
    }

    #[test]
    fn ids_are_opaque_stable_and_catalog_rows_fill_values() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("x")).unwrap();
        for f in ["x/a.mp3", "b.wav", "c.mp3", "noext"] {
            std::fs::write(d.join(f), b"x").unwrap();
        }
        let cat = Catalog {
            rows: vec![
                CatalogRow {
                    path: "x/a.mp3".into(),
                    status: summary(0.5, 0.5, 30.0),
                },
                CatalogRow {
                    path: "noext".into(),
                    status: summary(-0.5, -0.2, 10.0),
                },
                CatalogRow {
                    path: "c.mp3".into(),
                    status: Err("bad".into()),
                },
                CatalogRow {
                    path: "../outside.mp3".into(),
                    status: summary(0.0, 0.0, 1.0),
                },
                CatalogRow {
                    path: "gone.mp3".into(),
                    status: summary(0.0, 0.0, 1.0),
                },
            ],
            ..Catalog::default()
        };
        let lib = Library::build(&[d.to_path_buf()], Some(&cat)).unwrap();
        let shown: Vec<&str> = lib.tracks().iter().map(|t| t.display.as_str()).collect();
        assert_eq!(shown, ["b.wav", "c.mp3", "noext", "x/a.mp3"]);
        assert_eq!(lib.unmatched_rows, 2);
        assert_eq!(lib.analyzed(), 2);
        let again = Library::build(&[d.to_path_buf()], None).unwrap();
        let t = &lib.tracks()[0];
        assert_eq!(again.get(&t.id_str()).unwrap().1.rel, t.rel);
        assert!(!t.id_str().contains("wav"));
        assert!(lib.get("../b.wav").is_none() && lib.get("").is_none());

        let q = ListQuery {
            sort: SortKey::Arousal,
            desc: true,
            limit: 10,
            ..ListQuery::default()
        };
        let (total, page) = lib.list(&q);
        let order: Vec<&str> = page.iter().map(|t| t.display.as_str()).collect();
        assert_eq!(total, 4);
        assert_eq!(&order[..2], ["x/a.mp3", "noext"]);
        let q = ListQuery {
            quadrants: vec![3],
            limit: 10,
            ..ListQuery::default()
        };
        assert_eq!(lib.list(&q).1[0].display, "noext");
        let q = ListQuery {
            text: Some("A.MP".into()),
            limit: 10,
            ..ListQuery::default()
        };
        assert_eq!(lib.list(&q).0, 1);
        let q = ListQuery {
            offset: 3,
            limit: 10,
            ..ListQuery::default()
        };
        let (total, page) = lib.list(&q);
        assert_eq!((total, page.len(), page[0].id), (4, 1, lib.tracks()[3].id));
    }
}
