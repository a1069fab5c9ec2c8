//! Siemens `.rda` spectroscopy export: a Latin-1 text header of `key: value` lines between
//! `>>> Begin of header <<<` and `>>> End of header <<<`, then little-endian float64
//! (real, imaginary) pairs.
//!
//! The samples are stored as the complex conjugate of the [`mrs_core`] convention, so
//! [`Rda::to_mrs_data`] conjugates them. Only single-voxel files convert into [`MrsData`];
//! spectroscopic imaging files parse, keeping every voxel, but their conversion is rejected.

use super::latin1_to_string;
use crate::error::{ErrorKind, IoError, Result};
use crate::limits::{check_available, check_count, check_finite, MAX_POINTS, MAX_TOTAL_SAMPLES};
use crate::options::ReadOptions;
use mrs_core::{Acquisition, Complex64, MrsData, Nucleus};
use ndarray::{ArrayD, IxDyn};
use std::path::{Path, PathBuf};

const BEGIN_MARKER: &str = ">>> Begin of header <<<";
const END_MARKER: &str = ">>> End of header <<<";
const BYTES_PER_SAMPLE: u64 = 16;

/// A parsed `.rda` file: the header as written and the samples as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Rda {
    /// The file the data came from, used to label conversion errors.
    pub path: PathBuf,
    /// Every header line as `(key, value)`, in file order, keys and values trimmed.
    pub header: Vec<(String, String)>,
    /// Complex points per FID (`VectorSize`).
    pub n_points: usize,
    /// Voxels along the three spatial axes (`CSIMatrixSize[0..3]`, 1 where absent).
    pub csi_matrix_size: [usize; 3],
    /// Dwell time in seconds (`DwellTime`, stored in whole microseconds).
    pub dwell_time_s: f64,
    /// Spectrometer frequency in MHz (`MRFrequency`).
    pub spectrometer_frequency_mhz: f64,
    /// Echo time in seconds (`TE`, stored in ms).
    pub echo_time_s: Option<f64>,
    /// Repetition time in seconds (`TR`, stored in ms).
    pub repetition_time_s: Option<f64>,
    /// Number of averages summed into the FID (`NumberOfAverages`).
    pub n_averages: Option<f64>,
    /// Observed nucleus (`Nucleus`).
    pub nucleus: Nucleus,
    /// Reference shift in ppm from [`ReadOptions::reference_shift_ppm`], else the nucleus default.
    pub reference_shift_ppm: f64,
    /// Samples as stored (not conjugated), voxel-major: voxel `v` is
    /// `samples[v * n_points..(v + 1) * n_points]`, with `CSIMatrixSize[0]` varying fastest.
    pub samples: Vec<Complex64>,
}

impl Rda {
    /// Returns the value of a header key as written, e.g. `get("SequenceName")`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.header
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Number of voxels, the product of the three `CSIMatrixSize` entries.
    pub fn n_voxels(&self) -> usize {
        self.csi_matrix_size.iter().product()
    }

    /// Converts into the [`mrs_core`] convention: conjugated samples, times in seconds.
    ///
    /// # Errors
    /// - [`ErrorKind::Unsupported`] for more than one voxel.
    /// - [`ErrorKind::Core`] when the acquisition parameters are out of range.
    pub fn to_mrs_data(&self) -> Result<MrsData> {
        if self.n_voxels() != 1 {
            let [x, y, z] = self.csi_matrix_size;
            return Err(IoError::new(
                &self.path,
                ErrorKind::Unsupported {
                    what: format!(
                        "spectroscopic imaging RDA with CSIMatrixSize {x} x {y} x {z}; \
                         only single-voxel files convert"
                    ),
                },
            ));
        }
        let acquisition = Acquisition {
            dwell_time_s: self.dwell_time_s,
            spectrometer_frequency_mhz: self.spectrometer_frequency_mhz,
            nucleus: self.nucleus,
            reference_shift_ppm: self.reference_shift_ppm,
            echo_time_s: self.echo_time_s,
            repetition_time_s: self.repetition_time_s,
        };
        let samples: Vec<Complex64> = self.samples.iter().map(|c| c.conj()).collect();
        let array = ArrayD::from_shape_vec(IxDyn(&[self.n_points]), samples)
            .map_err(|e| core_shape_error(&self.path, e))?;
        MrsData::new(array, Vec::new(), acquisition)
            .map_err(|e| IoError::new(&self.path, ErrorKind::Core(e)))
    }
}

fn core_shape_error(path: &Path, error: ndarray::ShapeError) -> IoError {
    IoError::new(
        path,
        ErrorKind::Core(mrs_core::CoreError::Shape {
            detail: error.to_string(),
        }),
    )
}

/// Returns true when `bytes` starts with the RDA begin marker (after an optional UTF-8 BOM).
pub fn looks_like(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    bytes.starts_with(BEGIN_MARKER.as_bytes())
}

/// Reads an `.rda` file.
///
/// # Errors
/// [`ErrorKind::Os`] when the file cannot be read, else as [`parse`].
pub fn read(path: &Path, options: &ReadOptions) -> Result<Rda> {
    let bytes = std::fs::read(path).map_err(|e| IoError::new(path, ErrorKind::Os(e)))?;
    parse(&bytes, path, options)
}

/// Parses an `.rda` file held in memory; `path` only labels errors.
///
/// `VectorSize`, `DwellTime` and `MRFrequency` are required unless `options` supplies the dwell
/// time or frequency. The data must be exactly `VectorSize` x voxels x 16 bytes.
///
/// # Errors
/// - [`ErrorKind::WrongFormat`] without the begin marker.
/// - [`ErrorKind::Parse`] for a missing end marker or a line without `:`.
/// - [`ErrorKind::MissingField`], [`ErrorKind::InvalidField`] or [`ErrorKind::TooLarge`] for
///   header values.
/// - [`ErrorKind::Truncated`] or [`ErrorKind::WrongSize`] when the data length disagrees with
///   the header.
/// - [`ErrorKind::NonFinite`] for a NaN or infinite sample.
pub fn parse(bytes: &[u8], path: &Path, options: &ReadOptions) -> Result<Rda> {
    let at = |kind: ErrorKind| IoError::new(path, kind);
    let (header, data_offset) = split_header(bytes).map_err(at)?;
    let fields = HeaderFields { header: &header };

    // Sizes first, so nothing is allocated from an unchecked header value.
    let vector_size = fields.required_u64("VectorSize").map_err(at)?;
    let n_points = check_count("VectorSize", vector_size, MAX_POINTS).map_err(at)?;
    if n_points == 0 {
        return Err(at(ErrorKind::invalid(
            "VectorSize",
            0,
            "must be at least 1",
        )));
    }
    let mut csi_matrix_size = [1usize; 3];
    for (axis, size) in csi_matrix_size.iter_mut().enumerate() {
        let key = format!("CSIMatrixSize[{axis}]");
        if let Some(value) = fields.optional_u64(&key).map_err(at)? {
            *size = check_count(&key, value, MAX_TOTAL_SAMPLES).map_err(at)?;
            if *size == 0 {
                return Err(at(ErrorKind::invalid(&key, 0, "must be at least 1")));
            }
        }
    }
    let n_samples = csi_matrix_size
        .iter()
        .try_fold(vector_size, |total, &n| total.checked_mul(n as u64))
        .unwrap_or(u64::MAX);
    let n_samples =
        check_count("VectorSize x CSIMatrixSize", n_samples, MAX_TOTAL_SAMPLES).map_err(at)?;
    let expected_bytes = n_samples as u64 * BYTES_PER_SAMPLE;
    let available = (bytes.len() - data_offset) as u64;
    check_available("data", expected_bytes, available).map_err(at)?;
    if available != expected_bytes {
        return Err(at(ErrorKind::WrongSize {
            field: "data (bytes after the header)".to_string(),
            expected: expected_bytes,
            found: available,
        }));
    }

    let dwell_time_s = match fields.optional_f64("DwellTime").map_err(at)? {
        Some(us) => positive("DwellTime", us).map_err(at)? * 1e-6,
        None => options.dwell_time_s.ok_or_else(|| {
            at(ErrorKind::MissingField {
                field: "DwellTime".to_string(),
                hint: Some("set ReadOptions::dwell_time_s".to_string()),
            })
        })?,
    };
    // MRFrequency is the measured frequency. MagneticFieldStrength is the nominal field, so it
    // is not used.
    let spectrometer_frequency_mhz = match fields.optional_f64("MRFrequency").map_err(at)? {
        Some(mhz) => positive("MRFrequency", mhz).map_err(at)?,
        None => options.spectrometer_frequency_mhz.ok_or_else(|| {
            at(ErrorKind::MissingField {
                field: "MRFrequency".to_string(),
                hint: Some("set ReadOptions::spectrometer_frequency_mhz".to_string()),
            })
        })?,
    };
    let echo_time_s = match fields.optional_f64("TE").map_err(at)? {
        Some(ms) => Some(non_negative("TE", ms).map_err(at)? * 1e-3),
        None => options.echo_time_s,
    };
    let repetition_time_s = match fields.optional_f64("TR").map_err(at)? {
        Some(ms) => Some(non_negative("TR", ms).map_err(at)? * 1e-3),
        None => None,
    };
    let n_averages = fields.optional_f64("NumberOfAverages").map_err(at)?;
    let nucleus = match fields.get("Nucleus") {
        Some(text) if !text.is_empty() => text
            .parse::<Nucleus>()
            .map_err(|e| at(ErrorKind::invalid("Nucleus", text, e.to_string())))?,
        _ => options.nucleus.unwrap_or_default(),
    };
    let reference_shift_ppm = options
        .reference_shift_ppm
        .unwrap_or_else(|| nucleus.default_reference_shift_ppm());

    let samples = decode_samples(&bytes[data_offset..], n_samples);
    check_finite("data", &samples).map_err(at)?;
    tracing::debug!(
        path = %path.display(),
        n_points,
        ?csi_matrix_size,
        "parsed RDA"
    );
    Ok(Rda {
        path: path.to_path_buf(),
        header,
        n_points,
        csi_matrix_size,
        dwell_time_s,
        spectrometer_frequency_mhz,
        echo_time_s,
        repetition_time_s,
        n_averages,
        nucleus,
        reference_shift_ppm,
        samples,
    })
}

/// Splits the text header into `(key, value)` pairs and returns the offset of the first data
/// byte, just after the line feed ending the end-marker line.
fn split_header(bytes: &[u8]) -> std::result::Result<(Vec<(String, String)>, usize), ErrorKind> {
    if !looks_like(bytes) {
        let start = latin1_to_string(&bytes[..bytes.len().min(32)]);
        return Err(ErrorKind::WrongFormat {
            expected: "Siemens RDA",
            detail: format!("the file does not start with '{BEGIN_MARKER}' but with {start:?}"),
        });
    }
    let mut header = Vec::new();
    let mut offset = 0;
    let mut line_number = 0;
    while offset < bytes.len() {
        line_number += 1;
        let line_end = bytes[offset..]
            .iter()
            .position(|&b| b == b'\n')
            .map(|i| offset + i);
        let next = line_end.map_or(bytes.len(), |end| end + 1);
        let raw = &bytes[offset..line_end.unwrap_or(bytes.len())];
        let line = latin1_to_string(raw.strip_suffix(b"\r").unwrap_or(raw));
        // A UTF-8 byte order mark decodes as these three Latin-1 characters.
        let line = line.trim_start_matches("\u{ef}\u{bb}\u{bf}");
        offset = next;
        if line.contains(END_MARKER) {
            if line_end.is_none() {
                // The marker ends the file, so there is no data at all.
                return Ok((header, bytes.len()));
            }
            return Ok((header, next));
        }
        if line.contains(BEGIN_MARKER) || line.trim().is_empty() {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(ErrorKind::Parse {
                line: line_number,
                detail: format!("expected 'key: value', found {:?}", truncate(line, 80)),
            });
        };
        header.push((key.trim().to_string(), value.trim().to_string()));
    }
    Err(ErrorKind::Parse {
        line: line_number,
        detail: format!("the header has no '{END_MARKER}' line"),
    })
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

struct HeaderFields<'a> {
    header: &'a [(String, String)],
}

impl HeaderFields<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.header
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn optional_f64(&self, key: &str) -> std::result::Result<Option<f64>, ErrorKind> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(text) => parse_decimal(text)
                .map(Some)
                .ok_or_else(|| ErrorKind::invalid(key, text, "not a number")),
        }
    }

    fn optional_u64(&self, key: &str) -> std::result::Result<Option<u64>, ErrorKind> {
        match self.get(key) {
            None | Some("") => Ok(None),
            Some(text) => text
                .parse::<u64>()
                .map(Some)
                .map_err(|_| ErrorKind::invalid(key, text, "not a non-negative integer")),
        }
    }

    fn required_u64(&self, key: &str) -> std::result::Result<u64, ErrorKind> {
        self.optional_u64(key)?
            .ok_or_else(|| ErrorKind::missing(key))
    }
}

/// Parses a finite decimal number, accepting a decimal comma (`123,2` as written by scanners set
/// to a German locale) when the text has no point.
pub(crate) fn parse_decimal(text: &str) -> Option<f64> {
    let text = text.trim();
    let value = match text.parse::<f64>() {
        Ok(value) => value,
        Err(_) if text.matches(',').count() == 1 && !text.contains('.') => {
            text.replace(',', ".").parse::<f64>().ok()?
        }
        Err(_) => return None,
    };
    value.is_finite().then_some(value)
}

fn positive(field: &str, value: f64) -> std::result::Result<f64, ErrorKind> {
    if value > 0.0 {
        Ok(value)
    } else {
        Err(ErrorKind::invalid(field, value, "must be positive"))
    }
}

fn non_negative(field: &str, value: f64) -> std::result::Result<f64, ErrorKind> {
    if value >= 0.0 {
        Ok(value)
    } else {
        Err(ErrorKind::invalid(field, value, "must not be negative"))
    }
}

fn decode_samples(data: &[u8], n_samples: usize) -> Vec<Complex64> {
    data.chunks_exact(16)
        .take(n_samples)
        .map(|pair| {
            let (re, im) = pair.split_at(8);
            Complex64::new(f64_le(re), f64_le(im))
        })
        .collect()
}

fn f64_le(bytes: &[u8]) -> f64 {
    let mut array = [0u8; 8];
    array.copy_from_slice(bytes);
    f64::from_le_bytes(array)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_comma_accepted() {
        assert_eq!(parse_decimal("123,234655"), Some(123.234655));
        assert_eq!(parse_decimal(" 30.000000 "), Some(30.0));
        assert_eq!(parse_decimal("1,2,3"), None);
        assert_eq!(parse_decimal("nan"), None);
        assert_eq!(parse_decimal(""), None);
    }

    #[test]
    fn header_split_at_lf_and_crlf() {
        for newline in ["\n", "\r\n"] {
            let text = format!(
                "{BEGIN_MARKER}{newline}A: 1{newline}B:x: y{newline}{END_MARKER}{newline}DATA"
            );
            let (header, offset) = split_header(text.as_bytes()).unwrap();
            assert_eq!(header[0], ("A".to_string(), "1".to_string()));
            assert_eq!(header[1], ("B".to_string(), "x: y".to_string()));
            assert_eq!(&text.as_bytes()[offset..], b"DATA");
        }
    }
}
