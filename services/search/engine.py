"""The node's tantivy index: its schema, its analyzers and where it lives.

Words are found across French, English and German without knowing a post's language for
sure: ``text`` holds every word lowercased and folded to ASCII (``Café`` = ``cafe``,
``Schweißen`` = ``schweissen``; tantivy's AsciiFoldingFilter), and ``stem_en``/``stem_fr``/
``stem_de`` the same words stemmed by that language's Snowball stemmer (``soudures`` =
``soudure``, ``welding`` = ``weld``). A post whose language is known (``contentMap``) is
stemmed in that language only; one whose language is not, in all three. A query matches a
word in the folded field or in any stemmed one.

One writer per index (tantivy holds a lock file): only the indexer (indexer.py) opens a
writer; the service's readers reload the index when it has changed since (``searcher``).
"""

from __future__ import annotations

import os
import threading

import tantivy

LANGUAGES = {"en": "english", "fr": "french", "de": "german"}
FOLDED = "archipel_folded"
STEMMED = {code: f"archipel_{name}" for code, name in LANGUAGES.items()}
WORD_FIELDS = ("text", *(f"stem_{code}" for code in LANGUAGES))
MAX_TOKEN = 40  # longer "words" (base64, hashes) are dropped


def _analyzer(language: str | None) -> tantivy.TextAnalyzer:
    builder = (tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
               .filter(tantivy.Filter.remove_long(MAX_TOKEN))
               .filter(tantivy.Filter.lowercase())
               .filter(tantivy.Filter.ascii_fold()))
    if language:
        builder = builder.filter(tantivy.Filter.stemmer(language))
    return builder.build()


def schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("id", stored=True, tokenizer_name="raw")
    builder.add_text_field("kind", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("handle", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("author", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("audience", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("tags", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("text", tokenizer_name=FOLDED)
    for code in LANGUAGES:
        builder.add_text_field(f"stem_{code}", tokenizer_name=STEMMED[code], index_option="freq")
    builder.add_integer_field("published", fast=True)
    return builder.build()


def _register(index: tantivy.Index) -> tantivy.Index:
    index.register_tokenizer(FOLDED, _analyzer(None))
    for code, name in LANGUAGES.items():
        index.register_tokenizer(STEMMED[code], _analyzer(name))
    return index


_opened: dict[str, tantivy.Index] = {}
_lock = threading.Lock()


def open_index(path: str) -> tantivy.Index:
    """The index in ``path`` (created there, empty, the first time), once per process."""
    with _lock:
        if path not in _opened:
            os.makedirs(path, exist_ok=True)
            _opened[path] = _register(tantivy.Index(schema(), path=path, reuse=True))
        return _opened[path]


_loaded: dict[str, tuple | None] = {}


def _commit_mark(path: str) -> tuple | None:
    """What tells one commit from the next: each commit rewrites ``meta.json`` atomically
    (a new file renamed over the old one)."""
    try:
        found = os.stat(os.path.join(path, "meta.json"))
    except FileNotFoundError:
        return None
    return found.st_ino, found.st_mtime_ns, found.st_size


def searcher(index: tantivy.Index, path: str) -> tantivy.Searcher:
    """A searcher of the index's last commit. The indexer (another process) may have
    committed since this process last looked: the index is reloaded then, and only then
    (a reload reopens every segment)."""
    mark = _commit_mark(path)
    with _lock:
        if path not in _loaded or _loaded[path] != mark:
            index.reload()
            _loaded[path] = mark
    return index.searcher()


def forget(path: str) -> None:
    """Drop this process's handle (tests that start from a fresh folder)."""
    with _lock:
        _opened.pop(path, None)
        _loaded.pop(path, None)
