//! Comparison with the ISMRM 2016 fitting-challenge basis: ideal-pulse PRESS, TE1 11 ms,
//! TE2 19 ms, 123.2 MHz, 4000 Hz, 2048 points (`tests/data/fitting-challenge/basis`).
//!
//! The per-metabolite `.RAW` files are read with `mrs_io::lcmodel::raw`, which conjugates them
//! into the mrs-core convention. They carry no `$SEQPAR`, so frequency and dwell time are given
//! as read options. They contain a 0.1-amplitude reference line at 0 ppm, outside the compared
//! window.

use mrs_core::{fft, Acquisition};
use mrs_io::ReadOptions;
use mrs_sim::{simulate_basis, Library, Sequence, SimulationParameters};
use num_complex::Complex64;
use std::f64::consts::PI;
use std::path::Path;

const DWELL_TIME_S: f64 = 0.00025;
const FREQUENCY_MHZ: f64 = 123.2;
const N_POINTS: usize = 2048;
const WINDOW_PPM: (f64, f64) = (0.2, 4.2);

/// Minimum Pearson correlation of the real spectra over 0.2-4.2 ppm.
const MIN_CORRELATION: f64 = 0.99;

/// Metabolites in both bases: (name in the challenge files, name in mrs-sim).
const SHARED: [(&str, &str); 19] = [
    ("Ace", "Ace"),
    ("Ala", "Ala"),
    ("Asp", "Asp"),
    ("Cr", "Cr"),
    ("GABA", "GABA"),
    ("GPC", "GPC"),
    ("GSH", "GSH"),
    ("Glc", "Glc"),
    ("Gln", "Gln"),
    ("Glu", "Glu"),
    ("Gly", "Gly"),
    ("Ins", "Ins"),
    ("Lac", "Lac"),
    ("NAA", "NAA"),
    ("PCho", "PCh"),
    ("PCr", "PCr"),
    ("PE", "PE"),
    ("Tau", "Tau"),
    ("sIns", "sIns"),
];

/// Reads a per-metabolite `.RAW` file in the mrs-core convention.
fn read_raw(name: &str) -> Vec<Complex64> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/fitting-challenge/basis")
        .join(format!("{name}.RAW"));
    let options = ReadOptions {
        spectrometer_frequency_mhz: Some(FREQUENCY_MHZ),
        dwell_time_s: Some(DWELL_TIME_S),
        ..ReadOptions::default()
    };
    let raw = mrs_io::lcmodel::raw::read(&path, &options).expect("challenge basis file");
    assert_eq!(raw.n_points(), N_POINTS, "{name}: point count");
    raw.fid_samples()
}

/// Broadens by a Lorentzian and a Gaussian (FWHM in Hz) and shifts by `shift_hz`.
fn broaden(
    fid: &[Complex64],
    lorentzian_hz: f64,
    gaussian_hz: f64,
    shift_hz: f64,
) -> Vec<Complex64> {
    fid.iter()
        .enumerate()
        .map(|(n, v)| {
            let t = n as f64 * DWELL_TIME_S;
            let lorentz = (-PI * lorentzian_hz * t).exp();
            let gauss = (-(PI * gaussian_hz * t).powi(2) / (4.0 * 2f64.ln())).exp();
            v * lorentz * gauss * Complex64::from_polar(1.0, 2.0 * PI * shift_hz * t)
        })
        .collect()
}

fn window_real(fid: &[Complex64], acquisition: &Acquisition) -> Vec<f64> {
    let spectrum = fft::fid_to_spectrum(fid);
    (0..N_POINTS)
        .filter(|&k| {
            let hz = fft::frequency_of_index_hz(k, N_POINTS, DWELL_TIME_S);
            let ppm = acquisition.hz_to_ppm(hz);
            ppm >= WINDOW_PPM.0 && ppm <= WINDOW_PPM.1
        })
        .map(|k| spectrum[k].re)
        .collect()
}

fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let mean_a = a.iter().sum::<f64>() / n;
    let mean_b = b.iter().sum::<f64>() / n;
    let mut cov = 0.0;
    let mut var_a = 0.0;
    let mut var_b = 0.0;
    for (x, y) in a.iter().zip(b) {
        cov += (x - mean_a) * (y - mean_b);
        var_a += (x - mean_a).powi(2);
        var_b += (y - mean_b).powi(2);
    }
    cov / (var_a * var_b).sqrt()
}

/// Best correlation over frequency shifts of up to +/- 1 Hz (half a spectral point, 0.008 ppm),
/// and the shift that gives it. Published shift tables differ by a few thousandths of a ppm,
/// and with 2 Hz lines sampled every 1.95 Hz such a difference alone lowers the correlation
/// of a singlet to about 0.95.
fn aligned_correlation(
    fid: &[Complex64],
    reference: &[f64],
    width_hz: (f64, f64),
    acquisition: &Acquisition,
) -> (f64, f64) {
    let mut best = (f64::NEG_INFINITY, 0.0);
    for step in -20..=20 {
        let shift_hz = 0.05 * f64::from(step);
        let ours = window_real(&broaden(fid, width_hz.0, width_hz.1, shift_hz), acquisition);
        let r = correlation(&ours, reference);
        if r > best.0 {
            best = (r, shift_hz);
        }
    }
    best
}

#[test]
fn press_basis_matches_fitting_challenge() {
    let acquisition = Acquisition::new(DWELL_TIME_S, FREQUENCY_MHZ).expect("acquisition");
    let press = Sequence::Press {
        te1_s: 0.011,
        te2_s: 0.019,
    };
    let parameters =
        SimulationParameters::new(acquisition.clone(), N_POINTS, press).expect("parameters");
    let library = Library::builtin().expect("built-in library");
    let names: Vec<&str> = SHARED.iter().map(|(_, ours)| *ours).collect();
    let basis = simulate_basis(&library, &names, &parameters).expect("simulated");

    // Match the line width once, on the creatine singlets, then use it for every metabolite.
    let reference_cr = window_real(&read_raw("Cr"), &acquisition);
    let simulated_cr = &basis.get("Cr").expect("Cr").fid;
    let mut best = (f64::NEG_INFINITY, (0.0, 0.0));
    for l in 0..=16 {
        for g in 0..=16 {
            let width_hz = (0.25 * f64::from(l), 0.25 * f64::from(g));
            let (r, _) = aligned_correlation(simulated_cr, &reference_cr, width_hz, &acquisition);
            if r > best.0 {
                best = (r, width_hz);
            }
        }
    }
    let width_hz = best.1;
    eprintln!(
        "matched line width on Cr: Lorentzian {} Hz, Gaussian {} Hz",
        width_hz.0, width_hz.1
    );

    let mut failures = Vec::new();
    for (theirs, ours) in SHARED {
        let reference = window_real(&read_raw(theirs), &acquisition);
        let fid = &basis.get(ours).expect("simulated entry").fid;
        let simulated = window_real(&broaden(fid, width_hz.0, width_hz.1, 0.0), &acquisition);
        let unaligned = correlation(&simulated, &reference);
        let (aligned, shift_hz) = aligned_correlation(fid, &reference, width_hz, &acquisition);
        let area_ratio = simulated.iter().sum::<f64>() / reference.iter().sum::<f64>();
        eprintln!(
            "{ours:>5}: correlation {aligned:.4} after a {shift_hz:+.2} Hz shift \
             ({unaligned:.4} without), area ratio (ours / challenge) {area_ratio:.3}"
        );
        let minimum = EXCEPTIONS
            .iter()
            .find(|(name, _)| *name == ours)
            .map_or(MIN_CORRELATION, |(_, floor)| *floor);
        if aligned < minimum {
            failures.push(format!("{ours} {aligned:.4} < {minimum}"));
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
}

/// Metabolites below 0.99, with the lower floor that applies to them.
///
/// Measured: Asp 0.943, GSH 0.914, Gln 0.953, Glu 0.988. The causes are the spin-system values,
/// not the simulator. mrs-sim agrees with an independent brute-force density-matrix simulation
/// (`scripts/reference_press.py`, checked in the `golden` tests to 1e-9). A one-off check,
/// not part of the suite, found that removing coherence selection changes nothing with ideal
/// pulses, and that with the refitted shifts below PRESS 11/19 ms matches better than 10/20,
/// 12/18, 15/15 or 19/11 ms. Flipping the sign of the geminal couplings in
/// `data/spin_systems.toml` makes Glu and Gln worse (0.93, 0.94). Setting the shifts to
/// Asp [3.8904, 2.7956, 2.6603], Gln [3.7625, 2.134, 2.112, 2.4275, 2.455] and Glu [3.7453,
/// 2.0385, 2.117, 2.3353, 2.348] ppm (moves of at most 0.01 ppm) and rerunning this test gives
/// Asp 0.9949, Gln 0.9995 and Glu 0.9995. So the challenge used slightly different shifts,
/// which its files do not record.
/// GSH also needs a broader glycine CH2 line than a singlet. The shipped values stay the
/// published ones rather than values tuned to one basis.
const EXCEPTIONS: [(&str, f64); 4] = [("Asp", 0.93), ("GSH", 0.90), ("Gln", 0.94), ("Glu", 0.98)];
