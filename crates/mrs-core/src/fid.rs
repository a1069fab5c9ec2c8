//! Complex free induction decays and their time-domain operations.

use crate::error::{CoreError, Result};
use crate::fft;
use crate::{Acquisition, Spectrum};
use num_complex::Complex64;
use serde::{Deserialize, Serialize};
use std::f64::consts::{LN_2, PI};

/// A complex FID sampled at `t_n = n * dwell_time_s`, first point at `t = 0`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fid {
    samples: Vec<Complex64>,
    acquisition: Acquisition,
}

impl Fid {
    /// Wraps samples after checking that they are finite and the parameters valid.
    ///
    /// # Errors
    /// [`CoreError::Empty`], [`CoreError::NonFiniteSample`] or an invalid acquisition.
    pub fn new(samples: Vec<Complex64>, acquisition: Acquisition) -> Result<Self> {
        acquisition.validate()?;
        if samples.is_empty() {
            return Err(CoreError::Empty);
        }
        check_finite(&samples)?;
        Ok(Fid {
            samples,
            acquisition,
        })
    }

    pub(crate) fn from_parts(samples: Vec<Complex64>, acquisition: Acquisition) -> Self {
        Fid {
            samples,
            acquisition,
        }
    }

    /// The complex samples.
    pub fn samples(&self) -> &[Complex64] {
        &self.samples
    }

    /// Mutable access to the samples; the caller keeps them finite.
    pub fn samples_mut(&mut self) -> &mut [Complex64] {
        &mut self.samples
    }

    /// Consumes the FID and returns its samples.
    pub fn into_samples(self) -> Vec<Complex64> {
        self.samples
    }

    /// The acquisition parameters.
    pub fn acquisition(&self) -> &Acquisition {
        &self.acquisition
    }

    /// Mutable acquisition parameters, e.g. to change the reference shift.
    pub fn acquisition_mut(&mut self) -> &mut Acquisition {
        &mut self.acquisition
    }

    /// Number of complex points.
    pub fn n_points(&self) -> usize {
        self.samples.len()
    }

    /// Sample times in seconds, starting at 0.
    pub fn time_axis_s(&self) -> Vec<f64> {
        (0..self.n_points())
            .map(|n| n as f64 * self.acquisition.dwell_time_s)
            .collect()
    }

    /// Transforms into the centred spectrum (see the crate's conventions).
    pub fn to_spectrum(&self) -> Spectrum {
        Spectrum::from_parts(
            fft::fid_to_spectrum(&self.samples),
            self.acquisition.clone(),
        )
    }

    /// Appends zeros up to `n_points`.
    ///
    /// # Errors
    /// [`CoreError::LengthMismatch`] when `n_points` is shorter than the FID.
    pub fn zero_fill_mut(&mut self, n_points: usize) -> Result<()> {
        if n_points < self.n_points() {
            return Err(CoreError::LengthMismatch {
                what: "zero-fill target",
                expected: self.n_points(),
                actual: n_points,
            });
        }
        self.samples.resize(n_points, Complex64::new(0.0, 0.0));
        Ok(())
    }

    /// Keeps only the first `n_points` samples.
    ///
    /// # Errors
    /// [`CoreError::LengthMismatch`] when `n_points` is zero or longer than the FID.
    pub fn truncate_mut(&mut self, n_points: usize) -> Result<()> {
        if n_points == 0 || n_points > self.n_points() {
            return Err(CoreError::LengthMismatch {
                what: "truncation target",
                expected: self.n_points(),
                actual: n_points,
            });
        }
        self.samples.truncate(n_points);
        Ok(())
    }

    /// Multiplies by `exp(-pi * fwhm * t)`, broadening each line by a Lorentzian of
    /// `lorentzian_fwhm_hz` full width at half maximum.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] for a negative or non-finite width.
    pub fn apodize_exponential_mut(&mut self, lorentzian_fwhm_hz: f64) -> Result<()> {
        non_negative("lorentzian_fwhm_hz", lorentzian_fwhm_hz)?;
        let dt = self.acquisition.dwell_time_s;
        for (n, value) in self.samples.iter_mut().enumerate() {
            *value *= (-PI * lorentzian_fwhm_hz * n as f64 * dt).exp();
        }
        Ok(())
    }

    /// Multiplies by `exp(-(pi * fwhm * t)^2 / (4 ln 2))`, broadening each line by a Gaussian of
    /// `gaussian_fwhm_hz` full width at half maximum.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] for a negative or non-finite width.
    pub fn apodize_gaussian_mut(&mut self, gaussian_fwhm_hz: f64) -> Result<()> {
        non_negative("gaussian_fwhm_hz", gaussian_fwhm_hz)?;
        let dt = self.acquisition.dwell_time_s;
        for (n, value) in self.samples.iter_mut().enumerate() {
            let x = PI * gaussian_fwhm_hz * n as f64 * dt;
            *value *= (-x * x / (4.0 * LN_2)).exp();
        }
        Ok(())
    }

    /// Multiplies every sample by `exp(i * phase0_rad)`.
    pub fn phase0_mut(&mut self, phase0_rad: f64) {
        let rotation = Complex64::from_polar(1.0, phase0_rad);
        for value in &mut self.samples {
            *value *= rotation;
        }
    }

    /// Moves every line by `offset_hz` (positive = higher frequency and higher ppm).
    pub fn shift_frequency_mut(&mut self, offset_hz: f64) {
        let dt = self.acquisition.dwell_time_s;
        for (n, value) in self.samples.iter_mut().enumerate() {
            *value *= Complex64::from_polar(1.0, 2.0 * PI * offset_hz * n as f64 * dt);
        }
    }

    /// Multiplies the first point by `factor`; 0.5 removes the baseline offset that the
    /// discrete FFT of a FID starting at t = 0 otherwise gives.
    pub fn scale_first_point_mut(&mut self, factor: f64) {
        if let Some(first) = self.samples.first_mut() {
            *first *= factor;
        }
    }

    /// Removes eddy-current phase errors with an unsuppressed water FID acquired alike
    /// (Klose, Magn Reson Med 1990;14:26). Every sample is rotated by minus the phase of the
    /// water FID at the same time. The water line becomes zero-phase, and its frequency offset
    /// moves to 0 Hz in both signals. Samples where the water FID is zero stay as they are.
    ///
    /// # Errors
    /// [`CoreError::LengthMismatch`] when the water FID has fewer points, and
    /// [`CoreError::ParameterMismatch`] when its dwell time differs.
    pub fn eddy_current_correct_mut(&mut self, water: &Fid) -> Result<()> {
        if water.samples.len() < self.samples.len() {
            return Err(CoreError::LengthMismatch {
                what: "eddy-current correction (water points)",
                expected: self.samples.len(),
                actual: water.samples.len(),
            });
        }
        let (dwell, water_dwell) = (
            self.acquisition.dwell_time_s,
            water.acquisition.dwell_time_s,
        );
        if (dwell - water_dwell).abs() > 1e-9 * dwell {
            return Err(CoreError::ParameterMismatch {
                name: "dwell_time_s",
                expected: dwell,
                actual: water_dwell,
            });
        }
        for (value, reference) in self.samples.iter_mut().zip(&water.samples) {
            let magnitude = reference.norm();
            if magnitude > 0.0 {
                *value *= reference.conj() / magnitude;
            }
        }
        Ok(())
    }

    /// Conjugates every sample, mirroring the spectrum about 0 Hz.
    pub fn conjugate_mut(&mut self) {
        for value in &mut self.samples {
            *value = value.conj();
        }
    }
}

pub(crate) fn check_finite(samples: &[Complex64]) -> Result<()> {
    match samples
        .iter()
        .position(|c| !c.re.is_finite() || !c.im.is_finite())
    {
        Some(index) => Err(CoreError::NonFiniteSample {
            index,
            value: samples[index].to_string(),
        }),
        None => Ok(()),
    }
}

fn non_negative(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(CoreError::InvalidParameter {
            name,
            value,
            reason: "must be finite and non-negative",
        })
    }
}
