//! Checking that every item's audio can be opened (the container parsed and an audio track
//! found), without decoding it all.

use rayon::prelude::*;

use crate::{Dataset, Problem, ProblemKind, Range};

/// Opens every item's audio with `mer_audio` on all cores. Items whose file cannot be opened
/// (empty, not audio, unsupported codec) are moved from `items` to `problems`. Returns the
/// range of the durations the containers state, seconds (files that state none are left out).
pub fn probe_audio(ds: &mut Dataset) -> Range {
    let results: Vec<Result<Option<f64>, String>> = ds
        .items
        .par_iter()
        .map(|it| {
            mer_audio::AudioStream::open(&it.audio, None)
                .map(|s| s.info().duration_s)
                .map_err(|e| e.to_string())
        })
        .collect();
    let mut durations = Range::empty();
    let items = std::mem::take(&mut ds.items);
    for (it, r) in items.into_iter().zip(results) {
        match r {
            Ok(d) => {
                if let Some(d) = d {
                    durations.add(d as f32);
                }
                ds.items.push(it);
            }
            Err(message) => ds.problems.push(Problem {
                file: it.audio.clone(),
                line: None,
                id: Some(it.id),
                kind: ProblemKind::UnreadableAudio(message),
            }),
        }
    }
    durations
}
