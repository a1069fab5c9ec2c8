//! Outputs built from synthetic numbers: CSV layouts and a well-formed, self-contained HTML
//! report.

use mrs_fit::FitSpectra;
use mrs_stats::{ClassifierConfig, Correction, ErrorConfig, ZeroTruthPolicy};
use mrs_study::cohort::{Group, Role};
use mrs_study::report::{
    comparison_csv, patients_csv, render_html, write_report_html, ErrorFigure, ExampleFit,
    PatientQuantities, PatientRow, ReportInput, Uncertainty, VIRTUAL_COHORT_NOTE,
};
use mrs_study::scoring::{
    compare_methods, errors_per_target, score_classification, PatientProbability,
};

const TARGETS: [&str; 20] = [
    "Ala", "Asp", "Cho", "Cr", "PCr", "GABA", "Glc", "Gln", "Glu", "GPC", "PCh", "GSH", "Ins",
    "Lac", "Tau", "Lip09", "Lip13", "Lip16", "Lip21", "Lip23",
];

fn targets() -> Vec<String> {
    TARGETS.iter().map(|t| t.to_string()).collect()
}

/// Values indexed `[spectrum][target]`.
type Table = Vec<Vec<f64>>;

/// Truth and two methods' estimates for 30 spectra: method A errs by 2 %, 4 %, ... of the
/// truth alternately up and down, method B by twice as much, so A wins every target.
fn synthetic_estimates() -> (Table, Table, Table) {
    let n_spectra = 30;
    let mut truth = Vec::new();
    let mut a = Vec::new();
    let mut b = Vec::new();
    for s in 0..n_spectra {
        let sign = if s % 2 == 0 { 1.0 } else { -1.0 };
        let relative = 0.02 * (1 + s % 7) as f64 * sign;
        let row: Vec<f64> = (0..TARGETS.len())
            .map(|t| 1.0 + 0.1 * t as f64 + 0.01 * s as f64)
            .collect();
        a.push(row.iter().map(|v| v * (1.0 + relative)).collect());
        b.push(row.iter().map(|v| v * (1.0 + 2.0 * relative)).collect());
        truth.push(row);
    }
    (truth, a, b)
}

fn synthetic_probabilities() -> Vec<PatientProbability> {
    // Eight HCC and nine non-HCC patients; one of each is misclassified at 0.5.
    let mut patients = Vec::new();
    for i in 0..17 {
        let hcc = i < 8;
        let probability = match (hcc, i) {
            (true, 0) => 0.4,
            (true, _) => 0.6 + 0.04 * i as f64,
            (false, 8) => 0.55,
            (false, _) => 0.05 + 0.03 * (i - 8) as f64,
        };
        patients.push(PatientProbability {
            patient_id: format!("T{i:02}"),
            probability,
            probability_sd: 0.05,
            group: Some(if hcc { Group::HbvLcHcc } else { Group::HbvLc }),
        });
    }
    patients.push(PatientProbability {
        patient_id: "liver".to_string(),
        probability: 0.3,
        probability_sd: 0.1,
        group: None,
    });
    patients
}

fn synthetic_fit() -> FitSpectra {
    let ppm: Vec<f64> = (0..200).map(|i| 0.2 + 0.02 * i as f64).collect();
    let lorentzian = |x: f64, centre: f64| 1.0 / (1.0 + ((x - centre) / 0.05).powi(2));
    let fit: Vec<f64> = ppm
        .iter()
        .map(|&x| 10.0 * lorentzian(x, 1.3) + lorentzian(x, 3.2) + 0.2)
        .collect();
    let residual: Vec<f64> = (0..ppm.len())
        .map(|i| 0.05 * ((i * 7919) % 13) as f64 / 13.0 - 0.025)
        .collect();
    let data: Vec<f64> = fit.iter().zip(&residual).map(|(f, r)| f + r).collect();
    FitSpectra {
        baseline: vec![0.2; ppm.len()],
        components: Vec::new(),
        ppm,
        data,
        fit,
        residual,
    }
}

fn error_config() -> ErrorConfig {
    ErrorConfig {
        zero_truth: ZeroTruthPolicy::Exclude,
        bootstrap: mrs_stats::BootstrapConfig {
            n_resamples: 200,
            ..Default::default()
        },
    }
}

/// Checks that every tag is closed in order, treating `<!...>` as a declaration, and returns
/// the number of elements.
fn check_well_formed(html: &str) -> usize {
    let mut stack: Vec<String> = Vec::new();
    let mut elements = 0;
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').expect("unclosed tag") + start;
        let tag = &rest[start + 1..end];
        rest = &rest[end + 1..];
        if tag.starts_with('!') {
            continue;
        }
        if let Some(name) = tag.strip_prefix('/') {
            let open = stack.pop().expect("closing tag without opening tag");
            assert_eq!(open, name.trim(), "tag <{open}> closed by </{name}>");
        } else {
            elements += 1;
            if !tag.ends_with('/') {
                let name = tag.split_whitespace().next().expect("tag name");
                stack.push(name.to_string());
            }
        }
    }
    assert!(stack.is_empty(), "unclosed elements {stack:?}");
    elements
}

#[test]
fn method_comparison_favours_smaller_errors() {
    let (truth, a, b) = synthetic_estimates();
    let targets = targets();
    let errors_a = errors_per_target(&targets, &a, &truth, &error_config()).expect("errors A");
    let errors_b = errors_per_target(&targets, &b, &truth, &error_config()).expect("errors B");
    let comparison = compare_methods("qCNN", &errors_a, "NLLS", &errors_b, Correction::Holm)
        .expect("comparison");
    assert_eq!(comparison.rows.len(), 20);
    for row in &comparison.rows {
        assert_eq!(row.n, 30);
        assert!((row.mape_b - 2.0 * row.mape_a).abs() < 1e-9, "{row:?}");
        // All 30 differences favour A. Their absolute values repeat, so SciPy's automatic
        // method (followed by mrs-stats) uses the normal approximation: P is about 1.8e-6.
        assert!(row.p_value < 1e-5, "{row:?}");
        assert!(row.adjusted_p_value >= row.p_value);
    }
    let csv = comparison_csv(&comparison);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("target,n,mape_percent_qCNN,mape_percent_NLLS,median_ape_percent_qCNN,median_ape_percent_NLLS,p_wilcoxon,p_adjusted,correction")
    );
    let first: Vec<&str> = lines.next().expect("first row").split(',').collect();
    assert_eq!(first.len(), 9);
    assert_eq!(first[0], "Ala");
    assert_eq!(first[8], "Holm");
    assert_eq!(csv.lines().count(), 21);
}

#[test]
fn mismatched_methods_rejected() {
    let (truth, a, _) = synthetic_estimates();
    let targets = targets();
    let errors = errors_per_target(&targets, &a, &truth, &error_config()).expect("errors");
    let error = compare_methods("A", &errors, "B", &errors[1..], Correction::Holm)
        .expect_err("different target counts");
    assert!(
        matches!(error, mrs_study::StudyError::InvalidInput { .. }),
        "{error}"
    );
}

#[test]
fn classification_scores_labelled_patients() {
    let score = score_classification(&synthetic_probabilities(), &ClassifierConfig::default())
        .expect("score");
    assert_eq!(score.patient_ids.len(), 17);
    assert_eq!(score.unlabelled_ids, vec!["liver".to_string()]);
    let matrix = &score.report.at_threshold.matrix;
    assert_eq!(matrix.true_positives, 7);
    assert_eq!(matrix.false_negatives, 1);
    assert_eq!(matrix.true_negatives, 8);
    assert_eq!(matrix.false_positives, 1);
    let sensitivity = score
        .report
        .at_threshold
        .sensitivity
        .as_ref()
        .expect("sensitivity");
    assert!((sensitivity.estimate - 7.0 / 8.0).abs() < 1e-12);
    assert!(sensitivity.clopper_pearson.lower < sensitivity.estimate);
    // The misclassified pair (0.4 HCC, 0.55 non-HCC) is the only discordant pair: AUC = 1 - 1/72.
    assert!((score.report.auc.auc - (1.0 - 1.0 / 72.0)).abs() < 1e-12);
}

#[test]
fn patients_csv_has_method_columns() {
    let targets = targets();
    let rows = vec![
        PatientRow {
            patient_id: "P01".to_string(),
            group: Some(Group::HbvLc),
            role: Role::Prior,
            quantities: vec![PatientQuantities {
                method: "NLLS".to_string(),
                uncertainty: Uncertainty::Crlb,
                contents: vec![1.0; 20],
                uncertainties: vec![0.1; 20],
            }],
            probability: None,
        },
        PatientRow {
            patient_id: "P02".to_string(),
            group: None,
            role: Role::Test,
            quantities: vec![
                PatientQuantities {
                    method: "NLLS".to_string(),
                    uncertainty: Uncertainty::Crlb,
                    contents: vec![2.0; 20],
                    uncertainties: vec![0.2; 20],
                },
                PatientQuantities {
                    method: "qCNN".to_string(),
                    uncertainty: Uncertainty::Sd,
                    contents: vec![2.5; 20],
                    uncertainties: vec![0.3; 20],
                },
            ],
            probability: Some((0.7, 0.1)),
        },
    ];
    let csv = patients_csv(&targets, &rows).expect("csv");
    let lines: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(lines.len(), 3);
    let width = 3 + 2 * 2 * 20 + 2;
    assert!(
        lines.iter().all(|l| l.len() == width),
        "every row has {width} fields"
    );
    assert_eq!(lines[0][3], "NLLS_Ala");
    assert_eq!(lines[0][4], "NLLS_Ala_crlb");
    assert_eq!(lines[0][43], "qCNN_Ala");
    assert_eq!(lines[0][44], "qCNN_Ala_sd");
    assert_eq!(lines[1][1], "HBV-LC");
    assert_eq!(lines[1][43], "", "P01 has no qCNN values");
    assert_eq!(lines[2][1], "");
    assert_eq!(lines[2][width - 2], "0.7");

    let short = vec![PatientRow {
        quantities: vec![PatientQuantities {
            contents: vec![1.0; 19],
            ..rows[0].quantities[0].clone()
        }],
        ..rows[0].clone()
    }];
    let error = patients_csv(&targets, &short).expect_err("19 contents for 20 targets");
    assert!(
        matches!(error, mrs_study::StudyError::InvalidInput { .. }),
        "{error}"
    );
}

#[test]
fn html_report_is_self_contained() {
    let (truth, a, b) = synthetic_estimates();
    let targets = targets();
    let errors_a = errors_per_target(&targets, &a, &truth, &error_config()).expect("errors A");
    let errors_b = errors_per_target(&targets, &b, &truth, &error_config()).expect("errors B");
    let comparison = compare_methods("qCNN", &errors_a, "NLLS", &errors_b, Correction::Holm)
        .expect("comparison");
    let probabilities = synthetic_probabilities();
    let input = ReportInput {
        title: "Liver study <virtual> & test".to_string(),
        summary: vec![("spectra".to_string(), "30".to_string())],
        example_fits: vec![ExampleFit {
            label: "P01".to_string(),
            spectra: synthetic_fit(),
        }],
        errors: Some(
            ErrorFigure::from_errors(&[("qCNN", &errors_a), ("NLLS", &errors_b)]).expect("figure"),
        ),
        comparison: Some(comparison),
        classification: Some(
            score_classification(&probabilities, &ClassifierConfig::default()).expect("score"),
        ),
        probabilities,
        cohort_note: VIRTUAL_COHORT_NOTE.to_string(),
    };
    let html = render_html(&input);
    let elements = check_well_formed(&html);
    assert!(elements > 100, "{elements} elements");
    // Four figures: one fit, the box plots, the ROC curve, the probabilities.
    assert_eq!(html.matches("<svg").count(), 4);
    assert_eq!(html.matches("</svg>").count(), 4);
    for target in TARGETS {
        assert!(html.contains(&format!(">{target}<")), "{target} missing");
    }
    assert!(!html.contains("http"), "the report must not link anything");
    assert!(!html.contains("src="), "the report must not load anything");
    assert!(html.contains("Liver study &lt;virtual&gt; &amp; test"));
    assert!(html.contains("AUC"));
    assert!(html.contains("cannot show"));

    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("report.html");
    write_report_html(&path, &input).expect("write");
    assert_eq!(std::fs::read_to_string(&path).expect("read back"), html);
}
