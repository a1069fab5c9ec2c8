//! A walk over the element headers of a DICOM file that checks every defined length against the
//! bytes that remain, before the file reaches the DICOM parser.
//!
//! The parser allocates a buffer of the declared length before it reads an element, so a
//! corrupted length of up to 4 GiB makes it allocate that much (and take seconds) before it
//! fails. After this walk every length it reads fits inside the file.

use crate::error::ErrorKind;
use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};
use dicom_core::Tag;
use dicom_dictionary_std::StandardDataDictionary;

const UNDEFINED_LENGTH: u32 = 0xFFFF_FFFF;
const MAX_DEPTH: u64 = 32;
const ITEM: Tag = Tag(0xFFFE, 0xE000);
const ITEM_END: Tag = Tag(0xFFFE, 0xE00D);
const SEQUENCE_END: Tag = Tag(0xFFFE, 0xE0DD);
const TRANSFER_SYNTAX_UID: Tag = Tag(0x0002, 0x0010);
const IMPLICIT_VR_LITTLE_ENDIAN: &str = "1.2.840.10008.1.2";
const EXPLICIT_VR_BIG_ENDIAN: &str = "1.2.840.10008.1.2.2";
const DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN: &str = "1.2.840.10008.1.2.1.99";

/// Value representations whose explicit-VR header has a 4-byte length.
const LONG_LENGTH_VRS: [&[u8; 2]; 13] = [
    b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV",
];

/// Value representations with a 2-byte length in an explicit-VR header. Any VR in neither list
/// is rejected: the DICOM parser reads an unknown VR as UN with a 4-byte length, which a
/// corrupted VR turns into a huge allocation.
const SHORT_LENGTH_VRS: [&[u8; 2]; 21] = [
    b"AE", b"AS", b"AT", b"CS", b"DA", b"DS", b"DT", b"FL", b"FD", b"IS", b"LO", b"LT", b"PN",
    b"SH", b"SL", b"SS", b"ST", b"TM", b"UI", b"UL", b"US",
];

#[derive(Clone, Copy)]
struct Encoding {
    explicit_vr: bool,
    big_endian: bool,
}

const META_ENCODING: Encoding = Encoding {
    explicit_vr: true,
    big_endian: false,
};

/// Checks the element lengths of a DICOM file that starts at its `DICM` magic.
///
/// # Errors
/// - [`ErrorKind::Truncated`] naming the first element whose length runs past its container.
/// - [`ErrorKind::Parse`] for a broken sequence structure.
/// - [`ErrorKind::TooLarge`] for sequences nested deeper than 32 levels.
/// - [`ErrorKind::Unsupported`] for the deflated transfer syntax, whose data set cannot be walked
///   without inflating it.
pub(crate) fn check_element_lengths(file: &[u8]) -> Result<(), ErrorKind> {
    let mut walker = Walker {
        bytes: file,
        position: 4,
    };

    // The file meta group is always explicit VR little endian.
    let mut transfer_syntax = String::new();
    while walker.remaining() >= 4 && walker.peek_group() == Some(0x0002) {
        let header = walker.element_header(META_ENCODING)?;
        if header.length == UNDEFINED_LENGTH {
            return Err(walker.malformed(header.tag, "undefined length in the file meta group"));
        }
        let value = walker.take(header.length, header.tag)?;
        if header.tag == TRANSFER_SYNTAX_UID {
            transfer_syntax = String::from_utf8_lossy(value)
                .trim_end_matches(['\0', ' '])
                .to_string();
        }
    }

    let encoding = match transfer_syntax.as_str() {
        IMPLICIT_VR_LITTLE_ENDIAN => Encoding {
            explicit_vr: false,
            big_endian: false,
        },
        EXPLICIT_VR_BIG_ENDIAN => Encoding {
            explicit_vr: true,
            big_endian: true,
        },
        DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN => {
            return Err(ErrorKind::Unsupported {
                what: "deflated DICOM transfer syntax".to_string(),
            })
        }
        _ => META_ENCODING,
    };
    let end = file.len();
    walker.data_set(encoding, end, 0, false)
}

struct ElementHeader {
    tag: Tag,
    long_vr: Option<[u8; 2]>,
    length: u32,
}

struct Walker<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl Walker<'_> {
    fn remaining(&self) -> usize {
        self.bytes.len() - self.position
    }

    fn peek_group(&self) -> Option<u16> {
        let b = self.bytes.get(self.position..self.position + 2)?;
        Some(u16::from_le_bytes([b[0], b[1]]))
    }

    fn read_u16(&mut self, big_endian: bool, context: Tag) -> Result<u16, ErrorKind> {
        let b = self.take(2, context)?;
        let pair = [b[0], b[1]];
        Ok(if big_endian {
            u16::from_be_bytes(pair)
        } else {
            u16::from_le_bytes(pair)
        })
    }

    fn read_u32(&mut self, big_endian: bool, context: Tag) -> Result<u32, ErrorKind> {
        let b = self.take(4, context)?;
        let quad = [b[0], b[1], b[2], b[3]];
        Ok(if big_endian {
            u32::from_be_bytes(quad)
        } else {
            u32::from_le_bytes(quad)
        })
    }

    fn read_tag(&mut self, big_endian: bool) -> Result<Tag, ErrorKind> {
        let context = Tag(0xFFFF, 0xFFFF);
        let group = self.read_u16(big_endian, context)?;
        let element = self.read_u16(big_endian, context)?;
        Ok(Tag(group, element))
    }

    fn take(&mut self, length: u32, tag: Tag) -> Result<&[u8], ErrorKind> {
        let length = length as usize;
        if length > self.remaining() {
            return Err(ErrorKind::Truncated {
                field: format!("DICOM element ({:04X},{:04X})", tag.0, tag.1),
                expected: (self.position + length) as u64,
                found: self.bytes.len() as u64,
            });
        }
        let slice = &self.bytes[self.position..self.position + length];
        self.position += length;
        Ok(slice)
    }

    /// Advances past `length` bytes of `tag`, which must end at or before `end`.
    fn skip_within(&mut self, length: u32, end: usize, tag: Tag) -> Result<usize, ErrorKind> {
        let value_end = self.position.checked_add(length as usize);
        match value_end {
            Some(value_end) if value_end <= end => {
                self.position = value_end;
                Ok(value_end)
            }
            _ => Err(ErrorKind::Truncated {
                field: format!("DICOM element ({:04X},{:04X})", tag.0, tag.1),
                expected: (self.position as u64).saturating_add(u64::from(length)),
                found: end as u64,
            }),
        }
    }

    fn malformed(&self, tag: Tag, problem: &str) -> ErrorKind {
        ErrorKind::Parse {
            line: 0,
            detail: format!(
                "DICOM element ({:04X},{:04X}) at byte {}: {problem}",
                tag.0, tag.1, self.position
            ),
        }
    }

    fn element_header(&mut self, encoding: Encoding) -> Result<ElementHeader, ErrorKind> {
        let tag = self.read_tag(encoding.big_endian)?;
        if tag.0 == 0xFFFE || !encoding.explicit_vr {
            let length = self.read_u32(encoding.big_endian, tag)?;
            return Ok(ElementHeader {
                tag,
                long_vr: None,
                length,
            });
        }
        let vr = self.take(2, tag)?;
        let vr = [vr[0], vr[1]];
        if LONG_LENGTH_VRS.contains(&&vr) {
            self.take(2, tag)?;
            let length = self.read_u32(encoding.big_endian, tag)?;
            Ok(ElementHeader {
                tag,
                long_vr: Some(vr),
                length,
            })
        } else if SHORT_LENGTH_VRS.contains(&&vr) {
            let length = u32::from(self.read_u16(encoding.big_endian, tag)?);
            Ok(ElementHeader {
                tag,
                long_vr: None,
                length,
            })
        } else {
            self.position -= 2;
            Err(self.malformed(
                tag,
                &format!(
                    "unknown value representation {:?}",
                    String::from_utf8_lossy(&vr)
                ),
            ))
        }
    }

    /// Walks the elements of a data set up to `end`, or up to an item delimiter when
    /// `delimited`.
    fn data_set(
        &mut self,
        encoding: Encoding,
        end: usize,
        depth: u64,
        delimited: bool,
    ) -> Result<(), ErrorKind> {
        check_depth(depth)?;
        while self.position < end {
            let header = self.element_header(encoding)?;
            if header.tag == ITEM_END {
                if delimited {
                    return Ok(());
                }
                return Err(self.malformed(header.tag, "item delimiter outside an item"));
            }
            if header.tag.0 == 0xFFFE {
                return Err(self.malformed(header.tag, "item tag inside a data set"));
            }
            let is_sequence = match header.long_vr {
                Some(vr) => &vr == b"SQ",
                None => !encoding.explicit_vr && is_dictionary_sequence(header.tag),
            };
            let is_unknown = header.long_vr.is_some_and(|vr| &vr == b"UN");
            if header.length == UNDEFINED_LENGTH {
                if is_sequence || !encoding.explicit_vr {
                    self.sequence(encoding, end, depth + 1, true)?;
                } else if is_unknown {
                    // An undefined-length UN element is a sequence in implicit VR little endian.
                    let implicit = Encoding {
                        explicit_vr: false,
                        big_endian: false,
                    };
                    self.sequence(implicit, end, depth + 1, true)?;
                } else {
                    self.fragments(encoding, end, header.tag)?;
                }
                continue;
            }
            let value_start = self.position;
            let value_end = self.skip_within(header.length, end, header.tag)?;
            if is_sequence {
                self.position = value_start;
                self.sequence(encoding, value_end, depth + 1, false)?;
                self.position = value_end;
            }
        }
        if delimited {
            return Err(ErrorKind::Truncated {
                field: "DICOM item without its delimiter".to_string(),
                expected: end as u64 + 8,
                found: end as u64,
            });
        }
        Ok(())
    }

    /// Walks the items of a sequence up to `end`, or up to a sequence delimiter when
    /// `delimited`.
    fn sequence(
        &mut self,
        encoding: Encoding,
        end: usize,
        depth: u64,
        delimited: bool,
    ) -> Result<(), ErrorKind> {
        check_depth(depth)?;
        while self.position < end {
            let tag = self.read_tag(encoding.big_endian)?;
            let length = self.read_u32(encoding.big_endian, tag)?;
            if tag == SEQUENCE_END {
                return Ok(());
            }
            if tag != ITEM {
                return Err(self.malformed(tag, "expected an item in a sequence"));
            }
            if length == UNDEFINED_LENGTH {
                self.data_set(encoding, end, depth + 1, true)?;
            } else {
                let item_start = self.position;
                let item_end = self.skip_within(length, end, tag)?;
                self.position = item_start;
                self.data_set(encoding, item_end, depth + 1, false)?;
                self.position = item_end;
            }
        }
        if delimited {
            return Err(ErrorKind::Truncated {
                field: "DICOM sequence without its delimiter".to_string(),
                expected: end as u64 + 8,
                found: end as u64,
            });
        }
        Ok(())
    }

    /// Walks encapsulated fragments (items of defined length) up to the sequence delimiter.
    fn fragments(&mut self, encoding: Encoding, end: usize, owner: Tag) -> Result<(), ErrorKind> {
        while self.position < end {
            let tag = self.read_tag(encoding.big_endian)?;
            let length = self.read_u32(encoding.big_endian, tag)?;
            if tag == SEQUENCE_END {
                return Ok(());
            }
            if tag != ITEM || length == UNDEFINED_LENGTH {
                return Err(self.malformed(owner, "invalid encapsulated fragment"));
            }
            self.skip_within(length, end, tag)?;
        }
        Err(ErrorKind::Truncated {
            field: format!("DICOM element ({:04X},{:04X}) fragments", owner.0, owner.1),
            expected: end as u64 + 8,
            found: end as u64,
        })
    }
}

fn check_depth(depth: u64) -> Result<(), ErrorKind> {
    if depth > MAX_DEPTH {
        return Err(ErrorKind::TooLarge {
            field: "DICOM sequence nesting depth".to_string(),
            value: depth,
            limit: MAX_DEPTH,
        });
    }
    Ok(())
}

fn is_dictionary_sequence(tag: Tag) -> bool {
    StandardDataDictionary
        .by_tag(tag)
        .is_some_and(|entry| matches!(entry.vr(), VirtualVr::Exact(dicom_core::VR::SQ)))
}
