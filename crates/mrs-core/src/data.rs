//! Multi-dimensional MRS data: FIDs indexed by coil, average, edit and other dimensions.

use crate::error::{CoreError, Result};
use crate::fid::check_finite;
use crate::{Acquisition, Fid};
use ndarray::{ArrayD, Axis, IxDyn};
use num_complex::Complex64;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Meaning of a non-time dimension, named as in the NIfTI-MRS standard (`DIM_COIL`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum DimTag {
    /// Receive coil elements (`DIM_COIL`).
    Coil,
    /// Repeated acquisitions, e.g. averages (`DIM_DYN`).
    Dyn,
    /// First indirect time dimension (`DIM_INDIRECT_0`).
    Indirect0,
    /// Second indirect time dimension (`DIM_INDIRECT_1`).
    Indirect1,
    /// Third indirect time dimension (`DIM_INDIRECT_2`).
    Indirect2,
    /// Phase-cycle steps (`DIM_PHASE_CYCLE`).
    PhaseCycle,
    /// Editing conditions, e.g. MEGA on/off (`DIM_EDIT`).
    Edit,
    /// Repeated measurements of another kind (`DIM_MEAS`).
    Meas,
    /// User dimension 0 (`DIM_USER_0`).
    User0,
    /// User dimension 1 (`DIM_USER_1`).
    User1,
    /// User dimension 2 (`DIM_USER_2`).
    User2,
    /// ISIS localisation stages (`DIM_ISIS`).
    Isis,
}

impl DimTag {
    /// All tags, in the order the NIfTI-MRS standard lists them.
    pub const ALL: [DimTag; 12] = [
        DimTag::Coil,
        DimTag::Dyn,
        DimTag::Indirect0,
        DimTag::Indirect1,
        DimTag::Indirect2,
        DimTag::PhaseCycle,
        DimTag::Edit,
        DimTag::Meas,
        DimTag::User0,
        DimTag::User1,
        DimTag::User2,
        DimTag::Isis,
    ];

    /// The NIfTI-MRS spelling, e.g. `"DIM_COIL"`.
    pub fn as_str(self) -> &'static str {
        match self {
            DimTag::Coil => "DIM_COIL",
            DimTag::Dyn => "DIM_DYN",
            DimTag::Indirect0 => "DIM_INDIRECT_0",
            DimTag::Indirect1 => "DIM_INDIRECT_1",
            DimTag::Indirect2 => "DIM_INDIRECT_2",
            DimTag::PhaseCycle => "DIM_PHASE_CYCLE",
            DimTag::Edit => "DIM_EDIT",
            DimTag::Meas => "DIM_MEAS",
            DimTag::User0 => "DIM_USER_0",
            DimTag::User1 => "DIM_USER_1",
            DimTag::User2 => "DIM_USER_2",
            DimTag::Isis => "DIM_ISIS",
        }
    }
}

impl fmt::Display for DimTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DimTag {
    type Err = CoreError;

    fn from_str(s: &str) -> Result<Self> {
        DimTag::ALL
            .into_iter()
            .find(|tag| tag.as_str() == s)
            .ok_or_else(|| CoreError::Shape {
                detail: format!("unknown dimension tag '{s}'"),
            })
    }
}

/// FIDs of one voxel over any number of tagged dimensions.
///
/// Axis 0 of `samples` is time; axis `i + 1` has the meaning `dims[i]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MrsData {
    samples: ArrayD<Complex64>,
    dims: Vec<DimTag>,
    acquisition: Acquisition,
}

impl MrsData {
    /// Wraps an array whose axis 0 is time and whose other axes are tagged by `dims`.
    ///
    /// # Errors
    /// [`CoreError::Shape`] when the number of tags is not one less than the number of axes or
    /// a tag repeats; [`CoreError::NonFiniteSample`]; an invalid acquisition.
    pub fn new(
        samples: ArrayD<Complex64>,
        dims: Vec<DimTag>,
        acquisition: Acquisition,
    ) -> Result<Self> {
        acquisition.validate()?;
        if samples.ndim() != dims.len() + 1 {
            return Err(CoreError::Shape {
                detail: format!(
                    "{} axes need {} dimension tags, got {}",
                    samples.ndim(),
                    samples.ndim().saturating_sub(1),
                    dims.len()
                ),
            });
        }
        for (i, tag) in dims.iter().enumerate() {
            if dims[..i].contains(tag) {
                return Err(CoreError::Shape {
                    detail: format!("dimension tag {tag} appears twice"),
                });
            }
        }
        if samples.is_empty() {
            return Err(CoreError::Empty);
        }
        if let Some(slice) = samples.as_slice_memory_order() {
            check_finite(slice)?;
        } else {
            let flat: Vec<Complex64> = samples.iter().copied().collect();
            check_finite(&flat)?;
        }
        Ok(MrsData {
            samples,
            dims,
            acquisition,
        })
    }

    /// Wraps a single FID with no other dimensions.
    pub fn from_fid(fid: Fid) -> Self {
        let acquisition = fid.acquisition().clone();
        let samples = fid.into_samples();
        let n = samples.len();
        MrsData {
            samples: ArrayD::from_shape_vec(IxDyn(&[n]), samples)
                .unwrap_or_else(|_| unreachable!("a vector always fits its own length")),
            dims: Vec::new(),
            acquisition,
        }
    }

    /// The sample array, time on axis 0.
    pub fn samples(&self) -> &ArrayD<Complex64> {
        &self.samples
    }

    /// Tags of axes 1, 2, ...
    pub fn dims(&self) -> &[DimTag] {
        &self.dims
    }

    /// The acquisition parameters.
    pub fn acquisition(&self) -> &Acquisition {
        &self.acquisition
    }

    /// Mutable acquisition parameters.
    pub fn acquisition_mut(&mut self) -> &mut Acquisition {
        &mut self.acquisition
    }

    /// Number of time points.
    pub fn n_points(&self) -> usize {
        self.samples.shape()[0]
    }

    /// Full shape, time first.
    pub fn shape(&self) -> &[usize] {
        self.samples.shape()
    }

    /// Number of FIDs (product of the non-time dimensions).
    pub fn n_fids(&self) -> usize {
        self.samples.len() / self.n_points()
    }

    /// Size of the dimension with this tag, if present.
    pub fn dim_size(&self, tag: DimTag) -> Option<usize> {
        self.axis_of(tag).map(|axis| self.samples.shape()[axis])
    }

    fn axis_of(&self, tag: DimTag) -> Option<usize> {
        self.dims.iter().position(|&t| t == tag).map(|i| i + 1)
    }

    /// Drops every non-time dimension of size 1.
    pub fn squeeze(mut self) -> Self {
        let mut axis = self.dims.len();
        while axis > 0 {
            if self.samples.shape()[axis] == 1 {
                self.samples = self.samples.index_axis_move(Axis(axis), 0);
                self.dims.remove(axis - 1);
            }
            axis -= 1;
        }
        self
    }

    /// The FID at `index` (one index per non-time dimension).
    ///
    /// # Errors
    /// [`CoreError::Shape`] when the index has the wrong length or is out of range.
    pub fn fid_at(&self, index: &[usize]) -> Result<Fid> {
        if index.len() != self.dims.len() {
            return Err(CoreError::Shape {
                detail: format!(
                    "index has {} entries, data has {} non-time dimensions",
                    index.len(),
                    self.dims.len()
                ),
            });
        }
        let mut view = self.samples.view();
        for (i, &position) in index.iter().enumerate().rev() {
            let size = view.shape()[i + 1];
            if position >= size {
                return Err(CoreError::Shape {
                    detail: format!(
                        "index {position} out of range for {} of size {size}",
                        self.dims[i]
                    ),
                });
            }
            view = view.index_axis_move(Axis(i + 1), position);
        }
        Ok(Fid::from_parts(
            view.iter().copied().collect(),
            self.acquisition.clone(),
        ))
    }

    /// The single FID, when every non-time dimension has size 1.
    ///
    /// # Errors
    /// [`CoreError::Shape`] naming the first dimension larger than 1.
    pub fn to_fid(&self) -> Result<Fid> {
        if let Some((tag, size)) = self
            .dims
            .iter()
            .zip(&self.samples.shape()[1..])
            .find(|(_, &size)| size > 1)
        {
            return Err(CoreError::Shape {
                detail: format!(
                    "{tag} has {size} entries; average or combine it before taking a single FID"
                ),
            });
        }
        self.fid_at(&vec![0; self.dims.len()])
    }

    /// Averages over the dimension with this tag and removes it.
    ///
    /// # Errors
    /// [`CoreError::Shape`] when the data has no such dimension.
    pub fn average(&self, tag: DimTag) -> Result<MrsData> {
        let axis = self.axis_of(tag).ok_or_else(|| CoreError::Shape {
            detail: format!("data has no {tag} dimension"),
        })?;
        let samples = self.samples.mean_axis(Axis(axis)).ok_or(CoreError::Empty)?;
        let mut dims = self.dims.clone();
        dims.remove(axis - 1);
        Ok(MrsData {
            samples,
            dims,
            acquisition: self.acquisition.clone(),
        })
    }

    /// Combines receive coils with weights `conj(s_c(0)) / sigma_c^2`, normalised to sum to one
    /// in magnitude, and removes the coil dimension.
    ///
    /// `s_c(0)` is the first point of coil `c` averaged over every other dimension and
    /// `sigma_c` the standard deviation of its last eighth of points (the noise). This phases
    /// the coils to a common zero-order phase and weights them by signal-to-noise ratio
    /// squared over signal (Hall et al., NeuroImage 2014;86:35).
    ///
    /// # Errors
    /// [`CoreError::Shape`] when the data has no coil dimension.
    pub fn combine_coils(&self) -> Result<MrsData> {
        let axis = self.axis_of(DimTag::Coil).ok_or_else(|| CoreError::Shape {
            detail: "data has no DIM_COIL dimension".to_string(),
        })?;
        let n_coils = self.samples.shape()[axis];
        let n_points = self.n_points();
        let tail_start = n_points - (n_points / 8).max(1);
        let mut weights = Vec::with_capacity(n_coils);
        for coil in 0..n_coils {
            let coil_data = self.samples.index_axis(Axis(axis), coil);
            let mut mean_fid = vec![Complex64::new(0.0, 0.0); n_points];
            let per_point = coil_data.len() / n_points;
            for (index, value) in coil_data.indexed_iter() {
                mean_fid[index[0]] += *value / per_point as f64;
            }
            let tail = &mean_fid[tail_start..];
            let tail_mean = tail.iter().sum::<Complex64>() / tail.len() as f64;
            let variance =
                tail.iter().map(|v| (v - tail_mean).norm_sqr()).sum::<f64>() / tail.len() as f64;
            let variance = if variance > 0.0 { variance } else { 1.0 };
            weights.push(mean_fid[0].conj() / variance);
        }
        let total: f64 = weights.iter().map(|w| w.norm()).sum();
        if total > 0.0 {
            for w in &mut weights {
                *w /= total;
            }
        } else {
            weights
                .iter_mut()
                .for_each(|w| *w = Complex64::new(1.0 / n_coils as f64, 0.0));
        }
        let mut combined = self.samples.index_axis(Axis(axis), 0).to_owned() * weights[0];
        for (coil, weight) in weights.iter().enumerate().skip(1) {
            combined += &(self.samples.index_axis(Axis(axis), coil).to_owned() * *weight);
        }
        let mut dims = self.dims.clone();
        dims.remove(axis - 1);
        Ok(MrsData {
            samples: combined,
            dims,
            acquisition: self.acquisition.clone(),
        })
    }

    /// Applies `operation` to every FID in place (e.g. apodisation or a frequency shift).
    ///
    /// # Errors
    /// The first error that `operation` returns.
    pub fn map_fids<F>(&mut self, mut operation: F) -> Result<()>
    where
        F: FnMut(&mut Fid) -> Result<()>,
    {
        let n_points = self.n_points();
        for mut lane in self.samples.lanes_mut(Axis(0)) {
            let mut fid = Fid::from_parts(lane.to_vec(), self.acquisition.clone());
            operation(&mut fid)?;
            if fid.n_points() != n_points {
                return Err(CoreError::LengthMismatch {
                    what: "map_fids result",
                    expected: n_points,
                    actual: fid.n_points(),
                });
            }
            check_finite(fid.samples())?;
            for (target, value) in lane.iter_mut().zip(fid.samples()) {
                *target = *value;
            }
        }
        Ok(())
    }
}
