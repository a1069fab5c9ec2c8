//! Basis sets as NIfTI-MRS: one FID per entry along `DIM_USER_0`, the entry names in that
//! dimension's header.
//!
//! The NIfTI-MRS standard has no basis-set layout of its own, so this module uses its generic
//! means: entries form dimension 5, tagged `DIM_USER_0` and described in `dim_5_info`, and
//! `dim_5_header` lists the entry names under the user key `Basis` (as `Value`, with the
//! `Description` the standard requires of user keys), one per index. Sequence name and
//! timings go in a `BasisSequence` user key (with the `Description` the standard requires of
//! user keys), the free-text description in `BasisDescription`.

use super::{read as read_nifti, write as write_nifti, WriteOptions};
use crate::error::{ErrorKind, IoError, Result};
use crate::ReadOptions;
use mrs_core::{BasisSet, DimTag, MrsData, SequenceInfo};
use ndarray::{Array2, Axis};
use serde_json::{json, Map, Value};
use std::path::Path;

/// `dim_5_header` key holding the entry names.
pub const BASIS_NAMES_KEY: &str = "Basis";

/// Text written into `dim_5_info`.
pub const BASIS_DIM_INFO: &str = "basis set entries; names in dim_5_header.Basis";

/// Writes `basis` as NIfTI-MRS (gzip-compressed when `path` ends in `.gz`).
///
/// # Errors
/// [`ErrorKind::InvalidField`] for an empty basis set; the NIfTI writer's errors.
pub fn write_basis(path: &Path, basis: &BasisSet, options: &WriteOptions) -> Result<()> {
    if basis.is_empty() {
        return Err(IoError::new(
            path,
            ErrorKind::invalid("basis entries", 0, "a basis set needs at least one entry"),
        ));
    }
    let n_points = basis.n_points();
    let mut samples = Array2::zeros((n_points, basis.len()));
    for (mut column, entry) in samples.axis_iter_mut(Axis(1)).zip(basis.entries()) {
        for (target, value) in column.iter_mut().zip(&entry.fid) {
            *target = *value;
        }
    }
    let data = MrsData::new(
        samples.into_dyn(),
        vec![DimTag::User0],
        basis.acquisition.clone(),
    )
    .map_err(|e| IoError::new(path, ErrorKind::Core(e)))?;

    let mut extra = Map::new();
    extra.insert("dim_5_info".to_string(), json!(BASIS_DIM_INFO));
    extra.insert(
        "dim_5_header".to_string(),
        json!({ BASIS_NAMES_KEY: {
            "Value": basis.names(),
            "Description": "name of each basis set entry",
        } }),
    );
    if let Some(sequence) = &basis.sequence {
        extra.insert(
            "BasisSequence".to_string(),
            json!({
                "Value": { "name": sequence.name, "timings_s": sequence.timings_s },
                "Description": "sequence and timings (s) the basis set was made for",
            }),
        );
    }
    if !basis.description.is_empty() {
        extra.insert(
            "BasisDescription".to_string(),
            json!({
                "Value": basis.description,
                "Description": "origin of the basis set",
            }),
        );
    }
    write_nifti(path, &data, Some(&extra), options)
}

/// Reads a basis set written by [`write_basis`] (or any NIfTI-MRS file whose fifth dimension
/// lists entry names under `dim_5_header.Basis`).
///
/// # Errors
/// [`ErrorKind::MissingField`] when `dim_5_header.Basis` is absent, [`ErrorKind::WrongSize`]
/// when it does not list one name per entry, and the NIfTI reader's errors.
pub fn read_basis(path: &Path, options: &ReadOptions) -> Result<BasisSet> {
    let nifti = read_nifti(path, options)?;
    let metadata = nifti.metadata().cloned().unwrap_or_default();
    let names: Vec<String> = metadata
        .get("dim_5_header")
        .and_then(|h| h.get(BASIS_NAMES_KEY))
        .and_then(|names| names.get("Value").unwrap_or(names).as_array())
        .ok_or_else(|| {
            IoError::new(
                path,
                ErrorKind::missing(format!("dim_5_header.{BASIS_NAMES_KEY}")),
            )
        })?
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| v.to_string())
        })
        .collect();
    let data = nifti.to_mrs_data()?;
    if data.dims() != [DimTag::User0] {
        return Err(IoError::new(
            path,
            ErrorKind::invalid(
                "dim_5",
                format!("{:?}", data.dims()),
                "a basis set has exactly one non-time dimension, DIM_USER_0",
            ),
        ));
    }
    let n_entries = data.shape()[1];
    if names.len() != n_entries {
        return Err(IoError::new(
            path,
            ErrorKind::WrongSize {
                field: format!("dim_5_header.{BASIS_NAMES_KEY}"),
                expected: n_entries as u64,
                found: names.len() as u64,
            },
        ));
    }

    let core_error = |e| IoError::new(path, ErrorKind::Core(e));
    let mut basis = BasisSet::new(data.acquisition().clone()).map_err(core_error)?;
    for (index, name) in names.into_iter().enumerate() {
        let fid = data.fid_at(&[index]).map_err(core_error)?;
        basis.push(name, fid.into_samples()).map_err(core_error)?;
    }
    basis.sequence = metadata
        .get("BasisSequence")
        .and_then(|s| s.get("Value"))
        .and_then(|v| serde_json::from_value::<SequenceInfo>(v.clone()).ok());
    basis.description = metadata
        .get("BasisDescription")
        .and_then(|d| d.get("Value"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    Ok(basis)
}
