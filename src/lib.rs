//! # nearcopy
//!
//! Finds text that was copied: whole documents that are near-duplicates of
//! each other, and passages repeated inside one document or across documents,
//! reported as exact byte ranges of the original files.
//!
//! ## Quick start
//!
//! ```no_run
//! use nearcopy::{config::ScanConfig, pipeline, progress::Silent};
//!
//! let cfg = ScanConfig { threshold: 0.8, ..ScanConfig::default() };
//! let scan = pipeline::scan(&["corpus/news".into()], &cfg, &Silent)?;
//! for cluster in &scan.clusters {
//!     println!("{:?}", cluster.members);
//! }
//! # Ok::<(), nearcopy::Error>(())
//! ```
//!
//! ## Pipeline
//!
//! ```text
//! input ─► text ─► shingle ─► minhash ─► lsh ─► verify ─► cluster ─► report
//! ```
//!
//! Each stage is one module. [`input`] streams documents in batches;
//! [`text`] finds words (or characters) with their byte spans in the original
//! text and fingerprints their normalised form; [`shingle`] turns runs of `k`
//! tokens into stable 64-bit fingerprints; [`sketch`] signs the shingle sets
//! (one-permutation hashing by default, or classic [`minhash`]);
//! [`lsh`] bands the signatures into candidate pairs; [`verify`] computes
//! exact Jaccard; [`cluster`] groups the confirmed pairs. [`pipeline`] ties
//! them together. [`dedup`] builds on a scan to write a corpus with one
//! document per group, kept records byte for byte.
//!
//! [`similarity`] reuses the same stages to score how much sources (documents,
//! directories or the values of a JSON Lines field) share, in both
//! directions: Jaccard and the two containments, at several shingle sizes.
//! [`passages`] finds text repeated inside or across documents (exact runs,
//! edited paragraphs, boilerplate) with the byte range of every copy, for
//! `nearcopy scan` and `nearcopy passages`; [`passages::within_document`]
//! does it for one text in memory.
//!
//! ## Determinism
//!
//! Fingerprints and signatures are functions of the input bytes alone (XXH3
//! and a fixed seed), identical across runs, machines and thread counts.
//! Every result is ordered by input position, so the same input and options
//! give byte-identical output; only wall-clock timings differ.

pub mod cluster;
pub mod config;
pub mod dedup;
pub mod document;
pub mod error;
pub mod eval;
pub mod exact;
pub mod hash;
pub mod input;
pub mod lsh;
pub mod sketch;
pub use sketch::minhash;
pub mod output;
pub mod passages;
pub mod pipeline;
pub mod progress;
pub mod report;
pub mod shingle;
pub mod signatures;
pub mod similarity;
pub mod synth;
pub mod tempfiles;
pub mod text;
pub mod verify;

pub use error::{Error, Result};
