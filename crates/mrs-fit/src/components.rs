//! Broad-line components for lipids, macromolecules and glycogen, built as FIDs when the
//! basis set lacks them.
//!
//! Each component is a group of Gaussian lines at fixed relative areas. The fit scales the
//! group with one amplitude and broadens and shifts it like any basis entry. A component's FID
//! starts at the sum of its relative areas, so amplitudes compare like proton counts. The fit
//! multiplies it by the basis's signal per proton ([`crate::BasisScale`]), so a component's
//! amplitude is on the basis's scale. That signal is measured on Cr, PCr or NAA by default, and
//! taken as 1 when the basis has none of them.

use crate::config::{AmplitudeRatioPrior, LineshapePrior};
use mrs_core::{Acquisition, Complex64};
use serde::{Deserialize, Serialize};
use std::f64::consts::{LN_2, PI};

/// One Gaussian line of a component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BroadLine {
    /// Centre in ppm.
    pub ppm: f64,
    /// Full width at half maximum in ppm.
    pub fwhm_ppm: f64,
    /// Area relative to the other lines of the component.
    pub relative_area: f64,
}

/// A named group of Gaussian lines fitted with one amplitude.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BroadComponent {
    /// Name used in reports, e.g. `"Lip13"`.
    pub name: String,
    /// The lines.
    pub lines: Vec<BroadLine>,
}

impl BroadComponent {
    /// Builds a component from `(ppm, fwhm_ppm, relative_area)` triples.
    pub fn new(name: &str, lines: &[(f64, f64, f64)]) -> Self {
        BroadComponent {
            name: name.to_string(),
            lines: lines
                .iter()
                .map(|&(ppm, fwhm_ppm, relative_area)| BroadLine {
                    ppm,
                    fwhm_ppm,
                    relative_area,
                })
                .collect(),
        }
    }

    /// Samples the component's FID on `n_points` of `acquisition`.
    pub fn fid(&self, acquisition: &Acquisition, n_points: usize) -> Vec<Complex64> {
        let dt = acquisition.dwell_time_s;
        let mut fid = vec![Complex64::new(0.0, 0.0); n_points];
        for line in &self.lines {
            let offset_hz = acquisition.ppm_to_hz(line.ppm);
            let fwhm_hz = line.fwhm_ppm * acquisition.hz_per_ppm();
            for (n, value) in fid.iter_mut().enumerate() {
                let t = n as f64 * dt;
                let x = PI * fwhm_hz * t;
                let envelope = line.relative_area * (-x * x / (4.0 * LN_2)).exp();
                *value += Complex64::from_polar(envelope, 2.0 * PI * offset_hz * t);
            }
        }
        fid
    }
}

/// Intrinsic FWHM in ppm given to the liver lipid and glycogen lines. Inferred: the fit's
/// global and per-entry broadening add the tissue linewidth on top.
pub const LIVER_LINE_FWHM_PPM: f64 = 0.05;

/// Liver components with LCModel's liver names, so results compare with LCModel output. The
/// lipid lines Lip09, Lip13, Lip16, Lip21, Lip23, Lip28, Lip41, Lip43, Lip52 and Lip53 lie at
/// 0.87, 1.28, 1.58, 2.02, 2.23, 2.75, 4.07, 4.27, 5.21 and 5.31 ppm. Glycogen (`Glycg`) is
/// seven equal lines at 3.89, 3.82, 3.75, 3.68, 3.61, 3.54 and 3.47 ppm. The lipid positions
/// are those of LCModel 6.3's liver models (`liver-1.inc`, BSD-3: the `liver-9` lines, with
/// Lip41 and Lip43 where `liver-8` and `liver-11` put them). Each lipid line is a singlet of
/// area 1 and FWHM [`LIVER_LINE_FWHM_PPM`].
///
/// NOTE: only LCModel's names and positions are reproduced; its own widths and relative
/// areas for these lines are not, so amplitudes compare with LCModel's only as ratios.
pub fn liver_components() -> Vec<BroadComponent> {
    let width = LIVER_LINE_FWHM_PPM;
    let lipids = [
        ("Lip09", 0.87),
        ("Lip13", 1.28),
        ("Lip16", 1.58),
        ("Lip21", 2.02),
        ("Lip23", 2.23),
        ("Lip28", 2.75),
        ("Lip41", 4.07),
        ("Lip43", 4.27),
        ("Lip52", 5.21),
        ("Lip53", 5.31),
    ];
    let mut components: Vec<BroadComponent> = lipids
        .iter()
        .map(|&(name, ppm)| BroadComponent::new(name, &[(ppm, width, 1.0)]))
        .collect();
    let glycogen: Vec<(f64, f64, f64)> = [3.89, 3.82, 3.75, 3.68, 3.61, 3.54, 3.47]
        .iter()
        .map(|&ppm| (ppm, width, 1.0 / 7.0))
        .collect();
    components.push(BroadComponent::new("Glycg", &glycogen));
    components
}

/// Brain lipid and macromolecule components with the positions, FWHMs (ppm) and relative
/// amplitudes of LCModel's default simulated lines (`CHSIMU` defaults in the LCModel 6.3
/// source, BSD-3): Lip13a, Lip13b, Lip09, MM09, Lip20, MM20, MM12, MM14 and MM17.
pub fn brain_lipid_mm_components() -> Vec<BroadComponent> {
    vec![
        BroadComponent::new("Lip13a", &[(1.28, 0.15, 2.0)]),
        BroadComponent::new("Lip13b", &[(1.28, 0.089, 2.0)]),
        BroadComponent::new("Lip09", &[(0.89, 0.14, 3.0)]),
        BroadComponent::new("MM09", &[(0.91, 0.14, 3.0)]),
        BroadComponent::new(
            "Lip20",
            &[(2.04, 0.15, 1.33), (2.25, 0.15, 0.67), (2.8, 0.2, 0.87)],
        ),
        BroadComponent::new(
            "MM20",
            &[
                (2.08, 0.15, 1.33),
                (2.25, 0.2, 0.33),
                (1.95, 0.15, 0.33),
                (3.0, 0.2, 0.4),
            ],
        ),
        BroadComponent::new("MM12", &[(1.21, 0.15, 2.0)]),
        BroadComponent::new("MM14", &[(1.43, 0.17, 2.0)]),
        BroadComponent::new("MM17", &[(1.67, 0.15, 2.0)]),
    ]
}

/// Shift priors of LCModel 6.3's default brain lines: the SD in ppm of each line's shift
/// (`SISDSH` in the `CHSIMU` defaults of `LCModel.f`, version 6.3-1N, BSD-3), so that broad
/// lines cannot slide under the metabolite singlets. The Lorentzian prior is the fit's
/// default, `lorentzian_sd_hz`.
pub fn brain_lineshape_priors(lorentzian_sd_hz: f64) -> Vec<LineshapePrior> {
    [
        ("Lip13a", 0.01),
        ("Lip13b", 0.01),
        ("Lip09", 0.02),
        ("MM09", 0.02),
        ("Lip20", 0.005),
        ("MM20", 0.005),
        ("MM12", 0.01),
        ("MM14", 0.02),
        ("MM17", 0.03),
    ]
    .into_iter()
    .map(|(name, shift_sd_ppm)| LineshapePrior {
        name: name.to_string(),
        shift_mean_ppm: 0.0,
        shift_sd_ppm,
        lorentzian_mean_hz: 0.0,
        lorentzian_sd_hz,
    })
    .collect()
}

/// Denominator of LCModel's metabolite priors (`Big3`): creatine, NAA and three times the
/// cholines.
pub const BIG3: &str = "Cr+Cre+PCr+NAA+NAAG+3*Cho+3*GPC+3*PCh+3*PCho";

/// LCModel 6.3's default ratio priors for brain (`CHRATO` in the `BLOCK DATA` of `LCModel.f`,
/// version 6.3-1N, BSD-3), each skipped when the basis lacks its entries:
/// - the lipid and macromolecule lines relative to Lip13 and MM09 (Lip09/Lip13* 0.267 ± 0.1,
///   Lip20/Lip13* 0.15 ± 0.07, MM20/MM09 1.5 ± 0.375, MM12/MM09 0.3 ± 0.1, MM14/MM09
///   0.75 ± 0.45, MM17/MM09 0.375 ± 0.3);
/// - small metabolites relative to [`BIG3`] (Asp 0.05 ± 0.05, GABA 0.03 ± 0.03, Glc
///   0.03 ± 0.03, Scyllo 0.01 ± 0.01, Tau 0.05 ± 0.05);
/// - GSH/(Gln+GSH) 0.286 ± 0.126.
///
/// LCModel drops the GSH prior above an echo time of 49 ms and the Tau prior above 190 MHz,
/// and its `-CrCH2` prior is left out here because no CrCH2 line is simulated.
pub fn brain_ratio_priors() -> Vec<AmplitudeRatioPrior> {
    let prior = |numerator: &str, denominator: &str, ratio: f64, sd: f64, weight: &str| {
        AmplitudeRatioPrior {
            weight_terms: weight.to_string(),
            skip_if_missing: true,
            ..AmplitudeRatioPrior::new(numerator, denominator, ratio, sd)
        }
    };
    vec![
        prior("Lip09", "Lip13*", 0.267, 0.1, "MM12"),
        prior("Lip20", "Lip13*", 0.15, 0.07, "MM12"),
        prior("MM20", "MM09*", 1.5, 0.375, "Lip09*"),
        prior("MM12", "MM09*", 0.3, 0.1, "Lip09*"),
        prior("MM14", "MM09*", 0.75, 0.45, "Lip09*"),
        prior("MM17", "MM09*", 0.375, 0.3, "Lip09*"),
        prior("Asp", BIG3, 0.05, 0.05, ""),
        prior("GABA", BIG3, 0.03, 0.03, ""),
        prior("Glc", BIG3, 0.03, 0.03, ""),
        prior("Scyllo", BIG3, 0.01, 0.01, ""),
        prior("Tau", BIG3, 0.05, 0.05, ""),
        prior("GSH", "Gln+GSH", 0.286, 0.126, ""),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn component_fid_starts_at_total_area() {
        let acquisition = Acquisition::new(0.0005, 123.2).expect("valid acquisition");
        let glycogen = liver_components()
            .into_iter()
            .find(|c| c.name == "Glycg")
            .expect("glycogen present");
        let fid = glycogen.fid(&acquisition, 64);
        assert!((fid[0].re - 1.0).abs() < 1e-12);
        assert!(fid[0].im.abs() < 1e-12);
    }

    #[test]
    fn component_peaks_at_its_ppm() {
        let acquisition = Acquisition::new(0.0005, 123.2).expect("valid acquisition");
        let line = BroadComponent::new("X", &[(1.3, 0.05, 1.0)]);
        let fid =
            mrs_core::Fid::new(line.fid(&acquisition, 2048), acquisition).expect("finite FID");
        let spectrum = fid.to_spectrum();
        let peak = (0..spectrum.n_points())
            .max_by(|&a, &b| spectrum.values()[a].re.total_cmp(&spectrum.values()[b].re))
            .expect("non-empty");
        // One point is 2000 Hz / 2048 = 0.98 Hz = 0.008 ppm at 123.2 MHz.
        assert!((spectrum.ppm_axis()[peak] - 1.3).abs() < 0.008);
    }
}
