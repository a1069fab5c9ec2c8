//! Spectrum synthesis: one spectrum per index, drawn from the prior with its ground truth.
//!
//! # Model
//!
//! For spectrum `i` of a dataset with seed `s`, a ChaCha8 generator seeded from `s` and set to
//! stream `i` draws the following, in order:
//!
//! 1. the group, by the group weights;
//! 2. one normal score per target, correlated through the Cholesky factor of the group's
//!    correlations, then mapped to each content distribution;
//! 3. the eleven spectral parameters;
//! 4. three values per baseline component;
//! 5. the noise of the spectrum points the representation reads.
//!
//! The
//! noise of the other points, needed only for full spectra and exports, comes from a second
//! generator (seed `s` mixed with a constant, stream `i`), so datasets skip it and full
//! spectra still agree with them inside the window. The result depends on `(s, i)` only,
//! never on threads or sharding. The signal is
//!
//! ```text
//! fid(t) = [ sum_k c_k b_k(t) + a_w exp(i phi_w) exp(i 2 pi f_w t) ]
//!          * exp(i 2 pi df t) * exp(-pi L t) * exp(-(pi G t)^2 / (4 ln 2))
//! S      = fftshift(FFT(fid)) * exp(i (phi0 + phi1 (ppm - pivot))) + baseline + noise
//! ```
//!
//! with contents `c_k`, basis FIDs `b_k`, the residual water line at `f_w` (from
//! `water_shift_ppm`) with area `a_w = water_amplitude * sum_k c_k |b_k(0)|`, shift `df`,
//! Lorentzian and Gaussian FWHM `L` and `G` (added to the widths already in the basis), and
//! phases `phi0`, `phi1` (about `phase1_pivot_ppm`).
//!
//! # SNR
//!
//! The reference peak height `P` is the largest real value, inside the prior's
//! `signal_window_ppm`, of the noise-free spectrum before phasing and baseline. That is the
//! absorption spectrum of the targets, plus any water tail reaching the window. Complex white
//! noise with SD `P / snr` in each of the real and imaginary parts is added to every point of
//! the spectrum. So SNR is the peak height over the SD of the real noise in the frequency
//! domain of the unscaled transform, the definition of spant's `calc_spec_snr` and
//! `add_noise_spec_snr` (spant 2.22). Time-domain noise of SD `P / (snr sqrt(N))` is
//! equivalent. Tools that divide by another noise measure (such as a residual RMS) report other
//! values for the same spectrum.
//! When no point of the window is positive, `P` is 0 and no noise is added.
//!
//! # Baseline
//!
//! `baseline_components` Gaussians in the frequency domain, centred uniformly in the signal
//! window, with FWHM `baseline_width_ppm` and complex amplitudes whose real and imaginary parts
//! are normal with SD `baseline_amplitude * P`.

use crate::error::{Result, SynthError};
use crate::prior::{cholesky_of_correlations, quantile_of_score, Distribution, Prior};
use crate::representation::{Representation, RepresentationPlan};
use mrs_core::{Acquisition, BasisSet, Complex64, Fid, Spectrum};
use rand::Rng;
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;
use rustfft::{Fft, FftPlanner};
use serde::{Deserialize, Serialize};
use std::f64::consts::{LN_2, PI};
use std::sync::Arc;

/// Mixed into the seed of the second noise stream, which fills the points outside the
/// representation window.
const OUTER_NOISE_KEY: u64 = 0x6f75_7465_725f_6e6f;

/// Names of the nuisance values stored per spectrum, in [`Nuisance::to_array`] order.
pub const NUISANCE_NAMES: [&str; 14] = [
    "lorentzian_fwhm_hz",
    "gaussian_fwhm_hz",
    "frequency_shift_ppm",
    "phase0_rad",
    "phase1_rad_per_ppm",
    "snr",
    "baseline_amplitude",
    "baseline_width_ppm",
    "water_amplitude",
    "water_shift_ppm",
    "water_phase_rad",
    "reference_peak_height",
    "noise_sd",
    "representation_scale",
];

/// The spectral parameters drawn for one spectrum, and values derived from them.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Nuisance {
    /// Added Lorentzian FWHM, Hz.
    pub lorentzian_fwhm_hz: f64,
    /// Added Gaussian FWHM, Hz.
    pub gaussian_fwhm_hz: f64,
    /// Frequency shift, ppm.
    pub frequency_shift_ppm: f64,
    /// Zero-order phase, radians.
    pub phase0_rad: f64,
    /// First-order phase, radians per ppm from the pivot.
    pub phase1_rad_per_ppm: f64,
    /// Signal-to-noise ratio (see the module docs).
    pub snr: f64,
    /// Baseline amplitude SD relative to the reference peak height.
    pub baseline_amplitude: f64,
    /// Baseline component FWHM, ppm.
    pub baseline_width_ppm: f64,
    /// Residual water area relative to the summed target areas.
    pub water_amplitude: f64,
    /// Residual water shift, ppm.
    pub water_shift_ppm: f64,
    /// Residual water phase, radians.
    pub water_phase_rad: f64,
    /// Reference peak height `P` in spectrum units (unscaled FFT).
    pub reference_peak_height: f64,
    /// SD of the real (and of the imaginary) noise per spectrum point, `P / snr`.
    pub noise_sd: f64,
    /// Factor the representation multiplied the spectrum by (1 before it is applied).
    pub representation_scale: f64,
}

impl Nuisance {
    /// Returns the values in [`NUISANCE_NAMES`] order.
    pub fn to_array(&self) -> [f64; 14] {
        [
            self.lorentzian_fwhm_hz,
            self.gaussian_fwhm_hz,
            self.frequency_shift_ppm,
            self.phase0_rad,
            self.phase1_rad_per_ppm,
            self.snr,
            self.baseline_amplitude,
            self.baseline_width_ppm,
            self.water_amplitude,
            self.water_shift_ppm,
            self.water_phase_rad,
            self.reference_peak_height,
            self.noise_sd,
            self.representation_scale,
        ]
    }
}

/// Ground truth of one synthetic spectrum.
#[derive(Debug, Clone, PartialEq)]
pub struct Truth {
    /// Dataset index of the spectrum.
    pub index: u64,
    /// Group label: index into [`Prior::groups`].
    pub group: usize,
    /// Content of each target, in [`Prior::targets`] order, in basis units.
    pub contents: Vec<f64>,
    /// Spectral parameters.
    pub nuisance: Nuisance,
}

struct GroupSampler {
    contents: Vec<Distribution>,
    cholesky: Option<Vec<f64>>,
    spectral: [Distribution; 11],
}

/// Identity of the basis set a dataset was made from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BasisIdentity {
    /// Entry names in basis order.
    pub names: Vec<String>,
    /// The basis description.
    pub description: String,
    /// Points per entry.
    pub n_points: usize,
    /// Dwell time, s.
    pub dwell_time_s: f64,
    /// Spectrometer frequency, MHz.
    pub spectrometer_frequency_mhz: f64,
    /// Reference shift at the receiver frequency, ppm.
    pub reference_shift_ppm: f64,
    /// FNV-1a 64-bit hash (hex) of the names, acquisition and FID samples (little-endian f64).
    pub fnv1a64: String,
}

impl BasisIdentity {
    /// Describes `basis`.
    pub fn of(basis: &BasisSet) -> Self {
        let mut hash = Fnv1a::new();
        let a = &basis.acquisition;
        for value in [
            a.dwell_time_s,
            a.spectrometer_frequency_mhz,
            a.reference_shift_ppm,
        ] {
            hash.write(&value.to_le_bytes());
        }
        for entry in basis.entries() {
            hash.write(entry.name.as_bytes());
            hash.write(&[0]);
            for c in &entry.fid {
                hash.write(&c.re.to_le_bytes());
                hash.write(&c.im.to_le_bytes());
            }
        }
        BasisIdentity {
            names: basis.names().into_iter().map(str::to_string).collect(),
            description: basis.description.clone(),
            n_points: basis.n_points(),
            dwell_time_s: a.dwell_time_s,
            spectrometer_frequency_mhz: a.spectrometer_frequency_mhz,
            reference_shift_ppm: a.reference_shift_ppm,
            fnv1a64: format!("{:016x}", hash.0),
        }
    }
}

struct Fnv1a(u64);

impl Fnv1a {
    fn new() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// Buffers reused from one spectrum to the next (one per thread).
pub struct Workspace {
    spectrum: Vec<Complex64>,
    fft_scratch: Vec<Complex64>,
    contents: Vec<f64>,
    representation_scratch: Vec<Complex64>,
    baseline: Vec<(f64, Complex64)>,
}

/// Draws spectra from a prior over a basis set, in a fixed representation.
pub struct Synthesizer {
    prior: Prior,
    samplers: Vec<GroupSampler>,
    cumulative_weights: Vec<f64>,
    acquisition: Acquisition,
    n_points: usize,
    blocked_basis: Vec<f64>,
    areas: Vec<f64>,
    fft: Arc<dyn Fft<f64>>,
    plan: RepresentationPlan,
    signal_window: (usize, usize),
    basis_identity: BasisIdentity,
}

impl std::fmt::Debug for Synthesizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Synthesizer")
            .field("targets", &self.prior.targets)
            .field("n_points", &self.n_points)
            .field("representation", self.plan.representation())
            .finish_non_exhaustive()
    }
}

impl Synthesizer {
    /// Binds a prior to the basis entries named by its targets and to a representation.
    ///
    /// # Errors
    /// [`SynthError::InvalidPrior`] for an invalid prior; [`SynthError::MissingBasisEntry`]
    /// for a target without a basis entry; [`SynthError::InvalidParameter`] for a signal
    /// window or representation outside the basis spectrum's ppm range.
    pub fn new(basis: &BasisSet, prior: &Prior, representation: &Representation) -> Result<Self> {
        let mut prior = prior.clone();
        prior.validate()?;
        let acquisition = basis.acquisition.clone();
        let n_points = basis.n_points();
        if n_points < 2 {
            return Err(SynthError::parameter(
                "basis points",
                n_points,
                "must be at least 2",
            ));
        }

        let mut flat = Vec::with_capacity(prior.targets.len() * n_points);
        let mut areas = Vec::with_capacity(prior.targets.len());
        for target in &prior.targets {
            let entry = basis
                .get(target)
                .ok_or_else(|| SynthError::MissingBasisEntry {
                    target: target.clone(),
                    available: basis.names().join(", "),
                })?;
            flat.extend_from_slice(&entry.fid);
            areas.push(entry.fid[0].norm());
        }

        let mut samplers = Vec::with_capacity(prior.groups.len());
        for group in &prior.groups {
            let contents = prior
                .targets
                .iter()
                .map(|t| group.contents[t].clone())
                .collect();
            let spectral = group.spectral.fields().map(Clone::clone);
            samplers.push(GroupSampler {
                contents,
                cholesky: cholesky_of_correlations(group, &prior.targets)?,
                spectral,
            });
        }
        let total: f64 = prior.groups.iter().map(|g| g.weight).sum();
        let mut running = 0.0;
        let cumulative_weights = prior
            .groups
            .iter()
            .map(|g| {
                running += g.weight / total;
                running
            })
            .collect();

        let [low_ppm, high_ppm] = prior.signal_window_ppm;
        let window = Representation {
            ppm_min: low_ppm,
            ppm_max: high_ppm,
            ..Representation::default()
        };
        let signal_window = window
            .plan(&acquisition, n_points)
            .map_err(|_| {
                SynthError::prior(
                    "",
                    "signal_window_ppm",
                    format!("[{low_ppm}, {high_ppm}]"),
                    "must lie inside the basis spectrum's ppm range",
                )
            })?
            .index_range();
        let plan = representation.plan(&acquisition, n_points)?;
        let fft = FftPlanner::new().plan_fft_forward(n_points);
        let blocked_basis = block_basis(&flat, prior.targets.len(), n_points);
        Ok(Synthesizer {
            basis_identity: BasisIdentity::of(basis),
            prior,
            samplers,
            cumulative_weights,
            acquisition,
            n_points,
            blocked_basis,
            areas,
            fft,
            plan,
            signal_window,
        })
    }

    /// Returns the validated prior.
    pub fn prior(&self) -> &Prior {
        &self.prior
    }

    /// Returns the representation that [`Synthesizer::generate_into`] writes.
    pub fn representation(&self) -> &Representation {
        self.plan.representation()
    }

    /// Returns the basis acquisition, shared by every synthetic spectrum.
    pub fn acquisition(&self) -> &Acquisition {
        &self.acquisition
    }

    /// Points per synthetic FID and spectrum.
    pub fn n_points(&self) -> usize {
        self.n_points
    }

    /// Identity of the basis set.
    pub fn basis_identity(&self) -> &BasisIdentity {
        &self.basis_identity
    }

    /// Fresh buffers for this synthesizer.
    pub fn workspace(&self) -> Workspace {
        Workspace {
            spectrum: vec![Complex64::new(0.0, 0.0); self.n_points],
            fft_scratch: vec![Complex64::new(0.0, 0.0); self.fft.get_inplace_scratch_len()],
            contents: vec![0.0; self.prior.targets.len()],
            representation_scratch: Vec::with_capacity(self.representation().n_points),
            baseline: Vec::with_capacity(self.prior.baseline_components),
        }
    }

    /// Synthesises spectrum `index` of the dataset with `seed` and returns its group label.
    ///
    /// The representation goes into `x` (`[channel, point]`), the contents into `y` and the
    /// nuisance values into `nuisance` (in [`NUISANCE_NAMES`] order).
    ///
    /// # Panics
    /// When a slice has the wrong length, or `workspace` belongs to another synthesizer.
    pub fn generate_into(
        &self,
        seed: u64,
        index: u64,
        workspace: &mut Workspace,
        x: &mut [f32],
        y: &mut [f32],
        nuisance: &mut [f32],
    ) -> usize {
        assert_eq!(y.len(), self.prior.targets.len(), "y length");
        assert_eq!(nuisance.len(), NUISANCE_NAMES.len(), "nuisance length");
        let mut contents = std::mem::take(&mut workspace.contents);
        let (group, mut drawn) = self.synthesise(seed, index, workspace, &mut contents, false);
        workspace.contents = contents;
        drawn.representation_scale = self.plan.apply_with_scratch(
            &workspace.spectrum,
            x,
            &mut workspace.representation_scratch,
        );
        for (out, &value) in y.iter_mut().zip(&workspace.contents) {
            *out = value as f32;
        }
        for (out, value) in nuisance.iter_mut().zip(drawn.to_array()) {
            *out = value as f32;
        }
        group
    }

    /// Synthesises spectrum `index` as a full centred [`Spectrum`] with its truth; the
    /// representation scale in the truth is the one [`Synthesizer::generate_into`] applies.
    pub fn generate_spectrum(&self, seed: u64, index: u64) -> (Spectrum, Truth) {
        let mut workspace = self.workspace();
        let mut contents = vec![0.0; self.prior.targets.len()];
        let (group, mut nuisance) =
            self.synthesise(seed, index, &mut workspace, &mut contents, true);
        let mut x = vec![0.0f32; self.representation().len()];
        nuisance.representation_scale = self.plan.apply(&workspace.spectrum, &mut x);
        let spectrum = Spectrum::new(workspace.spectrum, self.acquisition.clone())
            .unwrap_or_else(|e| unreachable!("synthesised spectra are finite: {e}"));
        let truth = Truth {
            index,
            group,
            contents,
            nuisance,
        };
        (spectrum, truth)
    }

    /// Synthesises spectrum `index` as a time-domain [`Fid`] (the inverse transform of
    /// [`Synthesizer::generate_spectrum`]), for export to fitting tools.
    pub fn generate_fid(&self, seed: u64, index: u64) -> (Fid, Truth) {
        let (spectrum, truth) = self.generate_spectrum(seed, index);
        (spectrum.to_fid(), truth)
    }

    /// Draws everything for `index`, leaves the final spectrum in `workspace.spectrum` and the
    /// contents in `contents`; returns the group and the nuisance values.
    fn synthesise(
        &self,
        seed: u64,
        index: u64,
        workspace: &mut Workspace,
        contents: &mut Vec<f64>,
        full_spectrum: bool,
    ) -> (usize, Nuisance) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(index);
        let n_targets = self.prior.targets.len();

        let u = open_unit(&mut rng);
        let group = self
            .cumulative_weights
            .iter()
            .position(|&c| u < c)
            .unwrap_or(self.cumulative_weights.len() - 1);
        let sampler = &self.samplers[group];

        // Contents: normal scores, correlated, mapped through each distribution's quantile.
        contents.clear();
        contents.extend((0..n_targets).map(|_| rng.sample::<f64, _>(StandardNormal)));
        if let Some(lower) = &sampler.cholesky {
            // Row i of L z uses scores 0..=i only, so updating from the last row down is safe.
            for i in (0..n_targets).rev() {
                let row = &lower[i * n_targets..i * n_targets + i + 1];
                contents[i] = row.iter().zip(contents.iter()).map(|(l, z)| l * z).sum();
            }
        }
        for (value, dist) in contents.iter_mut().zip(&sampler.contents) {
            *value = quantile_of_score(dist, *value);
        }

        let mut spectral = [0.0; 11];
        for (value, dist) in spectral.iter_mut().zip(&sampler.spectral) {
            *value = dist.quantile(open_unit(&mut rng));
        }
        let [lorentzian_fwhm_hz, gaussian_fwhm_hz, frequency_shift_ppm, phase0_deg, phase1_deg_per_ppm, snr, baseline_amplitude, baseline_width_ppm, water_amplitude, water_shift_ppm, water_phase_deg] =
            spectral;
        let mut nuisance = Nuisance {
            lorentzian_fwhm_hz,
            gaussian_fwhm_hz,
            frequency_shift_ppm,
            phase0_rad: phase0_deg.to_radians(),
            phase1_rad_per_ppm: phase1_deg_per_ppm.to_radians(),
            snr,
            baseline_amplitude,
            baseline_width_ppm,
            water_amplitude,
            water_shift_ppm,
            water_phase_rad: water_phase_deg.to_radians(),
            reference_peak_height: 0.0,
            noise_sd: 0.0,
            representation_scale: 1.0,
        };

        // Baseline components are drawn before the noise, whatever range is computed later.
        workspace.baseline.clear();
        let [low_ppm, high_ppm] = self.prior.signal_window_ppm;
        let amplitude_sd = baseline_amplitude;
        for _ in 0..self.prior.baseline_components {
            let centre_ppm = low_ppm + open_unit(&mut rng) * (high_ppm - low_ppm);
            let re: f64 = rng.sample(StandardNormal);
            let im: f64 = rng.sample(StandardNormal);
            workspace
                .baseline
                .push((centre_ppm, Complex64::new(re, im) * amplitude_sd));
        }

        let spectrum = &mut workspace.spectrum;
        self.combine_targets(contents, spectrum);
        self.apply_lineshape_and_water(&nuisance, contents, spectrum);
        self.fft
            .process_with_scratch(spectrum, &mut workspace.fft_scratch);
        spectrum.rotate_right(self.n_points / 2);

        let (first, last) = self.signal_window;
        let peak = spectrum[first..=last]
            .iter()
            .map(|c| c.re)
            .fold(0.0f64, f64::max);
        nuisance.reference_peak_height = peak;
        nuisance.noise_sd = peak / snr;

        // Phase, baseline and noise act point by point, so the representation window is
        // finished first, with the main stream. The rest of the spectrum is needed only for
        // full spectra. It takes its noise from a second stream, so the window is unchanged.
        let (low, high) = self.plan.index_range();
        let baseline = &workspace.baseline;
        self.finish_range(
            &nuisance,
            baseline,
            low,
            &mut spectrum[low..=high],
            &mut rng,
        );
        if full_spectrum {
            let mut outer = ChaCha8Rng::seed_from_u64(seed ^ OUTER_NOISE_KEY);
            outer.set_stream(index);
            self.finish_range(&nuisance, baseline, 0, &mut spectrum[..low], &mut outer);
            self.finish_range(
                &nuisance,
                baseline,
                high + 1,
                &mut spectrum[high + 1..],
                &mut outer,
            );
        }
        (group, nuisance)
    }

    /// Writes `sum_k c_k b_k` into `out`. The basis is stored in blocks of [`BLOCK`] points
    /// (all targets of one block together), so each block's sums stay in registers instead of
    /// passing through memory once per target.
    fn combine_targets(&self, contents: &[f64], out: &mut [Complex64]) {
        let n_targets = contents.len();
        let block_len = 2 * BLOCK * n_targets;
        for (block, chunk) in self
            .blocked_basis
            .chunks_exact(block_len)
            .zip(out.chunks_mut(BLOCK))
        {
            let mut sums = [0.0f64; 2 * BLOCK];
            for (values, &c) in block.chunks_exact(2 * BLOCK).zip(contents) {
                for (sum, value) in sums.iter_mut().zip(values) {
                    *sum += c * value;
                }
            }
            for (o, pair) in chunk.iter_mut().zip(sums.chunks_exact(2)) {
                *o = Complex64::new(pair[0], pair[1]);
            }
        }
    }

    fn apply_lineshape_and_water(&self, p: &Nuisance, contents: &[f64], fid: &mut [Complex64]) {
        let dt = self.acquisition.dwell_time_s;
        let shift_hz = p.frequency_shift_ppm * self.acquisition.spectrometer_frequency_mhz;
        let lorentzian_rate = PI * p.lorentzian_fwhm_hz * dt;
        let gaussian_rate = (PI * p.gaussian_fwhm_hz * dt).powi(2) / (4.0 * LN_2);

        // The envelope exp(-l n - g n^2) drops below 1e-200 at the root of g n^2 + l n = 460;
        // stopping there keeps subnormal numbers, which are slow, out of the recurrences.
        const LOG_FLOOR: f64 = 460.0;
        let n_stop = if gaussian_rate > 0.0 {
            let root = (-lorentzian_rate
                + (lorentzian_rate * lorentzian_rate + 4.0 * gaussian_rate * LOG_FLOOR).sqrt())
                / (2.0 * gaussian_rate);
            root.ceil()
        } else if lorentzian_rate > 0.0 {
            (LOG_FLOOR / lorentzian_rate).ceil()
        } else {
            f64::INFINITY
        };
        let n_stop = if n_stop < fid.len() as f64 {
            n_stop as usize
        } else {
            fid.len()
        };

        // Each factor is a recurrence, so the loop needs no exp, sin or cos per point.
        let decay_step = Complex64::from_polar((-lorentzian_rate).exp(), 2.0 * PI * shift_hz * dt);
        let mut envelope = Complex64::new(1.0, 0.0);
        let mut gaussian = 1.0;
        let mut gaussian_ratio = (-gaussian_rate).exp();
        let gaussian_ratio_step = (-2.0 * gaussian_rate).exp();

        let total_area: f64 = contents.iter().zip(&self.areas).map(|(c, a)| c * a).sum();
        let water_hz = self.acquisition.ppm_to_hz(p.water_shift_ppm);
        let water_step = Complex64::from_polar(1.0, 2.0 * PI * water_hz * dt);
        let mut water = Complex64::from_polar(p.water_amplitude * total_area, p.water_phase_rad);

        let (head, tail) = fid.split_at_mut(n_stop);
        if let Some(first) = head.first_mut() {
            // Halving the first water point keeps its spectrum free of a constant offset.
            *first += water * 0.5;
            water *= water_step;
            envelope *= decay_step;
            gaussian *= gaussian_ratio;
            gaussian_ratio *= gaussian_ratio_step;
        }
        for value in head.iter_mut().skip(1) {
            *value = (*value + water) * (envelope * gaussian);
            water *= water_step;
            envelope *= decay_step;
            gaussian *= gaussian_ratio;
            gaussian_ratio *= gaussian_ratio_step;
        }
        tail.fill(Complex64::new(0.0, 0.0));
    }

    /// Applies the phase, adds the baseline and adds noise to `values`, the spectrum points
    /// from index `first` on.
    fn finish_range(
        &self,
        p: &Nuisance,
        baseline: &[(f64, Complex64)],
        first: usize,
        values: &mut [Complex64],
        rng: &mut ChaCha8Rng,
    ) {
        if values.is_empty() {
            return;
        }
        let n = self.n_points;
        let dt = self.acquisition.dwell_time_s;
        let points_per_ppm = n as f64 * dt * self.acquisition.spectrometer_frequency_mhz;
        let first_ppm =
            self.acquisition
                .hz_to_ppm(crate::fft_index_hz(first, n, &self.acquisition));
        let mut factor = Complex64::from_polar(
            1.0,
            p.phase0_rad + p.phase1_rad_per_ppm * (first_ppm - self.prior.phase1_pivot_ppm),
        );
        let step = Complex64::from_polar(1.0, p.phase1_rad_per_ppm / points_per_ppm);
        for value in values.iter_mut() {
            *value *= factor;
            factor *= step;
        }

        let sigma_points = p.baseline_width_ppm / (2.0 * (2.0 * LN_2).sqrt()) * points_per_ppm;
        for &(centre_ppm, amplitude) in baseline {
            let centre = self.acquisition.ppm_to_hz(centre_ppm) * n as f64 * dt + (n / 2) as f64;
            let amplitude = amplitude * p.reference_peak_height;
            add_gaussian(values, first, centre, sigma_points, amplitude);
        }

        let noise_sd = p.noise_sd;
        for value in values.iter_mut() {
            let re: f64 = rng.sample(StandardNormal);
            let im: f64 = rng.sample(StandardNormal);
            *value += Complex64::new(re * noise_sd, im * noise_sd);
        }
    }
}

/// Adds `amplitude * exp(-(k - centre)^2 / (2 sigma^2))` to `values`, whose first element is
/// point `first` of the spectrum, by recurrences outward from the point nearest the centre
/// until the Gaussian falls below 1e-16.
fn add_gaussian(
    values: &mut [Complex64],
    first: usize,
    centre: f64,
    sigma: f64,
    amplitude: Complex64,
) {
    let n = values.len();
    if n == 0 || sigma <= 0.0 || !sigma.is_finite() {
        return;
    }
    let last = first + n - 1;
    let start = centre.round().clamp(first as f64, last as f64) as usize;
    let inv = 1.0 / (2.0 * sigma * sigma);
    let step = (-2.0 * inv).exp();
    let d = start as f64 - centre;
    let at_start = (-d * d * inv).exp();

    let mut g = at_start;
    let mut ratio = (-(2.0 * d + 1.0) * inv).exp();
    for value in &mut values[start - first..] {
        if g < 1e-16 {
            break;
        }
        *value += amplitude * g;
        g *= ratio;
        ratio *= step;
    }
    let mut g = at_start * (-(-2.0 * d + 1.0) * inv).exp();
    let mut ratio = (-(-2.0 * (d - 1.0) + 1.0) * inv).exp();
    for value in values[..start - first].iter_mut().rev() {
        if g < 1e-16 {
            break;
        }
        *value += amplitude * g;
        g *= ratio;
        ratio *= step;
    }
}

/// Points per block of the blocked basis layout of [`Synthesizer::combine_targets`].
const BLOCK: usize = 8;

/// Reorders target-major FIDs (`flat[k * n + i]`) into blocks of [`BLOCK`] points: block `j`
/// holds, for each target in turn, the interleaved real and imaginary parts of points
/// `j * BLOCK ..`, zero-padded past the end.
fn block_basis(flat: &[Complex64], n_targets: usize, n_points: usize) -> Vec<f64> {
    let n_blocks = n_points.div_ceil(BLOCK);
    let mut blocked = vec![0.0; n_blocks * n_targets * 2 * BLOCK];
    for k in 0..n_targets {
        for i in 0..n_points {
            let (block, offset) = (i / BLOCK, i % BLOCK);
            let at = (block * n_targets + k) * 2 * BLOCK + 2 * offset;
            let value = flat[k * n_points + i];
            blocked[at] = value.re;
            blocked[at + 1] = value.im;
        }
    }
    blocked
}

/// Draws a uniform value on the open interval (0, 1) from the top 53 bits of one `u64`.
fn open_unit(rng: &mut ChaCha8Rng) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaussian_recurrence_matches_direct_evaluation() {
        let mut values = vec![Complex64::new(0.0, 0.0); 200];
        let (centre, sigma) = (73.3, 9.5);
        add_gaussian(
            &mut values[20..],
            20,
            centre,
            sigma,
            Complex64::new(2.0, -1.0),
        );
        for (k, v) in values.iter().enumerate().skip(20) {
            let d = k as f64 - centre;
            let expected = (-d * d / (2.0 * sigma * sigma)).exp();
            assert!((v.re - 2.0 * expected).abs() < 1e-12, "k = {k}");
            assert!((v.im + expected).abs() < 1e-12, "k = {k}");
        }
    }

    #[test]
    fn open_unit_stays_inside() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..10_000 {
            let u = open_unit(&mut rng);
            assert!(u > 0.0, "u = {u}");
            assert!(u < 1.0, "u = {u}");
        }
    }
}
