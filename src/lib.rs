//! mrskit
