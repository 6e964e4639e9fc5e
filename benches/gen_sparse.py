"""A corpus where almost nothing repeats: N documents of 300 words drawn
from 200,000 random words, and one document in 1,000 ending with the same
60-word paragraph. The passage search's third read has little to do on it.

    python3 benches/gen_sparse.py bench-data/sparse-100k.jsonl [N]
"""
import json
import random
import sys

path = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
r = random.Random(7)
vocab = ["".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(r.randint(3, 9)))
         for _ in range(200_000)]
shared = " ".join(r.choice(vocab) for _ in range(60))
with open(path, "w") as f:
    for i in range(n):
        words = " ".join(r.choice(vocab) for _ in range(300))
        text = words if i % 1000 else words + "\n\n" + shared
        f.write(json.dumps({"id": f"d{i}", "text": text}) + "\n")
