//! The model-input representation: grid, channels, normalisation and window checks.

mod common;

use common::singlet_basis;
use mrs_core::{Acquisition, Complex64, Spectrum};
use mrs_synth::{Channels, Normalisation, Representation, SynthError};
use std::error::Error;

type TestResult = Result<(), Box<dyn Error>>;

fn cr_fid() -> mrs_core::Fid {
    let basis = singlet_basis(2048, &[("Cr", 3.0)]);
    let mut fid = basis.fid("Cr").expect("Cr");
    fid.apodize_exponential_mut(4.0).expect("broaden");
    fid
}

#[test]
fn singlet_peaks_at_its_shift() -> TestResult {
    let representation = Representation {
        n_points: 401,
        ..Representation::default()
    };
    let (x, scale) = representation.apply_fid(&cr_fid())?;
    let axis = representation.ppm_axis();
    assert_eq!(axis.len(), 401);
    assert!((axis[0] - 0.2).abs() < 1e-12);
    assert!((axis[400] - 4.2).abs() < 1e-12);
    let peak = (0..x.len())
        .max_by(|&a, &b| x[a].total_cmp(&x[b]))
        .ok_or("empty")?;
    // The grid step is 0.01 ppm.
    assert!(
        (axis[peak] - 3.0).abs() < 0.011,
        "peak at {} ppm",
        axis[peak]
    );
    assert!((x[peak] - 1.0).abs() < 1e-6, "normalised peak {}", x[peak]);
    assert!(scale > 0.0);
    Ok(())
}

#[test]
fn real_imag_channels_share_scale() -> TestResult {
    let fid = cr_fid();
    let both = Representation {
        channels: Channels::RealImag,
        ..Representation::default()
    };
    let real = Representation::default();
    let (x_both, scale_both) = both.apply_fid(&fid)?;
    let (x_real, scale_real) = real.apply_fid(&fid)?;
    assert_eq!(x_both.len(), 2 * 512);
    assert!((scale_both - scale_real).abs() <= 1e-15 * scale_real);
    assert_eq!(&x_both[..512], &x_real[..]);
    let spectrum = fid.to_spectrum();
    let grid = spectrum.resample_ppm(&both.ppm_axis())?;
    for (i, value) in grid.iter().enumerate() {
        let expected = (value.im * scale_both) as f32;
        assert!(
            (x_both[512 + i] - expected).abs() <= 1e-6 * expected.abs().max(1e-3),
            "point {i}"
        );
    }
    Ok(())
}

#[test]
fn unnormalised_matches_core_resampling() -> TestResult {
    let fid = cr_fid();
    let representation = Representation {
        normalisation: Normalisation::None,
        ..Representation::default()
    };
    let (x, scale) = representation.apply_fid(&fid)?;
    assert!((scale - 1.0).abs() < f64::EPSILON);
    let grid = fid.to_spectrum().resample_ppm(&representation.ppm_axis())?;
    for (i, (a, b)) in x.iter().zip(&grid).enumerate() {
        assert!(
            (f64::from(*a) - b.re).abs() <= 1e-6 * b.re.abs().max(1.0),
            "point {i}"
        );
    }
    Ok(())
}

#[test]
fn l2_normalisation_gives_unit_norm() -> TestResult {
    let representation = Representation {
        normalisation: Normalisation::L2Real,
        ..Representation::default()
    };
    let (x, _) = representation.apply_fid(&cr_fid())?;
    let norm: f64 = x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>().sqrt();
    assert!((norm - 1.0).abs() < 1e-5, "norm {norm}");
    Ok(())
}

#[test]
fn window_outside_spectrum_rejected() -> TestResult {
    // 2000 Hz at 123.2 MHz spans 4.65 +/- 8.1 ppm.
    let representation = Representation {
        ppm_max: 13.0,
        ..Representation::default()
    };
    let spectrum = Spectrum::new(
        vec![Complex64::new(1.0, 0.0); 1024],
        Acquisition::new(0.0005, 123.2)?,
    )?;
    let result = representation.apply_spectrum(&spectrum);
    assert!(
        matches!(result, Err(SynthError::InvalidParameter { .. })),
        "{result:?}"
    );
    Ok(())
}

#[test]
fn reversed_window_rejected() {
    let representation = Representation {
        ppm_min: 4.2,
        ppm_max: 0.2,
        ..Representation::default()
    };
    assert!(matches!(
        representation.validate(),
        Err(SynthError::InvalidParameter { .. })
    ));
}

#[test]
fn reference_area_normalises_window_sum() -> TestResult {
    let representation = Representation {
        normalisation: Normalisation::ReferenceArea {
            ppm_min: 2.9,
            ppm_max: 3.1,
        },
        ..Representation::default()
    };
    let (x, _) = representation.apply_fid(&cr_fid())?;
    let area: f64 = representation
        .ppm_axis()
        .iter()
        .zip(&x)
        .filter(|(p, _)| (2.9..=3.1).contains(*p))
        .map(|(_, &v)| f64::from(v))
        .sum();
    assert!((area - 1.0).abs() < 1e-5, "area {area}");
    Ok(())
}

#[test]
fn empty_reference_window_rejected() {
    let representation = Representation {
        normalisation: Normalisation::ReferenceArea {
            ppm_min: 3.001,
            ppm_max: 3.002,
        },
        ..Representation::default()
    };
    assert!(matches!(
        representation.validate(),
        Err(SynthError::InvalidParameter { .. })
    ));
}

#[test]
fn ppm_spectrum_matches_the_centred_spectrum() -> TestResult {
    // The same spectrum given on its ppm axis, in decreasing order as LCModel prints it, gives
    // the representation of the centred spectrum.
    let spectrum = cr_fid().to_spectrum();
    let representation = Representation {
        n_points: 300,
        ppm_min: 0.5,
        ppm_max: 4.0,
        ..Representation::default()
    };
    let (expected, expected_scale) = representation.apply_spectrum(&spectrum)?;
    let mut ppm = spectrum.ppm_axis();
    let mut real: Vec<f64> = spectrum.values().iter().map(|v| v.re).collect();
    ppm.reverse();
    real.reverse();
    let (x, scale) = representation.apply_ppm_real(&ppm, &real)?;
    assert_eq!(x.len(), expected.len());
    for (a, b) in x.iter().zip(&expected) {
        assert!((a - b).abs() < 1e-6, "{a} vs {b}");
    }
    assert!((scale / expected_scale - 1.0).abs() < 1e-12);
    Ok(())
}

#[test]
fn ppm_spectrum_errors_are_typed() {
    let representation = Representation::default();
    let ppm: Vec<f64> = (0..100).map(|i| 0.1 + i as f64 * 0.03).collect();
    let real = vec![1.0; 100];
    // The axis stops at 3.07 ppm, short of the 4.2 ppm window edge.
    assert!(matches!(
        representation.apply_ppm_real(&ppm, &real),
        Err(SynthError::InvalidParameter { .. })
    ));
    let narrow = Representation {
        ppm_max: 3.0,
        ..Representation::default()
    };
    assert!(narrow.apply_ppm_real(&ppm, &real[..99]).is_err());
    let mut nan = real.clone();
    nan[5] = f64::NAN;
    assert!(narrow.apply_ppm_real(&ppm, &nan).is_err());
    let complex = Representation {
        channels: Channels::RealImag,
        ..narrow.clone()
    };
    assert!(complex.apply_ppm_real(&ppm, &real).is_err());
    assert!(narrow.apply_ppm_real(&ppm, &real).is_ok());
}
