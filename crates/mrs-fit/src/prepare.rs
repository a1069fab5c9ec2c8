//! Turns data, basis set and configuration into the arrays the solver works on: basis FIDs on
//! the model's time grid, the data inside the window, the baseline design and a noise level.

use crate::baseline::BaselineBasis;
use crate::config::CheckedFitConfig;
use crate::error::{FitError, Result};
use mrs_core::{Acquisition, BasisSet, Complex64, Fid};
use rustfft::{Fft, FftPlanner};
use serde::{Deserialize, Serialize};
use std::f64::consts::PI;
use std::sync::{Arc, Mutex};

/// Largest relative difference between the spectrometer frequencies of data and basis. Up to
/// this the basis is rescaled in time so that its lines fall at the right ppm; J couplings are
/// then off by the same fraction, which is why larger differences are rejected.
pub const MAX_FREQUENCY_MISMATCH: f64 = 0.01;

/// Fraction of an entry's spectral energy that must fall inside the window for it to be
/// fitted; entries below it (e.g. a 5.3 ppm lipid line with a 0.2-4.2 ppm window) are left out.
const MIN_WINDOW_ENERGY_FRACTION: f64 = 1e-4;

/// A spectrum given on a ppm axis, for data that exist only in the frequency domain (e.g.
/// the phased data of an LCModel `.COORD` file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PpmSpectrum {
    /// Chemical shift of each point in ppm, in any order.
    pub ppm_axis: Vec<f64>,
    /// Spectral values; with `has_imaginary` false only the real parts are used.
    pub values: Vec<Complex64>,
    /// Whether the imaginary parts are data (otherwise they are ignored).
    pub has_imaginary: bool,
    /// Spectrometer frequency in MHz.
    pub spectrometer_frequency_mhz: f64,
}

impl PpmSpectrum {
    /// Builds a spectrum from real values only (e.g. the phased data of an LCModel `.COORD`).
    pub fn from_real(ppm_axis: Vec<f64>, real: &[f64], spectrometer_frequency_mhz: f64) -> Self {
        PpmSpectrum {
            ppm_axis,
            values: real.iter().map(|&v| Complex64::new(v, 0.0)).collect(),
            has_imaginary: false,
            spectrometer_frequency_mhz,
        }
    }
}

/// The solver's view of one fit problem.
pub(crate) struct Prepared {
    /// Names of the fitted entries, in column order.
    pub names: Vec<String>,
    /// Entry FIDs on the model time grid (length `n_time`).
    pub fids: Vec<Vec<Complex64>>,
    /// Model time grid step in seconds.
    pub dwell_time_s: f64,
    /// FFT length (the FIDs are zero-filled to it).
    pub n_fft: usize,
    pub fft: Arc<dyn Fft<f64>>,
    /// For each window point: position in the centred model spectrum (lower index, weight
    /// of the upper neighbour).
    pub sample: Vec<(usize, f64)>,
    /// Chemical shift of each window point.
    pub ppm: Vec<f64>,
    /// Data at the window points.
    pub target: Vec<Complex64>,
    /// Whether imaginary parts are fitted.
    pub complex: bool,
    pub baseline: BaselineBasis,
    pub pivot_ppm: f64,
    /// Hz per ppm of the model grid.
    pub hz_per_ppm: f64,
    /// Model spectrum bin width in Hz.
    pub bin_hz: f64,
    /// Noise SD of one real or imaginary spectral value, when a signal-free region exists.
    pub noise_sd: Option<f64>,
    /// Entries of the basis and components left out because they have no signal in the
    /// window.
    pub dropped: Vec<String>,
}

impl Prepared {
    /// Rows of data in the stacked real residual.
    pub fn n_data_rows(&self) -> usize {
        if self.complex {
            2 * self.ppm.len()
        } else {
            self.ppm.len()
        }
    }

    /// Data stacked as real rows: real parts, then imaginary parts when fitted.
    pub fn stacked_target(&self) -> Vec<f64> {
        stack(&self.target, self.complex)
    }

    /// Transforms a model-grid signal and samples it at the window points.
    pub fn window_spectrum(
        &self,
        signal: &[Complex64],
        buffer: &mut Vec<Complex64>,
    ) -> Vec<Complex64> {
        buffer.clear();
        buffer.extend_from_slice(signal);
        buffer.resize(self.n_fft, Complex64::new(0.0, 0.0));
        self.fft.process(buffer);
        self.sample_raw(buffer, 0)
    }

    /// Samples an uncentred FFT output at the window points moved `shift_bins` bins up.
    pub fn sample_raw(&self, raw: &[Complex64], shift_bins: isize) -> Vec<Complex64> {
        let n = self.n_fft as isize;
        let half = (self.n_fft / 2) as isize;
        let at = |centred: isize| -> Complex64 {
            let centred = centred - shift_bins;
            if centred < 0 || centred >= n {
                return Complex64::new(0.0, 0.0);
            }
            raw[((centred - half).rem_euclid(n)) as usize]
        };
        self.sample
            .iter()
            .map(|&(lower, weight)| {
                let lower = lower as isize;
                if weight == 0.0 {
                    at(lower)
                } else {
                    at(lower) * (1.0 - weight) + at(lower + 1) * weight
                }
            })
            .collect()
    }
}

/// Stacks complex values as real rows: real parts, then imaginary parts when `complex`.
pub(crate) fn stack(values: &[Complex64], complex: bool) -> Vec<f64> {
    let mut rows: Vec<f64> = values.iter().map(|c| c.re).collect();
    if complex {
        rows.extend(values.iter().map(|c| c.im));
    }
    rows
}

/// Entries of the basis (minus exclusions) plus the configured components the basis lacks,
/// as FIDs on the basis acquisition.
fn collect_entries(
    basis: &BasisSet,
    config: &CheckedFitConfig,
) -> Result<Vec<(String, Vec<Complex64>)>> {
    if basis.is_empty() {
        return Err(FitError::EmptyBasis);
    }
    let mut entries: Vec<(String, Vec<Complex64>)> = basis
        .entries()
        .iter()
        .filter(|e| !config.exclude.contains(&e.name))
        .map(|e| (e.name.clone(), e.fid.clone()))
        .collect();
    let mut component_scale = None;
    for component in &config.extra_components {
        if config.exclude.contains(&component.name) || basis.get(&component.name).is_some() {
            continue;
        }
        let scale = *component_scale.get_or_insert_with(|| {
            crate::quantify::basis_scale(basis, &config.water.basis_scale)
                .map(|(per_proton, _)| per_proton)
                .unwrap_or_else(|error| {
                    tracing::debug!(%error, "broad lines are built at unit signal per proton");
                    1.0
                })
        });
        let mut fid = component.fid(&basis.acquisition, basis.n_points());
        fid.iter_mut().for_each(|v| *v *= scale);
        entries.push((component.name.clone(), fid));
    }
    if entries.is_empty() {
        return Err(FitError::EmptyBasis);
    }
    Ok(entries)
}

fn check_frequency(data_mhz: f64, basis_mhz: f64) -> Result<()> {
    let difference = (data_mhz - basis_mhz).abs();
    if difference.is_nan() || difference > MAX_FREQUENCY_MISMATCH * basis_mhz {
        return Err(FitError::BasisMismatch {
            name: "spectrometer_frequency_mhz",
            data: data_mhz,
            basis: basis_mhz,
            reason: "they differ by more than 1 %",
        });
    }
    Ok(())
}

fn check_finite(what: &'static str, values: &[Complex64]) -> Result<()> {
    if let Some(index) = values
        .iter()
        .position(|c| !c.re.is_finite() || !c.im.is_finite())
    {
        return Err(FitError::NonFinite {
            what,
            index,
            value: values[index].to_string(),
        });
    }
    Ok(())
}

/// Resamples a basis FID onto the data's time grid, spectrometer frequency and reference
/// shift: `b_new(t) = b(t f_d / f_b) exp(i 2 pi (ref_b - ref_d) f_d t)`, so a line at `p` ppm
/// in the basis lands at `p` ppm in the data. Times past the end of the basis FID are zero.
pub(crate) fn resample_fid(
    fid: &[Complex64],
    basis: &Acquisition,
    data: &Acquisition,
    n_points: usize,
) -> Vec<Complex64> {
    let time_scale = data.spectrometer_frequency_mhz / basis.spectrometer_frequency_mhz;
    let reference_hz =
        (basis.reference_shift_ppm - data.reference_shift_ppm) * data.spectrometer_frequency_mhz;
    let step = data.dwell_time_s * time_scale / basis.dwell_time_s;
    let integer_step = step.round();
    let n_basis = fid.len();
    let mut out = vec![Complex64::new(0.0, 0.0); n_points];
    if (step - integer_step).abs() < 1e-9 && integer_step >= 1.0 {
        let stride = integer_step as usize;
        for (n, value) in out.iter_mut().enumerate() {
            if let Some(sample) = fid.get(n * stride) {
                *value = *sample;
            }
        }
    } else {
        // Trigonometric interpolation from the basis spectrum.
        let spectrum = {
            let mut buffer = fid.to_vec();
            FftPlanner::new()
                .plan_fft_forward(n_basis)
                .process(&mut buffer);
            buffer
        };
        let duration = n_basis as f64 * basis.dwell_time_s;
        for (n, value) in out.iter_mut().enumerate() {
            let tau = n as f64 * data.dwell_time_s * time_scale;
            if tau >= duration {
                break;
            }
            let mut sum = Complex64::new(0.0, 0.0);
            let base = Complex64::from_polar(1.0, 2.0 * PI * tau / duration);
            let mut phasor = Complex64::new(1.0, 0.0);
            for (k, coefficient) in spectrum.iter().enumerate() {
                let frequency_index = if k < n_basis.div_ceil(2) {
                    k as f64
                } else {
                    k as f64 - n_basis as f64
                };
                if k == n_basis.div_ceil(2) {
                    phasor =
                        Complex64::from_polar(1.0, 2.0 * PI * tau * frequency_index / duration);
                }
                sum += coefficient * phasor;
                phasor *= base;
            }
            *value = sum / n_basis as f64;
        }
    }
    if reference_hz != 0.0 {
        for (n, value) in out.iter_mut().enumerate() {
            *value *=
                Complex64::from_polar(1.0, 2.0 * PI * reference_hz * n as f64 * data.dwell_time_s);
        }
    }
    out
}

/// Named FIDs of the entries to fit.
type Entries = Vec<(String, Vec<Complex64>)>;

/// Basis entries resampled for the last data acquisition seen, so that a batch of spectra
/// acquired alike resamples the basis once (resampling to another spectrometer frequency
/// costs `O(points^2)` per entry).
#[derive(Debug, Default)]
pub(crate) struct ResampleCache {
    last: Mutex<Option<CachedEntries>>,
}

#[derive(Debug)]
struct CachedEntries {
    acquisition: Acquisition,
    n_points: usize,
    entries: Arc<Entries>,
}

impl ResampleCache {
    fn entries(
        &self,
        basis: &BasisSet,
        config: &CheckedFitConfig,
        data: &Acquisition,
        n_points: usize,
    ) -> Result<Arc<Entries>> {
        let same = |cached: &CachedEntries| {
            cached.n_points == n_points && cached.acquisition.check_compatible(data).is_ok()
        };
        if let Ok(guard) = self.last.lock() {
            if let Some(cached) = guard.as_ref().filter(|c| same(c)) {
                return Ok(Arc::clone(&cached.entries));
            }
        }
        let entries: Vec<(String, Vec<Complex64>)> = collect_entries(basis, config)?
            .into_iter()
            .map(|(name, samples)| {
                let resampled = resample_fid(&samples, &basis.acquisition, data, n_points);
                (name, resampled)
            })
            .collect();
        let entries = Arc::new(entries);
        if let Ok(mut guard) = self.last.lock() {
            *guard = Some(CachedEntries {
                acquisition: data.clone(),
                n_points,
                entries: Arc::clone(&entries),
            });
        }
        Ok(entries)
    }
}

/// Noise SD of one real or imaginary spectral value from the signal-free ends of the
/// spectrum (below -1 ppm and above 10 ppm): the median absolute first difference, which
/// ignores a smooth baseline, scaled to a Gaussian SD. `None` with fewer than 32 points.
fn estimate_noise(values: &[Complex64], ppm: &[f64]) -> Option<f64> {
    let mut differences = Vec::new();
    let mut previous: Option<Complex64> = None;
    for (value, &shift) in values.iter().zip(ppm) {
        if !(-1.0..=10.0).contains(&shift) {
            if let Some(p) = previous {
                differences.push((value.re - p.re).abs());
                differences.push((value.im - p.im).abs());
            }
            previous = Some(*value);
        } else {
            previous = None;
        }
    }
    if differences.len() < 64 {
        return None;
    }
    differences.sort_by(f64::total_cmp);
    let median = differences[differences.len() / 2];
    // Differences of two independent values have SD sqrt(2) sigma; MAD of a Gaussian is
    // 0.6745 SD.
    Some(median / 0.6745 / std::f64::consts::SQRT_2)
}

/// Prepares a time-domain fit of `fid` with `basis`.
pub(crate) fn prepare_fid(
    fid: &Fid,
    basis: &BasisSet,
    config: &CheckedFitConfig,
    cache: &ResampleCache,
) -> Result<Prepared> {
    let data = fid.acquisition();
    check_finite("data", fid.samples())?;
    check_frequency(
        data.spectrometer_frequency_mhz,
        basis.acquisition.spectrometer_frequency_mhz,
    )?;
    let n = fid.n_points();
    let fids = cache.entries(basis, config, data, n)?;
    let spectrum = fid.to_spectrum();
    let ppm_axis = spectrum.ppm_axis();
    let [low, high] = config.window_ppm;
    let window: Vec<usize> = (0..n)
        .filter(|&k| ppm_axis[k] >= low && ppm_axis[k] <= high)
        .collect();
    let noise_sd = estimate_noise(spectrum.values(), &ppm_axis);
    let sample = window.iter().map(|&k| (k, 0.0)).collect();
    let ppm: Vec<f64> = window.iter().map(|&k| ppm_axis[k]).collect();
    let target = window.iter().map(|&k| spectrum.values()[k]).collect();
    finish(
        fids.as_ref().clone(),
        data.dwell_time_s,
        n,
        sample,
        ppm,
        target,
        config.fit_imaginary,
        data.spectrometer_frequency_mhz,
        noise_sd,
        config,
    )
}

/// Prepares a fit of a spectrum given on a ppm axis: the model is computed on the basis
/// grid, zero-filled to at least twice the basis length and finer than the data, and
/// interpolated linearly onto the data's ppm points.
pub(crate) fn prepare_ppm(
    data: &PpmSpectrum,
    basis: &BasisSet,
    config: &CheckedFitConfig,
) -> Result<Prepared> {
    if data.ppm_axis.len() != data.values.len() {
        return Err(FitError::Shape {
            detail: format!(
                "{} ppm values but {} spectral values",
                data.ppm_axis.len(),
                data.values.len()
            ),
        });
    }
    if let Some(index) = data.ppm_axis.iter().position(|p| !p.is_finite()) {
        return Err(FitError::NonFinite {
            what: "ppm axis",
            index,
            value: data.ppm_axis[index].to_string(),
        });
    }
    check_finite("data", &data.values)?;
    if !(data.spectrometer_frequency_mhz.is_finite() && data.spectrometer_frequency_mhz > 0.0) {
        return Err(FitError::config(
            "spectrometer_frequency_mhz",
            data.spectrometer_frequency_mhz,
            "must be finite and positive",
        ));
    }
    check_frequency(
        data.spectrometer_frequency_mhz,
        basis.acquisition.spectrometer_frequency_mhz,
    )?;
    let entries = collect_entries(basis, config)?;
    let acquisition = &basis.acquisition;
    let [low, high] = config.window_ppm;
    let window: Vec<usize> = (0..data.ppm_axis.len())
        .filter(|&i| data.ppm_axis[i] >= low && data.ppm_axis[i] <= high)
        .collect();
    let ppm: Vec<f64> = window.iter().map(|&i| data.ppm_axis[i]).collect();
    let data_spacing_ppm = ppm
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .filter(|d| *d > 0.0)
        .fold(f64::INFINITY, f64::min);
    let mut n_fft = (2 * basis.n_points()).next_power_of_two();
    let basis_spacing =
        |n: usize| 1.0 / (n as f64 * acquisition.dwell_time_s) / acquisition.hz_per_ppm();
    while data_spacing_ppm.is_finite()
        && basis_spacing(n_fft) > 0.5 * data_spacing_ppm
        && n_fft < (1 << 20)
    {
        n_fft *= 2;
    }
    let mut sample = Vec::with_capacity(ppm.len());
    for &shift in &ppm {
        let hz = (shift - acquisition.reference_shift_ppm) * acquisition.spectrometer_frequency_mhz;
        let position = hz * n_fft as f64 * acquisition.dwell_time_s + (n_fft / 2) as f64;
        if position < 0.0 || position >= (n_fft - 1) as f64 {
            return Err(FitError::Shape {
                detail: format!("data point at {shift} ppm lies outside the basis bandwidth"),
            });
        }
        let lower = position.floor();
        sample.push((lower as usize, position - lower));
    }
    let target = window.iter().map(|&i| data.values[i]).collect();
    finish(
        entries,
        acquisition.dwell_time_s,
        n_fft,
        sample,
        ppm,
        target,
        config.fit_imaginary && data.has_imaginary,
        acquisition.spectrometer_frequency_mhz,
        None,
        config,
    )
}

#[allow(clippy::too_many_arguments)]
fn finish(
    entries: Vec<(String, Vec<Complex64>)>,
    dwell_time_s: f64,
    n_fft: usize,
    sample: Vec<(usize, f64)>,
    ppm: Vec<f64>,
    target: Vec<Complex64>,
    complex: bool,
    hz_per_ppm: f64,
    noise_sd: Option<f64>,
    config: &CheckedFitConfig,
) -> Result<Prepared> {
    let [low, high] = config.window_ppm;
    let fft = FftPlanner::new().plan_fft_forward(n_fft);
    let mut prepared = Prepared {
        names: Vec::new(),
        fids: Vec::new(),
        dwell_time_s,
        n_fft,
        fft,
        sample,
        ppm,
        target,
        complex,
        baseline: BaselineBasis {
            columns: Vec::new(),
            penalty: Vec::new(),
        },
        pivot_ppm: config.phase1_pivot_ppm.unwrap_or(0.5 * (low + high)),
        hz_per_ppm,
        bin_hz: 1.0 / (n_fft as f64 * dwell_time_s),
        noise_sd,
        dropped: Vec::new(),
    };
    let mut buffer = Vec::new();
    let (min_ppm, max_ppm) = prepared
        .ppm
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &p| {
            (lo.min(p), hi.max(p))
        });
    let window_bins = ((max_ppm - min_ppm) * hz_per_ppm / prepared.bin_hz).max(1.0);
    for (name, samples) in entries {
        // Only the absorption (real) part counts: dispersion tails fall off as 1 / offset and
        // would keep a line far outside the window. Halving the first point removes the
        // constant offset the discrete transform adds to every frequency.
        let mut halved = samples.clone();
        if let Some(first) = halved.first_mut() {
            *first *= 0.5;
        }
        let total: f64 = {
            let mut full = halved.clone();
            full.resize(n_fft, Complex64::new(0.0, 0.0));
            prepared.fft.process(&mut full);
            full.iter().map(|c| c.re * c.re).sum()
        };
        let inside: f64 = prepared
            .window_spectrum(&halved, &mut buffer)
            .iter()
            .map(|c| c.re * c.re)
            .sum();
        // In the time-domain case the window points are spectrum points, so `inside` is part of
        // `total`; on an arbitrary ppm axis the point density differs, so compare per point.
        let density_ratio = window_bins / prepared.ppm.len().max(1) as f64;
        if total > 0.0 && inside * density_ratio >= MIN_WINDOW_ENERGY_FRACTION * total {
            prepared.names.push(name);
            prepared.fids.push(samples);
        } else {
            tracing::debug!(entry = %name, "left out: no signal inside the window");
            prepared.dropped.push(name);
        }
    }
    if prepared.names.is_empty() {
        return Err(FitError::EmptyBasis);
    }
    let points_per_ppm = 1.0 / (prepared.bin_hz / hz_per_ppm);
    prepared.baseline =
        BaselineBasis::new(&config.baseline, &prepared.ppm, low, high, points_per_ppm);
    Ok(prepared)
}
