//! A simulated basis written as LCModel `.BASIS` by mrs-io reads back unchanged.

use mrs_core::Acquisition;
use mrs_io::lcmodel::basis::{read, write, BasisWriteOptions};
use mrs_io::ReadOptions;
use mrs_sim::{simulate_basis, Library, Sequence, SimulationParameters};

#[test]
fn basis_round_trips_through_lcmodel_file() {
    let acquisition = Acquisition::new(0.00025, 123.2).expect("acquisition");
    let press = Sequence::Press {
        te1_s: 0.011,
        te2_s: 0.019,
    };
    let parameters = SimulationParameters::new(acquisition, 2048, press).expect("parameters");
    let library = Library::builtin().expect("built-in library");
    let basis = simulate_basis(&library, &["Cr", "Lac", "Lip13"], &parameters).expect("simulated");

    let dir = std::env::temp_dir().join(format!("mrs-sim-lcmodel-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("press.BASIS");
    write(&path, &basis, &BasisWriteOptions::default()).expect("written");
    let read_back = read(&path, &ReadOptions::default())
        .expect("read back")
        .to_basis_set()
        .expect("converted");
    std::fs::remove_dir_all(&dir).expect("clean up");

    assert_eq!(read_back.names(), basis.names());
    assert!(read_back.check_matches(&basis.acquisition).is_ok());
    for entry in basis.entries() {
        let theirs = &read_back.get(&entry.name).expect("entry").fid;
        let largest = entry.fid.iter().fold(0.0f64, |m, v| m.max(v.norm()));
        // `(6E13.5)` keeps 6 significant digits of each spectral value.
        for (ours, back) in entry.fid.iter().zip(theirs) {
            assert!((ours - back).norm() < 1e-4 * largest, "{}", entry.name);
        }
    }
}
