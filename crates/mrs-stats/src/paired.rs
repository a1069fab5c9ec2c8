//! Paired tests: the Wilcoxon signed-rank test and the paired t-test.

use serde::{Deserialize, Serialize};

use crate::error::{Result, StatsError};
use crate::sample::{
    average_ranks, check_level, check_min_len, check_paired, mean, variance, Alternative,
    ConfidenceInterval,
};
use crate::special::{normal_cdf, normal_sf, student_t_cdf, student_t_quantile, student_t_sf};

/// Largest number of ranked differences for the exact distributions. The table has
/// `n (n + 1) + 1` entries (32 MB at 2000), and the work to fill it grows as `n^3`.
pub const MAX_EXACT_PAIRS: usize = 2000;

/// Treatment of zero differences in the Wilcoxon signed-rank test, named as in SciPy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum ZeroMethod {
    /// Drop zero differences before ranking (Wilcoxon 1945; SciPy's default `"wilcox"`).
    #[default]
    Wilcox,
    /// Rank zero differences with the others, then leave them out of both rank sums and adjust
    /// the normal approximation (Pratt 1959; Cureton 1967).
    Pratt,
    /// Rank zero differences with the others and add half of their rank sum to each of the
    /// positive and negative rank sums.
    Zsplit,
}

/// Method for the P-value of the Wilcoxon signed-rank test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum WilcoxonMethod {
    /// SciPy 1.17's `method="auto"` rule, applied to the `n` pairs before zeros are dropped:
    /// [`Exact`](Self::Exact) if `n <= 50` and there are neither ties nor zero differences,
    /// else [`ExactConditional`](Self::ExactConditional) if `n <= 13`, else
    /// [`Asymptotic`](Self::Asymptotic). Default.
    #[default]
    Auto,
    /// The exact null distribution of the rank sum over ranks `1..=n_used`. Requires untied
    /// absolute differences, no zero differences unless they are dropped, and at most
    /// [`MAX_EXACT_PAIRS`] ranked differences.
    Exact,
    /// The exact null distribution given the observed (possibly tied) ranks: every one of the
    /// `2^n` sign assignments equally likely. This is what SciPy's `PermutationMethod()` computes
    /// by enumeration when `2^n <= 9999`. At most [`MAX_EXACT_PAIRS`] ranked differences.
    ExactConditional,
    /// Normal approximation with the tie correction of the variance (and the Cureton
    /// adjustment for [`ZeroMethod::Pratt`]), optionally with a continuity correction.
    Asymptotic,
}

/// Settings of [`wilcoxon_signed_rank`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WilcoxonConfig {
    /// Treatment of zero differences; default [`ZeroMethod::Wilcox`].
    pub zero_method: ZeroMethod,
    /// Alternative hypothesis about the differences `x - y`; default two-sided.
    pub alternative: Alternative,
    /// P-value method; default [`WilcoxonMethod::Auto`].
    pub method: WilcoxonMethod,
    /// Shift the normal statistic by 0.5 toward the null in the asymptotic method. Default
    /// `true`, the textbook choice; SciPy's default is `correction=False`.
    pub continuity_correction: bool,
}

impl Default for WilcoxonConfig {
    fn default() -> Self {
        Self {
            zero_method: ZeroMethod::Wilcox,
            alternative: Alternative::TwoSided,
            method: WilcoxonMethod::Auto,
            continuity_correction: true,
        }
    }
}

/// The P-value method that was actually used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum WilcoxonMethodUsed {
    /// Exact null distribution without ties.
    Exact,
    /// Exact null distribution conditional on the tied ranks.
    ExactConditional,
    /// Normal approximation.
    Asymptotic,
}

/// Result of a Wilcoxon signed-rank test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WilcoxonResult {
    /// Test statistic as SciPy reports it: `min(r_plus, r_minus)` for a two-sided test,
    /// `r_plus` for a one-sided one.
    pub statistic: f64,
    /// Sum of the ranks of positive differences (plus half the zero ranks under `Zsplit`).
    pub r_plus: f64,
    /// Sum of the ranks of negative differences (plus half the zero ranks under `Zsplit`).
    pub r_minus: f64,
    /// P-value for the configured alternative.
    pub p_value: f64,
    /// Normal statistic `(r_plus - mean) / sd` after the optional continuity correction,
    /// signed (SciPy reports `-|z|` for two-sided tests); `None` unless the asymptotic method
    /// was used.
    pub z_statistic: Option<f64>,
    /// Number of pairs given.
    pub n_pairs: usize,
    /// Number of differences ranked: `n_pairs` minus the zeros under `Wilcox`, else `n_pairs`.
    pub n_used: usize,
    /// Number of zero differences.
    pub n_zero: usize,
    /// Whether the ranked absolute differences contain ties.
    pub has_ties: bool,
    /// Method used for the P-value.
    pub method: WilcoxonMethodUsed,
    /// The settings of the test.
    pub config: WilcoxonConfig,
}

/// Tests whether the paired differences `x - y` are symmetric about zero with the Wilcoxon
/// signed-rank test.
///
/// Follows `scipy.stats.wilcoxon(x, y, zero_method, correction, alternative, method)` of SciPy
/// 1.17, except that [`WilcoxonMethod::Exact`] rejects tied data instead of rounding the
/// statistic, and that the default has the continuity correction on.
///
/// # Errors
///
/// [`StatsError::Empty`], [`StatsError::LengthMismatch`] or [`StatsError::NonFinite`] for
/// invalid samples, [`StatsError::Constant`] when every difference is zero, and
/// [`StatsError::MethodNotApplicable`] for [`WilcoxonMethod::Exact`] on tied or zero ranks and
/// for an exact method on more than [`MAX_EXACT_PAIRS`] ranked differences.
pub fn wilcoxon_signed_rank(
    x: &[f64],
    y: &[f64],
    config: &WilcoxonConfig,
) -> Result<WilcoxonResult> {
    check_paired("x", x, "y", y)?;
    let differences: Vec<f64> = x.iter().zip(y).map(|(a, b)| a - b).collect();
    let n_pairs = differences.len();
    let n_zero = differences.iter().filter(|&&d| d == 0.0).count();

    // Rank the absolute differences; under Wilcox the zeros are dropped first.
    let ranked: Vec<f64> = match config.zero_method {
        ZeroMethod::Wilcox => differences.iter().copied().filter(|&d| d != 0.0).collect(),
        ZeroMethod::Pratt | ZeroMethod::Zsplit => differences.clone(),
    };
    let n_used = ranked.len();
    if ranked.iter().all(|&d| d == 0.0) {
        return Err(StatsError::Constant {
            what: "differences x - y",
            statistic: "the Wilcoxon signed-rank test (every difference is zero)",
        });
    }
    let absolute: Vec<f64> = ranked.iter().map(|d| d.abs()).collect();
    let (ranks, tie_sizes) = average_ranks(&absolute);
    let has_ties = tie_sizes.iter().any(|&t| t > 1);

    let mut r_plus = 0.0;
    let mut r_minus = 0.0;
    let mut zero_rank_sum = 0.0;
    for (&d, &rank) in ranked.iter().zip(&ranks) {
        if d > 0.0 {
            r_plus += rank;
        } else if d < 0.0 {
            r_minus += rank;
        } else {
            zero_rank_sum += rank;
        }
    }
    let mut offset = 0.0;
    if config.zero_method == ZeroMethod::Zsplit {
        offset = zero_rank_sum / 2.0;
        r_plus += offset;
        r_minus += offset;
    }

    let method = match config.method {
        WilcoxonMethod::Auto if n_pairs > 50 => WilcoxonMethodUsed::Asymptotic,
        WilcoxonMethod::Auto if !has_ties && n_zero == 0 => WilcoxonMethodUsed::Exact,
        WilcoxonMethod::Auto if n_pairs <= 13 => WilcoxonMethodUsed::ExactConditional,
        WilcoxonMethod::Auto => WilcoxonMethodUsed::Asymptotic,
        WilcoxonMethod::Exact => {
            let zeros_ranked = config.zero_method != ZeroMethod::Wilcox && n_zero > 0;
            if has_ties || zeros_ranked {
                return Err(StatsError::MethodNotApplicable {
                    method: "the exact Wilcoxon distribution",
                    reason: "the ranks contain ties or zero differences; \
                             use ExactConditional or Asymptotic",
                });
            }
            WilcoxonMethodUsed::Exact
        }
        WilcoxonMethod::ExactConditional => WilcoxonMethodUsed::ExactConditional,
        WilcoxonMethod::Asymptotic => WilcoxonMethodUsed::Asymptotic,
    };

    let exact = matches!(
        method,
        WilcoxonMethodUsed::Exact | WilcoxonMethodUsed::ExactConditional
    );
    if exact && n_used > MAX_EXACT_PAIRS {
        return Err(StatsError::MethodNotApplicable {
            method: "the exact Wilcoxon distribution",
            reason: "more than 2000 ranked differences make the table too large; \
                     use Asymptotic",
        });
    }

    let (p_value, z_statistic) = match method {
        WilcoxonMethodUsed::Exact | WilcoxonMethodUsed::ExactConditional => {
            let p = exact_conditional_p(&ranked, &ranks, r_plus - offset, config.alternative);
            (p, None)
        }
        WilcoxonMethodUsed::Asymptotic => {
            let z = asymptotic_z(r_plus, n_used, n_zero, &tie_sizes, &ranked, config);
            (normal_p_value(z, config.alternative), Some(z))
        }
    };

    let statistic = match config.alternative {
        Alternative::TwoSided => r_plus.min(r_minus),
        Alternative::Less | Alternative::Greater => r_plus,
    };
    Ok(WilcoxonResult {
        statistic,
        r_plus,
        r_minus,
        p_value,
        z_statistic,
        n_pairs,
        n_used,
        n_zero,
        has_ties,
        method,
        config: *config,
    })
}

/// P-value from the null distribution of the positive rank sum over random signs of the
/// nonzero ranked differences. Ranks are averages of integers, so twice a rank is an integer and
/// the distribution is tabulated exactly on that grid.
fn exact_conditional_p(
    ranked: &[f64],
    ranks: &[f64],
    observed_rank_sum: f64,
    alternative: Alternative,
) -> f64 {
    let doubled: Vec<usize> = ranked
        .iter()
        .zip(ranks)
        .filter(|(&d, _)| d != 0.0)
        .map(|(_, &r)| (2.0 * r).round() as usize)
        .collect();
    let total: usize = doubled.iter().sum();
    let mut pmf = vec![0.0; total + 1];
    pmf[0] = 1.0;
    let mut reach = 0;
    for &step in &doubled {
        reach += step;
        for s in (0..=reach).rev() {
            let with = if s >= step { pmf[s - step] } else { 0.0 };
            pmf[s] = 0.5 * pmf[s] + 0.5 * with;
        }
    }
    let observed = (2.0 * observed_rank_sum).round() as usize;
    let lower_tail: f64 = pmf[..=observed.min(total)].iter().sum();
    let upper_tail: f64 = pmf[observed.min(total + 1)..].iter().sum();
    match alternative {
        Alternative::Less => lower_tail,
        Alternative::Greater => upper_tail,
        Alternative::TwoSided => (2.0 * lower_tail.min(upper_tail)).min(1.0),
    }
}

/// Normal statistic of the signed-rank sum with tie correction, the Cureton adjustment for
/// Pratt's zeros, and the optional continuity correction.
fn asymptotic_z(
    r_plus: f64,
    n_used: usize,
    n_zero: usize,
    tie_sizes: &[usize],
    ranked: &[f64],
    config: &WilcoxonConfig,
) -> f64 {
    let count = n_used as f64;
    let mut mean_rank_sum = count * (count + 1.0) / 4.0;
    let mut variance_24 = count * (count + 1.0) * (2.0 * count + 1.0);
    let mut tie_term: f64 = tie_sizes
        .iter()
        .map(|&t| (t * t * t - t) as f64)
        .sum::<f64>();
    if config.zero_method == ZeroMethod::Pratt && n_zero > 0 {
        let zeros = n_zero as f64;
        mean_rank_sum -= zeros * (zeros + 1.0) / 4.0;
        variance_24 -= zeros * (zeros + 1.0) * (2.0 * zeros + 1.0);
        // The zeros form the lowest tie group; they do not enter the tie correction.
        let zero_group = ranked.iter().filter(|&&d| d == 0.0).count();
        tie_term -= (zero_group * zero_group * zero_group - zero_group) as f64;
    }
    let sd = ((variance_24 - tie_term / 2.0) / 24.0).sqrt();
    let mut z = (r_plus - mean_rank_sum) / sd;
    if config.continuity_correction {
        let sign = match config.alternative {
            Alternative::Greater => 1.0,
            Alternative::Less => -1.0,
            Alternative::TwoSided if z > 0.0 => 1.0,
            Alternative::TwoSided if z < 0.0 => -1.0,
            Alternative::TwoSided => 0.0,
        };
        z -= sign * 0.5 / sd;
    }
    z
}

/// P-value of a standard normal statistic.
fn normal_p_value(z: f64, alternative: Alternative) -> f64 {
    match alternative {
        Alternative::Less => normal_cdf(z),
        Alternative::Greater => normal_sf(z),
        Alternative::TwoSided => (2.0 * normal_cdf(z).min(normal_sf(z))).min(1.0),
    }
}

/// P-value of a Student t statistic.
pub(crate) fn student_t_p_value(t: f64, df: f64, alternative: Alternative) -> f64 {
    match alternative {
        Alternative::Less => student_t_cdf(t, df),
        Alternative::Greater => student_t_sf(t, df),
        Alternative::TwoSided => (2.0 * student_t_sf(t.abs(), df)).min(1.0),
    }
}

/// Result of a paired t-test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairedTTestResult {
    /// t statistic `mean(d) / (sd(d) / sqrt(n))` of the differences `d = x - y`.
    pub statistic: f64,
    /// Degrees of freedom, `n - 1`.
    pub df: f64,
    /// P-value for the requested alternative.
    pub p_value: f64,
    /// Mean difference `mean(x - y)`.
    pub mean_difference: f64,
    /// Sample standard deviation of the differences (denominator `n - 1`).
    pub sd_difference: f64,
    /// Two-sided confidence interval of the mean difference (whatever the alternative).
    pub ci: ConfidenceInterval,
    /// Alternative hypothesis tested.
    pub alternative: Alternative,
}

/// Tests whether the mean of the paired differences `x - y` is zero (Student's paired t-test,
/// as `scipy.stats.ttest_rel`).
///
/// # Errors
///
/// [`StatsError::Empty`], [`StatsError::LengthMismatch`] or [`StatsError::NonFinite`] for
/// invalid samples, [`StatsError::TooFew`] for fewer than 2 pairs, [`StatsError::Constant`]
/// when all differences are equal, and [`StatsError::InvalidParameter`] for a level outside
/// (0, 1).
pub fn paired_t_test(
    x: &[f64],
    y: &[f64],
    alternative: Alternative,
    level: f64,
) -> Result<PairedTTestResult> {
    check_paired("x", x, "y", y)?;
    check_min_len("x", "the paired t-test", 2, x.len())?;
    check_level(level)?;

    let differences: Vec<f64> = x.iter().zip(y).map(|(a, b)| a - b).collect();
    let n = differences.len() as f64;
    let mean_difference = mean(&differences);
    let sd_difference = variance(&differences, 1).sqrt();
    if sd_difference == 0.0 {
        return Err(StatsError::Constant {
            what: "differences x - y",
            statistic: "the paired t statistic",
        });
    }

    let standard_error = sd_difference / n.sqrt();
    let df = n - 1.0;
    let statistic = mean_difference / standard_error;
    let half_width = student_t_quantile(0.5 + level / 2.0, df) * standard_error;

    Ok(PairedTTestResult {
        statistic,
        df,
        p_value: student_t_p_value(statistic, df, alternative),
        mean_difference,
        sd_difference,
        ci: ConfidenceInterval {
            lower: mean_difference - half_width,
            upper: mean_difference + half_width,
            level,
        },
        alternative,
    })
}
