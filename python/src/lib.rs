//! The `mer` Python module: music emotion recognition (arousal and valence every 0.5 s and
//! per track) and the feature sets of `mer features`, on NumPy arrays.
//!
//! A thin layer over the library crates, as the CLI is: [`mer_predict::Predictor`] predicts,
//! [`mer_predict::output::json_record`] shapes the dict exactly as `mer predict --format json`
//! prints it, [`mer_featureset`] computes features exactly as `mer features` does.
//! Every decode and computation runs with the GIL released ([`Python::detach`]), so Python
//! threads run in parallel. The Python API is documented in `mer.pyi` (type stubs) and the
//! docstrings below; the tests are `tests/*.py` (pytest).

use std::ffi::CString;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use mer_features::Matrix;
use mer_featureset::{Extractor, FeatureSet, FeatureSetError, Input};
use mer_predict::output::json_record;
use mer_predict::{Interval, ModelChoice, PredictError, Predictor, Scale, SongPrediction};
use numpy::ndarray::Array2;
use numpy::{AllowTypeChange, IntoPyArray, PyArray1, PyArray2, PyArrayLike1};
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyTypeError, PyUserWarning, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

create_exception!(
    mer,
    MerError,
    PyException,
    "An audio file could not be read or a model or computation failed; the message names \
     the file."
);

/// What to analyse: a file, or mono samples in memory with their rate.
enum Source {
    File(PathBuf),
    Samples(Vec<f32>, u32),
}

impl Source {
    /// A path (`str` or `os.PathLike`) or a 1-D array-like of samples with `sr`.
    fn from_py(obj: &Bound<'_, PyAny>, sr: Option<u32>) -> PyResult<Source> {
        if obj.is_instance_of::<PyString>() || obj.hasattr("__fspath__")? {
            if sr.is_some() {
                return Err(PyValueError::new_err(
                    "sr is the rate of a sample array; a file's rate is read from the file",
                ));
            }
            return Ok(Source::File(obj.extract()?));
        }
        if let Ok(ndim) = obj.getattr("ndim").and_then(|n| n.extract::<usize>())
            && ndim != 1
        {
            let shape = obj.getattr("shape")?.repr()?;
            return Err(PyValueError::new_err(format!(
                "samples must be one channel, shape (n,); got shape {shape} \
                 (mix down first, e.g. x.mean(axis=0) for (channels, n))"
            )));
        }
        let samples: PyArrayLike1<'_, f32, AllowTypeChange> = obj.extract().map_err(|_| {
            let type_name = obj
                .get_type()
                .name()
                .map_or_else(|_| "?".to_string(), |n| n.to_string());
            PyTypeError::new_err(format!(
                "expected a file path or a 1-D array of samples, got {type_name}"
            ))
        })?;
        let sr = sr.ok_or_else(|| {
            PyValueError::new_err("sr (the samples' rate, Hz) is required with a sample array")
        })?;
        let samples = samples.as_slice().map_or_else(
            |_| samples.as_array().iter().copied().collect(),
            <[f32]>::to_vec,
        );
        Ok(Source::Samples(samples, sr))
    }

    fn path(&self) -> Option<&Path> {
        match self {
            Source::File(p) => Some(p),
            Source::Samples(..) => None,
        }
    }
}

/// A Python exception for `e`: `ValueError` for bad arguments, [`MerError`] otherwise; the
/// message names `path` (as `mer predict` prints errors) when it does not already.
fn to_py(e: PredictError, path: Option<&Path>) -> PyErr {
    let msg = e.to_string();
    let msg = match path {
        Some(p) if !msg.contains(&p.display().to_string()) => format!("{}: {msg}", p.display()),
        _ => msg,
    };
    match e {
        PredictError::BadInterval { .. }
        | PredictError::BadScale(_)
        | PredictError::BadSamples(_) => PyValueError::new_err(msg),
        _ => MerError::new_err(msg),
    }
}

/// Issues a Python `UserWarning` for each decoder warning of `path`.
fn warn_all(py: Python<'_>, path: Option<&Path>, warnings: &[String]) -> PyResult<()> {
    for w in warnings {
        let msg = match path {
            Some(p) => format!("{}: {w}", p.display()),
            None => w.clone(),
        };
        let msg = CString::new(msg.replace('\0', " ")).expect("NULs replaced");
        PyErr::warn(py, &py.get_type::<PyUserWarning>(), &msg, 2)?;
    }
    Ok(())
}

/// The embedded models, loaded once per process and shared by every predictor.
fn embedded(choice: &ModelChoice) -> Option<&'static Mutex<Option<Arc<Predictor>>>> {
    static DEFAULT: Mutex<Option<Arc<Predictor>>> = Mutex::new(None);
    static FAST: Mutex<Option<Arc<Predictor>>> = Mutex::new(None);
    match choice {
        ModelChoice::Default => Some(&DEFAULT),
        ModelChoice::Fast => Some(&FAST),
        _ => None,
    }
}

/// Loads a model (without the GIL): the embedded ones once per process, a file every time.
fn load_predictor(py: Python<'_>, choice: &ModelChoice) -> PyResult<Arc<Predictor>> {
    let path = match choice {
        ModelChoice::File(p) => Some(p.as_path()),
        _ => None,
    };
    py.detach(|| {
        let Some(slot) = embedded(choice) else {
            return Predictor::load(choice).map(Arc::new);
        };
        let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = slot.as_ref() {
            return Ok(p.clone());
        }
        let p = Arc::new(Predictor::load(choice)?);
        *slot = Some(p.clone());
        Ok(p)
    })
    .map_err(|e| to_py(e, path))
}

/// `"default"`, `"fast"` (a `str`) or a model file (a `str` or `os.PathLike`).
fn model_choice(model: &Bound<'_, PyAny>) -> PyResult<ModelChoice> {
    if let Ok(s) = model.cast::<PyString>() {
        return Ok(ModelChoice::parse(s.to_str()?));
    }
    if model.hasattr("__fspath__")? {
        return Ok(ModelChoice::File(model.extract()?));
    }
    Err(PyTypeError::new_err(
        "model must be \"default\", \"fast\" or the path of a model file",
    ))
}

/// Output options shared by the predict functions.
struct Options {
    scale: Scale,
    interval: Interval,
}

impl Options {
    fn new(scale: &str, start: Option<f64>, end: Option<f64>) -> PyResult<Options> {
        let scale: Scale = scale.parse().map_err(|e| to_py(e, None))?;
        let interval = Interval { start, end };
        interval.validate().map_err(|e| to_py(e, None))?;
        Ok(Options { scale, interval })
    }
}

/// `pred` as the dict `mer predict --format json` prints for it.
fn to_dict<'py>(
    py: Python<'py>,
    pred: &SongPrediction,
    scale: Scale,
) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_string(&json_record(pred, scale))
        .map_err(|e| MerError::new_err(format!("encoding the prediction: {e}")))?;
    py.import("json")?.call_method1("loads", (json,))
}

fn predict_one<'py>(
    py: Python<'py>,
    predictor: &Predictor,
    source: Source,
    opts: &Options,
) -> PyResult<Bound<'py, PyAny>> {
    let interval = opts.interval;
    let pred = py
        .detach(|| match &source {
            Source::File(p) => predictor.predict_file_interval(p, interval),
            Source::Samples(x, sr) => predictor.predict_samples_interval(x, *sr, interval),
        })
        .map_err(|e| to_py(e, source.path()))?;
    warn_all(py, source.path(), &pred.warnings)?;
    to_dict(py, &pred, opts.scale)
}

/// A model loaded once, to predict many files or arrays.
///
/// ``Predictor(model="default")``: ``"default"`` (musicnn embeddings + ridge head, the most
/// accurate), ``"fast"`` (a log-mel CRNN, several times faster) or the path of a model file
/// written by ``mer train``. Loading takes a fraction of a second; the embedded models are
/// loaded once per process. One predictor may be used from several threads at once.
#[pyclass(frozen, module = "mer", name = "Predictor")]
struct PyPredictor {
    inner: Arc<Predictor>,
    model: String,
}

#[pymethods]
impl PyPredictor {
    #[new]
    #[pyo3(signature = (model = None))]
    fn new(py: Python<'_>, model: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let choice = match model {
            Some(m) => model_choice(m)?,
            None => ModelChoice::Default,
        };
        let name = match &choice {
            ModelChoice::Default => "default".to_string(),
            ModelChoice::Fast => "fast".to_string(),
            ModelChoice::File(p) => p.display().to_string(),
        };
        Ok(PyPredictor {
            inner: load_predictor(py, &choice)?,
            model: name,
        })
    }

    /// The model: ``"default"``, ``"fast"`` or the model file's path.
    #[getter]
    fn model(&self) -> &str {
        &self.model
    }

    /// Name of the feature set the model reads (e.g. ``"musicnn-msd-penultimate-2hz"``).
    #[getter]
    fn input_features(&self) -> &'static str {
        self.inner.input_kind().feature_set()
    }

    fn __repr__(&self) -> String {
        format!(
            "mer.Predictor(model={:?}, input_features={:?})",
            self.model,
            self.input_features()
        )
    }

    /// Predicts one file or array of samples; see :func:`mer.predict`.
    #[pyo3(signature = (source, sr = None, *, scale = "-1..1", start = None, end = None))]
    fn predict<'py>(
        &self,
        py: Python<'py>,
        source: &Bound<'py, PyAny>,
        sr: Option<u32>,
        scale: &str,
        start: Option<f64>,
        end: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let opts = Options::new(scale, start, end)?;
        predict_one(py, &self.inner, Source::from_py(source, sr)?, &opts)
    }

    /// Predicts many files on ``threads`` threads (0 = all cores), without the GIL.
    ///
    /// Returns one dict per path, in order: the dict of :func:`mer.predict`, or, for a file
    /// that failed, ``{"path": ..., "error": "message naming the file"}`` — one bad file
    /// never stops the batch.
    #[pyo3(signature = (paths, threads = 0, *, scale = "-1..1", start = None, end = None))]
    #[allow(clippy::too_many_arguments)]
    fn predict_many<'py>(
        &self,
        py: Python<'py>,
        paths: Vec<PathBuf>,
        threads: usize,
        scale: &str,
        start: Option<f64>,
        end: Option<f64>,
    ) -> PyResult<Bound<'py, PyList>> {
        use rayon::prelude::*;
        let opts = Options::new(scale, start, end)?;
        let interval = opts.interval;
        let predictor = &self.inner;
        let results: Vec<Result<SongPrediction, String>> = py.detach(|| {
            let run = || {
                paths
                    .par_iter()
                    .map(|p| {
                        predictor
                            .predict_file_interval(p, interval)
                            .map_err(|e| to_py_message(&e, p))
                    })
                    .collect()
            };
            match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
                Ok(pool) => pool.install(run),
                Err(_) => run(),
            }
        });
        let out = PyList::empty(py);
        for (p, r) in paths.iter().zip(results) {
            match r {
                Ok(pred) => {
                    warn_all(py, Some(p), &pred.warnings)?;
                    out.append(to_dict(py, &pred, opts.scale)?)?;
                }
                Err(msg) => {
                    let d = PyDict::new(py);
                    d.set_item("path", p.display().to_string())?;
                    d.set_item("error", msg)?;
                    out.append(d)?;
                }
            }
        }
        Ok(out)
    }
}

/// The message of `e` for file `p`, naming it.
fn to_py_message(e: &PredictError, p: &Path) -> String {
    let msg = e.to_string();
    let shown = p.display().to_string();
    if msg.contains(&shown) {
        msg
    } else {
        format!("{shown}: {msg}")
    }
}

/// Predicts arousal and valence of an audio file or of mono samples.
///
/// ``predict(source, sr=None, *, model="default", scale="-1..1", start=None, end=None)``:
/// ``source`` is a path (any format mer decodes: MP3, WAV, FLAC, OGG, M4A, AIFF) or a 1-D
/// array of samples with their rate ``sr``. Returns the dict ``mer predict --format json``
/// prints: ``path``, ``duration_s``, ``start_s``, ``scale``, ``arousal``, ``valence``,
/// ``quadrant`` (``"Q1"``…``"Q4"``), ``confidence``, ``hop_s`` and ``dynamic``
/// (``{"arousal": [...], "valence": [...]}``, one value per 0.5 s). Raises
/// :class:`mer.MerError` (naming the file) when the audio cannot be read, ``ValueError`` for
/// bad arguments.
#[pyfunction]
#[pyo3(signature = (source, sr = None, *, model = None, scale = "-1..1", start = None, end = None))]
fn predict<'py>(
    py: Python<'py>,
    source: &Bound<'py, PyAny>,
    sr: Option<u32>,
    model: Option<&Bound<'py, PyAny>>,
    scale: &str,
    start: Option<f64>,
    end: Option<f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let opts = Options::new(scale, start, end)?;
    let source = Source::from_py(source, sr)?;
    let choice = match model {
        Some(m) => model_choice(m)?,
        None => ModelChoice::Default,
    };
    let predictor = load_predictor(py, &choice)?;
    predict_one(py, &predictor, source, &opts)
}

/// The feature extractor of `mer.features`: each musicnn network loaded once, on first use.
fn extractor() -> &'static Extractor {
    static EXTRACTOR: OnceLock<Extractor> = OnceLock::new();
    EXTRACTOR.get_or_init(Extractor::new)
}

/// What ``features(kind=...)`` names, as ``mer features --kind`` parses it.
#[derive(Clone, Copy)]
enum Kind {
    Logmel,
    SmileLld,
    Set(FeatureSet),
}

/// The names ``features(kind=...)`` accepts, in ``mer features --kind``'s order.
fn kind_names() -> Vec<&'static str> {
    let mut names = vec!["logmel", "smile-lld"];
    names.extend(
        FeatureSet::EVERY
            .into_iter()
            .filter(|k| k.from_audio() && k.cli_name() != "logmel")
            .map(FeatureSet::cli_name),
    );
    names
}

fn kind_of(name: &str) -> PyResult<Kind> {
    match name {
        "logmel" => Ok(Kind::Logmel),
        "smile-lld" => Ok(Kind::SmileLld),
        other => match other.parse::<FeatureSet>() {
            Ok(set) if set.from_audio() => Ok(Kind::Set(set)),
            _ => Err(PyValueError::new_err(format!(
                "unknown feature kind {other:?} (known: {})",
                kind_names().join(", ")
            ))),
        },
    }
}

/// Computes features as ``mer features`` does: a float32 array ``[frames, features]``.
///
/// ``features(source, sr=None, *, kind="logmel", rate=None, sample_rate=44100)``:
/// ``source`` is a path or a 1-D array of samples with their rate ``sr``. ``kind``:
/// ``"logmel"`` (40 log mel-band energies, Malik et al. 2017), ``"smile-lld"`` (65 openSMILE
/// ComParE LLDs every 10 ms) or any set of mer's feature-set registry (:data:`FEATURE_KINDS`:
/// ``"musicnn"`` 200-d embeddings at 2 Hz, ``"mediaeval260"`` the MediaEval 2015 / DEAM set
/// every 0.5 s, ``"mediaeval260-is13"`` the same from IS13_ComParE LLDs, …). ``rate``:
/// ``"stft"`` (hop 1024 at 44.1 kHz, the log-mel's default) or ``"2hz"`` (0.5 s frames; the
/// registry sets' only rate and their default); the openSMILE kinds ignore it.
/// ``sample_rate``: the analysis rate the audio is resampled to (8000–192000 Hz; log-mel and
/// openSMILE kinds, the other sets have their own). The values equal the ``.npy`` that
/// ``mer features --kind KIND --rate RATE --sample-rate SR`` writes.
#[pyfunction]
#[pyo3(signature = (source, sr = None, *, kind = "logmel", rate = None, sample_rate = 44_100))]
fn features<'py>(
    py: Python<'py>,
    source: &Bound<'py, PyAny>,
    sr: Option<u32>,
    kind: &str,
    rate: Option<&str>,
    sample_rate: u32,
) -> PyResult<Bound<'py, PyArray2<f32>>> {
    let kind = kind_of(kind)?;
    let two_hz = match rate {
        Some("stft") => false,
        Some("2hz") => true,
        Some(r) => {
            return Err(PyValueError::new_err(format!(
                "unknown rate {r:?} (known: stft, 2hz)"
            )));
        }
        None => !matches!(kind, Kind::Logmel),
    };
    if let Kind::Set(set) = kind
        && set.smile_config().is_none()
        && !two_hz
    {
        return Err(PyValueError::new_err(format!(
            "kind {set:?} gives 2 Hz frames only (rate=\"2hz\")",
            set = set.cli_name()
        )));
    }
    if !(8_000..=192_000).contains(&sample_rate) {
        return Err(PyValueError::new_err(format!(
            "sample rate {sample_rate} Hz is outside 8000..=192000 Hz"
        )));
    }
    let source = Source::from_py(source, sr)?;
    let out = py
        .detach(|| {
            let input = match &source {
                Source::File(p) => Input::File(p),
                Source::Samples(x, sr) => Input::Samples {
                    samples: x,
                    sample_rate: *sr,
                },
            };
            match kind {
                Kind::Logmel => mer_featureset::log_mel(input, sample_rate, two_hz),
                Kind::SmileLld => mer_featureset::smile_lld(input, sample_rate),
                Kind::Set(set) => extractor().frames(set, input, sample_rate),
            }
        })
        .map_err(|e| featureset_to_py(e, source.path()))?;
    warn_all(py, source.path(), &out.warnings)?;
    Ok(to_array(py, out.features))
}

/// A feature error as a Python exception: ``ValueError`` for bad samples, else
/// :class:`MerError` naming the file.
fn featureset_to_py(e: FeatureSetError, path: Option<&Path>) -> PyErr {
    let msg = e.to_string();
    let msg = match path {
        Some(p) if !msg.contains(&p.display().to_string()) => format!("{}: {msg}", p.display()),
        _ => msg,
    };
    match e {
        FeatureSetError::BadSamples(_) => PyValueError::new_err(msg),
        _ => MerError::new_err(msg),
    }
}

fn to_array(py: Python<'_>, m: Matrix) -> Bound<'_, PyArray2<f32>> {
    Array2::from_shape_vec((m.rows, m.cols), m.data)
        .expect("a Matrix holds rows * cols values")
        .into_pyarray(py)
}

/// Decodes an audio file to mono float32 samples: ``(samples, sr)``.
///
/// ``load(path, sr=None)``: the mean of the file's channels, resampled to ``sr`` Hz if given
/// (as ``librosa.load(path, sr=sr, mono=True)``, with a resampler matched to soxr "HQ"), else
/// at the file's own rate. MP3 encoder delay and padding are trimmed. Raises
/// :class:`mer.MerError` naming the file.
#[pyfunction]
#[pyo3(signature = (path, sr = None))]
fn load(
    py: Python<'_>,
    path: PathBuf,
    sr: Option<u32>,
) -> PyResult<(Bound<'_, PyArray1<f32>>, u32)> {
    let audio = py
        .detach(|| mer_audio::load(&path, sr))
        .map_err(|e| to_py(PredictError::Audio(e), Some(&path)))?;
    warn_all(py, Some(&path), &audio.warnings)?;
    Ok((audio.samples.into_pyarray(py), audio.sample_rate))
}

/// The audio files below a folder, with mer's one walker: ``[(path, relative), ...]``.
///
/// ``audio_files(root, *, by_content=False)``: sorted, hidden entries skipped, symlink loops
/// safe; by extension (as ``mer predict``), or by content (``by_content=True``: every file's
/// first bytes are probed, as ``mer catalog`` does). ``relative`` is the path below ``root``
/// (a ``root`` that is a file gives ``[(root, its file name)]``). What cannot be read is
/// reported as a ``UserWarning`` naming it, and the walk goes on.
#[pyfunction]
#[pyo3(signature = (root, *, by_content = false))]
fn audio_files(
    py: Python<'_>,
    root: PathBuf,
    by_content: bool,
) -> PyResult<Vec<(PathBuf, PathBuf)>> {
    use mer_audio::walk::Recognise;
    if !root.is_dir() {
        let name = root.file_name().map_or_else(|| root.clone(), PathBuf::from);
        return Ok(vec![(root, name)]);
    }
    let by = if by_content {
        Recognise::Content
    } else {
        Recognise::Extension
    };
    let (found, problems): (Vec<_>, Vec<_>) =
        py.detach(|| mer_audio::walk::audio_files(&root, by).partition(|r| r.is_ok()));
    let problems: Vec<String> = problems
        .into_iter()
        .filter_map(|r| r.err().map(|e| e.to_string()))
        .collect();
    warn_all(py, None, &problems)?;
    Ok(found
        .into_iter()
        .filter_map(Result::ok)
        .map(|f| (f.path, f.relative))
        .collect())
}

/// Music emotion recognition: arousal (calm ↔ energetic) and valence (negative ↔ positive)
/// on [-1, 1], every 0.5 s and per track, and the feature sets of ``mer features``.
///
/// ``mer.predict("song.mp3")``, ``mer.Predictor("fast").predict_many(paths, threads=4)``,
/// ``mer.features("song.mp3", kind="logmel", rate="2hz")``, ``mer.load("song.mp3")``.
#[pymodule(name = "mer")]
mod mer_module {
    #[pymodule_export]
    use super::{MerError, PyPredictor, audio_files, features, load, predict};

    #[pymodule_init]
    fn init(m: &pyo3::Bound<'_, pyo3::types::PyModule>) -> pyo3::PyResult<()> {
        use pyo3::types::PyModuleMethods;
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        m.add("HOP_S", mer_predict::HOP_S)?;
        m.add(
            "AUDIO_EXTENSIONS",
            pyo3::types::PyTuple::new(m.py(), mer_audio::walk::AUDIO_EXTENSIONS)?,
        )?;
        m.add(
            "FEATURE_KINDS",
            pyo3::types::PyTuple::new(m.py(), super::kind_names())?,
        )?;
        Ok(())
    }
}
