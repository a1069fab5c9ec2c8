//! Helpers shared by the Siemens and Philips reader tests: test-file paths, the spec2nii golden
//! values in `tests/data/golden/spec2nii` and spectral peak finding.

#![allow(dead_code)]

use mrs_core::{Complex64, MrsData};
use std::path::{Path, PathBuf};

/// Path of a file under the workspace `tests/data` folder.
pub fn data_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data")
        .join(relative)
}

/// One spec2nii output, written by `tests/data/golden/spec2nii/make_golden.py`.
pub struct Golden {
    pub spectrometer_frequency_mhz: f64,
    pub dwell_time_s: f64,
    pub echo_time_s: f64,
    pub repetition_time_s: f64,
    pub n_points: usize,
    pub dtype_on_disk: String,
    /// Samples exactly as spec2nii stored them (the NIfTI-MRS convention).
    pub fids: Vec<Vec<Complex64>>,
}

/// Loads `tests/data/golden/spec2nii/<name>.json`.
pub fn golden(name: &str) -> Golden {
    let path = data_path(&format!("golden/spec2nii/{name}.json"));
    let text = std::fs::read_to_string(&path).expect("golden file is readable");
    let json: serde_json::Value = serde_json::from_str(&text).expect("golden file is JSON");
    let number = |key: &str| json[key].as_f64().unwrap_or(f64::NAN);
    // serde_json's default float parsing is not always correctly rounded in the last bit, so
    // the sample lists are parsed with `str::parse`, which is.
    let re = float_lists(&text, "\"re\":[");
    let im = float_lists(&text, "\"im\":[");
    let fids = re
        .into_iter()
        .zip(im)
        .map(|(re, im)| {
            re.into_iter()
                .zip(im)
                .map(|(re, im)| Complex64::new(re, im))
                .collect()
        })
        .collect();
    Golden {
        spectrometer_frequency_mhz: number("spectrometer_frequency_mhz"),
        dwell_time_s: number("dwell_time_s"),
        echo_time_s: number("echo_time_s"),
        repetition_time_s: number("repetition_time_s"),
        n_points: json["n_points"].as_u64().expect("n_points") as usize,
        dtype_on_disk: json["dtype_on_disk"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        fids,
    }
}

/// Returns every list of numbers that follows `opening` in `text`, in order.
fn float_lists(text: &str, opening: &str) -> Vec<Vec<f64>> {
    text.match_indices(opening)
        .map(|(start, _)| {
            let body = &text[start + opening.len()..];
            let end = body.find(']').expect("closing bracket");
            body[..end]
                .split(',')
                .map(|number| number.trim().parse::<f64>().expect("number"))
                .collect()
        })
        .collect()
}

/// Asserts that `samples` equal the complex conjugate of the golden FID.
///
/// spec2nii stores float32 samples for DICOM and SDAT input and float64 for RDA input; the golden
/// prints them with 9 and 17 significant digits, which round-trip each precision exactly. So the
/// comparison is exact in the stored precision: float32 values are compared after rounding both
/// sides to float32, float64 values bit for bit.
pub fn assert_conjugate_of_golden(samples: &[Complex64], golden: &Golden, fid: usize) {
    let expected = &golden.fids[fid];
    assert_eq!(samples.len(), expected.len(), "number of points");
    let float32 = golden.dtype_on_disk == "complex64";
    let mut mismatches = 0;
    let mut first = None;
    for (index, (value, reference)) in samples.iter().zip(expected).enumerate() {
        let reference = reference.conj();
        let equal = if float32 {
            (value.re as f32).to_bits() == (reference.re as f32).to_bits()
                && (value.im as f32).to_bits() == (reference.im as f32).to_bits()
        } else {
            value.re.to_bits() == reference.re.to_bits()
                && value.im.to_bits() == reference.im.to_bits()
        };
        if !equal {
            mismatches += 1;
            first.get_or_insert((index, *value, reference));
        }
    }
    assert_eq!(
        mismatches, 0,
        "first mismatch (index, read, expected): {first:?}"
    );
}

/// Relative tolerance for header values that spec2nii passes through float arithmetic (for
/// example 1 / SpectralWidth stored as float32 pixdim in NIfTI): float32 has 24 bits, so
/// 2^-23 (about 1.2e-7) covers one rounding.
pub const FLOAT32_RELATIVE: f64 = 1.2e-7;

/// Asserts `|a - b| <= relative * |b|`.
pub fn assert_close(a: f64, b: f64, relative: f64, what: &str) {
    assert!(
        (a - b).abs() <= relative * b.abs(),
        "{what}: {a} differs from {b} by more than {relative} relative"
    );
}

/// Magnitude spectrum of a FID after exponential line broadening of `broadening_hz`, with its
/// ppm axis.
pub fn magnitude_spectrum(
    data: &MrsData,
    fid: &[usize],
    broadening_hz: f64,
) -> (Vec<f64>, Vec<f64>) {
    let mut fid = data.fid_at(fid).expect("FID index in range");
    fid.apodize_exponential_mut(broadening_hz)
        .expect("valid broadening");
    let spectrum = fid.to_spectrum();
    let magnitude = spectrum.values().iter().map(|v| v.norm()).collect();
    (magnitude, spectrum.ppm_axis())
}

/// Position (ppm) of the largest magnitude in the whole spectrum.
pub fn tallest_peak_ppm(magnitude: &[f64], ppm: &[f64]) -> f64 {
    let index = (0..magnitude.len())
        .max_by(|&a, &b| magnitude[a].total_cmp(&magnitude[b]))
        .expect("non-empty spectrum");
    ppm[index]
}

/// Height of each point above the running median over +/- `half_width_ppm`. Subtracting the
/// median removes the broad tails of the residual water line, which dominate the raw magnitude
/// everywhere between 1.8 and 4.2 ppm in these files, while leaving metabolite lines standing.
pub fn above_running_median(magnitude: &[f64], ppm: &[f64], half_width_ppm: f64) -> Vec<f64> {
    let step = (ppm[1] - ppm[0]).abs();
    let half = (half_width_ppm / step).round() as usize;
    (0..magnitude.len())
        .map(|k| {
            let lo = k.saturating_sub(half);
            let hi = (k + half + 1).min(magnitude.len());
            let mut window = magnitude[lo..hi].to_vec();
            window.sort_by(f64::total_cmp);
            magnitude[k] - window[window.len() / 2]
        })
        .collect()
}

/// Largest value of `heights` with ppm in `[lo, hi]`, and its position.
pub fn highest_in(heights: &[f64], ppm: &[f64], lo: f64, hi: f64) -> (f64, f64) {
    (0..heights.len())
        .filter(|&k| ppm[k] >= lo && ppm[k] <= hi)
        .map(|k| (heights[k], ppm[k]))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .expect("window inside the spectrum")
}
