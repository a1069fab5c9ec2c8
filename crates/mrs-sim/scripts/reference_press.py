#!/usr/bin/env python3
"""Write golden FID samples from an independent brute-force density-matrix simulation.

Usage (from the repository root, numpy required):
    python3 crates/mrs-sim/scripts/reference_press.py > crates/mrs-sim/tests/golden/reference_fids.json

The script is independent of mrs-sim's engine. It works in the full Hilbert space (Kronecker
products) with matrix exponentials from eigendecompositions of the complex Hermitian
operators. It selects pathways by averaging over crusher-gradient phases (16 x 16 phase
pairs, enough for coherence orders up to +/-7) instead of keeping coherence orders. Only the
spin-system file is shared with the crate.
Sign conventions as in mrs-sim: rho(t) = exp(-i 2 pi H t) rho exp(+i 2 pi H t), signal
Tr(rho F+) / 2^(n-2); 90 pulses about y, PRESS refocusing about x, STEAM phases y, y, -y.
"""

import json
import sys
import tomllib

import numpy as np

MHZ = 123.2
REFERENCE_PPM = 4.65
DWELL_S = 0.00025
N_POINTS = 2048
INDICES = [0, 1, 2, 3, 10, 37, 100, 333, 1000, 2047]
N_PHASES = 16

SX = np.array([[0, 1], [1, 0]]) / 2
SY = np.array([[0, -1j], [1j, 0]]) / 2
SZ = np.array([[1, 0], [0, -1]]) / 2


def single(o, k, n):
    m = np.array([[1.0 + 0j]])
    for i in range(n):
        m = np.kron(m, o if i == k else np.eye(2))
    return m


def expm_hermitian(h, scale):
    """exp(-i scale h) for Hermitian h."""
    w, v = np.linalg.eigh(h)
    return v @ np.diag(np.exp(-1j * scale * w)) @ v.conj().T


def system_fid(shifts, couplings, sequence):
    n = len(shifts)
    ix = [single(SX, k, n) for k in range(n)]
    iy = [single(SY, k, n) for k in range(n)]
    iz = [single(SZ, k, n) for k in range(n)]
    fx, fy, fz = sum(ix), sum(iy), sum(iz)
    h = sum((s - REFERENCE_PPM) * MHZ * iz[k] for k, s in enumerate(shifts))
    for i, j, coupling in couplings:
        h = h + coupling * (ix[i] @ ix[j] + iy[i] @ iy[j] + iz[i] @ iz[j])

    def pulse(rho, flip_deg, phase_deg):
        phi = np.radians(phase_deg)
        u = expm_hermitian(np.cos(phi) * fx + np.sin(phi) * fy, np.radians(flip_deg))
        return u @ rho @ u.conj().T

    def evolve(rho, t):
        u = expm_hermitian(h, 2 * np.pi * t)
        return u @ rho @ u.conj().T

    def crush(rho, phase):
        u = expm_hermitian(fz, phase)
        return u @ rho @ u.conj().T

    phases = 2 * np.pi * np.arange(N_PHASES) / N_PHASES
    rho_sum = np.zeros_like(fz)
    for a in phases:
        for b in phases:
            rho = fz.copy()
            if sequence["name"] == "PRESS":
                te1, te2 = sequence["te1_s"], sequence["te2_s"]
                rho = pulse(rho, 90, 90)
                rho = evolve(rho, te1 / 2)
                rho = crush(pulse(crush(rho, a), 180, 0), a)
                rho = evolve(rho, (te1 + te2) / 2)
                rho = crush(pulse(crush(rho, b), 180, 0), b)
                rho = evolve(rho, te2 / 2)
            elif sequence["name"] == "STEAM":
                te, tm = sequence["te_s"], sequence["mixing_time_s"]
                rho = pulse(rho, 90, 90)
                rho = evolve(rho, te / 2)
                rho = pulse(crush(rho, a), 90, 90)
                rho = crush(evolve(rho, tm), b)
                rho = crush(pulse(rho, 90, 270), a)
                rho = evolve(rho, te / 2)
            rho_sum += rho
    rho = rho_sum / N_PHASES**2
    fplus = fx + 1j * fy
    w, v = np.linalg.eigh(h)
    rho_e = v.conj().T @ rho @ v
    f_e = v.conj().T @ fplus @ v
    t = np.array(INDICES) * DWELL_S
    # Tr(rho(t) F+) = sum_ab rho_ab F+_ba exp(-i 2 pi (E_a - E_b) t)
    weights = rho_e * f_e.T
    freq = w[:, None] - w[None, :]
    fid = np.array([np.sum(weights * np.exp(-2j * np.pi * freq * tk)) for tk in t])
    return fid / 2 ** (n - 2)


def main():
    library = tomllib.load(open("crates/mrs-sim/data/spin_systems.toml", "rb"))
    metabolites = {m["name"]: m for m in library["metabolite"]}
    cases = [
        ("Lac", {"name": "PRESS", "te1_s": 0.011, "te2_s": 0.019}),
        ("Asp", {"name": "PRESS", "te1_s": 0.011, "te2_s": 0.019}),
        ("Glu", {"name": "PRESS", "te1_s": 0.011, "te2_s": 0.019}),
        ("Ins", {"name": "PRESS", "te1_s": 0.011, "te2_s": 0.019}),
        ("Lac", {"name": "STEAM", "te_s": 0.020, "mixing_time_s": 0.010}),
        ("Glu", {"name": "STEAM", "te_s": 0.020, "mixing_time_s": 0.010}),
    ]
    entries = []
    for name, sequence in cases:
        total = np.zeros(len(INDICES), complex)
        for system in metabolites[name]["system"]:
            if system.get("passive"):
                raise SystemExit(f"{name}: passive spins are not modelled by this script")
            total += system["amplitude"] * system_fid(
                system["shifts_ppm"], system["couplings_hz"], sequence)
        entries.append({"name": name, "sequence": sequence,
                        "re": total.real.tolist(), "im": total.imag.tolist()})
    out = {
        "generator": "crates/mrs-sim/scripts/reference_press.py",
        "numpy_version": np.__version__,
        "python_version": sys.version.split()[0],
        "spectrometer_frequency_mhz": MHZ,
        "reference_shift_ppm": REFERENCE_PPM,
        "dwell_time_s": DWELL_S,
        "n_points": N_POINTS,
        "indices": INDICES,
        "entries": entries,
    }
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
