//! Timing of the statistics a user waits for: Wilcoxon tests, AUC with intervals, and
//! bootstrap intervals. Inputs come from a fixed seed.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use mrs_stats::{
    bootstrap_ci, roc_auc, wilcoxon_signed_rank, AucConfig, BootstrapConfig, Location,
    WilcoxonConfig, WilcoxonMethod,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

fn paired_sample(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let y: Vec<f64> = (0..n).map(|_| rng.random_range(0.0..10.0)).collect();
    let x = y.iter().map(|v| v + rng.random_range(-0.9..1.0)).collect();
    (x, y)
}

fn wilcoxon(c: &mut Criterion) {
    let mut group = c.benchmark_group("wilcoxon");
    for (method, name) in [
        (WilcoxonMethod::Exact, "exact"),
        (WilcoxonMethod::Asymptotic, "asymptotic"),
    ] {
        for n in [20, 500] {
            let (x, y) = paired_sample(n);
            let config = WilcoxonConfig {
                method,
                ..WilcoxonConfig::default()
            };
            group.bench_with_input(BenchmarkId::new(name, format!("{n}_pairs")), &n, |b, _| {
                b.iter(|| wilcoxon_signed_rank(black_box(&x), black_box(&y), &config))
            });
        }
    }
    group.finish();
}

fn auc(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let n = 500;
    let labels: Vec<bool> = (0..n).map(|_| rng.random_bool(0.4)).collect();
    let scores: Vec<f64> = labels
        .iter()
        .map(|&positive| rng.random_range(0.0..1.0) + if positive { 0.3 } else { 0.0 })
        .collect();
    let mut group = c.benchmark_group("auc");
    group.bench_function("delong/500_cases", |b| {
        b.iter(|| {
            roc_auc(
                black_box(&labels),
                black_box(&scores),
                &AucConfig::default(),
            )
        })
    });
    let with_bootstrap = AucConfig {
        bootstrap: Some(BootstrapConfig {
            n_resamples: 2000,
            ..BootstrapConfig::default()
        }),
        ..AucConfig::default()
    };
    group.sample_size(10);
    group.bench_function("delong_and_bootstrap_2000/500_cases", |b| {
        b.iter(|| roc_auc(black_box(&labels), black_box(&scores), &with_bootstrap))
    });
    group.finish();
}

fn bootstrap(c: &mut Criterion) {
    let (x, _) = paired_sample(20);
    let config = BootstrapConfig::default();
    let mut group = c.benchmark_group("bootstrap_10000");
    group.sample_size(20);
    for (statistic, name) in [(Location::Mean, "mean"), (Location::Median, "median")] {
        group.bench_function(format!("{name}/20_values"), |b| {
            b.iter(|| bootstrap_ci(black_box(&x), statistic, &config))
        });
    }
    group.finish();
}

criterion_group!(benches, wilcoxon, auc, bootstrap);
criterion_main!(benches);
