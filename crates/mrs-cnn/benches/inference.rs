//! qCNN inference throughput: the default architecture on a 512-point representation,
//! batches of 256 spectra, on the CPU with libtorch's default thread count.
//!
//! The model is trained for one epoch on a small simulated dataset first; speed does not
//! depend on the weights.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mrs_cnn::{
    dataset_inputs, train_qcnn, Architecture, DeviceRequest, Inputs, PredictOptions, TrainConfig,
};
use mrs_core::{Acquisition, BasisSet};
use mrs_synth::lines::{add_lipid_lines, default_lipid_lines, lines_fid, Line};
use mrs_synth::{Dataset, DatasetConfig, Prior, Representation, Synthesizer};
use std::path::Path;

fn setup(folder: &Path) -> (mrs_cnn::Model, Inputs) {
    let acquisition = Acquisition::new(0.0005, 123.2).expect("acquisition");
    let mut basis = BasisSet::new(acquisition).expect("basis");
    let targets = [
        "Cho", "Cr", "Glc", "Ins", "Lip09", "Lip13", "Lip16", "Lip21", "Lip23",
    ];
    for (name, shift_ppm) in [("Cho", 3.21), ("Cr", 3.03), ("Glc", 3.43), ("Ins", 3.54)] {
        let line = Line {
            shift_ppm,
            amplitude: 1.0,
            lorentzian_fwhm_hz: 1.0,
            gaussian_fwhm_hz: 0.0,
        };
        basis
            .push(
                name,
                lines_fid(&basis.acquisition, 2048, &[line]).expect("line"),
            )
            .expect("push");
    }
    add_lipid_lines(&mut basis, &default_lipid_lines()).expect("lipids");
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../mrs-synth/priors/liver_example.toml");
    let mut prior = Prior::read(&path).expect("prior");
    prior.targets.retain(|t| targets.contains(&t.as_str()));
    for group in &mut prior.groups {
        group
            .contents
            .retain(|name, _| targets.contains(&name.as_str()));
        group
            .correlations
            .retain(|c| c.targets.iter().all(|t| targets.contains(&t.as_str())));
    }
    let synth = Synthesizer::new(&basis, &prior, &Representation::default()).expect("synth");
    let config = DatasetConfig {
        seed: 1,
        first_index: 0,
        n_spectra: 512,
        shard_size: 512,
    };
    mrs_synth::write_dataset(folder, &synth, &config, |_| {}).expect("dataset");
    let dataset = Dataset::open(folder).expect("open");
    let train = TrainConfig {
        epochs: 1,
        ..TrainConfig::default()
    };
    let model = train_qcnn(
        (&dataset, folder),
        None,
        &Architecture::default(),
        &train,
        DeviceRequest::Cpu,
        &mut |_| {},
    )
    .expect("train");
    let mut inputs = dataset_inputs(&dataset, folder).expect("inputs");
    let per = inputs.x.len() / inputs.len();
    inputs.x.truncate(256 * per);
    inputs.scale.truncate(256);
    inputs.names.truncate(256);
    (model, inputs)
}

fn inference(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (model, inputs) = setup(dir.path());
    let mut group = c.benchmark_group("qcnn_inference");
    group.throughput(Throughput::Elements(inputs.len() as u64));
    group.bench_function("batch_256_512_points", |b| {
        b.iter(|| {
            model
                .predict(&inputs, &PredictOptions::default())
                .expect("predict")
        });
    });
    group.finish();
}

criterion_group!(benches, inference);
criterion_main!(benches);
