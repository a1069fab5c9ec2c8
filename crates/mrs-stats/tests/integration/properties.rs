//! Properties that hold without a reference tool: seeded reproducibility, symmetries, and
//! agreement between methods that estimate the same quantity.

use mrs_stats::{
    adjust_p_values, bootstrap_ci, compare_targets, errors_against_truth, evaluate_classifier,
    lins_ccc, pearson, roc_auc, wilcoxon_signed_rank, Alternative, AucConfig, BootstrapConfig,
    ClassifierConfig, ClassifierReport, Correction, ErrorConfig, ErrorReport, Location,
    TargetPairs, WilcoxonConfig, WilcoxonMethod, WilcoxonMethodUsed,
};

use crate::{golden, nums};

fn sample() -> Vec<f64> {
    nums(&golden()["paired_inputs"]["n20"]["x"])
}

#[test]
fn bootstrap_same_seed_same_interval() {
    let config = BootstrapConfig {
        seed: 7,
        ..BootstrapConfig::default()
    };
    for statistic in [Location::Mean, Location::Median] {
        let first = bootstrap_ci(&sample(), statistic, &config).unwrap();
        let second = bootstrap_ci(&sample(), statistic, &config).unwrap();
        assert_eq!(first, second, "{statistic:?}");
    }
    // The median's replicates take few distinct values, so only the mean's bounds are sure to
    // move with the seed.
    let other = BootstrapConfig { seed: 8, ..config };
    let first = bootstrap_ci(&sample(), Location::Mean, &config).unwrap();
    let third = bootstrap_ci(&sample(), Location::Mean, &other).unwrap();
    assert_ne!(first, third, "another seed should move the interval");
}

#[test]
fn bootstrap_mean_interval_near_normal_theory() {
    // For n = 20 roughly normal values the percentile interval of the mean is close to
    // mean +- 1.96 sd / sqrt(n); 10 000 resamples put the Monte Carlo error of each bound near
    // 1 % of the half-width, and the bootstrap's n (not n - 1) variance shrinks it by 2.5 %.
    let values = sample();
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let half_width = 1.959_964 * sd / n.sqrt();
    let ci = bootstrap_ci(&values, Location::Mean, &BootstrapConfig::default()).unwrap();
    assert!(ci.lower < mean, "{ci:?}");
    assert!(mean < ci.upper, "{ci:?}");
    assert!(
        (ci.lower - (mean - half_width)).abs() < 0.1 * half_width,
        "{ci:?}"
    );
    assert!(
        (ci.upper - (mean + half_width)).abs() < 0.1 * half_width,
        "{ci:?}"
    );
}

#[test]
fn truth_report_serialises_and_reproduces() {
    let case = &golden()["truth_errors"][1];
    let estimates = nums(&case["estimates"]);
    let truth = nums(&case["truth"]);
    let report = errors_against_truth(&estimates, &truth, &ErrorConfig::default()).unwrap();
    let again = errors_against_truth(&estimates, &truth, &ErrorConfig::default()).unwrap();
    assert_eq!(report, again);
    let json = serde_json::to_string(&report).unwrap();
    let parsed: ErrorReport = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed, report);
    let ape = report.absolute_percent_error.unwrap();
    assert!(ape.mean_ci.lower <= ape.mean);
    assert!(ape.mean <= ape.mean_ci.upper);
    assert!(report.bias_ci.lower <= report.bias);
    assert!(report.bias <= report.bias_ci.upper);
}

#[test]
fn wilcoxon_swap_mirrors_alternatives() {
    let input = &golden()["paired_inputs"]["ties_zeros_20"];
    let (x, y) = (nums(&input["x"]), nums(&input["y"]));
    let with = |alternative| WilcoxonConfig {
        alternative,
        ..WilcoxonConfig::default()
    };
    let less = wilcoxon_signed_rank(&x, &y, &with(Alternative::Less)).unwrap();
    let greater = wilcoxon_signed_rank(&y, &x, &with(Alternative::Greater)).unwrap();
    approx::assert_relative_eq!(less.p_value, greater.p_value, max_relative = 1e-14);
}

#[test]
fn exact_conditional_equals_exact_without_ties() {
    let input = &golden()["paired_inputs"]["n20"];
    let (x, y) = (nums(&input["x"]), nums(&input["y"]));
    for alternative in [
        Alternative::TwoSided,
        Alternative::Less,
        Alternative::Greater,
    ] {
        let config = |method| WilcoxonConfig {
            method,
            alternative,
            ..WilcoxonConfig::default()
        };
        let exact = wilcoxon_signed_rank(&x, &y, &config(WilcoxonMethod::Exact)).unwrap();
        let conditional =
            wilcoxon_signed_rank(&x, &y, &config(WilcoxonMethod::ExactConditional)).unwrap();
        assert_eq!(exact.method, WilcoxonMethodUsed::Exact);
        approx::assert_relative_eq!(exact.p_value, conditional.p_value, max_relative = 1e-14);
    }
}

#[test]
fn holm_between_bh_and_bonferroni() {
    let p = [0.01, 0.04, 0.03, 0.005, 0.2];
    let bonferroni = adjust_p_values(&p, Correction::Bonferroni).unwrap();
    let holm = adjust_p_values(&p, Correction::Holm).unwrap();
    let bh = adjust_p_values(&p, Correction::BenjaminiHochberg).unwrap();
    for i in 0..p.len() {
        assert!(bh[i] <= holm[i], "index {i}");
        assert!(holm[i] <= bonferroni[i], "index {i}");
        assert!(p[i] <= bh[i]);
    }
}

#[test]
fn bootstrap_auc_near_delong() {
    // n = 500: the bootstrap and DeLong intervals estimate the same sampling spread. With seed
    // 3 their bounds differ by 0.0012 and 0.0009. The limit 0.005 (a quarter of the standard
    // error, 0.018) allows for the Monte Carlo error of a 2.5 % quantile of 2000 resamples and
    // for the skew that the Wald interval ignores.
    let case = golden()["classification"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case"] == "n500")
        .unwrap();
    let labels: Vec<bool> = case["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_bool().unwrap())
        .collect();
    let scores = nums(&case["scores"]);

    let config = AucConfig {
        bootstrap: Some(BootstrapConfig {
            n_resamples: 2000,
            seed: 3,
            ..BootstrapConfig::default()
        }),
        ..AucConfig::default()
    };
    let result = roc_auc(&labels, &scores, &config).unwrap();
    let again = roc_auc(&labels, &scores, &config).unwrap();
    assert_eq!(result, again);

    let bootstrap = result.ci_bootstrap.unwrap();
    println!(
        "AUC {:.4}: DeLong {:.4}-{:.4}, bootstrap {:.4}-{:.4}",
        result.auc,
        result.ci_delong.lower,
        result.ci_delong.upper,
        bootstrap.lower,
        bootstrap.upper
    );
    assert!(
        (bootstrap.lower - result.ci_delong.lower).abs() < 0.005,
        "{result:?}"
    );
    assert!(
        (bootstrap.upper - result.ci_delong.upper).abs() < 0.005,
        "{result:?}"
    );
}

#[test]
fn compare_targets_adjusts_each_test() {
    let inputs = ["n5", "n20", "ties_zeros_20", "n500"].map(|name| {
        let input = &golden()["paired_inputs"][name];
        (name, nums(&input["x"]), nums(&input["y"]))
    });
    let targets: Vec<TargetPairs<'_>> = inputs
        .iter()
        .map(|(name, x, y)| TargetPairs { name, x, y })
        .collect();
    let config = WilcoxonConfig::default();
    let report = compare_targets(&targets, &config, Correction::Holm).unwrap();
    let raw: Vec<f64> = inputs
        .iter()
        .map(|(_, x, y)| wilcoxon_signed_rank(x, y, &config).unwrap().p_value)
        .collect();
    let adjusted = adjust_p_values(&raw, Correction::Holm).unwrap();
    assert_eq!(report.targets.len(), 4);
    for (i, target) in report.targets.iter().enumerate() {
        assert_eq!(target.name, inputs[i].0);
        // The same computation on the same input, so the values are bit-identical.
        let p = target.wilcoxon.p_value;
        assert_eq!(p.to_bits(), raw[i].to_bits(), "{}", target.name);
        let adjusted_p = target.adjusted_p_value;
        assert_eq!(
            adjusted_p.to_bits(),
            adjusted[i].to_bits(),
            "{}",
            target.name
        );
    }
}

#[test]
fn classifier_report_round_trips_json() {
    let case = &golden()["classification"][1];
    let labels: Vec<bool> = case["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_bool().unwrap())
        .collect();
    let scores = nums(&case["scores"]);
    let report = evaluate_classifier(&labels, &scores, &ClassifierConfig::default()).unwrap();
    let json = serde_json::to_string(&report).unwrap();
    let parsed: ClassifierReport = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed, report);
    // The ROC origin has no threshold and is written as null, not as a non-JSON infinity.
    assert!(json.contains("\"threshold\":null"));
}

#[test]
fn perfect_correlation_has_tiny_p() {
    let x = [1.0, 2.0, 3.0, 4.0, 5.0];
    let y = [2.0, 4.0, 6.0, 8.0, 10.0];
    let r = pearson(&x, &y, Alternative::TwoSided, 0.95).unwrap();
    // r comes out one rounding step below 1, so the P-value is tiny rather than exactly 0.
    approx::assert_relative_eq!(r.coefficient, 1.0, max_relative = 1e-15);
    assert!(r.p_value < 1e-15, "{r:?}");
    let ci = r.ci.unwrap();
    approx::assert_relative_eq!(ci.lower, 1.0, max_relative = 1e-6);
    approx::assert_relative_eq!(ci.upper, 1.0, max_relative = 1e-15);
    let ccc = lins_ccc(&x, &x, 0.95).unwrap();
    approx::assert_relative_eq!(ccc.coefficient, 1.0);
    assert!(ccc.ci.is_none(), "the variance is undefined at |rho_c| = 1");
}
