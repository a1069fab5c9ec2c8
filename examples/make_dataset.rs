//! Writes a simulated training or test set from a basis set and a prior.
//!
//! ```text
//! cargo run --release --example make_dataset -- --basis press3T_30ms.BASIS \
//!     --prior crates/mrs-synth/priors/liver_example.toml --n 100000 --seed 1 --out data/train
//! ```
//!
//! The folder receives NPY shards and `manifest.json`; `--export 10 --export-format lcmodel`
//! also writes the first 10 spectra as time-domain files under `DIR/export` with `truth.json`.
//! Prior targets name basis entries; missing default lipid lines (Lip09 ... Lip23) are added.

use anyhow::Context;
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use mrs_io::{lcmodel::basis, ReadOptions};
use mrs_synth::export::{export_spectra, ExportFormat};
use mrs_synth::lines::{add_lipid_lines, default_lipid_lines};
use mrs_synth::{write_dataset, DatasetConfig, Prior, Representation, Synthesizer};
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "Simulate spectra with ground truth from a basis set and a prior")]
struct Args {
    /// LCModel .BASIS file.
    #[arg(long)]
    basis: PathBuf,
    /// Prior TOML file.
    #[arg(long)]
    prior: PathBuf,
    /// Number of spectra.
    #[arg(long, default_value_t = 100_000)]
    n: u64,
    /// Dataset seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output folder.
    #[arg(long)]
    out: PathBuf,
    /// Spectra per shard.
    #[arg(long, default_value_t = 16_384)]
    shard_size: usize,
    /// Also export the first N spectra as time-domain files.
    #[arg(long, default_value_t = 0)]
    export: u64,
    /// Network input window, ppm (`MIN,MAX`); 0.2,4.0 fits inside an LCModel .COORD grid.
    #[arg(long, default_value = "0.2,4.0", value_delimiter = ',', num_args = 2)]
    window_ppm: Vec<f64>,
    /// Network input points.
    #[arg(long, default_value_t = 512)]
    points: usize,
    /// Format of exported spectra: nifti or lcmodel.
    #[arg(long, default_value = "nifti", value_parser = ["nifti", "lcmodel"])]
    export_format: String,
}

fn run() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();

    // Load the basis, adding the default lipid lines the prior needs and the basis lacks.
    let mut basis = basis::read(&args.basis, &ReadOptions::default())?.to_basis_set()?;
    let prior = Prior::read(&args.prior)?;
    let missing: Vec<_> = default_lipid_lines()
        .into_iter()
        .filter(|l| prior.targets.contains(&l.name) && basis.get(&l.name).is_none())
        .collect();
    add_lipid_lines(&mut basis, &missing)?;
    let representation = Representation {
        ppm_min: args.window_ppm[0],
        ppm_max: args.window_ppm[1],
        n_points: args.points,
        ..Representation::default()
    };
    let synth = Synthesizer::new(&basis, &prior, &representation)?;

    // Write the shards with a progress bar.
    let bar = ProgressBar::new(args.n).with_style(ProgressStyle::with_template(
        "{bar:40} {pos}/{len} spectra, {per_sec}, eta {eta}",
    )?);
    let config = DatasetConfig {
        seed: args.seed,
        first_index: 0,
        n_spectra: args.n,
        shard_size: args.shard_size,
    };
    write_dataset(&args.out, &synth, &config, |done| bar.set_position(done))
        .with_context(|| format!("writing {}", args.out.display()))?;
    bar.finish();

    // Export the first spectra for other fitting tools.
    if args.export > 0 {
        let format = match args.export_format.as_str() {
            "lcmodel" => ExportFormat::Lcmodel,
            _ => ExportFormat::Nifti,
        };
        let folder = args.out.join("export");
        export_spectra(
            &folder,
            &synth,
            args.seed,
            0,
            args.export.min(args.n),
            format,
        )?;
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
