//! Output scales. Every prediction is computed on the project's [-1, 1] scale (0 neutral,
//! DEAM's dynamic scale); users comparing with other tools can ask for 1–9 (DEAM/SAM static
//! ratings) or 0–1 (PMEmo, many taggers).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::PredictError;

/// An output scale for arousal and valence.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scale {
    /// [-1, 1], 0 neutral (the project's scale, DEAM dynamic annotations). Default.
    #[default]
    #[serde(rename = "-1..1")]
    MinusOneToOne,
    /// [1, 9], 5 neutral (DEAM static / Self-Assessment Manikin): `4·x + 5`.
    #[serde(rename = "1..9")]
    OneToNine,
    /// [0, 1], 0.5 neutral (PMEmo): `(x + 1) / 2`.
    #[serde(rename = "0..1")]
    ZeroToOne,
}

impl Scale {
    /// Every scale, in the order the CLI lists them.
    pub const ALL: [Scale; 3] = [Scale::MinusOneToOne, Scale::OneToNine, Scale::ZeroToOne];

    /// The scale's name as the CLI and JSON spell it (`-1..1`, `1..9`, `0..1`).
    pub fn name(self) -> &'static str {
        match self {
            Scale::MinusOneToOne => "-1..1",
            Scale::OneToNine => "1..9",
            Scale::ZeroToOne => "0..1",
        }
    }

    /// Maps a value from [-1, 1] to this scale.
    pub fn from_unit(self, x: f32) -> f32 {
        match self {
            Scale::MinusOneToOne => x,
            Scale::OneToNine => 4.0 * x + 5.0,
            Scale::ZeroToOne => (x + 1.0) / 2.0,
        }
    }

    /// `(low, neutral, high)` of the scale.
    pub fn range(self) -> (f32, f32, f32) {
        (
            self.from_unit(-1.0),
            self.from_unit(0.0),
            self.from_unit(1.0),
        )
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Scale {
    type Err = PredictError;

    /// Accepts `-1..1`, `1..9`, `0..1` (also with `-` or `,` between the ends).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().replace(' ', "");
        let found = match norm.as_str() {
            "-1..1" | "-1,1" | "-1-1" | "-1:1" => Some(Scale::MinusOneToOne),
            "1..9" | "1,9" | "1-9" | "1:9" => Some(Scale::OneToNine),
            "0..1" | "0,1" | "0-1" | "0:1" => Some(Scale::ZeroToOne),
            _ => None,
        };
        found.ok_or_else(|| PredictError::BadScale(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_map_ends_and_neutral() {
        assert_eq!(Scale::OneToNine.range(), (1.0, 5.0, 9.0));
        assert_eq!(Scale::ZeroToOne.range(), (0.0, 0.5, 1.0));
        assert_eq!(Scale::MinusOneToOne.range(), (-1.0, 0.0, 1.0));
        // DEAM static 1–9 → [-1, 1] is (x − 5)/4 (data README); this is its inverse.
        assert_eq!(Scale::OneToNine.from_unit((7.0 - 5.0) / 4.0), 7.0);
        // PMEmo [0, 1] → [-1, 1] is 2x − 1; inverse.
        assert_eq!(Scale::ZeroToOne.from_unit(0.3 * 2.0 - 1.0), 0.3);
    }

    #[test]
    fn scales_parse_and_print() {
        for s in Scale::ALL {
            assert_eq!(s.name().parse::<Scale>().unwrap(), s);
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.name())
            );
        }
        assert!("1..5".parse::<Scale>().is_err());
    }
}
