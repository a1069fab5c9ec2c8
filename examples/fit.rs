//! Fits a spectrum with a basis set, LCModel style, and writes the concentration table, the
//! full result and a figure.
//!
//! ```text
//! cargo run --release --example fit -- --basis tests/data/lcmodel-test/3t.basis \
//!     --data tests/data/lcmodel-test/data.raw --frequency-mhz 127.786142 --dwell-s 5e-4 --out out
//! ```
//!
//! Writes `out/concentrations.csv` (name, amplitude, crlb_percent, ratio_to_reference,
//! concentration_mmol_per_l), `out/fit.json` and `out/fit.png`. Several `--data` files are
//! fitted in parallel with a progress bar, each into its own subfolder. Like LCModel, a brain
//! fit adds broad lipid and macromolecule lines when the basis has none, and LCModel's default
//! ratio priors.

use anyhow::{bail, Context};
use clap::Parser;
use mrs_fit::files::{
    read_basis, read_fit_config, read_fit_input, read_water_reference, write_fit_outputs, FitInput,
};
use mrs_fit::{FitConfig, Fitter};
use mrs_io::ReadOptions;
use std::path::{Path, PathBuf};

/// Fit MR spectra with a linear combination of basis spectra.
#[derive(Parser)]
struct Args {
    /// Basis set (LCModel .BASIS or any format read_any detects as a basis).
    #[arg(long)]
    basis: PathBuf,
    /// Water-suppressed data files (any supported format; an LCModel .COORD is fitted on its
    /// phased real spectrum).
    #[arg(long, required = true, num_args = 1..)]
    data: Vec<PathBuf>,
    /// Unsuppressed water reference for concentrations in mmol/L (one data file only).
    #[arg(long)]
    h2o: Option<PathBuf>,
    /// Fit settings as TOML: any field of `mrs_fit::FitConfig`, e.g. the `[water]` tissue
    /// fractions and T2s (see examples/fit_water.toml). Default: LCModel's brain settings.
    #[arg(long, conflicts_with = "liver")]
    config: Option<PathBuf>,
    /// Fitting window in ppm, low,high (default 0.2,4.2, or the settings' window).
    #[arg(long, value_delimiter = ',')]
    window_ppm: Option<Vec<f64>>,
    /// Liver model: LCModel's lipid lines and glycogen, Lip41/Lip43 prior, Lip13 reference.
    #[arg(long)]
    liver: bool,
    /// Fit without LCModel's brain defaults: the lipid and macromolecule lines added when the
    /// basis has no entry named MM*, Lip* or Mac*, and LCModel's ratio priors.
    #[arg(long)]
    no_lcmodel_defaults: bool,
    /// Spectrometer frequency in MHz, for files that lack it (LCModel .RAW).
    #[arg(long)]
    frequency_mhz: Option<f64>,
    /// Dwell time in seconds, for files that lack it (LCModel .RAW).
    #[arg(long)]
    dwell_s: Option<f64>,
    /// Reference shift of the basis in ppm, for LCModel basis sets centred elsewhere than
    /// 4.65 ppm (Osprey writes 4.68).
    #[arg(long)]
    basis_centre_ppm: Option<f64>,
    /// Echo time in ms, for water scaling when the files lack it.
    #[arg(long)]
    te_ms: Option<f64>,
    /// Correct eddy-current phase errors with the --h2o water reference before fitting
    /// (Klose's method); the water reference itself is corrected alike.
    #[arg(long, requires = "h2o")]
    ecc: bool,
    /// Output folder.
    #[arg(long)]
    out: PathBuf,
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
        echo_time_s: args.te_ms.map(|ms| ms / 1000.0),
        ..ReadOptions::default()
    };
    if args.h2o.is_some() && args.data.len() > 1 {
        bail!("--h2o applies to a single --data file");
    }
    let mut config = match (&args.config, args.liver) {
        (Some(path), _) => read_fit_config(path)?,
        (None, true) => FitConfig::liver(),
        (None, false) => FitConfig::default(),
    };
    if let Some(window) = &args.window_ppm {
        let [low, high] = window[..] else {
            bail!("--window-ppm takes two values, low,high");
        };
        config.window_ppm = [low, high];
    }
    let basis = read_basis(&args.basis, args.basis_centre_ppm)?;
    let mut inputs = args
        .data
        .iter()
        .map(|path| read_fit_input(path, &options))
        .collect::<Result<Vec<_>, _>>()?;
    if !args.liver && !args.no_lcmodel_defaults {
        // The GSH prior depends on the echo time: take the first file's.
        let echo_time_s = inputs.iter().find_map(FitInput::echo_time_s);
        config = config.with_brain_defaults(&basis, echo_time_s);
    }
    let fitter = Fitter::new(basis, config.check()?)?;
    let water = args
        .h2o
        .as_deref()
        .map(|h2o| read_water_reference(h2o, &options))
        .transpose()?;
    if let (true, Some(water)) = (args.ecc, &water) {
        for input in &mut inputs {
            input.eddy_current_correct(water)?;
        }
    }
    let bar = indicatif::ProgressBar::new(inputs.len() as u64);
    let results = fitter.fit_inputs(&inputs, |done, _| bar.set_position(done as u64));
    bar.finish_and_clear();
    for (path, result) in args.data.iter().zip(results) {
        let mut result = result.with_context(|| format!("fitting {}", path.display()))?;
        if let Some(water) = &water {
            fitter.apply_water_reference(&mut result, water)?;
        }
        let folder = if args.data.len() == 1 {
            args.out.clone()
        } else {
            args.out.join(stem(path))
        };
        write_fit_outputs(&folder, &result)?;
        eprintln!(
            "{}: {} -> {}",
            path.display(),
            result.report.termination,
            folder.display()
        );
    }
    Ok(())
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map_or("data".into(), |s| s.to_string_lossy().into_owned())
}
