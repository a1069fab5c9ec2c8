//! The liver HCC pipeline with its quick settings on the bundled virtual cohort and the real
//! liver spectrum: every output is written and consistent.

use mrs_study::pipeline::{run, PipelineConfig, PipelinePaths};
use std::path::Path;

#[test]
fn quick_pipeline_writes_consistent_outputs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().expect("tempdir");
    let paths = PipelinePaths {
        cohort: root.join("cohorts/virtual_liver"),
        truth: Some(root.join("cohorts/virtual_liver/truth.json")),
        unlabelled: vec![root.join("tests/data/liver/liver.COORD")],
        out: out.path().to_path_buf(),
    };
    let summary = run(&paths, &PipelineConfig::quick(), &|_, _, _| {}).expect("pipeline");
    assert_eq!(summary.prior_patients, 20);
    assert_eq!(summary.test_patients, 18);
    assert_eq!(summary.qcnn_better_targets.1, 20);
    assert_eq!(summary.unlabelled.len(), 1);
    for path in &summary.outputs {
        assert!(path.is_file(), "{} missing", path.display());
    }

    let metrics: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("metrics.json")).expect("read"),
    )
    .expect("metrics.json is JSON");
    let rows = metrics["comparison"]["rows"]
        .as_array()
        .expect("comparison rows");
    assert_eq!(rows.len(), 20);
    for row in rows {
        for key in ["p_value", "adjusted_p_value"] {
            let p = row[key].as_f64().expect("P-value");
            assert!((0.0..=1.0).contains(&p), "{key} {p}");
        }
        assert!(row["adjusted_p_value"].as_f64() >= row["p_value"].as_f64());
        assert_eq!(row["n"].as_u64(), Some(PipelineConfig::quick().n_compare));
    }
    let classification = &metrics["classification"];
    assert_eq!(
        classification["patient_ids"].as_array().map(Vec::len),
        Some(17)
    );
    let auc = classification["report"]["auc"]["auc"]
        .as_f64()
        .expect("AUC");
    assert!((0.0..=1.0).contains(&auc));

    // patients.csv: 18 test and 20 prior patients; probabilities of test patients in [0, 1].
    let patients = std::fs::read_to_string(out.path().join("patients.csv")).expect("read");
    let mut lines = patients.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let (role, probability) = (column("role"), column("probability_hcc"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 38);
    for row in &rows {
        assert_eq!(row.len(), header.len());
        if row[role] == "test" {
            let p: f64 = row[probability].parse().expect("probability");
            assert!((0.0..=1.0).contains(&p));
        }
    }
    assert_eq!(rows.iter().filter(|r| r[role] == "test").count(), 18);

    let comparison = std::fs::read_to_string(out.path().join("qcnn_vs_nlls.csv")).expect("read");
    assert_eq!(comparison.lines().count(), 21);
    let html = std::fs::read_to_string(out.path().join("report.html")).expect("read");
    for target in ["Ala", "GPC", "Lip13", "Lip23"] {
        assert!(html.contains(target), "report lacks {target}");
    }
    assert_eq!(html.matches("<svg").count(), html.matches("</svg>").count());
    assert!(out.path().join("models/qcnn/model.json").is_file());
    assert!(out
        .path()
        .join("models/ccnn/member-00.safetensors")
        .is_file());
}
