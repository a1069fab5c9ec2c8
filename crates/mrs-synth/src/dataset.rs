//! Datasets on disk: shards of NPY arrays plus a JSON manifest, written shard by shard so that
//! memory stays flat however many spectra are requested.
//!
//! A dataset folder contains four files per shard `k` (numbered with five digits):
//!
//! - `shard_{k}_x.npy`: `float32` `[n, channels, points]`, the representations;
//! - `shard_{k}_y.npy`: `float32` `[n, targets]`, the contents in basis units;
//! - `shard_{k}_nuisance.npy`: `float32` `[n, 14]`, in [`NUISANCE_NAMES`] order;
//! - `shard_{k}_group.npy`: `int32` `[n]`, the index into the prior's groups.
//!
//! `manifest.json` is written last, so a folder without a manifest is incomplete.

use crate::error::{Result, SynthError};
use crate::npy;
use crate::prior::Prior;
use crate::representation::Representation;
use crate::synth::{BasisIdentity, Synthesizer, NUISANCE_NAMES};
use mrs_io::{ErrorKind, IoError};
use ndarray::{Array1, Array2, Array3, Axis};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Value of [`Manifest::format`].
pub const FORMAT_NAME: &str = "mrskit-synth-dataset";

/// Version of the folder layout, raised on any incompatible change.
pub const FORMAT_VERSION: u32 = 1;

/// Name of the manifest file inside a dataset folder.
pub const MANIFEST_FILE: &str = "manifest.json";

/// Maximum number of spectra in one shard, which bounds the memory one shard needs.
pub const MAX_SHARD_SIZE: usize = 1 << 20;

/// The spectra to write and their split into shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatasetConfig {
    /// Seed of the dataset; spectrum `i` depends only on `(seed, i)`.
    pub seed: u64,
    /// Index of the first spectrum (0 for a new dataset; another value continues one).
    pub first_index: u64,
    /// Number of spectra.
    pub n_spectra: u64,
    /// Spectra per shard, 1 to [`MAX_SHARD_SIZE`]; peak memory grows with it.
    pub shard_size: usize,
}

/// One shard's files and index range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardInfo {
    /// Index of the shard's first spectrum.
    pub first_index: u64,
    /// Spectra in the shard.
    pub n_spectra: usize,
    /// File names inside the dataset folder.
    pub x: String,
    /// Contents file.
    pub y: String,
    /// Nuisance file.
    pub nuisance: String,
    /// Group label file.
    pub group: String,
}

/// Everything needed to interpret and reproduce a dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT_NAME`].
    pub format: String,
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// Version of `mrs-synth` that wrote the dataset.
    pub crate_version: String,
    /// Dataset seed.
    pub seed: u64,
    /// Index of the first spectrum.
    pub first_index: u64,
    /// Number of spectra.
    pub n_spectra: u64,
    /// Spectra per shard (the last shard may hold fewer).
    pub shard_size: usize,
    /// Target names, the columns of `y`.
    pub targets: Vec<String>,
    /// Unit of `y`.
    pub target_unit: String,
    /// Names of the columns of `nuisance`.
    pub nuisance_names: Vec<String>,
    /// Group names; a label is an index here.
    pub groups: Vec<String>,
    /// The model input representation of `x`.
    pub representation: Representation,
    /// Chemical shift of every point of `x`, ppm, ascending.
    pub ppm_axis: Vec<f64>,
    /// The basis set the spectra were made from.
    pub basis: BasisIdentity,
    /// The prior the spectra were drawn from.
    pub prior: Prior,
    /// The shards in index order.
    pub shards: Vec<ShardInfo>,
}

/// One shard in memory.
#[derive(Debug, Clone, PartialEq)]
pub struct Shard {
    /// Index of the first spectrum.
    pub first_index: u64,
    /// Representations, `[spectrum, channel, point]`.
    pub x: Array3<f32>,
    /// Contents, `[spectrum, target]`.
    pub y: Array2<f32>,
    /// Nuisance values, `[spectrum, nuisance]`.
    pub nuisance: Array2<f32>,
    /// Group labels, `[spectrum]`.
    pub group: Array1<i32>,
}

impl Shard {
    /// Number of spectra.
    pub fn len(&self) -> usize {
        self.group.len()
    }

    /// Whether the shard contains no spectra.
    pub fn is_empty(&self) -> bool {
        self.group.is_empty()
    }
}

/// Generates the spectra `first_index .. first_index + n` in parallel into a [`Shard`].
///
/// # Panics
/// When `n` times the representation length overflows memory.
pub fn generate_shard(synth: &Synthesizer, seed: u64, first_index: u64, n: usize) -> Shard {
    let rep = synth.representation();
    let (channels, points) = (rep.channels.count(), rep.n_points);
    let n_targets = synth.prior().targets.len();
    let n_nuisance = NUISANCE_NAMES.len();
    let mut x = vec![0.0f32; n * channels * points];
    let mut y = vec![0.0f32; n * n_targets];
    let mut nuisance = vec![0.0f32; n * n_nuisance];
    let mut group = vec![0i32; n];
    x.par_chunks_mut(channels * points)
        .zip(y.par_chunks_mut(n_targets))
        .zip(nuisance.par_chunks_mut(n_nuisance))
        .zip(group.par_iter_mut())
        .enumerate()
        .for_each_init(
            || synth.workspace(),
            |workspace, (i, (((x, y), nuisance), group))| {
                let label =
                    synth.generate_into(seed, first_index + i as u64, workspace, x, y, nuisance);
                *group = label as i32;
            },
        );
    Shard {
        first_index,
        x: shaped(Array3::from_shape_vec((n, channels, points), x)),
        y: shaped(Array2::from_shape_vec((n, n_targets), y)),
        nuisance: shaped(Array2::from_shape_vec((n, n_nuisance), nuisance)),
        group: Array1::from_vec(group),
    }
}

/// Writes a dataset into `folder` (created if missing) shard by shard, each generated in
/// parallel on the current rayon pool, then the manifest. `progress` is called after each
/// shard with the number of spectra written so far.
///
/// # Errors
/// [`SynthError::InvalidParameter`] for a shard size outside `1..=MAX_SHARD_SIZE` or an index
/// range that overflows; [`SynthError::Io`] when a file cannot be written.
pub fn write_dataset(
    folder: &Path,
    synth: &Synthesizer,
    config: &DatasetConfig,
    mut progress: impl FnMut(u64),
) -> Result<Manifest> {
    if !(1..=MAX_SHARD_SIZE).contains(&config.shard_size) {
        return Err(SynthError::parameter(
            "shard_size",
            config.shard_size,
            format!("must lie in 1..={MAX_SHARD_SIZE}"),
        ));
    }
    if config.first_index.checked_add(config.n_spectra).is_none() {
        return Err(SynthError::parameter(
            "n_spectra",
            config.n_spectra,
            "index range overflows u64",
        ));
    }
    std::fs::create_dir_all(folder).map_err(|e| IoError::new(folder, ErrorKind::Os(e)))?;
    let mut shards = Vec::new();
    let mut written = 0u64;
    while written < config.n_spectra {
        let n = (config.n_spectra - written).min(config.shard_size as u64) as usize;
        let first = config.first_index + written;
        let shard = generate_shard(synth, config.seed, first, n);
        let info = write_shard(folder, shards.len(), &shard)?;
        tracing::debug!(shard = shards.len(), first, n, "wrote shard");
        shards.push(info);
        written += n as u64;
        progress(written);
    }
    let manifest = Manifest {
        format: FORMAT_NAME.to_string(),
        format_version: FORMAT_VERSION,
        crate_version: env!("CARGO_PKG_VERSION").to_string(),
        seed: config.seed,
        first_index: config.first_index,
        n_spectra: config.n_spectra,
        shard_size: config.shard_size,
        targets: synth.prior().targets.clone(),
        target_unit: "basis units (factor multiplying the basis entry)".to_string(),
        nuisance_names: NUISANCE_NAMES.iter().map(|s| s.to_string()).collect(),
        groups: synth
            .prior()
            .groups
            .iter()
            .map(|g| g.name.clone())
            .collect(),
        representation: synth.representation().clone(),
        ppm_axis: synth.representation().ppm_axis(),
        basis: synth.basis_identity().clone(),
        prior: synth.prior().clone(),
        shards,
    };
    let path = folder.join(MANIFEST_FILE);
    let text = serde_json::to_string_pretty(&manifest)
        .map_err(|e| SynthError::parameter("manifest", "(json)", e.to_string()))?;
    mrs_io::atomic::write_bytes_atomic(&path, text.as_bytes())?;
    Ok(manifest)
}

fn write_shard(folder: &Path, number: usize, shard: &Shard) -> Result<ShardInfo> {
    let name = |part: &str| format!("shard_{number:05}_{part}.npy");
    let info = ShardInfo {
        first_index: shard.first_index,
        n_spectra: shard.len(),
        x: name("x"),
        y: name("y"),
        nuisance: name("nuisance"),
        group: name("group"),
    };
    npy::write(
        &folder.join(&info.x),
        shard.x.shape(),
        shard.x.as_slice().unwrap_or(&[]),
    )?;
    npy::write(
        &folder.join(&info.y),
        shard.y.shape(),
        shard.y.as_slice().unwrap_or(&[]),
    )?;
    npy::write(
        &folder.join(&info.nuisance),
        shard.nuisance.shape(),
        shard.nuisance.as_slice().unwrap_or(&[]),
    )?;
    npy::write(
        &folder.join(&info.group),
        shard.group.shape(),
        shard.group.as_slice().unwrap_or(&[]),
    )?;
    Ok(info)
}

/// A dataset folder opened for reading.
#[derive(Debug, Clone)]
pub struct Dataset {
    folder: PathBuf,
    manifest: Manifest,
}

impl Dataset {
    /// Opens a dataset folder and checks its manifest.
    ///
    /// # Errors
    /// [`SynthError::InvalidDataset`] for a missing or malformed manifest, another format or
    /// version, or shard counts that do not add up; [`SynthError::Io`] when unreadable.
    pub fn open(folder: &Path) -> Result<Dataset> {
        let path = folder.join(MANIFEST_FILE);
        let text =
            std::fs::read_to_string(&path).map_err(|e| IoError::new(&path, ErrorKind::Os(e)))?;
        let manifest: Manifest = serde_json::from_str(&text)
            .map_err(|e| SynthError::dataset(&path, format!("invalid manifest: {e}")))?;
        if manifest.format != FORMAT_NAME || manifest.format_version != FORMAT_VERSION {
            return Err(SynthError::dataset(
                &path,
                format!(
                    "format {} version {}, expected {FORMAT_NAME} version {FORMAT_VERSION}",
                    manifest.format, manifest.format_version
                ),
            ));
        }
        let total: u64 = manifest.shards.iter().map(|s| s.n_spectra as u64).sum();
        if total != manifest.n_spectra {
            return Err(SynthError::dataset(
                &path,
                format!(
                    "shards hold {total} spectra, n_spectra is {}",
                    manifest.n_spectra
                ),
            ));
        }
        Ok(Dataset {
            folder: folder.to_path_buf(),
            manifest,
        })
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Number of shards.
    pub fn n_shards(&self) -> usize {
        self.manifest.shards.len()
    }

    /// Reads shard `number` and checks its shapes against the manifest.
    ///
    /// # Errors
    /// [`SynthError::InvalidParameter`] for a shard number out of range;
    /// [`SynthError::InvalidDataset`] for a malformed file or a shape that disagrees with the
    /// manifest.
    pub fn read_shard(&self, number: usize) -> Result<Shard> {
        let info = self.manifest.shards.get(number).ok_or_else(|| {
            SynthError::parameter(
                "shard",
                number,
                format!("dataset has {} shards", self.n_shards()),
            )
        })?;
        let m = &self.manifest;
        let n = info.n_spectra;
        let channels = m.representation.channels.count();
        let expect = |file: &str, shape: &[usize], expected: &[usize]| {
            if shape == expected {
                Ok(())
            } else {
                Err(SynthError::dataset(
                    self.folder.join(file),
                    format!("shape {shape:?}, manifest implies {expected:?}"),
                ))
            }
        };
        let (shape, x) = npy::read::<f32>(&self.folder.join(&info.x))?;
        expect(&info.x, &shape, &[n, channels, m.representation.n_points])?;
        let (shape, y) = npy::read::<f32>(&self.folder.join(&info.y))?;
        expect(&info.y, &shape, &[n, m.targets.len()])?;
        let (shape, nuisance) = npy::read::<f32>(&self.folder.join(&info.nuisance))?;
        expect(&info.nuisance, &shape, &[n, m.nuisance_names.len()])?;
        let (shape, group) = npy::read::<i32>(&self.folder.join(&info.group))?;
        expect(&info.group, &shape, &[n])?;
        Ok(Shard {
            first_index: info.first_index,
            x: shaped(Array3::from_shape_vec(
                (n, channels, m.representation.n_points),
                x,
            )),
            y: shaped(Array2::from_shape_vec((n, m.targets.len()), y)),
            nuisance: shaped(Array2::from_shape_vec(
                (n, m.nuisance_names.len()),
                nuisance,
            )),
            group: Array1::from_vec(group),
        })
    }

    /// Iterates over the shards in order, reading one at a time.
    pub fn shards(&self) -> impl Iterator<Item = Result<Shard>> + '_ {
        (0..self.n_shards()).map(|k| self.read_shard(k))
    }

    /// Iterates over batches of `batch_size` spectra in index order, across shard boundaries;
    /// the last batch may be smaller. At most one shard and one batch are held in memory.
    ///
    /// # Errors
    /// [`SynthError::InvalidParameter`] for a zero batch size.
    pub fn batches(&self, batch_size: usize) -> Result<Batches<'_>> {
        if batch_size == 0 {
            return Err(SynthError::parameter("batch_size", 0, "must be positive"));
        }
        Ok(Batches {
            dataset: self,
            batch_size,
            next_shard: 0,
            current: None,
            offset: 0,
        })
    }
}

/// Iterator returned by [`Dataset::batches`]; each item is a [`Shard`] holding one batch.
#[derive(Debug)]
pub struct Batches<'a> {
    dataset: &'a Dataset,
    batch_size: usize,
    next_shard: usize,
    current: Option<Shard>,
    offset: usize,
}

impl Iterator for Batches<'_> {
    type Item = Result<Shard>;

    fn next(&mut self) -> Option<Result<Shard>> {
        let mut parts: Vec<Shard> = Vec::new();
        let mut needed = self.batch_size;
        while needed > 0 {
            let exhausted = self.current.as_ref().is_none_or(|s| self.offset >= s.len());
            if exhausted {
                if self.next_shard >= self.dataset.n_shards() {
                    break;
                }
                match self.dataset.read_shard(self.next_shard) {
                    Ok(shard) => self.current = Some(shard),
                    Err(e) => {
                        self.next_shard = self.dataset.n_shards();
                        return Some(Err(e));
                    }
                }
                self.next_shard += 1;
                self.offset = 0;
                continue;
            }
            let shard = self.current.as_ref()?;
            let take = needed.min(shard.len() - self.offset);
            let range = self.offset..self.offset + take;
            parts.push(Shard {
                first_index: shard.first_index + self.offset as u64,
                x: shard.x.slice_axis(Axis(0), range.clone().into()).to_owned(),
                y: shard.y.slice_axis(Axis(0), range.clone().into()).to_owned(),
                nuisance: shard
                    .nuisance
                    .slice_axis(Axis(0), range.clone().into())
                    .to_owned(),
                group: shard.group.slice_axis(Axis(0), range.into()).to_owned(),
            });
            self.offset += take;
            needed -= take;
        }
        if parts.is_empty() {
            return None;
        }
        if parts.len() == 1 {
            return parts.pop().map(Ok);
        }
        let x_views: Vec<_> = parts.iter().map(|p| p.x.view()).collect();
        let y_views: Vec<_> = parts.iter().map(|p| p.y.view()).collect();
        let n_views: Vec<_> = parts.iter().map(|p| p.nuisance.view()).collect();
        let g_views: Vec<_> = parts.iter().map(|p| p.group.view()).collect();
        Some(Ok(Shard {
            first_index: parts[0].first_index,
            x: shaped(ndarray::concatenate(Axis(0), &x_views)),
            y: shaped(ndarray::concatenate(Axis(0), &y_views)),
            nuisance: shaped(ndarray::concatenate(Axis(0), &n_views)),
            group: shaped(ndarray::concatenate(Axis(0), &g_views)),
        }))
    }
}

/// Unwraps an array built from data whose length was checked against its shape.
fn shaped<A>(result: std::result::Result<A, ndarray::ShapeError>) -> A {
    result.unwrap_or_else(|e| unreachable!("array data was sized from its shape: {e}"))
}
