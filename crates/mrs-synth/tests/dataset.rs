//! Determinism across threads and shard sizes, and reading datasets back.

mod common;

use common::{example_prior, twenty_target_basis};
use mrs_synth::dataset::generate_shard;
use mrs_synth::{write_dataset, Channels, Dataset, DatasetConfig, Representation, Synthesizer};
use std::error::Error;
use std::path::Path;

type TestResult = Result<(), Box<dyn Error>>;

fn synthesizer() -> Synthesizer {
    let representation = Representation {
        channels: Channels::RealImag,
        ..Representation::default()
    };
    Synthesizer::new(&twenty_target_basis(), &example_prior(), &representation).expect("synth")
}

fn write_with_threads(folder: &Path, threads: usize, shard_size: usize) -> TestResult {
    let synth = synthesizer();
    let config = DatasetConfig {
        seed: 42,
        first_index: 0,
        n_spectra: 50,
        shard_size,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    pool.install(|| write_dataset(folder, &synth, &config, |_| {}))?;
    Ok(())
}

/// File name and contents of every file in a folder, sorted by name.
type NamedFiles = Vec<(String, Vec<u8>)>;

fn file_bytes(folder: &Path) -> Result<NamedFiles, Box<dyn Error>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .ok_or("no name")?
            .to_string_lossy()
            .into_owned();
        files.push((name, std::fs::read(&path)?));
    }
    files.sort();
    Ok(files)
}

#[test]
fn one_and_two_threads_write_identical_files() -> TestResult {
    let one = tempfile::tempdir()?;
    let two = tempfile::tempdir()?;
    write_with_threads(one.path(), 1, 16)?;
    write_with_threads(two.path(), 2, 16)?;
    let a = file_bytes(one.path())?;
    let b = file_bytes(two.path())?;
    assert_eq!(a.len(), 4 * 4 + 1, "4 shards of 4 files plus the manifest");
    assert_eq!(a.len(), b.len());
    for ((name_a, bytes_a), (name_b, bytes_b)) in a.iter().zip(&b) {
        assert_eq!(name_a, name_b);
        assert!(
            bytes_a == bytes_b,
            "{name_a} differs between 1 and 2 threads"
        );
    }
    Ok(())
}

#[test]
fn shard_size_does_not_change_spectra() -> TestResult {
    let small = tempfile::tempdir()?;
    let large = tempfile::tempdir()?;
    write_with_threads(small.path(), 2, 7)?;
    write_with_threads(large.path(), 2, 50)?;
    let small = Dataset::open(small.path())?;
    let large = Dataset::open(large.path())?;
    assert_eq!(small.n_shards(), 8);
    assert_eq!(large.n_shards(), 1);
    let whole = large.read_shard(0)?;
    let mut offset = 0;
    for shard in small.shards() {
        let shard = shard?;
        let n = shard.len();
        // Bit patterns, so that 0.0 and -0.0 would not compare equal.
        let rows = offset..offset + n;
        let x_bits = shard.x.mapv(f32::to_bits);
        let whole_x_bits = whole
            .x
            .slice(ndarray::s![rows.clone(), .., ..])
            .mapv(f32::to_bits);
        assert_eq!(x_bits, whole_x_bits, "x of shard at {offset}");
        let y_bits = shard.y.mapv(f32::to_bits);
        let whole_y_bits = whole
            .y
            .slice(ndarray::s![rows.clone(), ..])
            .mapv(f32::to_bits);
        assert_eq!(y_bits, whole_y_bits, "y of shard at {offset}");
        let nuisance_bits = shard.nuisance.mapv(f32::to_bits);
        let whole_nuisance_bits = whole
            .nuisance
            .slice(ndarray::s![rows, ..])
            .mapv(f32::to_bits);
        assert_eq!(
            nuisance_bits, whole_nuisance_bits,
            "nuisance of shard at {offset}"
        );
        assert_eq!(
            shard.group,
            whole.group.slice(ndarray::s![offset..offset + n])
        );
        offset += n;
    }
    assert_eq!(offset, 50);
    Ok(())
}

#[test]
fn continued_range_matches_single_run() {
    let synth = synthesizer();
    let whole = generate_shard(&synth, 9, 0, 20);
    let tail = generate_shard(&synth, 9, 12, 8);
    assert_eq!(tail.x, whole.x.slice(ndarray::s![12.., .., ..]));
    let other_seed = generate_shard(&synth, 10, 12, 8);
    assert_ne!(
        other_seed.x, tail.x,
        "a different seed must give different spectra"
    );
}

#[test]
fn batches_cross_shard_boundaries() -> TestResult {
    let folder = tempfile::tempdir()?;
    write_with_threads(folder.path(), 2, 7)?;
    let dataset = Dataset::open(folder.path())?;
    let whole = generate_shard(&synthesizer(), 42, 0, 50);
    let mut seen = 0;
    for batch in dataset.batches(16)? {
        let batch = batch?;
        assert_eq!(batch.first_index, seen as u64);
        let n = batch.len();
        assert!(n == 16 || seen + n == 50, "batch of {n} at {seen}");
        assert_eq!(batch.x, whole.x.slice(ndarray::s![seen..seen + n, .., ..]));
        assert_eq!(batch.group, whole.group.slice(ndarray::s![seen..seen + n]));
        seen += n;
    }
    assert_eq!(seen, 50);
    Ok(())
}

#[test]
fn manifest_describes_dataset() -> TestResult {
    let folder = tempfile::tempdir()?;
    write_with_threads(folder.path(), 2, 20)?;
    let dataset = Dataset::open(folder.path())?;
    let manifest = dataset.manifest();
    assert_eq!(manifest.n_spectra, 50);
    assert_eq!(manifest.seed, 42);
    assert_eq!(manifest.targets.len(), 20);
    assert_eq!(manifest.groups, vec!["HBV-LC", "HBV-LC-HCC"]);
    assert_eq!(manifest.ppm_axis.len(), 512);
    assert_eq!(manifest.basis.names.len(), 20);
    assert_eq!(manifest.basis.fnv1a64.len(), 16);
    assert_eq!(&manifest.prior, synthesizer().prior());
    let shard = dataset.read_shard(2)?;
    assert_eq!(shard.x.shape(), &[10, 2, 512]);
    Ok(())
}

#[test]
fn truncated_shard_rejected() -> TestResult {
    let folder = tempfile::tempdir()?;
    write_with_threads(folder.path(), 1, 25)?;
    let dataset = Dataset::open(folder.path())?;
    let path = folder.path().join(&dataset.manifest().shards[1].y);
    let bytes = std::fs::read(&path)?;
    std::fs::write(&path, &bytes[..bytes.len() - 4])?;
    assert!(dataset.read_shard(0).is_ok());
    let error = dataset
        .read_shard(1)
        .expect_err("truncated y must be rejected");
    assert!(
        matches!(error, mrs_synth::SynthError::InvalidDataset { .. }),
        "{error}"
    );
    Ok(())
}
