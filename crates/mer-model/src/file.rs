//! The model file: one self-describing file holding everything inference needs.
//!
//! ```text
//! offset  size  content
//! 0       8     magic  b"MERMODEL"
//! 8       4     format version, u32 little-endian (this build writes and reads ≤ 1)
//! 12      8     header length H, u64 LE
//! 20      H     header, UTF-8 JSON (ModelHeader: architecture, features, standardisation,
//!               training data description, metrics)
//! 20+H    8     weights length W, u64 LE
//! 28+H    W     weights: burn's burnpack record of the network (empty for ridge, whose
//!               coefficients live in the header)
//! ```

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::store::ModuleRecord;
use burn::tensor::{Bytes, Device};
use serde::{Deserialize, Serialize};

use crate::data::Standardizer;
use crate::error::{ModelError, Result};
use crate::model::{ModelConfig, Net};
use crate::quadrant::QuadrantHead;
use crate::ridge::Ridge;

/// First bytes of every model file.
pub const MAGIC: &[u8; 8] = b"MERMODEL";
/// The format version this build writes (and the newest it reads).
pub const FORMAT_VERSION: u32 = 1;

/// The input features a model was trained on; inference must compute the same.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FeatureSpec {
    /// Feature-set name (e.g. `logmel40-malik2017`, `deam-opensmile`).
    pub name: String,
    /// Feature-set version; a change means a model must be retrained.
    pub version: String,
    /// Values per frame.
    pub n_features: usize,
    /// Frames per second (2.0 for 0.5 s frames).
    pub frame_rate_hz: f32,
}

/// What the model was trained on and how.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainingInfo {
    /// Dataset names (and any notes) of the training clips.
    pub datasets: Vec<String>,
    /// Training clips.
    pub n_train: usize,
    /// Validation clips (early stopping).
    pub n_val: usize,
    /// Epochs run.
    pub epochs: usize,
    /// Epoch (1-based) whose weights were kept.
    pub best_epoch: usize,
    /// Validation loss of the kept weights (f32: JSON round-trips it exactly); NaN when
    /// there was none (a ridge without dynamic validation clips), written as `null`.
    #[serde(deserialize_with = "nan_if_null")]
    pub best_val_loss: f32,
    /// The training settings (`TrainConfig::recorded`: model and training settings, no run
    /// options such as the checkpoint folder; older files may hold those too).
    pub config: serde_json::Value,
}

/// Renumbers parameters 1, 2, … in module order. burn draws parameter ids at random and
/// records them, so without this two trainings that end on the same weights write different
/// files; with it a model file is a function of its weights (`mer train --preset` is
/// reproducible byte for byte). Ids only key optimiser state, which model files do not hold.
struct PositionalIds(u64);

impl PositionalIds {
    fn renumber<T: burn::module::Parameter>(
        &mut self,
        p: burn::module::Param<T>,
    ) -> burn::module::Param<T> {
        let (_, value, mapper) = p.consume();
        self.0 += 1;
        burn::module::Param::from_mapped_value(burn::module::ParamId::from(self.0), value, mapper)
    }
}

impl burn::module::ModuleMapper for PositionalIds {
    fn map_float<const D: usize>(
        &mut self,
        param: burn::module::Param<burn::tensor::Tensor<D>>,
    ) -> burn::module::Param<burn::tensor::Tensor<D>> {
        self.renumber(param)
    }

    fn map_int<const D: usize>(
        &mut self,
        param: burn::module::Param<burn::tensor::Tensor<D, burn::tensor::Int>>,
    ) -> burn::module::Param<burn::tensor::Tensor<D, burn::tensor::Int>> {
        self.renumber(param)
    }

    fn map_bool<const D: usize>(
        &mut self,
        param: burn::module::Param<burn::tensor::Tensor<D, burn::tensor::Bool>>,
    ) -> burn::module::Param<burn::tensor::Tensor<D, burn::tensor::Bool>> {
        self.renumber(param)
    }
}

/// Reads `null` (how serde_json writes NaN) back as NaN.
fn nan_if_null<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<f32, D::Error> {
    Ok(Option::<f32>::deserialize(d)?.unwrap_or(f32::NAN))
}

/// The JSON header of a model file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelHeader {
    /// Version of `mer-model` that wrote the file.
    pub written_by: String,
    /// Architecture.
    pub model: ModelConfig,
    /// Input features.
    pub features: FeatureSpec,
    /// Standardisation fitted on the training data.
    pub standardizer: Standardizer,
    /// Window length for whole-song prediction (the training sequence length), frames.
    pub seq_len: usize,
    /// Hop between prediction windows, frames (overlaps are averaged).
    pub predict_hop: usize,
    /// Training description.
    pub training: TrainingInfo,
    /// Any metrics measured on held-out data.
    pub metrics: serde_json::Value,
    /// Ridge coefficients (ridge models only).
    pub ridge: Option<Ridge>,
    /// Optional quadrant classifier on the standardised clip-mean features (see
    /// [`crate::quadrant`]): when present, a song's quadrant and confidence come from it.
    /// Absent in older files (and then not written, so their bytes are unchanged).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quadrant: Option<QuadrantHead>,
}

impl ModelHeader {
    /// The header of a model trained with `cfg`: this crate's version as the writer, the
    /// whole-song prediction windows of `cfg` (its sequence length, hop = half of it unless
    /// set), no held-out metrics. Used by [`train`](fn@crate::train) and by callers that fit a
    /// ridge head themselves (mer-predict's grouped, weighted head on clip means).
    pub fn new(
        model: &ModelConfig,
        features: FeatureSpec,
        standardizer: Standardizer,
        cfg: &crate::train::TrainConfig,
        training: TrainingInfo,
        ridge: Option<Ridge>,
    ) -> ModelHeader {
        ModelHeader {
            written_by: format!("mer-model {}", env!("CARGO_PKG_VERSION")),
            model: model.clone(),
            features,
            standardizer,
            seq_len: cfg.seq_len,
            predict_hop: if cfg.predict_hop == 0 {
                (cfg.seq_len / 2).max(1)
            } else {
                cfg.predict_hop
            },
            training,
            metrics: serde_json::Value::Null,
            ridge,
            quadrant: None,
        }
    }
}

/// A loaded (or freshly trained) model ready for prediction.
#[derive(Debug, Clone)]
pub struct MerModel {
    /// Everything but the weights.
    pub header: ModelHeader,
    /// The network in inference mode (`None` for ridge).
    pub net: Option<Net>,
    /// Where the network runs.
    pub device: Device,
}

fn corrupt(path: &Path, reason: impl Into<String>) -> ModelError {
    ModelError::CorruptFile {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

impl MerModel {
    /// Serialises to the model-file bytes (see the module docs).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let header = serde_json::to_vec(&self.header)
            .map_err(|e| ModelError::InvalidConfig(format!("header not serialisable: {e}")))?;
        let weights: Vec<u8> = match &self.net {
            Some(net) => net
                .clone()
                .map(&mut PositionalIds(0))
                .into_record()
                .into_bytes()
                .map_err(|e| ModelError::InvalidConfig(format!("weights not serialisable: {e}")))?
                .to_vec(),
            None => Vec::new(),
        };
        let mut out = Vec::with_capacity(28 + header.len() + weights.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(header.len() as u64).to_le_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(&(weights.len() as u64).to_le_bytes());
        out.extend_from_slice(&weights);
        Ok(out)
    }

    /// Writes the model file atomically (mer-io: temporary file, fsync, rename), replacing an
    /// existing file as `std::fs::write` would.
    pub fn save_file(&self, path: &Path) -> Result<()> {
        self.save_file_with(path, mer_io::Overwrite::Replace)
    }

    /// [`MerModel::save_file`] under an explicit overwrite policy (`mer train` refuses to
    /// replace an existing file unless `--force`).
    pub fn save_file_with(&self, path: &Path, overwrite: mer_io::Overwrite) -> Result<()> {
        Ok(mer_io::write_bytes(path, overwrite, &self.to_bytes()?)?)
    }
}

/// Loads a model from model-file bytes (e.g. `include_bytes!` of a shipped model) onto the
/// flex CPU device.
pub fn load_model(bytes: &[u8]) -> Result<MerModel> {
    load_model_on(bytes, Path::new("<bytes>"), &Device::flex())
}

/// Loads a model file from disk onto the flex CPU device.
pub fn load_model_file(path: &Path) -> Result<MerModel> {
    let bytes = std::fs::read(path).map_err(|source| ModelError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    load_model_on(&bytes, path, &Device::flex())
}

/// Checks everything in a header before anything is allocated from it: the architecture's
/// sizes (see [`crate::model::limits`]) and that the weights section (`w_len` bytes) can hold
/// its parameters; the feature spec, standardisation and ridge coefficients against the
/// feature count, every number finite; window sizes in range; the quadrant head's sizes,
/// numbers, temperature and threshold (see [`crate::model::limits`]).
fn check_header(h: &ModelHeader, w_len: usize) -> std::result::Result<(), String> {
    use crate::model::limits::{MAX_FRAMES, QUADRANT_TEMPERATURE, QUADRANT_THRESHOLD};
    h.model
        .validate()
        .map_err(|e| format!("architecture: {e}"))?;
    let n = h.model.n_features();
    let f = &h.features;
    if f.n_features != n {
        return Err(format!(
            "features `{}` have {} values per frame, the architecture reads {n}",
            f.name, f.n_features
        ));
    }
    if !(f.frame_rate_hz.is_finite() && f.frame_rate_hz > 0.0) {
        return Err(format!("frame rate {} Hz", f.frame_rate_hz));
    }
    let s = &h.standardizer;
    if s.mean.len() != n || s.std.len() != n {
        return Err(format!(
            "standardisation has {} means and {} stds for {n} features",
            s.mean.len(),
            s.std.len()
        ));
    }
    if let Some(i) = s.mean.iter().position(|v| !v.is_finite()) {
        return Err(format!("standardisation mean {i} is {}", s.mean[i]));
    }
    if let Some(i) = s.std.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
        return Err(format!(
            "standardisation std {i} is {} (must be finite and > 0)",
            s.std[i]
        ));
    }
    let max_window = h.model.max_frames().unwrap_or(MAX_FRAMES).min(MAX_FRAMES);
    if h.seq_len == 0 || h.seq_len > max_window {
        return Err(format!(
            "window of {} frames (this architecture runs on 1..={max_window})",
            h.seq_len
        ));
    }
    if h.predict_hop > MAX_FRAMES {
        return Err(format!(
            "prediction hop of {} frames (at most {MAX_FRAMES})",
            h.predict_hop
        ));
    }
    if let Some(q) = &h.quadrant {
        let need = crate::quadrant::N_CLASSES * n;
        if q.weights.len() != need {
            return Err(format!(
                "quadrant head has {} weights for {n} features (needs {need})",
                q.weights.len()
            ));
        }
        if let Some(i) = q.weights.iter().position(|v| !v.is_finite()) {
            return Err(format!("quadrant head weight {i} is {}", q.weights[i]));
        }
        if q.bias.iter().any(|v| !v.is_finite()) {
            return Err(format!("quadrant head bias is {:?}", q.bias));
        }
        if !QUADRANT_TEMPERATURE.contains(&q.temperature) {
            return Err(format!(
                "quadrant head temperature {} (must be in {QUADRANT_TEMPERATURE:?})",
                q.temperature
            ));
        }
        if !QUADRANT_THRESHOLD.contains(&q.threshold) {
            return Err(format!(
                "quadrant head threshold {} (must be in {QUADRANT_THRESHOLD:?})",
                q.threshold
            ));
        }
    }
    match (&h.model, &h.ridge) {
        (ModelConfig::Ridge(_), Some(r)) => {
            if r.weights.len() != 2 * n {
                return Err(format!(
                    "ridge has {} weights for {n} features (needs {})",
                    r.weights.len(),
                    2 * n
                ));
            }
            if let Some(i) = r.weights.iter().position(|v| !v.is_finite()) {
                return Err(format!("ridge weight {i} is {}", r.weights[i]));
            }
            if r.bias.iter().any(|v| !v.is_finite()) {
                return Err(format!("ridge bias is {:?}", r.bias));
            }
            if r.smooth_frames > MAX_FRAMES {
                return Err(format!(
                    "ridge smoothing over {} frames (at most {MAX_FRAMES})",
                    r.smooth_frames
                ));
            }
            if w_len != 0 {
                return Err(format!(
                    "a ridge model has no network weights, found {w_len} bytes"
                ));
            }
        }
        (ModelConfig::Ridge(_), None) => return Err("ridge model without coefficients".into()),
        (_, Some(_)) => return Err("ridge coefficients in a neural model".into()),
        (model, None) => {
            // burnpack stores each f32 parameter's 4 bytes: the weights section bounds the
            // network that is built (and so allocated) before the weights are read.
            let need = model.n_params().saturating_mul(4);
            if (w_len as u64) < need {
                return Err(format!(
                    "weights section of {w_len} bytes cannot hold the architecture's {} parameters ({need} bytes)",
                    model.n_params()
                ));
            }
        }
    }
    Ok(())
}

/// Finds the first float tensor of a loaded network that is not f32 or holds NaN/inf, and
/// names it by its module path.
#[derive(Default)]
struct FiniteF32 {
    path: Vec<String>,
    problem: Option<String>,
}

impl burn::module::ModuleVisitor for FiniteF32 {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(
        &mut self,
        param: &burn::module::Param<burn::tensor::Tensor<D>>,
    ) {
        if self.problem.is_some() {
            return;
        }
        let data = param.val().into_data();
        let name = self.path.join(".");
        self.problem = match data.as_slice::<f32>() {
            Err(_) => Some(format!("`{name}` is {:?}, not f32", data.dtype())),
            Ok(v) => v
                .iter()
                .position(|x| !x.is_finite())
                .map(|i| format!("`{name}` value {i} of {} is {}", v.len(), v[i])),
        };
    }
}

/// Loads model-file bytes onto `device`; `path` only names the source in errors.
pub fn load_model_on(bytes: &[u8], path: &Path, device: &Device) -> Result<MerModel> {
    if bytes.len() < 8 || &bytes[..8] != MAGIC {
        return Err(ModelError::BadMagic {
            path: PathBuf::from(path),
        });
    }
    let take = |at: usize, n: usize, what: &str| {
        bytes.get(at..at.saturating_add(n)).ok_or_else(|| {
            corrupt(
                path,
                format!(
                    "truncated: {what} needs bytes {at}..{} of {}",
                    at.saturating_add(n),
                    bytes.len()
                ),
            )
        })
    };
    let version = u32::from_le_bytes(take(8, 4, "version")?.try_into().expect("4 bytes"));
    if version > FORMAT_VERSION {
        return Err(ModelError::FutureVersion {
            path: PathBuf::from(path),
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    if version == 0 {
        return Err(corrupt(path, "format version 0"));
    }
    let h_len = u64::from_le_bytes(take(12, 8, "header length")?.try_into().expect("8 bytes"));
    let h_len = usize::try_from(h_len).map_err(|_| corrupt(path, "header length overflows"))?;
    let header: ModelHeader = serde_json::from_slice(take(20, h_len, "header")?)
        .map_err(|e| corrupt(path, format!("header JSON: {e}")))?;
    let w_at = 20 + h_len;
    let w_len = u64::from_le_bytes(
        take(w_at, 8, "weights length")?
            .try_into()
            .expect("8 bytes"),
    );
    let w_len = usize::try_from(w_len).map_err(|_| corrupt(path, "weights length overflows"))?;
    let weights = take(w_at + 8, w_len, "weights")?;
    if w_at + 8 + w_len != bytes.len() {
        return Err(corrupt(
            path,
            format!(
                "{} trailing bytes after the weights",
                bytes.len() - (w_at + 8 + w_len)
            ),
        ));
    }
    check_header(&header, w_len).map_err(|reason| corrupt(path, reason))?;
    let net = match header.model.init_net(device) {
        Some(net) => {
            let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(weights.to_vec()))
                .map_err(|e| corrupt(path, format!("weights: {e}")))?;
            let net = net
                .try_load_record(record)
                .map_err(|e| corrupt(path, format!("weights do not fit the architecture: {e}")))?
                .valid();
            let mut check = FiniteF32::default();
            net.visit(&mut check);
            if let Some(reason) = check.problem {
                return Err(corrupt(path, format!("weights: {reason}")));
            }
            Some(net)
        }
        None => None,
    };
    Ok(MerModel {
        header,
        net,
        device: device.clone(),
    })
}
