//! One descriptor family per file.

pub mod auditory;
pub mod energy;
pub mod melspec;
pub mod mfcc;
pub mod pitch;
pub mod spectral;
pub mod voice_quality;
pub mod voicing;
