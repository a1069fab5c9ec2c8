//! Statistics for judging quantification and classification: errors against simulated truth,
//! paired tests between methods, diagnostic accuracy with exact intervals, ROC analysis and
//! agreement between methods.
//!
//! ```
//! use mrs_stats::{wilcoxon_signed_rank, ConfusionMatrix, WilcoxonConfig, DEFAULT_THRESHOLD};
//!
//! // Absolute errors of two quantification methods on the same eight spectra.
//! let cnn = [0.8, 1.1, 0.4, 0.9, 0.3, 0.7, 0.2, 0.5];
//! let nlls = [1.9, 1.6, 1.3, 1.7, 0.8, 1.0, 1.5, 1.25];
//! let test = wilcoxon_signed_rank(&cnn, &nlls, &WilcoxonConfig::default())?;
//! assert_eq!(test.statistic, 0.0); // every difference is negative
//! assert!((test.p_value - 2.0 / 256.0).abs() < 1e-15); // exact: 2 of 2^8 sign patterns
//!
//! // A classifier's probabilities against the reference standard.
//! let diseased = [true, true, true, false, false, false];
//! let probability = [0.9, 0.7, 0.4, 0.2, 0.6, 0.1];
//! let matrix = ConfusionMatrix::from_scores(&diseased, &probability, DEFAULT_THRESHOLD)?;
//! let sensitivity = matrix.sensitivity(0.95)?;
//! assert_eq!((sensitivity.successes, sensitivity.trials), (2, 3));
//! assert!(sensitivity.clopper_pearson.lower < sensitivity.wilson.lower);
//! # Ok::<(), mrs_stats::StatsError>(())
//! ```
//!
//! # Conventions
//!
//! - **Errors against truth.** The signed error is `estimate - truth`, so a positive bias is an
//!   overestimate. The absolute percent error is `100 |estimate - truth| / |truth|`, in percent
//!   of the truth. A truth of 0 makes it undefined, so by default it is an error
//!   ([`StatsError::ZeroTruth`]). With [`ZeroTruthPolicy::Exclude`] the case is left out of the
//!   percent statistics and counted in [`ErrorReport::n_zero_truth_excluded`]. Bias is the mean
//!   signed error, RMSE is `sqrt(mean(error^2))`.
//! - **Variance denominators.** Sample standard deviations (of errors, of paired differences,
//!   Bland-Altman) and the DeLong placement variances use `n - 1`. Lin's concordance
//!   coefficient uses population moments (`n`), as Lin defined it.
//! - **Quantiles and medians** interpolate linearly between order statistics (NumPy's default,
//!   Hyndman-Fan type 7). So the median of an even sample is the mean of the two middle values.
//! - **Bootstrap intervals** are percentile intervals of `n_resamples` resamples drawn with a
//!   ChaCha20 generator seeded from [`BootstrapConfig::seed`]. The same seed and input give the
//!   same interval on 32- and 64-bit platforms, because rand 0.9 draws indices below 2^32 with
//!   32-bit sampling on both. Another major version of `rand` may change the stream.
//! - **Paired tests** work on the differences `x - y`. [`Alternative::Greater`] means `x` tends
//!   to exceed `y`. Several targets are compared with [`compare_targets`], which adjusts the
//!   P-values across targets (Bonferroni, Holm or Benjamini-Hochberg, as the caller chooses).
//! - **Zero differences in the Wilcoxon test** are dropped by default (SciPy's
//!   `zero_method="wilcox"`), so [`WilcoxonResult::n_used`] may be smaller than the number of
//!   pairs; [`ZeroMethod::Pratt`] and [`ZeroMethod::Zsplit`] keep them in the ranking. Tied
//!   absolute differences get average ranks. The default P-value method follows SciPy 1.17's
//!   `method="auto"` (see [`WilcoxonMethod::Auto`]). The normal approximation includes the tie
//!   correction and, by default, a continuity correction of 0.5 (SciPy's default is off).
//! - **Classification.** Labels are `bool` with `true` = positive (condition present). A score
//!   at or above the threshold is called positive; the default threshold is 0.5
//!   ([`DEFAULT_THRESHOLD`]). The Youden-optimal threshold is reported separately
//!   ([`RocCurve::youden_optimal`], [`ClassifierReport::youden`]) and never replaces the fixed
//!   one.
//! - **Proportion intervals** are two-sided at a configurable level (0.95 in the examples):
//!   Clopper-Pearson from beta quantiles, Wilson score intervals clipped to [0, 1].
//! - **AUC** counts a tied positive-negative pair as one half. Its DeLong interval is the Wald
//!   interval `auc +- z se`, clipped to [0, 1].
//! - **Bland-Altman** differences are `a - b`; the limits are `bias +- z sd` with the exact
//!   normal quantile `z` (1.959964 for 95 %).
//! - **Invalid input** (empty samples, unequal lengths, NaN or infinity, constant samples where
//!   a statistic divides by the spread) returns a [`StatsError`]; no function panics on user
//!   input.
//!
//! The reference values of the tests come from SciPy, statsmodels and scikit-learn; the script
//! and the versions used are in `tests/data/`.
//!
//! # Limitations
//!
//! - Binary classification only; no multi-class confusion matrices.
//! - The DeLong interval is a Wald interval on the AUC scale; near 0 or 1 it is clipped rather
//!   than transformed (no logit interval), and small samples may under-cover.
//! - The bootstrap intervals are plain percentile intervals (no bias correction or
//!   acceleration), which under-cover for skewed statistics in small samples.
//! - Lin's concordance interval rests on asymptotic normality of `atanh(rho_c)`; for small `n`
//!   it is approximate.
//! - The exact Wilcoxon distributions cost about `n^3` operations, so they are limited to
//!   [`MAX_EXACT_PAIRS`] ranked differences; larger samples need the normal approximation.
//! - The special functions agree with SciPy to within 5e-13 relative on the arguments of the
//!   golden tests (shape parameters up to 500, tails down to 1e-300). Arguments far beyond
//!   them, such as shape parameters above 1e6, are untested.

mod agreement;
mod bootstrap;
mod classifier;
mod diagnostic;
mod error;
mod multiple;
mod paired;
mod roc;
mod sample;
pub mod special;
mod targets;
mod truth;

pub use agreement::{
    bland_altman, lins_ccc, pearson, spearman, BlandAltman, BlandAltmanConfig, Concordance,
    Correlation,
};
pub use bootstrap::{bootstrap_ci, BootstrapConfig, Location, MAX_RESAMPLES};
pub use classifier::{evaluate_classifier, ClassifierConfig, ClassifierReport};
pub use diagnostic::{
    clopper_pearson, wilson, ConfusionMatrix, DiagnosticSummary, Proportion, DEFAULT_THRESHOLD,
};
pub use error::{Result, StatsError};
pub use multiple::{adjust_p_values, Correction};
pub use paired::{
    paired_t_test, wilcoxon_signed_rank, PairedTTestResult, WilcoxonConfig, WilcoxonMethod,
    WilcoxonMethodUsed, WilcoxonResult, ZeroMethod, MAX_EXACT_PAIRS,
};
pub use roc::{roc_auc, roc_curve, AucConfig, AucResult, RocCurve, RocPoint, YoudenThreshold};
pub use sample::{quantile, Alternative, ConfidenceInterval};
pub use targets::{compare_targets, TargetComparison, TargetComparisons, TargetPairs};
pub use truth::{errors_against_truth, ErrorConfig, ErrorReport, LocationSummary, ZeroTruthPolicy};
