//! mer-musicnn: musicnn (Pons & Serra 2019), the four pretrained taggers of the PyPI package
//! musicnn 0.1.0 (ISC) — MSD_musicnn, MTT_musicnn, MSD_vgg, MTT_vgg — converted to burn and
//! verified against the original TensorFlow graphs.
//!
//! - [`pretrained`]: the four models ([`Pretrained`]: tags, embedding, feature-set name) and
//!   [`Embedder`], which runs any of them.
//! - [`frontend`]: musicnn's log-mel (16 kHz, 512/256, 96 bands, `log10(10000·f16(x)+1)`),
//!   the one input of all four models.
//! - [`model`]: the musicnn network ([`Musicnn`], [`MusicnnConfig`]), shapes commented per layer.
//! - [`vgg`]: the vgg network ([`Vgg`], [`VggConfig`]).
//! - [`weights`]: loading the embedded converted weights ([`Musicnn::pretrained`]).
//! - [`embed`]: musicnn's 2 Hz embeddings ([`MusicnnEmbedder::embed_2hz`]) and 3 s tagging;
//!   [`vgg_embed`]: the same for vgg ([`VggEmbedder`]).
//! - [`fast`]: the musicnn network as matrix products with shared timbral filters (the speed
//!   path), in f32 (burn), bf16 or int8 (mer-kernels, [`Precision`]), per layer group
//!   ([`LayerPrecision`], [`default_precision`], [`static_precision`]).
//! - [`tags`]: the tag names ([`MSD_TAGS`], [`MTT_TAGS`]).

pub mod embed;
mod error;
pub mod fast;
pub mod frontend;
pub mod model;
pub mod pretrained;
pub mod tags;
pub mod vgg;
pub mod vgg_embed;
pub mod weights;

pub use embed::{EMBEDDING_DIM, FEATURE_SET, MusicnnEmbedder, PATCH_FRAMES, PatchOutputs};
pub use error::MusicnnError;
pub use fast::{LayerPrecision, default_precision, static_precision};
pub use mer_kernels::Precision;
pub use model::{Musicnn, MusicnnConfig, MusicnnOutput};
pub use pretrained::{Architecture, Embedder, Pretrained};
pub use tags::{MSD_TAGS, MTT_TAGS};
pub use vgg::{Vgg, VggConfig, VggOutput};
pub use vgg_embed::{VGG_EMBEDDING_DIM, VggEmbedder};
pub use weights::MSD_MUSICNN_SAFETENSORS;
