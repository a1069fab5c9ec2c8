//! Basis sets: named metabolite FIDs simulated or measured for one acquisition.

use crate::error::{CoreError, Result};
use crate::fid::check_finite;
use crate::{Acquisition, Fid};
use num_complex::Complex64;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One named basis signal, e.g. `"Cr"` or `"Lip13"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BasisSpectrum {
    /// Metabolite or resonance name, as used in reports.
    pub name: String,
    /// Time-domain samples, on the basis set's acquisition.
    pub fid: Vec<Complex64>,
}

/// Basis signals sharing one acquisition, with the sequence they were made for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BasisSet {
    /// Sampling, frequency, nucleus, reference shift and echo time of every entry.
    pub acquisition: Acquisition,
    /// Sequence name and timing, e.g. `"PRESS"` with `te1_s`, `te2_s`, when known.
    pub sequence: Option<SequenceInfo>,
    /// Free-text description (origin, tool, version).
    pub description: String,
    entries: Vec<BasisSpectrum>,
}

/// Sequence name and its timing parameters in seconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SequenceInfo {
    /// Sequence name, e.g. `"PRESS"`, `"STEAM"`, `"spin-echo"`.
    pub name: String,
    /// Named timings in seconds, e.g. `te1_s`, `te2_s`, `mixing_time_s`.
    pub timings_s: BTreeMap<String, f64>,
}

impl BasisSet {
    /// Builds an empty basis set for this acquisition.
    ///
    /// # Errors
    /// An invalid acquisition.
    pub fn new(acquisition: Acquisition) -> Result<Self> {
        acquisition.validate()?;
        Ok(BasisSet {
            acquisition,
            sequence: None,
            description: String::new(),
            entries: Vec::new(),
        })
    }

    /// Adds an entry; every entry must have the same number of points.
    ///
    /// # Errors
    /// [`CoreError::LengthMismatch`], [`CoreError::NonFiniteSample`], or
    /// [`CoreError::Shape`] when the name is empty or already present.
    pub fn push(&mut self, name: impl Into<String>, fid: Vec<Complex64>) -> Result<()> {
        let name = name.into();
        if name.trim().is_empty() {
            return Err(CoreError::Shape {
                detail: "basis entry name is empty".to_string(),
            });
        }
        if self.entries.iter().any(|e| e.name == name) {
            return Err(CoreError::Shape {
                detail: format!("basis entry '{name}' appears twice"),
            });
        }
        if fid.is_empty() {
            return Err(CoreError::Empty);
        }
        if let Some(first) = self.entries.first() {
            if first.fid.len() != fid.len() {
                return Err(CoreError::LengthMismatch {
                    what: "basis entry points",
                    expected: first.fid.len(),
                    actual: fid.len(),
                });
            }
        }
        check_finite(&fid)?;
        self.entries.push(BasisSpectrum { name, fid });
        Ok(())
    }

    /// The entries, in insertion order.
    pub fn entries(&self) -> &[BasisSpectrum] {
        &self.entries
    }

    /// Entry names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.entries.iter().map(|e| e.name.as_str()).collect()
    }

    /// The entry with this name.
    pub fn get(&self, name: &str) -> Option<&BasisSpectrum> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// Number of points of every entry (0 when empty).
    pub fn n_points(&self) -> usize {
        self.entries.first().map_or(0, |e| e.fid.len())
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the set has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The named entry as a [`Fid`] on the basis set's acquisition.
    pub fn fid(&self, name: &str) -> Option<Fid> {
        self.get(name)
            .map(|e| Fid::from_parts(e.fid.clone(), self.acquisition.clone()))
    }

    /// Checks that data acquired with `data` can be fitted with this basis without resampling.
    ///
    /// # Errors
    /// [`CoreError::ParameterMismatch`] naming the frequency, dwell time or reference that
    /// differs.
    pub fn check_matches(&self, data: &Acquisition) -> Result<()> {
        self.acquisition.check_compatible(data)
    }
}
