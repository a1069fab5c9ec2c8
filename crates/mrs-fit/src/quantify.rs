//! Water scaling: amplitudes to concentrations in mmol/L with an unsuppressed water reference.

// Index loops mirror Gaussian elimination.
#![allow(clippy::needless_range_loop)]

use crate::config::WaterScaling;
use crate::error::{FitError, Result};
use crate::fit::FitResult;
use mrs_core::Fid;
use serde::{Deserialize, Serialize};

/// Molar mass of water in g/mol.
pub const WATER_MOLAR_MASS_G_PER_MOL: f64 = 18.015;

/// Points of the water FID used to extrapolate its magnitude to `t = 0` (points 1 to 16; the
/// first point is skipped because processing often scales it).
const WATER_EXTRAPOLATION_POINTS: usize = 16;

/// Water-scaling figures behind the concentrations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaterResult {
    /// Water signal at `t = 0` (magnitude, extrapolated).
    pub water_amplitude: f64,
    /// Visible water concentration `W` in mM after T2 relaxation, summed over tissues.
    pub visible_water_mm: f64,
    /// Metabolite T2 attenuation `exp(-TE / T2)`.
    pub metabolite_attenuation: f64,
    /// Echo time used, in seconds.
    pub echo_time_s: f64,
    /// Concentration in mM per unit amplitude.
    pub mm_per_amplitude: f64,
}

/// Magnitude of a FID at `t = 0`, from a quadratic fit of `ln |fid|` over points 1 to 16.
/// Falls back to `|fid[0]|` when the FID is shorter or has zeros there.
pub fn water_amplitude(fid: &[mrs_core::Complex64]) -> f64 {
    if fid.len() <= WATER_EXTRAPOLATION_POINTS {
        return fid.first().map_or(0.0, |v| v.norm());
    }
    let points: Vec<(f64, f64)> = (1..=WATER_EXTRAPOLATION_POINTS)
        .map(|n| (n as f64, fid[n].norm()))
        .collect();
    if points.iter().any(|(_, m)| m.is_nan() || *m <= 0.0) {
        return fid[0].norm();
    }
    // Normal equations of y = c0 + c1 n + c2 n^2 with y = ln |fid|.
    let mut normal = [[0.0f64; 3]; 3];
    let mut rhs = [0.0f64; 3];
    for &(n, magnitude) in &points {
        let basis = [1.0, n, n * n];
        let y = magnitude.ln();
        for a in 0..3 {
            rhs[a] += basis[a] * y;
            for b in 0..3 {
                normal[a][b] += basis[a] * basis[b];
            }
        }
    }
    match solve3(normal, rhs) {
        Some(c) => c[0].exp(),
        None => fid[0].norm(),
    }
}

fn solve3(mut a: [[f64; 3]; 3], mut b: [f64; 3]) -> Option<[f64; 3]> {
    for col in 0..3 {
        let pivot = (col..3).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-300 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..3 {
            let factor = a[row][col] / a[col][col];
            for k in col..3 {
                a[row][k] -= factor * a[col][k];
            }
            b[row] -= factor * b[col];
        }
    }
    let mut x = [0.0; 3];
    for row in (0..3).rev() {
        let mut sum = b[row];
        for k in row + 1..3 {
            sum -= a[row][k] * x[k];
        }
        x[row] = sum / a[row][row];
    }
    Some(x)
}

impl WaterScaling {
    /// Visible water concentration in mM at echo time `echo_time_s`:
    /// `sum over tissues of fraction * content * 1e6 / 18.015 * exp(-TE / T2_water)`.
    pub fn visible_water_mm(&self, echo_time_s: f64) -> f64 {
        self.tissues
            .iter()
            .map(|t| {
                t.fraction * t.water_content_g_per_ml * 1e6 / WATER_MOLAR_MASS_G_PER_MOL
                    * (-echo_time_s / t.water_t2_s).exp()
            })
            .sum()
    }
}

pub(crate) fn apply_water_reference(
    result: &mut FitResult,
    water: &Fid,
    settings: &WaterScaling,
) -> Result<()> {
    let echo_time_s = settings
        .echo_time_s
        .or(result.echo_time_s)
        .or(water.acquisition().echo_time_s)
        .ok_or_else(|| FitError::WaterScaling {
            reason: "the echo time is unknown; set water.echo_time_s".to_string(),
        })?;
    let amplitude = water_amplitude(water.samples());
    if !(amplitude > 0.0 && amplitude.is_finite()) {
        return Err(FitError::WaterScaling {
            reason: format!("the water signal at t = 0 is {amplitude}, not positive"),
        });
    }
    let visible_water_mm = settings.visible_water_mm(echo_time_s);
    let metabolite_attenuation = (-echo_time_s / settings.metabolite_t2_s).exp();
    let mm_per_amplitude =
        settings.basis_concentration_mm * settings.water_protons * visible_water_mm
            / (amplitude * metabolite_attenuation);
    for entry in &mut result.entries {
        entry.concentration_mmol_per_l = Some(entry.amplitude * mm_per_amplitude);
    }
    for combination in &mut result.combinations {
        combination.concentration_mmol_per_l = Some(combination.amplitude * mm_per_amplitude);
    }
    result.water = Some(WaterResult {
        water_amplitude: amplitude,
        visible_water_mm,
        metabolite_attenuation,
        echo_time_s,
        mm_per_amplitude,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use mrs_core::Complex64;

    #[test]
    fn fitting_challenge_water_concentration() {
        // The challenge's recipe: 29697 mM at TE 30 ms.
        let water = WaterScaling::default().visible_water_mm(0.030);
        assert!((water - 29697.0).abs() < 1.0, "{water}");
    }

    #[test]
    fn extrapolation_recovers_first_point() {
        let fid: Vec<Complex64> = (0..64)
            .map(|n| Complex64::from_polar(5.0 * (-0.01 * n as f64).exp(), 0.3 * n as f64))
            .collect();
        let mut halved = fid.clone();
        halved[0] *= 0.5;
        assert!((water_amplitude(&halved) - 5.0).abs() < 1e-9);
    }
}
