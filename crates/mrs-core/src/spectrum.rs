//! Centred frequency-domain spectra, their axes, phasing and resampling.

use crate::error::{CoreError, Result};
use crate::fft;
use crate::fid::check_finite;
use crate::{Acquisition, Fid};
use num_complex::Complex64;
use serde::{Deserialize, Serialize};

/// A spectrum in the centred (fft-shifted) order of [`Fid::to_spectrum`].
///
/// Index `n/2` is 0 Hz; frequency and ppm increase with the index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Spectrum {
    values: Vec<Complex64>,
    acquisition: Acquisition,
}

impl Spectrum {
    /// Wraps centred spectral values after checking them.
    ///
    /// # Errors
    /// [`CoreError::Empty`], [`CoreError::NonFiniteSample`] or an invalid acquisition.
    pub fn new(values: Vec<Complex64>, acquisition: Acquisition) -> Result<Self> {
        acquisition.validate()?;
        if values.is_empty() {
            return Err(CoreError::Empty);
        }
        check_finite(&values)?;
        Ok(Spectrum {
            values,
            acquisition,
        })
    }

    pub(crate) fn from_parts(values: Vec<Complex64>, acquisition: Acquisition) -> Self {
        Spectrum {
            values,
            acquisition,
        }
    }

    /// The complex values, lowest frequency first.
    pub fn values(&self) -> &[Complex64] {
        &self.values
    }

    /// Mutable complex values.
    pub fn values_mut(&mut self) -> &mut [Complex64] {
        &mut self.values
    }

    /// The acquisition parameters.
    pub fn acquisition(&self) -> &Acquisition {
        &self.acquisition
    }

    /// Number of points.
    pub fn n_points(&self) -> usize {
        self.values.len()
    }

    /// The real part of every value.
    pub fn real(&self) -> Vec<f64> {
        self.values.iter().map(|c| c.re).collect()
    }

    /// Frequency of each point in Hz from the receiver, ascending.
    pub fn frequency_axis_hz(&self) -> Vec<f64> {
        let n = self.n_points();
        (0..n)
            .map(|k| fft::frequency_of_index_hz(k, n, self.acquisition.dwell_time_s))
            .collect()
    }

    /// Chemical shift of each point in ppm, ascending (plots draw it right to left).
    pub fn ppm_axis(&self) -> Vec<f64> {
        self.frequency_axis_hz()
            .into_iter()
            .map(|hz| self.acquisition.hz_to_ppm(hz))
            .collect()
    }

    /// Fractional index of a chemical shift on this spectrum's grid.
    pub fn index_of_ppm(&self, shift_ppm: f64) -> f64 {
        let hz = self.acquisition.ppm_to_hz(shift_ppm);
        let n = self.n_points();
        hz * n as f64 * self.acquisition.dwell_time_s + (n / 2) as f64
    }

    /// Transforms back into the FID.
    pub fn to_fid(&self) -> Fid {
        Fid::from_parts(fft::spectrum_to_fid(&self.values), self.acquisition.clone())
    }

    /// Applies `phase(ppm) = phase0_rad + phase1_rad_per_ppm * (ppm - pivot_ppm)` to every point.
    pub fn phase_mut(&mut self, phase0_rad: f64, phase1_rad_per_ppm: f64, pivot_ppm: f64) {
        let ppm = self.ppm_axis();
        for (value, shift_ppm) in self.values.iter_mut().zip(ppm) {
            let phase = phase0_rad + phase1_rad_per_ppm * (shift_ppm - pivot_ppm);
            *value *= Complex64::from_polar(1.0, phase);
        }
    }

    /// Interpolates the spectrum linearly onto `grid_ppm` (any order).
    ///
    /// Points outside the sampled range are zero, never extrapolated. Zero-fill the FID first
    /// when the grid is finer than the spectrum.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] when a grid value is not finite.
    pub fn resample_ppm(&self, grid_ppm: &[f64]) -> Result<Vec<Complex64>> {
        let n = self.n_points();
        let mut out = Vec::with_capacity(grid_ppm.len());
        for &shift_ppm in grid_ppm {
            if !shift_ppm.is_finite() {
                return Err(CoreError::InvalidParameter {
                    name: "grid_ppm",
                    value: shift_ppm,
                    reason: "must be finite",
                });
            }
            let x = self.index_of_ppm(shift_ppm);
            if x < 0.0 || x > (n - 1) as f64 {
                out.push(Complex64::new(0.0, 0.0));
                continue;
            }
            let lower = (x.floor() as usize).min(n - 1);
            let upper = (lower + 1).min(n - 1);
            let weight = x - lower as f64;
            out.push(self.values[lower] * (1.0 - weight) + self.values[upper] * weight);
        }
        Ok(out)
    }
}
