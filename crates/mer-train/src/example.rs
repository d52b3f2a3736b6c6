//! The one adapter from a dataset item (mer-data) and its features to a training example
//! (mer-model).

use mer_data::{Item, Matrix};
use mer_model::{ClipLabels, DynamicLabels, Example};

/// An item's labels as [`Example::from_frames`] takes them: static (arousal, valence),
/// quadrant 1..=4, dynamic series with the index of their first 2 Hz frame.
pub fn labels_of(item: &Item) -> ClipLabels<'_> {
    let l = &item.labels;
    ClipLabels {
        static_av: l.static_av.as_ref().map(|s| [s.arousal, s.valence]),
        quadrant: l.quadrant.map(|q| q.index() as u8 + 1),
        dynamic: l.dynamic.as_ref().map(|d| DynamicLabels {
            first_frame: d.first_frame(),
            arousal: &d.arousal,
            valence: &d.valence,
        }),
    }
}

/// The id of an item of dataset `prefix` (`musifeast`, `4q`, `deam`, …): `prefix/item id`.
/// Folds ([`crate::cv::fold_of_clip`]) and the holdout are decided on this id.
pub fn clip_id(prefix: &str, item: &Item) -> String {
    format!("{prefix}/{}", item.id)
}

/// Pairs an item's features `[frames, feat]` (frame k = [0.5k, 0.5k + 0.5) s) with its labels
/// ([`Example::from_frames`]: dynamic labels cropped to the frames that have both).
pub fn example_of(item: &Item, prefix: &str, m: Matrix) -> Example {
    Example::from_frames(clip_id(prefix, item), m.data, m.cols, labels_of(item))
}
