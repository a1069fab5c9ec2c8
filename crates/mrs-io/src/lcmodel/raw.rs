//! LCModel `.RAW` and `.H2O` files: one FID after an optional `$SEQPAR` group and a `$NMID`
//! group.
//!
//! `$SEQPAR` may give `ECHOT` (ms), `HZPPPM` (MHz) and `SEQ`. `$NMID` gives `ID`, `FMTDAT`
//! (the Fortran format of the numbers), `VOLUME`, `TRAMP` and vendor flags such as `BRUKER`.
//! The numbers are real and imaginary parts, alternating, in the conjugate of the mrskit
//! convention (see the [module docs](super)). The dwell time is rarely in the file: LCModel
//! reads it from the control file as `DELTAT`. Some writers (FSL-MRS, spec2nii) add
//! `dwellTime` and `NumberOfPoints` to `$SEQPAR`; both are honoured.

use super::fortran::{read_values, write_values, FortranFormat};
use super::namelist::{next_line_start, Namelist, Value};
use super::{data_error, decode, find_real, leading_group_names, parse_groups, resolve_value};
use crate::atomic::write_atomic;
use crate::error::{ErrorKind, IoError, Result};
use crate::limits::{check_count, check_finite, MAX_POINTS};
use crate::ReadOptions;
use mrs_core::{Acquisition, Complex64, Fid, MrsData, Nucleus};
use std::path::{Path, PathBuf};

const FORMAT_NAME: &str = "LCModel .RAW";

/// The format the writer uses for the data: two fields of 15 columns, 6 decimals.
pub const WRITE_FORMAT: &str = "(2E15.6)";

/// A parsed `.RAW` or `.H2O` file.
#[derive(Debug, Clone, PartialEq)]
pub struct LcmRaw {
    /// The file the data came from (labels errors of later conversions).
    pub path: PathBuf,
    /// The `$SEQPAR` group, when present.
    pub seqpar: Option<Namelist>,
    /// The `$NMID` group.
    pub nmid: Namelist,
    /// Any other groups before the data, in file order.
    pub other_groups: Vec<Namelist>,
    /// The data format from `FMTDAT`.
    pub format: FortranFormat,
    /// The samples as stored: the complex conjugate of the mrskit convention.
    pub stored_samples: Vec<Complex64>,
    /// Sampling and spectrometer parameters from the file, completed from [`ReadOptions`].
    pub acquisition: Acquisition,
}

impl LcmRaw {
    /// Conjugates the stored samples into the mrskit convention.
    pub fn fid_samples(&self) -> Vec<Complex64> {
        self.stored_samples.iter().map(|c| c.conj()).collect()
    }

    /// Number of complex points.
    pub fn n_points(&self) -> usize {
        self.stored_samples.len()
    }

    /// `ID` of `$NMID`.
    pub fn id(&self) -> Option<&str> {
        self.nmid.get_text("ID")
    }

    /// Converts into [`MrsData`] holding one FID.
    ///
    /// # Errors
    /// [`ErrorKind::Core`] when the samples or parameters are rejected by `mrs-core`.
    pub fn to_mrs_data(&self) -> Result<MrsData> {
        let fid = Fid::new(self.fid_samples(), self.acquisition.clone())
            .map_err(|e| IoError::new(&self.path, ErrorKind::Core(e)))?;
        Ok(MrsData::from_fid(fid))
    }
}

/// Checks whether `bytes` start like a `.RAW` file: a `$NMID` group, or `$SEQPAR` then `$NMID`.
pub fn looks_like(bytes: &[u8]) -> bool {
    let names = leading_group_names(bytes, 2);
    match names.as_slice() {
        [first, ..] if first == "NMID" => true,
        [first, second] => first == "SEQPAR" && second == "NMID",
        _ => false,
    }
}

/// Reads a `.RAW` or `.H2O` file.
///
/// # Errors
/// See [`parse`].
pub fn read(path: &Path, options: &ReadOptions) -> Result<LcmRaw> {
    let bytes = std::fs::read(path).map_err(|e| IoError::new(path, ErrorKind::Os(e)))?;
    parse(&bytes, path, options)
}

/// Parses a `.RAW` or `.H2O` file from memory; `path` labels errors.
///
/// # Errors
/// - [`ErrorKind::WrongFormat`] for binary content or text without a `$NMID` group;
/// - [`ErrorKind::MissingField`] for a missing `FMTDAT`, or a missing `HZPPPM` or dwell time
///   that `options` does not supply either (the hint names the `ReadOptions` fields);
/// - [`ErrorKind::Parse`] for malformed groups or numbers;
/// - [`ErrorKind::WrongSize`] for an odd number of values or a `NumberOfPoints` that does not
///   match the data;
/// - [`ErrorKind::TooLarge`], [`ErrorKind::NonFinite`], [`ErrorKind::InvalidField`],
///   [`ErrorKind::Core`] for values out of range.
pub fn parse(bytes: &[u8], path: &Path, options: &ReadOptions) -> Result<LcmRaw> {
    let text = decode(bytes, path, FORMAT_NAME)?;
    let text = text.as_ref();
    let (groups, header_end) = parse_groups(text, 0, path)?;
    let mut seqpar = None;
    let mut nmid = None;
    let mut other_groups = Vec::new();
    for group in groups {
        if group.is("SEQPAR") && seqpar.is_none() {
            seqpar = Some(group);
        } else if group.is("NMID") && nmid.is_none() {
            nmid = Some(group);
        } else {
            other_groups.push(group);
        }
    }
    let Some(nmid) = nmid else {
        let detail = if other_groups.iter().any(|g| g.is("BASIS1")) {
            "this is an LCModel .BASIS file (it has $BASIS1)".to_string()
        } else if other_groups.is_empty() && seqpar.is_none() {
            "no $NMID namelist group at the start".to_string()
        } else {
            "no $NMID namelist group before the data".to_string()
        };
        return Err(IoError::new(
            path,
            ErrorKind::WrongFormat {
                expected: FORMAT_NAME,
                detail,
            },
        ));
    };
    let format_text = nmid.get_text("FMTDAT").ok_or_else(|| {
        IoError::new(
            path,
            ErrorKind::MissingField {
                field: "FMTDAT".to_string(),
                hint: Some(
                    "the $NMID group must name the data format, e.g. FMTDAT='(2E15.6)'".to_string(),
                ),
            },
        )
    })?;
    let format = FortranFormat::parse(format_text)
        .map_err(|reason| IoError::new(path, ErrorKind::invalid("FMTDAT", format_text, reason)))?;

    let data_start = next_line_start(text, header_end);
    let (values, _) = read_values(text, data_start, None, &format)
        .map_err(|e| data_error(path, text, "data", 0, e))?;
    if values.is_empty() {
        return Err(IoError::new(
            path,
            ErrorKind::Truncated {
                field: "data".to_string(),
                expected: 2,
                found: 0,
            },
        ));
    }
    if values.len() % 2 != 0 {
        return Err(IoError::new(
            path,
            ErrorKind::WrongSize {
                field: "data values (real and imaginary pairs)".to_string(),
                expected: values.len() as u64 + 1,
                found: values.len() as u64,
            },
        ));
    }
    let n_points = check_count("data points", values.len() as u64 / 2, MAX_POINTS)
        .map_err(|k| IoError::new(path, k))?;
    let stored_samples: Vec<Complex64> = values
        .chunks_exact(2)
        .map(|pair| Complex64::new(pair[0], pair[1]))
        .collect();
    check_finite("data", &stored_samples).map_err(|k| IoError::new(path, k))?;

    let header: Vec<&Namelist> = seqpar.iter().chain([&nmid]).chain(&other_groups).collect();
    for group in &header {
        let declared = group
            .get_i64("NumberOfPoints")
            .map_err(|k| IoError::new(path, k))?;
        match declared {
            Some(declared) if declared != n_points as i64 => {
                return Err(IoError::new(
                    path,
                    ErrorKind::WrongSize {
                        field: "data points (NumberOfPoints)".to_string(),
                        expected: declared.max(0) as u64,
                        found: n_points as u64,
                    },
                ));
            }
            _ => {}
        }
    }
    let acquisition = resolve_acquisition(&header, path, options)?;
    Ok(LcmRaw {
        path: path.to_path_buf(),
        seqpar,
        nmid,
        other_groups,
        format,
        stored_samples,
        acquisition,
    })
}

/// Builds the acquisition from the header groups and the caller's options.
fn resolve_acquisition(
    header: &[&Namelist],
    path: &Path,
    options: &ReadOptions,
) -> Result<Acquisition> {
    let frequency = find_real(header.iter().copied(), "HZPPPM", path)?;
    let frequency = resolve_value(
        path,
        "HZPPPM",
        frequency,
        options.spectrometer_frequency_mhz,
    )?;
    let mut dwell = find_real(header.iter().copied(), "DELTAT", path)?;
    let mut dwell_field = "DELTAT";
    if dwell.is_none() {
        dwell = find_real(header.iter().copied(), "dwellTime", path)?;
        dwell_field = "dwellTime";
    }
    let dwell = resolve_value(path, dwell_field, dwell, options.dwell_time_s)?;
    let (frequency, dwell) = match (frequency, dwell) {
        (Some(f), Some(d)) => (f, d),
        (f, d) => {
            return Err(IoError::new(
                path,
                missing_acquisition(f.is_none(), d.is_none()),
            ))
        }
    };
    let echo_ms = find_real(header.iter().copied(), "ECHOT", path)?;
    // LCModel writes ECHOT = -1 (or leaves it empty) when the echo time is unknown.
    let echo_time_s = match echo_ms {
        Some((ms, _)) if ms >= 0.0 => Some(ms / 1000.0),
        _ => options.echo_time_s,
    };
    acquisition_from(dwell, frequency, echo_time_s, options)
        .map_err(|e| IoError::new(path, ErrorKind::Core(e)))
}

/// The error for an acquisition value neither the file nor the caller supplies.
pub(crate) fn missing_acquisition(frequency_missing: bool, dwell_missing: bool) -> ErrorKind {
    let mut fields = Vec::new();
    let mut hints = Vec::new();
    if frequency_missing {
        fields.push("HZPPPM");
        hints.push("ReadOptions::spectrometer_frequency_mhz (MHz)");
    }
    if dwell_missing {
        fields.push("DELTAT");
        hints.push("ReadOptions::dwell_time_s (s)");
    }
    ErrorKind::MissingField {
        field: fields.join(" and "),
        hint: Some(format!(
            "the file does not give it; set {}, e.g. from the HZPPPM and DELTAT of the LCModel \
             control file (lcmodel::control::read(..)?.to_read_options())",
            hints.join(" and ")
        )),
    }
}

/// Builds an [`Acquisition`] honouring the nucleus and reference shift of `options`.
pub(crate) fn acquisition_from(
    dwell_time_s: f64,
    spectrometer_frequency_mhz: f64,
    echo_time_s: Option<f64>,
    options: &ReadOptions,
) -> mrs_core::Result<Acquisition> {
    let mut acquisition = Acquisition::new(dwell_time_s, spectrometer_frequency_mhz)?;
    let nucleus = options.nucleus.unwrap_or(Nucleus::H1);
    acquisition.nucleus = nucleus;
    acquisition.reference_shift_ppm = options
        .reference_shift_ppm
        .unwrap_or_else(|| nucleus.default_reference_shift_ppm());
    acquisition.echo_time_s = echo_time_s;
    acquisition.validate()?;
    Ok(acquisition)
}

/// Header values the writer puts in `$SEQPAR` and `$NMID` besides those of the data.
#[derive(Debug, Clone, PartialEq)]
pub struct RawWriteOptions {
    /// `ID` of `$NMID`, a label LCModel prints on its output.
    pub id: String,
    /// `SEQ` of `$SEQPAR`, e.g. `"PRESS"`; empty writes `' '`, as LCModel does.
    pub sequence: String,
    /// `VOLUME`, the voxel volume LCModel divides by when scaling (1 leaves values unscaled).
    pub volume: f64,
    /// `TRAMP`, the amplitude factor LCModel multiplies by (1 leaves values unscaled).
    pub tramp: f64,
}

impl Default for RawWriteOptions {
    fn default() -> Self {
        RawWriteOptions {
            id: "mrskit".to_string(),
            sequence: String::new(),
            volume: 1.0,
            tramp: 1.0,
        }
    }
}

/// Formats a real with at most `decimals` decimals, trailing zeros removed, e.g. `30.0`.
pub(crate) fn format_fixed(value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if !text.contains('.') {
        return format!("{text}.0");
    }
    let trimmed = text.trim_end_matches('0');
    if trimmed.ends_with('.') {
        format!("{trimmed}0")
    } else {
        trimmed.to_string()
    }
}

/// Renders a `.RAW` file for one FID: `$SEQPAR` with `ECHOT` (when known), `HZPPPM` and `SEQ`,
/// `$NMID` with `ID`, `FMTDAT = '(2E15.6)'`, `VOLUME` and `TRAMP`, then the conjugated samples.
///
/// The dwell time is not written: LCModel reads it from its control file (`DELTAT`), so
/// reading the file back needs [`ReadOptions::dwell_time_s`].
///
/// # Errors
/// [`ErrorKind::Core`] when `data` contains more than one FID; [`ErrorKind::InvalidField`] for a
/// non-finite `volume` or `tramp`.
pub fn to_text(data: &MrsData, options: &RawWriteOptions, path: &Path) -> Result<String> {
    let fid = data
        .to_fid()
        .map_err(|e| IoError::new(path, ErrorKind::Core(e)))?;
    for (field, value) in [("VOLUME", options.volume), ("TRAMP", options.tramp)] {
        if !value.is_finite() || value <= 0.0 {
            return Err(IoError::new(
                path,
                ErrorKind::invalid(field, value, "must be finite and positive"),
            ));
        }
    }
    let acquisition = fid.acquisition();
    let mut seqpar = Namelist::new("SEQPAR");
    if let Some(echo_time_s) = acquisition.echo_time_s {
        // Microsecond precision in ms keeps write, read and write again byte-identical.
        let echot = Value::Real(echo_time_s * 1000.0);
        seqpar.entries.push(super::namelist::Entry {
            key: "ECHOT".to_string(),
            values: vec![echot],
            raw: format_fixed(echo_time_s * 1000.0, 6),
        });
    }
    seqpar.push(
        "HZPPPM",
        vec![Value::Real(acquisition.spectrometer_frequency_mhz)],
    );
    let sequence = if options.sequence.is_empty() {
        " ".to_string()
    } else {
        options.sequence.clone()
    };
    seqpar.push("SEQ", vec![Value::Text(sequence)]);

    let mut nmid = Namelist::new("NMID");
    nmid.push("ID", vec![Value::Text(options.id.clone())]);
    nmid.push("FMTDAT", vec![Value::Text(WRITE_FORMAT.to_string())]);
    nmid.push("VOLUME", vec![Value::Real(options.volume)]);
    nmid.push("TRAMP", vec![Value::Real(options.tramp)]);

    let mut text = String::new();
    seqpar.write_to(&mut text);
    nmid.write_to(&mut text);
    let values: Vec<f64> = fid.samples().iter().flat_map(|c| [c.re, -c.im]).collect();
    write_values(&mut text, &values, 2, 15, 6);
    Ok(text)
}

/// Writes one FID as a `.RAW` file (see [`to_text`]) through an atomic rename.
///
/// Reading it back gives every sample rounded to 7 significant digits (`1.234567E-03`), and
/// writing that again gives the same bytes.
///
/// # Errors
/// See [`to_text`]; [`ErrorKind::Os`] when the file cannot be written.
pub fn write(path: &Path, data: &MrsData, options: &RawWriteOptions) -> Result<()> {
    let text = to_text(data, options, path)?;
    write_atomic(path, |w| {
        w.write_all(text.as_bytes())
            .map_err(|e| IoError::new(path, ErrorKind::Os(e)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_formatting() {
        assert_eq!(format_fixed(30.0, 6), "30.0");
        assert_eq!(format_fixed(30.000000000000004, 6), "30.0");
        assert_eq!(format_fixed(11.25, 6), "11.25");
    }

    #[test]
    fn missing_error_names_both_fields() {
        match missing_acquisition(true, true) {
            ErrorKind::MissingField { field, hint } => {
                assert_eq!(field, "HZPPPM and DELTAT");
                let hint = hint.expect("hint");
                assert!(hint.contains("spectrometer_frequency_mhz"));
                assert!(hint.contains("dwell_time_s"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
