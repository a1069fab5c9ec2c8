//! Basis simulation time on one thread, PRESS TE 30 ms (TE1 11 ms, TE2 19 ms) at 123.2 MHz,
//! 2048 points, 0.25 ms dwell. Cases: the default liver basis (15 metabolites + 5 lipid
//! lines) and the largest spin system (glucose, two 7-spin anomers).

use criterion::{criterion_group, criterion_main, Criterion};
use mrs_core::Acquisition;
use mrs_sim::{simulate_basis, Library, Sequence, SimulationParameters};
use std::hint::black_box;

fn press_parameters() -> SimulationParameters {
    let acquisition = Acquisition::new(0.00025, 123.2).expect("valid acquisition");
    let press = Sequence::Press {
        te1_s: 0.011,
        te2_s: 0.019,
    };
    SimulationParameters::new(acquisition, 2048, press).expect("valid parameters")
}

fn bench_simulate(c: &mut Criterion) {
    let library = Library::builtin().expect("built-in library");
    let parameters = press_parameters();
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("thread pool");
    let mut group = c.benchmark_group("simulate_basis");
    group.sample_size(10);
    group.bench_function("press_te30/liver_20_entries/2048pts/1_thread", |b| {
        b.iter(|| {
            one_thread.install(|| {
                simulate_basis(&library, black_box(&["liver"]), &parameters).expect("simulated")
            })
        })
    });
    group.bench_function("press_te30/Glc/2048pts/1_thread", |b| {
        b.iter(|| {
            one_thread.install(|| {
                simulate_basis(&library, black_box(&["Glc"]), &parameters).expect("simulated")
            })
        })
    });
    group.finish();
}

criterion_group!(benches, bench_simulate);
criterion_main!(benches);
