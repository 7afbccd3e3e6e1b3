//! The shared vocabulary of what govwatch observes and finds: how a read ended (failure
//! classes and the outcomes of crawls, home reads, probes, link checks and account
//! checks, with the predicates that read them), the records fetch and sources produce
//! for the store, and finding kinds with their typed evidence and episodes.
//!
//! The bottom layer: it imports nothing from the crate, so fetch, sources, store and
//! detect all speak it. Each outcome is stored as its code (`ok`, `soft_404`,
//! `expired_credentials` …), the same text as before these types existed; the codes come
//! from derives, and `store` alone turns them into text and back.

mod episode;
pub mod evidence;
pub mod kind;
mod messages;
mod outcome;
mod records;

pub use episode::{Dismissal, Episode, Resolution, hits_of};
pub use messages::Message;
pub use outcome::{
    CrawlOutcome, FailureClass, LinkOutcome, ReadOutcome, SourceOutcome, SourceProblem,
    TlsProblemKind, UnknownCode,
};
pub use records::{FetchAttempt, NewItem, NewPost, ProbeRecord, Purpose};
