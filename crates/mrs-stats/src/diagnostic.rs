//! Diagnostic accuracy of a binary classifier: confusion matrix and proportions with exact
//! (Clopper-Pearson) and Wilson intervals.

use serde::{Deserialize, Serialize};

use crate::error::{Result, StatsError};
use crate::sample::{check_finite, check_level, ConfidenceInterval};
use crate::special::{beta_inc_inv, normal_quantile};

/// Default decision threshold on scores: a score at or above it is called positive.
pub const DEFAULT_THRESHOLD: f64 = 0.5;

/// A proportion `successes / trials` with two confidence intervals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proportion {
    /// Number of successes.
    pub successes: u64,
    /// Number of trials, at least 1.
    pub trials: u64,
    /// Point estimate `successes / trials`.
    pub estimate: f64,
    /// Clopper-Pearson (exact) interval.
    pub clopper_pearson: ConfidenceInterval,
    /// Wilson score interval.
    pub wilson: ConfidenceInterval,
}

impl Proportion {
    /// Computes the estimate and both intervals at confidence `level` (for example 0.95).
    ///
    /// # Errors
    ///
    /// [`StatsError::TooFew`] for zero trials, [`StatsError::InvalidParameter`] for more
    /// successes than trials or a level outside (0, 1).
    pub fn new(successes: u64, trials: u64, level: f64) -> Result<Self> {
        Ok(Self {
            successes,
            trials,
            estimate: successes as f64 / trials as f64,
            clopper_pearson: clopper_pearson(successes, trials, level)?,
            wilson: wilson(successes, trials, level)?,
        })
    }
}

fn check_counts(successes: u64, trials: u64, level: f64) -> Result<()> {
    check_level(level)?;
    if trials == 0 {
        return Err(StatsError::TooFew {
            what: "trials",
            statistic: "a proportion",
            required: 1,
            actual: 0,
        });
    }
    if successes > trials {
        return Err(StatsError::InvalidParameter {
            name: "successes",
            value: successes as f64,
            reason: "must not exceed the number of trials",
        });
    }
    Ok(())
}

/// Clopper-Pearson (exact) interval for a binomial proportion.
///
/// Bounds are the `(1 - level) / 2` quantile of `Beta(k, n - k + 1)` and the `(1 + level) / 2`
/// quantile of `Beta(k + 1, n - k)`, with 0 for `k = 0` and 1 for `k = n`, as statsmodels'
/// `proportion_confint(k, n, alpha, method="beta")`.
///
/// # Errors
///
/// As [`Proportion::new`].
pub fn clopper_pearson(successes: u64, trials: u64, level: f64) -> Result<ConfidenceInterval> {
    check_counts(successes, trials, level)?;
    let tail = (1.0 - level) / 2.0;
    let k = successes as f64;
    let n = trials as f64;
    let lower = if successes == 0 {
        0.0
    } else {
        beta_inc_inv(k, n - k + 1.0, tail)
    };
    // The upper bound through the symmetry I_x(a, b) = 1 - I_(1-x)(b, a), which solves for the
    // small tail directly.
    let upper = if successes == trials {
        1.0
    } else {
        1.0 - beta_inc_inv(n - k, k + 1.0, tail)
    };
    Ok(ConfidenceInterval {
        lower,
        upper,
        level,
    })
}

/// Wilson score interval for a binomial proportion, clipped to [0, 1], as statsmodels'
/// `proportion_confint(k, n, alpha, method="wilson")`.
///
/// # Errors
///
/// As [`Proportion::new`].
pub fn wilson(successes: u64, trials: u64, level: f64) -> Result<ConfidenceInterval> {
    check_counts(successes, trials, level)?;
    let n = trials as f64;
    let p = successes as f64 / n;
    let z = normal_quantile(0.5 + level / 2.0);
    let z2 = z * z;
    let denominator = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denominator;
    let half_width = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    Ok(ConfidenceInterval {
        lower: (centre - half_width).clamp(0.0, 1.0),
        upper: (centre + half_width).clamp(0.0, 1.0),
        level,
    })
}

/// Counts of a binary classification against the reference standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    /// Positive cases called positive.
    pub true_positives: u64,
    /// Negative cases called positive.
    pub false_positives: u64,
    /// Negative cases called negative.
    pub true_negatives: u64,
    /// Positive cases called negative.
    pub false_negatives: u64,
}

impl ConfusionMatrix {
    /// Counts predicted labels against true labels (`true` = positive, for example disease
    /// present).
    ///
    /// # Errors
    ///
    /// [`StatsError::Empty`] or [`StatsError::LengthMismatch`].
    pub fn from_labels(truth: &[bool], predicted: &[bool]) -> Result<Self> {
        check_labels(truth, "predicted", predicted.len())?;
        let mut matrix = Self::default();
        for (&t, &p) in truth.iter().zip(predicted) {
            matrix.add(t, p);
        }
        Ok(matrix)
    }

    /// Counts scores against true labels, calling a case positive when `score >= threshold`
    /// (use [`DEFAULT_THRESHOLD`] for probabilities).
    ///
    /// # Errors
    ///
    /// [`StatsError::Empty`], [`StatsError::LengthMismatch`], or [`StatsError::NonFinite`] for
    /// a NaN or infinite score or threshold.
    pub fn from_scores(truth: &[bool], scores: &[f64], threshold: f64) -> Result<Self> {
        check_labels(truth, "scores", scores.len())?;
        check_finite("scores", scores)?;
        check_finite("threshold", &[threshold])?;
        let mut matrix = Self::default();
        for (&t, &s) in truth.iter().zip(scores) {
            matrix.add(t, s >= threshold);
        }
        Ok(matrix)
    }

    fn add(&mut self, truth: bool, predicted: bool) {
        match (truth, predicted) {
            (true, true) => self.true_positives += 1,
            (false, true) => self.false_positives += 1,
            (false, false) => self.true_negatives += 1,
            (true, false) => self.false_negatives += 1,
        }
    }

    /// Total number of cases.
    pub fn total(&self) -> u64 {
        self.true_positives + self.false_positives + self.true_negatives + self.false_negatives
    }

    /// Sensitivity (true-positive rate) `TP / (TP + FN)`.
    ///
    /// # Errors
    ///
    /// [`StatsError::MissingClass`] without positive cases; [`StatsError::InvalidParameter`]
    /// for a level outside (0, 1).
    pub fn sensitivity(&self, level: f64) -> Result<Proportion> {
        let trials = self.true_positives + self.false_negatives;
        ratio(
            self.true_positives,
            trials,
            level,
            "positive",
            "sensitivity",
        )
    }

    /// Specificity (true-negative rate) `TN / (TN + FP)`.
    ///
    /// # Errors
    ///
    /// [`StatsError::MissingClass`] without negative cases; [`StatsError::InvalidParameter`]
    /// for a level outside (0, 1).
    pub fn specificity(&self, level: f64) -> Result<Proportion> {
        let trials = self.true_negatives + self.false_positives;
        ratio(
            self.true_negatives,
            trials,
            level,
            "negative",
            "specificity",
        )
    }

    /// Accuracy `(TP + TN) / total`.
    ///
    /// # Errors
    ///
    /// [`StatsError::TooFew`] for an empty matrix; [`StatsError::InvalidParameter`] for a
    /// level outside (0, 1).
    pub fn accuracy(&self, level: f64) -> Result<Proportion> {
        Proportion::new(
            self.true_positives + self.true_negatives,
            self.total(),
            level,
        )
    }

    /// Positive predictive value `TP / (TP + FP)`.
    ///
    /// # Errors
    ///
    /// [`StatsError::MissingClass`] when no case was called positive;
    /// [`StatsError::InvalidParameter`] for a level outside (0, 1).
    pub fn ppv(&self, level: f64) -> Result<Proportion> {
        let trials = self.true_positives + self.false_positives;
        ratio(
            self.true_positives,
            trials,
            level,
            "predicted positive",
            "PPV",
        )
    }

    /// Negative predictive value `TN / (TN + FN)`.
    ///
    /// # Errors
    ///
    /// [`StatsError::MissingClass`] when no case was called negative;
    /// [`StatsError::InvalidParameter`] for a level outside (0, 1).
    pub fn npv(&self, level: f64) -> Result<Proportion> {
        let trials = self.true_negatives + self.false_negatives;
        ratio(
            self.true_negatives,
            trials,
            level,
            "predicted negative",
            "NPV",
        )
    }

    /// Computes all five proportions at confidence `level`. A proportion whose denominator is
    /// zero is `None`.
    ///
    /// # Errors
    ///
    /// [`StatsError::InvalidParameter`] for a level outside (0, 1).
    pub fn summary(&self, level: f64) -> Result<DiagnosticSummary> {
        check_level(level)?;
        Ok(DiagnosticSummary {
            matrix: *self,
            sensitivity: self.sensitivity(level).ok(),
            specificity: self.specificity(level).ok(),
            accuracy: self.accuracy(level).ok(),
            ppv: self.ppv(level).ok(),
            npv: self.npv(level).ok(),
        })
    }
}

fn ratio(
    successes: u64,
    trials: u64,
    level: f64,
    class: &'static str,
    statistic: &'static str,
) -> Result<Proportion> {
    check_level(level)?;
    if trials == 0 {
        return Err(StatsError::MissingClass { class, statistic });
    }
    Proportion::new(successes, trials, level)
}

/// Validates a label vector and the length of the vector paired with it.
pub(crate) fn check_labels(
    truth: &[bool],
    what_other: &'static str,
    other_len: usize,
) -> Result<()> {
    if truth.is_empty() {
        return Err(StatsError::Empty { what: "truth" });
    }
    if other_len != truth.len() {
        return Err(StatsError::LengthMismatch {
            what: what_other,
            expected: truth.len(),
            actual: other_len,
        });
    }
    Ok(())
}

/// The confusion matrix with sensitivity, specificity, accuracy, PPV and NPV.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiagnosticSummary {
    /// The counts.
    pub matrix: ConfusionMatrix,
    /// `TP / (TP + FN)`; `None` without positive cases.
    pub sensitivity: Option<Proportion>,
    /// `TN / (TN + FP)`; `None` without negative cases.
    pub specificity: Option<Proportion>,
    /// `(TP + TN) / total`; `None` for an empty matrix.
    pub accuracy: Option<Proportion>,
    /// `TP / (TP + FP)`; `None` when no case was called positive.
    pub ppv: Option<Proportion>,
    /// `TN / (TN + FN)`; `None` when no case was called negative.
    pub npv: Option<Proportion>,
}
