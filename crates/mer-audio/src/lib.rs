//! Audio in: the first stage of `mer`'s pipeline (audio → samples → features → model).
//!
//! Any file symphonia can read (MP3, WAV PCM 16/24/32-bit and float, FLAC, OGG Vorbis,
//! AAC/M4A, ALAC, AIFF) is decoded packet by packet, downmixed to mono as the mean of its
//! channels, and optionally resampled (a polyphase sinc FIR computed by FFT blocks, set to
//! libsoxr "HQ"'s pass band, as `librosa.load` resamples), so a one-hour file streams through
//! in bounded memory. MP3 encoder delay and padding are trimmed (gapless decoding), as
//! libsndfile/mpg123 do, so sample times agree with librosa's `librosa.load`.
//!
//! - [`load`]: a whole file into memory, mono, at an optional target rate.
//! - [`AudioStream`]: the same, chunk by chunk.
//! - [`AudioError`]: every failure names the file.
//! - [`walk`]: the one directory walker (streaming, sorted, symlink-loop safe, errors
//!   reported) and audio recognised by extension or by content.
//!
//! **Hostile input.** Files are untrusted: a panic inside symphonia is caught at this crate's
//! boundary and becomes an [`AudioError::Decode`] naming the file; NaN or infinite samples
//! (float formats) are an error; sample rates outside [`MIN_RATE`]`..=`[`MAX_RATE`] are
//! refused by the resampler; memory reserved from a container's stated duration is capped.
//! `tests/fuzz.rs` runs a seeded mutation fuzzer (`mer_testkit::fuzz`) over the whole decode
//! path — MP3 with and without its Xing/LAME tag, WAV, FLAC — with a fixed budget in the test
//! suite, and the Xing/LAME tag parser on its own (`lame.rs`). A longer campaign:
//!
//! ```text
//! MER_FUZZ_SCALE=100 cargo test --release -p mer-audio fuzz -- --nocapture
//! MER_FUZZ_SEED=7 MER_FUZZ_SCALE=100 cargo test --release -p mer-audio fuzz -- --nocapture
//! ```

mod decode;
mod error;
mod id3;
mod lame;
mod rational;
mod resample;
mod sniff;
mod stream;
pub mod testdata;
pub mod walk;

pub use error::AudioError;
pub use resample::{MAX_RATE, MIN_RATE, RESAMPLER, StreamResampler};
pub use stream::{Audio, AudioStream, StreamInfo, load};
