//! mer-musicnn: musicnn (Pons & Serra 2019), the MSD_musicnn tagger of the PyPI package
//! musicnn 0.1.0 (ISC), converted to burn and verified against the original TensorFlow graph.
//!
//! - [`frontend`]: musicnn's log-mel (16 kHz, 512/256, 96 bands, `log10(10000·f16(x)+1)`).
//! - [`model`]: the network ([`Musicnn`], [`MusicnnConfig`]), shapes commented per layer.
//! - [`weights`]: the embedded converted weights ([`Musicnn::pretrained`]).
//! - [`embed`]: 2 Hz embeddings ([`MusicnnEmbedder::embed_2hz`]) and 3 s tagging.
//! - [`fast`]: the same network as matrix products with shared timbral filters (the speed path).
//! - [`tags`]: the 50 MSD tag names ([`MSD_TAGS`]).

pub mod embed;
mod error;
pub mod fast;
pub mod frontend;
pub mod model;
pub mod tags;
pub mod weights;

pub use embed::{EMBEDDING_DIM, FEATURE_SET, MusicnnEmbedder, PATCH_FRAMES, PatchOutputs};
pub use error::MusicnnError;
pub use model::{Musicnn, MusicnnConfig, MusicnnOutput};
pub use tags::MSD_TAGS;
pub use weights::MSD_MUSICNN_SAFETENSORS;
