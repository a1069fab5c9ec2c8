//! Trains a cCNN (probability of one group against the other) on a simulated dataset.
//!
//! ```text
//! cargo run --release --features cnn --example train_ccnn -- \
//!     --train out/dataset/train --valid out/dataset/valid --positive HBV-LC-HCC --out out/ccnn
//! ```
//!
//! The dataset must hold exactly two groups. Writes the model folder.

use anyhow::Context;
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use mrs_cnn::{train_ccnn, Architecture, DeviceRequest, Event, TrainConfig};
use mrs_synth::Dataset;
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "Train a cCNN on a simulated two-group dataset")]
struct Args {
    /// Training dataset folder (from make_dataset).
    #[arg(long)]
    train: PathBuf,
    /// Validation dataset folder.
    #[arg(long)]
    valid: Option<PathBuf>,
    /// Group whose probability the network gives.
    #[arg(long, default_value = "HBV-LC-HCC")]
    positive: String,
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
        ..TrainConfig::default()
    };
    let train = Dataset::open(&args.train)?;
    let valid = args.valid.as_ref().map(|p| Dataset::open(p)).transpose()?;
    let validation = valid.as_ref().zip(args.valid.as_deref());

    let bar = ProgressBar::new(0).with_style(ProgressStyle::with_template(
        "member {prefix} {bar:30} {pos}/{len} spectra {msg}",
    )?);
    let model = train_ccnn(
        (&train, &args.train),
        validation,
        &architecture,
        &config,
        &args.positive,
        args.device,
        &mut |event| {
            match event {
            Event::Start { spectra_per_epoch, .. } => bar.set_length(spectra_per_epoch),
            Event::Batch { member, epoch, done } => {
                bar.set_prefix(format!("{member} epoch {epoch}"));
                bar.set_position(done);
            }
            Event::Epoch { member, log } => bar.suspend(|| eprintln!(
                "member {member} epoch {:>3}: train loss {:.4}, validation loss {:.4}, accuracy {:.3}, lr {:.2e}, {:.1} s",
                log.epoch, log.train_loss, log.validation_loss, log.validation_metric, log.learning_rate, log.seconds
            )),
        }
        },
    )?;
    bar.finish_and_clear();
    model.save(&args.out)?;
    let meta = model.meta();
    println!(
        "baseline (majority class): validation loss {:.4}, accuracy {:.3}",
        meta.baseline.validation_loss, meta.baseline.validation_metric
    );
    for member in &meta.members {
        let best = &member.history[member.best_epoch - 1];
        println!(
            "member seed {}: best epoch {}, validation loss {:.4}, accuracy {:.3}",
            member.seed, member.best_epoch, best.validation_loss, best.validation_metric
        );
    }
    println!("model written to {}", args.out.display());
    Ok(())
}
