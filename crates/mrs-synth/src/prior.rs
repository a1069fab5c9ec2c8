//! Per-group prior distributions of target contents and spectral parameters, stored as TOML.
//!
//! A prior file looks like this (see `priors/liver_example.toml` for a full one):
//!
//! ```toml
//! description = "illustrative values"
//! targets = ["Cr", "Lip13"]
//! signal_window_ppm = [0.2, 4.2]
//!
//! [[groups]]
//! name = "HBV-LC"
//! weight = 1.0
//! contents.Cr = { dist = "truncated_normal", mean = 1.0, sd = 0.3 }
//! contents.Lip13 = { dist = "log_normal", mu = 2.0, sigma = 0.5 }
//! correlations = [{ targets = ["Cr", "Lip13"], r = 0.3 }]
//!
//! [groups.spectral]
//! lorentzian_fwhm_hz = { dist = "uniform", min = 4.0, max = 12.0 }
//! # ... every field of SpectralPrior
//! ```

use crate::error::{Result, SynthError};
use crate::stats::{
    normal_cdf, standard_mass, truncated_normal_moments, truncated_standard_quantile,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Smallest probability mass a truncated normal may keep between its bounds; below it the
/// quantile transform loses its precision.
const MIN_TRUNCATED_MASS: f64 = 1e-9;

/// A univariate distribution, written in TOML as an inline table tagged by `dist`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "dist", rename_all = "snake_case", deny_unknown_fields)]
pub enum Distribution {
    /// `N(mean, sd^2)` restricted to `[min, max]` (renormalised, not clipped); a missing bound
    /// is infinite, except for contents, whose missing `min` is 0.
    TruncatedNormal {
        /// Mean of the untruncated normal.
        mean: f64,
        /// Standard deviation of the untruncated normal, positive.
        sd: f64,
        /// Lower bound.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        /// Upper bound.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
    /// Uniform on `[min, max]`.
    Uniform {
        /// Lower bound.
        min: f64,
        /// Upper bound, above `min`.
        max: f64,
    },
    /// `exp(N(mu, sigma^2))`: `mu` and `sigma` are the mean and SD of the logarithm.
    LogNormal {
        /// Mean of the logarithm.
        mu: f64,
        /// SD of the logarithm, positive.
        sigma: f64,
    },
    /// Always `value`.
    Fixed {
        /// The value.
        value: f64,
    },
}

impl Distribution {
    /// Returns the value with cumulative probability `u` in (0, 1).
    pub fn quantile(&self, u: f64) -> f64 {
        match *self {
            Distribution::TruncatedNormal { mean, sd, min, max } => {
                let alpha = (min.unwrap_or(f64::NEG_INFINITY) - mean) / sd;
                let beta = (max.unwrap_or(f64::INFINITY) - mean) / sd;
                mean + sd * truncated_standard_quantile(alpha, beta, u)
            }
            Distribution::Uniform { min, max } => min + u * (max - min),
            Distribution::LogNormal { mu, sigma } => {
                (mu + sigma * crate::stats::normal_quantile(u)).exp()
            }
            Distribution::Fixed { value } => value,
        }
    }

    /// Smallest and largest values the distribution can take.
    pub fn support(&self) -> (f64, f64) {
        match *self {
            Distribution::TruncatedNormal { min, max, .. } => (
                min.unwrap_or(f64::NEG_INFINITY),
                max.unwrap_or(f64::INFINITY),
            ),
            Distribution::Uniform { min, max } => (min, max),
            Distribution::LogNormal { .. } => (0.0, f64::INFINITY),
            Distribution::Fixed { value } => (value, value),
        }
    }

    /// Mean and standard deviation of the distribution (of the truncated one where truncated).
    pub fn moments(&self) -> (f64, f64) {
        match *self {
            Distribution::TruncatedNormal { mean, sd, .. } => {
                let (min, max) = self.support();
                truncated_normal_moments(mean, sd, min, max)
            }
            Distribution::Uniform { min, max } => ((min + max) / 2.0, (max - min) / 12f64.sqrt()),
            Distribution::LogNormal { mu, sigma } => {
                let s2 = sigma * sigma;
                let mean = (mu + s2 / 2.0).exp();
                (mean, mean * (s2.exp() - 1.0).sqrt())
            }
            Distribution::Fixed { value } => (value, 0.0),
        }
    }

    /// Checks the parameters; `field` and `group` label the error.
    fn validate(&self, group: &str, field: &str) -> Result<()> {
        let finite = |name: &str, value: f64| {
            if value.is_finite() {
                Ok(())
            } else {
                Err(SynthError::prior(
                    group,
                    format!("{field}.{name}"),
                    value,
                    "must be finite",
                ))
            }
        };
        match *self {
            Distribution::TruncatedNormal { mean, sd, min, max } => {
                finite("mean", mean)?;
                finite("sd", sd)?;
                if sd <= 0.0 {
                    return Err(SynthError::prior(
                        group,
                        format!("{field}.sd"),
                        sd,
                        "must be positive (use dist = \"fixed\" for a constant)",
                    ));
                }
                for (name, bound) in [("min", min), ("max", max)] {
                    if let Some(b) = bound {
                        finite(name, b)?;
                    }
                }
                let (lo, hi) = self.support();
                if lo >= hi {
                    return Err(SynthError::prior(
                        group,
                        format!("{field}.max"),
                        hi,
                        format!("must exceed min = {lo}"),
                    ));
                }
                let mass = standard_mass((lo - mean) / sd, (hi - mean) / sd);
                if mass < MIN_TRUNCATED_MASS {
                    return Err(SynthError::prior(
                        group,
                        field,
                        format!("[{lo}, {hi}]"),
                        format!("bounds keep a probability of {mass:.1e} of N({mean}, {sd}^2)"),
                    ));
                }
            }
            Distribution::Uniform { min, max } => {
                finite("min", min)?;
                finite("max", max)?;
                if min >= max {
                    return Err(SynthError::prior(
                        group,
                        format!("{field}.max"),
                        max,
                        format!("must exceed min = {min}"),
                    ));
                }
            }
            Distribution::LogNormal { mu, sigma } => {
                finite("mu", mu)?;
                finite("sigma", sigma)?;
                if sigma <= 0.0 {
                    return Err(SynthError::prior(
                        group,
                        format!("{field}.sigma"),
                        sigma,
                        "must be positive",
                    ));
                }
            }
            Distribution::Fixed { value } => finite("value", value)?,
        }
        Ok(())
    }

    /// Checks that every value lies at or above `lower` (strictly above when `strict`).
    fn check_lower_bound(&self, group: &str, field: &str, lower: f64, strict: bool) -> Result<()> {
        let (lo, _) = self.support();
        let lognormal = matches!(self, Distribution::LogNormal { .. });
        let ok = if strict {
            lo > lower || (lognormal && lower <= 0.0)
        } else {
            lo >= lower
        };
        if ok {
            Ok(())
        } else {
            let relation = if strict { "above" } else { "at or above" };
            Err(SynthError::prior(
                group,
                field,
                format!("minimum {lo}"),
                format!("values must lie {relation} {lower}; set a min bound"),
            ))
        }
    }
}

/// Distributions of the spectral (nuisance) parameters of one group.
///
/// Amplitudes are relative, so a prior does not depend on the basis scaling: the baseline
/// amplitude is relative to the reference peak height (see [`crate::synth`]), the water
/// amplitude to the summed area of all target signals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpectralPrior {
    /// Lorentzian FWHM added to every line, Hz (at or above 0).
    pub lorentzian_fwhm_hz: Distribution,
    /// Gaussian FWHM added to every line, Hz (at or above 0).
    pub gaussian_fwhm_hz: Distribution,
    /// Frequency shift of every line, ppm.
    pub frequency_shift_ppm: Distribution,
    /// Zero-order phase, degrees.
    pub phase0_deg: Distribution,
    /// First-order phase, degrees per ppm from `phase1_pivot_ppm`.
    pub phase1_deg_per_ppm: Distribution,
    /// Signal-to-noise ratio as defined in [`crate::synth`] (above 0).
    pub snr: Distribution,
    /// SD of each baseline component's amplitude relative to the reference peak height (at or
    /// above 0).
    pub baseline_amplitude: Distribution,
    /// FWHM of the Gaussian baseline components, ppm (above 0): larger is smoother.
    pub baseline_width_ppm: Distribution,
    /// Residual water area relative to the summed area of all target signals (at or above 0).
    pub water_amplitude: Distribution,
    /// Chemical shift of the residual water line, ppm.
    pub water_shift_ppm: Distribution,
    /// Phase of the residual water line relative to the metabolites, degrees.
    pub water_phase_deg: Distribution,
}

/// Names of the [`SpectralPrior`] fields, in the order the sampler draws them.
pub const SPECTRAL_FIELDS: [&str; 11] = [
    "lorentzian_fwhm_hz",
    "gaussian_fwhm_hz",
    "frequency_shift_ppm",
    "phase0_deg",
    "phase1_deg_per_ppm",
    "snr",
    "baseline_amplitude",
    "baseline_width_ppm",
    "water_amplitude",
    "water_shift_ppm",
    "water_phase_deg",
];

impl SpectralPrior {
    /// Returns the distributions in [`SPECTRAL_FIELDS`] order.
    pub fn fields(&self) -> [&Distribution; 11] {
        [
            &self.lorentzian_fwhm_hz,
            &self.gaussian_fwhm_hz,
            &self.frequency_shift_ppm,
            &self.phase0_deg,
            &self.phase1_deg_per_ppm,
            &self.snr,
            &self.baseline_amplitude,
            &self.baseline_width_ppm,
            &self.water_amplitude,
            &self.water_shift_ppm,
            &self.water_phase_deg,
        ]
    }

    /// Mutable distributions in [`SPECTRAL_FIELDS`] order.
    pub fn fields_mut(&mut self) -> [&mut Distribution; 11] {
        [
            &mut self.lorentzian_fwhm_hz,
            &mut self.gaussian_fwhm_hz,
            &mut self.frequency_shift_ppm,
            &mut self.phase0_deg,
            &mut self.phase1_deg_per_ppm,
            &mut self.snr,
            &mut self.baseline_amplitude,
            &mut self.baseline_width_ppm,
            &mut self.water_amplitude,
            &mut self.water_shift_ppm,
            &mut self.water_phase_deg,
        ]
    }

    fn validate(&self, group: &str) -> Result<()> {
        for (name, dist) in SPECTRAL_FIELDS.iter().zip(self.fields()) {
            let field = format!("spectral.{name}");
            dist.validate(group, &field)?;
            match *name {
                "snr" | "baseline_width_ppm" => dist.check_lower_bound(group, &field, 0.0, true)?,
                "lorentzian_fwhm_hz" | "gaussian_fwhm_hz" | "baseline_amplitude"
                | "water_amplitude" => dist.check_lower_bound(group, &field, 0.0, false)?,
                _ => {}
            }
        }
        Ok(())
    }
}

/// A linear correlation between the normal scores of two targets' contents.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correlation {
    /// The two target names.
    pub targets: [String; 2],
    /// Correlation coefficient in (-1, 1).
    pub r: f64,
}

/// The prior of one patient group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupPrior {
    /// Group name, e.g. `"HBV-LC"`; its label is its position in [`Prior::groups`].
    pub name: String,
    /// Relative share of the spectra drawn from this group (default 1).
    #[serde(default = "default_weight")]
    pub weight: f64,
    /// Distribution of each target's content, by target name; contents are the factors that
    /// multiply the basis entries, in basis units.
    pub contents: BTreeMap<String, Distribution>,
    /// Correlations between contents, applied as a Gaussian copula on their normal scores.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub correlations: Vec<Correlation>,
    /// Spectral parameter distributions.
    pub spectral: SpectralPrior,
}

fn default_weight() -> f64 {
    1.0
}

fn default_signal_window() -> [f64; 2] {
    [0.2, 4.2]
}

fn default_pivot() -> f64 {
    4.65
}

fn default_baseline_components() -> usize {
    4
}

/// Priors of every group over a common list of targets.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prior {
    /// Free text: where the values come from.
    #[serde(default)]
    pub description: String,
    /// Target names in output order; each must name a basis entry.
    pub targets: Vec<String>,
    /// Window (ppm, low then high) holding the target signals: the SNR reference peak is
    /// searched and the baseline components are centred there. Default `[0.2, 4.2]`.
    #[serde(default = "default_signal_window")]
    pub signal_window_ppm: [f64; 2],
    /// Pivot of the first-order phase, ppm. Default 4.65.
    #[serde(default = "default_pivot")]
    pub phase1_pivot_ppm: f64,
    /// Number of Gaussian baseline components per spectrum. Default 4.
    #[serde(default = "default_baseline_components")]
    pub baseline_components: usize,
    /// The groups; a spectrum's group label is the index here.
    pub groups: Vec<GroupPrior>,
}

/// Most targets a prior may list.
pub const MAX_TARGETS: usize = 256;

/// Most baseline components per spectrum.
pub const MAX_BASELINE_COMPONENTS: usize = 64;

impl Prior {
    /// Parses and validates a prior from TOML text; `path` labels errors.
    ///
    /// # Errors
    /// [`SynthError::PriorParse`] for invalid TOML, unknown or missing fields;
    /// [`SynthError::InvalidPrior`] naming the group and field of an invalid value.
    pub fn from_toml_str(text: &str, path: &Path) -> Result<Prior> {
        let mut prior: Prior = toml::from_str(text).map_err(|e| SynthError::PriorParse {
            path: path.to_path_buf(),
            source: Box::new(e),
        })?;
        prior.validate()?;
        Ok(prior)
    }

    /// Reads and validates a prior file.
    ///
    /// # Errors
    /// [`SynthError::Io`] when the file cannot be read; see [`Prior::from_toml_str`].
    pub fn read(path: &Path) -> Result<Prior> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| mrs_io::IoError::new(path, mrs_io::ErrorKind::Os(e)))?;
        Prior::from_toml_str(&text, path)
    }

    /// Renders the prior as TOML.
    ///
    /// # Errors
    /// [`SynthError::InvalidParameter`] when a value cannot be written as TOML (never for a
    /// validated prior).
    pub fn to_toml_string(&self) -> Result<String> {
        toml::to_string(self).map_err(|e| SynthError::parameter("prior", "(toml)", e.to_string()))
    }

    /// Writes the prior as TOML through an atomic rename.
    ///
    /// # Errors
    /// See [`Prior::to_toml_string`]; [`SynthError::Io`] when the file cannot be written.
    pub fn write(&self, path: &Path) -> Result<()> {
        let text = self.to_toml_string()?;
        mrs_io::atomic::write_bytes_atomic(path, text.as_bytes())?;
        Ok(())
    }

    /// Checks every value and sets the missing lower bound of content truncated normals to 0.
    ///
    /// # Errors
    /// [`SynthError::InvalidPrior`] naming the group and field.
    pub fn validate(&mut self) -> Result<()> {
        if self.targets.is_empty() || self.targets.len() > MAX_TARGETS {
            return Err(SynthError::prior(
                "",
                "targets",
                self.targets.len(),
                format!("must list 1 to {MAX_TARGETS} targets"),
            ));
        }
        for (i, target) in self.targets.iter().enumerate() {
            if self.targets[..i].contains(target) {
                return Err(SynthError::prior("", "targets", target, "appears twice"));
            }
        }
        let [low, high] = self.signal_window_ppm;
        if !(low.is_finite() && high.is_finite() && low < high) {
            return Err(SynthError::prior(
                "",
                "signal_window_ppm",
                format!("[{low}, {high}]"),
                "must be finite, low then high",
            ));
        }
        if !self.phase1_pivot_ppm.is_finite() {
            return Err(SynthError::prior(
                "",
                "phase1_pivot_ppm",
                self.phase1_pivot_ppm,
                "must be finite",
            ));
        }
        if self.baseline_components > MAX_BASELINE_COMPONENTS {
            return Err(SynthError::prior(
                "",
                "baseline_components",
                self.baseline_components,
                format!("must be at most {MAX_BASELINE_COMPONENTS}"),
            ));
        }
        if self.groups.is_empty() {
            return Err(SynthError::prior(
                "",
                "groups",
                0,
                "at least one group is needed",
            ));
        }
        for i in 0..self.groups.len() {
            let name = self.groups[i].name.clone();
            if name.trim().is_empty() || self.groups[..i].iter().any(|g| g.name == name) {
                return Err(SynthError::prior(
                    &name,
                    "name",
                    &name,
                    "must be non-empty and unique",
                ));
            }
            self.groups[i].validate(&self.targets)?;
        }
        Ok(())
    }

    /// Index of the group named `name`.
    pub fn group_index(&self, name: &str) -> Option<usize> {
        self.groups.iter().position(|g| g.name == name)
    }
}

impl GroupPrior {
    fn validate(&mut self, targets: &[String]) -> Result<()> {
        let group = self.name.clone();
        if !(self.weight.is_finite() && self.weight > 0.0) {
            return Err(SynthError::prior(
                &group,
                "weight",
                self.weight,
                "must be positive",
            ));
        }
        if let Some(extra) = self.contents.keys().find(|k| !targets.contains(k)) {
            return Err(SynthError::prior(
                &group,
                format!("contents.{extra}"),
                extra,
                "is not in the prior's targets list",
            ));
        }
        for target in targets {
            let field = format!("contents.{target}");
            let Some(dist) = self.contents.get_mut(target) else {
                return Err(SynthError::prior(
                    &group,
                    field,
                    "(missing)",
                    "every target needs a distribution",
                ));
            };
            if let Distribution::TruncatedNormal { min, .. } = dist {
                if min.is_none() {
                    *min = Some(0.0);
                }
            }
            dist.validate(&group, &field)?;
            dist.check_lower_bound(&group, &field, 0.0, false)?;
        }
        for (i, c) in self.correlations.iter().enumerate() {
            let field = format!("correlations[{i}]");
            for name in &c.targets {
                if !targets.contains(name) {
                    return Err(SynthError::prior(
                        &group,
                        format!("{field}.targets"),
                        name,
                        "is not a target",
                    ));
                }
            }
            if c.targets[0] == c.targets[1] {
                return Err(SynthError::prior(
                    &group,
                    format!("{field}.targets"),
                    &c.targets[0],
                    "a target cannot correlate with itself",
                ));
            }
            if !(c.r.is_finite() && c.r.abs() < 1.0) {
                return Err(SynthError::prior(
                    &group,
                    format!("{field}.r"),
                    c.r,
                    "must lie in (-1, 1)",
                ));
            }
        }
        self.spectral.validate(&group)?;
        cholesky_of_correlations(self, targets).map(|_| ())
    }
}

/// Lower Cholesky factor (row-major, `n x n`) of the group's correlation matrix, or `None`
/// when the group lists no correlations.
pub(crate) fn cholesky_of_correlations(
    group: &GroupPrior,
    targets: &[String],
) -> Result<Option<Vec<f64>>> {
    if group.correlations.is_empty() {
        return Ok(None);
    }
    let n = targets.len();
    let position = |name: &str| targets.iter().position(|t| t == name).unwrap_or(0);
    let mut matrix = vec![0.0; n * n];
    for i in 0..n {
        matrix[i * n + i] = 1.0;
    }
    for c in &group.correlations {
        let (a, b) = (position(&c.targets[0]), position(&c.targets[1]));
        matrix[a * n + b] = c.r;
        matrix[b * n + a] = c.r;
    }
    let mut lower = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let mut sum = matrix[i * n + j];
            for k in 0..j {
                sum -= lower[i * n + k] * lower[j * n + k];
            }
            if i == j {
                if sum <= 1e-12 {
                    return Err(SynthError::prior(
                        &group.name,
                        "correlations",
                        format!("pivot {sum:.3e} at '{}'", targets[i]),
                        "the correlation matrix is not positive definite",
                    ));
                }
                lower[i * n + i] = sum.sqrt();
            } else {
                lower[i * n + j] = sum / lower[j * n + j];
            }
        }
    }
    Ok(Some(lower))
}

/// Maps a normal score to the content distribution (the Gaussian copula step).
pub(crate) fn quantile_of_score(dist: &Distribution, score: f64) -> f64 {
    let u = normal_cdf(score).clamp(1e-300, 1.0 - f64::EPSILON / 2.0);
    dist.quantile(u)
}
