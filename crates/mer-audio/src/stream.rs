//! Decode → downmix → resample, chunk by chunk ([`AudioStream`]) or whole ([`load`]).

use std::path::{Path, PathBuf};

use crate::AudioError;
use crate::decode::Decoder;
use crate::resample::StreamResampler;

/// Longest stated duration, seconds, that [`load`] reserves memory for up front (10 minutes:
/// 106 MB at 44.1 kHz; longer files grow the buffer as they decode).
const MAX_RESERVE_S: f64 = 600.0;

/// Mono audio in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    /// Mono samples (mean of the file's channels), nominally in [-1, 1]; shape `[n_samples]`.
    pub samples: Vec<f32>,
    /// Sample rate of `samples`, Hz.
    pub sample_rate: u32,
    /// Problems that did not stop decoding (e.g. "file ends early (truncated?)").
    pub warnings: Vec<String>,
}

impl Audio {
    /// Duration in seconds.
    pub fn duration_s(&self) -> f64 {
        self.samples.len() as f64 / self.sample_rate as f64
    }
}

/// What is known about a stream before it is decoded.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamInfo {
    /// The file's own sample rate, Hz.
    pub source_rate: u32,
    /// The file's channel count.
    pub channels: usize,
    /// The rate of the samples [`AudioStream::read_chunk`] returns, Hz.
    pub output_rate: u32,
    /// Duration stated by the container, seconds, if it states one.
    pub duration_s: Option<f64>,
}

/// A file streamed as mono chunks at a chosen rate, in bounded memory.
///
/// ```no_run
/// let mut s = mer_audio::AudioStream::open("song.mp3".as_ref(), Some(44_100))?;
/// while let Some(chunk) = s.read_chunk()? {
///     // chunk: &[f32], mono, 44.1 kHz, consecutive pieces of the whole file
///     let _ = chunk.len();
/// }
/// # Ok::<(), mer_audio::AudioError>(())
/// ```
pub struct AudioStream {
    path: PathBuf,
    decoder: Decoder,
    resampler: Option<StreamResampler>,
    info: StreamInfo,
    decoded: Vec<f32>,
    out: Vec<f32>,
    finished: bool,
    produced: u64,
}

impl std::fmt::Debug for AudioStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioStream")
            .field("path", &self.path)
            .field("info", &self.info)
            .finish()
    }
}

impl AudioStream {
    /// Opens `path`; the stream yields mono samples at `target_rate` (or the file's own rate
    /// when `None`).
    pub fn open(path: &Path, target_rate: Option<u32>) -> Result<Self, AudioError> {
        let mut decoder = Decoder::open(path)?;
        let mut decoded = Vec::new();
        // Decode the first packet now: some formats only state their rate once decoding starts,
        // and an undecodable stream should fail here, not halfway through a pipeline.
        let got = decoder.decode_next(&mut decoded)?;
        if !got || decoder.rate == 0 {
            return Err(AudioError::NoSamples {
                path: path.to_path_buf(),
                detail: decoder.warnings.first().cloned(),
            });
        }
        let source_rate = decoder.rate;
        let output_rate = target_rate.unwrap_or(source_rate);
        if output_rate == 0 {
            return Err(AudioError::InvalidStream {
                path: path.to_path_buf(),
                reason: "target sample rate 0".into(),
            });
        }
        let resampler = if output_rate != source_rate {
            Some(
                StreamResampler::new(source_rate, output_rate).map_err(|reason| {
                    AudioError::Resample {
                        path: path.to_path_buf(),
                        from: source_rate,
                        to: output_rate,
                        reason,
                    }
                })?,
            )
        } else {
            None
        };
        let info = StreamInfo {
            source_rate,
            channels: decoder.channels,
            output_rate,
            duration_s: decoder.n_frames.map(|n| n as f64 / source_rate as f64),
        };
        Ok(AudioStream {
            path: path.to_path_buf(),
            decoder,
            resampler,
            info,
            decoded,
            out: Vec::new(),
            finished: false,
            produced: 0,
        })
    }

    /// Rates, channels and stated duration.
    pub fn info(&self) -> &StreamInfo {
        &self.info
    }

    /// The file this stream reads.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Problems met so far that did not stop decoding.
    pub fn warnings(&self) -> &[String] {
        &self.decoder.warnings
    }

    /// Mono samples produced so far, at the output rate.
    pub fn samples_read(&self) -> u64 {
        self.produced
    }

    /// The next piece of the stream (mono, output rate), or `None` at the end.
    /// Pieces are a few thousand samples; their sizes vary.
    pub fn read_chunk(&mut self) -> Result<Option<&[f32]>, AudioError> {
        self.out.clear();
        while self.out.is_empty() {
            if self.finished {
                return Ok(None);
            }
            if self.decoded.is_empty() && !self.decoder.decode_next(&mut self.decoded)? {
                self.finished = true;
                if let Some(r) = self.resampler.as_mut() {
                    r.finish(&mut self.out)
                        .map_err(|reason| self.resample_error(reason))?;
                }
            } else {
                match self.resampler.as_mut() {
                    Some(r) => {
                        let res = r.push(&self.decoded, &mut self.out);
                        res.map_err(|reason| self.resample_error(reason))?;
                        self.decoded.clear();
                    }
                    None => std::mem::swap(&mut self.out, &mut self.decoded),
                }
            }
        }
        self.produced += self.out.len() as u64;
        Ok(Some(&self.out))
    }

    fn resample_error(&self, reason: String) -> AudioError {
        AudioError::Resample {
            path: self.path.clone(),
            from: self.info.source_rate,
            to: self.info.output_rate,
            reason,
        }
    }
}

/// Decodes a whole file to mono at `target_rate` (the file's own rate when `None`).
///
/// Equivalent to `librosa.load(path, sr=target_rate, mono=True)` up to decoder rounding and
/// the resampler's transition band (librosa uses soxr "HQ"; ours has the same pass band, see
/// [`StreamResampler`]).
pub fn load(path: &Path, target_rate: Option<u32>) -> Result<Audio, AudioError> {
    let mut stream = AudioStream::open(path, target_rate)?;
    // Reserve for the duration the container states, up to 10 minutes: the header is untrusted
    // (a crafted one may state years), and the vector grows past it if needed.
    let expected = stream
        .info()
        .duration_s
        .map(|d| (d.min(MAX_RESERVE_S) * stream.info().output_rate as f64) as usize + 1)
        .unwrap_or(0);
    let mut samples = Vec::with_capacity(expected);
    while let Some(chunk) = stream.read_chunk()? {
        samples.extend_from_slice(chunk);
    }
    Ok(Audio {
        sample_rate: stream.info().output_rate,
        warnings: stream.warnings().to_vec(),
        samples,
    })
}
