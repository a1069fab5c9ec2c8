//! Nuclei and their gyromagnetic ratios.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The observed nucleus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub enum Nucleus {
    /// Proton, 1H.
    #[default]
    H1,
    /// Deuterium, 2H.
    H2,
    /// Carbon-13.
    C13,
    /// Fluorine-19.
    F19,
    /// Sodium-23.
    Na23,
    /// Phosphorus-31.
    P31,
}

impl Nucleus {
    /// Gyromagnetic ratio over 2 pi, in MHz per tesla (CODATA 2018 values).
    pub fn gamma_mhz_per_t(self) -> f64 {
        match self {
            Nucleus::H1 => 42.577_478_5,
            Nucleus::H2 => 6.535_903,
            Nucleus::C13 => 10.708_4,
            Nucleus::F19 => 40.078,
            Nucleus::Na23 => 11.262,
            Nucleus::P31 => 17.235,
        }
    }

    /// Conventional reference shift at the receiver frequency, in ppm, when a file gives none.
    ///
    /// For 1H this is 4.65 ppm, the NIfTI-MRS nominal water shift; other nuclei are referenced
    /// at 0 ppm.
    pub fn default_reference_shift_ppm(self) -> f64 {
        match self {
            Nucleus::H1 | Nucleus::H2 => 4.65,
            _ => 0.0,
        }
    }

    /// The NIfTI-MRS spelling, e.g. `"1H"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Nucleus::H1 => "1H",
            Nucleus::H2 => "2H",
            Nucleus::C13 => "13C",
            Nucleus::F19 => "19F",
            Nucleus::Na23 => "23Na",
            Nucleus::P31 => "31P",
        }
    }
}

impl fmt::Display for Nucleus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error returned when a nucleus name is not recognised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown nucleus '{0}' (expected e.g. 1H, 13C, 31P)")]
pub struct UnknownNucleus(pub String);

impl FromStr for Nucleus {
    type Err = UnknownNucleus;

    /// Parses `1H`, `H1`, `proton`, `31P`, `P31` and similar spellings, ignoring case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let key: String = s
            .trim()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_uppercase();
        let nucleus = match key.as_str() {
            "1H" | "H1" | "H" | "PROTON" => Nucleus::H1,
            "2H" | "H2" | "DEUTERIUM" => Nucleus::H2,
            "13C" | "C13" => Nucleus::C13,
            "19F" | "F19" => Nucleus::F19,
            "23NA" | "NA23" => Nucleus::Na23,
            "31P" | "P31" => Nucleus::P31,
            _ => return Err(UnknownNucleus(s.to_string())),
        };
        Ok(nucleus)
    }
}
