//! Fuzzes the LCModel output and control-file parsers and format detection: any input must
//! give a value or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let path = Path::new("fuzz-input");
    if let Ok(coord) = mrs_io::lcmodel::coord::parse(data, path) {
        let _ = (coord.spectrometer_frequency_mhz(), coord.echo_time_s());
    }
    let _ = mrs_io::lcmodel::table::parse(data, path);
    let _ = mrs_io::lcmodel::control::parse(data, path).map(|c| c.to_read_options());
    let _ = mrs_io::detect_bytes(data, path);
});
