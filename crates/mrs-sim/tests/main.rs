//! Integration tests of mrs-sim, compiled as one binary.

mod broad_lines;
mod fitting_challenge;
mod golden;
mod invariants;
mod lcmodel_output;
mod library_data;
mod resampling;
