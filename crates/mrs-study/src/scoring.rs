//! Scores of the study: quantification errors against simulated truth per target, the paired
//! comparison of two methods, and the diagnostic accuracy of the classification.

use crate::cohort::Group;
use crate::error::{Result, StudyError};
use mrs_stats::{
    compare_targets, errors_against_truth, evaluate_classifier, ClassifierConfig, ClassifierReport,
    Correction, ErrorConfig, ErrorReport, TargetPairs, WilcoxonConfig,
};
use serde::{Deserialize, Serialize};

/// Errors of one method for one target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetErrors {
    /// Target name.
    pub target: String,
    /// Errors against truth, in basis units and percent of the truth.
    pub report: ErrorReport,
}

impl TargetErrors {
    /// Absolute percent errors of the spectra whose truth is not 0, in spectrum order.
    pub fn defined_percent_errors(&self) -> Vec<f64> {
        self.report
            .absolute_percent_errors
            .iter()
            .flatten()
            .copied()
            .collect()
    }
}

/// Computes the errors of `estimates` against `truth` per target. Both are indexed
/// `[spectrum][target]` in the order of `targets`. Spectra whose truth of a target is 0 are
/// left out of that target's percent errors only under the policy of `config`
/// ([`mrs_stats::ZeroTruthPolicy::Exclude`]).
///
/// # Errors
/// [`StudyError::InvalidInput`] for no spectra or rows of the wrong length; the errors of
/// [`errors_against_truth`] wrapped in [`StudyError::Stats`].
pub fn errors_per_target(
    targets: &[String],
    estimates: &[Vec<f64>],
    truth: &[Vec<f64>],
    config: &ErrorConfig,
) -> Result<Vec<TargetErrors>> {
    if estimates.is_empty() || estimates.len() != truth.len() {
        return Err(StudyError::input(
            "estimates",
            format!(
                "{} estimate rows for {} truth rows; both must be equal and non-zero",
                estimates.len(),
                truth.len()
            ),
        ));
    }
    for (row, (estimate, true_row)) in estimates.iter().zip(truth).enumerate() {
        if estimate.len() != targets.len() || true_row.len() != targets.len() {
            return Err(StudyError::input(
                "estimates",
                format!(
                    "row {row} has {} estimates and {} truth values for {} targets",
                    estimate.len(),
                    true_row.len(),
                    targets.len()
                ),
            ));
        }
    }
    targets
        .iter()
        .enumerate()
        .map(|(column, target)| {
            let x: Vec<f64> = estimates.iter().map(|row| row[column]).collect();
            let t: Vec<f64> = truth.iter().map(|row| row[column]).collect();
            Ok(TargetErrors {
                target: target.clone(),
                report: errors_against_truth(&x, &t, config)?,
            })
        })
        .collect()
}

/// One target's comparison of two methods on their absolute percent errors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonRow {
    /// Target name.
    pub target: String,
    /// Spectra with a percent error from both methods (the pairs tested).
    pub n: usize,
    /// Mean absolute percent error of method A, percent.
    pub mape_a: f64,
    /// Mean absolute percent error of method B, percent.
    pub mape_b: f64,
    /// Median absolute percent error of method A, percent.
    pub median_ape_a: f64,
    /// Median absolute percent error of method B, percent.
    pub median_ape_b: f64,
    /// Two-sided Wilcoxon signed-rank P-value of this target alone.
    pub p_value: f64,
    /// P-value adjusted across all targets.
    pub adjusted_p_value: f64,
}

/// Paired comparison of two methods over every target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodComparison {
    /// Name of method A (for example `qCNN`).
    pub method_a: String,
    /// Name of method B (for example `NLLS`).
    pub method_b: String,
    /// Correction applied across the targets.
    pub correction: Correction,
    /// One row per target, in input order.
    pub rows: Vec<ComparisonRow>,
}

/// Compares two methods' absolute percent errors per target with the paired Wilcoxon
/// signed-rank test (two-sided, zero differences dropped, SciPy's default P-value method) and
/// adjusts the P-values across targets with `correction`.
///
/// Both error lists must cover the same targets in the same order, computed on the same
/// spectra. A spectrum enters a target's test when both methods have a percent error for it.
///
/// # Errors
/// [`StudyError::InvalidInput`] for lists of different targets or spectra; the errors of
/// [`compare_targets`] (for example all differences 0) wrapped in [`StudyError::Stats`].
pub fn compare_methods(
    method_a: &str,
    errors_a: &[TargetErrors],
    method_b: &str,
    errors_b: &[TargetErrors],
    correction: Correction,
) -> Result<MethodComparison> {
    if errors_a.len() != errors_b.len() {
        return Err(StudyError::input(
            "method errors",
            format!(
                "{method_a} has {} targets, {method_b} has {}",
                errors_a.len(),
                errors_b.len()
            ),
        ));
    }
    let mut paired: Vec<(String, Vec<f64>, Vec<f64>)> = Vec::with_capacity(errors_a.len());
    for (a, b) in errors_a.iter().zip(errors_b) {
        if a.target != b.target || a.report.n != b.report.n {
            return Err(StudyError::input(
                "method errors",
                format!(
                    "{method_a} target {} ({} spectra) is paired with {method_b} target {} ({} spectra)",
                    a.target, a.report.n, b.target, b.report.n
                ),
            ));
        }
        let (x, y): (Vec<f64>, Vec<f64>) = a
            .report
            .absolute_percent_errors
            .iter()
            .zip(&b.report.absolute_percent_errors)
            .filter_map(|(x, y)| Some(((*x)?, (*y)?)))
            .unzip();
        paired.push((a.target.clone(), x, y));
    }
    let pairs: Vec<TargetPairs<'_>> = paired
        .iter()
        .map(|(name, x, y)| TargetPairs { name, x, y })
        .collect();
    let tests = compare_targets(&pairs, &WilcoxonConfig::default(), correction)?;
    let rows = paired
        .iter()
        .zip(tests.targets)
        .map(|((target, x, y), test)| ComparisonRow {
            target: target.clone(),
            n: x.len(),
            mape_a: mean(x),
            mape_b: mean(y),
            median_ape_a: median(x),
            median_ape_b: median(y),
            p_value: test.wilcoxon.p_value,
            adjusted_p_value: test.adjusted_p_value,
        })
        .collect();
    Ok(MethodComparison {
        method_a: method_a.to_string(),
        method_b: method_b.to_string(),
        correction,
        rows,
    })
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Median, interpolating between the two middle values of an even sample.
fn median(values: &[f64]) -> f64 {
    mrs_stats::quantile(values, 0.5).unwrap_or(f64::NAN)
}

/// A patient's classifier output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientProbability {
    /// Patient identifier.
    pub patient_id: String,
    /// Probability of HBV-LC-HCC, in [0, 1].
    pub probability: f64,
    /// SD of that probability (over ensemble members or dropout samples).
    pub probability_sd: f64,
    /// Known group, `None` when unknown.
    pub group: Option<Group>,
}

/// Diagnostic accuracy of the classification over the labelled patients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassificationScore {
    /// Patients scored, in input order.
    pub patient_ids: Vec<String>,
    /// Patients left out because their group is unknown.
    pub unlabelled_ids: Vec<String>,
    /// Confusion matrix at the fixed threshold, sensitivity, specificity and accuracy with
    /// Clopper-Pearson and Wilson intervals, ROC curve and AUC; HBV-LC-HCC is positive.
    pub report: ClassifierReport,
}

/// Scores the probabilities of the labelled patients against their groups with
/// [`evaluate_classifier`] (a patient is called HBV-LC-HCC when its probability is at or above
/// `config.threshold`, 0.5 by default). Patients of unknown group are listed and skipped.
///
/// # Errors
/// The errors of [`evaluate_classifier`] wrapped in [`StudyError::Stats`]: probabilities that
/// are not finite, or fewer than two labelled patients of a group.
pub fn score_classification(
    patients: &[PatientProbability],
    config: &ClassifierConfig,
) -> Result<ClassificationScore> {
    let mut patient_ids = Vec::new();
    let mut unlabelled_ids = Vec::new();
    let mut truth = Vec::new();
    let mut scores = Vec::new();
    for patient in patients {
        match patient.group {
            Some(group) => {
                patient_ids.push(patient.patient_id.clone());
                truth.push(group.is_positive());
                scores.push(patient.probability);
            }
            None => unlabelled_ids.push(patient.patient_id.clone()),
        }
    }
    let report = evaluate_classifier(&truth, &scores, config)?;
    Ok(ClassificationScore {
        patient_ids,
        unlabelled_ids,
        report,
    })
}
