"""Data-loss prevention rules: the file's format, validation and loading (see dlp.py)."""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from fedkit.runtime.config import Config, read_json_file

log = logging.getLogger(__name__)


BLOCK = "block"
HOLD = "hold"
ACTIONS = (BLOCK, HOLD)
RULE_KEYS = frozenset({"name", "pattern", "tag", "action", "message"})

class RulesError(ValueError):
    """The rules file cannot be used (unreadable, not JSON, or a rule is malformed)."""


@dataclass(frozen=True)
class Rule:
    name: str
    action: str
    message: str
    pattern: re.Pattern | None = None
    tag: str | None = None  # normalised: no '#', casefolded

    def matches(self, text: str, tags: frozenset[str]) -> bool:
        if self.pattern is not None and not self.pattern.search(text):
            return False
        return self.tag is None or self.tag in tags


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...] = ()

    def first_match(self, text: str, tags: frozenset[str]) -> Rule | None:
        """The deciding rule: the first matching block rule, else the first matching hold rule."""
        matched = [r for r in self.rules if r.matches(text, tags)]
        return next((r for r in matched if r.action == BLOCK), matched[0] if matched else None)


def normalise_tag(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().lstrip("#").casefold()


def _default_message(name: str, action: str) -> str:
    if action == BLOCK:
        return f'This post matches the rule "{name}": it cannot leave the group.'
    return f'This post matches the rule "{name}": it waits for an administrator\'s review before it leaves the group.'


def parse_rules(data) -> RuleSet:
    """Validate a rules document; every mistake is reported with the rule it is in."""
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list) or set(data) - {"rules"}:
        raise RulesError('the rules file must be a JSON object {"rules": [...]}')
    rules, names = [], set()
    for index, item in enumerate(data["rules"], start=1):
        where = f"rule {index}"
        if not isinstance(item, dict):
            raise RulesError(f"{where}: must be an object")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise RulesError(f"{where}: needs a name")
        where = f'rule {index} ("{name}")'
        if name in names:
            raise RulesError(f"{where}: another rule has this name")
        names.add(name)
        unknown = set(item) - RULE_KEYS
        if unknown:
            raise RulesError(f"{where}: unknown keys {sorted(unknown)} (allowed: {sorted(RULE_KEYS)})")
        action = item.get("action")
        if action not in ACTIONS:
            raise RulesError(f"{where}: action must be one of {', '.join(ACTIONS)}")
        pattern = tag = None
        if "pattern" in item:
            if not isinstance(item["pattern"], str) or not item["pattern"]:
                raise RulesError(f"{where}: pattern must be a non-empty string")
            try:
                pattern = re.compile(item["pattern"])
            except re.error as exc:
                raise RulesError(f"{where}: the pattern does not compile: {exc}") from None
        if "tag" in item:
            tag = normalise_tag(item["tag"]) if isinstance(item["tag"], str) else ""
            if not tag or any(c.isspace() for c in tag):
                raise RulesError(f"{where}: tag must be one word, e.g. \"confidential\"")
        if pattern is None and tag is None:
            raise RulesError(f"{where}: needs a pattern, a tag, or both")
        message = item.get("message", _default_message(name, action))
        if not isinstance(message, str) or not message.strip():
            raise RulesError(f"{where}: message must be a non-empty string")
        rules.append(Rule(name=name, action=action, message=message, pattern=pattern, tag=tag))
    return RuleSet(tuple(rules))


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> RuleSet:
    return parse_rules(read_json_file(path, RulesError))


def load_rules(config: Config) -> RuleSet:
    """This node's rules (none when ``dlp_rules`` is empty), re-read when the file changes.
    Raises RulesError, naming the file, when it cannot be used."""
    if not config.dlp_rules:
        return RuleSet()
    try:
        return _load(config.dlp_rules, os.stat(config.dlp_rules).st_mtime)
    except OSError as exc:
        raise RulesError(f"ARCHIPEL_DLP_RULES={config.dlp_rules}: cannot read it: {exc.strerror or exc}") from None
    except RulesError as exc:
        raise RulesError(f"ARCHIPEL_DLP_RULES={config.dlp_rules}: {exc}") from None


def check_rules_file(config: Config) -> None:
    """At start: refuse to run with a rules file that cannot be used."""
    try:
        ruleset = load_rules(config)
    except RulesError as exc:
        raise RuntimeError(f"invalid data-loss prevention rules, the outbox will not start: {exc}") from None
    if config.dlp_rules:
        log.info("data-loss prevention: %d rule(s) from %s", len(ruleset.rules), config.dlp_rules)
