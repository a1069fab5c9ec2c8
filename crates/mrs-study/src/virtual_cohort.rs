//! A virtual cohort: simulated patient spectra in real file formats, drawn from an explicit
//! generating prior, with the truth in a separate file.
//!
//! The basis is the `liver` set of `mrs-sim` (15 metabolites and 5 lipid lines) simulated for
//! ideal-pulse PRESS. Each group of the generating prior gets its own [`Synthesizer`], so a
//! patient's group is fixed rather than drawn. Patient `k` of the group at position `g` in
//! the prior is spectrum `1000 g + k` of that synthesizer with the cohort seed, so the two
//! groups never share a random stream.
//!
//! Identifiers `P01`, `P02`, ... are assigned in an order shuffled from the seed, so they do
//! not reveal the group. Files alternate between NIfTI-MRS (`.nii.gz`, even positions) and
//! LCModel `.RAW` (odd positions), and the last patient is jMRUI text. The `.RAW` files store
//! no dwell time, so `cohort.toml` supplies it. `cohort.csv` gives the group of prior patients
//! only, and test patients' groups are in `truth.json` with every patient's contents
//! and spectral parameters.
//!
//! The same seed, generator and settings give byte-identical files on one platform. Other
//! platforms may differ in the last digits, because the simulation and synthesis use the
//! platform's `exp`, `sin` and `cos`.

use crate::cohort::{Group, Role, COHORT_CSV, COHORT_HEADER, COHORT_TOML};
use crate::error::{Result, StudyError};
use mrs_core::{Acquisition, BasisSet, MrsData};
use mrs_io::lcmodel::raw::{self, RawWriteOptions};
use mrs_io::{atomic::write_bytes_atomic, ErrorKind, IoError};
use mrs_sim::{simulate_basis, Library, Sequence, SimulationParameters};
use mrs_synth::{Nuisance, Prior, Representation, Synthesizer};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Name of the truth file in a virtual cohort folder, read only to score results.
pub const TRUTH_FILE: &str = "truth.json";
/// Folder of the spectra inside a virtual cohort folder.
pub const SPECTRA_FOLDER: &str = "spectra";
/// Spacing of the synthesis indices of successive groups.
pub const GROUP_INDEX_STRIDE: u64 = 1000;

/// Patients of one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupCounts {
    /// Prior patients.
    pub prior: usize,
    /// Test patients.
    pub test: usize,
}

/// Settings of a virtual cohort besides the generating prior.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VirtualCohortConfig {
    /// Seed of every random draw.
    pub seed: u64,
    /// Complex points per FID.
    pub n_points: usize,
    /// Dwell time, seconds.
    pub dwell_time_s: f64,
    /// Spectrometer frequency, MHz.
    pub spectrometer_frequency_mhz: f64,
    /// PRESS first echo time, seconds.
    pub te1_s: f64,
    /// PRESS second echo time, seconds.
    pub te2_s: f64,
    /// HBV-LC patients.
    pub hbv_lc: GroupCounts,
    /// HBV-LC-HCC patients.
    pub hbv_lc_hcc: GroupCounts,
}

impl Default for VirtualCohortConfig {
    /// Returns the study's cohort (10 + 10 prior, 10 + 7 test patients) at 3 T (123.2 MHz),
    /// PRESS TE 30 ms (11 + 19 ms), 1024 points at 2000 Hz.
    fn default() -> Self {
        VirtualCohortConfig {
            seed: 2024,
            n_points: 1024,
            dwell_time_s: 0.0005,
            spectrometer_frequency_mhz: 123.2,
            te1_s: 0.011,
            te2_s: 0.019,
            hbv_lc: GroupCounts {
                prior: 10,
                test: 10,
            },
            hbv_lc_hcc: GroupCounts { prior: 10, test: 7 },
        }
    }
}

impl VirtualCohortConfig {
    fn counts(&self, group: Group) -> GroupCounts {
        match group {
            Group::HbvLc => self.hbv_lc,
            Group::HbvLcHcc => self.hbv_lc_hcc,
        }
    }
}

/// Truth of one virtual patient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientTruth {
    /// Patient identifier.
    pub patient_id: String,
    /// Group the spectrum was drawn from.
    pub group: Group,
    /// Prior or test patient.
    pub role: Role,
    /// Spectrum file relative to the cohort folder.
    pub file: String,
    /// Synthesis index of the spectrum (see the module docs).
    pub synthesis_index: u64,
    /// Contents per target in [`CohortTruth::targets`] order, basis units.
    pub contents: Vec<f64>,
    /// Spectral parameters drawn for the spectrum.
    pub nuisance: Nuisance,
}

/// Contents of `truth.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortTruth {
    /// The generating prior's description.
    pub description: String,
    /// Settings the cohort was generated with.
    pub config: VirtualCohortConfig,
    /// Target names, the order of every `contents` list.
    pub targets: Vec<String>,
    /// Unit of the contents.
    pub target_unit: String,
    /// One entry per patient, in identifier order.
    pub patients: Vec<PatientTruth>,
}

impl CohortTruth {
    /// Reads `truth.json`.
    ///
    /// # Errors
    /// [`StudyError::Io`] when the file cannot be read or parsed.
    pub fn read(path: &Path) -> Result<CohortTruth> {
        let text =
            std::fs::read_to_string(path).map_err(|e| IoError::new(path, ErrorKind::Os(e)))?;
        serde_json::from_str(&text).map_err(|e| {
            StudyError::Io(IoError::new(
                path,
                ErrorKind::Container {
                    context: "cohort truth JSON",
                    source: Box::new(e),
                },
            ))
        })
    }

    /// Finds the truth of patient `id`.
    pub fn patient(&self, id: &str) -> Option<&PatientTruth> {
        self.patients.iter().find(|p| p.patient_id == id)
    }
}

/// Simulates the `liver` basis of `mrs-sim` for the cohort's acquisition: ideal-pulse PRESS
/// with the configured echo times, unbroadened metabolites, lipid lines with the library's
/// widths.
///
/// # Errors
/// [`StudyError::Core`] or [`StudyError::Sim`] for invalid acquisition settings.
pub fn liver_basis(config: &VirtualCohortConfig) -> Result<BasisSet> {
    let acquisition = Acquisition::new(config.dwell_time_s, config.spectrometer_frequency_mhz)?;
    let press = Sequence::Press {
        te1_s: config.te1_s,
        te2_s: config.te2_s,
    };
    let parameters = SimulationParameters::new(acquisition, config.n_points, press)?;
    Ok(simulate_basis(
        &Library::builtin()?,
        &["liver"],
        &parameters,
    )?)
}

/// Writes a virtual cohort into `folder`: the spectra under [`SPECTRA_FOLDER`],
/// [`COHORT_CSV`], [`COHORT_TOML`] and [`TRUTH_FILE`]. Returns the truth.
///
/// `generator` must have a group named `HBV-LC` and one named `HBV-LC-HCC`, and targets that
/// name entries of the `liver` basis.
///
/// # Errors
/// [`StudyError::InvalidInput`] for a generator without a study group, and for a group with
/// no prior patients or more than [`GROUP_INDEX_STRIDE`] patients. The simulation and
/// synthesis errors pass through, and [`StudyError::Io`] reports a file that cannot be
/// written.
pub fn generate(
    folder: &Path,
    generator: &Prior,
    config: &VirtualCohortConfig,
) -> Result<CohortTruth> {
    let basis = liver_basis(config)?;
    let echo_time_s = config.te1_s + config.te2_s;

    // Draw every patient's spectrum from the synthesizer of its own group.
    let mut drawn = Vec::new();
    for (position, group) in Group::ALL.into_iter().enumerate() {
        let counts = config.counts(group);
        let total = counts.prior + counts.test;
        if counts.prior == 0 || total as u64 > GROUP_INDEX_STRIDE {
            return Err(StudyError::input(
                "virtual cohort counts",
                format!(
                    "{group} has {} prior and {} test patients; it needs at least 1 prior patient and at most {GROUP_INDEX_STRIDE} in all",
                    counts.prior, counts.test
                ),
            ));
        }
        let synth = group_synthesizer(&basis, generator, group)?;
        for k in 0..total {
            let index = position as u64 * GROUP_INDEX_STRIDE + k as u64;
            let (mut fid, truth) = synth.generate_fid(config.seed, index);
            fid.acquisition_mut().echo_time_s = Some(echo_time_s);
            let role = if k < counts.prior {
                Role::Prior
            } else {
                Role::Test
            };
            drawn.push((group, role, index, fid, truth));
        }
    }

    // Shuffle so that identifiers do not reveal the group; then write one file per patient.
    let order = shuffled_order(drawn.len(), config.seed);
    let spectra = folder.join(SPECTRA_FOLDER);
    std::fs::create_dir_all(&spectra).map_err(|e| IoError::new(&spectra, ErrorKind::Os(e)))?;
    let mut patients = Vec::with_capacity(drawn.len());
    let mut csv = format!("{COHORT_HEADER}\n");
    for (position, &draw) in order.iter().enumerate() {
        let (group, role, index, fid, truth) = &drawn[draw];
        let id = format!("P{:02}", position + 1);
        let data = MrsData::from_fid(fid.clone());
        let file = if position + 1 == order.len() {
            let name = format!("{SPECTRA_FOLDER}/{id}.txt");
            mrs_io::jmrui::write(&folder.join(&name), &data)?;
            name
        } else if position % 2 == 0 {
            let name = format!("{SPECTRA_FOLDER}/{id}.nii.gz");
            let options = mrs_io::nifti::WriteOptions::default();
            mrs_io::nifti::write(&folder.join(&name), &data, None, &options)?;
            name
        } else {
            let name = format!("{SPECTRA_FOLDER}/{id}.RAW");
            let options = RawWriteOptions {
                id: format!("virtual liver patient {id}"),
                sequence: "PRESS".to_string(),
                ..RawWriteOptions::default()
            };
            raw::write(&folder.join(&name), &data, &options)?;
            name
        };
        let listed_group = if *role == Role::Prior {
            group.name()
        } else {
            ""
        };
        csv.push_str(&format!("{id},{file},{listed_group},{},\n", role.name()));
        patients.push(PatientTruth {
            patient_id: id,
            group: *group,
            role: *role,
            file,
            synthesis_index: *index,
            contents: truth.contents.clone(),
            nuisance: truth.nuisance,
        });
    }
    write_bytes_atomic(&folder.join(COHORT_CSV), csv.as_bytes())?;
    let toml = format!(
        "# Acquisition values for files that lack them (LCModel .RAW stores no dwell time).\n\
         spectrometer_frequency_mhz = {}\ndwell_time_s = {}\necho_time_ms = {}\n",
        config.spectrometer_frequency_mhz,
        config.dwell_time_s,
        echo_time_s * 1000.0
    );
    write_bytes_atomic(&folder.join(COHORT_TOML), toml.as_bytes())?;

    let truth = CohortTruth {
        description: generator.description.clone(),
        config: config.clone(),
        targets: generator.targets.clone(),
        target_unit: "basis units (factor multiplying each basis entry)".to_string(),
        patients,
    };
    let path = folder.join(TRUTH_FILE);
    let text = serde_json::to_string_pretty(&truth).map_err(|e| {
        IoError::new(
            &path,
            ErrorKind::Container {
                context: "cohort truth JSON",
                source: Box::new(e),
            },
        )
    })?;
    write_bytes_atomic(&path, format!("{text}\n").as_bytes())?;
    tracing::debug!(patients = truth.patients.len(), folder = %folder.display(), "virtual cohort written");
    Ok(truth)
}

/// Files [`generate`] writes for `truth`, relative to the cohort folder.
pub fn generated_files(truth: &CohortTruth) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = truth
        .patients
        .iter()
        .map(|p| PathBuf::from(&p.file))
        .collect();
    files.extend([COHORT_CSV, COHORT_TOML, TRUTH_FILE].map(PathBuf::from));
    files
}

/// Builds a synthesizer that draws from the generator's group `group` alone.
fn group_synthesizer(basis: &BasisSet, generator: &Prior, group: Group) -> Result<Synthesizer> {
    let mut single = generator.clone();
    single.groups.retain(|g| g.name == group.name());
    if single.groups.is_empty() {
        return Err(StudyError::input(
            "generating prior",
            format!("has no group named {group}"),
        ));
    }
    Ok(Synthesizer::new(
        basis,
        &single,
        &Representation::default(),
    )?)
}

/// Draws a permutation of `0..n` by Fisher-Yates with the SplitMix64 generator seeded with
/// `seed`. It is written out so that the order never changes with a dependency's version.
fn shuffled_order(n: usize, seed: u64) -> Vec<usize> {
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut order: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        // The modulo bias is below 2^-50 for these sizes, irrelevant for an ordering.
        let j = (next() % (i as u64 + 1)) as usize;
        order.swap(i, j);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shuffle_is_a_permutation() {
        let mut order = shuffled_order(37, 7);
        assert_ne!(order, (0..37).collect::<Vec<_>>());
        order.sort_unstable();
        assert_eq!(order, (0..37).collect::<Vec<_>>());
    }

    #[test]
    fn shuffle_depends_on_seed() {
        assert_ne!(shuffled_order(37, 1), shuffled_order(37, 2));
        assert_eq!(shuffled_order(37, 1), shuffled_order(37, 1));
    }
}
