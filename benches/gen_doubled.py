#!/usr/bin/env python3
"""Documents printed twice: each record of a JSON Lines corpus with its text
doubled inside itself (text, a blank line, the text again).

    python3 benches/gen_doubled.py bench-data/synth-200k.jsonl 20000 bench-data/doubled-20k.jsonl

Every position of such a corpus repeats, so the passage search's suffix
array gets all of them: the case where its working memory is largest
against the input.
"""
import json
import sys


def main() -> None:
    src, count, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
        for i, line in enumerate(f):
            if i >= count:
                break
            record = json.loads(line)
            record["text"] = record["text"] + "\n\n" + record["text"]
            out.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
