//! NIfTI-MRS: complex time-domain MRS data in a NIfTI-1 or NIfTI-2 file with its metadata in a
//! JSON header extension (`ecode` 44).
//!
//! # Layout
//!
//! Dimensions 1-3 are x, y, z (size 1 each for single-voxel data), dimension 4 is time and
//! dimensions 5-7 carry the tags named by the JSON keys `dim_5` to `dim_7` (`DIM_COIL`,
//! `DIM_DYN`, ...). Without those keys, dimensions 5, 6 and 7 default to `DIM_COIL`, `DIM_DYN`
//! and `DIM_INDIRECT_0`, the defaults of version 0.3 of the specification. The dwell time is
//! `pixdim[4]`, in the time unit of `xyzt_units` (seconds when the unit is unset); the
//! spectrometer frequency is `SpectrometerFrequency[0]` in MHz.
//!
//! # Sign convention
//!
//! Since version 0.2 the standard stores data so that positive relative frequencies (on the
//! absolute frequency scale) rotate counter-clockwise for nuclei with a positive gyromagnetic
//! ratio. A higher absolute frequency is a lower chemical shift there (`data_conventions.ipynb`
//! of the specification repository). That is the complex
//! conjugate of the [`mrs_core`] convention, where `exp(+i 2 pi f t)` is a line at `+f` Hz and a
//! higher ppm. [`NiftiMrs::to_mrs_data`] therefore conjugates files whose `intent_name` declares
//! version 0.2 or later, and the writers conjugate back. The 7 T test spectra confirm it: NAA
//! appears at 2.01 ppm only after conjugation, and at its mirror image, 7.29 ppm, without.
//!
//! Files without a NIfTI-MRS `intent_name` (written by converters before the standard, such as
//! spec2nii's early NIfTI-1 output with a `.json` sidecar) are taken as stored, because the test
//! file of that kind contains the same samples as its jMRUI export and shows NAA at 2.0 ppm
//! unchanged.
//!
//! # Limitations
//!
//! - `.hdr`/`.img` pairs, complex256 samples and a nonzero `scl_inter` are rejected.
//! - Spectral-domain data (`xyzt_units` in Hz or ppm) is rejected.
//! - `DIM_METCYCLE` has no [`DimTag`] yet, so such files are rejected.
//! - Writers keep `qform`/`sform`, `pixdim`, `descrip` and the extensions; the other NIfTI fields
//!   (`cal_max`, slice timing, `aux_file`, ...) are written as zero.

mod basis;
mod header;

pub use basis::{read_basis, write_basis, BASIS_DIM_INFO, BASIS_NAMES_KEY};

pub use header::{
    Affine, ByteOrder, ComplexType, Extension, NiftiHeader, NiftiVersion, MAX_EXTENSION_BYTES,
    NIFTI1_HEADER_BYTES, NIFTI2_HEADER_BYTES,
};

use crate::atomic::write_bytes_atomic;
use crate::error::{ErrorKind, IoError, Result};
use crate::limits::{check_available, check_finite};
use crate::ReadOptions;
use flate2::read::MultiGzDecoder;
use mrs_core::{Acquisition, DimTag, MrsData, Nucleus};
use ndarray::{ArrayD, Axis, IxDyn, ShapeBuilder};
use num_complex::Complex64;
use serde_json::{Map, Value};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// `ecode` of the NIfTI-MRS JSON header extension.
pub const NIFTI_MRS_ECODE: i32 = 44;

/// Standard version written into `intent_name` (`mrs_v0_11`), the version of the `nifti-mrs`
/// 1.4.1 validator the writer is tested against.
pub const WRITTEN_STANDARD_VERSION: (u32, u32) = (0, 11);

/// Voxel size in mm written for unlocalised data, the 10 m default of the standard.
pub const UNLOCALISED_VOXEL_SIZE_MM: f64 = 10_000.0;

const NIFTI_UNITS_MM: i32 = 2;
const NIFTI_UNITS_SEC: i32 = 8;
const NIFTI_UNITS_MSEC: i32 = 16;
const NIFTI_UNITS_USEC: i32 = 24;
const TIME_UNIT_MASK: i32 = 0x38;
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const LABEL_FROM_DATA: &str = "<MrsData>";

/// Frequencies at or above this value are in Hz, below it in MHz (the rule of the `nifti-mrs`
/// package for sidecar and jMRUI frequencies: no magnet runs 1H at 100 kHz).
const HZ_THRESHOLD: f64 = 1e5;

/// Choices for writing a NIfTI-MRS file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WriteOptions {
    /// Header layout; default NIfTI-2, as the standard prefers. NIfTI-1 stores `pixdim` and the
    /// affine as 32-bit floats, so its dwell time is rounded to float32.
    pub nifti_version: NiftiVersion,
    /// Sample type; default complex64, which rounds samples to 32-bit floats.
    pub datatype: ComplexType,
}

/// A NIfTI-MRS file: header fields, extensions and the complex samples as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct NiftiMrs {
    /// The file it was read from, used to label errors.
    pub path: PathBuf,
    /// Binary header fields.
    pub header: NiftiHeader,
    /// The NIfTI-MRS JSON extension (`ecode` 44) with its key order, if present.
    pub header_extension: Option<Map<String, Value>>,
    /// A `.json` sidecar beside a file without the JSON extension, if [`read`] found one.
    pub sidecar: Option<Map<String, Value>>,
    /// Every other extension, as raw bytes.
    pub other_extensions: Vec<Extension>,
    /// Samples as stored (NIfTI-MRS sign convention), shape `dim[1..=dim[0]]`: x, y, z, time,
    /// then dimensions 5-7.
    pub data: ArrayD<Complex64>,
    /// Values used where the file lacks them, given when it was read.
    pub read_options: ReadOptions,
}

/// Parses a NIfTI-MRS file (plain or gzip-compressed) from memory; `path` labels errors.
///
/// # Errors
/// [`ErrorKind::WrongFormat`] for content that is not NIfTI; [`ErrorKind::Truncated`],
/// [`ErrorKind::WrongSize`], [`ErrorKind::TooLarge`], [`ErrorKind::InvalidField`],
/// [`ErrorKind::Unsupported`] or [`ErrorKind::NonFinite`] for a bad header or data block;
/// [`ErrorKind::Container`] for a corrupt gzip stream or JSON extension.
pub fn parse(bytes: &[u8], path: &Path, options: &ReadOptions) -> Result<NiftiMrs> {
    if bytes.starts_with(&GZIP_MAGIC) {
        let plain = decompress_capped(bytes, path)?;
        parse_plain(&plain, path, options)
    } else {
        parse_plain(bytes, path, options)
    }
}

/// Reads a NIfTI-MRS file. When it has no JSON extension, a sidecar `<name>.json` beside it
/// is read into [`NiftiMrs::sidecar`].
///
/// # Errors
/// As [`parse`]; [`ErrorKind::Os`] when a file cannot be read.
pub fn read(path: &Path, options: &ReadOptions) -> Result<NiftiMrs> {
    let bytes = std::fs::read(path).map_err(|e| IoError::new(path, ErrorKind::Os(e)))?;
    let mut nifti = parse(&bytes, path, options)?;
    if nifti.header_extension.is_none() {
        let sidecar = sidecar_path(path);
        if sidecar.is_file() {
            let text =
                std::fs::read(&sidecar).map_err(|e| IoError::new(&sidecar, ErrorKind::Os(e)))?;
            nifti.sidecar = Some(parse_json_object(&text, "JSON sidecar", &sidecar)?);
        }
    }
    Ok(nifti)
}

/// Returns `true` when `bytes` start like a single-file NIfTI-1 or NIfTI-2, plain or gzipped.
pub fn looks_like(bytes: &[u8]) -> bool {
    let mut head = Vec::with_capacity(NIFTI2_HEADER_BYTES);
    let head: &[u8] = if bytes.starts_with(&GZIP_MAGIC) {
        let decoder = MultiGzDecoder::new(bytes);
        if decoder
            .take(NIFTI2_HEADER_BYTES as u64)
            .read_to_end(&mut head)
            .is_err()
        {
            return false;
        }
        &head
    } else {
        bytes
    };
    match header::detect_layout(head) {
        Some((version, _)) => header::has_magic(head, version),
        None => false,
    }
}

/// Returns the sidecar path of a NIfTI file: `metab.nii.gz` and `metab.nii` give `metab.json`.
pub fn sidecar_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = name.strip_suffix(".gz").unwrap_or(&name);
    let stem = stem.strip_suffix(".nii").unwrap_or(stem);
    path.with_file_name(format!("{stem}.json"))
}

/// Writes `data` as NIfTI-MRS, gzip-compressed when `path` ends in `.gz`. `extra_json` adds
/// keys to the JSON extension (user keys need a `Description`, as the standard requires).
///
/// # Errors
/// See [`NiftiMrs::from_mrs_data`] and [`NiftiMrs::write`].
pub fn write(
    path: &Path,
    data: &MrsData,
    extra_json: Option<&Map<String, Value>>,
    options: &WriteOptions,
) -> Result<()> {
    NiftiMrs::from_mrs_data(data, extra_json, options)?.write(path)
}

/// Inflates a gzip stream, reading no more than the header announces (plus one byte to detect
/// trailing data), so a small file cannot expand beyond the sample limits.
fn decompress_capped(bytes: &[u8], path: &Path) -> Result<Vec<u8>> {
    let gzip_error = |e: std::io::Error| {
        IoError::new(
            path,
            ErrorKind::Container {
                context: "gzip stream",
                source: Box::new(e),
            },
        )
    };
    let mut decoder = MultiGzDecoder::new(bytes);
    let mut plain = Vec::with_capacity(NIFTI2_HEADER_BYTES);
    (&mut decoder)
        .take(NIFTI2_HEADER_BYTES as u64)
        .read_to_end(&mut plain)
        .map_err(gzip_error)?;
    let (header, dims) = header::parse_header(&plain, path)?;
    let needed = header.vox_offset + data_bytes(&header, &dims);
    let remaining = (needed + 1).saturating_sub(plain.len() as u64);
    decoder
        .take(remaining)
        .read_to_end(&mut plain)
        .map_err(gzip_error)?;
    Ok(plain)
}

fn data_bytes(header: &NiftiHeader, dims: &[usize]) -> u64 {
    let count: u64 = dims.iter().map(|&d| d as u64).product();
    count * header.datatype.bytes_per_sample() as u64
}

fn parse_plain(bytes: &[u8], path: &Path, options: &ReadOptions) -> Result<NiftiMrs> {
    let at = |kind: ErrorKind| IoError::new(path, kind);
    let (header, dims) = header::parse_header(bytes, path)?;

    let end = header.vox_offset + data_bytes(&header, &dims);
    check_available("data", end, bytes.len() as u64).map_err(at)?;
    if bytes.len() as u64 > end {
        return Err(at(ErrorKind::WrongSize {
            field: "file length (vox_offset + data)".to_string(),
            expected: end,
            found: bytes.len() as u64,
        }));
    }

    let mut header_extension = None;
    let mut other_extensions = Vec::new();
    for extension in header::parse_extensions(bytes, &header, path)? {
        if extension.code == NIFTI_MRS_ECODE && header_extension.is_none() {
            let json = parse_json_object(&extension.content, "JSON header extension", path)?;
            header_extension = Some(json);
        } else {
            other_extensions.push(extension);
        }
    }

    let count = dims.iter().product();
    let offset = header.vox_offset as usize;
    let mut samples =
        header::decode_samples(bytes, offset, count, header.datatype, header.byte_order);
    apply_scaling(&header, &mut samples, path)?;
    check_finite("data", &samples).map_err(at)?;
    let data = ArrayD::from_shape_vec(IxDyn(&dims).f(), samples).map_err(|e| {
        at(ErrorKind::Container {
            context: "sample array",
            source: Box::new(e),
        })
    })?;

    Ok(NiftiMrs {
        path: path.to_path_buf(),
        header,
        header_extension,
        sidecar: None,
        other_extensions,
        data,
        read_options: options.clone(),
    })
}

/// Applies `scl_slope`; an intercept has no meaning for complex samples and is rejected.
fn apply_scaling(header: &NiftiHeader, samples: &mut [Complex64], path: &Path) -> Result<()> {
    let slope = header.scl_slope;
    if slope == 0.0 || !slope.is_finite() {
        return Ok(());
    }
    if header.scl_inter != 0.0 {
        return Err(IoError::new(
            path,
            ErrorKind::Unsupported {
                what: format!("scl_inter = {} on complex samples", header.scl_inter),
            },
        ));
    }
    // Multiplying by a slope of 1 leaves every sample bit unchanged.
    samples.iter_mut().for_each(|s| *s *= slope);
    Ok(())
}

fn parse_json_object(
    bytes: &[u8],
    context: &'static str,
    path: &Path,
) -> Result<Map<String, Value>> {
    // Extensions are padded to 16 bytes with NULs or spaces.
    let end = bytes
        .iter()
        .rposition(|&b| b != 0 && !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    let value: Value = serde_json::from_slice(&bytes[..end]).map_err(|e| {
        IoError::new(
            path,
            ErrorKind::Container {
                context,
                source: Box::new(e),
            },
        )
    })?;
    match value {
        Value::Object(map) => Ok(map),
        other => Err(IoError::new(
            path,
            ErrorKind::invalid(
                context,
                truncate(&other.to_string()),
                "must be a JSON object",
            ),
        )),
    }
}

fn truncate(text: &str) -> String {
    const SHOWN: usize = 60;
    match text.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text.to_string(),
    }
}

impl NiftiMrs {
    /// Returns the JSON metadata: the header extension, or else the sidecar.
    pub fn metadata(&self) -> Option<&Map<String, Value>> {
        self.header_extension.as_ref().or(self.sidecar.as_ref())
    }

    /// Returns the standard version `(major, minor)` that `intent_name` (`mrs_vM_m`) declares.
    pub fn standard_version(&self) -> Option<(u32, u32)> {
        let rest = self.header.intent_name.strip_prefix("mrs_v")?;
        let (major, minor) = rest.split_once('_')?;
        Some((major.parse().ok()?, minor.parse().ok()?))
    }

    /// Whether the samples are stored as the complex conjugate of the [`mrs_core`] convention
    /// (files declaring standard version 0.2 or later; see the module docs).
    pub fn stores_conjugate(&self) -> bool {
        self.standard_version().is_some_and(|v| v >= (0, 2))
    }

    /// Sizes of x, y and z.
    pub fn spatial_shape(&self) -> [usize; 3] {
        let shape = self.data.shape();
        [shape[0], shape[1], shape[2]]
    }

    /// Number of time points (`dim[4]`).
    pub fn n_points(&self) -> usize {
        self.data.shape()[3]
    }

    /// Dwell time in seconds from `pixdim[4]` and the time unit of `xyzt_units`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidField`] for a spectral unit or a dwell time that is not positive
    /// (unless [`ReadOptions::dwell_time_s`] supplies one).
    pub fn dwell_time_s(&self) -> Result<f64> {
        let units = self.header.xyzt_units;
        let scale = match units & TIME_UNIT_MASK {
            // Unset (0) is read as seconds: the 7 T test files leave it unset and store
            // seconds, and the nifti-mrs validator reads pixdim[4] as seconds.
            0 | NIFTI_UNITS_SEC => 1.0,
            NIFTI_UNITS_MSEC => 1e-3,
            NIFTI_UNITS_USEC => 1e-6,
            _ => {
                return Err(self.error(ErrorKind::invalid(
                    "xyzt_units",
                    units,
                    "the time unit must be s (8), ms (16) or us (24); spectral-domain data is \
                     not supported",
                )))
            }
        };
        let dwell_time_s = self.header.pixdim[4] * scale;
        if dwell_time_s.is_finite() && dwell_time_s > 0.0 {
            return Ok(dwell_time_s);
        }
        self.read_options.dwell_time_s.ok_or_else(|| {
            self.error(ErrorKind::invalid(
                "pixdim[4]",
                self.header.pixdim[4],
                "the dwell time must be positive; set ReadOptions::dwell_time_s",
            ))
        })
    }

    /// Spectrometer frequency in MHz: `SpectrometerFrequency[0]`, or a sidecar's
    /// `ImagingFrequency` (Hz when 1e5 or more, else MHz), or [`ReadOptions`].
    ///
    /// # Errors
    /// [`ErrorKind::MissingField`] when no source has it; [`ErrorKind::InvalidField`] for a
    /// value that is not a number.
    pub fn spectrometer_frequency_mhz(&self) -> Result<f64> {
        if let Some(mhz) = self.first_number("SpectrometerFrequency")? {
            return Ok(mhz);
        }
        if let Some(value) = self.number("ImagingFrequency")? {
            return Ok(if value >= HZ_THRESHOLD {
                value / 1e6
            } else {
                value
            });
        }
        self.read_options.spectrometer_frequency_mhz.ok_or_else(|| {
            self.error(ErrorKind::MissingField {
                field: "SpectrometerFrequency".to_string(),
                hint: Some("set ReadOptions::spectrometer_frequency_mhz".to_string()),
            })
        })
    }

    /// Nucleus from `ResonantNucleus[0]`, else [`ReadOptions::nucleus`], else 1H.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidField`] for a nucleus name that is not recognised.
    pub fn nucleus(&self) -> Result<Nucleus> {
        let name = match self.metadata().and_then(|m| m.get("ResonantNucleus")) {
            Some(Value::Array(names)) => names.first().and_then(Value::as_str),
            Some(Value::String(name)) => Some(name.as_str()),
            _ => None,
        };
        match name {
            Some(name) => Nucleus::from_str(name).map_err(|e| {
                self.error(ErrorKind::invalid("ResonantNucleus", name, e.to_string()))
            }),
            None => Ok(self.read_options.nucleus.unwrap_or_else(|| {
                tracing::warn!(path = %self.path.display(), "no ResonantNucleus; assuming 1H");
                Nucleus::H1
            })),
        }
    }

    /// Tags of dimensions 5 and up, including size-1 dimensions named only in the JSON.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidField`] for an unknown tag; [`ErrorKind::Unsupported`] for
    /// `DIM_METCYCLE`.
    pub fn dim_tags(&self) -> Result<Vec<DimTag>> {
        let defaults = [DimTag::Coil, DimTag::Dyn, DimTag::Indirect0];
        let n_dims = self.n_dims_with_json();
        (5..=n_dims)
            .map(|n| {
                let key = format!("dim_{n}");
                match self.metadata().and_then(|m| m.get(&key)) {
                    None | Some(Value::Null) => Ok(defaults[n - 5]),
                    Some(Value::String(name)) if name == "DIM_METCYCLE" => {
                        Err(self.error(ErrorKind::Unsupported {
                            what: format!("{key} = DIM_METCYCLE"),
                        }))
                    }
                    Some(Value::String(name)) => DimTag::from_str(name).map_err(|_| {
                        self.error(ErrorKind::invalid(
                            &key,
                            name,
                            "not a NIfTI-MRS dimension tag",
                        ))
                    }),
                    Some(other) => Err(self.error(ErrorKind::invalid(
                        &key,
                        other,
                        "must be a dimension tag string such as \"DIM_DYN\"",
                    ))),
                }
            })
            .collect()
    }

    /// Number of dimensions: `dim[0]`, or more when the JSON names `dim_6` or `dim_7` beyond it.
    fn n_dims_with_json(&self) -> usize {
        let stored = self.data.ndim();
        let named = (5..=7)
            .filter(|n| {
                self.metadata()
                    .is_some_and(|m| m.contains_key(&format!("dim_{n}")))
            })
            .max()
            .unwrap_or(0);
        stored.max(named)
    }

    /// Acquisition parameters from the header, the JSON and [`ReadOptions`].
    ///
    /// The reference shift is [`ReadOptions::reference_shift_ppm`] when set, else
    /// `SpecFreqChemShift` (default: the nucleus default, 4.65 ppm for 1H) plus `RxOffset`
    /// (default 0), as the ppm axis of the nifti-mrs 1.4.1 package (`axes.py`) is built.
    ///
    /// # Errors
    /// As the getters it calls; [`ErrorKind::Core`] for values out of physical range.
    pub fn acquisition(&self) -> Result<Acquisition> {
        let nucleus = self.nucleus()?;
        let reference_shift_ppm = match self.read_options.reference_shift_ppm {
            Some(ppm) => ppm,
            None => {
                let nominal = self
                    .number("SpecFreqChemShift")?
                    .unwrap_or_else(|| nucleus.default_reference_shift_ppm());
                nominal + self.number("RxOffset")?.unwrap_or(0.0)
            }
        };
        let acquisition = Acquisition {
            dwell_time_s: self.dwell_time_s()?,
            spectrometer_frequency_mhz: self.spectrometer_frequency_mhz()?,
            nucleus,
            reference_shift_ppm,
            echo_time_s: self.number("EchoTime")?.or(self.read_options.echo_time_s),
            repetition_time_s: self.number("RepetitionTime")?,
        };
        acquisition
            .validate()
            .map_err(|e| self.error(ErrorKind::Core(e)))?;
        Ok(acquisition)
    }

    /// Converts a single-voxel file into [`MrsData`] in the [`mrs_core`] convention.
    ///
    /// # Errors
    /// [`ErrorKind::Unsupported`] when the file has more than one voxel (use
    /// [`NiftiMrs::voxel_to_mrs_data`]); errors of [`NiftiMrs::acquisition`] and
    /// [`NiftiMrs::dim_tags`].
    pub fn to_mrs_data(&self) -> Result<MrsData> {
        let [nx, ny, nz] = self.spatial_shape();
        if nx * ny * nz != 1 {
            return Err(self.error(ErrorKind::Unsupported {
                what: format!(
                    "{nx} x {ny} x {nz} voxels in to_mrs_data, which converts one voxel; call \
                     voxel_to_mrs_data for each"
                ),
            }));
        }
        self.voxel_to_mrs_data([0, 0, 0])
    }

    /// Converts the voxel at `[x, y, z]` into [`MrsData`] in the [`mrs_core`] convention:
    /// time on axis 0, then dimensions 5-7 with their tags (size-1 dimensions kept).
    ///
    /// # Errors
    /// [`ErrorKind::InvalidField`] for a voxel outside the grid; see [`NiftiMrs::to_mrs_data`].
    pub fn voxel_to_mrs_data(&self, voxel: [usize; 3]) -> Result<MrsData> {
        let shape = self.spatial_shape();
        if voxel.iter().zip(shape).any(|(&i, n)| i >= n) {
            return Err(self.error(ErrorKind::invalid(
                "voxel",
                format!("{voxel:?}"),
                format!("outside the grid of {shape:?} voxels"),
            )));
        }
        let acquisition = self.acquisition()?;
        let tags = self.dim_tags()?;

        let mut view = self.data.view();
        for index in voxel {
            view = view.index_axis_move(Axis(0), index);
        }
        let conjugate = self.stores_conjugate();
        let values = view
            .iter()
            .map(|v| if conjugate { v.conj() } else { *v })
            .collect();
        let mut samples = ArrayD::from_shape_vec(view.raw_dim(), values).map_err(|e| {
            self.error(ErrorKind::Container {
                context: "sample array",
                source: Box::new(e),
            })
        })?;
        while samples.ndim() < tags.len() + 1 {
            samples.insert_axis_inplace(Axis(samples.ndim()));
        }
        MrsData::new(samples, tags, acquisition).map_err(|e| self.error(ErrorKind::Core(e)))
    }

    /// Builds a single-voxel NIfTI-MRS from [`MrsData`]: samples conjugated into the standard's
    /// convention, the required keys (`SpectrometerFrequency`, `ResonantNucleus`, `dim_N`) and
    /// `SpecFreqChemShift`, `EchoTime`, `RepetitionTime` when known, then `extra_json`.
    ///
    /// # Errors
    /// [`ErrorKind::Unsupported`] for more than three non-time dimensions;
    /// [`ErrorKind::InvalidField`] when `extra_json` repeats a key set from the data or names a
    /// `dim_N` key.
    pub fn from_mrs_data(
        data: &MrsData,
        extra_json: Option<&Map<String, Value>>,
        options: &WriteOptions,
    ) -> Result<NiftiMrs> {
        let label = Path::new(LABEL_FROM_DATA);
        let tags = data.dims();
        if tags.len() > 3 {
            return Err(IoError::new(
                label,
                ErrorKind::Unsupported {
                    what: format!(
                        "{} non-time dimensions; NIfTI-MRS stores at most three",
                        tags.len()
                    ),
                },
            ));
        }
        let acquisition = data.acquisition();
        let json = build_json(data, extra_json, label)?;

        let mut samples = data.samples().mapv(|v| v.conj());
        for _ in 0..3 {
            samples.insert_axis_inplace(Axis(0));
        }
        let mut pixdim = [1.0; 8];
        pixdim[1..4].fill(UNLOCALISED_VOXEL_SIZE_MM);
        pixdim[4] = acquisition.dwell_time_s;
        let mut affine = Affine::default();
        for (axis, row) in affine.srow.iter_mut().enumerate() {
            row[axis] = UNLOCALISED_VOXEL_SIZE_MM;
        }
        let (major, minor) = WRITTEN_STANDARD_VERSION;
        let header = NiftiHeader {
            version: options.nifti_version,
            byte_order: ByteOrder::LittleEndian,
            datatype: options.datatype,
            pixdim,
            vox_offset: 0,
            scl_slope: 1.0,
            scl_inter: 0.0,
            xyzt_units: NIFTI_UNITS_MM | NIFTI_UNITS_SEC,
            intent_code: 0,
            intent_name: format!("mrs_v{major}_{minor}"),
            descrip: String::new(),
            affine,
        };
        Ok(NiftiMrs {
            path: label.to_path_buf(),
            header,
            header_extension: Some(json),
            sidecar: None,
            other_extensions: Vec::new(),
            data: samples,
            read_options: ReadOptions::default(),
        })
    }

    /// Serialises an uncompressed `.nii`: little-endian header, the JSON extension (padded with
    /// spaces), the other extensions, then the samples. `vox_offset` is recomputed.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidField`] for a data array without 4 to 7 dimensions;
    /// [`ErrorKind::Unsupported`] for NIfTI-1 sizes above 32767; [`ErrorKind::NonFinite`].
    pub fn to_bytes(&self, path: &Path) -> Result<Vec<u8>> {
        let at = |kind: ErrorKind| IoError::new(path, kind);
        let dims = self.data.shape();
        if !(4..=7).contains(&dims.len()) {
            return Err(at(ErrorKind::invalid(
                "dim[0]",
                dims.len(),
                "NIfTI-MRS data needs 4 to 7 dimensions",
            )));
        }
        if let Some(index) = self
            .data
            .iter()
            .position(|v| !v.re.is_finite() || !v.im.is_finite())
        {
            let value = self.data.iter().nth(index).copied().unwrap_or_default();
            return Err(at(ErrorKind::NonFinite {
                field: "data".to_string(),
                index,
                value: value.to_string(),
            }));
        }

        let mut extensions = Vec::new();
        if let Some(json) = &self.header_extension {
            let text = serde_json::to_string(json).map_err(|e| {
                at(ErrorKind::Container {
                    context: "JSON header extension",
                    source: Box::new(e),
                })
            })?;
            header::encode_extension(NIFTI_MRS_ECODE, text.as_bytes(), b' ', &mut extensions);
        }
        for extension in &self.other_extensions {
            header::encode_extension(extension.code, &extension.content, 0, &mut extensions);
        }

        let mut header = self.header.clone();
        header.byte_order = ByteOrder::LittleEndian;
        header.vox_offset = (header.version.header_bytes() + 4 + extensions.len()) as u64;
        let mut out = header::encode_header(&header, dims, !extensions.is_empty(), path)?;
        out.extend_from_slice(&extensions);
        // NIfTI stores x fastest: iterating the transposed view visits samples in that order.
        header::encode_samples(self.data.t().iter(), header.datatype, &mut out);
        Ok(out)
    }

    /// Writes the file atomically, gzip-compressed when `path` ends in `.gz`.
    ///
    /// # Errors
    /// As [`NiftiMrs::to_bytes`]; [`ErrorKind::Os`] when the file cannot be written.
    pub fn write(&self, path: &Path) -> Result<()> {
        let plain = self.to_bytes(path)?;
        let gzip = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
        if !gzip {
            return write_bytes_atomic(path, &plain);
        }
        // The gzip header gets no timestamp, so equal data gives equal files.
        let mut encoder = flate2::GzBuilder::new()
            .mtime(0)
            .write(Vec::new(), flate2::Compression::default());
        let compressed = encoder
            .write_all(&plain)
            .and_then(|()| encoder.finish())
            .map_err(|e| IoError::new(path, ErrorKind::Os(e)))?;
        write_bytes_atomic(path, &compressed)
    }

    fn error(&self, kind: ErrorKind) -> IoError {
        IoError::new(&self.path, kind)
    }

    /// Returns the number under `key` in the metadata, treating `null` as absent.
    fn number(&self, key: &str) -> Result<Option<f64>> {
        match self.metadata().and_then(|m| m.get(key)) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(other) => Err(self.error(ErrorKind::invalid(
                key,
                truncate(&other.to_string()),
                "must be a number",
            ))),
        }
    }

    /// Returns the first number of the array under `key` (a bare number is accepted too).
    fn first_number(&self, key: &str) -> Result<Option<f64>> {
        match self.metadata().and_then(|m| m.get(key)) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(Value::Array(values)) => match values.first() {
                Some(Value::Number(n)) => Ok(n.as_f64()),
                _ => Err(self.error(ErrorKind::invalid(
                    key,
                    truncate(&Value::Array(values.clone()).to_string()),
                    "must be an array of numbers",
                ))),
            },
            Some(other) => Err(self.error(ErrorKind::invalid(
                key,
                truncate(&other.to_string()),
                "must be an array of numbers",
            ))),
        }
    }
}

/// Builds the JSON extension for `data`, then appends `extra_json` after checking that it
/// cannot contradict the data.
fn build_json(
    data: &MrsData,
    extra_json: Option<&Map<String, Value>>,
    label: &Path,
) -> Result<Map<String, Value>> {
    let acquisition = data.acquisition();
    let mut json = Map::new();
    json.insert(
        "SpectrometerFrequency".to_string(),
        Value::from(vec![acquisition.spectrometer_frequency_mhz]),
    );
    let nucleus = acquisition.nucleus.as_str().to_ascii_uppercase();
    json.insert("ResonantNucleus".to_string(), Value::from(vec![nucleus]));
    for (i, tag) in data.dims().iter().enumerate() {
        json.insert(format!("dim_{}", i + 5), Value::from(tag.as_str()));
    }
    json.insert(
        "SpecFreqChemShift".to_string(),
        Value::from(acquisition.reference_shift_ppm),
    );
    if let Some(echo_time_s) = acquisition.echo_time_s {
        json.insert("EchoTime".to_string(), Value::from(echo_time_s));
    }
    if let Some(repetition_time_s) = acquisition.repetition_time_s {
        json.insert("RepetitionTime".to_string(), Value::from(repetition_time_s));
    }

    let n_dims = 4 + data.dims().len();
    for (key, value) in extra_json.into_iter().flatten() {
        let dim_number = key
            .strip_prefix("dim_")
            .and_then(|rest| rest.split('_').next())
            .and_then(|n| n.parse::<usize>().ok());
        let reason = if json.contains_key(key) {
            Some("is set from the MrsData; change the data instead".to_string())
        } else if key == "RxOffset" {
            Some("shifts the ppm axis; set the reference shift of the MrsData instead".to_string())
        } else if key
            .strip_prefix("dim_")
            .is_some_and(|n| n.parse::<usize>().is_ok())
        {
            Some("dimension tags come from MrsData::dims".to_string())
        } else if dim_number.is_some_and(|n| !(5..=n_dims).contains(&n)) {
            Some(format!("the data has dimensions 5 to {n_dims} only"))
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(IoError::new(
                label,
                ErrorKind::invalid("extra JSON key", key, reason),
            ));
        }
        json.insert(key.clone(), value.clone());
    }
    Ok(json)
}
