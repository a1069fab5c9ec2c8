//! The binary NIfTI-1 (348-byte) and NIfTI-2 (540-byte) headers, their extensions and the
//! complex sample block.
//!
//! Field offsets follow `nifti1.h` and `nifti2.h` of the NIfTI Data Format Working Group.

use crate::error::{ErrorKind, IoError, Result};
use crate::limits::{check_available, check_count, MAX_POINTS, MAX_TOTAL_SAMPLES};
use num_complex::Complex64;
use std::path::Path;

/// Size of a NIfTI-1 header in bytes (`sizeof_hdr`).
pub const NIFTI1_HEADER_BYTES: usize = 348;
/// Size of a NIfTI-2 header in bytes (`sizeof_hdr`).
pub const NIFTI2_HEADER_BYTES: usize = 540;
/// Magic string of a single-file NIfTI-1 (`.nii`).
pub const NIFTI1_MAGIC: &[u8; 4] = b"n+1\0";
/// Magic string of a single-file NIfTI-2 (`.nii`).
pub const NIFTI2_MAGIC: &[u8; 8] = b"n+2\0\r\n\x1a\n";

/// Maximum bytes accepted between the header and the data (the extensions), 64 MiB. A NIfTI-MRS
/// JSON extension is a few kilobytes, and the limit keeps a hostile `vox_offset` from requesting
/// gigabytes before any sample is read.
pub const MAX_EXTENSION_BYTES: u64 = 1 << 26;

const EXTENSION_FLAG_BYTES: usize = 4;
const DT_COMPLEX64: i16 = 32;
const DT_COMPLEX128: i16 = 1792;
const DT_COMPLEX256: i16 = 2048;

/// Header layout of a NIfTI file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NiftiVersion {
    /// NIfTI-1: 348-byte header, 16-bit sizes, 32-bit floats. Accepted by NIfTI-MRS but not
    /// preferred.
    Nifti1,
    /// NIfTI-2: 540-byte header, 64-bit sizes and floats. The default of NIfTI-MRS.
    #[default]
    Nifti2,
}

impl NiftiVersion {
    /// Header size in bytes, the value of `sizeof_hdr`.
    pub fn header_bytes(self) -> usize {
        match self {
            NiftiVersion::Nifti1 => NIFTI1_HEADER_BYTES,
            NiftiVersion::Nifti2 => NIFTI2_HEADER_BYTES,
        }
    }
}

/// Byte order of the header and samples, detected from `sizeof_hdr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ByteOrder {
    /// Least significant byte first.
    #[default]
    LittleEndian,
    /// Most significant byte first.
    BigEndian,
}

/// Complex sample type of the data block (`datatype`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ComplexType {
    /// `DT_COMPLEX64` (32): two 32-bit floats per sample.
    #[default]
    Complex64,
    /// `DT_COMPLEX128` (1792): two 64-bit floats per sample.
    Complex128,
}

impl ComplexType {
    /// Returns the NIfTI `datatype` code.
    pub fn code(self) -> i16 {
        match self {
            ComplexType::Complex64 => DT_COMPLEX64,
            ComplexType::Complex128 => DT_COMPLEX128,
        }
    }

    /// Bits per sample, the value of `bitpix`.
    pub fn bitpix(self) -> i16 {
        match self {
            ComplexType::Complex64 => 64,
            ComplexType::Complex128 => 128,
        }
    }

    /// Bytes per complex sample.
    pub fn bytes_per_sample(self) -> usize {
        match self {
            ComplexType::Complex64 => 8,
            ComplexType::Complex128 => 16,
        }
    }
}

/// Orientation and position: the quaternion (qform) and the affine rows (sform), as stored.
///
/// Spatial values are in the units of `xyzt_units` (millimetres in NIfTI-MRS files).
#[derive(Debug, Clone, PartialEq)]
pub struct Affine {
    /// `qform_code`: 0 unknown, 1 scanner, 2 aligned, 3 Talairach, 4 MNI, 5 template.
    pub qform_code: i32,
    /// `sform_code`, with the same codes as `qform_code`.
    pub sform_code: i32,
    /// `quatern_b`, `quatern_c`, `quatern_d`.
    pub quatern: [f64; 3],
    /// `qoffset_x`, `qoffset_y`, `qoffset_z`.
    pub qoffset: [f64; 3],
    /// `srow_x`, `srow_y`, `srow_z`: the first three rows of the sform matrix.
    pub srow: [[f64; 4]; 3],
}

impl Default for Affine {
    /// No position (`qform_code` = `sform_code` = 0) and an identity rotation.
    fn default() -> Self {
        Affine {
            qform_code: 0,
            sform_code: 0,
            quatern: [0.0; 3],
            qoffset: [0.0; 3],
            srow: [[0.0; 4]; 3],
        }
    }
}

/// The header fields an MRS reader needs, kept as stored (the sizes live in the data array).
#[derive(Debug, Clone, PartialEq)]
pub struct NiftiHeader {
    /// NIfTI-1 or NIfTI-2 layout.
    pub version: NiftiVersion,
    /// Byte order found in the file; writers always use little-endian.
    pub byte_order: ByteOrder,
    /// Sample type.
    pub datatype: ComplexType,
    /// `pixdim[0..8]`: `pixdim[0]` is qfac, `pixdim[1..4]` the voxel size, `pixdim[4]` the
    /// dwell time in the time unit of `xyzt_units`.
    pub pixdim: [f64; 8],
    /// Byte offset of the first sample (`vox_offset`).
    pub vox_offset: u64,
    /// `scl_slope`; 0 or 1 means no scaling.
    pub scl_slope: f64,
    /// `scl_inter`.
    pub scl_inter: f64,
    /// `xyzt_units`: spatial unit in bits 0-2, time unit in bits 3-5.
    pub xyzt_units: i32,
    /// `intent_code`.
    pub intent_code: i32,
    /// `intent_name`, e.g. `mrs_v0_2`; empty when unset.
    pub intent_name: String,
    /// `descrip`, free text.
    pub descrip: String,
    /// Orientation and position.
    pub affine: Affine,
}

/// A header extension other than the NIfTI-MRS JSON one, kept as raw bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    /// `ecode`, the registered extension code.
    pub code: i32,
    /// The content after `esize` and `ecode`, including any padding.
    pub content: Vec<u8>,
}

/// Reads fixed-offset fields in one byte order.
struct FieldReader<'a> {
    bytes: &'a [u8],
    order: ByteOrder,
}

impl FieldReader<'_> {
    fn array<const N: usize>(&self, offset: usize) -> [u8; N] {
        let mut out = [0u8; N];
        out.copy_from_slice(&self.bytes[offset..offset + N]);
        if self.order == ByteOrder::BigEndian {
            out.reverse();
        }
        out
    }

    fn i16(&self, offset: usize) -> i16 {
        i16::from_le_bytes(self.array(offset))
    }

    fn i32(&self, offset: usize) -> i32 {
        i32::from_le_bytes(self.array(offset))
    }

    fn i64(&self, offset: usize) -> i64 {
        i64::from_le_bytes(self.array(offset))
    }

    fn f32(&self, offset: usize) -> f64 {
        f64::from(f32::from_le_bytes(self.array(offset)))
    }

    fn f64(&self, offset: usize) -> f64 {
        f64::from_le_bytes(self.array(offset))
    }

    fn text(&self, offset: usize, len: usize) -> String {
        let raw = &self.bytes[offset..offset + len];
        let end = raw.iter().position(|&b| b == 0).unwrap_or(len);
        String::from_utf8_lossy(&raw[..end]).into_owned()
    }
}

/// Detects the header layout and byte order from `sizeof_hdr`, without checking the magic.
pub fn detect_layout(bytes: &[u8]) -> Option<(NiftiVersion, ByteOrder)> {
    let first: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
    let layouts = [
        (i32::from_le_bytes(first), ByteOrder::LittleEndian),
        (i32::from_be_bytes(first), ByteOrder::BigEndian),
    ];
    layouts.into_iter().find_map(|(size, order)| match size {
        348 => Some((NiftiVersion::Nifti1, order)),
        540 => Some((NiftiVersion::Nifti2, order)),
        _ => None,
    })
}

/// Checks the magic string after `sizeof_hdr` has chosen the layout.
pub fn has_magic(bytes: &[u8], version: NiftiVersion) -> bool {
    match version {
        NiftiVersion::Nifti1 => bytes.get(344..348) == Some(&NIFTI1_MAGIC[..]),
        NiftiVersion::Nifti2 => bytes.get(4..12) == Some(&NIFTI2_MAGIC[..]),
    }
}

/// Parses the header at the start of `bytes` and returns it with the data sizes
/// (`dim[1..=dim[0]]`), checked against the limits but not against the file length.
pub fn parse_header(bytes: &[u8], path: &Path) -> Result<(NiftiHeader, Vec<usize>)> {
    let at = |kind: ErrorKind| IoError::new(path, kind);
    let (version, order) = detect_layout(bytes).ok_or_else(|| {
        let detail = match bytes.get(..4) {
            Some(first) => format!(
                "sizeof_hdr is {} little-endian or {} big-endian, expected 348 (NIfTI-1) or \
                 540 (NIfTI-2)",
                i32::from_le_bytes(first.try_into().unwrap_or_default()),
                i32::from_be_bytes(first.try_into().unwrap_or_default())
            ),
            None => format!("only {} bytes", bytes.len()),
        };
        at(ErrorKind::WrongFormat {
            expected: "NIfTI",
            detail,
        })
    })?;
    check_available("header", version.header_bytes() as u64, bytes.len() as u64).map_err(at)?;
    check_magic(bytes, version, path)?;

    let reader = FieldReader { bytes, order };
    let fields = match version {
        NiftiVersion::Nifti1 => read_nifti1_fields(&reader),
        NiftiVersion::Nifti2 => read_nifti2_fields(&reader),
    };
    let dims = check_dims(&fields.dim, path)?;
    let datatype = check_datatype(fields.datatype, fields.bitpix, path)?;
    let vox_offset = check_vox_offset(fields.vox_offset, version, path)?;

    let header = NiftiHeader {
        version,
        byte_order: order,
        datatype,
        pixdim: fields.pixdim,
        vox_offset,
        scl_slope: fields.scl_slope,
        scl_inter: fields.scl_inter,
        xyzt_units: fields.xyzt_units,
        intent_code: fields.intent_code,
        intent_name: fields.intent_name,
        descrip: fields.descrip,
        affine: fields.affine,
    };
    Ok((header, dims))
}

fn check_magic(bytes: &[u8], version: NiftiVersion, path: &Path) -> Result<()> {
    if has_magic(bytes, version) {
        return Ok(());
    }
    let (range, pair_magic): (std::ops::Range<usize>, &[u8]) = match version {
        NiftiVersion::Nifti1 => (344..348, b"ni1\0"),
        NiftiVersion::Nifti2 => (4..8, b"ni2\0"),
    };
    let found = &bytes[range];
    if found == pair_magic {
        return Err(IoError::new(
            path,
            ErrorKind::Unsupported {
                what: "NIfTI header/image pair (.hdr + .img); convert it to a single .nii file"
                    .to_string(),
            },
        ));
    }
    Err(IoError::new(
        path,
        ErrorKind::WrongFormat {
            expected: "NIfTI",
            detail: format!("magic is {found:?}, expected \"n+1\\0\" or \"n+2\\0\\r\\n\\x1a\\n\""),
        },
    ))
}

/// Header fields as read, before checking.
struct RawFields {
    dim: [i64; 8],
    datatype: i16,
    bitpix: i16,
    pixdim: [f64; 8],
    vox_offset: f64,
    scl_slope: f64,
    scl_inter: f64,
    xyzt_units: i32,
    intent_code: i32,
    intent_name: String,
    descrip: String,
    affine: Affine,
}

fn read_nifti1_fields(r: &FieldReader<'_>) -> RawFields {
    let row = |offset: usize| std::array::from_fn(|i| r.f32(offset + 4 * i));
    RawFields {
        dim: std::array::from_fn(|i| i64::from(r.i16(40 + 2 * i))),
        intent_code: i32::from(r.i16(68)),
        datatype: r.i16(70),
        bitpix: r.i16(72),
        pixdim: std::array::from_fn(|i| r.f32(76 + 4 * i)),
        vox_offset: r.f32(108),
        scl_slope: r.f32(112),
        scl_inter: r.f32(116),
        xyzt_units: i32::from(r.bytes[123]),
        descrip: r.text(148, 80),
        affine: Affine {
            qform_code: i32::from(r.i16(252)),
            sform_code: i32::from(r.i16(254)),
            quatern: [r.f32(256), r.f32(260), r.f32(264)],
            qoffset: [r.f32(268), r.f32(272), r.f32(276)],
            srow: [row(280), row(296), row(312)],
        },
        intent_name: r.text(328, 16),
    }
}

fn read_nifti2_fields(r: &FieldReader<'_>) -> RawFields {
    let row = |offset: usize| std::array::from_fn(|i| r.f64(offset + 8 * i));
    RawFields {
        datatype: r.i16(12),
        bitpix: r.i16(14),
        dim: std::array::from_fn(|i| r.i64(16 + 8 * i)),
        pixdim: std::array::from_fn(|i| r.f64(104 + 8 * i)),
        // An i64 offset beyond 2^53 bytes is rejected by the limit check either way.
        vox_offset: r.i64(168) as f64,
        scl_slope: r.f64(176),
        scl_inter: r.f64(184),
        descrip: r.text(240, 80),
        affine: Affine {
            qform_code: r.i32(344),
            sform_code: r.i32(348),
            quatern: [r.f64(352), r.f64(360), r.f64(368)],
            qoffset: [r.f64(376), r.f64(384), r.f64(392)],
            srow: [row(400), row(432), row(464)],
        },
        xyzt_units: r.i32(500),
        intent_code: r.i32(504),
        intent_name: r.text(508, 16),
    }
}

/// Checks `dim[0]` (4 to 7 for NIfTI-MRS) and every size against the limits.
fn check_dims(dim: &[i64; 8], path: &Path) -> Result<Vec<usize>> {
    let at = |kind: ErrorKind| IoError::new(path, kind);
    let ndim = dim[0];
    if !(4..=7).contains(&ndim) {
        return Err(at(ErrorKind::invalid(
            "dim[0]",
            ndim,
            "NIfTI-MRS needs 4 to 7 dimensions: x, y, z, time and up to three more",
        )));
    }
    let mut sizes = Vec::with_capacity(7);
    let mut total: u64 = 1;
    for (i, &size) in dim.iter().enumerate().take(ndim as usize + 1).skip(1) {
        let field = format!("dim[{i}]");
        if size < 1 {
            return Err(at(ErrorKind::invalid(
                field,
                size,
                "sizes must be at least 1",
            )));
        }
        let limit = if i == 4 {
            MAX_POINTS
        } else {
            MAX_TOTAL_SAMPLES
        };
        let size = check_count(&field, size as u64, limit).map_err(at)?;
        total = total.saturating_mul(size as u64);
        sizes.push(size);
    }
    check_count("dim (product of sizes)", total, MAX_TOTAL_SAMPLES).map_err(at)?;
    Ok(sizes)
}

fn check_datatype(datatype: i16, bitpix: i16, path: &Path) -> Result<ComplexType> {
    let at = |kind: ErrorKind| IoError::new(path, kind);
    let complex = match datatype {
        DT_COMPLEX64 => ComplexType::Complex64,
        DT_COMPLEX128 => ComplexType::Complex128,
        DT_COMPLEX256 => {
            return Err(at(ErrorKind::Unsupported {
                what: "datatype 2048 (complex256); convert to complex128".to_string(),
            }))
        }
        other => {
            return Err(at(ErrorKind::invalid(
                "datatype",
                other,
                "NIfTI-MRS stores complex samples: complex64 (32) or complex128 (1792)",
            )))
        }
    };
    if bitpix != complex.bitpix() {
        return Err(at(ErrorKind::invalid(
            "bitpix",
            bitpix,
            format!(
                "datatype {datatype} has {} bits per sample",
                complex.bitpix()
            ),
        )));
    }
    Ok(complex)
}

fn check_vox_offset(vox_offset: f64, version: NiftiVersion, path: &Path) -> Result<u64> {
    let first_allowed = (version.header_bytes() + EXTENSION_FLAG_BYTES) as u64;
    if !vox_offset.is_finite() || vox_offset.fract() != 0.0 || vox_offset < first_allowed as f64 {
        return Err(IoError::new(
            path,
            ErrorKind::invalid(
                "vox_offset",
                vox_offset,
                format!("a single-file .nii stores its data at byte {first_allowed} or later"),
            ),
        ));
    }
    let limit = first_allowed + MAX_EXTENSION_BYTES;
    if vox_offset > limit as f64 {
        return Err(IoError::new(
            path,
            ErrorKind::TooLarge {
                field: "vox_offset".to_string(),
                value: vox_offset as u64,
                limit,
            },
        ));
    }
    Ok(vox_offset as u64)
}

/// Reads the extensions between the header and `vox_offset`.
pub fn parse_extensions(bytes: &[u8], header: &NiftiHeader, path: &Path) -> Result<Vec<Extension>> {
    let start = header.version.header_bytes();
    let end = header.vox_offset as usize;
    if bytes[start] == 0 {
        return Ok(Vec::new());
    }
    let reader = FieldReader {
        bytes,
        order: header.byte_order,
    };
    let mut extensions = Vec::new();
    let mut position = start + EXTENSION_FLAG_BYTES;
    while position + 8 <= end {
        let esize = reader.i32(position);
        let ecode = reader.i32(position + 4);
        if esize == 0 && ecode == 0 {
            // Zero padding up to vox_offset, written by some tools after the last extension.
            break;
        }
        if esize < 8 || position + esize as usize > end {
            return Err(IoError::new(
                path,
                ErrorKind::invalid(
                    "esize",
                    esize,
                    format!(
                        "extension at byte {position} must span at least 8 bytes and end by \
                         vox_offset = {end}"
                    ),
                ),
            ));
        }
        let content = bytes[position + 8..position + esize as usize].to_vec();
        extensions.push(Extension {
            code: ecode,
            content,
        });
        position += esize as usize;
    }
    Ok(extensions)
}

/// Decodes `count` samples of `datatype` starting at `offset`; the caller has checked the
/// length.
pub fn decode_samples(
    bytes: &[u8],
    offset: usize,
    count: usize,
    datatype: ComplexType,
    order: ByteOrder,
) -> Vec<Complex64> {
    let reader = FieldReader { bytes, order };
    let step = datatype.bytes_per_sample();
    (0..count)
        .map(|i| {
            let at = offset + i * step;
            match datatype {
                ComplexType::Complex64 => Complex64::new(reader.f32(at), reader.f32(at + 4)),
                ComplexType::Complex128 => Complex64::new(reader.f64(at), reader.f64(at + 8)),
            }
        })
        .collect()
}

/// Serialises a little-endian header followed by the 4-byte extension flag.
pub fn encode_header(
    header: &NiftiHeader,
    dims: &[usize],
    has_extensions: bool,
    path: &Path,
) -> Result<Vec<u8>> {
    let mut out = match header.version {
        NiftiVersion::Nifti1 => encode_nifti1(header, dims, path)?,
        NiftiVersion::Nifti2 => encode_nifti2(header, dims),
    };
    out.extend_from_slice(&[u8::from(has_extensions), 0, 0, 0]);
    Ok(out)
}

/// Little-endian field writer over a fixed-size buffer.
struct FieldWriter {
    bytes: Vec<u8>,
}

impl FieldWriter {
    fn put(&mut self, offset: usize, value: &[u8]) {
        self.bytes[offset..offset + value.len()].copy_from_slice(value);
    }

    fn text(&mut self, offset: usize, len: usize, value: &str) {
        let raw = value.as_bytes();
        let n = raw.len().min(len - 1);
        self.put(offset, &raw[..n]);
    }
}

fn dim_array(dims: &[usize]) -> [u64; 8] {
    let mut dim = [1u64; 8];
    dim[0] = dims.len() as u64;
    for (slot, &size) in dim[1..].iter_mut().zip(dims) {
        *slot = size as u64;
    }
    dim
}

fn encode_nifti1(header: &NiftiHeader, dims: &[usize], path: &Path) -> Result<Vec<u8>> {
    let mut w = FieldWriter {
        bytes: vec![0; NIFTI1_HEADER_BYTES],
    };
    w.put(0, &(NIFTI1_HEADER_BYTES as i32).to_le_bytes());

    for (i, &size) in dim_array(dims).iter().enumerate() {
        let size = i16::try_from(size).map_err(|_| {
            IoError::new(
                path,
                ErrorKind::Unsupported {
                    what: format!(
                        "dim[{i}] = {size} in NIfTI-1, which stores sizes up to 32767; write \
                         NIfTI-2 instead"
                    ),
                },
            )
        })?;
        w.put(40 + 2 * i, &size.to_le_bytes());
    }

    w.put(68, &(header.intent_code as i16).to_le_bytes());
    w.put(70, &header.datatype.code().to_le_bytes());
    w.put(72, &header.datatype.bitpix().to_le_bytes());
    for (i, &value) in header.pixdim.iter().enumerate() {
        w.put(76 + 4 * i, &(value as f32).to_le_bytes());
    }
    w.put(108, &(header.vox_offset as f32).to_le_bytes());
    w.put(112, &(header.scl_slope as f32).to_le_bytes());
    w.put(116, &(header.scl_inter as f32).to_le_bytes());
    w.put(123, &[header.xyzt_units as u8]);
    w.text(148, 80, &header.descrip);

    let affine = &header.affine;
    w.put(252, &(affine.qform_code as i16).to_le_bytes());
    w.put(254, &(affine.sform_code as i16).to_le_bytes());
    let quaternion = affine.quatern.iter().chain(&affine.qoffset);
    for (i, &value) in quaternion.enumerate() {
        w.put(256 + 4 * i, &(value as f32).to_le_bytes());
    }
    for (i, &value) in affine.srow.iter().flatten().enumerate() {
        w.put(280 + 4 * i, &(value as f32).to_le_bytes());
    }

    w.text(328, 16, &header.intent_name);
    w.put(344, NIFTI1_MAGIC);
    Ok(w.bytes)
}

fn encode_nifti2(header: &NiftiHeader, dims: &[usize]) -> Vec<u8> {
    let mut w = FieldWriter {
        bytes: vec![0; NIFTI2_HEADER_BYTES],
    };
    w.put(0, &(NIFTI2_HEADER_BYTES as i32).to_le_bytes());
    w.put(4, NIFTI2_MAGIC);

    w.put(12, &header.datatype.code().to_le_bytes());
    w.put(14, &header.datatype.bitpix().to_le_bytes());
    for (i, &size) in dim_array(dims).iter().enumerate() {
        w.put(16 + 8 * i, &(size as i64).to_le_bytes());
    }
    for (i, &value) in header.pixdim.iter().enumerate() {
        w.put(104 + 8 * i, &value.to_le_bytes());
    }
    w.put(168, &(header.vox_offset as i64).to_le_bytes());
    w.put(176, &header.scl_slope.to_le_bytes());
    w.put(184, &header.scl_inter.to_le_bytes());
    w.text(240, 80, &header.descrip);

    let affine = &header.affine;
    w.put(344, &affine.qform_code.to_le_bytes());
    w.put(348, &affine.sform_code.to_le_bytes());
    let quaternion = affine.quatern.iter().chain(&affine.qoffset);
    for (i, &value) in quaternion.enumerate() {
        w.put(352 + 8 * i, &value.to_le_bytes());
    }
    for (i, &value) in affine.srow.iter().flatten().enumerate() {
        w.put(400 + 8 * i, &value.to_le_bytes());
    }

    w.put(500, &header.xyzt_units.to_le_bytes());
    w.put(504, &header.intent_code.to_le_bytes());
    w.text(508, 16, &header.intent_name);
    w.bytes
}

/// Serialises one extension, padding its content with `pad` to a multiple of 16 bytes.
pub fn encode_extension(code: i32, content: &[u8], pad: u8, out: &mut Vec<u8>) {
    let esize = (8 + content.len()).div_ceil(16) * 16;
    out.extend_from_slice(&(esize as i32).to_le_bytes());
    out.extend_from_slice(&code.to_le_bytes());
    out.extend_from_slice(content);
    out.resize(out.len() + esize - 8 - content.len(), pad);
}

/// Appends samples in little-endian `datatype`.
pub fn encode_samples<'a>(
    samples: impl Iterator<Item = &'a Complex64>,
    datatype: ComplexType,
    out: &mut Vec<u8>,
) {
    for value in samples {
        match datatype {
            ComplexType::Complex64 => {
                out.extend_from_slice(&(value.re as f32).to_le_bytes());
                out.extend_from_slice(&(value.im as f32).to_le_bytes());
            }
            ComplexType::Complex128 => {
                out.extend_from_slice(&value.re.to_le_bytes());
                out.extend_from_slice(&value.im.to_le_bytes());
            }
        }
    }
}
