//! The shared vocabulary of what govwatch observes and finds, below every other layer:
//! finding kinds and their evidence. Types only, no I/O and no judgments; store converts
//! its rows to and from these, detect produces them, report words them.

pub mod evidence;
pub mod kind;
