//! Long-format time series (`id, time, arousal, valence` rows), as in PMEmo's
//! `dynamic_annotations.csv` and the dynamic manifest.

use std::collections::HashMap;
use std::path::Path;

use crate::dataset::check_stamps;
use crate::{Problem, ProblemKind};

/// One good row of a long-format file.
pub(crate) struct LongRow {
    pub line: u64,
    pub id: String,
    pub time_s: f32,
    pub a: f32,
    pub v: f32,
}

/// One id's evenly spaced series.
pub(crate) struct Grouped {
    pub line: u64,
    pub start_s: f32,
    pub hop_s: f32,
    pub a: Vec<f32>,
    pub v: Vec<f32>,
}

/// Groups rows by id (first-seen order), sorts each group by time and checks the stamps are
/// evenly spaced; a group that is not becomes a problem and is dropped. A one-value series
/// gets `default_hop_s`.
pub(crate) fn group_long(
    path: &Path,
    rows: Vec<LongRow>,
    default_hop_s: f32,
    problems: &mut Vec<Problem>,
) -> Vec<(String, Grouped)> {
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Vec<LongRow>> = HashMap::new();
    for r in rows {
        if !groups.contains_key(&r.id) {
            order.push(r.id.clone());
        }
        groups.entry(r.id.clone()).or_default().push(r);
    }
    let mut out = Vec::with_capacity(order.len());
    for id in order {
        let Some(mut g) = groups.remove(&id) else {
            continue;
        };
        g.sort_by(|x, y| x.time_s.total_cmp(&y.time_s));
        let hop = if g.len() > 1 {
            g[1].time_s - g[0].time_s
        } else {
            default_hop_s
        };
        let tol = 1e-3_f32.max(hop * 1e-3);
        let uneven = g
            .windows(2)
            .find(|w| hop <= 0.0 || ((w[1].time_s - w[0].time_s) - hop).abs() > tol);
        if let Some(w) = uneven {
            problems.push(Problem {
                file: path.to_path_buf(),
                line: Some(w[1].line),
                id: Some(id.clone()),
                kind: ProblemKind::BadRow(format!(
                    "time {} s after {} s: stamps must be unique and evenly spaced ({} s)",
                    w[1].time_s, w[0].time_s, hop
                )),
            });
            continue;
        }
        if let Err(kind) = check_stamps(g[0].time_s, hop, g.len()) {
            problems.push(Problem {
                file: path.to_path_buf(),
                line: Some(g[0].line),
                id: Some(id.clone()),
                kind,
            });
            continue;
        }
        out.push((
            id,
            Grouped {
                line: g[0].line,
                start_s: g[0].time_s,
                hop_s: hop,
                a: g.iter().map(|r| r.a).collect(),
                v: g.iter().map(|r| r.v).collect(),
            },
        ));
    }
    out
}
