//! Errors of estimates against known truth (simulated concentrations), per target.

use serde::{Deserialize, Serialize};

use crate::bootstrap::{bootstrap_replicates, percentile_interval, BootstrapConfig, Location};
use crate::error::{Result, StatsError};
use crate::sample::{check_paired, mean, median, variance, ConfidenceInterval};

/// Policy for a truth value of 0, where the percent error is undefined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ZeroTruthPolicy {
    /// Return [`StatsError::ZeroTruth`] (default).
    #[default]
    Reject,
    /// Leave such cases out of the percent-error statistics and count them in
    /// [`ErrorReport::n_zero_truth_excluded`]. The absolute-error statistics keep them.
    Exclude,
}

/// Settings of [`errors_against_truth`].
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ErrorConfig {
    /// Handling of zero truth values in the percent error; default [`ZeroTruthPolicy::Reject`].
    pub zero_truth: ZeroTruthPolicy,
    /// Bootstrap settings for the intervals of the means and medians.
    pub bootstrap: BootstrapConfig,
}

/// Mean and median of a sample with their bootstrap percentile intervals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocationSummary {
    /// Arithmetic mean.
    pub mean: f64,
    /// Bootstrap percentile interval of the mean.
    pub mean_ci: ConfidenceInterval,
    /// Median.
    pub median: f64,
    /// Bootstrap percentile interval of the median.
    pub median_ci: ConfidenceInterval,
}

/// Errors of one target's estimates against truth. See the crate's Conventions for the
/// definitions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorReport {
    /// Number of estimate-truth pairs.
    pub n: usize,
    /// Signed errors `estimate - truth`, in the unit of the input.
    pub signed_errors: Vec<f64>,
    /// Absolute errors `|estimate - truth|`, in the unit of the input.
    pub absolute_errors: Vec<f64>,
    /// Absolute percent errors `100 |estimate - truth| / |truth|`; `None` where the truth is 0
    /// and [`ZeroTruthPolicy::Exclude`] left the case out.
    pub absolute_percent_errors: Vec<Option<f64>>,
    /// Cases left out of the percent-error statistics because their truth is 0.
    pub n_zero_truth_excluded: usize,
    /// Bias: mean signed error, in the unit of the input.
    pub bias: f64,
    /// Bootstrap percentile interval of the bias.
    pub bias_ci: ConfidenceInterval,
    /// Sample standard deviation of the signed errors (denominator `n - 1`); `None` for `n = 1`.
    pub sd_error: Option<f64>,
    /// Root-mean-square error `sqrt(mean((estimate - truth)^2))`.
    pub rmse: f64,
    /// Mean and median of the absolute errors.
    pub absolute_error: LocationSummary,
    /// Mean and median of the absolute percent errors, in percent; `None` when every truth
    /// value was 0 and excluded.
    pub absolute_percent_error: Option<LocationSummary>,
}

/// Computes absolute and percent errors, bias and RMSE of `estimates` against `truth`, with
/// seeded bootstrap intervals for the means and medians.
///
/// # Errors
///
/// [`StatsError::Empty`], [`StatsError::LengthMismatch`] or [`StatsError::NonFinite`] for
/// invalid samples, [`StatsError::ZeroTruth`] for a zero truth under
/// [`ZeroTruthPolicy::Reject`], and [`StatsError::InvalidParameter`] for invalid bootstrap
/// settings.
pub fn errors_against_truth(
    estimates: &[f64],
    truth: &[f64],
    config: &ErrorConfig,
) -> Result<ErrorReport> {
    check_paired("estimates", estimates, "truth", truth)?;
    config.bootstrap.validate()?;
    if config.zero_truth == ZeroTruthPolicy::Reject {
        if let Some(index) = truth.iter().position(|&t| t == 0.0) {
            return Err(StatsError::ZeroTruth { index });
        }
    }

    let signed_errors: Vec<f64> = estimates.iter().zip(truth).map(|(e, t)| e - t).collect();
    let absolute_errors: Vec<f64> = signed_errors.iter().map(|e| e.abs()).collect();
    let absolute_percent_errors: Vec<Option<f64>> = absolute_errors
        .iter()
        .zip(truth)
        .map(|(e, &t)| (t != 0.0).then(|| 100.0 * e / t.abs()))
        .collect();
    let kept_percent: Vec<f64> = absolute_percent_errors.iter().flatten().copied().collect();
    let n = estimates.len();

    let mut bias_replicates =
        bootstrap_replicates(&signed_errors, &[Location::Mean], &config.bootstrap)
            .pop()
            .unwrap_or_default();
    let squared_mean: f64 = signed_errors.iter().map(|e| e * e).sum::<f64>() / n as f64;
    Ok(ErrorReport {
        n,
        n_zero_truth_excluded: n - kept_percent.len(),
        bias: mean(&signed_errors),
        bias_ci: percentile_interval(&mut bias_replicates, config.bootstrap.level),
        sd_error: (n > 1).then(|| variance(&signed_errors, 1).sqrt()),
        rmse: squared_mean.sqrt(),
        absolute_error: summarise(&absolute_errors, &config.bootstrap),
        absolute_percent_error: (!kept_percent.is_empty())
            .then(|| summarise(&kept_percent, &config.bootstrap)),
        signed_errors,
        absolute_errors,
        absolute_percent_errors,
    })
}

/// Mean and median of a non-empty, finite sample with bootstrap intervals.
fn summarise(values: &[f64], config: &BootstrapConfig) -> LocationSummary {
    let mut replicates =
        bootstrap_replicates(values, &[Location::Mean, Location::Median], config).into_iter();
    let mut mean_replicates = replicates.next().unwrap_or_default();
    let mut median_replicates = replicates.next().unwrap_or_default();
    LocationSummary {
        mean: mean(values),
        mean_ci: percentile_interval(&mut mean_replicates, config.level),
        median: median(values),
        median_ci: percentile_interval(&mut median_replicates, config.level),
    }
}
