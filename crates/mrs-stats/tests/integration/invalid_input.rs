//! Invalid input gives a typed error, never a panic or a NaN result.

use mrs_stats::{
    adjust_p_values, bland_altman, bootstrap_ci, clopper_pearson, compare_targets,
    errors_against_truth, lins_ccc, paired_t_test, pearson, quantile, roc_auc, roc_curve, spearman,
    wilcoxon_signed_rank, Alternative, AucConfig, BlandAltmanConfig, BootstrapConfig,
    ConfusionMatrix, Correction, ErrorConfig, Location, StatsError, TargetPairs, WilcoxonConfig,
    WilcoxonMethod, ZeroMethod, MAX_EXACT_PAIRS, MAX_RESAMPLES,
};

const X: [f64; 5] = [1.0, 2.0, 3.0, 4.0, 5.5];
const Y: [f64; 5] = [1.5, 1.0, 3.5, 2.0, 4.0];

/// A paired function under test, with its result reduced to success or the error.
type PairedFunction = Box<dyn Fn(&[f64], &[f64]) -> Result<(), StatsError>>;

/// Every paired function, called on `(x, y)`.
fn paired_functions() -> Vec<(&'static str, PairedFunction)> {
    vec![
        (
            "errors_against_truth",
            Box::new(|x, y| errors_against_truth(x, y, &ErrorConfig::default()).map(drop)),
        ),
        (
            "wilcoxon_signed_rank",
            Box::new(|x, y| wilcoxon_signed_rank(x, y, &WilcoxonConfig::default()).map(drop)),
        ),
        (
            "paired_t_test",
            Box::new(|x, y| paired_t_test(x, y, Alternative::TwoSided, 0.95).map(drop)),
        ),
        (
            "bland_altman",
            Box::new(|x, y| bland_altman(x, y, &BlandAltmanConfig::default()).map(drop)),
        ),
        (
            "pearson",
            Box::new(|x, y| pearson(x, y, Alternative::TwoSided, 0.95).map(drop)),
        ),
        (
            "spearman",
            Box::new(|x, y| spearman(x, y, Alternative::TwoSided, 0.95).map(drop)),
        ),
        ("lins_ccc", Box::new(|x, y| lins_ccc(x, y, 0.95).map(drop))),
    ]
}

#[test]
fn paired_functions_accept_valid_input() {
    for (name, function) in paired_functions() {
        assert!(function(&X, &Y).is_ok(), "{name}");
    }
}

#[test]
fn empty_samples_rejected() {
    for (name, function) in paired_functions() {
        let error = function(&[], &[]).unwrap_err();
        assert!(
            matches!(error, StatsError::Empty { what: _ }),
            "{name}: {error:?}"
        );
    }
    assert!(matches!(quantile(&[], 0.5), Err(StatsError::Empty { .. })));
    let config = BootstrapConfig::default();
    assert!(matches!(
        bootstrap_ci(&[], Location::Mean, &config),
        Err(StatsError::Empty { .. })
    ));
    assert!(matches!(
        adjust_p_values(&[], Correction::Holm),
        Err(StatsError::Empty { .. })
    ));
    assert!(matches!(
        ConfusionMatrix::from_scores(&[], &[], 0.5),
        Err(StatsError::Empty { what: "truth" })
    ));
    assert!(matches!(roc_curve(&[], &[]), Err(StatsError::Empty { .. })));
}

#[test]
fn unequal_lengths_rejected() {
    for (name, function) in paired_functions() {
        let error = function(&X, &Y[..4]).unwrap_err();
        assert_eq!(
            error,
            StatsError::LengthMismatch {
                what: match name {
                    "errors_against_truth" => "truth",
                    "bland_altman" => "b",
                    _ => "y",
                },
                expected: 5,
                actual: 4
            },
            "{name}"
        );
    }
    let labels = [true, false, true];
    assert!(matches!(
        ConfusionMatrix::from_scores(&labels, &[0.1, 0.9], 0.5),
        Err(StatsError::LengthMismatch {
            what: "scores",
            expected: 3,
            actual: 2
        })
    ));
    assert!(matches!(
        ConfusionMatrix::from_labels(&labels, &[true]),
        Err(StatsError::LengthMismatch {
            what: "predicted",
            ..
        })
    ));
    assert!(matches!(
        roc_auc(&labels, &[0.1], &AucConfig::default()),
        Err(StatsError::LengthMismatch { .. })
    ));
}

#[test]
fn nan_rejected() {
    let mut with_nan = Y;
    with_nan[2] = f64::NAN;
    for (name, function) in paired_functions() {
        let error = function(&X, &with_nan).unwrap_err();
        assert!(
            matches!(error, StatsError::NonFinite { index: 2, .. }),
            "{name}: {error:?}"
        );
        let error = function(&with_nan, &X).unwrap_err();
        assert!(
            matches!(error, StatsError::NonFinite { index: 2, .. }),
            "{name}: {error:?}"
        );
    }
    let labels = [true, false, true, false, true];
    assert!(matches!(
        ConfusionMatrix::from_scores(&labels, &with_nan, 0.5),
        Err(StatsError::NonFinite {
            what: "scores",
            index: 2,
            ..
        })
    ));
    assert!(matches!(
        roc_curve(&labels, &with_nan),
        Err(StatsError::NonFinite { index: 2, .. })
    ));
    assert!(matches!(
        adjust_p_values(&[0.1, f64::NAN], Correction::BenjaminiHochberg),
        Err(StatsError::NonFinite { index: 1, .. })
    ));
    assert!(matches!(
        bootstrap_ci(&with_nan, Location::Median, &BootstrapConfig::default()),
        Err(StatsError::NonFinite { .. })
    ));
}

#[test]
fn infinity_rejected() {
    let mut with_inf = X;
    with_inf[0] = f64::INFINITY;
    let error = paired_t_test(&with_inf, &Y, Alternative::TwoSided, 0.95).unwrap_err();
    assert!(matches!(
        error,
        StatsError::NonFinite {
            what: "x",
            index: 0,
            ..
        }
    ));
}

#[test]
fn constant_samples_rejected_where_undefined() {
    let constant = [2.0; 5];
    let shifted: Vec<f64> = X.iter().map(|v| v + 1.0).collect();
    assert!(matches!(
        paired_t_test(&shifted, &X, Alternative::TwoSided, 0.95),
        Err(StatsError::Constant { .. })
    ));
    assert!(matches!(
        pearson(&X, &constant, Alternative::TwoSided, 0.95),
        Err(StatsError::Constant { what: "y", .. })
    ));
    assert!(matches!(
        spearman(&constant, &X, Alternative::TwoSided, 0.95),
        Err(StatsError::Constant { what: "x", .. })
    ));
    assert!(matches!(
        lins_ccc(&constant, &constant, 0.95),
        Err(StatsError::Constant { .. })
    ));
    assert!(matches!(
        wilcoxon_signed_rank(&X, &X, &WilcoxonConfig::default()),
        Err(StatsError::Constant { .. })
    ));
}

#[test]
fn zero_truth_rejected_by_default() {
    let truth = [1.0, 0.0, 2.0];
    let error = errors_against_truth(&[1.0, 0.5, 2.5], &truth, &ErrorConfig::default());
    assert_eq!(error.unwrap_err(), StatsError::ZeroTruth { index: 1 });
}

#[test]
fn too_few_values_rejected() {
    assert!(matches!(
        paired_t_test(&[1.0], &[2.0], Alternative::TwoSided, 0.95),
        Err(StatsError::TooFew {
            required: 2,
            actual: 1,
            ..
        })
    ));
    assert!(matches!(
        pearson(&[1.0, 2.0], &[2.0, 1.0], Alternative::TwoSided, 0.95),
        Err(StatsError::TooFew { required: 3, .. })
    ));
    assert!(matches!(
        clopper_pearson(0, 0, 0.95),
        Err(StatsError::TooFew { .. })
    ));
    // One positive case: the DeLong variance needs two per class.
    let labels = [true, false, false];
    assert!(matches!(
        roc_auc(&labels, &[0.9, 0.1, 0.2], &AucConfig::default()),
        Err(StatsError::TooFew {
            what: "positive cases",
            ..
        })
    ));
}

#[test]
fn missing_class_rejected() {
    let all_positive = [true, true, true];
    let scores = [0.2, 0.6, 0.9];
    assert!(matches!(
        roc_curve(&all_positive, &scores),
        Err(StatsError::MissingClass {
            class: "negative",
            ..
        })
    ));
    let matrix = ConfusionMatrix::from_scores(&all_positive, &scores, 0.5).unwrap();
    assert!(matches!(
        matrix.specificity(0.95),
        Err(StatsError::MissingClass {
            class: "negative",
            ..
        })
    ));
    let summary = matrix.summary(0.95).unwrap();
    assert!(summary.specificity.is_none());
    assert!(summary.sensitivity.is_some());
}

#[test]
fn invalid_parameters_rejected() {
    for level in [0.0, 1.0, -0.5, f64::NAN] {
        assert!(
            matches!(
                paired_t_test(&X, &Y, Alternative::TwoSided, level),
                Err(StatsError::InvalidParameter {
                    name: "confidence level",
                    ..
                })
            ),
            "level {level}"
        );
    }
    assert!(matches!(
        clopper_pearson(6, 5, 0.95),
        Err(StatsError::InvalidParameter {
            name: "successes",
            ..
        })
    ));
    assert!(matches!(
        adjust_p_values(&[0.2, 1.5], Correction::Bonferroni),
        Err(StatsError::InvalidParameter {
            name: "P-value",
            ..
        })
    ));
    let config = BootstrapConfig {
        n_resamples: 1,
        ..BootstrapConfig::default()
    };
    assert!(matches!(
        bootstrap_ci(&X, Location::Mean, &config),
        Err(StatsError::InvalidParameter {
            name: "n_resamples",
            ..
        })
    ));
}

#[test]
fn exact_wilcoxon_rejects_ties() {
    // |x - y| = 1, 1, 2, 3, 4 has a tie.
    let x = [1.0, 3.0, 2.0, 5.0, 4.0];
    let y = [0.0, 4.0, 0.0, 2.0, 0.0];
    let config = WilcoxonConfig {
        method: WilcoxonMethod::Exact,
        ..WilcoxonConfig::default()
    };
    assert!(matches!(
        wilcoxon_signed_rank(&x, &y, &config),
        Err(StatsError::MethodNotApplicable { .. })
    ));
    // A zero difference ranked under Pratt shifts the ranks, so the exact table does not apply.
    let x = [1.0, 3.0, 2.0, 5.0, 4.0];
    let y = [1.0, 4.0, 0.0, 2.0, 0.0];
    let pratt = WilcoxonConfig {
        zero_method: ZeroMethod::Pratt,
        ..config
    };
    assert!(matches!(
        wilcoxon_signed_rank(&x, &y, &pratt),
        Err(StatsError::MethodNotApplicable { .. })
    ));
    // Dropping the zero (the default) leaves untied ranks 1..4.
    assert!(wilcoxon_signed_rank(&x, &y, &config).is_ok());
}

#[test]
fn exact_wilcoxon_rejects_huge_samples() {
    let n = MAX_EXACT_PAIRS + 1;
    let x: Vec<f64> = (1..=n).map(|i| i as f64).collect();
    let y = vec![0.0; n];
    let config = WilcoxonConfig {
        method: WilcoxonMethod::ExactConditional,
        ..WilcoxonConfig::default()
    };
    assert!(matches!(
        wilcoxon_signed_rank(&x, &y, &config),
        Err(StatsError::MethodNotApplicable { .. })
    ));
}

#[test]
fn huge_resample_count_rejected() {
    let config = BootstrapConfig {
        n_resamples: MAX_RESAMPLES + 1,
        ..BootstrapConfig::default()
    };
    assert!(matches!(
        bootstrap_ci(&X, Location::Mean, &config),
        Err(StatsError::InvalidParameter {
            name: "n_resamples",
            ..
        })
    ));
}

#[test]
fn target_errors_name_the_target() {
    let mut with_nan = Y;
    with_nan[1] = f64::NAN;
    let targets = [
        TargetPairs {
            name: "NAA",
            x: &X,
            y: &Y,
        },
        TargetPairs {
            name: "Cr",
            x: &X,
            y: &with_nan,
        },
    ];
    let error = compare_targets(&targets, &WilcoxonConfig::default(), Correction::Holm);
    match error {
        Err(StatsError::Target { name, source }) => {
            assert_eq!(name, "Cr");
            assert!(matches!(
                *source,
                StatsError::NonFinite {
                    what: "y",
                    index: 1,
                    ..
                }
            ));
        }
        other => panic!("expected a target error, got {other:?}"),
    }
    assert!(matches!(
        compare_targets(&[], &WilcoxonConfig::default(), Correction::Holm),
        Err(StatsError::Empty { what: "targets" })
    ));
}
