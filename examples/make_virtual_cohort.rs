//! Writes a virtual liver cohort: simulated patient spectra in real file formats with
//! `cohort.csv`, `cohort.toml` and the truth in `truth.json`.
//!
//! ```text
//! cargo run --release --example make_virtual_cohort -- \
//!     --generator cohorts/virtual_liver/generator.toml --seed 2024 --out cohorts/virtual_liver
//! ```
//!
//! Writes `OUT/spectra/P01.nii.gz` ... (NIfTI-MRS, LCModel `.RAW` and one jMRUI text file),
//! `OUT/cohort.csv`, `OUT/cohort.toml` and `OUT/truth.json`, and prints one line per group.
//! The default settings are those of the bundled cohort.

use anyhow::Context;
use clap::Parser;
use mrs_study::cohort::{Group, Role};
use mrs_study::virtual_cohort::{generate, GroupCounts, VirtualCohortConfig};
use mrs_synth::Prior;
use std::path::PathBuf;

#[derive(Parser)]
#[command(about = "Simulate a virtual liver cohort in real MRS file formats")]
struct Args {
    /// Generating prior TOML with groups HBV-LC and HBV-LC-HCC.
    #[arg(long)]
    generator: PathBuf,
    /// Seed of every random draw.
    #[arg(long, default_value_t = VirtualCohortConfig::default().seed)]
    seed: u64,
    /// Complex points per FID.
    #[arg(long, default_value_t = VirtualCohortConfig::default().n_points)]
    points: usize,
    /// Dwell time in seconds.
    #[arg(long, default_value_t = VirtualCohortConfig::default().dwell_time_s)]
    dwell_s: f64,
    /// Spectrometer frequency in MHz.
    #[arg(long, default_value_t = VirtualCohortConfig::default().spectrometer_frequency_mhz)]
    frequency_mhz: f64,
    /// HBV-LC prior and test patients, prior,test.
    #[arg(long, value_delimiter = ',', default_values_t = [10, 10])]
    hbv_lc: Vec<usize>,
    /// HBV-LC-HCC prior and test patients, prior,test.
    #[arg(long, value_delimiter = ',', default_values_t = [10, 7])]
    hbv_lc_hcc: Vec<usize>,
    /// Output folder.
    #[arg(long)]
    out: PathBuf,
}

fn counts(values: &[usize], option: &str) -> anyhow::Result<GroupCounts> {
    match values {
        [prior, test] => Ok(GroupCounts {
            prior: *prior,
            test: *test,
        }),
        _ => anyhow::bail!("--{option} takes two counts, prior,test"),
    }
}

fn run(args: Args) -> anyhow::Result<()> {
    // The generator and the settings.
    let generator = Prior::read(&args.generator)?;
    let config = VirtualCohortConfig {
        seed: args.seed,
        n_points: args.points,
        dwell_time_s: args.dwell_s,
        spectrometer_frequency_mhz: args.frequency_mhz,
        hbv_lc: counts(&args.hbv_lc, "hbv-lc")?,
        hbv_lc_hcc: counts(&args.hbv_lc_hcc, "hbv-lc-hcc")?,
        ..VirtualCohortConfig::default()
    };
    // Simulate the basis, draw the patients and write the files.
    let truth = generate(&args.out, &generator, &config)
        .with_context(|| format!("writing the cohort into {}", args.out.display()))?;
    for group in Group::ALL {
        let of_group = |role| {
            truth
                .patients
                .iter()
                .filter(|p| p.group == group && p.role == role)
                .count()
        };
        println!(
            "{group}: {} prior, {} test patients",
            of_group(Role::Prior),
            of_group(Role::Test)
        );
    }
    println!("wrote {}", args.out.display());
    Ok(())
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
