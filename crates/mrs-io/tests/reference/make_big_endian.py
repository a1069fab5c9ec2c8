"""Write the big-endian NIfTI-MRS files used by crates/mrs-io/tests/nifti.rs.

Run with the project's virtual environment (nibabel 5.4.2, numpy 2.4.6) from this folder:
    ~/.cache/mrskit/venv/bin/python make_big_endian.py
Each file holds 64 points x 2 dynamics of complex64 samples, sample (n, d) = (n + 1000 d) - i n / 2
(exact in float32), version mrs_v0_2, and a second extension (ecode 6, comment) besides the
NIfTI-MRS JSON (ecode 44).
"""
import json

import nibabel as nib
import numpy as np

N_POINTS = 64
N_DYN = 2


def samples():
    n = np.arange(N_POINTS)[:, None]
    d = np.arange(N_DYN)[None, :]
    data = (n + 1000.0 * d) - 1j * (n / 2.0)
    return data.reshape(1, 1, 1, N_POINTS, N_DYN).astype(">c8")


def write(image_class, header_class, name):
    header = header_class(endianness=">")
    header.set_data_dtype(">c8")
    image = image_class(samples(), np.diag([10000.0, 10000.0, 10000.0, 1.0]), header)
    image.header["pixdim"][4] = 0.00025
    image.header.set_xyzt_units(xyz="mm", t="sec")
    image.header["intent_name"] = b"mrs_v0_2"
    meta = {"SpectrometerFrequency": [123.2], "ResonantNucleus": ["1H"], "dim_5": "DIM_DYN",
            "EchoTime": 0.03}
    image.header.extensions.append(nib.nifti1.Nifti1Extension(44, json.dumps(meta).encode()))
    image.header.extensions.append(nib.nifti1.Nifti1Extension(6, b"big-endian test file"))
    nib.save(image, name)
    check = nib.load(name)
    assert check.header.endianness == ">", name
    print(name, check.shape, check.header.get_data_dtype())


write(nib.Nifti1Image, nib.Nifti1Header, "big_endian_nifti1.nii")
write(nib.Nifti2Image, nib.Nifti2Header, "big_endian_nifti2.nii")
