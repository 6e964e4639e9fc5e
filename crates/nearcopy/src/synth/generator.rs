//! The generator: each document a pure function of the seed and its number,
//! with planted near-duplicates, copies and passages, and the truth of
//! every pair and passage.

use std::path::Path;
use std::sync::mpsc;
use std::time::Instant;

use ahash::AHashMap;
use rayon::prelude::*;

use crate::cluster::UnionFind;
use crate::error::Result;
use crate::exact;
use crate::figures::round6;
use crate::output;
use crate::progress::Progress;
use crate::shingle;
use crate::text::{self, LineIndex, Token};
use crate::verify;

use super::random::*;
use super::vocab::*;
use super::{SynthConfig, SynthSummary, CHUNK, COMPLETE_FROM, VERSION};
use crate::truth::*;

/// How a near-duplicate was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    /// Word substitutions, insertions and deletions.
    Edit,
    /// Paragraphs shuffled, then edited.
    Reorder,
    /// Cut short.
    Truncate,
    /// New paragraphs added.
    Extend,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Edit => "edit",
            Op::Reorder => "reorder",
            Op::Truncate => "truncate",
            Op::Extend => "extend",
        }
    }
}

/// What a document is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Role {
    Original,
    /// The same bytes as `source`.
    Exact {
        source: u32,
    },
    /// `source` with lines re-wrapped (and maybe the headline capitalised).
    Reformat {
        source: u32,
    },
    /// `source` edited towards a target Jaccard.
    Near {
        source: u32,
        op: Op,
        target: f64,
    },
}

impl Role {
    fn source(self) -> Option<u32> {
        match self {
            Role::Original => None,
            Role::Exact { source } | Role::Reformat { source } | Role::Near { source, .. } => {
                Some(source)
            }
        }
    }

    fn kind(self) -> &'static str {
        match self {
            Role::Original => "original",
            Role::Exact { .. } => "exact",
            Role::Reformat { .. } => "reformat",
            Role::Near { op, .. } => op.name(),
        }
    }
}

/// A doubled block: the headline, or paragraphs `from..to` repeated at
/// paragraph boundary `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Double {
    Title,
    Block { from: usize, to: usize, at: usize },
}

/// Where a document's own planted passages go.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Features {
    double: Option<Double>,
    /// Paragraph boundary where received paragraphs are inserted.
    insert: Option<usize>,
}

/// A byte range `[start, end)`.
pub(super) type Span = (usize, usize);

/// A passage planted in a document (spans not yet trimmed to words).
#[derive(Debug, Clone)]
pub(super) enum Event {
    Double(Span, Span),
    Receive {
        donor: u32,
        run: (usize, usize),
        span: Span,
    },
}

/// Offsets of a re-wrapped copy: the body `[from, to)` was rebuilt chunk by
/// chunk (`(old start, new start)` of each white-space-free chunk); bytes
/// after it moved by `delta`.
#[derive(Debug, Clone)]
pub(super) struct Rewrap {
    from: usize,
    to: usize,
    delta: isize,
    chunks: Vec<(usize, usize)>,
}

impl Rewrap {
    fn map(&self, off: usize) -> usize {
        if off < self.from {
            off
        } else if off >= self.to {
            (off as isize + self.delta) as usize
        } else {
            let i = self.chunks.partition_point(|c| c.0 <= off);
            match i.checked_sub(1).map(|i| self.chunks[i]) {
                Some((old, new)) => new + (off - old),
                None => off,
            }
        }
    }
}

/// A generated document with what the truth needs to know about it.
#[derive(Debug, Clone)]
pub(super) struct Generated {
    text: String,
    site: u32,
    role: Role,
    events: Vec<Event>,
    /// Span of each body paragraph of an original's own text, by paragraph
    /// number (for donors).
    base_spans: Vec<Option<Span>>,
    /// For copies: how offsets of the source map into this text.
    copy_map: Option<Option<Rewrap>>,
    body: Span,
}

/// A document as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthDoc {
    /// Its id (`d` and a zero-padded number).
    pub id: String,
    /// Its site.
    pub source: String,
    /// Its text.
    pub text: String,
}

/// A generator for one configuration: the vocabulary and sites, from which
/// any document can be made on its own.
#[derive(Debug, Clone)]
pub struct Generator {
    cfg: SynthConfig,
    vocab: Vocab,
    sites: Vec<Site>,
    site_zipf: Alias,
    id_width: usize,
    edit_rates: Vec<f64>,
}

/// Edit rate `p` per word that leaves a share `(1 - p)^k` of `k`-shingles
/// intact, which for equal sizes gives Jaccard `q / (2 - q)`; solved for the
/// target Jaccard by bisection with multiplications only.
pub(super) fn edit_rate(target: f64, k: usize) -> f64 {
    let q = 2.0 * target / (1.0 + target);
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    for _ in 0..50 {
        let mid = (lo + hi) / 2.0;
        let mut kept = 1.0;
        for _ in 0..k {
            kept *= 1.0 - mid;
        }
        if kept > q {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    (lo + hi) / 2.0
}

/// Fewest body words a truncated copy keeps. With about 30 words of site
/// boilerplate, two unrelated documents of one site then stay below Jaccard
/// 0.15, under [`COMPLETE_FROM`].
pub(super) const MIN_KEPT: usize = 80;

/// Targets are quantised to this many steps so that edit rates can be
/// precomputed.
pub(super) const TARGET_STEPS: usize = 1000;

impl Generator {
    /// The generator of `cfg` (validated here).
    pub fn new(cfg: &SynthConfig) -> Result<Generator> {
        cfg.validate()?;
        let vocab = Vocab::new(cfg.seed, cfg.vocabulary);
        let sites = make_sites(cfg.seed, cfg.sites, &vocab);
        let edit_rates = (0..=TARGET_STEPS)
            .map(|i| edit_rate(i as f64 / TARGET_STEPS as f64, cfg.shingle))
            .collect();
        Ok(Generator {
            id_width: (cfg.docs - 1).to_string().len(),
            cfg: cfg.clone(),
            vocab,
            sites,
            site_zipf: Alias::zipf(cfg.sites),
            edit_rates,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &SynthConfig {
        &self.cfg
    }

    /// The id of document `j`.
    pub fn id(&self, j: u32) -> String {
        format!("d{:0w$}", j, w = self.id_width)
    }

    /// Document `j` (`j < docs`).
    pub fn document(&self, j: u32) -> SynthDoc {
        let g = self.generate(j);
        SynthDoc {
            id: self.id(j),
            source: self.sites[g.site as usize].slug.clone(),
            text: g.text,
        }
    }

    fn seed(&self) -> u64 {
        self.cfg.seed
    }

    /// The role drawn for `j` before its source is looked for: Original
    /// documents are the only possible sources and donors.
    fn drawn_original(&self, j: u32) -> bool {
        Rng::stream(self.seed(), j as u64, ROLE).unit() >= self.cfg.exact + self.cfg.near
    }

    fn role(&self, j: u32) -> Role {
        let mut rng = Rng::stream(self.seed(), j as u64, ROLE);
        let x = rng.unit();
        if x >= self.cfg.exact + self.cfg.near || j == 0 {
            return Role::Original;
        }
        let Some(source) = self.source(j) else {
            return Role::Original;
        };
        if x < self.cfg.exact * 2.0 / 3.0 {
            Role::Exact { source }
        } else if x < self.cfg.exact {
            Role::Reformat { source }
        } else {
            let op = match rng.below(20) {
                0..=8 => Op::Edit,
                9..=12 => Op::Reorder,
                13..=16 => Op::Truncate,
                _ => Op::Extend,
            };
            let step = rng.below(TARGET_STEPS);
            let lo = self.cfg.min_jaccard;
            let target = lo + (1.0 - lo) * step as f64 / TARGET_STEPS as f64;
            Role::Near { source, op, target }
        }
    }

    /// An earlier original: half the time a recent one (as a re-filed story),
    /// half the time any.
    fn source(&self, j: u32) -> Option<u32> {
        let mut rng = Rng::stream(self.seed(), j as u64, SOURCE);
        for _ in 0..16 {
            let span = if rng.chance(0.5) {
                (j as usize).min(2000)
            } else {
                j as usize
            };
            let i = j - 1 - rng.below(span) as u32;
            if self.drawn_original(i) {
                return Some(i);
            }
        }
        None
    }

    /// Flags of `j`'s own passages: (doubles a block, receives paragraphs).
    fn flags(&self, rng: &mut Rng) -> (bool, bool) {
        let d = rng.chance(self.cfg.doubled);
        let r = rng.chance(self.cfg.passages);
        (d, r)
    }

    /// Another original that gives `j` paragraphs, if `j` receives any.
    fn donor(&self, j: u32, role: Role) -> Option<u32> {
        if matches!(role, Role::Exact { .. } | Role::Reformat { .. }) {
            return None;
        }
        let mut rng = Rng::stream(self.seed(), j as u64, FEATURES);
        if !self.flags(&mut rng).1 {
            return None;
        }
        let mut rng = Rng::stream(self.seed(), j as u64, DONOR);
        for _ in 0..16 {
            let k = rng.below(self.cfg.docs) as u32;
            if k != j && Some(k) != role.source() && self.drawn_original(k) {
                return Some(k);
            }
        }
        None
    }

    fn doubles(&self, j: u32, role: Role) -> bool {
        !matches!(role, Role::Exact { .. } | Role::Reformat { .. })
            && self
                .flags(&mut Rng::stream(self.seed(), j as u64, FEATURES))
                .0
    }

    /// Positions of `j`'s own passages in a body of `n` paragraphs.
    fn features(&self, j: u32, role: Role, n: usize) -> Features {
        let mut rng = Rng::stream(self.seed(), j as u64, FEATURES);
        let (d, _) = self.flags(&mut rng);
        let mut f = Features::default();
        if d && !matches!(role, Role::Exact { .. } | Role::Reformat { .. }) {
            f.double = Some(if n == 0 || rng.chance(0.3) {
                Double::Title
            } else {
                let len = 1 + rng.below(n.min(3));
                let from = rng.below(n - len + 1);
                let to = from + len;
                let at = if rng.chance(0.6) { to } else { n };
                Double::Block { from, to, at }
            });
        }
        if self.donor(j, role).is_some() {
            let mut at = rng.below(n + 1);
            // Never inside the first occurrence of a doubled block, which
            // must stay one contiguous range.
            if let Some(Double::Block { from, to, .. }) = f.double {
                if from < at && at < to {
                    at = to;
                }
            }
            f.insert = Some(at);
        }
        f
    }

    fn site(&self, j: u32, role: Role) -> u32 {
        match role {
            Role::Exact { source } | Role::Reformat { source } => self.site(source, Role::Original),
            Role::Near { source, .. } => {
                let mut rng = Rng::stream(self.seed(), j as u64, SITE);
                if rng.chance(0.7) {
                    self.site(source, Role::Original)
                } else {
                    self.site_zipf.sample(&mut rng) as u32
                }
            }
            Role::Original => {
                self.site_zipf
                    .sample(&mut Rng::stream(self.seed(), j as u64, SITE)) as u32
            }
        }
    }

    fn number(&self, rng: &mut Rng, out: &mut String) {
        use std::fmt::Write as _;
        let _ = match rng.below(4) {
            0 => write!(out, "{}", 1950 + rng.below(75)),
            1 => write!(out, "{}", 1 + rng.below(100)),
            2 => write!(out, "{},{:03}", 1 + rng.below(999), rng.below(1000)),
            _ => write!(out, "{}.{}", rng.below(100), rng.below(10)),
        };
    }

    /// Appends one sentence; returns its number of words.
    fn sentence(&self, rng: &mut Rng, out: &mut String) -> usize {
        let n = 4 + rng.below(12) + rng.below(12);
        let quoted = rng.chance(0.04);
        if quoted {
            out.push('“');
        }
        for w in 0..n {
            if w > 0 {
                out.push(' ');
            }
            // One draw decides three things, 16 bits each: a number (2 %),
            // a capitalised name (3 %), a comma after the word (7 %).
            let x = rng.next_u64();
            if x & 0xffff < 1311 {
                self.number(rng, out);
            } else {
                let word = self.vocab.sample(rng);
                if w == 0 || (x >> 16) & 0xffff < 1966 {
                    push_capitalized(out, word);
                } else {
                    out.push_str(word);
                }
            }
            if w + 1 < n && (x >> 32) & 0xffff < 4588 {
                out.push(',');
            }
        }
        out.push(match rng.below(40) {
            0 => '?',
            1 => '!',
            _ => '.',
        });
        if quoted {
            out.push('”');
        }
        n
    }

    /// One paragraph; returns it with its number of words.
    fn paragraph(&self, rng: &mut Rng) -> (String, usize) {
        let mut p = String::with_capacity(512);
        let mut words = 0;
        for s in 0..1 + rng.below(3) + rng.below(3) {
            if s > 0 {
                p.push(' ');
            }
            words += self.sentence(rng, &mut p);
        }
        (p, words)
    }

    fn title(&self, rng: &mut Rng) -> String {
        let mut t = String::new();
        let n = 4 + rng.below(7);
        for w in 0..n {
            if w > 0 {
                t.push(' ');
            }
            let mut word = self.vocab.sample(rng);
            let small = FUNCTION_WORDS[..40].contains(&word);
            if small && w + 1 == n {
                // A headline does not end on "of" or "the".
                word = self.vocab.word(
                    FUNCTION_WORDS.len() + rng.below(self.vocab.len() - FUNCTION_WORDS.len()),
                );
            }
            if w > 0 && small && w + 1 < n {
                t.push_str(word);
            } else {
                push_capitalized(&mut t, word);
            }
        }
        t
    }

    /// The headline and body paragraphs of `j` as an original.
    fn base(&self, j: u32) -> (String, Vec<String>) {
        let mut rng = Rng::stream(self.seed(), j as u64, BASE);
        let title = self.title(&mut rng);
        let (u1, u2) = (rng.unit(), rng.unit());
        let target =
            ((self.cfg.words as f64 * (0.25 + 3.0 * u1 * u2)) as usize).max(self.cfg.body_min());
        let mut paras = Vec::new();
        let mut words = 0;
        while words < target {
            let (p, n) = self.paragraph(&mut rng);
            words += n;
            paras.push(p);
        }
        (title, paras)
    }

    /// The body of a near-duplicate of `source`.
    fn near_body(&self, j: u32, source: u32, op: Op, target: f64) -> (String, Vec<String>) {
        let (title, mut paras) = self.base(source);
        let mut rng = Rng::stream(self.seed(), j as u64, EDIT);
        let step = ((target * TARGET_STEPS as f64) as usize).min(TARGET_STEPS);
        let rate = self.edit_rates[step];
        match op {
            Op::Edit => {
                for p in &mut paras {
                    *p = self.edit(p, rate, &mut rng);
                }
            }
            Op::Reorder => {
                // One or two paragraphs moved elsewhere: each move changes
                // only the shingles across the boundaries it touches.
                for _ in 0..1 + rng.below(2) {
                    if paras.len() > 1 {
                        let p = paras.remove(rng.below(paras.len()));
                        let at = rng.below(paras.len() + 1);
                        paras.insert(at, p);
                    }
                }
                for p in &mut paras {
                    *p = self.edit(p, rate, &mut rng);
                }
            }
            Op::Truncate => {
                let total: usize = paras.iter().map(|p| p.split(' ').count()).sum();
                // Never below MIN_KEPT words: shorter bodies would leave two
                // unrelated documents of a site sharing mostly boilerplate.
                let mut keep = ((total as f64 * target) as usize)
                    .max(MIN_KEPT.min(total))
                    .max(1);
                let mut out = Vec::new();
                for p in paras {
                    let n = p.split(' ').count();
                    if n <= keep {
                        keep -= n;
                        out.push(p);
                        if keep == 0 {
                            break;
                        }
                    } else {
                        let mut cut: String = p.split(' ').take(keep).collect::<Vec<_>>().join(" ");
                        if !cut.ends_with(['.', '?', '!', '”']) {
                            cut.push('.');
                        }
                        out.push(cut);
                        break;
                    }
                }
                paras = out;
            }
            Op::Extend => {
                let total: usize = paras.iter().map(|p| p.split(' ').count()).sum();
                let want = (total as f64 * (1.0 / target - 1.0)) as usize;
                let mut added = 0;
                while added < want {
                    let (mut p, n) = self.paragraph(&mut rng);
                    if added + n > want {
                        // Only the words still wanted, so as not to overshoot.
                        p = p
                            .split(' ')
                            .take(want - added)
                            .collect::<Vec<_>>()
                            .join(" ");
                        if !p.ends_with(['.', '?', '!', '”']) {
                            p.push('.');
                        }
                    }
                    added += n;
                    let at = rng.below(paras.len() + 1);
                    paras.insert(at, p);
                }
            }
        }
        (title, paras)
    }

    /// `para` with each word edited with probability `rate`: substituted
    /// (half the edits), followed by an inserted word, or deleted.
    fn edit(&self, para: &str, rate: f64, rng: &mut Rng) -> String {
        let mut out = String::with_capacity(para.len() + 16);
        let push = |out: &mut String, s: &str| {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(s);
        };
        for chunk in para.split(' ') {
            if !rng.chance(rate) {
                push(&mut out, chunk);
                continue;
            }
            let core_start = chunk.find(char::is_alphanumeric).unwrap_or(chunk.len());
            let core_end = chunk
                .rfind(char::is_alphanumeric)
                .map(|i| i + chunk[i..].chars().next().map_or(1, char::len_utf8))
                .unwrap_or(core_start)
                .max(core_start);
            let (lead, core, trail) = (
                &chunk[..core_start],
                &chunk[core_start..core_end],
                &chunk[core_end..],
            );
            match rng.below(4) {
                0 | 1 => {
                    let mut s = String::from(lead);
                    let w = self.vocab.sample(rng);
                    if core.starts_with(|c: char| c.is_uppercase()) {
                        push_capitalized(&mut s, w);
                    } else {
                        s.push_str(w);
                    }
                    s.push_str(trail);
                    push(&mut out, &s);
                }
                2 => {
                    push(&mut out, chunk);
                    let w = self.vocab.sample(rng);
                    push(&mut out, w);
                }
                _ => {
                    // Deleted; its closing punctuation stays with the
                    // previous word so sentences still end.
                    if !out.is_empty() {
                        out.push_str(trail);
                    }
                }
            }
        }
        if out.is_empty() {
            push_capitalized(&mut out, self.vocab.sample(rng));
            out.push('.');
        }
        out
    }

    /// Document `j` with everything the truth needs.
    fn generate(&self, j: u32) -> Generated {
        let role = self.role(j);
        match role {
            Role::Exact { source } => {
                let mut g = self.generate(source);
                g.role = role;
                g.events.clear();
                g.copy_map = Some(None);
                g
            }
            Role::Reformat { source } => {
                let g = self.generate(source);
                let mut rng = Rng::stream(self.seed(), j as u64, REFORMAT);
                let old_wrap = self.sites[g.site as usize].wrap;
                let wrap = if old_wrap > 0 && rng.chance(0.5) {
                    0
                } else {
                    56 + rng.below(40)
                };
                let (mut text, map) = rewrap(&g.text, g.body, wrap);
                if rng.chance(0.5) {
                    // The headline line(s) in capitals: same bytes' length.
                    let header = self.sites[g.site as usize].header.len() + 1;
                    let end = text[header..].find("\n\n").map_or(header, |e| header + e);
                    text[header..end].make_ascii_uppercase();
                }
                let body = (g.body.0, map.map(g.body.1));
                Generated {
                    text,
                    site: g.site,
                    role,
                    events: Vec::new(),
                    base_spans: Vec::new(),
                    copy_map: Some(Some(map)),
                    body,
                }
            }
            Role::Original => {
                let (title, paras) = self.base(j);
                self.assemble(j, role, title, paras, true)
            }
            Role::Near { source, op, target } => {
                let (title, paras) = self.near_body(j, source, op, target);
                self.assemble(j, role, title, paras, false)
            }
        }
    }

    /// Paragraphs `run` of original `k`, chosen for receiver `j` so that
    /// none of `k`'s own insertions splits them.
    fn donation(&self, j: u32, k: u32) -> ((usize, usize), Vec<String>) {
        let (_, paras) = self.base(k);
        let n = paras.len();
        let f = self.features(k, Role::Original, n);
        let mut rng = Rng::stream(self.seed(), j as u64, DONOR ^ 0xd0);
        let len = (1 + rng.below(2)).min(n);
        let from = rng.below(n - len + 1);
        let mut run = (from, from + len);
        let splits = |b: usize| run.0 < b && b < run.1;
        let split = f.insert.is_some_and(splits)
            || matches!(f.double, Some(Double::Block { at, .. }) if splits(at));
        if split {
            run.1 = run.0 + 1;
        }
        (run, paras[run.0..run.1].to_vec())
    }

    /// Lays out header, headline, body and footer, placing `j`'s doubled
    /// block and received paragraphs.
    fn assemble(
        &self,
        j: u32,
        role: Role,
        title: String,
        paras: Vec<String>,
        original: bool,
    ) -> Generated {
        let site_no = self.site(j, role);
        let site = &self.sites[site_no as usize];
        let n = paras.len();
        let f = self.features(j, role, n);
        let received = self.donor(j, role).map(|k| (k, self.donation(j, k)));

        // Items: (text, base paragraph number, kind: 0 own, 1 double copy, 2 received).
        let mut items: Vec<(&str, Option<usize>, u8)> = Vec::with_capacity(n + 4);
        for b in 0..=n {
            if let Some(Double::Block { from, to, at }) = f.double {
                if at == b {
                    for p in &paras[from..to] {
                        items.push((p, None, 1));
                    }
                }
            }
            if f.insert == Some(b) {
                if let Some((_, (_, ps))) = &received {
                    for p in ps {
                        items.push((p, None, 2));
                    }
                }
            }
            if b < n {
                items.push((&paras[b], Some(b), 0));
            }
        }

        let bytes: usize = items.iter().map(|i| i.0.len() + 2).sum::<usize>()
            + site.header.len()
            + site.footer.len()
            + 2 * title.len()
            + 8;
        let mut text = String::with_capacity(bytes);
        text.push_str(&site.header);
        text.push('\n');
        let t1 = (text.len(), text.len() + title.len());
        text.push_str(&title);
        let mut events = Vec::new();
        if f.double == Some(Double::Title) {
            text.push('\n');
            let t2 = (text.len(), text.len() + title.len());
            text.push_str(&title);
            events.push(Event::Double(t1, t2));
        }
        text.push_str("\n\n");
        let body_start = text.len();
        let mut spans = Vec::with_capacity(items.len());
        for (i, (p, _, _)) in items.iter().enumerate() {
            if i > 0 {
                text.push_str("\n\n");
            }
            let s = text.len();
            push_wrapped(&mut text, p, site.wrap);
            spans.push((s, text.len()));
        }
        let body_end = text.len();
        text.push_str("\n\n");
        text.push_str(&site.footer);

        let mut base_spans = vec![None; if original { n } else { 0 }];
        for (span, (_, base, _)) in spans.iter().zip(&items) {
            if let (Some(b), true) = (base, original) {
                base_spans[*b] = Some(*span);
            }
        }
        let join = |kind: u8| -> Option<Span> {
            let mut it = spans
                .iter()
                .zip(&items)
                .filter(|(_, i)| i.2 == kind)
                .map(|(s, _)| *s);
            let first = it.next()?;
            let last = it.next_back().unwrap_or(first);
            Some((first.0, last.1))
        };
        if let Some(Double::Block { from, to, .. }) = f.double {
            let mut first = spans
                .iter()
                .zip(&items)
                .filter(|(_, i)| i.2 == 0 && i.1.is_some_and(|b| b >= from && b < to))
                .map(|(s, _)| *s);
            let (a, b) = (first.clone().next(), first.next_back());
            if let (Some(a), Some(b), Some(second)) = (a, b, join(1)) {
                events.push(Event::Double((a.0, b.1), second));
            }
        }
        if let (Some((donor, (run, _))), Some(span)) = (&received, join(2)) {
            events.push(Event::Receive {
                donor: *donor,
                run: *run,
                span,
            });
        }
        Generated {
            text,
            site: site_no,
            role,
            events,
            base_spans,
            copy_map: None,
            body: (body_start, body_end),
        }
    }

    /// Writes the corpus as JSON Lines to `corpus` (compressed by its
    /// extension) and, if asked, the truth to `truth`.
    pub fn write(
        &self,
        corpus: &Path,
        truth: Option<&Path>,
        progress: &dyn Progress,
    ) -> Result<SynthSummary> {
        let pool = self.cfg.pool()?;
        let start = Instant::now();
        let chunks = self.cfg.docs.div_ceil(CHUNK);
        let wave = 2 * pool.current_num_threads().max(1);
        let estimate = self.cfg.docs as u64 * (self.cfg.words as u64 * 62 / 10 + 330);
        progress.stage("generating", Some(estimate));
        let mut lens: Vec<u32> = Vec::with_capacity(self.cfg.docs);
        let mut summary = SynthSummary::default();
        std::thread::scope(|scope| -> Result<()> {
            let (tx, rx) = mpsc::sync_channel::<Vec<Chunk>>(1);
            let pool = &pool;
            scope.spawn(move || {
                pool.install(|| {
                    for w in (0..chunks).step_by(wave) {
                        let out: Vec<Chunk> = (w..(w + wave).min(chunks))
                            .into_par_iter()
                            .map(|c| self.chunk(c))
                            .collect();
                        if tx.send(out).is_err() {
                            return;
                        }
                    }
                })
            });
            output::write_atomic(corpus, |w| {
                for batch in rx {
                    for c in batch {
                        w.write_all(&c.jsonl)?;
                        summary.add(&c);
                        progress
                            .advance(c.lens.len() as u64, c.lens.iter().map(|&l| l as u64).sum());
                        lens.extend(c.lens);
                    }
                }
                Ok(())
            })
        })?;
        summary.generate_seconds = round6(start.elapsed().as_secs_f64());
        if let Some(path) = truth {
            let t = Instant::now();
            let truth = pool.install(|| self.truth_with(&lens, progress));
            summary.truth_pairs = Some(truth.pairs.len() as u64);
            summary.truth_passages = Some(truth.passages.len() as u64);
            output::write_atomic(path, |w| {
                serde_json::to_writer_pretty(&mut *w, &truth)?;
                w.write_all(b"\n")
            })?;
            summary.truth_seconds = Some(round6(t.elapsed().as_secs_f64()));
        }
        progress.finish();
        let secs = start.elapsed().as_secs_f64();
        summary.seconds = round6(secs);
        summary.gb_per_minute = round6(summary.bytes as f64 / 1e9 / (secs / 60.0).max(1e-9));
        Ok(summary)
    }

    fn chunk(&self, c: usize) -> Chunk {
        let from = c * CHUNK;
        let to = ((c + 1) * CHUNK).min(self.cfg.docs);
        let mut chunk = Chunk::default();
        for j in from as u32..to as u32 {
            let g = self.generate(j);
            let line = &mut chunk.jsonl;
            line.extend_from_slice(b"{\"id\":");
            // Writing to a Vec cannot fail.
            let _ = serde_json::to_writer(&mut *line, &self.id(j));
            line.extend_from_slice(b",\"source\":");
            let _ = serde_json::to_writer(&mut *line, &self.sites[g.site as usize].slug);
            line.extend_from_slice(b",\"text\":");
            let _ = serde_json::to_writer(&mut *line, &g.text);
            line.extend_from_slice(b"}\n");
            chunk.bytes += g.text.len() as u64;
            chunk.lens.push(g.text.len() as u32);
            match g.role {
                Role::Original => chunk.originals += 1,
                Role::Exact { .. } => chunk.exact += 1,
                Role::Reformat { .. } => chunk.reformat += 1,
                Role::Near { .. } => chunk.near += 1,
            }
            for e in &g.events {
                match e {
                    Event::Double(..) => chunk.doubled += 1,
                    Event::Receive { .. } => chunk.received += 1,
                }
            }
        }
        chunk
    }

    /// The truth of the whole corpus (regenerates the related documents).
    pub fn truth(&self, progress: &dyn Progress) -> Result<Truth> {
        let pool = self.cfg.pool()?;
        Ok(pool.install(|| self.truth_with(&[], progress)))
    }

    fn truth_with(&self, lens: &[u32], progress: &dyn Progress) -> Truth {
        let n = self.cfg.docs;
        let roles: Vec<Role> = (0..n as u32)
            .into_par_iter()
            .map(|j| self.role(j))
            .collect();
        let links: Vec<(u32, Option<u32>, Option<u32>, bool)> = (0..n as u32)
            .into_par_iter()
            .map(|j| {
                let r = roles[j as usize];
                (j, r.source(), self.donor(j, r), self.doubles(j, r))
            })
            .collect();
        let mut uf = UnionFind::new(n);
        for &(j, s, d, _) in &links {
            if let Some(s) = s {
                uf.union(j, s);
            }
            if let Some(d) = d {
                uf.union(j, d);
            }
        }
        let mut units = uf.groups();
        let mut grouped = vec![false; n];
        for g in &units {
            for &m in g {
                grouped[m as usize] = true;
            }
        }
        units.extend(
            links
                .iter()
                .filter(|l| l.3 && !grouped[l.0 as usize])
                .map(|l| vec![l.0]),
        );
        units.sort_unstable_by_key(|u| u[0]);
        let total: u64 = if lens.is_empty() {
            0
        } else {
            units
                .iter()
                .flatten()
                .map(|&m| lens[m as usize] as u64)
                .sum()
        };
        progress.stage("truth", (total > 0).then_some(total));

        let results: Vec<(UnitPairs, UnitPassages)> = units
            .par_iter()
            .map(|members| {
                let r = self.unit_truth(members, &roles);
                let bytes = members
                    .iter()
                    .map(|&m| lens.get(m as usize).copied().unwrap_or(0) as u64)
                    .sum();
                progress.advance(members.len() as u64, bytes);
                r
            })
            .collect();
        let mut pairs: Vec<(u32, u32, TruthPair)> = Vec::new();
        let mut passages: Vec<(Vec<(u32, usize)>, TruthPassage)> = Vec::new();
        for (p, q) in results {
            pairs.extend(p);
            passages.extend(q);
        }
        pairs.sort_unstable_by_key(|p| (p.0, p.1));
        passages.sort_unstable_by(|a, b| (&a.0, &a.1.kind).cmp(&(&b.0, &b.1.kind)));

        let mut sites: Vec<SiteInfo> = self
            .sites
            .iter()
            .map(|s| SiteInfo {
                name: s.slug.clone(),
                documents: 0,
                header_bytes: s.header.len() as u64,
                footer_bytes: s.footer.len() as u64,
            })
            .collect();
        let mut summary = TruthSummary {
            documents: n as u64,
            ..TruthSummary::default()
        };
        for (j, r) in roles.iter().enumerate() {
            sites[self.site(j as u32, *r) as usize].documents += 1;
            match r {
                Role::Original => summary.originals += 1,
                Role::Exact { .. } => summary.exact += 1,
                Role::Reformat { .. } => summary.reformat += 1,
                Role::Near { .. } => summary.near += 1,
            }
        }
        for l in &links {
            summary.doubled += l.3 as u64;
            summary.received += l.2.is_some() as u64;
        }
        summary.pairs = pairs.len() as u64;
        summary.passages = passages.len() as u64;
        let c = &self.cfg;
        Truth {
            params: TruthParams {
                generator: "nearcopy synth".into(),
                version: VERSION,
                docs: c.docs as u64,
                seed: c.seed,
                sites: c.sites as u64,
                vocabulary: c.vocabulary as u64,
                words: c.words as u64,
                near: c.near,
                exact: c.exact,
                doubled: c.doubled,
                passages: c.passages,
                min_jaccard: c.min_jaccard,
                shingle: c.shingle as u64,
                tokens: "words".into(),
                complete_from: COMPLETE_FROM,
            },
            sites,
            summary,
            pairs: pairs.into_iter().map(|p| p.2).collect(),
            passages: passages.into_iter().map(|p| p.1).collect(),
        }
    }

    /// Pairs and passages of one group of related documents.
    fn unit_truth(&self, members: &[u32], roles: &[Role]) -> (UnitPairs, UnitPassages) {
        let gens: Vec<Generated> = members.iter().map(|&m| self.generate(m)).collect();
        let pos: AHashMap<u32, usize> = members.iter().enumerate().map(|(i, &m)| (m, i)).collect();
        let mut tokens: Vec<Vec<Token>> = Vec::with_capacity(gens.len());
        let mut sets: Vec<Vec<u64>> = Vec::with_capacity(gens.len());
        for g in &gens {
            let mut t = Vec::new();
            text::words(&g.text, &mut t);
            let mut s = Vec::new();
            shingle::set(&t, self.cfg.shingle, &mut s);
            tokens.push(t);
            sets.push(s);
        }

        // Pairs: every planted link, and any other pair of the group at or
        // above COMPLETE_FROM.
        let mut planted: AHashMap<(usize, usize), (&'static str, Option<f64>)> = AHashMap::new();
        for (i, &m) in members.iter().enumerate() {
            let role = roles[m as usize];
            if let Some(s) = role.source() {
                let target = match role {
                    Role::Near { target, .. } => Some(target),
                    _ => None,
                };
                planted.insert(order(i, pos[&s]), (role.kind(), target));
            }
            for e in &gens[i].events {
                if let Event::Receive { donor, .. } = e {
                    planted
                        .entry(order(i, pos[donor]))
                        .or_insert(("passage", None));
                }
            }
        }
        let mut found: AHashMap<(usize, usize), usize> = AHashMap::new();
        if members.len() > 1 {
            for m in exact::join_sets(&sets, COMPLETE_FROM) {
                found.insert((m.a as usize, m.b as usize), m.shared as usize);
            }
        }
        let mut keys: Vec<(usize, usize)> = planted.keys().chain(found.keys()).copied().collect();
        keys.sort_unstable();
        keys.dedup();
        let pairs = keys
            .into_iter()
            .map(|(a, b)| {
                let shared = found
                    .get(&(a, b))
                    .copied()
                    .unwrap_or_else(|| verify::intersection(&sets[a], &sets[b]));
                let o = verify::overlap_counts(sets[a].len(), sets[b].len(), shared);
                let (kind, target) = planted.get(&(a, b)).copied().unwrap_or(("related", None));
                let (ma, mb) = (members[a], members[b]);
                (
                    ma,
                    mb,
                    TruthPair {
                        a: self.id(ma),
                        b: self.id(mb),
                        jaccard: round6(o.jaccard),
                        shared: shared as u64,
                        union: (sets[a].len() + sets[b].len() - shared) as u64,
                        a_in_b: round6(o.a_in_b),
                        b_in_a: round6(o.b_in_a),
                        kind: kind.into(),
                        target: target.map(round6),
                    },
                )
            })
            .collect();

        // Passages: raw spans per member, then copies inherit their source's.
        let mut raw: Vec<(&'static str, Vec<(usize, Span)>)> = Vec::new();
        for (i, g) in gens.iter().enumerate() {
            for e in &g.events {
                match *e {
                    Event::Double(a, b) => raw.push(("double", vec![(i, a), (i, b)])),
                    Event::Receive { donor, run, span } => {
                        let d = pos[&donor];
                        let spans = &gens[d].base_spans;
                        let from = spans.get(run.0).copied().flatten();
                        let to = spans.get(run.1 - 1).copied().flatten();
                        let mut occ = vec![(i, span)];
                        if let (Some(f), Some(t)) = (from, to) {
                            occ.push((d, (f.0, t.1)));
                        }
                        raw.push(("copy", occ));
                    }
                }
            }
        }
        for (c, g) in gens.iter().enumerate() {
            let (Some(map), Some(src)) = (&g.copy_map, g.role.source()) else {
                continue;
            };
            let s = pos[&src];
            for (_, occ) in raw.iter_mut() {
                let extra: Vec<(usize, Span)> = occ
                    .iter()
                    .filter(|o| o.0 == s)
                    .map(|&(_, (a, b))| match map {
                        None => (c, (a, b)),
                        Some(m) => (c, (m.map(a), m.map(b))),
                    })
                    .collect();
                occ.extend(extra);
            }
        }
        let lines: Vec<LineIndex> = gens.iter().map(|g| LineIndex::new(&g.text)).collect();
        let passages = raw
            .into_iter()
            .filter_map(|(kind, occ)| {
                let mut out: Vec<(u32, usize, TruthOccurrence, usize)> = occ
                    .into_iter()
                    .filter_map(|(i, (s, e))| {
                        let t = &tokens[i];
                        let first = t.partition_point(|k| (k.start as usize) < s);
                        let last = t.partition_point(|k| k.end as usize <= e);
                        (first < last).then(|| {
                            let (start, end) = (t[first].start as usize, t[last - 1].end as usize);
                            (
                                members[i],
                                start,
                                TruthOccurrence {
                                    doc: self.id(members[i]),
                                    start: start as u64,
                                    end: end as u64,
                                    line_start: lines[i].line(start) as u64,
                                    line_end: lines[i].line(end - 1) as u64,
                                },
                                last - first,
                            )
                        })
                    })
                    .collect();
                out.sort_unstable_by_key(|o| (o.0, o.1));
                out.dedup_by_key(|o| (o.0, o.1));
                if out.len() < 2 {
                    return None;
                }
                let words = out.iter().map(|o| o.3).min().unwrap_or(0) as u64;
                let key: Vec<(u32, usize)> = out.iter().map(|o| (o.0, o.1)).collect();
                Some((
                    key,
                    TruthPassage {
                        kind: kind.into(),
                        words,
                        occurrences: out.into_iter().map(|o| o.2).collect(),
                    },
                ))
            })
            .collect();
        (pairs, passages)
    }
}

/// Pairs of one group: document numbers and the pair.
pub(super) type UnitPairs = Vec<(u32, u32, TruthPair)>;
/// Passages of one group, each keyed by its occurrences' (document, start).
pub(super) type UnitPassages = Vec<(Vec<(u32, usize)>, TruthPassage)>;

pub(super) fn order(a: usize, b: usize) -> (usize, usize) {
    (a.min(b), a.max(b))
}

/// Appends `para` (words separated by single spaces) wrapped at `width`
/// columns (0: one line).
pub(super) fn push_wrapped(out: &mut String, para: &str, width: usize) {
    if width == 0 {
        out.push_str(para);
        return;
    }
    let mut col = 0;
    for (i, w) in para.split(' ').enumerate() {
        if i > 0 {
            if col + 1 + w.chars().count() > width {
                out.push('\n');
                col = 0;
            } else {
                out.push(' ');
                col += 1;
            }
        }
        out.push_str(w);
        col += w.chars().count();
    }
}

/// Re-wraps the body `[from, to)` of `text` at `width` (0: paragraphs on one
/// line), keeping paragraph breaks; returns the new text and the offset map.
pub(super) fn rewrap(text: &str, (from, to): Span, width: usize) -> (String, Rewrap) {
    let mut out = String::with_capacity(text.len() + 64);
    out.push_str(&text[..from]);
    let mut chunks = Vec::new();
    let body = &text[from..to];
    let bytes = body.as_bytes();
    let mut i = 0;
    let mut col = 0;
    while i < bytes.len() {
        let sep_start = i;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let sep = &body[sep_start..i];
        let start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if start == i {
            break;
        }
        let chunk = &body[start..i];
        let len = chunk.chars().count();
        if start > 0 {
            if sep.contains("\n\n") {
                out.push_str("\n\n");
                col = 0;
            } else if width > 0 && col + 1 + len > width {
                out.push('\n');
                col = 0;
            } else {
                out.push(' ');
                col += 1;
            }
        }
        chunks.push((from + start, out.len()));
        out.push_str(chunk);
        col += len;
    }
    let new_to = out.len();
    out.push_str(&text[to..]);
    let map = Rewrap {
        from,
        to,
        delta: new_to as isize - to as isize,
        chunks,
    };
    (out, map)
}

#[derive(Default)]
pub(super) struct Chunk {
    pub(super) jsonl: Vec<u8>,
    pub(super) lens: Vec<u32>,
    pub(super) bytes: u64,
    pub(super) originals: u64,
    pub(super) near: u64,
    pub(super) exact: u64,
    pub(super) reformat: u64,
    pub(super) doubled: u64,
    pub(super) received: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text;

    fn small() -> SynthConfig {
        SynthConfig {
            docs: 300,
            words: 150,
            vocabulary: 2000,
            near: 0.3,
            exact: 0.1,
            doubled: 0.2,
            passages: 0.2,
            ..SynthConfig::default()
        }
    }

    #[test]
    fn edit_rate_inverts_the_model() {
        for t in [0.3, 0.5, 0.8, 0.95] {
            let p = edit_rate(t, 5);
            let q = (1.0 - p).powi(5);
            assert!((q / (2.0 - q) - t).abs() < 1e-9);
        }
        assert!(edit_rate(1.0, 5) < 1e-12);
    }

    #[test]
    fn zipf_sampler_favours_low_ranks() {
        let a = Alias::zipf(1000);
        let mut rng = Rng::stream(1, 2, 3);
        let mut counts = vec![0u32; 1000];
        for _ in 0..200_000 {
            counts[a.sample(&mut rng)] += 1;
        }
        // Weight of rank 0 is 1/H(1000) ≈ 0.1336.
        let top = counts[0] as f64 / 200_000.0;
        assert!((top - 0.1336).abs() < 0.005, "{top}");
        assert!(counts[1] > counts[10] && counts[10] > counts[500]);
    }

    #[test]
    fn documents_are_pure_functions_of_seed_and_number() {
        let g = Generator::new(&small()).unwrap();
        let h = Generator::new(&small()).unwrap();
        for j in [0, 7, 150, 299] {
            assert_eq!(g.document(j), h.document(j));
        }
        let other = Generator::new(&SynthConfig { seed: 1, ..small() }).unwrap();
        assert_ne!(g.document(7).text, other.document(7).text);
    }

    #[test]
    fn rewrap_maps_offsets_of_words() {
        let text = "head\nTitle\n\nalpha beta gamma delta\n\nepsilon zeta\n\nfoot";
        let body = (12, text.len() - 6);
        let (out, map) = rewrap(text, body, 11);
        assert_eq!(
            out,
            "head\nTitle\n\nalpha beta\ngamma delta\n\nepsilon\nzeta\n\nfoot"
        );
        for w in ["alpha", "gamma", "delta", "zeta", "foot", "Title"] {
            let old = text.find(w).unwrap();
            let new = map.map(old);
            assert_eq!(&out[new..new + w.len()], w);
            assert_eq!(map.map(old + w.len()), new + w.len());
        }
    }

    #[test]
    fn copies_and_near_duplicates_look_like_their_sources() {
        let g = Generator::new(&small()).unwrap();
        let mut seen = [false; 3];
        for j in 0..300 {
            match g.role(j) {
                Role::Exact { source } => {
                    assert_eq!(g.document(j).text, g.document(source).text);
                    seen[0] = true;
                }
                Role::Reformat { source } => {
                    let (a, b) = (g.document(j).text, g.document(source).text);
                    let (mut ta, mut tb) = (Vec::new(), Vec::new());
                    text::words(&a, &mut ta);
                    text::words(&b, &mut tb);
                    let ha: Vec<u64> = ta.iter().map(|t| t.hash).collect();
                    let hb: Vec<u64> = tb.iter().map(|t| t.hash).collect();
                    assert_eq!(ha, hb, "same words after normalisation");
                    seen[1] = true;
                }
                Role::Near { .. } => seen[2] = true,
                Role::Original => {}
            }
        }
        assert_eq!(seen, [true; 3]);
    }
}
