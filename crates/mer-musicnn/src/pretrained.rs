//! The four pretrained models of the PyPI package musicnn 0.1.0 (ISC), converted by
//! `scripts/musicnn_convert.py` and embedded in the crate: what each is called, which network
//! it runs, its tags, its embedding and the name of its 2 Hz feature set.

use mer_features::Matrix;

use crate::embed::{MusicnnEmbedder, PatchOutputs};
use crate::error::MusicnnError;
use crate::tags::{MSD_TAGS, MTT_TAGS};
use crate::vgg_embed::VggEmbedder;

/// Which network a pretrained model runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Architecture {
    /// musicnn's musically motivated CNN ([`Musicnn`](crate::Musicnn)); embedding: the
    /// penultimate dense layer (200).
    Musicnn,
    /// musicnn's VGG-like baseline ([`Vgg`](crate::Vgg)); embedding: `pool5` (256).
    Vgg,
}

/// A pretrained model of musicnn 0.1.0: trained on the Million Song Dataset (MSD, 50 last.fm
/// tags) or MagnaTagATune (MTT, 50 tags), with the musicnn or the vgg network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pretrained {
    /// `MSD_musicnn` (the default front end of `mer`).
    MsdMusicnn,
    /// `MTT_musicnn`: the same network trained on MagnaTagATune.
    MttMusicnn,
    /// `MSD_vgg`.
    MsdVgg,
    /// `MTT_vgg`.
    MttVgg,
}

// The converted weights, embedded (f32 safetensors with provenance metadata; licence:
// `weights/LICENSE-musicnn`). MSD_musicnn's is `weights::MSD_MUSICNN_SAFETENSORS`.
static MTT_MUSICNN: &[u8] = include_bytes!("../weights/mtt_musicnn.safetensors");
static MSD_VGG: &[u8] = include_bytes!("../weights/msd_vgg.safetensors");
static MTT_VGG: &[u8] = include_bytes!("../weights/mtt_vgg.safetensors");

impl Pretrained {
    /// All four, MSD_musicnn first.
    pub const ALL: [Pretrained; 4] = [
        Pretrained::MsdMusicnn,
        Pretrained::MttMusicnn,
        Pretrained::MsdVgg,
        Pretrained::MttVgg,
    ];

    /// musicnn's own name of the model (`extractor(model=…)`), e.g. `MSD_musicnn`.
    pub fn name(self) -> &'static str {
        match self {
            Pretrained::MsdMusicnn => "MSD_musicnn",
            Pretrained::MttMusicnn => "MTT_musicnn",
            Pretrained::MsdVgg => "MSD_vgg",
            Pretrained::MttVgg => "MTT_vgg",
        }
    }

    /// The model of musicnn name `name` (case-insensitive, `-` or `_`: `mtt-vgg` works).
    pub fn from_name(name: &str) -> Option<Pretrained> {
        let norm = name.replace('-', "_").to_ascii_lowercase();
        Pretrained::ALL
            .into_iter()
            .find(|p| p.name().to_ascii_lowercase() == norm)
    }

    /// The network it runs.
    pub fn architecture(self) -> Architecture {
        match self {
            Pretrained::MsdMusicnn | Pretrained::MttMusicnn => Architecture::Musicnn,
            Pretrained::MsdVgg | Pretrained::MttVgg => Architecture::Vgg,
        }
    }

    /// Its tag names, index = output unit.
    pub fn tags(self) -> &'static [&'static str; 50] {
        match self {
            Pretrained::MsdMusicnn | Pretrained::MsdVgg => &MSD_TAGS,
            Pretrained::MttMusicnn | Pretrained::MttVgg => &MTT_TAGS,
        }
    }

    /// The layer used as its embedding: `penultimate` (musicnn) or `pool5` (vgg).
    pub fn embedding_layer(self) -> &'static str {
        match self.architecture() {
            Architecture::Musicnn => "penultimate",
            Architecture::Vgg => "pool5",
        }
    }

    /// Width of its embedding: 200 (musicnn's penultimate) or 256 (vgg's pool5, 2 × 1 × 128).
    pub fn embedding_dim(self) -> usize {
        match self.architecture() {
            Architecture::Musicnn => crate::embed::EMBEDDING_DIM,
            Architecture::Vgg => crate::vgg_embed::VGG_EMBEDDING_DIM,
        }
    }

    /// The embedded converted weights (safetensors).
    pub fn weights(self) -> &'static [u8] {
        match self {
            Pretrained::MsdMusicnn => crate::weights::MSD_MUSICNN_SAFETENSORS,
            Pretrained::MttMusicnn => MTT_MUSICNN,
            Pretrained::MsdVgg => MSD_VGG,
            Pretrained::MttVgg => MTT_VGG,
        }
    }

    /// Name and version of its 2 Hz embedding feature set, for caches, model files and the
    /// feature-set registry. Bump the version whenever the values can change (weights, front
    /// end, patching, padding). MSD_musicnn's is [`FEATURE_SET`](crate::FEATURE_SET).
    pub fn feature_set(self) -> &'static str {
        match self {
            Pretrained::MsdMusicnn => crate::embed::FEATURE_SET,
            Pretrained::MttMusicnn => "musicnn-mtt-penultimate-2hz-v1",
            Pretrained::MsdVgg => "musicnn-msd-vgg-pool5-2hz-v1",
            Pretrained::MttVgg => "musicnn-mtt-vgg-pool5-2hz-v1",
        }
    }

    /// A one-line description of [`feature_set`](Self::feature_set) for model files.
    pub fn feature_set_description(self) -> String {
        format!(
            "{}: musicnn 0.1.0 {} {} ({}), 3 s patches ({} frames) centred on 0.5 s frames, \
             zero (silence) padded; input log10(10000·f16(mel)+1) of {}",
            self.feature_set(),
            self.name(),
            self.embedding_layer(),
            self.embedding_dim(),
            crate::PATCH_FRAMES,
            crate::frontend::mel_config().describe()
        )
    }
}

impl std::fmt::Display for Pretrained {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Any of the four pretrained models, loaded and ready to embed or tag. All four read the same
/// input, musicnn's log-mel ([`frontend::logmel`](crate::frontend::logmel)): compute it once
/// per file and give it to each model.
#[derive(Debug)]
pub struct Embedder {
    model: Pretrained,
    net: Net,
}

#[derive(Debug)]
enum Net {
    // Boxed: the embedders are 0.6 kB (vgg) to 6.6 kB (musicnn's fast path) of handles.
    Musicnn(Box<MusicnnEmbedder>),
    Vgg(Box<VggEmbedder>),
}

impl Embedder {
    /// Loads `model`'s embedded weights on the Flex (CPU) device.
    pub fn new(model: Pretrained) -> Result<Self, MusicnnError> {
        let net = match model.architecture() {
            Architecture::Musicnn => Net::Musicnn(Box::new(MusicnnEmbedder::pretrained(model)?)),
            Architecture::Vgg => Net::Vgg(Box::new(VggEmbedder::pretrained(model)?)),
        };
        Ok(Embedder { model, net })
    }

    /// The same model multiplying in `precision` (musicnn models; vgg runs in f32 through burn
    /// whatever the value). Default: [`default_precision`](crate::default_precision).
    pub fn with_precision(mut self, precision: impl Into<crate::LayerPrecision>) -> Self {
        if let Net::Musicnn(e) = self.net {
            self.net = Net::Musicnn(Box::new(e.with_precision(precision)));
        }
        self
    }

    /// Which model this is.
    pub fn model(&self) -> Pretrained {
        self.model
    }

    /// 2 Hz embeddings `[frames_2hz(mel_frames), embedding_dim]` of musicnn's log-mel
    /// `[mel_frames, 96]` (frames and patches as [`crate::embed`] defines them).
    pub fn embed_2hz_logmel(&self, logmel: &Matrix) -> Result<Matrix, MusicnnError> {
        match &self.net {
            Net::Musicnn(e) => e.embed_2hz_logmel(logmel),
            Net::Vgg(e) => e.embed_2hz_logmel(logmel),
        }
    }

    /// Tag probabilities `[rows, 50]` of embeddings `[rows, embedding_dim]`.
    pub fn tags_of(&self, embeddings: &Matrix) -> Matrix {
        match &self.net {
            Net::Musicnn(e) => e.tags_of(embeddings),
            Net::Vgg(e) => e.tags_of(embeddings),
        }
    }

    /// musicnn's own 3 s tagging (`extractor()`'s patches), with the embeddings.
    pub fn tag_patches(&self, logmel: &Matrix) -> Result<PatchOutputs, MusicnnError> {
        match &self.net {
            Net::Musicnn(e) => e.tag_patches(logmel),
            Net::Vgg(e) => e.tag_patches(logmel),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_feature_sets_are_distinct() {
        let mut sets = std::collections::HashSet::new();
        for p in Pretrained::ALL {
            assert_eq!(Pretrained::from_name(p.name()), Some(p));
            assert!(sets.insert(p.feature_set()));
            assert!(p.feature_set_description().starts_with(p.feature_set()));
        }
        assert_eq!(Pretrained::from_name("mtt-vgg"), Some(Pretrained::MttVgg));
        assert_eq!(Pretrained::from_name("MSD_musicnn_big"), None);
    }
}
