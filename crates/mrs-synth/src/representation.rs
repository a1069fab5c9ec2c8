//! The model input: a spectrum on a fixed ppm grid, as real (and imaginary) channels, normalised.
//!
//! Synthetic spectra and measured ones go through the same [`RepresentationPlan::apply`], so
//! a network trained on one receives the other in the same form.

use crate::error::{Result, SynthError};
use mrs_core::{Acquisition, Complex64, Fid, Spectrum};
use serde::{Deserialize, Serialize};

/// Parts of the complex spectrum that become channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channels {
    /// One channel: the real part.
    Real,
    /// Two channels: the real part, then the imaginary part.
    RealImag,
}

impl Channels {
    /// Number of channels.
    pub fn count(self) -> usize {
        match self {
            Channels::Real => 1,
            Channels::RealImag => 2,
        }
    }
}

/// Scaling of the resampled spectrum.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalisation {
    /// No scaling.
    None,
    /// Divide every channel by the largest absolute real value on the grid.
    MaxAbsReal,
    /// Divide every channel by the Euclidean norm of the real channel on the grid.
    L2Real,
    /// Divide every channel by the absolute sum of the real channel over the grid points
    /// inside `[ppm_min, ppm_max]` (an area in units of grid points), e.g. a reference peak.
    ReferenceArea {
        /// Lower edge of the reference window, ppm.
        ppm_min: f64,
        /// Upper edge of the reference window, ppm.
        ppm_max: f64,
    },
}

/// The input representation shared by the CNNs and the NLLS comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Representation {
    /// Lowest chemical shift of the grid, ppm. Default 0.2.
    pub ppm_min: f64,
    /// Highest chemical shift of the grid, ppm. Default 4.2.
    pub ppm_max: f64,
    /// Number of grid points, evenly spaced from `ppm_min` to `ppm_max` inclusive. Default 512.
    pub n_points: usize,
    /// Channels. Default real only.
    pub channels: Channels,
    /// Scaling. Default [`Normalisation::MaxAbsReal`].
    pub normalisation: Normalisation,
}

impl Default for Representation {
    fn default() -> Self {
        Representation {
            ppm_min: 0.2,
            ppm_max: 4.2,
            n_points: 512,
            channels: Channels::Real,
            normalisation: Normalisation::MaxAbsReal,
        }
    }
}

/// Most grid points of a representation.
pub const MAX_REPRESENTATION_POINTS: usize = 1 << 16;

impl Representation {
    /// Checks the window and the point count.
    ///
    /// # Errors
    /// [`SynthError::InvalidParameter`] naming the field.
    pub fn validate(&self) -> Result<()> {
        if !(self.ppm_min.is_finite() && self.ppm_max.is_finite() && self.ppm_min < self.ppm_max) {
            return Err(SynthError::parameter(
                "representation.ppm_min/ppm_max",
                format!("{}/{}", self.ppm_min, self.ppm_max),
                "must be finite with ppm_min < ppm_max",
            ));
        }
        if let Normalisation::ReferenceArea { ppm_min, ppm_max } = self.normalisation {
            let inside = self
                .ppm_axis()
                .iter()
                .filter(|p| (ppm_min..=ppm_max).contains(*p))
                .count();
            if !(ppm_min.is_finite() && ppm_max.is_finite()) || inside == 0 {
                return Err(SynthError::parameter(
                    "representation.normalisation reference window",
                    format!("[{ppm_min}, {ppm_max}]"),
                    "must be finite and contain at least one grid point",
                ));
            }
        }
        if !(2..=MAX_REPRESENTATION_POINTS).contains(&self.n_points) {
            return Err(SynthError::parameter(
                "representation.n_points",
                self.n_points,
                format!("must lie in 2..={MAX_REPRESENTATION_POINTS}"),
            ));
        }
        Ok(())
    }

    /// Chemical shifts of the grid, ascending.
    pub fn ppm_axis(&self) -> Vec<f64> {
        let step = (self.ppm_max - self.ppm_min) / (self.n_points - 1) as f64;
        (0..self.n_points)
            .map(|i| self.ppm_min + i as f64 * step)
            .collect()
    }

    /// Values per spectrum: channels times points.
    pub fn len(&self) -> usize {
        self.channels.count() * self.n_points
    }

    /// Checks whether the representation has no values (never true once validated).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Precomputes the interpolation of spectra of `n_spectrum_points` points sampled with
    /// `acquisition` onto the grid.
    ///
    /// # Errors
    /// [`SynthError::InvalidParameter`] for an invalid representation or a grid reaching
    /// outside the spectrum's ppm range.
    pub fn plan(
        &self,
        acquisition: &Acquisition,
        n_spectrum_points: usize,
    ) -> Result<RepresentationPlan> {
        self.validate()?;
        acquisition.validate()?;
        let n = n_spectrum_points;
        if n < 2 {
            return Err(SynthError::parameter(
                "spectrum points",
                n,
                "must be at least 2",
            ));
        }
        let mut lower = Vec::with_capacity(self.n_points);
        let mut weight = Vec::with_capacity(self.n_points);
        for shift_ppm in self.ppm_axis() {
            // The index formula of `Spectrum::index_of_ppm`.
            let hz = acquisition.ppm_to_hz(shift_ppm);
            let x = hz * n as f64 * acquisition.dwell_time_s + (n / 2) as f64;
            if !(0.0..=(n - 1) as f64).contains(&x) {
                let low = acquisition.hz_to_ppm(crate::fft_index_hz(0, n, acquisition));
                let high = acquisition.hz_to_ppm(crate::fft_index_hz(n - 1, n, acquisition));
                return Err(SynthError::parameter(
                    "representation ppm window",
                    format!("[{}, {}]", self.ppm_min, self.ppm_max),
                    format!("must lie inside the spectrum's range [{low:.3}, {high:.3}] ppm"),
                ));
            }
            let low = (x.floor() as usize).min(n - 2);
            lower.push(low);
            weight.push(x - low as f64);
        }
        let reference_range = match self.normalisation {
            Normalisation::ReferenceArea { ppm_min, ppm_max } => {
                let axis = self.ppm_axis();
                let first = axis
                    .iter()
                    .position(|p| *p >= ppm_min)
                    .unwrap_or(axis.len());
                let last = axis
                    .iter()
                    .rposition(|p| *p <= ppm_max)
                    .map_or(first, |i| i + 1);
                (first, last.max(first))
            }
            _ => (0, 0),
        };
        Ok(RepresentationPlan {
            reference_range,
            representation: self.clone(),
            n_spectrum_points: n,
            lower,
            weight,
        })
    }

    /// Turns a centred spectrum (measured or synthetic) into the representation, returning the
    /// values (`[channel, point]`, row-major) and the scale factor applied.
    ///
    /// # Errors
    /// See [`Representation::plan`].
    pub fn apply_spectrum(&self, spectrum: &Spectrum) -> Result<(Vec<f32>, f64)> {
        let plan = self.plan(spectrum.acquisition(), spectrum.n_points())?;
        let mut out = vec![0.0; self.len()];
        let scale = plan.apply(spectrum.values(), &mut out);
        Ok((out, scale))
    }

    /// Transforms a FID into its spectrum, then applies [`Representation::apply_spectrum`].
    ///
    /// # Errors
    /// See [`Representation::plan`].
    pub fn apply_fid(&self, fid: &Fid) -> Result<(Vec<f32>, f64)> {
        self.apply_spectrum(&fid.to_spectrum())
    }

    /// Turns real spectral values given on a ppm axis (e.g. the phased data of an LCModel
    /// `.COORD` file, any order of points) into the representation, with the same linear
    /// interpolation and normalisation as [`RepresentationPlan::apply`]. Only a real-channel
    /// representation can be made from real values.
    ///
    /// # Errors
    /// [`SynthError::InvalidParameter`] when the representation has an imaginary channel,
    /// the lengths differ, fewer than two points are given, a value is not finite, or the
    /// grid reaches outside the given ppm range.
    pub fn apply_ppm_real(&self, ppm_axis: &[f64], real: &[f64]) -> Result<(Vec<f32>, f64)> {
        self.validate()?;
        if self.channels != Channels::Real {
            return Err(SynthError::parameter(
                "representation.channels",
                format!("{:?}", self.channels),
                "real values on a ppm axis give only the real channel",
            ));
        }
        if ppm_axis.len() != real.len() || ppm_axis.len() < 2 {
            return Err(SynthError::parameter(
                "ppm spectrum points",
                format!("{} ppm values, {} data values", ppm_axis.len(), real.len()),
                "need equal lengths of at least 2",
            ));
        }
        if let Some(bad) = ppm_axis.iter().chain(real).find(|v| !v.is_finite()) {
            return Err(SynthError::parameter(
                "ppm spectrum values",
                bad,
                "must be finite",
            ));
        }
        let mut points: Vec<(f64, f64)> =
            ppm_axis.iter().copied().zip(real.iter().copied()).collect();
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (low, high) = (points[0].0, points[points.len() - 1].0);
        if self.ppm_min < low || self.ppm_max > high {
            return Err(SynthError::parameter(
                "representation ppm window",
                format!("[{}, {}]", self.ppm_min, self.ppm_max),
                format!("must lie inside the spectrum's range [{low:.3}, {high:.3}] ppm"),
            ));
        }
        let mut values = Vec::with_capacity(self.n_points);
        let mut upper = 1;
        for ppm in self.ppm_axis() {
            while upper < points.len() - 1 && points[upper].0 < ppm {
                upper += 1;
            }
            let (a, b) = (points[upper - 1], points[upper]);
            let span = b.0 - a.0;
            let w = if span > 0.0 {
                ((ppm - a.0) / span).clamp(0.0, 1.0)
            } else {
                0.0
            };
            values.push(a.1 * (1.0 - w) + b.1 * w);
        }
        let denominator = match self.normalisation {
            Normalisation::None => 1.0,
            Normalisation::MaxAbsReal => values.iter().fold(0.0f64, |m, v| m.max(v.abs())),
            Normalisation::L2Real => values.iter().map(|v| v * v).sum::<f64>().sqrt(),
            Normalisation::ReferenceArea { ppm_min, ppm_max } => self
                .ppm_axis()
                .iter()
                .zip(&values)
                .filter(|(p, _)| (ppm_min..=ppm_max).contains(*p))
                .map(|(_, v)| v)
                .sum::<f64>()
                .abs(),
        };
        let scale = if denominator > 0.0 && denominator.is_finite() {
            1.0 / denominator
        } else {
            1.0
        };
        Ok((values.iter().map(|v| (v * scale) as f32).collect(), scale))
    }
}

/// A [`Representation`] bound to one spectrum length and acquisition: interpolation indices
/// and weights, computed once.
#[derive(Debug, Clone, PartialEq)]
pub struct RepresentationPlan {
    representation: Representation,
    n_spectrum_points: usize,
    lower: Vec<usize>,
    weight: Vec<f64>,
    /// Grid indices `first..last` of the reference window of [`Normalisation::ReferenceArea`].
    reference_range: (usize, usize),
}

impl RepresentationPlan {
    /// The representation.
    pub fn representation(&self) -> &Representation {
        &self.representation
    }

    /// Spectrum length the plan expects.
    pub fn n_spectrum_points(&self) -> usize {
        self.n_spectrum_points
    }

    /// Smallest and largest spectrum index the grid reads.
    pub fn index_range(&self) -> (usize, usize) {
        let first = self.lower.first().copied().unwrap_or(0);
        let last = self.lower.last().map_or(0, |&l| l + 1);
        (first.min(last), first.max(last))
    }

    /// Interpolates `values` (centred spectrum) linearly onto the grid, writes the channels
    /// into `out` (`[channel, point]`, row-major, length `Representation::len`) and returns
    /// the scale factor that was applied (1 when the normalising value is zero).
    ///
    /// # Panics
    /// When `values` or `out` has the wrong length.
    pub fn apply(&self, values: &[Complex64], out: &mut [f32]) -> f64 {
        let mut scratch = Vec::new();
        self.apply_with_scratch(values, out, &mut scratch)
    }

    /// [`RepresentationPlan::apply`] with a caller-owned buffer, so that repeated calls do not
    /// allocate.
    ///
    /// # Panics
    /// When `values` or `out` has the wrong length.
    pub fn apply_with_scratch(
        &self,
        values: &[Complex64],
        out: &mut [f32],
        scratch: &mut Vec<Complex64>,
    ) -> f64 {
        assert_eq!(values.len(), self.n_spectrum_points, "spectrum length");
        let n = self.representation.n_points;
        assert_eq!(out.len(), self.representation.len(), "output length");
        scratch.clear();
        let mut norm_max = 0.0f64;
        let mut norm_sq = 0.0f64;
        for (&low, &w) in self.lower.iter().zip(&self.weight) {
            let v = values[low] * (1.0 - w) + values[low + 1] * w;
            norm_max = norm_max.max(v.re.abs());
            norm_sq += v.re * v.re;
            scratch.push(v);
        }
        let denominator = match self.representation.normalisation {
            Normalisation::None => 1.0,
            Normalisation::MaxAbsReal => norm_max,
            Normalisation::L2Real => norm_sq.sqrt(),
            Normalisation::ReferenceArea { .. } => {
                let (first, last) = self.reference_range;
                scratch[first..last].iter().map(|v| v.re).sum::<f64>().abs()
            }
        };
        let scale = if denominator > 0.0 && denominator.is_finite() {
            1.0 / denominator
        } else {
            1.0
        };
        let (real, rest) = out.split_at_mut(n);
        for (o, v) in real.iter_mut().zip(scratch.iter()) {
            *o = (v.re * scale) as f32;
        }
        if self.representation.channels == Channels::RealImag {
            for (o, v) in rest.iter_mut().zip(scratch.iter()) {
                *o = (v.im * scale) as f32;
            }
        }
        scale
    }
}
