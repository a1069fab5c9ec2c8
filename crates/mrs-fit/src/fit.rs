//! The fitter: starting values, Levenberg-Marquardt on the nonlinear parameters, Cramér-Rao
//! bounds and the report.

use crate::config::{parse_sum, AmplitudeRatioPrior, CheckedFitConfig, MAX_FREE_LINESHAPE_SIDES};
use crate::error::{FitError, Result};
use crate::model::{Layout, Model, NonlinearPriors, RatioRow, State};
use crate::prepare::{prepare_fid, prepare_ppm, PpmSpectrum, Prepared, ResampleCache};
use crate::quantify;
use crate::search::{grid_search, Grid};
use levenberg_marquardt::{LeastSquaresProblem, LevenbergMarquardt};
use mrs_core::{BasisSet, Complex64, Fid, MrsData, Spectrum};
use nalgebra_034::{DMatrix, DVector, Dyn, Owned};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Fitted values of one basis entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryResult {
    /// Basis entry or component name.
    pub name: String,
    /// Amplitude relative to the basis entry (non-negative).
    pub amplitude: f64,
    /// Cramér-Rao lower bound on the amplitude (one standard deviation).
    pub crlb: f64,
    /// CRLB as a percentage of the amplitude (LCModel's `%SD`); infinite for a zero
    /// amplitude.
    pub crlb_percent: f64,
    /// Amplitude divided by the summed reference amplitude, when the reference is present and
    /// positive.
    pub ratio_to_reference: Option<f64>,
    /// Concentration in mmol/L, when a water reference was given.
    pub concentration_mmol_per_l: Option<f64>,
    /// The entry's own shift on top of the global shift, in ppm.
    pub entry_shift_ppm: f64,
    /// The entry's own Lorentzian FWHM on top of the global one, in Hz.
    pub entry_lorentzian_hz: f64,
}

/// A reported sum of entries with its CRLB from the full covariance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CombinationResult {
    /// Reported name.
    pub name: String,
    /// Entries summed (those present in the fit).
    pub members: Vec<String>,
    /// Summed amplitude.
    pub amplitude: f64,
    /// CRLB of the sum, including the covariances of its members.
    pub crlb: f64,
    /// CRLB as a percentage of the sum.
    pub crlb_percent: f64,
    /// Sum divided by the reference amplitude.
    pub ratio_to_reference: Option<f64>,
    /// Concentration in mmol/L, when a water reference was given.
    pub concentration_mmol_per_l: Option<f64>,
}

/// Convergence and quality figures of a fit. Non-convergence is reported here, not raised.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitReport {
    /// The Levenberg-Marquardt termination reason, e.g. `Converged { ftol: true, xtol: false }`.
    pub termination: String,
    /// Whether the solver reports success (converged, orthogonal gradient or zero residual).
    pub converged: bool,
    /// Residual evaluations made by the solver.
    pub evaluations: usize,
    /// Root-mean-square of the data residual (model minus data), per real row.
    pub residual_rms: f64,
    /// Noise SD per real row used for the CRLBs: the residual SD corrected for the effective
    /// number of fitted parameters.
    pub noise_sd: f64,
    /// Noise SD from the signal-free ends of the spectrum, when available.
    pub spectral_noise_sd: Option<f64>,
    /// Signal-to-noise ratio as LCModel defines it: the maximum of the fitted metabolite
    /// spectrum (without baseline) in the window over twice the residual RMS.
    pub snr: f64,
    /// FWHM of the tallest peak of the fitted metabolite spectrum, in ppm.
    pub linewidth_fwhm_ppm: f64,
    /// The same FWHM in Hz.
    pub linewidth_fwhm_hz: f64,
    /// Data rows fitted (real and imaginary parts count separately).
    pub data_rows: usize,
    /// Nonlinear parameters fitted.
    pub nonlinear_parameters: usize,
    /// Linear parameters (amplitudes and baseline coefficients).
    pub linear_parameters: usize,
    /// Global shift of the best starting-grid point, in ppm.
    pub start_shift_ppm: f64,
    /// Zero-order phase of the best starting-grid point, in degrees.
    pub start_phase0_deg: f64,
}

/// Spectra of the fit on the window points (real parts), for plots and further analysis.
/// Complex data are phase-corrected with the fitted phase (absorption mode); data fitted on
/// their real part only are shown as fitted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitSpectra {
    /// Chemical shift of each point.
    pub ppm: Vec<f64>,
    /// Data.
    pub data: Vec<f64>,
    /// Full model (metabolites plus baseline).
    pub fit: Vec<f64>,
    /// Baseline.
    pub baseline: Vec<f64>,
    /// Data minus model.
    pub residual: Vec<f64>,
    /// Each entry's scaled contribution, in the order of [`FitResult::entries`].
    pub components: Vec<Vec<f64>>,
}

/// Everything a fit returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitResult {
    /// Per-entry results, in basis order followed by added components.
    pub entries: Vec<EntryResult>,
    /// Configured combinations with at least two members present.
    pub combinations: Vec<CombinationResult>,
    /// Entries whose amplitudes form the ratio denominator (those present).
    pub reference: Vec<String>,
    /// Summed reference amplitude.
    pub reference_amplitude: Option<f64>,
    /// Zero-order phase in degrees.
    pub phase0_deg: f64,
    /// First-order phase in degrees per ppm.
    pub phase1_deg_per_ppm: f64,
    /// Pivot of the first-order phase in ppm.
    pub phase1_pivot_ppm: f64,
    /// Global frequency shift in ppm (positive moves lines to higher ppm).
    pub shift_ppm: f64,
    /// Global frequency shift in Hz.
    pub shift_hz: f64,
    /// Global Lorentzian FWHM added to the basis, in Hz.
    pub lorentzian_hz: f64,
    /// Global Gaussian FWHM added to the basis, in Hz.
    pub gaussian_hz: f64,
    /// Convergence and quality figures.
    pub report: FitReport,
    /// Spectra of the fit.
    pub spectra: FitSpectra,
    /// Entries left out because they have no signal inside the window.
    pub dropped_entries: Vec<String>,
    /// Echo time of the data in seconds, when known.
    pub echo_time_s: Option<f64>,
    /// Water scaling details, when a water reference was applied.
    pub water: Option<quantify::WaterResult>,
    /// Fitted free-form lineshape kernel, when one was fitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineshape: Option<FittedLineshape>,
}

/// A fitted free-form lineshape kernel ([`crate::FreeLineshape`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedLineshape {
    /// Grid step in Hz (a whole number of the model's frequency bins).
    pub step_hz: f64,
    /// Kernel values at offsets `-n..n` steps; they sum to 1.
    pub values: Vec<f64>,
}

impl FitResult {
    /// Returns the entry with this name.
    pub fn entry(&self, name: &str) -> Option<&EntryResult> {
        self.entries.iter().find(|e| e.name == name)
    }

    /// Returns the combination with this name.
    pub fn combination(&self, name: &str) -> Option<&CombinationResult> {
        self.combinations.iter().find(|c| c.name == name)
    }

    /// Formats the concentration table as CSV: `name, amplitude, crlb_percent, ratio_to_reference,
    /// concentration_mmol_per_l`, one row per entry then per combination. Undefined values
    /// (no reference, no water reference, a CRLB percentage of a zero amplitude) are empty.
    pub fn to_csv(&self) -> String {
        let optional = |value: Option<f64>| {
            value
                .filter(|v| v.is_finite())
                .map_or(String::new(), |v| format!("{v:.6e}"))
        };
        let mut csv = String::from(
            "name,amplitude,crlb_percent,ratio_to_reference,concentration_mmol_per_l\n",
        );
        let rows = self
            .entries
            .iter()
            .map(|e| {
                (
                    &e.name,
                    e.amplitude,
                    e.crlb_percent,
                    e.ratio_to_reference,
                    e.concentration_mmol_per_l,
                )
            })
            .chain(self.combinations.iter().map(|c| {
                (
                    &c.name,
                    c.amplitude,
                    c.crlb_percent,
                    c.ratio_to_reference,
                    c.concentration_mmol_per_l,
                )
            }));
        for (name, amplitude, crlb_percent, ratio, concentration) in rows {
            csv.push_str(&format!(
                "{},{amplitude:.6e},{},{},{}\n",
                csv_field(name),
                optional(Some(crlb_percent)),
                optional(ratio),
                optional(concentration)
            ));
        }
        csv
    }
}

/// Quotes a CSV field that contains a comma, quote or line break.
fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// A basis set with checked settings, ready to fit any number of spectra.
#[derive(Debug)]
pub struct Fitter {
    basis: BasisSet,
    config: CheckedFitConfig,
    cache: ResampleCache,
}

impl Clone for Fitter {
    fn clone(&self) -> Self {
        Fitter {
            basis: self.basis.clone(),
            config: self.config.clone(),
            cache: ResampleCache::default(),
        }
    }
}

impl Fitter {
    /// Builds a fitter.
    ///
    /// # Errors
    /// [`FitError::EmptyBasis`] for an empty basis.
    pub fn new(basis: BasisSet, config: CheckedFitConfig) -> Result<Self> {
        if basis.is_empty() {
            return Err(FitError::EmptyBasis);
        }
        Ok(Fitter {
            basis,
            config,
            cache: ResampleCache::default(),
        })
    }

    /// Returns the settings.
    pub fn config(&self) -> &CheckedFitConfig {
        &self.config
    }

    /// Returns the basis set.
    pub fn basis(&self) -> &BasisSet {
        &self.basis
    }

    /// Fits a FID. The basis is resampled onto the FID's dwell time, length, spectrometer
    /// frequency and reference shift.
    ///
    /// # Errors
    /// Non-finite samples, a spectrometer frequency more than 1 % from the basis's, unknown
    /// names in the priors, or too few points in the window.
    pub fn fit_fid(&self, fid: &Fid) -> Result<FitResult> {
        let _span = tracing::debug_span!("fit", points = fid.n_points()).entered();
        let prepared = prepare_fid(fid, &self.basis, &self.config, &self.cache)?;
        let mut result = run(&prepared, &self.config)?;
        result.echo_time_s = fid.acquisition().echo_time_s;
        Ok(result)
    }

    /// Fits a centred spectrum (transformed back to its FID).
    ///
    /// # Errors
    /// As [`Fitter::fit_fid`].
    pub fn fit_spectrum(&self, spectrum: &Spectrum) -> Result<FitResult> {
        self.fit_fid(&spectrum.to_fid())
    }

    /// Fits data holding a single FID (all non-time dimensions of size 1).
    ///
    /// # Errors
    /// [`FitError::Core`] when the data hold more than one FID (average or pick one first,
    /// or use [`Fitter::fit_batch`]); otherwise as [`Fitter::fit_fid`].
    pub fn fit_mrs_data(&self, data: &MrsData) -> Result<FitResult> {
        self.fit_fid(&data.to_fid()?)
    }

    /// Fits a spectrum given on a ppm axis (frequency-domain data without a FID).
    ///
    /// # Errors
    /// Axis and value lengths that differ, non-finite values, points outside the basis
    /// bandwidth, or as [`Fitter::fit_fid`].
    pub fn fit_ppm_spectrum(&self, data: &PpmSpectrum) -> Result<FitResult> {
        let _span = tracing::debug_span!("fit_ppm", points = data.values.len()).entered();
        let prepared = prepare_ppm(data, &self.basis, &self.config)?;
        run(&prepared, &self.config)
    }

    /// Fits many FIDs in parallel on the rayon thread pool. `progress(done, total)` is called
    /// after each fit, from worker threads. Results keep the input order.
    pub fn fit_batch<F>(&self, fids: &[Fid], progress: F) -> Vec<Result<FitResult>>
    where
        F: Fn(usize, usize) + Sync,
    {
        let done = AtomicUsize::new(0);
        let total = fids.len();
        fids.par_iter()
            .map(|fid| {
                let result = self.fit_fid(fid);
                progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                result
            })
            .collect()
    }

    /// Converts the amplitudes of `result` into concentrations with an unsuppressed water
    /// reference acquired like the data (same gain and averages), using the water settings of
    /// the configuration.
    ///
    /// # Errors
    /// [`FitError::WaterScaling`] when the echo time is unknown, the water signal is not
    /// positive, or the basis's signal per proton cannot be measured.
    pub fn apply_water_reference(&self, result: &mut FitResult, water: &Fid) -> Result<()> {
        quantify::apply_water_reference(result, water, &self.basis, &self.config.water)
    }
}

/// Prior SD of the free-form lineshape kernel's centroid, in grid steps. The centroid and the
/// global shift move the lines alike, so this prior keeps the kernel centred and leaves the
/// shift to the shift parameter.
const KERNEL_CENTROID_SD_STEPS: f64 = 0.01;

/// Builds the model with its priors, runs the search and the solver, and assembles the
/// result.
fn run(prep: &Prepared, config: &CheckedFitConfig) -> Result<FitResult> {
    let n_entries = prep.names.len();
    // The kernel's grid step is a whole number of FFT bins, so that moving a spectrum by one
    // step is exact.
    let (kernel_step_bins, kernel_sides) = match &config.lineshape {
        Some(lineshape) => {
            let step_bins = (lineshape.step_hz / prep.bin_hz).round().max(1.0);
            let step_hz = step_bins * prep.bin_hz;
            let sides = (lineshape.half_width_hz / step_hz)
                .round()
                .clamp(1.0, MAX_FREE_LINESHAPE_SIDES as f64);
            (step_bins as usize, sides as usize)
        }
        None => (1, 0),
    };
    let layout = Layout {
        phase1: config.fit_phase1,
        entry_shift: config.per_entry_shift,
        entry_lorentzian: config.per_entry_lorentzian,
        n_entries,
        kernel_sides,
    };
    let hz_per_ppm = prep.hz_per_ppm;
    let index_of = |name: &str, field: &'static str| -> Result<usize> {
        prep.names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| FitError::UnknownName {
                name: name.to_string(),
                field,
                available: prep.names.join(", "),
            })
    };
    // Priors on entries left out for lack of signal in the window are dropped with them.
    let is_dropped = |name: &str| prep.dropped.iter().any(|d| d == name);
    for prior in &config.lineshape_priors {
        if !is_dropped(&prior.name) {
            index_of(&prior.name, "lineshape_priors")?;
        }
    }
    let mut ratio_priors = Vec::new();
    for prior in &config.ratio_priors {
        if let Some(resolved) = resolve_ratio_prior(prior, &prep.names, &prep.dropped)? {
            ratio_priors.push((prior, resolved));
        }
    }

    let n_linear = n_entries + prep.baseline.columns.len() * if prep.complex { 2 } else { 1 };
    let n_data = prep.n_data_rows();
    let n_parameters = layout.len() + n_linear;
    if n_data < n_parameters + 1 {
        return Err(FitError::WindowTooSmall {
            start_ppm: config.window_ppm[0],
            end_ppm: config.window_ppm[1],
            points: prep.ppm.len(),
            required: (n_parameters + 1).div_ceil(if prep.complex { 2 } else { 1 }),
            parameters: n_parameters,
        });
    }

    // Starting values: priors play no part in the grid search, so a placeholder model is
    // enough for it.
    let placeholder_priors = NonlinearPriors {
        phase1_weight: 0.0,
        entry_shift_mean_hz: vec![0.0; n_entries],
        entry_shift_weight: vec![0.0; n_entries],
        entry_lorentzian_mean_hz: vec![0.0; n_entries],
        entry_lorentzian_weight: vec![0.0; n_entries],
    };
    let shift_bound_hz = config.entry_shift_bound_ppm * hz_per_ppm;
    let lorentzian_bound_hz = config.entry_lorentzian_bound_hz;
    let search_model = Model::new(
        prep,
        layout,
        shift_bound_hz,
        lorentzian_bound_hz,
        placeholder_priors.clone(),
        Vec::new(),
    )
    .with_kernel(kernel_step_bins, 0.0, 0.0);
    let start = grid_search(
        &search_model,
        &Grid {
            shift_half_width_hz: config.shift_search_ppm * hz_per_ppm,
            shift_step_hz: config.shift_search_step_ppm * hz_per_ppm,
            phase_step_rad: config.phase_search_step_deg.to_radians(),
            gaussian_hz: config.gaussian_search_hz.clone(),
            lorentzian_hz: config.initial_lorentzian_hz,
        },
    );

    // Noise level for the prior rows: the spectrum's signal-free ends, else the residual of
    // the best grid point. A floor keeps it above zero, so noiseless data keep weak priors.
    let scale = prep.target.iter().fold(0.0f64, |m, c| m.max(c.norm()));
    let prior_sigma = prep
        .noise_sd
        .filter(|s| *s > 0.0)
        .unwrap_or(start.rms_residual)
        .max(1e-9 * scale)
        .max(f64::MIN_POSITIVE);
    let mut priors = placeholder_priors;
    priors.phase1_weight = prior_sigma / config.phase1_sd_deg_per_ppm.to_radians();
    for j in 0..n_entries {
        let custom = config
            .lineshape_priors
            .iter()
            .find(|p| p.name == prep.names[j]);
        let (shift_mean_ppm, shift_sd_ppm, lorentzian_mean_hz, lorentzian_sd_hz) = match custom {
            Some(p) => (
                p.shift_mean_ppm,
                p.shift_sd_ppm,
                p.lorentzian_mean_hz,
                p.lorentzian_sd_hz,
            ),
            None => (
                0.0,
                config.entry_shift_sd_ppm,
                0.0,
                config.entry_lorentzian_sd_hz,
            ),
        };
        priors.entry_shift_mean_hz[j] = shift_mean_ppm * hz_per_ppm;
        priors.entry_shift_weight[j] = prior_sigma / (shift_sd_ppm * hz_per_ppm);
        priors.entry_lorentzian_mean_hz[j] = lorentzian_mean_hz;
        priors.entry_lorentzian_weight[j] = prior_sigma / lorentzian_sd_hz;
    }
    let max_amplitude = start.amplitudes.iter().fold(0.0f64, |m, a| m.max(*a));
    let ratio_rows = ratio_priors
        .iter()
        .map(|(prior, resolved)| {
            // The row is linear in the amplitudes, so the SD of the ratio is turned into a
            // weight with the denominator's (and weight terms') amplitude at the starting point.
            let scale: f64 = resolved
                .denominator
                .iter()
                .chain(&resolved.weight_terms)
                .map(|&(k, factor)| factor * start.amplitudes[k])
                .sum();
            let scale = scale.max(1e-3 * max_amplitude).max(f64::MIN_POSITIVE);
            RatioRow::new(
                resolved.numerator,
                &resolved.denominator,
                prior.ratio,
                prior_sigma / (prior.sd * scale),
            )
        })
        .collect();
    let model = Model::new(
        prep,
        layout,
        shift_bound_hz,
        lorentzian_bound_hz,
        priors,
        ratio_rows,
    )
    .with_kernel(
        kernel_step_bins,
        config
            .lineshape
            .as_ref()
            .map_or(0.0, |lineshape| prior_sigma / lineshape.curvature_sd),
        prior_sigma / KERNEL_CENTROID_SD_STEPS,
    );

    let initial = model.encode(&start.nonlinear);
    let problem = Problem::new(&model, initial);
    let solver = LevenbergMarquardt::new()
        .with_patience(config.max_evaluations_per_parameter)
        .with_ftol(config.tolerance)
        .with_xtol(config.tolerance);
    let (problem, report) = solver.minimize(problem);
    let params: Vec<f64> = problem.params.iter().copied().collect();
    let state = model.evaluate(&params, Some(&problem.state.in_set));
    tracing::debug!(
        termination = ?report.termination,
        evaluations = report.number_of_evaluations,
        cost = report.objective_function,
        "solver finished"
    );
    assemble(&model, &state, config, &report, &start)
}

/// The solver's view of the model: nonlinear parameters in, projected residual out.
struct Problem<'a> {
    model: &'a Model<'a>,
    params: DVector<f64>,
    state: State,
}

impl<'a> Problem<'a> {
    fn new(model: &'a Model<'a>, params: Vec<f64>) -> Self {
        let state = model.evaluate(&params, None);
        Problem {
            model,
            params: DVector::from_vec(params),
            state,
        }
    }
}

impl LeastSquaresProblem<f64, Dyn, Dyn> for Problem<'_> {
    type ResidualStorage = Owned<f64, Dyn>;
    type JacobianStorage = Owned<f64, Dyn, Dyn>;
    type ParameterStorage = Owned<f64, Dyn>;

    fn set_params(&mut self, x: &DVector<f64>) {
        self.params.copy_from(x);
        let params: Vec<f64> = x.iter().copied().collect();
        self.state = self.model.evaluate(&params, Some(&self.state.in_set));
    }

    fn params(&self) -> DVector<f64> {
        self.params.clone()
    }

    fn residuals(&self) -> Option<DVector<f64>> {
        if self.state.residual.iter().all(|r| r.is_finite()) {
            Some(DVector::from_column_slice(&self.state.residual))
        } else {
            None
        }
    }

    fn jacobian(&self) -> Option<DMatrix<f64>> {
        let params: Vec<f64> = self.params.iter().copied().collect();
        let values = self.model.jacobian(&self.state, &params);
        let matrix = DMatrix::from_row_slice(self.model.n_rows(), self.model.layout.len(), &values);
        matrix.iter().all(|v| v.is_finite()).then_some(matrix)
    }
}

/// Iteration cap of the SVD behind the pseudo-inverse of the Fisher information.
const SVD_MAX_ITERATIONS: usize = 10_000;

/// Covariance of all parameters (nonlinear in physical units, amplitudes, baseline) from the
/// Fisher information `J^T J / sigma^2`, inverted after scaling to a unit diagonal so that
/// parameters of different units are treated alike. A singular matrix is inverted by SVD,
/// leaving out directions with singular values below 1e-12 of the largest (pseudo-inverse).
///
/// `sigma^2` is the data residual sum of squares over `rows - n_eff`, where
/// `n_eff = trace(F^-1 F_data)` is the effective number of parameters: the penalised baseline
/// and the priors use fewer degrees of freedom than their parameter count.
fn covariance(model: &Model<'_>, state: &State, rss: f64) -> (DMatrix<f64>, f64) {
    let (values, n_columns) = model.full_jacobian(state);
    let jacobian = DMatrix::from_row_slice(model.n_rows(), n_columns, &values);
    let information = jacobian.tr_mul(&jacobian);
    let n_data = model.n_data_rows();
    let data_rows = jacobian.rows(0, n_data);
    let data_information = data_rows.tr_mul(&data_rows);
    let scale: Vec<f64> = (0..n_columns)
        .map(|i| {
            let d = information[(i, i)];
            if d > 0.0 {
                1.0 / d.sqrt()
            } else {
                0.0
            }
        })
        .collect();
    let scaled = DMatrix::from_fn(n_columns, n_columns, |i, j| {
        information[(i, j)] * scale[i] * scale[j]
    });
    // Cholesky when the information is positive definite (the usual case: priors and the
    // baseline penalty regularise it), else the SVD pseudo-inverse.
    let inverse = match scaled.clone().cholesky() {
        Some(factor) => factor.inverse(),
        // The iteration cap keeps a matrix the SVD cannot diagonalise (non-finite entries)
        // from looping for ever; the covariance is then unknown (NaN).
        None => match scaled.try_svd(true, true, f64::EPSILON, SVD_MAX_ITERATIONS) {
            Some(svd) => {
                let max_singular = svd.singular_values.iter().fold(0.0f64, |m, v| m.max(*v));
                svd.pseudo_inverse(1e-12 * max_singular.max(f64::MIN_POSITIVE))
                    .unwrap_or_else(|_| DMatrix::zeros(n_columns, n_columns))
            }
            None => {
                tracing::warn!(n_columns, "SVD of the Fisher information did not converge");
                DMatrix::from_element(n_columns, n_columns, f64::NAN)
            }
        },
    };
    let unit_covariance = DMatrix::from_fn(n_columns, n_columns, |i, j| {
        inverse[(i, j)] * scale[i] * scale[j]
    });
    let n_effective = (&unit_covariance * &data_information).trace();
    let dof = (n_data as f64 - n_effective).max(1.0);
    let sigma_squared = rss / dof;
    (unit_covariance * sigma_squared, sigma_squared.sqrt())
}

fn assemble(
    model: &Model<'_>,
    state: &State,
    config: &CheckedFitConfig,
    report: &levenberg_marquardt::MinimizationReport<f64>,
    start: &crate::search::Start,
) -> Result<FitResult> {
    let prep = model.prep;
    let n_entries = model.n_entries();
    let n_data = model.n_data_rows();
    let hz_per_ppm = prep.hz_per_ppm;
    let data_residual = &state.residual[..n_data];
    let rss: f64 = data_residual.iter().map(|r| r * r).sum();
    let (cov, sigma) = covariance(model, state, rss);
    let offset = model.layout.len();

    let amplitudes = &state.linear[..n_entries];
    let reference: Vec<String> = config
        .reference
        .iter()
        .filter(|r| prep.names.contains(r))
        .cloned()
        .collect();
    let reference_amplitude = (!reference.is_empty()).then(|| {
        reference
            .iter()
            .filter_map(|r| prep.names.iter().position(|n| n == r))
            .map(|j| amplitudes[j])
            .sum::<f64>()
    });
    let ratio = |value: f64| reference_amplitude.filter(|r| *r > 0.0).map(|r| value / r);
    let percent = |sd: f64, value: f64| {
        if value > 0.0 {
            100.0 * sd / value
        } else {
            f64::INFINITY
        }
    };
    let entries: Vec<EntryResult> = (0..n_entries)
        .map(|j| {
            let crlb = cov[(offset + j, offset + j)].max(0.0).sqrt();
            EntryResult {
                name: prep.names[j].clone(),
                amplitude: amplitudes[j],
                crlb,
                crlb_percent: percent(crlb, amplitudes[j]),
                ratio_to_reference: ratio(amplitudes[j]),
                concentration_mmol_per_l: None,
                entry_shift_ppm: state.nonlinear.entry_shift_hz[j] / hz_per_ppm,
                entry_lorentzian_hz: state.nonlinear.entry_lorentzian_hz[j],
            }
        })
        .collect();
    let combinations = config
        .combinations
        .iter()
        .filter_map(|combination| {
            let indices: Vec<usize> = combination
                .members
                .iter()
                .filter_map(|m| prep.names.iter().position(|n| n == m))
                .collect();
            if indices.len() < 2 {
                return None;
            }
            let amplitude: f64 = indices.iter().map(|&j| amplitudes[j]).sum();
            let variance: f64 = indices
                .iter()
                .flat_map(|&a| indices.iter().map(move |&b| (a, b)))
                .map(|(a, b)| cov[(offset + a, offset + b)])
                .sum();
            let crlb = variance.max(0.0).sqrt();
            Some(CombinationResult {
                name: combination.name.clone(),
                members: indices.iter().map(|&j| prep.names[j].clone()).collect(),
                amplitude,
                crlb,
                crlb_percent: percent(crlb, amplitude),
                ratio_to_reference: ratio(amplitude),
                concentration_mmol_per_l: None,
            })
        })
        .collect();

    let spectra = fit_spectra(model, state);
    let (linewidth_fwhm_ppm, peak) =
        tallest_peak_fwhm(&spectra.ppm, &spectra.fit, &spectra.baseline);
    let residual_rms = (rss / n_data as f64).sqrt();
    let real_residual_rms = {
        let n = prep.ppm.len();
        (data_residual[..n].iter().map(|r| r * r).sum::<f64>() / n as f64).sqrt()
    };
    let snr = if real_residual_rms > 0.0 {
        peak / (2.0 * real_residual_rms)
    } else {
        f64::INFINITY
    };
    let nonlinear = &state.nonlinear;
    Ok(FitResult {
        entries,
        combinations,
        reference,
        reference_amplitude,
        phase0_deg: nonlinear.phase0_rad.to_degrees(),
        phase1_deg_per_ppm: nonlinear.phase1_rad_per_ppm.to_degrees(),
        phase1_pivot_ppm: prep.pivot_ppm,
        shift_ppm: nonlinear.shift_hz / hz_per_ppm,
        shift_hz: nonlinear.shift_hz,
        lorentzian_hz: nonlinear.lorentzian_hz,
        gaussian_hz: nonlinear.gaussian_hz.abs(),
        report: FitReport {
            termination: format!("{:?}", report.termination),
            converged: report.termination.was_successful(),
            evaluations: report.number_of_evaluations,
            residual_rms,
            noise_sd: sigma,
            spectral_noise_sd: prep.noise_sd,
            snr,
            linewidth_fwhm_ppm,
            linewidth_fwhm_hz: linewidth_fwhm_ppm * hz_per_ppm,
            data_rows: n_data,
            nonlinear_parameters: model.layout.len(),
            linear_parameters: model.n_linear(),
            start_shift_ppm: start.nonlinear.shift_hz / hz_per_ppm,
            start_phase0_deg: start.nonlinear.phase0_rad.to_degrees(),
        },
        spectra,
        dropped_entries: prep.dropped.clone(),
        echo_time_s: None,
        water: None,
        lineshape: (!nonlinear.kernel.is_empty()).then(|| FittedLineshape {
            step_hz: model.kernel_step_bins as f64 * prep.bin_hz,
            values: nonlinear.kernel.clone(),
        }),
    })
}

fn fit_spectra(model: &Model<'_>, state: &State) -> FitSpectra {
    let prep = model.prep;
    // Complex data are shown phase-corrected. When only real parts were fitted, the data's
    // imaginary part is unknown, so data and model are shown in the frame that was fitted.
    let unphase: Vec<Complex64> = if prep.complex {
        state.phase.iter().map(|p| p.conj()).collect()
    } else {
        vec![Complex64::new(1.0, 0.0); state.phase.len()]
    };
    let metabolites = model.metabolite_sum(state);
    let baseline = model.baseline_values(state);
    let real = |values: &[Complex64]| -> Vec<f64> {
        values
            .iter()
            .zip(&unphase)
            .map(|(v, u)| (v * u).re)
            .collect()
    };
    let fit: Vec<Complex64> = metabolites
        .iter()
        .zip(&baseline)
        .map(|(m, b)| m + b)
        .collect();
    let data = real(&prep.target);
    let fit_real = real(&fit);
    let residual = data.iter().zip(&fit_real).map(|(d, f)| d - f).collect();
    let components = state
        .columns
        .iter()
        .zip(&state.linear)
        .map(|(column, amplitude)| {
            let scaled: Vec<Complex64> = column.iter().map(|c| c * amplitude).collect();
            real(&scaled)
        })
        .collect();
    FitSpectra {
        ppm: prep.ppm.clone(),
        data,
        fit: fit_real,
        baseline: real(&baseline),
        residual,
        components,
    }
}

/// FWHM (ppm) and height of the tallest peak of `fit - baseline`.
fn tallest_peak_fwhm(ppm: &[f64], fit: &[f64], baseline: &[f64]) -> (f64, f64) {
    let mut order: Vec<usize> = (0..ppm.len()).collect();
    order.sort_by(|&a, &b| ppm[a].total_cmp(&ppm[b]));
    let x: Vec<f64> = order.iter().map(|&i| ppm[i]).collect();
    let y: Vec<f64> = order.iter().map(|&i| fit[i] - baseline[i]).collect();
    let Some((peak, &height)) = y.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)) else {
        return (f64::NAN, 0.0);
    };
    if height <= 0.0 {
        return (f64::NAN, height);
    }
    let half = 0.5 * height;
    let crossing = |range: &mut dyn Iterator<Item = usize>, step: isize| -> Option<f64> {
        for i in range {
            if y[i] <= half {
                let j = (i as isize - step) as usize;
                let fraction = (y[j] - half) / (y[j] - y[i]);
                return Some(x[j] + fraction * (x[i] - x[j]));
            }
        }
        None
    };
    let left = crossing(&mut (0..peak).rev(), -1);
    let right = crossing(&mut (peak + 1..y.len()), 1);
    match (left, right) {
        (Some(l), Some(r)) => (r - l, height),
        _ => (f64::NAN, height),
    }
}

/// Entry indices of a ratio prior: its numerator, and its denominator and weight terms with
/// their factors.
struct ResolvedRatioPrior {
    numerator: usize,
    denominator: Vec<(usize, f64)>,
    weight_terms: Vec<(usize, f64)>,
}

/// Finds the entries of `prior` among `names`. Entries left out for lack of signal in the
/// window (`dropped`) are left out of the prior, and so are missing entries when the prior
/// allows it. `None` means the prior has nothing left to act on.
fn resolve_ratio_prior(
    prior: &AmplitudeRatioPrior,
    names: &[String],
    dropped: &[String],
) -> Result<Option<ResolvedRatioPrior>> {
    let missing = |name: &str| FitError::UnknownName {
        name: name.to_string(),
        field: "ratio_priors",
        available: names.join(", "),
    };
    let skip = |reason: &str| {
        tracing::debug!(numerator = %prior.numerator, denominator = %prior.denominator, reason, "ratio prior skipped");
        Ok(None)
    };
    let numerator = match names.iter().position(|n| *n == prior.numerator) {
        Some(index) => index,
        None if dropped.contains(&prior.numerator) => return skip("numerator dropped"),
        None if prior.skip_if_missing => return skip("numerator missing"),
        None => return Err(missing(&prior.numerator)),
    };
    let resolve = |text: &str| -> Result<Vec<(usize, f64)>> {
        let terms = parse_sum(text).map_err(|reason| FitError::InvalidConfig {
            name: "ratio_priors",
            value: text.to_string(),
            reason,
        })?;
        let mut indices = Vec::new();
        for term in terms {
            let matched: Vec<usize> = (0..names.len())
                .filter(|&k| term.matches(&names[k]))
                .collect();
            let dropped_match = dropped.iter().any(|d| term.matches(d));
            if matched.is_empty() && !dropped_match && !prior.skip_if_missing {
                return Err(missing(&term.pattern));
            }
            indices.extend(matched.into_iter().map(|k| (k, term.factor)));
        }
        Ok(indices)
    };
    let denominator = resolve(&prior.denominator)?;
    if denominator.is_empty() {
        return skip("no denominator entry");
    }
    Ok(Some(ResolvedRatioPrior {
        numerator,
        denominator,
        weight_terms: resolve(&prior.weight_terms)?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FitConfig;
    use levenberg_marquardt::differentiate_numerically;
    use mrs_core::{Acquisition, BasisSet};
    use std::f64::consts::PI;

    /// Two overlapping multiplets and a singlet with a phase, shift and broadening.
    fn problem_data() -> (BasisSet, Fid) {
        let acquisition = Acquisition::new(0.0005, 123.2).expect("valid acquisition");
        let mut basis = BasisSet::new(acquisition.clone()).expect("valid basis");
        let lines: [&[(f64, f64)]; 3] = [
            &[(2.0, 3.0), (2.5, 1.0)],
            &[(3.0, 3.0), (3.9, 2.0)],
            &[(3.2, 9.0), (2.45, 1.0)],
        ];
        for (k, group) in lines.iter().enumerate() {
            let fid = (0..256)
                .map(|n| {
                    let t = n as f64 * 0.0005;
                    group
                        .iter()
                        .map(|&(ppm, area)| {
                            Complex64::from_polar(
                                area * (-PI * 2.0 * t).exp(),
                                2.0 * PI * acquisition.ppm_to_hz(ppm) * t,
                            )
                        })
                        .sum()
                })
                .collect();
            basis.push(format!("M{k}"), fid).expect("finite entry");
        }
        let samples: Vec<Complex64> = (0..256)
            .map(|n| {
                let t = n as f64 * 0.0005;
                let lineshape = Complex64::new(-PI * 3.0 * t - 20.0 * t * t, 2.0 * PI * 5.0 * t)
                    .exp()
                    * Complex64::from_polar(1.0, 0.4);
                let noise = Complex64::new((n as f64 * 1.7).sin(), (n as f64 * 2.3).cos()) * 0.02;
                let signal: Complex64 = basis
                    .entries()
                    .iter()
                    .zip([1.0, 0.7, 0.3])
                    .map(|(e, a)| e.fid[n] * a)
                    .sum();
                signal * lineshape + noise
            })
            .collect();
        (basis, Fid::new(samples, acquisition).expect("finite data"))
    }

    #[test]
    fn jacobian_matches_finite_differences() {
        check_jacobian(0, 1, Vec::new());
    }

    #[test]
    fn jacobian_matches_finite_differences_with_free_lineshape() {
        // An uneven kernel, so that no derivative vanishes by symmetry, on a two-bin grid.
        let kernel = vec![0.02, 0.05, 0.15, 0.6, 0.1, 0.05, 0.03];
        check_jacobian(3, 2, kernel);
    }

    /// Compares the analytic Jacobian with finite differences, with a lineshape kernel of
    /// `kernel_sides` points on each side (0: none) on a grid of `step_bins` FFT bins,
    /// starting at `kernel`.
    fn check_jacobian(kernel_sides: usize, step_bins: usize, kernel: Vec<f64>) {
        let (basis, fid) = problem_data();
        // A short FID, a narrow window and few spline knots keep the finite differences (one
        // model evaluation per residual row and parameter) quick.
        let mut config = FitConfig {
            window_ppm: [1.8, 4.1],
            baseline: crate::config::Baseline::Spline {
                knot_spacing_ppm: 0.5,
                smoothness: 1.0,
            },
            ..FitConfig::default()
        };
        config
            .ratio_priors
            .push(crate::config::AmplitudeRatioPrior::new(
                "M1", "M0", 0.7, 0.1,
            ));
        let config = config.check().expect("valid config");
        let prep =
            prepare_fid(&fid, &basis, &config, &ResampleCache::default()).expect("valid input");
        let layout = Layout {
            phase1: true,
            entry_shift: true,
            entry_lorentzian: true,
            n_entries: 3,
            kernel_sides,
        };
        let priors = NonlinearPriors {
            phase1_weight: 0.5,
            entry_shift_mean_hz: vec![0.5, -0.3, 0.0],
            entry_shift_weight: vec![0.2, 0.3, 0.4],
            entry_lorentzian_mean_hz: vec![0.0, 1.0, 0.0],
            entry_lorentzian_weight: vec![0.1, 0.2, 0.3],
        };
        let ratio_rows = vec![RatioRow::new(1, &[(0, 1.0), (2, 2.0)], 0.7, 3.0)];
        let model = Model::new(&prep, layout, 3.7, 6.0, priors, ratio_rows)
            .with_kernel(step_bins, 0.8, 0.3);
        let start = crate::model::Nonlinear {
            phase0_rad: 0.35,
            phase1_rad_per_ppm: 0.05,
            shift_hz: 4.0,
            lorentzian_hz: 2.5,
            gaussian_hz: 6.0,
            entry_shift_hz: vec![0.3, -0.5, 0.2],
            entry_lorentzian_hz: vec![0.5, -0.4, 1.0],
            kernel,
        };
        let mut problem = Problem::new(&model, model.encode(&start));
        assert!(
            problem.state.in_set[..3].iter().all(|f| *f),
            "all amplitudes positive"
        );
        let analytic = problem.jacobian().expect("finite Jacobian");
        let numeric = differentiate_numerically(&mut problem).expect("finite residuals");
        let scale = analytic.amax();
        for k in 0..analytic.ncols() {
            let column_scale = analytic.column(k).amax().max(1e-6 * scale);
            let error = (analytic.column(k) - numeric.column(k)).amax();
            assert!(
                error < 1e-5 * column_scale,
                "parameter {k}: error {error}, column scale {column_scale}"
            );
        }
    }
}
