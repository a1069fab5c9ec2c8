"""Water scaling of the fitting-challenge creatine test by LCModel's own area conventions.

Re-implements, in numpy, the routines of LCModel 6.3-1N (LCModel.f, BSD-3) that turn an
unsuppressed water FID into the calibration factor FCALIB:

- AREABA: area per proton of the basis Cr CH3 singlet (WSPPM 3.027 ppm, N1HMET 3 protons).
  The window is +-RFWBAS * FWHMBA / 2 ppm around the maximum within +-R_AREABA * DESDSH ppm,
  and a local baseline from PPMBAS(1)-wide borders is subtracted.
- AREAW2: area of the water peak in the phased real spectrum of the unsuppressed FID
  (no zero-filling) over +-HWDWAT(2) ppm, less a local baseline from borders of
  PPMBAS(2) / PPMINC points.
- WATER_SCALE: FCALIB = AREABA / (AREAW2 / (2 * ATTH2O * WCONC)).

Defaults are LCModel's Block Data values: FWHMBA 0.013, RFWBAS 10, PPMBAS 0.1 and 0.2,
HWDWAT 1 and 2, R_AREABA 20, DESDSH 0.004, PPM_WATER_RANGE 1. The water FID of this test has
phase 0, so the zero-order phasing of GETPHA is replaced by the phase at the peak.

Run from the repository root: python crates/mrs-fit/tests/reference/lcmodel_water_scaling.py
Output (numpy 2.4.6): AREABA 0.22644, AREAW2 13720.2, FCALIB 0.98024, Cr 9.802 mM, against
10.83 mM from the water FID's amplitude at t = 0 (both with the exact amplitude 10 exp(-30/160)).
"""

import re

import numpy as np

DWELL_S = 0.00025
DATA_MHZ = 123.2
WATER_MM = 29697.1  # README: relaxation-corrected water concentration
METABOLITE_ATTENUATION = np.exp(-30.0 / 160.0)
CREATINE_AMPLITUDE = 10.0 * METABOLITE_ATTENUATION  # fitted amplitude in basis units


def read_raw(path):
    text = open(path).read()
    values = np.array([float(x) for x in text[text.index("$END") + 4 :].split()])
    return values[0::2] + 1j * values[1::2]


def read_basis_spectrum(path, name):
    text = open(path).read()
    block = next(b for b in text.split("$BASIS\n")[1:] if f"METABO = '{name}'" in b)
    values = np.array([float(x) for x in block[block.index("$END") + 4 :].split("$")[0].split()])
    spectrum = values[0::2] + 1j * values[1::2]
    mhz = float(re.search(r"HZPPPM\s*=\s*([0-9.Ee+-]+)", text).group(1))
    return spectrum, mhz


def integrate(real_at, peak, start, end, border):
    """LCModel's INTEGRATE: shrink the window symmetrically to the farther minimum, then
    subtract the mean of the two border regions from every point of the window."""
    left = min(range(start, peak), key=real_at)
    right = min(range(peak + 1, end + 1), key=real_at)
    half = max(peak - left, right - peak)
    start, end = peak - half, peak + half
    baseline = 0.5 * (
        np.mean([real_at(j) for j in range(start - border, start)])
        + np.mean([real_at(j) for j in range(end + 1, end + border + 1)])
    )
    return sum(real_at(j) for j in range(start, end + 1)) - (end - start + 1) * baseline


def area_basis_singlet(spectrum, mhz, wsppm=3.027, protons=3, ppmcen=4.65):
    n = len(spectrum)
    ppm_step = 1.0 / (DWELL_S * n * mhz)

    def real_at(j):
        return spectrum[(j - 1) % n].real

    peak = round((ppmcen - wsppm) / ppm_step) + 1
    search = round(20.0 * 0.004 / ppm_step)
    peak = max(range(peak - search, peak + search + 1), key=real_at)
    half = round(0.5 * 10.0 * 0.013 / ppm_step)
    border = round(0.1 / ppm_step)
    area = integrate(real_at, peak, peak - half, peak + half, border)
    return ppm_step * area / protons


def area_water(fid, mhz, ppmcen=4.65, ppmh2o=4.65):
    n = len(fid)
    half_n = n // 2
    ppm_step = 1.0 / (DWELL_S * 2 * n * mhz)
    step2 = 2.0 * ppm_step
    spectrum = np.fft.fft(fid) / np.sqrt(n) / np.sqrt(2.0)

    def value(j):
        offset_hz = (-(j - 1 - half_n) * step2) * mhz
        return spectrum[int(round(offset_hz * n * DWELL_S)) % n]

    start = round((ppmcen - ppmh2o - 1.0) / step2) + half_n + 1
    end = round((ppmcen - ppmh2o + 1.0) / step2) + half_n + 1
    top = max(range(start, end + 1), key=lambda j: abs(value(j)))
    ppm_water = ppmcen - (top - 1 - half_n) * step2
    peak = int((ppmcen - ppm_water) / step2 + half_n + 1)
    phase = np.angle(value(peak))

    def real_at(j):
        return (value(j) * np.exp(-1j * phase)).real

    start = round((ppmcen - ppm_water - 2.0) / step2) + half_n + 1
    end = round((ppmcen - ppm_water + 2.0) / step2) + half_n + 1
    border = round(0.2 / ppm_step)
    return step2 * integrate(real_at, peak, start, end, border)


def main():
    root = "tests/data/fitting-challenge"
    water = read_raw(f"{root}/cr-water-scaling/Cr_10mM_test_water_scaling.H2O")
    creatine, basis_mhz = read_basis_spectrum(f"{root}/basis/press3T_30ms.BASIS", "Cr")
    basis_area = area_basis_singlet(creatine, basis_mhz)
    water_area = area_water(water, DATA_MHZ)
    fcalib = basis_area / (water_area / (2.0 * WATER_MM))
    concentration = CREATINE_AMPLITUDE * fcalib / METABOLITE_ATTENUATION
    ideal = CREATINE_AMPLITUDE * 2.0 * WATER_MM / (abs(water[0]) * METABOLITE_ATTENUATION)
    print(f"AREABA {basis_area:.5f}, AREAW2 {water_area:.1f}, FCALIB {fcalib:.5f}")
    print(f"Cr {concentration:.3f} mM (ideal areas: {ideal:.2f} mM)")


if __name__ == "__main__":
    main()
