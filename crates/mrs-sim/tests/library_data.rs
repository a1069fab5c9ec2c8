//! The shipped spin-system file: sources, names, sets, the GPC coupling assignment, agreement
//! with the VeSPA export it was generated from, and rejection of bad user files.

use mrs_sim::{Library, LibraryEntry, SimError};
use std::path::Path;

const FIFTEEN: [&str; 15] = [
    "Ala", "Asp", "Cho", "Cr", "PCr", "GABA", "Glc", "Gln", "Glu", "GPC", "PCh", "GSH", "Ins",
    "Lac", "Tau",
];

#[test]
fn every_entry_cites_a_source() {
    let library = Library::builtin().expect("built-in library");
    for metabolite in library.metabolites() {
        assert!(metabolite.source.len() > 20, "{}", metabolite.name);
    }
    for group in library.broad_line_groups() {
        assert!(group.source.len() > 20, "{}", group.name);
    }
}

#[test]
fn liver_set_has_fifteen_metabolites_and_five_lipids() {
    let library = Library::builtin().expect("built-in library");
    let entries = library.resolve(&["liver"]).expect("liver set");
    let names: Vec<&str> = entries.iter().map(LibraryEntry::name).collect();
    assert_eq!(names.len(), 20);
    for name in FIFTEEN {
        assert!(names.contains(&name), "{name} missing");
    }
    for name in ["Lip09", "Lip13", "Lip16", "Lip21", "Lip23"] {
        assert!(names.contains(&name), "{name} missing");
    }
    let all = library.resolve(&["liver_full"]).expect("liver_full set");
    for extra in [
        "Lip28", "Lip41", "Lip43", "Lip52", "Lip53", "Glycg", "Betaine", "PE", "Ace", "Glycerol",
    ] {
        assert!(all.iter().any(|e| e.name() == extra), "{extra} missing");
    }
}

#[test]
fn builtin_sets_resolve() {
    let library = Library::builtin().expect("built-in library");
    for (name, members) in library.sets() {
        let entries = library
            .resolve(&[name.as_str()])
            .expect("every member defined");
        assert_eq!(entries.len(), members.len(), "{name}");
    }
}

#[test]
fn glucose_anomers_are_36_and_64_percent() {
    let library = Library::builtin().expect("built-in library");
    let glucose = library.metabolite("Glc").expect("Glc");
    let amplitudes: Vec<f64> = glucose.systems.iter().map(|s| s.amplitude).collect();
    assert_eq!(amplitudes.len(), 2);
    assert!((amplitudes[0] - 0.36).abs() < 1e-12);
    assert!((amplitudes[1] - 0.64).abs() < 1e-12);
}

#[test]
fn gpc_glycerol_h3_couples_to_h2() {
    // H3/H3' (3.871, 3.946 ppm) must couple to H2 (3.903 ppm), not to H1/H1'.
    let library = Library::builtin().expect("built-in library");
    let gpc = library.metabolite("GPC").expect("GPC");
    let glycerol = gpc
        .systems
        .iter()
        .find(|s| s.shifts_ppm.iter().any(|&p| (p - 3.903).abs() < 1e-9))
        .expect("glycerol moiety");
    let index = |ppm: f64| {
        glycerol
            .shifts_ppm
            .iter()
            .position(|&p| (p - ppm).abs() < 1e-9)
            .expect("proton present")
    };
    let (h2, h3a, h3b) = (index(3.903), index(3.871), index(3.946));
    let coupled = |a: usize, b: usize| {
        glycerol
            .couplings_hz
            .iter()
            .any(|&(i, j, v)| v != 0.0 && ((i, j) == (a, b) || (i, j) == (b, a)))
    };
    assert!(coupled(h2, h3a));
    assert!(coupled(h2, h3b));
    for h1 in [index(3.605), index(3.672)] {
        assert!(!coupled(h1, h3a));
        assert!(!coupled(h1, h3b));
    }
}

/// One VeSPA spin system: 1H shifts and non-zero 1H-1H couplings with 1H indices.
struct VespaSystem {
    name: String,
    shifts_ppm: Vec<f64>,
    couplings_hz: Vec<(usize, usize, f64)>,
}

fn tag_values<'a>(block: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    block
        .split(open.as_str())
        .skip(1)
        .filter_map(|rest| rest.split(close.as_str()).next())
        .collect()
}

fn read_vespa() -> Vec<VespaSystem> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/data/spin-systems/vespa-metabolites.xml");
    let text = std::fs::read_to_string(path).expect("VeSPA export present");
    let mut out = Vec::new();
    for block in text.split("<metabolite ").skip(1) {
        let name = tag_values(block, "name")[0].to_string();
        let isotopes = tag_values(block, "isotope");
        let shifts: Vec<f64> = tag_values(block, "chemical_shift")
            .iter()
            .map(|v| v.parse().expect("number"))
            .collect();
        let couplings: Vec<f64> = tag_values(block, "j_coupling")
            .iter()
            .map(|v| v.parse().expect("number"))
            .collect();
        let protons: Vec<usize> = (0..isotopes.len())
            .filter(|&i| isotopes[i] == "1H")
            .collect();
        let mut pairs = Vec::new();
        let mut k = 0;
        for i in 0..isotopes.len() {
            for j in i + 1..isotopes.len() {
                let value = couplings[k];
                k += 1;
                if value != 0.0 && isotopes[i] == "1H" && isotopes[j] == "1H" {
                    let local = |x: usize| protons.iter().position(|&p| p == x).expect("1H");
                    pairs.push((local(i), local(j), value));
                }
            }
        }
        out.push(VespaSystem {
            name,
            shifts_ppm: protons.iter().map(|&i| shifts[i]).collect(),
            couplings_hz: pairs,
        });
    }
    out
}

#[test]
fn shipped_systems_match_vespa_export() {
    let vespa = read_vespa();
    assert_eq!(vespa.len(), 45);
    let library = Library::builtin().expect("built-in library");
    let mut compared = 0;
    for metabolite in library.metabolites() {
        for system in &metabolite.systems {
            let Some(source) = vespa.iter().find(|v| v.name == system.label) else {
                assert_eq!(
                    metabolite.name, "Betaine",
                    "{} has no VeSPA system",
                    system.label
                );
                continue;
            };
            assert_eq!(system.shifts_ppm, source.shifts_ppm, "{}", system.label);
            assert_eq!(system.couplings_hz, source.couplings_hz, "{}", system.label);
            compared += 1;
        }
    }
    assert!(compared >= 25, "only {compared} systems compared");
}

#[test]
fn bad_coupling_index_is_rejected() {
    let text = r#"
        [[metabolite]]
        name = "X"
        source = "test"
        [[metabolite.system]]
        amplitude = 1.0
        shifts_ppm = [1.0, 2.0]
        couplings_hz = [[0, 2, 7.0]]
    "#;
    let error = Library::from_toml_str(text, "user.toml").expect_err("index 2 of 2 protons");
    assert!(matches!(
        error,
        SimError::InvalidEntry {
            field: "couplings_hz",
            ..
        }
    ));
}

#[test]
fn missing_source_is_rejected() {
    let text = r#"
        [[metabolite]]
        name = "X"
        source = ""
        [[metabolite.system]]
        amplitude = 1.0
        shifts_ppm = [1.0]
        couplings_hz = []
    "#;
    let error = Library::from_toml_str(text, "user.toml").expect_err("empty source");
    assert!(matches!(
        error,
        SimError::InvalidEntry {
            field: "source",
            ..
        }
    ));
}

#[test]
fn unknown_name_is_reported() {
    let library = Library::builtin().expect("built-in library");
    let error = library.resolve(&["NotAMetabolite"]).expect_err("unknown");
    assert!(matches!(error, SimError::UnknownName { ref name, .. } if name == "NotAMetabolite"));
}

#[test]
fn user_file_replaces_builtin_entry() {
    let dir = std::env::temp_dir().join(format!("mrs-sim-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("user.toml");
    std::fs::write(
        &path,
        r#"
        [[metabolite]]
        name = "Cr"
        source = "test override"
        [[metabolite.system]]
        amplitude = 1.0
        shifts_ppm = [3.0]
        couplings_hz = []
        [sets]
        mine = ["Cr", "Lac"]
        "#,
    )
    .expect("write");
    let mut library = Library::builtin().expect("built-in library");
    library.merge(Library::from_path(&path).expect("user file"));
    std::fs::remove_dir_all(&dir).expect("clean up");
    assert_eq!(
        library.metabolite("Cr").expect("Cr").source,
        "test override"
    );
    // The user set mixes the replaced Cr with the built-in Lac.
    assert_eq!(library.resolve(&["mine"]).expect("set").len(), 2);
    let missing = Library::from_path(dir.join("absent.toml")).expect_err("absent file");
    assert!(matches!(missing, SimError::Io { .. }));
}
