//! Starting values from a coarse grid over the global shift, zero-order phase and Gaussian
//! width, so that a 0.2 ppm offset or a large phase error does not trap the local solver.
//!
//! For each grid point the amplitudes are solved by non-negative least squares with the
//! baseline eliminated analytically (it is unconstrained, so it can be projected out). The
//! shift moves whole spectral bins, and the phase enters through `cos` and `sin` of a few
//! precomputed matrices, which keeps the search to a few milliseconds.

use crate::model::{dot, Model, Nonlinear};
use crate::nnls::{nnls_gram, Cholesky};
use crate::prepare::stack;
use mrs_core::Complex64;
use std::f64::consts::{LN_2, PI};

/// Best grid point.
#[derive(Debug, Clone)]
pub(crate) struct Start {
    pub nonlinear: Nonlinear,
    /// Amplitudes at the grid point.
    pub amplitudes: Vec<f64>,
    /// Root-mean-square residual per data row at the grid point.
    pub rms_residual: f64,
}

/// Grid settings.
pub(crate) struct Grid {
    pub shift_half_width_hz: f64,
    pub shift_step_hz: f64,
    pub phase_step_rad: f64,
    pub gaussian_hz: Vec<f64>,
    pub lorentzian_hz: f64,
}

pub(crate) fn grid_search(model: &Model<'_>, grid: &Grid) -> Start {
    let prep = model.prep;
    let n_entries = model.n_entries();
    let target = model.target();
    let (nb, baseline_gram) = model.baseline_block();
    let baseline_factor = if nb > 0 {
        Cholesky::new(baseline_gram, nb)
    } else {
        None
    };
    let solve_baseline = |v: &mut Vec<f64>| {
        if let Some(factor) = &baseline_factor {
            factor.solve_in_place(v);
        }
    };
    let target_baseline: Vec<f64> = (0..nb)
        .map(|c| model.baseline_column_dot(c, target))
        .collect();
    let mut k_target = target_baseline.clone();
    solve_baseline(&mut k_target);
    let constant = dot(target, target) - dot(&target_baseline, &k_target);

    let bin_hz = prep.bin_hz;
    let step_bins = ((grid.shift_step_hz / bin_hz).ceil() as isize).max(1);
    let half_bins = (grid.shift_half_width_hz / bin_hz).round() as isize;
    let n_phases = ((2.0 * PI / grid.phase_step_rad).round() as usize).max(1);
    let time_s: Vec<f64> = (0..prep.fids[0].len())
        .map(|n| n as f64 * prep.dwell_time_s)
        .collect();

    let mut best: Option<(f64, Start)> = None;
    // Fits every phase of the grid at one shift; returns the best residual sum of squares.
    let try_shift = |shift: isize,
                     raw: &[Vec<Complex64>],
                     gaussian: f64,
                     best: &mut Option<(f64, Start)>|
     -> f64 {
        let spectra: Vec<Vec<Complex64>> = raw.iter().map(|r| prep.sample_raw(r, shift)).collect();
        let cos_columns: Vec<Vec<f64>> = spectra.iter().map(|s| stack(s, prep.complex)).collect();
        let sin_columns: Vec<Vec<f64>> = spectra
            .iter()
            .map(|s| {
                let rotated: Vec<Complex64> =
                    s.iter().map(|v| Complex64::new(0.0, 1.0) * v).collect();
                stack(&rotated, prep.complex)
            })
            .collect();
        let reduced = Reduced::new(
            model,
            &cos_columns,
            &sin_columns,
            &k_target,
            &solve_baseline,
        );
        let mut lowest = f64::INFINITY;
        for phase_index in 0..n_phases {
            let phase = phase_index as f64 * grid.phase_step_rad;
            let (gram, rhs) = reduced.at_phase(phase);
            let solution = nnls_gram(&gram, &rhs, &vec![true; n_entries], None);
            let x = &solution.x;
            let mut objective = -2.0 * dot(&rhs, x);
            for i in 0..n_entries {
                objective += x[i] * dot(&gram[i * n_entries..(i + 1) * n_entries], x);
            }
            let rss = (constant + objective).max(0.0);
            lowest = lowest.min(rss);
            if best.as_ref().is_none_or(|(value, _)| rss < *value) {
                let start = Start {
                    nonlinear: Nonlinear {
                        phase0_rad: wrap_phase(phase),
                        phase1_rad_per_ppm: 0.0,
                        shift_hz: shift as f64 * bin_hz,
                        lorentzian_hz: grid.lorentzian_hz,
                        gaussian_hz: gaussian,
                        entry_shift_hz: vec![0.0; n_entries],
                        entry_lorentzian_hz: vec![0.0; n_entries],
                        kernel: Vec::new(),
                    },
                    amplitudes: x.clone(),
                    rms_residual: (rss / target.len() as f64).sqrt(),
                };
                *best = Some((rss, start));
            }
        }
        lowest
    };
    let mut buffer: Vec<Complex64> = Vec::with_capacity(prep.n_fft);
    let mut transformed = |gaussian: f64| -> Vec<Vec<Complex64>> {
        let rate = (PI * gaussian).powi(2) / (4.0 * LN_2);
        prep.fids
            .iter()
            .map(|fid| {
                buffer.clear();
                buffer.extend(
                    fid.iter()
                        .zip(&time_s)
                        .map(|(b, &t)| b * (-PI * grid.lorentzian_hz * t - rate * t * t).exp()),
                );
                buffer.resize(prep.n_fft, Complex64::new(0.0, 0.0));
                prep.fft.process(&mut buffer);
                buffer.clone()
            })
            .collect()
    };
    // The shift is searched at the middle Gaussian width: a coarse pass over the grid, then
    // every bin around the best coarse shift. The other widths are tried at the best shift.
    let search_index = grid.gaussian_hz.len() / 2;
    let search_width = grid.gaussian_hz[search_index];
    let raw = transformed(search_width);
    let coarse: Vec<isize> = (-(half_bins / step_bins)..=(half_bins / step_bins))
        .map(|k| k * step_bins)
        .collect();
    let mut best_shift = (f64::INFINITY, 0isize);
    for &shift in &coarse {
        let rss = try_shift(shift, &raw, search_width, &mut best);
        if rss < best_shift.0 {
            best_shift = (rss, shift);
        }
    }
    let centre = best_shift.1;
    for offset in 1..step_bins {
        for shift in [centre - offset, centre + offset] {
            let rss = try_shift(shift, &raw, search_width, &mut best);
            if rss < best_shift.0 {
                best_shift = (rss, shift);
            }
        }
    }
    let shift = best_shift.1;
    for (index, &gaussian) in grid.gaussian_hz.iter().enumerate() {
        if index != search_index {
            let raw = transformed(gaussian);
            try_shift(shift, &raw, gaussian, &mut best);
        }
    }
    let (_, start) = best.expect("the grid has at least one point");
    tracing::debug!(
        shift_hz = start.nonlinear.shift_hz,
        phase0_deg = start.nonlinear.phase0_rad.to_degrees(),
        gaussian_hz = start.nonlinear.gaussian_hz,
        "starting values from the grid search"
    );
    start
}

fn wrap_phase(phase: f64) -> f64 {
    let wrapped = phase.rem_euclid(2.0 * PI);
    if wrapped > PI {
        wrapped - 2.0 * PI
    } else {
        wrapped
    }
}

/// Amplitude normal equations with the baseline projected out, split by `cos` and `sin` of
/// the zero-order phase: `G(phi) = c^2 Mcc + s^2 Mss + c s (Mcs + Mcs^T)`,
/// `h(phi) = c vc + s vs`.
struct Reduced {
    n: usize,
    mcc: Vec<f64>,
    mss: Vec<f64>,
    mcs: Vec<f64>,
    vc: Vec<f64>,
    vs: Vec<f64>,
}

impl Reduced {
    fn new(
        model: &Model<'_>,
        cos_columns: &[Vec<f64>],
        sin_columns: &[Vec<f64>],
        k_target: &[f64],
        solve_baseline: &dyn Fn(&mut Vec<f64>),
    ) -> Self {
        let n = cos_columns.len();
        let (nb, _) = model.baseline_block();
        let target = model.target();
        let project = |columns: &[Vec<f64>]| -> (Vec<Vec<f64>>, Vec<Vec<f64>>) {
            let cross: Vec<Vec<f64>> = columns
                .iter()
                .map(|c| (0..nb).map(|b| model.baseline_column_dot(b, c)).collect())
                .collect();
            let solved: Vec<Vec<f64>> = cross
                .iter()
                .map(|x| {
                    let mut y = x.clone();
                    solve_baseline(&mut y);
                    y
                })
                .collect();
            (cross, solved)
        };
        let (x_cos, k_cos) = project(cos_columns);
        let (x_sin, k_sin) = project(sin_columns);
        let mut mcc = vec![0.0; n * n];
        let mut mss = vec![0.0; n * n];
        let mut mcs = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                if j <= i {
                    let cc = dot(&cos_columns[i], &cos_columns[j]) - dot(&x_cos[i], &k_cos[j]);
                    mcc[i * n + j] = cc;
                    mcc[j * n + i] = cc;
                    let ss = dot(&sin_columns[i], &sin_columns[j]) - dot(&x_sin[i], &k_sin[j]);
                    mss[i * n + j] = ss;
                    mss[j * n + i] = ss;
                }
                mcs[i * n + j] = dot(&cos_columns[i], &sin_columns[j]) - dot(&x_cos[i], &k_sin[j]);
            }
        }
        let vc = (0..n)
            .map(|i| dot(&cos_columns[i], target) - dot(&x_cos[i], k_target))
            .collect();
        let vs = (0..n)
            .map(|i| dot(&sin_columns[i], target) - dot(&x_sin[i], k_target))
            .collect();
        Reduced {
            n,
            mcc,
            mss,
            mcs,
            vc,
            vs,
        }
    }

    fn at_phase(&self, phase: f64) -> (Vec<f64>, Vec<f64>) {
        let (s, c) = phase.sin_cos();
        let n = self.n;
        let mut gram = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                gram[i * n + j] = c * c * self.mcc[i * n + j]
                    + s * s * self.mss[i * n + j]
                    + c * s * (self.mcs[i * n + j] + self.mcs[j * n + i]);
            }
        }
        let rhs = (0..n).map(|i| c * self.vc[i] + s * self.vs[i]).collect();
        (gram, rhs)
    }
}
