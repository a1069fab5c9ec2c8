//! Integration tests of mrs-stats through its public API.

mod golden;
mod invalid_input;
mod properties;
mod study;

use std::path::Path;
use std::sync::OnceLock;

use serde_json::Value;

/// Relative tolerance against the golden values. Both sides evaluate the same closed-form
/// expressions or exact distributions in double precision, so they agree to rounding of a few
/// dozen operations. 1e-10 leaves room for different summation orders and special-function
/// implementations (SciPy uses Boost and Cephes, this crate its own).
pub const RTOL: f64 = 1e-10;

/// Absolute floor added to the relative tolerance. Values that are exactly 0 or 1 in theory
/// (a Wilson bound at k = 0 or k = n, a mean of symmetric differences) come out as rounding
/// noise of order 1e-16 in one tool and as the exact value in the other.
pub const ABS_FLOOR: f64 = 1e-14;

/// Loads and parses `tests/data/golden.json` once.
pub fn golden() -> &'static Value {
    static GOLDEN: OnceLock<Value> = OnceLock::new();
    GOLDEN.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/golden.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        serde_json::from_str(&text).expect("golden.json is valid JSON")
    })
}

/// Reads a JSON number as f64.
pub fn num(value: &Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("expected a number, got {value}"))
}

/// Reads a JSON array of numbers.
pub fn nums(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("expected an array, got {value}"))
        .iter()
        .map(num)
        .collect()
}

/// Tracks the largest relative deviation from the golden values within one test, and prints it
/// (run with `--nocapture` to see the measured agreement).
pub struct Comparison {
    section: &'static str,
    count: usize,
    max_relative: f64,
}

impl Comparison {
    /// Starts a comparison for a section of golden.json.
    pub fn new(section: &'static str) -> Self {
        Self {
            section,
            count: 0,
            max_relative: 0.0,
        }
    }

    /// Asserts that `actual` matches `expected` within `rtol` relative plus [`ABS_FLOOR`].
    pub fn check(&mut self, label: &str, actual: f64, expected: f64, rtol: f64) {
        let difference = (actual - expected).abs();
        let relative = if expected == 0.0 {
            difference
        } else {
            difference / expected.abs()
        };
        assert!(
            difference <= rtol * expected.abs() + ABS_FLOOR,
            "{}: {label}: got {actual:e}, expected {expected:e} (relative deviation {relative:e})",
            self.section
        );
        self.count += 1;
        self.max_relative = self.max_relative.max(relative);
    }
}

impl Drop for Comparison {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            println!(
                "golden {}: {} values, max relative deviation {:.2e}",
                self.section, self.count, self.max_relative
            );
        }
    }
}
