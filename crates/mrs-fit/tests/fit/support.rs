//! Synthetic basis sets and spectra with known parameters.

use mrs_core::{Acquisition, BasisSet, Complex64, Fid};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use std::f64::consts::{LN_2, PI};

/// Lines `(ppm, protons)` of each synthetic entry; multiplets are split into their lines
/// (J about 7 Hz), which is enough for a fitting test that needs distinct, overlapping
/// shapes rather than exact spin physics.
pub fn synthetic_lines() -> Vec<(&'static str, Vec<(f64, f64)>)> {
    vec![
        (
            "NAA",
            vec![
                (2.008, 3.0),
                (2.486, 0.5),
                (2.52, 0.5),
                (2.673, 0.5),
                (2.70, 0.5),
            ],
        ),
        ("Cr", vec![(3.027, 3.0), (3.913, 2.0)]),
        ("Cho", vec![(3.185, 9.0)]),
        (
            "Ins",
            vec![(3.522, 2.0), (3.614, 2.0), (4.054, 1.0), (3.269, 1.0)],
        ),
        (
            "Glu",
            vec![
                (2.04, 1.0),
                (2.12, 1.0),
                (2.334, 1.0),
                (2.36, 1.0),
                (3.744, 1.0),
            ],
        ),
        ("Lac", vec![(1.303, 1.5), (1.317, 1.5), (4.097, 1.0)]),
        ("Tau", vec![(3.246, 2.0), (3.421, 2.0)]),
        ("PCr", vec![(3.029, 3.0), (3.930, 2.0)]),
    ]
}

/// A basis of the named synthetic entries: sums of 1 Hz Lorentzian lines, each FID starting
/// at its number of protons.
pub fn synthetic_basis(names: &[&str], n_points: usize, dwell_time_s: f64, mhz: f64) -> BasisSet {
    let acquisition = Acquisition::new(dwell_time_s, mhz).expect("valid acquisition");
    let mut basis = BasisSet::new(acquisition.clone()).expect("valid basis");
    for (name, lines) in synthetic_lines() {
        if !names.contains(&name) {
            continue;
        }
        let fid = (0..n_points)
            .map(|n| {
                let t = n as f64 * dwell_time_s;
                lines
                    .iter()
                    .map(|&(ppm, protons)| {
                        let hz = acquisition.ppm_to_hz(ppm);
                        Complex64::from_polar(protons * (-PI * 1.0 * t).exp(), 2.0 * PI * hz * t)
                    })
                    .sum()
            })
            .collect();
        basis.push(name, fid).expect("finite entry");
    }
    basis
}

/// Known parameters of a simulated spectrum.
#[derive(Debug, Clone)]
pub struct Truth {
    pub amplitudes: Vec<f64>,
    pub shift_hz: f64,
    pub lorentzian_hz: f64,
    pub gaussian_hz: f64,
    pub phase0_rad: f64,
}

impl Truth {
    /// Builds a truth with these amplitudes, no shift or phase, and a 2 Hz Lorentzian and
    /// 4 Hz Gaussian lineshape.
    pub fn plain(amplitudes: Vec<f64>) -> Self {
        Truth {
            amplitudes,
            shift_hz: 0.0,
            lorentzian_hz: 2.0,
            gaussian_hz: 4.0,
            phase0_rad: 0.0,
        }
    }
}

/// `exp(i phase0) sum_j a_j b_j(t) exp((-pi l + i 2 pi d) t - (pi g t)^2 / (4 ln 2))` plus
/// complex white noise of SD `noise_sd` per real and imaginary part of each FID point.
pub fn simulate(basis: &BasisSet, truth: &Truth, noise_sd: f64, seed: u64) -> Fid {
    let acquisition = basis.acquisition.clone();
    let dt = acquisition.dwell_time_s;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let normal = Normal::new(0.0, 1.0).expect("valid distribution");
    let samples = (0..basis.n_points())
        .map(|n| {
            let t = n as f64 * dt;
            let x = PI * truth.gaussian_hz * t;
            let lineshape = Complex64::new(
                -PI * truth.lorentzian_hz * t - x * x / (4.0 * LN_2),
                2.0 * PI * truth.shift_hz * t,
            )
            .exp()
                * Complex64::from_polar(1.0, truth.phase0_rad);
            let signal: Complex64 = basis
                .entries()
                .iter()
                .zip(&truth.amplitudes)
                .map(|(entry, a)| entry.fid[n] * *a)
                .sum();
            let noise = if noise_sd > 0.0 {
                Complex64::new(normal.sample(&mut rng), normal.sample(&mut rng)) * noise_sd
            } else {
                Complex64::new(0.0, 0.0)
            };
            signal * lineshape + noise
        })
        .collect();
    Fid::new(samples, acquisition).expect("finite simulation")
}

/// [`simulate`] with every entry's FID (before noise) also multiplied by `envelope(t)`: a
/// lineshape that is not Voigt, such as a main line with a shifted shoulder.
pub fn simulate_with_envelope(
    basis: &BasisSet,
    truth: &Truth,
    envelope: impl Fn(f64) -> Complex64,
    noise_sd: f64,
    seed: u64,
) -> Fid {
    let clean = simulate(basis, truth, 0.0, 0);
    let dt = clean.acquisition().dwell_time_s;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let normal = Normal::new(0.0, 1.0).expect("valid distribution");
    let samples = clean
        .samples()
        .iter()
        .enumerate()
        .map(|(n, value)| {
            let noise = Complex64::new(normal.sample(&mut rng), normal.sample(&mut rng)) * noise_sd;
            value * envelope(n as f64 * dt) + noise
        })
        .collect();
    Fid::new(samples, clean.acquisition().clone()).expect("finite simulation")
}
