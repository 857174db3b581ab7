"""The expert finder's rules (fedkit/rules/expertise.py): when words match, the excerpt
shown as evidence, and the score — a declared skill outranks any profile text, a profile
part any number of posts — with ties by name."""

from __future__ import annotations

from fedkit.rules.expertise import (
    Expert,
    declared_matches,
    excerpt,
    query_words,
    ranked,
    text_matches,
)


def test_declared_items_match_by_word_beginnings_either_way():
    assert declared_matches(["welding"], "Welding")
    assert declared_matches(["weld"], "TIG welding")  # the query's words begin the item's
    assert declared_matches(query_words("tig welding"), "welding")  # the item is within the query
    assert declared_matches(query_words("Schweißen"), "schweissen") and declared_matches(["ete"], "Été")
    assert not declared_matches(["welding"], "brazing")
    assert not declared_matches(query_words("welding robots"), "welding inspection")
    assert not declared_matches([], "welding") and not declared_matches(["weld"], "  ")


def test_text_needs_every_word_of_the_query():
    assert text_matches(query_words("arc weld"), "Twenty years of arc welding on ships")
    assert not text_matches(query_words("arc weld"), "Twenty years of welding on ships")
    assert not text_matches(["eld"], "welding")  # the beginning of a word, not any part of it


def test_query_words_are_folded_deduplicated_and_capped():
    assert query_words("Welding, WELDING and  Café") == ["welding", "and", "cafe"]
    assert len(query_words(" ".join(f"w{i}" for i in range(20)))) == 8


def test_an_excerpt_is_cut_around_the_word():
    text = "x" * 300 + " welding " + "y" * 300
    cut = excerpt(text, ["welding"], size=60)
    assert "welding" in cut and cut.startswith("…") and cut.endswith("…") and len(cut) <= 62
    assert excerpt("short welding text", ["welding"]) == "short welding text"


def _skill(part="skills", text="welding"):
    return {"kind": "skill", "part": part, "text": text}


def _profile(part="bio"):
    return {"kind": "profile", "part": part, "text": "welding"}


def _post(n):
    return {"kind": "post", "text": f"post {n}", "url": f"https://de.test/objects/{n}"}


def test_a_skill_outranks_any_profile_text_which_outranks_any_posts():
    skilled = Expert("https://de.test/users/bob", "Bob", skills=[_skill()])
    profiled = Expert("https://fr.test/users/alain", "Alain",
                      profile=[_profile("bio"), _profile("title"), _profile("department")])
    prolific = Expert("https://fr.test/users/amelie", "Amelie", posts=[_post(i) for i in range(40)])
    one_field = Expert("https://fr.test/users/zed", "Zed", profile=[_profile()])
    assert [e.name for e in ranked([prolific, one_field, profiled, skilled])] == ["Bob", "Alain", "Zed", "Amelie"]
    assert skilled.score == 100 and profiled.score == 30 and one_field.score == 15 and prolific.score == 10
    # an interest counts less than a skill, and a part counts once however many items match
    assert Expert("a", skills=[_skill("interests"), _skill("interests", "tig welding")]).score == 40
    assert Expert("a", skills=[_skill(), _skill("projects")]).score == 160


def test_ties_go_by_name_and_nobody_without_evidence_is_ranked():
    b = Expert("https://de.test/users/b", "berta", posts=[_post(1)])
    a = Expert("https://de.test/users/a", "Anna", posts=[_post(2)])
    assert [e.name for e in ranked([b, a, Expert("https://x/users/c", "Carl")])] == ["Anna", "berta"]


def test_evidence_lists_skills_by_weight_then_profile_then_three_posts():
    expert = Expert("a", skills=[_skill("languages", "German"), _skill("skills")], profile=[_profile()],
                    posts=[_post(i) for i in range(5)])
    kinds = [(e["kind"], e.get("part")) for e in expert.evidence]
    assert kinds == [("skill", "skills"), ("skill", "languages"), ("profile", "bio"),
                     ("post", None), ("post", None), ("post", None)]
