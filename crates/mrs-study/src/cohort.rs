//! Cohort input: a folder of patient spectra described by `cohort.csv`, with optional
//! acquisition values in `cohort.toml`.
//!
//! `cohort.csv` starts with the header `patient_id,file,group,role,water_file` and has one
//! row of five comma-separated fields per patient. Blank lines and lines starting with `#`
//! are skipped, and fields are trimmed. Quoting is not supported, so a field cannot contain a
//! comma or a double quote.
//!
//! | column | values |
//! |---|---|
//! | `patient_id` | unique, non-empty |
//! | `file` | spectrum file relative to the folder, in any format `mrs_io::read_any` reads, including the phased spectrum of an LCModel `.COORD` |
//! | `group` | `HBV-LC`, `HBV-LC-HCC`, or empty when unknown |
//! | `role` | `prior` (fitted to derive the group priors) or `test` (quantified and classified) |
//! | `water_file` | unsuppressed water reference relative to the folder, or empty |
//!
//! `cohort.toml` may set `spectrometer_frequency_mhz`, `dwell_time_s`, `echo_time_ms` and
//! `reference_shift_ppm`. The first three are used only for files that lack them, such as the
//! dwell time of an LCModel `.RAW`. The reference shift overrides the files' value, as
//! [`mrs_io::ReadOptions`] defines.

use crate::error::{Result, StudyError};
use mrs_core::Fid;
use mrs_fit::PpmSpectrum;
use mrs_io::{read_any, Contents, ReadOptions};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// Name of the patient table in a cohort folder.
pub const COHORT_CSV: &str = "cohort.csv";
/// Name of the optional acquisition settings in a cohort folder.
pub const COHORT_TOML: &str = "cohort.toml";
/// The header `cohort.csv` must start with.
pub const COHORT_HEADER: &str = "patient_id,file,group,role,water_file";
/// Minimum number of prior patients per group, because [`mrs_synth::derive_group`] needs two
/// for an SD.
pub const MIN_PRIOR_PATIENTS: usize = 2;

/// Diagnostic group of a patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Group {
    /// Hepatitis-B liver cirrhosis without hepatocellular carcinoma (`HBV-LC`).
    #[serde(rename = "HBV-LC")]
    HbvLc,
    /// Hepatitis-B liver cirrhosis with hepatocellular carcinoma (`HBV-LC-HCC`), the positive
    /// class of the classification.
    #[serde(rename = "HBV-LC-HCC")]
    HbvLcHcc,
}

impl Group {
    /// Both groups, negative class first.
    pub const ALL: [Group; 2] = [Group::HbvLc, Group::HbvLcHcc];

    /// Name as written in cohort files and priors.
    pub fn name(self) -> &'static str {
        match self {
            Group::HbvLc => "HBV-LC",
            Group::HbvLcHcc => "HBV-LC-HCC",
        }
    }

    /// Parses a group name; `None` for any other text.
    pub fn from_name(name: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.name() == name)
    }

    /// Returns whether this is the positive class (HCC present).
    pub fn is_positive(self) -> bool {
        self == Group::HbvLcHcc
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Use of a patient in the study.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Fitted to derive the prior of its group.
    Prior,
    /// Quantified and classified.
    Test,
}

impl Role {
    /// Name as written in `cohort.csv`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Prior => "prior",
            Role::Test => "test",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One row of the cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Patient {
    /// Unique identifier.
    pub id: String,
    /// Spectrum file, resolved against the cohort folder.
    pub file: PathBuf,
    /// Diagnostic group, `None` when unknown.
    pub group: Option<Group>,
    /// Prior or test patient.
    pub role: Role,
    /// Unsuppressed water reference, resolved against the cohort folder.
    pub water_file: Option<PathBuf>,
    /// Line of `cohort.csv` the patient came from; 0 for patients added by
    /// [`Cohort::push_unlabelled`].
    pub line: usize,
}

/// Acquisition values from `cohort.toml` for files that lack them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CohortConfig {
    /// Spectrometer frequency in MHz.
    pub spectrometer_frequency_mhz: Option<f64>,
    /// Dwell time in seconds.
    pub dwell_time_s: Option<f64>,
    /// Echo time in ms (files and this table state it in ms; it is converted to seconds).
    pub echo_time_ms: Option<f64>,
    /// Reference shift at the receiver frequency in ppm; overrides the files' value.
    pub reference_shift_ppm: Option<f64>,
}

impl CohortConfig {
    /// Parses and checks `cohort.toml` text; `path` labels errors.
    ///
    /// # Errors
    /// [`StudyError::CohortField`] for invalid TOML, an unknown key, or a value that is not
    /// finite and positive (the reference shift only needs to be finite).
    pub fn from_toml_str(text: &str, path: &Path) -> Result<CohortConfig> {
        let config: CohortConfig = toml::from_str(text).map_err(|e| StudyError::CohortField {
            path: path.to_path_buf(),
            line: 0,
            field: "cohort.toml",
            value: String::new(),
            reason: e.message().to_string(),
        })?;
        let positive = [
            (
                "spectrometer_frequency_mhz",
                config.spectrometer_frequency_mhz,
            ),
            ("dwell_time_s", config.dwell_time_s),
            ("echo_time_ms", config.echo_time_ms),
        ];
        for (field, value) in positive {
            if let Some(value) = value.filter(|v| !(v.is_finite() && *v > 0.0)) {
                return Err(StudyError::CohortField {
                    path: path.to_path_buf(),
                    line: 0,
                    field,
                    value: value.to_string(),
                    reason: "must be finite and positive".to_string(),
                });
            }
        }
        if let Some(value) = config.reference_shift_ppm.filter(|v| !v.is_finite()) {
            return Err(StudyError::CohortField {
                path: path.to_path_buf(),
                line: 0,
                field: "reference_shift_ppm",
                value: value.to_string(),
                reason: "must be finite".to_string(),
            });
        }
        Ok(config)
    }

    /// Converts the values into reader options.
    pub fn read_options(&self) -> ReadOptions {
        ReadOptions {
            spectrometer_frequency_mhz: self.spectrometer_frequency_mhz,
            dwell_time_s: self.dwell_time_s,
            echo_time_s: self.echo_time_ms.map(|ms| ms / 1000.0),
            reference_shift_ppm: self.reference_shift_ppm,
            nucleus: None,
        }
    }
}

/// A patient's spectrum as read from its file.
#[derive(Debug, Clone)]
pub enum PatientSignal {
    /// A time-domain signal (every format except LCModel `.COORD`).
    Fid(Fid),
    /// A phased real spectrum on a ppm axis (LCModel `.COORD`).
    Ppm(PpmSpectrum),
}

/// A patient's data, ready to fit.
#[derive(Debug, Clone)]
pub struct PatientData {
    /// The water-suppressed spectrum.
    pub signal: PatientSignal,
    /// The unsuppressed water reference, when the cohort names one.
    pub water: Option<Fid>,
}

/// The patients of a study and the settings to read their files.
#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    /// The cohort folder.
    pub folder: PathBuf,
    /// Values from `cohort.toml` (all `None` without the file).
    pub config: CohortConfig,
    /// Patients in file order, then those added by [`Cohort::push_unlabelled`].
    pub patients: Vec<Patient>,
}

impl Cohort {
    /// Loads `cohort.csv` and the optional `cohort.toml` of `folder`, and checks that every
    /// file exists, that identifiers are unique and that each group has at least
    /// [`MIN_PRIOR_PATIENTS`] prior patients.
    ///
    /// # Errors
    /// [`StudyError::Io`] when a cohort file cannot be read; the errors of
    /// [`CohortConfig::from_toml_str`] and [`Cohort::from_csv_str`].
    pub fn load(folder: &Path) -> Result<Cohort> {
        let toml_path = folder.join(COHORT_TOML);
        let config = if toml_path.exists() {
            CohortConfig::from_toml_str(&read_text(&toml_path)?, &toml_path)?
        } else {
            CohortConfig::default()
        };
        let csv_path = folder.join(COHORT_CSV);
        Cohort::from_csv_str(&read_text(&csv_path)?, folder, &csv_path, config)
    }

    /// Parses the text of `cohort.csv` (labelled `csv_path` in errors) and resolves files
    /// against `folder`.
    ///
    /// # Errors
    /// [`StudyError::CohortHeader`] for a wrong header; [`StudyError::CohortField`] for a row
    /// without five fields, an empty or quoted field, an unknown group or role;
    /// [`StudyError::DuplicatePatient`]; [`StudyError::MissingFile`];
    /// [`StudyError::PriorWithoutGroup`]; [`StudyError::TooFewPriorPatients`].
    pub fn from_csv_str(
        text: &str,
        folder: &Path,
        csv_path: &Path,
        config: CohortConfig,
    ) -> Result<Cohort> {
        let mut rows = text
            .lines()
            .enumerate()
            .map(|(i, line)| (i + 1, line.trim()))
            .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'));
        let Some((header_line, header)) = rows.next() else {
            return Err(StudyError::CohortHeader {
                path: csv_path.to_path_buf(),
                line: 1,
                found: String::new(),
                expected: COHORT_HEADER,
            });
        };
        let found: Vec<&str> = header.split(',').map(str::trim).collect();
        if found.join(",") != COHORT_HEADER {
            return Err(StudyError::CohortHeader {
                path: csv_path.to_path_buf(),
                line: header_line,
                found: header.to_string(),
                expected: COHORT_HEADER,
            });
        }
        let mut cohort = Cohort {
            folder: folder.to_path_buf(),
            config,
            patients: Vec::new(),
        };
        let mut first_lines: HashMap<String, usize> = HashMap::new();
        for (line, row) in rows {
            let patient = parse_row(row, line, folder, csv_path)?;
            if let Some(&first_line) = first_lines.get(&patient.id) {
                return Err(StudyError::DuplicatePatient {
                    path: csv_path.to_path_buf(),
                    line,
                    id: patient.id,
                    first_line,
                });
            }
            first_lines.insert(patient.id.clone(), line);
            cohort.patients.push(patient);
        }
        for group in Group::ALL {
            let found = cohort.prior_patients(group).count();
            if found < MIN_PRIOR_PATIENTS {
                return Err(StudyError::TooFewPriorPatients {
                    path: csv_path.to_path_buf(),
                    group: group.name(),
                    found,
                    needed: MIN_PRIOR_PATIENTS,
                });
            }
        }
        Ok(cohort)
    }

    /// Adds a test patient of unknown group whose spectrum is `file` (absolute, or relative
    /// to the working directory), such as a real spectrum processed alongside a virtual
    /// cohort.
    ///
    /// # Errors
    /// [`StudyError::DuplicatePatient`] when `id` is taken, [`StudyError::CohortField`] for
    /// an empty `id`, and [`StudyError::MissingFile`] when `file` does not exist.
    pub fn push_unlabelled(&mut self, id: &str, file: &Path) -> Result<()> {
        let csv_path = self.folder.join(COHORT_CSV);
        let id = id.trim();
        if id.is_empty() {
            return Err(StudyError::CohortField {
                path: csv_path,
                line: 0,
                field: "patient_id",
                value: String::new(),
                reason: "must not be empty".to_string(),
            });
        }
        if let Some(existing) = self.patients.iter().find(|p| p.id == id) {
            return Err(StudyError::DuplicatePatient {
                path: csv_path,
                line: 0,
                id: id.to_string(),
                first_line: existing.line,
            });
        }
        if !file.is_file() {
            return Err(StudyError::MissingFile {
                path: csv_path,
                line: 0,
                field: "file",
                id: id.to_string(),
                file: file.to_path_buf(),
            });
        }
        self.patients.push(Patient {
            id: id.to_string(),
            file: file.to_path_buf(),
            group: None,
            role: Role::Test,
            water_file: None,
            line: 0,
        });
        Ok(())
    }

    /// Prior patients of `group`, in cohort order.
    pub fn prior_patients(&self, group: Group) -> impl Iterator<Item = &Patient> + '_ {
        self.patients
            .iter()
            .filter(move |p| p.role == Role::Prior && p.group == Some(group))
    }

    /// Test patients, in cohort order.
    pub fn test_patients(&self) -> impl Iterator<Item = &Patient> + '_ {
        self.patients.iter().filter(|p| p.role == Role::Test)
    }

    /// Finds the patient with identifier `id`.
    pub fn patient(&self, id: &str) -> Option<&Patient> {
        self.patients.iter().find(|p| p.id == id)
    }

    /// Reader options built from `cohort.toml`.
    pub fn read_options(&self) -> ReadOptions {
        self.config.read_options()
    }

    /// Reads a patient's spectrum and water reference.
    ///
    /// # Errors
    /// The reader's [`StudyError::Io`]; [`StudyError::UnsupportedFile`] for a basis set, a
    /// file with more than one FID, a `.COORD` without phased data or spectrometer frequency,
    /// or a water reference that is not a time-domain signal.
    pub fn read_patient(&self, patient: &Patient) -> Result<PatientData> {
        let options = self.read_options();
        let signal = match read_any(&patient.file, &options)?.contents {
            Contents::Signal(data) => PatientSignal::Fid(single_fid(&data, &patient.file)?),
            Contents::Coord(coord) => {
                let mhz = coord
                    .spectrometer_frequency_mhz()
                    .or(self.config.spectrometer_frequency_mhz)
                    .ok_or_else(|| StudyError::UnsupportedFile {
                        path: patient.file.clone(),
                        reason:
                            "COORD file lacks HZPPPM; set spectrometer_frequency_mhz in cohort.toml"
                                .to_string(),
                    })?;
                let data = coord
                    .data
                    .as_deref()
                    .ok_or_else(|| StudyError::UnsupportedFile {
                        path: patient.file.clone(),
                        reason: "COORD file contains no phased data points".to_string(),
                    })?;
                PatientSignal::Ppm(PpmSpectrum::from_real(coord.ppm.clone(), data, mhz))
            }
            Contents::Basis(_) => {
                return Err(StudyError::UnsupportedFile {
                    path: patient.file.clone(),
                    reason: "contains a basis set, expected a patient spectrum".to_string(),
                })
            }
            _ => {
                return Err(StudyError::UnsupportedFile {
                    path: patient.file.clone(),
                    reason: "contents of this format are not a patient spectrum".to_string(),
                })
            }
        };
        let water = match &patient.water_file {
            None => None,
            Some(path) => match read_any(path, &options)?.contents {
                Contents::Signal(data) => Some(single_fid(&data, path)?),
                _ => {
                    return Err(StudyError::UnsupportedFile {
                        path: path.clone(),
                        reason: "water reference must be a time-domain signal".to_string(),
                    })
                }
            },
        };
        Ok(PatientData { signal, water })
    }
}

fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| mrs_io::IoError::new(path, mrs_io::ErrorKind::Os(e)).into())
}

fn single_fid(data: &mrs_core::MrsData, path: &Path) -> Result<Fid> {
    data.to_fid().map_err(|e| StudyError::UnsupportedFile {
        path: path.to_path_buf(),
        reason: format!("expected one FID ({e}); average or select one first"),
    })
}

/// Parses one data row of `cohort.csv`.
fn parse_row(row: &str, line: usize, folder: &Path, csv_path: &Path) -> Result<Patient> {
    let field_error = |field: &'static str, value: &str, reason: &str| StudyError::CohortField {
        path: csv_path.to_path_buf(),
        line,
        field,
        value: value.to_string(),
        reason: reason.to_string(),
    };

    if row.contains('"') {
        return Err(field_error(
            "row",
            row,
            "quoted fields are not supported; remove the double quotes",
        ));
    }

    let fields: Vec<&str> = row.split(',').map(str::trim).collect();
    let [id, file, group, role, water_file] = fields[..] else {
        return Err(field_error(
            "row",
            row,
            &format!("has {} fields, expected 5 ({COHORT_HEADER})", fields.len()),
        ));
    };
    if id.is_empty() {
        return Err(field_error("patient_id", id, "must not be empty"));
    }
    if file.is_empty() {
        return Err(field_error("file", file, "must not be empty"));
    }

    let group =
        match group {
            "" => None,
            name => Some(Group::from_name(name).ok_or_else(|| {
                field_error("group", name, "expected HBV-LC, HBV-LC-HCC or empty")
            })?),
        };
    let role = match role {
        "prior" => Role::Prior,
        "test" => Role::Test,
        other => return Err(field_error("role", other, "expected prior or test")),
    };

    if role == Role::Prior && group.is_none() {
        return Err(StudyError::PriorWithoutGroup {
            path: csv_path.to_path_buf(),
            line,
            id: id.to_string(),
        });
    }

    let resolve = |field: &'static str, name: &str| -> Result<PathBuf> {
        let path = folder.join(name);
        if path.is_file() {
            Ok(path)
        } else {
            Err(StudyError::MissingFile {
                path: csv_path.to_path_buf(),
                line,
                field,
                id: id.to_string(),
                file: path,
            })
        }
    };
    let file = resolve("file", file)?;
    let water_file = match water_file {
        "" => None,
        name => Some(resolve("water_file", name)?),
    };
    Ok(Patient {
        id: id.to_string(),
        file,
        group,
        role,
        water_file,
        line,
    })
}
