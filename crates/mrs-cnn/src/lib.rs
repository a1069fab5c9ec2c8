//! qCNN and cCNN models for 1H-MRS on libtorch (through `tch`): 1-D convolutional networks
//! trained on simulated spectra to quantify metabolites and lipids (qCNN) and to classify a
//! patient's group (cCNN), with ensembles and Monte Carlo dropout for uncertainty.
//!
//! This is the only crate of the workspace that links libtorch.
//!
//! # Conventions
//!
//! - Inputs are [`mrs_synth::Representation`]s: a ppm window resampled to a fixed grid,
//!   normalised. The representation is part of a model's metadata and the model prepares its
//!   own inputs ([`Model::prepare_file`], [`Model::prepare_fid`]), so training and inference
//!   cannot disagree on it.
//! - qCNN outputs are contents in the dataset's unit (basis units: the factors multiplying
//!   each basis entry). The network itself regresses `content x s`, standardised per target,
//!   where `s` is the factor the representation multiplied the spectrum by; predictions are
//!   divided by the input's own `s`, so they scale with the spectrum whatever the receiver
//!   gain.
//! - cCNN outputs are the probability of the positive group (e.g. `HBV-LC-HCC`).
//! - Uncertainty is the standard deviation over ensemble members and Monte Carlo dropout
//!   passes ([`PredictOptions::mc_samples`]); with one member and no dropout passes it is 0.
//! - Training on the CPU is deterministic for a given seed. CUDA is used only when requested
//!   with [`DeviceRequest::Cuda`]; a missing device is an error.
//!
//! # Model folders
//!
//! `model.json` ([`ModelMeta`]: architecture, representation, basis identity, prior hash,
//! targets and units, target scaling, training settings and seed, per-epoch history, crate
//! version) and `member-NN.safetensors` per ensemble member.
//!
//! ```no_run
//! use mrs_cnn::{Architecture, DeviceRequest, Model, PredictOptions, TrainConfig};
//! use mrs_synth::Dataset;
//! use std::path::Path;
//!
//! let train = Dataset::open(Path::new("out/train"))?;
//! let model = mrs_cnn::train_qcnn(
//!     (&train, Path::new("out/train")),
//!     None,
//!     &Architecture::default(),
//!     &TrainConfig { epochs: 10, ..TrainConfig::default() },
//!     DeviceRequest::Cpu,
//!     &mut |_| {},
//! )?;
//! model.save(Path::new("out/qcnn"))?;
//! let inputs = model.prepare_file(Path::new("patient.nii.gz"), &Default::default())?;
//! let predictions = model.predict(&inputs, &PredictOptions { mc_samples: 20, ..Default::default() })?;
//! println!("{:?} +/- {:?}", predictions.mean, predictions.sd);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod arch;
mod device;
mod error;
mod input;
mod model;
mod train;

pub use arch::{Architecture, Mode};
pub use device::DeviceRequest;
pub use error::{CnnError, Result};
pub use input::{concat_inputs, MAX_FREQUENCY_MISMATCH};
pub use model::{
    DatasetProvenance, Inputs, Layout, MemberInfo, Model, ModelMeta, PredictOptions, Predictions,
    Task, FORMAT_NAME, FORMAT_VERSION, META_FILE,
};
pub use train::{
    dataset_inputs, train_ccnn, train_qcnn, Baseline, EpochLog, Event, QuantLoss, TrainConfig,
};
