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
//! fitted in parallel with a progress bar, each into its own subfolder.

use anyhow::{bail, Context};
use clap::Parser;
use mrs_fit::{FitConfig, Fitter, PpmSpectrum};
use mrs_io::{atomic::write_bytes_atomic, read_any, Contents, ReadOptions};
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
    /// Fitting window in ppm, low,high.
    #[arg(long, value_delimiter = ',', default_values_t = [0.2, 4.2])]
    window_ppm: Vec<f64>,
    /// Liver model: LCModel's lipid lines and glycogen, Lip41/Lip43 prior, Lip13 reference.
    #[arg(long)]
    liver: bool,
    /// Spectrometer frequency in MHz, for files that lack it (LCModel .RAW).
    #[arg(long)]
    frequency_mhz: Option<f64>,
    /// Dwell time in seconds, for files that lack it (LCModel .RAW).
    #[arg(long)]
    dwell_s: Option<f64>,
    /// Echo time in ms, for water scaling when the files lack it.
    #[arg(long)]
    te_ms: Option<f64>,
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
    // Read the basis (its own header is complete) and build the fitter from checked settings.
    let Contents::Basis(basis) = read_any(&args.basis, &ReadOptions::default())?.contents else {
        bail!("{} is not a basis set", args.basis.display());
    };
    let mut config = if args.liver {
        FitConfig::liver()
    } else {
        FitConfig::default()
    };
    let [low, high] = args.window_ppm[..] else {
        bail!("--window-ppm takes two values, low,high");
    };
    config.window_ppm = [low, high];
    let fitter = Fitter::new(basis, config.check()?)?;
    if args.h2o.is_some() && args.data.len() > 1 {
        bail!("--h2o applies to a single --data file");
    }
    // Fit the time-domain files in parallel with a progress bar; .COORD spectra on their own.
    let loaded = args
        .data
        .iter()
        .map(|path| Ok(read_any(path, &options)?.contents))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let fids = loaded
        .iter()
        .filter_map(|contents| match contents {
            Contents::Signal(data) => Some(data.to_fid()),
            _ => None,
        })
        .collect::<Result<Vec<_>, _>>()?;
    let bar = indicatif::ProgressBar::new(fids.len() as u64);
    let mut batch = fitter
        .fit_batch(&fids, |done, _| bar.set_position(done as u64))
        .into_iter();
    bar.finish_and_clear();
    for (path, contents) in args.data.iter().zip(&loaded) {
        let result = match contents {
            Contents::Signal(_) => batch.next().context("one result per signal")?,
            Contents::Coord(coord) => {
                let mhz = coord
                    .spectrometer_frequency_mhz()
                    .context("COORD lacks hzpppm")?;
                let data = coord.data.as_deref().context("COORD lacks phased data")?;
                fitter.fit_ppm_spectrum(&PpmSpectrum::from_real(coord.ppm.clone(), data, mhz))
            }
            _ => bail!("{} is a basis set, not data", path.display()),
        };
        let mut result = result.with_context(|| format!("fitting {}", path.display()))?;
        if let Some(h2o) = &args.h2o {
            let Contents::Signal(water) = read_any(h2o, &options)?.contents else {
                bail!("{} contains no time-domain signal", h2o.display());
            };
            fitter.apply_water_reference(&mut result, &water.to_fid()?)?;
        }
        let folder = if args.data.len() == 1 {
            args.out.clone()
        } else {
            args.out.join(stem(path))
        };
        std::fs::create_dir_all(&folder)
            .with_context(|| format!("creating {}", folder.display()))?;
        // Write the table, the full result and the figure, each atomically.
        write_bytes_atomic(
            &folder.join("concentrations.csv"),
            result.to_csv().as_bytes(),
        )?;
        write_bytes_atomic(
            &folder.join("fit.json"),
            serde_json::to_string_pretty(&result)?.as_bytes(),
        )?;
        mrs_fit::plot::write_png(&folder.join("fit.png"), &result, &Default::default())?;
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
