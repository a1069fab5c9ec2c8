//! Priors derived from fitted spectra: per-patient estimates of the prior patients of a group
//! become truncated normal distributions.

use crate::error::{Result, SynthError};
use crate::prior::{Distribution, GroupPrior, SpectralPrior, SPECTRAL_FIELDS};
use std::collections::BTreeMap;
use std::path::Path;

/// Per-patient estimates: one column per target or spectral parameter, one value per patient.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EstimateTable {
    /// Patient identifiers, in row order.
    pub patients: Vec<String>,
    /// Column name (target name, or a [`SPECTRAL_FIELDS`] name for spectral parameters, in
    /// that field's unit) to one value per patient.
    pub columns: BTreeMap<String, Vec<f64>>,
}

impl EstimateTable {
    /// Parses comma-separated text: a header `patient,<column>,...` then one row per patient.
    /// Blank lines and lines starting with `#` are skipped; `path` labels errors.
    ///
    /// # Errors
    /// [`SynthError::InvalidDataset`] for a row with the wrong number of fields or a value
    /// that is not a finite number.
    pub fn from_csv_str(text: &str, path: &Path) -> Result<EstimateTable> {
        let mut lines = text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
        let Some((_, header)) = lines.next() else {
            return Err(SynthError::dataset(path, "no header line"));
        };
        let names: Vec<String> = header
            .split(',')
            .skip(1)
            .map(|s| s.trim().to_string())
            .collect();
        let mut table = EstimateTable::default();
        let mut columns: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
        for (number, line) in lines {
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            if fields.len() != names.len() + 1 {
                return Err(SynthError::dataset(
                    path,
                    format!(
                        "line {}: {} fields, header has {}",
                        number + 1,
                        fields.len(),
                        names.len() + 1
                    ),
                ));
            }
            table.patients.push(fields[0].to_string());
            for ((column, text), name) in columns.iter_mut().zip(&fields[1..]).zip(&names) {
                let value: f64 = text
                    .parse()
                    .ok()
                    .filter(|v: &f64| v.is_finite())
                    .ok_or_else(|| {
                        SynthError::dataset(
                            path,
                            format!(
                                "line {}: {name} = '{text}' is not a finite number",
                                number + 1
                            ),
                        )
                    })?;
                column.push(value);
            }
        }
        table.columns = names.into_iter().zip(columns).collect();
        Ok(table)
    }
}

/// Settings that turn estimates into distributions.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeriveOptions {
    /// Factor on the sample SD, so that the prior covers values beyond those of the few
    /// patients observed. Default 1.5.
    pub widening: f64,
    /// SD floor as a fraction of the absolute mean, so that a target estimated nearly equal in
    /// every patient still varies. Default 0.1.
    pub min_sd_fraction: f64,
    /// Absolute SD floor, in the column's unit, for targets whose mean is near zero.
    /// Default 1e-6.
    pub min_sd: f64,
}

impl Default for DeriveOptions {
    fn default() -> Self {
        DeriveOptions {
            widening: 1.5,
            min_sd_fraction: 0.1,
            min_sd: 1e-6,
        }
    }
}

/// Mean and SD (denominator `n - 1`) of a column.
fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, variance.sqrt())
}

/// Builds a group prior from the estimates of its prior patients.
///
/// Each target's content becomes a normal with the column's mean and the SD
/// `max(widening * sd, min_sd_fraction * |mean|, min_sd)`, truncated at 0. Negative estimates
/// (an unconstrained fit can return them) count as 0. Each spectral parameter with a column of
/// the same name is derived the same way. Widths and amplitudes are truncated at 0, and the SNR
/// and the baseline width at a quarter of their smallest observed value. Spectral parameters
/// without a column come from `template`.
///
/// # Errors
/// [`SynthError::InvalidEstimates`] for fewer than two patients, a missing target column, a
/// column of the wrong length or a non-finite value; [`SynthError::InvalidParameter`] for
/// invalid options.
pub fn derive_group(
    name: &str,
    table: &EstimateTable,
    targets: &[String],
    template: &SpectralPrior,
    options: &DeriveOptions,
) -> Result<GroupPrior> {
    for (field, value) in [
        ("widening", options.widening),
        ("min_sd_fraction", options.min_sd_fraction),
        ("min_sd", options.min_sd),
    ] {
        if !(value.is_finite() && value >= 0.0) {
            return Err(SynthError::parameter(
                field,
                value,
                "must be finite and non-negative",
            ));
        }
    }
    if options.min_sd <= 0.0 {
        return Err(SynthError::parameter(
            "min_sd",
            options.min_sd,
            "must be positive",
        ));
    }
    let n = table.patients.len();
    if n < 2 {
        return Err(SynthError::InvalidEstimates {
            target: "(all)".to_string(),
            reason: format!("{n} patients; at least 2 are needed for an SD"),
        });
    }
    let column = |name: &str| -> Result<Option<&Vec<f64>>> {
        let Some(values) = table.columns.get(name) else {
            return Ok(None);
        };
        if values.len() != n {
            return Err(SynthError::InvalidEstimates {
                target: name.to_string(),
                reason: format!("{} values for {n} patients", values.len()),
            });
        }
        if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
            return Err(SynthError::InvalidEstimates {
                target: name.to_string(),
                reason: format!("non-finite value {bad}"),
            });
        }
        Ok(Some(values))
    };
    let widened = |values: &[f64]| {
        let (mean, sd) = mean_sd(values);
        let sd = (options.widening * sd)
            .max(options.min_sd_fraction * mean.abs())
            .max(options.min_sd);
        (mean, sd)
    };

    let mut contents = BTreeMap::new();
    for target in targets {
        let values = column(target)?.ok_or_else(|| SynthError::InvalidEstimates {
            target: target.clone(),
            reason: "no column in the estimate table".to_string(),
        })?;
        let clipped: Vec<f64> = values.iter().map(|v| v.max(0.0)).collect();
        let (mean, sd) = widened(&clipped);
        contents.insert(
            target.clone(),
            Distribution::TruncatedNormal {
                mean,
                sd,
                min: Some(0.0),
                max: None,
            },
        );
    }

    let mut spectral = template.clone();
    for (field, dist) in SPECTRAL_FIELDS.iter().zip(spectral.fields_mut()) {
        let Some(values) = column(field)? else {
            continue;
        };
        let (mean, sd) = widened(values);
        let min = match *field {
            "snr" | "baseline_width_ppm" => Some(
                0.25 * values
                    .iter()
                    .copied()
                    .fold(f64::INFINITY, f64::min)
                    .max(0.0),
            ),
            "lorentzian_fwhm_hz" | "gaussian_fwhm_hz" | "baseline_amplitude"
            | "water_amplitude" => Some(0.0),
            _ => None,
        };
        *dist = Distribution::TruncatedNormal {
            mean,
            sd,
            min,
            max: None,
        };
    }
    Ok(GroupPrior {
        name: name.to_string(),
        weight: 1.0,
        contents,
        correlations: Vec::new(),
        spectral,
    })
}
