//! ROC curve, AUC with DeLong and bootstrap intervals, and the Youden-optimal threshold.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Serialize};

use crate::bootstrap::{percentile_interval, BootstrapConfig};
use crate::diagnostic::{check_labels, ConfusionMatrix};
use crate::error::{Result, StatsError};
use crate::sample::{average_ranks, check_finite, check_level, variance, ConfidenceInterval};
use crate::special::normal_quantile;

/// One point of an ROC curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RocPoint {
    /// Cases with `score >= threshold` are called positive; `None` for the first point, where
    /// the threshold lies above every score and nothing is called positive.
    pub threshold: Option<f64>,
    /// False-positive rate `FP / negatives` (1 - specificity).
    pub false_positive_rate: f64,
    /// True-positive rate `TP / positives` (sensitivity).
    pub true_positive_rate: f64,
    /// Positive cases called positive at this threshold.
    pub true_positives: u64,
    /// Negative cases called positive at this threshold.
    pub false_positives: u64,
}

/// An ROC curve with one point per distinct score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RocCurve {
    /// Points in order of decreasing threshold, from (0, 0) to (1, 1). Tied scores form one
    /// point, so a tie between classes gives a diagonal segment. The same points as
    /// scikit-learn's `roc_curve(..., drop_intermediate=False)`.
    pub points: Vec<RocPoint>,
    /// Number of positive cases.
    pub n_positive: u64,
    /// Number of negative cases.
    pub n_negative: u64,
}

/// Builds the ROC curve of `scores` against `truth` (`true` = positive; higher scores should
/// mean positive).
///
/// # Errors
///
/// [`StatsError::Empty`], [`StatsError::LengthMismatch`] or [`StatsError::NonFinite`] for
/// invalid input, and [`StatsError::MissingClass`] when one class is absent.
pub fn roc_curve(truth: &[bool], scores: &[f64]) -> Result<RocCurve> {
    let (n_positive, n_negative) = check_roc_input(truth, scores)?;
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&i, &j| scores[j].total_cmp(&scores[i]));

    let mut points = vec![RocPoint {
        threshold: None,
        false_positive_rate: 0.0,
        true_positive_rate: 0.0,
        true_positives: 0,
        false_positives: 0,
    }];
    let (mut tp, mut fp) = (0_u64, 0_u64);
    let mut start = 0;
    while start < order.len() {
        let threshold = scores[order[start]];
        let mut end = start;
        // Every case tied at this score changes class together.
        while end < order.len() && scores[order[end]] >= threshold {
            if truth[order[end]] {
                tp += 1;
            } else {
                fp += 1;
            }
            end += 1;
        }
        points.push(RocPoint {
            threshold: Some(threshold),
            false_positive_rate: fp as f64 / n_negative as f64,
            true_positive_rate: tp as f64 / n_positive as f64,
            true_positives: tp,
            false_positives: fp,
        });
        start = end;
    }
    Ok(RocCurve {
        points,
        n_positive,
        n_negative,
    })
}

fn check_roc_input(truth: &[bool], scores: &[f64]) -> Result<(u64, u64)> {
    check_labels(truth, "scores", scores.len())?;
    check_finite("scores", scores)?;
    let n_positive = truth.iter().filter(|&&t| t).count() as u64;
    let n_negative = truth.len() as u64 - n_positive;
    if n_positive == 0 {
        return Err(StatsError::MissingClass {
            class: "positive",
            statistic: "the ROC curve",
        });
    }
    if n_negative == 0 {
        return Err(StatsError::MissingClass {
            class: "negative",
            statistic: "the ROC curve",
        });
    }
    Ok((n_positive, n_negative))
}

/// The threshold that maximises Youden's index `J = sensitivity + specificity - 1`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct YoudenThreshold {
    /// The optimal threshold (a case is positive when `score >= threshold`).
    pub threshold: f64,
    /// Youden's index at the threshold, `TPR - FPR`.
    pub youden_index: f64,
    /// Sensitivity at the threshold.
    pub sensitivity: f64,
    /// Specificity at the threshold.
    pub specificity: f64,
    /// Counts at the threshold.
    pub matrix: ConfusionMatrix,
}

impl RocCurve {
    /// Area under the curve by the trapezoidal rule, which counts a tied positive-negative pair
    /// as one half.
    pub fn auc(&self) -> f64 {
        self.points
            .windows(2)
            .map(|w| {
                let width = w[1].false_positive_rate - w[0].false_positive_rate;
                width * (w[1].true_positive_rate + w[0].true_positive_rate) / 2.0
            })
            .sum()
    }

    /// Finds the observed score with the largest Youden index as threshold. Among equal maxima
    /// the highest threshold wins (the first in the curve's order).
    pub fn youden_optimal(&self) -> YoudenThreshold {
        let mut best = &self.points[0];
        let mut best_j = f64::NEG_INFINITY;
        for point in self.points.iter().filter(|p| p.threshold.is_some()) {
            let j = point.true_positive_rate - point.false_positive_rate;
            if j > best_j {
                best_j = j;
                best = point;
            }
        }
        YoudenThreshold {
            threshold: best.threshold.unwrap_or(f64::INFINITY),
            youden_index: best_j,
            sensitivity: best.true_positive_rate,
            specificity: 1.0 - best.false_positive_rate,
            matrix: ConfusionMatrix {
                true_positives: best.true_positives,
                false_positives: best.false_positives,
                true_negatives: self.n_negative - best.false_positives,
                false_negatives: self.n_positive - best.true_positives,
            },
        }
    }
}

/// Settings of [`roc_auc`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AucConfig {
    /// Confidence level of the intervals; default 0.95.
    pub level: f64,
    /// Also compute a stratified bootstrap percentile interval with these settings (its own
    /// `level` field is ignored in favour of `level`); default `None`.
    pub bootstrap: Option<BootstrapConfig>,
}

impl Default for AucConfig {
    fn default() -> Self {
        Self {
            level: 0.95,
            bootstrap: None,
        }
    }
}

/// AUC with its DeLong standard error and intervals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AucResult {
    /// Area under the ROC curve: the probability that a random positive case scores above a
    /// random negative one, ties counted as one half.
    pub auc: f64,
    /// DeLong (1988) standard error of the AUC.
    pub se_delong: f64,
    /// Wald interval `auc +- z se_delong`, clipped to [0, 1].
    pub ci_delong: ConfidenceInterval,
    /// Stratified bootstrap percentile interval, when requested.
    pub ci_bootstrap: Option<ConfidenceInterval>,
    /// Number of positive cases.
    pub n_positive: u64,
    /// Number of negative cases.
    pub n_negative: u64,
}

/// Computes the AUC of `scores` against `truth` with a DeLong interval and, optionally, a
/// seeded stratified bootstrap interval (positives and negatives resampled separately, so every
/// resample has both classes).
///
/// DeLong, DeLong & Clarke-Pearson (1988), Biometrics 44:837, computed with the midrank
/// algorithm of Sun & Xu (2014), IEEE Signal Processing Letters 21:1389.
///
/// # Errors
///
/// As [`roc_curve`], plus [`StatsError::TooFew`] for fewer than 2 cases of either class (the
/// DeLong variance divides by `n - 1` within each class) and [`StatsError::InvalidParameter`]
/// for invalid levels or bootstrap settings.
pub fn roc_auc(truth: &[bool], scores: &[f64], config: &AucConfig) -> Result<AucResult> {
    let (n_positive, n_negative) = check_roc_input(truth, scores)?;
    check_level(config.level)?;
    if n_positive < 2 || n_negative < 2 {
        return Err(StatsError::TooFew {
            what: if n_positive < 2 {
                "positive cases"
            } else {
                "negative cases"
            },
            statistic: "the DeLong variance of the AUC",
            required: 2,
            actual: n_positive.min(n_negative) as usize,
        });
    }
    let positives: Vec<f64> = select(scores, truth, true);
    let negatives: Vec<f64> = select(scores, truth, false);
    let (auc, placements_positive, placements_negative) = delong_placements(&positives, &negatives);
    let m = positives.len() as f64;
    let n = negatives.len() as f64;
    let se_delong =
        (variance(&placements_positive, 1) / m + variance(&placements_negative, 1) / n).sqrt();
    let z = normal_quantile(0.5 + config.level / 2.0);
    let ci_delong = ConfidenceInterval {
        lower: (auc - z * se_delong).max(0.0),
        upper: (auc + z * se_delong).min(1.0),
        level: config.level,
    };

    let ci_bootstrap = match &config.bootstrap {
        Some(bootstrap) => {
            let settings = BootstrapConfig {
                level: config.level,
                ..*bootstrap
            };
            settings.validate()?;
            Some(bootstrap_auc(&positives, &negatives, &settings))
        }
        None => None,
    };
    Ok(AucResult {
        auc,
        se_delong,
        ci_delong,
        ci_bootstrap,
        n_positive,
        n_negative,
    })
}

fn select(scores: &[f64], truth: &[bool], class: bool) -> Vec<f64> {
    scores
        .iter()
        .zip(truth)
        .filter(|(_, &t)| t == class)
        .map(|(&s, _)| s)
        .collect()
}

/// Computes the AUC and the DeLong placement values. A positive's placement is the fraction of
/// negatives it outscores, a negative's the fraction of positives that outscore it (ties count
/// one half in both).
fn delong_placements(positives: &[f64], negatives: &[f64]) -> (f64, Vec<f64>, Vec<f64>) {
    let m = positives.len();
    let n = negatives.len();
    let combined: Vec<f64> = positives.iter().chain(negatives).copied().collect();
    let (combined_ranks, _) = average_ranks(&combined);
    let (positive_ranks, _) = average_ranks(positives);
    let (negative_ranks, _) = average_ranks(negatives);
    // A positive's rank in the combined sample minus its rank among positives counts the
    // negatives below it (ties one half); likewise for negatives.
    let placements_positive: Vec<f64> = (0..m)
        .map(|i| (combined_ranks[i] - positive_ranks[i]) / n as f64)
        .collect();
    let placements_negative: Vec<f64> = (0..n)
        .map(|j| 1.0 - (combined_ranks[m + j] - negative_ranks[j]) / m as f64)
        .collect();
    let auc = placements_positive.iter().sum::<f64>() / m as f64;
    (auc, placements_positive, placements_negative)
}

/// Midrank AUC, without the placement values.
fn auc_from_ranks(positives: &[f64], negatives: &[f64]) -> f64 {
    let m = positives.len() as f64;
    let n = negatives.len() as f64;
    let combined: Vec<f64> = positives.iter().chain(negatives).copied().collect();
    let (ranks, _) = average_ranks(&combined);
    let positive_rank_sum: f64 = ranks[..positives.len()].iter().sum();
    (positive_rank_sum - m * (m + 1.0) / 2.0) / (m * n)
}

fn bootstrap_auc(
    positives: &[f64],
    negatives: &[f64],
    config: &BootstrapConfig,
) -> ConfidenceInterval {
    let mut rng = ChaCha20Rng::seed_from_u64(config.seed);
    let mut resampled_positive = vec![0.0; positives.len()];
    let mut resampled_negative = vec![0.0; negatives.len()];
    let mut replicates = Vec::with_capacity(config.n_resamples);
    for _ in 0..config.n_resamples {
        for value in resampled_positive.iter_mut() {
            *value = positives[rng.random_range(0..positives.len())];
        }
        for value in resampled_negative.iter_mut() {
            *value = negatives[rng.random_range(0..negatives.len())];
        }
        replicates.push(auc_from_ranks(&resampled_positive, &resampled_negative));
    }
    percentile_interval(&mut replicates, config.level)
}
