//! The whole study in one call: from a cohort folder to the report (feature `cnn`).
//!
//! 1. Read every patient; fit the prior patients with NLLS.
//! 2. Derive one prior per group from those fits (never from a generator's truth).
//! 3. Simulate training, validation and test datasets from the derived prior.
//! 4. Train the qCNN and the cCNN.
//! 5. Compare qCNN and NLLS on the simulated test set: per-target absolute percent errors,
//!    paired Wilcoxon signed-rank test with Holm's correction, time per method.
//! 6. Quantify the test patients with both methods; classify them with the cCNN.
//! 7. Score the classification of the labelled test patients.
//! 8. Write `metrics.json`, `qcnn_vs_nlls.csv`, `patients.csv` and `report.html`.
//!
//! Labels of test patients come from a truth file (a virtual cohort's `truth.json`) when one
//! is given, otherwise from `cohort.csv`; they are used only for scoring.

use crate::cohort::{Cohort, Group, Patient, Role};
use crate::error::{Result, StudyError};
use crate::nlls::{self, LiverModel, PatientFit};
use crate::report::{
    self, ErrorFigure, ExampleFit, MethodTiming, PatientQuantities, PatientRow, ReportInput,
    StudyMetrics, Uncertainty,
};
use crate::scoring::{self, MethodComparison, PatientProbability};
use crate::virtual_cohort::{self, CohortTruth, VirtualCohortConfig};
use mrs_cnn::{Architecture, DeviceRequest, Event, Model, PredictOptions, TrainConfig};
use mrs_stats::{BootstrapConfig, ClassifierConfig, Correction, ErrorConfig};
use mrs_synth::{
    Channels, Dataset, DatasetConfig, DeriveOptions, Normalisation, Prior, Representation,
    Synthesizer,
};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The illustrative liver prior that supplies phases, baseline and residual water, which
/// the NLLS fits of the prior patients do not estimate.
const TEMPLATE_PRIOR: &str = include_str!("../../mrs-synth/priors/liver_example.toml");

/// Settings of the pipeline. [`PipelineConfig::default`] is the full run;
/// [`PipelineConfig::quick`] a small one for tests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PipelineConfig {
    /// Seed of every random draw (datasets, weights, shuffling, bootstrap).
    pub seed: u64,
    /// Acquisition and PRESS timings of the simulated basis; the group counts are unused.
    pub basis: VirtualCohortConfig,
    /// NLLS model for the patients and the simulated test set.
    pub nlls_model: LiverModel,
    /// Network input.
    pub representation: Representation,
    /// Training spectra.
    pub n_train: u64,
    /// Validation spectra.
    pub n_validation: u64,
    /// Simulated test spectra quantified by the qCNN.
    pub n_test: u64,
    /// The first this many test spectra are also fitted by NLLS and enter the comparison.
    pub n_compare: u64,
    /// Spectra per dataset shard.
    pub shard_size: usize,
    /// Network shape of both networks.
    pub architecture: Architecture,
    /// qCNN training.
    pub qcnn: TrainConfig,
    /// cCNN training.
    pub ccnn: TrainConfig,
    /// Monte Carlo dropout passes per member for patient predictions.
    pub mc_samples: usize,
    /// Device of the networks.
    pub device: DeviceRequest,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            seed: 1,
            basis: VirtualCohortConfig::default(),
            nlls_model: LiverModel::SynthesisMatched,
            // 0.2-4.0 ppm fits inside an LCModel .COORD grid (4.0 to 0.1 ppm).
            representation: Representation {
                ppm_min: 0.2,
                ppm_max: 4.0,
                n_points: 512,
                channels: Channels::Real,
                normalisation: Normalisation::MaxAbsReal,
            },
            n_train: 60_000,
            n_validation: 5_000,
            n_test: 10_000,
            n_compare: 10_000,
            shard_size: 10_000,
            architecture: Architecture::default(),
            qcnn: TrainConfig {
                epochs: 25,
                learning_rate: 3e-3,
                patience: 5,
                ..TrainConfig::default()
            },
            ccnn: TrainConfig {
                epochs: 8,
                patience: 3,
                ..TrainConfig::default()
            },
            mc_samples: 20,
            device: DeviceRequest::Cpu,
        }
    }
}

impl PipelineConfig {
    /// Small datasets and short training: the whole run takes about a minute on two cores.
    pub fn quick() -> Self {
        let full = PipelineConfig::default();
        PipelineConfig {
            n_train: 10_000,
            n_validation: 1_000,
            n_test: 1_000,
            n_compare: 300,
            shard_size: 5_000,
            qcnn: TrainConfig {
                epochs: 6,
                ..full.qcnn.clone()
            },
            ccnn: TrainConfig {
                epochs: 3,
                ..full.ccnn.clone()
            },
            mc_samples: 5,
            ..full
        }
    }

    /// Reads a TOML file; missing fields keep their defaults.
    ///
    /// # Errors
    /// [`StudyError::Io`] when unreadable; [`StudyError::InvalidInput`] for invalid TOML.
    pub fn read(path: &Path) -> Result<PipelineConfig> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| mrs_io::IoError::new(path, mrs_io::ErrorKind::Os(e)))?;
        toml::from_str(&text)
            .map_err(|e| StudyError::input(path.display().to_string(), e.to_string()))
    }

    fn check(&self) -> Result<()> {
        let counts_ok = self.n_train >= 10
            && self.n_validation >= 2
            && self.n_test >= 1
            && (1..=self.n_test).contains(&self.n_compare);
        if !counts_ok {
            return Err(StudyError::input(
                "pipeline config",
                format!(
                    "n_train {} (at least 10), n_validation {} (at least 2), n_test {} (at least 1) \
                     and n_compare {} (1 to n_test)",
                    self.n_train, self.n_validation, self.n_test, self.n_compare
                ),
            ));
        }
        Ok(())
    }
}

/// Long steps, for progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// NLLS fits of the prior patients.
    FitPriorPatients,
    /// Writing the training, validation and test datasets.
    Simulate,
    /// qCNN training (spectra of the current epoch).
    TrainQcnn,
    /// cCNN training (spectra of the current epoch).
    TrainCcnn,
    /// NLLS fits of the simulated test spectra.
    NllsBenchmark,
    /// NLLS fits of the test patients.
    FitTestPatients,
}

/// Input and output locations of the pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelinePaths {
    /// Cohort folder with `cohort.csv`.
    pub cohort: PathBuf,
    /// Truth file for scoring (a virtual cohort's `truth.json`); `None` uses `cohort.csv`.
    pub truth: Option<PathBuf>,
    /// Extra spectra processed as unlabelled test patients, e.g. a real `.COORD`.
    pub unlabelled: Vec<PathBuf>,
    /// Output folder.
    pub out: PathBuf,
}

/// The headline figures, for the closing summary table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PipelineSummary {
    /// Prior patients fitted per group.
    pub prior_patients: usize,
    /// Test patients (unlabelled included).
    pub test_patients: usize,
    /// Targets where the qCNN's mean absolute percent error is below NLLS's with an adjusted
    /// P-value of at most 0.05, out of all targets.
    pub qcnn_better_targets: (usize, usize),
    /// Mean over targets of each method's MAPE on the simulated test set, percent.
    pub mean_mape: (f64, f64),
    /// Spectra per second of each method on the simulated test set (qCNN, NLLS).
    pub spectra_per_second: (f64, f64),
    /// Sensitivity, specificity, accuracy and AUC on the labelled test patients.
    pub classification: Option<[f64; 4]>,
    /// Class probabilities of the unlabelled patients (id, probability, SD).
    pub unlabelled: Vec<(String, f64, f64)>,
    /// Output files.
    pub outputs: Vec<PathBuf>,
}

/// Runs the study; `progress(step, done, total)` reports long steps (from worker threads for
/// the NLLS steps).
///
/// # Errors
/// Any step's error: cohort input, fits, prior derivation, datasets, training, statistics or
/// writing.
pub fn run(
    paths: &PipelinePaths,
    config: &PipelineConfig,
    progress: &(dyn Fn(Step, u64, u64) + Sync),
) -> Result<PipelineSummary> {
    config.check()?;
    let out = &paths.out;
    std::fs::create_dir_all(out)
        .map_err(|e| mrs_io::IoError::new(out, mrs_io::ErrorKind::Os(e)))?;
    let mut cohort = Cohort::load(&paths.cohort)?;
    let mut unlabelled_ids = Vec::new();
    for file in &paths.unlabelled {
        let id = file.file_name().map_or_else(
            || file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        cohort.push_unlabelled(&id, file)?;
        unlabelled_ids.push(id);
    }
    let labels = test_labels(&cohort, paths.truth.as_deref())?;
    let template = Prior::from_toml_str(TEMPLATE_PRIOR, Path::new("liver_example.toml"))?;
    let targets = template.targets.clone();
    let basis = virtual_cohort::liver_basis(&config.basis)?;
    let fitter = nlls::liver_fitter(basis.clone(), config.nlls_model)?;

    // 1-2. Fit the prior patients and derive the priors.
    let prior_patients: Vec<&Patient> = Group::ALL
        .into_iter()
        .flat_map(|g| cohort.prior_patients(g))
        .collect();
    let n_prior = prior_patients.len() as u64;
    let prior_fits = nlls::fit_patients(&fitter, &cohort, &prior_patients, &targets, |d, _| {
        progress(Step::FitPriorPatients, d as u64, n_prior)
    })?;
    let prior = nlls::derive_prior(&prior_fits, &targets, &template, &DeriveOptions::default())?;
    tracing::info!(description = %prior.description, "derived prior");
    let prior_path = out.join("derived_prior.toml");
    let prior_text = prior.to_toml_string()?;
    mrs_io::atomic::write_atomic(&prior_path, |w| {
        w.write_all(prior_text.as_bytes())
            .map_err(|e| mrs_io::IoError::new(&prior_path, mrs_io::ErrorKind::Os(e)))
    })?;

    // 3. Simulate the datasets.
    let synth = Synthesizer::new(&basis, &prior, &config.representation)?;
    let data_root = out.join("datasets");
    let sets = [
        ("train", config.seed, config.n_train),
        ("validation", config.seed + 1, config.n_validation),
        ("test", config.seed + 2, config.n_test),
    ];
    let total: u64 = sets.iter().map(|s| s.2).sum();
    let mut written = 0;
    let mut datasets = Vec::new();
    for (name, seed, n) in sets {
        let folder = data_root.join(name);
        let dataset_config = DatasetConfig {
            seed,
            first_index: 0,
            n_spectra: n,
            shard_size: config.shard_size,
        };
        mrs_synth::write_dataset(&folder, &synth, &dataset_config, |done| {
            progress(Step::Simulate, written + done, total)
        })?;
        written += n;
        datasets.push((Dataset::open(&folder)?, folder));
    }
    let (train, validation, test) = (&datasets[0], &datasets[1], &datasets[2]);

    // 4. Train both networks.
    let mut qcnn_progress = training_progress(Step::TrainQcnn, progress);
    let qcnn = mrs_cnn::train_qcnn(
        (&train.0, &train.1),
        Some((&validation.0, &validation.1)),
        &config.architecture,
        &TrainConfig {
            seed: config.seed,
            ..config.qcnn.clone()
        },
        config.device,
        &mut qcnn_progress,
    )?;
    qcnn.save(&out.join("models/qcnn"))?;
    let mut ccnn_progress = training_progress(Step::TrainCcnn, progress);
    let ccnn = mrs_cnn::train_ccnn(
        (&train.0, &train.1),
        Some((&validation.0, &validation.1)),
        &config.architecture,
        &TrainConfig {
            seed: config.seed + 100,
            ..config.ccnn.clone()
        },
        Group::HbvLcHcc.name(),
        config.device,
        &mut ccnn_progress,
    )?;
    ccnn.save(&out.join("models/ccnn"))?;

    // 5. qCNN against NLLS on the simulated test set.
    let (comparison, errors_figure, timings) =
        simulated_benchmark(config, &qcnn, test, &fitter, &synth, &targets, progress)?;

    // 6. The test patients: NLLS, qCNN and cCNN.
    let test_patients: Vec<&Patient> = cohort.test_patients().collect();
    let n_test_patients = test_patients.len() as u64;
    let test_fits = nlls::fit_patients(&fitter, &cohort, &test_patients, &targets, |d, _| {
        progress(Step::FitTestPatients, d as u64, n_test_patients)
    })?;
    let options = PredictOptions {
        mc_samples: config.mc_samples,
        seed: config.seed,
        ..PredictOptions::default()
    };
    let read_options = cohort.read_options();
    let inputs = mrs_cnn::concat_inputs(
        test_patients
            .iter()
            .map(|p| qcnn.prepare_file(&p.file, &read_options))
            .collect::<std::result::Result<Vec<_>, _>>()?,
    );
    let contents = qcnn.predict(&inputs, &options)?;
    let classes = ccnn.predict(&inputs, &options)?;

    let mut rows = Vec::new();
    let mut probabilities = Vec::new();
    for (i, (patient, fit)) in test_patients.iter().zip(&test_fits).enumerate() {
        let group = labels.get(&patient.id).copied().flatten();
        let probability = (classes.mean[[i, 0]], classes.sd[[i, 0]]);
        probabilities.push(PatientProbability {
            patient_id: patient.id.clone(),
            probability: probability.0,
            probability_sd: probability.1,
            group,
        });
        rows.push(PatientRow {
            patient_id: patient.id.clone(),
            group,
            role: Role::Test,
            quantities: vec![
                PatientQuantities::from_nlls(fit),
                PatientQuantities {
                    method: "qCNN".into(),
                    uncertainty: Uncertainty::Sd,
                    contents: contents.mean.row(i).to_vec(),
                    uncertainties: contents.sd.row(i).to_vec(),
                },
            ],
            probability: Some(probability),
        });
    }
    for fit in &prior_fits {
        rows.push(PatientRow {
            patient_id: fit.patient_id.clone(),
            group: fit.group,
            role: Role::Prior,
            quantities: vec![PatientQuantities::from_nlls(fit)],
            probability: None,
        });
    }

    // 7. Score the labelled test patients.
    let classification = if probabilities.iter().filter(|p| p.group.is_some()).count() >= 2 {
        match scoring::score_classification(&probabilities, &ClassifierConfig::default()) {
            Ok(score) => Some(score),
            Err(e) => {
                tracing::warn!(error = %e, "classification not scored");
                None
            }
        }
    } else {
        None
    };

    // 8. Outputs.
    let summary = summarise(
        &comparison,
        &timings,
        classification.as_ref(),
        &probabilities,
        prior_fits.len(),
        test_patients.len(),
    );
    let mut metrics = StudyMetrics {
        targets: targets.clone(),
        timings,
        comparison: Some(comparison.clone()),
        classification: classification.clone(),
        ..StudyMetrics::default()
    };
    let extra = [
        ("config", serde_json::to_value(config)),
        ("derived_prior", serde_json::to_value(&prior)),
        ("qcnn_training", serde_json::to_value(&qcnn.meta().members)),
        ("qcnn_baseline", serde_json::to_value(&qcnn.meta().baseline)),
        ("ccnn_training", serde_json::to_value(&ccnn.meta().members)),
        ("ccnn_baseline", serde_json::to_value(&ccnn.meta().baseline)),
        ("summary", serde_json::to_value(&summary)),
    ];
    for (key, value) in extra {
        if let Ok(value) = value {
            metrics.extra.insert(key.to_string(), value);
        }
    }
    let metrics_path = out.join("metrics.json");
    report::write_json(&metrics_path, &metrics)?;
    let comparison_path = out.join("qcnn_vs_nlls.csv");
    report::write_comparison_csv(&comparison_path, &comparison)?;
    let patients_path = out.join("patients.csv");
    report::write_patients_csv(&patients_path, &targets, &rows)?;
    let report_path = out.join("report.html");
    let input = ReportInput {
        title: "Liver 1H-MRS: qCNN and cCNN against NLLS".into(),
        summary: summary_rows(&summary, config, &prior),
        example_fits: example_fits(&prior_fits, &test_fits, &unlabelled_ids),
        errors: Some(errors_figure),
        comparison: Some(comparison),
        classification,
        probabilities,
        cohort_note: if paths.truth.is_some() {
            report::VIRTUAL_COHORT_NOTE.to_string()
        } else {
            String::new()
        },
    };
    report::write_report_html(&report_path, &input)?;
    Ok(PipelineSummary {
        outputs: vec![report_path, metrics_path, comparison_path, patients_path],
        ..summary
    })
}

/// Maps training events to `progress(step, spectra done in this epoch, spectra per epoch)`.
fn training_progress<'a>(
    step: Step,
    progress: &'a (dyn Fn(Step, u64, u64) + Sync),
) -> impl FnMut(Event<'_>) + 'a {
    let mut per_epoch = 0;
    move |event| match event {
        Event::Start {
            spectra_per_epoch, ..
        } => per_epoch = spectra_per_epoch,
        Event::Batch { done, .. } => progress(step, done, per_epoch),
        Event::Epoch { .. } => {}
    }
}

/// Labels of the test patients: from the truth file when given, else from `cohort.csv`.
fn test_labels(
    cohort: &Cohort,
    truth: Option<&Path>,
) -> Result<std::collections::BTreeMap<String, Option<Group>>> {
    let truth = truth.map(CohortTruth::read).transpose()?;
    Ok(cohort
        .test_patients()
        .map(|p| {
            let group = match &truth {
                Some(t) => t.patient(&p.id).map(|t| t.group),
                None => p.group,
            };
            (p.id.clone(), group)
        })
        .collect())
}

type Benchmark = (MethodComparison, ErrorFigure, Vec<MethodTiming>);

fn simulated_benchmark(
    config: &PipelineConfig,
    qcnn: &Model,
    test: &(Dataset, PathBuf),
    fitter: &mrs_fit::Fitter,
    synth: &Synthesizer,
    targets: &[String],
    progress: &(dyn Fn(Step, u64, u64) + Sync),
) -> Result<Benchmark> {
    let started = Instant::now();
    let predictions = qcnn.predict_dataset(&test.0, &test.1, &PredictOptions::default())?;
    let qcnn_s = started.elapsed().as_secs_f64();
    let n = config.n_compare;
    let nlls = nlls::nlls_benchmark(fitter, synth, test.0.manifest().seed, 0..n, |d, _| {
        progress(Step::NllsBenchmark, d as u64, n)
    })?;
    let qcnn_estimates: Vec<Vec<f64>> = (0..n as usize)
        .map(|i| predictions.mean.row(i).to_vec())
        .collect();
    let error_config = ErrorConfig {
        bootstrap: BootstrapConfig {
            n_resamples: 2_000,
            seed: config.seed,
            ..BootstrapConfig::default()
        },
        ..ErrorConfig::default()
    };
    let qcnn_errors =
        scoring::errors_per_target(targets, &qcnn_estimates, &nlls.truth, &error_config)?;
    let nlls_errors =
        scoring::errors_per_target(targets, &nlls.contents(), &nlls.truth, &error_config)?;
    let comparison =
        scoring::compare_methods("qCNN", &qcnn_errors, "NLLS", &nlls_errors, Correction::Holm)?;
    let figure = ErrorFigure::from_errors(&[("qCNN", &qcnn_errors), ("NLLS", &nlls_errors)])?;
    let timings = vec![
        MethodTiming {
            method: "qCNN".into(),
            n_spectra: config.n_test as usize,
            elapsed_s: qcnn_s,
        },
        MethodTiming {
            method: "NLLS".into(),
            n_spectra: n as usize,
            elapsed_s: nlls.elapsed_s,
        },
    ];
    Ok((comparison, figure, timings))
}

fn summarise(
    comparison: &MethodComparison,
    timings: &[MethodTiming],
    classification: Option<&scoring::ClassificationScore>,
    probabilities: &[PatientProbability],
    prior_patients: usize,
    test_patients: usize,
) -> PipelineSummary {
    let rows = &comparison.rows;
    let better = rows
        .iter()
        .filter(|r| r.mape_a < r.mape_b && r.adjusted_p_value <= 0.05)
        .count();
    let mean = |f: fn(&scoring::ComparisonRow) -> f64| {
        rows.iter().map(f).sum::<f64>() / rows.len().max(1) as f64
    };
    let rate = |t: &MethodTiming| t.n_spectra as f64 / t.elapsed_s.max(1e-9);
    PipelineSummary {
        prior_patients,
        test_patients,
        qcnn_better_targets: (better, rows.len()),
        mean_mape: (mean(|r| r.mape_a), mean(|r| r.mape_b)),
        spectra_per_second: (rate(&timings[0]), rate(&timings[1])),
        classification: classification.map(|c| {
            let r = &c.report;
            [
                r.at_threshold
                    .sensitivity
                    .as_ref()
                    .map_or(f64::NAN, |p| p.estimate),
                r.at_threshold
                    .specificity
                    .as_ref()
                    .map_or(f64::NAN, |p| p.estimate),
                r.at_threshold
                    .accuracy
                    .as_ref()
                    .map_or(f64::NAN, |p| p.estimate),
                r.auc.auc,
            ]
        }),
        unlabelled: probabilities
            .iter()
            .filter(|p| p.group.is_none())
            .map(|p| (p.patient_id.clone(), p.probability, p.probability_sd))
            .collect(),
        outputs: Vec::new(),
    }
}

fn summary_rows(
    summary: &PipelineSummary,
    config: &PipelineConfig,
    prior: &Prior,
) -> Vec<(String, String)> {
    let mut rows = vec![
        (
            "Prior patients (NLLS fits)".to_string(),
            summary.prior_patients.to_string(),
        ),
        (
            "Test patients".to_string(),
            summary.test_patients.to_string(),
        ),
        ("Derived prior".to_string(), prior.description.clone()),
        (
            "Simulated spectra (train / validation / test / NLLS-compared)".to_string(),
            format!(
                "{} / {} / {} / {}",
                config.n_train, config.n_validation, config.n_test, config.n_compare
            ),
        ),
        (
            "Targets where qCNN beats NLLS (Holm-adjusted P <= 0.05)".to_string(),
            format!(
                "{} of {}",
                summary.qcnn_better_targets.0, summary.qcnn_better_targets.1
            ),
        ),
        (
            "Mean MAPE over targets, qCNN / NLLS".to_string(),
            format!(
                "{:.1} % / {:.1} %",
                summary.mean_mape.0, summary.mean_mape.1
            ),
        ),
        (
            "Spectra per second, qCNN / NLLS".to_string(),
            format!(
                "{:.0} / {:.1}",
                summary.spectra_per_second.0, summary.spectra_per_second.1
            ),
        ),
    ];
    if let Some([se, sp, acc, auc]) = summary.classification {
        rows.push((
            "Test patients: sensitivity / specificity / accuracy / AUC".to_string(),
            format!(
                "{:.1} % / {:.1} % / {:.1} % / {auc:.3}",
                100.0 * se,
                100.0 * sp,
                100.0 * acc
            ),
        ));
    }
    for (id, p, sd) in &summary.unlabelled {
        rows.push((
            format!("P(HBV-LC-HCC) of unlabelled {id}"),
            format!("{p:.3} +/- {sd:.3}"),
        ));
    }
    rows
}

/// Picks one prior patient per group and the first two extra unlabelled spectra.
fn example_fits(
    prior_fits: &[PatientFit],
    test_fits: &[PatientFit],
    unlabelled_ids: &[String],
) -> Vec<ExampleFit> {
    let mut fits: Vec<ExampleFit> = Group::ALL
        .into_iter()
        .filter_map(|g| prior_fits.iter().find(|f| f.group == Some(g)))
        .chain(
            test_fits
                .iter()
                .filter(|f| unlabelled_ids.contains(&f.patient_id))
                .take(2),
        )
        .map(|f| ExampleFit {
            label: format!(
                "{} ({})",
                f.patient_id,
                f.group.map_or("group unknown", Group::name)
            ),
            spectra: f.result.spectra.clone(),
        })
        .collect();
    fits.truncate(4);
    fits
}
