//! jMRUI text files (`.txt`): a `Key: value` header, then one block of sample lines per signal,
//! each opened by a `Signal 1 out of 2 in file` (or older `Signal number: 1 out of 2 in file`)
//! line.
//!
//! # Units and sign
//!
//! `SamplingInterval` is in ms and `TransmitterFrequency` in Hz (values below 1e5 are taken as
//! MHz, as spec2nii does). Sample lines contain the FID real and imaginary parts, optionally
//! followed by the spectrum's. Only the FID columns are read, and the writer writes only them.
//!
//! jMRUI text needs no conjugation, because its samples are already in the [`mrs_core`]
//! convention. In the 7 T cross-format test files, NAA lies at 2.0 ppm with the jMRUI samples
//! taken as stored, and they are the complex conjugate of the NIfTI-MRS (version 0.2 and later)
//! convention and of the LCModel `.RAW` export of the same FID. spec2nii 0.8.15 likewise
//! conjugates jMRUI text when it converts it to NIfTI-MRS.
//!
//! # Limitations
//!
//! - The format has no reference shift or echo time; they come from [`ReadOptions`] (the
//!   reference shift defaults to the nucleus default, 4.65 ppm for 1H).
//! - `ZeroOrderPhase` and `BeginTime` are kept in the header but not applied.
//! - Several signals in one file become one `DIM_USER_0` dimension: the file does not say
//!   whether they are averages, coils or a series, so `DIM_DYN` (averageable transients) would
//!   claim more than is known. spec2nii tags them the same way.

use crate::atomic::write_bytes_atomic;
use crate::error::{ErrorKind, IoError, Result};
use crate::limits::{check_available, check_count, check_finite, MAX_POINTS, MAX_TOTAL_SAMPLES};
use crate::ReadOptions;
use mrs_core::{Acquisition, DimTag, MrsData, Nucleus};
use ndarray::{Array2, ArrayD, Axis, IxDyn};
use num_complex::Complex64;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// First line of every jMRUI text file.
pub const TITLE: &str = "jMRUI Data Textfile";

/// Frequencies at or above this value are in Hz, below it in MHz.
const HZ_THRESHOLD: f64 = 1e5;

/// Shortest sample line, `0 0` and a line feed, used to bound a header's sample count by the
/// file length before allocating.
const MIN_BYTES_PER_SAMPLE: u64 = 4;

/// Nuclei of the numeric `TypeOfNucleus` codes, as spec2nii 0.8.15 (`jmrui.py`) maps them.
const NUCLEUS_CODES: [(i64, Nucleus); 5] = [
    (1, Nucleus::H1),
    (2, Nucleus::P31),
    (3, Nucleus::C13),
    (4, Nucleus::F19),
    (5, Nucleus::Na23),
];

/// Relative tolerance when identifying a nucleus from `TransmitterFrequency / MagneticField`;
/// the nearest two gyromagnetic ratios that matter here (1H, 19F) differ by 6 %.
const GAMMA_TOLERANCE: f64 = 0.02;

/// A parsed jMRUI text file.
#[derive(Debug, Clone, PartialEq)]
pub struct JmruiText {
    /// The file it was read from, used to label errors.
    pub path: PathBuf,
    /// Every `Key: value` header line in file order, values trimmed. The writer writes these,
    /// with `PointsInDataset` and `DatasetsInFile` taken from [`JmruiText::signals`].
    pub header: Vec<(String, String)>,
    /// `SamplingInterval` in ms.
    pub sampling_interval_ms: Option<f64>,
    /// `TransmitterFrequency` as stored (Hz, or MHz when below 1e5).
    pub transmitter_frequency: Option<f64>,
    /// `MagneticField` in tesla.
    pub magnetic_field_t: Option<f64>,
    /// FID samples as stored, shape `[PointsInDataset, DatasetsInFile]`.
    pub signals: Array2<Complex64>,
    /// Values used where the file lacks them, given when it was read.
    pub read_options: ReadOptions,
}

/// Returns `true` when the first non-blank line is `jMRUI Data Textfile`.
pub fn looks_like(bytes: &[u8]) -> bool {
    first_line(bytes).is_some_and(|line| line == TITLE)
}

fn first_line(bytes: &[u8]) -> Option<&str> {
    let head = &bytes[..bytes.len().min(256)];
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        // The cut may split a character; keep the valid prefix.
        Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
    };
    text.trim_start_matches('\u{feff}')
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty())
}

/// Reads a jMRUI text file.
///
/// # Errors
/// As [`parse`]; [`ErrorKind::Os`] when the file cannot be read.
pub fn read(path: &Path, options: &ReadOptions) -> Result<JmruiText> {
    let bytes = std::fs::read(path).map_err(|e| IoError::new(path, ErrorKind::Os(e)))?;
    parse(&bytes, path, options)
}

/// Parses a jMRUI text file from memory; `path` labels errors.
///
/// # Errors
/// [`ErrorKind::WrongFormat`] without the `jMRUI Data Textfile` title;
/// [`ErrorKind::MissingField`] without `PointsInDataset`; [`ErrorKind::TooLarge`] for
/// absurd counts; [`ErrorKind::Truncated`] or [`ErrorKind::WrongSize`] when a signal has too
/// few or too many lines or signals are missing; [`ErrorKind::Parse`] for a line that is not
/// two numbers; [`ErrorKind::NonFinite`].
pub fn parse(bytes: &[u8], path: &Path, options: &ReadOptions) -> Result<JmruiText> {
    let at = |kind: ErrorKind| IoError::new(path, kind);
    if !looks_like(bytes) {
        let found = first_line(bytes)
            .unwrap_or("")
            .chars()
            .take(60)
            .collect::<String>();
        return Err(at(ErrorKind::WrongFormat {
            expected: "jMRUI text",
            detail: format!("first line is {found:?}, expected {TITLE:?}"),
        }));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        at(ErrorKind::Parse {
            line: 0,
            detail: format!("not UTF-8 text: {e}"),
        })
    })?;

    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()));
    let mut header = Vec::new();
    let first_marker = loop {
        let Some((number, line)) = lines.next() else {
            return Err(at(ErrorKind::missing("Signal 1 out of N in file")));
        };
        if let Some(marker) = parse_marker(line) {
            break (number, marker);
        }
        if let Some((key, value)) = line.split_once(':') {
            let key = key.trim();
            if !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                header.push((key.to_string(), value.trim().to_string()));
            }
        }
    };

    let points = header_count(&header, "PointsInDataset", path)?
        .ok_or_else(|| at(ErrorKind::missing("PointsInDataset")))?;
    let points = check_count("PointsInDataset", points, MAX_POINTS).map_err(at)?;
    let (first_line_number, (first_index, marker_total)) = first_marker;
    let datasets = header_count(&header, "DatasetsInFile", path)?.unwrap_or(marker_total);
    let datasets = check_count("DatasetsInFile", datasets, MAX_TOTAL_SAMPLES).map_err(at)?;
    if datasets == 0 || points == 0 {
        return Err(at(ErrorKind::invalid(
            if points == 0 {
                "PointsInDataset"
            } else {
                "DatasetsInFile"
            },
            0,
            "must be at least 1",
        )));
    }
    let total = (points as u64).saturating_mul(datasets as u64);
    check_count("PointsInDataset x DatasetsInFile", total, MAX_TOTAL_SAMPLES).map_err(at)?;
    check_available("samples", total * MIN_BYTES_PER_SAMPLE, bytes.len() as u64).map_err(at)?;

    let mut reader = SignalReader {
        path,
        points,
        datasets,
        samples: Vec::with_capacity(total as usize),
        current: 0,
        in_current: 0,
    };
    reader.start_signal(first_line_number, first_index, marker_total)?;
    for (number, line) in lines {
        if line.is_empty() {
            continue;
        }
        match parse_marker(line) {
            Some((index, total_in_marker)) => {
                reader.start_signal(number, index, total_in_marker)?
            }
            None => reader.push_line(number, line)?,
        }
    }
    let samples = reader.finish()?;

    // Samples arrive signal by signal: shape [datasets, points] in row-major order.
    let signals = Array2::from_shape_vec((datasets, points), samples)
        .map_err(|e| {
            at(ErrorKind::Container {
                context: "sample array",
                source: Box::new(e),
            })
        })?
        .reversed_axes();
    Ok(JmruiText {
        path: path.to_path_buf(),
        sampling_interval_ms: header_number(&header, "SamplingInterval", path)?,
        transmitter_frequency: header_number(&header, "TransmitterFrequency", path)?,
        magnetic_field_t: header_number(&header, "MagneticField", path)?,
        header,
        signals,
        read_options: options.clone(),
    })
}

/// Parses `Signal 2 out of 16 in file` or `Signal number: 2 out of 16 in file`.
fn parse_marker(line: &str) -> Option<(u64, u64)> {
    let rest = line.strip_prefix("Signal ")?;
    let rest = rest.strip_prefix("number:").unwrap_or(rest).trim_start();
    let (index, rest) = rest.split_once(" out of ")?;
    let total = rest.strip_suffix(" in file")?;
    Some((index.trim().parse().ok()?, total.trim().parse().ok()?))
}

/// Collects sample lines and checks each signal's length and order.
struct SignalReader<'a> {
    path: &'a Path,
    points: usize,
    datasets: usize,
    samples: Vec<Complex64>,
    current: usize,
    in_current: usize,
}

impl SignalReader<'_> {
    fn error(&self, kind: ErrorKind) -> IoError {
        IoError::new(self.path, kind)
    }

    fn start_signal(&mut self, line: usize, index: u64, total: u64) -> Result<()> {
        if self.current > 0 {
            self.check_complete()?;
        }
        let expected = self.current + 1;
        if index != expected as u64 || total != self.datasets as u64 {
            return Err(self.error(ErrorKind::Parse {
                line,
                detail: format!(
                    "signal marker says {index} out of {total}, expected {expected} out of {} \
                     (DatasetsInFile)",
                    self.datasets
                ),
            }));
        }
        self.current = expected;
        self.in_current = 0;
        Ok(())
    }

    fn push_line(&mut self, line: usize, text: &str) -> Result<()> {
        if self.in_current == self.points {
            return Err(self.error(ErrorKind::WrongSize {
                field: format!("Signal {} (line {line})", self.current),
                expected: self.points as u64,
                found: self.points as u64 + 1,
            }));
        }
        let mut columns = text.split_whitespace();
        let mut next_number = |part: &str| -> Result<f64> {
            let token = columns.next().ok_or_else(|| {
                self.error(ErrorKind::Parse {
                    line,
                    detail: format!("expected real and imaginary parts, missing the {part}"),
                })
            })?;
            token.parse::<f64>().map_err(|_| {
                self.error(ErrorKind::Parse {
                    line,
                    detail: format!("{part} part {token:?} is not a number"),
                })
            })
        };
        let re = next_number("real")?;
        let im = next_number("imaginary")?;
        self.samples.push(Complex64::new(re, im));
        self.in_current += 1;
        Ok(())
    }

    fn check_complete(&self) -> Result<()> {
        if self.in_current < self.points {
            return Err(self.error(ErrorKind::Truncated {
                field: format!("Signal {} (points)", self.current),
                expected: self.points as u64,
                found: self.in_current as u64,
            }));
        }
        Ok(())
    }

    fn finish(self) -> Result<Vec<Complex64>> {
        self.check_complete()?;
        if self.current < self.datasets {
            return Err(self.error(ErrorKind::Truncated {
                field: "signals (DatasetsInFile)".to_string(),
                expected: self.datasets as u64,
                found: self.current as u64,
            }));
        }
        if let Err(kind) = check_finite("samples", &self.samples) {
            return Err(self.error(kind));
        }
        Ok(self.samples)
    }
}

fn header_value<'a>(header: &'a [(String, String)], key: &str) -> Option<&'a str> {
    header
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

fn header_number(header: &[(String, String)], key: &str, path: &Path) -> Result<Option<f64>> {
    let Some(value) = header_value(header, key) else {
        return Ok(None);
    };
    match value.parse::<f64>() {
        Ok(number) if number.is_finite() => Ok(Some(number)),
        _ => Err(IoError::new(
            path,
            ErrorKind::invalid(key, value, "must be a finite number"),
        )),
    }
}

/// Reads a count written as an integer or an integral float (`4096` or `4.096E3`).
fn header_count(header: &[(String, String)], key: &str, path: &Path) -> Result<Option<u64>> {
    let Some(number) = header_number(header, key, path)? else {
        return Ok(None);
    };
    if number < 0.0 || number.fract() != 0.0 {
        return Err(IoError::new(
            path,
            ErrorKind::invalid(key, number, "must be a whole number"),
        ));
    }
    // Values beyond u64 saturate and are then rejected by the limit check.
    Ok(Some(number as u64))
}

impl JmruiText {
    fn error(&self, kind: ErrorKind) -> IoError {
        IoError::new(&self.path, kind)
    }

    /// Returns a header value by key, `None` when absent or empty.
    pub fn header_value(&self, key: &str) -> Option<&str> {
        header_value(&self.header, key)
    }

    /// Number of points per signal.
    pub fn n_points(&self) -> usize {
        self.signals.nrows()
    }

    /// Number of signals.
    pub fn n_signals(&self) -> usize {
        self.signals.ncols()
    }

    /// Spectrometer frequency in MHz from `TransmitterFrequency`, else [`ReadOptions`].
    ///
    /// # Errors
    /// [`ErrorKind::MissingField`] when neither has it.
    pub fn spectrometer_frequency_mhz(&self) -> Result<f64> {
        match self.transmitter_frequency {
            Some(value) if value >= HZ_THRESHOLD => Ok(value / 1e6),
            Some(value) => Ok(value),
            None => self.read_options.spectrometer_frequency_mhz.ok_or_else(|| {
                self.error(ErrorKind::MissingField {
                    field: "TransmitterFrequency".to_string(),
                    hint: Some("set ReadOptions::spectrometer_frequency_mhz".to_string()),
                })
            }),
        }
    }

    /// Nucleus from `NucleusName`, a numeric `TypeOfNucleus`, [`ReadOptions::nucleus`], or the
    /// ratio of `TransmitterFrequency` to `MagneticField`; 1H when none decides.
    pub fn nucleus(&self) -> Nucleus {
        if let Some(nucleus) = self
            .header_value("NucleusName")
            .and_then(|name| Nucleus::from_str(name).ok())
        {
            return nucleus;
        }
        // Codes are written as integers or integral floats (`1` or `1.0E0`).
        let code = self
            .header_value("TypeOfNucleus")
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|c| c.fract() == 0.0)
            .map(|c| c as i64);
        if let Some((_, nucleus)) = NUCLEUS_CODES.iter().find(|(c, _)| Some(*c) == code) {
            return *nucleus;
        }
        if let Some(nucleus) = self.read_options.nucleus {
            return nucleus;
        }
        if let (Ok(mhz), Some(tesla)) = (self.spectrometer_frequency_mhz(), self.magnetic_field_t) {
            let ratio = mhz / tesla;
            let candidates = [
                Nucleus::H1,
                Nucleus::H2,
                Nucleus::C13,
                Nucleus::F19,
                Nucleus::Na23,
                Nucleus::P31,
            ];
            if let Some(nucleus) = candidates
                .into_iter()
                .find(|n| (ratio / n.gamma_mhz_per_t() - 1.0).abs() < GAMMA_TOLERANCE)
            {
                return nucleus;
            }
        }
        tracing::warn!(path = %self.path.display(), "nucleus not identified; assuming 1H");
        Nucleus::H1
    }

    /// Acquisition parameters; the reference shift and echo time come from [`ReadOptions`].
    ///
    /// # Errors
    /// [`ErrorKind::MissingField`] without a sampling interval or frequency;
    /// [`ErrorKind::Core`] for values out of physical range.
    pub fn acquisition(&self) -> Result<Acquisition> {
        let dwell_time_s = match self.sampling_interval_ms {
            Some(ms) => ms * 1e-3,
            None => self.read_options.dwell_time_s.ok_or_else(|| {
                self.error(ErrorKind::MissingField {
                    field: "SamplingInterval".to_string(),
                    hint: Some("set ReadOptions::dwell_time_s".to_string()),
                })
            })?,
        };
        let nucleus = self.nucleus();
        let acquisition = Acquisition {
            dwell_time_s,
            spectrometer_frequency_mhz: self.spectrometer_frequency_mhz()?,
            nucleus,
            reference_shift_ppm: self
                .read_options
                .reference_shift_ppm
                .unwrap_or_else(|| nucleus.default_reference_shift_ppm()),
            echo_time_s: self.read_options.echo_time_s,
            repetition_time_s: None,
        };
        acquisition
            .validate()
            .map_err(|e| self.error(ErrorKind::Core(e)))?;
        Ok(acquisition)
    }

    /// Converts into [`MrsData`]: one FID, or a `DIM_USER_0` dimension for several signals.
    ///
    /// # Errors
    /// As [`JmruiText::acquisition`].
    pub fn to_mrs_data(&self) -> Result<MrsData> {
        let acquisition = self.acquisition()?;
        let (samples, dims) = if self.n_signals() == 1 {
            let fid = self.signals.column(0).to_vec();
            (ArrayD::from_shape_vec(IxDyn(&[fid.len()]), fid), Vec::new())
        } else {
            let shape = [self.n_points(), self.n_signals()];
            let values = self.signals.iter().copied().collect();
            (
                ArrayD::from_shape_vec(IxDyn(&shape), values),
                vec![DimTag::User0],
            )
        };
        let samples = samples.map_err(|e| {
            self.error(ErrorKind::Container {
                context: "sample array",
                source: Box::new(e),
            })
        })?;
        MrsData::new(samples, dims, acquisition).map_err(|e| self.error(ErrorKind::Core(e)))
    }

    /// Builds a file from [`MrsData`]. Every FID becomes one signal, the non-time dimensions
    /// flattened with the last one varying fastest (their tags are not stored). `file_name`
    /// fills the `Filename` key.
    pub fn from_mrs_data(data: &MrsData, file_name: &str) -> JmruiText {
        let acquisition = data.acquisition();
        let n_points = data.n_points();
        let n_signals = data.n_fids();
        let mut signals = Array2::zeros((n_points, n_signals));
        for (mut column, lane) in signals
            .columns_mut()
            .into_iter()
            .zip(data.samples().lanes(Axis(0)))
        {
            column.assign(&lane);
        }

        let nucleus = acquisition.nucleus;
        let sampling_interval_ms = acquisition.dwell_time_s * 1e3;
        let transmitter_frequency_hz = acquisition.spectrometer_frequency_mhz * 1e6;
        let magnetic_field_t = acquisition.spectrometer_frequency_mhz / nucleus.gamma_mhz_per_t();
        let mut header = vec![
            ("Filename".to_string(), file_name.to_string()),
            ("PointsInDataset".to_string(), n_points.to_string()),
            ("DatasetsInFile".to_string(), n_signals.to_string()),
            (
                "SamplingInterval".to_string(),
                format!("{sampling_interval_ms:e}"),
            ),
            ("ZeroOrderPhase".to_string(), "0".to_string()),
            ("BeginTime".to_string(), "0".to_string()),
            (
                "TransmitterFrequency".to_string(),
                format!("{transmitter_frequency_hz:e}"),
            ),
            ("MagneticField".to_string(), format!("{magnetic_field_t:e}")),
        ];
        if let Some((code, _)) = NUCLEUS_CODES.iter().find(|(_, n)| *n == nucleus) {
            header.push(("TypeOfNucleus".to_string(), code.to_string()));
        }
        header.push(("NucleusName".to_string(), nucleus.as_str().to_string()));

        JmruiText {
            path: PathBuf::from(file_name),
            header,
            sampling_interval_ms: Some(sampling_interval_ms),
            transmitter_frequency: Some(transmitter_frequency_hz),
            magnetic_field_t: Some(magnetic_field_t),
            signals,
            read_options: ReadOptions::default(),
        }
    }

    /// Serialises the file: title, header, then each signal as `real<TAB>imaginary` lines in
    /// Rust's shortest round-trip notation, so reading it back gives the same `f64` values.
    pub fn to_text(&self) -> String {
        let mut text = format!("{TITLE}\n\n");
        for (key, value) in &self.header {
            let value = match key.as_str() {
                "PointsInDataset" => self.n_points().to_string(),
                "DatasetsInFile" => self.n_signals().to_string(),
                _ => value.clone(),
            };
            // `fmt::Write` for `String` never returns an error.
            let _ = writeln!(text, "{key}:\t{value}");
        }
        text.push_str("\n\nSignal\nsig(real)\tsig(imag)\n");
        for (index, signal) in self.signals.columns().into_iter().enumerate() {
            let _ = writeln!(
                text,
                "Signal {} out of {} in file",
                index + 1,
                self.n_signals()
            );
            for value in signal {
                let _ = writeln!(text, "{:e}\t{:e}", value.re, value.im);
            }
        }
        text
    }

    /// Writes the file atomically.
    ///
    /// # Errors
    /// [`ErrorKind::Os`] when the file cannot be written.
    pub fn write(&self, path: &Path) -> Result<()> {
        write_bytes_atomic(path, self.to_text().as_bytes())
    }
}

/// Writes `data` as jMRUI text (see [`JmruiText::from_mrs_data`]).
///
/// # Errors
/// [`ErrorKind::Os`] when the file cannot be written.
pub fn write(path: &Path, data: &MrsData) -> Result<()> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    JmruiText::from_mrs_data(data, &file_name).write(path)
}
