//! The LCModel control file: a `$LCMODL` namelist group naming the input files and the
//! acquisition values a `.RAW` file lacks (`DELTAT` in s, `HZPPPM` in MHz, `NUNFIL` points).

use super::namelist::Namelist;
use super::{decode, leading_group_names, parse_groups};
use crate::error::{ErrorKind, IoError, Result};
use crate::ReadOptions;
use std::path::{Path, PathBuf};

const FORMAT_NAME: &str = "LCModel control";

/// A parsed control file.
#[derive(Debug, Clone, PartialEq)]
pub struct LcmControl {
    /// The file the values came from.
    pub path: PathBuf,
    /// The `$LCMODL` group.
    pub lcmodl: Namelist,
    /// Any other groups, in file order.
    pub other_groups: Vec<Namelist>,
}

/// Checks whether `bytes` start with a `$LCMODL` group.
pub fn looks_like(bytes: &[u8]) -> bool {
    leading_group_names(bytes, 1)
        .first()
        .is_some_and(|n| n == "LCMODL")
}

/// Reads a control file.
///
/// # Errors
/// See [`parse`].
pub fn read(path: &Path) -> Result<LcmControl> {
    let bytes = std::fs::read(path).map_err(|e| IoError::new(path, ErrorKind::Os(e)))?;
    parse(&bytes, path)
}

/// Parses a control file from memory; `path` labels errors.
///
/// # Errors
/// [`ErrorKind::WrongFormat`] without a `$LCMODL` group, [`ErrorKind::Parse`] for a malformed
/// group, [`ErrorKind::InvalidField`] for a `DELTAT`, `HZPPPM`, `NUNFIL` or `ECHOT` that is not
/// a positive number.
pub fn parse(bytes: &[u8], path: &Path) -> Result<LcmControl> {
    let text = decode(bytes, path, FORMAT_NAME)?;
    let (groups, _) = parse_groups(&text, 0, path)?;
    let mut lcmodl = None;
    let mut other_groups = Vec::new();
    for group in groups {
        if group.is("LCMODL") && lcmodl.is_none() {
            lcmodl = Some(group);
        } else {
            other_groups.push(group);
        }
    }
    let Some(lcmodl) = lcmodl else {
        return Err(IoError::new(
            path,
            ErrorKind::WrongFormat {
                expected: FORMAT_NAME,
                detail: "no $LCMODL namelist group at the start".to_string(),
            },
        ));
    };
    let control = LcmControl {
        path: path.to_path_buf(),
        lcmodl,
        other_groups,
    };
    control.dwell_time_s()?;
    control.spectrometer_frequency_mhz()?;
    control.n_points()?;
    control.echo_time_s()?;
    Ok(control)
}

impl LcmControl {
    fn positive(&self, key: &str) -> Result<Option<f64>> {
        let value = self
            .lcmodl
            .get_f64(key)
            .map_err(|k| IoError::new(&self.path, k))?;
        match value {
            Some(v) if !(v.is_finite() && v > 0.0) => Err(IoError::new(
                &self.path,
                ErrorKind::invalid(key, v, "must be finite and positive"),
            )),
            other => Ok(other),
        }
    }

    /// `DELTAT`, the dwell time in seconds.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidField`] for a value that is not a positive number.
    pub fn dwell_time_s(&self) -> Result<Option<f64>> {
        self.positive("DELTAT")
    }

    /// `HZPPPM`, the spectrometer frequency in MHz.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidField`] for a value that is not a positive number.
    pub fn spectrometer_frequency_mhz(&self) -> Result<Option<f64>> {
        self.positive("HZPPPM")
    }

    /// `NUNFIL`, the number of complex points LCModel reads from the `.RAW` file.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidField`] for a value that is not a positive integer.
    pub fn n_points(&self) -> Result<Option<usize>> {
        let value = self
            .lcmodl
            .get_i64("NUNFIL")
            .map_err(|k| IoError::new(&self.path, k))?;
        value
            .map(|n| {
                usize::try_from(n).ok().filter(|&n| n > 0).ok_or_else(|| {
                    IoError::new(
                        &self.path,
                        ErrorKind::invalid("NUNFIL", n, "must be positive"),
                    )
                })
            })
            .transpose()
    }

    /// `ECHOT` converted from ms to seconds.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidField`] for a value that is not a positive number.
    pub fn echo_time_s(&self) -> Result<Option<f64>> {
        Ok(self.positive("ECHOT")?.map(|ms| ms / 1000.0))
    }

    /// `FILRAW`, the data file LCModel fits.
    pub fn raw_file(&self) -> Option<&str> {
        self.lcmodl.get_text("FILRAW")
    }

    /// `FILBAS`, the basis file.
    pub fn basis_file(&self) -> Option<&str> {
        self.lcmodl.get_text("FILBAS")
    }

    /// Builds read options carrying this file's dwell time, frequency and echo time.
    ///
    /// # Errors
    /// As [`LcmControl::dwell_time_s`] and its siblings.
    pub fn to_read_options(&self) -> Result<ReadOptions> {
        Ok(ReadOptions {
            spectrometer_frequency_mhz: self.spectrometer_frequency_mhz()?,
            dwell_time_s: self.dwell_time_s()?,
            echo_time_s: self.echo_time_s()?,
            ..ReadOptions::default()
        })
    }
}
