//! Placeholder, replaced by the format's reader.
