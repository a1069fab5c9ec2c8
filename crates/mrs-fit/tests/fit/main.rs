//! Integration tests of the fitter through its public API.

mod support;
mod synthetic;
