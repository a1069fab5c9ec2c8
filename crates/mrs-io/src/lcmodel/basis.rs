//! LCModel `.BASIS` files: a `$SEQPAR` and `$BASIS1` header, then per metabolite an optional
//! `$NMUSED` group (the `makebasis` settings used), a `$BASIS` group and `NDATAB` complex
//! points of its spectrum in the `FMTBAS` format.
//!
//! `$BASIS1` gives `BADELT` (dwell time in s, negative in encrypted basis sets), `NDATAB`
//! (points), `IDBASI` (a label) and `FMTBAS`. `HZPPPM` (MHz), `ECHOT` (ms) and `FWHMBA` (ppm)
//! are in `$SEQPAR` or `$BASIS1`. Each `$BASIS` gives `METABO` (the name LCModel reports), `ID`,
//! `CONC`, `TRAMP`, `VOLUME` and `ISHIFT`.
//!
//! The stored spectrum is `FFT(x) / sqrt(NDATAB)` in natural FFT order, where `x` is the
//! time signal in the `.RAW` convention, which is the complex conjugate of mrskit's (see the
//! [module docs](super)). `ISHIFT` is a circular shift of that spectrum by whole points,
//! undone on conversion as FSL-MRS's `readLCModelBasis` does (`numpy.roll(data, -ISHIFT)`).

use super::fortran::{read_values, write_values, FortranFormat};
use super::namelist::{next_line_start, Namelist, Value};
use super::raw::{acquisition_from, format_fixed, missing_acquisition};
use super::{data_error, decode, find_real, leading_group_names, parse_groups, resolve_value};
use crate::atomic::write_atomic;
use crate::error::{ErrorKind, IoError, Result};
use crate::limits::{check_available, check_count, check_finite, MAX_BASIS_ENTRIES, MAX_POINTS};
use crate::ReadOptions;
use mrs_core::fft::{fid_to_spectrum, spectrum_to_fid};
use mrs_core::{Acquisition, BasisSet, Complex64, SequenceInfo};
use std::path::{Path, PathBuf};

const FORMAT_NAME: &str = "LCModel .BASIS";

/// The format the writer uses for the spectra, as LCModel's `makebasis` does.
pub const WRITE_FORMAT: &str = "(6E13.5)";

/// One metabolite of a basis file.
#[derive(Debug, Clone, PartialEq)]
pub struct LcmBasisEntry {
    /// The `$NMUSED` group before the entry, when present.
    pub nmused: Option<Namelist>,
    /// The `$BASIS` group.
    pub basis: Namelist,
    /// `METABO` (or `ID` when `METABO` is absent), trailing blanks removed.
    pub metabolite: String,
    /// `ISHIFT`, a circular shift of the stored spectrum in points (0 when absent).
    pub ishift: i64,
    /// The `NDATAB` stored spectrum points, as in the file.
    pub stored_spectrum: Vec<Complex64>,
}

impl LcmBasisEntry {
    /// Computes the time signal in the mrskit convention: `sqrt(N) * conj(IFFT(roll(S, -ISHIFT)))`.
    pub fn fid_samples(&self) -> Vec<Complex64> {
        let n = self.stored_spectrum.len();
        if n == 0 {
            return Vec::new();
        }
        let mut spectrum = self.stored_spectrum.clone();
        // NOTE: the sign follows FSL-MRS; every basis file in tests/data has ISHIFT = 0.
        let shift = self.ishift.rem_euclid(n as i64) as usize;
        spectrum.rotate_left(shift);
        // `spectrum_to_fid` expects a centred spectrum; centring first makes it a plain IFFT.
        spectrum.rotate_right(n / 2);
        let scale = (n as f64).sqrt();
        spectrum_to_fid(&spectrum)
            .into_iter()
            .map(|c| c.conj() * scale)
            .collect()
    }
}

/// A parsed `.BASIS` file.
#[derive(Debug, Clone, PartialEq)]
pub struct LcmBasis {
    /// The file the basis came from (labels errors of later conversions).
    pub path: PathBuf,
    /// The `$SEQPAR` group, when present.
    pub seqpar: Option<Namelist>,
    /// The `$BASIS1` group.
    pub basis1: Namelist,
    /// Other groups before the first entry, in file order.
    pub other_groups: Vec<Namelist>,
    /// The spectrum format from `FMTBAS`.
    pub format: FortranFormat,
    /// `NDATAB`, the points of every entry.
    pub n_points: usize,
    /// The metabolites in file order.
    pub entries: Vec<LcmBasisEntry>,
    /// Sampling and spectrometer parameters, completed from [`ReadOptions`].
    pub acquisition: Acquisition,
}

impl LcmBasis {
    /// Finds the entry whose `METABO` is `name`.
    pub fn get(&self, name: &str) -> Option<&LcmBasisEntry> {
        self.entries.iter().find(|e| e.metabolite == name)
    }

    /// Converts into a [`BasisSet`] with one entry per metabolite, named by `METABO`, each
    /// with `NDATAB` time points (the second half is zero for `makebasis` output, which
    /// zero-fills to twice the acquired length).
    ///
    /// The `sqrt(NDATAB)` scaling reproduces `makebasis` output (checked on the 4096-point
    /// fitting-challenge basis). Other writers scale differently: spant and Osprey basis sets
    /// come out with their own absolute amplitudes, which matters only for absolute scaling.
    ///
    /// # Errors
    /// [`ErrorKind::Core`] when two entries share a name or a signal is rejected.
    pub fn to_basis_set(&self) -> Result<BasisSet> {
        let core = |e| IoError::new(&self.path, ErrorKind::Core(e));
        let mut set = BasisSet::new(self.acquisition.clone()).map_err(core)?;
        set.description = self
            .basis1
            .get_text("IDBASI")
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        let sequence = self
            .seqpar
            .iter()
            .chain([&self.basis1])
            .find_map(|g| g.get_text("SEQ"))
            .map(str::trim)
            .filter(|s| !s.is_empty());
        if let Some(name) = sequence {
            set.sequence = Some(SequenceInfo {
                name: name.to_string(),
                ..SequenceInfo::default()
            });
        }
        for entry in &self.entries {
            set.push(entry.metabolite.clone(), entry.fid_samples())
                .map_err(core)?;
        }
        Ok(set)
    }
}

/// Checks whether `bytes` start like a `.BASIS` file: `$BASIS1`, or `$SEQPAR` then `$BASIS1`.
pub fn looks_like(bytes: &[u8]) -> bool {
    let names = leading_group_names(bytes, 2);
    match names.as_slice() {
        [first, ..] if first == "BASIS1" => true,
        [first, second] => first == "SEQPAR" && second == "BASIS1",
        _ => false,
    }
}

/// Reads a `.BASIS` file.
///
/// # Errors
/// See [`parse`].
pub fn read(path: &Path, options: &ReadOptions) -> Result<LcmBasis> {
    let bytes = std::fs::read(path).map_err(|e| IoError::new(path, ErrorKind::Os(e)))?;
    parse(&bytes, path, options)
}

/// Parses a `.BASIS` file from memory; `path` labels errors.
///
/// # Errors
/// - [`ErrorKind::WrongFormat`] for binary content or text without `$BASIS1`;
/// - [`ErrorKind::Unsupported`] for an encrypted basis (negative `BADELT`);
/// - [`ErrorKind::MissingField`] for a missing `BADELT`, `NDATAB`, `FMTBAS`, `METABO`, or an
///   `HZPPPM` that `options` does not supply either;
/// - [`ErrorKind::TooLarge`] and [`ErrorKind::Truncated`] for an `NDATAB` beyond the limits or
///   the file's length (checked before anything is allocated);
/// - [`ErrorKind::WrongSize`] when an entry contains more or fewer than `NDATAB` points;
/// - [`ErrorKind::Parse`], [`ErrorKind::NonFinite`], [`ErrorKind::InvalidField`],
///   [`ErrorKind::Core`] for malformed or out-of-range values.
pub fn parse(bytes: &[u8], path: &Path, options: &ReadOptions) -> Result<LcmBasis> {
    let text = decode(bytes, path, FORMAT_NAME)?;
    let text = text.as_ref();
    let (mut groups, mut position) = parse_groups(text, 0, path)?;
    let first_entry = groups
        .iter()
        .position(|g| g.is("NMUSED") || g.is("BASIS"))
        .unwrap_or(groups.len());
    let mut entry_groups: Vec<Namelist> = groups.split_off(first_entry);
    let mut seqpar = None;
    let mut basis1 = None;
    let mut other_groups = Vec::new();
    for group in groups {
        if group.is("SEQPAR") && seqpar.is_none() {
            seqpar = Some(group);
        } else if group.is("BASIS1") && basis1.is_none() {
            basis1 = Some(group);
        } else {
            other_groups.push(group);
        }
    }
    let Some(basis1) = basis1 else {
        let detail = if other_groups.iter().any(|g| g.is("NMID")) {
            "this is an LCModel .RAW file (it has $NMID)".to_string()
        } else {
            "no $BASIS1 namelist group at the start".to_string()
        };
        return Err(IoError::new(
            path,
            ErrorKind::WrongFormat {
                expected: FORMAT_NAME,
                detail,
            },
        ));
    };
    let header: Vec<&Namelist> = seqpar
        .iter()
        .chain([&basis1])
        .chain(&other_groups)
        .collect();

    let badelt = find_real(header.iter().copied(), "BADELT", path)?.ok_or_else(|| {
        IoError::new(
            path,
            ErrorKind::MissingField {
                field: "BADELT".to_string(),
                hint: Some("$BASIS1 must give the dwell time in s".to_string()),
            },
        )
    })?;
    if badelt.0 < 0.0 {
        return Err(IoError::new(
            path,
            ErrorKind::Unsupported {
                what: format!(
                    "encrypted LCModel basis set (BADELT = {} is negative); use a basis set \
                     made for your sequence with makebasis or a simulator",
                    badelt.1
                ),
            },
        ));
    }
    let dwell = resolve_value(path, "BADELT", Some(badelt), options.dwell_time_s)?;
    let frequency = find_real(header.iter().copied(), "HZPPPM", path)?;
    let frequency = resolve_value(
        path,
        "HZPPPM",
        frequency,
        options.spectrometer_frequency_mhz,
    )?;
    let (Some(dwell), Some(frequency)) = (dwell, frequency) else {
        return Err(IoError::new(path, missing_acquisition(true, false)));
    };
    let echo_time_s = match find_real(header.iter().copied(), "ECHOT", path)? {
        // makebasis writes ECHOT = -1 when the echo time was not given.
        Some((ms, _)) if ms >= 0.0 => Some(ms / 1000.0),
        _ => options.echo_time_s,
    };
    let acquisition = acquisition_from(dwell, frequency, echo_time_s, options)
        .map_err(|e| IoError::new(path, ErrorKind::Core(e)))?;

    let ndatab = basis1
        .get_i64("NDATAB")
        .map_err(|k| IoError::new(path, k))?
        .ok_or_else(|| IoError::new(path, ErrorKind::missing("NDATAB")))?;
    let ndatab = u64::try_from(ndatab)
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| {
            IoError::new(
                path,
                ErrorKind::invalid("NDATAB", ndatab, "must be positive"),
            )
        })?;
    let n_points = check_count("NDATAB", ndatab, MAX_POINTS).map_err(|k| IoError::new(path, k))?;
    let format_text = basis1.get_text("FMTBAS").ok_or_else(|| {
        IoError::new(
            path,
            ErrorKind::MissingField {
                field: "FMTBAS".to_string(),
                hint: Some("$BASIS1 must name the data format, e.g. FMTBAS='(6E13.5)'".to_string()),
            },
        )
    })?;
    let format = FortranFormat::parse(format_text)
        .map_err(|reason| IoError::new(path, ErrorKind::invalid("FMTBAS", format_text, reason)))?;

    let mut entries = Vec::new();
    loop {
        if entry_groups.is_empty() {
            if text[position..].trim().is_empty() {
                break;
            }
            let (more, end) = parse_groups(text, position, path)?;
            if more.is_empty() {
                return Err(IoError::new(
                    path,
                    ErrorKind::Parse {
                        line: super::namelist::line_number(text, position),
                        detail: "expected a $NMUSED or $BASIS group".to_string(),
                    },
                ));
            }
            entry_groups = more;
            position = end;
        }
        let basis_index = entry_groups
            .iter()
            .position(|g| g.is("BASIS"))
            .ok_or_else(|| {
                IoError::new(
                    path,
                    ErrorKind::Parse {
                        line: super::namelist::line_number(text, position),
                        detail: "namelist groups without a $BASIS group before the data"
                            .to_string(),
                    },
                )
            })?;
        if basis_index + 1 != entry_groups.len() {
            return Err(IoError::new(
                path,
                ErrorKind::Parse {
                    line: super::namelist::line_number(text, position),
                    detail: "a $BASIS group must be followed by its NDATAB data points".to_string(),
                },
            ));
        }
        let basis = entry_groups.pop().unwrap_or_else(|| Namelist::new("BASIS"));
        let nmused = entry_groups.into_iter().rev().find(|g| g.is("NMUSED"));
        entry_groups = Vec::new();

        check_count("entries", entries.len() as u64 + 1, MAX_BASIS_ENTRIES)
            .map_err(|k| IoError::new(path, k))?;
        let metabolite = basis
            .get_text("METABO")
            .or_else(|| basis.get_text("ID"))
            .map(|s| s.trim_end().to_string())
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| IoError::new(path, ErrorKind::missing("METABO")))?;
        let ishift = basis
            .get_i64("ISHIFT")
            .map_err(|k| IoError::new(path, k))?
            .unwrap_or(0);
        let data_start = next_line_start(text, position);
        // Each value takes at least a digit and a blank, so the file must hold this much.
        let remaining = (text.len() - data_start.min(text.len())) as u64;
        check_available(
            &format!("NDATAB points of {metabolite}"),
            4 * ndatab - 1,
            remaining,
        )
        .map_err(|k| IoError::new(path, k))?;
        let field = format!("NDATAB points of {metabolite} (values)");
        let (values, end) = read_values(text, data_start, Some(2 * n_points), &format)
            .map_err(|e| data_error(path, text, &field, 2 * n_points, e))?;
        let stored_spectrum: Vec<Complex64> = values
            .chunks_exact(2)
            .map(|pair| Complex64::new(pair[0], pair[1]))
            .collect();
        check_finite(&format!("spectrum of {metabolite}"), &stored_spectrum)
            .map_err(|k| IoError::new(path, k))?;
        entries.push(LcmBasisEntry {
            nmused,
            basis,
            metabolite,
            ishift,
            stored_spectrum,
        });
        position = end;
    }
    if entries.is_empty() {
        return Err(IoError::new(
            path,
            ErrorKind::MissingField {
                field: "$BASIS".to_string(),
                hint: Some("the file holds no metabolite entries".to_string()),
            },
        ));
    }
    Ok(LcmBasis {
        path: path.to_path_buf(),
        seqpar,
        basis1,
        other_groups,
        format,
        n_points,
        entries,
        acquisition,
    })
}

/// Header values the writer needs beyond those of the basis set.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BasisWriteOptions {
    /// `IDBASI`; the basis set's description when `None` (or `mrskit` when that is empty).
    pub idbasi: Option<String>,
    /// `FWHMBA`, the linewidth of the basis lines in ppm; `None` writes -1, as `makebasis`
    /// did for the fitting-challenge basis.
    pub fwhmba_ppm: Option<f64>,
}

/// Largest value, relative to the largest of an entry, that the writer prints as zero.
///
/// Converting a read basis back to spectra leaves FFT round-off near 1e-16 of the largest
/// value. Printed as is, it would make write, read, write again differ in such points. Values
/// this small are far below the 6 significant digits `(6E13.5)` keeps of the signal.
const ROUND_OFF_FLOOR: f64 = 1e-9;

/// Renders a basis set as a `.BASIS` file with the spectra in `(6E13.5)`.
///
/// # Errors
/// [`ErrorKind::MissingField`] for an empty basis set; [`ErrorKind::InvalidField`] for a
/// non-finite `fwhmba_ppm`.
pub fn to_text(basis: &BasisSet, options: &BasisWriteOptions, path: &Path) -> Result<String> {
    if basis.is_empty() {
        return Err(IoError::new(
            path,
            ErrorKind::MissingField {
                field: "$BASIS".to_string(),
                hint: Some("the basis set has no entries to write".to_string()),
            },
        ));
    }
    let acquisition = &basis.acquisition;
    let fwhmba = options.fwhmba_ppm.unwrap_or(-1.0);
    if !fwhmba.is_finite() {
        return Err(IoError::new(
            path,
            ErrorKind::invalid("FWHMBA", fwhmba, "must be finite"),
        ));
    }
    let mut seqpar = Namelist::new("SEQPAR");
    seqpar.push("FWHMBA", vec![Value::Real(fwhmba)]);
    seqpar.push(
        "HZPPPM",
        vec![Value::Real(acquisition.spectrometer_frequency_mhz)],
    );
    if let Some(echo_time_s) = acquisition.echo_time_s {
        seqpar.entries.push(super::namelist::Entry {
            key: "ECHOT".to_string(),
            values: vec![Value::Real(echo_time_s * 1000.0)],
            raw: format_fixed(echo_time_s * 1000.0, 6),
        });
    }
    let sequence = basis
        .sequence
        .as_ref()
        .map(|s| s.name.clone())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| " ".to_string());
    seqpar.push("SEQ", vec![Value::Text(sequence)]);

    let idbasi = options
        .idbasi
        .clone()
        .or_else(|| Some(basis.description.clone()).filter(|d| !d.is_empty()))
        .unwrap_or_else(|| "mrskit".to_string());
    let mut basis1 = Namelist::new("BASIS1");
    basis1.push("IDBASI", vec![Value::Text(idbasi)]);
    basis1.push("FMTBAS", vec![Value::Text(WRITE_FORMAT.to_string())]);
    basis1.push("BADELT", vec![Value::Real(acquisition.dwell_time_s)]);
    basis1.push("NDATAB", vec![Value::Integer(basis.n_points() as i64)]);

    let mut text = String::new();
    seqpar.write_to(&mut text);
    basis1.write_to(&mut text);
    for entry in basis.entries() {
        let mut group = Namelist::new("BASIS");
        group.push("ID", vec![Value::Text(entry.name.clone())]);
        group.push("METABO", vec![Value::Text(entry.name.clone())]);
        group.push("CONC", vec![Value::Real(1.0)]);
        group.push("TRAMP", vec![Value::Real(1.0)]);
        group.push("VOLUME", vec![Value::Real(1.0)]);
        group.push("ISHIFT", vec![Value::Integer(0)]);
        group.write_to(&mut text);
        let spectrum = stored_spectrum_of(&entry.fid);
        let largest = spectrum
            .iter()
            .flat_map(|c| [c.re.abs(), c.im.abs()])
            .fold(0.0, f64::max);
        let floor = largest * ROUND_OFF_FLOOR;
        let values: Vec<f64> = spectrum
            .iter()
            .flat_map(|c| [c.re, c.im])
            .map(|v| if v.abs() < floor { 0.0 } else { v })
            .collect();
        write_values(&mut text, &values, 6, 13, 5);
    }
    Ok(text)
}

/// Computes the stored spectrum of an mrskit FID: `FFT(conj(fid)) / sqrt(N)` in natural order.
pub fn stored_spectrum_of(fid: &[Complex64]) -> Vec<Complex64> {
    let n = fid.len();
    let conjugated: Vec<Complex64> = fid.iter().map(|c| c.conj()).collect();
    let mut spectrum = fid_to_spectrum(&conjugated);
    spectrum.rotate_left(n / 2);
    let scale = 1.0 / (n.max(1) as f64).sqrt();
    spectrum.iter_mut().for_each(|c| *c *= scale);
    spectrum
}

/// Writes a basis set as a `.BASIS` file (see [`to_text`]) through an atomic rename.
///
/// Reading it back gives each spectrum point rounded to 6 significant digits, and writing the
/// converted basis set again gives the same bytes.
///
/// # Errors
/// See [`to_text`]; [`ErrorKind::Os`] when the file cannot be written.
pub fn write(path: &Path, basis: &BasisSet, options: &BasisWriteOptions) -> Result<()> {
    let text = to_text(basis, options, path)?;
    write_atomic(path, |w| {
        w.write_all(text.as_bytes())
            .map_err(|e| IoError::new(path, ErrorKind::Os(e)))
    })
}
