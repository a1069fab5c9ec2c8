//! LCModel `.RAW`, `.H2O`, `.BASIS`, control and `.COORD` files, read from the real files in
//! `tests/data` and checked against values printed in them, against the same signals in other
//! formats, and against the chemical shifts of known lines.

// Header values parsed from a file's text must equal the literal printed there bit for bit,
// and round trips are specified to be exact, so these tests compare floats exactly.
#![allow(clippy::float_cmp)]

use mrs_core::{Acquisition, BasisSet, Complex64, Fid, MrsData};
use mrs_io::lcmodel::{basis, control, coord, raw, table};
use mrs_io::{ErrorKind, ReadOptions};
use std::path::{Path, PathBuf};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn data(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data")
        .join(relative)
}

/// The fitting-challenge acquisition (its README: 123.2 MHz, 4000 Hz, 2048 points).
fn challenge_options() -> ReadOptions {
    ReadOptions {
        spectrometer_frequency_mhz: Some(123.2),
        dwell_time_s: Some(0.25e-3),
        ..ReadOptions::default()
    }
}

/// Chemical shift of the largest magnitude point between `low_ppm` and `high_ppm`.
fn peak_ppm(fid: &Fid, low_ppm: f64, high_ppm: f64) -> f64 {
    let spectrum = fid.to_spectrum();
    let ppm = spectrum.ppm_axis();
    let mut best = (f64::NEG_INFINITY, f64::NAN);
    for (value, &shift) in spectrum.values().iter().zip(&ppm) {
        if shift >= low_ppm && shift <= high_ppm && value.norm() > best.0 {
            best = (value.norm(), shift);
        }
    }
    best.1
}

/// Half the spacing of spectral points in ppm: the largest distance between a line and the
/// grid point nearest to it.
fn half_point_ppm(acquisition: &Acquisition, n_points: usize) -> f64 {
    0.5 / (n_points as f64 * acquisition.dwell_time_s) / acquisition.spectrometer_frequency_mhz
}

fn kind_of<T: std::fmt::Debug>(result: mrs_io::Result<T>) -> ErrorKind {
    match result {
        Ok(value) => panic!("expected an error, got {value:?}"),
        Err(error) => error.kind,
    }
}

fn text_of(relative: &str) -> String {
    std::fs::read_to_string(data(relative)).expect("test file readable")
}

// ---------------------------------------------------------------------------------------------
// Control file and .RAW

#[test]
fn control_file_values() -> TestResult {
    let control = control::read(&data("lcmodel-test/control.file"))?;
    assert_eq!(control.n_points()?, Some(1024));
    assert_eq!(control.dwell_time_s()?, Some(5e-4));
    assert_eq!(control.spectrometer_frequency_mhz()?, Some(127.786142));
    assert_eq!(control.raw_file(), Some("data.raw"));
    assert_eq!(control.basis_file(), Some("3t.basis"));
    assert!(control::looks_like(&std::fs::read(data(
        "lcmodel-test/control.file"
    ))?));
    Ok(())
}

#[test]
fn data_raw_with_control_values() -> TestResult {
    let control = control::read(&data("lcmodel-test/control.file"))?;
    let file = raw::read(&data("lcmodel-test/data.raw"), &control.to_read_options()?)?;
    assert_eq!(Some(file.n_points()), control.n_points()?);
    assert_eq!(file.format.as_str(), "(2E15.6)");
    assert!(file.seqpar.is_none());
    assert_eq!(file.nmid.get_f64("VOLUME")?, Some(1.0));
    assert_eq!(file.nmid.get_f64("TRAMP")?, Some(1.0));
    assert_eq!(
        file.stored_samples[0],
        Complex64::new(1.376081e-3, -3.446260e-5)
    );
    assert_eq!(file.stored_samples[1023], {
        let last = text_of("lcmodel-test/data.raw");
        let line = last.lines().last().expect("last line");
        let v: Vec<f64> = line
            .split_whitespace()
            .map(|t| t.parse().expect("number"))
            .collect();
        Complex64::new(v[0], v[1])
    });
    let data = file.to_mrs_data()?;
    assert_eq!(data.n_points(), 1024);
    assert_eq!(data.acquisition().dwell_time_s, 5e-4);
    assert_eq!(data.acquisition().spectrometer_frequency_mhz, 127.786142);
    assert_eq!(data.acquisition().reference_shift_ppm, 4.65);
    let fid = data.to_fid()?;
    assert_eq!(fid.samples()[0], Complex64::new(1.376081e-3, 3.446260e-5));
    // The phantom's water and NAA lines, not their mirrors about 4.65 ppm.
    let half_point = half_point_ppm(fid.acquisition(), 1024);
    let water = peak_ppm(&fid, 0.0, 9.0);
    assert!((water - 4.665).abs() <= half_point, "water at {water} ppm");
    let naa = peak_ppm(&fid, 1.8, 4.2);
    assert!((naa - 2.01).abs() <= 0.02 + half_point, "NAA at {naa} ppm");
    Ok(())
}

#[test]
fn raw_without_acquisition_values() {
    let path = data("lcmodel-test/data.raw");
    match kind_of(raw::read(&path, &ReadOptions::default())) {
        ErrorKind::MissingField { field, hint } => {
            assert_eq!(field, "HZPPPM and DELTAT");
            let hint = hint.expect("a hint");
            assert!(
                hint.contains("ReadOptions::spectrometer_frequency_mhz"),
                "{hint}"
            );
            assert!(hint.contains("ReadOptions::dwell_time_s"), "{hint}");
        }
        other => panic!("unexpected {other:?}"),
    }
    let only_frequency = ReadOptions {
        spectrometer_frequency_mhz: Some(127.786142),
        ..ReadOptions::default()
    };
    match kind_of(raw::read(&path, &only_frequency)) {
        ErrorKind::MissingField { field, .. } => assert_eq!(field, "DELTAT"),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn fitting_challenge_datasets() -> TestResult {
    let options = challenge_options();
    for index in 1..=28 {
        let metabolite = raw::read(
            &data(&format!("fitting-challenge/datasets/dataset{index}.RAW")),
            &options,
        )?;
        let water = raw::read(
            &data(&format!("fitting-challenge/datasets/dataset{index}.H2O")),
            &options,
        )?;
        assert_eq!(metabolite.n_points(), 2048, "dataset{index}.RAW");
        assert_eq!(water.n_points(), 2048, "dataset{index}.H2O");
        assert_eq!(metabolite.format.as_str(), "(8E13.5)");
        assert_eq!(metabolite.id(), Some(format!("dataset{index}").as_str()));
        let metabolite = metabolite.to_mrs_data()?.to_fid()?;
        let water = water.to_mrs_data()?.to_fid()?;
        let half_point = half_point_ppm(water.acquisition(), 2048);
        let water_peak = peak_ppm(&water, -5.0, 12.0);
        assert!(
            (water_peak - 4.65).abs() <= half_point,
            "dataset{index}.H2O water at {water_peak}"
        );
        // Datasets 24 to 28 carry the challenge's artefacts (a line at 4.16 ppm, lipids at
        // 1.35 ppm), so only 1 to 23 must have NAA as the largest line of 1.8-4.2 ppm.
        if index <= 23 {
            let naa = peak_ppm(&metabolite, 1.8, 4.2);
            assert!((naa - 2.01).abs() <= 0.02, "dataset{index} NAA at {naa}");
        }
    }
    Ok(())
}

#[test]
fn cr_water_scaling_pair() -> TestResult {
    let options = challenge_options();
    let folder = "fitting-challenge/cr-water-scaling/Cr_10mM_test_water_scaling";
    let creatine = raw::read(&data(&format!("{folder}.RAW")), &options)?
        .to_mrs_data()?
        .to_fid()?;
    let water = raw::read(&data(&format!("{folder}.H2O")), &options)?
        .to_mrs_data()?
        .to_fid()?;
    let half_point = half_point_ppm(water.acquisition(), 2048);
    let cr = peak_ppm(&creatine, 0.0, 4.2);
    // Creatine CH3 at 3.027 ppm (Govindaraju et al., NMR Biomed 2000;13:129). The challenge
    // basis gives HZPPPM = 123.261703 while the README states 123.2 MHz; on the 123.2 MHz axis
    // the line lands at 3.017 ppm, one point (0.016 ppm) low.
    assert!((cr - 3.027).abs() <= 2.0 * half_point, "Cr at {cr}");
    let water_peak = peak_ppm(&water, -5.0, 12.0);
    assert!(
        (water_peak - 4.65).abs() <= half_point,
        "water at {water_peak}"
    );
    Ok(())
}

/// The samples of the jMRUI text copy of the cross-format FID.
fn jmrui_samples() -> Vec<Complex64> {
    let text = text_of("cross-format/metab_jmrui.txt");
    let start = text
        .find("Signal 1 out of 1 in file")
        .expect("signal header");
    text[start..]
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Vec<f64> = l
                .split_whitespace()
                .map(|t| t.parse().expect("number"))
                .collect();
            Complex64::new(v[0], v[1])
        })
        .collect()
}

#[test]
fn cross_format_raw_matches_nifti_and_jmrui() -> TestResult {
    let path = data("cross-format/metab.RAW");
    let metadata: serde_json::Value = serde_json::from_str(&text_of("cross-format/metab.json"))?;
    let dwell_time_s = metadata["Dwelltime"].as_f64().expect("Dwelltime");
    // The RAW prints dwellTime = 0.000083; metab.json's 8.3333e-5 agrees to that precision.
    let without = raw::read(&path, &ReadOptions::default())?;
    assert_eq!(without.acquisition.dwell_time_s, 0.000083);
    let options = ReadOptions {
        dwell_time_s: Some(dwell_time_s),
        ..ReadOptions::default()
    };
    let file = raw::read(&path, &options)?;
    assert_eq!(file.acquisition.dwell_time_s, 8.3333e-5);
    assert_eq!(file.acquisition.spectrometer_frequency_mhz, 297.219948);
    assert_eq!(file.acquisition.echo_time_s, Some(0.05));
    assert_eq!(file.n_points(), 4096);
    assert_eq!(
        file.seqpar.as_ref().and_then(|g| g.get_text("seq")),
        Some("PRESS")
    );
    assert_eq!(file.id(), Some("ANONYMOUS "));
    // Both files print the same 7 significant digits of one FID, so after conjugation every
    // sample is identical.
    let jmrui = jmrui_samples();
    assert_eq!(jmrui.len(), 4096);
    assert_eq!(file.fid_samples(), jmrui);
    let fid = file.to_mrs_data()?.to_fid()?;
    let naa = peak_ppm(&fid, 0.0, 4.2);
    assert!((naa - 2.01).abs() <= 0.02, "NAA at {naa}");
    Ok(())
}

#[test]
fn caller_dwell_time_contradicting_file() {
    let options = ReadOptions {
        dwell_time_s: Some(1e-4),
        ..ReadOptions::default()
    };
    match kind_of(raw::read(&data("cross-format/metab.RAW"), &options)) {
        ErrorKind::InvalidField { field, value, .. } => {
            assert_eq!(field, "dwellTime");
            assert_eq!(value, "0.000083");
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn raw_round_trip_is_exact() -> TestResult {
    let options = challenge_options();
    let original = raw::read(&data("fitting-challenge/datasets/dataset3.RAW"), &options)?;
    let mut data = original.to_mrs_data()?;
    data.acquisition_mut().echo_time_s = Some(0.03);
    let dir = tempfile::tempdir()?;
    let first = dir.path().join("first.RAW");
    let write_options = raw::RawWriteOptions {
        id: "dataset3".to_string(),
        sequence: "PRESS".to_string(),
        ..raw::RawWriteOptions::default()
    };
    raw::write(&first, &data, &write_options)?;
    let reread = raw::read(&first, &options)?;
    // The source prints 6 significant digits and the writer 7, so every sample survives.
    assert_eq!(reread.stored_samples, original.stored_samples);
    assert_eq!(reread.acquisition.echo_time_s, Some(0.03));
    assert_eq!(reread.acquisition.spectrometer_frequency_mhz, 123.2);
    assert_eq!(reread.id(), Some("dataset3"));
    assert_eq!(reread.format.as_str(), raw::WRITE_FORMAT);
    let second = dir.path().join("second.RAW");
    raw::write(&second, &reread.to_mrs_data()?, &write_options)?;
    assert_eq!(std::fs::read(&first)?, std::fs::read(&second)?);
    assert!(raw::looks_like(&std::fs::read(&first)?));
    assert!(!basis::looks_like(&std::fs::read(&first)?));
    Ok(())
}

#[test]
fn raw_write_rounds_to_seven_digits() -> TestResult {
    let acquisition = Acquisition::new(5e-4, 127.786142)?;
    let samples: Vec<Complex64> = (0..300)
        .map(|n| {
            let t = n as f64 * 5e-4;
            Complex64::from_polar(
                (-t / 0.08).exp() * 1234.5678912,
                2.0 * std::f64::consts::PI * 37.3 * t,
            )
        })
        .collect();
    let data = MrsData::from_fid(Fid::new(samples.clone(), acquisition)?);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("synthetic.RAW");
    raw::write(&path, &data, &raw::RawWriteOptions::default())?;
    let options = ReadOptions {
        dwell_time_s: Some(5e-4),
        ..ReadOptions::default()
    };
    let reread = raw::read(&path, &options)?;
    for (read, written) in reread.fid_samples().iter().zip(&samples) {
        let expected_re: f64 = format!("{:.6e}", written.re).parse()?;
        let expected_im: f64 = format!("{:.6e}", written.im).parse()?;
        assert_eq!(read.re, expected_re);
        assert_eq!(read.im, expected_im);
    }
    Ok(())
}

fn parse_raw(text: &str) -> mrs_io::Result<raw::LcmRaw> {
    raw::parse(text.as_bytes(), Path::new("test.RAW"), &challenge_options())
}

const RAW_HEADER: &str = " $NMID ID='x', FMTDAT='(2E15.6)' $END\n";

#[test]
fn raw_bad_inputs() {
    // An odd number of values: the last imaginary part is missing.
    let truncated = format!("{RAW_HEADER}   1.000000E+00   2.000000E+00\n   3.000000E+00\n");
    assert!(matches!(
        kind_of(parse_raw(&truncated)),
        ErrorKind::WrongSize { .. }
    ));
    let empty = RAW_HEADER.to_string();
    assert!(matches!(
        kind_of(parse_raw(&empty)),
        ErrorKind::Truncated { .. }
    ));
    let infinite = format!("{RAW_HEADER}   1.000000E+00   1.0E+999\n");
    assert!(matches!(
        kind_of(parse_raw(&infinite)),
        ErrorKind::NonFinite { .. }
    ));
    let nan = format!("{RAW_HEADER}   1.000000E+00   NaN\n");
    assert!(matches!(kind_of(parse_raw(&nan)), ErrorKind::Parse { .. }));
    let no_format = " $NMID ID='x' $END\n   1.0E+00   2.0E+00\n";
    match kind_of(parse_raw(no_format)) {
        ErrorKind::MissingField { field, .. } => assert_eq!(field, "FMTDAT"),
        other => panic!("unexpected {other:?}"),
    }
    let bad_format = " $NMID ID='x', FMTDAT='(2A15)' $END\n   1.0E+00   2.0E+00\n";
    assert!(matches!(
        kind_of(parse_raw(bad_format)),
        ErrorKind::InvalidField { .. }
    ));
    let absurd =
        format!(" $SEQPAR NumberOfPoints = 1000000000000 $END\n{RAW_HEADER}   1.0E+00   2.0E+00\n");
    assert!(matches!(
        kind_of(parse_raw(&absurd)),
        ErrorKind::WrongSize { .. }
    ));
    let unterminated = " $NMID ID='x', FMTDAT='(2E15.6)'\n   1.0E+00   2.0E+00\n";
    assert!(matches!(
        kind_of(parse_raw(unterminated)),
        ErrorKind::Parse { .. }
    ));
    let garbage: Vec<u8> = (0..512u32).map(|i| (i * 7919 % 251) as u8).collect();
    let garbage = raw::parse(&garbage, Path::new("garbage.RAW"), &challenge_options());
    assert!(matches!(kind_of(garbage), ErrorKind::WrongFormat { .. }));
    let plain_text = "1.0 2.0\n3.0 4.0\n";
    assert!(matches!(
        kind_of(parse_raw(plain_text)),
        ErrorKind::WrongFormat { .. }
    ));
    let basis_file = std::fs::read(data("lcmodel-test/3t.basis")).expect("basis file");
    let wrong = raw::parse(&basis_file, Path::new("3t.basis"), &challenge_options());
    assert!(matches!(kind_of(wrong), ErrorKind::WrongFormat { .. }));
    assert!(!raw::looks_like(&basis_file));
}

// ---------------------------------------------------------------------------------------------
// .BASIS

#[test]
fn spant_basis_header_and_entries() -> TestResult {
    let file = basis::read(&data("lcmodel-test/3t.basis"), &ReadOptions::default())?;
    assert_eq!(file.entries.len(), 17);
    assert_eq!(file.n_points, 1024);
    assert_eq!(file.format.as_str(), "(6E13.5)");
    assert_eq!(file.basis1.get_text("IDBASI"), Some("SPANT"));
    assert_eq!(file.acquisition.dwell_time_s, 5e-4);
    assert_eq!(file.acquisition.spectrometer_frequency_mhz, 127.7861);
    assert_eq!(file.acquisition.echo_time_s, None);
    assert_eq!(file.entries[0].metabolite, "Ala");
    assert_eq!(
        file.entries[0].stored_spectrum[0],
        Complex64::new(5.70122e-2, 1.38704)
    );
    assert!(file
        .entries
        .iter()
        .all(|e| e.nmused.is_some() && e.ishift == 0));
    let set = file.to_basis_set()?;
    assert_eq!(set.len(), 17);
    assert_eq!(set.n_points(), 1024);
    assert_eq!(set.description, "SPANT");
    assert_eq!(
        set.sequence.as_ref().map(|s| s.name.as_str()),
        Some("PRESS")
    );
    let creatine = set.fid("Cr").expect("Cr entry");
    let half_point = half_point_ppm(&set.acquisition, 1024);
    let cr = peak_ppm(&creatine, 0.0, 4.2);
    assert!((cr - 3.027).abs() <= half_point, "Cr at {cr}");
    let naa = peak_ppm(&set.fid("NAA").expect("NAA entry"), 0.0, 4.2);
    assert!((naa - 2.008).abs() <= half_point, "NAA at {naa}");
    Ok(())
}

/// Largest distance between the two signals over their common points, relative to the
/// largest magnitude of `reference`.
fn relative_max_difference(signal: &[Complex64], reference: &[Complex64]) -> f64 {
    let scale = reference.iter().map(|c| c.norm()).fold(0.0, f64::max);
    signal
        .iter()
        .zip(reference)
        .map(|(a, b)| (a - b).norm())
        .fold(0.0, f64::max)
        / scale
}

/// Both the `.BASIS` and the `.RAW` files print 6 significant digits (a relative rounding of
/// up to 5e-6 per value). The inverse FFT spreads the basis rounding over every time point;
/// the differences measured are 1.2e-6 to 6.5e-6 of the largest sample. Any error of scale,
/// conjugation, point order or shift gives differences of order 1, so 2e-5 separates the two.
const BASIS_MATCHES_RAW_TOLERANCE: f64 = 2e-5;

#[test]
fn challenge_basis_entries_equal_raw_files() -> TestResult {
    let file = basis::read(
        &data("fitting-challenge/basis/press3T_30ms.BASIS"),
        &ReadOptions::default(),
    )?;
    assert_eq!(file.entries.len(), 21);
    assert_eq!(file.n_points, 4096);
    assert_eq!(file.acquisition.dwell_time_s, 0.000250000012);
    assert_eq!(file.acquisition.spectrometer_frequency_mhz, 123.261703);
    // makebasis wrote ECHOT = -1: unknown.
    assert_eq!(file.acquisition.echo_time_s, None);
    assert_eq!(file.entries[0].basis.get_text("ID"), Some("Mac''"));
    let set = file.to_basis_set()?;
    let options = challenge_options();
    for entry in set.entries() {
        let raw_file = raw::read(
            &data(&format!("fitting-challenge/basis/{}.RAW", entry.name)),
            &options,
        )?;
        let expected = raw_file.fid_samples();
        assert_eq!(expected.len(), 2048);
        let (head, tail) = entry.fid.split_at(2048);
        let difference = relative_max_difference(head, &expected);
        assert!(
            difference <= BASIS_MATCHES_RAW_TOLERANCE,
            "{}: {difference}",
            entry.name
        );
        // makebasis zero-filled to 4096 points, so the second half is zero up to rounding.
        let tail_relative = tail.iter().map(|c| c.norm()).fold(0.0, f64::max)
            / expected.iter().map(|c| c.norm()).fold(0.0, f64::max);
        assert!(
            tail_relative <= BASIS_MATCHES_RAW_TOLERANCE,
            "{} tail: {tail_relative}",
            entry.name
        );
    }
    let creatine = set.fid("Cr").expect("Cr entry");
    let cr = peak_ppm(&creatine, 0.0, 4.2);
    let half_point = half_point_ppm(&set.acquisition, 4096);
    assert!((cr - 3.027).abs() <= half_point, "Cr at {cr}");
    Ok(())
}

#[test]
fn osprey_basis_reference() -> TestResult {
    let path = data("basis-osprey/3T_PRESS_Philips_35ms_noMM.BASIS");
    let file = basis::read(&path, &ReadOptions::default())?;
    assert_eq!(file.n_points, 8192);
    assert_eq!(file.format.as_str(), "(2E15.6)");
    assert_eq!(file.acquisition.dwell_time_s, 0.00025);
    assert_eq!(file.acquisition.spectrometer_frequency_mhz, 127.731);
    assert_eq!(file.acquisition.echo_time_s, Some(0.035));
    assert_eq!(file.entries.len(), 17);
    assert_eq!(file.entries[0].metabolite, "Asc");
    let half_point = half_point_ppm(&file.acquisition, 8192);
    // Osprey centres its spectra at 4.68 ppm, so on LCModel's 4.65 ppm axis Cr sits 0.03 ppm
    // low; with the reference given, it is at 3.027 ppm.
    let set = file.to_basis_set()?;
    let cr = peak_ppm(&set.fid("Cr").expect("Cr"), 0.0, 4.2);
    assert!((cr - (3.027 - 0.03)).abs() <= half_point, "Cr at {cr}");
    let options = ReadOptions {
        reference_shift_ppm: Some(4.68),
        ..ReadOptions::default()
    };
    let set = basis::read(&path, &options)?.to_basis_set()?;
    let cr = peak_ppm(&set.fid("Cr").expect("Cr"), 0.0, 4.2);
    assert!((cr - 3.027).abs() <= half_point, "Cr at {cr}");
    Ok(())
}

#[test]
fn basis_write_round_trip() -> TestResult {
    let set =
        basis::read(&data("lcmodel-test/3t.basis"), &ReadOptions::default())?.to_basis_set()?;
    let dir = tempfile::tempdir()?;
    let first = dir.path().join("first.BASIS");
    let options = basis::BasisWriteOptions {
        fwhmba_ppm: Some(0.1),
        ..basis::BasisWriteOptions::default()
    };
    basis::write(&first, &set, &options)?;
    let bytes = std::fs::read(&first)?;
    assert!(basis::looks_like(&bytes));
    assert!(!raw::looks_like(&bytes));
    let reread = basis::read(&first, &ReadOptions::default())?;
    assert_eq!(reread.format.as_str(), basis::WRITE_FORMAT);
    assert_eq!(reread.basis1.get_text("IDBASI"), Some("SPANT"));
    assert_eq!(
        reread
            .seqpar
            .as_ref()
            .and_then(|g| g.get_f64("FWHMBA").ok().flatten()),
        Some(0.1)
    );
    let reread_set = reread.to_basis_set()?;
    assert_eq!(reread_set.names(), set.names());
    assert_eq!(reread_set.acquisition, set.acquisition);
    // 6 significant digits per spectrum value.
    for (entry, original) in reread_set.entries().iter().zip(set.entries()) {
        let difference = relative_max_difference(&entry.fid, &original.fid);
        assert!(
            difference <= BASIS_MATCHES_RAW_TOLERANCE,
            "{}: {difference}",
            entry.name
        );
    }
    let second = dir.path().join("second.BASIS");
    basis::write(&second, &reread_set, &options)?;
    assert_eq!(bytes, std::fs::read(&second)?);
    Ok(())
}

fn parse_basis(text: &str) -> mrs_io::Result<basis::LcmBasis> {
    basis::parse(
        text.as_bytes(),
        Path::new("test.BASIS"),
        &ReadOptions::default(),
    )
}

#[test]
fn basis_bad_inputs() {
    let original = text_of("lcmodel-test/3t.basis");
    let encrypted = original.replace("BADELT =  5e-04", "BADELT = -5e-04");
    assert!(matches!(
        kind_of(parse_basis(&encrypted)),
        ErrorKind::Unsupported { .. }
    ));
    let absurd = original.replace("NDATAB = 1024", "NDATAB = 1000000000000");
    assert!(matches!(
        kind_of(parse_basis(&absurd)),
        ErrorKind::TooLarge { .. }
    ));
    let larger = original.replace("NDATAB = 1024", "NDATAB = 1030");
    assert!(matches!(
        kind_of(parse_basis(&larger)),
        ErrorKind::WrongSize { .. }
    ));
    let smaller = original.replace("NDATAB = 1024", "NDATAB = 1000");
    assert!(matches!(
        kind_of(parse_basis(&smaller)),
        ErrorKind::WrongSize { .. }
    ));
    let cut = &original[..original.find(" $BASIS\n").expect("entry") + 120];
    assert!(matches!(
        kind_of(parse_basis(cut)),
        ErrorKind::Truncated { .. }
    ));
    let infinite = original.replacen("5.70122E-02", "1.0E+999", 1);
    assert!(matches!(
        kind_of(parse_basis(&infinite)),
        ErrorKind::NonFinite { .. }
    ));
    let unnamed = original
        .replacen(" ID = 'Ala',\n", "", 1)
        .replacen(" METABO = 'Ala',\n", "", 1);
    match kind_of(parse_basis(&unnamed)) {
        ErrorKind::MissingField { field, .. } => assert_eq!(field, "METABO"),
        other => panic!("unexpected {other:?}"),
    }
    let no_badelt = original.replace(" BADELT =  5e-04,\n", "");
    assert!(matches!(
        kind_of(parse_basis(&no_badelt)),
        ErrorKind::MissingField { .. }
    ));
    let duplicate = original.replace("METABO = 'Asp'", "METABO = 'Ala'");
    assert!(matches!(
        kind_of(parse_basis(&duplicate).and_then(|b| b.to_basis_set())),
        ErrorKind::Core(_)
    ));
    let raw_file = std::fs::read(data("lcmodel-test/data.raw")).expect("raw file");
    let wrong = basis::parse(&raw_file, Path::new("data.raw"), &ReadOptions::default());
    assert!(matches!(kind_of(wrong), ErrorKind::WrongFormat { .. }));
    assert!(!basis::looks_like(&raw_file));
    let garbage: Vec<u8> = (0..512u32).map(|i| (i * 7919 % 251) as u8).collect();
    let garbage = basis::parse(
        &garbage,
        Path::new("garbage.BASIS"),
        &ReadOptions::default(),
    );
    assert!(matches!(kind_of(garbage), ErrorKind::WrongFormat { .. }));
}

#[test]
fn empty_basis_set_is_not_written() -> TestResult {
    let set = BasisSet::new(Acquisition::new(5e-4, 123.2)?)?;
    let dir = tempfile::tempdir()?;
    let result = basis::write(
        &dir.path().join("empty.BASIS"),
        &set,
        &basis::BasisWriteOptions::default(),
    );
    assert!(matches!(kind_of(result), ErrorKind::MissingField { .. }));
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// .COORD

#[test]
fn liver_coord() -> TestResult {
    let path = data("liver/liver.COORD");
    assert!(coord::looks_like(&std::fs::read(&path)?));
    let output = coord::read(&path)?;
    assert!(output.title_lines[0].contains("LCModel (Version 6.3-1B)"));
    assert_eq!(output.ratio_label.as_deref(), Some("/L16+L0"));
    // The heading announces 42 lines but LCModel printed 12 (header and 11 rows).
    assert_eq!(output.announced_concentration_lines, Some(42));
    assert_eq!(output.concentrations.len(), 11);
    let names: Vec<&str> = output
        .concentrations
        .iter()
        .map(|r| r.metabolite.as_str())
        .collect();
    for name in [
        "Lip09", "Lip13", "Lip16", "Lip21", "Lip23", "Lip28", "Cho", "Glycg",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    let lip13 = output.concentration("Lip13").expect("Lip13");
    assert_eq!(lip13.concentration, 0.125);
    assert_eq!(lip13.sd_percent, 3.0);
    assert_eq!(lip13.ratio, 0.878);
    let combined = output.concentration("L16+L09+L13").expect("combination");
    assert_eq!(combined.components(), vec!["L16", "L09", "L13"]);
    assert_eq!(combined.ratio, 1.0);
    let glycogen = output.concentration("Glycg").expect("Glycg");
    assert_eq!(glycogen.concentration, 4.70e-4);
    assert_eq!(glycogen.sd_percent, 178.0);

    assert_eq!(output.misc.fwhm_ppm, Some(0.297));
    assert_eq!(output.misc.snr, Some(24.0));
    assert_eq!(output.misc.data_shift_ppm, Some(-0.019));
    assert_eq!(output.misc.phase0_deg, Some(36.0));
    assert_eq!(output.misc.phase1_deg_per_ppm, Some(0.3));
    assert_eq!(output.misc.alpha_baseline, Some(1.2e2));
    assert_eq!(output.misc.alpha_lineshape, Some(2.2e-2));
    assert_eq!(output.misc.spline_knots, Some(6));
    assert_eq!(output.misc.lines.len(), 5);

    assert_eq!(output.ppm.len(), 821);
    assert_eq!(output.ppm[0], 4.0);
    assert!(
        (output.ppm[820] - 0.1).abs() < 0.005,
        "last ppm {}",
        output.ppm[820]
    );
    let data = output.data.as_ref().expect("phased data");
    let fit = output.fit.as_ref().expect("fit");
    let baseline = output.baseline.as_ref().expect("background");
    assert_eq!(data.len(), 821);
    assert_eq!(fit.len(), 821);
    assert_eq!(baseline.len(), 821);
    assert_eq!(data[0], 1.06239e-1);
    // The tallest line of a liver spectrum is the methylene lipid near 1.3 ppm.
    let tallest = (0..821)
        .max_by(|&a, &b| data[a].total_cmp(&data[b]))
        .expect("points");
    assert!(
        (output.ppm[tallest] - 1.3).abs() <= 0.1,
        "tallest at {}",
        output.ppm[tallest]
    );
    assert!(output.metabolite_curves.is_empty());

    assert_eq!(output.diagnostics.len(), 6);
    assert_eq!(output.input_changes.len(), 19);
    assert_eq!(output.spectrometer_frequency_mhz(), Some(123.23));
    assert_eq!(output.dwell_time_s(), Some(8.33e-4));
    assert_eq!(output.echo_time_s(), Some(0.035));
    let namelist = output.input_namelist.as_ref().expect("input changes");
    assert_eq!(namelist.get_text("sptype"), Some("liver-11"));
    Ok(())
}

#[test]
fn svs_coord_with_curves() -> TestResult {
    let output = coord::read(&data("lcmodel-outputs/svs_97.COORD"))?;
    assert_eq!(output.title_lines[1].trim(), "SVS_97");
    assert_eq!(output.ratio_label.as_deref(), Some("/Cr+PCr"));
    assert_eq!(output.concentrations.len(), 37);
    let choline = output.concentration("GPC+PCh").expect("GPC+PCh");
    assert_eq!(choline.concentration, 0.115);
    assert_eq!(choline.sd_percent, 2.0);
    assert_eq!(choline.ratio, 0.457);
    let creatine = output.concentration("Cr").expect("Cr");
    assert_eq!(creatine.sd_percent, 999.0);
    let minus = output.concentration("-CrCH2").expect("-CrCH2");
    assert_eq!(minus.components(), vec!["-CrCH2"]);
    assert_eq!(output.misc.fwhm_ppm, Some(0.043));
    assert_eq!(output.misc.snr, Some(13.0));
    assert_eq!(output.misc.data_shift_ppm, Some(0.0));
    assert_eq!(output.misc.phase0_deg, Some(21.0));
    assert_eq!(output.misc.phase1_deg_per_ppm, Some(12.2));
    assert_eq!(output.misc.spline_knots, Some(28));
    assert_eq!(output.misc.lines.len(), 6);
    assert_eq!(output.ppm.len(), 799);
    assert_eq!(output.metabolite_curves.len(), 25);
    let first = &output.metabolite_curves[0];
    assert_eq!(first.name, "2HG");
    assert_eq!(first.concentration, 2.88e-2);
    assert_eq!(first.values.len(), 799);
    assert_eq!(first.values[0], -4.16068);
    assert_eq!(output.spectrometer_frequency_mhz(), Some(123.226103));
    assert_eq!(output.dwell_time_s(), Some(0.000833));
    assert_eq!(output.diagnostics.len(), 2);
    Ok(())
}

fn parse_coord(text: &str) -> mrs_io::Result<coord::LcmCoord> {
    coord::parse(text.as_bytes(), Path::new("test.COORD"))
}

#[test]
fn coord_bad_inputs() {
    let original = text_of("liver/liver.COORD");
    let short = original.replace("821 points on ppm-axis = NY", "822 points on ppm-axis = NY");
    assert!(matches!(
        kind_of(parse_coord(&short)),
        ErrorKind::WrongSize { .. }
    ));
    let absurd = original.replace(
        "821 points on ppm-axis = NY",
        "1000000000000 points on ppm-axis = NY",
    );
    assert!(matches!(
        kind_of(parse_coord(&absurd)),
        ErrorKind::TooLarge { .. }
    ));
    let too_many = original.replace(
        "821 points on ppm-axis = NY",
        "4000000 points on ppm-axis = NY",
    );
    assert!(matches!(
        kind_of(parse_coord(&too_many)),
        ErrorKind::Truncated { .. }
    ));
    let infinite = original.replacen("1.06239E-01", "1.0E+999", 1);
    assert!(matches!(
        kind_of(parse_coord(&infinite)),
        ErrorKind::NonFinite { .. }
    ));
    let bad_number = original.replacen("1.06239E-01", "1.06239X-01", 1);
    assert!(matches!(
        kind_of(parse_coord(&bad_number)),
        ErrorKind::Parse { .. }
    ));
    let bad_row = original.replace("   0.125   3%   0.878 Lip13", "   0.125   3   0.878 Lip13");
    assert!(matches!(
        kind_of(parse_coord(&bad_row)),
        ErrorKind::Parse { .. }
    ));
    let bad_misc = original.replace("FWHM = 0.297 ppm", "FWHM = ***** ppm");
    assert!(matches!(
        kind_of(parse_coord(&bad_misc)),
        ErrorKind::Parse { .. }
    ));
    let raw_file = std::fs::read(data("lcmodel-test/data.raw")).expect("raw file");
    assert!(!coord::looks_like(&raw_file));
    let wrong = coord::parse(&raw_file, Path::new("data.raw"));
    assert!(matches!(kind_of(wrong), ErrorKind::WrongFormat { .. }));
    let garbage: Vec<u8> = (0..512u32).map(|i| (i * 7919 % 251) as u8).collect();
    let garbage = coord::parse(&garbage, Path::new("garbage.COORD"));
    assert!(matches!(kind_of(garbage), ErrorKind::WrongFormat { .. }));
    let table = std::fs::read(data("lcmodel-outputs/svs_97.TABLE")).expect("table file");
    assert!(!coord::looks_like(&table));
}

#[test]
fn table_matches_coord() -> TestResult {
    let path = data("lcmodel-outputs/svs_97.TABLE");
    let bytes = std::fs::read(&path)?;
    assert!(table::looks_like(&bytes));
    let tables = table::read(&path)?;
    let output = coord::read(&data("lcmodel-outputs/svs_97.COORD"))?;
    assert_eq!(tables.concentrations, output.concentrations);
    assert_eq!(tables.ratio_label, output.ratio_label);
    assert_eq!(tables.misc, output.misc);
    assert_eq!(tables.diagnostics, output.diagnostics);
    assert_eq!(tables.input_changes, output.input_changes);
    assert_eq!(tables.spectrometer_frequency_mhz(), Some(123.226103));
    assert!(tables.ppm.is_empty());
    assert!(tables.data.is_none());
    let coord_bytes = std::fs::read(data("lcmodel-outputs/svs_97.COORD"))?;
    assert!(!table::looks_like(&coord_bytes));
    let raw_file = std::fs::read(data("lcmodel-test/data.raw"))?;
    let wrong = table::parse(&raw_file, Path::new("data.raw"));
    assert!(matches!(kind_of(wrong), ErrorKind::WrongFormat { .. }));
    Ok(())
}
