//! Trains a qCNN (contents of every target) on a simulated dataset.
//!
//! ```text
//! cargo run --release --features cnn --example train_qcnn -- \
//!     --train out/dataset/train --valid out/dataset/valid --out out/qcnn --epochs 30
//! ```
//!
//! Writes the model folder (`model.json` and one safetensors file per ensemble member). Without
//! `--valid`, the last tenth of the training set is held out for validation. `--arch FILE`
//! reads the network shape from JSON (fields of `mrs_cnn::Architecture`).

use anyhow::Context;
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use mrs_cnn::{train_qcnn, Architecture, DeviceRequest, Event, Layout, TrainConfig};
use mrs_synth::Dataset;
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "Train a qCNN on a simulated dataset")]
struct Args {
    /// Training dataset folder (from make_dataset).
    #[arg(long)]
    train: PathBuf,
    /// Validation dataset folder.
    #[arg(long)]
    valid: Option<PathBuf>,
    /// Output model folder.
    #[arg(long)]
    out: PathBuf,
    /// Network shape as JSON; the default architecture otherwise.
    #[arg(long)]
    arch: Option<PathBuf>,
    /// Maximum number of epochs.
    #[arg(long, default_value_t = 40)]
    epochs: usize,
    /// Spectra per step.
    #[arg(long, default_value_t = 128)]
    batch_size: usize,
    /// Initial learning rate.
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    /// Ensemble members.
    #[arg(long, default_value_t = 1)]
    members: usize,
    /// One network for all targets, or one per target.
    #[arg(long, default_value = "multi-output", value_parser = ["multi-output", "per-target"])]
    layout: String,
    /// Seed of the first member.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// cpu, cuda or cuda:N.
    #[arg(long, default_value = "cpu")]
    device: DeviceRequest,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let architecture: Architecture = match &args.arch {
        Some(path) => serde_json::from_str(&std::fs::read_to_string(path)?)
            .with_context(|| format!("reading {}", path.display()))?,
        None => Architecture::default(),
    };
    let config = TrainConfig {
        epochs: args.epochs,
        batch_size: args.batch_size,
        learning_rate: args.lr,
        members: args.members,
        seed: args.seed,
        layout: if args.layout == "per-target" {
            Layout::PerTarget
        } else {
            Layout::MultiOutput
        },
        ..TrainConfig::default()
    };
    let train = Dataset::open(&args.train)?;
    let valid = args.valid.as_ref().map(|p| Dataset::open(p)).transpose()?;
    let validation = valid.as_ref().zip(args.valid.as_deref());

    let bar = ProgressBar::new(0).with_style(ProgressStyle::with_template(
        "member {prefix} {bar:30} {pos}/{len} spectra {msg}",
    )?);
    let model = train_qcnn(
        (&train, &args.train),
        validation,
        &architecture,
        &config,
        args.device,
        &mut |event| {
            match event {
            Event::Start { spectra_per_epoch, .. } => bar.set_length(spectra_per_epoch),
            Event::Batch { member, epoch, done } => {
                bar.set_prefix(format!("{member} epoch {epoch}"));
                bar.set_position(done);
            }
            Event::Epoch { member, log } => bar.suspend(|| eprintln!(
                "member {member} epoch {:>3}: train loss {:.4}, validation loss {:.4}, MAPE {:.1} %, lr {:.2e}, {:.1} s",
                log.epoch, log.train_loss, log.validation_loss, log.validation_metric, log.learning_rate, log.seconds
            )),
        }
        },
    )?;
    bar.finish_and_clear();
    model.save(&args.out)?;
    let meta = model.meta();
    println!(
        "baseline (prior mean): validation loss {:.4}, MAPE {:.1} %",
        meta.baseline.validation_loss, meta.baseline.validation_metric
    );
    for member in &meta.members {
        let best = &member.history[member.best_epoch - 1];
        println!(
            "member seed {}: best epoch {}, validation loss {:.4}, MAPE {:.1} %",
            member.seed, member.best_epoch, best.validation_loss, best.validation_metric
        );
    }
    println!("model written to {}", args.out.display());
    Ok(())
}
