"""Music emotion recognition: arousal (calm <-> energetic) and valence (negative <-> positive)
on [-1, 1], every 0.5 s and per track, and the feature sets of ``mer features``.

Everything runs in Rust with the GIL released: Python threads calling ``mer`` run in
parallel. Errors reading audio raise :class:`MerError` naming the file; bad arguments raise
``ValueError`` / ``TypeError``.
"""

import os
import pathlib
from typing import Literal, Optional, Sequence, Tuple, TypedDict, Union, final

from typing_extensions import Self

import numpy as np
import numpy.typing as npt

__version__: str
#: Seconds between two values of the dynamic series (0.5).
HOP_S: float
#: The names ``features(kind=...)`` accepts.
FEATURE_KINDS: Tuple[str, ...]
#: File extensions (lower case) of the formats mer decodes.
AUDIO_EXTENSIONS: Tuple[str, ...]

# Names for annotations only (not attributes of the module at run time): StrPath, Source,
# Scale, FeatureKind, FeatureRate, Dynamic, Prediction, Failure.
StrPath = Union[str, "os.PathLike[str]"]
#: A path, or a 1-D array of mono samples (any real dtype; converted to float32).
Source = Union[StrPath, npt.ArrayLike]
Scale = Literal["-1..1", "1..9", "0..1"]
FeatureKind = Literal[
    "logmel", "smile-lld", "logmel-10k", "musicnn", "logmel-musicnn", "mediaeval260",
    "mediaeval260-is13", "musicnn-mtt", "vgg-msd", "vgg-mtt", "logmel96", "musicnn-logmel96",
]
FeatureRate = Literal["stft", "2hz"]

class Dynamic(TypedDict):
    #: Arousal every ``hop_s`` seconds.
    arousal: list[float]
    #: Valence every ``hop_s`` seconds.
    valence: list[float]

class Prediction(TypedDict):
    """One line of ``mer predict --format json``, as a dict."""

    #: The file as given (``"<samples>"`` for an array).
    path: str
    #: Seconds of audio predicted (the interval's length), rounded to ms.
    duration_s: float
    #: Where the predicted audio starts, s (``start``, else 0).
    start_s: float
    #: The scale of every value: ``"-1..1"``, ``"1..9"`` or ``"0..1"``.
    scale: str
    #: Song-level arousal (mean of the dynamic series), 4 decimals.
    arousal: float
    #: Song-level valence, 4 decimals.
    valence: float
    #: Russell quadrant: ``"Q1"`` A+V+, ``"Q2"`` A+V-, ``"Q3"`` A-V-, ``"Q4"`` A-V+.
    quadrant: str
    #: Share of the 0.5 s frames in the song's quadrant, [0, 1].
    confidence: float
    #: Seconds between dynamic values (0.5).
    hop_s: float
    #: The dynamic series.
    dynamic: Dynamic

class Failure(TypedDict):
    """A file of :meth:`Predictor.predict_many` that could not be predicted."""

    path: str
    #: One line naming the file and what went wrong.
    error: str

class MerError(Exception):
    """An audio file could not be read or a model or computation failed; the message names
    the file."""

@final
class Predictor:
    """A model loaded once, to predict many files or arrays.

    ``model``: ``"default"`` (musicnn embeddings + ridge head, the most accurate), ``"fast"``
    (a log-mel CRNN, several times faster) or the path of a model file written by
    ``mer train``. The embedded models are loaded once per process. One predictor may be used
    from several threads at once.
    """

    def __new__(cls, model: Optional[StrPath] = None) -> Self: ...
    @property
    def model(self) -> str:
        """``"default"``, ``"fast"`` or the model file's path."""
    @property
    def input_features(self) -> str:
        """Name of the feature set the model reads."""
    def predict(
        self,
        source: Source,
        sr: Optional[int] = None,
        *,
        scale: Scale = "-1..1",
        start: Optional[float] = None,
        end: Optional[float] = None,
    ) -> Prediction:
        """Predicts one file or array of samples; see :func:`predict`."""
    def predict_many(
        self,
        paths: Sequence[StrPath],
        threads: int = 0,
        *,
        scale: Scale = "-1..1",
        start: Optional[float] = None,
        end: Optional[float] = None,
    ) -> list[Union[Prediction, Failure]]:
        """Predicts many files on ``threads`` threads (0 = all cores), without the GIL.

        Returns one dict per path, in order: a :class:`Prediction`, or a :class:`Failure`
        (``{"path", "error"}``) for a file that could not be predicted -- one bad file never
        stops the batch.
        """

def predict(
    source: Source,
    sr: Optional[int] = None,
    *,
    model: Optional[StrPath] = None,
    scale: Scale = "-1..1",
    start: Optional[float] = None,
    end: Optional[float] = None,
) -> Prediction:
    """Predicts arousal and valence of an audio file or of mono samples.

    ``source`` is a path (MP3, WAV, FLAC, OGG, M4A, AIFF) or a 1-D array of samples at
    ``sr`` Hz. ``model``: ``"default"``, ``"fast"`` or a model file. ``scale``: the scale of
    the values returned. ``start``/``end``: predict only that interval, seconds.

    Returns the dict ``mer predict --format json`` prints. Raises :class:`MerError` (naming
    the file) when the audio cannot be read, ``ValueError`` for bad arguments.
    """

def features(
    source: Source,
    sr: Optional[int] = None,
    *,
    kind: FeatureKind = "logmel",
    rate: Optional[FeatureRate] = None,
    sample_rate: int = 44100,
) -> npt.NDArray[np.float32]:
    """Features as ``mer features`` computes them: float32 ``[frames, features]``.

    ``kind``: ``"logmel"`` (40 log mel-band energies, Malik et al. 2017), ``"smile-lld"``
    (65 openSMILE ComParE LLDs every 10 ms), ``"mediaeval260"`` (MediaEval 2015 / DEAM set
    every 0.5 s), ``"mediaeval260-is13"`` (the same from IS13_ComParE LLDs) or ``"musicnn"``
    (200-d embeddings at 2 Hz). ``rate``: ``"stft"`` (hop 1024 at 44.1 kHz; the log-mel's
    default) or ``"2hz"`` (0.5 s frames; musicnn's only rate); ignored by the openSMILE kinds.
    ``sample_rate``: analysis rate the audio is resampled to (8000-192000 Hz; musicnn always
    runs at 16 kHz). Equal to the ``.npy`` of
    ``mer features SOURCE --kind KIND --rate RATE --sample-rate SAMPLE_RATE``.
    """

def load(path: StrPath, sr: Optional[int] = None) -> Tuple[npt.NDArray[np.float32], int]:
    """Decodes an audio file to mono float32 samples: ``(samples, sr)``.

    The mean of the file's channels, resampled to ``sr`` Hz if given (as
    ``librosa.load(path, sr=sr)``), else at the file's own rate. Raises :class:`MerError`
    naming the file.
    """

def audio_files(
    root: StrPath, *, by_content: bool = False
) -> list[Tuple[pathlib.Path, pathlib.Path]]:
    """The audio files below a folder, with mer's one walker: ``[(path, relative), ...]``.

    Sorted, hidden entries skipped, symlink loops safe; by extension (as ``mer predict``) or,
    with ``by_content=True``, by probing each file's first bytes (as ``mer catalog``).
    ``relative`` is the path below ``root``; a ``root`` that is a file gives
    ``[(root, its file name)]``. What cannot be read is a ``UserWarning`` naming it.
    """

__all__ = [
    "AUDIO_EXTENSIONS",
    "FEATURE_KINDS",
    "HOP_S",
    "MerError",
    "Predictor",
    "audio_files",
    "features",
    "load",
    "predict",
    "__version__",
]
