//! Fuzzes the Philips SDAT/SPAR pair: the first input byte splits the rest into SPAR text and
//! SDAT payload. Any input must give a value or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let at = (split as usize * rest.len()) / 255;
    let (spar, sdat) = rest.split_at(at.min(rest.len()));
    let options = mrs_io::ReadOptions::default();
    if let Ok(file) = mrs_io::philips::sdat::parse(
        sdat,
        Path::new("fuzz.sdat"),
        spar,
        Path::new("fuzz.spar"),
        &options,
    ) {
        let _ = file.to_mrs_data();
    }
});
