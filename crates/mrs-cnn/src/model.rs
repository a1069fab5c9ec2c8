//! Trained models: metadata, checkpoints and prediction with uncertainty.
//!
//! A model folder contains `model.json` (the [`ModelMeta`]) and one safetensors file per ensemble
//! member. Everything a prediction depends on, the input representation included, is in the
//! metadata, so a loaded model prepares its own inputs and cannot be fed a mismatched one.

use crate::arch::{Architecture, Mode, Network};
use crate::error::{CnnError, Result};
use crate::train::{Baseline, EpochLog, TrainConfig};
use mrs_synth::{BasisIdentity, Dataset, Representation, Shard};
use ndarray::Array2;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tch::{nn, Device, Kind, Tensor};

/// Name of the metadata file in a model folder.
pub const META_FILE: &str = "model.json";
/// Format name written into the metadata.
pub const FORMAT_NAME: &str = "mrskit-cnn";
/// Version of the folder layout and metadata.
pub const FORMAT_VERSION: u32 = 1;

/// Kind of prediction a network makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// qCNN: the contents of the targets.
    Quantify,
    /// cCNN: the probability of the positive group.
    Classify,
}

/// Assignment of a qCNN's targets to networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// One network with one output per target (default).
    #[default]
    MultiOutput,
    /// One network per target, each with one output, trained side by side.
    PerTarget,
}

/// Provenance of the training data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetProvenance {
    /// Dataset seed.
    pub seed: u64,
    /// Index of the first spectrum.
    pub first_index: u64,
    /// Number of spectra.
    pub n_spectra: u64,
    /// Description of the prior the dataset was drawn from.
    pub prior_description: String,
    /// FNV-1a 64-bit hash of the prior's TOML text, hexadecimal.
    pub prior_fnv1a64: String,
}

/// One ensemble member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberInfo {
    /// Seed of the weight initialisation, shuffling and dropout.
    pub seed: u64,
    /// Weights file inside the model folder.
    pub file: String,
    /// Epoch (from 1) whose weights were kept: the lowest validation loss.
    pub best_epoch: usize,
    /// Per-epoch log.
    pub history: Vec<EpochLog>,
}

/// Everything needed to rebuild, check and use a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMeta {
    /// Always [`FORMAT_NAME`].
    pub format: String,
    /// Always [`FORMAT_VERSION`].
    pub format_version: u32,
    /// Version of this crate that trained the model.
    pub crate_version: String,
    /// qCNN or cCNN.
    pub task: Task,
    /// Network per target or one for all (qCNN).
    pub layout: Layout,
    /// Network shape.
    pub architecture: Architecture,
    /// Input representation; inputs are prepared with it.
    pub representation: Representation,
    /// Identity of the basis set the training spectra were made from.
    pub basis: BasisIdentity,
    /// Training data provenance.
    pub training_data: DatasetProvenance,
    /// Output names: the targets (qCNN) or the positive group (cCNN).
    pub outputs: Vec<String>,
    /// Unit of the qCNN outputs, from the dataset manifest (e.g. basis units).
    pub output_unit: String,
    /// Group names of the cCNN: `[negative, positive]`; empty for a qCNN.
    pub classes: Vec<String>,
    /// Mean of the network's regression target per output (qCNN), see [`ModelMeta::target_sd`].
    pub target_mean: Vec<f64>,
    /// Standard deviation of the regression target per output (qCNN). The network predicts
    /// `(content x representation scale - mean) / sd`: contents relative to the normalised
    /// spectrum, so that predictions follow the spectrum's scale whatever the receiver gain.
    pub target_sd: Vec<f64>,
    /// Training settings.
    pub training: TrainConfig,
    /// Validation loss and metric of the trivial predictor (prior mean or majority class).
    pub baseline: Baseline,
    /// Ensemble members.
    pub members: Vec<MemberInfo>,
}

impl ModelMeta {
    /// Number of network outputs.
    pub fn n_outputs(&self) -> usize {
        self.outputs.len()
    }

    fn check(&self, path: &Path) -> Result<()> {
        if self.format != FORMAT_NAME || self.format_version != FORMAT_VERSION {
            return Err(CnnError::checkpoint(
                path,
                format!(
                    "format {} version {}, expected {FORMAT_NAME} version {FORMAT_VERSION}",
                    self.format, self.format_version
                ),
            ));
        }
        self.architecture.validate()?;
        self.representation.validate()?;
        let n = self.outputs.len();
        let consistent = n > 0
            && !self.members.is_empty()
            && match self.task {
                Task::Quantify => self.target_mean.len() == n && self.target_sd.len() == n,
                Task::Classify => n == 1 && self.classes.len() == 2,
            };
        if !consistent {
            return Err(CnnError::checkpoint(
                path,
                "outputs, scaling, classes or members are missing or inconsistent",
            ));
        }
        Ok(())
    }
}

/// Seeds libtorch's generator for the dropout masks of a Monte Carlo prediction.
fn seed_dropout(options: &PredictOptions) {
    if options.mc_samples > 0 {
        // libtorch takes the seed as i64; the bits are kept.
        tch::manual_seed(options.seed as i64);
    }
}

/// One member's weights and networks.
#[derive(Debug)]
pub(crate) struct Member {
    pub(crate) vs: nn::VarStore,
    pub(crate) nets: Vec<Network>,
}

impl Member {
    /// Creates fresh weights, initialised from `seed`.
    pub(crate) fn new(meta: &ModelMeta, device: Device, seed: u64) -> Member {
        tch::manual_seed(seed as i64);
        let vs = nn::VarStore::new(device);
        let channels = meta.representation.channels.count();
        let points = meta.representation.n_points;
        let nets = match meta.layout {
            Layout::MultiOutput => vec![Network::new(
                &vs.root(),
                &meta.architecture,
                channels,
                points,
                meta.n_outputs(),
            )],
            Layout::PerTarget => (0..meta.n_outputs())
                .map(|k| {
                    Network::new(
                        &(vs.root() / format!("target{k}")),
                        &meta.architecture,
                        channels,
                        points,
                        1,
                    )
                })
                .collect(),
        };
        Member { vs, nets }
    }

    /// `[batch, outputs]` raw outputs.
    pub(crate) fn forward(&self, x: &Tensor, mode: Mode) -> Tensor {
        if self.nets.len() == 1 {
            self.nets[0].forward(x, mode)
        } else {
            let parts: Vec<Tensor> = self.nets.iter().map(|n| n.forward(x, mode)).collect();
            Tensor::cat(&parts, 1)
        }
    }
}

/// Network inputs prepared with a model's representation.
#[derive(Debug, Clone, PartialEq)]
pub struct Inputs {
    /// Values, `[spectrum, channel, point]` row-major.
    pub x: Vec<f32>,
    /// Scale factor each spectrum was multiplied by (see `RepresentationPlan::apply`).
    pub scale: Vec<f64>,
    /// A name per spectrum (file and index) for reports and errors.
    pub names: Vec<String>,
}

impl Inputs {
    /// Number of spectra.
    pub fn len(&self) -> usize {
        self.scale.len()
    }

    /// Checks whether there are no spectra.
    pub fn is_empty(&self) -> bool {
        self.scale.is_empty()
    }

    /// Inputs from a dataset shard; `scale_column` indexes the `representation_scale` nuisance.
    pub(crate) fn from_shard(shard: &Shard, scale_column: usize) -> Inputs {
        Inputs {
            x: shard.x.iter().copied().collect(),
            scale: shard
                .nuisance
                .column(scale_column)
                .iter()
                .map(|&s| f64::from(s))
                .collect(),
            names: (0..shard.len())
                .map(|i| format!("spectrum {}", shard.first_index + i as u64))
                .collect(),
        }
    }
}

/// Settings of a prediction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PredictOptions {
    /// Spectra per forward pass. Default 256.
    pub batch_size: usize,
    /// Monte Carlo dropout passes per member; 0 uses each member once without dropout. Default 0.
    pub mc_samples: usize,
    /// Seed of the dropout masks when `mc_samples > 0`. Default 0.
    ///
    /// NOTE: libtorch draws dropout masks from one process-wide generator, so the same seed
    /// gives the same predictions only while no other thread draws from it at the same time.
    pub seed: u64,
}

impl Default for PredictOptions {
    fn default() -> Self {
        PredictOptions {
            batch_size: 256,
            mc_samples: 0,
            seed: 0,
        }
    }
}

/// Predictions with their spread over ensemble members and dropout samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Predictions {
    /// Output names.
    pub outputs: Vec<String>,
    /// Mean over samples, `[spectrum, output]`: contents in the output unit (qCNN) or the
    /// probability of the positive group (cCNN).
    pub mean: Array2<f64>,
    /// Standard deviation over samples (zero with a single sample), same shape.
    pub sd: Array2<f64>,
    /// Samples behind each mean: members times dropout passes.
    pub n_samples: usize,
}

/// A trained qCNN or cCNN ensemble.
#[derive(Debug)]
pub struct Model {
    pub(crate) meta: ModelMeta,
    pub(crate) members: Vec<Member>,
    pub(crate) device: Device,
}

/// FNV-1a 64-bit hash, hexadecimal, for provenance records.
pub(crate) fn fnv1a64(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

impl Model {
    /// The metadata.
    pub fn meta(&self) -> &ModelMeta {
        &self.meta
    }

    /// Returns the device the weights live on.
    pub fn device(&self) -> Device {
        self.device
    }

    /// Writes `model.json` and the members' safetensors files into `dir` (created if needed).
    /// Each file is written to a temporary name and renamed, so a crash leaves no partial file.
    ///
    /// # Errors
    /// [`CnnError::Checkpoint`] or [`CnnError::Io`] when a file cannot be written.
    pub fn save(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir)
            .map_err(|e| CnnError::checkpoint(dir, format!("cannot create folder: {e}")))?;
        for (info, member) in self.meta.members.iter().zip(&self.members) {
            let path = dir.join(&info.file);
            let temp = dir.join(format!(".{}.partial.safetensors", info.file));
            member
                .vs
                .save(&temp)
                .map_err(|e| CnnError::checkpoint(&path, e.to_string()))?;
            std::fs::rename(&temp, &path)
                .map_err(|e| CnnError::checkpoint(&path, format!("cannot rename: {e}")))?;
        }
        let json = serde_json::to_vec_pretty(&self.meta)
            .map_err(|e| CnnError::checkpoint(dir.join(META_FILE), e.to_string()))?;
        let meta_path = dir.join(META_FILE);
        mrs_io::atomic::write_atomic(&meta_path, |w| {
            w.write_all(&json)
                .map_err(|e| mrs_io::IoError::new(&meta_path, mrs_io::ErrorKind::Os(e)))
        })?;
        Ok(())
    }

    /// Loads a model folder onto `device`.
    ///
    /// # Errors
    /// [`CnnError::Checkpoint`] for a missing or malformed metadata file, another format
    /// version, or weights that do not match the architecture.
    pub fn load(dir: &Path, device: Device) -> Result<Model> {
        let meta_path = dir.join(META_FILE);
        let text = std::fs::read_to_string(&meta_path)
            .map_err(|e| CnnError::checkpoint(&meta_path, format!("cannot read: {e}")))?;
        let meta: ModelMeta = serde_json::from_str(&text)
            .map_err(|e| CnnError::checkpoint(&meta_path, format!("invalid metadata: {e}")))?;
        meta.check(&meta_path)?;
        let mut members = Vec::with_capacity(meta.members.len());
        for info in &meta.members {
            if info.file.contains(['/', '\\']) || info.file.starts_with('.') {
                return Err(CnnError::checkpoint(
                    &meta_path,
                    format!(
                        "member file {:?} must be a plain name in the folder",
                        info.file
                    ),
                ));
            }
            let mut member = Member::new(&meta, device, info.seed);
            let path = dir.join(&info.file);
            member
                .vs
                .load(&path)
                .map_err(|e| CnnError::checkpoint(&path, e.to_string()))?;
            members.push(member);
        }
        Ok(Model {
            meta,
            members,
            device,
        })
    }

    /// Checks that a dataset was made with this model's representation, basis and targets.
    ///
    /// # Errors
    /// [`CnnError::Mismatch`] naming the first property that differs.
    pub fn check_dataset(&self, dataset: &Dataset, folder: &Path) -> Result<()> {
        let m = dataset.manifest();
        let name = folder.display().to_string();
        if m.representation != self.meta.representation {
            return Err(CnnError::mismatch(
                name,
                "input representation",
                describe(&self.meta.representation),
                describe(&m.representation),
            ));
        }
        if m.basis.fnv1a64 != self.meta.basis.fnv1a64 {
            return Err(CnnError::mismatch(
                name,
                "basis set",
                &self.meta.basis.fnv1a64,
                &m.basis.fnv1a64,
            ));
        }
        match self.meta.task {
            Task::Quantify if m.targets != self.meta.outputs => Err(CnnError::mismatch(
                name,
                "targets",
                self.meta.outputs.join(","),
                m.targets.join(","),
            )),
            Task::Classify if !self.meta.classes.iter().all(|c| m.groups.contains(c)) => {
                Err(CnnError::mismatch(
                    name,
                    "groups",
                    self.meta.classes.join(","),
                    m.groups.join(","),
                ))
            }
            _ => Ok(()),
        }
    }

    /// Predicts every spectrum of a dataset, reading one shard at a time.
    ///
    /// # Errors
    /// See [`Model::check_dataset`]; dataset read errors.
    pub fn predict_dataset(
        &self,
        dataset: &Dataset,
        folder: &Path,
        options: &PredictOptions,
    ) -> Result<Predictions> {
        self.check_dataset(dataset, folder)?;
        let scale_column = scale_column(dataset, folder)?;
        let mut parts = Vec::with_capacity(dataset.n_shards());
        seed_dropout(options);
        for shard in dataset.shards() {
            let inputs = Inputs::from_shard(&shard?, scale_column);
            parts.push(self.predict_with_current_masks(&inputs, options)?);
        }
        concat_predictions(self.meta.outputs.clone(), parts)
    }

    /// Predicts prepared inputs in batches.
    ///
    /// # Errors
    /// [`CnnError::Mismatch`] when the input length is not the representation's;
    /// [`CnnError::InvalidConfig`] for a zero batch size; libtorch errors.
    pub fn predict(&self, inputs: &Inputs, options: &PredictOptions) -> Result<Predictions> {
        seed_dropout(options);
        self.predict_with_current_masks(inputs, options)
    }

    /// Predicts without seeding the dropout masks, so that the shards of one dataset draw
    /// different masks from one seed.
    fn predict_with_current_masks(
        &self,
        inputs: &Inputs,
        options: &PredictOptions,
    ) -> Result<Predictions> {
        let rep = &self.meta.representation;
        let per = rep.len();
        let n = inputs.len();
        if inputs.x.len() != n * per {
            return Err(CnnError::mismatch(
                "inputs",
                "values per spectrum",
                per,
                inputs.x.len().checked_div(n).unwrap_or(inputs.x.len()),
            ));
        }
        if options.batch_size == 0 {
            return Err(CnnError::config("batch_size", 0, "must be positive"));
        }
        let outputs = self.meta.n_outputs();
        let passes = options.mc_samples.max(1);
        let mode = if options.mc_samples > 0 {
            Mode::McDropout
        } else {
            Mode::Eval
        };
        let n_samples = passes * self.members.len();
        let mut mean = Array2::<f64>::zeros((n, outputs));
        let mut sd = Array2::<f64>::zeros((n, outputs));
        let channels = rep.channels.count() as i64;
        let points = rep.n_points as i64;
        let mut start = 0;
        while start < n {
            let end = (start + options.batch_size).min(n);
            let b = end - start;
            let x = Tensor::f_from_slice(&inputs.x[start * per..end * per])?
                .f_view([b as i64, channels, points])?
                .f_to_device(self.device)?;
            // Welford accumulation over samples per (spectrum, output).
            let mut acc_mean = vec![0.0f64; b * outputs];
            let mut acc_m2 = vec![0.0f64; b * outputs];
            let mut count = 0.0f64;
            for member in &self.members {
                for _ in 0..passes {
                    let raw = tch::no_grad(|| member.forward(&x, mode));
                    let values = self.to_output_units(&raw, &inputs.scale[start..end])?;
                    count += 1.0;
                    for ((m, m2), v) in acc_mean.iter_mut().zip(acc_m2.iter_mut()).zip(&values) {
                        let delta = v - *m;
                        *m += delta / count;
                        *m2 += delta * (v - *m);
                    }
                }
            }
            for i in 0..b {
                for k in 0..outputs {
                    mean[[start + i, k]] = acc_mean[i * outputs + k];
                    sd[[start + i, k]] = if count > 1.0 {
                        (acc_m2[i * outputs + k] / (count - 1.0)).sqrt()
                    } else {
                        0.0
                    };
                }
            }
            start = end;
        }
        Ok(Predictions {
            outputs: self.meta.outputs.clone(),
            mean,
            sd,
            n_samples,
        })
    }

    /// CSV of predictions, one row per spectrum: `name`, then `OUTPUT,OUTPUT_sd` per output
    /// (contents, or the positive group's probability), then for a cCNN `predicted_group` at a
    /// probability of 0.5. Names with commas or quotes are quoted.
    pub fn to_csv(&self, names: &[String], predictions: &Predictions) -> String {
        let mut out = String::from("name");
        for output in &predictions.outputs {
            out.push_str(&format!(",{},{}_sd", csv_field(output), csv_field(output)));
        }
        if self.meta.task == Task::Classify {
            out.push_str(",predicted_group");
        }
        out.push('\n');
        for (i, name) in names.iter().enumerate().take(predictions.mean.nrows()) {
            out.push_str(&csv_field(name));
            for k in 0..predictions.outputs.len() {
                out.push_str(&format!(
                    ",{},{}",
                    predictions.mean[[i, k]],
                    predictions.sd[[i, k]]
                ));
            }
            if self.meta.task == Task::Classify {
                let positive = predictions.mean[[i, 0]] >= 0.5;
                out.push(',');
                out.push_str(&csv_field(&self.meta.classes[usize::from(positive)]));
            }
            out.push('\n');
        }
        out
    }

    /// Converts raw network outputs `[batch, outputs]` into contents or probabilities.
    fn to_output_units(&self, raw: &Tensor, scale: &[f64]) -> Result<Vec<f64>> {
        let raw = raw
            .f_to_device(Device::Cpu)?
            .f_to_kind(Kind::Double)?
            .f_contiguous()?;
        let values: Vec<f64> = Vec::<f64>::try_from(raw.f_flatten(0, -1)?)?;
        let outputs = self.meta.n_outputs();
        Ok(match self.meta.task {
            Task::Quantify => values
                .chunks(outputs)
                .zip(scale)
                .flat_map(|(row, &s)| {
                    row.iter()
                        .zip(&self.meta.target_mean)
                        .zip(&self.meta.target_sd)
                        .map(move |((v, m), sd)| (v * sd + m) / s)
                })
                .collect(),
            Task::Classify => values.iter().map(|v| 1.0 / (1.0 + (-v).exp())).collect(),
        })
    }
}

/// Column of `representation_scale` among a dataset's nuisance values.
pub(crate) fn scale_column(dataset: &Dataset, folder: &Path) -> Result<usize> {
    dataset
        .manifest()
        .nuisance_names
        .iter()
        .position(|n| n == "representation_scale")
        .ok_or_else(|| CnnError::Dataset {
            path: PathBuf::from(folder),
            reason: "the manifest lists no representation_scale nuisance value".into(),
        })
}

/// Formats a CSV field, quoted when it contains a comma, quote or line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// One-line description of a representation for messages.
pub(crate) fn describe(rep: &Representation) -> String {
    format!(
        "{}-{} ppm, {} points, {:?}, {:?}",
        rep.ppm_min, rep.ppm_max, rep.n_points, rep.channels, rep.normalisation
    )
}

fn concat_predictions(outputs: Vec<String>, parts: Vec<Predictions>) -> Result<Predictions> {
    let n_samples = parts.first().map_or(0, |p| p.n_samples);
    let means: Vec<_> = parts.iter().map(|p| p.mean.view()).collect();
    let sds: Vec<_> = parts.iter().map(|p| p.sd.view()).collect();
    let k = outputs.len();
    let stack = |views: &[ndarray::ArrayView2<'_, f64>]| {
        if views.is_empty() {
            Ok(Array2::zeros((0, k)))
        } else {
            ndarray::concatenate(ndarray::Axis(0), views)
        }
    };
    let shape_error = |e: ndarray::ShapeError| CnnError::config("predictions", e, "shapes differ");
    Ok(Predictions {
        outputs,
        mean: stack(&means).map_err(shape_error)?,
        sd: stack(&sds).map_err(shape_error)?,
        n_samples,
    })
}
