//! Values a caller supplies when a file lacks them.

use mrs_core::Nucleus;

/// Acquisition values used when a file does not store them, or to override what it stores.
///
/// A reader uses a value from here only when the file lacks it, except where a field says
/// it overrides. Every field defaults to `None`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReadOptions {
    /// Spectrometer frequency in MHz, e.g. for an LCModel `.RAW` without `$SEQPAR`.
    pub spectrometer_frequency_mhz: Option<f64>,
    /// Dwell time in seconds, e.g. for an LCModel `.RAW` without `$NMID` `DELTAT`.
    pub dwell_time_s: Option<f64>,
    /// Echo time in seconds.
    pub echo_time_s: Option<f64>,
    /// Reference shift at the receiver frequency in ppm; overrides the file's value.
    pub reference_shift_ppm: Option<f64>,
    /// Nucleus, when the format does not say (default 1H).
    pub nucleus: Option<Nucleus>,
}
