//! The integration tests of `verify`, one test binary.

mod features;
