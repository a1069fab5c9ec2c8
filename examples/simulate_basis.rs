//! Simulates a basis set and writes it as a PNG plot and a JSON `BasisSet`.
//!
//! ```text
//! cargo run --release --example simulate_basis -- --sequence press --te1-ms 11 --te2-ms 19 \
//!     --frequency-mhz 123.2 --points 2048 --dwell-s 0.00025 --metabolites liver --out DIR
//! ```
//!
//! Writes `DIR/basis.png` (real spectra, stacked, 3 Hz Lorentzian for display), and the
//! unbroadened basis as `DIR/basis.json`, LCModel `DIR/basis.BASIS` and NIfTI-MRS
//! `DIR/basis.nii.gz` (entries along `DIM_USER_0`, names in `dim_5_header`).

use anyhow::{bail, Context, Result};
use clap::Parser;
use mrs_core::Acquisition;
use mrs_io::lcmodel::basis::BasisWriteOptions;
use mrs_sim::plot::{plot_basis_png, PlotOptions};
use mrs_sim::{broaden_for_display, simulate_basis, Library, Sequence, SimulationParameters};
use std::path::PathBuf;
use tracing_subscriber::EnvFilter;

#[derive(Parser)]
#[command(about = "Simulate an MRS basis set with ideal pulses")]
struct Args {
    /// Sequence: pulse-acquire, spin-echo, press or steam.
    #[arg(long, default_value = "press")]
    sequence: String,
    /// First echo time of PRESS in ms; also the echo time of spin-echo and STEAM.
    #[arg(long, default_value_t = 11.0)]
    te1_ms: f64,
    /// Second echo time of PRESS in ms.
    #[arg(long, default_value_t = 19.0)]
    te2_ms: f64,
    /// STEAM mixing time in ms.
    #[arg(long, default_value_t = 10.0)]
    tm_ms: f64,
    /// Spectrometer frequency in MHz.
    #[arg(long, default_value_t = 123.2)]
    frequency_mhz: f64,
    /// Number of complex points.
    #[arg(long, default_value_t = 2048)]
    points: usize,
    /// Dwell time in seconds.
    #[arg(long, default_value_t = 0.00025)]
    dwell_s: f64,
    /// Comma-separated metabolite, broad-line or set names, e.g. `liver` or `Cr,Lac`.
    #[arg(long, default_value = "liver")]
    metabolites: String,
    /// Extra spin-system TOML file whose entries replace built-in ones of the same name.
    #[arg(long)]
    library: Option<PathBuf>,
    /// TrueType font for plot labels.
    #[arg(
        long,
        default_value = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    )]
    font: PathBuf,
    /// Output folder.
    #[arg(long)]
    out: PathBuf,
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    if let Err(error) = run(Args::parse()) {
        eprintln!("error: {error:#}");
        std::process::exit(1);
    }
}

fn run(args: Args) -> Result<()> {
    // Sequence and acquisition from the arguments.
    let (te1_s, te2_s, tm_s) = (args.te1_ms * 1e-3, args.te2_ms * 1e-3, args.tm_ms * 1e-3);
    let sequence = match args.sequence.as_str() {
        "pulse-acquire" => Sequence::PulseAcquire,
        "spin-echo" => Sequence::SpinEcho { echo_time_s: te1_s },
        "press" => Sequence::Press { te1_s, te2_s },
        "steam" => Sequence::Steam {
            echo_time_s: te1_s,
            mixing_time_s: tm_s,
        },
        other => bail!("unknown sequence '{other}'; use pulse-acquire, spin-echo, press or steam"),
    };
    let acquisition = Acquisition::new(args.dwell_s, args.frequency_mhz)?;
    let parameters = SimulationParameters::new(acquisition, args.points, sequence)?;

    // Library: built-in, then the user's file; then simulate.
    let mut library = Library::builtin()?;
    if let Some(path) = &args.library {
        library.merge(Library::from_path(path)?);
    }
    let names: Vec<&str> = args.metabolites.split(',').map(str::trim).collect();
    let basis = simulate_basis(&library, &names, &parameters)?;
    tracing::info!(entries = basis.len(), "basis simulated");

    // Outputs: JSON, LCModel .BASIS and NIfTI-MRS of the unbroadened basis, PNG of the broadened
    // spectra.
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let json_path = args.out.join("basis.json");
    mrs_io::atomic::write_bytes_atomic(&json_path, &serde_json::to_vec_pretty(&basis)?)?;
    let lcmodel_path = args.out.join("basis.BASIS");
    mrs_io::lcmodel::basis::write(&lcmodel_path, &basis, &BasisWriteOptions::default())?;
    let nifti_path = args.out.join("basis.nii.gz");
    mrs_io::nifti::write_basis(&nifti_path, &basis, &mrs_io::nifti::WriteOptions::default())?;
    // plotters keeps a registered font for the whole program, so the bytes are leaked.
    let font = std::fs::read(&args.font)
        .ok()
        .map(|b| &*Box::leak(b.into_boxed_slice()));
    if font.is_none() {
        tracing::warn!(path = %args.font.display(), "cannot read the font; plot has no labels");
    }
    let options = PlotOptions {
        font,
        ..PlotOptions::default()
    };
    let png_path = args.out.join("basis.png");
    plot_basis_png(&broaden_for_display(&basis, 3.0)?, &png_path, &options)?;
    println!(
        "wrote {}, {}, {} and {}",
        json_path.display(),
        lcmodel_path.display(),
        nifti_path.display(),
        png_path.display()
    );
    Ok(())
}
