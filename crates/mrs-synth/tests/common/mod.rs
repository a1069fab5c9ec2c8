//! Basis sets and priors shared by the integration tests.
#![allow(dead_code)]

use mrs_core::{Acquisition, BasisSet};
use mrs_io::lcmodel::basis;
use mrs_io::ReadOptions;
use mrs_synth::lines::{add_lipid_lines, default_lipid_lines, lines_fid, Line};
use mrs_synth::{Distribution, GroupPrior, Prior, SpectralPrior};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const DWELL_TIME_S: f64 = 0.0005;
pub const FREQUENCY_MHZ: f64 = 123.2;

pub fn data_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data")
        .join(relative)
}

pub fn example_prior() -> Prior {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("priors/liver_example.toml");
    Prior::read(&path).expect("example prior")
}

/// Unbroadened singlets (zero intrinsic width) with `n_points` points at 2000 Hz, 123.2 MHz.
pub fn singlet_basis(n_points: usize, singlets: &[(&str, f64)]) -> BasisSet {
    let acquisition = Acquisition::new(DWELL_TIME_S, FREQUENCY_MHZ).expect("acquisition");
    let mut basis = BasisSet::new(acquisition).expect("basis");
    for &(name, shift_ppm) in singlets {
        let line = Line {
            shift_ppm,
            amplitude: 1.0,
            lorentzian_fwhm_hz: 0.0,
            gaussian_fwhm_hz: 0.0,
        };
        let fid = lines_fid(&basis.acquisition, n_points, &[line]).expect("line");
        basis.push(name, fid).expect("push");
    }
    basis
}

/// Builds the 15 metabolites and 5 lipids of the example prior as singlets and broad lines,
/// 1024 points. It has the shape of the default target set but is not a physical basis.
pub fn twenty_target_basis() -> BasisSet {
    let metabolites = [
        ("Ala", 1.47),
        ("Asp", 2.80),
        ("Cho", 3.19),
        ("Cr", 3.03),
        ("PCr", 3.93),
        ("GABA", 2.28),
        ("Glc", 3.43),
        ("Gln", 2.45),
        ("Glu", 2.35),
        ("GPC", 3.21),
        ("PCh", 3.22),
        ("GSH", 2.95),
        ("Ins", 3.54),
        ("Lac", 1.31),
        ("Tau", 3.42),
    ];
    let mut basis = singlet_basis(1024, &metabolites);
    add_lipid_lines(&mut basis, &default_lipid_lines()).expect("lipids");
    basis
}

/// Reads the fitting-challenge PRESS TE 30 ms basis (4096 points, 4000 Hz) under the names of
/// the example prior. PCho is renamed PCh and the five lipid lines are added. Free choline,
/// missing from that basis, is added as a 9-proton singlet at 3.185 ppm.
pub fn challenge_basis() -> BasisSet {
    let path = data_path("fitting-challenge/basis/press3T_30ms.BASIS");
    let lcm = basis::read(&path, &ReadOptions::default()).expect("read basis");
    let source = lcm.to_basis_set().expect("basis set");
    let mut renamed = BasisSet::new(source.acquisition.clone()).expect("basis");
    for entry in source.entries() {
        let name = if entry.name == "PCho" {
            "PCh"
        } else {
            entry.name.as_str()
        };
        renamed.push(name, entry.fid.clone()).expect("push");
    }
    let cr_area = renamed.get("Cr").expect("Cr").fid[0].norm();
    let cho = Line {
        shift_ppm: 3.185,
        amplitude: 3.0 * cr_area / 2.5,
        lorentzian_fwhm_hz: 1.0,
        gaussian_fwhm_hz: 0.0,
    };
    let n = renamed.n_points();
    let fid = lines_fid(&renamed.acquisition, n, &[cho]).expect("Cho");
    renamed.push("Cho", fid).expect("push Cho");
    add_lipid_lines(&mut renamed, &default_lipid_lines()).expect("lipids");
    renamed
}

pub fn fixed(value: f64) -> Distribution {
    Distribution::Fixed { value }
}

/// Builds spectral parameters with no broadening, shift, phase, baseline or water, and a fixed SNR.
pub fn quiet_spectral(snr: f64) -> SpectralPrior {
    SpectralPrior {
        lorentzian_fwhm_hz: fixed(0.0),
        gaussian_fwhm_hz: fixed(0.0),
        frequency_shift_ppm: fixed(0.0),
        phase0_deg: fixed(0.0),
        phase1_deg_per_ppm: fixed(0.0),
        snr: fixed(snr),
        baseline_amplitude: fixed(0.0),
        baseline_width_ppm: fixed(1.0),
        water_amplitude: fixed(0.0),
        water_shift_ppm: fixed(4.68),
        water_phase_deg: fixed(0.0),
    }
}

/// Builds a one-group prior over `contents`.
pub fn one_group_prior(contents: &[(&str, Distribution)], spectral: SpectralPrior) -> Prior {
    let mut prior = Prior {
        description: "test".to_string(),
        targets: contents.iter().map(|(n, _)| n.to_string()).collect(),
        signal_window_ppm: [0.2, 4.2],
        phase1_pivot_ppm: 4.65,
        baseline_components: 4,
        groups: vec![GroupPrior {
            name: "test".to_string(),
            weight: 1.0,
            contents: contents
                .iter()
                .map(|(n, d)| (n.to_string(), d.clone()))
                .collect::<BTreeMap<_, _>>(),
            correlations: Vec::new(),
            spectral,
        }],
    };
    prior.validate().expect("valid prior");
    prior
}
