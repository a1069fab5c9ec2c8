//! The study's diagnostic numbers: the cCNN classified 7/7 HBV-LC-HCC patients and 9/10 controls
//! correctly (sensitivity 100 %, specificity 90 %, accuracy 94.1 %).

use mrs_stats::{ConfusionMatrix, Proportion, DEFAULT_THRESHOLD};
use serde_json::Value;

use crate::{golden, nums, Comparison, RTOL};

fn study_case() -> &'static Value {
    golden()["classification"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|case| case["case"] == "study_17")
        .expect("study case in golden.json")
}

/// statsmodels' `proportion_confint(k, n, alpha=0.05, method="beta")` for `k/n`.
fn statsmodels_beta(k: u64, n: u64) -> Vec<f64> {
    let case = golden()["proportions"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["successes"] == k && c["trials"] == n && c["level"] == 0.95)
        .expect("proportion case in golden.json");
    nums(&case["clopper_pearson"])
}

#[test]
fn study_counts_reproduce_published_rates() {
    let case = study_case();
    let labels: Vec<bool> = case["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|v| v.as_bool().expect("bool"))
        .collect();
    let scores = nums(&case["scores"]);
    let matrix = ConfusionMatrix::from_scores(&labels, &scores, DEFAULT_THRESHOLD).unwrap();

    let sensitivity = matrix.sensitivity(0.95).unwrap();
    let specificity = matrix.specificity(0.95).unwrap();
    let accuracy = matrix.accuracy(0.95).unwrap();
    assert_eq!((sensitivity.successes, sensitivity.trials), (7, 7));
    assert_eq!((specificity.successes, specificity.trials), (9, 10));
    assert_eq!((accuracy.successes, accuracy.trials), (16, 17));
    assert_eq!(format!("{:.1}", 100.0 * sensitivity.estimate), "100.0");
    assert_eq!(format!("{:.1}", 100.0 * specificity.estimate), "90.0");
    assert_eq!(format!("{:.1}", 100.0 * accuracy.estimate), "94.1");

    let mut cmp = Comparison::new("study Clopper-Pearson vs statsmodels beta");
    for (name, proportion, k, n) in [
        ("sensitivity", &sensitivity, 7, 7),
        ("specificity", &specificity, 9, 10),
        ("accuracy", &accuracy, 16, 17),
    ] {
        let expected = statsmodels_beta(k, n);
        let ci = proportion.clopper_pearson;
        cmp.check(&format!("{name} lower"), ci.lower, expected[0], RTOL);
        cmp.check(&format!("{name} upper"), ci.upper, expected[1], RTOL);
        println!(
            "study {name} {k}/{n} = {:.1} % (95 % CI {:.1}-{:.1} %), statsmodels {:.12}-{:.12}",
            100.0 * proportion.estimate,
            100.0 * ci.lower,
            100.0 * ci.upper,
            expected[0],
            expected[1]
        );
    }
}

#[test]
fn study_intervals_have_known_values() {
    // Closed forms: for k = n the lower bound is (alpha/2)^(1/n); for k = 0 it is 0.
    let sensitivity = Proportion::new(7, 7, 0.95).unwrap();
    let expected_lower = 0.025_f64.powf(1.0 / 7.0);
    approx::assert_relative_eq!(
        sensitivity.clopper_pearson.lower,
        expected_lower,
        max_relative = 1e-13
    );
    approx::assert_relative_eq!(sensitivity.clopper_pearson.upper, 1.0);
    let none = Proportion::new(0, 10, 0.95).unwrap();
    approx::assert_relative_eq!(none.clopper_pearson.lower, 0.0);
    approx::assert_relative_eq!(
        none.clopper_pearson.upper,
        1.0 - 0.025_f64.powf(1.0 / 10.0),
        max_relative = 1e-13
    );
}
