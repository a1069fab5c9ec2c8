//! Seeded bootstrap percentile confidence intervals for the mean and the median.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Serialize};

use crate::error::{Result, StatsError};
use crate::sample::{check_level, check_sample, mean, median, quantile_sorted, ConfidenceInterval};

/// Largest number of bootstrap resamples; the replicates are stored, 8 bytes each (80 MB here).
pub const MAX_RESAMPLES: usize = 10_000_000;

/// Location statistic to bootstrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Location {
    /// Arithmetic mean.
    Mean,
    /// Median (mean of the two middle values for even `n`).
    Median,
}

impl Location {
    fn evaluate(self, values: &[f64]) -> f64 {
        match self {
            Self::Mean => mean(values),
            Self::Median => median(values),
        }
    }
}

/// Settings of a bootstrap percentile interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BootstrapConfig {
    /// Number of resamples drawn with replacement, 2 to [`MAX_RESAMPLES`]; default 10 000.
    pub n_resamples: usize,
    /// Confidence level in (0, 1); default 0.95.
    pub level: f64,
    /// Seed of the ChaCha20 generator; the same seed gives the same interval. Default 0.
    pub seed: u64,
}

impl Default for BootstrapConfig {
    fn default() -> Self {
        Self {
            n_resamples: 10_000,
            level: 0.95,
            seed: 0,
        }
    }
}

impl BootstrapConfig {
    pub(crate) fn validate(&self) -> Result<()> {
        check_level(self.level)?;
        if !(2..=MAX_RESAMPLES).contains(&self.n_resamples) {
            return Err(StatsError::InvalidParameter {
                name: "n_resamples",
                value: self.n_resamples as f64,
                reason: "must lie between 2 and 10 000 000",
            });
        }
        Ok(())
    }
}

/// Computes a bootstrap percentile confidence interval for the mean or median of `sample`.
///
/// Draws `n_resamples` samples of size `n` with replacement (indices uniform from a ChaCha20
/// generator seeded with `config.seed`), evaluates the statistic on each, and returns the
/// `(1 - level) / 2` and `(1 + level) / 2` quantiles of those values, interpolated linearly as
/// [`quantile`](crate::quantile) does.
///
/// # Errors
///
/// [`StatsError::Empty`] or [`StatsError::NonFinite`] for an invalid sample, and
/// [`StatsError::InvalidParameter`] for a level outside (0, 1) or fewer than 2 resamples.
pub fn bootstrap_ci(
    sample: &[f64],
    statistic: Location,
    config: &BootstrapConfig,
) -> Result<ConfidenceInterval> {
    check_sample("sample", sample)?;
    config.validate()?;
    let mut replicates = bootstrap_replicates(sample, &[statistic], config)
        .pop()
        .unwrap_or_default();
    Ok(percentile_interval(&mut replicates, config.level))
}

/// Draws the bootstrap replicates of several statistics from the same resamples, so that one
/// seed gives consistent intervals for all of them. Returns one vector per statistic.
pub(crate) fn bootstrap_replicates(
    sample: &[f64],
    statistics: &[Location],
    config: &BootstrapConfig,
) -> Vec<Vec<f64>> {
    let mut rng = ChaCha20Rng::seed_from_u64(config.seed);
    let n = sample.len();
    let mut resample = vec![0.0; n];
    let mut replicates = vec![Vec::with_capacity(config.n_resamples); statistics.len()];
    for _ in 0..config.n_resamples {
        for value in resample.iter_mut() {
            *value = sample[rng.random_range(0..n)];
        }
        for (statistic, out) in statistics.iter().zip(replicates.iter_mut()) {
            out.push(statistic.evaluate(&resample));
        }
    }
    replicates
}

/// Percentile interval of bootstrap replicates (sorted in place).
pub(crate) fn percentile_interval(replicates: &mut [f64], level: f64) -> ConfidenceInterval {
    replicates.sort_by(f64::total_cmp);
    let tail = (1.0 - level) / 2.0;
    ConfidenceInterval {
        lower: quantile_sorted(replicates, tail),
        upper: quantile_sorted(replicates, 1.0 - tail),
        level,
    }
}
