//! mrskit: proton MR spectroscopy in Rust, from scanner files to quantification.
//!
//! This crate re-exports the workspace's libraries under one name; each has its own docs:
//!
//! - [`core`] (`mrs-core`): signal types and the conventions every crate shares (FFT sign and
//!   scaling, ppm axis, reference shift, units);
//! - [`io`] (`mrs-io`): readers and writers for NIfTI-MRS, LCModel, jMRUI, Siemens and Philips
//!   files, with content-based format detection;
//! - `cnn` (`mrs-cnn`, with the `cnn` feature, which links libtorch): the qCNN and cCNN.
//!
//! ```no_run
//! use mrskit::io::{read_any, Contents, ReadOptions};
//! use std::path::Path;
//!
//! let loaded = read_any(Path::new("tests/data/siemens/SVS_30.rda"), &ReadOptions::default())?;
//! if let Contents::Signal(data) = loaded.contents {
//!     println!("{} points at {} MHz", data.n_points(), data.acquisition().spectrometer_frequency_mhz);
//! }
//! # Ok::<(), mrskit::io::IoError>(())
//! ```

#[cfg(feature = "cnn")]
pub use mrs_cnn as cnn;
pub use mrs_core as core;
pub use mrs_io as io;
