"""Write golden.json: reference values for the mrs-stats integration tests.

Run with the project's virtual environment (SciPy, statsmodels and scikit-learn installed):

    ~/.cache/mrskit/venv/bin/python crates/mrs-stats/tests/data/make_golden.py

Every input is fixed in this file or drawn from numpy's PCG64 generator with SEED, and written
into the JSON next to the expected values, so the Rust tests read exactly the same numbers.
No library offers the DeLong variance, the Bland-Altman intervals, Lin's concordance
coefficient or the Fisher interval of Spearman's rho. For these, a direct implementation of the
textbook formula below computes the value, and the case is marked "reference": "direct formula".
"""

import json
import math
import platform
from pathlib import Path

import numpy as np
import scipy
import sklearn
import statsmodels
from scipy import special, stats
from sklearn.metrics import confusion_matrix, roc_auc_score, roc_curve
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

SEED = 20261204
OUT = Path(__file__).with_name("golden.json")
rng = np.random.default_rng(SEED)


def floats(values):
    return [float(v) for v in values]


# ---------------------------------------------------------------- special functions


def special_functions():
    ndtr_x = [-38.0, -20.0, -10.0, -5.0, -1.96, -0.5, 0.0, 0.3, 1.0, 3.0, 8.0]
    ndtri_p = [1e-300, 1e-50, 1e-10, 1e-3, 0.025, 0.2, 0.5, 0.8, 0.975, 1 - 1e-10]
    dfs = [1.0, 2.5, 4.0, 9.0, 19.0, 100.0, 499.0]
    ts = [-30.0, -5.0, -2.0, -0.1, 0.7, 3.0, 12.0]
    ps = [1e-12, 0.005, 0.025, 0.3, 0.7, 0.975, 0.999]
    beta_args = [
        (0.5, 0.5), (1.0, 10.0), (7.0, 1.0), (9.0, 2.0), (16.0, 2.0), (250.5, 0.5),
        (3.0, 498.0), (250.0, 251.0), (0.2, 40.0),
    ]
    xs = [1e-8, 0.01, 0.2, 0.5, 0.8, 0.99, 0.999999]
    gamma_x = [0.1, 0.5, 1.0, 1.5, 3.7, 9.99, 10.0, 25.5, 250.0, 1e4]
    return {
        "reference": f"scipy.special {scipy.__version__}",
        "ndtr": [[x, float(special.ndtr(x))] for x in ndtr_x],
        "ndtri": [[p, float(special.ndtri(p))] for p in ndtri_p],
        "erfc": [[x, float(special.erfc(x))] for x in [-3.0, -0.5, 0.0, 0.1, 1.0, 4.0, 20.0]],
        "stdtr": [[df, t, float(special.stdtr(df, t))] for df in dfs for t in ts],
        "stdtrit": [[df, p, float(special.stdtrit(df, p))] for df in dfs for p in ps],
        "betainc": [[a, b, x, float(special.betainc(a, b, x))] for a, b in beta_args for x in xs],
        "betaincinv": [
            [a, b, p, float(special.betaincinv(a, b, p))] for a, b in beta_args for p in ps
        ],
        "gammaln": [[x, float(special.gammaln(x))] for x in gamma_x],
    }


# ---------------------------------------------------------------- paired samples

# Differences of these pairs are exactly representable (multiples of 1/8), so x - y gives the
# same ties and zeros in IEEE double in Python and in Rust.
TIES_ZEROS_10 = (
    [2.0, 3.5, 1.25, 4.0, 5.0, 2.5, 6.0, 1.0, 3.0, 7.5],
    [2.0, 2.5, 2.25, 2.0, 3.0, 2.5, 3.0, 4.0, 2.5, 3.5],
)


def paired_cases():
    n5 = ([1.83, 0.50, 1.62, 2.48, 1.68], [0.878, 0.647, 0.598, 2.05, 1.06])
    a = rng.normal(5.0, 1.0, 20)
    n20 = (floats(np.round(a + rng.normal(0.3, 0.5, 20), 6)), floats(np.round(a, 6)))
    b = np.round(rng.normal(0.0, 2.0, 20) * 4) / 4
    ties20 = (floats(b + rng.integers(-3, 4, 20) / 2), floats(b))
    c = rng.normal(10.0, 2.0, 500)
    n500 = (floats(c + rng.normal(0.05, 0.4, 500)), floats(c))
    d = np.round(rng.normal(10.0, 2.0, 500) * 4) / 4
    ties500 = (floats(d + rng.integers(-4, 5, 500) / 4), floats(d))
    return {
        "n5": n5,
        "n20": n20,
        "ties_zeros_10": TIES_ZEROS_10,
        "ties_zeros_20": ties20,
        "n500": n500,
        "ties_zeros_500": ties500,
    }


def auto_method(d):
    """SciPy 1.17's method="auto" rule of stats.wilcoxon, as implemented in _wilcoxon.py."""
    n_zero = int(np.sum(d == 0))
    nonzero = np.abs(d[d != 0])
    has_ties = len(np.unique(nonzero)) < len(nonzero)
    if len(d) > 50:
        return "asymptotic"
    if not has_ties and n_zero == 0:
        return "exact"
    if len(d) <= 13:
        return "exact_conditional"
    return "asymptotic"


def wilcoxon_cases(cases):
    out = []
    for name, (x, y) in cases.items():
        d = np.asarray(x) - np.asarray(y)
        n_zero = int(np.sum(d == 0))
        nonzero = np.abs(d[d != 0])
        ties = len(np.unique(nonzero)) < len(nonzero)
        for zero_method in ["wilcox", "pratt", "zsplit"]:
            ranked_has_zero = zero_method != "wilcox" and n_zero > 0
            methods = ["auto", "asymptotic"]
            if not ties and not ranked_has_zero:
                methods.append("exact")
            for method in methods:
                for alternative in ["two-sided", "less", "greater"]:
                    for correction in [False, True]:
                        if method != "asymptotic" and correction:
                            # The correction only enters the normal approximation; "auto"
                            # that falls back to it is covered through method="asymptotic".
                            if method == "exact" or auto_method(d) != "asymptotic":
                                continue
                        res = stats.wilcoxon(
                            x, y, zero_method=zero_method, correction=correction,
                            alternative=alternative, method=method,
                        )
                        used = auto_method(d) if method == "auto" else method
                        out.append({
                            "case": name,
                            "zero_method": zero_method,
                            "method": method,
                            "alternative": alternative,
                            "correction": correction,
                            "method_used": used,
                            "statistic": float(res.statistic),
                            "p_value": float(res.pvalue),
                            "z_statistic": (
                                float(res.zstatistic) if hasattr(res, "zstatistic") else None
                            ),
                            "p_reference": {
                                "exact": "exact null distribution (no approximation)",
                                "exact_conditional": (
                                    "PermutationMethod, full enumeration of 2^n sign patterns"
                                ),
                                "asymptotic": "normal approximation, same formula as Rust",
                            }[used],
                        })
    return out


def ttest_cases(cases):
    out = []
    for name in ["n5", "n20", "ties_zeros_20", "n500"]:
        x, y = cases[name]
        for alternative in ["two-sided", "less", "greater"]:
            for level in [0.95, 0.9]:
                res = stats.ttest_rel(x, y, alternative=alternative)
                ci = stats.ttest_rel(x, y).confidence_interval(confidence_level=level)
                out.append({
                    "case": name,
                    "alternative": alternative,
                    "level": level,
                    "statistic": float(res.statistic),
                    "df": float(res.df),
                    "p_value": float(res.pvalue),
                    "ci": [float(ci.low), float(ci.high)],
                })
    return out


def multiple_cases():
    lists = {
        "ties": [0.01, 0.04, 0.03, 0.005, 0.04, 0.5, 1.0, 0.0001, 0.2, 0.049],
        "twenty_targets": floats(np.round(rng.uniform(0, 0.05, 20) ** 1.5, 8)),
        "single": [0.03],
    }
    out = []
    for name, p in lists.items():
        for method in ["bonferroni", "holm", "fdr_bh"]:
            out.append({
                "case": name,
                "p_values": p,
                "method": method,
                "adjusted": floats(multipletests(p, method=method)[1]),
            })
    return out


# ---------------------------------------------------------------- errors against truth


def truth_cases():
    truth = np.round(rng.uniform(0.5, 12.0, 20), 4)
    estimates = np.round(truth * (1 + rng.normal(0.02, 0.1, 20)), 4)
    truth_with_zero = truth.copy()
    truth_with_zero[[3, 11]] = 0.0
    truth500 = rng.uniform(0.1, 20.0, 500)
    estimates500 = truth500 + rng.normal(0.1, 0.5, 500)
    cases = {
        "n5": ([1.1, 2.3, 0.7, 4.4, 3.0], [1.0, 2.0, 1.0, 4.0, 3.5]),
        "n20": (floats(estimates), floats(truth)),
        "n20_zero_truth": (floats(estimates), floats(truth_with_zero)),
        "n500": (floats(estimates500), floats(truth500)),
    }
    out = []
    for name, (est, tru) in cases.items():
        est, tru = np.asarray(est), np.asarray(tru)
        err = est - tru
        keep = tru != 0
        ape = 100 * np.abs(err[keep]) / np.abs(tru[keep])
        out.append({
            "case": name,
            "estimates": floats(est),
            "truth": floats(tru),
            "signed_errors": floats(err),
            "absolute_percent_errors": [
                float(100 * abs(e) / abs(t)) if t != 0 else None for e, t in zip(err, tru)
            ],
            "n_zero_truth_excluded": int(np.sum(~keep)),
            "bias": float(np.mean(err)),
            "sd_error": float(np.std(err, ddof=1)),
            "rmse": float(np.sqrt(np.mean(err**2))),
            "mean_absolute_error": float(np.mean(np.abs(err))),
            "median_absolute_error": float(np.median(np.abs(err))),
            "mean_absolute_percent_error": float(np.mean(ape)),
            "median_absolute_percent_error": float(np.median(ape)),
        })
    return out


def quantile_cases():
    values = floats(np.round(rng.normal(0, 3, 17), 3))
    qs = [0.0, 0.025, 0.1, 0.25, 0.5, 0.77, 0.975, 1.0]
    return [{"values": values, "q": qs, "expected": floats(np.quantile(values, qs))}]


# ---------------------------------------------------------------- classification


def classification_inputs():
    # The study: 7 diseased, 10 controls; at 0.5 all 7 diseased and 9 of 10 controls are
    # classified correctly.
    study_scores = [0.91, 0.85, 0.77, 0.66, 0.58, 0.95, 0.72,
                    0.12, 0.31, 0.08, 0.44, 0.27, 0.61, 0.19, 0.35, 0.05, 0.22]
    study_labels = [True] * 7 + [False] * 10
    labels20 = [bool(v) for v in rng.integers(0, 2, 20)]
    labels20[:2] = [True, False]
    scores20 = floats(np.round(np.clip(
        np.where(labels20, rng.normal(0.65, 0.2, 20), rng.normal(0.4, 0.2, 20)), 0, 1), 1))
    labels500 = [bool(v) for v in rng.random(500) < 0.4]
    scores500 = floats(np.round(np.where(
        labels500, rng.beta(5, 3, 500), rng.beta(3, 5, 500)), 3))
    return {
        "study_17": (study_labels, study_scores),
        "ties_20": (labels20, scores20),
        "n500": (labels500, scores500),
    }


def delong(labels, scores):
    """DeLong variance by the O(m n) definition: psi = 1 if positive > negative, 1/2 if tied."""
    labels = np.asarray(labels)
    scores = np.asarray(scores)
    pos = scores[labels]
    neg = scores[~labels]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10 = psi.mean(axis=1)
    v01 = psi.mean(axis=0)
    auc = psi.mean()
    var = np.var(v10, ddof=1) / len(pos) + np.var(v01, ddof=1) / len(neg)
    return float(auc), float(np.sqrt(var))


def proportion(k, n, level):
    alpha = 1 - level
    return {
        "successes": int(k),
        "trials": int(n),
        "level": level,
        "clopper_pearson": floats(proportion_confint(k, n, alpha=alpha, method="beta")),
        "wilson": floats(proportion_confint(k, n, alpha=alpha, method="wilson")),
    }


def classification_cases():
    out = []
    for name, (labels, scores) in classification_inputs().items():
        predicted = [s >= 0.5 for s in scores]
        tn, fp, fn, tp = (int(v) for v in confusion_matrix(labels, predicted).ravel())
        fpr, tpr, thresholds = roc_curve(labels, scores, drop_intermediate=False)
        j = tpr[1:] - fpr[1:]
        best = 1 + int(np.argmax(j))
        auc, se = delong(labels, scores)
        z = stats.norm.ppf(0.975)
        out.append({
            "case": name,
            "labels": labels,
            "scores": scores,
            "threshold": 0.5,
            "confusion": {"tp": tp, "fp": fp, "tn": tn, "fn": fn},
            "proportions_95": {
                "sensitivity": proportion(tp, tp + fn, 0.95),
                "specificity": proportion(tn, tn + fp, 0.95),
                "accuracy": proportion(tp + tn, tp + tn + fp + fn, 0.95),
                "ppv": proportion(tp, tp + fp, 0.95),
                "npv": proportion(tn, tn + fn, 0.95),
            },
            "roc": {
                "thresholds": [None if math.isinf(t) else float(t) for t in thresholds],
                "fpr": floats(fpr),
                "tpr": floats(tpr),
            },
            "auc_sklearn": float(roc_auc_score(labels, scores)),
            "delong": {
                "reference": "direct formula (O(m n) placement values), numpy",
                "auc": auc,
                "se": se,
                "ci_95": [max(0.0, auc - z * se), min(1.0, auc + z * se)],
            },
            "youden": {
                "threshold": float(thresholds[best]),
                "youden_index": float(j[best - 1]),
                "sensitivity": float(tpr[best]),
                "specificity": float(1 - fpr[best]),
            },
        })
    return out


def proportion_cases():
    pairs = [(7, 7), (9, 10), (16, 17), (0, 5), (1, 1), (3, 20), (250, 500), (499, 500)]
    return [proportion(k, n, level) for k, n in pairs for level in [0.95, 0.9, 0.99]]


# ---------------------------------------------------------------- agreement


def bland_altman(a, b):
    """Bias, limits of agreement and their t intervals (Bland & Altman 1986 and 1999)."""
    d = a - b
    n = len(d)
    bias = float(np.mean(d))
    sd = float(np.std(d, ddof=1))
    z = float(stats.norm.ppf(0.975))
    t = float(stats.t.ppf(0.975, n - 1))
    se_bias = sd / math.sqrt(n)
    se_limit = sd * math.sqrt(1 / n + z * z / (2 * (n - 1)))
    low, high = bias - z * sd, bias + z * sd
    return {
        "reference": "direct formula (numpy, scipy.stats.norm/t quantiles)",
        "bias": bias,
        "sd": sd,
        "lower_limit": low,
        "upper_limit": high,
        "bias_ci": [bias - t * se_bias, bias + t * se_bias],
        "lower_limit_ci": [low - t * se_limit, low + t * se_limit],
        "upper_limit_ci": [high - t * se_limit, high + t * se_limit],
    }


def lins_ccc(a, b):
    """Lin's CCC with population moments, and its z-transform interval with the asymptotic
    variance of Lin (1989, corrected 2000), the formula of R's DescTools::CCC."""
    n = len(a)
    mx, my = a.mean(), b.mean()
    sx2, sy2 = a.var(), b.var()
    sxy = np.mean((a - mx) * (b - my))
    p = 2 * sxy / (sx2 + sy2 + (mx - my) ** 2)
    r = sxy / math.sqrt(sx2 * sy2)
    u = (my - mx) / (sx2 * sy2) ** 0.25
    sep = math.sqrt(
        ((1 - r**2) * p**2 * (1 - p**2) / r**2
         + 2 * p**3 * (1 - p) * u**2 / r
         - 0.5 * p**4 * u**4 / r**2) / (n - 2)
    )
    z = stats.norm.ppf(0.975)
    se_z = sep / (1 - p**2)
    return {
        "reference": "direct formula (Lin 1989/2000 variance, z transform, as DescTools::CCC)",
        "coefficient": float(p),
        "pearson_r": float(r),
        "ci_95": [math.tanh(math.atanh(p) - z * se_z), math.tanh(math.atanh(p) + z * se_z)],
    }


def agreement_cases(cases):
    out = []
    for name in ["n5", "n20", "ties_zeros_20", "n500"]:
        a, b = (np.asarray(v) for v in cases[name])
        n = len(a)
        pearson = {}
        spearman = {}
        for alternative in ["two-sided", "less", "greater"]:
            pr = stats.pearsonr(a, b, alternative=alternative)
            sr = stats.spearmanr(a, b, alternative=alternative)
            pearson[alternative] = {"r": float(pr.statistic), "p_value": float(pr.pvalue)}
            spearman[alternative] = {"rho": float(sr.statistic), "p_value": float(sr.pvalue)}
        ci = stats.pearsonr(a, b).confidence_interval(confidence_level=0.95)
        # Fisher z interval of Spearman's rho by the direct formula; SciPy offers none.
        rho = spearman["two-sided"]["rho"]
        half = stats.norm.ppf(0.975) / math.sqrt(n - 3)
        out.append({
            "case": name,
            "bland_altman": bland_altman(a, b),
            "pearson": pearson,
            "pearson_ci_95": [float(ci.low), float(ci.high)],
            "spearman": spearman,
            "spearman_ci_95": [math.tanh(math.atanh(rho) - half), math.tanh(math.atanh(rho) + half)],
            "lins_ccc": lins_ccc(a, b),
        })
    return out


def main():
    paired = paired_cases()
    golden = {
        "generator": {
            "script": "make_golden.py",
            "seed": SEED,
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "statsmodels": statsmodels.__version__,
            "scikit-learn": sklearn.__version__,
        },
        "special": special_functions(),
        "paired_inputs": {k: {"x": v[0], "y": v[1]} for k, v in paired.items()},
        "wilcoxon": wilcoxon_cases(paired),
        "ttest_rel": ttest_cases(paired),
        "multipletests": multiple_cases(),
        "truth_errors": truth_cases(),
        "quantile": quantile_cases(),
        "classification": classification_cases(),
        "proportions": proportion_cases(),
        "agreement": agreement_cases(paired),
    }
    OUT.write_text(json.dumps(golden, indent=1) + "\n")


if __name__ == "__main__":
    main()
