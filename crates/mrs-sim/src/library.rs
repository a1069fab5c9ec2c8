//! Spin-system library: metabolites, broad-line groups and named sets, loaded from TOML.
//!
//! The crate ships `data/spin_systems.toml`, generated from the VeSPA export of the
//! Govindaraju et al. tables by `scripts/vespa_to_toml.py`. Users load their own files with
//! [`Library::from_path`] and combine them with [`Library::merge`]; an entry in the later file
//! replaces the built-in entry of the same name.
//!
//! File layout (all fields required unless marked optional):
//!
//! ```toml
//! [[metabolite]]
//! name = "Lac"                 # name used in basis sets and reports
//! full_name = "lactate"        # optional
//! source = "Govindaraju 2000"  # where the values come from
//! note = "..."                 # optional
//!
//! [[metabolite.system]]        # one or more sub-systems, simulated independently
//! label = "lactate"            # optional
//! amplitude = 1.0              # relative amplitude, e.g. 0.36 for alpha-glucose
//! shifts_ppm = [4.0974, 1.3142, 1.3142, 1.3142]   # one entry per proton
//! couplings_hz = [[0, 1, 6.933], [0, 2, 6.933], [0, 3, 6.933]]   # [i, j, J]
//!
//! [[metabolite.system.passive]] # optional: heteronucleus (e.g. 31P) not touched by pulses
//! isotope = "31P"
//! couplings_hz = [[1, 6.03]]   # [proton index, J]
//!
//! [[broad]]
//! name = "Lip13"
//! source = "Hamilton 2011"
//! shape = "gaussian"           # or "lorentzian"
//! fwhm_ppm = 0.10
//! lines = [[1.30, 1.0]]        # [ppm, area in proton units]
//!
//! [sets]
//! liver = ["Cr", "Lip13"]
//! ```

use crate::error::{Result, SimError};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The spin-system file shipped with the crate.
pub const BUILTIN_LIBRARY_TOML: &str = include_str!("../data/spin_systems.toml");

/// Origin label used in errors for [`BUILTIN_LIBRARY_TOML`].
const BUILTIN_ORIGIN: &str = "built-in";

/// Largest chemical shift accepted in a file, in ppm (1H shifts lie within about -1 to 15).
const MAX_ABS_SHIFT_PPM: f64 = 100.0;

/// Largest coupling accepted in a file, in Hz (geminal 1H-1H couplings reach about 20 Hz).
const MAX_ABS_COUPLING_HZ: f64 = 1000.0;

/// A heteronucleus coupled to protons but not excited by the 1H pulses, e.g. 31P.
///
/// Treated in the weak-coupling limit: its z state is a constant of motion, so the proton
/// signal is the average over its two states of a simulation with shifted proton offsets.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PassiveSpin {
    /// Isotope label, e.g. `"31P"`; only spin-1/2 nuclei are modelled.
    pub isotope: String,
    /// `(proton index, J in Hz)` pairs.
    pub couplings_hz: Vec<(usize, f64)>,
}

/// One scalar-coupled 1H spin system of a metabolite.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpinSystem {
    /// Free-text label, e.g. the VeSPA system name.
    #[serde(default)]
    pub label: String,
    /// Relative amplitude of this sub-system within the metabolite.
    pub amplitude: f64,
    /// Chemical shift of every proton, in ppm; equivalent protons are listed once each.
    pub shifts_ppm: Vec<f64>,
    /// `(i, j, J in Hz)` with zero-based proton indices.
    pub couplings_hz: Vec<(usize, usize, f64)>,
    /// Heteronuclei coupled to these protons.
    #[serde(default)]
    pub passive: Vec<PassiveSpin>,
}

/// A metabolite made of one or more independent spin systems.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metabolite {
    /// Short name, e.g. `"GPC"`.
    pub name: String,
    /// Long name, e.g. `"glycerophosphocholine"`.
    #[serde(default)]
    pub full_name: String,
    /// Publication or file the values come from.
    pub source: String,
    /// Simplifications, e.g. couplings left out.
    #[serde(default)]
    pub note: String,
    /// Sub-systems, simulated separately and summed with their amplitudes.
    #[serde(rename = "system")]
    pub systems: Vec<SpinSystem>,
}

/// Line shape of a broad-line group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LineShape {
    /// Exponential decay in time.
    Lorentzian,
    /// Gaussian decay in time.
    Gaussian,
}

/// Resonances modelled as broad lines rather than spin systems (lipids, glycogen,
/// macromolecules).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BroadLineGroup {
    /// Short name, e.g. `"Lip13"`.
    pub name: String,
    /// Publication or reasoning behind positions, areas and widths.
    pub source: String,
    /// Line shape of every line.
    pub shape: LineShape,
    /// Full width at half maximum of every line, in ppm.
    pub fwhm_ppm: f64,
    /// `(position in ppm, area in proton units)` pairs.
    pub lines: Vec<(f64, f64)>,
}

impl BroadLineGroup {
    /// Builds a macromolecule group from `(ppm, area)` lines sharing one width and shape.
    ///
    /// # Errors
    /// [`SimError::InvalidEntry`] for an empty list or a non-finite or negative value.
    pub fn macromolecules(
        name: &str,
        lines: Vec<(f64, f64)>,
        fwhm_ppm: f64,
        shape: LineShape,
    ) -> Result<Self> {
        let group = BroadLineGroup {
            name: name.to_string(),
            source: "user-defined macromolecule model".to_string(),
            shape,
            fwhm_ppm,
            lines,
        };
        group.validate("user")?;
        Ok(group)
    }

    /// Validates positions, areas and width.
    fn validate(&self, origin: &str) -> Result<()> {
        let invalid = |field: &'static str, detail: String| SimError::InvalidEntry {
            origin: origin.to_string(),
            entry: self.name.clone(),
            field,
            detail,
        };
        check_name(origin, &self.name)?;
        if !(self.fwhm_ppm.is_finite() && self.fwhm_ppm > 0.0 && self.fwhm_ppm < 10.0) {
            return Err(invalid(
                "fwhm_ppm",
                format!("{} must be finite, positive and below 10", self.fwhm_ppm),
            ));
        }
        if self.lines.is_empty() {
            return Err(invalid("lines", "no lines".to_string()));
        }
        for &(ppm, area) in &self.lines {
            if !(ppm.is_finite() && ppm.abs() <= MAX_ABS_SHIFT_PPM) {
                return Err(invalid("lines", format!("position {ppm} ppm out of range")));
            }
            if !(area.is_finite() && area >= 0.0) {
                return Err(invalid(
                    "lines",
                    format!("area {area} must be finite and >= 0"),
                ));
            }
        }
        Ok(())
    }
}

/// An entry of the library resolved by name.
#[derive(Debug, Clone, Copy)]
pub enum LibraryEntry<'a> {
    /// A metabolite simulated from its spin systems.
    Metabolite(&'a Metabolite),
    /// A group of broad lines.
    Broad(&'a BroadLineGroup),
}

impl LibraryEntry<'_> {
    /// The entry's name.
    pub fn name(&self) -> &str {
        match self {
            LibraryEntry::Metabolite(m) => &m.name,
            LibraryEntry::Broad(b) => &b.name,
        }
    }
}

/// Metabolites, broad-line groups and named sets.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Library {
    metabolites: Vec<Metabolite>,
    broad: Vec<BroadLineGroup>,
    sets: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LibraryFile {
    #[serde(default)]
    metabolite: Vec<Metabolite>,
    #[serde(default)]
    broad: Vec<BroadLineGroup>,
    #[serde(default)]
    sets: BTreeMap<String, Vec<String>>,
}

impl Library {
    /// Parses the spin-system file shipped with the crate.
    ///
    /// # Errors
    /// Only if the shipped file is broken, which the crate's tests rule out.
    pub fn builtin() -> Result<Self> {
        Self::from_toml_str(BUILTIN_LIBRARY_TOML, BUILTIN_ORIGIN)
    }

    /// Parses a library from TOML text; `origin` names the text in error messages.
    ///
    /// # Errors
    /// [`SimError::Parse`] for invalid TOML or missing fields, [`SimError::InvalidEntry`] for
    /// out-of-range values, bad indices or duplicate names.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Self> {
        let file: LibraryFile = toml::from_str(text).map_err(|e| SimError::Parse {
            origin: origin.to_string(),
            message: e.to_string(),
        })?;
        let library = Library {
            metabolites: file.metabolite,
            broad: file.broad,
            sets: file.sets,
        };
        library.validate(origin)?;
        Ok(library)
    }

    /// Reads and parses a library file.
    ///
    /// # Errors
    /// [`SimError::Io`] when the file cannot be read, otherwise as [`Library::from_toml_str`].
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| SimError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml_str(&text, &path.display().to_string())
    }

    /// Adds the entries and sets of `other`, replacing entries and sets of the same name.
    pub fn merge(&mut self, other: Library) {
        for metabolite in other.metabolites {
            self.broad.retain(|b| b.name != metabolite.name);
            match self
                .metabolites
                .iter_mut()
                .find(|m| m.name == metabolite.name)
            {
                Some(existing) => *existing = metabolite,
                None => self.metabolites.push(metabolite),
            }
        }
        for group in other.broad {
            self.metabolites.retain(|m| m.name != group.name);
            match self.broad.iter_mut().find(|b| b.name == group.name) {
                Some(existing) => *existing = group,
                None => self.broad.push(group),
            }
        }
        self.sets.extend(other.sets);
    }

    /// Adds or replaces a broad-line group, e.g. one built by
    /// [`BroadLineGroup::macromolecules`].
    pub fn insert_broad(&mut self, group: BroadLineGroup) {
        let mut other = Library::default();
        other.broad.push(group);
        self.merge(other);
    }

    /// The metabolites, in file order.
    pub fn metabolites(&self) -> &[Metabolite] {
        &self.metabolites
    }

    /// The broad-line groups, in file order.
    pub fn broad_line_groups(&self) -> &[BroadLineGroup] {
        &self.broad
    }

    /// The named sets.
    pub fn sets(&self) -> &BTreeMap<String, Vec<String>> {
        &self.sets
    }

    /// The metabolite with this name.
    pub fn metabolite(&self, name: &str) -> Option<&Metabolite> {
        self.metabolites.iter().find(|m| m.name == name)
    }

    /// The entry with this name, metabolite or broad-line group.
    pub fn entry(&self, name: &str) -> Option<LibraryEntry<'_>> {
        if let Some(m) = self.metabolite(name) {
            return Some(LibraryEntry::Metabolite(m));
        }
        self.broad
            .iter()
            .find(|b| b.name == name)
            .map(LibraryEntry::Broad)
    }

    /// Expands names and set names into entries, in order, without duplicates.
    ///
    /// # Errors
    /// [`SimError::UnknownName`] for a name that is neither an entry nor a set.
    pub fn resolve<S: AsRef<str>>(&self, names: &[S]) -> Result<Vec<LibraryEntry<'_>>> {
        let mut out: Vec<LibraryEntry<'_>> = Vec::new();
        for name in names {
            let name = name.as_ref();
            let members: Vec<&str> = match self.sets.get(name) {
                Some(set) => set.iter().map(String::as_str).collect(),
                None => vec![name],
            };
            for member in members {
                let entry = self.entry(member).ok_or_else(|| SimError::UnknownName {
                    name: member.to_string(),
                    known: self.known_names(),
                })?;
                if !out.iter().any(|e| e.name() == entry.name()) {
                    out.push(entry);
                }
            }
        }
        Ok(out)
    }

    fn known_names(&self) -> String {
        let mut names: Vec<&str> = self.metabolites.iter().map(|m| m.name.as_str()).collect();
        names.extend(self.broad.iter().map(|b| b.name.as_str()));
        names.extend(self.sets.keys().map(String::as_str));
        names.join(", ")
    }

    fn validate(&self, origin: &str) -> Result<()> {
        let mut seen = std::collections::BTreeSet::new();
        for metabolite in &self.metabolites {
            validate_metabolite(origin, metabolite)?;
            if !seen.insert(metabolite.name.as_str()) {
                return Err(duplicate(origin, &metabolite.name));
            }
        }
        for group in &self.broad {
            group.validate(origin)?;
            if !seen.insert(group.name.as_str()) {
                return Err(duplicate(origin, &group.name));
            }
        }
        // Set members may name entries of another file (a user set can mix built-in and own
        // entries), so they are checked when a set is resolved, not here.
        for (set, members) in &self.sets {
            if members.iter().any(|m| m.trim().is_empty()) {
                return Err(SimError::InvalidEntry {
                    origin: origin.to_string(),
                    entry: set.clone(),
                    field: "sets",
                    detail: "empty member name".to_string(),
                });
            }
        }
        Ok(())
    }
}

fn duplicate(origin: &str, name: &str) -> SimError {
    SimError::InvalidEntry {
        origin: origin.to_string(),
        entry: name.to_string(),
        field: "name",
        detail: "defined twice".to_string(),
    }
}

fn check_name(origin: &str, name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(SimError::InvalidEntry {
            origin: origin.to_string(),
            entry: name.to_string(),
            field: "name",
            detail: "empty name".to_string(),
        });
    }
    Ok(())
}

fn validate_metabolite(origin: &str, metabolite: &Metabolite) -> Result<()> {
    let invalid = |field: &'static str, detail: String| SimError::InvalidEntry {
        origin: origin.to_string(),
        entry: metabolite.name.clone(),
        field,
        detail,
    };
    check_name(origin, &metabolite.name)?;
    if metabolite.source.trim().is_empty() {
        return Err(invalid(
            "source",
            "every entry must cite its source".to_string(),
        ));
    }
    if metabolite.systems.is_empty() {
        return Err(invalid("system", "no spin systems".to_string()));
    }
    for (index, system) in metabolite.systems.iter().enumerate() {
        let n = system.shifts_ppm.len();
        if !(system.amplitude.is_finite() && system.amplitude >= 0.0) {
            return Err(invalid(
                "amplitude",
                format!(
                    "system {index}: {} must be finite and >= 0",
                    system.amplitude
                ),
            ));
        }
        if n == 0 {
            return Err(invalid("shifts_ppm", format!("system {index}: no protons")));
        }
        for &shift in &system.shifts_ppm {
            if !(shift.is_finite() && shift.abs() <= MAX_ABS_SHIFT_PPM) {
                return Err(invalid(
                    "shifts_ppm",
                    format!("system {index}: {shift} ppm out of range"),
                ));
            }
        }
        for &(i, j, value) in &system.couplings_hz {
            if i >= n || j >= n || i == j {
                return Err(invalid(
                    "couplings_hz",
                    format!("system {index}: pair ({i}, {j}) invalid for {n} protons"),
                ));
            }
            if !(value.is_finite() && value.abs() <= MAX_ABS_COUPLING_HZ) {
                return Err(invalid(
                    "couplings_hz",
                    format!("system {index}: J({i}, {j}) = {value} Hz out of range"),
                ));
            }
        }
        for passive in &system.passive {
            for &(i, value) in &passive.couplings_hz {
                if i >= n || !(value.is_finite() && value.abs() <= MAX_ABS_COUPLING_HZ) {
                    return Err(invalid(
                        "passive",
                        format!(
                            "system {index}: {} coupling ({i}, {value} Hz) invalid for {n} protons",
                            passive.isotope
                        ),
                    ));
                }
            }
        }
    }
    Ok(())
}
