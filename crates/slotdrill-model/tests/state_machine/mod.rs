//! Support for the state-machine property test.
pub mod reference;
