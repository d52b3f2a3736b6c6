//! musicnn's input representation, as `musicnn/extractor.py` `batch_data` computes it:
//!
//! ```python
//! audio, sr = librosa.load(file, sr=16000)
//! mel = librosa.feature.melspectrogram(y=audio, sr=sr, hop_length=256, n_fft=512, n_mels=96).T
//! mel = mel.astype(np.float16)
//! logmel = np.log10(10000 * mel + 1)
//! ```
//!
//! The mel power spectrogram is `mer-features`' librosa-exact [`MelSpectrogram`] with
//! [`MelConfig::musicnn`] (16 kHz, n_fft 512, hop 256, 96 Slaney bands, periodic Hann,
//! `center=True` with zero padding — librosa 0.10's `pad_mode="constant"`, the version of the
//! reference venv). The float16 cast is reproduced ([`compress`]): it rounds the mel power to
//! 11 significant bits before the logarithm (numpy 1.x then computes `10000 · x + 1` and the
//! `log10` in float32).
//!
//! **Resampling differs from the original**: librosa 0.10 `load(sr=16000)` resamples with soxr
//! ("soxr_hq"); `mer_audio` computes a polyphase FIR fit to soxr HQ's passband and stop band
//! (Blackman², 224 taps at the lower rate). Outputs differ slightly (soxr's exact filter and
//! phase) — see the end-to-end tolerance in the tests.

use std::path::Path;

use half::f16;
use mer_features::{Matrix, MelConfig, MelSpectrogram};

use crate::error::MusicnnError;

/// musicnn's sample rate (`configuration.SR`), Hz.
pub const SAMPLE_RATE: u32 = 16_000;
/// musicnn's STFT hop (`configuration.FFT_HOP`), samples: 62.5 frames per second.
pub const HOP_LENGTH: usize = 256;
/// musicnn's mel bands (`configuration.N_MELS`).
pub const N_MELS: usize = 96;

/// The mel settings of musicnn's front end.
pub fn mel_config() -> MelConfig {
    MelConfig::musicnn()
}

/// musicnn's compression of mel power, in place: round to float16 (as `astype(np.float16)`;
/// values above float16's range, which a [-1, 1] signal cannot reach, saturate at 65504 instead
/// of becoming infinite), then `log10(10000 · x + 1)` in float32.
pub fn compress(mel_power: &mut [f32]) {
    for v in mel_power {
        let x: f32 = f16::from_f32(*v).to_f32().min(f16::MAX.to_f32());
        *v = (10000.0 * x + 1.0).log10();
    }
}

/// musicnn's log-mel of mono samples at 16 kHz: `[frames, 96]`, frames = 1 + samples / 256.
pub fn logmel(samples: &[f32]) -> Result<Matrix, MusicnnError> {
    let mut mel = MelSpectrogram::new(&mel_config())?;
    let mut out = Vec::with_capacity((samples.len() / HOP_LENGTH + 1) * N_MELS);
    mel.push(samples, &mut out);
    mel.finish(&mut out);
    compress(&mut out);
    Ok(Matrix::new(out.len() / N_MELS, N_MELS, out))
}

/// musicnn's log-mel of an audio file, decoded and resampled to 16 kHz while it is computed
/// (memory: the output plus a few kB): `[frames, 96]`, and the number of 16 kHz samples.
pub fn logmel_file(path: &Path) -> Result<(Matrix, u64), MusicnnError> {
    let mut stream = mer_audio::AudioStream::open(path, Some(SAMPLE_RATE))?;
    let mut mel = MelSpectrogram::new(&mel_config())?;
    let mut out = Vec::new();
    while let Some(chunk) = stream.read_chunk()? {
        mel.push(chunk, &mut out);
    }
    mel.finish(&mut out);
    if out.is_empty() {
        return Err(MusicnnError::Empty {
            path: path.to_path_buf(),
        });
    }
    compress(&mut out);
    Ok((
        Matrix::new(out.len() / N_MELS, N_MELS, out),
        stream.samples_read(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compress_rounds_to_half_precision_first() {
        // 1e-4 is not a float16 value: it rounds to 1.0001659e-4 (10-bit mantissa).
        let mut v = [0.0, 1e-4, 1.0, 1e6];
        compress(&mut v);
        assert_eq!(v[0], 0.0);
        let x16 = f16::from_f32(1e-4).to_f32();
        assert!((x16 - 1e-4).abs() > 1e-8);
        assert_eq!(v[1], (10000.0 * x16 + 1.0).log10());
        assert_eq!(v[2], 10001.0f32.log10());
        assert_eq!(v[3], (10000.0 * 65504.0f32 + 1.0).log10());
    }
}
