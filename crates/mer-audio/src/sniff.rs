//! Is this file audio this build can decode? By its name ([`has_audio_extension`]) or by its
//! content ([`sniff`]).

use std::fs::File;
use std::path::Path;

use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::meta::MetadataOptions;

/// Extensions (lower case) of the formats this build decodes, as enabled in the workspace's
/// symphonia features: MPEG layer 3 (`mp3`), WAV and AIFF PCM (`wav`, `wave`, `aif`, `aiff`,
/// `aifc`), FLAC (`flac`), Ogg Vorbis (`ogg`, `oga`), AAC and ALAC in MP4 (`m4a`, `m4b`,
/// `mp4`) and raw ADTS AAC (`aac`). Formats the build cannot decode (`opus`, `caf`, `mka`,
/// `webm`, `wma`, …) are not listed: a test checks every entry against symphonia's readers.
pub const AUDIO_EXTENSIONS: &[&str] = &[
    "mp3", "wav", "wave", "aif", "aiff", "aifc", "flac", "ogg", "oga", "m4a", "m4b", "mp4", "aac",
];

/// Whether `path`'s extension (any case) is one of [`AUDIO_EXTENSIONS`].
pub fn has_audio_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| AUDIO_EXTENSIONS.iter().any(|a| a.eq_ignore_ascii_case(e)))
}

/// Whether the *content* of `path` is audio this build decodes, ignoring its name: symphonia's
/// probe (the one decoding uses, with the same limits) must find a container it reads, with an
/// audio track whose codec has a decoder here. Returns the container's short name (`"mp3"`,
/// `"wav"`, `"flac"`, `"ogg"`, `"isomp4"`, `"aiff"`, `"adts"`), or `None` for anything else
/// (text, images, empty files, video without decodable audio). Reads the first bytes only for
/// most files, after any leading ID3v2 tags (a file with no audio marker is scanned up to
/// symphonia's 1 MB probe limit).
///
/// Errors are I/O errors opening or reading the file (e.g. permissions), not "not audio".
pub fn sniff(path: &Path) -> std::io::Result<Option<&'static str>> {
    let file = File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() || meta.len() == 0 {
        return Ok(None);
    }
    let mss = crate::id3::media_source(file)?;
    let reader = match symphonia::default::get_probe().probe(
        &Hint::new(),
        mss,
        FormatOptions::default(),
        MetadataOptions::default(),
    ) {
        Ok(r) => r,
        Err(SymError::IoError(e)) if e.kind() != std::io::ErrorKind::UnexpectedEof => {
            return Err(e);
        }
        Err(_) => return Ok(None),
    };
    let Some(params) = reader
        .default_track(TrackType::Audio)
        .and_then(|t| t.codec_params.as_ref())
        .and_then(|p| p.audio())
    else {
        return Ok(None);
    };
    let decodable = symphonia::default::get_codecs()
        .make_audio_decoder(params, &Default::default())
        .is_ok();
    Ok(decodable.then_some(reader.format_info().short_name))
}
