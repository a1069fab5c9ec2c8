//! Training from dataset shards: Adam with per-epoch learning-rate decay, a validation set,
//! early stopping on the validation loss, ensembles of seeds.
//!
//! Shards are read one at a time, in an order shuffled per epoch, and shuffled within; the
//! whole dataset is never in memory. Given the seed, training on the CPU is deterministic.
//!
//! The qCNN outputs `(content x representation scale - mean) / sd` per target and minimises a
//! [`QuantLoss`] (by default the relative absolute error, the quantity the study scores); the
//! cCNN minimises the binary cross-entropy of the positive group's logit.

use crate::arch::{Architecture, Mode};
use crate::device::DeviceRequest;
use crate::error::{CnnError, Result};
use crate::model::{
    fnv1a64, scale_column, DatasetProvenance, Inputs, Layout, Member, MemberInfo, Model, ModelMeta,
    Task, FORMAT_NAME, FORMAT_VERSION,
};
use mrs_synth::{Dataset, Shard};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;
use tch::nn::OptimizerConfig;
use tch::{nn, Device, Kind, Reduction, Tensor};

/// Training settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
    /// Maximum number of passes over the training set. Default 40.
    pub epochs: usize,
    /// Spectra per optimisation step. Default 128.
    pub batch_size: usize,
    /// Adam learning rate of the first epoch. Default 1e-3.
    pub learning_rate: f64,
    /// Factor applied to the learning rate after each epoch. Default 0.95.
    pub lr_decay: f64,
    /// Adam weight decay (L2). Default 0.
    pub weight_decay: f64,
    /// Epochs without a lower validation loss before training stops. Default 6.
    pub patience: usize,
    /// Share of the training dataset (its last spectra) held out for validation when no
    /// validation dataset is given. Default 0.1.
    pub validation_fraction: f64,
    /// Seed of the first member; member `m` uses `seed + m`. Default 0.
    pub seed: u64,
    /// Ensemble members. Default 1.
    pub members: usize,
    /// One network for all targets or one per target (qCNN only). Default one for all.
    pub layout: Layout,
    /// Loss of the qCNN. Default [`QuantLoss::RelativeL1`] with a floor of 0.05.
    pub loss: QuantLoss,
}

/// Loss of the qCNN, on contents relative to the normalised spectrum (`content x s`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum QuantLoss {
    /// Mean squared error of the standardised contents.
    Mse,
    /// Absolute error divided by the true content: the absolute percent error the study
    /// scores, divided by 100. The divisor is at least `floor_fraction` times the target's
    /// training mean, so that near-zero contents do not dominate the gradient.
    RelativeL1 {
        /// Divisor floor as a fraction of the target's training mean, in (0, 1].
        floor_fraction: f64,
    },
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig {
            epochs: 40,
            batch_size: 128,
            learning_rate: 1e-3,
            lr_decay: 0.95,
            weight_decay: 0.0,
            patience: 6,
            validation_fraction: 0.1,
            seed: 0,
            members: 1,
            layout: Layout::MultiOutput,
            loss: QuantLoss::RelativeL1 {
                floor_fraction: 0.05,
            },
        }
    }
}

impl TrainConfig {
    /// Checks the ranges.
    ///
    /// # Errors
    /// [`CnnError::InvalidConfig`] naming the field.
    pub fn validate(&self) -> Result<()> {
        let checks: [(&str, String, bool, &str); 8] = [
            (
                "epochs",
                self.epochs.to_string(),
                (1..=100_000).contains(&self.epochs),
                "must lie in 1..=100000",
            ),
            (
                "batch_size",
                self.batch_size.to_string(),
                (2..=65_536).contains(&self.batch_size),
                "must lie in 2..=65536",
            ),
            (
                "learning_rate",
                self.learning_rate.to_string(),
                self.learning_rate > 0.0 && self.learning_rate < 10.0,
                "must lie in (0, 10)",
            ),
            (
                "lr_decay",
                self.lr_decay.to_string(),
                self.lr_decay > 0.0 && self.lr_decay <= 1.0,
                "must lie in (0, 1]",
            ),
            (
                "weight_decay",
                self.weight_decay.to_string(),
                (0.0..1.0).contains(&self.weight_decay),
                "must lie in [0, 1)",
            ),
            (
                "patience",
                self.patience.to_string(),
                self.patience >= 1,
                "must be at least 1",
            ),
            (
                "validation_fraction",
                self.validation_fraction.to_string(),
                self.validation_fraction > 0.0 && self.validation_fraction < 1.0,
                "must lie in (0, 1)",
            ),
            (
                "members",
                self.members.to_string(),
                (1..=64).contains(&self.members),
                "must lie in 1..=64",
            ),
        ];
        for (field, value, ok, reason) in checks {
            if !ok {
                return Err(CnnError::config(field, value, reason));
            }
        }
        if let QuantLoss::RelativeL1 { floor_fraction } = self.loss {
            if !(floor_fraction > 0.0 && floor_fraction <= 1.0) {
                return Err(CnnError::config(
                    "loss.floor_fraction",
                    floor_fraction,
                    "must lie in (0, 1]",
                ));
            }
        }
        Ok(())
    }
}

/// One epoch of one member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochLog {
    /// Epoch number from 1.
    pub epoch: usize,
    /// Learning rate used.
    pub learning_rate: f64,
    /// Mean training loss over the epoch's steps.
    pub train_loss: f64,
    /// Validation loss.
    pub validation_loss: f64,
    /// Validation metric: mean absolute percent error over targets (qCNN) or accuracy at a
    /// probability of 0.5 (cCNN).
    pub validation_metric: f64,
    /// Wall time of the epoch in seconds.
    pub seconds: f64,
}

/// The trivial predictor's validation scores: the training mean of each target (qCNN) or the
/// majority class's training frequency (cCNN).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// Validation loss, in the model's loss.
    pub validation_loss: f64,
    /// Validation metric, as in [`EpochLog::validation_metric`].
    pub validation_metric: f64,
}

/// Progress reported during training.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event<'a> {
    /// Training starts: total optimisation steps of one member's epoch.
    Start {
        /// Ensemble members to train.
        members: usize,
        /// Maximum number of epochs per member.
        epochs: usize,
        /// Training spectra per epoch.
        spectra_per_epoch: u64,
    },
    /// Spectra of the current epoch done so far.
    Batch {
        /// Member index from 0.
        member: usize,
        /// Epoch from 1.
        epoch: usize,
        /// Spectra done in this epoch.
        done: u64,
    },
    /// An epoch finished.
    Epoch {
        /// Member index from 0.
        member: usize,
        /// Its log.
        log: &'a EpochLog,
    },
}

/// Range of spectrum indices a pass reads.
#[derive(Debug, Clone, Copy)]
struct Rows {
    from: u64,
    to: u64,
}

/// A dataset with the rows used for training or validation.
struct Source<'a> {
    dataset: &'a Dataset,
    folder: PathBuf,
    rows: Rows,
    scale_column: usize,
}

impl Source<'_> {
    fn n_spectra(&self) -> u64 {
        let m = self.dataset.manifest();
        let first = m.first_index;
        let last = first + m.n_spectra;
        self.rows
            .to
            .min(last)
            .saturating_sub(self.rows.from.max(first))
    }

    /// Shards overlapping the rows.
    fn shard_numbers(&self) -> Vec<usize> {
        self.dataset
            .manifest()
            .shards
            .iter()
            .enumerate()
            .filter(|(_, s)| {
                s.first_index < self.rows.to && s.first_index + s.n_spectra as u64 > self.rows.from
            })
            .map(|(k, _)| k)
            .collect()
    }

    /// Reads shard `k` and returns the positions of its rows inside the range.
    fn read(&self, k: usize) -> Result<(Shard, Vec<usize>)> {
        let shard = self.dataset.read_shard(k)?;
        let rows = (0..shard.len())
            .filter(|&i| {
                let index = shard.first_index + i as u64;
                (self.rows.from..self.rows.to).contains(&index)
            })
            .collect();
        Ok((shard, rows))
    }
}

/// Regression or classification targets of the network.
enum Targets {
    Quantify {
        mean: Vec<f64>,
        sd: Vec<f64>,
        loss: QuantLoss,
    },
    Classify {
        positive: i32,
        prevalence: f64,
    },
}

impl Targets {
    /// `[rows, outputs]` targets of the selected rows.
    fn of(&self, shard: &Shard, rows: &[usize], scale_column: usize) -> Vec<f32> {
        match self {
            Targets::Quantify { mean, sd, .. } => rows
                .iter()
                .flat_map(|&i| {
                    let s = f64::from(shard.nuisance[[i, scale_column]]);
                    (0..mean.len())
                        .map(move |k| ((f64::from(shard.y[[i, k]]) * s - mean[k]) / sd[k]) as f32)
                })
                .collect(),
            Targets::Classify { positive, .. } => rows
                .iter()
                .map(|&i| f32::from(u8::from(shard.group[i] == *positive)))
                .collect(),
        }
    }
}

fn gather_x(shard: &Shard, rows: &[usize]) -> Vec<f32> {
    let per = shard.x.len() / shard.len().max(1);
    let flat = shard.x.as_slice();
    let mut out = Vec::with_capacity(rows.len() * per);
    for &i in rows {
        match flat {
            Some(values) => out.extend_from_slice(&values[i * per..(i + 1) * per]),
            None => out.extend(shard.x.index_axis(ndarray::Axis(0), i).iter().copied()),
        }
    }
    out
}

/// Trains a qCNN on `train`, validating on `validation` or on the last
/// [`TrainConfig::validation_fraction`] of `train`.
///
/// # Errors
/// [`CnnError::InvalidConfig`] for invalid settings; [`CnnError::Dataset`] for a dataset too
/// small to split or without positive target spread; dataset read and libtorch errors;
/// [`CnnError::Mismatch`] when the validation dataset was made differently.
pub fn train_qcnn(
    train: (&Dataset, &Path),
    validation: Option<(&Dataset, &Path)>,
    architecture: &Architecture,
    config: &TrainConfig,
    device: DeviceRequest,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<Model> {
    run(
        train,
        validation,
        architecture,
        config,
        device,
        Task::Quantify,
        None,
        on_event,
    )
}

/// Trains a cCNN that gives the probability of `positive_group` against the dataset's other
/// group.
///
/// # Errors
/// As [`train_qcnn`]; also [`CnnError::Dataset`] unless the dataset has exactly two groups,
/// one of them `positive_group`, and both occur in the training rows.
pub fn train_ccnn(
    train: (&Dataset, &Path),
    validation: Option<(&Dataset, &Path)>,
    architecture: &Architecture,
    config: &TrainConfig,
    positive_group: &str,
    device: DeviceRequest,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<Model> {
    run(
        train,
        validation,
        architecture,
        config,
        device,
        Task::Classify,
        Some(positive_group),
        on_event,
    )
}

#[allow(clippy::too_many_arguments)]
fn run(
    (train_set, train_folder): (&Dataset, &Path),
    validation: Option<(&Dataset, &Path)>,
    architecture: &Architecture,
    config: &TrainConfig,
    device: DeviceRequest,
    task: Task,
    positive_group: Option<&str>,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<Model> {
    architecture.validate()?;
    config.validate()?;
    if task == Task::Classify && config.layout == Layout::PerTarget {
        return Err(CnnError::config(
            "layout",
            "per_target",
            "applies to the qCNN only",
        ));
    }
    let device = device.resolve()?;
    let manifest = train_set.manifest();
    let all = Rows {
        from: manifest.first_index,
        to: manifest.first_index + manifest.n_spectra,
    };
    let (train_rows, validation_source) = match validation {
        Some((set, folder)) => {
            check_compatible(train_set, set, folder)?;
            let m = set.manifest();
            let rows = Rows {
                from: m.first_index,
                to: m.first_index + m.n_spectra,
            };
            (all, (set, folder.to_path_buf(), rows))
        }
        None => {
            let held = ((manifest.n_spectra as f64) * config.validation_fraction).ceil() as u64;
            let cut = all.to - held;
            if held == 0 || cut <= all.from {
                return Err(CnnError::Dataset {
                    path: train_folder.to_path_buf(),
                    reason: format!(
                        "{} spectra cannot be split with validation_fraction {}",
                        manifest.n_spectra, config.validation_fraction
                    ),
                });
            }
            (
                Rows {
                    from: all.from,
                    to: cut,
                },
                (
                    train_set,
                    train_folder.to_path_buf(),
                    Rows {
                        from: cut,
                        to: all.to,
                    },
                ),
            )
        }
    };
    let train_source = Source {
        dataset: train_set,
        folder: train_folder.to_path_buf(),
        rows: train_rows,
        scale_column: scale_column(train_set, train_folder)?,
    };
    let validation_source = Source {
        dataset: validation_source.0,
        scale_column: scale_column(validation_source.0, &validation_source.1)?,
        folder: validation_source.1,
        rows: validation_source.2,
    };
    let (targets, outputs, classes) =
        fit_targets(&train_source, task, positive_group, config.loss)?;

    let prior_toml = manifest.prior.to_toml_string()?;
    let (target_mean, target_sd) = match &targets {
        Targets::Quantify { mean, sd, .. } => (mean.clone(), sd.clone()),
        Targets::Classify { .. } => (Vec::new(), Vec::new()),
    };
    let mut meta = ModelMeta {
        format: FORMAT_NAME.into(),
        format_version: FORMAT_VERSION,
        crate_version: env!("CARGO_PKG_VERSION").into(),
        task,
        layout: config.layout,
        architecture: architecture.clone(),
        representation: manifest.representation.clone(),
        basis: manifest.basis.clone(),
        training_data: DatasetProvenance {
            seed: manifest.seed,
            first_index: manifest.first_index,
            n_spectra: manifest.n_spectra,
            prior_description: manifest.prior.description.clone(),
            prior_fnv1a64: fnv1a64(prior_toml.as_bytes()),
        },
        outputs,
        output_unit: match task {
            Task::Quantify => manifest.target_unit.clone(),
            Task::Classify => "probability".into(),
        },
        classes,
        target_mean,
        target_sd,
        training: config.clone(),
        baseline: baseline(&validation_source, &targets, &train_source)?,
        members: Vec::new(),
    };
    tracing::info!(
        task = ?task,
        train = train_source.n_spectra(),
        validation = validation_source.n_spectra(),
        baseline_loss = meta.baseline.validation_loss,
        baseline_metric = meta.baseline.validation_metric,
        "training starts"
    );
    on_event(Event::Start {
        members: config.members,
        epochs: config.epochs,
        spectra_per_epoch: train_source.n_spectra(),
    });

    let mut members = Vec::with_capacity(config.members);
    for m in 0..config.members {
        let seed = config.seed + m as u64;
        let member = Member::new(&meta, device, seed);
        let (best_epoch, history) = train_member(
            &member,
            m,
            seed,
            &meta,
            &targets,
            &train_source,
            &validation_source,
            config,
            on_event,
        )?;
        meta.members.push(MemberInfo {
            seed,
            file: format!("member-{m:02}.safetensors"),
            best_epoch,
            history,
        });
        members.push(member);
    }
    Ok(Model {
        meta,
        members,
        device,
    })
}

/// Checks that a validation dataset was made with the same representation, basis, targets
/// and groups as the training dataset.
fn check_compatible(train: &Dataset, validation: &Dataset, folder: &Path) -> Result<()> {
    let (a, b) = (train.manifest(), validation.manifest());
    let name = folder.display().to_string();
    if a.representation != b.representation {
        return Err(CnnError::mismatch(
            name,
            "input representation",
            crate::model::describe(&a.representation),
            crate::model::describe(&b.representation),
        ));
    }
    if a.basis.fnv1a64 != b.basis.fnv1a64 {
        return Err(CnnError::mismatch(
            name,
            "basis set",
            &a.basis.fnv1a64,
            &b.basis.fnv1a64,
        ));
    }
    if a.targets != b.targets || a.groups != b.groups {
        return Err(CnnError::mismatch(
            name,
            "targets and groups",
            format!("{:?} {:?}", a.targets, a.groups),
            format!("{:?} {:?}", b.targets, b.groups),
        ));
    }
    Ok(())
}

/// Reads the training rows once for the target scaling (qCNN) or the class indices (cCNN).
fn fit_targets(
    source: &Source<'_>,
    task: Task,
    positive_group: Option<&str>,
    loss: QuantLoss,
) -> Result<(Targets, Vec<String>, Vec<String>)> {
    let manifest = source.dataset.manifest();
    match task {
        Task::Quantify => {
            let k = manifest.targets.len();
            let mut count = 0.0f64;
            let mut mean = vec![0.0f64; k];
            let mut m2 = vec![0.0f64; k];
            for shard_number in source.shard_numbers() {
                let (shard, rows) = source.read(shard_number)?;
                for &i in &rows {
                    count += 1.0;
                    let s = f64::from(shard.nuisance[[i, source.scale_column]]);
                    for t in 0..k {
                        let v = f64::from(shard.y[[i, t]]) * s;
                        let delta = v - mean[t];
                        mean[t] += delta / count;
                        m2[t] += delta * (v - mean[t]);
                    }
                }
            }
            let sd: Vec<f64> = m2
                .iter()
                .map(|v| (v / (count - 1.0).max(1.0)).sqrt())
                .collect();
            if let Some(t) = sd.iter().position(|s| !(*s > 0.0 && s.is_finite())) {
                return Err(CnnError::Dataset {
                    path: source.folder.clone(),
                    reason: format!(
                        "target {} does not vary over the training spectra",
                        manifest.targets[t]
                    ),
                });
            }
            Ok((
                Targets::Quantify { mean, sd, loss },
                manifest.targets.clone(),
                Vec::new(),
            ))
        }
        Task::Classify => {
            let positive_name = positive_group.unwrap_or_default();
            let dataset_error = |reason: String| CnnError::Dataset {
                path: source.folder.clone(),
                reason,
            };
            if manifest.groups.len() != 2 {
                return Err(dataset_error(format!(
                    "a classifier needs exactly two groups, the dataset has {:?}",
                    manifest.groups
                )));
            }
            let positive = manifest
                .groups
                .iter()
                .position(|g| g == positive_name)
                .ok_or_else(|| {
                    dataset_error(format!(
                        "positive group {positive_name:?} is not one of {:?}",
                        manifest.groups
                    ))
                })?;
            let negative = 1 - positive;
            let (mut n_positive, mut n) = (0u64, 0u64);
            for shard_number in source.shard_numbers() {
                let (shard, rows) = source.read(shard_number)?;
                n += rows.len() as u64;
                n_positive += rows
                    .iter()
                    .filter(|&&i| shard.group[i] == positive as i32)
                    .count() as u64;
            }
            if n_positive == 0 || n_positive == n {
                return Err(dataset_error(format!(
                    "the training spectra hold {n_positive} of {n} in group {positive_name}; both \
                     groups must occur"
                )));
            }
            Ok((
                Targets::Classify {
                    positive: positive as i32,
                    prevalence: n_positive as f64 / n as f64,
                },
                vec![positive_name.to_string()],
                vec![manifest.groups[negative].clone(), positive_name.to_string()],
            ))
        }
    }
}

/// Validation scores of the trivial predictor.
fn baseline(validation: &Source<'_>, targets: &Targets, train: &Source<'_>) -> Result<Baseline> {
    match targets {
        Targets::Quantify {
            mean,
            sd,
            loss: kind,
        } => {
            // The training mean of each content, in the dataset's unit.
            let k = mean.len();
            let mut sums = vec![0.0f64; k];
            let mut n = 0.0;
            for shard_number in train.shard_numbers() {
                let (shard, rows) = train.read(shard_number)?;
                for &i in &rows {
                    n += 1.0;
                    for (t, sum) in sums.iter_mut().enumerate() {
                        *sum += f64::from(shard.y[[i, t]]);
                    }
                }
            }
            let content_mean: Vec<f64> = sums.iter().map(|s| s / n).collect();
            let mut loss = Accumulator::default();
            let mut ape = ApeAccumulator::new(k);
            for shard_number in validation.shard_numbers() {
                let (shard, rows) = validation.read(shard_number)?;
                for &i in &rows {
                    let s = f64::from(shard.nuisance[[i, validation.scale_column]]);
                    for t in 0..k {
                        let truth = f64::from(shard.y[[i, t]]);
                        let standard_truth = (truth * s - mean[t]) / sd[t];
                        let standard_guess = (content_mean[t] * s - mean[t]) / sd[t];
                        loss.add(match kind {
                            QuantLoss::Mse => (standard_guess - standard_truth).powi(2),
                            QuantLoss::RelativeL1 { floor_fraction } => {
                                (content_mean[t] - truth).abs() * s
                                    / (truth * s).max(floor_fraction * mean[t])
                            }
                        });
                        ape.add(t, content_mean[t], truth);
                    }
                }
            }
            Ok(Baseline {
                validation_loss: loss.mean(),
                validation_metric: ape.mean(),
            })
        }
        Targets::Classify {
            positive,
            prevalence,
            ..
        } => {
            let p = *prevalence;
            let majority_positive = p >= 0.5;
            let mut loss = Accumulator::default();
            let mut correct = Accumulator::default();
            for shard_number in validation.shard_numbers() {
                let (shard, rows) = validation.read(shard_number)?;
                for &i in &rows {
                    let label = shard.group[i] == *positive;
                    loss.add(-(if label { p.ln() } else { (1.0 - p).ln() }));
                    correct.add(f64::from(u8::from(label == majority_positive)));
                }
            }
            Ok(Baseline {
                validation_loss: loss.mean(),
                validation_metric: correct.mean(),
            })
        }
    }
}

#[derive(Default)]
struct Accumulator {
    sum: f64,
    n: f64,
}

impl Accumulator {
    fn add(&mut self, v: f64) {
        self.sum += v;
        self.n += 1.0;
    }
    fn mean(&self) -> f64 {
        if self.n > 0.0 {
            self.sum / self.n
        } else {
            f64::NAN
        }
    }
}

/// Mean absolute percent error per target, over spectra with a positive true content.
struct ApeAccumulator {
    per_target: Vec<Accumulator>,
}

impl ApeAccumulator {
    fn new(k: usize) -> Self {
        ApeAccumulator {
            per_target: (0..k).map(|_| Accumulator::default()).collect(),
        }
    }
    fn add(&mut self, target: usize, estimate: f64, truth: f64) {
        if truth > 0.0 {
            self.per_target[target].add(100.0 * (estimate - truth).abs() / truth);
        }
    }
    /// Mean over targets of the per-target means.
    fn mean(&self) -> f64 {
        let means: Vec<f64> = self
            .per_target
            .iter()
            .map(Accumulator::mean)
            .filter(|m| m.is_finite())
            .collect();
        means.iter().sum::<f64>() / means.len().max(1) as f64
    }
}

/// Copies of a member's variables by name: the weights of its best epoch.
type Snapshot = Vec<(String, Tensor)>;

#[allow(clippy::too_many_arguments)]
fn train_member(
    member: &Member,
    index: usize,
    seed: u64,
    meta: &ModelMeta,
    targets: &Targets,
    train: &Source<'_>,
    validation: &Source<'_>,
    config: &TrainConfig,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<(usize, Vec<EpochLog>)> {
    let device = member.vs.device();
    let rep = &meta.representation;
    let (channels, points) = (rep.channels.count() as i64, rep.n_points as i64);
    let n_outputs = meta.n_outputs() as i64;
    let mut optimizer = nn::Adam {
        wd: config.weight_decay,
        ..Default::default()
    }
    .build(&member.vs, config.learning_rate)?;
    tch::manual_seed(seed as i64);
    let mut best: Option<(f64, usize, Snapshot)> = None;
    let mut history = Vec::new();
    let mut since_best = 0;
    let min_batch = if meta.architecture.batch_norm { 2 } else { 1 };
    for epoch in 1..=config.epochs {
        let started = Instant::now();
        let learning_rate = config.learning_rate * config.lr_decay.powi(epoch as i32 - 1);
        optimizer.set_lr(learning_rate);
        let mut rng =
            ChaCha8Rng::seed_from_u64(seed ^ (epoch as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let mut order = train.shard_numbers();
        order.shuffle(&mut rng);
        let mut loss_sum = 0.0;
        let mut steps = 0usize;
        let mut done = 0u64;
        for shard_number in order {
            let (shard, mut rows) = train.read(shard_number)?;
            rows.shuffle(&mut rng);
            for batch in rows.chunks(config.batch_size) {
                if batch.len() < min_batch {
                    continue;
                }
                let b = batch.len() as i64;
                let x = Tensor::f_from_slice(&gather_x(&shard, batch))?
                    .f_view([b, channels, points])?
                    .f_to_device(device)?;
                let y = Tensor::f_from_slice(&targets.of(&shard, batch, train.scale_column))?
                    .f_view([b, n_outputs])?
                    .f_to_device(device)?;
                let out = member.forward(&x, Mode::Train);
                let loss = loss_of(targets, &out, &y)?;
                optimizer.backward_step(&loss);
                loss_sum += loss.f_double_value(&[])?;
                steps += 1;
                done += batch.len() as u64;
                on_event(Event::Batch {
                    member: index,
                    epoch,
                    done,
                });
            }
        }
        let (validation_loss, validation_metric) = evaluate(member, meta, targets, validation)?;
        let log = EpochLog {
            epoch,
            learning_rate,
            train_loss: loss_sum / steps.max(1) as f64,
            validation_loss,
            validation_metric,
            seconds: started.elapsed().as_secs_f64(),
        };
        tracing::info!(
            member = index,
            epoch,
            train_loss = log.train_loss,
            validation_loss,
            validation_metric,
            "epoch done"
        );
        on_event(Event::Epoch {
            member: index,
            log: &log,
        });
        history.push(log);
        let improved = best
            .as_ref()
            .is_none_or(|(loss, _, _)| validation_loss < *loss);
        if improved && validation_loss.is_finite() {
            let snapshot = member
                .vs
                .variables()
                .into_iter()
                .map(|(name, t)| (name, tch::no_grad(|| t.detach().copy())))
                .collect();
            best = Some((validation_loss, epoch, snapshot));
            since_best = 0;
        } else {
            since_best += 1;
            if since_best >= config.patience {
                tracing::info!(member = index, epoch, "early stop");
                break;
            }
        }
    }
    let (_, best_epoch, snapshot) = best.ok_or_else(|| CnnError::Dataset {
        path: validation.folder.clone(),
        reason: "the validation loss was never finite".into(),
    })?;
    let mut variables = member.vs.variables();
    tch::no_grad(|| -> Result<()> {
        for (name, value) in &snapshot {
            if let Some(var) = variables.get_mut(name) {
                var.f_copy_(value)?;
            }
        }
        Ok(())
    })?;
    Ok((best_epoch, history))
}

fn loss_of(targets: &Targets, out: &Tensor, y: &Tensor) -> Result<Tensor> {
    Ok(match targets {
        Targets::Quantify {
            loss: QuantLoss::Mse,
            ..
        } => out.f_mse_loss(y, Reduction::Mean)?,
        Targets::Quantify {
            mean,
            sd,
            loss: QuantLoss::RelativeL1 { floor_fraction },
        } => {
            // Back to relative contents: (out - y) sd is the error, y sd + mean the truth.
            let device = out.device();
            let k = mean.len() as i64;
            let to_row = |values: Vec<f32>| -> Result<Tensor> {
                Ok(Tensor::f_from_slice(&values)?
                    .f_view([1, k])?
                    .f_to_device(device)?)
            };
            let sd_t = to_row(sd.iter().map(|&v| v as f32).collect())?;
            let mean_t = to_row(mean.iter().map(|&v| v as f32).collect())?;
            let floor_t = to_row(mean.iter().map(|&v| (v * floor_fraction) as f32).collect())?;
            let truth = y.f_mul(&sd_t)?.f_add(&mean_t)?.f_maximum(&floor_t)?;
            out.f_sub(y)?
                .f_abs()?
                .f_mul(&sd_t)?
                .f_div(&truth)?
                .f_mean(Kind::Float)?
        }
        Targets::Classify { .. } => {
            out.f_binary_cross_entropy_with_logits::<Tensor>(y, None, None, Reduction::Mean)?
        }
    })
}

/// Validation loss and metric of a member.
fn evaluate(
    member: &Member,
    meta: &ModelMeta,
    targets: &Targets,
    validation: &Source<'_>,
) -> Result<(f64, f64)> {
    let device = member.vs.device();
    let rep = &meta.representation;
    let (channels, points) = (rep.channels.count() as i64, rep.n_points as i64);
    let k = meta.n_outputs();
    let mut loss = Accumulator::default();
    let mut ape = ApeAccumulator::new(k);
    let mut correct = Accumulator::default();
    for shard_number in validation.shard_numbers() {
        let (shard, rows) = validation.read(shard_number)?;
        for batch in rows.chunks(512) {
            let b = batch.len() as i64;
            let x = Tensor::f_from_slice(&gather_x(&shard, batch))?
                .f_view([b, channels, points])?
                .f_to_device(device)?;
            let y_values = targets.of(&shard, batch, validation.scale_column);
            let y = Tensor::f_from_slice(&y_values)?
                .f_view([b, k as i64])?
                .f_to_device(device)?;
            let out = tch::no_grad(|| member.forward(&x, Mode::Eval));
            let batch_loss = loss_of(targets, &out, &y)?.f_double_value(&[])?;
            // Weight by spectra (qCNN: by elements, which is proportional).
            for _ in 0..batch.len() {
                loss.add(batch_loss);
            }
            let out: Vec<f64> = Vec::<f64>::try_from(
                out.f_to_device(Device::Cpu)?
                    .f_to_kind(Kind::Double)?
                    .f_flatten(0, -1)?,
            )?;
            match targets {
                Targets::Quantify { mean, sd, .. } => {
                    for (row, &i) in batch.iter().enumerate() {
                        let s = f64::from(shard.nuisance[[i, validation.scale_column]]);
                        for t in 0..k {
                            let estimate = (out[row * k + t] * sd[t] + mean[t]) / s;
                            ape.add(t, estimate, f64::from(shard.y[[i, t]]));
                        }
                    }
                }
                Targets::Classify { .. } => {
                    for (row, &label) in y_values.iter().enumerate() {
                        let predicted_positive = out[row] > 0.0;
                        correct.add(f64::from(u8::from(predicted_positive == (label > 0.5))));
                    }
                }
            }
        }
    }
    let metric = match targets {
        Targets::Quantify { .. } => ape.mean(),
        Targets::Classify { .. } => correct.mean(),
    };
    Ok((loss.mean(), metric))
}

/// Inputs of every spectrum of a dataset, held in memory: for small datasets and tests.
pub fn dataset_inputs(dataset: &Dataset, folder: &Path) -> Result<Inputs> {
    let column = scale_column(dataset, folder)?;
    let parts = dataset
        .shards()
        .map(|shard| Ok(Inputs::from_shard(&shard?, column)))
        .collect::<Result<Vec<_>>>()?;
    Ok(crate::input::concat_inputs(parts))
}
