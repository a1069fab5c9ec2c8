//! LCModel `.TABLE` output: the concentration, misc., diagnostic and input-change tables of a
//! `.COORD` file, each heading prefixed with a `$$` tag (`$$CONC`, `$$MISC`, `$$DIAG`,
//! `$$INPU`), without the spectrum.

use super::coord::{parse_text, LcmCoord};
use super::decode;
use crate::error::{ErrorKind, IoError, Result};
use std::path::Path;

const FORMAT_NAME: &str = "LCModel .TABLE";

/// Checks whether `bytes` look like a `.TABLE` file: an LCModel banner and a `$$CONC` or
/// `$$MISC` heading.
pub fn looks_like(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]);
    let first = head.lines().next().unwrap_or("");
    first.trim_start().starts_with("LCModel")
        && (head.contains("$$CONC") || head.contains("$$MISC"))
}

/// Reads a `.TABLE` file.
///
/// # Errors
/// See [`parse`].
pub fn read(path: &Path) -> Result<LcmCoord> {
    let bytes = std::fs::read(path).map_err(|e| IoError::new(path, ErrorKind::Os(e)))?;
    parse(&bytes, path)
}

/// Parses a `.TABLE` file from memory into an [`LcmCoord`] whose ppm grid and curves are
/// empty; `path` labels errors.
///
/// # Errors
/// As [`coord::parse`](super::coord::parse) for the tables.
pub fn parse(bytes: &[u8], path: &Path) -> Result<LcmCoord> {
    let text = decode(bytes, path, FORMAT_NAME)?;
    let mut untagged = String::with_capacity(text.len());
    for line in text.lines() {
        let trimmed = line.trim_start();
        match trimmed.strip_prefix("$$") {
            // Drop the tag word (`$$CONC`) and keep the heading after it.
            Some(rest) => {
                untagged.push_str(rest.split_once(' ').map_or("", |(_, heading)| heading))
            }
            None => untagged.push_str(line),
        }
        untagged.push('\n');
    }
    parse_text(&untagged, path, FORMAT_NAME)
}
