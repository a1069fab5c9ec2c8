//! Physical invariants of the simulation: Hermiticity, conserved traces, peak positions,
//! coupling patterns and areas.

use mrs_core::{Acquisition, Fid};
use mrs_sim::{
    broaden_for_display, metabolite_lines, run_events, simulate_basis, CoupledGroup, DensityMatrix,
    Event, Library, Line, Sequence, SimulationParameters,
};
use num_complex::Complex64;

/// Relative rounding error of double-precision matrix algebra on 128 x 128 matrices.
const ALGEBRA_TOLERANCE: f64 = 1e-10;

fn acquisition() -> Acquisition {
    Acquisition::new(0.00025, 123.2).expect("valid acquisition")
}

fn parameters(sequence: Sequence) -> SimulationParameters {
    SimulationParameters::new(acquisition(), 2048, sequence).expect("valid parameters")
}

fn one_entry_library(toml: &str) -> Library {
    Library::from_toml_str(toml, "test").expect("valid test library")
}

fn total_amplitude(lines: &[Line], lo_hz: f64, hi_hz: f64) -> Complex64 {
    lines
        .iter()
        .filter(|l| l.frequency_hz >= lo_hz && l.frequency_hz <= hi_hz)
        .map(|l| l.amplitude)
        .sum()
}

#[test]
fn density_matrix_stays_hermitian_with_conserved_traces() {
    // Alpha-glucose, 7 coupled spins, through arbitrary flip angles, phases and delays.
    let library = Library::builtin().expect("built-in library");
    let glucose = library.metabolite("Glc").expect("Glc present");
    let system = &glucose.systems[0];
    let offsets: Vec<f64> = system
        .shifts_ppm
        .iter()
        .map(|&ppm| acquisition().ppm_to_hz(ppm))
        .collect();
    let group = CoupledGroup::new(&offsets, &system.couplings_hz);
    // A state with a non-zero trace: identity plus the thermal deviation.
    let mut rho = DensityMatrix::thermal(7);
    let identity = nalgebra::DMatrix::<Complex64>::identity(128, 128);
    rho = DensityMatrix::from_matrix(rho.matrix() + identity * Complex64::new(0.3, 0.0))
        .expect("square power-of-two matrix");
    let trace = rho.trace();
    let purity = rho.trace_of_square();
    let events = [
        (73.0, 10.0, 0.0123),
        (151.0, 95.0, 0.0071),
        (90.0, 270.0, 0.0402),
    ];
    for (flip_deg, phase_deg, delay_s) in events {
        let flip: f64 = flip_deg;
        let phase: f64 = phase_deg;
        rho.rotate(flip.to_radians(), phase.to_radians());
        group.evolve(&mut rho, delay_s);
        let scale = purity.norm();
        assert!(rho.hermitian_deviation() < ALGEBRA_TOLERANCE);
        assert!((rho.trace() - trace).norm() < ALGEBRA_TOLERANCE * trace.norm());
        assert!((rho.trace_of_square() - purity).norm() < ALGEBRA_TOLERANCE * scale);
    }
}

#[test]
fn singlet_peaks_at_its_shift() {
    let library = one_entry_library(
        r#"
        [[metabolite]]
        name = "S"
        source = "test singlet"
        [[metabolite.system]]
        amplitude = 1.0
        shifts_ppm = [3.03, 3.03, 3.03]
        couplings_hz = []
        "#,
    );
    for sequence in [
        Sequence::PulseAcquire,
        Sequence::Press {
            te1_s: 0.011,
            te2_s: 0.019,
        },
        Sequence::Steam {
            echo_time_s: 0.02,
            mixing_time_s: 0.01,
        },
    ] {
        let basis = simulate_basis(&library, &["S"], &parameters(sequence)).expect("simulated");
        let broadened = broaden_for_display(&basis, 2.0).expect("broadened");
        let spectrum = broadened.fid("S").expect("entry").to_spectrum();
        let real = spectrum.real();
        let peak = (0..real.len())
            .max_by(|&a, &b| real[a].total_cmp(&real[b]))
            .expect("non-empty");
        // Half a point: 4000 Hz / 2048 / 2 = 0.98 Hz = 0.0079 ppm at 123.2 MHz.
        let half_point_ppm = 0.5 * 4000.0 / 2048.0 / 123.2;
        assert!((spectrum.ppm_axis()[peak] - 3.03).abs() <= half_point_ppm);
        // Absorptive and positive: a real, positive first point is a zero-order phase of 0.
        let first = basis.get("S").expect("entry").fid[0];
        assert!(real[peak] > 0.0);
        assert!(first.re > 0.0);
        assert!(first.im.abs() < 1e-12 * first.re, "first point {first}");
    }
}

#[test]
fn singlet_amplitude_per_sequence() {
    let group = CoupledGroup::new(&[-199.6], &[]);
    let cases = [
        (Sequence::PulseAcquire, 1.0),
        (Sequence::SpinEcho { echo_time_s: 0.03 }, 1.0),
        (
            Sequence::Press {
                te1_s: 0.011,
                te2_s: 0.019,
            },
            1.0,
        ),
        (
            Sequence::Steam {
                echo_time_s: 0.02,
                mixing_time_s: 0.01,
            },
            0.5,
        ),
    ];
    for (sequence, expected) in cases {
        let total: Complex64 = run_events(&group, &sequence.events())
            .iter()
            .map(|l| l.amplitude)
            .sum();
        assert!((total - Complex64::new(expected, 0.0)).norm() < ALGEBRA_TOLERANCE);
    }
}

fn two_spin_library(shift_a: f64, shift_b: f64, coupling_hz: f64) -> Library {
    one_entry_library(&format!(
        r#"
        [[metabolite]]
        name = "AB"
        source = "test pair"
        [[metabolite.system]]
        amplitude = 1.0
        shifts_ppm = [{shift_a}, {shift_b}]
        couplings_hz = [[0, 1, {coupling_hz}]]
        "#
    ))
}

#[test]
fn ax_doublet_splits_by_coupling() {
    for (shift_b, label) in [(2.0, "weak AX"), (3.95, "strong AB")] {
        let library = two_spin_library(4.0, shift_b, 7.0);
        let metabolite = library.metabolite("AB").expect("entry");
        let lines =
            metabolite_lines(metabolite, &parameters(Sequence::PulseAcquire)).expect("simulated");
        assert_eq!(lines.len(), 4, "{label}: an AB system has four lines");
        // In AB and AX systems alike, each doublet's lines are exactly J apart.
        let gap_low = lines[1].frequency_hz - lines[0].frequency_hz;
        let gap_high = lines[3].frequency_hz - lines[2].frequency_hz;
        assert!((gap_low - 7.0).abs() < 1e-9, "{label}: gap {gap_low}");
        assert!((gap_high - 7.0).abs() < 1e-9, "{label}: gap {gap_high}");
        let inner = lines[1].amplitude.re;
        let outer = lines[0].amplitude.re;
        if label == "weak AX" {
            assert!((inner / outer - 1.0).abs() < 0.1);
        } else {
            // Roof effect: the inner lines gain at the expense of the outer ones.
            assert!(inner > 2.0 * outer);
        }
    }
}

#[test]
fn lactate_doublet_inverts_at_one_over_j() {
    let library = Library::builtin().expect("built-in library");
    let lactate = library.metabolite("Lac").expect("Lac present");
    let coupling_hz = 6.933;
    let methyl_hz = acquisition().ppm_to_hz(1.3142);
    let methyl = |te_s: f64| {
        let lines = metabolite_lines(
            lactate,
            &parameters(Sequence::SpinEcho { echo_time_s: te_s }),
        )
        .expect("simulated");
        total_amplitude(&lines, methyl_hz - 20.0, methyl_hz + 20.0)
    };
    let at_zero = methyl(0.0);
    let at_one = methyl(1.0 / coupling_hz);
    let at_two = methyl(2.0 / coupling_hz);
    // Strong coupling puts about 1e-8 of the intensity into combination lines elsewhere.
    assert!((at_zero.re - 3.0).abs() < 1e-6, "at 0: {at_zero}");
    // Weak coupling predicts 3 cos(pi J TE); the 343 Hz shift difference makes the
    // strong-coupling correction below 1 %.
    assert!((at_one.re + 3.0).abs() < 0.03, "at 1/J: {at_one}");
    assert!((at_two.re - 3.0).abs() < 0.03, "at 2/J: {at_two}");
    assert!(at_one.im.abs() < 0.03);
}

#[test]
fn multiplet_areas_sum_to_proton_count() {
    // After a 90 degree pulse every proton contributes 1, whatever the couplings.
    let library = Library::builtin().expect("built-in library");
    let parameters = parameters(Sequence::PulseAcquire);
    for metabolite in library.metabolites() {
        let lines = metabolite_lines(metabolite, &parameters).expect("simulated");
        let total: Complex64 = lines.iter().map(|l| l.amplitude).sum();
        let expected: f64 = metabolite
            .systems
            .iter()
            .map(|s| s.amplitude * s.shifts_ppm.len() as f64)
            .sum();
        assert!(
            (total - Complex64::new(expected, 0.0)).norm() < 1e-9 * expected,
            "{}: {total} vs {expected}",
            metabolite.name
        );
    }
}

#[test]
fn fid_first_point_equals_line_sum() {
    let library = Library::builtin().expect("built-in library");
    let press = parameters(Sequence::Press {
        te1_s: 0.011,
        te2_s: 0.019,
    });
    let basis = simulate_basis(&library, &["Glu", "Lac"], &press).expect("simulated");
    for name in ["Glu", "Lac"] {
        let lines =
            metabolite_lines(library.metabolite(name).expect("entry"), &press).expect("simulated");
        let total: Complex64 = lines.iter().map(|l| l.amplitude).sum();
        let fid: Fid = basis.fid(name).expect("entry");
        assert!((fid.samples()[0] - total).norm() < 1e-9);
    }
}

#[test]
fn hard_pulse_of_180_inverts_all_orders() {
    // A perfect 180 degree pulse maps coherence order p to -p, so crusher selection after it
    // leaves a PRESS signal unchanged: compare with and without selection events.
    let library = Library::builtin().expect("built-in library");
    let system = &library.metabolite("Glu").expect("Glu").systems[0];
    let offsets: Vec<f64> = system
        .shifts_ppm
        .iter()
        .map(|&ppm| acquisition().ppm_to_hz(ppm))
        .collect();
    let group = CoupledGroup::new(&offsets, &system.couplings_hz);
    let press = Sequence::Press {
        te1_s: 0.011,
        te2_s: 0.019,
    }
    .events();
    let unselected: Vec<Event> = press
        .iter()
        .copied()
        .filter(|e| !matches!(e, Event::SelectCoherence { .. }))
        .collect();
    let with: Complex64 = run_events(&group, &press).iter().map(|l| l.amplitude).sum();
    let without: Complex64 = run_events(&group, &unselected)
        .iter()
        .map(|l| l.amplitude)
        .sum();
    assert!((with - without).norm() < ALGEBRA_TOLERANCE * 5.0);
    assert!(with.norm() > 1.0);
}

#[test]
fn flip_angle_scales_signal_by_sine() {
    let group = CoupledGroup::new(&[35.0], &[]);
    for flip_deg in [10.0f64, 30.0, 60.0, 120.0] {
        let events = [Event::Pulse {
            flip_angle_rad: flip_deg.to_radians(),
            phase_rad: 90f64.to_radians(),
        }];
        let total: Complex64 = run_events(&group, &events)
            .iter()
            .map(|l| l.amplitude)
            .sum();
        let expected = flip_deg.to_radians().sin();
        assert!(
            (total.re - expected).abs() < ALGEBRA_TOLERANCE,
            "{flip_deg} degrees"
        );
        assert!(total.im.abs() < ALGEBRA_TOLERANCE, "{flip_deg} degrees");
    }
}
