//! Converts a spectroscopy file into NIfTI-MRS, LCModel `.RAW` or jMRUI text, chosen by the
//! output extension (`.nii`/`.nii.gz`, `.raw`/`.h2o`, `.txt`).
//!
//! ```text
//! cargo run --release --example convert -- tests/data/siemens/SVS_30.rda svs30.nii.gz
//! cargo run --release --example convert -- tests/data/fitting-challenge/datasets/dataset1.RAW \
//!     dataset1.nii.gz --frequency-mhz 123.2 --dwell-s 0.00025
//! ```

use anyhow::{bail, Context};
use clap::Parser;
use mrs_io::{read_any, write_signal, Contents, ReadOptions};
use std::path::PathBuf;

/// Convert an MRS file between formats.
#[derive(Parser)]
struct Args {
    /// Input file, any supported signal format (detected from content).
    input: PathBuf,
    /// Output file; its extension selects the format.
    output: PathBuf,
    /// Spectrometer frequency in MHz, for inputs that lack it (LCModel .RAW without $SEQPAR).
    #[arg(long)]
    frequency_mhz: Option<f64>,
    /// Dwell time in seconds, for inputs that lack it (LCModel .RAW).
    #[arg(long)]
    dwell_s: Option<f64>,
    /// Echo time in seconds, for inputs that lack it.
    #[arg(long)]
    echo_time_s: Option<f64>,
    /// Chemical shift at the receiver frequency in ppm (default: the format's, else 4.65 for 1H).
    #[arg(long)]
    reference_ppm: Option<f64>,
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    match run(Args::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> anyhow::Result<()> {
    let options = ReadOptions {
        spectrometer_frequency_mhz: args.frequency_mhz,
        dwell_time_s: args.dwell_s,
        echo_time_s: args.echo_time_s,
        reference_shift_ppm: args.reference_ppm,
        ..ReadOptions::default()
    };
    let loaded = read_any(&args.input, &options)?;
    let Contents::Signal(data) = loaded.contents else {
        bail!(
            "{} is a {} file, not a signal; only time-domain data can be converted",
            args.input.display(),
            loaded.format
        );
    };
    write_signal(&args.output, &data)
        .with_context(|| format!("converting {}", args.input.display()))?;
    tracing::info!(input = %args.input.display(), output = %args.output.display(), "converted");
    Ok(())
}
