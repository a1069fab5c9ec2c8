//! Baseline design matrices: uniform cubic B-splines and Legendre polynomials over the
//! fitting window, and the second-difference penalty on spline coefficients.

use crate::config::Baseline;

/// Baseline basis functions sampled at the window points.
#[derive(Debug, Clone)]
pub(crate) struct BaselineBasis {
    /// `columns[k][i]` is basis function `k` at window point `i`.
    pub columns: Vec<Vec<f64>>,
    /// Penalty rows over the coefficients (each row has one entry per column).
    pub penalty: Vec<Vec<f64>>,
}

impl BaselineBasis {
    /// Builds the basis for `ppm` points inside `[low, high]`. `points_per_ppm` sets the
    /// penalty weight (see [`Baseline::Spline`]).
    pub fn new(kind: &Baseline, ppm: &[f64], low: f64, high: f64, points_per_ppm: f64) -> Self {
        match kind {
            Baseline::None => BaselineBasis {
                columns: Vec::new(),
                penalty: Vec::new(),
            },
            Baseline::Polynomial { degree } => BaselineBasis {
                columns: legendre_columns(*degree, ppm, low, high),
                penalty: Vec::new(),
            },
            Baseline::Spline {
                knot_spacing_ppm,
                smoothness,
            } => {
                let intervals = (((high - low) / knot_spacing_ppm).ceil() as usize).max(1);
                let columns = spline_columns(intervals, ppm, low, high);
                let spacing = (high - low) / intervals as f64;
                let weight = smoothness * (points_per_ppm * spacing).max(1.0).sqrt();
                let penalty = if weight > 0.0 {
                    second_differences(columns.len(), weight)
                } else {
                    Vec::new()
                };
                BaselineBasis { columns, penalty }
            }
        }
    }
}

/// Uniform cubic B-splines: `intervals + 3` functions covering `[low, high]`.
fn spline_columns(intervals: usize, ppm: &[f64], low: f64, high: f64) -> Vec<Vec<f64>> {
    let n_functions = intervals + 3;
    let spacing = (high - low) / intervals as f64;
    let mut columns = vec![vec![0.0; ppm.len()]; n_functions];
    for (i, &x) in ppm.iter().enumerate() {
        let position = ((x - low) / spacing).clamp(0.0, intervals as f64);
        let interval = (position.floor() as usize).min(intervals - 1);
        let u = position - interval as f64;
        let weights = [
            (1.0 - u).powi(3) / 6.0,
            (3.0 * u.powi(3) - 6.0 * u * u + 4.0) / 6.0,
            (-3.0 * u.powi(3) + 3.0 * u * u + 3.0 * u + 1.0) / 6.0,
            u.powi(3) / 6.0,
        ];
        for (offset, weight) in weights.iter().enumerate() {
            columns[interval + offset][i] = *weight;
        }
    }
    columns
}

/// Legendre polynomials of degree 0..=`degree` in ppm mapped onto [-1, 1].
fn legendre_columns(degree: usize, ppm: &[f64], low: f64, high: f64) -> Vec<Vec<f64>> {
    let mut columns = vec![vec![0.0; ppm.len()]; degree + 1];
    for (i, &x) in ppm.iter().enumerate() {
        let s = 2.0 * (x - low) / (high - low) - 1.0;
        let (mut previous, mut current) = (1.0, s);
        columns[0][i] = 1.0;
        if degree >= 1 {
            columns[1][i] = s;
        }
        for (n, column) in columns.iter_mut().enumerate().skip(2) {
            let next = ((2 * n - 1) as f64 * s * current - (n - 1) as f64 * previous) / n as f64;
            previous = current;
            current = next;
            column[i] = next;
        }
    }
    columns
}

/// Rows `weight * (c[k] - 2 c[k+1] + c[k+2])`.
fn second_differences(n: usize, weight: f64) -> Vec<Vec<f64>> {
    (0..n.saturating_sub(2))
        .map(|k| {
            let mut row = vec![0.0; n];
            row[k] = weight;
            row[k + 1] = -2.0 * weight;
            row[k + 2] = weight;
            row
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splines_sum_to_one() {
        let ppm: Vec<f64> = (0..400).map(|i| 0.2 + 4.0 * i as f64 / 399.0).collect();
        let columns = spline_columns(27, &ppm, 0.2, 4.2);
        assert_eq!(columns.len(), 30);
        for i in 0..ppm.len() {
            let sum: f64 = columns.iter().map(|c| c[i]).sum();
            assert!(
                (sum - 1.0).abs() < 1e-12,
                "partition of unity at {i}: {sum}"
            );
        }
    }

    #[test]
    fn penalty_vanishes_on_linear_coefficients() {
        let rows = second_differences(10, 2.0);
        let coefficients: Vec<f64> = (0..10).map(|k| 3.0 - 0.5 * k as f64).collect();
        for row in rows {
            let value: f64 = row.iter().zip(&coefficients).map(|(a, b)| a * b).sum();
            assert!(value.abs() < 1e-12);
        }
    }

    #[test]
    fn legendre_degree_two_matches_formula() {
        let columns = legendre_columns(2, &[0.0, 0.5, 1.0], 0.0, 1.0);
        for (i, s) in [-1.0f64, 0.0, 1.0].iter().enumerate() {
            assert!((columns[2][i] - 0.5 * (3.0 * s * s - 1.0)).abs() < 1e-12);
        }
    }
}
