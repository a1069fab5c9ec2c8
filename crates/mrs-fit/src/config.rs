//! Fit settings with documented defaults, checked once before any fit runs.
//!
//! [`FitConfig`] is plain data (serde-friendly, every field public); [`FitConfig::check`] turns
//! it into a [`CheckedFitConfig`], the only form the fitter accepts.

use crate::components::{BroadComponent, BroadLine};
use crate::error::{FitError, Result};
use mrs_core::BasisSet;
use serde::{Deserialize, Serialize};
use std::ops::Deref;

/// Smooth baseline added to the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Baseline {
    /// No baseline.
    None,
    /// Cubic B-spline with uniform knots, penalised on the second differences of its
    /// coefficients as LCModel regularises its baseline.
    Spline {
        /// Knot spacing in ppm. LCModel's minimum knot spacing `DKNTMN` defaults to 0.15 ppm.
        knot_spacing_ppm: f64,
        /// Weight of the second-difference penalty. A value of 1 weighs a coefficient
        /// curvature of one noise standard deviation like the misfit of one knot interval of
        /// data points at one noise standard deviation each; 0 switches the penalty off.
        smoothness: f64,
    },
    /// Polynomial in ppm of the given degree (no penalty).
    Polynomial {
        /// Highest power, 0 for a constant offset.
        degree: usize,
    },
}

impl Default for Baseline {
    fn default() -> Self {
        Baseline::Spline {
            knot_spacing_ppm: 0.15,
            smoothness: 1.0,
        }
    }
}

/// A soft constraint on the amplitudes: `numerator / denominator = ratio ± sd`, added to the
/// least-squares problem as one extra residual row (a Gaussian prior), as LCModel's `CHRATO`.
///
/// The denominator is one entry or a sum of terms such as `"Cr+PCr+3*GPC"`. A term is an entry
/// name, or a prefix ending in `*` that matches every entry starting with it (`"Lip13*"`), with
/// an optional factor (`3*GPC`). The row `a_num - ratio * a_den = 0 ± sd * s` is linear in the
/// amplitudes. Its scale `s` is the denominator's amplitude at the starting point, plus the
/// amplitudes of `weight_terms` (LCModel's `+WT=`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmplitudeRatioPrior {
    /// Basis entry in the numerator, e.g. `"Lip41"`.
    pub numerator: String,
    /// Denominator: an entry, e.g. `"Lip43"`, or a sum of terms.
    pub denominator: String,
    /// Expected ratio.
    pub ratio: f64,
    /// Standard deviation of the ratio.
    pub sd: f64,
    /// Further terms that only enlarge the scale `s`, written like the denominator. Default
    /// none.
    #[serde(default)]
    pub weight_terms: String,
    /// Skip the prior when its numerator or every denominator term is missing from the basis,
    /// and leave out missing terms, instead of raising an error. Default false.
    #[serde(default)]
    pub skip_if_missing: bool,
}

impl AmplitudeRatioPrior {
    /// Builds the prior `numerator / denominator = ratio ± sd` with no weight terms, which
    /// raises an error when an entry is missing.
    pub fn new(numerator: &str, denominator: &str, ratio: f64, sd: f64) -> Self {
        AmplitudeRatioPrior {
            numerator: numerator.to_string(),
            denominator: denominator.to_string(),
            ratio,
            sd,
            weight_terms: String::new(),
            skip_if_missing: false,
        }
    }
}

/// One term of a ratio prior's sum: an entry name or a prefix pattern ending in `*`, and its
/// factor.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SumTerm {
    pub pattern: String,
    pub factor: f64,
}

impl SumTerm {
    /// Tells whether `name` matches this term.
    pub fn matches(&self, name: &str) -> bool {
        match self.pattern.strip_suffix('*') {
            Some(prefix) => name.starts_with(prefix),
            None => name == self.pattern,
        }
    }
}

/// Parses a sum such as `"Cr+PCr+3*GPC"`; an empty string gives no terms.
pub(crate) fn parse_sum(text: &str) -> std::result::Result<Vec<SumTerm>, &'static str> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    text.split('+')
        .map(|term| {
            let term = term.trim();
            let (factor, pattern) = match term.split_once('*') {
                Some((head, rest)) if !rest.is_empty() => {
                    let factor = head
                        .trim()
                        .parse::<f64>()
                        .map_err(|_| "a factor must be a number, as in 3*GPC")?;
                    (factor, rest.trim())
                }
                _ => (1.0, term),
            };
            if pattern.is_empty() || pattern == "*" {
                return Err("every term must name an entry or a prefix such as Lip13*");
            }
            if !(factor.is_finite() && factor > 0.0) {
                return Err("factors must be positive");
            }
            Ok(SumTerm {
                pattern: pattern.to_string(),
                factor,
            })
        })
        .collect()
}

/// Prior on one basis entry's own frequency shift and Lorentzian broadening, replacing the
/// defaults for that entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineshapePrior {
    /// Basis entry name.
    pub name: String,
    /// Expected extra shift in ppm (added to the global shift).
    pub shift_mean_ppm: f64,
    /// Standard deviation of the extra shift in ppm.
    pub shift_sd_ppm: f64,
    /// Expected extra Lorentzian FWHM in Hz (added to the global Lorentzian width).
    pub lorentzian_mean_hz: f64,
    /// Standard deviation of the extra Lorentzian FWHM in Hz.
    pub lorentzian_sd_hz: f64,
}

/// Maximum number of points on each side of the centre of a [`FreeLineshape`] kernel.
pub const MAX_FREE_LINESHAPE_SIDES: usize = 64;

/// Free-form lineshape after LCModel's (Provencher, Magn Reson Med 1993;30:672). Every basis
/// entry is convolved with one common real kernel `S` on a frequency grid, on top of the
/// Voigt broadening. Lineshapes with shoulders (eddy currents, B0 inhomogeneity) are then
/// fitted by the kernel rather than taken up by broad multiplets.
///
/// The kernel has `2 n + 1` points `S_{-n}..S_n` at offsets `s * step` (Hz), with
/// `n = round(half_width_hz / step)` and `step` the multiple of the model's frequency bin
/// nearest `step_hz` (at least one bin). It sums to 1: the `2 n` off-centre values are fitted
/// and `S_0 = 1 - sum of the others`, so the amplitudes keep their meaning. It starts as a
/// delta (`S_0 = 1`), the Voigt model. Let `D = S - delta`, taken as 0 beyond both ends. Each
/// second difference `D_{s-1} - 2 D_s + D_{s+1}` has a Gaussian prior of SD `curvature_sd`.
/// Like the other priors, it is a residual row `sigma * difference / curvature_sd`, with
/// `sigma` the noise SD of the spectrum.
///
/// LCModel's kernel carries all the inhomogeneous broadening (it has no Gaussian term) and is
/// smoothed as a whole. Here the Voigt terms carry the main line, and the kernel adds a smooth
/// correction (shoulders, skirts) around the delta, so a spectrum the Voigt model fits costs
/// nothing. Smoothing the whole kernel would penalise the delta and force a
/// broad kernel onto narrow lines. The kernel's centroid `sum_s s S_s` is held at 0 by a
/// further row (SD 0.01 steps): a kernel off centre moves every line like the global shift,
/// which is fitted already. The kernel may go negative; the values and CRLBs include its correlations with
/// the other parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FreeLineshape {
    /// Half-width of the kernel in Hz. Default 6 Hz (0.05 ppm at 3 T): room for a shoulder
    /// a few Hz from the main line.
    pub half_width_hz: f64,
    /// Grid step of the kernel in Hz, rounded to a multiple of the model's frequency bin.
    /// Default 1 Hz, about the frequency resolution of a 1 s acquisition.
    pub step_hz: f64,
    /// Prior SD of each second difference of the kernel's departure from a delta (the kernel
    /// sums to 1). Smaller values keep the kernel closer to a delta and smoother. Default
    /// 0.005: on the Philips PRESS brain spectra of the test data the kernel then departs
    /// from the delta by at most about 0.1 per point, while 0.02 gave lobes of -0.25 beside
    /// the centre.
    pub curvature_sd: f64,
}

impl Default for FreeLineshape {
    fn default() -> Self {
        FreeLineshape {
            half_width_hz: 6.0,
            step_hz: 1.0,
            curvature_sd: 0.005,
        }
    }
}

/// A named sum of amplitudes reported alongside the single entries, e.g. `tCr = Cr + PCr`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Combination {
    /// Reported name.
    pub name: String,
    /// Basis entries summed; entries missing from the basis are left out, and the combination
    /// is reported when at least two members are present.
    pub members: Vec<String>,
}

impl Combination {
    /// Builds a combination from string slices.
    pub fn new(name: &str, members: &[&str]) -> Self {
        Combination {
            name: name.to_string(),
            members: members.iter().map(|m| m.to_string()).collect(),
        }
    }
}

/// One tissue compartment of the voxel for water scaling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tissue {
    /// Name, e.g. `"GM"`.
    pub name: String,
    /// Volume fraction of the voxel, 0 to 1.
    pub fraction: f64,
    /// Water content in g/mL.
    pub water_content_g_per_ml: f64,
    /// T2 of water in this tissue, in seconds.
    pub water_t2_s: f64,
}

/// Source of the signal that one proton of a basis entry at amplitude 1 gives, for water
/// scaling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum BasisScale {
    /// Measured on the first of these entries the basis holds: the area of its real spectrum
    /// over the window, less the median of the points outside it (which removes the offset a
    /// halved first point adds), divided by its protons. Lorentzian tails outside the window
    /// are lost: under 1 % for lines narrower than 4 Hz with the default windows at 3 T.
    Measured(Vec<ScaleReference>),
    /// Given: one proton of an entry at amplitude 1 gives this signal at `t = 0`, e.g. 1 for
    /// a basis simulated at 1 mM with unit signal per proton.
    Fixed {
        /// Signal per proton, in the units of the basis FIDs.
        signal_per_proton: f64,
    },
}

impl Default for BasisScale {
    /// Cr (5 protons over 2.5-4.5 ppm), else PCr (the same), else NAA (the CH3 singlet,
    /// 3 protons over 1.7-2.3 ppm).
    fn default() -> Self {
        BasisScale::Measured(vec![
            ScaleReference::new("Cr", 5.0, [2.5, 4.5]),
            ScaleReference::new("PCr", 5.0, [2.5, 4.5]),
            ScaleReference::new("NAA", 3.0, [1.7, 2.3]),
        ])
    }
}

/// A basis entry whose signal over a ppm window comes from a known number of protons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScaleReference {
    /// Basis entry name, e.g. `"Cr"`.
    pub name: String,
    /// Protons whose lines fall in the window.
    pub protons: f64,
    /// Window `[low, high]` in ppm.
    pub window_ppm: [f64; 2],
}

impl ScaleReference {
    /// Builds a reference entry `name` with `protons` protons in `window_ppm`.
    pub fn new(name: &str, protons: f64, window_ppm: [f64; 2]) -> Self {
        ScaleReference {
            name: name.to_string(),
            protons,
            window_ppm,
        }
    }
}

/// Settings that turn amplitudes into concentrations with an unsuppressed water reference.
///
/// The concentration of entry `j` with amplitude `a_j` is
/// `a_j * s * water_protons * W / (A_water * exp(-TE / metabolite_t2_s))`, where
/// - `W = sum over tissues of fraction * content * 1e6 / 18.015 * exp(-TE / water_t2_s)` is
///   the visible water concentration in mM,
/// - `A_water` is the water signal at `t = 0`,
/// - `s` is the signal one proton of a basis entry at amplitude 1 gives at `t = 0`
///   ([`BasisScale`]), measured on the basis by default, so that basis sets of any scale give
///   the same concentrations.
///
/// Every entry of the basis is assumed to be on one scale (LCModel's assumption too).
///
/// The defaults are the recipe of the ISMRM 2016 MRS fitting challenge: 60 % grey matter
/// (0.78 g/mL, water T2 110 ms), 40 % white matter (0.65 g/mL, 80 ms), metabolite T2 160 ms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WaterScaling {
    /// Tissue compartments; their fractions sum to at most 1.
    pub tissues: Vec<Tissue>,
    /// T2 of the metabolites in seconds.
    pub metabolite_t2_s: f64,
    /// Protons per water molecule.
    pub water_protons: f64,
    /// Source of the basis's signal per proton. Default: measured on Cr, PCr or NAA.
    pub basis_scale: BasisScale,
    /// Echo time in seconds; `None` takes it from the data's acquisition.
    pub echo_time_s: Option<f64>,
}

impl Default for WaterScaling {
    fn default() -> Self {
        WaterScaling {
            tissues: vec![
                Tissue {
                    name: "GM".to_string(),
                    fraction: 0.6,
                    water_content_g_per_ml: 0.78,
                    water_t2_s: 0.110,
                },
                Tissue {
                    name: "WM".to_string(),
                    fraction: 0.4,
                    water_content_g_per_ml: 0.65,
                    water_t2_s: 0.080,
                },
            ],
            metabolite_t2_s: 0.160,
            water_protons: 2.0,
            basis_scale: BasisScale::default(),
            echo_time_s: None,
        }
    }
}

/// Every setting of a fit. Start from [`FitConfig::default`] (brain) or [`FitConfig::liver`],
/// change fields, then call [`FitConfig::check`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FitConfig {
    /// Fitting window `[low, high]` in ppm. Default 0.2-4.2.
    pub window_ppm: [f64; 2],
    /// Baseline model. Default: cubic spline, 0.15 ppm knots, smoothness 1.
    pub baseline: Baseline,
    /// Fit the imaginary part of complex data as well as the real part. Default true. Data
    /// given as real values only are always fitted on their real part.
    pub fit_imaginary: bool,
    /// Fit a first-order phase. Default true.
    pub fit_phase1: bool,
    /// Pivot of the first-order phase in ppm; `None` uses the window centre.
    pub phase1_pivot_ppm: Option<f64>,
    /// Prior SD of the first-order phase in degrees per ppm. Default 20.
    pub phase1_sd_deg_per_ppm: f64,
    /// Half-width of the starting-value grid over the global shift, in ppm. Default 0.2.
    pub shift_search_ppm: f64,
    /// Step of that grid in ppm. Default 0.02.
    pub shift_search_step_ppm: f64,
    /// Step of the starting-value grid over the zero-order phase, in degrees. Default 30.
    pub phase_search_step_deg: f64,
    /// Gaussian FWHMs in Hz tried by the starting-value grid. Default 4, 10 and 25 Hz.
    pub gaussian_search_hz: Vec<f64>,
    /// Starting global Lorentzian FWHM in Hz. Default 1.
    pub initial_lorentzian_hz: f64,
    /// Give each basis entry its own shift. Default true.
    pub per_entry_shift: bool,
    /// Bound on each entry's own shift, in ppm. Default 0.03.
    pub entry_shift_bound_ppm: f64,
    /// Prior SD of each entry's own shift, in ppm. Default 0.01.
    pub entry_shift_sd_ppm: f64,
    /// Give each basis entry its own extra Lorentzian broadening. Default true.
    pub per_entry_lorentzian: bool,
    /// Bound on each entry's extra Lorentzian FWHM, in Hz (either sign). Default 6.
    pub entry_lorentzian_bound_hz: f64,
    /// Prior SD of each entry's extra Lorentzian FWHM, in Hz. Default 2.
    pub entry_lorentzian_sd_hz: f64,
    /// Per-entry overrides of the shift and Lorentzian priors.
    pub lineshape_priors: Vec<LineshapePrior>,
    /// Soft constraints on amplitude ratios.
    pub ratio_priors: Vec<AmplitudeRatioPrior>,
    /// Broad-line components (lipids, macromolecules) added when the basis lacks an entry of
    /// the same name.
    pub extra_components: Vec<BroadComponent>,
    /// Basis entries left out of the fit.
    pub exclude: Vec<String>,
    /// Entries whose summed amplitude is the denominator of the reported ratios. Default
    /// `Cr` and `PCr`; entries missing from the basis are left out.
    pub reference: Vec<String>,
    /// Sums reported with their own CRLB.
    pub combinations: Vec<Combination>,
    /// Water-scaling settings, used when a water reference is given.
    pub water: WaterScaling,
    /// Free-form lineshape convolved with every entry on top of the Voigt broadening.
    /// Default `None` (Voigt only).
    pub lineshape: Option<FreeLineshape>,
    /// Maximum number of residual evaluations of the Levenberg-Marquardt solver, per
    /// parameter plus one (the solver's `patience`). Default 100.
    pub max_evaluations_per_parameter: usize,
    /// Relative tolerance on the cost and on the parameters. Default 1e-7.
    pub tolerance: f64,
}

impl Default for FitConfig {
    fn default() -> Self {
        FitConfig {
            window_ppm: [0.2, 4.2],
            baseline: Baseline::default(),
            fit_imaginary: true,
            fit_phase1: true,
            phase1_pivot_ppm: None,
            phase1_sd_deg_per_ppm: 20.0,
            shift_search_ppm: 0.2,
            shift_search_step_ppm: 0.02,
            phase_search_step_deg: 30.0,
            gaussian_search_hz: vec![4.0, 10.0, 25.0],
            initial_lorentzian_hz: 1.0,
            per_entry_shift: true,
            entry_shift_bound_ppm: 0.03,
            entry_shift_sd_ppm: 0.01,
            per_entry_lorentzian: true,
            entry_lorentzian_bound_hz: 6.0,
            entry_lorentzian_sd_hz: 2.0,
            lineshape_priors: Vec::new(),
            ratio_priors: Vec::new(),
            extra_components: Vec::new(),
            exclude: Vec::new(),
            reference: vec!["Cr".to_string(), "PCr".to_string()],
            combinations: vec![
                Combination::new("tNAA", &["NAA", "NAAG"]),
                Combination::new("tCr", &["Cr", "PCr"]),
                Combination::new("tCho", &["GPC", "PCh", "PCho"]),
                Combination::new("Glx", &["Glu", "Gln"]),
            ],
            water: WaterScaling::default(),
            lineshape: None,
            max_evaluations_per_parameter: 100,
            tolerance: 1e-7,
        }
    }
}

/// Baseline knot spacing of [`FitConfig::liver`] in ppm. LCModel 6.3's `liver-8` and
/// `liver-11` models set the minimum knot spacing `DKNTMN(1)` to 1 ppm, so the baseline cannot
/// take up broad lipid shoulders such as Lip16 beside Lip13.
pub const LIVER_BASELINE_KNOT_SPACING_PPM: f64 = 1.0;

impl FitConfig {
    /// Adds LCModel's brain defaults for a fit with `basis`.
    ///
    /// - LCModel's lipid and macromolecule lines
    ///   ([`crate::components::brain_lipid_mm_components`]) with their shift priors
    ///   ([`crate::components::brain_lineshape_priors`]), when the basis has no entry named
    ///   `MM*`, `Lip*` or `Mac*` and no extra components are set.
    /// - LCModel's ratio priors ([`crate::components::brain_ratio_priors`]), when no ratio
    ///   priors are set. Like LCModel, the GSH prior is left out when `echo_time_s` is above
    ///   49 ms.
    pub fn with_brain_defaults(mut self, basis: &BasisSet, echo_time_s: Option<f64>) -> Self {
        let has_broad_lines = basis
            .names()
            .iter()
            .any(|n| ["MM", "Lip", "Mac"].iter().any(|p| n.starts_with(p)));
        if !has_broad_lines && self.extra_components.is_empty() {
            self.extra_components = crate::components::brain_lipid_mm_components();
            let added = crate::components::brain_lineshape_priors(self.entry_lorentzian_sd_hz);
            for prior in added {
                if !self.lineshape_priors.iter().any(|p| p.name == prior.name) {
                    self.lineshape_priors.push(prior);
                }
            }
        }
        if self.ratio_priors.is_empty() {
            self.ratio_priors = crate::components::brain_ratio_priors();
            if echo_time_s.is_some_and(|te| te > 0.049) {
                self.ratio_priors.retain(|p| p.numerator != "GSH");
            }
        }
        self
    }

    /// Settings for liver spectra: LCModel's liver lipid lines and glycogen as broad
    /// components ([`crate::components::liver_components`]), the `Lip41/Lip43 = 1 ± 0.02`
    /// prior of LCModel's liver models, `Lip13` as the reference, LCModel's liver sums, a
    /// stiff baseline ([`LIVER_BASELINE_KNOT_SPACING_PPM`]), and wider Gaussian starting widths
    /// for the broad lines of liver.
    pub fn liver() -> Self {
        FitConfig {
            extra_components: crate::components::liver_components(),
            ratio_priors: vec![AmplitudeRatioPrior::new("Lip41", "Lip43", 1.0, 0.02)],
            reference: vec!["Lip13".to_string()],
            combinations: vec![
                Combination::new("L09+L13+L16", &["Lip09", "Lip13", "Lip16"]),
                Combination::new("Lip13+Lip16", &["Lip13", "Lip16"]),
                Combination::new("L21+L23+L28", &["Lip21", "Lip23", "Lip28"]),
                Combination::new("L52+L53", &["Lip52", "Lip53"]),
            ],
            gaussian_search_hz: vec![10.0, 25.0, 40.0],
            baseline: Baseline::Spline {
                knot_spacing_ppm: LIVER_BASELINE_KNOT_SPACING_PPM,
                smoothness: 1.0,
            },
            ..FitConfig::default()
        }
    }

    /// Validates every field.
    ///
    /// # Errors
    /// [`FitError::InvalidConfig`] naming the first invalid field.
    pub fn check(self) -> Result<CheckedFitConfig> {
        let [low, high] = self.window_ppm;
        finite("window_ppm", low)?;
        finite("window_ppm", high)?;
        if low >= high {
            return Err(FitError::config(
                "window_ppm",
                format!("{low}-{high}"),
                "the low edge must be below the high edge",
            ));
        }
        match &self.baseline {
            Baseline::None => {}
            Baseline::Spline {
                knot_spacing_ppm,
                smoothness,
            } => {
                positive("baseline.knot_spacing_ppm", *knot_spacing_ppm)?;
                non_negative("baseline.smoothness", *smoothness)?;
            }
            Baseline::Polynomial { degree } => {
                if *degree > 10 {
                    return Err(FitError::config(
                        "baseline.degree",
                        degree,
                        "must be at most 10 (use a spline for flexible baselines)",
                    ));
                }
            }
        }
        if let Some(pivot) = self.phase1_pivot_ppm {
            finite("phase1_pivot_ppm", pivot)?;
        }
        positive("phase1_sd_deg_per_ppm", self.phase1_sd_deg_per_ppm)?;
        non_negative("shift_search_ppm", self.shift_search_ppm)?;
        positive("shift_search_step_ppm", self.shift_search_step_ppm)?;
        positive("phase_search_step_deg", self.phase_search_step_deg)?;
        if self.phase_search_step_deg > 360.0 {
            return Err(FitError::config(
                "phase_search_step_deg",
                self.phase_search_step_deg,
                "must be at most 360",
            ));
        }
        if self.gaussian_search_hz.is_empty() {
            return Err(FitError::config(
                "gaussian_search_hz",
                "[]",
                "needs at least one width",
            ));
        }
        for &width in &self.gaussian_search_hz {
            non_negative("gaussian_search_hz", width)?;
        }
        finite("initial_lorentzian_hz", self.initial_lorentzian_hz)?;
        positive("entry_shift_bound_ppm", self.entry_shift_bound_ppm)?;
        positive("entry_shift_sd_ppm", self.entry_shift_sd_ppm)?;
        positive("entry_lorentzian_bound_hz", self.entry_lorentzian_bound_hz)?;
        positive("entry_lorentzian_sd_hz", self.entry_lorentzian_sd_hz)?;
        for prior in &self.lineshape_priors {
            finite("lineshape_priors.shift_mean_ppm", prior.shift_mean_ppm)?;
            positive("lineshape_priors.shift_sd_ppm", prior.shift_sd_ppm)?;
            finite(
                "lineshape_priors.lorentzian_mean_hz",
                prior.lorentzian_mean_hz,
            )?;
            positive("lineshape_priors.lorentzian_sd_hz", prior.lorentzian_sd_hz)?;
            if prior.shift_mean_ppm.abs() >= self.entry_shift_bound_ppm {
                return Err(FitError::config(
                    "lineshape_priors.shift_mean_ppm",
                    prior.shift_mean_ppm,
                    "must lie inside entry_shift_bound_ppm",
                ));
            }
            if prior.lorentzian_mean_hz.abs() >= self.entry_lorentzian_bound_hz {
                return Err(FitError::config(
                    "lineshape_priors.lorentzian_mean_hz",
                    prior.lorentzian_mean_hz,
                    "must lie inside entry_lorentzian_bound_hz",
                ));
            }
        }
        for prior in &self.ratio_priors {
            positive("ratio_priors.ratio", prior.ratio)?;
            positive("ratio_priors.sd", prior.sd)?;
            if prior.numerator == prior.denominator {
                return Err(FitError::config(
                    "ratio_priors",
                    &prior.numerator,
                    "numerator and denominator must differ",
                ));
            }
            if prior.numerator.trim().is_empty() || prior.numerator.contains(['*', '+']) {
                return Err(FitError::config(
                    "ratio_priors.numerator",
                    &prior.numerator,
                    "must name one entry",
                ));
            }
            let denominator =
                parse_sum(&prior.denominator).map_err(|reason| FitError::InvalidConfig {
                    name: "ratio_priors.denominator",
                    value: prior.denominator.clone(),
                    reason,
                })?;
            if denominator.is_empty() {
                return Err(FitError::config(
                    "ratio_priors.denominator",
                    &prior.denominator,
                    "must name at least one entry",
                ));
            }
            parse_sum(&prior.weight_terms).map_err(|reason| FitError::InvalidConfig {
                name: "ratio_priors.weight_terms",
                value: prior.weight_terms.clone(),
                reason,
            })?;
        }
        for component in &self.extra_components {
            check_component(component)?;
        }
        self.water.check()?;
        if let Some(lineshape) = &self.lineshape {
            positive("lineshape.half_width_hz", lineshape.half_width_hz)?;
            positive("lineshape.step_hz", lineshape.step_hz)?;
            positive("lineshape.curvature_sd", lineshape.curvature_sd)?;
            let sides = lineshape.half_width_hz / lineshape.step_hz;
            if sides > MAX_FREE_LINESHAPE_SIDES as f64 {
                return Err(FitError::config(
                    "lineshape.half_width_hz",
                    lineshape.half_width_hz,
                    "must be at most 64 grid steps (lineshape.step_hz)",
                ));
            }
        }
        if self.max_evaluations_per_parameter == 0 {
            return Err(FitError::config(
                "max_evaluations_per_parameter",
                0,
                "must be at least 1",
            ));
        }
        positive("tolerance", self.tolerance)?;
        if self.tolerance >= 1.0 {
            return Err(FitError::config(
                "tolerance",
                self.tolerance,
                "must be below 1",
            ));
        }
        Ok(CheckedFitConfig(self))
    }
}

impl WaterScaling {
    fn check(&self) -> Result<()> {
        let mut total = 0.0;
        for tissue in &self.tissues {
            non_negative("water.tissues.fraction", tissue.fraction)?;
            positive(
                "water.tissues.water_content_g_per_ml",
                tissue.water_content_g_per_ml,
            )?;
            if tissue.water_content_g_per_ml > 1.1 {
                return Err(FitError::config(
                    "water.tissues.water_content_g_per_ml",
                    tissue.water_content_g_per_ml,
                    "must be at most 1.1 g/mL",
                ));
            }
            positive("water.tissues.water_t2_s", tissue.water_t2_s)?;
            total += tissue.fraction;
        }
        if !(total > 0.0 && total <= 1.0 + 1e-9) {
            return Err(FitError::config(
                "water.tissues.fraction",
                total,
                "the fractions must sum to more than 0 and at most 1",
            ));
        }
        positive("water.metabolite_t2_s", self.metabolite_t2_s)?;
        positive("water.water_protons", self.water_protons)?;
        match &self.basis_scale {
            BasisScale::Fixed { signal_per_proton } => {
                positive("water.basis_scale.signal_per_proton", *signal_per_proton)?;
            }
            BasisScale::Measured(references) => {
                if references.is_empty() {
                    return Err(FitError::config(
                        "water.basis_scale.measured",
                        0,
                        "needs at least one reference entry",
                    ));
                }
                for reference in references {
                    positive("water.basis_scale.protons", reference.protons)?;
                    let [low, high] = reference.window_ppm;
                    if !(low.is_finite() && high.is_finite() && low < high) {
                        return Err(FitError::config(
                            "water.basis_scale.window_ppm",
                            format!("{low},{high}"),
                            "must be finite with low < high",
                        ));
                    }
                }
            }
        }
        if let Some(te) = self.echo_time_s {
            non_negative("water.echo_time_s", te)?;
        }
        Ok(())
    }
}

fn check_component(component: &BroadComponent) -> Result<()> {
    if component.name.trim().is_empty() {
        return Err(FitError::config(
            "extra_components.name",
            "''",
            "must not be empty",
        ));
    }
    if component.lines.is_empty() {
        return Err(FitError::config(
            "extra_components.lines",
            &component.name,
            "needs at least one line",
        ));
    }
    for BroadLine {
        ppm,
        fwhm_ppm,
        relative_area,
    } in &component.lines
    {
        finite("extra_components.lines.ppm", *ppm)?;
        positive("extra_components.lines.fwhm_ppm", *fwhm_ppm)?;
        positive("extra_components.lines.relative_area", *relative_area)?;
    }
    Ok(())
}

/// A [`FitConfig`] whose every field has been validated.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedFitConfig(FitConfig);

impl CheckedFitConfig {
    /// The validated settings.
    pub fn config(&self) -> &FitConfig {
        &self.0
    }
}

impl Deref for CheckedFitConfig {
    type Target = FitConfig;

    fn deref(&self) -> &FitConfig {
        &self.0
    }
}

fn finite(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(FitError::config(name, value, "must be finite"))
    }
}

fn positive(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(FitError::config(name, value, "must be finite and positive"))
    }
}

fn non_negative(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(FitError::config(
            name,
            value,
            "must be finite and non-negative",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_parse_into_terms() {
        let terms = parse_sum("Cr + PCr+3*GPC+Lip13*").expect("valid sum");
        let patterns: Vec<&str> = terms.iter().map(|t| t.pattern.as_str()).collect();
        assert_eq!(patterns, ["Cr", "PCr", "GPC", "Lip13*"]);
        assert_eq!(terms[2].factor.to_bits(), 3.0f64.to_bits());
        assert!(terms[3].matches("Lip13a"));
        assert!(!terms[3].matches("Lip1"));
        assert!(parse_sum("").expect("empty sum").is_empty());
        assert!(parse_sum("x*GPC").is_err());
        assert!(parse_sum("Cr++PCr").is_err());
        assert!(parse_sum("0*Cr").is_err());
    }

    #[test]
    fn default_config_is_valid() {
        assert!(FitConfig::default().check().is_ok());
        assert!(FitConfig::liver().check().is_ok());
    }

    #[test]
    fn free_lineshape_settings_are_checked() {
        let with = |lineshape: FreeLineshape| FitConfig {
            lineshape: Some(lineshape),
            ..FitConfig::default()
        };
        assert!(with(FreeLineshape::default()).check().is_ok());

        let name_of = |config: FitConfig| match config.check() {
            Err(FitError::InvalidConfig { name, .. }) => name,
            other => panic!("expected an invalid setting, got {other:?}"),
        };
        let zero_sd = FreeLineshape {
            curvature_sd: 0.0,
            ..FreeLineshape::default()
        };
        assert_eq!(name_of(with(zero_sd)), "lineshape.curvature_sd");

        let nan_step = FreeLineshape {
            step_hz: f64::NAN,
            ..FreeLineshape::default()
        };
        assert_eq!(name_of(with(nan_step)), "lineshape.step_hz");

        let too_wide = FreeLineshape {
            half_width_hz: 65.0,
            step_hz: 1.0,
            ..FreeLineshape::default()
        };
        assert_eq!(name_of(with(too_wide)), "lineshape.half_width_hz");

        let unknown = r#"{"lineshape": {"half_width_hz": 5.0, "width": 1.0}}"#;
        assert!(serde_json::from_str::<FitConfig>(unknown).is_err());

        let partial = r#"{"lineshape": {"half_width_hz": 5.0}}"#;
        let config: FitConfig = serde_json::from_str(partial).expect("valid settings");
        let lineshape = config.lineshape.expect("lineshape set");
        assert_eq!(
            lineshape.step_hz.to_bits(),
            FreeLineshape::default().step_hz.to_bits()
        );
    }

    #[test]
    fn reversed_window_is_rejected() {
        let config = FitConfig {
            window_ppm: [4.2, 0.2],
            ..FitConfig::default()
        };
        assert!(matches!(
            config.check(),
            Err(FitError::InvalidConfig {
                name: "window_ppm",
                ..
            })
        ));
    }

    #[test]
    fn negative_knot_spacing_is_rejected() {
        let config = FitConfig {
            baseline: Baseline::Spline {
                knot_spacing_ppm: -0.1,
                smoothness: 1.0,
            },
            ..FitConfig::default()
        };
        assert!(matches!(
            config.check(),
            Err(FitError::InvalidConfig {
                name: "baseline.knot_spacing_ppm",
                ..
            })
        ));
    }

    #[test]
    fn tissue_fractions_above_one_are_rejected() {
        let mut config = FitConfig::default();
        config.water.tissues[0].fraction = 0.9;
        assert!(matches!(
            config.check(),
            Err(FitError::InvalidConfig {
                name: "water.tissues.fraction",
                ..
            })
        ));
    }

    #[test]
    fn zero_ratio_sd_is_rejected() {
        let mut config = FitConfig::liver();
        config.ratio_priors[0].sd = 0.0;
        assert!(matches!(
            config.check(),
            Err(FitError::InvalidConfig {
                name: "ratio_priors.sd",
                ..
            })
        ));
    }

    #[test]
    fn nan_phase_step_is_rejected() {
        let config = FitConfig {
            phase_search_step_deg: f64::NAN,
            ..FitConfig::default()
        };
        assert!(matches!(
            config.check(),
            Err(FitError::InvalidConfig {
                name: "phase_search_step_deg",
                ..
            })
        ));
    }
}
