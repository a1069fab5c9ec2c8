//! Density-matrix engine for one strongly coupled group of 1H spins.
//!
//! Basis: Zeeman product states. Bit `k` of a state index is spin `k`: 0 for alpha
//! (m = +1/2), 1 for beta (m = -1/2). The number of beta spins `q` fixes the total
//! `Fz = n/2 - q`, and the coherence order of element `rho[a][b]` is
//! `M_a - M_b = q_b - q_a`.
//!
//! Hamiltonian, in Hz, in the frame rotating at the receiver frequency:
//! `H = sum_i nu_i Iz_i + sum_{i<j} J_ij (I_i . I_j)` (the full strong-coupling form). `H` is
//! real in this basis and conserves `Fz`, so it is diagonalised once per `Fz` block with a
//! real symmetric eigen decomposition, and free evolution acts block pair by block pair.
//!
//! Sign convention: `rho(t) = exp(-i 2 pi H t) rho exp(+i 2 pi H t)` and the signal is
//! `Tr(rho F+) / 2^(n-2)`, which picks coherence order -1. A proton at offset `nu` then gives
//! `exp(+i 2 pi nu t)`, a line at `+nu` Hz as `mrs-core` defines it, and one proton tipped by
//! a 90 degree pulse of phase 90 degrees gives the real, positive first point 1.

use nalgebra::{DMatrix, SymmetricEigen};
use num_complex::Complex64;
use std::f64::consts::PI;

/// One `Fz` block of the Hamiltonian, diagonalised.
#[derive(Debug, Clone)]
struct Block {
    /// Basis-state indices with this number of beta spins.
    states: Vec<usize>,
    /// Eigenvalues in Hz.
    energies_hz: Vec<f64>,
    /// Eigenvectors as columns; rows follow `states`.
    vectors: DMatrix<f64>,
}

/// A strongly coupled group of spins with its diagonalised Hamiltonian.
#[derive(Debug, Clone)]
pub struct CoupledGroup {
    n_spins: usize,
    /// Blocks indexed by the number of beta spins, 0..=n.
    blocks: Vec<Block>,
}

/// A line of the acquired signal: complex amplitude and frequency in Hz.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Line {
    /// Complex amplitude at the start of acquisition, in proton units.
    pub amplitude: Complex64,
    /// Frequency offset from the receiver, in Hz.
    pub frequency_hz: f64,
}

impl CoupledGroup {
    /// Builds and diagonalises `H` for spins at `offsets_hz` with `(i, j, J in Hz)` couplings.
    ///
    /// The caller guarantees valid indices and a spin count small enough for a dense matrix.
    pub fn new(offsets_hz: &[f64], couplings_hz: &[(usize, usize, f64)]) -> Self {
        let n_spins = offsets_hz.len();
        let dimension = 1usize << n_spins;
        let mut blocks = Vec::with_capacity(n_spins + 1);
        for q in 0..=n_spins {
            let states: Vec<usize> = (0..dimension)
                .filter(|s| s.count_ones() as usize == q)
                .collect();
            let size = states.len();
            let mut hamiltonian = DMatrix::<f64>::zeros(size, size);
            for (row, &state) in states.iter().enumerate() {
                let m = |k: usize| if state >> k & 1 == 0 { 0.5 } else { -0.5 };
                let mut diagonal = 0.0;
                for (k, &nu) in offsets_hz.iter().enumerate() {
                    diagonal += nu * m(k);
                }
                for &(i, j, coupling) in couplings_hz {
                    diagonal += coupling * m(i) * m(j);
                    if (state >> i & 1) != (state >> j & 1) {
                        // Flip-flop term J/2 (I+_i I-_j + I-_i I+_j) links the swapped state.
                        // The partner has the same number of beta spins, so it is in this block.
                        let partner = state ^ (1 << i) ^ (1 << j);
                        if let Ok(column) = states.binary_search(&partner) {
                            hamiltonian[(row, column)] += 0.5 * coupling;
                        }
                    }
                }
                hamiltonian[(row, row)] += diagonal;
            }
            let eigen = SymmetricEigen::new(hamiltonian);
            blocks.push(Block {
                states,
                energies_hz: eigen.eigenvalues.iter().copied().collect(),
                vectors: eigen.eigenvectors,
            });
        }
        CoupledGroup { n_spins, blocks }
    }

    /// Number of spins.
    pub fn n_spins(&self) -> usize {
        self.n_spins
    }

    /// Evolves `rho` freely for `duration_s` under the group's Hamiltonian.
    pub fn evolve(&self, rho: &mut DensityMatrix, duration_s: f64) {
        for block_a in &self.blocks {
            for block_b in &self.blocks {
                let mut sub = rho.gather(&block_a.states, &block_b.states);
                if sub.is_zero() {
                    continue;
                }
                sub.transform_into_eigenbasis(&block_a.vectors, &block_b.vectors);
                for (a, &energy_a) in block_a.energies_hz.iter().enumerate() {
                    for (b, &energy_b) in block_b.energies_hz.iter().enumerate() {
                        let phase = -2.0 * PI * (energy_a - energy_b) * duration_s;
                        sub.multiply_element(a, b, Complex64::from_polar(1.0, phase));
                    }
                }
                sub.transform_back(&block_a.vectors, &block_b.vectors);
                rho.scatter(&block_a.states, &block_b.states, &sub);
            }
        }
    }

    /// Lines of `Tr(rho(t) F+) / 2^(n-2)` for `t >= 0` after the current state.
    pub fn acquire(&self, rho: &DensityMatrix) -> Vec<Line> {
        let scale = 2f64.powi(2 - self.n_spins as i32);
        let mut lines = Vec::new();
        for q in 1..=self.n_spins {
            // Order -1: rows with q beta spins, columns with q - 1.
            let block_a = &self.blocks[q];
            let block_b = &self.blocks[q - 1];
            let mut sub = rho.gather(&block_a.states, &block_b.states);
            if sub.is_zero() {
                continue;
            }
            sub.transform_into_eigenbasis(&block_a.vectors, &block_b.vectors);
            // F+ from block a (q beta) to block b (q - 1 beta): clears one beta bit.
            let mut raising = DMatrix::<f64>::zeros(block_b.states.len(), block_a.states.len());
            for (column, &state) in block_a.states.iter().enumerate() {
                for k in 0..self.n_spins {
                    if state >> k & 1 == 1 {
                        let target = state & !(1 << k);
                        if let Ok(row) = block_b.states.binary_search(&target) {
                            raising[(row, column)] += 1.0;
                        }
                    }
                }
            }
            let raising_eigen = block_b.vectors.transpose() * raising * &block_a.vectors;
            for (a, &energy_a) in block_a.energies_hz.iter().enumerate() {
                for (b, &energy_b) in block_b.energies_hz.iter().enumerate() {
                    let amplitude = sub.element(a, b) * raising_eigen[(b, a)] * scale;
                    if amplitude.norm() > 0.0 {
                        lines.push(Line {
                            amplitude,
                            frequency_hz: energy_b - energy_a,
                        });
                    }
                }
            }
        }
        lines
    }
}

/// A complex matrix stored as real and imaginary parts, so that products with the real
/// eigenvector matrices use real matrix multiplication.
struct SplitMatrix {
    re: DMatrix<f64>,
    im: DMatrix<f64>,
}

impl SplitMatrix {
    fn is_zero(&self) -> bool {
        self.re.iter().chain(self.im.iter()).all(|v| *v == 0.0)
    }

    fn transform_into_eigenbasis(&mut self, left: &DMatrix<f64>, right: &DMatrix<f64>) {
        self.re = left.transpose() * &self.re * right;
        self.im = left.transpose() * &self.im * right;
    }

    fn transform_back(&mut self, left: &DMatrix<f64>, right: &DMatrix<f64>) {
        self.re = left * &self.re * right.transpose();
        self.im = left * &self.im * right.transpose();
    }

    fn element(&self, row: usize, column: usize) -> Complex64 {
        Complex64::new(self.re[(row, column)], self.im[(row, column)])
    }

    fn multiply_element(&mut self, row: usize, column: usize, factor: Complex64) {
        let value = self.element(row, column) * factor;
        self.re[(row, column)] = value.re;
        self.im[(row, column)] = value.im;
    }
}

/// The deviation density matrix of a group of spins in the Zeeman product basis.
#[derive(Debug, Clone, PartialEq)]
pub struct DensityMatrix {
    n_spins: usize,
    values: DMatrix<Complex64>,
}

impl DensityMatrix {
    /// Thermal equilibrium in the high-temperature limit, less the identity part: `Fz`.
    pub fn thermal(n_spins: usize) -> Self {
        let dimension = 1usize << n_spins;
        let mut values = DMatrix::<Complex64>::zeros(dimension, dimension);
        for state in 0..dimension {
            let beta = state.count_ones() as f64;
            values[(state, state)] = Complex64::new(0.5 * n_spins as f64 - beta, 0.0);
        }
        DensityMatrix { n_spins, values }
    }

    /// Wraps an explicit matrix of size `2^n x 2^n`; `None` for any other size.
    pub fn from_matrix(values: DMatrix<Complex64>) -> Option<Self> {
        let dimension = values.nrows();
        if dimension == 0 || !dimension.is_power_of_two() || values.ncols() != dimension {
            return None;
        }
        Some(DensityMatrix {
            n_spins: dimension.trailing_zeros() as usize,
            values,
        })
    }

    /// Matrix elements in the Zeeman product basis.
    pub fn matrix(&self) -> &DMatrix<Complex64> {
        &self.values
    }

    /// Number of spins.
    pub fn n_spins(&self) -> usize {
        self.n_spins
    }

    /// Applies an ideal hard pulse `exp(-i theta (cos(phi) Fx + sin(phi) Fy))` to every spin.
    pub fn rotate(&mut self, flip_angle_rad: f64, phase_rad: f64) {
        let c = Complex64::new((0.5 * flip_angle_rad).cos(), 0.0);
        let s = (0.5 * flip_angle_rad).sin();
        // Single-spin rotation in the (alpha, beta) basis.
        let r01 = Complex64::new(0.0, -s) * Complex64::from_polar(1.0, -phase_rad);
        let r10 = Complex64::new(0.0, -s) * Complex64::from_polar(1.0, phase_rad);
        let rotation = [[c, r01], [r10, c]];
        let dimension = self.values.nrows();
        for k in 0..self.n_spins {
            let bit = 1usize << k;
            // rho <- R rho: mix row pairs that differ in bit k.
            for low in (0..dimension).filter(|i| i & bit == 0) {
                let high = low | bit;
                for column in 0..dimension {
                    let x0 = self.values[(low, column)];
                    let x1 = self.values[(high, column)];
                    self.values[(low, column)] = rotation[0][0] * x0 + rotation[0][1] * x1;
                    self.values[(high, column)] = rotation[1][0] * x0 + rotation[1][1] * x1;
                }
            }
            // rho <- rho R^dagger: mix column pairs with the conjugate transpose.
            for low in (0..dimension).filter(|i| i & bit == 0) {
                let high = low | bit;
                for row in 0..dimension {
                    let x0 = self.values[(row, low)];
                    let x1 = self.values[(row, high)];
                    self.values[(row, low)] =
                        x0 * rotation[0][0].conj() + x1 * rotation[0][1].conj();
                    self.values[(row, high)] =
                        x0 * rotation[1][0].conj() + x1 * rotation[1][1].conj();
                }
            }
        }
    }

    /// Keeps only the elements of coherence order `order` (`M_row - M_column`), as an ideal
    /// pair of crusher gradients does for one coherence-transfer pathway.
    ///
    /// The result follows one pathway and is not Hermitian. The physical state averaged over
    /// the voxel is this matrix plus its conjugate transpose, the mirror pathway.
    pub fn select_coherence(&mut self, order: i32) {
        let dimension = self.values.nrows();
        for column in 0..dimension {
            let q_column = column.count_ones() as i32;
            for row in 0..dimension {
                let q_row = row.count_ones() as i32;
                if q_column - q_row != order {
                    self.values[(row, column)] = Complex64::new(0.0, 0.0);
                }
            }
        }
    }

    /// Largest `|rho - rho^dagger|` element.
    pub fn hermitian_deviation(&self) -> f64 {
        let adjoint = self.values.adjoint();
        (&self.values - adjoint)
            .iter()
            .fold(0.0, |worst: f64, v| worst.max(v.norm()))
    }

    /// `Tr(rho)`.
    pub fn trace(&self) -> Complex64 {
        self.values.trace()
    }

    /// `Tr(rho^2)`, conserved by unitary evolution for a Hermitian `rho`.
    pub fn trace_of_square(&self) -> Complex64 {
        (&self.values * &self.values).trace()
    }

    fn gather(&self, rows: &[usize], columns: &[usize]) -> SplitMatrix {
        let mut re = DMatrix::<f64>::zeros(rows.len(), columns.len());
        let mut im = DMatrix::<f64>::zeros(rows.len(), columns.len());
        for (j, &column) in columns.iter().enumerate() {
            for (i, &row) in rows.iter().enumerate() {
                let value = self.values[(row, column)];
                re[(i, j)] = value.re;
                im[(i, j)] = value.im;
            }
        }
        SplitMatrix { re, im }
    }

    fn scatter(&mut self, rows: &[usize], columns: &[usize], sub: &SplitMatrix) {
        for (j, &column) in columns.iter().enumerate() {
            for (i, &row) in rows.iter().enumerate() {
                self.values[(row, column)] = sub.element(i, j);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rounding of double-precision arithmetic over a few hundred operations.
    const ALGEBRA_TOLERANCE: f64 = 1e-12;

    #[test]
    fn singlet_pulse_gives_unit_real_signal() {
        let group = CoupledGroup::new(&[50.0], &[]);
        let mut rho = DensityMatrix::thermal(1);
        rho.rotate(PI / 2.0, PI / 2.0);
        let lines = group.acquire(&rho);
        assert_eq!(lines.len(), 1);
        assert!((lines[0].amplitude - Complex64::new(1.0, 0.0)).norm() < ALGEBRA_TOLERANCE);
        assert!((lines[0].frequency_hz - 50.0).abs() < ALGEBRA_TOLERANCE);
    }

    #[test]
    fn x_pulse_gives_minus_i() {
        // exp(-i pi/2 Ix) Iz exp(+i pi/2 Ix) = -Iy, whose F+ signal is -i.
        let group = CoupledGroup::new(&[0.0], &[]);
        let mut rho = DensityMatrix::thermal(1);
        rho.rotate(PI / 2.0, 0.0);
        let total: Complex64 = group.acquire(&rho).iter().map(|l| l.amplitude).sum();
        assert!((total - Complex64::new(0.0, -1.0)).norm() < ALGEBRA_TOLERANCE);
    }

    #[test]
    fn eigenvectors_diagonalise_each_block() {
        let group = CoupledGroup::new(&[10.0, 18.0, -40.0], &[(0, 1, 7.0), (1, 2, -12.0)]);
        for block in &group.blocks {
            let n = block.states.len();
            let orthogonality = block.vectors.transpose() * &block.vectors;
            for i in 0..n {
                for j in 0..n {
                    let expected = if i == j { 1.0 } else { 0.0 };
                    assert!((orthogonality[(i, j)] - expected).abs() < ALGEBRA_TOLERANCE);
                }
            }
        }
    }

    #[test]
    fn selection_keeps_only_requested_order() {
        let mut rho = DensityMatrix::thermal(2);
        rho.rotate(PI / 2.0, PI / 2.0);
        rho.select_coherence(-1);
        for column in 0..4usize {
            for row in 0..4usize {
                let order = column.count_ones() as i32 - row.count_ones() as i32;
                if order != -1 {
                    assert!(rho.matrix()[(row, column)].norm() < ALGEBRA_TOLERANCE);
                }
            }
        }
        assert!(rho.matrix()[(1, 0)].norm() > 0.1);
    }
}
