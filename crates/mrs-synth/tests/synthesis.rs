//! Synthetic spectra against their drawn parameters: content statistics, linewidth, SNR,
//! phase and shift, and export to files other tools read.

mod common;

use common::*;
use mrs_core::{Complex64, Fid};
use mrs_io::ReadOptions;
use mrs_synth::dataset::generate_shard;
use mrs_synth::export::{export_spectra, ExportFormat};
use mrs_synth::{Correlation, Distribution, Representation, Synthesizer};
use std::error::Error;

type TestResult = Result<(), Box<dyn Error>>;

fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

/// Standard errors allowed between a sample statistic and its expectation.
const STANDARD_ERRORS: f64 = 5.0;

#[test]
fn contents_follow_prior() -> TestResult {
    let contents = [
        // Truncated at 0 two SDs below the mean, so the truncation shifts the moments.
        (
            "A",
            Distribution::TruncatedNormal {
                mean: 1.0,
                sd: 0.5,
                min: None,
                max: None,
            },
        ),
        (
            "B",
            Distribution::TruncatedNormal {
                mean: 0.2,
                sd: 0.5,
                min: None,
                max: Some(1.0),
            },
        ),
        ("C", Distribution::Uniform { min: 0.5, max: 2.5 }),
        (
            "D",
            Distribution::LogNormal {
                mu: 0.0,
                sigma: 0.3,
            },
        ),
        ("E", fixed(0.7)),
    ];
    let basis = singlet_basis(
        256,
        &[("A", 1.0), ("B", 2.0), ("C", 3.0), ("D", 3.5), ("E", 1.5)],
    );
    let prior = one_group_prior(&contents, quiet_spectral(50.0));
    let synth = Synthesizer::new(&basis, &prior, &Representation::default())?;
    let n = 20_000;
    let shard = generate_shard(&synth, 5, 0, n);
    for (k, (name, _)) in contents.iter().enumerate() {
        // The validated prior, whose content normals are truncated at 0.
        let dist = &synth.prior().groups[0].contents[*name];
        let column: Vec<f64> = shard.y.column(k).iter().map(|&v| f64::from(v)).collect();
        let (mean, sd) = mean_sd(&column);
        let (expected_mean, expected_sd) = dist.moments();
        let (lo, hi) = dist.support();
        assert!(
            column
                .iter()
                .all(|&v| v >= lo as f32 as f64 && v <= hi as f32 as f64),
            "{name} outside support"
        );
        if expected_sd == 0.0 {
            assert!((mean - expected_mean).abs() < 1e-6, "{name}: mean {mean}");
            continue;
        }
        // The SE of the mean is sd / sqrt(n). The SE of the SD is about sd / sqrt(2n) for
        // near-normal data, doubled here because the skewed ones have a larger kurtosis.
        let se_mean = expected_sd / (n as f64).sqrt();
        let se_sd = 2.0 * expected_sd / (2.0 * n as f64).sqrt();
        assert!(
            (mean - expected_mean).abs() < STANDARD_ERRORS * se_mean,
            "{name}: mean {mean:.5}, expected {expected_mean:.5} (SE {se_mean:.5})"
        );
        assert!(
            (sd - expected_sd).abs() < STANDARD_ERRORS * se_sd,
            "{name}: SD {sd:.5}, expected {expected_sd:.5} (SE {se_sd:.5})"
        );
    }
    Ok(())
}

#[test]
fn correlation_and_group_weights_follow_prior() -> TestResult {
    let normal = |mean| Distribution::TruncatedNormal {
        mean,
        sd: 1.0,
        min: None,
        max: None,
    };
    let basis = singlet_basis(256, &[("A", 1.0), ("B", 2.0)]);
    let mut prior = one_group_prior(
        &[("A", normal(10.0)), ("B", normal(20.0))],
        quiet_spectral(50.0),
    );
    let r = 0.7;
    prior.groups[0].correlations.push(Correlation {
        targets: ["A".into(), "B".into()],
        r,
    });
    let mut second = prior.groups[0].clone();
    second.name = "second".to_string();
    second.weight = 3.0;
    prior.groups.push(second);
    prior.validate()?;
    let synth = Synthesizer::new(&basis, &prior, &Representation::default())?;
    let n = 20_000;
    let shard = generate_shard(&synth, 11, 0, n);

    let a: Vec<f64> = shard.y.column(0).iter().map(|&v| f64::from(v)).collect();
    let b: Vec<f64> = shard.y.column(1).iter().map(|&v| f64::from(v)).collect();
    let (ma, sa) = mean_sd(&a);
    let (mb, sb) = mean_sd(&b);
    let covariance = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - ma) * (y - mb))
        .sum::<f64>()
        / (n as f64 - 1.0);
    let sample_r = covariance / (sa * sb);
    // SE of a sample correlation coefficient: (1 - r^2) / sqrt(n).
    let se_r = (1.0 - r * r) / (n as f64).sqrt();
    assert!(
        (sample_r - r).abs() < STANDARD_ERRORS * se_r,
        "r = {sample_r:.4}, expected {r}"
    );

    let share = shard.group.iter().filter(|&&g| g == 1).count() as f64 / n as f64;
    let se_share = (0.75 * 0.25 / n as f64).sqrt();
    assert!(
        (share - 0.75).abs() < STANDARD_ERRORS * se_share,
        "second group share {share}"
    );
    Ok(())
}

/// FWHM in Hz of the real spectrum of `fid` around its maximum, zero-filled 16 times.
fn measure_fwhm_hz(fid: &Fid) -> (f64, f64, Complex64) {
    let mut padded = fid.clone();
    padded
        .zero_fill_mut(16 * fid.n_points())
        .expect("zero-fill");
    let spectrum = padded.to_spectrum();
    let values = spectrum.values();
    let magnitude_peak = (0..values.len())
        .max_by(|&a, &b| values[a].norm().total_cmp(&values[b].norm()))
        .expect("points");
    let peak_value = values[magnitude_peak];
    // Rotate by the peak phase so the line is in absorption mode.
    let rotation = peak_value.conj() / peak_value.norm();
    let real: Vec<f64> = values.iter().map(|v| (v * rotation).re).collect();
    let half = real[magnitude_peak] / 2.0;
    let crossing = |step: isize| {
        let mut k = magnitude_peak as isize;
        while real[(k + step) as usize] > half {
            k += step;
        }
        let (inside, outside) = (real[k as usize], real[(k + step) as usize]);
        k as f64 + step as f64 * (inside - half) / (inside - outside)
    };
    let width_points = crossing(1) - crossing(-1);
    let hz_per_point = 1.0 / (spectrum.n_points() as f64 * fid.acquisition().dwell_time_s);
    let peak_ppm = spectrum.ppm_axis()[magnitude_peak];
    (width_points * hz_per_point, peak_ppm, peak_value)
}

#[test]
fn linewidth_shift_and_phase_match_drawn_values() -> TestResult {
    let basis = singlet_basis(1024, &[("Cr", 3.0)]);
    // (Lorentzian, Gaussian, expected Voigt FWHM by Olivero and Longbothum, JQSRT 1977,
    // accurate to 0.02 %).
    let cases: [(f64, f64); 3] = [(8.0, 0.0), (0.0, 10.0), (4.0, 6.0)];
    for (lorentzian, gaussian) in cases {
        let voigt =
            0.5346 * lorentzian + (0.2166 * lorentzian * lorentzian + gaussian * gaussian).sqrt();
        let mut spectral = quiet_spectral(1e9);
        spectral.lorentzian_fwhm_hz = fixed(lorentzian);
        spectral.gaussian_fwhm_hz = fixed(gaussian);
        spectral.frequency_shift_ppm = fixed(0.05);
        spectral.phase0_deg = fixed(30.0);
        let prior = one_group_prior(&[("Cr", fixed(2.0))], spectral);
        let synth = Synthesizer::new(&basis, &prior, &Representation::default())?;
        let (fid, truth) = synth.generate_fid(1, 0);
        let (fwhm, peak_ppm, peak) = measure_fwhm_hz(&fid);
        assert!(
            (fwhm - voigt).abs() < 0.01 * voigt,
            "L {lorentzian}, G {gaussian}: FWHM {fwhm:.3} Hz, expected {voigt:.3}"
        );
        // One zero-filled point is 0.12 Hz, 0.001 ppm.
        assert!((peak_ppm - 3.05).abs() < 0.002, "peak at {peak_ppm} ppm");
        assert!(
            (peak.arg().to_degrees() - 30.0).abs() < 0.5,
            "phase {}",
            peak.arg().to_degrees()
        );
        assert!((truth.nuisance.frequency_shift_ppm - 0.05).abs() < 1e-12);
    }
    Ok(())
}

#[test]
fn measured_snr_matches_drawn_snr() -> TestResult {
    let basis = singlet_basis(1024, &[("Cr", 3.0)]);
    let mut spectral = quiet_spectral(1.0);
    spectral.snr = Distribution::Uniform {
        min: 50.0,
        max: 150.0,
    };
    spectral.lorentzian_fwhm_hz = fixed(8.0);
    let prior = one_group_prior(
        &[("Cr", Distribution::Uniform { min: 1.0, max: 3.0 })],
        spectral,
    );
    let synth = Synthesizer::new(&basis, &prior, &Representation::default())?;
    let mut snr_ratios = Vec::new();
    let mut sd_ratios = Vec::new();
    let mut n_noise_points = 0;
    for index in 0..60 {
        let (spectrum, truth) = synth.generate_spectrum(3, index);
        let ppm = spectrum.ppm_axis();
        // 7-12 ppm is free of signal because the Cr line's tail there is below 1e-4 of its height.
        let noise: Vec<f64> = ppm
            .iter()
            .zip(spectrum.values())
            .filter(|(p, _)| (7.0..12.0).contains(*p))
            .map(|(_, v)| v.re)
            .collect();
        n_noise_points = noise.len();
        let (_, noise_sd) = mean_sd(&noise);

        let peak = ppm
            .iter()
            .zip(spectrum.values())
            .filter(|(p, _)| (0.2..4.2).contains(*p))
            .map(|(_, v)| v.re)
            .fold(f64::MIN, f64::max);
        snr_ratios.push(peak / noise_sd / truth.nuisance.snr);
        sd_ratios.push(noise_sd / truth.nuisance.noise_sd);
    }

    let (snr_ratio, _) = mean_sd(&snr_ratios);
    let (sd_ratio, sd_spread) = mean_sd(&sd_ratios);
    // Each noise SD comes from about 300 points (SE 4 %); 60 spectra bring the mean to 0.5 %.
    let se = 1.0 / (2.0 * (n_noise_points * 60) as f64).sqrt();
    assert!(
        (sd_ratio - 1.0).abs() < STANDARD_ERRORS * se,
        "noise SD ratio {sd_ratio:.4} (spread {sd_spread:.3})"
    );
    // The noisy peak maximum is biased up by well under one noise SD, below 2 % at SNR >= 50.
    assert!(
        (snr_ratio - 1.0).abs() < 0.03,
        "measured / drawn SNR {snr_ratio:.4}"
    );
    Ok(())
}

#[test]
fn lcmodel_export_reads_back_to_printed_precision() -> TestResult {
    let basis = challenge_basis();
    let prior = example_prior();
    let synth = Synthesizer::new(&basis, &prior, &Representation::default())?;
    let folder = tempfile::tempdir()?;
    let paths = export_spectra(folder.path(), &synth, 17, 4, 2, ExportFormat::Lcmodel)?;
    assert_eq!(paths.len(), 2);
    let options = ReadOptions {
        dwell_time_s: Some(synth.acquisition().dwell_time_s),
        ..ReadOptions::default()
    };
    for (offset, path) in paths.iter().enumerate() {
        let (expected, _) = synth.generate_fid(17, 4 + offset as u64);
        let raw = mrs_io::lcmodel::raw::read(path, &options)?;
        let samples = raw.fid_samples();
        assert_eq!(samples.len(), expected.n_points());
        // (2E15.6) prints 7 significant digits: each part is within half a unit of the 7th.
        for (n, (read, written)) in samples.iter().zip(expected.samples()).enumerate() {
            for (r, w) in [(read.re, written.re), (read.im, written.im)] {
                assert!(
                    (r - w).abs() <= 5.0001e-7 * w.abs() + 1e-300,
                    "point {n}: {r} vs {w}"
                );
            }
        }
        let frequency = raw.acquisition.spectrometer_frequency_mhz;
        assert!((frequency - synth.acquisition().spectrometer_frequency_mhz).abs() < 1e-6);
    }
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.path().join("truth.json"))?)?;
    assert_eq!(truth["spectra"].as_array().map(Vec::len), Some(2));
    Ok(())
}

#[test]
fn exported_nifti_gives_dataset_representation() -> TestResult {
    let basis = challenge_basis();
    let synth = Synthesizer::new(&basis, &example_prior(), &Representation::default())?;
    let folder = tempfile::tempdir()?;
    let paths = export_spectra(folder.path(), &synth, 2, 0, 3, ExportFormat::Nifti)?;
    let shard = generate_shard(&synth, 2, 0, 3);
    for (i, path) in paths.iter().enumerate() {
        let data = mrs_io::nifti::read(path, &ReadOptions::default())?.to_mrs_data()?;
        let fid = data.to_fid()?;
        let (x, _) = synth.representation().apply_fid(&fid)?;
        let row = shard.x.slice(ndarray::s![i, 0, ..]);
        // complex64 storage rounds each sample to 6e-8 relative; after normalisation to a
        // maximum of 1 that leaves differences of order 1e-6.
        let worst = x
            .iter()
            .zip(row.iter())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-4, "spectrum {i}: largest difference {worst}");
    }
    Ok(())
}

#[test]
fn missing_basis_entry_rejected() {
    let basis = singlet_basis(256, &[("Cr", 3.0)]);
    let prior = one_group_prior(&[("GABA", fixed(1.0))], quiet_spectral(20.0));
    match Synthesizer::new(&basis, &prior, &Representation::default()) {
        Err(mrs_synth::SynthError::MissingBasisEntry { target, available }) => {
            assert_eq!(target, "GABA");
            assert_eq!(available, "Cr");
        }
        other => panic!("expected MissingBasisEntry, got {other:?}"),
    }
}
