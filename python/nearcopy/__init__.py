"""nearcopy: near-duplicate documents and repeated passages, with exact byte ranges.

Every function takes either ``texts`` (any iterable of ``str``) or ``paths``
(a path or a list of paths, read as the ``nearcopy`` command reads them:
text files, directories, JSON Lines, optionally gzip or zstd), and the
command line's options as keyword arguments named after its long flags
(``--char-ngrams 3`` is ``char_ngrams=3``, ``--no-passages`` is
``passages=False``). Each returns what ``nearcopy COMMAND --format json``
prints, as dicts and lists; the keys are documented in DESIGN.md
("JSON contract").

Texts are documents ``0, 1, 2, ...`` unless ``ids=`` names them; ``sources=``
puts them in sources (for ``similarity``). Work runs in Rust on every core
with the GIL released; Ctrl-C raises ``KeyboardInterrupt``. Bad options
raise ``TypeError`` (an unknown keyword) or ``ValueError``; unreadable
files ``OSError``; unusable records ``ValueError`` naming file and line.

>>> import nearcopy
>>> report = nearcopy.scan(["one text here and there", "one text here and there"], shingle=2)
>>> report["clusters"][0]["members"]
['0', '1']
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from . import _nearcopy

__version__ = _nearcopy.__version__

__all__ = ["scan", "passages", "similarity", "dedup", "signatures", "Signatures"]

# Options the Python functions set themselves.
_RESERVED = {"format", "output", "quiet", "help", "version", "removed", "dry_run"}

# The placeholder path handed to the option parser when the corpus is texts.
_TEXTS = "<texts>"


def _keyword(match: re.Match) -> str:
    return match.group(1).replace("-", "_")


def _python_words(message: str) -> str:
    """Speaks of keyword arguments where the option parser speaks of flags."""
    message = re.sub(r"--([a-z][a-z0-9-]*)(?: <[^>]+>)?", _keyword, message)
    return message.replace("unexpected argument '", "unexpected keyword argument '")


def _argv(command: str, options: dict[str, Any], reserved: set[str]) -> list[str]:
    argv = [command, "--format", "json"] if command != "signatures" else ["scan"]
    for key, value in options.items():
        if key in reserved:
            raise TypeError(f"{command}() got an unexpected keyword argument '{key}'")
        flag = "--" + key.replace("_", "-")
        if value is None:
            continue
        if command == "scan" and key == "passages":
            if value is False:
                argv.append("--no-passages")
            continue
        if value is True:
            argv.append(flag)
        elif value is False:
            continue
        elif isinstance(value, (list, tuple)):
            argv += [flag, ",".join(str(v) for v in value)]
        else:
            argv += [flag, str(value)]
    return argv


def _paths(paths: Any) -> list[str]:
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    out = [os.fspath(p) for p in paths]
    if not out:
        raise ValueError("paths is empty: give at least one file or directory")
    return out


def _strings(name: str, values: Iterable[Any] | None) -> list[str] | None:
    if values is None:
        return None
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be a list, not a single {type(values).__name__}")
    return [v if isinstance(v, str) else str(v) for v in values]


def _texts(texts: Iterable[str]) -> list[str]:
    if isinstance(texts, (str, bytes, os.PathLike)):
        raise TypeError(
            "texts must be an iterable of str (one per document); "
            "to read files, pass paths=..."
        )
    out = list(texts)
    for i, t in enumerate(out):
        if not isinstance(t, str):
            raise TypeError(f"texts[{i}] is a {type(t).__name__}, not a str")
    return out


def _corpus(command, texts, paths, ids, sources):
    """The positional paths and the texts of a call."""
    if (texts is None) == (paths is None):
        raise TypeError(f"{command}() takes either texts or paths=, not both or neither")
    if paths is not None:
        if ids is not None or sources is not None:
            raise TypeError("ids= and sources= go with texts; files name their own")
        return _paths(paths), None, None, None
    texts = _texts(texts)
    ids = _strings("ids", ids)
    sources = _strings("sources", sources)
    return [_TEXTS], texts, ids, sources


def _run(argv, texts=None, ids=None, sources=None):
    try:
        return _nearcopy.run(argv, texts, ids, sources)
    except (TypeError, ValueError) as e:
        raise type(e)(_python_words(str(e))) from None


def _report(command, texts, paths, ids, sources, options):
    paths, texts, ids, sources = _corpus(command, texts, paths, ids, sources)
    argv = _argv(command, options, _RESERVED) + ["--"] + paths
    report, _, _ = _run(argv, texts, ids, sources)
    return json.loads(report)


def scan(texts=None, *, paths=None, ids=None, sources=None, **options) -> dict:
    """Near-duplicate documents and repeated passages (``nearcopy scan``).

    Keys: ``documents``, ``clusters`` (``members`` ids, ``pairs`` with exact
    ``jaccard``), ``passages`` (every copy with its byte range ``start``,
    ``end`` in its document), ``summary``, ``params``. ``passages=False``
    looks for documents only (faster).

    Offsets are bytes of the UTF-8 text, as in the command's reports:
    ``text.encode()[start:end].decode()`` is the copy.
    """
    return _report("scan", texts, paths, ids, sources, options)


def passages(texts=None, *, paths=None, ids=None, sources=None, **options) -> dict:
    """Passages repeated within and across documents (``nearcopy passages``)."""
    return _report("passages", texts, paths, ids, sources, options)


def similarity(texts=None, *, paths=None, ids=None, sources=None, **options) -> dict:
    """How much sources share, both ways (``nearcopy similarity``).

    With texts, ``sources=`` names each text's source and ``by="field:source"``
    compares sources; by default each text is its own source.
    """
    return _report("similarity", texts, paths, ids, sources, options)


def dedup(
    texts=None,
    *,
    paths=None,
    ids=None,
    sources=None,
    output=None,
    removed=None,
    dry_run=False,
    **options,
) -> dict:
    """One document of each near-duplicate group (``nearcopy dedup``).

    With ``paths=``, the kept records are written to ``output`` (JSON Lines,
    byte for byte) and the log to ``removed`` (optional), as the command
    does; the summary is returned.

    With texts, nothing is written: the summary comes back with ``kept``
    (the positions of the kept texts, in order), ``texts`` (those texts,
    with ``passages=True`` or ``boilerplate=N`` cuts applied) and
    ``removed`` (one entry per removed or cut text: ``id``, ``index``,
    ``duplicate_of`` and ``duplicate_of_index``, ``jaccard``, ``reason``; or
    ``cuts``). With ``index=`` (a persistent index made by ``nearcopy index
    add``), texts can only be checked against it (``no_update=True``); an
    entry for a duplicate of an indexed document names that document's id in
    ``duplicate_of`` and its number in ``index_document``.
    """
    if texts is None:
        if ids is not None or sources is not None:
            raise TypeError("ids= and sources= go with texts; files name their own")
        if paths is None:
            raise TypeError("dedup() takes either texts or paths=, not both or neither")
        if output is None and not dry_run:
            raise TypeError("dedup(paths=...) needs output= (or dry_run=True)")
        argv = _argv("dedup", options, _RESERVED)
        if output is not None:
            argv += ["--output", os.fspath(output)]
        if removed is not None:
            argv += ["--removed", os.fspath(removed)]
        if dry_run:
            argv.append("--dry-run")
        report, _, _ = _run(argv + ["--"] + _paths(paths))
        return json.loads(report)
    if paths is not None:
        raise TypeError("dedup() takes either texts or paths=, not both or neither")
    if output is not None or removed is not None:
        raise TypeError("output= and removed= go with paths=; texts come back in the result")
    if options.get("index") is not None and not (options.get("no_update") or dry_run):
        raise TypeError(
            "dedup of texts with index= would add them to the index under their positions; "
            "pass records with ids through paths=, or check only with no_update=True"
        )
    _, texts, user_ids, sources = _corpus("dedup", texts, None, ids, sources)
    argv = _argv("dedup", options, _RESERVED) + ["--dry-run"] * bool(dry_run)
    # Without dry_run the kept records come back in memory; the parser only
    # needs to be told they are wanted.
    if not dry_run:
        argv += ["--output", "-"]
    # The texts are numbered by position inside, so that kept records and
    # log lines map back to positions even where user ids repeat.
    report, kept, log = _run(argv + ["--", _TEXTS], texts, None, sources)
    result = json.loads(report)
    name = (lambda i: user_ids[i]) if user_ids is not None else str
    records = [json.loads(line) for line in kept.splitlines()]
    result["kept"] = [int(r["id"]) for r in records]
    result["texts"] = [r["text"] for r in records]
    entries = []
    for line in log.splitlines():
        entry = json.loads(line)
        index = int(entry["id"])
        entry["index"] = index
        entry["id"] = name(index)
        # A duplicate of an indexed document is named by its own id.
        if "duplicate_of" in entry and "index_document" not in entry:
            of = int(entry["duplicate_of"])
            entry["duplicate_of_index"] = of
            entry["duplicate_of"] = name(of)
        entries.append(entry)
    result["removed"] = entries
    return result


class Signatures(NamedTuple):
    """Signatures and LSH band keys of every document, in input order."""

    ids: list
    """Document ids."""
    values: Any
    """``numpy.ndarray`` of ``uint32``, documents × perms."""
    band_keys: Any
    """``numpy.ndarray`` of ``uint64``, documents × bands: documents sharing a
    key in a band are candidate pairs, as ``scan`` buckets them."""
    bands: int
    rows: int


def signatures(texts=None, *, paths=None, **options) -> Signatures:
    """The signatures and band keys ``scan`` computes, for running LSH elsewhere.

    Takes the options that shape them: ``threshold``, ``shingle``,
    ``char_ngrams``, ``sketch``, ``perms``, ``bands``, ``rows``, and
    ``threads``. A text with fewer words than a shingle is one shingle; an
    empty one (no word at all) has a row of ``0xFFFFFFFF``.
    """
    import numpy as np

    if (texts is None) == (paths is None):
        raise TypeError("signatures() takes either texts or paths=, not both or neither")
    argv = _argv("signatures", options, _RESERVED)
    if texts is not None:
        texts = _texts(texts)
        argv += ["--", _TEXTS]
    else:
        argv += ["--"] + _paths(paths)
    try:
        ids, perms, bands, rows, values, keys = _nearcopy.signatures(argv, texts)
    except (TypeError, ValueError) as e:
        raise type(e)(_python_words(str(e))) from None
    n = len(ids)
    values = np.frombuffer(values, dtype="<u4").reshape(n, perms)
    keys = np.frombuffer(keys, dtype="<u8").reshape(n, bands)
    return Signatures(ids, values, keys, bands, rows)
