//! NumPy `.npy` files (format version 1.0, little-endian, C order) of `f32` and `i32` arrays.
//!
//! The layout follows the NumPy format description (`numpy.lib.format`). A file starts with
//! the magic `\x93NUMPY`, version bytes `1 0` and a little-endian `u16` header length. The
//! header is an ASCII Python dict `{'descr': '<f4', 'fortran_order': False, 'shape': (n, c,
//! p), }`, padded with spaces and a newline so that the raw data after it starts at a multiple
//! of 64 bytes.

use crate::error::{Result, SynthError};
use mrs_io::atomic::write_atomic;
use mrs_io::{ErrorKind, IoError};
use std::path::Path;

const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// Most elements accepted when reading one array (2^32, 16 GiB of `f32`).
pub const MAX_ELEMENTS: u64 = 1 << 32;

/// An element type stored in `.npy` files by this crate.
pub trait Element: Copy + Default {
    /// NumPy `descr` string.
    const DESCR: &'static str;
    /// Appends the little-endian bytes.
    fn put(self, out: &mut Vec<u8>);
    /// Reads from 4 little-endian bytes.
    fn get(bytes: [u8; 4]) -> Self;
}

impl Element for f32 {
    const DESCR: &'static str = "<f4";
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn get(bytes: [u8; 4]) -> Self {
        f32::from_le_bytes(bytes)
    }
}

impl Element for i32 {
    const DESCR: &'static str = "<i4";
    fn put(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.to_le_bytes());
    }
    fn get(bytes: [u8; 4]) -> Self {
        i32::from_le_bytes(bytes)
    }
}

/// Renders the header (magic to the newline) for `shape`.
fn header<T: Element>(shape: &[usize]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let shape_text = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let mut dict = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {shape_text}, }}",
        T::DESCR
    );
    let unpadded = MAGIC.len() + 2 + 2 + dict.len() + 1;
    dict.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    dict.push('\n');
    let mut out = Vec::with_capacity(dict.len() + 10);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[1, 0]);
    out.extend_from_slice(&(dict.len() as u16).to_le_bytes());
    out.extend_from_slice(dict.as_bytes());
    out
}

/// Serialises an array of `shape` (C order) into `.npy` bytes.
///
/// # Panics
/// When `data.len()` is not the product of `shape`.
pub fn to_bytes<T: Element>(shape: &[usize], data: &[T]) -> Vec<u8> {
    assert_eq!(
        shape.iter().product::<usize>(),
        data.len(),
        "npy shape and data length"
    );
    let mut out = header::<T>(shape);
    out.reserve(data.len() * 4);
    for &value in data {
        value.put(&mut out);
    }
    out
}

/// Writes an array as `.npy` through an atomic rename.
///
/// # Errors
/// [`SynthError::Io`] when the file cannot be written.
///
/// # Panics
/// When `data.len()` is not the product of `shape`.
pub fn write<T: Element>(path: &Path, shape: &[usize], data: &[T]) -> Result<()> {
    let bytes = to_bytes(shape, data);
    write_atomic(path, |w| {
        std::io::Write::write_all(w, &bytes).map_err(|e| IoError::new(path, ErrorKind::Os(e)))
    })?;
    Ok(())
}

/// Reads a `.npy` file of element type `T`, returning its shape and data.
///
/// # Errors
/// [`SynthError::InvalidDataset`] for a bad magic, version, header, element type, Fortran
/// order, or a data size that differs from the shape; [`SynthError::Io`] when unreadable.
pub fn read<T: Element>(path: &Path) -> Result<(Vec<usize>, Vec<T>)> {
    let bytes = std::fs::read(path).map_err(|e| IoError::new(path, ErrorKind::Os(e)))?;
    parse(&bytes, path)
}

/// Parses `.npy` bytes; `path` labels errors.
///
/// # Errors
/// See [`read`].
pub fn parse<T: Element>(bytes: &[u8], path: &Path) -> Result<(Vec<usize>, Vec<T>)> {
    let bad = |reason: String| SynthError::dataset(path, reason);
    if bytes.len() < 10 || &bytes[..6] != MAGIC {
        return Err(bad("not a .npy file (magic \\x93NUMPY missing)".to_string()));
    }
    let (header_len, start): (usize, usize) = match bytes[6] {
        1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        2 | 3 if bytes.len() >= 12 => {
            let len = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
            (len as usize, 12)
        }
        v => return Err(bad(format!("unsupported .npy version {v}"))),
    };
    let data_start = start
        .checked_add(header_len)
        .filter(|&end| end <= bytes.len())
        .ok_or_else(|| {
            bad(format!(
                "header of {header_len} bytes runs past the end of the file"
            ))
        })?;
    let dict = std::str::from_utf8(&bytes[start..data_start])
        .map_err(|_| bad("header is not ASCII".to_string()))?;
    let descr = dict_value(dict, "descr").ok_or_else(|| bad("header lacks 'descr'".to_string()))?;
    if descr.trim_matches(|c| c == '\'' || c == '"') != T::DESCR {
        return Err(bad(format!(
            "element type {descr}, expected '{}'",
            T::DESCR
        )));
    }
    let fortran = dict_value(dict, "fortran_order").unwrap_or("False");
    if fortran.trim() != "False" {
        return Err(bad("Fortran-order arrays are not supported".to_string()));
    }
    let shape_text =
        dict_value(dict, "shape").ok_or_else(|| bad("header lacks 'shape'".to_string()))?;
    let shape =
        parse_shape(shape_text).ok_or_else(|| bad(format!("invalid shape {shape_text}")))?;
    let count = shape
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d as u64))
        .filter(|&c| c <= MAX_ELEMENTS)
        .ok_or_else(|| {
            bad(format!(
                "shape {shape_text} exceeds {MAX_ELEMENTS} elements"
            ))
        })?;
    let available = (bytes.len() - data_start) as u64;
    if available != count * 4 {
        return Err(bad(format!(
            "data holds {available} bytes, shape {shape_text} needs {}",
            count * 4
        )));
    }
    let data = bytes[data_start..]
        .chunks_exact(4)
        .map(|c| T::get([c[0], c[1], c[2], c[3]]))
        .collect();
    Ok((shape, data))
}

/// Returns the text after `'key':` up to the next top-level comma, keeping tuples whole.
fn dict_value<'a>(dict: &'a str, key: &str) -> Option<&'a str> {
    let quoted = format!("'{key}':");
    let start = dict.find(&quoted)? + quoted.len();
    let rest = &dict[start..];
    let mut depth = 0;
    for (i, c) in rest.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' | '}' if depth == 0 => return Some(rest[..i].trim()),
            _ => {}
        }
    }
    None
}

fn parse_shape(text: &str) -> Option<Vec<usize>> {
    let inner = text.trim().strip_prefix('(')?.strip_suffix(')')?;
    inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_64_byte_aligned() {
        for shape in [vec![3usize], vec![10, 1, 512], vec![123_456, 20]] {
            let h = header::<f32>(&shape);
            assert_eq!(h.len() % 64, 0, "shape {shape:?}");
            assert_eq!(*h.last().expect("header"), b'\n');
        }
    }

    #[test]
    fn round_trip_f32_and_i32() -> Result<()> {
        let path = Path::new("mem.npy");
        let data: Vec<f32> = (0..24).map(|i| i as f32 * 0.5).collect();
        let (shape, back) = parse::<f32>(&to_bytes(&[2, 3, 4], &data), path)?;
        assert_eq!(shape, vec![2, 3, 4]);
        assert_eq!(back, data);
        let labels = vec![0i32, 1, 1, -1];
        let (shape, back) = parse::<i32>(&to_bytes(&[4], &labels), path)?;
        assert_eq!(shape, vec![4]);
        assert_eq!(back, labels);
        Ok(())
    }

    #[test]
    fn truncated_data_rejected() {
        let mut bytes = to_bytes(&[2, 2], &[1.0f32, 2.0, 3.0, 4.0]);
        bytes.pop();
        let result = parse::<f32>(&bytes, Path::new("short.npy"));
        assert!(matches!(result, Err(SynthError::InvalidDataset { .. })));
    }

    #[test]
    fn wrong_element_type_rejected() {
        let bytes = to_bytes(&[1], &[1i32]);
        let result = parse::<f32>(&bytes, Path::new("int.npy"));
        assert!(matches!(result, Err(SynthError::InvalidDataset { .. })));
    }
}
