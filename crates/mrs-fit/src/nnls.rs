//! Non-negative least squares on the normal equations (Lawson and Hanson, "Solving Least
//! Squares Problems", 1974, algorithm NNLS), with some variables left unconstrained.

// Index loops mirror the triangular-solve formulas.
#![allow(clippy::needless_range_loop)]

/// Dense Cholesky factor `L` of a symmetric positive definite matrix, row-major.
#[derive(Debug, Clone)]
pub(crate) struct Cholesky {
    n: usize,
    lower: Vec<f64>,
}

impl Cholesky {
    /// Factors `a` (`n x n`, row-major). A matrix that is not numerically positive definite
    /// gets a ridge of `1e-10` times its largest diagonal entry, then `1e-6`, before giving up.
    pub fn new(a: &[f64], n: usize) -> Option<Self> {
        let max_diagonal = (0..n).map(|i| a[i * n + i]).fold(0.0f64, f64::max);
        for ridge in [0.0, 1e-10, 1e-6] {
            if let Some(factor) = Self::factor(a, n, ridge * max_diagonal.max(f64::MIN_POSITIVE)) {
                return Some(factor);
            }
        }
        None
    }

    fn factor(a: &[f64], n: usize, ridge: f64) -> Option<Self> {
        let mut lower = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                let mut sum = a[i * n + j];
                if i == j {
                    sum += ridge;
                }
                for k in 0..j {
                    sum -= lower[i * n + k] * lower[j * n + k];
                }
                if i == j {
                    if sum.is_nan() || sum <= 0.0 || sum.is_infinite() {
                        return None;
                    }
                    lower[i * n + i] = sum.sqrt();
                } else {
                    lower[i * n + j] = sum / lower[j * n + j];
                }
            }
        }
        Some(Cholesky { n, lower })
    }

    /// Solves `A x = b` in place.
    pub fn solve_in_place(&self, b: &mut [f64]) {
        let n = self.n;
        for i in 0..n {
            let mut sum = b[i];
            for k in 0..i {
                sum -= self.lower[i * n + k] * b[k];
            }
            b[i] = sum / self.lower[i * n + i];
        }
        for i in (0..n).rev() {
            let mut sum = b[i];
            for k in i + 1..n {
                sum -= self.lower[k * n + i] * b[k];
            }
            b[i] = sum / self.lower[i * n + i];
        }
    }
}

/// Solution of [`nnls_gram`].
#[derive(Debug, Clone)]
pub(crate) struct NnlsSolution {
    /// The minimiser.
    pub x: Vec<f64>,
    /// Variables free to move at the solution: every unconstrained variable and each
    /// constrained one that is strictly positive.
    pub in_set: Vec<bool>,
}

/// Minimises `|A x - y|^2` given `gram = A^T A` (`p x p`, row-major) and `rhs = A^T y`, with
/// `x[i] >= 0` wherever `constrained[i]`. `warm_start` marks constrained variables that were
/// positive at a nearby solution, which saves iterations.
pub(crate) fn nnls_gram(
    gram: &[f64],
    rhs: &[f64],
    constrained: &[bool],
    warm_start: Option<&[bool]>,
) -> NnlsSolution {
    let p = rhs.len();
    // Scale to a unit diagonal: the active-set decisions then compare like with like.
    let scale: Vec<f64> = (0..p)
        .map(|i| {
            let d = gram[i * p + i];
            if d > 0.0 {
                1.0 / d.sqrt()
            } else {
                0.0
            }
        })
        .collect();
    let g: Vec<f64> = (0..p * p)
        .map(|k| gram[k] * scale[k / p] * scale[k % p])
        .collect();
    let h: Vec<f64> = rhs.iter().zip(&scale).map(|(r, s)| r * s).collect();
    let usable: Vec<bool> = scale.iter().map(|&s| s > 0.0).collect();
    let tolerance = 1e-10 * h.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-300);

    let mut in_set: Vec<bool> = (0..p).map(|i| !constrained[i] && usable[i]).collect();
    let mut x = solve_subset(&g, &h, &in_set);
    if let Some(warm) = warm_start {
        for i in 0..p {
            if constrained[i] && warm[i] && usable[i] {
                in_set[i] = true;
            }
        }
        restore_feasibility(&g, &h, constrained, &mut in_set, &mut x);
    }

    let max_outer = 3 * p + 10;
    for _ in 0..max_outer {
        let mut best = None;
        let mut best_gradient = tolerance;
        for i in 0..p {
            if constrained[i] && usable[i] && !in_set[i] {
                let gradient = h[i] - dot_row(&g, p, i, &x);
                if gradient > best_gradient {
                    best_gradient = gradient;
                    best = Some(i);
                }
            }
        }
        let Some(entering) = best else { break };
        in_set[entering] = true;
        let z = solve_subset(&g, &h, &in_set);
        if z[entering] <= 0.0 {
            // Rounding made the entering variable non-positive; stop rather than cycle.
            in_set[entering] = false;
            break;
        }
        restore_feasibility(&g, &h, constrained, &mut in_set, &mut x);
    }
    for i in 0..p {
        x[i] *= scale[i];
    }
    NnlsSolution { x, in_set }
}

/// Runs the inner loop of NNLS: moves from feasible `x` towards the unconstrained solution on
/// `in_set`, dropping constrained variables that reach zero, until that solution is feasible.
fn restore_feasibility(
    g: &[f64],
    h: &[f64],
    constrained: &[bool],
    in_set: &mut [bool],
    x: &mut [f64],
) {
    let p = h.len();
    for _ in 0..=p {
        let z = solve_subset(g, h, in_set);
        let mut alpha = f64::INFINITY;
        for i in 0..p {
            if in_set[i] && constrained[i] && z[i] <= 0.0 {
                let step = x[i] / (x[i] - z[i]);
                if step < alpha {
                    alpha = step;
                }
            }
        }
        if !alpha.is_finite() {
            x.copy_from_slice(&z);
            return;
        }
        let alpha = alpha.clamp(0.0, 1.0);
        for i in 0..p {
            x[i] += alpha * (z[i] - x[i]);
            if in_set[i] && constrained[i] && x[i] <= 1e-300 {
                x[i] = 0.0;
                in_set[i] = false;
            }
        }
        // The variable that set alpha may sit at a tiny positive value from rounding.
        for i in 0..p {
            if in_set[i] && constrained[i] && z[i] <= 0.0 && x[i] <= 1e-12 * (1.0 + z[i].abs()) {
                x[i] = 0.0;
                in_set[i] = false;
            }
        }
    }
}

fn dot_row(g: &[f64], p: usize, row: usize, x: &[f64]) -> f64 {
    g[row * p..(row + 1) * p]
        .iter()
        .zip(x)
        .map(|(a, b)| a * b)
        .sum()
}

/// Unconstrained least squares on the variables in `in_set`; the others are zero.
fn solve_subset(g: &[f64], h: &[f64], in_set: &[bool]) -> Vec<f64> {
    let p = h.len();
    let index: Vec<usize> = (0..p).filter(|&i| in_set[i]).collect();
    let m = index.len();
    let mut result = vec![0.0; p];
    if m == 0 {
        return result;
    }
    let mut sub = vec![0.0; m * m];
    let mut b = vec![0.0; m];
    for (a, &i) in index.iter().enumerate() {
        b[a] = h[i];
        for (c, &j) in index.iter().enumerate() {
            sub[a * m + c] = g[i * p + j];
        }
    }
    if let Some(factor) = Cholesky::new(&sub, m) {
        factor.solve_in_place(&mut b);
        for (a, &i) in index.iter().enumerate() {
            result[i] = b[a];
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gram_of(a: &[Vec<f64>], y: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let p = a[0].len();
        let mut g = vec![0.0; p * p];
        let mut h = vec![0.0; p];
        for (row, &target) in a.iter().zip(y) {
            for i in 0..p {
                h[i] += row[i] * target;
                for j in 0..p {
                    g[i * p + j] += row[i] * row[j];
                }
            }
        }
        (g, h)
    }

    #[test]
    fn nnls_matches_known_solution() {
        // Unconstrained solution is (2, -1); with x1 >= 0 the optimum is x1 = 0 and
        // x0 = argmin |a0 x0 - y| = (1*1 + 1*2 + 1*0) / 3 = 1.
        let a = vec![vec![1.0, 1.0], vec![1.0, 0.0], vec![1.0, 2.0]];
        let y: Vec<f64> = a.iter().map(|r| 2.0 * r[0] - r[1]).collect();
        let (g, h) = gram_of(&a, &y);
        let solution = nnls_gram(&g, &h, &[true, true], None);
        assert!((solution.x[0] - 1.0).abs() < 1e-12, "{:?}", solution.x);
        assert!(solution.x[1].abs() < 1e-15);
        assert!(!solution.in_set[1]);
    }

    #[test]
    fn unconstrained_variables_may_go_negative() {
        let a = vec![vec![1.0, 1.0], vec![1.0, 0.0], vec![1.0, 2.0]];
        let y: Vec<f64> = a.iter().map(|r| 2.0 * r[0] - r[1]).collect();
        let (g, h) = gram_of(&a, &y);
        let solution = nnls_gram(&g, &h, &[true, false], None);
        assert!((solution.x[0] - 2.0).abs() < 1e-10);
        assert!((solution.x[1] + 1.0).abs() < 1e-10);
    }

    #[test]
    fn warm_start_gives_same_solution() {
        let a = vec![
            vec![1.0, 0.5, 0.2],
            vec![0.3, 1.0, 0.1],
            vec![0.2, 0.4, 1.0],
            vec![0.9, 0.1, 0.3],
        ];
        let y = vec![1.0, -0.5, 2.0, 0.7];
        let (g, h) = gram_of(&a, &y);
        let cold = nnls_gram(&g, &h, &[true, true, true], None);
        let warm = nnls_gram(&g, &h, &[true, true, true], Some(&[true, true, true]));
        for (c, w) in cold.x.iter().zip(&warm.x) {
            assert!((c - w).abs() < 1e-12);
        }
        // Karush-Kuhn-Tucker conditions: zero variables have a non-positive gradient.
        for i in 0..3 {
            let gradient: f64 = h[i] - (0..3).map(|j| g[i * 3 + j] * cold.x[j]).sum::<f64>();
            assert!(cold.x[i] >= 0.0);
            if cold.x[i] == 0.0 {
                assert!(gradient <= 1e-10);
            } else {
                assert!(gradient.abs() < 1e-10);
            }
        }
    }
}
