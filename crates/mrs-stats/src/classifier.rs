//! One report of a binary classifier: accuracy at the fixed threshold, ROC, AUC, and the
//! Youden-optimal threshold kept apart from the fixed one.

use serde::{Deserialize, Serialize};

use crate::diagnostic::{ConfusionMatrix, DiagnosticSummary, DEFAULT_THRESHOLD};
use crate::error::Result;
use crate::roc::{roc_auc, roc_curve, AucConfig, AucResult, RocCurve, YoudenThreshold};

/// Settings of [`evaluate_classifier`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClassifierConfig {
    /// Fixed decision threshold (positive when `score >= threshold`); default 0.5.
    pub threshold: f64,
    /// Confidence level of every interval; default 0.95.
    pub level: f64,
    /// AUC settings; its `level` is replaced by `level` above.
    pub auc: AucConfig,
}

impl Default for ClassifierConfig {
    fn default() -> Self {
        Self {
            threshold: DEFAULT_THRESHOLD,
            level: 0.95,
            auc: AucConfig::default(),
        }
    }
}

/// Diagnostic accuracy of a classifier at its fixed threshold, with the ROC analysis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassifierReport {
    /// The fixed threshold the main results use.
    pub threshold: f64,
    /// Confusion matrix and proportions at the fixed threshold.
    pub at_threshold: DiagnosticSummary,
    /// ROC curve over all observed scores.
    pub roc: RocCurve,
    /// AUC with its intervals.
    pub auc: AucResult,
    /// The Youden-optimal threshold on these data.
    pub youden: YoudenThreshold,
    /// Confusion matrix and proportions at the Youden-optimal threshold. The threshold was
    /// chosen on the same data, so these proportions are optimistic; report them as
    /// exploratory, next to the fixed-threshold results.
    pub at_youden: DiagnosticSummary,
}

/// Evaluates classifier scores against true labels (`true` = positive): proportions at the
/// fixed threshold, the ROC curve, AUC with DeLong (and optionally bootstrap) intervals, and
/// the Youden-optimal threshold with its proportions, reported separately.
///
/// # Errors
///
/// As [`ConfusionMatrix::from_scores`] and [`roc_auc`]: invalid or non-finite input, a missing
/// class, fewer than 2 cases of a class, or an invalid level or bootstrap setting.
pub fn evaluate_classifier(
    truth: &[bool],
    scores: &[f64],
    config: &ClassifierConfig,
) -> Result<ClassifierReport> {
    let matrix = ConfusionMatrix::from_scores(truth, scores, config.threshold)?;
    let at_threshold = matrix.summary(config.level)?;
    let roc = roc_curve(truth, scores)?;
    let auc_config = AucConfig {
        level: config.level,
        ..config.auc
    };
    let auc = roc_auc(truth, scores, &auc_config)?;
    let youden = roc.youden_optimal();
    let at_youden = youden.matrix.summary(config.level)?;
    Ok(ClassifierReport {
        threshold: config.threshold,
        at_threshold,
        roc,
        auc,
        youden,
        at_youden,
    })
}
