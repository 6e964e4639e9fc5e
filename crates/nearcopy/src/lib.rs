#![warn(missing_docs)]
//! # nearcopy
//!
//! Finds text that was copied: whole documents that are near-duplicates of
//! each other, and passages repeated inside one document or across documents,
//! reported as exact byte ranges of the original files.
//!
//! This is the library; the `nearcopy` command (crate `nearcopy-cli`) parses
//! arguments, shows progress and picks a report, and the Python package
//! (`python/`) calls the same entry points. The library never prints.
//!
//! ## Quick start
//!
//! ```no_run
//! use nearcopy::{progress::Silent, ScanConfig};
//!
//! let cfg = ScanConfig { threshold: 0.8, ..ScanConfig::default() };
//! let scan = nearcopy::scan(&["corpus/news".into()], &cfg, &Silent)?;
//! for cluster in &scan.clusters {
//!     println!("{:?}", cluster.members);
//! }
//! # Ok::<(), nearcopy::Error>(())
//! ```
//!
//! ## Map
//!
//! Three layers; a module only uses modules of its own layer or below.
//!
//! **Stages** (small, pure, one concept each), in data-flow order:
//!
//! ```text
//! input ─► text ─► shingle ─► sketch ─► lsh ─► verify ─► cluster
//! ```
//!
//! | module | what it does |
//! |---|---|
//! | [`input`] | walks paths, reads text files, JSON Lines (gzip, zstd), Parquet, stdin and texts in memory, in batches in input order |
//! | [`text`] | words (UAX #29) or characters with byte spans, normalised fingerprints |
//! | [`shingle`] | runs of `k` tokens as stable 64-bit fingerprints |
//! | [`sketch`] | signatures: one-permutation hashing (default), [`minhash`], C-MinHash |
//! | [`lsh`] | banding of signatures into candidate pairs; the S-curve |
//! | [`verify`] | exact Jaccard and containment of fingerprint sets |
//! | [`cluster`] | union-find |
//! | [`distributed`] | a process's membership of a cluster: host file, connections with a handshake and a deadline, the timely dataflow that carries signed documents to process 0 |
//! | [`hash`], [`figures`], [`document`], [`config`], [`error`], [`progress`] | stable hashes, rounding of figures, the document type, configurations, errors, progress and cancellation |
//! | [`memory`] | a hook told when the passage search's steps want freed memory kept (its reads) or given back (between them), for the program's allocator |
//! | [`truth`] | the truth file of a synthetic corpus, which `synth` writes and `eval` reads |
//!
//! **Engines**, one folder or file per command, each with a config, an entry
//! point and a result:
//!
//! | engine | entry point | config | result |
//! |---|---|---|---|
//! | [`scan`](mod@scan) (sign, verify, clusters; share: signing on a cluster) | [`scan()`]; [`scan::serve`] on the processes of a cluster but process 0 | [`ScanConfig`] (with [`ScanConfig::cluster`]) | [`Scan`] |
//! | [`passages`] (count, extract, repeats, locate) | [`passages::find`], [`passages::within_document`] | [`PassageConfig`] | [`Passages`] |
//! | [`similarity`](mod@similarity) (read, count, estimate, views) | [`similarity()`] | [`SimilarityConfig`] | [`Similarity`] |
//! | [`dedup`](mod@dedup) (plan, cut, write) | [`dedup()`] | [`DedupConfig`] | [`Dedup`] |
//! | [`index`] (store, data, entry, runs, filter, add, lookup, check: documents kept by earlier runs, on disk) | [`index::add`], [`index::scan`], [`index::stats`], [`index::verify`]; `dedup` with [`dedup::IndexUse`] | [`ScanConfig`] | [`index::Added`], [`Scan`], [`index::Stats`], [`index::Checked`] |
//! | [`exact`] (all-pairs join) | [`exact::join`] | [`ExactConfig`] | [`exact::Join`] |
//! | [`synth`] (random, vocab, generator: corpora with planted truth) | [`synth::generate`] | [`SynthConfig`] | [`synth::SynthSummary`] |
//! | [`eval`] (read, score: a result against truth) | [`eval::run`] | [`EvalConfig`] | [`eval::Evaluation`] |
//! | [`signatures`](mod@signatures) (for LSH run elsewhere) | [`signatures()`] | [`ScanConfig`] | [`Signatures`] |
//!
//! **Outputs**: [`report`] (text, JSON, JSON Lines, CSV, HTML and SVG, one
//! module per command), [`output`] (atomic files, never over an input, and
//! straight to devices and FIFOs) and [`tempfiles`] (named by process,
//! removed on a signal, swept after a kill).
//!
//! ## Determinism
//!
//! Fingerprints and signatures are functions of the input bytes alone (XXH3
//! and a fixed seed), identical across runs, machines and thread counts.
//! Every result is ordered by input position, so the same input and options
//! give byte-identical output; only wall-clock timings differ.
//!
//! The design (data flow, rules, guarantees, the JSON contract) is in
//! `DESIGN.md` at the root of the repository.

pub mod cluster;
pub mod config;
pub mod dedup;
pub mod distributed;
pub mod document;
pub mod error;
pub mod eval;
pub mod exact;
pub mod figures;
pub mod hash;
pub mod index;
pub mod input;
pub mod lsh;
pub mod memory;
pub mod sketch;
pub use sketch::minhash;
pub mod output;
pub mod passages;
pub mod progress;
pub mod report;
pub mod scan;
pub mod shingle;
pub mod signatures;
pub mod similarity;
pub mod synth;
pub mod tempfiles;
pub mod text;
pub mod truth;
pub mod verify;

pub use config::{PassageConfig, ScanConfig, ShingleConfig, Verify};
pub use dedup::{dedup, Dedup, DedupConfig};
pub use error::{Error, Result};
pub use eval::EvalConfig;
pub use exact::ExactConfig;
pub use input::{Corpus, InputConfig, Texts};
pub use passages::Passages;
pub use scan::{scan, Scan};
pub use signatures::{signatures, Signatures};
pub use similarity::{similarity, Similarity, SimilarityConfig};
pub use synth::SynthConfig;
