//! Integration tests of the fitter through its public API.

mod real_data;
mod support;
mod synthetic;
