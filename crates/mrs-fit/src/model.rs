//! The linear-combination model, its variable-projection residual and analytic Jacobian, and
//! the Fisher information behind the Cramér-Rao bounds.
//!
//! Model at window point `i` (ppm `p_i`):
//! `S_i = exp(i (phi0 + phi1 (p_i - pivot))) sum_j a_j F[b_j(t) L_j(t)]_i + baseline_i`, with
//! `L_j(t) = exp((-pi (l + l_j) + i 2 pi (d + d_j)) t - (pi g t)^2 / (4 ln 2))`, where `l`, `g`
//! are the shared Lorentzian and Gaussian FWHMs (Hz), `d` the shared shift (Hz) and `l_j`,
//! `d_j` per-entry terms kept inside `±bound` by `bound * tanh(raw / bound)`.
//!
//! With a free-form lineshape, `F[b_j(t) L_j(t)]` is replaced by its convolution with a real
//! kernel `sum_s S_s F[b_j L_j](f - s df)` over `s = -n..n`, `df` a whole number of FFT bins
//! (the FFT output moved by `s df` is the transform of the FID times `exp(i 2 pi s df t)`).
//! The kernel sums to 1: the off-centre values are parameters and `S_0 = 1 - sum of them`.
//! The second differences of its departure from a delta, and its centroid (which would
//! otherwise trade off against the shift), are prior rows.
//!
//! The amplitudes `a_j >= 0` and the baseline coefficients enter linearly. For given nonlinear
//! parameters they are solved by non-negative least squares; the solver sees only the
//! nonlinear parameters (variable projection, Golub and Pereyra, SIAM J Numer Anal 1973;10:413)
//! and the Jacobian is the exact derivative of the projected residual for the current set of
//! positive amplitudes.

use crate::nnls::{nnls_gram, Cholesky};
use crate::prepare::{stack, Prepared};
use mrs_core::Complex64;
use std::f64::consts::{LN_2, PI};

/// Positions of the nonlinear parameters in the solver's parameter vector.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    pub phase1: bool,
    pub entry_shift: bool,
    pub entry_lorentzian: bool,
    pub n_entries: usize,
    /// Points on each side of the centre of the free-form lineshape kernel; 0 without one.
    pub kernel_sides: usize,
}

impl Layout {
    pub fn phase1_index(&self) -> Option<usize> {
        self.phase1.then_some(1)
    }
    fn global_base(&self) -> usize {
        if self.phase1 {
            2
        } else {
            1
        }
    }
    pub fn shift_index(&self) -> usize {
        self.global_base()
    }
    pub fn lorentzian_index(&self) -> usize {
        self.global_base() + 1
    }
    pub fn gaussian_index(&self) -> usize {
        self.global_base() + 2
    }
    pub fn entry_shift_index(&self, j: usize) -> Option<usize> {
        self.entry_shift.then(|| self.global_base() + 3 + j)
    }
    pub fn entry_lorentzian_index(&self, j: usize) -> Option<usize> {
        let offset = if self.entry_shift { self.n_entries } else { 0 };
        self.entry_lorentzian
            .then(|| self.global_base() + 3 + offset + j)
    }
    /// Index of the kernel value at offset `s` (`s != 0`, `|s| <= kernel_sides`).
    pub fn kernel_index(&self, s: isize) -> Option<usize> {
        let n = self.kernel_sides as isize;
        if n == 0 || s == 0 || s.abs() > n {
            return None;
        }
        let mut base = self.global_base() + 3;
        if self.entry_shift {
            base += self.n_entries;
        }
        if self.entry_lorentzian {
            base += self.n_entries;
        }
        let position = if s < 0 { s + n } else { s + n - 1 };
        Some(base + position as usize)
    }
    pub fn len(&self) -> usize {
        let mut n = self.global_base() + 3;
        if self.entry_shift {
            n += self.n_entries;
        }
        if self.entry_lorentzian {
            n += self.n_entries;
        }
        n + 2 * self.kernel_sides
    }
}

/// Decoded nonlinear parameters in physical units.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Nonlinear {
    pub phase0_rad: f64,
    pub phase1_rad_per_ppm: f64,
    pub shift_hz: f64,
    pub lorentzian_hz: f64,
    pub gaussian_hz: f64,
    pub entry_shift_hz: Vec<f64>,
    pub entry_lorentzian_hz: Vec<f64>,
    /// Free-form lineshape kernel `S_{-n}..S_n` (summing to 1); empty without one.
    pub kernel: Vec<f64>,
}

/// A soft constraint `sum over (k, c) of c * a[k] = 0`, each entry `k` listed once.
#[derive(Debug, Clone)]
pub(crate) struct RatioRow {
    pub coefficients: Vec<(usize, f64)>,
}

impl RatioRow {
    /// Builds the row `weight * (a[numerator] - ratio * sum of factor * a[k])`, merging an
    /// entry that appears more than once (the numerator may be in the denominator too).
    pub fn new(numerator: usize, denominator: &[(usize, f64)], ratio: f64, weight: f64) -> Self {
        let mut coefficients: Vec<(usize, f64)> = vec![(numerator, weight)];
        for &(k, factor) in denominator {
            let value = -weight * ratio * factor;
            match coefficients.iter_mut().find(|(j, _)| *j == k) {
                Some((_, c)) => *c += value,
                None => coefficients.push((k, value)),
            }
        }
        RatioRow { coefficients }
    }
}

/// Priors on the nonlinear parameters: residual rows `weight * (value - mean)`.
#[derive(Debug, Clone)]
pub(crate) struct NonlinearPriors {
    pub phase1_weight: f64,
    pub entry_shift_mean_hz: Vec<f64>,
    pub entry_shift_weight: Vec<f64>,
    pub entry_lorentzian_mean_hz: Vec<f64>,
    pub entry_lorentzian_weight: Vec<f64>,
}

/// A baseline coefficient's column in the stacked data rows.
#[derive(Debug, Clone)]
struct BaselineColumn {
    /// Row offset: 0 for the real block, `n_points` for the imaginary block.
    offset: usize,
    /// Index of the baseline function.
    function: usize,
    /// First and one-past-last window point where the function is non-zero.
    support: (usize, usize),
}

/// Everything about the model that does not change during a fit.
pub(crate) struct Model<'a> {
    pub prep: &'a Prepared,
    pub layout: Layout,
    pub entry_shift_bound_hz: f64,
    pub entry_lorentzian_bound_hz: f64,
    pub priors: NonlinearPriors,
    pub ratio_rows: Vec<RatioRow>,
    /// Grid step of the lineshape kernel in FFT bins.
    pub kernel_step_bins: isize,
    /// Weight of the kernel's second-difference rows.
    pub kernel_weight: f64,
    /// Weight of the row that keeps the kernel's centroid `sum_s s S_s` (in steps) at 0.
    pub kernel_centroid_weight: f64,
    baseline_columns: Vec<BaselineColumn>,
    /// Gram matrix of the baseline block including the penalty rows.
    baseline_gram: Vec<f64>,
    /// Penalty rows per baseline block, over that block's coefficients.
    n_penalty_rows_per_block: usize,
    target: Vec<f64>,
    time_s: Vec<f64>,
}

/// Result of evaluating the model at one parameter vector.
#[derive(Debug, Clone)]
pub(crate) struct State {
    pub nonlinear: Nonlinear,
    /// Lineshape-modified FIDs `b_j L_j` on the model time grid.
    pub signals: Vec<Vec<Complex64>>,
    /// Phased window spectra of each entry.
    pub columns: Vec<Vec<Complex64>>,
    /// Stacked real rows of each column.
    pub stacked: Vec<Vec<f64>>,
    /// Phase factor at each window point.
    pub phase: Vec<Complex64>,
    /// Linear unknowns: amplitudes then baseline coefficients.
    pub linear: Vec<f64>,
    /// Flags of the linear unknowns that are free at the solution.
    pub in_set: Vec<bool>,
    /// Gram matrix of all linear columns, row-major.
    pub gram: Vec<f64>,
    /// Full residual: data rows, linear prior rows, nonlinear prior rows.
    pub residual: Vec<f64>,
}

impl<'a> Model<'a> {
    pub fn new(
        prep: &'a Prepared,
        layout: Layout,
        entry_shift_bound_hz: f64,
        entry_lorentzian_bound_hz: f64,
        priors: NonlinearPriors,
        ratio_rows: Vec<RatioRow>,
    ) -> Self {
        let n_points = prep.ppm.len();
        let blocks: &[usize] = if prep.complex { &[0, 1] } else { &[0] };
        let mut baseline_columns = Vec::new();
        for &block in blocks {
            for (function, column) in prep.baseline.columns.iter().enumerate() {
                let start = column.iter().position(|v| *v != 0.0).unwrap_or(0);
                let end = column.iter().rposition(|v| *v != 0.0).map_or(0, |e| e + 1);
                baseline_columns.push(BaselineColumn {
                    offset: block * n_points,
                    function,
                    support: (start, end.max(start)),
                });
            }
        }
        let n_functions = prep.baseline.columns.len();
        let nb = baseline_columns.len();
        let mut baseline_gram = vec![0.0; nb * nb];
        for a in 0..nb {
            for b in 0..nb {
                let (ca, cb) = (&baseline_columns[a], &baseline_columns[b]);
                if ca.offset != cb.offset {
                    continue;
                }
                let fa = &prep.baseline.columns[ca.function];
                let fb = &prep.baseline.columns[cb.function];
                let start = ca.support.0.max(cb.support.0);
                let end = ca.support.1.min(cb.support.1);
                let mut sum: f64 = (start..end).map(|i| fa[i] * fb[i]).sum();
                for row in &prep.baseline.penalty {
                    sum += row[ca.function] * row[cb.function];
                }
                baseline_gram[a * nb + b] = sum;
            }
        }
        let _ = n_functions;
        let time_s = (0..prep.fids[0].len())
            .map(|n| n as f64 * prep.dwell_time_s)
            .collect();
        Model {
            prep,
            layout,
            entry_shift_bound_hz,
            entry_lorentzian_bound_hz,
            priors,
            ratio_rows,
            kernel_step_bins: 1,
            kernel_weight: 0.0,
            kernel_centroid_weight: 0.0,
            baseline_columns,
            baseline_gram,
            n_penalty_rows_per_block: prep.baseline.penalty.len(),
            target: prep.stacked_target(),
            time_s,
        }
    }

    /// Sets the kernel's grid step in FFT bins and the weights of its second-difference rows
    /// and of its centroid row (used when the layout has a kernel).
    pub fn with_kernel(mut self, step_bins: usize, weight: f64, centroid_weight: f64) -> Self {
        self.kernel_step_bins = step_bins.max(1) as isize;
        self.kernel_weight = weight;
        self.kernel_centroid_weight = centroid_weight;
        self
    }

    pub fn n_entries(&self) -> usize {
        self.prep.names.len()
    }

    pub fn n_linear(&self) -> usize {
        self.n_entries() + self.baseline_columns.len()
    }

    pub fn n_data_rows(&self) -> usize {
        self.target.len()
    }

    fn n_blocks(&self) -> usize {
        if self.prep.complex {
            2
        } else {
            1
        }
    }

    pub fn n_linear_prior_rows(&self) -> usize {
        self.n_blocks() * self.n_penalty_rows_per_block + self.ratio_rows.len()
    }

    pub fn n_nonlinear_prior_rows(&self) -> usize {
        let mut n = usize::from(self.layout.phase1);
        if self.layout.entry_shift {
            n += self.n_entries();
        }
        if self.layout.entry_lorentzian {
            n += self.n_entries();
        }
        if self.layout.kernel_sides > 0 {
            n += 2 * self.layout.kernel_sides + 2;
        }
        n
    }

    pub fn n_rows(&self) -> usize {
        self.n_data_rows() + self.n_linear_prior_rows() + self.n_nonlinear_prior_rows()
    }

    /// Stacked data rows.
    pub fn target(&self) -> &[f64] {
        &self.target
    }

    pub fn decode(&self, params: &[f64]) -> Nonlinear {
        let layout = &self.layout;
        let n = self.n_entries();
        let bounded = |raw: f64, bound: f64| bound * (raw / bound).tanh();
        Nonlinear {
            phase0_rad: params[0],
            phase1_rad_per_ppm: layout.phase1_index().map_or(0.0, |i| params[i]),
            shift_hz: params[layout.shift_index()],
            lorentzian_hz: params[layout.lorentzian_index()],
            gaussian_hz: params[layout.gaussian_index()],
            entry_shift_hz: (0..n)
                .map(|j| {
                    layout
                        .entry_shift_index(j)
                        .map_or(0.0, |i| bounded(params[i], self.entry_shift_bound_hz))
                })
                .collect(),
            entry_lorentzian_hz: (0..n)
                .map(|j| {
                    layout
                        .entry_lorentzian_index(j)
                        .map_or(0.0, |i| bounded(params[i], self.entry_lorentzian_bound_hz))
                })
                .collect(),
            kernel: self.decode_kernel(params),
        }
    }

    /// Kernel values `S_{-n}..S_n` from the parameters, `S_0` making the sum 1.
    fn decode_kernel(&self, params: &[f64]) -> Vec<f64> {
        let n = self.layout.kernel_sides as isize;
        if n == 0 {
            return Vec::new();
        }
        let mut kernel: Vec<f64> = (-n..=n)
            .map(|s| self.layout.kernel_index(s).map_or(0.0, |i| params[i]))
            .collect();
        let others: f64 = kernel.iter().sum();
        kernel[n as usize] = 1.0 - others;
        kernel
    }

    /// Parameter vector for physical values; per-entry terms must lie inside their bounds.
    pub fn encode(&self, nonlinear: &Nonlinear) -> Vec<f64> {
        let layout = &self.layout;
        let mut params = vec![0.0; layout.len()];
        let unbounded =
            |value: f64, bound: f64| bound * (value / bound).clamp(-0.999, 0.999).atanh();
        params[0] = nonlinear.phase0_rad;
        if let Some(i) = layout.phase1_index() {
            params[i] = nonlinear.phase1_rad_per_ppm;
        }
        params[layout.shift_index()] = nonlinear.shift_hz;
        params[layout.lorentzian_index()] = nonlinear.lorentzian_hz;
        params[layout.gaussian_index()] = nonlinear.gaussian_hz;
        for j in 0..self.n_entries() {
            if let Some(i) = layout.entry_shift_index(j) {
                params[i] = unbounded(nonlinear.entry_shift_hz[j], self.entry_shift_bound_hz);
            }
            if let Some(i) = layout.entry_lorentzian_index(j) {
                params[i] = unbounded(
                    nonlinear.entry_lorentzian_hz[j],
                    self.entry_lorentzian_bound_hz,
                );
            }
        }
        let n = self.layout.kernel_sides as isize;
        if nonlinear.kernel.len() == 2 * self.layout.kernel_sides + 1 {
            for s in -n..=n {
                if let Some(i) = self.layout.kernel_index(s) {
                    params[i] = nonlinear.kernel[(s + n) as usize];
                }
            }
        }
        params
    }

    /// Window spectrum of a model-grid signal, convolved with `kernel` when it is not empty.
    fn spectrum(
        &self,
        signal: &[Complex64],
        kernel: &[f64],
        buffer: &mut Vec<Complex64>,
    ) -> Vec<Complex64> {
        if kernel.is_empty() {
            return self.prep.window_spectrum(signal, buffer);
        }
        self.transform(signal, buffer);
        self.convolve(buffer, kernel)
    }

    /// Uncentred FFT of a model-grid signal zero-filled to the FFT length, into `buffer`.
    fn transform(&self, signal: &[Complex64], buffer: &mut Vec<Complex64>) {
        buffer.clear();
        buffer.extend_from_slice(signal);
        buffer.resize(self.prep.n_fft, Complex64::new(0.0, 0.0));
        self.prep.fft.process(buffer);
    }

    /// `sum_s S_s` times the FFT output moved `s` kernel steps up, at the window points.
    fn convolve(&self, raw: &[Complex64], kernel: &[f64]) -> Vec<Complex64> {
        let n = (kernel.len() / 2) as isize;
        let mut sum = vec![Complex64::new(0.0, 0.0); self.prep.ppm.len()];
        for (s, &weight) in (-n..=n).zip(kernel) {
            if weight == 0.0 {
                continue;
            }
            let moved = self.prep.sample_raw(raw, s * self.kernel_step_bins);
            for (total, value) in sum.iter_mut().zip(&moved) {
                *total += weight * value;
            }
        }
        sum
    }

    /// Lineshape-modified FID of entry `j`.
    fn signal(&self, j: usize, nonlinear: &Nonlinear) -> Vec<Complex64> {
        let lorentzian = nonlinear.lorentzian_hz + nonlinear.entry_lorentzian_hz[j];
        let shift = nonlinear.shift_hz + nonlinear.entry_shift_hz[j];
        let gaussian = nonlinear.gaussian_hz;
        let step = Complex64::new(-PI * lorentzian, 2.0 * PI * shift) * self.prep.dwell_time_s;
        let step_factor = step.exp();
        let mut rotation = Complex64::new(1.0, 0.0);
        let gaussian_rate = (PI * gaussian).powi(2) / (4.0 * LN_2);
        self.prep.fids[j]
            .iter()
            .zip(&self.time_s)
            .enumerate()
            .map(|(n, (b, &t))| {
                if n % 256 == 0 {
                    // Recompute exactly now and then so rounding does not accumulate.
                    rotation = (step * n as f64).exp();
                }
                let value = b * rotation * (-gaussian_rate * t * t).exp();
                rotation *= step_factor;
                value
            })
            .collect()
    }

    pub fn phase_factors(&self, nonlinear: &Nonlinear) -> Vec<Complex64> {
        self.prep
            .ppm
            .iter()
            .map(|&p| {
                Complex64::from_polar(
                    1.0,
                    nonlinear.phase0_rad + nonlinear.phase1_rad_per_ppm * (p - self.prep.pivot_ppm),
                )
            })
            .collect()
    }

    /// Dot product of baseline column `c` with stacked rows `v` (data rows only).
    fn baseline_dot(&self, c: usize, v: &[f64]) -> f64 {
        let column = &self.baseline_columns[c];
        let values = &self.prep.baseline.columns[column.function];
        (column.support.0..column.support.1)
            .map(|i| values[i] * v[column.offset + i])
            .sum()
    }

    /// Adds `scale` times baseline column `c` (data rows) to `v`.
    fn baseline_axpy(&self, c: usize, scale: f64, v: &mut [f64]) {
        let column = &self.baseline_columns[c];
        let values = &self.prep.baseline.columns[column.function];
        for i in column.support.0..column.support.1 {
            v[column.offset + i] += scale * values[i];
        }
    }

    /// Values of linear column `k` in the linear prior rows.
    fn prior_rows_of(&self, k: usize) -> Vec<(usize, f64)> {
        let n_entries = self.n_entries();
        let mut rows = Vec::new();
        if k < n_entries {
            let base = self.n_blocks() * self.n_penalty_rows_per_block;
            for (r, row) in self.ratio_rows.iter().enumerate() {
                if let Some(&(_, c)) = row.coefficients.iter().find(|(j, _)| *j == k) {
                    rows.push((base + r, c));
                }
            }
        } else {
            let column = &self.baseline_columns[k - n_entries];
            let block = column.offset / self.prep.ppm.len().max(1);
            for (r, penalty) in self.prep.baseline.penalty.iter().enumerate() {
                let value = penalty[column.function];
                if value != 0.0 {
                    rows.push((block * self.n_penalty_rows_per_block + r, value));
                }
            }
        }
        rows
    }

    /// Evaluates the model: lineshapes, columns, the non-negative linear solve and the
    /// residual. `warm_start` is the previous state's free set.
    pub fn evaluate(&self, params: &[f64], warm_start: Option<&[bool]>) -> State {
        let nonlinear = self.decode(params);
        let phase = self.phase_factors(&nonlinear);
        let n_entries = self.n_entries();
        let mut buffer = Vec::with_capacity(self.prep.n_fft);
        let mut signals = Vec::with_capacity(n_entries);
        let mut columns = Vec::with_capacity(n_entries);
        let mut stacked = Vec::with_capacity(n_entries);
        for j in 0..n_entries {
            let signal = self.signal(j, &nonlinear);
            let mut column = self.spectrum(&signal, &nonlinear.kernel, &mut buffer);
            for (value, factor) in column.iter_mut().zip(&phase) {
                *value *= factor;
            }
            stacked.push(stack(&column, self.prep.complex));
            columns.push(column);
            signals.push(signal);
        }
        let (gram, rhs) = self.normal_equations(&stacked);
        let p = self.n_linear();
        let constrained: Vec<bool> = (0..p).map(|k| k < n_entries).collect();
        let solution = nnls_gram(&gram, &rhs, &constrained, warm_start);
        let residual = self.residual(&stacked, &solution.x, &nonlinear, params);
        State {
            nonlinear,
            signals,
            columns,
            stacked,
            phase,
            linear: solution.x,
            in_set: solution.in_set,
            gram,
            residual,
        }
    }

    /// Gram matrix and right-hand side of all linear columns, prior rows included.
    fn normal_equations(&self, stacked: &[Vec<f64>]) -> (Vec<f64>, Vec<f64>) {
        let n_entries = self.n_entries();
        let nb = self.baseline_columns.len();
        let p = n_entries + nb;
        let mut gram = vec![0.0; p * p];
        let mut rhs = vec![0.0; p];
        for i in 0..n_entries {
            rhs[i] = dot(&stacked[i], &self.target);
            for j in 0..=i {
                let value = dot(&stacked[i], &stacked[j]);
                gram[i * p + j] = value;
                gram[j * p + i] = value;
            }
            for c in 0..nb {
                let value = self.baseline_dot(c, &stacked[i]);
                gram[i * p + n_entries + c] = value;
                gram[(n_entries + c) * p + i] = value;
            }
        }
        for c in 0..nb {
            rhs[n_entries + c] = self.baseline_dot(c, &self.target);
            for d in 0..nb {
                gram[(n_entries + c) * p + n_entries + d] = self.baseline_gram[c * nb + d];
            }
        }
        for row in &self.ratio_rows {
            for &(a, ca) in &row.coefficients {
                for &(b, cb) in &row.coefficients {
                    gram[a * p + b] += ca * cb;
                }
            }
        }
        (gram, rhs)
    }

    /// Full residual (model minus data, then prior rows) for linear unknowns `x`.
    fn residual(
        &self,
        stacked: &[Vec<f64>],
        x: &[f64],
        nonlinear: &Nonlinear,
        params: &[f64],
    ) -> Vec<f64> {
        let n_entries = self.n_entries();
        let mut residual: Vec<f64> = self.target.iter().map(|t| -t).collect();
        for (j, column) in stacked.iter().enumerate() {
            if x[j] != 0.0 {
                axpy(x[j], column, &mut residual);
            }
        }
        for c in 0..self.baseline_columns.len() {
            self.baseline_axpy(c, x[n_entries + c], &mut residual);
        }
        let mut linear_prior = vec![0.0; self.n_linear_prior_rows()];
        for (k, &value_k) in x.iter().enumerate().take(self.n_linear()) {
            if value_k != 0.0 {
                for (row, value) in self.prior_rows_of(k) {
                    linear_prior[row] += value * value_k;
                }
            }
        }
        residual.extend(linear_prior);
        residual.extend(self.nonlinear_prior_rows(nonlinear, params));
        residual
    }

    fn nonlinear_prior_rows(&self, nonlinear: &Nonlinear, _params: &[f64]) -> Vec<f64> {
        let mut rows = Vec::with_capacity(self.n_nonlinear_prior_rows());
        if self.layout.phase1 {
            rows.push(self.priors.phase1_weight * nonlinear.phase1_rad_per_ppm);
        }
        if self.layout.entry_shift {
            for j in 0..self.n_entries() {
                rows.push(
                    self.priors.entry_shift_weight[j]
                        * (nonlinear.entry_shift_hz[j] - self.priors.entry_shift_mean_hz[j]),
                );
            }
        }
        if self.layout.entry_lorentzian {
            for j in 0..self.n_entries() {
                rows.push(
                    self.priors.entry_lorentzian_weight[j]
                        * (nonlinear.entry_lorentzian_hz[j]
                            - self.priors.entry_lorentzian_mean_hz[j]),
                );
            }
        }
        let kernel = &nonlinear.kernel;
        let n = kernel.len() / 2;
        if n > 0 {
            // The rows act on the kernel's departure from a delta, so that the Voigt model
            // (a delta kernel) costs nothing.
            let at = |s: isize| -> f64 {
                let value = usize::try_from(s)
                    .ok()
                    .and_then(|i| kernel.get(i))
                    .copied()
                    .unwrap_or(0.0);
                if s == n as isize {
                    value - 1.0
                } else {
                    value
                }
            };
            for c in 0..kernel.len() as isize {
                rows.push(self.kernel_weight * (at(c - 1) - 2.0 * at(c) + at(c + 1)));
            }
            let centroid: f64 = kernel
                .iter()
                .enumerate()
                .map(|(i, v)| (i as f64 - n as f64) * v)
                .sum();
            rows.push(self.kernel_centroid_weight * centroid);
        }
        rows
    }

    /// Derivatives of the kernel's second-difference rows and centroid row with respect to
    /// kernel parameter `k`: `(row index, value)`. Parameter `S_s` also lowers `S_0` by the
    /// same amount.
    fn kernel_prior_derivative(&self, k: usize) -> Vec<(usize, f64)> {
        let n = self.layout.kernel_sides as isize;
        let Some(s) = (-n..=n).find(|&s| self.layout.kernel_index(s) == Some(k)) else {
            return Vec::new();
        };
        let base = self.n_rows() - (2 * n as usize + 2);
        let coefficient = |centre: isize, t: isize| -> f64 {
            match (t - centre).abs() {
                0 => -2.0,
                1 => 1.0,
                _ => 0.0,
            }
        };
        let mut rows: Vec<(usize, f64)> = (-n..=n)
            .filter_map(|centre| {
                let value = coefficient(centre, s) - coefficient(centre, 0);
                (value != 0.0).then(|| (base + (centre + n) as usize, self.kernel_weight * value))
            })
            .collect();
        rows.push((
            base + 2 * n as usize + 1,
            self.kernel_centroid_weight * s as f64,
        ));
        rows
    }

    /// Derivatives of every entry's phased window spectrum with respect to every nonlinear
    /// parameter in physical units. `derivatives[k][j]` is `None` when parameter `k` does not
    /// act on entry `j`. With `entries` set, only those entries are computed.
    fn column_derivatives(
        &self,
        state: &State,
        entries: &[bool],
    ) -> Vec<Vec<Option<Vec<Complex64>>>> {
        let n_entries = self.n_entries();
        let n_params = self.layout.len();
        let mut derivatives = vec![vec![None; n_entries]; n_params];
        let mut buffer = Vec::with_capacity(self.prep.n_fft);
        let gaussian = state.nonlinear.gaussian_hz;
        let kernel = &state.nonlinear.kernel;
        let sides = self.layout.kernel_sides as isize;
        for j in (0..n_entries).filter(|&j| entries[j]) {
            if sides > 0 {
                // d/dS_s of the convolution with S_0 = 1 - sum of the others: the spectrum
                // moved s steps less the unmoved one.
                self.transform(&state.signals[j], &mut buffer);
                let centre = self.prep.sample_raw(&buffer, 0);
                for s in (-sides..=sides).filter(|&s| s != 0) {
                    let Some(k) = self.layout.kernel_index(s) else {
                        continue;
                    };
                    let moved = self.prep.sample_raw(&buffer, s * self.kernel_step_bins);
                    derivatives[k][j] = Some(
                        moved
                            .iter()
                            .zip(&centre)
                            .zip(&state.phase)
                            .map(|((m, c), e)| (m - c) * e)
                            .collect(),
                    );
                }
            }
            let weighted: Vec<Complex64> = state.signals[j]
                .iter()
                .zip(&self.time_s)
                .map(|(s, &t)| s * t)
                .collect();
            let t1: Vec<Complex64> = self
                .spectrum(&weighted, kernel, &mut buffer)
                .iter()
                .zip(&state.phase)
                .map(|(v, e)| v * e)
                .collect();
            let weighted2: Vec<Complex64> = state.signals[j]
                .iter()
                .zip(&self.time_s)
                .map(|(s, &t)| s * t * t)
                .collect();
            let t2: Vec<Complex64> = self
                .spectrum(&weighted2, kernel, &mut buffer)
                .iter()
                .zip(&state.phase)
                .map(|(v, e)| v * e)
                .collect();
            let column = &state.columns[j];
            let i_unit = Complex64::new(0.0, 1.0);
            derivatives[0][j] = Some(column.iter().map(|c| i_unit * c).collect());
            if let Some(k) = self.layout.phase1_index() {
                derivatives[k][j] = Some(
                    column
                        .iter()
                        .zip(&self.prep.ppm)
                        .map(|(c, &p)| i_unit * (p - self.prep.pivot_ppm) * c)
                        .collect(),
                );
            }
            let d_shift: Vec<Complex64> = t1
                .iter()
                .map(|v| Complex64::new(0.0, 2.0 * PI) * v)
                .collect();
            let d_lorentzian: Vec<Complex64> = t1.iter().map(|v| -PI * v).collect();
            let gaussian_factor = -(PI * PI * gaussian) / (2.0 * LN_2);
            let d_gaussian: Vec<Complex64> = t2.iter().map(|v| gaussian_factor * v).collect();
            if let Some(k) = self.layout.entry_shift_index(j) {
                derivatives[k][j] = Some(d_shift.clone());
            }
            if let Some(k) = self.layout.entry_lorentzian_index(j) {
                derivatives[k][j] = Some(d_lorentzian.clone());
            }
            derivatives[self.layout.shift_index()][j] = Some(d_shift);
            derivatives[self.layout.lorentzian_index()][j] = Some(d_lorentzian);
            derivatives[self.layout.gaussian_index()][j] = Some(d_gaussian);
        }
        derivatives
    }

    /// Chain-rule factor from physical value to solver parameter `k`.
    fn raw_factor(&self, k: usize, params: &[f64]) -> f64 {
        for j in 0..self.n_entries() {
            if self.layout.entry_shift_index(j) == Some(k) {
                let u = (params[k] / self.entry_shift_bound_hz).tanh();
                return 1.0 - u * u;
            }
            if self.layout.entry_lorentzian_index(j) == Some(k) {
                let u = (params[k] / self.entry_lorentzian_bound_hz).tanh();
                return 1.0 - u * u;
            }
        }
        1.0
    }

    /// Derivative of the nonlinear prior rows with respect to physical parameter `k`:
    /// `(row index, value)`.
    fn nonlinear_prior_derivative(&self, k: usize) -> Option<(usize, f64)> {
        let base = self.n_data_rows() + self.n_linear_prior_rows();
        let mut row = base;
        if let Some(index) = self.layout.phase1_index() {
            if index == k {
                return Some((row, self.priors.phase1_weight));
            }
            row += 1;
        }
        for j in 0..self.n_entries() {
            if self.layout.entry_shift_index(j) == Some(k) {
                return Some((row + j, self.priors.entry_shift_weight[j]));
            }
        }
        if self.layout.entry_shift {
            row += self.n_entries();
        }
        for j in 0..self.n_entries() {
            if self.layout.entry_lorentzian_index(j) == Some(k) {
                return Some((row + j, self.priors.entry_lorentzian_weight[j]));
            }
        }
        None
    }

    /// `d_k = sum_j x_j dC_j/dtheta_k`, stacked (data rows).
    fn direct_derivative(
        &self,
        k: usize,
        derivatives: &[Vec<Option<Vec<Complex64>>>],
        x: &[f64],
    ) -> Vec<f64> {
        let mut sum = vec![Complex64::new(0.0, 0.0); self.prep.ppm.len()];
        for (j, derivative) in derivatives[k].iter().enumerate() {
            if let Some(values) = derivative {
                if x[j] != 0.0 {
                    for (s, v) in sum.iter_mut().zip(values) {
                        *s += x[j] * v;
                    }
                }
            }
        }
        stack(&sum, self.prep.complex)
    }

    /// Exact Jacobian of the projected residual with respect to the solver parameters,
    /// row-major `n_rows x n_params`.
    pub fn jacobian(&self, state: &State, params: &[f64]) -> Vec<f64> {
        let n_entries = self.n_entries();
        let n_rows = self.n_rows();
        let n_params = self.layout.len();
        let n_data = self.n_data_rows();
        let p = self.n_linear();
        let free: Vec<usize> = (0..p).filter(|&k| state.in_set[k]).collect();
        let m = free.len();
        let mut sub = vec![0.0; m * m];
        for (a, &i) in free.iter().enumerate() {
            for (b, &j) in free.iter().enumerate() {
                sub[a * m + b] = state.gram[i * p + j];
            }
        }
        let factor = Cholesky::new(&sub, m);
        let active: Vec<bool> = (0..n_entries).map(|j| state.in_set[j]).collect();
        let derivatives = self.column_derivatives(state, &active);
        let data_residual = &state.residual[..n_data];
        let prior_columns: Vec<Vec<(usize, f64)>> =
            free.iter().map(|&k| self.prior_rows_of(k)).collect();
        let mut jacobian = vec![0.0; n_rows * n_params];
        for k in 0..n_params {
            let chain = self.raw_factor(k, params);
            let d = self.direct_derivative(k, &derivatives, &state.linear);
            // q = A_S^T d + (dA_S/dtheta_k)^T r
            let mut q: Vec<f64> = free
                .iter()
                .map(|&s| {
                    let projection = if s < n_entries {
                        dot(&state.stacked[s], &d)
                    } else {
                        self.baseline_dot(s - n_entries, &d)
                    };
                    let transposed = if s < n_entries {
                        derivatives[k][s].as_ref().map_or(0.0, |values| {
                            dot(&stack(values, self.prep.complex), data_residual)
                        })
                    } else {
                        0.0
                    };
                    projection + transposed
                })
                .collect();
            if let Some(factor) = &factor {
                factor.solve_in_place(&mut q);
            }
            let mut column = vec![0.0; n_rows];
            column[..n_data].copy_from_slice(&d);
            for (a, &s) in free.iter().enumerate() {
                let z = q[a];
                if z == 0.0 {
                    continue;
                }
                if s < n_entries {
                    axpy(-z, &state.stacked[s], &mut column[..n_data]);
                } else {
                    self.baseline_axpy(s - n_entries, -z, &mut column[..n_data]);
                }
                for &(row, value) in &prior_columns[a] {
                    column[n_data + row] -= z * value;
                }
            }
            if let Some((row, value)) = self.nonlinear_prior_derivative(k) {
                column[row] += value;
            }
            for (row, value) in self.kernel_prior_derivative(k) {
                column[row] += value;
            }
            for (row, value) in column.iter().enumerate() {
                jacobian[row * n_params + k] = value * chain;
            }
        }
        jacobian
    }

    /// Jacobian of the full model (not projected) with respect to the nonlinear parameters
    /// in physical units, then every amplitude, then every baseline coefficient: the matrix
    /// whose `J^T J / sigma^2` is the Fisher information. Row-major `n_rows x n_columns`.
    pub fn full_jacobian(&self, state: &State) -> (Vec<f64>, usize) {
        let n_entries = self.n_entries();
        let n_rows = self.n_rows();
        let n_params = self.layout.len();
        let n_data = self.n_data_rows();
        let n_columns = n_params + self.n_linear();
        let all = vec![true; n_entries];
        let derivatives = self.column_derivatives(state, &all);
        let mut jacobian = vec![0.0; n_rows * n_columns];
        for k in 0..n_params {
            let d = self.direct_derivative(k, &derivatives, &state.linear);
            for (row, value) in d.iter().enumerate() {
                jacobian[row * n_columns + k] = *value;
            }
            if let Some((row, value)) = self.nonlinear_prior_derivative(k) {
                jacobian[row * n_columns + k] += value;
            }
            for (row, value) in self.kernel_prior_derivative(k) {
                jacobian[row * n_columns + k] += value;
            }
        }
        for l in 0..self.n_linear() {
            let c = n_params + l;
            if l < n_entries {
                for (row, value) in state.stacked[l].iter().enumerate() {
                    jacobian[row * n_columns + c] = *value;
                }
            } else {
                let mut values = vec![0.0; n_data];
                self.baseline_axpy(l - n_entries, 1.0, &mut values);
                for (row, value) in values.iter().enumerate() {
                    jacobian[row * n_columns + c] = *value;
                }
            }
            for (row, value) in self.prior_rows_of(l) {
                jacobian[(n_data + row) * n_columns + c] = value;
            }
        }
        (jacobian, n_columns)
    }

    /// Sum of the phased entry spectra weighted by the amplitudes (no baseline).
    pub fn metabolite_sum(&self, state: &State) -> Vec<Complex64> {
        let mut sum = vec![Complex64::new(0.0, 0.0); self.prep.ppm.len()];
        for (j, column) in state.columns.iter().enumerate() {
            for (s, v) in sum.iter_mut().zip(column) {
                *s += state.linear[j] * v;
            }
        }
        sum
    }

    /// Baseline at the window points (complex; the imaginary part is zero unless the
    /// imaginary block is fitted).
    pub fn baseline_values(&self, state: &State) -> Vec<Complex64> {
        let n_entries = self.n_entries();
        let n_points = self.prep.ppm.len();
        let mut stacked = vec![0.0; self.n_data_rows()];
        for c in 0..self.baseline_columns.len() {
            self.baseline_axpy(c, state.linear[n_entries + c], &mut stacked);
        }
        (0..n_points)
            .map(|i| {
                let im = if self.prep.complex {
                    stacked[n_points + i]
                } else {
                    0.0
                };
                Complex64::new(stacked[i], im)
            })
            .collect()
    }

    /// Baseline functions for the starting-value search: stacked data-row columns and the
    /// baseline Gram matrix with its penalty.
    pub fn baseline_block(&self) -> (usize, &[f64]) {
        (self.baseline_columns.len(), &self.baseline_gram)
    }

    /// Dot product of baseline column `c` with stacked rows (public to the search).
    pub fn baseline_column_dot(&self, c: usize, v: &[f64]) -> f64 {
        self.baseline_dot(c, v)
    }
}

pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn axpy(scale: f64, x: &[f64], y: &mut [f64]) {
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += scale * xi;
    }
}
