//! The table of feature sets: one row per set, everything a caller needs to know about it.

use mer_musicnn::Pretrained;
use mer_musicnn::frontend::N_MELS;
use serde::{Deserialize, Serialize};

/// A named, versioned 2 Hz feature set (frame `k` covers `[0.5k, 0.5k + 0.5)` s).
///
/// The serde names are the command-line names ([`FeatureSet::cli_name`]), so `--features X`
/// and `"features": "X"` in an experiment file name the same set. The variant names of the
/// 16 kHz sets are those of mer-predict's former `InputKind` (now an alias of this type).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FeatureSet {
    /// musicnn MSD_musicnn penultimate embeddings of the 3 s patch centred on each frame,
    /// `[frames, 200]` (16 kHz; the default model's input).
    #[serde(rename = "musicnn")]
    Musicnn,
    /// The same from MTT_musicnn, `[frames, 200]`.
    #[serde(rename = "musicnn-mtt")]
    MusicnnMtt,
    /// MSD_vgg's `pool5`, `[frames, 256]`.
    #[serde(rename = "vgg-msd")]
    VggMsd,
    /// MTT_vgg's `pool5`, `[frames, 256]`.
    #[serde(rename = "vgg-mtt")]
    VggMtt,
    /// musicnn's log-mel (16 kHz, 96 bands to 8 kHz) mean-pooled to 2 Hz, `[frames, 96]`
    /// (the fast model's input).
    #[serde(rename = "logmel96")]
    LogMel,
    /// [`FeatureSet::Musicnn`] then [`FeatureSet::LogMel`], `[frames, 296]`.
    #[serde(rename = "musicnn-logmel96")]
    Both,
    /// 40 log-mel bands of Malik et al. 2017 (44.1 kHz, n_fft 2048, hop 1024, 0–22.05 kHz)
    /// pooled to 2 Hz, `[frames, 40]`.
    #[serde(rename = "logmel")]
    LogMel40,
    /// The same over 0–10 kHz only: the same answer whatever the file's sample rate or
    /// bitrate (the 4Q / MUSIFEAST-17 copies stop at ~11 kHz). `mer train`'s default.
    #[serde(rename = "logmel-10k", alias = "logmel10k")]
    LogMel40Fmax10k,
    /// [`FeatureSet::Musicnn`] (16 kHz) then [`FeatureSet::LogMel40Fmax10k`] (44.1 kHz),
    /// `[frames, 240]`, cropped to the shorter.
    #[serde(rename = "logmel-musicnn")]
    MusicnnLogMel40Fmax10k,
    /// mer-smile's MediaEval 2015 / DEAM 260-value set from openSMILE `ComParE_2016` LLDs at
    /// 44.1 kHz: row `k` holds the functionals of the 1 s window starting at 0.5k s.
    #[serde(rename = "mediaeval260")]
    Mediaeval260,
    /// The same from the `IS13_ComParE` LLDs, the configuration DEAM's shipped `features/`
    /// were made with.
    #[serde(rename = "mediaeval260-is13")]
    Mediaeval260Is13,
    /// DEAM's published openSMILE frame features (`features/<id>.csv`, 260 per 0.5 s): read
    /// from the dataset, not computed from audio.
    #[serde(rename = "deam-opensmile")]
    DeamOpensmile,
}

/// Sample rate the 44.1 kHz sets are computed at, Hz (Malik et al.; DEAM's openSMILE set).
pub const RATE_44K: u32 = 44_100;
/// Sample rate of the musicnn sets, Hz.
pub const RATE_16K: u32 = mer_musicnn::frontend::SAMPLE_RATE;
/// Frame rate of every set, Hz.
pub const FRAME_RATE_HZ: f64 = 2.0;

/// Version of musicnn's pooled log-mel set (the name carries it too).
pub const LOGMEL_FEATURE_SET: &str = "logmel96-musicnn-16k-2hz-v1";
/// Name of the concatenation of musicnn embeddings and the 2 Hz log-mel.
pub const BOTH_FEATURE_SET: &str = "musicnn+logmel96-16k-2hz-v1";

impl FeatureSet {
    /// Every set, in the order of `--help`.
    pub const EVERY: [FeatureSet; 12] = [
        FeatureSet::LogMel40,
        FeatureSet::LogMel40Fmax10k,
        FeatureSet::DeamOpensmile,
        FeatureSet::Musicnn,
        FeatureSet::MusicnnLogMel40Fmax10k,
        FeatureSet::Mediaeval260,
        FeatureSet::Mediaeval260Is13,
        FeatureSet::MusicnnMtt,
        FeatureSet::VggMsd,
        FeatureSet::VggMtt,
        FeatureSet::LogMel,
        FeatureSet::Both,
    ];

    /// The sets computed from one 16 kHz front end (musicnn's log-mel), as the embedded
    /// models read them (mer-predict's `InputKind::ALL`).
    pub const ALL: [FeatureSet; 3] = [FeatureSet::Musicnn, FeatureSet::LogMel, FeatureSet::Both];

    /// The log-mel sets computed from the file at 44.1 kHz (models written by `mer train`).
    pub const FROM_FILE: [FeatureSet; 3] = [
        FeatureSet::LogMel40,
        FeatureSet::LogMel40Fmax10k,
        FeatureSet::MusicnnLogMel40Fmax10k,
    ];

    /// The command-line and experiment-file name (`logmel-10k`, `musicnn`, …).
    pub fn cli_name(self) -> &'static str {
        match self {
            FeatureSet::Musicnn => "musicnn",
            FeatureSet::MusicnnMtt => "musicnn-mtt",
            FeatureSet::VggMsd => "vgg-msd",
            FeatureSet::VggMtt => "vgg-mtt",
            FeatureSet::LogMel => "logmel96",
            FeatureSet::Both => "musicnn-logmel96",
            FeatureSet::LogMel40 => "logmel",
            FeatureSet::LogMel40Fmax10k => "logmel-10k",
            FeatureSet::MusicnnLogMel40Fmax10k => "logmel-musicnn",
            FeatureSet::Mediaeval260 => "mediaeval260",
            FeatureSet::Mediaeval260Is13 => "mediaeval260-is13",
            FeatureSet::DeamOpensmile => "deam-opensmile",
        }
    }

    /// The set whose [`cli_name`](Self::cli_name) is `name` (`logmel10k` also works).
    pub fn from_cli_name(name: &str) -> Option<FeatureSet> {
        if name == "logmel10k" {
            return Some(FeatureSet::LogMel40Fmax10k);
        }
        Self::EVERY.into_iter().find(|k| k.cli_name() == name)
    }

    /// One line for `--help`.
    pub fn help(self) -> &'static str {
        match self {
            FeatureSet::Musicnn => "musicnn MSD 200-d penultimate embeddings (16 kHz)",
            FeatureSet::MusicnnMtt => "musicnn MTT 200-d penultimate embeddings (16 kHz)",
            FeatureSet::VggMsd => "musicnn's MSD_vgg 256-d pool5 embeddings (16 kHz)",
            FeatureSet::VggMtt => "musicnn's MTT_vgg 256-d pool5 embeddings (16 kHz)",
            FeatureSet::LogMel => "musicnn's 96-band log-mel (16 kHz, to 8 kHz) pooled to 2 Hz",
            FeatureSet::Both => "musicnn (200) then logmel96 (96)",
            FeatureSet::LogMel40 => "40 log-mel bands, full band (Malik et al. 2017, 44.1 kHz)",
            FeatureSet::LogMel40Fmax10k => "40 log-mel bands over 0-10 kHz (44.1 kHz)",
            FeatureSet::MusicnnLogMel40Fmax10k => "musicnn (200) then logmel-10k (40)",
            FeatureSet::Mediaeval260 => "MediaEval 2015 260-value openSMILE set (ComParE_2016)",
            FeatureSet::Mediaeval260Is13 => "MediaEval 2015 260-value set (IS13_ComParE, DEAM's)",
            FeatureSet::DeamOpensmile => "DEAM's published openSMILE features (read, not computed)",
        }
    }

    /// The feature-set name written into model files.
    pub fn feature_set(self) -> &'static str {
        match self {
            FeatureSet::Musicnn => mer_musicnn::FEATURE_SET,
            FeatureSet::MusicnnMtt | FeatureSet::VggMsd | FeatureSet::VggMtt => {
                self.pretrained().map_or("", Pretrained::feature_set)
            }
            FeatureSet::LogMel => LOGMEL_FEATURE_SET,
            FeatureSet::Both => BOTH_FEATURE_SET,
            FeatureSet::LogMel40 => "logmel40-malik2017",
            FeatureSet::LogMel40Fmax10k => "logmel40-fmax10k",
            FeatureSet::MusicnnLogMel40Fmax10k => "musicnn-msd-penultimate+logmel40-fmax10k-2hz",
            FeatureSet::Mediaeval260 => "mediaeval260-mer-smile-44k",
            FeatureSet::Mediaeval260Is13 => "mediaeval260-is13-mer-smile-44k",
            FeatureSet::DeamOpensmile => "deam-opensmile-260",
        }
    }

    /// Version of [`feature_set`](Self::feature_set) this build computes, as written into
    /// model files and cache keys. Bump it whenever the values can change.
    pub fn feature_version(self) -> &'static str {
        "1"
    }

    /// The set whose [`feature_set`](Self::feature_set) is `name`.
    pub fn from_feature_set(name: &str) -> Option<FeatureSet> {
        Self::EVERY.into_iter().find(|k| k.feature_set() == name)
    }

    /// Values per frame.
    pub fn n_features(self) -> usize {
        match self {
            FeatureSet::Musicnn
            | FeatureSet::MusicnnMtt
            | FeatureSet::VggMsd
            | FeatureSet::VggMtt => self.pretrained().map_or(0, Pretrained::embedding_dim),
            FeatureSet::LogMel => N_MELS,
            FeatureSet::Both => mer_musicnn::EMBEDDING_DIM + N_MELS,
            FeatureSet::LogMel40 | FeatureSet::LogMel40Fmax10k => 40,
            FeatureSet::MusicnnLogMel40Fmax10k => mer_musicnn::EMBEDDING_DIM + 40,
            FeatureSet::Mediaeval260 | FeatureSet::Mediaeval260Is13 => mer_smile::N_MEDIAEVAL,
            FeatureSet::DeamOpensmile => 260,
        }
    }

    /// Frames per second (every set: 2).
    pub fn frame_rate_hz(self) -> f64 {
        FRAME_RATE_HZ
    }

    /// The rate audio is resampled to before analysis (`None`: read from the dataset).
    pub fn sample_rate(self) -> Option<u32> {
        match self {
            FeatureSet::Musicnn
            | FeatureSet::MusicnnMtt
            | FeatureSet::VggMsd
            | FeatureSet::VggMtt
            | FeatureSet::LogMel
            | FeatureSet::Both => Some(RATE_16K),
            FeatureSet::LogMel40
            | FeatureSet::LogMel40Fmax10k
            | FeatureSet::MusicnnLogMel40Fmax10k
            | FeatureSet::Mediaeval260
            | FeatureSet::Mediaeval260Is13 => Some(RATE_44K),
            FeatureSet::DeamOpensmile => None,
        }
    }

    /// The pretrained musicnn model whose embeddings this set is (alone).
    pub fn pretrained(self) -> Option<Pretrained> {
        match self {
            FeatureSet::Musicnn => Some(Pretrained::MsdMusicnn),
            FeatureSet::MusicnnMtt => Some(Pretrained::MttMusicnn),
            FeatureSet::VggMsd => Some(Pretrained::MsdVgg),
            FeatureSet::VggMtt => Some(Pretrained::MttVgg),
            _ => None,
        }
    }

    /// The sets this one is the side-by-side concatenation of (first's columns first).
    pub fn parts(self) -> Option<(FeatureSet, FeatureSet)> {
        match self {
            FeatureSet::Both => Some((FeatureSet::Musicnn, FeatureSet::LogMel)),
            FeatureSet::MusicnnLogMel40Fmax10k => {
                Some((FeatureSet::Musicnn, FeatureSet::LogMel40Fmax10k))
            }
            _ => None,
        }
    }

    /// The mel settings of the 44.1 kHz log-mel sets (`None` for the others).
    pub fn mel_44k(self) -> Option<mer_features::MelConfig> {
        match self {
            FeatureSet::LogMel40 => Some(mer_features::MelConfig::malik2017()),
            FeatureSet::LogMel40Fmax10k | FeatureSet::MusicnnLogMel40Fmax10k => {
                Some(mer_features::MelConfig {
                    fmax: Some(10_000.0),
                    ..mer_features::MelConfig::malik2017()
                })
            }
            _ => None,
        }
    }

    /// The openSMILE configuration of the mediaeval260 sets.
    pub fn smile_config(self) -> Option<mer_smile::Config> {
        match self {
            FeatureSet::Mediaeval260 => Some(mer_smile::Config::ComParE2016),
            FeatureSet::Mediaeval260Is13 => Some(mer_smile::Config::Is13ComParE),
            _ => None,
        }
    }

    /// Whether computing the set runs a musicnn network.
    pub fn needs_musicnn(self) -> bool {
        self.pretrained().is_some() || self.parts().is_some_and(|(a, _)| a.needs_musicnn())
    }

    /// Whether the set is computed from audio (all but `deam-opensmile`).
    pub fn from_audio(self) -> bool {
        self != FeatureSet::DeamOpensmile
    }

    /// The settings that produce the values, one line (front end, network, resampler).
    pub fn config(self) -> String {
        let resampler = mer_audio::RESAMPLER;
        if let Some((a, b)) = self.parts() {
            return format!("[{}] + [{}]", a.config(), b.config());
        }
        if let Some(p) = self.pretrained() {
            // Features that train models and fill the cache are computed in f32 on every CPU
            // (`Extractor`, `mer_train::SharedData`); entries of older builds that did not say
            // so may hold bf16 values and are not read.
            return format!("{};precision=f32", p.feature_set_description());
        }
        if let Some(cfg) = self.mel_44k() {
            return format!("2hz;{}", cfg.describe());
        }
        if let Some(c) = self.smile_config() {
            return format!(
                "mer-smile MediaEval260 {} sr={RATE_44K} resampler={resampler}",
                c.name()
            );
        }
        match self {
            FeatureSet::LogMel => format!(
                "2hz mean of {}",
                mer_musicnn::frontend::mel_config().describe()
            ),
            _ => "DEAM features/<id>.csv as published".into(),
        }
    }

    /// The feature cache's settings key: name, version, settings and the resampler
    /// ([`mer_audio::RESAMPLER`]). `None` for `deam-opensmile` (read from the dataset).
    pub fn cache_key(self) -> Option<String> {
        self.from_audio().then(|| {
            format!(
                "{}/v{};{};resampler={}",
                self.feature_set(),
                self.feature_version(),
                self.config(),
                mer_audio::RESAMPLER
            )
        })
    }

    /// The [`FeatureSpec`](mer_model::FeatureSpec) recorded in model files: name, version,
    /// width, frame rate.
    pub fn spec(self) -> mer_model::FeatureSpec {
        mer_model::FeatureSpec {
            name: self.feature_set().into(),
            version: self.feature_version().into(),
            n_features: self.n_features(),
            frame_rate_hz: self.frame_rate_hz() as f32,
        }
    }

    /// The set a model file's `spec` names, when this build computes it at that version
    /// and width; else an error saying what the model reads and what this build computes.
    pub fn of_spec(spec: &mer_model::FeatureSpec) -> crate::Result<FeatureSet> {
        let Some(k) = Self::from_feature_set(&spec.name) else {
            return Err(crate::FeatureSetError::UnknownSpec(format!(
                "the model reads features {:?}, which this mer does not compute",
                spec.name
            )));
        };
        if k.feature_version() != spec.version {
            return Err(crate::FeatureSetError::UnknownSpec(format!(
                "the model reads features {:?} version {:?}; this mer computes version {:?} \
                 (retrain the model)",
                spec.name,
                spec.version,
                k.feature_version()
            )));
        }
        if k.n_features() != spec.n_features {
            return Err(crate::FeatureSetError::UnknownSpec(format!(
                "the model reads {} values per frame of {:?}; this mer computes {}",
                spec.n_features,
                spec.name,
                k.n_features()
            )));
        }
        Ok(k)
    }

    /// A short name for reports (`musicnn`, `logmel`, `both`, …).
    pub fn short(self) -> &'static str {
        match self {
            FeatureSet::LogMel => "logmel",
            FeatureSet::Both => "both",
            FeatureSet::LogMel40 => "logmel40",
            FeatureSet::LogMel40Fmax10k => "logmel40-10k",
            FeatureSet::MusicnnLogMel40Fmax10k => "musicnn+logmel40-10k",
            other => other.cli_name(),
        }
    }
}

impl std::fmt::Display for FeatureSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.cli_name())
    }
}

impl std::str::FromStr for FeatureSet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::from_cli_name(s).ok_or_else(|| {
            let names: Vec<&str> = Self::EVERY.iter().map(|k| k.cli_name()).collect();
            format!("unknown feature set {s:?} (known: {})", names.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_distinct() {
        for (i, k) in FeatureSet::EVERY.iter().enumerate() {
            assert_eq!(FeatureSet::from_cli_name(k.cli_name()), Some(*k));
            assert_eq!(FeatureSet::from_feature_set(k.feature_set()), Some(*k));
            let json = serde_json::to_string(k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.cli_name()));
            assert_eq!(serde_json::from_str::<FeatureSet>(&json).unwrap(), *k);
            for other in &FeatureSet::EVERY[..i] {
                assert_ne!(other.feature_set(), k.feature_set());
                assert_ne!(other.cli_name(), k.cli_name());
                assert_ne!(other.cache_key(), k.cache_key().or(Some(String::new())));
            }
        }
    }

    /// The names and widths the embedded models and the pretrained models carry.
    #[test]
    fn names_and_widths_of_shipped_sets() {
        assert_eq!(
            FeatureSet::Musicnn.feature_set(),
            "musicnn-msd-penultimate-2hz-v1"
        );
        assert_eq!(FeatureSet::LogMel.n_features(), 96);
        assert_eq!(FeatureSet::Both.n_features(), 296);
        assert_eq!(FeatureSet::VggMtt.n_features(), 256);
        assert_eq!(FeatureSet::MusicnnLogMel40Fmax10k.n_features(), 240);
        for k in FeatureSet::EVERY {
            if let Some((a, b)) = k.parts() {
                assert_eq!(k.n_features(), a.n_features() + b.n_features(), "{k}");
            }
            assert_eq!(
                k.needs_musicnn(),
                k.config().contains("musicnn 0.1.0"),
                "{k}"
            );
        }
        assert_eq!(
            FeatureSet::from_cli_name("logmel10k"),
            Some(FeatureSet::LogMel40Fmax10k)
        );
    }

    #[test]
    fn specs_round_trip_and_old_versions_are_refused() {
        for k in FeatureSet::EVERY {
            assert_eq!(FeatureSet::of_spec(&k.spec()).unwrap(), k);
        }
        let mut old = FeatureSet::Musicnn.spec();
        old.version = "0".into();
        assert!(
            FeatureSet::of_spec(&old)
                .unwrap_err()
                .to_string()
                .contains("\"0\"")
        );
        let mut wide = FeatureSet::LogMel40.spec();
        wide.n_features = 41;
        assert!(FeatureSet::of_spec(&wide).is_err());
    }

    /// Every key from audio names the set, its version and the resampler.
    #[test]
    fn cache_keys_name_version_and_resampler() {
        for k in FeatureSet::EVERY {
            match k.cache_key() {
                Some(key) => {
                    assert!(
                        key.starts_with(&format!("{}/v1;", k.feature_set())),
                        "{key}"
                    );
                    assert!(key.ends_with(mer_audio::RESAMPLER), "{key}");
                }
                None => assert_eq!(k, FeatureSet::DeamOpensmile),
            }
        }
        assert!(
            FeatureSet::Mediaeval260Is13
                .cache_key()
                .unwrap()
                .contains("IS13_ComParE")
        );
    }
}
