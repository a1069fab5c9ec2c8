//! Basis signals built from lines: singlets and multiplets with a Voigt shape, and the broad
//! lipid resonances of liver spectra.

use crate::error::{Result, SynthError};
use mrs_core::{Acquisition, BasisSet, BasisSpectrum, Complex64};
use std::f64::consts::{LN_2, PI};

/// One line of a basis signal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    /// Chemical shift, ppm.
    pub shift_ppm: f64,
    /// Area, in the units of the basis set (1 for one unit of signal).
    pub amplitude: f64,
    /// Lorentzian FWHM, Hz (0 for an undamped line).
    pub lorentzian_fwhm_hz: f64,
    /// Gaussian FWHM, Hz.
    pub gaussian_fwhm_hz: f64,
}

/// Builds the FID of a sum of Voigt lines on `acquisition` with `n_points` points:
/// `sum_j a_j exp(i 2 pi f_j t) exp(-pi L_j t) exp(-(pi G_j t)^2 / (4 ln 2))`, with the first
/// point halved so that the discrete spectrum has no constant offset.
///
/// # Errors
/// [`SynthError::InvalidParameter`] for a non-finite shift or amplitude or a negative width.
pub fn lines_fid(
    acquisition: &Acquisition,
    n_points: usize,
    lines: &[Line],
) -> Result<Vec<Complex64>> {
    let mut fid = vec![Complex64::new(0.0, 0.0); n_points];
    let dt = acquisition.dwell_time_s;
    for line in lines {
        if !(line.shift_ppm.is_finite() && line.amplitude.is_finite()) {
            return Err(SynthError::parameter(
                "line shift_ppm/amplitude",
                format!("{}/{}", line.shift_ppm, line.amplitude),
                "must be finite",
            ));
        }
        for (name, width) in [
            ("lorentzian_fwhm_hz", line.lorentzian_fwhm_hz),
            ("gaussian_fwhm_hz", line.gaussian_fwhm_hz),
        ] {
            if !(width.is_finite() && width >= 0.0) {
                return Err(SynthError::parameter(
                    name,
                    width,
                    "must be finite and non-negative",
                ));
            }
        }
        let offset_hz = acquisition.ppm_to_hz(line.shift_ppm);
        for (n, value) in fid.iter_mut().enumerate() {
            let t = n as f64 * dt;
            let gaussian = PI * line.gaussian_fwhm_hz * t;
            let envelope =
                (-PI * line.lorentzian_fwhm_hz * t - gaussian * gaussian / (4.0 * LN_2)).exp();
            *value += Complex64::from_polar(line.amplitude * envelope, 2.0 * PI * offset_hz * t);
        }
    }
    if let Some(first) = fid.first_mut() {
        *first *= 0.5;
    }
    Ok(fid)
}

/// A broad lipid resonance, named as LCModel's liver models name them.
#[derive(Debug, Clone, PartialEq)]
pub struct LipidLine {
    /// Basis entry name, e.g. `"Lip13"`.
    pub name: String,
    /// Chemical shift, ppm.
    pub shift_ppm: f64,
    /// Lorentzian FWHM of the line itself, Hz.
    pub lorentzian_fwhm_hz: f64,
    /// Gaussian FWHM of the line itself, Hz.
    pub gaussian_fwhm_hz: f64,
}

/// Returns the five lipid resonances quantified by default: 0.90 (CH3), 1.30 ((CH2)n), 1.60
/// (beta-carboxyl), 2.02 (alpha-olefinic) and 2.24 ppm (alpha-carboxyl).
///
/// The shifts are those of the liver fat spectrum of Hamilton et al., NMR Biomed
/// 2011;24:784. The names Lip09, Lip13, Lip16, Lip21 and Lip23 are those of LCModel's liver
/// models.
///
/// The intrinsic widths (Lorentzian 12 Hz, about 0.1 ppm at 123 MHz) are an assumption that
/// stands in for the unresolved fatty-acid multiplets. Change them for other data.
pub fn default_lipid_lines() -> Vec<LipidLine> {
    [
        ("Lip09", 0.90),
        ("Lip13", 1.30),
        ("Lip16", 1.60),
        ("Lip21", 2.02),
        ("Lip23", 2.24),
    ]
    .into_iter()
    .map(|(name, shift_ppm)| LipidLine {
        name: name.to_string(),
        shift_ppm,
        lorentzian_fwhm_hz: 12.0,
        gaussian_fwhm_hz: 0.0,
    })
    .collect()
}

/// Builds one unit-area basis entry per lipid line on `acquisition` with `n_points` points,
/// each a Voigt line from [`lines_fid`].
///
/// # Errors
/// [`SynthError::InvalidParameter`] for a non-finite shift or a negative width.
pub fn lipid_lines(
    acquisition: &Acquisition,
    n_points: usize,
    lipids: &[LipidLine],
) -> Result<Vec<BasisSpectrum>> {
    lipids
        .iter()
        .map(|lipid| {
            let line = Line {
                shift_ppm: lipid.shift_ppm,
                amplitude: 1.0,
                lorentzian_fwhm_hz: lipid.lorentzian_fwhm_hz,
                gaussian_fwhm_hz: lipid.gaussian_fwhm_hz,
            };
            let fid = lines_fid(acquisition, n_points, &[line])?;
            Ok(BasisSpectrum {
                name: lipid.name.clone(),
                fid,
            })
        })
        .collect()
}

/// Appends the [`lipid_lines`] entries to `basis`, on its acquisition and length.
///
/// # Errors
/// [`SynthError::InvalidParameter`] for an empty basis (the length is unknown) or a bad line;
/// [`SynthError::Core`] when a name is already present.
pub fn add_lipid_lines(basis: &mut BasisSet, lipids: &[LipidLine]) -> Result<()> {
    let n_points = basis.n_points();
    if n_points == 0 {
        return Err(SynthError::parameter(
            "basis entries",
            0,
            "add at least one entry before the lipids",
        ));
    }
    for entry in lipid_lines(&basis.acquisition, n_points, lipids)? {
        basis.push(entry.name, entry.fid)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lipid_lines_peak_at_their_shifts() -> Result<()> {
        let acquisition = Acquisition::new(0.0005, 123.2)?;
        let entries = lipid_lines(&acquisition, 2048, &default_lipid_lines())?;
        assert_eq!(entries.len(), 5);
        for (entry, lipid) in entries.iter().zip(default_lipid_lines()) {
            let fid = mrs_core::Fid::new(entry.fid.clone(), acquisition.clone())?;
            let spectrum = fid.to_spectrum();
            let real = spectrum.real();
            let peak = (0..real.len())
                .max_by(|&a, &b| real[a].total_cmp(&real[b]))
                .unwrap_or(0);
            // One point is 2000 / 2048 Hz, 0.008 ppm.
            let peak_ppm = spectrum.ppm_axis()[peak];
            assert!(
                (peak_ppm - lipid.shift_ppm).abs() < 0.008,
                "{}: {peak_ppm}",
                lipid.name
            );
            // Unit area: the first point is halved, so the FID starts at 0.5.
            assert!((entry.fid[0].re - 0.5).abs() < 1e-12, "{}", lipid.name);
        }
        Ok(())
    }

    #[test]
    fn negative_width_rejected() {
        let acquisition = Acquisition::new(0.0005, 123.2).expect("acquisition");
        let line = Line {
            shift_ppm: 1.3,
            amplitude: 1.0,
            lorentzian_fwhm_hz: -1.0,
            gaussian_fwhm_hz: 0.0,
        };
        let result = lines_fid(&acquisition, 64, &[line]);
        assert!(matches!(result, Err(SynthError::InvalidParameter { .. })));
    }
}
