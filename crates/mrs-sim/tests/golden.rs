//! Comparison with an independent brute-force density-matrix simulation
//! (`scripts/reference_press.py`, numpy; version recorded in the golden file). The script uses
//! the full Hilbert space and selects coherence pathways by averaging over crusher phases, so
//! it checks the block-diagonal evolution and the coherence-order selection of mrs-sim.

use mrs_core::Acquisition;
use mrs_sim::{simulate_metabolite, Library, Sequence, SimulationParameters};
use serde::Deserialize;
use std::path::Path;

/// Both sides are double precision. The script's 16-step phase cycle is exact for the
/// coherence orders of these systems (at most 6), so only rounding separates them.
const TOLERANCE: f64 = 1e-9;

#[derive(Deserialize)]
struct GoldenSequence {
    name: String,
    te1_s: Option<f64>,
    te2_s: Option<f64>,
    te_s: Option<f64>,
    mixing_time_s: Option<f64>,
}

#[derive(Deserialize)]
struct GoldenEntry {
    name: String,
    sequence: GoldenSequence,
    re: Vec<f64>,
    im: Vec<f64>,
}

#[derive(Deserialize)]
struct GoldenFile {
    numpy_version: String,
    spectrometer_frequency_mhz: f64,
    dwell_time_s: f64,
    n_points: usize,
    indices: Vec<usize>,
    entries: Vec<GoldenEntry>,
}

#[test]
fn matches_brute_force_reference() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/reference_fids.json");
    let text = std::fs::read_to_string(path).expect("golden file present");
    let golden: GoldenFile = serde_json::from_str(&text).expect("valid golden file");
    assert!(!golden.numpy_version.is_empty());
    let library = Library::builtin().expect("built-in library");
    let acquisition =
        Acquisition::new(golden.dwell_time_s, golden.spectrometer_frequency_mhz).expect("acq");
    assert_eq!(golden.entries.len(), 6);
    for entry in &golden.entries {
        let sequence = match entry.sequence.name.as_str() {
            "PRESS" => Sequence::Press {
                te1_s: entry.sequence.te1_s.expect("te1_s"),
                te2_s: entry.sequence.te2_s.expect("te2_s"),
            },
            "STEAM" => Sequence::Steam {
                echo_time_s: entry.sequence.te_s.expect("te_s"),
                mixing_time_s: entry.sequence.mixing_time_s.expect("mixing_time_s"),
            },
            other => panic!("unexpected sequence {other}"),
        };
        let parameters = SimulationParameters::new(acquisition.clone(), golden.n_points, sequence)
            .expect("parameters");
        let metabolite = library.metabolite(&entry.name).expect("metabolite");
        let fid = simulate_metabolite(metabolite, &parameters).expect("simulated");
        for (k, &index) in golden.indices.iter().enumerate() {
            let re_error = (fid[index].re - entry.re[k]).abs();
            let im_error = (fid[index].im - entry.im[k]).abs();
            let label = format!("{} {} point {index}", entry.name, entry.sequence.name);
            assert!(re_error < TOLERANCE, "{label}: real part off by {re_error}");
            assert!(
                im_error < TOLERANCE,
                "{label}: imaginary part off by {im_error}"
            );
        }
    }
}
