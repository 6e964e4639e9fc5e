//! The words and sites of a synthetic corpus: a Zipf vocabulary of real
//! function words and pronounceable made-up words, and sites with their own
//! boilerplate and line widths.

use ahash::AHashSet;

use super::random::*;

/// The most frequent English words, in order: the top of the vocabulary.
pub(super) const FUNCTION_WORDS: &[&str] = &[
    "the", "of", "and", "to", "a", "in", "that", "is", "was", "he", "for", "it", "with", "as",
    "his", "on", "be", "at", "by", "had", "not", "are", "but", "from", "or", "have", "an", "they",
    "which", "one", "you", "were", "her", "all", "she", "there", "would", "their", "we", "him",
    "been", "has", "when", "who", "will", "more", "no", "if", "out", "so", "said", "what", "up",
    "its", "about", "into", "than", "them", "can", "only", "other", "new", "some", "could", "time",
    "these", "two", "may", "then", "do", "first", "any", "my", "now", "such", "like", "our",
    "over", "man", "me", "even", "most", "made", "after", "also", "did", "many", "before", "must",
    "through", "back", "years", "where", "much", "your", "way", "well", "down", "should",
    "because", "each", "just", "those", "people", "how", "too", "little", "state", "good", "very",
    "make", "world", "still", "own", "see", "men", "work", "long", "get", "here", "between",
    "both", "life", "being", "under", "never", "day", "same", "another", "know", "while", "last",
    "might", "great", "old", "year", "off", "come", "since", "against", "go", "came", "right",
    "used", "take", "three",
];

/// Made-up words never contain these, so that no generated text reads as
/// an insult.
pub(super) const BLOCKED: &[&str] = &[
    "anal", "anus", "arse", "ass", "bitch", "cock", "crap", "cum", "cunt", "damn", "dick", "fag",
    "fuck", "jiz", "nig", "piss", "poo", "porn", "rape", "shit", "slut", "tit", "twat", "whor",
];

pub(super) const ONSETS: &[&str] = &[
    "b", "c", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "br",
    "cr", "dr", "fl", "gr", "pl", "pr", "st", "tr", "ch", "sh", "th", "sl", "sp", "bl", "cl", "gl",
    "sc",
];
pub(super) const VOWELS: &[&str] = &[
    "a", "e", "i", "o", "u", "a", "e", "i", "o", "ea", "ou", "ai", "ie", "oo",
];
pub(super) const CODAS: &[&str] = &[
    "", "", "", "", "", "", "n", "r", "s", "l", "t", "m", "nd", "st", "ng", "ck", "x",
];

/// The vocabulary: words by rank, stored end to end, and a Zipf sampler.
#[derive(Debug, Clone)]
pub(super) struct Vocab {
    pub(super) arena: String,
    pub(super) ends: Vec<u32>,
    pub(super) zipf: Alias,
}

impl Vocab {
    pub(super) fn new(seed: u64, size: usize) -> Vocab {
        let mut arena = String::new();
        let mut ends = Vec::with_capacity(size);
        let mut seen: AHashSet<String> = AHashSet::new();
        for rank in 0..size {
            let word = match FUNCTION_WORDS.get(rank) {
                Some(w) => w.to_string(),
                None => {
                    let mut rng = Rng::stream(seed, rank as u64, VOCAB);
                    loop {
                        let w = pseudo_word(&mut rng, rank);
                        if !seen.contains(&w) && !BLOCKED.iter().any(|b| w.contains(b)) {
                            break w;
                        }
                    }
                }
            };
            arena.push_str(&word);
            ends.push(arena.len() as u32);
            seen.insert(word);
        }
        Vocab {
            arena,
            ends,
            zipf: Alias::zipf(size),
        }
    }

    pub(super) fn word(&self, rank: usize) -> &str {
        let start = if rank == 0 {
            0
        } else {
            self.ends[rank - 1] as usize
        };
        &self.arena[start..self.ends[rank] as usize]
    }

    pub(super) fn sample(&self, rng: &mut Rng) -> &str {
        self.word(self.zipf.sample(rng))
    }

    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }
}

/// A pronounceable made-up word; rarer ranks get longer words, as in
/// natural languages.
pub(super) fn pseudo_word(rng: &mut Rng, rank: usize) -> String {
    let syllables = match rank {
        0..=1999 => 1 + rng.below(2),
        2000..=9999 => 2,
        _ => 2 + rng.below(2),
    };
    let mut w = String::new();
    for s in 0..syllables {
        if s > 0 || !rng.chance(0.3) {
            w.push_str(ONSETS[rng.below(ONSETS.len())]);
        }
        w.push_str(VOWELS[rng.below(VOWELS.len())]);
        w.push_str(CODAS[rng.below(CODAS.len())]);
    }
    if rng.chance(0.01) {
        // An accented vowel: exercises the non-ASCII path of the tokeniser.
        if let Some(i) = w.rfind(['e', 'o', 'u', 'i']) {
            let acc = match &w[i..i + 1] {
                "e" => "é",
                "o" => "ö",
                "u" => "ü",
                _ => "ï",
            };
            w.replace_range(i..i + 1, acc);
        }
    }
    w
}

pub(super) fn push_capitalized(out: &mut String, word: &str) {
    let mut chars = word.chars();
    if let Some(c) = chars.next() {
        out.extend(c.to_uppercase());
        out.push_str(chars.as_str());
    }
}

/// One site: its name, boilerplate and line wrapping.
#[derive(Debug, Clone)]
pub(super) struct Site {
    pub(super) slug: String,
    pub(super) header: String,
    pub(super) footer: String,
    /// Column at which body lines are wrapped; 0 = one line per paragraph.
    pub(super) wrap: usize,
}

pub(super) const SITE_KINDS: &[&str] = &[
    "Daily",
    "Times",
    "Post",
    "Herald",
    "Review",
    "Journal",
    "Tribune",
    "Gazette",
    "Observer",
    "Chronicle",
    "Courier",
    "Ledger",
];

pub(super) fn make_sites(seed: u64, n: usize, vocab: &Vocab) -> Vec<Site> {
    let mut sites = Vec::with_capacity(n);
    let mut slugs: AHashSet<String> = AHashSet::new();
    let cap = |rng: &mut Rng, from: usize, to: usize| -> String {
        loop {
            let w = vocab.word(from + rng.below(to - from));
            if w.is_ascii() {
                let mut s = String::new();
                push_capitalized(&mut s, w);
                return s;
            }
        }
    };
    let mid = vocab.len().min(5000);
    for i in 0..n {
        let mut rng = Rng::stream(seed, i as u64, SITES);
        let brand = cap(&mut rng, FUNCTION_WORDS.len(), mid);
        let kind = SITE_KINDS[rng.below(SITE_KINDS.len())];
        let name = format!("{brand} {kind}");
        let mut slug = format!("{}-{}", brand.to_lowercase(), kind.to_lowercase());
        if !slugs.insert(slug.clone()) {
            slug = format!("{slug}-{i}");
            slugs.insert(slug.clone());
        }
        let mut nav = String::from("Home");
        for _ in 0..5 {
            nav.push_str(" | ");
            nav.push_str(&cap(&mut rng, FUNCTION_WORDS.len(), mid));
        }
        nav.push_str(" | Subscribe");
        let header = format!("{name}\n{nav}");
        let footer = format!(
            "© {} {name}. All rights reserved.\nAbout us | Contact | Privacy policy | Terms of use | {}\n\
             Follow {name} on {} and {} for more {} news.",
            1995 + rng.below(30),
            cap(&mut rng, FUNCTION_WORDS.len(), mid),
            cap(&mut rng, FUNCTION_WORDS.len(), mid),
            cap(&mut rng, FUNCTION_WORDS.len(), mid),
            vocab
                .word(FUNCTION_WORDS.len() + rng.below(mid - FUNCTION_WORDS.len())),
        );
        let wrap = if rng.chance(0.35) {
            64 + rng.below(17)
        } else {
            0
        };
        sites.push(Site {
            slug,
            header,
            footer,
            wrap,
        });
    }
    sites
}
