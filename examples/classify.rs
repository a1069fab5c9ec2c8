//! Classifies spectrum files with a trained cCNN: group probability with its uncertainty.
//!
//! ```text
//! cargo run --release --features cnn --example classify -- \
//!     --model out/ccnn --data tests/data/liver/liver.COORD --out out/classify
//! ```
//!
//! Reads any format `mrs-io` supports (the frequency-domain LCModel `.COORD` included),
//! prepares each file with the model's own representation and writes `DIR/classification.csv`:
//! one row per file, the probability of the positive group (mean and SD over ensemble members
//! and Monte Carlo dropout passes) and the predicted group at 0.5.

use clap::Parser;
use mrs_cnn::{concat_inputs, DeviceRequest, Model, PredictOptions};
use mrs_io::ReadOptions;
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "Classify spectra with a trained cCNN")]
struct Args {
    /// Model folder (from train_ccnn).
    #[arg(long)]
    model: PathBuf,
    /// Spectrum files.
    #[arg(long, num_args = 1.., required = true)]
    data: Vec<PathBuf>,
    /// Output folder.
    #[arg(long)]
    out: PathBuf,
    /// Monte Carlo dropout passes per member (0: none).
    #[arg(long, default_value_t = 20)]
    mc_samples: usize,
    /// Spectrometer frequency for files that lack it (LCModel .RAW), MHz.
    #[arg(long)]
    frequency_mhz: Option<f64>,
    /// Dwell time for files that lack it, seconds.
    #[arg(long)]
    dwell_s: Option<f64>,
    /// cpu, cuda or cuda:N.
    #[arg(long, default_value = "cpu")]
    device: DeviceRequest,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let model = Model::load(&args.model, args.device.resolve()?)?;
    anyhow::ensure!(
        model.meta().task == mrs_cnn::Task::Classify,
        "{} is a qCNN; use the quantify example",
        args.model.display()
    );
    let options = ReadOptions {
        spectrometer_frequency_mhz: args.frequency_mhz,
        dwell_time_s: args.dwell_s,
        ..ReadOptions::default()
    };
    let inputs = concat_inputs(
        args.data
            .iter()
            .map(|path| model.prepare_file(path, &options))
            .collect::<Result<Vec<_>, _>>()?,
    );
    let options = PredictOptions {
        mc_samples: args.mc_samples,
        ..PredictOptions::default()
    };
    let predictions = model.predict(&inputs, &options)?;
    let csv = model.to_csv(&inputs.names, &predictions);
    std::fs::create_dir_all(&args.out)?;
    let path = args.out.join("classification.csv");
    mrs_io::atomic::write_atomic(&path, |w| {
        w.write_all(csv.as_bytes())
            .map_err(|e| mrs_io::IoError::new(&path, mrs_io::ErrorKind::Os(e)))
    })?;
    let classes = &model.meta().classes;
    for (i, name) in inputs.names.iter().enumerate() {
        let p = predictions.mean[[i, 0]];
        println!(
            "{name}: P({}) = {p:.3} +/- {:.3} over {} samples -> {}",
            classes[1],
            predictions.sd[[i, 0]],
            predictions.n_samples,
            classes[usize::from(p >= 0.5)]
        );
    }
    println!("wrote {}", path.display());
    Ok(())
}
