//! LCModel `.COORD` output: the fitted spectrum on LCModel's ppm grid, the concentration table
//! and the other tables LCModel prints.
//!
//! Sections are found by their heading lines, so any of them may be missing:
//!
//! - `N lines in following concentration table = NCONC+1`: a header line (`Conc. %SD /Cr+PCr
//!   Metabolite`) and one row per metabolite or combination such as `GPC+PCh`;
//! - `N lines in following misc. output table`: `FWHM = 0.297 ppm  S/N = 24`, `Data shift =`,
//!   `Ph: 36 deg  0.3 deg/ppm`, `alphaB,S =`, `6 spline knots.` and others;
//! - `NY points on ppm-axis = NY`, then NY ppm values (decreasing);
//! - `NY phased data points follow`, `NY points of the fit to the data follow`,
//!   `NY background values follow`: real parts on that grid, phased as LCModel fitted them;
//! - `<name> Conc. = <value>`: a metabolite's fitted curve (baseline included) on that grid;
//! - `N lines in following diagnostic table:` and `N lines in following table of input
//!   changes:` (the control values LCModel used, such as `hzpppm= 1.2323e+02`).
//!
//! The ppm grid is LCModel's plotting window, not an FFT grid: it covers only the fitted range
//! (e.g. 4.0 to 0.1 ppm) and its spacing follows LCModel's zero-filled transform.

use super::decode;
use super::namelist::{parse_fortran_real, parse_group, Namelist};
use crate::error::{ErrorKind, IoError, Result};
use crate::limits::{check_available, check_count, MAX_POINTS};
use std::path::{Path, PathBuf};

const FORMAT_NAME: &str = "LCModel .COORD";

/// One row of the concentration table.
#[derive(Debug, Clone, PartialEq)]
pub struct ConcentrationRow {
    /// Concentration in LCModel's units (institutional units or mM, as it was scaled).
    pub concentration: f64,
    /// Cramér-Rao lower bound in percent of the concentration (LCModel prints 999 for none).
    pub sd_percent: f64,
    /// Ratio to the reference named in the table header (e.g. `/Cr+PCr`).
    pub ratio: f64,
    /// Metabolite or combination name, e.g. `Lip13` or `GPC+PCh`.
    pub metabolite: String,
}

impl ConcentrationRow {
    /// Splits the row's name into the names it combines: `["GPC", "PCh"]` for `GPC+PCh`, one name otherwise.
    pub fn components(&self) -> Vec<&str> {
        if self.metabolite.starts_with('-') {
            // A leading minus is part of a name such as `-CrCH2`.
            let (first, rest) = self.metabolite.split_at(1);
            let mut parts: Vec<&str> = rest.split('+').collect();
            if let Some(head) = parts.first_mut() {
                let start = first.len();
                *head = &self.metabolite[..start + head.len()];
            }
            return parts;
        }
        self.metabolite.split('+').collect()
    }
}

/// The misc. output table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MiscOutput {
    /// `FWHM`, the linewidth LCModel estimates, in ppm.
    pub fwhm_ppm: Option<f64>,
    /// `S/N`, LCModel's signal-to-noise ratio.
    pub snr: Option<f64>,
    /// `Data shift`, the frequency shift LCModel applied, in ppm.
    pub data_shift_ppm: Option<f64>,
    /// Zero-order phase from `Ph:`, in degrees.
    pub phase0_deg: Option<f64>,
    /// First-order phase from `Ph:`, in degrees per ppm.
    pub phase1_deg_per_ppm: Option<f64>,
    /// `alphaB`, the baseline regulariser.
    pub alpha_baseline: Option<f64>,
    /// `alphaS`, the lineshape regulariser.
    pub alpha_lineshape: Option<f64>,
    /// Number of baseline spline knots.
    pub spline_knots: Option<u32>,
    /// Every line of the table as printed, trailing blanks removed.
    pub lines: Vec<String>,
}

/// A metabolite's fitted curve.
#[derive(Debug, Clone, PartialEq)]
pub struct MetaboliteCurve {
    /// The name, as in the concentration table.
    pub name: String,
    /// The concentration printed in the heading.
    pub concentration: f64,
    /// The curve on the ppm grid, background included (in `svs_97.COORD` each curve starts
    /// within 0.2 of the background at 4.0 ppm).
    pub values: Vec<f64>,
}

/// A parsed `.COORD` file.
#[derive(Debug, Clone, PartialEq)]
pub struct LcmCoord {
    /// The file the output came from.
    pub path: PathBuf,
    /// Lines before the first table: the LCModel version, the data title and date.
    pub title_lines: Vec<String>,
    /// Line count the concentration table heading announces (header line included).
    pub announced_concentration_lines: Option<usize>,
    /// The ratio column header, e.g. `/Cr+PCr`.
    pub ratio_label: Option<String>,
    /// The concentration table rows in printed order.
    pub concentrations: Vec<ConcentrationRow>,
    /// The misc. output table.
    pub misc: MiscOutput,
    /// The ppm grid, as printed (decreasing).
    pub ppm: Vec<f64>,
    /// The phased data (real part) on the grid.
    pub data: Option<Vec<f64>>,
    /// The fit on the grid.
    pub fit: Option<Vec<f64>>,
    /// The baseline on the grid.
    pub baseline: Option<Vec<f64>>,
    /// Per-metabolite curves, in printed order.
    pub metabolite_curves: Vec<MetaboliteCurve>,
    /// Lines of the diagnostic table.
    pub diagnostics: Vec<String>,
    /// Lines of the table of input changes, as printed.
    pub input_changes: Vec<String>,
    /// The input changes read as a namelist; `None` when the table is absent or does not
    /// read as `key= value` assignments.
    pub input_namelist: Option<Namelist>,
}

impl LcmCoord {
    /// Finds the row of the concentration table for `metabolite`.
    pub fn concentration(&self, metabolite: &str) -> Option<&ConcentrationRow> {
        self.concentrations
            .iter()
            .find(|row| row.metabolite == metabolite)
    }

    /// `HZPPPM` from the table of input changes, in MHz.
    pub fn spectrometer_frequency_mhz(&self) -> Option<f64> {
        self.input_real("HZPPPM")
    }

    /// `DELTAT` from the table of input changes, in s.
    pub fn dwell_time_s(&self) -> Option<f64> {
        self.input_real("DELTAT")
    }

    /// `ECHOT` from the table of input changes, converted from ms to s.
    pub fn echo_time_s(&self) -> Option<f64> {
        self.input_real("ECHOT").map(|ms| ms / 1000.0)
    }

    fn input_real(&self, key: &str) -> Option<f64> {
        self.input_namelist
            .as_ref()
            .and_then(|n| n.get_f64(key).ok().flatten())
    }
}

/// Checks whether `bytes` look like a `.COORD` file: an LCModel banner and the section headings
/// LCModel writes only there (a `.TABLE` file prefixes its headings with `$$`).
pub fn looks_like(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]);
    let first = head.lines().next().unwrap_or("");
    first.trim_start().starts_with("LCModel")
        && !head.contains("$$CONC")
        && (head.contains("points on ppm-axis = NY")
            || head.contains("lines in following concentration table"))
}

/// Reads a `.COORD` file.
///
/// # Errors
/// See [`parse`].
pub fn read(path: &Path) -> Result<LcmCoord> {
    let bytes = std::fs::read(path).map_err(|e| IoError::new(path, ErrorKind::Os(e)))?;
    parse(&bytes, path)
}

enum Heading {
    Concentrations(usize),
    Misc(usize),
    PpmAxis(usize),
    Data,
    Fit,
    Baseline,
    Curve(String, f64),
    Diagnostics(usize),
    InputChanges(usize),
}

fn leading_count(line: &str) -> Option<usize> {
    line.split_whitespace().next()?.parse().ok()
}

fn heading_of(line: &str) -> Option<Heading> {
    let trimmed = line.trim();
    if trimmed.contains("lines in following concentration table") {
        return leading_count(trimmed).map(Heading::Concentrations);
    }
    if trimmed.contains("lines in following misc. output table") {
        return leading_count(trimmed).map(Heading::Misc);
    }
    if trimmed.ends_with("points on ppm-axis = NY") {
        return leading_count(trimmed).map(Heading::PpmAxis);
    }
    if trimmed == "NY phased data points follow" {
        return Some(Heading::Data);
    }
    if trimmed == "NY points of the fit to the data follow" {
        return Some(Heading::Fit);
    }
    if trimmed == "NY background values follow" {
        return Some(Heading::Baseline);
    }
    if trimmed.contains("lines in following diagnostic table") {
        return leading_count(trimmed).map(Heading::Diagnostics);
    }
    if trimmed.contains("lines in following table of input changes") {
        return leading_count(trimmed).map(Heading::InputChanges);
    }
    if let Some((name, value)) = trimmed.split_once("Conc. =") {
        let name = name.trim();
        if !name.is_empty() && !name.contains(' ') {
            if let Some(value) = parse_fortran_real(value.trim()) {
                return Some(Heading::Curve(name.to_string(), value));
            }
        }
    }
    None
}

struct Cursor<'a> {
    lines: Vec<&'a str>,
    index: usize,
    path: &'a Path,
}

impl Cursor<'_> {
    fn parse_error(&self, line_index: usize, detail: impl Into<String>) -> IoError {
        IoError::new(
            self.path,
            ErrorKind::Parse {
                line: line_index + 1,
                detail: detail.into(),
            },
        )
    }

    /// Reads `count` numbers from the lines after the cursor.
    fn numbers(&mut self, count: usize, field: &str) -> Result<Vec<f64>> {
        let mut values = Vec::with_capacity(count);
        while values.len() < count && self.index < self.lines.len() {
            let line = self.lines[self.index];
            if heading_of(line).is_some() {
                break;
            }
            for token in line.split_whitespace() {
                let value = parse_fortran_real(token).ok_or_else(|| {
                    self.parse_error(self.index, format!("{field}: '{token}' is not a number"))
                })?;
                if !value.is_finite() {
                    return Err(IoError::new(
                        self.path,
                        ErrorKind::NonFinite {
                            field: field.to_string(),
                            index: values.len(),
                            value: token.to_string(),
                        },
                    ));
                }
                values.push(value);
            }
            self.index += 1;
        }
        if values.len() != count {
            return Err(IoError::new(
                self.path,
                ErrorKind::WrongSize {
                    field: field.to_string(),
                    expected: count as u64,
                    found: values.len() as u64,
                },
            ));
        }
        Ok(values)
    }

    /// Takes up to `count` lines, stopping early at a heading.
    fn table_lines(&mut self, count: usize) -> Vec<String> {
        let mut lines = Vec::new();
        while lines.len() < count && self.index < self.lines.len() {
            let line = self.lines[self.index];
            if heading_of(line).is_some() {
                break;
            }
            lines.push(line.trim_end().to_string());
            self.index += 1;
        }
        lines
    }
}

/// Parses a `.COORD` file from memory; `path` labels errors.
///
/// # Errors
/// - [`ErrorKind::WrongFormat`] for binary content or text without any COORD section;
/// - [`ErrorKind::Parse`] for a table row, misc. value or number that does not read;
/// - [`ErrorKind::TooLarge`] and [`ErrorKind::Truncated`] for an NY beyond the limits or the
///   file's length;
/// - [`ErrorKind::WrongSize`] for a block with more or fewer than NY values, or a curve on a
///   grid different from the ppm axis;
/// - [`ErrorKind::NonFinite`] for an infinite value.
pub fn parse(bytes: &[u8], path: &Path) -> Result<LcmCoord> {
    let text = decode(bytes, path, FORMAT_NAME)?;
    parse_text(&text, path, FORMAT_NAME)
}

/// Parses the sections of a `.COORD` or `.TABLE` text (with `.TABLE`'s `$$` prefixes removed).
pub(crate) fn parse_text(text: &str, path: &Path, format_name: &'static str) -> Result<LcmCoord> {
    let mut cursor = Cursor {
        lines: text.lines().collect(),
        index: 0,
        path,
    };
    let mut coord = LcmCoord {
        path: path.to_path_buf(),
        title_lines: Vec::new(),
        announced_concentration_lines: None,
        ratio_label: None,
        concentrations: Vec::new(),
        misc: MiscOutput::default(),
        ppm: Vec::new(),
        data: None,
        fit: None,
        baseline: None,
        metabolite_curves: Vec::new(),
        diagnostics: Vec::new(),
        input_changes: Vec::new(),
        input_namelist: None,
    };
    let mut found_section = false;
    while cursor.index < cursor.lines.len() {
        let line_index = cursor.index;
        let line = cursor.lines[line_index];
        cursor.index += 1;
        let Some(heading) = heading_of(line) else {
            if !found_section {
                coord.title_lines.push(line.trim_end().to_string());
                continue;
            }
            if line.trim().is_empty() {
                continue;
            }
            return Err(cursor.parse_error(line_index, format!("unexpected line: {}", line.trim())));
        };
        found_section = true;
        match heading {
            Heading::Concentrations(count) => {
                coord.announced_concentration_lines = Some(count);
                read_concentrations(&mut cursor, &mut coord, count)?;
            }
            Heading::Misc(count) => {
                let lines = cursor.table_lines(count);
                coord.misc = read_misc(&lines, &cursor, line_index)?;
            }
            Heading::PpmAxis(count) => {
                let remaining = text.len() as u64;
                let ny = check_count("NY", count as u64, MAX_POINTS)
                    .map_err(|k| IoError::new(path, k))?;
                // Each value takes at least a digit and a blank.
                check_available("NY ppm values", 2 * ny as u64, remaining)
                    .map_err(|k| IoError::new(path, k))?;
                coord.ppm = cursor.numbers(ny, "ppm axis")?;
            }
            Heading::Data | Heading::Fit | Heading::Baseline | Heading::Curve(..) => {
                if coord.ppm.is_empty() {
                    return Err(cursor.parse_error(
                        line_index,
                        "a block of NY values comes before the ppm axis gives NY",
                    ));
                }
                let ny = coord.ppm.len();
                match heading {
                    Heading::Data => coord.data = Some(cursor.numbers(ny, "phased data")?),
                    Heading::Fit => coord.fit = Some(cursor.numbers(ny, "fit")?),
                    Heading::Baseline => coord.baseline = Some(cursor.numbers(ny, "background")?),
                    Heading::Curve(name, concentration) => {
                        let values = cursor.numbers(ny, &format!("curve of {name}"))?;
                        coord.metabolite_curves.push(MetaboliteCurve {
                            name,
                            concentration,
                            values,
                        });
                    }
                    _ => {}
                }
            }
            Heading::Diagnostics(count) => coord.diagnostics = cursor.table_lines(count),
            Heading::InputChanges(count) => {
                coord.input_changes = cursor.table_lines(count);
                let joined = format!(" $INPUT\n{}\n $END\n", coord.input_changes.join("\n"));
                coord.input_namelist = parse_group(&joined, 0).ok().map(|(group, _)| group);
            }
        }
    }
    if !found_section {
        return Err(IoError::new(
            path,
            ErrorKind::WrongFormat {
                expected: format_name,
                detail: "no concentration table, misc. table or ppm axis heading".to_string(),
            },
        ));
    }
    Ok(coord)
}

fn read_concentrations(cursor: &mut Cursor<'_>, coord: &mut LcmCoord, count: usize) -> Result<()> {
    let mut lines_read = 0;
    while lines_read < count && cursor.index < cursor.lines.len() {
        let line_index = cursor.index;
        let line = cursor.lines[line_index];
        if heading_of(line).is_some() {
            break;
        }
        cursor.index += 1;
        lines_read += 1;
        let trimmed = line.trim();
        if trimmed.starts_with("Conc.") {
            coord.ratio_label = trimmed.split_whitespace().nth(2).map(str::to_string);
            continue;
        }
        if trimmed.is_empty() {
            continue;
        }
        let row = parse_row(line).ok_or_else(|| {
            cursor.parse_error(
                line_index,
                format!("concentration row does not read: {trimmed}"),
            )
        })?;
        coord.concentrations.push(row);
    }
    Ok(())
}

/// Reads `conc  sd%  ratio  name`, by blank-separated tokens or, where fields touch, by the
/// columns LCModel prints (9, 4 plus `%`, 8, then the name).
fn parse_row(line: &str) -> Option<ConcentrationRow> {
    let tokens: Vec<&str> = line.split_whitespace().collect();
    if tokens.len() >= 4 {
        if let Some(row) = row_from_fields(tokens[0], tokens[1], tokens[2], &tokens[3..].join(" "))
        {
            return Some(row);
        }
    }
    let line = line.trim_end();
    if line.len() < 24
        || !line.is_char_boundary(9)
        || !line.is_char_boundary(14)
        || !line.is_char_boundary(22)
    {
        return None;
    }
    row_from_fields(&line[..9], &line[9..14], &line[14..22], &line[22..])
}

fn row_from_fields(
    concentration: &str,
    sd: &str,
    ratio: &str,
    name: &str,
) -> Option<ConcentrationRow> {
    let sd = sd.trim().strip_suffix('%')?;
    let name = name.trim();
    if name.is_empty() {
        return None;
    }
    Some(ConcentrationRow {
        concentration: parse_fortran_real(concentration.trim())?,
        sd_percent: parse_fortran_real(sd.trim())?,
        ratio: parse_fortran_real(ratio.trim())?,
        metabolite: name.to_string(),
    })
}

/// The number that starts right after `label` (blanks skipped), e.g. `-0.019` in
/// `Data shift =-0.019 ppm`.
fn number_after(line: &str, label: &str) -> Option<Option<f64>> {
    let start = line.find(label)? + label.len();
    let rest = line[start..].trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, '.' | '+' | '-' | 'E' | 'e')))
        .unwrap_or(rest.len());
    Some(parse_fortran_real(&rest[..end]))
}

fn read_misc(lines: &[String], cursor: &Cursor<'_>, heading_index: usize) -> Result<MiscOutput> {
    let mut misc = MiscOutput {
        lines: lines.to_vec(),
        ..MiscOutput::default()
    };
    for (offset, line) in lines.iter().enumerate() {
        let line_index = heading_index + 1 + offset;
        let invalid = |what: &str| {
            cursor.parse_error(line_index, format!("{what} does not read: {}", line.trim()))
        };
        if let Some(value) = number_after(line, "FWHM =") {
            misc.fwhm_ppm = Some(value.ok_or_else(|| invalid("FWHM"))?);
        }
        if let Some(value) = number_after(line, "S/N =") {
            misc.snr = Some(value.ok_or_else(|| invalid("S/N"))?);
        }
        if let Some(value) = number_after(line, "Data shift =") {
            misc.data_shift_ppm = Some(value.ok_or_else(|| invalid("Data shift"))?);
        }
        if let Some(value) = number_after(line, "Ph:") {
            misc.phase0_deg = Some(value.ok_or_else(|| invalid("Ph"))?);
            if let Some(end) = line.find("deg/ppm") {
                let first_deg = line.find(" deg").map_or(end, |i| i + " deg".len());
                let between = line[first_deg.min(end)..end].trim();
                misc.phase1_deg_per_ppm =
                    Some(parse_fortran_real(between).ok_or_else(|| invalid("first-order phase"))?);
            }
        }
        if let Some(start) = line.find("alphaB,S =") {
            let values: Vec<&str> = line[start + "alphaB,S =".len()..]
                .split(',')
                .map(str::trim)
                .collect();
            if values.len() != 2 {
                return Err(invalid("alphaB,S"));
            }
            misc.alpha_baseline =
                Some(parse_fortran_real(values[0]).ok_or_else(|| invalid("alphaB"))?);
            misc.alpha_lineshape =
                Some(parse_fortran_real(values[1]).ok_or_else(|| invalid("alphaS"))?);
        }
        if line.contains("spline knots") {
            let knots = line
                .split_whitespace()
                .next()
                .and_then(|t| t.parse().ok())
                .ok_or_else(|| invalid("spline knots"))?;
            misc.spline_knots = Some(knots);
        }
    }
    Ok(misc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_with_touching_fields() {
        let row = parse_row(" 4.70E-04 178% 3.3E-03 Glycg").expect("row");
        assert_eq!(row.metabolite, "Glycg");
        assert!((row.sd_percent - 178.0).abs() < 1e-12);
        let fused = parse_row(" 4.70E-041178% 3.3E-03 Glycg").expect("fused row");
        assert!((fused.sd_percent - 1178.0).abs() < 1e-12);
        assert!((fused.concentration - 4.70e-4).abs() < 1e-18);
        assert!(parse_row(" 4.70E-04 178 3.3E-03 Glycg").is_none());
    }

    #[test]
    fn combination_components() {
        let row = ConcentrationRow {
            concentration: 0.0,
            sd_percent: 0.0,
            ratio: 0.0,
            metabolite: "GPC+PCh".to_string(),
        };
        assert_eq!(row.components(), vec!["GPC", "PCh"]);
        let minus = ConcentrationRow {
            metabolite: "-CrCH2".to_string(),
            ..row
        };
        assert_eq!(minus.components(), vec!["-CrCH2"]);
    }

    #[test]
    fn fused_phase_fields() {
        let path = Path::new("x.COORD");
        let cursor = Cursor {
            lines: Vec::new(),
            index: 0,
            path,
        };
        let lines = vec![
            "  Ph:-136 deg".to_string(),
            "  Data shift =-0.019 ppm".to_string(),
        ];
        let misc = read_misc(&lines, &cursor, 0).expect("misc");
        assert_eq!(misc.phase0_deg, Some(-136.0));
        assert_eq!(misc.phase1_deg_per_ppm, None);
        assert_eq!(misc.data_shift_ppm, Some(-0.019));
        let lines = vec!["  Ph:  15 deg      -2.1 deg/ppm".to_string()];
        let misc = read_misc(&lines, &cursor, 0).expect("misc");
        assert_eq!(misc.phase0_deg, Some(15.0));
        assert_eq!(misc.phase1_deg_per_ppm, Some(-2.1));
    }
}
