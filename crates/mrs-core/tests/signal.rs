//! Invariants of the signal types and the FFT convention.

use approx::assert_relative_eq;
use mrs_core::{Acquisition, CoreError, DimTag, Fid, MrsData, Spectrum};
use ndarray::{ArrayD, IxDyn};
use num_complex::Complex64;
use proptest::prelude::*;
use std::f64::consts::PI;

const DWELL_S: f64 = 0.0005;
const FREQUENCY_MHZ: f64 = 123.2;

/// One spectral point at 2000 Hz over 1024 points is 1.95 Hz; a peak found by its maximum is
/// within half a point of the true frequency.
const HALF_POINT_HZ: f64 = 0.5 / (1024.0 * DWELL_S);

fn line(offset_hz: f64, t2_s: f64, n_points: usize) -> Fid {
    let samples = (0..n_points)
        .map(|n| {
            let t = n as f64 * DWELL_S;
            Complex64::from_polar((-t / t2_s).exp(), 2.0 * PI * offset_hz * t)
        })
        .collect();
    Fid::new(
        samples,
        Acquisition::new(DWELL_S, FREQUENCY_MHZ).expect("valid"),
    )
    .expect("finite")
}

fn peak_index(spectrum: &Spectrum) -> usize {
    let values = spectrum.values();
    (0..values.len())
        .max_by(|&a, &b| values[a].norm().total_cmp(&values[b].norm()))
        .expect("non-empty")
}

#[test]
fn positive_offset_peaks_at_positive_hz() {
    let spectrum = line(100.0, 0.1, 1024).to_spectrum();
    let peak = peak_index(&spectrum);
    assert!((spectrum.frequency_axis_hz()[peak] - 100.0).abs() <= HALF_POINT_HZ);
    let expected_ppm = 4.65 + 100.0 / FREQUENCY_MHZ;
    assert!((spectrum.ppm_axis()[peak] - expected_ppm).abs() <= HALF_POINT_HZ / FREQUENCY_MHZ);
}

#[test]
fn zero_hz_sits_at_centre_index() {
    for n in [1023, 1024] {
        let spectrum = line(0.0, 0.1, n).to_spectrum();
        assert_eq!(peak_index(&spectrum), n / 2);
        assert_relative_eq!(spectrum.ppm_axis()[n / 2], 4.65);
    }
}

#[test]
fn parseval_holds_with_unscaled_forward_transform() {
    let fid = line(-230.0, 0.05, 1000);
    let spectrum = fid.to_spectrum();
    let time_energy: f64 = fid.samples().iter().map(|c| c.norm_sqr()).sum();
    let frequency_energy: f64 = spectrum.values().iter().map(|c| c.norm_sqr()).sum();
    assert_relative_eq!(frequency_energy, 1000.0 * time_energy, max_relative = 1e-12);
}

#[test]
fn inverse_transform_recovers_fid() {
    let fid = line(37.0, 0.03, 777);
    let back = fid.to_spectrum().to_fid();
    for (a, b) in fid.samples().iter().zip(back.samples()) {
        assert!((a - b).norm() < 1e-12);
    }
}

#[test]
fn frequency_shift_moves_peak() {
    let mut fid = line(100.0, 0.1, 1024);
    fid.shift_frequency_mut(-250.0);
    let spectrum = fid.to_spectrum();
    let peak = peak_index(&spectrum);
    assert!((spectrum.frequency_axis_hz()[peak] + 150.0).abs() <= HALF_POINT_HZ);
}

#[test]
fn zero_fill_keeps_peak_position() {
    let mut fid = line(100.0, 0.1, 1024);
    fid.zero_fill_mut(4096).expect("longer target");
    assert_eq!(fid.n_points(), 4096);
    let spectrum = fid.to_spectrum();
    let peak = peak_index(&spectrum);
    assert!((spectrum.frequency_axis_hz()[peak] - 100.0).abs() <= HALF_POINT_HZ / 4.0);
    assert!(matches!(
        fid.zero_fill_mut(10),
        Err(CoreError::LengthMismatch { .. })
    ));
}

fn fwhm_hz(spectrum: &Spectrum) -> f64 {
    let real = spectrum.real();
    let peak = peak_index(spectrum);
    let half = real[peak] / 2.0;
    let mut left = peak;
    while left > 0 && real[left] > half {
        left -= 1;
    }
    let mut right = peak;
    while right + 1 < real.len() && real[right] > half {
        right += 1;
    }
    // Interpolate the half-height crossings linearly between neighbouring points.
    let left_x = left as f64 + (half - real[left]) / (real[left + 1] - real[left]);
    let right_x = right as f64 - (half - real[right]) / (real[right - 1] - real[right]);
    (right_x - left_x) / (spectrum.n_points() as f64 * DWELL_S)
}

#[test]
fn exponential_apodisation_adds_lorentzian_width() {
    let mut fid = line(0.0, 10.0, 1024);
    fid.zero_fill_mut(16384).expect("longer target");
    let mut broadened = fid.clone();
    broadened.apodize_exponential_mut(8.0).expect("valid width");
    broadened.scale_first_point_mut(0.5);
    // The natural width 1 / (pi * T2) is 0.03 Hz, far below the 8 Hz added.
    assert!((fwhm_hz(&broadened.to_spectrum()) - 8.03).abs() < 0.1);
}

#[test]
fn gaussian_apodisation_gives_requested_width() {
    let mut fid = line(0.0, 1.0e6, 1024);
    fid.zero_fill_mut(16384).expect("longer target");
    fid.apodize_gaussian_mut(12.0).expect("valid width");
    fid.scale_first_point_mut(0.5);
    assert!((fwhm_hz(&fid.to_spectrum()) - 12.0).abs() < 0.1);
}

#[test]
fn negative_linewidth_rejected() {
    let mut fid = line(0.0, 0.1, 64);
    assert!(matches!(
        fid.apodize_exponential_mut(-1.0),
        Err(CoreError::InvalidParameter { .. })
    ));
    assert!(matches!(
        fid.apodize_gaussian_mut(f64::NAN),
        Err(CoreError::InvalidParameter { .. })
    ));
}

#[test]
fn zero_order_phase_rotates_spectrum() {
    let fid = line(50.0, 0.1, 512);
    let mut rotated = fid.clone();
    rotated.phase0_mut(PI / 2.0);
    let a = fid.to_spectrum();
    let b = rotated.to_spectrum();
    for (x, y) in a.values().iter().zip(b.values()) {
        assert!((x * Complex64::i() - y).norm() < 1e-9);
    }
}

#[test]
fn first_order_phase_is_zero_at_pivot() {
    let mut spectrum = line(0.0, 0.1, 1024).to_spectrum();
    let before = spectrum.values()[512];
    spectrum.phase_mut(0.0, 0.3, 4.65);
    assert!((spectrum.values()[512] - before).norm() < 1e-12);
    let ppm = spectrum.ppm_axis();
    let original = line(0.0, 0.1, 1024).to_spectrum();
    let expected = original.values()[700] * Complex64::from_polar(1.0, 0.3 * (ppm[700] - 4.65));
    assert!((spectrum.values()[700] - expected).norm() < 1e-12);
}

#[test]
fn resample_is_exact_on_grid_and_zero_outside() {
    let spectrum = line(100.0, 0.1, 1024).to_spectrum();
    let ppm = spectrum.ppm_axis();
    let grid = [ppm[10], ppm[500], ppm[1023], 100.0, -100.0];
    let values = spectrum.resample_ppm(&grid).expect("finite grid");
    assert!((values[0] - spectrum.values()[10]).norm() < 1e-9);
    assert!((values[1] - spectrum.values()[500]).norm() < 1e-9);
    assert!((values[2] - spectrum.values()[1023]).norm() < 1e-9);
    assert_eq!(values[3], Complex64::new(0.0, 0.0));
    assert_eq!(values[4], Complex64::new(0.0, 0.0));
    let midpoint = (ppm[600] + ppm[601]) / 2.0;
    let interpolated = spectrum.resample_ppm(&[midpoint]).expect("finite grid")[0];
    let expected = (spectrum.values()[600] + spectrum.values()[601]) / 2.0;
    assert!((interpolated - expected).norm() < 1e-9);
}

#[test]
fn non_finite_samples_rejected() {
    let acquisition = Acquisition::new(DWELL_S, FREQUENCY_MHZ).expect("valid");
    let samples = vec![Complex64::new(1.0, 0.0), Complex64::new(f64::NAN, 0.0)];
    match Fid::new(samples, acquisition) {
        Err(CoreError::NonFiniteSample { index, .. }) => assert_eq!(index, 1),
        other => panic!("expected NonFiniteSample, got {other:?}"),
    }
}

#[test]
fn invalid_acquisition_rejected() {
    assert!(Acquisition::new(0.0, 123.2).is_err());
    assert!(Acquisition::new(-1e-3, 123.2).is_err());
    assert!(Acquisition::new(5e-4, f64::INFINITY).is_err());
    assert!(Acquisition::new(5e-4, 1.0e9).is_err());
}

fn multi_coil_data() -> MrsData {
    // 3 coils x 4 averages of one line, each coil with its own phase and gain.
    let n_points = 256;
    let phases = [0.3, -1.2, 2.0];
    let gains = [1.0, 0.5, 0.25];
    let reference = line(20.0, 0.05, n_points);
    let mut array = ArrayD::<Complex64>::zeros(IxDyn(&[n_points, 3, 4]));
    for coil in 0..3 {
        for average in 0..4 {
            for (n, value) in reference.samples().iter().enumerate() {
                array[[n, coil, average]] =
                    value * Complex64::from_polar(gains[coil], phases[coil]);
            }
        }
    }
    MrsData::new(
        array,
        vec![DimTag::Coil, DimTag::Dyn],
        reference.acquisition().clone(),
    )
    .expect("valid data")
}

#[test]
fn average_removes_dimension() {
    let data = multi_coil_data();
    let averaged = data.average(DimTag::Dyn).expect("has DIM_DYN");
    assert_eq!(averaged.shape(), &[256, 3]);
    assert_eq!(averaged.dims(), &[DimTag::Coil]);
    assert!(averaged.average(DimTag::Edit).is_err());
}

#[test]
fn coil_combination_aligns_phases() {
    let data = multi_coil_data().average(DimTag::Dyn).expect("has DIM_DYN");
    let combined = data.combine_coils().expect("has DIM_COIL");
    let fid = combined.to_fid().expect("single FID left");
    // Every coil is rotated to zero phase at t = 0, so the sum is real and positive there.
    assert!(fid.samples()[0].re > 0.0);
    assert!(fid.samples()[0].im.abs() < 1e-12);
}

#[test]
fn squeeze_drops_singleton_dimensions() {
    let fid = line(0.0, 0.1, 64);
    let array = ArrayD::from_shape_vec(IxDyn(&[64, 1, 1]), fid.samples().to_vec()).expect("shape");
    let data = MrsData::new(
        array,
        vec![DimTag::Coil, DimTag::Edit],
        fid.acquisition().clone(),
    )
    .expect("valid");
    let squeezed = data.squeeze();
    assert_eq!(squeezed.shape(), &[64]);
    assert!(squeezed.dims().is_empty());
}

#[test]
fn repeated_dimension_tag_rejected() {
    let fid = line(0.0, 0.1, 8);
    let array = ArrayD::from_shape_vec(IxDyn(&[8, 1, 1]), fid.samples().to_vec()).expect("shape");
    let result = MrsData::new(
        array,
        vec![DimTag::Coil, DimTag::Coil],
        fid.acquisition().clone(),
    );
    assert!(matches!(result, Err(CoreError::Shape { .. })));
}

proptest! {
    #[test]
    fn ppm_hz_round_trip(shift_ppm in -50.0f64..50.0, frequency_mhz in 10.0f64..1000.0) {
        let acquisition = Acquisition::new(DWELL_S, frequency_mhz).expect("valid");
        let back = acquisition.hz_to_ppm(acquisition.ppm_to_hz(shift_ppm));
        prop_assert!((back - shift_ppm).abs() <= 1e-12 * shift_ppm.abs().max(1.0));
    }

    #[test]
    fn index_of_ppm_inverts_axis(k in 0usize..2048) {
        let spectrum = line(0.0, 0.1, 2048).to_spectrum();
        let ppm = spectrum.ppm_axis()[k];
        prop_assert!((spectrum.index_of_ppm(ppm) - k as f64).abs() < 1e-9);
    }
}

/// Klose's correction removes a time-varying phase error that the metabolite and the water
/// FIDs share, and leaves the water FID real and positive.
#[test]
fn eddy_current_correction_removes_shared_phase() {
    let acquisition = Acquisition::new(0.0005, 123.2).expect("valid acquisition");
    let dt = acquisition.dwell_time_s;
    let error = |n: usize| {
        let t = n as f64 * dt;
        0.4 + 3.0 * (-t / 0.02).exp()
    };
    let line = |n: usize, amplitude: f64, hz: f64, fwhm_hz: f64| {
        let t = n as f64 * dt;
        Complex64::from_polar(amplitude * (-PI * fwhm_hz * t).exp(), 2.0 * PI * hz * t)
    };
    let clean: Vec<Complex64> = (0..512).map(|n| line(n, 1.0, -200.0, 3.0)).collect();
    let distorted: Vec<Complex64> = (0..512)
        .map(|n| clean[n] * Complex64::from_polar(1.0, error(n)))
        .collect();
    let water: Vec<Complex64> = (0..512)
        .map(|n| line(n, 50.0, 0.0, 6.0) * Complex64::from_polar(1.0, error(n)))
        .collect();

    let water = Fid::new(water, acquisition.clone()).expect("finite water");
    let mut fid = Fid::new(distorted, acquisition.clone()).expect("finite FID");
    fid.eddy_current_correct_mut(&water).expect("same grid");
    for (corrected, expected) in fid.samples().iter().zip(&clean) {
        assert!(
            (corrected - expected).norm() < 1e-12,
            "{corrected} vs {expected}"
        );
    }

    let mut water_copy = water.clone();
    water_copy
        .eddy_current_correct_mut(&water)
        .expect("same grid");
    assert!(water_copy
        .samples()
        .iter()
        .all(|v| v.im.abs() < 1e-9 && v.re > 0.0));

    let short = Fid::new(vec![Complex64::new(1.0, 0.0); 10], acquisition).expect("finite");
    assert!(matches!(
        fid.eddy_current_correct_mut(&short),
        Err(CoreError::LengthMismatch { .. })
    ));
}
