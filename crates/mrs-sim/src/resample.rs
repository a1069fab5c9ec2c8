//! Resampling a basis set onto another acquisition (frequency, dwell time, reference, points).

use crate::error::{Result, SimError};
use crate::simulate::MAX_POINTS;
use mrs_core::{fft, Acquisition, BasisSet};
use num_complex::Complex64;
use std::f64::consts::PI;

/// What [`conform`] does when the basis was made for another acquisition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MismatchPolicy {
    /// Return the mismatch as an error.
    Reject,
    /// Resample with [`resample`].
    Resample,
}

/// Returns the basis unchanged when it matches `target` and `n_points`, otherwise rejects it
/// or resamples it according to `policy`.
///
/// # Errors
/// With [`MismatchPolicy::Reject`], [`SimError::Core`] wrapping
/// [`mrs_core::CoreError::ParameterMismatch`] (frequency, dwell time or reference) or
/// [`mrs_core::CoreError::LengthMismatch`] (points). Otherwise as [`resample`].
pub fn conform(
    basis: &BasisSet,
    target: &Acquisition,
    n_points: usize,
    policy: MismatchPolicy,
) -> Result<BasisSet> {
    let matches = basis.check_matches(target).and_then(|()| {
        if basis.n_points() == n_points {
            Ok(())
        } else {
            Err(mrs_core::CoreError::LengthMismatch {
                what: "basis points",
                expected: n_points,
                actual: basis.n_points(),
            })
        }
    });
    match (matches, policy) {
        (Ok(()), _) => Ok(basis.clone()),
        (Err(error), MismatchPolicy::Reject) => Err(error.into()),
        (Err(_), MismatchPolicy::Resample) => resample(basis, target, n_points),
    }
}

/// Largest share of an entry's spectral energy that may lie outside the target bandwidth.
/// The sinc tails of an unbroadened, truncated line carry well under 0.1 %; a real line
/// outside the band carries far more than 1 %.
const MAX_ENERGY_OUTSIDE_BAND: f64 = 0.01;

/// Resamples every entry onto `target` (dwell time, spectrometer frequency, reference shift)
/// with `n_points` points, keeping each line at its chemical shift in ppm.
///
/// Each FID is evaluated at the new sample times from its trigonometric (band-limited)
/// interpolant, with every component at `f` Hz of the source moved to
/// `(f / MHz_src + ref_src - ref_target) * MHz_target` Hz. Samples later than the source
/// acquisition time (scaled by the frequency ratio) are zero, so nothing is extrapolated,
/// and a bandwidth wider than the source's contains no signal outside the source's range. Because
/// couplings do not scale with the field, a change of frequency is exact in ppm for singlets
/// only; for coupled spins it approximates a new simulation.
///
/// # Errors
/// [`SimError::OutsideBandwidth`] when more than 1 % of an entry's spectral energy lies
/// outside the target bandwidth (it would fold into the spectrum);
/// [`SimError::InvalidParameter`] for a point count of 0 or above [`crate::MAX_POINTS`]; an
/// invalid target acquisition.
pub fn resample(basis: &BasisSet, target: &Acquisition, n_points: usize) -> Result<BasisSet> {
    target.validate()?;
    if n_points == 0 || n_points > MAX_POINTS {
        return Err(SimError::InvalidParameter {
            name: "n_points",
            value: n_points as f64,
            reason: "must be between 1 and 1048576",
        });
    }
    let source = &basis.acquisition;
    let mut out = BasisSet::new(target.clone())?;
    out.acquisition.echo_time_s = source.echo_time_s;
    out.sequence = basis.sequence.clone();
    out.description = format!(
        "{} (resampled from {} MHz, {} s dwell, {} points)",
        basis.description,
        source.spectrometer_frequency_mhz,
        source.dwell_time_s,
        basis.n_points()
    );
    for entry in basis.entries() {
        let fid = resample_fid(&entry.name, &entry.fid, source, target, n_points)?;
        out.push(entry.name.clone(), fid)?;
    }
    Ok(out)
}

fn resample_fid(
    name: &str,
    fid: &[Complex64],
    source: &Acquisition,
    target: &Acquisition,
    n_points: usize,
) -> Result<Vec<Complex64>> {
    let n_source = fid.len();
    let spectrum = fft::fid_to_spectrum(fid);
    let half_width_hz = 0.5 * target.spectral_width_hz();
    let target_hz: Vec<f64> = (0..n_source)
        .map(|k| {
            let source_hz = fft::frequency_of_index_hz(k, n_source, source.dwell_time_s);
            target.ppm_to_hz(source.hz_to_ppm(source_hz))
        })
        .collect();
    let total: f64 = spectrum.iter().map(|v| v.norm_sqr()).sum();
    let outside: f64 = spectrum
        .iter()
        .zip(&target_hz)
        .filter(|(_, &hz)| hz < -half_width_hz || hz >= half_width_hz)
        .map(|(v, _)| v.norm_sqr())
        .sum();
    if total > 0.0 && outside > MAX_ENERGY_OUTSIDE_BAND * total {
        return Err(SimError::OutsideBandwidth {
            entry: name.to_string(),
            percent: 100.0 * outside / total,
            bandwidth_hz: target.spectral_width_hz(),
        });
    }
    // The source time axis runs `ratio` times faster than the target's.
    let ratio = target.spectrometer_frequency_mhz / source.spectrometer_frequency_mhz;
    let source_duration_s = n_source as f64 * source.dwell_time_s;
    let n_valid = n_points.min((source_duration_s / (ratio * target.dwell_time_s)).ceil() as usize);
    let mut out = vec![Complex64::new(0.0, 0.0); n_points];
    for (value, &hz) in spectrum.iter().zip(&target_hz) {
        if value.norm() == 0.0 {
            continue;
        }
        let step = Complex64::from_polar(1.0, 2.0 * PI * hz * target.dwell_time_s);
        let mut current = value / n_source as f64;
        for sample in out.iter_mut().take(n_valid) {
            *sample += current;
            current *= step;
        }
    }
    Ok(out)
}
