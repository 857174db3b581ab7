"""The web app's composer beyond text, in-process against the real node: images and
documents uploaded through the API with their descriptions, polls composed and voted on,
and editing one's own post with its history (tests/unit/web_support.py)."""

from __future__ import annotations

import re

import pytest

from tests.unit.web_support import (
    csrf_of,
    local_path,
    page,
    post_as,
    sign_in,
    status_ids,
    submit,
    web_node,
    with_dlp_rules,
)


@pytest.fixture
def web(node, monkeypatch):
    return web_node(node, monkeypatch)


def _png(colour: str = "teal") -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 24), colour).save(out, "PNG")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def compose_with_files(browser, node, files, **fields):
    import io

    form = page(browser, node, "/web/compose")
    data = {"csrf": csrf_of(form.text), "visibility": "group", "key": "", **fields,
            "media": [(io.BytesIO(content), name) for name, content in files]}
    return browser.post("/web/compose", base_url=node.base, data=data, content_type="multipart/form-data")


def test_the_composer_uploads_images_with_their_description_and_documents(web):
    alice = sign_in(web, "alice")
    form = page(alice, web, "/web/compose").text
    assert 'enctype="multipart/form-data"' in form  # works without JavaScript
    [picker] = re.findall(r'<input[^>]*type="file"[^>]*>', form)
    assert 'name="media"' in picker and "multiple" in picker
    assert form.count('name="description"') == 4
    resp = compose_with_files(alice, web, [("hall.png", _png()), ("plan.pdf", PDF)], status="The new hall",
                              description=["The new hall, seen from the gate", "Floor plan", "", ""])
    assert resp.status_code == 303, resp.text
    web.run()
    stream = page(alice, web, "/web/home?tab=group").text
    assert "The new hall" in stream
    image = re.search(r'<img src="([^"]+)" alt="The new hall, seen from the gate"', stream)
    assert image, stream
    assert re.search(r'<a class="file" href="[^"]+">Floor plan</a>', stream)
    src = image.group(1).replace("&amp;", "&")
    assert alice.get(local_path(src), base_url=web.base).status_code == 200  # the browser loads it


def test_a_photo_alone_is_a_post_and_may_be_larger_than_a_form(web):
    import os

    from PIL import Image

    photo = Image.frombytes("RGB", (720, 720), os.urandom(720 * 720 * 3))  # noise: a PNG of 1.5 MB
    big = __import__("io").BytesIO()
    photo.save(big, "PNG")
    assert big.tell() > web.config.max_body_bytes
    alice = sign_in(web, "alice")
    resp = compose_with_files(alice, web, [("photo.png", big.getvalue())], status="",
                              description=["An orange square", "", "", ""])
    assert resp.status_code == 303, resp.text
    web.run()
    assert 'alt="An orange square"' in page(alice, web, "/web/home?tab=group").text


def test_too_many_files_or_a_refused_one_are_explained_and_the_text_kept(web):
    alice = sign_in(web, "alice")
    five = compose_with_files(alice, web, [(f"p{n}.png", _png()) for n in range(5)], status="Five photos")
    assert five.status_code == 422 and "at most 4 files" in five.text and "Five photos" in five.text
    text = compose_with_files(alice, web, [("notes.txt", b"just some text")], status="A text file")
    assert text.status_code == 422 and "File type not supported" in text.text and "A text file" in text.text
    web.run()
    assert "Five photos" not in page(alice, web, "/web/home?tab=group").text


def test_a_refused_post_keeps_its_uploaded_files_for_the_corrected_one(web, monkeypatch, tmp_path):
    with_dlp_rules(web, monkeypatch, tmp_path, {"rules": [
        {"name": "confidential", "tag": "confidential", "action": "block", "message": "Stays inside"}]})
    alice = sign_in(web, "alice")
    blocked = compose_with_files(alice, web, [("chart.png", _png())], status="Chart #confidential",
                                 visibility="public", description=["A rising chart", "", "", ""])
    assert blocked.status_code == 422 and "Stays inside" in blocked.text
    kept = re.findall(r'name="media_id" value="([^"]+)"', blocked.text)
    assert len(kept) == 1 and "1 file already uploaded goes with the post." in blocked.text
    again = submit(alice, web, "/web/compose", blocked, status="Chart", visibility="group", media_id=kept, key="")
    assert again.status_code == 303
    web.run()
    assert 'alt="A rising chart"' in page(alice, web, "/web/home?tab=group").text


def test_a_poll_is_composed_voted_on_and_its_results_shown_with_percentages(web):
    alice = sign_in(web, "alice")
    form = page(alice, web, "/web/compose").text
    assert form.count('name="poll_option"') == 4 and 'name="poll_expires_in"' in form
    resp = submit(alice, web, "/web/compose", page(alice, web, "/web/compose"), status="Lunch on Friday?",
                  visibility="group", key="", poll_option=["Pizza", "Salad", "", ""], poll_expires_in="86400")
    assert resp.status_code == 303, resp.text
    web.run()
    [status_id] = status_ids(page(alice, web, "/web/home?tab=group").text)
    own = page(alice, web, f"/web/statuses/{status_id}").text
    assert 'name="choices"' not in own  # one does not vote in one's own poll: the results
    assert re.search(r"Pizza.*?0%", own, re.S)
    bob = sign_in(web, "bob")
    view = page(bob, web, f"/web/statuses/{status_id}")
    choices = re.findall(r'<input type="radio" name="choices" value="(\d)"', view.text)
    assert choices == ["0", "1"]
    vote_path = re.search(r'action="(/web/polls/[^"]+/votes)"', view.text).group(1)
    voted = submit(bob, web, vote_path, view, choices="1", next=f"/web/statuses/{status_id}")
    assert voted.status_code == 303 and voted.headers["Location"] == f"/web/statuses/{status_id}"
    web.run()
    for reader in (bob, alice):
        results = page(reader, web, f"/web/statuses/{status_id}").text
        assert 'name="choices"' not in results
        assert re.search(r"Salad.*?100%", results, re.S) and re.search(r"Pizza.*?0%", results, re.S)
        assert re.search(r'<progress[^>]*max="100"[^>]*value="100"', results)
        assert "1 vote" in results
    again = submit(bob, web, vote_path, view, choices="0", next=f"/web/statuses/{status_id}")
    assert again.status_code == 422 and "already voted" in again.text  # the API's answer, as a page


def test_a_poll_needs_two_options_and_goes_without_files(web):
    alice = sign_in(web, "alice")
    one = submit(alice, web, "/web/compose", page(alice, web, "/web/compose"), status="Yes?", visibility="group",
                 key="", poll_option=["Yes", "", "", ""], poll_expires_in="3600")
    assert one.status_code == 422 and "A poll needs at least two options." in one.text
    assert 'value="Yes"' in one.text  # the options are kept to complete them
    both = compose_with_files(alice, web, [("p.png", _png())], status="Both", poll_option=["A", "B", "", ""],
                              poll_expires_in="3600")
    assert both.status_code == 422 and "A post carries either files or a poll, not both." in both.text


def test_the_author_edits_a_post_shown_as_edited_with_its_history(web):
    alice = sign_in(web, "alice")
    post_as(alice, web, "The meeting is on Monday", "group")
    web.run()
    [status_id] = status_ids(page(alice, web, "/web/home?tab=group").text)
    view = page(alice, web, f"/web/statuses/{status_id}").text
    assert f'href="/web/statuses/{status_id}/edit"' in view and "/history" not in view
    bob = sign_in(web, "bob")
    assert "/edit" not in page(bob, web, f"/web/statuses/{status_id}").text  # only the author's
    assert page(bob, web, f"/web/statuses/{status_id}/edit").status_code == 404
    form = page(alice, web, f"/web/statuses/{status_id}/edit")
    assert form.status_code == 200 and "The meeting is on Monday</textarea>" in form.text
    resp = submit(alice, web, f"/web/statuses/{status_id}/edit", form, status="The meeting is on Tuesday",
                  spoiler_text="")
    assert resp.status_code == 303 and resp.headers["Location"] == f"/web/statuses/{status_id}?notice=edited"
    web.run()
    after = page(alice, web, local_path(resp.headers["Location"])).text
    assert "The meeting is on Tuesday" in after and "Your changes are published." in after
    assert re.search(rf'<a class="edited" href="/web/statuses/{status_id}/history">Edited', after)
    assert 'class="edited"' in page(bob, web, "/web/home?tab=group").text  # everyone sees it was edited
    history = page(bob, web, f"/web/statuses/{status_id}/history").text
    assert history.index("The meeting is on Tuesday") < history.index("The meeting is on Monday")  # newest first
    forged = bob.post(f"/web/statuses/{status_id}/edit", base_url=web.base,
                      data={"csrf": csrf_of(history), "status": "Hijacked"})
    assert forged.status_code == 403 and "Hijacked" not in page(bob, web, f"/web/statuses/{status_id}").text


def test_an_edit_the_data_loss_rules_refuse_is_explained(web, monkeypatch, tmp_path):
    with_dlp_rules(web, monkeypatch, tmp_path, {"rules": [
        {"name": "confidential", "tag": "confidential", "action": "block", "message": "Stays inside"}]})
    alice = sign_in(web, "alice")
    post_as(alice, web, "Open figures", "public")
    web.run()
    [status_id] = status_ids(page(alice, web, "/web/home?tab=node").text)
    form = page(alice, web, f"/web/statuses/{status_id}/edit")
    refused = submit(alice, web, f"/web/statuses/{status_id}/edit", form, status="Figures #confidential")
    assert refused.status_code == 422 and "Stays inside" in refused.text and "Figures #confidential" in refused.text
