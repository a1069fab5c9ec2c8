//! Comparison with SciPy, statsmodels and scikit-learn through `tests/data/golden.json`, written
//! by `tests/data/make_golden.py` (tool versions in its `generator` entry).

use mrs_stats::special;
use mrs_stats::{
    adjust_p_values, bland_altman, errors_against_truth, evaluate_classifier, lins_ccc,
    paired_t_test, pearson, quantile, roc_auc, roc_curve, spearman, wilcoxon_signed_rank,
    Alternative, AucConfig, BlandAltmanConfig, ClassifierConfig, ConfidenceInterval,
    ConfusionMatrix, Correction, ErrorConfig, Proportion, WilcoxonConfig, WilcoxonMethod,
    WilcoxonMethodUsed, ZeroMethod, ZeroTruthPolicy,
};
use serde_json::Value;

use crate::{golden, num, nums, Comparison, RTOL};

fn alternative(name: &str) -> Alternative {
    match name {
        "two-sided" => Alternative::TwoSided,
        "less" => Alternative::Less,
        "greater" => Alternative::Greater,
        other => panic!("unknown alternative {other}"),
    }
}

fn paired_input(case: &str) -> (Vec<f64>, Vec<f64>) {
    let input = &golden()["paired_inputs"][case];
    (nums(&input["x"]), nums(&input["y"]))
}

fn check_interval(cmp: &mut Comparison, label: &str, ci: &ConfidenceInterval, expected: &Value) {
    let bounds = nums(expected);
    cmp.check(&format!("{label} lower"), ci.lower, bounds[0], RTOL);
    cmp.check(&format!("{label} upper"), ci.upper, bounds[1], RTOL);
}

#[test]
fn special_functions_match_scipy() {
    let table = &golden()["special"];
    let mut cmp = Comparison::new("special");
    let rows = |name: &str| table[name].as_array().expect("table").clone();
    for row in rows("ndtr") {
        let r = nums(&row);
        cmp.check(
            &format!("ndtr({})", r[0]),
            special::normal_cdf(r[0]),
            r[1],
            RTOL,
        );
    }
    for row in rows("ndtri") {
        let r = nums(&row);
        cmp.check(
            &format!("ndtri({})", r[0]),
            special::normal_quantile(r[0]),
            r[1],
            RTOL,
        );
    }
    for row in rows("erfc") {
        let r = nums(&row);
        cmp.check(&format!("erfc({})", r[0]), special::erfc(r[0]), r[1], RTOL);
    }
    for row in rows("stdtr") {
        let r = nums(&row);
        let label = format!("stdtr({}, {})", r[0], r[1]);
        cmp.check(&label, special::student_t_cdf(r[1], r[0]), r[2], RTOL);
    }
    for row in rows("stdtrit") {
        let r = nums(&row);
        let label = format!("stdtrit({}, {})", r[0], r[1]);
        cmp.check(&label, special::student_t_quantile(r[1], r[0]), r[2], RTOL);
    }
    for row in rows("betainc") {
        let r = nums(&row);
        let label = format!("betainc({}, {}, {})", r[0], r[1], r[2]);
        cmp.check(&label, special::beta_inc(r[0], r[1], r[2]), r[3], RTOL);
    }
    for row in rows("betaincinv") {
        let r = nums(&row);
        let label = format!("betaincinv({}, {}, {})", r[0], r[1], r[2]);
        cmp.check(&label, special::beta_inc_inv(r[0], r[1], r[2]), r[3], RTOL);
    }
    for row in rows("gammaln") {
        let r = nums(&row);
        cmp.check(
            &format!("gammaln({})", r[0]),
            special::ln_gamma(r[0]),
            r[1],
            RTOL,
        );
    }
}

#[test]
fn quantile_matches_numpy() {
    let mut cmp = Comparison::new("quantile");
    for case in golden()["quantile"].as_array().expect("cases") {
        let values = nums(&case["values"]);
        for (q, expected) in nums(&case["q"]).into_iter().zip(nums(&case["expected"])) {
            let actual = quantile(&values, q).expect("valid quantile");
            cmp.check(&format!("q = {q}"), actual, expected, RTOL);
        }
    }
}

#[test]
fn wilcoxon_matches_scipy() {
    let mut cmp = Comparison::new("wilcoxon (statistic, P, z)");
    let mut methods_seen = [0_usize; 3];
    for case in golden()["wilcoxon"].as_array().expect("cases") {
        let name = case["case"].as_str().expect("name");
        let (x, y) = paired_input(name);
        let config = WilcoxonConfig {
            zero_method: match case["zero_method"].as_str() {
                Some("wilcox") => ZeroMethod::Wilcox,
                Some("pratt") => ZeroMethod::Pratt,
                Some("zsplit") => ZeroMethod::Zsplit,
                other => panic!("unknown zero method {other:?}"),
            },
            alternative: alternative(case["alternative"].as_str().expect("alternative")),
            method: match case["method"].as_str() {
                Some("auto") => WilcoxonMethod::Auto,
                Some("exact") => WilcoxonMethod::Exact,
                Some("asymptotic") => WilcoxonMethod::Asymptotic,
                other => panic!("unknown method {other:?}"),
            },
            continuity_correction: case["correction"].as_bool().expect("correction"),
        };
        let label = format!("{name} {config:?}");
        let result = wilcoxon_signed_rank(&x, &y, &config).expect("valid test");
        let expected_method = match case["method_used"].as_str() {
            Some("exact") => WilcoxonMethodUsed::Exact,
            Some("exact_conditional") => WilcoxonMethodUsed::ExactConditional,
            Some("asymptotic") => WilcoxonMethodUsed::Asymptotic,
            other => panic!("unknown method {other:?}"),
        };
        assert_eq!(result.method, expected_method, "{label}");
        methods_seen[expected_method as usize] += 1;
        cmp.check(&label, result.statistic, num(&case["statistic"]), RTOL);
        cmp.check(&label, result.p_value, num(&case["p_value"]), RTOL);
        if let Some(z) = case["z_statistic"].as_f64() {
            // SciPy reports -|z| for two-sided tests; ours keeps the sign.
            let ours = result.z_statistic.expect("asymptotic z");
            let ours = if config.alternative == Alternative::TwoSided {
                -ours.abs()
            } else {
                ours
            };
            cmp.check(&label, ours, z, RTOL);
        }
    }
    assert!(
        methods_seen.iter().all(|&n| n > 0),
        "cases per method: {methods_seen:?}"
    );
}

#[test]
fn paired_t_test_matches_scipy() {
    let mut cmp = Comparison::new("ttest_rel");
    for case in golden()["ttest_rel"].as_array().expect("cases") {
        let name = case["case"].as_str().expect("name");
        let (x, y) = paired_input(name);
        let alt = alternative(case["alternative"].as_str().expect("alternative"));
        let level = num(&case["level"]);
        let result = paired_t_test(&x, &y, alt, level).expect("valid test");
        let label = format!("{name} {alt:?} {level}");
        cmp.check(&label, result.statistic, num(&case["statistic"]), RTOL);
        cmp.check(&label, result.df, num(&case["df"]), RTOL);
        cmp.check(&label, result.p_value, num(&case["p_value"]), RTOL);
        check_interval(&mut cmp, &label, &result.ci, &case["ci"]);
    }
}

#[test]
fn multiple_comparisons_match_statsmodels() {
    let mut cmp = Comparison::new("multipletests");
    for case in golden()["multipletests"].as_array().expect("cases") {
        let p = nums(&case["p_values"]);
        let method = case["method"].as_str().expect("method");
        let correction = match method {
            "bonferroni" => Correction::Bonferroni,
            "holm" => Correction::Holm,
            "fdr_bh" => Correction::BenjaminiHochberg,
            other => panic!("unknown method {other}"),
        };
        let adjusted = adjust_p_values(&p, correction).expect("valid P-values");
        for (i, (a, e)) in adjusted.iter().zip(nums(&case["adjusted"])).enumerate() {
            cmp.check(&format!("{} {method} [{i}]", case["case"]), *a, e, RTOL);
        }
    }
}

#[test]
fn truth_errors_match_numpy() {
    let mut cmp = Comparison::new("errors against truth");
    for case in golden()["truth_errors"].as_array().expect("cases") {
        let name = case["case"].as_str().expect("name");
        let config = ErrorConfig {
            zero_truth: ZeroTruthPolicy::Exclude,
            ..ErrorConfig::default()
        };
        let report =
            errors_against_truth(&nums(&case["estimates"]), &nums(&case["truth"]), &config)
                .expect("valid input");
        for (a, e) in report
            .signed_errors
            .iter()
            .zip(nums(&case["signed_errors"]))
        {
            cmp.check(name, *a, e, RTOL);
        }
        let expected_ape = case["absolute_percent_errors"].as_array().expect("APE");
        for (a, e) in report.absolute_percent_errors.iter().zip(expected_ape) {
            match (a, e.as_f64()) {
                (Some(a), Some(e)) => cmp.check(name, *a, e, RTOL),
                (None, None) => {}
                other => panic!("{name}: excluded cases differ: {other:?}"),
            }
        }
        let excluded = case["n_zero_truth_excluded"].as_u64().expect("count");
        assert_eq!(report.n_zero_truth_excluded as u64, excluded, "{name}");
        cmp.check(name, report.bias, num(&case["bias"]), RTOL);
        cmp.check(
            name,
            report.sd_error.expect("n > 1"),
            num(&case["sd_error"]),
            RTOL,
        );
        cmp.check(name, report.rmse, num(&case["rmse"]), RTOL);
        let ae = &report.absolute_error;
        cmp.check(name, ae.mean, num(&case["mean_absolute_error"]), RTOL);
        cmp.check(name, ae.median, num(&case["median_absolute_error"]), RTOL);
        let ape = report
            .absolute_percent_error
            .expect("some truth is nonzero");
        cmp.check(
            name,
            ape.mean,
            num(&case["mean_absolute_percent_error"]),
            RTOL,
        );
        cmp.check(
            name,
            ape.median,
            num(&case["median_absolute_percent_error"]),
            RTOL,
        );
    }
}

fn check_proportion(cmp: &mut Comparison, label: &str, actual: &Proportion, expected: &Value) {
    assert_eq!(
        actual.successes,
        expected["successes"].as_u64().expect("k"),
        "{label}"
    );
    assert_eq!(
        actual.trials,
        expected["trials"].as_u64().expect("n"),
        "{label}"
    );
    check_interval(
        cmp,
        label,
        &actual.clopper_pearson,
        &expected["clopper_pearson"],
    );
    check_interval(cmp, label, &actual.wilson, &expected["wilson"]);
}

#[test]
fn proportion_intervals_match_statsmodels() {
    let mut cmp = Comparison::new("proportion_confint beta/wilson");
    for case in golden()["proportions"].as_array().expect("cases") {
        let k = case["successes"].as_u64().expect("k");
        let n = case["trials"].as_u64().expect("n");
        let level = num(&case["level"]);
        let proportion = Proportion::new(k, n, level).expect("valid counts");
        check_proportion(&mut cmp, &format!("{k}/{n} at {level}"), &proportion, case);
    }
}

fn labels_and_scores(case: &Value) -> (Vec<bool>, Vec<f64>) {
    let labels = case["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|v| v.as_bool().expect("bool label"))
        .collect();
    (labels, nums(&case["scores"]))
}

#[test]
fn confusion_matrix_matches_sklearn_and_statsmodels() {
    let mut cmp = Comparison::new("confusion matrix proportions");
    for case in golden()["classification"].as_array().expect("cases") {
        let name = case["case"].as_str().expect("name");
        let (labels, scores) = labels_and_scores(case);
        let matrix = ConfusionMatrix::from_scores(&labels, &scores, num(&case["threshold"]))
            .expect("valid input");
        let counts = &case["confusion"];
        assert_eq!(
            matrix.true_positives,
            counts["tp"].as_u64().expect("tp"),
            "{name}"
        );
        assert_eq!(
            matrix.false_positives,
            counts["fp"].as_u64().expect("fp"),
            "{name}"
        );
        assert_eq!(
            matrix.true_negatives,
            counts["tn"].as_u64().expect("tn"),
            "{name}"
        );
        assert_eq!(
            matrix.false_negatives,
            counts["fn"].as_u64().expect("fn"),
            "{name}"
        );
        let summary = matrix.summary(0.95).expect("valid level");
        let expected = &case["proportions_95"];
        let pairs = [
            ("sensitivity", &summary.sensitivity),
            ("specificity", &summary.specificity),
            ("accuracy", &summary.accuracy),
            ("ppv", &summary.ppv),
            ("npv", &summary.npv),
        ];
        for (key, actual) in pairs {
            let actual = actual.as_ref().expect("defined proportion");
            check_proportion(&mut cmp, &format!("{name} {key}"), actual, &expected[key]);
        }
    }
}

#[test]
fn roc_curve_matches_sklearn() {
    let mut cmp = Comparison::new("roc_curve, roc_auc_score, DeLong, Youden");
    for case in golden()["classification"].as_array().expect("cases") {
        let name = case["case"].as_str().expect("name");
        let (labels, scores) = labels_and_scores(case);
        let curve = roc_curve(&labels, &scores).expect("valid input");
        let roc = &case["roc"];
        let thresholds = roc["thresholds"].as_array().expect("thresholds");
        assert_eq!(
            curve.points.len(),
            thresholds.len(),
            "{name}: number of ROC points"
        );
        for ((point, threshold), (fpr, tpr)) in curve
            .points
            .iter()
            .zip(thresholds)
            .zip(nums(&roc["fpr"]).into_iter().zip(nums(&roc["tpr"])))
        {
            match (point.threshold, threshold.as_f64()) {
                (Some(a), Some(e)) => cmp.check(name, a, e, RTOL),
                (None, None) => {}
                other => panic!("{name}: thresholds differ: {other:?}"),
            }
            cmp.check(name, point.false_positive_rate, fpr, RTOL);
            cmp.check(name, point.true_positive_rate, tpr, RTOL);
        }
        let auc_sklearn = num(&case["auc_sklearn"]);
        cmp.check(
            &format!("{name} trapezoid AUC"),
            curve.auc(),
            auc_sklearn,
            RTOL,
        );

        let result = roc_auc(&labels, &scores, &AucConfig::default()).expect("valid input");
        let delong = &case["delong"];
        cmp.check(
            &format!("{name} midrank AUC"),
            result.auc,
            auc_sklearn,
            RTOL,
        );
        cmp.check(
            &format!("{name} DeLong se"),
            result.se_delong,
            num(&delong["se"]),
            RTOL,
        );
        check_interval(&mut cmp, name, &result.ci_delong, &delong["ci_95"]);

        let youden = curve.youden_optimal();
        let expected = &case["youden"];
        cmp.check(name, youden.threshold, num(&expected["threshold"]), RTOL);
        cmp.check(
            name,
            youden.youden_index,
            num(&expected["youden_index"]),
            RTOL,
        );
        cmp.check(
            name,
            youden.sensitivity,
            num(&expected["sensitivity"]),
            RTOL,
        );
        cmp.check(
            name,
            youden.specificity,
            num(&expected["specificity"]),
            RTOL,
        );
    }
}

#[test]
fn agreement_matches_scipy() {
    let mut cmp = Comparison::new("Bland-Altman, Pearson, Spearman, Lin's CCC");
    for case in golden()["agreement"].as_array().expect("cases") {
        let name = case["case"].as_str().expect("name");
        let (a, b) = paired_input(name);

        let ba = bland_altman(&a, &b, &BlandAltmanConfig::default()).expect("valid input");
        let expected = &case["bland_altman"];
        cmp.check(name, ba.bias, num(&expected["bias"]), RTOL);
        cmp.check(name, ba.sd_difference, num(&expected["sd"]), RTOL);
        cmp.check(name, ba.lower_limit, num(&expected["lower_limit"]), RTOL);
        cmp.check(name, ba.upper_limit, num(&expected["upper_limit"]), RTOL);
        let intervals = [
            (&ba.bias_ci, "bias_ci"),
            (&ba.lower_limit_ci, "lower_limit_ci"),
            (&ba.upper_limit_ci, "upper_limit_ci"),
        ];
        for (ci, key) in intervals {
            let ci = ci.as_ref().expect("requested interval");
            check_interval(&mut cmp, &format!("{name} {key}"), ci, &expected[key]);
        }

        for key in ["two-sided", "less", "greater"] {
            let alt = alternative(key);
            let p = pearson(&a, &b, alt, 0.95).expect("valid input");
            let expected = &case["pearson"][key];
            cmp.check(
                &format!("{name} pearson r"),
                p.coefficient,
                num(&expected["r"]),
                RTOL,
            );
            cmp.check(
                &format!("{name} pearson {key}"),
                p.p_value,
                num(&expected["p_value"]),
                RTOL,
            );
            let s = spearman(&a, &b, alt, 0.95).expect("valid input");
            let expected = &case["spearman"][key];
            cmp.check(
                &format!("{name} rho"),
                s.coefficient,
                num(&expected["rho"]),
                RTOL,
            );
            cmp.check(
                &format!("{name} rho {key}"),
                s.p_value,
                num(&expected["p_value"]),
                RTOL,
            );
        }
        let p = pearson(&a, &b, Alternative::TwoSided, 0.95).expect("valid input");
        let ci = p.ci.expect("n >= 4");
        check_interval(
            &mut cmp,
            &format!("{name} pearson CI"),
            &ci,
            &case["pearson_ci_95"],
        );
        let s = spearman(&a, &b, Alternative::TwoSided, 0.95).expect("valid input");
        let ci = s.ci.expect("n >= 4");
        check_interval(
            &mut cmp,
            &format!("{name} spearman CI"),
            &ci,
            &case["spearman_ci_95"],
        );

        let ccc = lins_ccc(&a, &b, 0.95).expect("valid input");
        let expected = &case["lins_ccc"];
        let label = format!("{name} Lin's CCC");
        cmp.check(&label, ccc.coefficient, num(&expected["coefficient"]), RTOL);
        cmp.check(&label, ccc.pearson_r, num(&expected["pearson_r"]), RTOL);
        let ci = ccc.ci.expect("defined interval");
        check_interval(&mut cmp, &label, &ci, &expected["ci_95"]);
    }
}

#[test]
fn classifier_report_keeps_thresholds_apart() {
    let mut cmp = Comparison::new("classifier report");
    for case in golden()["classification"].as_array().expect("cases") {
        let name = case["case"].as_str().expect("name");
        let (labels, scores) = labels_and_scores(case);
        let report = evaluate_classifier(&labels, &scores, &ClassifierConfig::default())
            .expect("valid input");

        // The main results stay at the fixed threshold of 0.5.
        cmp.check(name, report.threshold, 0.5, RTOL);
        let matrix = report.at_threshold.matrix;
        assert_eq!(
            matrix.true_positives,
            case["confusion"]["tp"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            matrix.true_negatives,
            case["confusion"]["tn"].as_u64().unwrap(),
            "{name}"
        );

        // The Youden threshold and its proportions are reported beside them.
        let youden = &case["youden"];
        cmp.check(
            name,
            report.youden.threshold,
            num(&youden["threshold"]),
            RTOL,
        );
        let sensitivity = report.at_youden.sensitivity.expect("positives present");
        let specificity = report.at_youden.specificity.expect("negatives present");
        cmp.check(
            name,
            sensitivity.estimate,
            num(&youden["sensitivity"]),
            RTOL,
        );
        cmp.check(
            name,
            specificity.estimate,
            num(&youden["specificity"]),
            RTOL,
        );
        cmp.check(name, report.auc.auc, num(&case["auc_sklearn"]), RTOL);
    }
}
