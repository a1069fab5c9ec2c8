//! Broad-line groups: lipids, the Hamilton fat spectrum, glycogen and macromolecules.

use mrs_core::Acquisition;
use mrs_sim::{
    simulate_basis, BroadLineGroup, Library, LineShape, Sequence, SimError, SimulationParameters,
};

fn parameters(sequence: Sequence) -> SimulationParameters {
    let acquisition = Acquisition::new(0.00025, 123.2).expect("valid acquisition");
    SimulationParameters::new(acquisition, 2048, sequence).expect("valid parameters")
}

fn press() -> Sequence {
    Sequence::Press {
        te1_s: 0.011,
        te2_s: 0.019,
    }
}

#[test]
fn lipid_line_has_unit_area_and_width() {
    let library = Library::builtin().expect("built-in library");
    let basis = simulate_basis(&library, &["Lip13"], &parameters(press())).expect("simulated");
    let first = basis.get("Lip13").expect("entry").fid[0];
    assert!((first.re - 1.0).abs() < 1e-12, "first point {first}");
    assert!(first.im.abs() < 1e-12);

    let spectrum = basis.fid("Lip13").expect("entry").to_spectrum();
    let real = spectrum.real();
    let peak = (0..real.len())
        .max_by(|&a, &b| real[a].total_cmp(&real[b]))
        .expect("non-empty");
    let point_hz = 4000.0 / 2048.0;
    let point_ppm = point_hz / 123.2;
    assert!((spectrum.ppm_axis()[peak] - 1.30).abs() <= 0.5 * point_ppm);
    // Gaussian FWHM 0.10 ppm = 12.3 Hz; counting points above half height resolves it to
    // about one point on each side.
    let above = real.iter().filter(|&&v| v > 0.5 * real[peak]).count() as f64;
    assert!(
        (above * point_hz - 12.32).abs() < 2.0 * point_hz,
        "{above} points"
    );
}

#[test]
fn steam_halves_broad_lines() {
    let library = Library::builtin().expect("built-in library");
    let steam = Sequence::Steam {
        echo_time_s: 0.02,
        mixing_time_s: 0.01,
    };
    let basis = simulate_basis(&library, &["Lip09"], &parameters(steam)).expect("simulated");
    let first = basis.get("Lip09").expect("entry").fid[0];
    assert!((first.re - 0.5).abs() < 1e-12, "first point {first}");
}

#[test]
fn fat_areas_sum_to_one() {
    // Hamilton et al. 2011 relative areas: 0.037 + 0.010 + 0.039 + 0.006 + 0.058 + 0.062
    // + 0.058 + 0.642 + 0.088 = 1.000.
    let library = Library::builtin().expect("built-in library");
    let basis = simulate_basis(&library, &["Fat"], &parameters(press())).expect("simulated");
    let first = basis.get("Fat").expect("entry").fid[0];
    assert!((first.re - 1.0).abs() < 1e-9, "first point {first}");
}

#[test]
fn glycogen_has_seven_equal_lines() {
    let library = Library::builtin().expect("built-in library");
    let glycogen = library
        .broad_line_groups()
        .iter()
        .find(|g| g.name == "Glycg")
        .expect("Glycg present");
    let positions: Vec<f64> = glycogen.lines.iter().map(|l| l.0).collect();
    assert_eq!(positions, [3.89, 3.82, 3.75, 3.68, 3.61, 3.54, 3.47]);
    assert!(glycogen.lines.iter().all(|l| (l.1 - 1.0).abs() < 1e-12));
}

#[test]
fn macromolecule_group_is_simulated() {
    let mut library = Library::builtin().expect("built-in library");
    let lines = vec![(0.91, 3.0), (1.21, 2.0), (2.08, 1.5)];
    let group = BroadLineGroup::macromolecules("MM", lines, 0.15, LineShape::Lorentzian)
        .expect("valid macromolecule model");
    library.insert_broad(group);
    let basis = simulate_basis(&library, &["Cr", "MM"], &parameters(press())).expect("simulated");
    let first = basis.get("MM").expect("entry").fid[0];
    assert!((first.re - 6.5).abs() < 1e-9, "first point {first}");
}

#[test]
fn macromolecule_width_must_be_positive() {
    let error = BroadLineGroup::macromolecules("MM", vec![(0.91, 1.0)], -0.1, LineShape::Gaussian)
        .expect_err("negative width");
    assert!(matches!(
        error,
        SimError::InvalidEntry {
            field: "fwhm_ppm",
            ..
        }
    ));
}
