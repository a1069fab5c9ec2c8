//! Integration tests of mrs-study, one module per topic, linked as one binary.

mod cohort;
mod pipeline;
mod report;
mod support;
mod virtual_cohort;
