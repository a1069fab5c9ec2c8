//! Fuzzes one parser: any input must give a value or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz-input");
    let options = mrs_io::ReadOptions {
        spectrometer_frequency_mhz: Some(123.2),
        dwell_time_s: Some(0.00025),
        ..Default::default()
    };
    if let Ok(file) = mrs_io::siemens::dicom::parse(data, path, &options) {
        let _ = file.to_mrs_data();
    }
});
