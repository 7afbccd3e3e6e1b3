//! Reports: what auditors export and what the office publishes, built from the store's
//! observations and findings. Row builders are pure; writers turn tables into CSV,
//! XLSX, JSON, HTML and Markdown.

pub mod accounts;
pub mod columns;
