#!/usr/bin/env python3
"""Adversarial inputs for benches/adversarial.sh: periodic text, a giant
near-duplicate group, a million identical documents and one huge line.

    python3 benches/gen_adversarial.py OUT_DIR [--giant N] [--identical N] [--line-mb MB]
"""
import argparse
import json
import os
import random


def periodic(out):
    """Texts made of one short unit repeated: every m-gram repeats
    everywhere, the worst case for maximal repeats."""
    with open(os.path.join(out, "word-50k.txt"), "w") as f:
        f.write("word " * 10_000)
    with open(os.path.join(out, "zero-20k.txt"), "w") as f:
        f.write("0 " * 10_000)
    with open(os.path.join(out, "ha-15k.txt"), "w") as f:
        f.write("ha " * 5_000)
    with open(os.path.join(out, "han-30k.txt"), "w", encoding="utf-8") as f:
        f.write("哈" * 10_000)


def giant(out, n):
    """n near-copies of one 150-word text: each copy has 2 of its words
    replaced, so every pair is near (Jaccard of 5-word shingles about 0.87)."""
    rng = random.Random(7)
    vocab = [f"w{i}" for i in range(5000)]
    base = [rng.choice(vocab) for _ in range(150)]
    with open(os.path.join(out, f"giant-{n}.jsonl"), "w") as f:
        for i in range(n):
            words = list(base)
            for _ in range(2):
                words[rng.randrange(150)] = rng.choice(vocab)
            f.write(json.dumps({"id": f"d{i}", "text": " ".join(words)}) + "\n")


def identical(out, n):
    with open(os.path.join(out, f"identical-{n}.jsonl"), "w") as f:
        line = '", "text": "the same short document of a few words"}\n'
        for i in range(n):
            f.write('{"id": "d' + str(i) + line)


def one_line(out, mb):
    """One JSON Lines record and one text file of `mb` MB of words on a
    single line."""
    rng = random.Random(11)
    vocab = [f"tok{i}" for i in range(50_000)]
    chunk = " ".join(rng.choice(vocab) for _ in range(200_000)) + " "
    reps = mb * 1_000_000 // len(chunk) + 1
    with open(os.path.join(out, f"line-{mb}m.txt"), "w") as f:
        for _ in range(reps):
            f.write(chunk)
    with open(os.path.join(out, f"line-{mb}m.jsonl"), "w") as f:
        f.write('{"id": "big", "text": "')
        for _ in range(reps):
            f.write(chunk)
        f.write('"}\n')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--giant", type=int, default=50_000)
    ap.add_argument("--identical", type=int, default=1_000_000)
    ap.add_argument("--line-mb", type=int, default=500)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    periodic(a.out)
    giant(a.out, a.giant)
    identical(a.out, a.identical)
    if a.line_mb > 0:
        one_line(a.out, a.line_mb)


if __name__ == "__main__":
    main()
