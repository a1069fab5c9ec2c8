"""Validate NIfTI-MRS files written by mrs-io with the official nifti-mrs validator.

Called by crates/mrs-io/tests/nifti_validator.rs as
    python validate_nifti_mrs.py FILE.nii[.gz] ...
Each FILE has a companion FILE.expected.json with the shape, dimension tags, dwell time and
spectrometer frequency, and FILE.expected.bin with the stored samples as little-endian
complex128 in NIfTI (Fortran) order, and FILE.mrs_core.bin with the MrsData samples that were
written (mrs-core convention, same order). Exits non-zero on the first failure.
Tested with nifti-mrs 1.4.1, nibabel 5.4.2, numpy 2.4.6.
"""
import json
import sys

import nibabel as nib
import numpy as np
from nifti_mrs import validator
from nifti_mrs.nifti_mrs import NIFTI_MRS


def check(path):
    expected = json.loads(open(path + ".expected.json").read())
    shape = tuple(expected["shape"])
    stored = np.fromfile(path + ".expected.bin", dtype="<c16").reshape(shape, order="F")
    core = np.fromfile(path + ".mrs_core.bin", dtype="<c16").reshape(shape, order="F")

    nmrs = NIFTI_MRS(path)
    validator.validate_nifti_mrs(nmrs)

    image = nib.load(path)
    data = np.asarray(image.dataobj)
    if data.shape != shape:
        raise AssertionError(f"shape {data.shape}, expected {shape}")
    if data.dtype == np.complex64:
        stored = stored.astype(np.complex64)
        core = core.astype(np.complex64)
    if not np.array_equal(data, stored):
        worst = np.max(np.abs(data - stored))
        raise AssertionError(f"nibabel samples differ from the written ones by up to {worst}")
    # NIFTI_MRS indexing conjugates the stored data; its axes (nifti_mrs/axes.py: Hz from
    # fftshift(fftfreq), ppm = Hz / MHz + SpecFreqChemShift) are those of mrs-core, so it must
    # return exactly the MrsData samples that were written.
    if not np.array_equal(nmrs[:], core):
        raise AssertionError("nifti_mrs samples differ from the MrsData samples written")
    if list(nmrs.dim_tags[: len(expected["dim_tags"])]) != expected["dim_tags"]:
        raise AssertionError(f"dim_tags {nmrs.dim_tags}, expected {expected['dim_tags']}")
    if not np.isclose(nmrs.dwelltime, expected["dwell_time_s"], rtol=1e-7, atol=0):
        raise AssertionError(f"dwelltime {nmrs.dwelltime}, expected {expected['dwell_time_s']}")
    if nmrs.spectrometer_frequency[0] != expected["spectrometer_frequency_mhz"]:
        raise AssertionError(f"frequency {nmrs.spectrometer_frequency}")
    print(f"valid: {path} {type(image.header).__name__} {data.dtype} {data.shape}")


def main():
    for path in sys.argv[1:]:
        check(path)


if __name__ == "__main__":
    main()
