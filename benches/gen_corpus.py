#!/usr/bin/env python3
"""Writes a news-like JSON Lines corpus for whole-corpus benchmarks.

Documents of about 5 KB: paragraphs of sentences whose words follow a Zipf
distribution over a generated vocabulary, so shingle statistics look like
prose. About 2 % of documents are near-copies of an earlier one (a few words
changed) and 1 % exact copies, so LSH and verification have real work.
Deterministic for a given seed. This is the simple generator for throughput
runs; `nearcopy synth` writes corpora with recorded truth.

    python3 benches/gen_corpus.py --mb 1024 -o bench-data/news-1g.jsonl
"""
import argparse
import json
import random


def vocabulary(rng, n):
    letters = "etaoinshrdlcumwfgypbvkjxqz"
    weights = [12, 9, 8, 7.5, 7, 6.7, 6.3, 6, 6, 4.3, 4, 2.8, 2.8, 2.4, 2.4, 2.2, 2, 2, 1.9, 1.5, 1, .8, .15, .15, .1, .07]
    words = set()
    while len(words) < n:
        length = max(1, min(14, int(rng.gauss(5, 2.2))))
        words.add("".join(rng.choices(letters, weights, k=length)))
    return sorted(words)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=100, help="approximate size in MB")
    ap.add_argument("--doc-bytes", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-o", "--output", required=True)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    vocab = vocabulary(rng, 50000)
    zipf = [1.0 / (r + 1) ** 1.07 for r in range(len(vocab))]
    # Pre-draw a large pool of words, then slice it: much faster than one
    # weighted draw per word, and still Zipf-distributed.
    pool = rng.choices(vocab, zipf, k=2_000_000)
    target = int(args.mb * 1e6)
    written = 0
    recent = []
    n = 0
    with open(args.output, "w") as out:
        while written < target:
            roll = rng.random()
            if recent and roll < 0.01:
                text = rng.choice(recent)
            elif recent and roll < 0.03:
                words = rng.choice(recent).split(" ")
                for _ in range(max(1, len(words) // 100)):
                    words[rng.randrange(len(words))] = pool[rng.randrange(len(pool))]
                text = " ".join(words)
            else:
                paras = []
                size = 0
                while size < args.doc_bytes:
                    sents = []
                    for _ in range(rng.randint(2, 5)):
                        k = rng.randint(8, 28)
                        start = rng.randrange(len(pool) - k)
                        s = " ".join(pool[start:start + k])
                        sents.append(s[0].upper() + s[1:] + ".")
                    p = " ".join(sents)
                    paras.append(p)
                    size += len(p) + 2
                text = "\n\n".join(paras)
            recent.append(text)
            if len(recent) > 200:
                recent.pop(rng.randrange(len(recent)))
            line = json.dumps({"id": f"doc-{n}", "source": f"site-{n % 7}", "text": text})
            out.write(line + "\n")
            written += len(line) + 1
            n += 1
    print(f"wrote {n} documents, {written / 1e6:.1f} MB to {args.output}")


if __name__ == "__main__":
    main()
