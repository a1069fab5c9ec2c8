//! Siemens CSA headers (the `SV10` layout) stored in the private DICOM elements
//! (0029,xx10) (image header) and (0029,xx20) (series header) of pre-XA files.
//!
//! Layout, all integers little-endian: the 8 bytes `SV10\x04\x03\x02\x01`, a `u32` tag count
//! and a `u32` (77). Each tag has a 64-byte NUL-terminated name, `i32` value multiplicity, a
//! 4-byte VR, `i32` syngo data type, `i32` item count and `i32` (77 or 205). Each item has four
//! `i32`, the second being its length in bytes, then that many bytes of NUL-terminated text,
//! padded to a multiple of 4. This follows the description in nibabel's `csareader` module.

use super::latin1_to_string;
use crate::error::ErrorKind;

const MAGIC: &[u8; 8] = b"SV10\x04\x03\x02\x01";
const MAX_TAGS: u32 = 128;
const TAG_HEADER_BYTES: usize = 84;
const ITEM_HEADER_BYTES: usize = 16;

/// One named CSA entry with its text items.
#[derive(Debug, Clone, PartialEq)]
pub struct CsaTag {
    /// Tag name, e.g. `"RealDwellTime"`.
    pub name: String,
    /// Value multiplicity as stored (0 means "as many as there are items").
    pub vm: i32,
    /// DICOM value representation as stored, e.g. `"DS"`.
    pub vr: String,
    /// Siemens syngo data type code.
    pub syngo_dt: i32,
    /// The non-empty items as text, in order.
    pub items: Vec<String>,
}

/// A parsed CSA header: its tags in file order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CsaHeader {
    /// Every tag, in the order stored.
    pub tags: Vec<CsaTag>,
}

impl CsaHeader {
    /// Returns the tag with this name.
    pub fn tag(&self, name: &str) -> Option<&CsaTag> {
        self.tags.iter().find(|t| t.name == name)
    }

    /// Returns the first item of the tag with this name, trimmed, or `None` when absent or empty.
    pub fn first(&self, name: &str) -> Option<&str> {
        self.tag(name)
            .and_then(|t| t.items.first())
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
    }

    /// Returns the first item of the tag with this name as a number.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidField`] naming the tag when the item is not a finite number.
    pub fn first_f64(&self, name: &str) -> Result<Option<f64>, ErrorKind> {
        match self.first(name) {
            None => Ok(None),
            Some(text) => text
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .map(Some)
                .ok_or_else(|| ErrorKind::invalid(format!("CSA {name}"), text, "not a number")),
        }
    }
}

/// Parses a CSA header in the `SV10` layout.
///
/// # Errors
/// - [`ErrorKind::Unsupported`] for the older layout without the `SV10` magic.
/// - [`ErrorKind::Truncated`] when a tag or item runs past the end.
/// - [`ErrorKind::TooLarge`] for more than 128 tags, or an item count that the remaining bytes
///   cannot contain.
pub fn parse(bytes: &[u8]) -> Result<CsaHeader, ErrorKind> {
    if bytes.len() < 16 || &bytes[..8] != MAGIC {
        return Err(ErrorKind::Unsupported {
            what: "CSA header without the SV10 magic (the older CSA1 layout)".to_string(),
        });
    }
    let n_tags = u32_at(bytes, 8);
    if n_tags == 0 || n_tags > MAX_TAGS {
        return Err(ErrorKind::TooLarge {
            field: "CSA tag count".to_string(),
            value: u64::from(n_tags),
            limit: u64::from(MAX_TAGS),
        });
    }
    let mut reader = Reader { bytes, offset: 16 };
    let mut tags = Vec::with_capacity(n_tags as usize);
    for _ in 0..n_tags {
        tags.push(reader.tag()?);
    }
    Ok(CsaHeader { tags })
}

struct Reader<'a> {
    bytes: &'a [u8],
    offset: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize, what: &str) -> Result<&[u8], ErrorKind> {
        let end = self
            .offset
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len());
        let Some(end) = end else {
            return Err(ErrorKind::Truncated {
                field: format!("CSA {what}"),
                expected: (self.offset as u64).saturating_add(n as u64),
                found: self.bytes.len() as u64,
            });
        };
        let slice = &self.bytes[self.offset..end];
        self.offset = end;
        Ok(slice)
    }

    fn tag(&mut self) -> Result<CsaTag, ErrorKind> {
        let header = self.take(TAG_HEADER_BYTES, "tag header")?;
        let name = nul_terminated(&header[..64]);
        let vm = i32_at(header, 64);
        let vr = nul_terminated(&header[68..72]);
        let syngo_dt = i32_at(header, 72);
        let n_items = i32_at(header, 76);
        let remaining = self.bytes.len() - self.offset;
        let n_items = usize::try_from(n_items)
            .ok()
            .filter(|&n| n.saturating_mul(ITEM_HEADER_BYTES) <= remaining)
            .ok_or_else(|| ErrorKind::TooLarge {
                field: format!("CSA {name} item count"),
                value: u64::try_from(n_items).unwrap_or(u64::MAX),
                limit: (remaining / ITEM_HEADER_BYTES) as u64,
            })?;
        let mut items = Vec::new();
        for _ in 0..n_items {
            let item_header = self.take(ITEM_HEADER_BYTES, "item header")?;
            let length = i32_at(item_header, 4);
            let length = usize::try_from(length).map_err(|_| {
                ErrorKind::invalid(format!("CSA {name} item length"), length, "negative")
            })?;
            let text = self.take(length, "item")?;
            if length > 0 {
                items.push(nul_terminated(text));
            }
            let padding = (4 - length % 4) % 4;
            // The padding of the last item may be missing at the very end of the header.
            self.offset = (self.offset + padding).min(self.bytes.len());
        }
        Ok(CsaTag {
            name,
            vm,
            vr,
            syngo_dt,
            items,
        })
    }
}

fn nul_terminated(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    latin1_to_string(&bytes[..end])
}

fn u32_at(bytes: &[u8], offset: usize) -> u32 {
    let mut array = [0u8; 4];
    array.copy_from_slice(&bytes[offset..offset + 4]);
    u32::from_le_bytes(array)
}

fn i32_at(bytes: &[u8], offset: usize) -> i32 {
    let mut array = [0u8; 4];
    array.copy_from_slice(&bytes[offset..offset + 4]);
    i32::from_le_bytes(array)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag_bytes(name: &str, items: &[&str]) -> Vec<u8> {
        let mut out = vec![0u8; 64];
        out[..name.len()].copy_from_slice(name.as_bytes());
        out.extend(1i32.to_le_bytes());
        out.extend(b"DS\0\0");
        out.extend(3i32.to_le_bytes());
        out.extend((items.len() as i32).to_le_bytes());
        out.extend(77i32.to_le_bytes());
        for item in items {
            let text = format!("{item}\0");
            let length = text.len() as i32;
            for word in [length, length, 77, length] {
                out.extend(word.to_le_bytes());
            }
            out.extend(text.as_bytes());
            out.resize(out.len() + (4 - text.len() % 4) % 4, 0);
        }
        out
    }

    fn header_bytes(tags: &[Vec<u8>]) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend((tags.len() as u32).to_le_bytes());
        out.extend(77u32.to_le_bytes());
        for tag in tags {
            out.extend(tag);
        }
        out
    }

    #[test]
    fn parses_built_header() {
        let bytes = header_bytes(&[
            tag_bytes("RealDwellTime", &["833400"]),
            tag_bytes("Empty", &[]),
            tag_bytes("ImagingFrequency", &["123.234655", ""]),
        ]);
        let header = parse(&bytes).unwrap();
        assert_eq!(header.tags.len(), 3);
        assert_eq!(header.first("RealDwellTime"), Some("833400"));
        assert_eq!(header.first("Empty"), None);
        let frequency = header.first_f64("ImagingFrequency").unwrap().unwrap();
        assert!((frequency - 123.234655).abs() < 1e-12);
    }

    #[test]
    fn truncated_item_rejected() {
        let mut bytes = header_bytes(&[tag_bytes("EchoTime", &["30.000000"])]);
        bytes.truncate(bytes.len() - 12);
        assert!(matches!(parse(&bytes), Err(ErrorKind::Truncated { .. })));
    }

    #[test]
    fn huge_item_count_rejected() {
        let mut tag = tag_bytes("EchoTime", &[]);
        tag[76..80].copy_from_slice(&i32::MAX.to_le_bytes());
        let bytes = header_bytes(&[tag]);
        assert!(matches!(parse(&bytes), Err(ErrorKind::TooLarge { .. })));
    }

    #[test]
    fn old_layout_unsupported() {
        assert!(matches!(
            parse(&[0u8; 64]),
            Err(ErrorKind::Unsupported { .. })
        ));
    }
}
