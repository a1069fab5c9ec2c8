//! The Fortran edit descriptors LCModel files name in `FMTDAT` and `FMTBAS`, for reading the
//! numbers that follow a header and for writing them back.
//!
//! Supported: real fields `Ew.d`, `ESw.d`, `ENw.d`, `Dw.d`, `Fw.d`, `Gw.d` (with an optional
//! exponent width `Ee`), repeat counts, nested groups such as `2(1X,E14.6)`, the scale factor
//! `kP`, blanks `nX`, the record break `/`, and list-directed input `(*)`.
//!
//! Reading follows Fortran input editing. Blanks inside a field are ignored and an all-blank
//! field is zero. A field without a decimal point has `d` implied decimal places, and the
//! scale factor divides by `10^k` only when the field has no exponent. A line whose blank-separated
//! tokens are all numbers is read token by token, which gives the same values as the fixed
//! fields whenever the fields do not touch (real fields never contain blanks) and also reads
//! files whose writers printed a different width than the format they declared. Lines whose
//! numbers touch each other are read with the fixed field widths.

use super::namelist::parse_fortran_real;

/// Most fields one format may expand to after repeats (the formats in real files have 2 to 10).
const MAX_FORMAT_ITEMS: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Item {
    Real {
        width: usize,
        decimals: usize,
        scale: i32,
    },
    Skip(usize),
    NewRecord,
}

/// A parsed format specification such as `(2E15.6)` or `(*)`.
#[derive(Debug, Clone, PartialEq)]
pub struct FortranFormat {
    text: String,
    /// Expanded items of one pass through the format; `None` for list-directed input.
    items: Option<Vec<Item>>,
}

impl FortranFormat {
    /// Parses a format specification.
    ///
    /// # Errors
    /// A message naming the unsupported or malformed part.
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        let inner = trimmed
            .strip_prefix('(')
            .and_then(|t| t.strip_suffix(')'))
            .ok_or_else(|| format!("format {trimmed} must be enclosed in parentheses"))?;
        if inner.trim() == "*" {
            return Ok(FortranFormat {
                text: trimmed.to_string(),
                items: None,
            });
        }
        let chars: Vec<char> = inner.chars().collect();
        let mut parser = FormatParser {
            chars: &chars,
            pos: 0,
            scale: 0,
        };
        let items = parser.parse_list(0)?;
        if parser.pos != chars.len() {
            return Err(format!("unbalanced parentheses in format {trimmed}"));
        }
        if !items.iter().any(|i| matches!(i, Item::Real { .. })) {
            return Err(format!("format {trimmed} has no real edit descriptor"));
        }
        Ok(FortranFormat {
            text: trimmed.to_string(),
            items: Some(items),
        })
    }

    /// The specification as written, e.g. `(2E15.6)`.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Checks whether this is list-directed input `(*)`.
    pub fn is_list_directed(&self) -> bool {
        self.items.is_none()
    }

    /// The narrowest field of the format, or 1 for list-directed input: every value takes at
    /// least this many characters in a file.
    pub fn min_field_width(&self) -> usize {
        self.items
            .as_ref()
            .and_then(|items| {
                items
                    .iter()
                    .filter_map(|i| match i {
                        Item::Real { width, .. } => Some(*width),
                        _ => None,
                    })
                    .min()
            })
            .unwrap_or(1)
            .max(1)
    }

    /// Reads the values of one line: token by token when every blank-separated token is a
    /// number, else by the fixed fields.
    fn read_line(&self, line: &str) -> Result<Vec<f64>, String> {
        let separators: &[char] = if self.items.is_none() {
            &[' ', '\t', ',', '\r']
        } else {
            &[' ', '\t', '\r']
        };
        let tokens: Vec<&str> = line.split(separators).filter(|t| !t.is_empty()).collect();
        let mut values = Vec::with_capacity(tokens.len());
        let mut all_numbers = true;
        for token in &tokens {
            if !self.token_reads_as_field(token) {
                all_numbers = false;
                break;
            }
            match read_token(token, self.items.is_none()) {
                Some(mut repeated) => values.append(&mut repeated),
                None => {
                    all_numbers = false;
                    break;
                }
            }
        }
        if all_numbers {
            return Ok(values);
        }
        match &self.items {
            Some(items) => read_fixed(items, line),
            None => Err(format!(
                "list-directed line holds a token that is not a number: {}",
                line.trim()
            )),
        }
    }
}

impl FortranFormat {
    /// Whether a blank-separated token reads to the same value as it would in a fixed field:
    /// it needs a decimal point (else the field's implied decimals apply) and, under a scale
    /// factor, an exponent.
    fn token_reads_as_field(&self, token: &str) -> bool {
        let Some(items) = &self.items else {
            return true;
        };
        let scaled = items
            .iter()
            .any(|i| matches!(i, Item::Real { scale, .. } if *scale != 0));
        token.contains('.') && (!scaled || has_exponent(token))
    }
}

fn has_exponent(text: &str) -> bool {
    let body = text.strip_prefix(['+', '-']).unwrap_or(text);
    body.char_indices().any(|(i, c)| {
        matches!(c, 'e' | 'E' | 'd' | 'D' | 'q' | 'Q') || (i > 0 && matches!(c, '+' | '-'))
    })
}

/// Reads one blank-separated token, with `r*value` repeats in list-directed input.
fn read_token(token: &str, list_directed: bool) -> Option<Vec<f64>> {
    if list_directed {
        if let Some((count, value)) = token.split_once('*') {
            let count: usize = count
                .parse()
                .ok()
                .filter(|&c| c > 0 && c <= MAX_FORMAT_ITEMS)?;
            let value = parse_fortran_real(value)?;
            return Some(vec![value; count]);
        }
    }
    parse_fortran_real(token).map(|v| vec![v])
}

fn read_fixed(items: &[Item], line: &str) -> Result<Vec<f64>, String> {
    let bytes = line.trim_end().as_bytes();
    let mut values = Vec::new();
    let mut column = 0;
    // One line is one record: the format restarts at the start of each line.
    for item in items {
        match *item {
            Item::Skip(n) => column += n,
            Item::NewRecord => break,
            Item::Real {
                width,
                decimals,
                scale,
            } => {
                if column >= bytes.len() {
                    break;
                }
                let end = (column + width).min(bytes.len());
                let field = std::str::from_utf8(&bytes[column..end])
                    .map_err(|_| format!("field at column {} is not text", column + 1))?;
                values.push(read_field(field, decimals, scale).ok_or_else(|| {
                    format!(
                        "field '{field}' at column {} does not read as a number",
                        column + 1
                    )
                })?);
                column += width;
            }
        }
    }
    if column < bytes.len() && bytes[column..].iter().any(|b| !b.is_ascii_whitespace()) {
        return Err(format!(
            "text after the last field at column {}: {}",
            column + 1,
            line.trim()
        ));
    }
    Ok(values)
}

/// Reads one fixed field under Fortran input editing rules.
fn read_field(field: &str, decimals: usize, scale: i32) -> Option<f64> {
    let compact: String = field.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if compact.is_empty() {
        return Some(0.0);
    }
    let has_exponent = has_exponent(&compact);
    let mut value = if compact.contains('.') || has_exponent {
        parse_fortran_real(&compact)?
    } else {
        // No decimal point: the last `decimals` digits are the fraction.
        let integer = parse_fortran_real(&compact)?;
        integer / 10f64.powi(i32::try_from(decimals).ok()?)
    };
    if !has_exponent && scale != 0 {
        value /= 10f64.powi(scale);
    }
    Some(value)
}

struct FormatParser<'a> {
    chars: &'a [char],
    pos: usize,
    scale: i32,
}

impl FormatParser<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(c) if c.is_whitespace()) {
            self.pos += 1;
        }
    }

    fn number(&mut self) -> Option<usize> {
        self.skip_spaces();
        let start = self.pos;
        while matches!(self.peek(), Some(c) if c.is_ascii_digit()) {
            self.pos += 1;
        }
        if start == self.pos {
            return None;
        }
        self.chars[start..self.pos]
            .iter()
            .collect::<String>()
            .parse()
            .ok()
    }

    fn parse_list(&mut self, depth: usize) -> Result<Vec<Item>, String> {
        if depth > 8 {
            return Err("format groups nest too deeply".to_string());
        }
        let mut items = Vec::new();
        loop {
            self.skip_spaces();
            let Some(c) = self.peek() else {
                return Ok(items);
            };
            match c {
                ')' => return Ok(items),
                ',' => {
                    self.pos += 1;
                    continue;
                }
                '/' => {
                    self.pos += 1;
                    items.push(Item::NewRecord);
                    continue;
                }
                _ => {}
            }
            let negative = if c == '-' {
                self.pos += 1;
                true
            } else {
                false
            };
            let count = self.number();
            self.skip_spaces();
            let descriptor = self
                .peek()
                .ok_or_else(|| "format ends after a repeat count".to_string())?
                .to_ascii_uppercase();
            self.pos += 1;
            if negative && descriptor != 'P' {
                return Err("a minus sign is allowed only before P".to_string());
            }
            match descriptor {
                'P' => {
                    let k =
                        i32::try_from(count.unwrap_or(0)).map_err(|_| "scale factor too large")?;
                    self.scale = if negative { -k } else { k };
                }
                'X' => items.push(Item::Skip(count.unwrap_or(1))),
                '(' => {
                    let group = self.parse_list(depth + 1)?;
                    if self.peek() != Some(')') {
                        return Err("format group has no closing parenthesis".to_string());
                    }
                    self.pos += 1;
                    for _ in 0..count.unwrap_or(1) {
                        items.extend_from_slice(&group);
                        check_size(items.len())?;
                    }
                }
                'E' | 'D' | 'F' | 'G' => {
                    if descriptor == 'E' && matches!(self.peek(), Some('S' | 's' | 'N' | 'n')) {
                        self.pos += 1;
                    }
                    let width = self
                        .number()
                        .filter(|&w| w > 0)
                        .ok_or_else(|| format!("edit descriptor {descriptor} needs a width"))?;
                    let decimals = if self.peek() == Some('.') {
                        self.pos += 1;
                        self.number().ok_or_else(|| {
                            format!("edit descriptor {descriptor}{width}. needs decimals")
                        })?
                    } else {
                        0
                    };
                    if matches!(self.peek(), Some('E' | 'e')) {
                        self.pos += 1;
                        self.number()
                            .ok_or_else(|| "exponent width after E is missing".to_string())?;
                    }
                    for _ in 0..count.unwrap_or(1) {
                        items.push(Item::Real {
                            width,
                            decimals,
                            scale: self.scale,
                        });
                        check_size(items.len())?;
                    }
                }
                other => return Err(format!("unsupported edit descriptor {other}")),
            }
        }
    }
}

fn check_size(n: usize) -> Result<(), String> {
    if n > MAX_FORMAT_ITEMS {
        Err(format!(
            "format expands to more than {MAX_FORMAT_ITEMS} fields"
        ))
    } else {
        Ok(())
    }
}

/// The reason a block of numbers could not be read.
#[derive(Debug, Clone, PartialEq)]
pub enum DataError {
    /// A line that does not read under the format.
    Parse {
        /// Byte offset of the line.
        offset: usize,
        /// The problem found.
        detail: String,
    },
    /// The block ends before the expected number of values.
    Short {
        /// Values found.
        found: usize,
    },
    /// A line contains values beyond the expected number.
    Excess {
        /// Values found up to the end of that line.
        found: usize,
    },
}

/// Reads numbers line by line from `start`.
///
/// With `count`, reading stops after the line that completes `count` values, and a namelist
/// group or the end of the text before then is [`DataError::Short`]. Without `count`, every
/// remaining line is read. Blank lines are skipped. Returns the values and the offset after
/// the last line read.
pub fn read_values(
    text: &str,
    start: usize,
    count: Option<usize>,
    format: &FortranFormat,
) -> Result<(Vec<f64>, usize), DataError> {
    let mut values = Vec::with_capacity(count.unwrap_or(0));
    let mut offset = start;
    while offset < text.len() {
        if count.is_some_and(|c| values.len() >= c) {
            break;
        }
        let line_end = text[offset..]
            .find('\n')
            .map_or(text.len(), |i| offset + i + 1);
        let line = text[offset..line_end].trim_end_matches(['\n', '\r']);
        let trimmed = line.trim_start();
        if trimmed.is_empty() {
            offset = line_end;
            continue;
        }
        if trimmed.starts_with('$') || trimmed.starts_with('&') {
            break;
        }
        let mut line_values = format
            .read_line(line)
            .map_err(|detail| DataError::Parse { offset, detail })?;
        values.append(&mut line_values);
        offset = line_end;
        if let Some(c) = count {
            if values.len() > c {
                return Err(DataError::Excess {
                    found: values.len(),
                });
            }
        }
    }
    if let Some(c) = count {
        if values.len() < c {
            return Err(DataError::Short {
                found: values.len(),
            });
        }
    }
    Ok((values, offset))
}

/// Formats `value` in `width` columns with one digit before the point and `decimals` after,
/// e.g. `   1.376081E-03` for width 15 and 6 decimals (what `1PE15.6` writes). Fortran reads
/// it back under a plain `E15.6` too, because an explicit exponent overrides any scale factor.
pub fn format_e(value: f64, width: usize, decimals: usize) -> String {
    let text = format!("{value:.decimals$E}");
    let (mantissa, exponent) = text.split_once('E').unwrap_or((text.as_str(), "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let sign = if exponent < 0 { '-' } else { '+' };
    format!(
        "{:>width$}",
        format!("{mantissa}E{sign}{:02}", exponent.abs())
    )
}

/// Appends `values`, `per_line` fields of `format_e(width, decimals)` on each line.
pub fn write_values(
    out: &mut String,
    values: &[f64],
    per_line: usize,
    width: usize,
    decimals: usize,
) {
    for line in values.chunks(per_line.max(1)) {
        for value in line {
            out.push_str(&format_e(*value, width, decimals));
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format(text: &str) -> FortranFormat {
        FortranFormat::parse(text).expect("valid format")
    }

    #[test]
    fn formats_from_real_files_parse() {
        for (text, width) in [
            ("(2E15.6)", 15),
            ("(8E13.5)", 13),
            ("(6E13.5)", 13),
            ("(1P2E16.6)", 16),
            ("(1P,6E13.5)", 13),
            ("(2(1X,ES14.6E2))", 14),
            ("(2D20.12)", 20),
            ("(4F12.4)", 12),
            ("(4G14.6)", 14),
        ] {
            assert_eq!(format(text).min_field_width(), width, "{text}");
        }
        assert!(format("(*)").is_list_directed());
    }

    #[test]
    fn bad_formats_are_rejected() {
        for text in [
            "2E15.6",
            "(2A15)",
            "(E)",
            "(2E15.6",
            "(3X)",
            "(100000E13.5)",
            "(-2E15.6)",
        ] {
            assert!(FortranFormat::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn touching_fields_read_by_width() {
        // Twelve-column fields leave no room for a blank before a minus sign.
        let fmt = format("(1P6E12.5)");
        let line = "-1.23456E+00-2.34567E-01 3.45678E+02-4.56789E-03 5.67890E+00-6.78901E+01";
        let values = fmt.read_line(line).expect("fixed fields");
        assert_eq!(values.len(), 6);
        approx::assert_relative_eq!(values[0], -1.23456, max_relative = 1e-15);
        approx::assert_relative_eq!(values[1], -0.234567, max_relative = 1e-15);
        approx::assert_relative_eq!(values[5], -67.8901, max_relative = 1e-15);
    }

    #[test]
    fn implied_decimals_and_scale_factor() {
        // `12345` in an E13.5 field has 5 implied decimals; 2P divides fields without exponent.
        let fmt = format("(2P,2F8.3)");
        let values = fmt.read_line("   12345   1.5E1").expect("read");
        assert_eq!(values.len(), 2);
        approx::assert_relative_eq!(values[0], 0.12345, max_relative = 1e-15);
        approx::assert_relative_eq!(values[1], 15.0, max_relative = 1e-15);
        let blank = format("(2E8.3)")
            .read_line("  1.0E+0        ")
            .expect("read");
        assert_eq!(blank, vec![1.0]);
    }

    #[test]
    fn list_directed_reads_commas_and_repeats() {
        let fmt = format("(*)");
        let values = fmt.read_line(" 1.0, 2.5D0 3*0.5").expect("read");
        assert_eq!(values, vec![1.0, 2.5, 0.5, 0.5, 0.5]);
    }

    #[test]
    fn read_values_counts() {
        let fmt = format("(2E15.6)");
        let text = "  1.0E+00  2.0E+00\n\n  3.0E+00  4.0E+00\n $NMUSED\n";
        let (values, end) = read_values(text, 0, Some(4), &fmt).expect("four values");
        assert_eq!(values, vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(&text[end..], " $NMUSED\n");
        assert_eq!(
            read_values(text, 0, Some(6), &fmt),
            Err(DataError::Short { found: 4 })
        );
        assert_eq!(
            read_values(text, 0, Some(3), &fmt),
            Err(DataError::Excess { found: 4 })
        );
        let garbage = read_values("  1.0E+00 abc\n", 0, None, &fmt);
        assert!(matches!(garbage, Err(DataError::Parse { .. })));
    }

    #[test]
    fn format_e_matches_lcmodel_layout() {
        assert_eq!(format_e(1.376081e-3, 15, 6), "   1.376081E-03");
        assert_eq!(format_e(-3.44626e-5, 15, 6), "  -3.446260E-05");
        assert_eq!(format_e(1.38704, 13, 5), "  1.38704E+00");
        assert_eq!(format_e(0.0, 13, 5), "  0.00000E+00");
        assert_eq!(format_e(1.5e-120, 13, 5), " 1.50000E-120");
        assert_eq!(format_e(9.9999996e-1, 13, 5), "  1.00000E+00");
    }
}
