//! Decoding with symphonia: packets → mono `f32` samples at the file's own rate.

use std::fs::File;
use std::path::{Path, PathBuf};

use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::meta::MetadataOptions;

use crate::AudioError;

/// Consecutive undecodable packets after which a stream is declared broken.
const MAX_CONSECUTIVE_DECODE_ERRORS: usize = 64;

/// Runs a call into symphonia, turning a panic inside it into a decode error naming the file:
/// a crafted file must not take the process down (nor, in batch mode, the other files). The
/// demuxer or decoder that panicked is not used again.
fn guarded<T>(path: &Path, seconds: f64, f: impl FnOnce() -> T) -> Result<T, AudioError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|payload| {
        let msg = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        AudioError::Decode {
            path: path.to_path_buf(),
            seconds,
            reason: format!("the decoder failed on malformed data (panic in symphonia: {msg})"),
        }
    })
}

/// A demuxer + decoder pair for the first audio track of one file.
pub(crate) struct Decoder {
    path: PathBuf,
    reader: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    /// Sample rate of the file, Hz.
    pub(crate) rate: u32,
    /// Channel count of the file.
    pub(crate) channels: usize,
    /// Playable frames as stated by the container (after gapless trimming), if known.
    pub(crate) n_frames: Option<u64>,
    /// Mono frames produced so far.
    pub(crate) decoded_frames: u64,
    planes: Vec<Vec<f32>>,
    /// Mono samples still to drop at the start (encoder delay symphonia did not trim).
    skip_left: usize,
    /// Problems that did not stop decoding (skipped packets, early end of file).
    pub(crate) warnings: Vec<String>,
    done: bool,
}

impl Decoder {
    pub(crate) fn open(path: &Path) -> Result<Self, AudioError> {
        let meta = std::fs::metadata(path).map_err(|io| AudioError::Open {
            path: path.to_path_buf(),
            io,
        })?;
        if meta.is_dir() {
            return Err(AudioError::Open {
                path: path.to_path_buf(),
                io: std::io::Error::new(std::io::ErrorKind::IsADirectory, "is a directory"),
            });
        }
        if meta.len() == 0 {
            return Err(AudioError::Empty {
                path: path.to_path_buf(),
            });
        }
        let file = File::open(path).map_err(|io| AudioError::Open {
            path: path.to_path_buf(),
            io,
        })?;
        // Past any ID3v2 tags (id3.rs): symphonia's probe gives up after 1 MB of them.
        let mss = crate::id3::media_source(file).map_err(|io| AudioError::Open {
            path: path.to_path_buf(),
            io,
        })?;
        let mut hint = Hint::new();
        if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            hint.with_extension(ext);
        }
        let reader = guarded(path, 0.0, || {
            symphonia::default::get_probe().probe(
                &hint,
                mss,
                FormatOptions::default(),
                MetadataOptions::default(),
            )
        })?
        .map_err(|e| AudioError::UnknownFormat {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let unsupported = |reason: &str| AudioError::UnsupportedCodec {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        };
        let track = reader
            .default_track(TrackType::Audio)
            .ok_or_else(|| unsupported("no audio track"))?;
        let params = track
            .codec_params
            .as_ref()
            .and_then(|p| p.audio())
            .ok_or_else(|| unsupported("no audio codec parameters"))?;
        // Gapless decoding (the default) trims MP3 encoder delay and padding.
        let decoder = guarded(path, 0.0, || {
            symphonia::default::get_codecs()
                .make_audio_decoder(params, &AudioDecoderOptions::default().gapless(true))
        })?
        .map_err(|e| unsupported(&e.to_string()))?;
        let rate = params.sample_rate.unwrap_or(0);
        let channels = params.channels.as_ref().map(|c| c.count()).unwrap_or(0);
        let track_id = track.id;
        let mut n_frames = track.num_frames;
        // symphonia trims MP3 delay only when the LAME tag's CRC is valid; libsndfile/mpg123
        // also trim it when the CRC fails (see lame.rs).
        let skip_left = if track.delay.is_none() {
            crate::lame::lame_start_trim(path).unwrap_or(0) as usize
        } else {
            0
        };
        if skip_left > 0 {
            n_frames = n_frames.map(|n| n.saturating_sub(skip_left as u64));
        }
        Ok(Decoder {
            path: path.to_path_buf(),
            reader,
            decoder,
            track_id,
            rate,
            channels,
            n_frames,
            decoded_frames: 0,
            planes: Vec::new(),
            skip_left,
            warnings: Vec::new(),
            done: false,
        })
    }

    fn seconds(&self) -> f64 {
        if self.rate == 0 {
            0.0
        } else {
            self.decoded_frames as f64 / self.rate as f64
        }
    }

    /// At a clean end of stream: warn when far fewer frames came out than the container stated
    /// (a truncated file whose demuxer simply ran out of packets).
    fn check_length(&mut self) {
        if let Some(stated) = self.n_frames {
            // More than a tenth of a second missing is not rounding.
            let slack = self.rate as u64 / 10;
            if self.decoded_frames + slack < stated {
                self.warnings.push(format!(
                    "file ends early (truncated?): decoded {:.2} s of the {:.2} s its header states",
                    self.seconds(),
                    stated as f64 / self.rate.max(1) as f64
                ));
            }
        }
    }

    /// Decodes the next packet and appends its mono samples (mean of the channels) to `out`.
    /// Returns `Ok(false)` at the end of the stream. A truncated file ends early with a warning;
    /// isolated corrupt packets are skipped with a warning.
    pub(crate) fn decode_next(&mut self, out: &mut Vec<f32>) -> Result<bool, AudioError> {
        if self.done {
            return Ok(false);
        }
        let mut consecutive_errors = 0usize;
        loop {
            let seconds = self.seconds();
            let next = guarded(&self.path, seconds, || self.reader.next_packet());
            let packet = match next.inspect_err(|_| self.done = true)? {
                Ok(Some(p)) => p,
                Ok(None) => {
                    self.done = true;
                    self.check_length();
                    return Ok(false);
                }
                Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    self.warnings.push(format!(
                        "file ends early (truncated?) after {:.2} s; decoded what is there",
                        self.seconds()
                    ));
                    self.done = true;
                    return Ok(false);
                }
                Err(SymError::ResetRequired) => {
                    // A chained stream (e.g. chained OGG): decode the first part only.
                    self.warnings.push(format!(
                        "stream changes its track layout after {:.2} s; decoded the first part only",
                        self.seconds()
                    ));
                    self.done = true;
                    return Ok(false);
                }
                Err(e) => {
                    if self.decoded_frames > 0 {
                        self.warnings.push(format!(
                            "stream unreadable after {:.2} s ({e}); decoded what came before",
                            self.seconds()
                        ));
                        self.done = true;
                        return Ok(false);
                    }
                    return Err(AudioError::Decode {
                        path: self.path.clone(),
                        seconds: 0.0,
                        reason: e.to_string(),
                    });
                }
            };
            if packet.track_id != self.track_id {
                continue;
            }
            let decoded = guarded(&self.path, seconds, || {
                // The buffer borrows the decoder: copy it out inside the guard.
                self.decoder.decode(&packet).map(|buf| {
                    let frames = buf.frames();
                    let rate = buf.spec().rate();
                    buf.copy_to_vecs_planar::<f32>(&mut self.planes);
                    (frames, rate)
                })
            });
            match decoded.inspect_err(|_| self.done = true)? {
                Ok((frames_in_packet, spec_rate)) => {
                    if self.rate == 0 {
                        self.rate = spec_rate;
                    }
                    let mut frames = frames_in_packet;
                    let skip = self.skip_left.min(frames);
                    self.skip_left -= skip;
                    frames -= skip;
                    if frames == 0 || self.planes.is_empty() {
                        continue;
                    }
                    let n_ch = self.planes.len();
                    self.channels = n_ch;
                    let start = out.len();
                    out.extend_from_slice(&self.planes[0][skip..skip + frames]);
                    if n_ch > 1 {
                        let mono = &mut out[start..];
                        for plane in &self.planes[1..] {
                            for (m, s) in mono.iter_mut().zip(&plane[skip..skip + frames]) {
                                *m += *s;
                            }
                        }
                        let scale = 1.0 / n_ch as f32;
                        mono.iter_mut().for_each(|m| *m *= scale);
                    }
                    // Float formats can carry NaN or infinity: refuse them here rather than
                    // let them reach every feature downstream.
                    if let Some(i) = out[start..].iter().position(|v| !v.is_finite()) {
                        self.done = true;
                        return Err(AudioError::Decode {
                            path: self.path.clone(),
                            seconds: (self.decoded_frames + i as u64) as f64
                                / self.rate.max(1) as f64,
                            reason: "a sample is NaN or infinite".into(),
                        });
                    }
                    self.decoded_frames += frames as u64;
                    return Ok(true);
                }
                Err(SymError::DecodeError(msg)) => {
                    consecutive_errors += 1;
                    if consecutive_errors == 1 {
                        self.warnings.push(format!(
                            "skipped a corrupt packet at {:.2} s ({msg})",
                            self.seconds()
                        ));
                    }
                    if consecutive_errors >= MAX_CONSECUTIVE_DECODE_ERRORS {
                        if self.decoded_frames > 0 {
                            self.warnings.push(format!(
                                "too many corrupt packets after {:.2} s; decoded what came before",
                                self.seconds()
                            ));
                            self.done = true;
                            return Ok(false);
                        }
                        return Err(AudioError::Decode {
                            path: self.path.clone(),
                            seconds: self.seconds(),
                            reason: format!(
                                "{consecutive_errors} corrupt packets in a row ({msg})"
                            ),
                        });
                    }
                }
                Err(SymError::IoError(e)) => {
                    self.warnings.push(format!(
                        "read error at {:.2} s ({e}); decoded what came before",
                        self.seconds()
                    ));
                    self.done = true;
                    return Ok(false);
                }
                Err(e) => {
                    return Err(AudioError::Decode {
                        path: self.path.clone(),
                        seconds: self.seconds(),
                        reason: e.to_string(),
                    });
                }
            }
        }
    }
}
