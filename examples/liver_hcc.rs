//! The liver HCC study end to end: NLLS fits of the prior patients, derived priors,
//! simulated datasets, qCNN and cCNN training, qCNN against NLLS on simulated spectra, and
//! quantification and classification of the test patients.
//!
//! ```text
//! cargo run --release --features cnn --example liver_hcc -- --quick
//! cargo run --release --features cnn --example liver_hcc -- \
//!     --cohort my_cohort --config study.toml --out out/my_study --device cuda
//! ```
//!
//! By default it runs on the bundled virtual cohort (`cohorts/virtual_liver`, scored against
//! its `truth.json`) with the real liver spectrum `tests/data/liver/liver.COORD` as an
//! unlabelled patient, and writes `out/liver_hcc/`. The steps live in `mrs_study::pipeline`.

use clap::Parser;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use mrs_cnn::DeviceRequest;
use mrs_study::pipeline::{run, PipelineConfig, PipelinePaths, Step};
use std::path::PathBuf;
use std::sync::Mutex;

#[derive(Parser)]
#[command(about = "Run the liver HCC study: NLLS, priors, simulation, qCNN/cCNN, scoring, report")]
struct Args {
    /// Cohort folder with cohort.csv.
    #[arg(long, default_value = "cohorts/virtual_liver")]
    cohort: PathBuf,
    /// Truth file for scoring; defaults to COHORT/truth.json when it exists.
    #[arg(long)]
    truth: Option<PathBuf>,
    /// Extra spectra processed as unlabelled patients.
    #[arg(long, default_values = ["tests/data/liver/liver.COORD"])]
    unlabelled: Vec<PathBuf>,
    /// Pipeline settings (TOML, fields of mrs_study::pipeline::PipelineConfig).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Output folder.
    #[arg(long, default_value = "out/liver_hcc")]
    out: PathBuf,
    /// Seed of every random draw.
    #[arg(long)]
    seed: Option<u64>,
    /// Small datasets and short training.
    #[arg(long)]
    quick: bool,
    /// cpu, cuda or cuda:N.
    #[arg(long)]
    device: Option<DeviceRequest>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .init();
    let mut config = match (&args.config, args.quick) {
        (Some(path), _) => PipelineConfig::read(path)?,
        (None, true) => PipelineConfig::quick(),
        (None, false) => PipelineConfig::default(),
    };
    config.seed = args.seed.unwrap_or(config.seed);
    config.device = args.device.unwrap_or(config.device);
    let truth = args.truth.clone().or_else(|| {
        let default = args.cohort.join("truth.json");
        default.exists().then_some(default)
    });
    let paths = PipelinePaths {
        cohort: args.cohort,
        truth,
        unlabelled: args.unlabelled,
        out: args.out,
    };

    // One bar per step, created when the step first reports.
    let bars = MultiProgress::new();
    let style =
        ProgressStyle::with_template("{prefix:>28} {bar:30} {pos}/{len} {per_sec} eta {eta}")?;
    let current: Mutex<Option<(Step, ProgressBar)>> = Mutex::new(None);
    let started = std::time::Instant::now();
    let summary = run(&paths, &config, &|step, done, total| {
        let mut current = current.lock().unwrap_or_else(|p| p.into_inner());
        if current.as_ref().is_none_or(|(s, _)| *s != step) {
            if let Some((_, bar)) = current.take() {
                bar.finish();
            }
            let bar = bars.add(ProgressBar::new(total).with_style(style.clone()));
            bar.set_prefix(format!("{step:?}"));
            *current = Some((step, bar));
        }
        if let Some((_, bar)) = current.as_ref() {
            bar.set_length(total);
            bar.set_position(done);
        }
    })?;
    if let Some((_, bar)) = current.lock().unwrap_or_else(|p| p.into_inner()).take() {
        bar.finish();
    }

    println!(
        "\nLiver HCC study, {:.0} s",
        started.elapsed().as_secs_f64()
    );
    let patients = format!("{} / {}", summary.prior_patients, summary.test_patients);
    println!("{:<52} {patients}", "prior / test patients");
    let (better, all) = summary.qcnn_better_targets;
    println!(
        "{:<52} {better} of {all}",
        "targets where qCNN beats NLLS (Holm P <= 0.05)"
    );
    println!(
        "{:<52} {:.1} % / {:.1} %",
        "mean MAPE qCNN / NLLS", summary.mean_mape.0, summary.mean_mape.1
    );
    println!(
        "{:<52} {:.0} / {:.1}",
        "spectra per second qCNN / NLLS",
        summary.spectra_per_second.0,
        summary.spectra_per_second.1
    );
    if let Some([se, sp, acc, auc]) = summary.classification {
        println!(
            "{:<52} {:.0} % / {:.0} % / {:.0} % / {auc:.3}",
            "sensitivity / specificity / accuracy / AUC",
            100.0 * se,
            100.0 * sp,
            100.0 * acc
        );
    }
    for (id, p, sd) in &summary.unlabelled {
        println!(
            "{:<52} {p:.3} +/- {sd:.3}",
            format!("P(HBV-LC-HCC) of {id}")
        );
    }
    for path in &summary.outputs {
        println!("wrote {}", path.display());
    }
    Ok(())
}
