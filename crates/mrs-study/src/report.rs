//! Outputs of the study: `metrics.json`, `qcnn_vs_nlls.csv`, `patients.csv` and a
//! self-contained `report.html`. Every file is written through
//! [`mrs_io::atomic::write_atomic`], so an interrupted run never leaves a partial file.
//!
//! CSV numbers use Rust's shortest round-trip formatting; an unknown value is an empty field.

use crate::cohort::{Group, Role};
use crate::error::{Result, StudyError};
use crate::nlls::PatientFit;
use crate::scoring::{ClassificationScore, MethodComparison, PatientProbability, TargetErrors};
use crate::svg::{self, BoxCategory, ErrorBarPoint, LineChart, Series};
use mrs_fit::FitSpectra;
use mrs_io::atomic::write_bytes_atomic;
use mrs_io::{ErrorKind, IoError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::Path;

/// Paragraph for the report on the limits of a virtual cohort.
pub const VIRTUAL_COHORT_NOTE: &str = "The patients of a virtual cohort are simulated from a \
generating prior whose group differences are illustrative assumptions, not clinical findings. \
Such a cohort can show that every step of the pipeline runs on real file formats, and how \
quantification methods compare when the signal model, the basis and the noise are known and \
correct. It cannot show how well either method, or the classifier, performs on real patients: \
the classifier can only find the group differences written into the generating prior, and real \
spectra add model errors (macromolecules, lineshape distortions, artefacts) that the simulation \
does not contain.";

/// Time one method took on the simulated test set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MethodTiming {
    /// Method name.
    pub method: String,
    /// Spectra processed.
    pub n_spectra: usize,
    /// Wall-clock time, seconds.
    pub elapsed_s: f64,
}

/// Contents of `metrics.json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StudyMetrics {
    /// Target names.
    pub targets: Vec<String>,
    /// Time per method on the simulated test set.
    pub timings: Vec<MethodTiming>,
    /// Per-target comparison of two methods' errors.
    pub comparison: Option<MethodComparison>,
    /// Diagnostic accuracy of the classification.
    pub classification: Option<ClassificationScore>,
    /// Further named values (settings, seeds, counts) a pipeline adds.
    pub extra: BTreeMap<String, serde_json::Value>,
}

fn json_error(path: &Path, error: serde_json::Error) -> StudyError {
    StudyError::Io(IoError::new(
        path,
        ErrorKind::Container {
            context: "JSON output",
            source: Box::new(error),
        },
    ))
}

/// Writes any serialisable value as pretty-printed JSON, such as [`StudyMetrics`] to
/// `metrics.json`.
///
/// # Errors
/// [`StudyError::Io`] when the value cannot be serialised (a map with non-string keys) or
/// the file cannot be written.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| json_error(path, e))?;
    write_bytes_atomic(path, format!("{text}\n").as_bytes())?;
    Ok(())
}

/// Renders the comparison table: `target,n,mape_percent_<A>,mape_percent_<B>,
/// median_ape_percent_<A>,median_ape_percent_<B>,p_wilcoxon,p_adjusted,correction`, with
/// the method names in the header.
pub fn comparison_csv(comparison: &MethodComparison) -> String {
    let a = csv_name(&comparison.method_a);
    let b = csv_name(&comparison.method_b);
    let mut text = format!(
        "target,n,mape_percent_{a},mape_percent_{b},median_ape_percent_{a},median_ape_percent_{b},p_wilcoxon,p_adjusted,correction\n"
    );
    let correction = format!("{:?}", comparison.correction);
    for row in &comparison.rows {
        let _ = writeln!(
            text,
            "{},{},{},{},{},{},{},{},{correction}",
            csv_name(&row.target),
            row.n,
            row.mape_a,
            row.mape_b,
            row.median_ape_a,
            row.median_ape_b,
            row.p_value,
            row.adjusted_p_value
        );
    }
    text
}

/// Writes [`comparison_csv`] to `path` (the pipeline's `qcnn_vs_nlls.csv`).
///
/// # Errors
/// [`StudyError::Io`] when the file cannot be written.
pub fn write_comparison_csv(path: &Path, comparison: &MethodComparison) -> Result<()> {
    write_bytes_atomic(path, comparison_csv(comparison).as_bytes())?;
    Ok(())
}

/// Kind of uncertainty reported with a method's contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Uncertainty {
    /// Cramér-Rao lower bound, as an absolute SD.
    Crlb,
    /// Standard deviation over ensemble members or Monte Carlo samples.
    Sd,
}

impl Uncertainty {
    fn suffix(self) -> &'static str {
        match self {
            Uncertainty::Crlb => "crlb",
            Uncertainty::Sd => "sd",
        }
    }
}

/// One method's contents of one patient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientQuantities {
    /// Method name, e.g. `NLLS` or `qCNN`.
    pub method: String,
    /// Kind of the `uncertainties`.
    pub uncertainty: Uncertainty,
    /// Contents per target, basis units.
    pub contents: Vec<f64>,
    /// Uncertainty per target, basis units.
    pub uncertainties: Vec<f64>,
}

impl PatientQuantities {
    /// Builds the NLLS contents of a fit, with CRLBs as uncertainties.
    pub fn from_nlls(fit: &PatientFit) -> PatientQuantities {
        PatientQuantities {
            method: "NLLS".to_string(),
            uncertainty: Uncertainty::Crlb,
            contents: fit.estimates.contents.clone(),
            uncertainties: fit.estimates.crlb.clone(),
        }
    }
}

/// One row of `patients.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientRow {
    /// Patient identifier.
    pub patient_id: String,
    /// Group, `None` when unknown.
    pub group: Option<Group>,
    /// Prior or test patient.
    pub role: Role,
    /// Contents by each method.
    pub quantities: Vec<PatientQuantities>,
    /// Probability of HBV-LC-HCC with its SD, when classified.
    pub probability: Option<(f64, f64)>,
}

/// Renders the patient table: `patient_id,group,role`, then for each method (in order of
/// first appearance) and target the columns `<method>_<target>` and
/// `<method>_<target>_<crlb|sd>`, then `probability_hcc,probability_hcc_sd`. A patient
/// without a method's values has empty fields there.
///
/// # Errors
/// [`StudyError::InvalidInput`] when a method's contents or uncertainties do not have one
/// value per target, or one method appears with two uncertainty kinds.
pub fn patients_csv(targets: &[String], rows: &[PatientRow]) -> Result<String> {
    let mut methods: Vec<(&str, Uncertainty)> = Vec::new();
    for row in rows {
        for quantities in &row.quantities {
            if quantities.contents.len() != targets.len()
                || quantities.uncertainties.len() != targets.len()
            {
                return Err(StudyError::input(
                    "patient quantities",
                    format!(
                        "patient {} method {}: {} contents and {} uncertainties for {} targets",
                        row.patient_id,
                        quantities.method,
                        quantities.contents.len(),
                        quantities.uncertainties.len(),
                        targets.len()
                    ),
                ));
            }
            match methods.iter().find(|(m, _)| *m == quantities.method) {
                Some((_, kind)) if *kind != quantities.uncertainty => {
                    return Err(StudyError::input(
                        "patient quantities",
                        format!(
                            "method {} has both {:?} and {:?} uncertainties",
                            quantities.method, kind, quantities.uncertainty
                        ),
                    ))
                }
                Some(_) => {}
                None => methods.push((&quantities.method, quantities.uncertainty)),
            }
        }
    }
    let mut text = String::from("patient_id,group,role");
    for (method, kind) in &methods {
        for target in targets {
            let (m, t) = (csv_name(method), csv_name(target));
            let _ = write!(text, ",{m}_{t},{m}_{t}_{}", kind.suffix());
        }
    }
    text.push_str(",probability_hcc,probability_hcc_sd\n");
    for row in rows {
        let group = row.group.map_or("", Group::name);
        let _ = write!(
            text,
            "{},{group},{}",
            csv_name(&row.patient_id),
            row.role.name()
        );
        for (method, _) in &methods {
            match row.quantities.iter().find(|q| q.method == *method) {
                Some(q) => {
                    for (content, uncertainty) in q.contents.iter().zip(&q.uncertainties) {
                        let _ = write!(text, ",{content},{uncertainty}");
                    }
                }
                None => text.push_str(&",".repeat(2 * targets.len())),
            }
        }
        match row.probability {
            Some((p, sd)) => {
                let _ = writeln!(text, ",{p},{sd}");
            }
            None => text.push_str(",,\n"),
        }
    }
    Ok(text)
}

/// Writes [`patients_csv`] to `path`.
///
/// # Errors
/// As [`patients_csv`]; [`StudyError::Io`] when the file cannot be written.
pub fn write_patients_csv(path: &Path, targets: &[String], rows: &[PatientRow]) -> Result<()> {
    write_bytes_atomic(path, patients_csv(targets, rows)?.as_bytes())?;
    Ok(())
}

/// Replaces the characters that would break a CSV field or header (commas, quotes, line
/// breaks) with `_`.
fn csv_name(name: &str) -> String {
    name.replace([',', '"', '\n', '\r'], "_")
}

/// An NLLS fit to show in the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExampleFit {
    /// Caption, e.g. the patient identifier.
    pub label: String,
    /// Data, fit, baseline and residual on the fitted ppm points.
    pub spectra: FitSpectra,
}

/// Absolute percent errors per method and target, for the box plots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorFigure {
    /// Method names, in box order.
    pub methods: Vec<String>,
    /// Target names.
    pub targets: Vec<String>,
    /// Percent errors indexed `[method][target][spectrum]`.
    pub percent_errors: Vec<Vec<Vec<f64>>>,
}

impl ErrorFigure {
    /// Collects the defined percent errors of each method's per-target errors.
    ///
    /// # Errors
    /// [`StudyError::InvalidInput`] when the methods cover different targets.
    pub fn from_errors(methods: &[(&str, &[TargetErrors])]) -> Result<ErrorFigure> {
        let targets: Vec<String> = methods
            .first()
            .map(|(_, errors)| errors.iter().map(|e| e.target.clone()).collect())
            .unwrap_or_default();
        let mut figure = ErrorFigure {
            methods: Vec::new(),
            targets,
            percent_errors: Vec::new(),
        };
        for (name, errors) in methods {
            let names: Vec<&str> = errors.iter().map(|e| e.target.as_str()).collect();
            if names != figure.targets {
                return Err(StudyError::input(
                    "error figure",
                    format!(
                        "method {name} has targets {names:?}, expected {:?}",
                        figure.targets
                    ),
                ));
            }
            figure.methods.push(name.to_string());
            figure.percent_errors.push(
                errors
                    .iter()
                    .map(TargetErrors::defined_percent_errors)
                    .collect(),
            );
        }
        Ok(figure)
    }
}

/// Everything the HTML report shows. Sections without data are left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportInput {
    /// Page title.
    pub title: String,
    /// Summary table rows: label, value.
    pub summary: Vec<(String, String)>,
    /// NLLS fits to plot.
    pub example_fits: Vec<ExampleFit>,
    /// Per-target errors of the methods on the simulated test set.
    pub errors: Option<ErrorFigure>,
    /// Per-target paired comparison.
    pub comparison: Option<MethodComparison>,
    /// Classification scores with the ROC curve.
    pub classification: Option<ClassificationScore>,
    /// Class probabilities of the patients.
    pub probabilities: Vec<PatientProbability>,
    /// Paragraph on what the cohort can and cannot show, e.g. [`VIRTUAL_COHORT_NOTE`].
    pub cohort_note: String,
}

/// Renders the report as one HTML page with inline SVG figures and inline CSS; it loads
/// nothing from elsewhere.
pub fn render_html(input: &ReportInput) -> String {
    let mut html = String::new();
    let title = svg::escape(&input.title);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>{title}</title>\n<style>\
         body{{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}}\
         table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #bbb;padding:3px 8px;text-align:right}}\
         th{{background:#eee}}td:first-child{{text-align:left}}figure{{margin:1em 0}}</style>\n</head>\n<body>\n<h1>{title}</h1>\n"
    );
    summary_section(&mut html, input);
    fits_section(&mut html, &input.example_fits);
    errors_section(&mut html, input);
    classification_section(&mut html, input);
    if !input.cohort_note.is_empty() {
        let _ = write!(
            html,
            "<h2>What this cohort can and cannot show</h2>\n<p>{}</p>\n",
            svg::escape(&input.cohort_note)
        );
    }
    html.push_str("</body>\n</html>\n");
    html
}

/// Writes [`render_html`] to `path`.
///
/// # Errors
/// [`StudyError::Io`] when the file cannot be written.
pub fn write_report_html(path: &Path, input: &ReportInput) -> Result<()> {
    write_bytes_atomic(path, render_html(input).as_bytes())?;
    Ok(())
}

fn summary_section(html: &mut String, input: &ReportInput) {
    if input.summary.is_empty() {
        return;
    }
    html.push_str("<h2>Summary</h2>\n<table>\n");
    for (label, value) in &input.summary {
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td></tr>",
            svg::escape(label),
            svg::escape(value)
        );
    }
    html.push_str("</table>\n");
}

fn fits_section(html: &mut String, fits: &[ExampleFit]) {
    if fits.is_empty() {
        return;
    }
    html.push_str("<h2>Example NLLS fits</h2>\n<p>Real parts on the fitted ppm points; the residual (data minus fit) is drawn below the spectra, offset.</p>\n");
    for fit in fits {
        let s = &fit.spectra;
        let low = s
            .data
            .iter()
            .chain(&s.fit)
            .chain(&s.baseline)
            .copied()
            .fold(f64::INFINITY, f64::min);
        let high = s
            .data
            .iter()
            .chain(&s.fit)
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let residual_top = s.residual.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let offset = low - residual_top - 0.05 * (high - low).abs();
        let residual: Vec<f64> = s.residual.iter().map(|r| r + offset).collect();
        let chart = LineChart {
            title: &fit.label,
            x_label: "chemical shift (ppm)",
            y_label: "signal (a.u.)",
            series: vec![
                series("data", 0, &s.ppm, &s.data, false),
                series("fit", 1, &s.ppm, &s.fit, false),
                series("baseline", 2, &s.ppm, &s.baseline, true),
                series("residual (offset)", 3, &s.ppm, &residual, false),
            ],
            x_decreasing: true,
            x_range: None,
            y_range: None,
            size_px: (900.0, 380.0),
        };
        let _ = writeln!(html, "<figure>{}</figure>", svg::line_chart(&chart));
    }
}

fn series<'a>(name: &'a str, color: usize, x: &'a [f64], y: &'a [f64], dashed: bool) -> Series<'a> {
    Series {
        name,
        color: svg::PALETTE[color % svg::PALETTE.len()],
        x,
        y,
        dashed,
    }
}

fn errors_section(html: &mut String, input: &ReportInput) {
    if input.errors.is_none() && input.comparison.is_none() {
        return;
    }
    html.push_str("<h2>Quantification errors on the simulated test set</h2>\n");
    if let Some(figure) = &input.errors {
        let methods: Vec<&str> = figure.methods.iter().map(String::as_str).collect();
        let categories: Vec<BoxCategory<'_>> = figure
            .targets
            .iter()
            .enumerate()
            .map(|(t, target)| BoxCategory {
                label: target,
                boxes: figure
                    .percent_errors
                    .iter()
                    .map(|per_target| per_target.get(t).map_or(&[][..], Vec::as_slice))
                    .collect(),
            })
            .collect();
        let chart = svg::box_plot(
            "Absolute percent error per target",
            "absolute error (% of truth)",
            &methods,
            &categories,
            (1050.0, 420.0),
        );
        let _ = writeln!(html, "<figure>{chart}</figure>");
    }
    if let Some(comparison) = &input.comparison {
        let (a, b) = (
            svg::escape(&comparison.method_a),
            svg::escape(&comparison.method_b),
        );
        let _ = writeln!(
            html,
            "<p>Paired two-sided Wilcoxon signed-rank test per target on the absolute percent errors; P-values adjusted across targets ({:?}).</p>\n<table>\n<tr><th>target</th><th>n</th><th>MAPE {a} (%)</th><th>MAPE {b} (%)</th><th>median APE {a} (%)</th><th>median APE {b} (%)</th><th>P</th><th>adjusted P</th></tr>",
            comparison.correction
        );
        for row in &comparison.rows {
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td><td>{:.2e}</td><td>{:.2e}</td></tr>",
                svg::escape(&row.target),
                row.n,
                row.mape_a,
                row.mape_b,
                row.median_ape_a,
                row.median_ape_b,
                row.p_value,
                row.adjusted_p_value
            );
        }
        html.push_str("</table>\n");
    }
}

fn proportion_cell(proportion: Option<&mrs_stats::Proportion>) -> String {
    match proportion {
        Some(p) => format!(
            "{:.1} % ({}/{}; {:.1}-{:.1} %)",
            100.0 * p.estimate,
            p.successes,
            p.trials,
            100.0 * p.clopper_pearson.lower,
            100.0 * p.clopper_pearson.upper
        ),
        None => "undefined".to_string(),
    }
}

fn classification_section(html: &mut String, input: &ReportInput) {
    if input.classification.is_none() && input.probabilities.is_empty() {
        return;
    }
    html.push_str("<h2>Classification of HBV-LC-HCC</h2>\n");
    if let Some(score) = &input.classification {
        let report = &score.report;
        let summary = &report.at_threshold;
        let m = &summary.matrix;
        let _ = writeln!(
            html,
            "<p>Positive class HBV-LC-HCC, threshold {}; intervals are exact Clopper-Pearson at {:.0} %. {} labelled patients scored, {} unlabelled left out.</p>",
            report.threshold,
            100.0 * report.auc.ci_delong.level,
            score.patient_ids.len(),
            score.unlabelled_ids.len()
        );
        let _ = writeln!(
            html,
            "<table>\n<tr><th></th><th>HBV-LC-HCC</th><th>HBV-LC</th></tr>\n<tr><td>called HBV-LC-HCC</td><td>{}</td><td>{}</td></tr>\n<tr><td>called HBV-LC</td><td>{}</td><td>{}</td></tr>\n</table>",
            m.true_positives, m.false_positives, m.false_negatives, m.true_negatives
        );
        let _ = writeln!(
            html,
            "<table>\n<tr><td>sensitivity</td><td>{}</td></tr>\n<tr><td>specificity</td><td>{}</td></tr>\n<tr><td>accuracy</td><td>{}</td></tr>\n<tr><td>AUC (DeLong interval)</td><td>{:.3} ({:.3}-{:.3})</td></tr>\n</table>",
            proportion_cell(summary.sensitivity.as_ref()),
            proportion_cell(summary.specificity.as_ref()),
            proportion_cell(summary.accuracy.as_ref()),
            report.auc.auc,
            report.auc.ci_delong.lower,
            report.auc.ci_delong.upper
        );
        let fpr: Vec<f64> = report
            .roc
            .points
            .iter()
            .map(|p| p.false_positive_rate)
            .collect();
        let tpr: Vec<f64> = report
            .roc
            .points
            .iter()
            .map(|p| p.true_positive_rate)
            .collect();
        let diagonal = [0.0, 1.0];
        let title = format!("ROC curve, AUC {:.3}", report.auc.auc);
        let chart = LineChart {
            title: &title,
            x_label: "1 - specificity",
            y_label: "sensitivity",
            series: vec![
                series("classifier", 0, &fpr, &tpr, false),
                series("chance", 5, &diagonal, &diagonal, true),
            ],
            x_decreasing: false,
            x_range: Some((0.0, 1.0)),
            y_range: Some((0.0, 1.0)),
            size_px: (460.0, 420.0),
        };
        let _ = writeln!(html, "<figure>{}</figure>", svg::line_chart(&chart));
    }
    if !input.probabilities.is_empty() {
        let points: Vec<ErrorBarPoint<'_>> = input
            .probabilities
            .iter()
            .map(|p| ErrorBarPoint {
                label: &p.patient_id,
                value: p.probability,
                error: p.probability_sd,
                class: p.group.map_or("unknown", Group::name),
            })
            .collect();
        let chart = svg::error_bar_chart(
            "Probability of HBV-LC-HCC per patient (mean ± SD), by true group",
            "probability",
            &points,
            (0.0, 1.0),
            Some(0.5),
            (1000.0, 360.0),
        );
        let _ = writeln!(html, "<figure>{chart}</figure>");
    }
}
