//! Choice of the compute device.

use crate::error::{CnnError, Result};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A requested compute device. CUDA is used only when requested, and requesting a device that
/// is not present is an error, never a silent fallback to the CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum DeviceRequest {
    /// The CPU (default).
    #[default]
    Cpu,
    /// CUDA device with this ordinal.
    Cuda(usize),
}

impl DeviceRequest {
    /// Returns the libtorch device after checking that it exists.
    ///
    /// # Errors
    /// [`CnnError::DeviceUnavailable`] when CUDA is requested and libtorch reports no CUDA device
    /// with that ordinal.
    pub fn resolve(self) -> Result<tch::Device> {
        match self {
            DeviceRequest::Cpu => Ok(tch::Device::Cpu),
            DeviceRequest::Cuda(ordinal) => {
                if !tch::Cuda::is_available() {
                    return Err(CnnError::DeviceUnavailable {
                        requested: self.to_string(),
                        reason:
                            "libtorch reports no CUDA device (no GPU, no driver, or a CPU-only \
                                 libtorch)"
                                .into(),
                    });
                }
                let count = tch::Cuda::device_count().max(0) as usize;
                if ordinal >= count {
                    return Err(CnnError::DeviceUnavailable {
                        requested: self.to_string(),
                        reason: format!("libtorch sees {count} CUDA device(s)"),
                    });
                }
                Ok(tch::Device::Cuda(ordinal))
            }
        }
    }
}

impl fmt::Display for DeviceRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceRequest::Cpu => write!(f, "cpu"),
            DeviceRequest::Cuda(ordinal) => write!(f, "cuda:{ordinal}"),
        }
    }
}

impl FromStr for DeviceRequest {
    type Err = CnnError;

    /// Parses `cpu`, `cuda` (ordinal 0) or `cuda:N`.
    fn from_str(text: &str) -> Result<Self> {
        let lower = text.trim().to_ascii_lowercase();
        match lower.as_str() {
            "cpu" => Ok(DeviceRequest::Cpu),
            "cuda" | "gpu" => Ok(DeviceRequest::Cuda(0)),
            _ => lower
                .strip_prefix("cuda:")
                .and_then(|n| n.parse().ok())
                .map(DeviceRequest::Cuda)
                .ok_or_else(|| CnnError::config("device", text, "expected cpu, cuda or cuda:N")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_device_names() {
        assert_eq!("cpu".parse::<DeviceRequest>().unwrap(), DeviceRequest::Cpu);
        assert_eq!(
            "CUDA".parse::<DeviceRequest>().unwrap(),
            DeviceRequest::Cuda(0)
        );
        assert_eq!(
            "cuda:2".parse::<DeviceRequest>().unwrap(),
            DeviceRequest::Cuda(2)
        );
        assert!("tpu".parse::<DeviceRequest>().is_err());
        assert!("cuda:x".parse::<DeviceRequest>().is_err());
    }

    #[test]
    fn cpu_always_resolves() {
        assert_eq!(DeviceRequest::Cpu.resolve().unwrap(), tch::Device::Cpu);
    }

    #[test]
    fn a_missing_cuda_device_is_an_error() {
        // Ordinal 1000 exceeds any machine's device count, with or without a GPU.
        let err = DeviceRequest::Cuda(1000).resolve().unwrap_err();
        assert!(matches!(err, CnnError::DeviceUnavailable { .. }), "{err}");
    }
}
