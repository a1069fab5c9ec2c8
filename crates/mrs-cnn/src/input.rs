//! Network inputs from spectrum files, prepared with a model's own representation.

use crate::error::{CnnError, Result};
use crate::model::{Inputs, Model};
use mrs_core::{DimTag, Fid, MrsData};
use mrs_io::ReadOptions;
use mrs_io::{read_any, Contents};
use std::path::Path;

/// Largest relative difference between the spectrometer frequency of the data and of the
/// training basis. J-coupled multiplets change shape with the field, so data from another
/// field strength (1.5, 3 or 7 T differ by 50 % or more) are rejected rather than
/// mis-quantified. 3 T scanners of different vendors (123.2 to 127.8 MHz) pass.
pub const MAX_FREQUENCY_MISMATCH: f64 = 0.05;

impl Model {
    /// Reads a spectrum file in any format `mrs_io` supports and prepares one input.
    ///
    /// Time-domain data are reduced to one FID: receive coils are combined, then every other
    /// dimension is averaged. An LCModel `.COORD` file gives its phased real spectrum on its
    /// ppm axis, which suits a real-channel representation only.
    ///
    /// # Errors
    /// [`CnnError::Io`] when the file cannot be read; [`CnnError::Input`] for a basis set or
    /// a `.COORD` without data; [`CnnError::Mismatch`] when the spectrometer frequency differs
    /// from the training basis by more than [`MAX_FREQUENCY_MISMATCH`]; [`CnnError::Synth`]
    /// when the model's ppm window does not fit inside the spectrum.
    pub fn prepare_file(&self, path: &Path, options: &ReadOptions) -> Result<Inputs> {
        let loaded = read_any(path, options)?;
        let name = path.display().to_string();
        let input_error = |reason: &str| CnnError::Input {
            path: path.to_path_buf(),
            reason: reason.into(),
        };
        match loaded.contents {
            Contents::Signal(data) => {
                let fid = single_fid(&data)?;
                self.prepare_fid(&fid, &name)
            }
            Contents::Coord(coord) => {
                if let Some(mhz) = coord.spectrometer_frequency_mhz() {
                    self.check_frequency(mhz, &name)?;
                }
                let data = coord
                    .data
                    .as_deref()
                    .ok_or_else(|| input_error("the .COORD file holds no phased data"))?;
                let (x, scale) = self
                    .meta
                    .representation
                    .apply_ppm_real(&coord.ppm, data)
                    .map_err(|e| mismatch_or(e, &name))?;
                Ok(Inputs {
                    x,
                    scale: vec![scale],
                    names: vec![name],
                })
            }
            Contents::Basis(_) => Err(input_error("the file is a basis set, not a spectrum")),
            _ => Err(input_error(
                "the file holds no spectrum this crate can read",
            )),
        }
    }

    /// Prepares one FID, labelled `name` in errors and outputs.
    ///
    /// # Errors
    /// As [`Model::prepare_file`].
    pub fn prepare_fid(&self, fid: &Fid, name: &str) -> Result<Inputs> {
        self.check_frequency(fid.acquisition().spectrometer_frequency_mhz, name)?;
        let (x, scale) = self
            .meta
            .representation
            .apply_fid(fid)
            .map_err(|e| mismatch_or(e, name))?;
        Ok(Inputs {
            x,
            scale: vec![scale],
            names: vec![name.to_string()],
        })
    }

    fn check_frequency(&self, mhz: f64, name: &str) -> Result<()> {
        let model_mhz = self.meta.basis.spectrometer_frequency_mhz;
        let within = (mhz - model_mhz).abs() <= MAX_FREQUENCY_MISMATCH * model_mhz;
        // A NaN frequency fails the comparison and is rejected too.
        if !within {
            return Err(CnnError::mismatch(
                name,
                "spectrometer frequency (MHz)",
                model_mhz,
                mhz,
            ));
        }
        Ok(())
    }
}

/// Joins several prepared inputs into one batch.
pub fn concat_inputs(parts: impl IntoIterator<Item = Inputs>) -> Inputs {
    let mut all = Inputs {
        x: Vec::new(),
        scale: Vec::new(),
        names: Vec::new(),
    };
    for part in parts {
        all.x.extend(part.x);
        all.scale.extend(part.scale);
        all.names.extend(part.names);
    }
    all
}

/// Combines coils, then averages every other non-time dimension.
fn single_fid(data: &MrsData) -> Result<Fid> {
    let mut data = if data.dim_size(DimTag::Coil).is_some_and(|n| n > 1) {
        data.combine_coils()?
    } else {
        data.clone()
    };
    while let Some((&tag, _)) = data
        .dims()
        .iter()
        .zip(&data.shape()[1..])
        .find(|(_, &size)| size > 1)
    {
        data = data.average(tag)?;
    }
    Ok(data.to_fid()?)
}

/// Converts a window outside the spectrum into a mismatch between the model and the input.
fn mismatch_or(error: mrs_synth::SynthError, name: &str) -> CnnError {
    match error {
        mrs_synth::SynthError::InvalidParameter {
            field,
            value,
            reason,
        } if field == "representation ppm window" => {
            let range = reason
                .strip_prefix("must lie inside the spectrum's range ")
                .unwrap_or(&reason)
                .to_string();
            CnnError::mismatch(
                name,
                "ppm range (the spectrum must cover the model window)",
                value,
                range,
            )
        }
        other => CnnError::Synth(other),
    }
}
