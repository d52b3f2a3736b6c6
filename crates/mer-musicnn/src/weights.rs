//! Loading converted weights (safetensors written by `scripts/musicnn_convert.py` from the PyPI
//! wheel musicnn==0.1.0, ISC licence; see `weights/LICENSE-musicnn`) into the burn modules.

use std::path::Path;

use burn::module::Module;
use burn::store::{ModuleSnapshot, SafetensorsStore};
use burn::tensor::Device;

use crate::error::MusicnnError;
use crate::model::{Musicnn, MusicnnConfig};
use crate::pretrained::{Architecture, Pretrained};
use crate::vgg::{Vgg, VggConfig};

/// The converted MSD_musicnn weights, embedded in the library (3.2 MB, 792 079 f32 values), so
/// the crate needs no file at run time. The same as `Pretrained::MsdMusicnn.weights()`.
pub static MSD_MUSICNN_SAFETENSORS: &[u8] = include_bytes!("../weights/msd_musicnn.safetensors");

/// Loads safetensors bytes into `module`; every parameter must be present with its shape and
/// no tensor may be left over. `origin` names the source in errors.
fn load_into<M: Module>(module: &mut M, bytes: Vec<u8>, origin: &str) -> Result<(), MusicnnError> {
    let weights_error = |detail: String| MusicnnError::Weights {
        origin: origin.to_string(),
        detail,
    };
    let mut store = SafetensorsStore::from_bytes(Some(bytes)).validate(true);
    let result = module
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

fn read(path: &Path) -> Result<Vec<u8>, MusicnnError> {
    std::fs::read(path).map_err(|source| MusicnnError::ReadWeights {
        path: path.to_path_buf(),
        source,
    })
}

/// `init()` with `model`'s embedded weights, if `model` runs the network `expected`.
fn pretrained_net<M: Module>(
    model: Pretrained,
    expected: Architecture,
    init: impl FnOnce() -> M,
) -> Result<M, MusicnnError> {
    if model.architecture() != expected {
        return Err(MusicnnError::Architecture {
            model: model.name(),
            expected,
        });
    }
    let mut net = init();
    load_into(&mut net, model.weights().to_vec(), model.name())?;
    Ok(net)
}

/// Loads a safetensors file into `module` (see [`load_into`]).
fn load_file<M: Module>(module: &mut M, path: &Path) -> Result<(), MusicnnError> {
    load_into(module, read(path)?, &path.display().to_string())
}

impl Musicnn {
    /// The MSD_musicnn network with its embedded pretrained weights.
    pub fn pretrained(device: &Device) -> Result<Self, MusicnnError> {
        Self::pretrained_model(Pretrained::MsdMusicnn, device)
    }

    /// A pretrained musicnn-architecture model (`MsdMusicnn` or `MttMusicnn`) with its
    /// embedded weights; a vgg model is an error.
    pub fn pretrained_model(model: Pretrained, device: &Device) -> Result<Self, MusicnnError> {
        pretrained_net(model, Architecture::Musicnn, || {
            MusicnnConfig::new().init(device)
        })
    }

    /// Loads weights from a safetensors file whose tensor names are this module's paths.
    pub fn load_safetensors(&mut self, path: &Path) -> Result<(), MusicnnError> {
        load_file(self, path)
    }

    /// Loads weights from safetensors bytes; every parameter must be present with its shape and
    /// no tensor may be left over. `origin` names the source in errors.
    pub fn load_safetensors_bytes(
        &mut self,
        bytes: Vec<u8>,
        origin: &str,
    ) -> Result<(), MusicnnError> {
        load_into(self, bytes, origin)
    }
}

impl Vgg {
    /// A pretrained vgg model (`MsdVgg` or `MttVgg`) with its embedded weights; a musicnn
    /// model is an error.
    pub fn pretrained(model: Pretrained, device: &Device) -> Result<Self, MusicnnError> {
        pretrained_net(model, Architecture::Vgg, || VggConfig::new().init(device))
    }

    /// Loads weights from a safetensors file whose tensor names are this module's paths (all
    /// parameters, nothing left over).
    pub fn load_safetensors(&mut self, path: &Path) -> Result<(), MusicnnError> {
        load_file(self, path)
    }
}
