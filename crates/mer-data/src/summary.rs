//! What `mer data check` prints: counts, label kinds, scales, ranges and splits.

use std::collections::BTreeMap;
use std::fmt;

use crate::{Dataset, ProblemKind, Quadrant, Split};

/// Min and max of a set of values (both `NaN` when empty).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    /// Smallest value.
    pub min: f32,
    /// Largest value.
    pub max: f32,
    /// How many values.
    pub count: usize,
}

impl Range {
    /// No values yet.
    pub fn empty() -> Range {
        Range {
            min: f32::NAN,
            max: f32::NAN,
            count: 0,
        }
    }

    /// Includes `x`.
    pub fn add(&mut self, x: f32) {
        self.min = if self.count == 0 { x } else { self.min.min(x) };
        self.max = if self.count == 0 { x } else { self.max.max(x) };
        self.count += 1;
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.count == 0 {
            f.write_str("-")
        } else {
            write!(f, "[{:.3}, {:.3}]", self.min, self.max)
        }
    }
}

/// Counts and ranges of a loaded dataset (labels on [-1, 1]).
#[derive(Debug, Clone)]
pub struct Summary {
    /// Dataset name.
    pub name: String,
    /// Usable items.
    pub items: usize,
    /// Items with a dynamic series.
    pub with_dynamic: usize,
    /// Items with static A/V.
    pub with_static: usize,
    /// Items with a quadrant.
    pub with_quadrant: usize,
    /// Items per quadrant, Q1..Q4.
    pub per_quadrant: [usize; 4],
    /// Published scales seen, as text.
    pub scales: Vec<String>,
    /// Labelled clips whose audio is missing.
    pub missing_audio: usize,
    /// Duplicated ids.
    pub duplicate_ids: usize,
    /// All problems.
    pub problems: usize,
    /// Static arousal range.
    pub static_arousal: Range,
    /// Static valence range.
    pub static_valence: Range,
    /// Dynamic arousal range (all frames).
    pub dynamic_arousal: Range,
    /// Dynamic valence range (all frames).
    pub dynamic_valence: Range,
    /// Series lengths, frames.
    pub dynamic_frames: Range,
    /// First time stamp of the dynamic series, seconds.
    pub dynamic_start_s: Range,
    /// Official split sizes (train, test), where the corpus has one.
    pub official_split: Option<(usize, usize)>,
}

impl Summary {
    /// Summarises `ds`.
    pub fn of(ds: &Dataset) -> Summary {
        let mut s = Summary {
            name: ds.name.clone(),
            items: ds.items.len(),
            with_dynamic: 0,
            with_static: 0,
            with_quadrant: 0,
            per_quadrant: [0; 4],
            scales: Vec::new(),
            missing_audio: 0,
            duplicate_ids: 0,
            problems: ds.problems.len(),
            static_arousal: Range::empty(),
            static_valence: Range::empty(),
            dynamic_arousal: Range::empty(),
            dynamic_valence: Range::empty(),
            dynamic_frames: Range::empty(),
            dynamic_start_s: Range::empty(),
            official_split: Split::official(ds).map(|sp| (sp.train.len(), sp.test.len())),
        };
        let mut scales = BTreeMap::new();
        for it in &ds.items {
            if let Some(d) = &it.labels.dynamic {
                s.with_dynamic += 1;
                *scales.entry(format!("dynamic {}", d.scale)).or_insert(0) += 1;
                d.arousal.iter().for_each(|&x| s.dynamic_arousal.add(x));
                d.valence.iter().for_each(|&x| s.dynamic_valence.add(x));
                s.dynamic_frames.add(d.len() as f32);
                s.dynamic_start_s.add(d.start_s);
            }
            if let Some(st) = &it.labels.static_av {
                s.with_static += 1;
                *scales.entry(format!("static {}", st.scale)).or_insert(0) += 1;
                s.static_arousal.add(st.arousal);
                s.static_valence.add(st.valence);
            }
            if let Some(q) = it.labels.quadrant {
                s.with_quadrant += 1;
                s.per_quadrant[q.index()] += 1;
            }
        }
        s.scales = scales.into_keys().collect();
        for p in &ds.problems {
            match p.kind {
                ProblemKind::MissingAudio(_) => s.missing_audio += 1,
                ProblemKind::DuplicateId => s.duplicate_ids += 1,
                _ => {}
            }
        }
        s
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "dataset: {}", self.name)?;
        write!(f, "items (audio + labels): {}", self.items)?;
        if self.missing_audio > 0 {
            write!(f, " (+{} labelled without audio)", self.missing_audio)?;
        }
        writeln!(f)?;
        writeln!(
            f,
            "label kinds: dynamic {}, static {}, quadrant {}",
            self.with_dynamic, self.with_static, self.with_quadrant
        )?;
        if self.with_quadrant > 0 {
            let per: Vec<String> = Quadrant::ALL
                .iter()
                .map(|q| format!("{q} {}", self.per_quadrant[q.index()]))
                .collect();
            writeln!(f, "quadrants: {}", per.join(", "))?;
        }
        let scales = if self.scales.is_empty() {
            "-".to_string()
        } else {
            self.scales.join("; ")
        };
        writeln!(f, "published scales: {scales} (all shown on [-1,1])")?;
        if self.with_static > 0 {
            writeln!(
                f,
                "static ranges: arousal {}, valence {}",
                self.static_arousal, self.static_valence
            )?;
        }
        if self.with_dynamic > 0 {
            writeln!(
                f,
                "dynamic ranges: arousal {}, valence {}; frames per item {}-{}; first stamp {}-{} s",
                self.dynamic_arousal,
                self.dynamic_valence,
                self.dynamic_frames.min,
                self.dynamic_frames.max,
                self.dynamic_start_s.min,
                self.dynamic_start_s.max
            )?;
        }
        writeln!(f, "missing audio: {}", self.missing_audio)?;
        writeln!(f, "duplicate ids: {}", self.duplicate_ids)?;
        match self.official_split {
            Some((tr, te)) => writeln!(
                f,
                "splits: official train {tr}, test {te}; k-fold by id hash"
            )?,
            None => writeln!(
                f,
                "splits: no official split; k-fold by id hash, or a test-id list"
            )?,
        }
        write!(f, "problems: {}", self.problems)
    }
}
