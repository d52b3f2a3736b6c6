//! musicnn's vgg models as an input feature: `pool5` embeddings (256) at 2 Hz on the same
//! centred 3 s patches as [`MusicnnEmbedder`](crate::MusicnnEmbedder) (see [`crate::embed`]),
//! and musicnn's own 3-second tagging. The burn module runs on each patch (no shared-frame
//! path: the vgg's strided pools make a patch's maps depend on its start's phase).

use burn::tensor::{Device, Tensor, TensorData};
use mer_features::Matrix;

use crate::embed::{
    DEFAULT_BATCH, PatchOutputs, check_logmel, extractor_starts, run_module, starts_2hz, to_vec,
};
use crate::error::MusicnnError;
use crate::pretrained::Pretrained;
use crate::vgg::Vgg;

/// Width of the vgg embedding: `pool5` = 2 (time) × 1 (frequency) × 128 maps.
pub const VGG_EMBEDDING_DIM: usize = 256;

/// A vgg model with its weights on a device, ready to embed or tag.
#[derive(Debug)]
pub struct VggEmbedder {
    model: Vgg,
    device: Device,
}

impl VggEmbedder {
    /// A pretrained vgg model (MSD_vgg or MTT_vgg) on the Flex (CPU) device.
    pub fn pretrained(model: Pretrained) -> Result<Self, MusicnnError> {
        let device = Device::flex();
        Ok(Self::with_model(Vgg::pretrained(model, &device)?, device))
    }

    /// A given model on its device ([`DEFAULT_BATCH`] patches per forward pass).
    pub fn with_model(model: Vgg, device: Device) -> Self {
        VggEmbedder { model, device }
    }

    fn run(&self, logmel: &Matrix, starts: &[i64]) -> PatchOutputs {
        run_module(logmel, starts, DEFAULT_BATCH, &self.device, |x| {
            let out = self.model.forward(x);
            (out.logits, out.pool5)
        })
    }

    /// 2 Hz `pool5` embeddings from musicnn's log-mel `[mel_frames, 96]`:
    /// `[frames_2hz(mel_frames), 256]`.
    pub fn embed_2hz_logmel(&self, logmel: &Matrix) -> Result<Matrix, MusicnnError> {
        check_logmel(logmel)?;
        Ok(self.run(logmel, &starts_2hz(logmel.rows)).penultimate)
    }

    /// Tag probabilities `[patches, 50]` of `pool5` embeddings `[patches, 256]`: the output
    /// layer (dense + sigmoid).
    pub fn tags_of(&self, pool5: &Matrix) -> Matrix {
        let x = Tensor::<2>::from_data(
            TensorData::new(pool5.data.clone(), [pool5.rows, pool5.cols]),
            &self.device,
        );
        let tags = to_vec(burn::tensor::activation::sigmoid(
            self.model.output.forward(x),
        ));
        Matrix::new(pool5.rows, tags.len() / pool5.rows.max(1), tags)
    }

    /// musicnn's own tagging (`extractor()` with its defaults): non-overlapping 3 s patches from
    /// the first frame, the trailing partial patch dropped; embeddings are `pool5`.
    pub fn tag_patches(&self, logmel: &Matrix) -> Result<PatchOutputs, MusicnnError> {
        check_logmel(logmel)?;
        Ok(self.run(logmel, &extractor_starts(logmel.rows)))
    }
}
