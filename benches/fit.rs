//! One LCModel-style fit of a 2048-point spectrum with 20 basis entries and a spline baseline
//! (ISMRM fitting-challenge dataset 1 with its basis, 0.2-4.2 ppm).
//!
//! ```text
//! cargo bench --bench fit
//! ```

use criterion::{criterion_group, criterion_main, Criterion};
use mrs_core::Fid;
use mrs_fit::{FitConfig, Fitter};
use mrs_io::lcmodel::{basis, raw};
use mrs_io::ReadOptions;
use std::hint::black_box;
use std::path::Path;

fn fit_benchmark(c: &mut Criterion) {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fitting-challenge");
    let basis = basis::read(
        &data.join("basis/press3T_30ms.BASIS"),
        &ReadOptions::default(),
    )
    .expect("readable basis")
    .to_basis_set()
    .expect("valid basis");
    // 21 entries in the file; leaving out glycine gives the 20 of the benchmark.
    let config = FitConfig {
        exclude: vec!["Gly".to_string()],
        ..FitConfig::default()
    };
    // The same fit with LCModel's ratio priors (the basis has its own macromolecules, so no
    // broad lines are added).
    let with_priors = config.clone().with_brain_defaults(&basis, Some(0.030));
    let fitter_priors =
        Fitter::new(basis.clone(), with_priors.check().expect("valid config")).expect("basis");
    let fitter = Fitter::new(basis, config.check().expect("valid config")).expect("basis");
    let options = ReadOptions {
        spectrometer_frequency_mhz: Some(123.2),
        dwell_time_s: Some(0.00025),
        ..ReadOptions::default()
    };
    let file = raw::read(&data.join("datasets/dataset1.RAW"), &options).expect("readable data");
    let fid = Fid::new(file.fid_samples(), file.acquisition.clone()).expect("finite data");
    let result = fitter.fit_fid(&fid).expect("valid input");
    assert_eq!(result.entries.len(), 20, "20 fitted entries");
    let result = fitter_priors.fit_fid(&fid).expect("valid input");
    assert_eq!(result.entries.len(), 20, "20 fitted entries");
    let mut group = c.benchmark_group("fit");
    group.sample_size(20);
    group.bench_function("2048pts_20_entries_spline_baseline", |b| {
        b.iter(|| fitter.fit_fid(black_box(&fid)).expect("valid input"))
    });
    group.bench_function("2048pts_20_entries_lcmodel_priors", |b| {
        b.iter(|| fitter_priors.fit_fid(black_box(&fid)).expect("valid input"))
    });
    group.finish();
}

criterion_group!(benches, fit_benchmark);
criterion_main!(benches);
