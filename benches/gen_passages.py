#!/usr/bin/env python3
"""Writes a deterministic JSON Lines corpus for benchmarking `nearcopy passages`.

Not a corpus with full truth (see `nearcopy synth` for that): random text from
a Zipf-distributed vocabulary of made-up words, one paragraph per line, with
some repeats planted so that every stage has work to do:

* 5 % of documents print one of their own paragraphs twice (within);
* 10 % of documents include a paragraph from a shared pool of 20,000, each of
  which therefore appears in a handful of documents (across);
* 2 % of documents include a pool paragraph with two words changed (edited);
* every document ends with its site's footer line, one of 50 sites
  (boilerplate).

Usage: benches/gen_passages.py [MEGABYTES] [OUT]
       (defaults: 1100 and bench-data/passages.jsonl; same output every run)
"""

import json
import os
import random
import sys

SEED = 20240601


def make_vocab(rng, n):
    syll = ["ka", "to", "ri", "mu", "sen", "lo", "ve", "dra", "pi", "na", "qu", "el",
            "or", "tis", "ban", "ge", "hu", "mi", "sta", "ne", "ro", "li", "za", "ph"]
    words = set()
    while len(words) < n:
        words.add("".join(rng.choice(syll) for _ in range(rng.randint(1, 4))))
    words = sorted(words)
    rng.shuffle(words)  # Zipf ranks independent of spelling
    return words


def main():
    megabytes = int(sys.argv[1]) if len(sys.argv) > 1 else 1100
    out = sys.argv[2] if len(sys.argv) > 2 else "bench-data/passages.jsonl"
    rng = random.Random(SEED)
    vocab = make_vocab(rng, 50_000)
    # Zipf weights: the r-th word has weight 1/r.
    cum, total = [], 0.0
    for r in range(1, len(vocab) + 1):
        total += 1.0 / r
        cum.append(total)

    def paragraph(lo=40, hi=120):
        words = rng.choices(vocab, cum_weights=cum, k=rng.randint(lo, hi))
        words[0] = words[0].capitalize()
        return " ".join(words) + "."

    pool = [paragraph() for _ in range(20_000)]
    footers = [f"Site {s} news: read more stories on our home page and follow us today."
               for s in range(50)]

    def edited(p):
        words = p.split(" ")
        for _ in range(2):
            i = rng.randrange(1, len(words) - 1)
            words[i] = rng.choice(vocab)
        return " ".join(words)

    os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
    target = megabytes * 1_000_000
    written = 0
    n = 0
    with open(out + ".tmp", "w", encoding="utf-8") as f:
        while written < target:
            paras = [paragraph() for _ in range(rng.randint(3, 8))]
            x = rng.random()
            if x < 0.05:
                paras.insert(rng.randrange(len(paras) + 1), rng.choice(paras))
            elif x < 0.15:
                paras.insert(rng.randrange(len(paras) + 1), rng.choice(pool))
            elif x < 0.17:
                paras.insert(rng.randrange(len(paras) + 1), edited(rng.choice(pool)))
            site = rng.randrange(50)
            paras.append(footers[site])
            line = json.dumps({"id": f"doc-{n:07}", "source": f"site-{site:02}",
                               "text": "\n".join(paras)}, ensure_ascii=False)
            f.write(line + "\n")
            written += len(line) + 1
            n += 1
    os.replace(out + ".tmp", out)
    print(f"{out}: {n} documents, {written / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
