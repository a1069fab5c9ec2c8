//! Pulse sequences as lists of events ending at the start of acquisition.
//!
//! Pulses are ideal (hard, instantaneous, non-selective). Each refocusing or mixing pulse is
//! followed by [`Event::SelectCoherence`], which stands for the crusher gradients around it:
//! the simulation then follows the single coherence-transfer pathway that ends in the
//! detected order -1. Shaped pulses and spatially resolved simulation fit as further
//! [`Event`] variants without changing the sequence types.

use crate::error::{Result, SimError};
use mrs_core::SequenceInfo;
use std::collections::BTreeMap;

/// Longest accepted delay or echo time, in seconds.
const MAX_TIMING_S: f64 = 10.0;

/// One step of a sequence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    /// Ideal hard pulse `exp(-i theta (cos(phi) Fx + sin(phi) Fy))` on every 1H spin.
    Pulse {
        /// Flip angle theta in radians.
        flip_angle_rad: f64,
        /// Phase phi in radians; 0 is x, pi/2 is y.
        phase_rad: f64,
    },
    /// Free evolution under the spin Hamiltonian.
    Delay {
        /// Duration in seconds.
        duration_s: f64,
    },
    /// Keeps only coherence order `order` (the effect of ideal crusher gradients on the
    /// selected pathway).
    SelectCoherence {
        /// Coherence order to keep, `M_row - M_column`.
        order: i32,
    },
}

/// A localisation or excitation sequence with its timings.
///
/// Pulse phases are chosen so that an uncoupled proton gives a real, positive signal:
/// excitation about y, refocusing about x, and for STEAM y, y, -y.
#[derive(Debug, Clone, PartialEq)]
pub enum Sequence {
    /// 90 degree pulse, then acquisition.
    PulseAcquire,
    /// 90 - TE/2 - 180 - TE/2 - acquire.
    SpinEcho {
        /// Echo time in seconds.
        echo_time_s: f64,
    },
    /// PRESS: 90 - TE1/2 - 180 - (TE1 + TE2)/2 - 180 - TE2/2 - acquire.
    Press {
        /// First echo time in seconds.
        te1_s: f64,
        /// Second echo time in seconds.
        te2_s: f64,
    },
    /// STEAM: 90 - TE/2 - 90 - TM - 90 - TE/2 - acquire, stimulated-echo pathway +1, 0, -1.
    /// The stimulated echo carries half the magnetisation of a spin echo.
    Steam {
        /// Echo time in seconds.
        echo_time_s: f64,
        /// Mixing time in seconds.
        mixing_time_s: f64,
    },
    /// Any list of events, e.g. for other flip angles.
    Custom {
        /// Name written into the basis set.
        name: String,
        /// The events, ending where acquisition starts.
        events: Vec<Event>,
    },
}

impl Sequence {
    /// Checks that every timing is finite, non-negative and at most 10 s.
    ///
    /// # Errors
    /// [`SimError::InvalidParameter`] naming the timing.
    pub fn validate(&self) -> Result<()> {
        let timings: Vec<(&'static str, f64)> = match self {
            Sequence::PulseAcquire => vec![],
            Sequence::SpinEcho { echo_time_s } => vec![("echo_time_s", *echo_time_s)],
            Sequence::Press { te1_s, te2_s } => vec![("te1_s", *te1_s), ("te2_s", *te2_s)],
            Sequence::Steam {
                echo_time_s,
                mixing_time_s,
            } => vec![
                ("echo_time_s", *echo_time_s),
                ("mixing_time_s", *mixing_time_s),
            ],
            Sequence::Custom { events, .. } => events
                .iter()
                .flat_map(|event| match *event {
                    Event::Delay { duration_s } => vec![("duration_s", duration_s)],
                    Event::Pulse {
                        flip_angle_rad,
                        phase_rad,
                    } => vec![("flip_angle_rad", flip_angle_rad), ("phase_rad", phase_rad)],
                    Event::SelectCoherence { .. } => vec![],
                })
                .collect(),
        };
        for (name, value) in timings {
            let valid = match name {
                "flip_angle_rad" | "phase_rad" => value.is_finite(),
                _ => value.is_finite() && (0.0..=MAX_TIMING_S).contains(&value),
            };
            if !valid {
                return Err(SimError::InvalidParameter {
                    name,
                    value,
                    reason: "timings must be finite, between 0 and 10 s; angles finite",
                });
            }
        }
        Ok(())
    }

    /// The events of the sequence, in order.
    pub fn events(&self) -> Vec<Event> {
        let pulse = |flip_deg: f64, phase_deg: f64| Event::Pulse {
            flip_angle_rad: flip_deg.to_radians(),
            phase_rad: phase_deg.to_radians(),
        };
        let delay = |duration_s: f64| Event::Delay { duration_s };
        let select = |order: i32| Event::SelectCoherence { order };
        match self {
            Sequence::PulseAcquire => vec![pulse(90.0, 90.0)],
            Sequence::SpinEcho { echo_time_s } => vec![
                pulse(90.0, 90.0),
                select(1),
                delay(0.5 * echo_time_s),
                pulse(180.0, 0.0),
                select(-1),
                delay(0.5 * echo_time_s),
            ],
            Sequence::Press { te1_s, te2_s } => vec![
                pulse(90.0, 90.0),
                select(-1),
                delay(0.5 * te1_s),
                pulse(180.0, 0.0),
                select(1),
                delay(0.5 * (te1_s + te2_s)),
                pulse(180.0, 0.0),
                select(-1),
                delay(0.5 * te2_s),
            ],
            Sequence::Steam {
                echo_time_s,
                mixing_time_s,
            } => vec![
                pulse(90.0, 90.0),
                select(1),
                delay(0.5 * echo_time_s),
                pulse(90.0, 90.0),
                select(0),
                delay(*mixing_time_s),
                pulse(90.0, 270.0),
                select(-1),
                delay(0.5 * echo_time_s),
            ],
            Sequence::Custom { events, .. } => events.clone(),
        }
    }

    /// Name and timings for [`mrs_core::BasisSet::sequence`].
    pub fn info(&self) -> SequenceInfo {
        let (name, timings): (&str, Vec<(&str, f64)>) = match self {
            Sequence::PulseAcquire => ("pulse-acquire", vec![]),
            Sequence::SpinEcho { echo_time_s } => ("spin-echo", vec![("te_s", *echo_time_s)]),
            Sequence::Press { te1_s, te2_s } => {
                ("PRESS", vec![("te1_s", *te1_s), ("te2_s", *te2_s)])
            }
            Sequence::Steam {
                echo_time_s,
                mixing_time_s,
            } => (
                "STEAM",
                vec![("te_s", *echo_time_s), ("mixing_time_s", *mixing_time_s)],
            ),
            Sequence::Custom { name, .. } => (name.as_str(), vec![]),
        };
        SequenceInfo {
            name: name.to_string(),
            timings_s: timings
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect::<BTreeMap<_, _>>(),
        }
    }

    /// Echo time in seconds: from excitation to the echo where acquisition starts.
    pub fn echo_time_s(&self) -> f64 {
        match self {
            Sequence::PulseAcquire => 0.0,
            Sequence::SpinEcho { echo_time_s } | Sequence::Steam { echo_time_s, .. } => {
                *echo_time_s
            }
            Sequence::Press { te1_s, te2_s } => te1_s + te2_s,
            Sequence::Custom { events, .. } => events
                .iter()
                .map(|e| match e {
                    Event::Delay { duration_s } => *duration_s,
                    _ => 0.0,
                })
                .sum(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn press_delays_sum_to_echo_time() {
        let press = Sequence::Press {
            te1_s: 0.011,
            te2_s: 0.019,
        };
        let total: f64 = press
            .events()
            .iter()
            .map(|e| match e {
                Event::Delay { duration_s } => *duration_s,
                _ => 0.0,
            })
            .sum();
        assert!((total - 0.030).abs() < 1e-15);
        assert!((press.echo_time_s() - 0.030).abs() < 1e-15);
    }

    #[test]
    fn negative_echo_time_is_rejected() {
        let echo = Sequence::SpinEcho { echo_time_s: -0.01 };
        assert!(matches!(
            echo.validate(),
            Err(SimError::InvalidParameter {
                name: "echo_time_s",
                ..
            })
        ));
    }
}
