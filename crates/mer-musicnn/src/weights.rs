//! Loading the converted MSD_musicnn weights (safetensors written by
//! `scripts/musicnn_convert.py` from the PyPI wheel musicnn==0.1.0, ISC licence; see
//! `weights/LICENSE-musicnn`).

use std::path::Path;

use burn::store::{ModuleSnapshot, SafetensorsStore};
use burn::tensor::Device;

use crate::error::MusicnnError;
use crate::model::{Musicnn, MusicnnConfig};

/// The converted MSD_musicnn weights, embedded in the library (3.2 MB, 792 079 f32 values), so
/// the crate needs no file at run time.
pub static MSD_MUSICNN_SAFETENSORS: &[u8] = include_bytes!("../weights/msd_musicnn.safetensors");

impl Musicnn {
    /// The MSD_musicnn network with its embedded pretrained weights.
    pub fn pretrained(device: &Device) -> Result<Self, MusicnnError> {
        let mut model = MusicnnConfig::new().init(device);
        model.load_safetensors_bytes(MSD_MUSICNN_SAFETENSORS.to_vec(), "embedded")?;
        Ok(model)
    }

    /// Loads weights from a safetensors file whose tensor names are this module's paths.
    pub fn load_safetensors(&mut self, path: &Path) -> Result<(), MusicnnError> {
        let bytes = std::fs::read(path).map_err(|source| MusicnnError::ReadWeights {
            path: path.to_path_buf(),
            source,
        })?;
        self.load_safetensors_bytes(bytes, &path.display().to_string())
    }

    /// Loads weights from safetensors bytes; every parameter must be present with its shape and
    /// no tensor may be left over. `origin` names the source in errors.
    pub fn load_safetensors_bytes(
        &mut self,
        bytes: Vec<u8>,
        origin: &str,
    ) -> Result<(), MusicnnError> {
        let weights_error = |detail: String| MusicnnError::Weights {
            origin: origin.to_string(),
            detail,
        };
        let mut store = SafetensorsStore::from_bytes(Some(bytes)).validate(true);
        let result = self
            .load_from(&mut store)
            .map_err(|e| weights_error(e.to_string()))?;
        if !result.errors.is_empty() {
            return Err(weights_error(format!("{:?}", result.errors)));
        }
        if !result.missing.is_empty() {
            let missing: Vec<&str> = result.missing.iter().map(|(p, _)| p.as_str()).collect();
            return Err(weights_error(format!("missing tensors {missing:?}")));
        }
        if !result.unused.is_empty() {
            return Err(weights_error(format!("unused tensors {:?}", result.unused)));
        }
        Ok(())
    }
}
