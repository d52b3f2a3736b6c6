//! The dataset model shared by every reader: items, their labels, and what went wrong.
//!
//! # Time convention of dynamic labels
//!
//! A dynamic series has one value every `hop_s` seconds (0.5 s, i.e. 2 Hz, in every corpus we
//! read) starting at `start_s`. **The value stamped `t` describes the window `[t, t + hop_s)`**,
//! which is the feature frame `k = t / hop_s` of a 2 Hz front-end whose frame `k` pools the
//! audio in `[0.5 k, 0.5 k + 0.5)` s. So DEAM's column `sample_15000ms` is frame 30 and PMEmo's
//! `frameTime` 15.5 is frame 31. Use [`DynamicAV::first_frame`] rather than recomputing it.
//!
//! This is the project's adopted convention; the publishers do not state it. Evidence that
//! the stamp may instead mark the *end* of its window, `[t − 0.5, t)`: PMEmo's last stamp
//! never passes the clip's length (49.0 s for a 49.1 s clip, 60.0 for 60.2, 45.0 for 45.1),
//! and DEAM's 45.06 s clips carry a `sample_45000ms` value, whose `[45.0, 45.5)` window
//! would hold 0.06 s of audio. If that reading is adopted, only `first_frame` changes.

use std::fmt;
use std::path::PathBuf;

use crate::DataError;

/// The rating scale a corpus was published on. Every value is mapped linearly to [-1, 1]
/// (0 = neutral) on load; the original scale is kept so it can be reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scale {
    /// Already [-1, 1] (DEAM/emoMusic dynamic annotations, manifests).
    MinusOneToOne,
    /// 1–9 self-assessment manikin (DEAM/emoMusic static): (x − 5) / 4.
    OneToNine,
    /// [0, 1] (PMEmo): 2x − 1.
    ZeroToOne,
    /// 1–5 (MUSIFEAST-17): (x − 3) / 2.
    OneToFive,
}

impl Scale {
    /// The closed range of valid values on this scale.
    pub fn range(self) -> (f32, f32) {
        match self {
            Scale::MinusOneToOne => (-1.0, 1.0),
            Scale::OneToNine => (1.0, 9.0),
            Scale::ZeroToOne => (0.0, 1.0),
            Scale::OneToFive => (1.0, 5.0),
        }
    }

    /// `(offset, slope)` such that `unit = (x − offset) · slope`.
    fn affine(self) -> (f32, f32) {
        match self {
            Scale::MinusOneToOne => (0.0, 1.0),
            Scale::OneToNine => (5.0, 0.25),
            Scale::ZeroToOne => (0.5, 2.0),
            Scale::OneToFive => (3.0, 0.5),
        }
    }

    /// A mean on this scale → [-1, 1].
    pub fn to_unit(self, x: f32) -> f32 {
        let (offset, slope) = self.affine();
        (x - offset) * slope
    }

    /// A standard deviation on this scale → the same spread on [-1, 1] (scaled by the slope).
    pub fn std_to_unit(self, s: f32) -> f32 {
        s * self.affine().1
    }

    /// Whether `x` is a finite value inside [`Scale::range`].
    pub fn contains(self, x: f32) -> bool {
        let (lo, hi) = self.range();
        x.is_finite() && (lo..=hi).contains(&x)
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scale::MinusOneToOne => "[-1,1]",
            Scale::OneToNine => "1-9 (x-5)/4",
            Scale::ZeroToOne => "[0,1] 2x-1",
            Scale::OneToFive => "1-5 (x-3)/2",
        })
    }
}

/// A Russell quadrant: Q1 A+V+, Q2 A+V−, Q3 A−V−, Q4 A−V+ (Panda et al. 2018).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Quadrant {
    /// High arousal, positive valence.
    Q1,
    /// High arousal, negative valence.
    Q2,
    /// Low arousal, negative valence.
    Q3,
    /// Low arousal, positive valence.
    Q4,
}

impl Quadrant {
    /// All four, in order.
    pub const ALL: [Quadrant; 4] = [Quadrant::Q1, Quadrant::Q2, Quadrant::Q3, Quadrant::Q4];

    /// Parses `Q1`..`Q4` (case-insensitive, surrounding spaces ignored; anything after the
    /// first two characters, as in PMEmo's `"Q1 高V 高A"`, is ignored).
    pub fn parse(s: &str) -> Option<Quadrant> {
        let s = s.trim();
        let head = s.get(..2)?;
        match head.to_ascii_uppercase().as_str() {
            "Q1" => Some(Quadrant::Q1),
            "Q2" => Some(Quadrant::Q2),
            "Q3" => Some(Quadrant::Q3),
            "Q4" => Some(Quadrant::Q4),
            _ => None,
        }
    }

    /// The quadrant of a point on [-1, 1]² (0 counts as positive).
    pub fn from_av(arousal: f32, valence: f32) -> Quadrant {
        match (arousal >= 0.0, valence >= 0.0) {
            (true, true) => Quadrant::Q1,
            (true, false) => Quadrant::Q2,
            (false, false) => Quadrant::Q3,
            (false, true) => Quadrant::Q4,
        }
    }

    /// 0..=3, for class indices.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Quadrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Q{}", self.index() + 1)
    }
}

/// Latest time stamp a label file may carry: one week, in seconds. No recording is that long;
/// a larger (or negative, or non-finite) stamp is a broken file, and would overflow the frame
/// indices of [`DynamicAV::frames`].
pub const MAX_TIME_S: f32 = 7.0 * 24.0 * 3600.0;

/// Checks a series' time stamps before a [`DynamicAV`] is built from them: `start_s ≥ 0`,
/// `hop_s > 0`, the last stamp `start_s + (len − 1) · hop_s ≤` [`MAX_TIME_S`], all finite.
pub(crate) fn check_stamps(start_s: f32, hop_s: f32, len: usize) -> Result<(), ProblemKind> {
    let last = start_s + hop_s * len.saturating_sub(1) as f32;
    let ok = start_s.is_finite()
        && hop_s.is_finite()
        && start_s >= 0.0
        && hop_s > 0.0
        && last <= MAX_TIME_S;
    if ok {
        Ok(())
    } else {
        Err(ProblemKind::BadRow(format!(
            "time stamps from {start_s} s every {hop_s} s ({len} values): they must be finite, \
             start at 0 s or later and end by {MAX_TIME_S} s"
        )))
    }
}

/// Per-frame arousal/valence on [-1, 1], one value every `hop_s` seconds from `start_s`.
/// See the module docs for which audio window a value describes.
#[derive(Debug, Clone, PartialEq)]
pub struct DynamicAV {
    /// Time stamp of the first value, seconds from the start of the audio file.
    pub start_s: f32,
    /// Seconds between values (0.5 for every corpus read here).
    pub hop_s: f32,
    /// Arousal per frame, [-1, 1]. Same length as `valence`.
    pub arousal: Vec<f32>,
    /// Valence per frame, [-1, 1].
    pub valence: Vec<f32>,
    /// Spread over listeners per frame, on the [-1, 1] scale, where published.
    pub arousal_std: Option<Vec<f32>>,
    /// Spread over listeners per frame, on the [-1, 1] scale, where published.
    pub valence_std: Option<Vec<f32>>,
    /// The scale the values were published on.
    pub scale: Scale,
}

impl DynamicAV {
    /// Number of frames.
    pub fn len(&self) -> usize {
        self.arousal.len()
    }

    /// Whether the series is empty.
    pub fn is_empty(&self) -> bool {
        self.arousal.is_empty()
    }

    /// Index of the 2 Hz feature frame the first value describes (`start_s / hop_s`, rounded):
    /// 30 for DEAM's `sample_15000ms`.
    pub fn first_frame(&self) -> usize {
        (self.start_s / self.hop_s).round().max(0.0) as usize
    }

    /// The 2 Hz feature frames the values describe, in order: value `i` ↔ frame
    /// `first_frame() + i`. Slice a `[frames, features]` matrix with it to align features
    /// and labels (check `frames().end <= matrix.rows` first).
    pub fn frames(&self) -> std::ops::Range<usize> {
        self.first_frame()..self.first_frame().saturating_add(self.len())
    }

    /// Time stamp of value `i`, seconds.
    pub fn time_of(&self, i: usize) -> f32 {
        self.start_s + self.hop_s * i as f32
    }

    /// The values whose time stamps lie in `[from_s, to_s)` (e.g. MediaEval 2015's 15–45 s
    /// development window), or `None` when none do.
    pub fn crop(&self, from_s: f32, to_s: f32) -> Option<DynamicAV> {
        let eps = self.hop_s * 1e-3;
        let keep: Vec<usize> = (0..self.len())
            .filter(|&i| {
                let t = self.time_of(i);
                t + eps >= from_s && t + eps < to_s
            })
            .collect();
        let (&first, &last) = (keep.first()?, keep.last()?);
        let r = first..last + 1;
        Some(DynamicAV {
            start_s: self.time_of(first),
            hop_s: self.hop_s,
            arousal: self.arousal[r.clone()].to_vec(),
            valence: self.valence[r.clone()].to_vec(),
            arousal_std: self.arousal_std.as_ref().map(|v| v[r.clone()].to_vec()),
            valence_std: self.valence_std.as_ref().map(|v| v[r.clone()].to_vec()),
            scale: self.scale,
        })
    }
}

/// One arousal/valence pair for a whole clip, on [-1, 1].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StaticAV {
    /// Mean arousal over listeners, [-1, 1].
    pub arousal: f32,
    /// Mean valence over listeners, [-1, 1].
    pub valence: f32,
    /// Spread over listeners, on the [-1, 1] scale, where published.
    pub arousal_std: Option<f32>,
    /// Spread over listeners, on the [-1, 1] scale, where published.
    pub valence_std: Option<f32>,
    /// The scale the values were published on.
    pub scale: Scale,
}

/// Whatever labels a clip has; a reader fills the kinds its corpus publishes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Labels {
    /// Per-frame A/V.
    pub dynamic: Option<DynamicAV>,
    /// Whole-clip A/V.
    pub static_av: Option<StaticAV>,
    /// Russell quadrant class.
    pub quadrant: Option<Quadrant>,
}

impl Labels {
    /// Whether no label of any kind is present.
    pub fn is_empty(&self) -> bool {
        self.dynamic.is_none() && self.static_av.is_none() && self.quadrant.is_none()
    }
}

/// The official subset an item belongs to, where the publisher defines one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subset {
    /// Training / development data.
    Train,
    /// Held-out evaluation data.
    Test,
}

/// One labelled audio clip.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The corpus' own id (DEAM song id, PMEmo musicId, 4Q song, MUSIFEAST clip name, or the
    /// manifest path).
    pub id: String,
    /// The audio file (exists: items whose audio is missing are reported as problems instead).
    pub audio: PathBuf,
    /// Its labels.
    pub labels: Labels,
    /// The publisher's own per-frame feature file, where one ships (DEAM `features/<id>.csv`,
    /// readable with [`crate::read_deam_features`]).
    pub features: Option<PathBuf>,
    /// The official subset, where the corpus defines one (emoMusic 2013 development/evaluation,
    /// DEAM songs 2001–2058 are MediaEval 2015 evaluation).
    pub subset: Option<Subset>,
}

/// Which corpus layout to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Format {
    /// DEAM (official download or the emoMusic 2013 layout), see [`crate::deam`].
    Deam,
    /// PMEmo 2019 (or the 4-song JSON sample), see [`crate::pmemo`].
    Pmemo,
    /// 4Q audio emotion dataset (Panda et al. 2018), see [`crate::fourq`].
    FourQ,
    /// MUSIFEAST-17, see [`crate::musifeast`].
    Musifeast,
    /// A plain CSV manifest, see [`crate::manifest`].
    Manifest,
}

impl Format {
    /// Parses the CLI names `deam`, `pmemo`, `4q`, `musifeast`, `manifest`.
    pub fn parse(s: &str) -> Option<Format> {
        match s.to_ascii_lowercase().as_str() {
            "deam" => Some(Format::Deam),
            "pmemo" => Some(Format::Pmemo),
            "4q" | "fourq" => Some(Format::FourQ),
            "musifeast" | "musifeast17" => Some(Format::Musifeast),
            "manifest" => Some(Format::Manifest),
            _ => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Deam => "deam",
            Format::Pmemo => "pmemo",
            Format::FourQ => "4q",
            Format::Musifeast => "musifeast",
            Format::Manifest => "manifest",
        })
    }
}

/// What is wrong with one row or file.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ProblemKind {
    /// The labels name an audio file that is not there.
    MissingAudio(PathBuf),
    /// A cell that is not a number (or is NaN/inf).
    NotANumber {
        /// Column name.
        column: String,
        /// The cell text.
        value: String,
    },
    /// A number outside the corpus' scale.
    OutOfRange {
        /// Column name.
        column: String,
        /// The value.
        value: f32,
        /// The scale it should be on.
        scale: Scale,
    },
    /// The same id appears again (the first occurrence is kept).
    DuplicateId,
    /// A header or delimiter that is not the publisher's (message says which).
    BadHeader(String),
    /// A row that cannot be read (wrong number of fields, bad quadrant, ...).
    BadRow(String),
    /// The audio file is there but cannot be opened as audio (message from the decoder).
    UnreadableAudio(String),
    /// Audio present but no labels for it, or labels of one kind missing their partner file.
    Unlabelled(String),
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProblemKind::MissingAudio(p) => write!(f, "missing audio {}", p.display()),
            ProblemKind::NotANumber { column, value } => {
                write!(f, "column `{column}`: not a number: {value:?}")
            }
            ProblemKind::OutOfRange {
                column,
                value,
                scale,
            } => write!(f, "column `{column}`: {value} is outside the scale {scale}"),
            ProblemKind::DuplicateId => f.write_str("duplicate id (first occurrence kept)"),
            ProblemKind::UnreadableAudio(m) => write!(f, "unreadable audio: {m}"),
            ProblemKind::BadHeader(m) => write!(f, "bad header: {m}"),
            ProblemKind::BadRow(m) => write!(f, "bad row: {m}"),
            ProblemKind::Unlabelled(m) => write!(f, "{m}"),
        }
    }
}

/// One problem found while loading, with where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The file the problem is in.
    pub file: PathBuf,
    /// 1-based line in that file, where it applies.
    pub line: Option<u64>,
    /// The item id, where known.
    pub id: Option<String>,
    /// What is wrong.
    pub kind: ProblemKind,
}

impl fmt::Display for Problem {
    /// One line (ids and cells quoted from the file have their line breaks escaped).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = self.file.display().to_string();
        if let Some(line) = self.line {
            s += &format!(":{line}");
        }
        if let Some(id) = &self.id {
            s += &format!(": id {id}");
        }
        s += &format!(": {}", self.kind);
        f.write_str(&crate::table::one_line(&s))
    }
}

/// Loading options.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Load the good items even when some rows or files are bad (`--skip-bad`). Default
    /// `false`: any problem makes [`crate::load`] fail with [`DataError::BadRows`].
    pub skip_bad: bool,
}

/// A loaded corpus: the usable items, and every problem met on the way.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// A short name ("deam", "pmemo", ...), for messages.
    pub name: String,
    /// The layout it was read as.
    pub format: Format,
    /// The folder the user named.
    pub root: PathBuf,
    /// Usable items (audio present, labels valid), in the order of the publisher's files.
    pub items: Vec<Item>,
    /// Everything wrong; the rows concerned are not in `items`.
    pub problems: Vec<Problem>,
}

impl Dataset {
    /// The usable items sorted by id: the order corpus-wide loops use (CV folds, `--limit`),
    /// independent of the order of the publisher's files.
    pub fn into_items_by_id(self) -> Vec<Item> {
        let mut items = self.items;
        items.sort_by(|a, b| a.id.cmp(&b.id));
        items
    }

    /// Fails with [`DataError::BadRows`] when there are problems and `skip_bad` is false.
    pub fn check(self, opts: &LoadOptions) -> Result<Dataset, DataError> {
        match self.problems.first() {
            Some(first) if !opts.skip_bad => Err(DataError::BadRows {
                count: self.problems.len(),
                first: Box::new(first.clone()),
            }),
            _ => Ok(self),
        }
    }

    /// The item with this id.
    pub fn get(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|it| it.id == id)
    }
}
