//! Checking that every item's audio can be opened (the container parsed and an audio track
//! found), without decoding it all.

use rayon::prelude::*;

use crate::{Dataset, Problem, ProblemKind, Range};

/// Opens every item's audio with `mer_audio` on all cores. Items whose file cannot be opened
/// (empty, not audio, unsupported codec) are moved from `items` to `problems`. Returns, for
/// each remaining item in order, the duration its container states, seconds (`None` when it
/// states none).
pub fn probe_audio(ds: &mut Dataset) -> Vec<Option<f32>> {
    let results: Vec<Result<Option<f64>, String>> = ds
        .items
        .par_iter()
        .map(|it| {
            mer_audio::AudioStream::open(&it.audio, None)
                .map(|s| s.info().duration_s)
                .map_err(|e| e.to_string())
        })
        .collect();
    let mut durations = Vec::with_capacity(results.len());
    let items = std::mem::take(&mut ds.items);
    for (it, r) in items.into_iter().zip(results) {
        match r {
            Ok(d) => {
                durations.push(d.map(|d| d as f32));
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

/// How the stated durations compare with the labels: their range, and the items whose
/// dynamic series has values stamped at or after the end of the audio (their windows hold no
/// audio; see [`crate::DynamicAV`]). `durations` as returned by [`probe_audio`].
pub fn audio_coverage(ds: &Dataset, durations: &[Option<f32>]) -> (Range, Vec<usize>) {
    let mut range = Range::empty();
    let mut past_end = Vec::new();
    for (i, (it, d)) in ds.items.iter().zip(durations).enumerate() {
        let Some(d) = *d else { continue };
        range.add(d);
        if let Some(dy) = &it.labels.dynamic
            && !dy.is_empty()
            && dy.time_of(dy.len() - 1) >= d
        {
            past_end.push(i);
        }
    }
    (range, past_end)
}
