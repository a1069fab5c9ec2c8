//! Acquisition parameters that place samples on time, Hz and ppm axes.

use crate::error::{CoreError, Result};
use crate::Nucleus;
use serde::{Deserialize, Serialize};

/// Sampling and spectrometer parameters of a signal.
///
/// The dwell time and spectrometer frequency are required to place a sample on any axis; the
/// timing fields are optional because many formats omit them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Acquisition {
    /// Sampling interval in seconds; the spectral width is its inverse.
    pub dwell_time_s: f64,
    /// Spectrometer (receiver) frequency in MHz, as measured, not the nominal field times gamma.
    pub spectrometer_frequency_mhz: f64,
    /// Observed nucleus.
    pub nucleus: Nucleus,
    /// Chemical shift at the receiver frequency (0 Hz), in ppm. Default 4.65 for 1H.
    pub reference_shift_ppm: f64,
    /// Echo time in seconds, when known.
    pub echo_time_s: Option<f64>,
    /// Repetition time in seconds, when known.
    pub repetition_time_s: Option<f64>,
}

/// Largest accepted spectrometer frequency in MHz (a 28 T magnet runs 1H at about 1.2 GHz).
pub const MAX_SPECTROMETER_FREQUENCY_MHZ: f64 = 2000.0;

impl Acquisition {
    /// Builds 1H parameters with the default 4.65 ppm reference and no timing.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] when the dwell time or frequency is not finite and positive.
    pub fn new(dwell_time_s: f64, spectrometer_frequency_mhz: f64) -> Result<Self> {
        let acquisition = Acquisition {
            dwell_time_s,
            spectrometer_frequency_mhz,
            nucleus: Nucleus::H1,
            reference_shift_ppm: Nucleus::H1.default_reference_shift_ppm(),
            echo_time_s: None,
            repetition_time_s: None,
        };
        acquisition.validate()?;
        Ok(acquisition)
    }

    /// Checks that every parameter is finite and in its physical range.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] naming the first bad field.
    pub fn validate(&self) -> Result<()> {
        positive("dwell_time_s", self.dwell_time_s)?;
        if self.dwell_time_s > 1.0 {
            return Err(CoreError::InvalidParameter {
                name: "dwell_time_s",
                value: self.dwell_time_s,
                reason: "must be at most 1 s",
            });
        }
        positive(
            "spectrometer_frequency_mhz",
            self.spectrometer_frequency_mhz,
        )?;
        if self.spectrometer_frequency_mhz > MAX_SPECTROMETER_FREQUENCY_MHZ {
            return Err(CoreError::InvalidParameter {
                name: "spectrometer_frequency_mhz",
                value: self.spectrometer_frequency_mhz,
                reason: "must be at most 2000 MHz",
            });
        }
        if !self.reference_shift_ppm.is_finite() {
            return Err(CoreError::InvalidParameter {
                name: "reference_shift_ppm",
                value: self.reference_shift_ppm,
                reason: "must be finite",
            });
        }
        for (name, value) in [
            ("echo_time_s", self.echo_time_s),
            ("repetition_time_s", self.repetition_time_s),
        ] {
            if let Some(v) = value {
                if !v.is_finite() || v < 0.0 {
                    return Err(CoreError::InvalidParameter {
                        name,
                        value: v,
                        reason: "must be finite and non-negative",
                    });
                }
            }
        }
        Ok(())
    }

    /// Spectral width in Hz, `1 / dwell_time_s`.
    pub fn spectral_width_hz(&self) -> f64 {
        1.0 / self.dwell_time_s
    }

    /// Converts a frequency offset from the receiver (Hz) to a chemical shift (ppm).
    pub fn hz_to_ppm(&self, offset_hz: f64) -> f64 {
        self.reference_shift_ppm + offset_hz / self.spectrometer_frequency_mhz
    }

    /// Converts a chemical shift (ppm) to a frequency offset from the receiver (Hz).
    pub fn ppm_to_hz(&self, shift_ppm: f64) -> f64 {
        (shift_ppm - self.reference_shift_ppm) * self.spectrometer_frequency_mhz
    }

    /// Hz per ppm at this spectrometer frequency.
    pub fn hz_per_ppm(&self) -> f64 {
        self.spectrometer_frequency_mhz
    }

    /// Checks that another signal was sampled the same way (dwell time and frequency agree to
    /// a relative 1e-6, reference shift to 1e-6 ppm).
    ///
    /// # Errors
    /// [`CoreError::ParameterMismatch`] naming the first field that differs.
    pub fn check_compatible(&self, other: &Acquisition) -> Result<()> {
        let pairs = [
            ("dwell_time_s", self.dwell_time_s, other.dwell_time_s),
            (
                "spectrometer_frequency_mhz",
                self.spectrometer_frequency_mhz,
                other.spectrometer_frequency_mhz,
            ),
        ];
        for (name, expected, actual) in pairs {
            if (expected - actual).abs() > 1e-6 * expected.abs() {
                return Err(CoreError::ParameterMismatch {
                    name,
                    expected,
                    actual,
                });
            }
        }
        if (self.reference_shift_ppm - other.reference_shift_ppm).abs() > 1e-6 {
            return Err(CoreError::ParameterMismatch {
                name: "reference_shift_ppm",
                expected: self.reference_shift_ppm,
                actual: other.reference_shift_ppm,
            });
        }
        Ok(())
    }
}

fn positive(name: &'static str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(CoreError::InvalidParameter {
            name,
            value,
            reason: "must be finite and positive",
        })
    }
}
