//! Philips SDAT/SPAR pairs: the `.spar` text contains `key : value` parameters (`!` starts a
//! comment line) and the `.sdat` contains complex samples as VAX F-floating (32-bit) numbers,
//! real then imaginary, `rows` FIDs of `samples` points each.
//!
//! The samples follow the [`mrs_core`] convention and are kept as stored.

use crate::error::{ErrorKind, IoError, Result};
use crate::limits::{check_count, check_finite, MAX_POINTS, MAX_TOTAL_SAMPLES};
use crate::options::ReadOptions;
use crate::siemens::dicom_common::{frames_to_mrs_data, reference_shift};
use crate::siemens::latin1_to_string;
use mrs_core::{Acquisition, Complex64, MrsData, Nucleus};
use std::path::{Path, PathBuf};

const BYTES_PER_SAMPLE: u64 = 8;

/// A parsed SDAT/SPAR pair: every SPAR parameter as written and the samples as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Sdat {
    /// The `.sdat` file, used to label conversion errors.
    pub path: PathBuf,
    /// The `.spar` file the parameters came from.
    pub spar_path: PathBuf,
    /// Every SPAR parameter as `(key, value)`, in file order, trimmed; quotes are kept.
    pub spar: Vec<(String, String)>,
    /// Complex points per FID (`samples`).
    pub n_points: usize,
    /// Number of FIDs (`rows`), e.g. separately stored averages.
    pub n_rows: usize,
    /// Spectrometer frequency in MHz (`synthesizer_frequency`, stored in Hz).
    pub spectrometer_frequency_mhz: f64,
    /// Dwell time in seconds (1 / `sample_frequency`, stored in Hz).
    pub dwell_time_s: f64,
    /// Echo time in seconds (`echo_time`, stored in ms).
    pub echo_time_s: Option<f64>,
    /// Repetition time in seconds (`repetition_time`, stored in ms).
    pub repetition_time_s: Option<f64>,
    /// Number of averages (`averages`).
    pub n_averages: Option<f64>,
    /// Observed nucleus (`nucleus`).
    pub nucleus: Nucleus,
    /// Reference shift in ppm from [`ReadOptions::reference_shift_ppm`], else the nucleus default.
    pub reference_shift_ppm: f64,
    /// Samples as stored, row-major: row `r` is `samples[r * n_points..(r + 1) * n_points]`.
    pub samples: Vec<Complex64>,
}

impl Sdat {
    /// Returns a SPAR value as written (quotes kept), e.g. `get("scan_id")`.
    pub fn get(&self, key: &str) -> Option<&str> {
        lookup(&self.spar, key)
    }

    /// Converts into the [`mrs_core`] convention: samples as stored, several rows as a
    /// `DIM_DYN` dimension (as spec2nii tags them).
    ///
    /// # Errors
    /// [`ErrorKind::Core`] when the acquisition parameters are out of range.
    pub fn to_mrs_data(&self) -> Result<MrsData> {
        let acquisition = Acquisition {
            dwell_time_s: self.dwell_time_s,
            spectrometer_frequency_mhz: self.spectrometer_frequency_mhz,
            nucleus: self.nucleus,
            reference_shift_ppm: self.reference_shift_ppm,
            echo_time_s: self.echo_time_s,
            repetition_time_s: self.repetition_time_s,
        };
        frames_to_mrs_data(
            &self.path,
            &self.samples,
            self.n_points,
            self.n_rows,
            false,
            acquisition,
        )
    }
}

/// Converts one VAX F-floating number, as stored in an SDAT file, to `f64` (exactly).
///
/// The four bytes hold two little-endian 16-bit words, the high word first: bit 15 of the first
/// word is the sign, bits 14-7 the exponent `e` (bias 128) and the remaining 23 bits the
/// fraction `f`, so the value is `(0.5 + f / 2^24) * 2^(e - 128)`. An exponent of 0 with sign 0
/// is zero; with sign 1 it is the VAX reserved operand, returned as `None`.
pub fn vax_f32_to_f64(bytes: [u8; 4]) -> Option<f64> {
    let [b0, b1, b2, b3] = bytes;
    let negative = b1 & 0x80 != 0;
    let exponent = (i32::from(b1 & 0x7F) << 1) | i32::from(b0 >> 7);
    let fraction = (u32::from(b0 & 0x7F) << 16) | (u32::from(b3) << 8) | u32::from(b2);
    if exponent == 0 {
        return if negative { None } else { Some(0.0) };
    }
    let magnitude = (0.5 + f64::from(fraction) / f64::from(1u32 << 24)) * 2f64.powi(exponent - 128);
    Some(if negative { -magnitude } else { magnitude })
}

/// Keys of which every SPAR file written by a Philips scanner has several.
const SPAR_KEYS: [&str; 6] = [
    "samples",
    "rows",
    "synthesizer_frequency",
    "sample_frequency",
    "echo_time",
    "scan_id",
];

/// Returns the keys of the `key : value` lines of SPAR-like text, skipping `!` comments.
fn spar_keys(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('!'))
        .filter_map(|line| line.split_once(':').map(|(key, _)| key.trim()))
}

fn has_spar_key(bytes: &[u8]) -> bool {
    let text = latin1_to_string(bytes);
    let found = spar_keys(&text).any(|key| SPAR_KEYS.contains(&key));
    found
}

/// Returns true for SPAR text: after `!` comment lines, `key : value` lines including
/// `samples` and `synthesizer_frequency`. An SDAT file has no magic number to sniff.
pub fn looks_like(bytes: &[u8]) -> bool {
    let head = latin1_to_string(&bytes[..bytes.len().min(16_384)]);
    let mut has_samples = false;
    let mut has_frequency = false;
    for key in spar_keys(&head) {
        has_samples |= key == "samples";
        has_frequency |= key == "synthesizer_frequency";
    }
    has_samples && has_frequency
}

/// Parses SPAR text into `(key, value)` pairs in file order.
///
/// # Errors
/// [`ErrorKind::Parse`] for a line that is neither empty, a `!` comment nor `key : value`.
pub fn parse_spar(bytes: &[u8], path: &Path) -> Result<Vec<(String, String)>> {
    let text = latin1_to_string(bytes);
    let mut pairs = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('!') {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            let excerpt: String = line.chars().take(80).collect();
            return Err(IoError::new(
                path,
                ErrorKind::Parse {
                    line: index + 1,
                    detail: format!("expected 'key : value', found {excerpt:?}"),
                },
            ));
        };
        pairs.push((key.trim().to_string(), value.trim().to_string()));
    }
    Ok(pairs)
}

/// Reads an SDAT file and the SPAR file beside it (same stem, extension `.spar` in any case).
///
/// # Errors
/// - [`ErrorKind::Os`] when a file cannot be read.
/// - [`ErrorKind::MissingField`] naming the SPAR file when none is found.
/// - Otherwise as [`parse`].
pub fn read(path: &Path, options: &ReadOptions) -> Result<Sdat> {
    let spar_path = find_spar(path)?;
    let sdat = std::fs::read(path).map_err(|e| IoError::new(path, ErrorKind::Os(e)))?;
    let spar = std::fs::read(&spar_path).map_err(|e| IoError::new(&spar_path, ErrorKind::Os(e)))?;
    parse(&sdat, path, &spar, &spar_path, options)
}

fn find_spar(sdat_path: &Path) -> Result<PathBuf> {
    let stem = sdat_path.file_stem().unwrap_or_default();
    let directory = match sdat_path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let entries =
        std::fs::read_dir(directory).map_err(|e| IoError::new(directory, ErrorKind::Os(e)))?;
    let mut candidates: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|candidate| {
            candidate.file_stem() == Some(stem)
                && candidate
                    .extension()
                    .is_some_and(|ext| ext.eq_ignore_ascii_case("spar"))
        })
        .collect();
    candidates.sort();
    candidates.into_iter().next().ok_or_else(|| {
        IoError::new(
            sdat_path,
            ErrorKind::MissingField {
                field: format!("SPAR file {}.spar", stem.to_string_lossy()),
                hint: Some("the .spar file must sit beside the .sdat with the same name".into()),
            },
        )
    })
}

/// Parses an SDAT/SPAR pair held in memory; the paths only label errors.
///
/// `samples`, `rows`, `synthesizer_frequency` and `sample_frequency` are required unless
/// `options` supplies the frequency or dwell time. The SDAT must be exactly
/// `samples` x `rows` x 8 bytes.
///
/// # Errors
/// Errors in the SPAR text name `spar_path`; [`ErrorKind::Truncated`] or
/// [`ErrorKind::WrongSize`] for an SDAT of the wrong length and [`ErrorKind::NonFinite`] for a
/// VAX reserved operand name `sdat_path`.
pub fn parse(
    sdat: &[u8],
    sdat_path: &Path,
    spar: &[u8],
    spar_path: &Path,
    options: &ReadOptions,
) -> Result<Sdat> {
    let spar_error = |kind: ErrorKind| IoError::new(spar_path, kind);
    if !has_spar_key(spar) {
        return Err(spar_error(ErrorKind::WrongFormat {
            expected: "Philips SPAR",
            detail: format!("no line starts with one of the keys {SPAR_KEYS:?}"),
        }));
    }
    let pairs = parse_spar(spar, spar_path)?;

    let samples_value = required_integer(&pairs, "samples").map_err(spar_error)?;
    let n_points = check_count("samples", samples_value, MAX_POINTS).map_err(spar_error)?;
    let rows_value = required_integer(&pairs, "rows").map_err(spar_error)?;
    let n_rows = check_count("rows", rows_value, MAX_TOTAL_SAMPLES).map_err(spar_error)?;
    for (field, value) in [("samples", n_points), ("rows", n_rows)] {
        if value == 0 {
            return Err(spar_error(ErrorKind::invalid(
                field,
                0,
                "must be at least 1",
            )));
        }
    }
    let n_complex = (n_points as u64).saturating_mul(n_rows as u64);
    let n_complex =
        check_count("samples x rows", n_complex, MAX_TOTAL_SAMPLES).map_err(spar_error)?;
    let expected = n_complex as u64 * BYTES_PER_SAMPLE;
    let found = sdat.len() as u64;
    if found < expected {
        return Err(IoError::new(
            sdat_path,
            ErrorKind::Truncated {
                field: "SDAT data".to_string(),
                expected,
                found,
            },
        ));
    }
    if found > expected {
        return Err(IoError::new(
            sdat_path,
            ErrorKind::WrongSize {
                field: "SDAT bytes (samples x rows x 8)".to_string(),
                expected,
                found,
            },
        ));
    }

    let spectrometer_frequency_mhz =
        match optional_number(&pairs, "synthesizer_frequency").map_err(spar_error)? {
            Some(hz) if hz > 0.0 => hz * 1e-6,
            Some(hz) => {
                return Err(spar_error(ErrorKind::invalid(
                    "synthesizer_frequency",
                    hz,
                    "must be positive",
                )))
            }
            None => options.spectrometer_frequency_mhz.ok_or_else(|| {
                spar_error(ErrorKind::MissingField {
                    field: "synthesizer_frequency".to_string(),
                    hint: Some("set ReadOptions::spectrometer_frequency_mhz".to_string()),
                })
            })?,
        };
    let dwell_time_s = match optional_number(&pairs, "sample_frequency").map_err(spar_error)? {
        Some(hz) if hz > 0.0 => 1.0 / hz,
        Some(hz) => {
            return Err(spar_error(ErrorKind::invalid(
                "sample_frequency",
                hz,
                "must be positive",
            )))
        }
        None => options.dwell_time_s.ok_or_else(|| {
            spar_error(ErrorKind::MissingField {
                field: "sample_frequency".to_string(),
                hint: Some("set ReadOptions::dwell_time_s".to_string()),
            })
        })?,
    };
    let echo_time_s = optional_number(&pairs, "echo_time")
        .map_err(spar_error)?
        .map(|ms| ms * 1e-3)
        .or(options.echo_time_s);
    let repetition_time_s = optional_number(&pairs, "repetition_time")
        .map_err(spar_error)?
        .map(|ms| ms * 1e-3);
    let n_averages = optional_number(&pairs, "averages").map_err(spar_error)?;
    let nucleus = match lookup(&pairs, "nucleus").map(unquote) {
        Some(text) if !text.is_empty() => text
            .parse::<Nucleus>()
            .map_err(|e| spar_error(ErrorKind::invalid("nucleus", text, e.to_string())))?,
        _ => options.nucleus.unwrap_or_default(),
    };

    let samples =
        decode_vax_pairs(sdat, n_complex).map_err(|kind| IoError::new(sdat_path, kind))?;
    check_finite("SDAT data", &samples).map_err(|kind| IoError::new(sdat_path, kind))?;
    tracing::debug!(path = %sdat_path.display(), n_points, n_rows, "parsed Philips SDAT");
    Ok(Sdat {
        path: sdat_path.to_path_buf(),
        spar_path: spar_path.to_path_buf(),
        spar: pairs,
        n_points,
        n_rows,
        spectrometer_frequency_mhz,
        dwell_time_s,
        echo_time_s,
        repetition_time_s,
        n_averages,
        nucleus,
        reference_shift_ppm: reference_shift(options, nucleus),
        samples,
    })
}

fn decode_vax_pairs(
    bytes: &[u8],
    n_complex: usize,
) -> std::result::Result<Vec<Complex64>, ErrorKind> {
    let mut samples = Vec::with_capacity(n_complex);
    for (index, pair) in bytes.chunks_exact(8).take(n_complex).enumerate() {
        let re = vax_f32_to_f64([pair[0], pair[1], pair[2], pair[3]]);
        let im = vax_f32_to_f64([pair[4], pair[5], pair[6], pair[7]]);
        match (re, im) {
            (Some(re), Some(im)) => samples.push(Complex64::new(re, im)),
            _ => {
                return Err(ErrorKind::NonFinite {
                    field: "SDAT data".to_string(),
                    index,
                    value: format!("VAX reserved operand in bytes {:02X?}", pair),
                })
            }
        }
    }
    Ok(samples)
}

fn lookup<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn unquote(text: &str) -> &str {
    text.trim().trim_matches('"').trim()
}

fn optional_number(
    pairs: &[(String, String)],
    key: &str,
) -> std::result::Result<Option<f64>, ErrorKind> {
    match lookup(pairs, key).map(unquote) {
        None | Some("") => Ok(None),
        Some(text) => text
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(Some)
            .ok_or_else(|| ErrorKind::invalid(key, text, "not a number")),
    }
}

fn required_integer(pairs: &[(String, String)], key: &str) -> std::result::Result<u64, ErrorKind> {
    let text = lookup(pairs, key)
        .map(unquote)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ErrorKind::missing(key))?;
    text.parse::<u64>()
        .map_err(|_| ErrorKind::invalid(key, text, "not a non-negative integer"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// VAX F bytes of a normal IEEE single, built independently of the decoder: the VAX
    /// exponent is the IEEE one plus 2 (bias 128 with a 0.1f mantissa against bias 127 with
    /// 1.f), and the two 16-bit words are swapped.
    fn vax_bytes_of(value: f32) -> [u8; 4] {
        let bits = value.to_bits() + (2 << 23);
        let [lo0, lo1, hi0, hi1] = bits.to_le_bytes();
        [hi0, hi1, lo0, lo1]
    }

    #[test]
    fn known_bit_patterns() {
        let cases: [([u8; 4], f64); 7] = [
            ([0x80, 0x40, 0x00, 0x00], 1.0),
            ([0x80, 0xC0, 0x00, 0x00], -1.0),
            ([0x00, 0x40, 0x00, 0x00], 0.5),
            ([0x40, 0x41, 0x00, 0x00], 3.0),
            ([0x80, 0x40, 0x01, 0x00], 1.0 + 2f64.powi(-23)),
            ([0x80, 0x40, 0x00, 0x01], 1.0 + 2f64.powi(-15)),
            ([0x00, 0x00, 0x12, 0x34], 0.0),
        ];
        for (bytes, expected) in cases {
            let value = vax_f32_to_f64(bytes).unwrap();
            assert_eq!(value.to_bits(), expected.to_bits(), "bytes {bytes:02X?}");
        }
    }

    #[test]
    fn reserved_operand_is_none() {
        assert_eq!(vax_f32_to_f64([0x00, 0x80, 0x00, 0x00]), None);
    }

    #[test]
    fn extreme_exponents() {
        let largest = vax_f32_to_f64([0xFF, 0x7F, 0xFF, 0xFF]).unwrap();
        let expected = (1.0 - 2f64.powi(-24)) * 2f64.powi(127);
        assert_eq!(largest.to_bits(), expected.to_bits());
        let smallest = vax_f32_to_f64([0x80, 0x00, 0x00, 0x00]).unwrap();
        assert_eq!(smallest.to_bits(), 2f64.powi(-128).to_bits());
    }

    proptest! {
        #[test]
        fn matches_ieee_single(bits in 0x0080_0000u32..0x7E80_0000, negative in any::<bool>()) {
            let value = f32::from_bits(bits | if negative { 1 << 31 } else { 0 });
            let decoded = vax_f32_to_f64(vax_bytes_of(value)).unwrap();
            prop_assert_eq!(decoded.to_bits(), f64::from(value).to_bits());
        }
    }

    #[test]
    fn spar_comments_and_colons() {
        let text = b"! comment : ignored\n\nscan_id : PRESS PAR 35\ntime : 12:30\r\n";
        let pairs = parse_spar(text, Path::new("x.spar")).unwrap();
        assert_eq!(pairs.len(), 2);
        assert_eq!(
            pairs[0],
            ("scan_id".to_string(), "PRESS PAR 35".to_string())
        );
        assert_eq!(pairs[1], ("time".to_string(), "12:30".to_string()));
    }
}
