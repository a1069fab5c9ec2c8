//! Basis sets used with data of another acquisition: rejection and resampling.

use mrs_core::{Acquisition, CoreError};
use mrs_sim::{
    broaden_for_display, conform, resample, simulate_basis, Library, MismatchPolicy, Sequence,
    SimError, SimulationParameters,
};

fn simulate(acquisition: Acquisition, n_points: usize, names: &[&str]) -> mrs_core::BasisSet {
    let library = Library::builtin().expect("built-in library");
    let parameters = SimulationParameters::new(
        acquisition,
        n_points,
        Sequence::Press {
            te1_s: 0.011,
            te2_s: 0.019,
        },
    )
    .expect("parameters");
    simulate_basis(&library, names, &parameters).expect("simulated")
}

fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

#[test]
fn mismatched_frequency_is_rejected() {
    let basis = simulate(
        Acquisition::new(0.00025, 123.2).expect("acq"),
        2048,
        &["Cr"],
    );
    let data = Acquisition::new(0.00025, 127.8).expect("acq");
    let error = conform(&basis, &data, 2048, MismatchPolicy::Reject).expect_err("mismatch");
    assert!(matches!(
        error,
        SimError::Core(CoreError::ParameterMismatch {
            name: "spectrometer_frequency_mhz",
            ..
        })
    ));
    let same = Acquisition::new(0.00025, 123.2).expect("acq");
    let error = conform(&basis, &same, 1024, MismatchPolicy::Reject).expect_err("points");
    assert!(matches!(
        error,
        SimError::Core(CoreError::LengthMismatch { .. })
    ));
    assert!(conform(&basis, &same, 2048, MismatchPolicy::Reject).is_ok());
}

#[test]
fn resampled_singlets_match_direct_simulation() {
    // Creatine is two singlets, so resampling in ppm is exact up to interpolation error.
    let source = simulate(
        Acquisition::new(0.00025, 123.2).expect("acq"),
        4096,
        &["Cr", "Ace"],
    );
    let target = Acquisition::new(0.0005, 127.8).expect("acq");
    let direct = simulate(target.clone(), 1024, &["Cr", "Ace"]);
    let resampled = conform(&source, &target, 1024, MismatchPolicy::Resample).expect("resampled");
    assert_eq!(resampled.n_points(), 1024);
    assert!(resampled.check_matches(&target).is_ok());
    let direct = broaden_for_display(&direct, 3.0).expect("broadened");
    let resampled = broaden_for_display(&resampled, 3.0).expect("broadened");
    for name in ["Cr", "Ace"] {
        let a = resampled.fid(name).expect("entry").to_spectrum().real();
        let b = direct.fid(name).expect("entry").to_spectrum().real();
        let r = correlation(&a, &b);
        assert!(r > 0.999, "{name}: correlation {r}");
        let first_a = resampled.get(name).expect("entry").fid[0];
        let first_b = direct.get(name).expect("entry").fid[0];
        assert!(
            (first_a - first_b).norm() < 0.02 * first_b.norm(),
            "{name}: area"
        );
    }
}

#[test]
fn samples_beyond_source_duration_are_zero() {
    // Source: 256 points at 0.25 ms = 64 ms. Target: 512 points at 0.25 ms = 128 ms.
    let acquisition = Acquisition::new(0.00025, 123.2).expect("acq");
    let source = simulate(acquisition.clone(), 256, &["Cr"]);
    let resampled = resample(&source, &acquisition, 512).expect("resampled");
    let fid = &resampled.get("Cr").expect("entry").fid;
    assert!(fid[256..].iter().all(|v| v.norm() == 0.0));
    assert!(fid[0].norm() > 1.0);
}

#[test]
fn line_outside_target_bandwidth_is_rejected() {
    // Creatine's NH line at 6.649 ppm lies 246 Hz above 4.65 ppm: outside a 400 Hz target
    // bandwidth (+/- 200 Hz), where it would fold into the spectrum.
    let source = simulate(
        Acquisition::new(0.00025, 123.2).expect("acq"),
        2048,
        &["Cr"],
    );
    let narrow = Acquisition::new(0.0025, 123.2).expect("acq");
    let error = resample(&source, &narrow, 200).expect_err("NH line outside the band");
    assert!(matches!(error, SimError::OutsideBandwidth { ref entry, .. } if entry == "Cr"));
}

#[test]
fn invalid_point_count_is_rejected() {
    let acquisition = Acquisition::new(0.00025, 123.2).expect("acq");
    let source = simulate(acquisition.clone(), 256, &["Cr"]);
    assert!(matches!(
        resample(&source, &acquisition, 0),
        Err(SimError::InvalidParameter {
            name: "n_points",
            ..
        })
    ));
}
