"""Print reference values of the NIfTI-MRS and jMRUI test files, for crates/mrs-io/tests.

Run with the project's virtual environment (nibabel 5.4.2, nifti-mrs 1.4.1, numpy 2.4.6):
    ~/.cache/mrskit/venv/bin/python crates/mrs-io/tests/reference/nifti_reference.py
Samples are printed as stored in the file (nibabel's dataobj), before any conjugation.
"""
import json
import sys
from pathlib import Path

import nibabel as nib
import nifti_mrs
import numpy as np
from nifti_mrs.nifti_mrs import NIFTI_MRS

DATA = Path(__file__).resolve().parents[4] / "tests" / "data"


def show_nifti(path):
    img = nib.load(path)
    hdr = img.header
    data = np.asarray(img.dataobj)
    print(f"== {path.relative_to(DATA)}")
    print(f"  header {type(hdr).__name__}, datatype {int(hdr['datatype'])}, shape {img.shape}")
    print(f"  pixdim[4] {float(hdr['pixdim'][4])!r}, xyzt_units {int(hdr['xyzt_units'])}")
    print(f"  intent_name {hdr['intent_name'].item()!r}")
    print(f"  qform_code {int(hdr['qform_code'])} sform_code {int(hdr['sform_code'])}")
    print(f"  srow_x {[float(v) for v in hdr['srow_x']]}")
    flat = data.reshape(-1, order="F")
    for index in (0, 1, 100, flat.size - 1):
        value = complex(flat[index])
        print(f"  sample[{index}] (Fortran order) {value.real!r} {value.imag!r}")
    codes = hdr.extensions.get_codes()
    if 44 in codes:
        meta = json.loads(hdr.extensions[codes.index(44)].get_content())
        keys = ("SpectrometerFrequency", "ResonantNucleus", "EchoTime", "RepetitionTime",
                "dim_5", "dim_6", "dim_7")
        print("  json", {k: meta.get(k) for k in keys})
        nmrs = NIFTI_MRS(str(path))
        print(f"  nifti_mrs: shape {nmrs.shape}, dim_tags {nmrs.dim_tags}, "
              f"dwelltime {nmrs.dwelltime!r}, spectrometer_frequency {nmrs.spectrometer_frequency}")


def main():
    print(f"python {sys.version.split()[0]}, nibabel {nib.__version__}, "
          f"nifti_mrs {nifti_mrs.__version__}, numpy {np.__version__}")
    for name in ("nifti-mrs/metab.nii.gz", "nifti-mrs/metab_raw.nii.gz",
                 "nifti-mrs/wref_raw.nii.gz", "cross-format/metab.nii"):
        show_nifti(DATA / name)
    sidecar = json.loads((DATA / "cross-format/metab.json").read_text())
    print("== cross-format/metab.json", sidecar)
    rows = np.loadtxt(DATA / "cross-format/metab_jmrui.txt", skiprows=15)
    print(f"== cross-format/metab_jmrui.txt: {rows.shape[0]} rows, first {rows[0].tolist()}, "
          f"last {rows[-1].tolist()}")


if __name__ == "__main__":
    main()
