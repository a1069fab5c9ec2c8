//! Prints what a spectroscopy file holds: format, points, dwell time, spectrometer frequency,
//! echo time and dimensions.
//!
//! ```text
//! cargo run --release --example info -- tests/data/siemens/SVS_30.rda
//! cargo run --release --example info -- tests/data/nifti-mrs/metab_raw.nii.gz --json
//! ```

use anyhow::Context;
use clap::Parser;
use mrs_io::{read_any, FileSummary, ReadOptions};
use std::path::PathBuf;

/// Print the format and acquisition parameters of MRS files.
#[derive(Parser)]
struct Args {
    /// Files to describe (any supported format; detected from content).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Print one JSON object per file instead of text.
    #[arg(long)]
    json: bool,
    /// Spectrometer frequency in MHz, for files that lack it (LCModel .RAW without $SEQPAR).
    #[arg(long)]
    frequency_mhz: Option<f64>,
    /// Dwell time in seconds, for files that lack it (LCModel .RAW).
    #[arg(long)]
    dwell_s: Option<f64>,
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
        ..ReadOptions::default()
    };
    for (index, file) in args.files.iter().enumerate() {
        if index > 0 && !args.json {
            println!();
        }
        let summary = read_any(file, &options)?.summary();
        if args.json {
            println!(
                "{}",
                serde_json::to_string(&summary).context("serialising summary")?
            );
        } else {
            print_text(&summary);
        }
    }
    Ok(())
}

fn print_text(summary: &FileSummary) {
    let optional = |value: Option<f64>| value.map_or("unknown".to_string(), significant);
    let dims: Vec<String> = summary
        .dims
        .iter()
        .map(|(name, size)| format!("{name}={size}"))
        .collect();
    println!("file                          {}", summary.path.display());
    println!("format                        {}", summary.format);
    println!("points                        {}", summary.n_points);
    println!(
        "dwell time (s)                {}",
        optional(summary.dwell_time_s)
    );
    println!(
        "spectrometer frequency (MHz)  {}",
        optional(summary.spectrometer_frequency_mhz)
    );
    println!(
        "echo time (s)                 {}",
        optional(summary.echo_time_s)
    );
    if dims.is_empty() {
        println!("dimensions                    none");
    } else {
        println!("dimensions                    {}", dims.join(", "));
    }
    if !summary.names.is_empty() {
        println!("names                         {}", summary.names.join(" "));
    }
}

/// Formats a value with at most 10 significant digits, hiding binary rounding noise such as
/// 0.0008334000000000001.
fn significant(value: f64) -> String {
    let rounded: f64 = format!("{value:.9e}").parse().unwrap_or(value);
    rounded.to_string()
}
