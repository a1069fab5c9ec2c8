//! The one FFT convention of the workspace (see the crate docs, "Conventions").

use num_complex::Complex64;
use rustfft::FftPlanner;

/// Transforms a FID into its centred spectrum: `fftshift(FFT(fid))`, unnormalised.
///
/// Element `k` of the result holds frequency `(k - n/2) / (n * dwell_time_s)` Hz, with
/// `n/2` rounded down, so index `n/2` is 0 Hz.
pub fn fid_to_spectrum(fid: &[Complex64]) -> Vec<Complex64> {
    let n = fid.len();
    if n == 0 {
        return Vec::new();
    }
    let mut buffer = fid.to_vec();
    FftPlanner::new().plan_fft_forward(n).process(&mut buffer);
    buffer.rotate_right(n / 2);
    buffer
}

/// Inverts [`fid_to_spectrum`]: `IFFT(ifftshift(spectrum)) / n`.
pub fn spectrum_to_fid(spectrum: &[Complex64]) -> Vec<Complex64> {
    let n = spectrum.len();
    if n == 0 {
        return Vec::new();
    }
    let mut buffer = spectrum.to_vec();
    buffer.rotate_left(n / 2);
    FftPlanner::new().plan_fft_inverse(n).process(&mut buffer);
    let scale = 1.0 / n as f64;
    for value in &mut buffer {
        *value *= scale;
    }
    buffer
}

/// Frequency of centred-spectrum element `k` for `n` points, in Hz from the receiver.
pub fn frequency_of_index_hz(k: usize, n: usize, dwell_time_s: f64) -> f64 {
    (k as f64 - (n / 2) as f64) / (n as f64 * dwell_time_s)
}
