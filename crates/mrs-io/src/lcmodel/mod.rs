//! LCModel text formats: `.RAW`/`.H2O` data, `.BASIS` basis sets, `.COORD` fit output and
//! the `$LCMODL` control file.
//!
//! Every format is Fortran namelist groups (see [`namelist`]) followed by numbers in the
//! Fortran format the header names (see [`fortran`]).
//!
//! # Conventions, checked on real files
//!
//! - **Conjugation.** `.RAW` and `.H2O` files store the complex conjugate of the mrskit (and
//!   NIfTI-MRS and jMRUI text) convention: `tests/data/cross-format/metab.RAW` contains the
//!   conjugate of `metab.nii` and `metab_jmrui.txt` (relative difference 1e-7, the printed
//!   precision), and the fitting-challenge spectra put NAA at 2.00 ppm only after conjugation
//!   (7.30 ppm, its mirror about 4.65 ppm, before). Readers conjugate, writers conjugate back.
//! - **Basis spectra.** A `.BASIS` entry holds `NDATAB` complex points of the discrete Fourier
//!   transform of the zero-filled time signal in the `.RAW` convention, in natural FFT order
//!   (0 Hz first, not centred), scaled by `1 / sqrt(NDATAB)`. For the fitting-challenge basis,
//!   `sqrt(4096) * IFFT(entry)` equals the per-metabolite `.RAW` file in its first 2048 points
//!   and is zero after them (LCModel's `makebasis` zero-fills to twice the length).
//! - **Chemical shift.** The centre of a basis spectrum is at 4.65 ppm, LCModel's default
//!   `PPMCEN`. Some writers use another value (Osprey writes 4.68 ppm); pass
//!   [`ReadOptions::reference_shift_ppm`](crate::ReadOptions) to read those.
//! - **Time and frequency.** `ECHOT` is in ms, `DELTAT` and `BADELT` in s, `HZPPPM` in MHz.
//!   `.RAW` files usually carry neither `HZPPPM` nor the dwell time: LCModel takes them from
//!   the control file (`DELTAT`, `HZPPPM`), which [`control`] reads.

pub mod basis;
pub mod control;
pub mod coord;
pub mod fortran;
pub mod namelist;
pub mod raw;
pub mod table;

use crate::error::{ErrorKind, IoError, Result};
use namelist::{line_number, parse_group, Namelist, NamelistError};
use std::borrow::Cow;
use std::path::Path;

/// Decodes a text file, rejecting binary content.
fn decode<'a>(bytes: &'a [u8], path: &Path, expected: &'static str) -> Result<Cow<'a, str>> {
    if let Some(index) = bytes.iter().position(|&b| b == 0) {
        return Err(IoError::new(
            path,
            ErrorKind::WrongFormat {
                expected,
                detail: format!("binary content (NUL byte at offset {index})"),
            },
        ));
    }
    Ok(String::from_utf8_lossy(bytes))
}

/// Names of the first `max` namelist groups, read cheaply from the start of the text; empty
/// when the text does not start with a group (after blanks).
fn leading_group_names(bytes: &[u8], max: usize) -> Vec<String> {
    let head = &bytes[..bytes.len().min(16 * 1024)];
    if head.contains(&0) {
        return Vec::new();
    }
    let text = String::from_utf8_lossy(head);
    let mut names = Vec::new();
    let mut position = 0;
    while names.len() < max {
        match parse_group(&text, position) {
            Ok((group, end)) => {
                names.push(group.name.to_ascii_uppercase());
                position = end;
            }
            Err(_) => break,
        }
    }
    names
}

/// Parses consecutive namelist groups from `start` and returns them with the offset after the
/// last one. Stops at the first line that does not start a group.
fn parse_groups(text: &str, start: usize, path: &Path) -> Result<(Vec<Namelist>, usize)> {
    let mut groups = Vec::new();
    let mut position = start;
    loop {
        let rest = text[position..].trim_start();
        if !(rest.starts_with('$') || rest.starts_with('&')) {
            return Ok((groups, position));
        }
        let (group, end) =
            parse_group(text, position).map_err(|e| namelist_error(path, text, &e))?;
        groups.push(group);
        position = end;
    }
}

fn namelist_error(path: &Path, text: &str, error: &NamelistError) -> IoError {
    IoError::new(
        path,
        ErrorKind::Parse {
            line: line_number(text, error.offset),
            detail: error.detail.clone(),
        },
    )
}

/// Maps an error reading numbers into an [`IoError`] naming the block.
fn data_error(
    path: &Path,
    text: &str,
    field: &str,
    expected: usize,
    error: fortran::DataError,
) -> IoError {
    let kind = match error {
        fortran::DataError::Parse { offset, detail } => ErrorKind::Parse {
            line: line_number(text, offset),
            detail: format!("{field}: {detail}"),
        },
        fortran::DataError::Short { found } => ErrorKind::WrongSize {
            field: field.to_string(),
            expected: expected as u64,
            found: found as u64,
        },
        fortran::DataError::Excess { found } => ErrorKind::WrongSize {
            field: field.to_string(),
            expected: expected as u64,
            found: found as u64,
        },
    };
    IoError::new(path, kind)
}

/// Half a unit in the last printed digit of a number as written, e.g. 5e-7 for `0.000083`:
/// the true value of a printed number lies within this distance of it.
fn printed_half_unit(raw: &str) -> f64 {
    let lower = raw.trim().to_ascii_lowercase().replace(['d', 'q'], "e");
    let (mantissa, exponent) = match lower.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse::<i32>().unwrap_or(0)),
        None => (lower.clone(), 0),
    };
    let decimals = mantissa
        .split_once('.')
        .map_or(0, |(_, fraction)| fraction.len());
    let decimals = i32::try_from(decimals).unwrap_or(i32::MAX);
    0.5 * 10f64.powi(exponent.saturating_sub(decimals))
}

/// Picks between a value a file prints and one the caller supplies.
///
/// The caller's value is used when the file lacks the field, and also when it agrees with the
/// file's value to the file's printed precision (so `dwellTime= 0.000083` can be refined to
/// 8.3333e-5). A caller value outside that precision contradicts the file and is rejected.
fn resolve_value(
    path: &Path,
    field: &str,
    from_file: Option<(f64, &str)>,
    from_options: Option<f64>,
) -> Result<Option<f64>> {
    match (from_file, from_options) {
        (None, option) => Ok(option),
        (Some((value, _)), None) => Ok(Some(value)),
        (Some((value, raw)), Some(option)) => {
            let tolerance = printed_half_unit(raw) * (1.0 + 1e-9);
            if (option - value).abs() <= tolerance {
                Ok(Some(option))
            } else {
                Err(IoError::new(
                    path,
                    ErrorKind::invalid(
                        field,
                        raw,
                        format!(
                            "the value supplied in ReadOptions ({option}) differs from the \
                             file's by more than its printed precision"
                        ),
                    ),
                ))
            }
        }
    }
}

/// The first group among `groups` holding `key`, with the key's value as a real and its text.
fn find_real<'a>(
    groups: impl IntoIterator<Item = &'a Namelist>,
    key: &str,
    path: &Path,
) -> Result<Option<(f64, &'a str)>> {
    for group in groups {
        if let Some(entry) = group.get(key) {
            let value = group.get_f64(key).map_err(|k| IoError::new(path, k))?;
            return Ok(value.map(|v| (v, entry.raw.as_str())));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_precision() {
        approx::assert_relative_eq!(printed_half_unit("0.000083"), 5e-7, max_relative = 1e-12);
        approx::assert_relative_eq!(printed_half_unit("5e-04"), 5e-5, max_relative = 1e-12);
        approx::assert_relative_eq!(printed_half_unit("1.2323e+02"), 5e-3, max_relative = 1e-12);
        approx::assert_relative_eq!(printed_half_unit("1024"), 0.5, max_relative = 1e-12);
    }

    #[test]
    fn caller_value_refines_or_conflicts() {
        let path = Path::new("x.RAW");
        let refined = resolve_value(
            path,
            "dwellTime",
            Some((0.000083, "0.000083")),
            Some(8.3333e-5),
        );
        assert_eq!(refined.ok().flatten(), Some(8.3333e-5));
        let conflict = resolve_value(path, "dwellTime", Some((0.000083, "0.000083")), Some(1e-4));
        assert!(matches!(
            conflict.map_err(|e| e.kind),
            Err(ErrorKind::InvalidField { .. })
        ));
        let missing = resolve_value(path, "HZPPPM", None, Some(123.2));
        assert_eq!(missing.ok().flatten(), Some(123.2));
    }
}
