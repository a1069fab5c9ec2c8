//! Throughput of spectrum synthesis: 1024-point spectra with 20 components (15 singlets and
//! the 5 lipid lines), the illustrative liver prior, and the default representation.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mrs_core::{Acquisition, BasisSet};
use mrs_synth::dataset::generate_shard;
use mrs_synth::lines::{add_lipid_lines, default_lipid_lines, lines_fid, Line};
use mrs_synth::{Prior, Representation, Synthesizer};
use std::hint::black_box;
use std::path::Path;

fn twenty_component_basis() -> BasisSet {
    let metabolites = [
        ("Ala", 1.47),
        ("Asp", 2.80),
        ("Cho", 3.19),
        ("Cr", 3.03),
        ("PCr", 3.93),
        ("GABA", 2.28),
        ("Glc", 3.43),
        ("Gln", 2.45),
        ("Glu", 2.35),
        ("GPC", 3.21),
        ("PCh", 3.22),
        ("GSH", 2.95),
        ("Ins", 3.54),
        ("Lac", 1.31),
        ("Tau", 3.42),
    ];
    let acquisition = Acquisition::new(0.0005, 123.2).expect("acquisition");
    let mut basis = BasisSet::new(acquisition).expect("basis");
    for (name, shift_ppm) in metabolites {
        let line = Line {
            shift_ppm,
            amplitude: 1.0,
            lorentzian_fwhm_hz: 2.0,
            gaussian_fwhm_hz: 0.0,
        };
        let fid = lines_fid(&basis.acquisition, 1024, &[line]).expect("line");
        basis.push(name, fid).expect("push");
    }
    add_lipid_lines(&mut basis, &default_lipid_lines()).expect("lipids");
    basis
}

fn synthesis(c: &mut Criterion) {
    let prior_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/mrs-synth/priors/liver_example.toml");
    let prior = Prior::read(&prior_path).expect("prior");
    let synth = Synthesizer::new(
        &twenty_component_basis(),
        &prior,
        &Representation::default(),
    )
    .expect("synthesizer");
    let mut group = c.benchmark_group("synthesis");
    group.sample_size(10);
    let shard_size = 8192;
    group.throughput(Throughput::Elements(shard_size as u64));
    group.bench_function(
        BenchmarkId::new("shard_parallel", "1024pts_20components_8192spectra"),
        |b| {
            let mut first = 0;
            b.iter(|| {
                let shard = generate_shard(&synth, 1, first, shard_size);
                first += shard_size as u64;
                black_box(shard)
            });
        },
    );
    group.throughput(Throughput::Elements(1));
    group.bench_function(
        BenchmarkId::new("one_spectrum", "1024pts_20components"),
        |b| {
            let mut workspace = synth.workspace();
            let mut x = vec![0.0f32; synth.representation().len()];
            let mut y = vec![0.0f32; prior.targets.len()];
            let mut nuisance = vec![0.0f32; mrs_synth::NUISANCE_NAMES.len()];
            let mut index = 0;
            b.iter(|| {
                index += 1;
                black_box(synth.generate_into(
                    1,
                    index,
                    &mut workspace,
                    &mut x,
                    &mut y,
                    &mut nuisance,
                ))
            });
        },
    );
    group.finish();
}

criterion_group!(benches, synthesis);
criterion_main!(benches);
