//! Agreement between two measurement methods: Bland-Altman analysis, Pearson and Spearman
//! correlation, and Lin's concordance correlation coefficient.

use serde::{Deserialize, Serialize};

use crate::error::{Result, StatsError};
use crate::paired::student_t_p_value;
use crate::sample::{
    average_ranks, check_level, check_min_len, check_paired, mean, variance, Alternative,
    ConfidenceInterval,
};
use crate::special::{normal_quantile, student_t_quantile};

/// Settings of [`bland_altman`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BlandAltmanConfig {
    /// Coverage of the limits of agreement; default 0.95, which puts them at
    /// `bias +- 1.959964 sd` (the normal quantile, not the rounded 1.96).
    pub coverage: f64,
    /// Confidence level of the intervals of the bias and the limits; `None` leaves them out.
    /// Default `Some(0.95)`.
    pub ci_level: Option<f64>,
}

impl Default for BlandAltmanConfig {
    fn default() -> Self {
        Self {
            coverage: 0.95,
            ci_level: Some(0.95),
        }
    }
}

/// Bland-Altman analysis of the differences `a - b`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlandAltman {
    /// Number of pairs.
    pub n: usize,
    /// Mean difference `mean(a - b)`.
    pub bias: f64,
    /// Sample standard deviation of the differences (denominator `n - 1`).
    pub sd_difference: f64,
    /// Normal quantile `z` used for the limits, for example 1.959964 for 95 % coverage.
    pub multiplier: f64,
    /// Lower limit of agreement `bias - z sd`.
    pub lower_limit: f64,
    /// Upper limit of agreement `bias + z sd`.
    pub upper_limit: f64,
    /// Interval of the bias, `bias +- t(n-1) sd / sqrt(n)`.
    pub bias_ci: Option<ConfidenceInterval>,
    /// Interval of the lower limit, `limit +- t(n-1) se`, with
    /// `se = sd sqrt(1/n + z^2 / (2 (n - 1)))`.
    pub lower_limit_ci: Option<ConfidenceInterval>,
    /// Interval of the upper limit, as for the lower one.
    pub upper_limit_ci: Option<ConfidenceInterval>,
}

/// Computes the bias and limits of agreement between methods `a` and `b` (Bland & Altman 1986,
/// Lancet 327:307; the limit standard error follows their 1999 paper, Statistical Methods in
/// Medical Research 8:135).
///
/// # Errors
///
/// [`StatsError::Empty`], [`StatsError::LengthMismatch`] or [`StatsError::NonFinite`] for
/// invalid samples, [`StatsError::TooFew`] for fewer than 2 pairs, and
/// [`StatsError::InvalidParameter`] for a coverage or level outside (0, 1).
pub fn bland_altman(a: &[f64], b: &[f64], config: &BlandAltmanConfig) -> Result<BlandAltman> {
    check_paired("a", a, "b", b)?;
    check_min_len("a", "Bland-Altman limits", 2, a.len())?;
    check_level(config.coverage)?;
    if let Some(level) = config.ci_level {
        check_level(level)?;
    }
    let differences: Vec<f64> = a.iter().zip(b).map(|(x, y)| x - y).collect();
    let n = differences.len() as f64;
    let bias = mean(&differences);
    let sd_difference = variance(&differences, 1).sqrt();
    let multiplier = normal_quantile(0.5 + config.coverage / 2.0);
    let lower_limit = bias - multiplier * sd_difference;
    let upper_limit = bias + multiplier * sd_difference;

    let interval = |centre: f64, se: f64, level: f64| {
        let t = student_t_quantile(0.5 + level / 2.0, n - 1.0);
        ConfidenceInterval {
            lower: centre - t * se,
            upper: centre + t * se,
            level,
        }
    };
    let se_bias = sd_difference / n.sqrt();
    let se_limit = sd_difference * (1.0 / n + multiplier * multiplier / (2.0 * (n - 1.0))).sqrt();
    Ok(BlandAltman {
        n: differences.len(),
        bias,
        sd_difference,
        multiplier,
        lower_limit,
        upper_limit,
        bias_ci: config.ci_level.map(|l| interval(bias, se_bias, l)),
        lower_limit_ci: config.ci_level.map(|l| interval(lower_limit, se_limit, l)),
        upper_limit_ci: config.ci_level.map(|l| interval(upper_limit, se_limit, l)),
    })
}

/// A correlation coefficient with its test and interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Correlation {
    /// The coefficient, in [-1, 1].
    pub coefficient: f64,
    /// P-value of the test of zero correlation for the requested alternative, from the t
    /// statistic `r sqrt((n - 2) / (1 - r^2))` with `n - 2` degrees of freedom.
    pub p_value: f64,
    /// Fisher z interval `tanh(atanh(r) +- z / sqrt(n - 3))`; `None` for `n < 4`.
    pub ci: Option<ConfidenceInterval>,
    /// Number of pairs.
    pub n: usize,
}

/// Pearson's product-moment correlation of `x` and `y`, as `scipy.stats.pearsonr`.
///
/// The t-based P-value is exact for bivariate normal data and equals SciPy's beta-distribution
/// form. The interval is the Fisher z interval (SciPy's `confidence_interval()`), two-sided
/// whatever the alternative.
///
/// # Errors
///
/// [`StatsError::Empty`], [`StatsError::LengthMismatch`] or [`StatsError::NonFinite`] for
/// invalid samples, [`StatsError::TooFew`] for fewer than 3 pairs, [`StatsError::Constant`]
/// when either sample is constant, and [`StatsError::InvalidParameter`] for a level outside
/// (0, 1).
pub fn pearson(x: &[f64], y: &[f64], alternative: Alternative, level: f64) -> Result<Correlation> {
    check_paired("x", x, "y", y)?;
    check_min_len("x", "a correlation test", 3, x.len())?;
    check_level(level)?;
    let r = pearson_coefficient(x, y, "Pearson's r")?;
    Ok(correlation_inference(r, x.len(), alternative, level))
}

/// Spearman's rank correlation of `x` and `y` (Pearson's r of the average ranks), as
/// `scipy.stats.spearmanr`.
///
/// The P-value uses the same t approximation as SciPy. The interval is the Fisher z interval
/// of the rank correlation.
///
/// # Errors
///
/// As [`pearson`].
pub fn spearman(x: &[f64], y: &[f64], alternative: Alternative, level: f64) -> Result<Correlation> {
    check_paired("x", x, "y", y)?;
    check_min_len("x", "a correlation test", 3, x.len())?;
    check_level(level)?;
    let (rank_x, _) = average_ranks(x);
    let (rank_y, _) = average_ranks(y);
    let r = pearson_coefficient(&rank_x, &rank_y, "Spearman's rho")?;
    Ok(correlation_inference(r, x.len(), alternative, level))
}

fn pearson_coefficient(x: &[f64], y: &[f64], statistic: &'static str) -> Result<f64> {
    let mean_x = mean(x);
    let mean_y = mean(y);
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let dx = a - mean_x;
        let dy = b - mean_y;
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    if sxx == 0.0 {
        return Err(StatsError::Constant {
            what: "x",
            statistic,
        });
    }
    if syy == 0.0 {
        return Err(StatsError::Constant {
            what: "y",
            statistic,
        });
    }
    Ok((sxy / (sxx.sqrt() * syy.sqrt())).clamp(-1.0, 1.0))
}

fn correlation_inference(r: f64, n: usize, alternative: Alternative, level: f64) -> Correlation {
    let n_f = n as f64;
    let df = n_f - 2.0;
    let one_minus_r2 = (1.0 - r) * (1.0 + r);
    let p_value = if one_minus_r2 == 0.0 {
        // A perfect correlation: the t statistic is infinite.
        let t = r.signum() * f64::INFINITY;
        student_t_p_value(t, df, alternative)
    } else {
        student_t_p_value(r * (df / one_minus_r2).sqrt(), df, alternative)
    };
    let ci = (n >= 4).then(|| {
        let z = r.atanh();
        let half_width = normal_quantile(0.5 + level / 2.0) / (n_f - 3.0).sqrt();
        ConfidenceInterval {
            lower: (z - half_width).tanh(),
            upper: (z + half_width).tanh(),
            level,
        }
    });
    Correlation {
        coefficient: r,
        p_value,
        ci,
        n,
    }
}

/// Lin's concordance correlation coefficient with its interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Concordance {
    /// `rho_c = 2 s_xy / (s_x^2 + s_y^2 + (mean_x - mean_y)^2)`, in [-1, 1].
    pub coefficient: f64,
    /// Pearson's r of the same pairs; `rho_c = r * bias_correction`.
    pub pearson_r: f64,
    /// Bias-correction factor `C_b = rho_c / r`, 1 when the best-fit line is the identity;
    /// `None` when `r = 0`.
    pub bias_correction: Option<f64>,
    /// Interval from the Fisher z transform of `rho_c` with Lin's asymptotic variance; `None`
    /// for `n < 3`, `r = 0` or `|rho_c| = 1`, where that variance is undefined.
    pub ci: Option<ConfidenceInterval>,
    /// Number of pairs.
    pub n: usize,
}

/// Computes Lin's concordance correlation coefficient
/// `2 s_xy / (s_x^2 + s_y^2 + (mean_x - mean_y)^2)` with denominator-`n` (population) moments
/// (Lin 1989, Biometrics 45:255), and its interval at confidence `level`.
///
/// The interval transforms `rho_c` with `atanh` and uses the asymptotic standard error of Lin
/// (1989, corrected in Biometrics 56:324, 2000), divided by `1 - rho_c^2` on the z scale:
///
/// ```text
/// se^2 = [(1 - r^2) rho_c^2 (1 - rho_c^2) / r^2 + 2 rho_c^3 (1 - rho_c) u^2 / r
///         - rho_c^4 u^4 / (2 r^2)] / (n - 2),   u = (mean_y - mean_x) / (s_x^2 s_y^2)^(1/4)
/// ```
///
/// R's `DescTools::CCC(ci = "z-transform")` computes the same interval.
///
/// # Errors
///
/// [`StatsError::Empty`], [`StatsError::LengthMismatch`] or [`StatsError::NonFinite`] for
/// invalid samples, [`StatsError::Constant`] when both samples are the same constant, and
/// [`StatsError::InvalidParameter`] for a level outside (0, 1).
pub fn lins_ccc(x: &[f64], y: &[f64], level: f64) -> Result<Concordance> {
    check_paired("x", x, "y", y)?;
    check_level(level)?;
    let n = x.len() as f64;
    let mean_x = mean(x);
    let mean_y = mean(y);
    let variance_x = variance(x, 0);
    let variance_y = variance(y, 0);
    let covariance: f64 = x
        .iter()
        .zip(y)
        .map(|(a, b)| (a - mean_x) * (b - mean_y))
        .sum::<f64>()
        / n;
    let denominator = variance_x + variance_y + (mean_x - mean_y).powi(2);
    if denominator == 0.0 {
        return Err(StatsError::Constant {
            what: "x and y",
            statistic: "Lin's concordance correlation (both are the same constant)",
        });
    }
    let rho = 2.0 * covariance / denominator;
    // Pearson's r is 0 by convention when a sample is constant (the covariance is 0 then).
    let spread = (variance_x * variance_y).sqrt();
    let r = if spread > 0.0 {
        (covariance / spread).clamp(-1.0, 1.0)
    } else {
        0.0
    };

    let ci = if x.len() >= 3 && r != 0.0 && rho.abs() < 1.0 {
        let u2 = (mean_y - mean_x).powi(2) / spread;
        let rho2 = rho * rho;
        let variance_rho = ((1.0 - r * r) * rho2 * (1.0 - rho2) / (r * r)
            + 2.0 * rho2 * rho * (1.0 - rho) * u2 / r
            - 0.5 * rho2 * rho2 * u2 * u2 / (r * r))
            / (n - 2.0);
        (variance_rho >= 0.0).then(|| {
            let se_z = variance_rho.sqrt() / (1.0 - rho2);
            let half_width = normal_quantile(0.5 + level / 2.0) * se_z;
            let z = rho.atanh();
            ConfidenceInterval {
                lower: (z - half_width).tanh(),
                upper: (z + half_width).tanh(),
                level,
            }
        })
    } else {
        None
    };
    Ok(Concordance {
        coefficient: rho,
        pearson_r: r,
        bias_correction: (r != 0.0).then(|| rho / r),
        ci,
        n: x.len(),
    })
}
