//! Input validation and descriptive statistics shared by the other modules.

use std::cmp::Ordering::Equal;

use serde::{Deserialize, Serialize};

use crate::error::{Result, StatsError};

/// A two-sided confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ConfidenceInterval {
    /// Lower bound.
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
    /// Confidence level in (0, 1), for example 0.95.
    pub level: f64,
}

/// Direction of the alternative hypothesis of a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Alternative {
    /// The location differs from the null value in either direction (default).
    #[default]
    TwoSided,
    /// The location is below the null value (for paired data: `x` tends to be smaller than `y`).
    Less,
    /// The location is above the null value (for paired data: `x` tends to be larger than `y`).
    Greater,
}

/// Rejects an empty sample or one with NaN or infinite values.
pub(crate) fn check_sample(what: &'static str, values: &[f64]) -> Result<()> {
    if values.is_empty() {
        return Err(StatsError::Empty { what });
    }
    check_finite(what, values)
}

/// Rejects NaN or infinite values.
pub(crate) fn check_finite(what: &'static str, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(StatsError::NonFinite {
            what,
            index,
            value: values[index],
        }),
        None => Ok(()),
    }
}

/// Validates two paired samples: both non-empty, equal lengths, all values finite.
pub(crate) fn check_paired(
    what_x: &'static str,
    x: &[f64],
    what_y: &'static str,
    y: &[f64],
) -> Result<()> {
    if x.is_empty() {
        return Err(StatsError::Empty { what: what_x });
    }
    if y.len() != x.len() {
        return Err(StatsError::LengthMismatch {
            what: what_y,
            expected: x.len(),
            actual: y.len(),
        });
    }
    check_finite(what_x, x)?;
    check_finite(what_y, y)
}

/// Rejects a sample shorter than `required`.
pub(crate) fn check_min_len(
    what: &'static str,
    statistic: &'static str,
    required: usize,
    actual: usize,
) -> Result<()> {
    if actual < required {
        return Err(StatsError::TooFew {
            what,
            statistic,
            required,
            actual,
        });
    }
    Ok(())
}

/// Rejects a confidence level outside (0, 1).
pub(crate) fn check_level(level: f64) -> Result<()> {
    if level > 0.0 && level < 1.0 {
        Ok(())
    } else {
        Err(StatsError::InvalidParameter {
            name: "confidence level",
            value: level,
            reason: "must lie strictly between 0 and 1",
        })
    }
}

/// Arithmetic mean of a non-empty sample.
pub(crate) fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Variance with denominator `n - ddof`, by the two-pass algorithm around the mean.
pub(crate) fn variance(values: &[f64], ddof: usize) -> f64 {
    let m = mean(values);
    let sum_sq: f64 = values.iter().map(|v| (v - m) * (v - m)).sum();
    sum_sq / (values.len() - ddof) as f64
}

/// Sorted copy of a sample that contains no NaN.
pub(crate) fn sorted(values: &[f64]) -> Vec<f64> {
    let mut copy = values.to_vec();
    copy.sort_by(f64::total_cmp);
    copy
}

/// Quantile of a non-empty sorted sample with linear interpolation between order statistics
/// (Hyndman-Fan type 7, NumPy's default `method="linear"`): position `q (n - 1)`.
pub(crate) fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let position = q * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    let fraction = position - below as f64;
    if below == above {
        sorted[below]
    } else {
        sorted[below] + fraction * (sorted[above] - sorted[below])
    }
}

/// Quantile of a sample with linear interpolation between order statistics, as NumPy's
/// `np.quantile(values, q)` with the default `method="linear"`.
///
/// # Errors
///
/// [`StatsError::Empty`] or [`StatsError::NonFinite`] for an invalid sample, and
/// [`StatsError::InvalidParameter`] for `q` outside `[0, 1]`.
pub fn quantile(values: &[f64], q: f64) -> Result<f64> {
    check_sample("values", values)?;
    if !(0.0..=1.0).contains(&q) {
        return Err(StatsError::InvalidParameter {
            name: "quantile",
            value: q,
            reason: "must lie in [0, 1]",
        });
    }
    Ok(quantile_sorted(&sorted(values), q))
}

/// Median of a non-empty sample (mean of the two middle values for even `n`).
pub(crate) fn median(values: &[f64]) -> f64 {
    quantile_sorted(&sorted(values), 0.5)
}

/// Ranks 1..n with ties given their average rank, as SciPy's `rankdata(method="average")`.
/// Also returns the sizes of the tie groups (groups of one included).
pub(crate) fn average_ranks(values: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
    let mut ranks = vec![0.0; values.len()];
    let mut tie_sizes = Vec::new();
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len()
            && values[order[end]].partial_cmp(&values[order[start]]) == Some(Equal)
        {
            end += 1;
        }
        // Positions start..end hold ranks start+1..=end; their average is (start + 1 + end) / 2.
        let rank = (start + 1 + end) as f64 / 2.0;
        for &index in &order[start..end] {
            ranks[index] = rank;
        }
        tie_sizes.push(end - start);
        start = end;
    }
    (ranks, tie_sizes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn average_ranks_share_ties() {
        let (ranks, ties) = average_ranks(&[3.0, 1.0, 3.0, 2.0, 3.0]);
        assert_eq!(ranks, vec![4.0, 1.0, 4.0, 2.0, 4.0]);
        assert_eq!(ties, vec![1, 1, 3]);
    }

    #[test]
    fn quantile_interpolates_linearly() {
        let values = [4.0, 1.0, 3.0, 2.0];
        assert_relative_eq!(quantile(&values, 0.5).unwrap(), 2.5);
        assert_relative_eq!(quantile(&values, 0.1).unwrap(), 1.3, max_relative = 1e-15);
        assert_relative_eq!(quantile(&values, 1.0).unwrap(), 4.0);
    }

    #[test]
    fn quantile_rejects_out_of_range() {
        assert!(matches!(
            quantile(&[1.0], 1.5),
            Err(StatsError::InvalidParameter { .. })
        ));
    }
}
