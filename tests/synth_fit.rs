//! A synthetic spectrum exported to LCModel `.RAW` and fitted by the NLLS fitter recovers its
//! contents.
//!
//! The synthesizer draws spectra from a prior over six entries of the fitting-challenge PRESS
//! TE 30 ms basis, with no baseline and no residual water. So the fit model (a basis sum with
//! shared Lorentzian and Gaussian broadening, shift and phases) can describe the signal
//! exactly, and only the noise limits the recovery. The spectra go through the `.RAW` writer
//! and reader, as they would for LCModel, and are fitted with the default settings.

use mrs_fit::{FitConfig, Fitter};
use mrs_synth::export::{export_spectra, ExportFormat, TRUTH_FILE};
use mrs_synth::{Prior, Representation, Synthesizer};
use mrskit::core::BasisSet;
use mrskit::io::lcmodel::{basis, raw};
use mrskit::io::ReadOptions;
use std::path::{Path, PathBuf};

/// Basis entries fitted and synthesised: singlets and multiplets between 1.3 and 4.1 ppm.
/// They overlap (Cr, PCho and Ins at 3.0-3.6 ppm, Glu at 2.0-2.4 ppm beside NAA), so the fit
/// is more than peak picking.
const TARGETS: [&str; 6] = ["NAA", "Cr", "PCho", "Ins", "Glu", "Lac"];

/// Prior with brain-like contents in basis units (about mM for this basis) and SNR 200, the
/// tallest peak over the noise SD as `mrs_synth::synth` defines it. Widths, shift and phases
/// are small, as in a good 3 T spectrum, and the baseline and water amplitudes are zero.
const PRIOR: &str = r#"
description = "Synthetic brain-like spectra for the export-and-fit acceptance test"
targets = ["NAA", "Cr", "PCho", "Ins", "Glu", "Lac"]
signal_window_ppm = [0.2, 4.2]
baseline_components = 0

[[groups]]
name = "synthetic"

[groups.contents]
NAA = { dist = "truncated_normal", mean = 10.0, sd = 1.0, min = 7.0, max = 13.0 }
Cr = { dist = "truncated_normal", mean = 8.0, sd = 1.0, min = 5.0, max = 11.0 }
PCho = { dist = "truncated_normal", mean = 2.0, sd = 0.3, min = 1.2, max = 2.8 }
Ins = { dist = "truncated_normal", mean = 6.0, sd = 1.0, min = 3.0, max = 9.0 }
Glu = { dist = "truncated_normal", mean = 10.0, sd = 1.5, min = 6.0, max = 14.0 }
Lac = { dist = "truncated_normal", mean = 2.0, sd = 0.5, min = 1.0, max = 3.0 }

[groups.spectral]
lorentzian_fwhm_hz = { dist = "truncated_normal", mean = 4.0, sd = 1.0, min = 2.0, max = 7.0 }
gaussian_fwhm_hz = { dist = "uniform", min = 2.0, max = 6.0 }
frequency_shift_ppm = { dist = "uniform", min = -0.03, max = 0.03 }
phase0_deg = { dist = "uniform", min = -10.0, max = 10.0 }
phase1_deg_per_ppm = { dist = "uniform", min = -1.0, max = 1.0 }
snr = { dist = "fixed", value = 200.0 }
baseline_amplitude = { dist = "fixed", value = 0.0 }
baseline_width_ppm = { dist = "fixed", value = 1.0 }
water_amplitude = { dist = "fixed", value = 0.0 }
water_shift_ppm = { dist = "fixed", value = 4.68 }
water_phase_deg = { dist = "fixed", value = 0.0 }
"#;

const SEED: u64 = 20_261_204;
const FIRST_INDEX: u64 = 0;
const N_SPECTRA: u64 = 3;

fn data_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(relative)
}

/// Reads the six target entries of the fitting-challenge basis into a basis set of their own.
fn target_basis() -> BasisSet {
    let path = data_path("fitting-challenge/basis/press3T_30ms.BASIS");
    let full = basis::read(&path, &ReadOptions::default())
        .expect("the challenge basis reads")
        .to_basis_set()
        .expect("the challenge basis is valid");
    let mut subset = BasisSet::new(full.acquisition.clone()).expect("basis acquisition");
    for name in TARGETS {
        let entry = full
            .get(name)
            .unwrap_or_else(|| panic!("{name} missing from the challenge basis"));
        subset
            .push(name, entry.fid.clone())
            .expect("entry has the basis length");
    }
    subset
}

#[test]
fn raw_export_fits_to_true_contents() {
    let basis = target_basis();
    let prior =
        Prior::from_toml_str(PRIOR, Path::new("synth_fit prior")).expect("the prior is valid");
    assert_eq!(prior.targets, TARGETS);
    let synth = Synthesizer::new(&basis, &prior, &Representation::default())
        .expect("prior matches the basis");

    let folder = tempfile::tempdir().expect("temporary folder");
    let paths = export_spectra(
        folder.path(),
        &synth,
        SEED,
        FIRST_INDEX,
        N_SPECTRA,
        ExportFormat::Lcmodel,
    )
    .expect("export");
    assert_eq!(paths.len(), N_SPECTRA as usize);

    // truth.json lists the dwell time the .RAW files lack and the contents of each spectrum.
    let truth_text =
        std::fs::read_to_string(folder.path().join(TRUTH_FILE)).expect("truth.json written");
    let truth_json: serde_json::Value = serde_json::from_str(&truth_text).expect("truth JSON");
    let dwell_time_s = truth_json["dwell_time_s"]
        .as_f64()
        .expect("dwell time in truth.json");
    assert!(
        (dwell_time_s - basis.acquisition.dwell_time_s).abs() < 1e-15,
        "truth.json dwell time {dwell_time_s} s, basis {} s",
        basis.acquisition.dwell_time_s
    );

    let fitter = Fitter::new(
        basis.clone(),
        FitConfig::default().check().expect("default settings"),
    )
    .expect("non-empty basis");
    let options = ReadOptions {
        dwell_time_s: Some(dwell_time_s),
        ..ReadOptions::default()
    };

    for (offset, path) in paths.iter().enumerate() {
        let index = FIRST_INDEX + offset as u64;
        let (expected_fid, truth) = synth.generate_fid(SEED, index);
        let file = raw::read(path, &options).expect("exported .RAW reads back");
        let fid = file
            .to_mrs_data()
            .expect("one FID")
            .to_fid()
            .expect("one FID");

        // The writer keeps 7 significant digits (`1.234567E-03`), so each real and imaginary
        // part is within half a unit of the mantissa's sixth decimal, 5e-7 of its magnitude.
        // The factor 1.000001 covers the binary rounding on reading.
        assert_eq!(fid.n_points(), expected_fid.n_points());
        assert!(
            (fid.acquisition().spectrometer_frequency_mhz
                - basis.acquisition.spectrometer_frequency_mhz)
                .abs()
                < 1e-6,
            "frequency {} MHz read back",
            fid.acquisition().spectrometer_frequency_mhz
        );
        for (k, (read, written)) in fid.samples().iter().zip(expected_fid.samples()).enumerate() {
            for (a, b) in [(read.re, written.re), (read.im, written.im)] {
                assert!(
                    (a - b).abs() <= 5e-7 * 1.000_001 * b.abs(),
                    "{}: sample {k} read {a:e}, generated {b:e}",
                    path.display()
                );
            }
        }

        // Truth contents are listed in prior order, which is TARGETS order.
        let listed = &truth_json["spectra"][offset]["contents"];
        for (name, &content) in TARGETS.iter().zip(&truth.contents) {
            let value = listed[*name].as_f64().expect("content in truth.json");
            assert!(
                (value - content).abs() <= 1e-12 * content.abs(),
                "{name}: truth.json {value}, generate_fid {content}"
            );
        }

        let result = fitter.fit_fid(&fid).expect("the exported spectrum fits");
        let nuisance = &truth.nuisance;
        // The generator phases about 4.65 ppm and the fit about the window centre. Both add
        // the phase to the model, so the true phase at the fit's pivot compares directly.
        let pivot_offset_ppm = result.phase1_pivot_ppm - prior.phase1_pivot_ppm;
        let true_phase0_deg =
            (nuisance.phase0_rad + nuisance.phase1_rad_per_ppm * pivot_offset_ppm).to_degrees();
        let true_phase1_deg_per_ppm = nuisance.phase1_rad_per_ppm.to_degrees();
        eprintln!(
            "spectrum {index}: {}, SNR {:.1} (generator {:.0}), shift {:+.4} ppm (true {:+.4}), \
             phase {:+.2} deg {:+.2} deg/ppm at {:.2} ppm (true {:+.2}, {:+.2}), \
             Lorentzian {:.2} Hz (true {:.2}), Gaussian {:.2} Hz (true {:.2})",
            result.report.termination,
            result.report.snr,
            nuisance.snr,
            result.shift_ppm,
            nuisance.frequency_shift_ppm,
            result.phase0_deg,
            result.phase1_deg_per_ppm,
            result.phase1_pivot_ppm,
            true_phase0_deg,
            true_phase1_deg_per_ppm,
            result.lorentzian_hz,
            nuisance.lorentzian_fwhm_hz,
            result.gaussian_hz,
            nuisance.gaussian_fwhm_hz,
        );
        assert!(result.report.converged, "{}", result.report.termination);

        // The starting grid steps by 0.02 ppm and 30 degrees, so these bounds need the
        // solver's refinement. They leave room for the per-entry shifts and widths, which
        // trade a little with the global ones.
        assert!(
            (result.shift_ppm - nuisance.frequency_shift_ppm).abs() < 0.002,
            "spectrum {index}: shift {} ppm, true {}",
            result.shift_ppm,
            nuisance.frequency_shift_ppm
        );
        assert!(
            (result.phase0_deg - true_phase0_deg).abs() < 2.0,
            "spectrum {index}: phase {} deg, true {true_phase0_deg}",
            result.phase0_deg
        );
        assert!(
            (result.lorentzian_hz - nuisance.lorentzian_fwhm_hz).abs() < 0.5,
            "spectrum {index}: Lorentzian {} Hz, true {}",
            result.lorentzian_hz,
            nuisance.lorentzian_fwhm_hz
        );
        assert!(
            (result.gaussian_hz - nuisance.gaussian_fwhm_hz).abs() < 0.5,
            "spectrum {index}: Gaussian {} Hz, true {}",
            result.gaussian_hz,
            nuisance.gaussian_fwhm_hz
        );
        // The generator's SNR is the peak over the noise SD. The fit reports LCModel's, the
        // peak over twice the residual RMS, so a fit down to the noise gives half the
        // generator's. 15 % covers the residual's scatter and the fitted degrees of freedom.
        let expected_snr = nuisance.snr / 2.0;
        assert!(
            (result.report.snr - expected_snr).abs() < 0.15 * expected_snr,
            "spectrum {index}: fitted SNR {}, expected {expected_snr}",
            result.report.snr
        );

        // Amplitudes multiply the basis entries, as the contents do, and neither the
        // synthesizer (its normalisation acts on the network representation only) nor the
        // `.RAW` writer (VOLUME = TRAMP = 1) rescales the FID, so they compare directly.
        // Tolerance: 3 % for the model freedom the generator lacks (per-entry shifts and
        // widths, spline baseline, all held by priors) plus three CRLBs for the noise.
        for (name, &content) in TARGETS.iter().zip(&truth.contents) {
            let entry = result.entry(name).expect("target fitted");
            let error = entry.amplitude - content;
            let tolerance = 0.03 * content + 3.0 * entry.crlb;
            eprintln!(
                "  {name:5} true {content:7.4} fitted {:7.4} error {:+6.2} % ({:+5.2} CRLB, \
                 CRLB {:.2} %)",
                entry.amplitude,
                100.0 * error / content,
                error / entry.crlb,
                entry.crlb_percent
            );
            assert!(
                error.abs() <= tolerance,
                "spectrum {index} {name}: fitted {}, true {content}, CRLB {}, allowed {tolerance}",
                entry.amplitude,
                entry.crlb
            );
        }
    }
}
