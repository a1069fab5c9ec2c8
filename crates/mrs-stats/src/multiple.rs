//! Multiple-comparison corrections of P-values.

use serde::{Deserialize, Serialize};

use crate::error::{Result, StatsError};

/// Correction for testing several hypotheses at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Correction {
    /// Bonferroni: `min(1, m p)`. Controls the family-wise error rate.
    Bonferroni,
    /// Holm's step-down method. Controls the family-wise error rate and is uniformly more
    /// powerful than Bonferroni.
    Holm,
    /// Benjamini-Hochberg step-up method. Controls the false discovery rate for independent or
    /// positively dependent tests.
    BenjaminiHochberg,
}

/// Adjusts P-values for multiple comparisons; the result is in the input order.
///
/// The adjusted values equal statsmodels' `multipletests(p, method=...)[1]` with methods
/// `"bonferroni"`, `"holm"` and `"fdr_bh"`: a hypothesis is rejected at family level `alpha`
/// exactly when its adjusted P-value is at most `alpha`.
///
/// # Errors
///
/// [`StatsError::Empty`] for no P-values, [`StatsError::NonFinite`] for NaN or infinity, and
/// [`StatsError::InvalidParameter`] for a value outside [0, 1].
pub fn adjust_p_values(p_values: &[f64], correction: Correction) -> Result<Vec<f64>> {
    crate::sample::check_sample("p_values", p_values)?;
    if let Some(&p) = p_values.iter().find(|p| !(0.0..=1.0).contains(*p)) {
        return Err(StatsError::InvalidParameter {
            name: "P-value",
            value: p,
            reason: "must lie in [0, 1]",
        });
    }
    let m = p_values.len();
    let m_f = m as f64;
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&i, &j| p_values[i].total_cmp(&p_values[j]));
    let mut adjusted = vec![0.0; m];
    match correction {
        Correction::Bonferroni => {
            for (out, p) in adjusted.iter_mut().zip(p_values) {
                *out = (p * m_f).min(1.0);
            }
        }
        Correction::Holm => {
            // Step down from the smallest P-value: p_(i) (m - i), kept non-decreasing.
            let mut running_max: f64 = 0.0;
            for (i, &index) in order.iter().enumerate() {
                running_max = running_max.max(p_values[index] * (m - i) as f64);
                adjusted[index] = running_max.min(1.0);
            }
        }
        Correction::BenjaminiHochberg => {
            // Step up from the largest P-value: p_(i) m / i, kept non-increasing.
            let mut running_min: f64 = 1.0;
            for (i, &index) in order.iter().enumerate().rev() {
                running_min = running_min.min(p_values[index] * m_f / (i + 1) as f64);
                adjusted[index] = running_min;
            }
        }
    }
    Ok(adjusted)
}
