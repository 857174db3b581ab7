"""What a post says, for the data-loss prevention rules: its text (HTML removed,
normalised) and its classification tags (see dlp.py)."""

from __future__ import annotations

import html
import re
import unicodedata

import nh3

from fedkit.protocol.vocab import HASHTAG, as_list, type_of
from fedkit.rules.audience import ADDRESS_FIELDS
from services.outbox.dlp_rules import normalise_tag

# Block-level elements separate words; inline ones (<b>, <span>…) do not ("Kes<b>trel</b>").
_BLOCK_TAG = re.compile(r"<\s*/?\s*(p|br|li|ul|ol|div|blockquote|pre|h[1-6]|tr|td|th|hr)\b[^>]*>", re.IGNORECASE)
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_SPACES = re.compile(r"\s+")
_TEXT_HASHTAG = re.compile(r"(?<![\w&#/])#(\w+)")


def plain_text(value: str) -> str:
    """HTML to the text a reader sees: tags removed, entities decoded, invisible characters
    dropped, compatibility forms folded (NFKC), whitespace collapsed."""
    text = nh3.clean(_BLOCK_TAG.sub(" ", value), tags=set())
    text = unicodedata.normalize("NFKC", html.unescape(text)).translate(_INVISIBLE)
    return _SPACES.sub(" ", text).strip()


MAIN_FIELDS = ("name", "summary", "content")
# Keys whose values are structure, not prose (ids, types, addressing, dates).
STRUCTURAL_KEYS = frozenset({"@context", "id", "type", "actor", "attributedTo", "published", "updated",
                             "inReplyTo", "mediaType", *ADDRESS_FIELDS})


def _text_fields(obj: dict) -> list[str]:
    values = [obj.get(k) for k in MAIN_FIELDS]
    if isinstance(obj.get("contentMap"), dict):
        values += list(obj["contentMap"].values())
    for key in ("attachment", "oneOf", "anyOf"):  # media descriptions, poll options
        for item in as_list(obj.get(key)):
            if isinstance(item, dict):
                values += [item.get(k) for k in MAIN_FIELDS]
    return [v for v in values if isinstance(v, str) and v]


def _other_strings(value, skip: frozenset[str], depth: int = 0) -> list[str]:
    """Every other string a document carries (a client may put anything in an activity or
    object, and it is published as it is: ``source``, an activity's ``summary``…)."""
    if isinstance(value, str):
        return [value]
    if depth > 8:
        return []
    if isinstance(value, list):
        return [s for item in value for s in _other_strings(item, STRUCTURAL_KEYS, depth + 1)]
    if isinstance(value, dict):
        return [s for key, item in value.items() if key not in skip
                for s in _other_strings(item, STRUCTURAL_KEYS, depth + 1)]
    return []


def post_text(obj: dict, activity: dict | None = None) -> str:
    """The text a rule's pattern is searched in: the object's main fields first, then any
    other string of the object and of the activity that carries it."""
    main = _text_fields(obj)
    others = _other_strings(obj, STRUCTURAL_KEYS | {*MAIN_FIELDS, "contentMap"}) + \
        _other_strings(activity or {}, STRUCTURAL_KEYS | {"object"})
    seen = set(main)
    values = main + [v for v in others if v and v not in seen and not seen.add(v)]
    return "\n".join(plain_text(v) for v in values)


def post_tags(obj: dict, text: str | None = None) -> frozenset[str]:
    """Classification tags: Hashtags of the ``tag`` list and ``#words`` of the text."""
    tags = set()
    for item in as_list(obj.get("tag")):
        if isinstance(item, dict) and type_of(item) in (HASHTAG, None) and isinstance(item.get("name"), str):
            tags.add(normalise_tag(item["name"]))
    tags.update(normalise_tag(m) for m in _TEXT_HASHTAG.findall(post_text(obj) if text is None else text))
    tags.discard("")
    return frozenset(tags)
