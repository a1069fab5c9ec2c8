#!/usr/bin/env python3
"""Generate crates/mrs-sim/data/spin_systems.toml from the VeSPA metabolite export.

Usage (from the repository root):
    python3 crates/mrs-sim/scripts/vespa_to_toml.py \
        tests/data/spin-systems/vespa-metabolites.xml > crates/mrs-sim/data/spin_systems.toml

The VeSPA export (VeSPA 1.0.0rc5, BSD-3) stores each spin system as a list of spins
(isotope, chemical shift in ppm) followed by the upper triangle of the J matrix in Hz, in
row order (0,1), (0,2), ..., (1,2), .... This script copies shifts and non-zero couplings
unchanged, drops couplings to 14N (quadrupolar relaxation decouples it; the couplings are
below 3 Hz) and keeps couplings to 31P as passive heteronuclear couplings. Betaine, the
lipid lines, glycogen and the named sets are not in the VeSPA table and are written from the
tables below, each with its source. Only the Python standard library is used.
"""

import sys
import xml.etree.ElementTree as ET

GOVINDARAJU = ("Govindaraju V, Young K, Maudsley AA. NMR Biomed 2000;13:129-153, "
               "as exported by VeSPA 1.0.0rc5 (vespa-metabolites.xml, BSD-3)")
GOVINDARAJU_2015 = ("Govindaraju V, Young K, Maudsley AA. NMR Biomed 2000;13:129-153 and "
                    "Govindaraju et al. NMR Biomed 2015;28:923-924, as exported by VeSPA "
                    "1.0.0rc5 (vespa-metabolites.xml, BSD-3)")

# name, full name, [(VeSPA system, relative amplitude)], note
METABOLITES = [
    ("Ala", "alanine", [("alanine", 1.0)], ""),
    ("Asp", "aspartate", [("aspartate", 1.0)], ""),
    ("Cho", "choline (free)", [("choline-trimethyl", 1.0), ("choline-methylene", 1.0)],
     "Couplings to 14N (0.57-2.7 Hz) left out."),
    ("Cr", "creatine", [("creatine", 1.0)], ""),
    ("PCr", "phosphocreatine", [("phosphocreatine", 1.0)], ""),
    ("GABA", "gamma-aminobutyric acid", [("gaba", 1.0)], ""),
    ("Glc", "glucose", [("glucose-alpha", 0.36), ("glucose-beta", 0.64)],
     "Anomer mix 36 % alpha, 64 % beta (equilibrium in water)."),
    ("Gln", "glutamine", [("glutamine", 1.0)], ""),
    ("Glu", "glutamate", [("glutamate", 1.0)], ""),
    ("GPC", "glycerophosphocholine",
     [("GPC-gp", 1.0), ("GPC-pcholine1", 1.0), ("GPC-pcholine2", 1.0)],
     "Glycerol H3/H3' (3.871, 3.946 ppm) couple to H2 (3.903 ppm), as in the 2015 update. "
     "Couplings to 14N left out; couplings to 31P kept as passive heteronuclear couplings."),
    ("PCh", "phosphocholine",
     [("phosphorylcholine-trimethyl", 1.0), ("phosphorylcholine-notrimethyl", 1.0)],
     "Couplings to 14N left out; couplings to 31P kept as passive heteronuclear couplings."),
    ("GSH", "glutathione",
     [("glutathione-glutamate", 1.0), ("glutathione-glycine-cysteine", 1.0)], ""),
    ("Ins", "myo-inositol", [("myo-inositol", 1.0)], ""),
    ("Lac", "lactate", [("lactate", 1.0)], ""),
    ("Tau", "taurine", [("taurine", 1.0)], ""),
    ("NAA", "N-acetylaspartate", [("n-acetylaspartate", 1.0)], ""),
    ("sIns", "scyllo-inositol", [("scyllo-inositol", 1.0)], ""),
    ("Gly", "glycine", [("glycine", 1.0)], ""),
    ("Ace", "acetate", [("acetate", 1.0)], ""),
    ("Glycerol", "glycerol", [("glycerol", 1.0)], ""),
    ("PE", "phosphoethanolamine", [("phosphorylethanolamine", 1.0)],
     "Couplings to 14N left out; couplings to 31P kept as passive heteronuclear couplings."),
]

BETAINE = {
    "name": "Betaine",
    "full_name": "betaine (glycine betaine)",
    "source": ("Not in the VeSPA table. Singlets at the commonly reported shifts: N(CH3)3 "
               "3.25-3.28 ppm (9 H), CH2 3.89-3.90 ppm (2 H); the midpoints 3.26 and 3.90 ppm "
               "are used. Values not checked against a primary source here."),
    "systems": [{"label": "betaine", "amplitude": 1.0,
                 "shifts": [3.26] * 9 + [3.90] * 2, "couplings": [], "passive": []}],
}

HAMILTON = "Hamilton G et al. NMR Biomed 2011;24:784-790 (relative areas of the liver fat spectrum at 3 T)"
WIDTH_NOTE = ("Width: this crate's default (Gaussian, FWHM in ppm), not taken from a publication; "
              "override it in a user file.")

# name, [(ppm, relative area within the entry)], fwhm_ppm, shape, source
BROAD = [
    ("Lip09", [(0.90, 1.0)], 0.10, "gaussian",
     "Line position 0.90 ppm (CH3), Hamilton 2011. Name as in LCModel's liver models."),
    ("Lip13", [(1.30, 1.0)], 0.10, "gaussian",
     "Line position 1.30 ppm ((CH2)n), Hamilton 2011. Name as in LCModel's liver models."),
    ("Lip16", [(1.60, 1.0)], 0.10, "gaussian",
     "Line position 1.60 ppm (beta-carboxyl), Hamilton 2011. Name as in LCModel's liver models."),
    ("Lip21", [(2.02, 1.0)], 0.10, "gaussian",
     "Line position 2.02 ppm (alpha-olefinic), Hamilton 2011. Name as in LCModel's liver "
     "models; LCModel's own position for Lip21 was not checked here."),
    ("Lip23", [(2.24, 1.0)], 0.10, "gaussian",
     "Line position 2.24 ppm (alpha-carboxyl), Hamilton 2011. Name as in LCModel's liver models."),
    ("Lip28", [(2.75, 1.0)], 0.10, "gaussian",
     "Line position 2.75 ppm (diallylic), Hamilton 2011. Name as in LCModel's liver models."),
    ("Lip41", [(4.10, 1.0)], 0.10, "gaussian",
     "Glycerol CH2 at 4.10 ppm: Hamilton 2011 reports the pair as one group at 4.20 ppm; "
     "LCModel models it as Lip41 + Lip43 with their ratio held at 1."),
    ("Lip43", [(4.30, 1.0)], 0.10, "gaussian",
     "Glycerol CH2 at 4.30 ppm, the partner of Lip41 (see there)."),
    ("Lip52", [(5.19, 1.0)], 0.10, "gaussian",
     "Glycerol CH at 5.19 ppm, Hamilton 2011. Name as in LCModel's liver models."),
    ("Lip53", [(5.29, 1.0)], 0.10, "gaussian",
     "Olefinic CH=CH at 5.29 ppm, Hamilton 2011. Name as in LCModel's liver models."),
    ("Fat", [(5.29, 0.037), (5.19, 0.010), (4.20, 0.039), (2.75, 0.006), (2.24, 0.058),
             (2.02, 0.062), (1.60, 0.058), (1.30, 0.642), (0.90, 0.088)], 0.10, "gaussian",
     "Whole liver fat spectrum: nine lines with the relative areas of " + HAMILTON + "."),
    ("Glycg", [(3.89, 1.0), (3.82, 1.0), (3.75, 1.0), (3.68, 1.0), (3.61, 1.0), (3.54, 1.0),
               (3.47, 1.0)], 0.07, "gaussian",
     "Glycogen as seven equal broad lines at 3.89-3.47 ppm, the model of LCModel's liver "
     "basis (liver-1.inc, LCModel source, BSD-3); positions not checked against that file "
     "here. Each line has area 1 (one proton). The glycogen spin system itself is not "
     "simulated."),
]

SETS = {
    "metabolites15": ["Ala", "Asp", "Cho", "Cr", "PCr", "GABA", "Glc", "Gln", "Glu", "GPC",
                      "PCh", "GSH", "Ins", "Lac", "Tau"],
    "lipids5": ["Lip09", "Lip13", "Lip16", "Lip21", "Lip23"],
    "liver_lipids": ["Lip09", "Lip13", "Lip16", "Lip21", "Lip23", "Lip28", "Lip41", "Lip43",
                     "Lip52", "Lip53"],
    "liver_extras": ["Glycg", "Betaine", "PE", "Ace", "Glycerol"],
}
SETS["liver"] = SETS["metabolites15"] + SETS["lipids5"]
SETS["liver_full"] = SETS["metabolites15"] + SETS["liver_lipids"] + SETS["liver_extras"]
SETS["fitting_challenge"] = ["Ace", "Ala", "Asp", "Cr", "GABA", "GPC", "GSH", "Glc", "Gln",
                             "Glu", "Gly", "Ins", "Lac", "NAA", "PCh", "PCr", "PE", "Tau",
                             "sIns"]


def load_vespa(path):
    root = ET.parse(path).getroot()
    systems = {}
    for metabolite in root.findall("metabolite"):
        name = metabolite.find("name").text
        spins = [(s.find("isotope").text, float(s.find("chemical_shift").text))
                 for s in metabolite.findall("spin")]
        couplings = [float(j.text) for j in metabolite.findall("j_coupling")]
        n = len(spins)
        if len(couplings) != n * (n - 1) // 2:
            raise SystemExit(f"{name}: {len(couplings)} couplings for {n} spins")
        protons = [i for i, (iso, _) in enumerate(spins) if iso == "1H"]
        index = {old: new for new, old in enumerate(protons)}
        proton_j, passive = [], {}
        k = 0
        for i in range(n):
            for j in range(i + 1, n):
                value = couplings[k]
                k += 1
                if value == 0.0:
                    continue
                iso_i, iso_j = spins[i][0], spins[j][0]
                if iso_i == "1H" and iso_j == "1H":
                    proton_j.append((index[i], index[j], value))
                elif "31P" in (iso_i, iso_j):
                    proton, other = (i, j) if iso_i == "1H" else (j, i)
                    passive.setdefault(other, []).append((index[proton], value))
                elif "14N" in (iso_i, iso_j):
                    continue
                else:
                    raise SystemExit(f"{name}: unexpected coupling {iso_i}-{iso_j}")
        systems[name] = {
            "label": name,
            "shifts": [spins[i][1] for i in protons],
            "couplings": proton_j,
            "passive": [{"isotope": spins[o][0], "couplings": c} for o, c in passive.items()],
        }
    return systems


def fmt(x):
    text = repr(float(x))
    return text


def write_system(out, system):
    out.append("[[metabolite.system]]")
    out.append(f'label = "{system["label"]}"')
    out.append(f"amplitude = {fmt(system['amplitude'])}")
    out.append("shifts_ppm = [" + ", ".join(fmt(s) for s in system["shifts"]) + "]")
    if system["couplings"]:
        out.append("couplings_hz = [")
        for i, j, value in system["couplings"]:
            out.append(f"  [{i}, {j}, {fmt(value)}],")
        out.append("]")
    else:
        out.append("couplings_hz = []")
    for passive in system["passive"]:
        out.append("[[metabolite.system.passive]]")
        out.append(f'isotope = "{passive["isotope"]}"')
        out.append("couplings_hz = [" + ", ".join(f"[{i}, {fmt(v)}]" for i, v in
                                                  passive["couplings"]) + "]")
    out.append("")


def main():
    vespa = load_vespa(sys.argv[1])
    out = [
        "# Spin systems and broad-line groups for mrs-sim.",
        "# Generated by crates/mrs-sim/scripts/vespa_to_toml.py from",
        "# tests/data/spin-systems/vespa-metabolites.xml; edit the script, not this file.",
        "# Shifts in ppm, couplings in Hz with zero-based proton indices. Every equivalent",
        "# proton is listed (a methyl is three protons); the simulator merges uncoupled",
        "# protons with equal shift into one scaled singlet.",
        "",
    ]
    for name, full_name, parts, note in METABOLITES:
        uses_2015 = any("2015" in (source_comment(sys.argv[1], p) or "") for p, _ in parts)
        source = GOVINDARAJU_2015 if uses_2015 else GOVINDARAJU
        out.append("[[metabolite]]")
        out.append(f'name = "{name}"')
        out.append(f'full_name = "{full_name}"')
        out.append(f'source = "{source}; VeSPA systems: {", ".join(p for p, _ in parts)}"')
        if note:
            out.append(f'note = "{note}"')
        out.append("")
        for part, amplitude in parts:
            system = dict(vespa[part])
            system["amplitude"] = amplitude
            write_system(out, system)
    out.append("[[metabolite]]")
    out.append(f'name = "{BETAINE["name"]}"')
    out.append(f'full_name = "{BETAINE["full_name"]}"')
    out.append(f'source = "{BETAINE["source"]}"')
    out.append("")
    for system in BETAINE["systems"]:
        write_system(out, system)
    for name, lines, fwhm_ppm, shape, source in BROAD:
        out.append("[[broad]]")
        out.append(f'name = "{name}"')
        out.append(f'source = "{source} {WIDTH_NOTE}"')
        out.append(f'shape = "{shape}"')
        out.append(f"fwhm_ppm = {fmt(fwhm_ppm)}")
        out.append("lines = [" + ", ".join(f"[{fmt(p)}, {fmt(a)}]" for p, a in lines) + "]")
        out.append("")
    out.append("[sets]")
    for name, members in SETS.items():
        out.append(f"{name} = [" + ", ".join(f'"{m}"' for m in members) + "]")
    sys.stdout.write("\n".join(out) + "\n")


_COMMENTS = {}


def source_comment(path, system):
    if not _COMMENTS:
        for metabolite in ET.parse(path).getroot().findall("metabolite"):
            _COMMENTS[metabolite.find("name").text] = metabolite.find("comment").text
    return _COMMENTS.get(system)


if __name__ == "__main__":
    main()
