//! Normal distribution functions used by the samplers: CDF, quantile and truncated moments.

use std::f64::consts::{PI, SQRT_2};

/// Complementary error function, relative error below 1.2e-7 everywhere (the Chebyshev fit of
/// Press et al., *Numerical Recipes*, 2nd ed., section 6.2, `erfcc`).
pub fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let value = t * (-z * z + poly).exp();
    if x >= 0.0 {
        value
    } else {
        2.0 - value
    }
}

/// Standard normal cumulative distribution function.
pub fn normal_cdf(x: f64) -> f64 {
    0.5 * erfc(-x / SQRT_2)
}

/// Standard normal density.
pub fn normal_pdf(x: f64) -> f64 {
    (-0.5 * x * x).exp() / (2.0 * PI).sqrt()
}

/// Standard normal quantile (inverse CDF) by Acklam's rational approximation, relative error
/// below 1.2e-9 on (0, 1). Returns -inf at 0 and +inf at 1.
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const P_LOW: f64 = 0.024_25;
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < P_LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - P_LOW {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// Quantile of a standard normal truncated to `[alpha, beta]` (either may be infinite).
///
/// Works in the lower tail by symmetry, so bounds far in the upper tail keep their precision.
pub fn truncated_standard_quantile(alpha: f64, beta: f64, u: f64) -> f64 {
    if alpha > 0.0 {
        return -truncated_standard_quantile(-beta, -alpha, 1.0 - u);
    }
    let lower = normal_cdf(alpha);
    let upper = normal_cdf(beta);
    let z = normal_quantile(lower + u * (upper - lower));
    z.clamp(alpha, beta)
}

/// Probability mass of a standard normal inside `[alpha, beta]`.
pub fn standard_mass(alpha: f64, beta: f64) -> f64 {
    if alpha > 0.0 {
        normal_cdf(-alpha) - normal_cdf(-beta)
    } else {
        normal_cdf(beta) - normal_cdf(alpha)
    }
}

/// Mean and standard deviation of `N(mean, sd^2)` truncated to `[min, max]`.
pub fn truncated_normal_moments(mean: f64, sd: f64, min: f64, max: f64) -> (f64, f64) {
    let alpha = (min - mean) / sd;
    let beta = (max - mean) / sd;
    let mass = standard_mass(alpha, beta);
    let pdf_alpha = if alpha.is_finite() {
        normal_pdf(alpha)
    } else {
        0.0
    };
    let pdf_beta = if beta.is_finite() {
        normal_pdf(beta)
    } else {
        0.0
    };
    let alpha_term = if alpha.is_finite() {
        alpha * pdf_alpha
    } else {
        0.0
    };
    let beta_term = if beta.is_finite() {
        beta * pdf_beta
    } else {
        0.0
    };
    let shift = (pdf_alpha - pdf_beta) / mass;
    let variance = 1.0 + (alpha_term - beta_term) / mass - shift * shift;
    (mean + sd * shift, sd * variance.max(0.0).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdf_matches_tabulated_values() {
        // Values from any normal table (e.g. scipy.stats.norm.cdf).
        assert!((normal_cdf(1.959_963_985) - 0.975).abs() < 1e-7);
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(-3.0) - 1.349_898_031_630_094_6e-3).abs() < 1e-9);
    }

    #[test]
    fn quantile_inverts_cdf() {
        for i in -60..=60 {
            let x = f64::from(i) / 10.0;
            let back = normal_quantile(normal_cdf(x));
            assert!(
                (back - x).abs() < 2e-5 * (1.0 + x.abs()),
                "x = {x}, back = {back}"
            );
        }
    }

    #[test]
    fn truncated_quantile_stays_in_bounds() {
        for &(alpha, beta) in &[(-1.0, 2.0), (3.0, 8.0), (-9.0, -4.0), (0.5, f64::INFINITY)] {
            for i in 0..=100 {
                let z = truncated_standard_quantile(alpha, beta, f64::from(i) / 100.0);
                assert!(z >= alpha, "z = {z} below {alpha}");
                assert!(z <= beta, "z = {z} above {beta}");
            }
        }
    }

    #[test]
    fn half_normal_moments() {
        // A normal truncated at its mean: mean sqrt(2/pi), SD sqrt(1 - 2/pi).
        let (mean, sd) = truncated_normal_moments(0.0, 1.0, 0.0, f64::INFINITY);
        assert!((mean - (2.0 / PI).sqrt()).abs() < 1e-6);
        assert!((sd - (1.0 - 2.0 / PI).sqrt()).abs() < 1e-6);
    }
}
