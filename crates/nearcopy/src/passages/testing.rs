//! Texts for the unit tests of the search.

/// `n` words, varied so that runs repeat only where a test copies them;
/// texts of different `seed`s share no run.
pub(crate) fn words(n: usize, seed: usize) -> String {
    (0..n)
        .map(|i| format!("w{}", (i * 7919 + seed * 104_729) % 50_021))
        .collect::<Vec<_>>()
        .join(" ")
}
