//! Parsing speed of each reader on the bundled real files, from memory (no disk time).
//!
//! `cargo bench --bench io`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mrskit::io::{jmrui, lcmodel, nifti, philips, siemens, ReadOptions};
use std::hint::black_box;
use std::path::{Path, PathBuf};

fn data_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(relative)
}

fn read(relative: &str) -> Vec<u8> {
    std::fs::read(data_path(relative)).expect("bundled file")
}

fn parsers(c: &mut Criterion) {
    let options = ReadOptions::default();
    let mut group = c.benchmark_group("parse");

    let cases: [(&str, &str); 7] = [
        ("nifti_gz", "nifti-mrs/metab_raw.nii.gz"),
        ("jmrui", "cross-format/metab_jmrui.txt"),
        ("lcmodel_raw", "cross-format/metab.RAW"),
        (
            "lcmodel_basis",
            "fitting-challenge/basis/press3T_30ms.BASIS",
        ),
        ("lcmodel_coord", "liver/liver.COORD"),
        ("siemens_rda", "siemens/SVS_30.rda"),
        ("siemens_dicom", "siemens/SVS_30.IMA"),
    ];
    for (name, relative) in cases {
        let bytes = read(relative);
        let path = data_path(relative);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(BenchmarkId::new(name, relative), &bytes, |b, bytes| {
            b.iter(|| {
                match name {
                    "nifti_gz" => nifti::parse(bytes, &path, &options).map(|_| ()),
                    "jmrui" => jmrui::parse(bytes, &path, &options).map(|_| ()),
                    "lcmodel_raw" => lcmodel::raw::parse(bytes, &path, &options).map(|_| ()),
                    "lcmodel_basis" => lcmodel::basis::parse(bytes, &path, &options).map(|_| ()),
                    "lcmodel_coord" => lcmodel::coord::parse(bytes, &path).map(|_| ()),
                    "siemens_rda" => siemens::rda::parse(bytes, &path, &options).map(|_| ()),
                    _ => siemens::dicom::parse(bytes, &path, &options).map(|_| ()),
                }
                .map(black_box)
                .expect("parses")
            });
        });
    }

    let sdat = read("philips/sub-01_PRESS_35_act.sdat");
    let spar = read("philips/sub-01_PRESS_35_act.spar");
    let sdat_path = data_path("philips/sub-01_PRESS_35_act.sdat");
    let spar_path = data_path("philips/sub-01_PRESS_35_act.spar");
    group.throughput(Throughput::Bytes((sdat.len() + spar.len()) as u64));
    group.bench_function("philips_sdat", |b| {
        b.iter(|| {
            black_box(
                philips::sdat::parse(&sdat, &sdat_path, &spar, &spar_path, &options)
                    .expect("parses"),
            )
        });
    });
    group.finish();
}

criterion_group!(benches, parsers);
criterion_main!(benches);
