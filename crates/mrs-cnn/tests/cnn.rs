//! Training, checkpoints, input checks and uncertainty on a small synthetic dataset.
//!
//! The basis has four metabolite singlets and the five liver lipid lines; the prior is the
//! illustrative liver prior restricted to those targets. Datasets are written once per test
//! binary into a temporary folder.

use mrs_cnn::{
    train_ccnn, train_qcnn, Architecture, CnnError, DeviceRequest, Inputs, Model, PredictOptions,
    TrainConfig,
};
use mrs_core::{Acquisition, BasisSet, MrsData};
use mrs_synth::lines::{add_lipid_lines, default_lipid_lines, lines_fid, Line};
use mrs_synth::{Dataset, DatasetConfig, Distribution, Prior, Representation, Synthesizer};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};

const TARGETS: [&str; 9] = [
    "Cho", "Cr", "Glc", "Ins", "Lip09", "Lip13", "Lip16", "Lip21", "Lip23",
];

fn basis() -> BasisSet {
    let acquisition = Acquisition::new(0.0005, 123.2).expect("acquisition");
    let mut basis = BasisSet::new(acquisition).expect("basis");
    for (name, shift_ppm) in [("Cho", 3.21), ("Cr", 3.03), ("Glc", 3.43), ("Ins", 3.54)] {
        let line = Line {
            shift_ppm,
            amplitude: 1.0,
            lorentzian_fwhm_hz: 1.0,
            gaussian_fwhm_hz: 0.0,
        };
        let fid = lines_fid(&basis.acquisition, 1024, &[line]).expect("line");
        basis.push(name, fid).expect("push");
    }
    add_lipid_lines(&mut basis, &default_lipid_lines()).expect("lipids");
    basis
}

fn prior(snr: Option<f64>) -> Prior {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../mrs-synth/priors/liver_example.toml");
    let mut prior = Prior::read(&path).expect("prior");
    prior.targets.retain(|t| TARGETS.contains(&t.as_str()));
    for group in &mut prior.groups {
        group
            .contents
            .retain(|name, _| TARGETS.contains(&name.as_str()));
        group
            .correlations
            .retain(|c| c.targets.iter().all(|t| TARGETS.contains(&t.as_str())));
        if let Some(value) = snr {
            group.spectral.snr = Distribution::Fixed { value };
        }
    }
    prior.validate().expect("valid prior");
    prior
}

fn representation() -> Representation {
    Representation {
        n_points: 256,
        ..Representation::default()
    }
}

fn write(folder: &Path, prior: &Prior, rep: &Representation, seed: u64, n: u64) -> Dataset {
    let synth = Synthesizer::new(&basis(), prior, rep).expect("synthesizer");
    let config = DatasetConfig {
        seed,
        first_index: 0,
        n_spectra: n,
        shard_size: 1000,
    };
    mrs_synth::write_dataset(folder, &synth, &config, |_| {}).expect("dataset");
    Dataset::open(folder).expect("open")
}

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

/// Training (3000), validation (600) and test (600) datasets, written once.
fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().to_path_buf();
        let p = prior(None);
        write(&root.join("train"), &p, &representation(), 1, 3000);
        write(&root.join("valid"), &p, &representation(), 2, 600);
        write(&root.join("test"), &p, &representation(), 3, 600);
        Fixture { _dir: dir, root }
    })
}

fn open(name: &str) -> (Dataset, PathBuf) {
    let folder = fixture().root.join(name);
    (Dataset::open(&folder).expect("open"), folder)
}

fn small_config(epochs: usize) -> TrainConfig {
    TrainConfig {
        epochs,
        batch_size: 64,
        learning_rate: 2e-3,
        patience: 4,
        seed: 11,
        ..TrainConfig::default()
    }
}

fn qcnn(epochs: usize) -> Model {
    let (train, train_folder) = open("train");
    let (valid, valid_folder) = open("valid");
    train_qcnn(
        (&train, &train_folder),
        Some((&valid, &valid_folder)),
        &Architecture::default(),
        &small_config(epochs),
        DeviceRequest::Cpu,
        &mut |_| {},
    )
    .expect("training")
}

/// The qCNN shared by the tests (libtorch tensors are not `Sync`, hence the lock).
fn trained_qcnn() -> MutexGuard<'static, Model> {
    static MODEL: OnceLock<Mutex<Model>> = OnceLock::new();
    MODEL
        .get_or_init(|| Mutex::new(qcnn(12)))
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Serialises the tests that draw from libtorch's process-wide random generator (training and
/// Monte Carlo dropout), so that each test's draws follow its own seed.
fn torch_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Tells whether two arrays hold the same values to the bit.
fn bit_identical(a: &ndarray::Array2<f64>, b: &ndarray::Array2<f64>) -> bool {
    a.shape() == b.shape()
        && a.iter()
            .zip(b.iter())
            .all(|(x, y)| x.to_bits() == y.to_bits())
}

fn mape(model: &Model, dataset: &Dataset, folder: &Path) -> f64 {
    let predictions = model
        .predict_dataset(dataset, folder, &PredictOptions::default())
        .expect("predict");
    let mut truth = Vec::new();
    for shard in dataset.shards() {
        truth.extend(shard.expect("shard").y.iter().map(|&v| f64::from(v)));
    }
    let k = model.meta().outputs.len();
    let n = truth.len() / k;
    let mut model_ape = 0.0;
    let mut count = 0.0;
    for i in 0..n {
        for t in 0..k {
            let y = truth[i * k + t];
            if y > 0.0 {
                model_ape += 100.0 * (predictions.mean[[i, t]] - y).abs() / y;
                count += 1.0;
            }
        }
    }
    model_ape / count
}

#[test]
fn qcnn_beats_the_prior_mean() {
    let _torch = torch_lock();
    let model = trained_qcnn();
    let meta = model.meta();
    let best = &meta.members[0].history[meta.members[0].best_epoch - 1];
    eprintln!(
        "qCNN validation loss {:.4} (baseline {:.4}), MAPE {:.1} % (baseline {:.1} %)",
        best.validation_loss,
        meta.baseline.validation_loss,
        best.validation_metric,
        meta.baseline.validation_metric
    );
    assert!(best.validation_loss < 0.5 * meta.baseline.validation_loss);
    assert!(best.validation_metric < meta.baseline.validation_metric);
    // The held-out test set agrees with the validation figure.
    let (test, folder) = open("test");
    let test_mape = mape(&model, &test, &folder);
    assert!(
        test_mape < meta.baseline.validation_metric,
        "test MAPE {test_mape}"
    );
}

#[test]
fn ccnn_beats_the_majority_class() {
    let _torch = torch_lock();
    let (train, train_folder) = open("train");
    let (valid, valid_folder) = open("valid");
    let model = train_ccnn(
        (&train, &train_folder),
        Some((&valid, &valid_folder)),
        &Architecture::default(),
        &small_config(8),
        "HBV-LC-HCC",
        DeviceRequest::Cpu,
        &mut |_| {},
    )
    .expect("training");
    let meta = model.meta();
    assert_eq!(meta.classes, ["HBV-LC", "HBV-LC-HCC"]);
    let best = &meta.members[0].history[meta.members[0].best_epoch - 1];
    eprintln!(
        "cCNN validation loss {:.4} (baseline {:.4}), accuracy {:.3} (baseline {:.3})",
        best.validation_loss,
        meta.baseline.validation_loss,
        best.validation_metric,
        meta.baseline.validation_metric
    );
    assert!(best.validation_loss < meta.baseline.validation_loss);
    assert!(best.validation_metric > meta.baseline.validation_metric);
    let (test, folder) = open("test");
    let p = model
        .predict_dataset(
            &test,
            &folder,
            &PredictOptions {
                batch_size: 100,
                mc_samples: 5,
                seed: 0,
            },
        )
        .expect("predict");
    assert!(p.mean.iter().all(|v| (0.0..=1.0).contains(v)));
    assert!(p.sd.iter().any(|&v| v > 0.0));
}

#[test]
fn checkpoints_round_trip_bit_exactly() {
    let _torch = torch_lock();
    let model = trained_qcnn();
    let dir = tempfile::tempdir().expect("tempdir");
    model.save(dir.path()).expect("save");
    let loaded = Model::load(dir.path(), tch::Device::Cpu).expect("load");
    assert_eq!(loaded.meta(), model.meta());
    let (test, folder) = open("test");
    let options = PredictOptions::default();
    let a = model
        .predict_dataset(&test, &folder, &options)
        .expect("predict");
    let b = loaded
        .predict_dataset(&test, &folder, &options)
        .expect("predict");
    assert!(bit_identical(&a.mean, &b.mean));
    // Saving the loaded model gives the same bytes.
    let again = tempfile::tempdir().expect("tempdir");
    loaded.save(again.path()).expect("save");
    for name in ["model.json", "member-00.safetensors"] {
        let first = std::fs::read(dir.path().join(name)).expect("read");
        let second = std::fs::read(again.path().join(name)).expect("read");
        assert!(first == second, "{name} differs after a round trip");
    }
}

#[test]
fn training_is_deterministic_for_a_seed() {
    let _torch = torch_lock();
    let dir = tempfile::tempdir().expect("tempdir");
    let (a, b) = (qcnn(2), qcnn(2));
    a.save(&dir.path().join("a")).expect("save");
    b.save(&dir.path().join("b")).expect("save");
    let read =
        |m: &str| std::fs::read(dir.path().join(m).join("member-00.safetensors")).expect("read");
    assert!(read("a") == read("b"), "two trainings with one seed differ");
}

#[test]
fn mismatched_inputs_are_rejected() {
    let _torch = torch_lock();
    let model = trained_qcnn();
    let dir = tempfile::tempdir().expect("tempdir");
    // A dataset with another grid.
    let other = Representation {
        n_points: 200,
        ..representation()
    };
    let dataset = write(&dir.path().join("other"), &prior(None), &other, 5, 10);
    let err = model
        .predict_dataset(
            &dataset,
            &dir.path().join("other"),
            &PredictOptions::default(),
        )
        .unwrap_err();
    assert!(
        matches!(err, CnnError::Mismatch { ref what, .. } if what == "input representation"),
        "{err}"
    );
    // Inputs of the wrong length.
    let inputs = Inputs {
        x: vec![0.0; 100],
        scale: vec![1.0],
        names: vec!["short".into()],
    };
    assert!(matches!(
        model.predict(&inputs, &PredictOptions::default()),
        Err(CnnError::Mismatch { .. })
    ));
    // A file acquired at 1.5 T.
    let (fid, _) = Synthesizer::new(&basis(), &prior(None), &representation())
        .expect("synth")
        .generate_fid(9, 0);
    let mut data = MrsData::from_fid(fid.clone());
    data.acquisition_mut().spectrometer_frequency_mhz = 63.9;
    let path = dir.path().join("field.nii.gz");
    mrs_io::write_signal(&path, &data).expect("write");
    let err = model.prepare_file(&path, &Default::default()).unwrap_err();
    assert!(
        matches!(err, CnnError::Mismatch { ref what, .. } if what.contains("frequency")),
        "{err}"
    );
    // The same file at 3 T is accepted and gives finite contents.
    let path = dir.path().join("ok.nii.gz");
    mrs_io::write_signal(&path, &MrsData::from_fid(fid)).expect("write");
    let inputs = model
        .prepare_file(&path, &Default::default())
        .expect("prepare");
    let p = model
        .predict(&inputs, &PredictOptions::default())
        .expect("predict");
    assert!(p.mean.iter().all(|v| v.is_finite()));
    // A basis set is not a spectrum.
    let basis_path = dir.path().join("basis.nii.gz");
    mrs_io::nifti::write_basis(&basis_path, &basis(), &Default::default()).expect("basis");
    assert!(matches!(
        model.prepare_file(&basis_path, &Default::default()),
        Err(CnnError::Input { .. })
    ));
}

#[test]
fn damaged_model_folders_are_errors() {
    let _torch = torch_lock();
    let model = trained_qcnn();
    let dir = tempfile::tempdir().expect("tempdir");
    model.save(dir.path()).expect("save");
    std::fs::remove_file(dir.path().join("member-00.safetensors")).expect("remove");
    assert!(matches!(
        Model::load(dir.path(), tch::Device::Cpu),
        Err(CnnError::Checkpoint { .. })
    ));
    std::fs::write(dir.path().join("model.json"), b"{\"format\": 3}").expect("write");
    assert!(matches!(
        Model::load(dir.path(), tch::Device::Cpu),
        Err(CnnError::Checkpoint { .. })
    ));
    assert!(matches!(
        Model::load(&dir.path().join("missing"), tch::Device::Cpu),
        Err(CnnError::Checkpoint { .. })
    ));
}

#[test]
fn dropout_spread_is_positive_and_seeded() {
    let _torch = torch_lock();
    let model = trained_qcnn();
    let dir = tempfile::tempdir().expect("tempdir");
    let options = PredictOptions {
        batch_size: 256,
        mc_samples: 20,
        seed: 7,
    };
    let mut spread = Vec::new();
    for snr in [80.0, 8.0] {
        let folder = dir.path().join(format!("snr{snr}"));
        let dataset = write(&folder, &prior(Some(snr)), &representation(), 21, 300);
        let p = model
            .predict_dataset(&dataset, &folder, &options)
            .expect("predict");
        assert_eq!(p.n_samples, 20);
        assert!(p.sd.iter().all(|v| v.is_finite() && *v > 0.0));
        // The same seed draws the same dropout masks; another seed draws others.
        let again = model
            .predict_dataset(&dataset, &folder, &options)
            .expect("predict");
        assert!(bit_identical(&p.sd, &again.sd));
        let other_seed = PredictOptions { seed: 8, ..options };
        let other = model
            .predict_dataset(&dataset, &folder, &other_seed)
            .expect("predict");
        assert!(!bit_identical(&p.sd, &other.sd));
        // Relative spread, so that targets of different size count alike.
        let relative: f64 =
            p.sd.iter()
                .zip(p.mean.iter())
                .map(|(sd, mean)| sd / mean.abs().max(1e-3))
                .sum::<f64>()
                / p.sd.len() as f64;
        spread.push(relative);
    }
    // NOTE: Monte Carlo dropout spread measures the model's uncertainty, not the input noise,
    // so it need not grow from SNR 80 to SNR 8; the figures are printed for the record.
    eprintln!(
        "relative MC-dropout SD at SNR 80: {:.4}, at SNR 8: {:.4}",
        spread[0], spread[1]
    );
}
