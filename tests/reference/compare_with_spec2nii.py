"""Check a NIfTI-MRS file made by the convert example against spec2nii's conversion.

Usage: python compare_with_spec2nii.py OURS.nii.gz SPEC2NII_SUBCOMMAND INPUT [INPUT2]

Runs `spec2nii SUBCOMMAND -o TMP INPUT...`, validates OURS with the official nifti-mrs
validator, and requires the same shape, spectrometer frequency, dwell time and samples (equal up
to float32 rounding, since OURS is complex64). Exits non-zero with a message on any mismatch.
Tested with spec2nii 0.8.15, nifti-mrs 1.4.1, nibabel 5.4.2, numpy 2.4.6.
"""
import glob
import json
import os
import subprocess
import sys
import tempfile

import nibabel as nib
import numpy as np
from nifti_mrs import validator
from nifti_mrs.nifti_mrs import NIFTI_MRS


def header_json(image):
    for extension in image.header.extensions:
        if extension.get_code() == 44:
            return json.loads(extension.get_content())
    raise AssertionError("no NIfTI-MRS header extension")


def main():
    ours_path, subcommand, inputs = sys.argv[1], sys.argv[2], sys.argv[3:]
    validator.validate_nifti_mrs(NIFTI_MRS(ours_path))

    with tempfile.TemporaryDirectory() as out:
        spec2nii = os.path.join(os.path.dirname(sys.executable), "spec2nii")
        subprocess.run([spec2nii, subcommand, "-o", out, *inputs], check=True, capture_output=True)
        produced = sorted(glob.glob(os.path.join(out, "*.nii*")))
        if len(produced) != 1:
            raise AssertionError(f"spec2nii produced {produced}, expected one file")
        reference = nib.load(produced[0])
        reference_data = np.asarray(reference.dataobj).astype(np.complex128)
        reference_json = header_json(reference)
        reference_dwell = float(reference.header["pixdim"][4])

    ours = nib.load(ours_path)
    ours_data = np.asarray(ours.dataobj).astype(np.complex128)
    ours_json = header_json(ours)

    if ours_data.shape != reference_data.shape:
        raise AssertionError(f"shape {ours_data.shape}, spec2nii {reference_data.shape}")
    frequency = ours_json["SpectrometerFrequency"][0]
    reference_frequency = reference_json["SpectrometerFrequency"][0]
    if abs(frequency - reference_frequency) > 1e-6 * reference_frequency:
        raise AssertionError(f"frequency {frequency} MHz, spec2nii {reference_frequency} MHz")
    dwell = float(ours.header["pixdim"][4])
    if abs(dwell - reference_dwell) > 1e-6 * reference_dwell:
        raise AssertionError(f"dwell time {dwell} s, spec2nii {reference_dwell} s")
    # complex64 keeps 24-bit mantissas: each part agrees to half a unit in the last place.
    scale = np.max(np.abs(reference_data))
    worst = np.max(np.abs(ours_data - reference_data))
    if worst > 2.0**-23 * scale:
        raise AssertionError(f"samples differ from spec2nii by up to {worst} (scale {scale})")
    print(f"{ours_path}: valid, matches spec2nii ({ours_data.shape}, {frequency} MHz, "
          f"dwell {dwell} s, max difference {worst:.3g} of {scale:.3g})")


if __name__ == "__main__":
    main()
