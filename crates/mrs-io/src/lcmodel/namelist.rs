//! Fortran namelist groups as LCModel reads and writes them.
//!
//! A group opens with `$NAME` or `&NAME` and closes with `$END`, `&END` or, for `&NAME`
//! groups, a `/`. Inside, `KEY = value, value ...` assignments follow each other, separated by
//! commas or blanks; keys are case-insensitive and may carry a subscript (`CHCOMB(1)`). Values
//! are integers, reals with an `E` or `D` exponent, logicals (`T`, `.FALSE.`), quoted strings
//! (`'..'` or `".."`, a doubled quote standing for one quote), unquoted words, and repeats
//! `r*value`. Text after `!` up to the end of the line is a comment.
//!
//! Every entry keeps the value text exactly as written, so a group writes back as it was read.

use crate::error::ErrorKind;
use std::fmt::Write as _;

/// One value of a namelist entry.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An integer such as `1024`.
    Integer(i64),
    /// A real such as `5e-04`, `1.` or `0.25D-3`.
    Real(f64),
    /// A logical such as `T` or `.false.`.
    Logical(bool),
    /// A quoted string with its quotes removed, or an unquoted word.
    Text(String),
    /// An empty value between two commas.
    Null,
}

impl Value {
    /// The value as a real, for integers and reals.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Integer(i) => Some(*i as f64),
            Value::Real(x) => Some(*x),
            _ => None,
        }
    }

    /// Writes the value as Fortran namelist input that reads back to the same value.
    pub fn to_fortran(&self) -> String {
        match self {
            Value::Integer(i) => i.to_string(),
            // `{:?}` prints the shortest text that parses back to the same f64, always with a
            // decimal point or exponent, which Fortran list input reads as a real.
            Value::Real(x) => format!("{x:?}"),
            Value::Logical(true) => "T".to_string(),
            Value::Logical(false) => "F".to_string(),
            Value::Text(s) => format!("'{}'", s.replace('\'', "''")),
            Value::Null => String::new(),
        }
    }
}

/// One `KEY = values` assignment.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The key as written, e.g. `HZPPPM`, `hzpppm` or `CHCOMB(1)`.
    pub key: String,
    /// The values, with repeats `r*value` expanded.
    pub values: Vec<Value>,
    /// The value text as written, without the separator that ends it.
    pub raw: String,
}

impl Entry {
    /// Builds an entry whose raw text is the Fortran form of `values`.
    pub fn new(key: impl Into<String>, values: Vec<Value>) -> Self {
        let raw = values
            .iter()
            .map(Value::to_fortran)
            .collect::<Vec<_>>()
            .join(" ");
        Entry {
            key: key.into(),
            values,
            raw,
        }
    }
}

/// A namelist group such as `$SEQPAR ... $END`.
#[derive(Debug, Clone, PartialEq)]
pub struct Namelist {
    /// The group name as written, without `$` or `&`, e.g. `SEQPAR` or `LCMODL`.
    pub name: String,
    /// The assignments in file order.
    pub entries: Vec<Entry>,
}

impl Namelist {
    /// Builds an empty group.
    pub fn new(name: impl Into<String>) -> Self {
        Namelist {
            name: name.into(),
            entries: Vec::new(),
        }
    }

    /// Whether the group name equals `name`, ignoring case.
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }

    /// The last entry whose key equals `key`, ignoring case (Fortran keeps the last assignment).
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .rev()
            .find(|e| e.key.eq_ignore_ascii_case(key))
    }

    /// Appends an entry.
    pub fn push(&mut self, key: impl Into<String>, values: Vec<Value>) {
        self.entries.push(Entry::new(key, values));
    }

    /// The first value of `key` as a real.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidField`] when the value is not a number.
    pub fn get_f64(&self, key: &str) -> Result<Option<f64>, ErrorKind> {
        match self.get(key) {
            None => Ok(None),
            Some(entry) => match entry.values.first() {
                Some(Value::Null) | None => Ok(None),
                Some(value) => value
                    .as_f64()
                    .map(Some)
                    .ok_or_else(|| ErrorKind::invalid(&entry.key, &entry.raw, "expected a number")),
            },
        }
    }

    /// The first value of `key` as an integer.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidField`] when the value is not an integer.
    pub fn get_i64(&self, key: &str) -> Result<Option<i64>, ErrorKind> {
        match self.get(key) {
            None => Ok(None),
            Some(entry) => match entry.values.first() {
                Some(Value::Null) | None => Ok(None),
                Some(Value::Integer(i)) => Ok(Some(*i)),
                Some(_) => Err(ErrorKind::invalid(
                    &entry.key,
                    &entry.raw,
                    "expected an integer",
                )),
            },
        }
    }

    /// The first value of `key` as text (a quoted string or an unquoted word).
    pub fn get_text(&self, key: &str) -> Option<&str> {
        match self.get(key)?.values.first()? {
            Value::Text(s) => Some(s.as_str()),
            _ => None,
        }
    }

    /// Appends the group as LCModel writes it: ` $NAME`, one ` KEY = value` per line with a
    /// comma after all but the last, and ` $END`.
    pub fn write_to(&self, out: &mut String) {
        let _ = writeln!(out, " ${}", self.name);
        for (i, entry) in self.entries.iter().enumerate() {
            let separator = if i + 1 < self.entries.len() { "," } else { "" };
            let _ = writeln!(out, " {} = {}{}", entry.key, entry.raw, separator);
        }
        out.push_str(" $END\n");
    }
}

/// A parse failure at a byte offset of the text.
#[derive(Debug, Clone, PartialEq)]
pub struct NamelistError {
    /// Byte offset where the problem was found.
    pub offset: usize,
    /// The expected and the found text.
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Equals,
    Comma,
    Slash,
    /// `$` or `&` followed by a name.
    Marker(String),
}

struct Lexer<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

fn is_word_byte(b: u8) -> bool {
    !(b.is_ascii_whitespace()
        || matches!(b, b',' | b'=' | b'!' | b'\'' | b'"' | b'$' | b'&' | b'/'))
}

impl<'a> Lexer<'a> {
    fn skip_blanks(&mut self) {
        while self.pos < self.bytes.len() {
            let b = self.bytes[self.pos];
            if b.is_ascii_whitespace() {
                self.pos += 1;
            } else if b == b'!' {
                while self.pos < self.bytes.len() && self.bytes[self.pos] != b'\n' {
                    self.pos += 1;
                }
            } else {
                break;
            }
        }
    }

    /// Returns the next token with its start and end offsets, or `None` at the end of the text.
    fn next(&mut self) -> Result<Option<(Token, usize, usize)>, NamelistError> {
        self.skip_blanks();
        let start = self.pos;
        let Some(&b) = self.bytes.get(start) else {
            return Ok(None);
        };
        let token = match b {
            b'=' => {
                self.pos += 1;
                Token::Equals
            }
            b',' => {
                self.pos += 1;
                Token::Comma
            }
            b'/' => {
                self.pos += 1;
                Token::Slash
            }
            b'$' | b'&' => {
                self.pos += 1;
                let name_start = self.pos;
                while self.pos < self.bytes.len()
                    && (self.bytes[self.pos].is_ascii_alphanumeric()
                        || self.bytes[self.pos] == b'_')
                {
                    self.pos += 1;
                }
                Token::Marker(self.text[name_start..self.pos].to_string())
            }
            b'\'' | b'"' => {
                let quote = b;
                self.pos += 1;
                let mut value = String::new();
                let mut segment_start = self.pos;
                loop {
                    match self.bytes.get(self.pos) {
                        None => {
                            return Err(NamelistError {
                                offset: start,
                                detail: "string has no closing quote".to_string(),
                            })
                        }
                        Some(&c) if c == quote => {
                            value.push_str(&self.text[segment_start..self.pos]);
                            if self.bytes.get(self.pos + 1) == Some(&quote) {
                                value.push(quote as char);
                                self.pos += 2;
                                segment_start = self.pos;
                            } else {
                                self.pos += 1;
                                break;
                            }
                        }
                        Some(_) => self.pos += 1,
                    }
                }
                Token::Quoted(value)
            }
            _ => {
                while self.pos < self.bytes.len() && is_word_byte(self.bytes[self.pos]) {
                    self.pos += 1;
                }
                Token::Word(self.text[start..self.pos].to_string())
            }
        };
        Ok(Some((token, start, self.pos)))
    }

    fn peek(&mut self) -> Result<Option<(Token, usize, usize)>, NamelistError> {
        let saved = self.pos;
        let token = self.next();
        self.pos = saved;
        token
    }
}

/// Parses an unquoted word as an integer, real or logical, else keeps it as text.
fn parse_word(word: &str) -> Value {
    if let Some(x) = parse_integer(word) {
        return Value::Integer(x);
    }
    if let Some(x) = parse_fortran_real(word) {
        return Value::Real(x);
    }
    let upper = word.to_ascii_uppercase();
    let logical = upper.strip_prefix('.').unwrap_or(&upper);
    if matches!(logical, "T" | "TRUE" | "TRUE." | "T.") {
        return Value::Logical(true);
    }
    if matches!(logical, "F" | "FALSE" | "FALSE." | "F.") {
        return Value::Logical(false);
    }
    Value::Text(word.to_string())
}

fn parse_integer(word: &str) -> Option<i64> {
    let digits = word.strip_prefix(['+', '-']).unwrap_or(word);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    word.parse().ok()
}

/// Parses a Fortran real: optional sign, digits with an optional decimal point, and an
/// optional exponent introduced by `E`, `D` or `Q` (either case) or by a bare sign (`1.0-3`).
pub fn parse_fortran_real(word: &str) -> Option<f64> {
    let bytes = word.as_bytes();
    let mut i = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let mut digits = 0;
    let mut seen_point = false;
    while i < bytes.len() {
        match bytes[i] {
            b'0'..=b'9' => digits += 1,
            b'.' if !seen_point => seen_point = true,
            _ => break,
        }
        i += 1;
    }
    if digits == 0 {
        return None;
    }
    let mantissa = &word[..i];
    let exponent = if i == bytes.len() {
        0
    } else {
        let rest = &word[i..];
        let rest = match rest.as_bytes()[0] {
            b'e' | b'E' | b'd' | b'D' | b'q' | b'Q' => &rest[1..],
            b'+' | b'-' => rest,
            _ => return None,
        };
        parse_integer(rest)?
    };
    let exponent = i32::try_from(exponent).ok()?;
    let text = format!("{mantissa}e{exponent}");
    text.parse::<f64>().ok()
}

/// Parses one namelist group starting at or after `start` (blank lines and comments first are
/// skipped) and returns it with the offset just after its terminator.
///
/// # Errors
/// [`NamelistError`] when no group starts there, a group is not terminated, or an assignment
/// is malformed.
pub fn parse_group(text: &str, start: usize) -> Result<(Namelist, usize), NamelistError> {
    let mut lexer = Lexer {
        text,
        bytes: text.as_bytes(),
        pos: start,
    };
    let (opening, opening_start) = match lexer.next()? {
        Some((Token::Marker(name), s, _)) if !name.is_empty() => (name, s),
        Some((_, s, _)) => {
            return Err(NamelistError {
                offset: s,
                detail: "expected a namelist group such as $NAME or &NAME".to_string(),
            })
        }
        None => {
            return Err(NamelistError {
                offset: text.len(),
                detail: "expected a namelist group, found the end of the text".to_string(),
            })
        }
    };
    if opening.eq_ignore_ascii_case("END") {
        return Err(NamelistError {
            offset: opening_start,
            detail: "found $END without an opening group".to_string(),
        });
    }
    let ampersand_style = text.as_bytes()[opening_start] == b'&';
    let mut group = Namelist::new(opening);
    // Pending key, its values and the span of its value text.
    let mut current: Option<Pending> = None;
    let mut last_was_value = false;

    let finish = |current: &mut Option<Pending>, group: &mut Namelist| {
        if let Some((key, values, span)) = current.take() {
            let raw = span
                .map(|(s, e)| text[s..e].trim().to_string())
                .unwrap_or_default();
            group.entries.push(Entry { key, values, raw });
        }
    };

    loop {
        let Some((token, token_start, token_end)) = lexer.next()? else {
            return Err(NamelistError {
                offset: opening_start,
                detail: format!("group ${} has no $END or / terminator", group.name),
            });
        };
        match token {
            Token::Marker(name) => {
                if name.eq_ignore_ascii_case("END") || name.is_empty() {
                    finish(&mut current, &mut group);
                    return Ok((group, token_end));
                }
                return Err(NamelistError {
                    offset: token_start,
                    detail: format!(
                        "group ${} is not terminated before ${name} starts",
                        group.name
                    ),
                });
            }
            Token::Slash if ampersand_style => {
                finish(&mut current, &mut group);
                return Ok((group, token_end));
            }
            Token::Slash => {
                return Err(NamelistError {
                    offset: token_start,
                    detail: "unexpected / in a $-style group".to_string(),
                })
            }
            Token::Equals => {
                return Err(NamelistError {
                    offset: token_start,
                    detail: "= without a key before it".to_string(),
                })
            }
            Token::Comma => {
                match current.as_mut() {
                    Some((_, values, span)) if !last_was_value => {
                        // Two separators in a row: a null value.
                        values.push(Value::Null);
                        if span.is_none() {
                            *span = Some((token_start, token_start));
                        }
                    }
                    Some(_) => {}
                    None => {
                        return Err(NamelistError {
                            offset: token_start,
                            detail: "value separator before any key".to_string(),
                        })
                    }
                }
                last_was_value = false;
            }
            Token::Word(word) => {
                if matches!(lexer.peek()?, Some((Token::Equals, _, _))) {
                    lexer.next()?;
                    finish(&mut current, &mut group);
                    current = Some((word, Vec::new(), None));
                    // `=` acts as a separator, so `KEY = ,` contains a null value.
                    last_was_value = false;
                    continue;
                }
                let Some((_, values, span)) = current.as_mut() else {
                    return Err(NamelistError {
                        offset: token_start,
                        detail: format!("value {word} before any key"),
                    });
                };
                push_values(values, &word, token_start)?;
                extend_span(span, token_start, token_end);
                last_was_value = true;
            }
            Token::Quoted(value) => {
                let Some((_, values, span)) = current.as_mut() else {
                    return Err(NamelistError {
                        offset: token_start,
                        detail: "quoted value before any key".to_string(),
                    });
                };
                values.push(Value::Text(value));
                extend_span(span, token_start, token_end);
                last_was_value = true;
            }
        }
    }
}

/// A key being read: its name, its values so far and the byte span of their text.
type Pending = (String, Vec<Value>, Option<(usize, usize)>);

fn extend_span(span: &mut Option<(usize, usize)>, start: usize, end: usize) {
    match span {
        Some((_, e)) => *e = end,
        None => *span = Some((start, end)),
    }
}

/// Most values one `r*value` repeat may expand to; real groups repeat at most a few hundred.
const MAX_REPEAT: usize = 1 << 16;

fn push_values(values: &mut Vec<Value>, word: &str, offset: usize) -> Result<(), NamelistError> {
    if let Some((count, value)) = word.split_once('*') {
        if let Some(count) = parse_integer(count) {
            let count = usize::try_from(count)
                .ok()
                .filter(|&c| c > 0 && c <= MAX_REPEAT)
                .ok_or_else(|| NamelistError {
                    offset,
                    detail: format!("repeat count in {word} must be 1 to {MAX_REPEAT}"),
                })?;
            let value = if value.is_empty() {
                Value::Null
            } else {
                parse_word(value)
            };
            values.extend(std::iter::repeat_n(value, count));
            return Ok(());
        }
    }
    values.push(parse_word(word));
    Ok(())
}

/// Finds the offset of the next line start at or after `offset`.
pub fn next_line_start(text: &str, offset: usize) -> usize {
    match text[offset..].find('\n') {
        Some(i) => offset + i + 1,
        None => text.len(),
    }
}

/// The 1-based line number of a byte offset.
pub fn line_number(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Namelist {
        parse_group(text, 0).expect("valid namelist").0
    }

    #[test]
    fn dollar_group_with_mixed_values() {
        let group = parse(" $NMID ID='dataset1', FMTDAT='(8E13.5)'\n TRAMP=1, VOLUME=1. $END\n");
        assert_eq!(group.name, "NMID");
        assert_eq!(group.get_text("id"), Some("dataset1"));
        assert_eq!(group.get_text("FmtDat"), Some("(8E13.5)"));
        assert_eq!(group.get_i64("TRAMP").ok(), Some(Some(1)));
        assert_eq!(group.get_f64("volume").ok(), Some(Some(1.0)));
        assert_eq!(group.get("VOLUME").map(|e| e.raw.as_str()), Some("1."));
    }

    #[test]
    fn ampersand_group_with_slash() {
        let group = parse("&lcmodl deltat=5d-04, hzpppm = 1.2323e+02 ! comment\n dows=.true. /");
        assert_eq!(group.get_f64("DELTAT").ok(), Some(Some(5e-4)));
        assert_eq!(group.get_f64("HZPPPM").ok(), Some(Some(123.23)));
        assert_eq!(
            group.get("dows").map(|e| &e.values[0]),
            Some(&Value::Logical(true))
        );
    }

    #[test]
    fn arrays_repeats_and_quotes() {
        let group = parse(
            " $NMUSED\n PPMAPP =  0.5 -0.5,\n PPMGAP = 3*997.,\n ID = 'Mac''''',\n \
             NAME = \"it\"\"s\", AUTOPH = F $END",
        );
        let ppmapp = &group.get("PPMAPP").expect("PPMAPP").values;
        assert_eq!(ppmapp, &vec![Value::Real(0.5), Value::Real(-0.5)]);
        assert_eq!(group.get("PPMGAP").map(|e| e.values.len()), Some(3));
        assert_eq!(group.get_text("ID"), Some("Mac''"));
        assert_eq!(group.get_text("NAME"), Some("it\"s"));
        assert_eq!(
            group.get("AUTOPH").map(|e| &e.values[0]),
            Some(&Value::Logical(false))
        );
    }

    #[test]
    fn subscripted_keys_and_empty_values() {
        let group = parse(" $LCMODL CHCOMB(1)='PCh+GPC', ECHOT =  , SEQ = 'PRESS' $END");
        assert_eq!(group.get_text("chcomb(1)"), Some("PCh+GPC"));
        assert_eq!(group.get_f64("ECHOT").ok(), Some(None));
        assert_eq!(group.get_text("SEQ"), Some("PRESS"));
    }

    #[test]
    fn written_group_reads_back() {
        let mut group = Namelist::new("SEQPAR");
        group.push("ECHOT", vec![Value::Real(30.0)]);
        group.push("HZPPPM", vec![Value::Real(123.261703)]);
        group.push("SEQ", vec![Value::Text("it's".to_string())]);
        let mut text = String::new();
        group.write_to(&mut text);
        assert_eq!(parse(&text), group);
    }

    fn value_strategy() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        prop_oneof![
            any::<i64>().prop_map(Value::Integer),
            any::<f64>()
                .prop_filter("finite", |x| x.is_finite())
                .prop_map(Value::Real),
            any::<bool>().prop_map(Value::Logical),
            "[ -~]{0,20}".prop_map(Value::Text),
        ]
    }

    proptest::proptest! {
        #[test]
        fn any_written_group_reads_back(
            entries in proptest::collection::vec(
                ("[A-Za-z][A-Za-z0-9_]{0,8}", proptest::collection::vec(value_strategy(), 1..4)),
                0..8,
            )
        ) {
            let mut group = Namelist::new("GROUP");
            for (key, values) in entries {
                group.push(key, values);
            }
            let mut text = String::new();
            group.write_to(&mut text);
            let (parsed, end) = parse_group(&text, 0).expect("written group parses");
            proptest::prop_assert_eq!(parsed, group);
            proptest::prop_assert_eq!(end, text.len() - 1);
        }
    }

    #[test]
    fn fortran_reals() {
        assert_eq!(parse_fortran_real("1.5D-3"), Some(1.5e-3));
        assert_eq!(parse_fortran_real("-.5"), Some(-0.5));
        assert_eq!(parse_fortran_real("2."), Some(2.0));
        assert_eq!(parse_fortran_real("1.0-3"), Some(1.0e-3));
        assert_eq!(
            parse_fortran_real("1e400").map(f64::is_infinite),
            Some(true)
        );
        assert_eq!(parse_fortran_real("E5"), None);
        assert_eq!(parse_fortran_real("1.2.3"), None);
    }

    #[test]
    fn malformed_groups_are_errors() {
        assert!(parse_group(" $NMID ID='x'", 0).is_err());
        assert!(parse_group(" $NMID ID='x $END", 0).is_err());
        assert!(parse_group(" ID='x' $END", 0).is_err());
        assert!(parse_group(" $NMID = 3 $END", 0).is_err());
        assert!(parse_group(" $NMID ID='x' $BASIS $END", 0).is_err());
    }
}
