//! Cohort loading: valid tables, and one typed error per kind of invalid input.

use crate::support::liver_coord;
use mrs_study::cohort::{
    Cohort, CohortConfig, Group, PatientSignal, Role, COHORT_CSV, COHORT_HEADER, COHORT_TOML,
};
use mrs_study::StudyError;
use std::path::Path;

/// Creates a folder with empty stand-in files `a.RAW` ... `f.RAW` and `w.H2O`: the loader checks
/// only that files exist.
fn folder_with_files() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in [
        "a.RAW", "b.RAW", "c.RAW", "d.RAW", "e.RAW", "f.RAW", "w.H2O",
    ] {
        std::fs::write(dir.path().join(name), b"").expect("write stand-in file");
    }
    dir
}

const VALID_ROWS: &str = "a1,a.RAW,HBV-LC,prior,w.H2O\n\
a2,b.RAW,HBV-LC,prior,\n\
c1,c.RAW,HBV-LC-HCC,prior,\n\
c2,d.RAW,HBV-LC-HCC,prior,\n\
t1,e.RAW,,test,\n";

fn parse(folder: &Path, rows: &str) -> Result<Cohort, StudyError> {
    let text = format!("{COHORT_HEADER}\n{rows}");
    Cohort::from_csv_str(
        &text,
        folder,
        &folder.join(COHORT_CSV),
        CohortConfig::default(),
    )
}

#[test]
fn valid_cohort_loads() {
    let dir = folder_with_files();
    let text = format!("# comment line\n{COHORT_HEADER}\n\n{VALID_ROWS}");
    std::fs::write(dir.path().join(COHORT_CSV), text).expect("write csv");
    std::fs::write(
        dir.path().join(COHORT_TOML),
        "dwell_time_s = 0.0005\nspectrometer_frequency_mhz = 123.2\necho_time_ms = 30\n",
    )
    .expect("write toml");
    let cohort = Cohort::load(dir.path()).expect("valid cohort");
    assert_eq!(cohort.patients.len(), 5);
    assert_eq!(cohort.prior_patients(Group::HbvLc).count(), 2);
    assert_eq!(cohort.prior_patients(Group::HbvLcHcc).count(), 2);
    assert_eq!(cohort.test_patients().count(), 1);
    let first = cohort.patient("a1").expect("a1");
    // The comment and the blank line count: a1 is on line 4.
    assert_eq!(first.line, 4);
    assert_eq!(first.water_file, Some(dir.path().join("w.H2O")));
    let test = cohort.patient("t1").expect("t1");
    assert_eq!(test.group, None);
    assert_eq!(test.role, Role::Test);
    let options = cohort.read_options();
    assert_eq!(options.dwell_time_s, Some(0.0005));
    assert_eq!(options.spectrometer_frequency_mhz, Some(123.2));
    let echo_time_s = options.echo_time_s.expect("echo time");
    assert!((echo_time_s - 0.030).abs() < 1e-15);
}

#[test]
fn wrong_header_rejected() {
    let dir = folder_with_files();
    let error = Cohort::from_csv_str(
        "id,file,group,role\n",
        dir.path(),
        &dir.path().join(COHORT_CSV),
        CohortConfig::default(),
    )
    .expect_err("wrong header");
    assert!(
        matches!(error, StudyError::CohortHeader { line: 1, .. }),
        "{error}"
    );
}

#[test]
fn unknown_group_rejected() {
    let dir = folder_with_files();
    let rows = VALID_ROWS.replace("t1,e.RAW,,test,", "t1,e.RAW,HCC,test,");
    let error = parse(dir.path(), &rows).expect_err("unknown group");
    match error {
        StudyError::CohortField {
            line, field, value, ..
        } => {
            assert_eq!(line, 6);
            assert_eq!(field, "group");
            assert_eq!(value, "HCC");
        }
        other => panic!("unexpected error {other}"),
    }
}

#[test]
fn unknown_role_rejected() {
    let dir = folder_with_files();
    let rows = VALID_ROWS.replace("t1,e.RAW,,test,", "t1,e.RAW,,training,");
    let error = parse(dir.path(), &rows).expect_err("unknown role");
    assert!(
        matches!(
            error,
            StudyError::CohortField {
                field: "role",
                line: 6,
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn duplicate_id_rejected() {
    let dir = folder_with_files();
    let rows = format!("{VALID_ROWS}a2,f.RAW,,test,\n");
    let error = parse(dir.path(), &rows).expect_err("duplicate id");
    match error {
        StudyError::DuplicatePatient {
            line,
            id,
            first_line,
            ..
        } => {
            assert_eq!(id, "a2");
            assert_eq!(line, 7);
            assert_eq!(first_line, 3);
        }
        other => panic!("unexpected error {other}"),
    }
}

#[test]
fn missing_file_rejected() {
    let dir = folder_with_files();
    let rows = VALID_ROWS.replace("e.RAW", "absent.RAW");
    let error = parse(dir.path(), &rows).expect_err("missing file");
    match error {
        StudyError::MissingFile {
            field, id, file, ..
        } => {
            assert_eq!(field, "file");
            assert_eq!(id, "t1");
            assert_eq!(file, dir.path().join("absent.RAW"));
        }
        other => panic!("unexpected error {other}"),
    }
}

#[test]
fn missing_water_file_rejected() {
    let dir = folder_with_files();
    let rows = VALID_ROWS.replace("w.H2O", "absent.H2O");
    let error = parse(dir.path(), &rows).expect_err("missing water file");
    assert!(
        matches!(
            error,
            StudyError::MissingFile {
                field: "water_file",
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn prior_without_group_rejected() {
    let dir = folder_with_files();
    let rows = VALID_ROWS.replace("t1,e.RAW,,test,", "t1,e.RAW,,prior,");
    let error = parse(dir.path(), &rows).expect_err("prior without group");
    match error {
        StudyError::PriorWithoutGroup { line, id, .. } => {
            assert_eq!(line, 6);
            assert_eq!(id, "t1");
        }
        other => panic!("unexpected error {other}"),
    }
}

#[test]
fn group_without_priors_rejected() {
    let dir = folder_with_files();
    let rows = VALID_ROWS
        .replace("c1,c.RAW,HBV-LC-HCC,prior,", "c1,c.RAW,HBV-LC-HCC,test,")
        .replace("c2,d.RAW,HBV-LC-HCC,prior,", "c2,d.RAW,HBV-LC-HCC,test,");
    let error = parse(dir.path(), &rows).expect_err("no HCC prior patients");
    match error {
        StudyError::TooFewPriorPatients {
            group,
            found,
            needed,
            ..
        } => {
            assert_eq!(group, "HBV-LC-HCC");
            assert_eq!(found, 0);
            assert_eq!(needed, 2);
        }
        other => panic!("unexpected error {other}"),
    }
}

#[test]
fn wrong_field_count_rejected() {
    let dir = folder_with_files();
    let rows = VALID_ROWS.replace("t1,e.RAW,,test,", "t1,e.RAW,,test");
    let error = parse(dir.path(), &rows).expect_err("four fields");
    assert!(
        matches!(
            error,
            StudyError::CohortField {
                field: "row",
                line: 6,
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn quoted_field_rejected() {
    let dir = folder_with_files();
    let rows = VALID_ROWS.replace("t1,e.RAW", "\"t1\",e.RAW");
    let error = parse(dir.path(), &rows).expect_err("quoted field");
    assert!(
        matches!(error, StudyError::CohortField { field: "row", .. }),
        "{error}"
    );
}

#[test]
fn invalid_toml_values_rejected() {
    let path = Path::new("cohort.toml");
    let negative = CohortConfig::from_toml_str("dwell_time_s = -0.0005\n", path)
        .expect_err("negative dwell time");
    assert!(
        matches!(
            negative,
            StudyError::CohortField {
                field: "dwell_time_s",
                ..
            }
        ),
        "{negative}"
    );
    let unknown = CohortConfig::from_toml_str("dwell_s = 0.0005\n", path).expect_err("unknown key");
    assert!(
        matches!(
            unknown,
            StudyError::CohortField {
                field: "cohort.toml",
                ..
            }
        ),
        "{unknown}"
    );
}

#[test]
fn unlabelled_patient_added() {
    let dir = folder_with_files();
    let mut cohort = parse(dir.path(), VALID_ROWS).expect("valid cohort");
    cohort
        .push_unlabelled("liver", &liver_coord())
        .expect("add the liver spectrum");
    let liver = cohort.patient("liver").expect("added");
    assert_eq!(liver.group, None);
    assert_eq!(liver.role, Role::Test);
    let duplicate = cohort
        .push_unlabelled("a1", &liver_coord())
        .expect_err("duplicate id");
    assert!(
        matches!(
            duplicate,
            StudyError::DuplicatePatient { first_line: 2, .. }
        ),
        "{duplicate}"
    );
    let missing = cohort
        .push_unlabelled("other", &dir.path().join("absent.COORD"))
        .expect_err("missing file");
    assert!(
        matches!(missing, StudyError::MissingFile { .. }),
        "{missing}"
    );
}

#[test]
fn coord_reads_as_ppm_spectrum() {
    let dir = folder_with_files();
    let mut cohort = parse(dir.path(), VALID_ROWS).expect("valid cohort");
    cohort
        .push_unlabelled("liver", &liver_coord())
        .expect("add the liver spectrum");
    let patient = cohort.patient("liver").expect("added").clone();
    let data = cohort.read_patient(&patient).expect("read COORD");
    let PatientSignal::Ppm(spectrum) = data.signal else {
        panic!("a COORD file must read as a ppm spectrum");
    };
    // The file header states 123.23 MHz (3 T Siemens).
    assert!((spectrum.spectrometer_frequency_mhz - 123.23).abs() < 0.01);
    assert_eq!(spectrum.values.len(), spectrum.ppm_axis.len());
    assert!(spectrum.values.len() > 100);
    assert!(data.water.is_none());
}

#[test]
fn empty_stand_in_file_fails_to_read() {
    let dir = folder_with_files();
    let cohort = parse(dir.path(), VALID_ROWS).expect("valid cohort");
    let patient = cohort.patient("t1").expect("t1").clone();
    let error = cohort.read_patient(&patient).expect_err("empty file");
    assert!(matches!(error, StudyError::Io(_)), "{error}");
}
