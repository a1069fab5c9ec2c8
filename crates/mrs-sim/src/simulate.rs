//! Simulation of metabolites and broad-line groups into a [`BasisSet`].

use crate::engine::{CoupledGroup, DensityMatrix, Line};
use crate::error::{Result, SimError};
use crate::library::{BroadLineGroup, Library, LibraryEntry, LineShape, Metabolite, SpinSystem};
use crate::sequence::{Event, Sequence};
use mrs_core::{Acquisition, BasisSet};
use num_complex::Complex64;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::f64::consts::PI;

/// Largest group of mutually coupled protons simulated: the density matrix of `n` spins has
/// `4^n` complex elements (16 MiB at 10 spins). The largest group in the shipped library is
/// glucose with 7.
pub const MAX_COUPLED_SPINS: usize = 10;

/// Largest number of passive heteronuclei per spin system (each doubles the work).
pub const MAX_PASSIVE_SPINS: usize = 4;

/// Largest number of points per simulated FID.
pub const MAX_POINTS: usize = 1 << 20;

/// Lines closer than this are merged before the FID is synthesised. Over a 1 s acquisition
/// the merge shifts the phase by at most 2 pi 1e-6 rad.
const MERGE_TOLERANCE_HZ: f64 = 1e-6;

/// The synthesis recurrence `v <- v z` is restarted from an exact exponential this often,
/// so rounding cannot build up over long FIDs.
const RECURRENCE_RESTART: usize = 256;

/// Acquisition, length and sequence of a simulation.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulationParameters {
    /// Dwell time, spectrometer frequency and reference shift of the output.
    pub acquisition: Acquisition,
    /// Number of complex points per FID.
    pub n_points: usize,
    /// The sequence, ending where acquisition starts.
    pub sequence: Sequence,
}

impl SimulationParameters {
    /// Builds validated parameters.
    ///
    /// # Errors
    /// An invalid acquisition, a point count of 0 or above [`MAX_POINTS`], or an invalid
    /// sequence timing.
    pub fn new(acquisition: Acquisition, n_points: usize, sequence: Sequence) -> Result<Self> {
        let parameters = SimulationParameters {
            acquisition,
            n_points,
            sequence,
        };
        parameters.validate()?;
        Ok(parameters)
    }

    fn validate(&self) -> Result<()> {
        self.acquisition.validate()?;
        if self.n_points == 0 || self.n_points > MAX_POINTS {
            return Err(SimError::InvalidParameter {
                name: "n_points",
                value: self.n_points as f64,
                reason: "must be between 1 and 1048576",
            });
        }
        self.sequence.validate()
    }
}

/// Simulates the named entries (metabolites, broad-line groups or set names) in parallel.
///
/// The metabolite FIDs are unbroadened: every line is a pure complex exponential, one proton
/// contributing amplitude 1 after a 90 degree pulse. Broad-line groups carry their own widths.
///
/// # Errors
/// [`SimError::UnknownName`], invalid parameters, or a coupled group larger than
/// [`MAX_COUPLED_SPINS`].
pub fn simulate_basis<S: AsRef<str> + Sync>(
    library: &Library,
    names: &[S],
    parameters: &SimulationParameters,
) -> Result<BasisSet> {
    parameters.validate()?;
    let entries = library.resolve(names)?;
    let fids: Vec<(String, Vec<Complex64>)> = entries
        .par_iter()
        .map(|entry| {
            let fid = match entry {
                LibraryEntry::Metabolite(m) => simulate_metabolite(m, parameters)?,
                LibraryEntry::Broad(b) => simulate_broad_lines(b, parameters)?,
            };
            Ok((entry.name().to_string(), fid))
        })
        .collect::<Result<_>>()?;
    let mut acquisition = parameters.acquisition.clone();
    acquisition.echo_time_s = Some(parameters.sequence.echo_time_s());
    let mut basis = BasisSet::new(acquisition)?;
    let info = parameters.sequence.info();
    let timings: Vec<String> = info
        .timings_s
        .iter()
        .map(|(name, value)| format!("{name} = {value}"))
        .collect();
    basis.description = format!(
        "mrs-sim {}: {} ({}), ideal pulses, unbroadened metabolites, Govindaraju 2000/2015 \
         spin systems",
        env!("CARGO_PKG_VERSION"),
        info.name,
        timings.join(", ")
    );
    basis.sequence = Some(info);
    for (name, fid) in fids {
        basis.push(name, fid)?;
    }
    Ok(basis)
}

/// Simulates one metabolite: the sum of its spin systems, weighted by their amplitudes.
///
/// # Errors
/// Invalid parameters or a coupled group larger than [`MAX_COUPLED_SPINS`].
pub fn simulate_metabolite(
    metabolite: &Metabolite,
    parameters: &SimulationParameters,
) -> Result<Vec<Complex64>> {
    let lines = metabolite_lines(metabolite, parameters)?;
    Ok(synthesize_fid(
        &lines,
        parameters.acquisition.dwell_time_s,
        parameters.n_points,
    ))
}

/// Simulates one metabolite and returns its lines (amplitude and frequency at the start of
/// acquisition).
///
/// # Errors
/// Invalid parameters or a coupled group larger than [`MAX_COUPLED_SPINS`].
pub fn metabolite_lines(
    metabolite: &Metabolite,
    parameters: &SimulationParameters,
) -> Result<Vec<Line>> {
    parameters.validate()?;
    let span = tracing::debug_span!("simulate", name = %metabolite.name);
    let _guard = span.enter();
    let started = std::time::Instant::now();
    let events = parameters.sequence.events();
    let mut lines = Vec::new();
    for system in &metabolite.systems {
        system_lines(&metabolite.name, system, parameters, &events, &mut lines)?;
    }
    tracing::debug!(
        lines = lines.len(),
        elapsed_ms = started.elapsed().as_secs_f64() * 1e3,
        "metabolite simulated"
    );
    Ok(merge_lines(lines))
}

/// Groups of protons linked by non-zero couplings, as sorted index lists.
fn coupled_groups(system: &SpinSystem) -> Vec<Vec<usize>> {
    let n = system.shifts_ppm.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for &(i, j, coupling) in &system.couplings_hz {
        if coupling != 0.0 {
            let (a, b) = (root(&mut parent, i), root(&mut parent, j));
            parent[a] = b;
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    groups.into_values().collect()
}

fn system_lines(
    name: &str,
    system: &SpinSystem,
    parameters: &SimulationParameters,
    events: &[Event],
    lines: &mut Vec<Line>,
) -> Result<()> {
    let acquisition = &parameters.acquisition;
    let n_passive = system.passive.len();
    if n_passive > MAX_PASSIVE_SPINS {
        return Err(SimError::InvalidParameter {
            name: "passive",
            value: n_passive as f64,
            reason: "at most 4 passive heteronuclei per spin system",
        });
    }
    // Passive coupling of each proton to each heteronucleus.
    let mut passive_j = vec![vec![0.0; n_passive]; system.shifts_ppm.len()];
    for (k, passive) in system.passive.iter().enumerate() {
        for &(i, coupling) in &passive.couplings_hz {
            passive_j[i][k] += coupling;
        }
    }
    let (singlets, groups) = partition_protons(name, system, &passive_j)?;

    let n_states = 1usize << n_passive;
    let weight = system.amplitude / n_states as f64;
    for state in 0..n_states {
        // m_k = +1/2 or -1/2 for each heteronucleus; its coupling shifts the protons by J m.
        let passive_m: Vec<f64> = (0..n_passive)
            .map(|k| if state >> k & 1 == 0 { 0.5 } else { -0.5 })
            .collect();
        let offset_hz = |shift_ppm: f64, js: &[f64]| {
            acquisition.ppm_to_hz(shift_ppm)
                + js.iter().zip(&passive_m).map(|(j, m)| j * m).sum::<f64>()
        };
        for (shift, js, count) in &singlets {
            let group = CoupledGroup::new(&[offset_hz(*shift, js)], &[]);
            push_scaled(lines, run_events(&group, events), weight * count);
        }
        for group in &groups {
            let offsets: Vec<f64> = group
                .iter()
                .map(|&i| offset_hz(system.shifts_ppm[i], &passive_j[i]))
                .collect();
            let local = |i: usize| group.iter().position(|&g| g == i);
            let couplings: Vec<(usize, usize, f64)> = system
                .couplings_hz
                .iter()
                .filter_map(|&(i, j, coupling)| Some((local(i)?, local(j)?, coupling)))
                .collect();
            let engine = CoupledGroup::new(&offsets, &couplings);
            push_scaled(lines, run_events(&engine, events), weight);
        }
    }
    Ok(())
}

/// An uncoupled proton type: shift in ppm, passive couplings in Hz, number of protons.
type Singlet = (f64, Vec<f64>, f64);

/// Splits the protons into singlets and groups linked by couplings.
///
/// Uncoupled protons with equal shift and passive couplings form one scaled singlet, so a
/// methyl or trimethylammonium group costs one 2x2 simulation. They merge only when shift
/// and passive couplings are bit-for-bit equal, as the equivalent protons of a file are.
fn partition_protons(
    name: &str,
    system: &SpinSystem,
    passive_j: &[Vec<f64>],
) -> Result<(Vec<Singlet>, Vec<Vec<usize>>)> {
    let mut singlets: Vec<Singlet> = Vec::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for group in coupled_groups(system) {
        if group.len() == 1 {
            let i = group[0];
            let (shift, js) = (system.shifts_ppm[i], &passive_j[i]);
            let same = |(s, j, _): &&mut Singlet| {
                s.to_bits() == shift.to_bits()
                    && j.iter()
                        .map(|v| v.to_bits())
                        .eq(js.iter().map(|v| v.to_bits()))
            };
            match singlets.iter_mut().find(same) {
                Some(existing) => existing.2 += 1.0,
                None => singlets.push((shift, js.clone(), 1.0)),
            }
        } else if group.len() > MAX_COUPLED_SPINS {
            return Err(SimError::TooManySpins {
                entry: name.to_string(),
                n_spins: group.len(),
                max: MAX_COUPLED_SPINS,
            });
        } else {
            groups.push(group);
        }
    }
    Ok((singlets, groups))
}

fn push_scaled(lines: &mut Vec<Line>, new_lines: Vec<Line>, factor: f64) {
    lines.extend(new_lines.into_iter().map(|line| Line {
        amplitude: line.amplitude * factor,
        frequency_hz: line.frequency_hz,
    }));
}

/// Runs `events` from thermal equilibrium and returns the acquired lines.
pub fn run_events(group: &CoupledGroup, events: &[Event]) -> Vec<Line> {
    let mut rho = DensityMatrix::thermal(group.n_spins());
    for event in events {
        match *event {
            Event::Pulse {
                flip_angle_rad,
                phase_rad,
            } => rho.rotate(flip_angle_rad, phase_rad),
            Event::Delay { duration_s } => group.evolve(&mut rho, duration_s),
            Event::SelectCoherence { order } => rho.select_coherence(order),
        }
    }
    group.acquire(&rho)
}

/// Sorts lines by frequency, merges lines within [`MERGE_TOLERANCE_HZ`] and drops lines
/// whose amplitude is zero to rounding.
fn merge_lines(mut lines: Vec<Line>) -> Vec<Line> {
    lines.sort_by(|a, b| a.frequency_hz.total_cmp(&b.frequency_hz));
    let largest = lines.iter().fold(0.0f64, |m, l| m.max(l.amplitude.norm()));
    let mut merged: Vec<Line> = Vec::with_capacity(lines.len());
    for line in lines {
        match merged.last_mut() {
            Some(last) if (line.frequency_hz - last.frequency_hz).abs() < MERGE_TOLERANCE_HZ => {
                last.amplitude += line.amplitude;
            }
            _ => merged.push(line),
        }
    }
    merged.retain(|l| l.amplitude.norm() > 1e-13 * largest);
    merged
}

/// Sums the lines as complex exponentials sampled at `n * dwell_time_s`.
pub fn synthesize_fid(lines: &[Line], dwell_time_s: f64, n_points: usize) -> Vec<Complex64> {
    let mut fid = vec![Complex64::new(0.0, 0.0); n_points];
    for line in lines {
        let step = Complex64::from_polar(1.0, 2.0 * PI * line.frequency_hz * dwell_time_s);
        let mut value = line.amplitude;
        for (n, sample) in fid.iter_mut().enumerate() {
            if n % RECURRENCE_RESTART == 0 {
                let phase = 2.0 * PI * line.frequency_hz * dwell_time_s * n as f64;
                value = line.amplitude * Complex64::from_polar(1.0, phase);
            }
            *sample += value;
            value *= step;
        }
    }
    fid
}

/// Response of one uncoupled proton to the sequence: 1 for pulse-acquire, spin echo and
/// PRESS, 1/2 for STEAM. Broad lines are scaled by it so that they share the metabolites'
/// amplitude scale; J modulation of lipid lines is not modelled.
fn singlet_response(events: &[Event]) -> Complex64 {
    let group = CoupledGroup::new(&[0.0], &[]);
    run_events(&group, events).iter().map(|l| l.amplitude).sum()
}

/// Simulates a broad-line group: each line an exponential (Lorentzian) or Gaussian decay.
///
/// # Errors
/// Invalid parameters.
pub fn simulate_broad_lines(
    group: &BroadLineGroup,
    parameters: &SimulationParameters,
) -> Result<Vec<Complex64>> {
    parameters.validate()?;
    let acquisition = &parameters.acquisition;
    let response = singlet_response(&parameters.sequence.events());
    let lines: Vec<Line> = group
        .lines
        .iter()
        .map(|&(ppm, area)| Line {
            amplitude: response * area,
            frequency_hz: acquisition.ppm_to_hz(ppm),
        })
        .collect();
    let mut fid = synthesize_fid(&lines, acquisition.dwell_time_s, parameters.n_points);
    let fwhm_hz = group.fwhm_ppm * acquisition.spectrometer_frequency_mhz;
    for (n, sample) in fid.iter_mut().enumerate() {
        let t = n as f64 * acquisition.dwell_time_s;
        let envelope = match group.shape {
            LineShape::Lorentzian => (-PI * fwhm_hz * t).exp(),
            LineShape::Gaussian => (-(PI * fwhm_hz * t).powi(2) / (4.0 * 2f64.ln())).exp(),
        };
        *sample *= envelope;
    }
    Ok(fid)
}

/// Returns a copy of the basis with every entry multiplied by `exp(-pi fwhm t)`, a Lorentzian
/// of `lorentzian_fwhm_hz` for display. Broad-line groups are broadened as well.
///
/// # Errors
/// [`SimError::InvalidParameter`] for a negative or non-finite width.
pub fn broaden_for_display(basis: &BasisSet, lorentzian_fwhm_hz: f64) -> Result<BasisSet> {
    if !(lorentzian_fwhm_hz.is_finite() && lorentzian_fwhm_hz >= 0.0) {
        return Err(SimError::InvalidParameter {
            name: "lorentzian_fwhm_hz",
            value: lorentzian_fwhm_hz,
            reason: "must be finite and non-negative",
        });
    }
    let mut out = BasisSet::new(basis.acquisition.clone())?;
    out.sequence = basis.sequence.clone();
    out.description = format!(
        "{} (broadened by a {lorentzian_fwhm_hz} Hz Lorentzian for display)",
        basis.description
    );
    let dwell_time_s = basis.acquisition.dwell_time_s;
    for entry in basis.entries() {
        let fid = entry
            .fid
            .iter()
            .enumerate()
            .map(|(n, v)| v * (-PI * lorentzian_fwhm_hz * n as f64 * dwell_time_s).exp())
            .collect();
        out.push(entry.name.clone(), fid)?;
    }
    Ok(out)
}
