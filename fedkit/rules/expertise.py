"""The expert finder's rules: when a person's words match "who knows about q", and how the
evidence of every kind adds up to their rank. Each node matches its own people's profiles
(services/identity/experts_listing.py); the requester's node adds the posts the requester
may see and ranks (services/api/expert_finder.py).

Matching compares words folded (case and accents): a declared item (a skill, project,
interest or language) matches when every word of the query begins one of its words
(``weld`` finds ``welding``) or every word of the item is in the query (``tig welding``
finds ``welding``); a text (profile text, a post) when every word of the query begins one
of its words.

Score, a weighted sum where one kind of evidence outweighs any amount of the next:
- declared, once per part that matches: skills 100, projects 60, interests 40, languages 40;
- profile text (job title, department, bio, a free field): 15 per part, at most 2 parts (30);
- posts the requester may see: 2 per post, at most 5 posts (10).
So a declared skill outranks any profile text, and one matching profile part any number of
posts. Ties are broken by name, then actor id.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

SKILL, PROFILE, POST = "skill", "profile", "post"
DECLARED_WEIGHTS = {"skills": 100, "projects": 60, "interests": 40, "languages": 40}
PROFILE_WEIGHT, PROFILE_MOST = 15, 2
POST_WEIGHT, POST_MOST = 2, 5
POSTS_SHOWN = 3  # post evidence shown per person
MAX_WORDS = 8
EXCERPT = 160  # characters of text shown as evidence
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lowercase without accents (``Schweißen`` = ``schweissen``, ``Été`` = ``ete``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words_of(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def query_words(q: str) -> list[str]:
    return list(dict.fromkeys(words_of(q)))[:MAX_WORDS]


def _begins_a_word(word: str, words: list[str]) -> bool:
    return any(w.startswith(word) for w in words)


def declared_matches(wanted: list[str], item: str) -> bool:
    have = words_of(item)
    if not wanted or not have:
        return False
    return all(_begins_a_word(w, have) for w in wanted) or all(w in wanted for w in have)


def text_matches(wanted: list[str], text: str) -> bool:
    have = words_of(text)
    return bool(wanted and have) and all(_begins_a_word(w, have) for w in wanted)


def excerpt(text: str, wanted: list[str], size: int = EXCERPT) -> str:
    """``text`` cut to about ``size`` characters around the first word of the query found."""
    if len(text) <= size:
        return text
    folded = fold(text)  # the same length as text for the scripts folding keeps in step
    at = min((i for i in (folded.find(w) for w in wanted) if i >= 0), default=0)
    start = max(0, min(at - size // 3, len(text) - size))
    cut = text[start:start + size].strip()
    return ("…" if start else "") + cut + ("…" if start + size < len(text) else "")


@dataclass
class Expert:
    """One person found, with the evidence of every kind: [{"kind", "text", ("part"), ("url")}]."""

    actor: str
    name: str = ""
    skills: list[dict] = field(default_factory=list)
    profile: list[dict] = field(default_factory=list)
    posts: list[dict] = field(default_factory=list)

    @property
    def score(self) -> int:
        declared = sum(DECLARED_WEIGHTS.get(part, 0) for part in {e.get("part") for e in self.skills})
        profile = PROFILE_WEIGHT * min(PROFILE_MOST, len({e.get("part") for e in self.profile}))
        return declared + profile + POST_WEIGHT * min(POST_MOST, len(self.posts))

    @property
    def evidence(self) -> list[dict]:
        """Skills first (by weight), then profile text, then up to ``POSTS_SHOWN`` posts."""
        skills = sorted(self.skills, key=lambda e: -DECLARED_WEIGHTS.get(e.get("part"), 0))
        return [*skills, *self.profile, *self.posts[:POSTS_SHOWN]]


def ranked(experts) -> list[Expert]:
    """Those with any evidence, best first; ties by name, then actor id."""
    return sorted((e for e in experts if e.score > 0), key=lambda e: (-e.score, e.name.casefold(), e.actor))
