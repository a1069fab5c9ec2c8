#!/usr/bin/env python3
"""Write spec2nii reference values for the Siemens and Philips readers of mrs-io.

Runs spec2nii on the vendor files in tests/data, loads every NIfTI-MRS output with nibabel and
writes one compact JSON file per output next to this script. Each JSON file contains the spectrometer
frequency (MHz), dwell time (s), echo and repetition time (s), the data shape and dimension tags,
every complex sample as stored on disk (real and imaginary lists), and the versions of spec2nii and
the Python packages used.

The samples are the values spec2nii wrote to disk, unchanged. NIfTI-MRS stores the complex
conjugate of the convention in which fftshift(fft(fid)) has ppm increasing with the index: FSL-MRS
and the nifti_mrs package conjugate the stored data on access before such a transform, and the
mrs-core convention matches that view. The Rust tests therefore compare each reader with the
conjugate of these samples.

Usage, from the repository root:
    ~/.cache/mrskit/venv/bin/python tests/data/golden/spec2nii/make_golden.py
"""

import json
import platform
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import nibabel as nib
import numpy as np

HERE = Path(__file__).resolve().parent
DATA = HERE.parent.parent
SPEC2NII = Path(sys.executable).with_name("spec2nii")

# (golden name, spec2nii subcommand, input files relative to tests/data)
CONVERSIONS = [
    ("siemens_svs_30_rda", "rda", ["siemens/SVS_30.rda"]),
    ("siemens_svs_30_ima", "dicom", ["siemens/SVS_30.IMA"]),
    ("siemens_svs_xa60", "dicom", ["siemens/SVS_XA60.dcm"]),
    (
        "philips_sub01_act_sdat",
        "philips",
        ["philips/sub-01_PRESS_35_act.sdat", "philips/sub-01_PRESS_35_act.spar"],
    ),
    ("philips_short_te_svs_dcm", "philips_dcm", ["philips/philips_short_te_svs.dcm"]),
]


def versions():
    """Return the versions of the tools that produced the values."""
    packages = ["spec2nii", "nifti-mrs", "nibabel", "numpy", "pydicom"]
    found = {"python": platform.python_version()}
    for name in packages:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def float_list(values, digits):
    """Format floats with enough significant digits to round-trip their precision."""
    return [float(f"{v:.{digits}g}") for v in values]


def describe(path, name, command, note=None):
    """Load one NIfTI-MRS output and return its golden record."""
    image = nib.load(path)
    data = np.asanyarray(image.dataobj)
    extension = json.loads(image.header.extensions[0].get_content())
    dim_tags = [extension.get(f"dim_{i}") for i in (5, 6, 7)]
    n_points = data.shape[3]
    fids = data.reshape(data.shape[:4] + (-1,), order="F")[0, 0, 0]
    digits = 17 if data.dtype == np.complex128 else 9
    record = {
        "name": name,
        "generated_by": {
            "command": command,
            "versions": versions(),
        },
        "output_file": Path(path).name,
        "dtype_on_disk": str(data.dtype),
        "convention": (
            "samples as stored on disk by spec2nii (NIfTI-MRS); the mrs-core convention is "
            "their complex conjugate"
        ),
        "spectrometer_frequency_mhz": float(extension["SpectrometerFrequency"][0]),
        "resonant_nucleus": extension["ResonantNucleus"][0],
        "dwell_time_s": float(image.header["pixdim"][4]),
        "echo_time_s": extension.get("EchoTime"),
        "repetition_time_s": extension.get("RepetitionTime"),
        "shape": list(data.shape),
        "dim_tags": dim_tags,
        "n_points": n_points,
        "n_fids": int(fids.shape[1]),
        "fids": [
            {
                "re": float_list(fids[:, k].real, digits),
                "im": float_list(fids[:, k].imag, digits),
            }
            for k in range(fids.shape[1])
        ],
    }
    if note:
        record["note"] = note
    return record


def run_cli(subcommand, inputs, out_dir):
    """Run the spec2nii command line; return the command and the completed process."""
    command = [str(SPEC2NII), subcommand, "-o", str(out_dir)] + [str(DATA / f) for f in inputs]
    result = subprocess.run(command, capture_output=True, text=True)
    printable = " ".join(["spec2nii", subcommand, "-o", "OUT"] + inputs)
    return printable, result


def philips_dcm_without_orientation(inputs, out_dir):
    """Convert a Philips DICOM with spec2nii's own reader, skipping its orientation step.

    spec2nii 0.8.15 reads the voxel orientation of a Philips DICOM from a VolumeLocalization
    sequence with three items. philips_short_te_svs.dcm has one item, so the command line fails
    with an IndexError before writing anything. The orientation only sets the NIfTI affine, so
    this replaces it with the default NIfTI-MRS affine and leaves the data path untouched.
    """
    from spec2nii.nifti_orientation import NIFTIOrient
    from spec2nii.Philips import philips_dcm

    philips_dcm._enhanced_dcm_svs_to_orientation = lambda img, verbose=False: NIFTIOrient(
        np.diag([10000.0, 10000.0, 10000.0, 1.0])
    )
    images, names = philips_dcm.multi_file_dicom(
        [DATA / f for f in inputs], None, None, False
    )
    paths = []
    for image, name in zip(images, names):
        path = out_dir / f"{name}.nii.gz"
        image.save(path)
        paths.append(path)
    return paths


def main():
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, subcommand, inputs in CONVERSIONS:
            out_dir = Path(tmp) / name
            out_dir.mkdir()
            command, result = run_cli(subcommand, inputs, out_dir)
            outputs = sorted(out_dir.glob("*.nii*"))
            note = None
            if result.returncode != 0 or not outputs:
                last_line = (result.stderr.strip().splitlines() or ["no output"])[-1]
                if subcommand != "philips_dcm":
                    raise SystemExit(f"{command} failed: {last_line}")
                note = (
                    f"the spec2nii command line failed on this file ({last_line}) in its "
                    "orientation step; the values come from spec2nii.Philips.philips_dcm."
                    "multi_file_dicom with that step replaced by the default affine"
                )
                outputs = philips_dcm_without_orientation(inputs, out_dir)
                command = f"{command} (failed; see note)"
            for index, path in enumerate(outputs):
                suffix = "" if len(outputs) == 1 else f"_{index}"
                if len(outputs) > 1 and path.name.split(".")[0].endswith("_ref"):
                    suffix = "_ref"
                elif len(outputs) > 1:
                    suffix = "_main"
                record = describe(path, name + suffix, command, note)
                target = HERE / f"{name}{suffix}.json"
                target.write_text(json.dumps(record, separators=(",", ":")) + "\n")
                written.append(target)
    for target in written:
        print(f"{target.relative_to(DATA.parent.parent)}: {target.stat().st_size} bytes")


if __name__ == "__main__":
    main()
