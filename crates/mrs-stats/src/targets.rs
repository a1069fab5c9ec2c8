//! Paired comparison of two methods on several targets, with a multiple-comparison correction.

use serde::{Deserialize, Serialize};

use crate::error::{Result, StatsError};
use crate::multiple::{adjust_p_values, Correction};
use crate::paired::{wilcoxon_signed_rank, WilcoxonConfig, WilcoxonResult};

/// Paired values of one target (for example one metabolite): method A's and method B's values
/// on the same spectra.
#[derive(Debug, Clone, Copy)]
pub struct TargetPairs<'a> {
    /// Target name, used in errors and results.
    pub name: &'a str,
    /// Values of the first method.
    pub x: &'a [f64],
    /// Values of the second method, paired with `x`.
    pub y: &'a [f64],
}

/// The Wilcoxon signed-rank test of one target with its adjusted P-value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetComparison {
    /// Target name.
    pub name: String,
    /// The test of this target alone.
    pub wilcoxon: WilcoxonResult,
    /// P-value adjusted over all targets.
    pub adjusted_p_value: f64,
}

/// Comparisons of all targets and the correction applied across them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetComparisons {
    /// One entry per target, in input order.
    pub targets: Vec<TargetComparison>,
    /// Correction applied across the targets.
    pub correction: Correction,
}

/// Runs the Wilcoxon signed-rank test on each target and adjusts the P-values across targets.
///
/// With [`Correction::Bonferroni`] and 20 targets an adjusted P-value below 0.05 is the same
/// decision as a raw P-value below 0.05 / 20 = 0.0025. [`Correction::Holm`] gives the same
/// family-wise guarantee with more power.
///
/// # Errors
///
/// [`StatsError::Empty`] without targets, and [`StatsError::Target`] wrapping the error of the
/// first target whose test fails.
pub fn compare_targets(
    targets: &[TargetPairs<'_>],
    config: &WilcoxonConfig,
    correction: Correction,
) -> Result<TargetComparisons> {
    if targets.is_empty() {
        return Err(StatsError::Empty { what: "targets" });
    }
    let mut results = Vec::with_capacity(targets.len());
    for target in targets {
        let result = wilcoxon_signed_rank(target.x, target.y, config).map_err(|source| {
            StatsError::Target {
                name: target.name.to_owned(),
                source: Box::new(source),
            }
        })?;
        results.push(result);
    }
    let p_values: Vec<f64> = results.iter().map(|r| r.p_value).collect();
    let adjusted = adjust_p_values(&p_values, correction)?;
    let comparisons = targets
        .iter()
        .zip(results)
        .zip(adjusted)
        .map(|((target, wilcoxon), adjusted_p_value)| TargetComparison {
            name: target.name.to_owned(),
            wilcoxon,
            adjusted_p_value,
        })
        .collect();
    Ok(TargetComparisons {
        targets: comparisons,
        correction,
    })
}
