//! Size limits checked against header values before anything is allocated.
//!
//! Real single-voxel MRS files hold at most a few million complex samples (e.g. 64 coils x
//! 256 averages x 4096 points = 67 million for the largest raw multi-coil data). The limits
//! leave room above that while keeping a hostile header from requesting terabytes.

use crate::error::ErrorKind;

/// Most complex points accepted along the time axis of one FID (2^22).
pub const MAX_POINTS: u64 = 1 << 22;

/// Most complex samples accepted in one file, over all dimensions (2^27, 2 GiB as complex128).
pub const MAX_TOTAL_SAMPLES: u64 = 1 << 27;

/// Most entries accepted in one basis set.
pub const MAX_BASIS_ENTRIES: u64 = 4096;

/// Checks a header count against `limit` and returns it as `usize`.
///
/// # Errors
/// [`ErrorKind::TooLarge`] naming `field`.
pub fn check_count(field: &str, value: u64, limit: u64) -> std::result::Result<usize, ErrorKind> {
    if value > limit {
        return Err(ErrorKind::TooLarge {
            field: field.to_string(),
            value,
            limit,
        });
    }
    usize::try_from(value).map_err(|_| ErrorKind::TooLarge {
        field: field.to_string(),
        value,
        limit,
    })
}

/// Checks that `needed` bytes are present in a file of `available` bytes.
///
/// # Errors
/// [`ErrorKind::Truncated`] naming `field`.
pub fn check_available(
    field: &str,
    needed: u64,
    available: u64,
) -> std::result::Result<(), ErrorKind> {
    if needed > available {
        return Err(ErrorKind::Truncated {
            field: field.to_string(),
            expected: needed,
            found: available,
        });
    }
    Ok(())
}

/// Checks that every sample is finite.
///
/// # Errors
/// [`ErrorKind::NonFinite`] for the first NaN or infinite sample.
pub fn check_finite(
    field: &str,
    samples: &[num_complex::Complex64],
) -> std::result::Result<(), ErrorKind> {
    match samples
        .iter()
        .position(|c| !c.re.is_finite() || !c.im.is_finite())
    {
        Some(index) => Err(ErrorKind::NonFinite {
            field: field.to_string(),
            index,
            value: samples[index].to_string(),
        }),
        None => Ok(()),
    }
}
