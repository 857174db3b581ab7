"""Uploaded files as they are kept (services/api/media_processing.py): metadata gone,
sizes bounded, blurhash present, the type read from the content, refusals in words."""

from __future__ import annotations

import io
import zipfile

import pytest
from PIL import Image

from services.api.media_processing import (
    ORIGINAL_SIDE,
    SMALL_SIDE,
    MediaRefused,
    content_type,
    process,
)

MB = 1024 * 1024
GPS_IFD = 0x8825


def photo(width=3000, height=2000, fmt="JPEG", orientation=None, mode="RGB") -> bytes:
    """A photo as a phone writes it: EXIF with a camera, GPS coordinates, an orientation."""
    image = Image.new(mode, (width, height), (30, 120, 200) if mode == "RGB" else (30, 120, 200, 128))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0131] = "SecretSoftware 1.0"  # Software
    exif[GPS_IFD] = {1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)}
    if orientation:
        exif[0x0112] = orientation
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes())
    return out.getvalue()


def test_a_jpeg_loses_its_exif_and_gps_and_is_resized():
    data = photo()
    assert Image.open(io.BytesIO(data)).getexif().get(0x010F) == "PhoneMaker"  # the input has it
    kept = process(data, max_bytes=16 * MB)
    assert kept.kind == "image" and kept.original.mime == "image/jpeg"
    image = Image.open(io.BytesIO(kept.original.data))
    assert max(image.size) == ORIGINAL_SIDE and image.size == (1920, 1280)
    assert not image.getexif() and "exif" not in image.info
    assert b"PhoneMaker" not in kept.original.data and b"SecretSoftware" not in kept.original.data
    small = Image.open(io.BytesIO(kept.small.data))
    assert max(small.size) == SMALL_SIDE and not small.getexif()
    assert kept.meta["original"] == {"width": 1920, "height": 1280, "size": "1920x1280", "aspect": 1.5}
    assert kept.meta["small"]["width"] == SMALL_SIDE
    assert kept.meta["focus"] == {"x": 0.0, "y": 0.0}
    assert isinstance(kept.blurhash, str) and len(kept.blurhash) >= 6


def test_orientation_is_applied_then_dropped():
    kept = process(photo(400, 200, orientation=6), max_bytes=16 * MB)  # 6: rotate 90° clockwise
    image = Image.open(io.BytesIO(kept.original.data))
    assert image.size == (200, 400) and 0x0112 not in image.getexif()


@pytest.mark.parametrize("fmt,mime", [("PNG", "image/png"), ("WEBP", "image/webp"), ("GIF", "image/gif")])
def test_other_image_formats_keep_their_format_without_metadata(fmt, mime):
    mode = "RGB" if fmt != "GIF" else "P"
    image = Image.new(mode, (2400, 600))
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "secret maker"
    options = {"exif": exif.tobytes()} if fmt != "GIF" else {"comment": b"secret"}
    image.save(out, format=fmt, **options)
    assert b"secret" in out.getvalue()  # the input carries it
    kept = process(out.getvalue(), max_bytes=16 * MB)
    assert kept.original.mime == mime
    assert Image.open(io.BytesIO(kept.original.data)).size == (1920, 480)
    assert b"secret" not in kept.original.data and kept.blurhash


def test_small_images_are_not_enlarged():
    kept = process(photo(300, 200), max_bytes=16 * MB)
    assert Image.open(io.BytesIO(kept.original.data)).size == (300, 200)
    assert kept.small is not None and Image.open(io.BytesIO(kept.small.data)).size == (300, 200)


def test_an_animated_gif_keeps_its_frames():
    frames = [Image.new("RGB", (50, 50), color) for color in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:], duration=80, loop=0)
    kept = process(out.getvalue(), max_bytes=16 * MB)
    assert Image.open(io.BytesIO(kept.original.data)).n_frames == 3


def test_a_pdf_is_a_plain_attachment_by_its_content():
    pdf = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    kept = process(pdf, max_bytes=16 * MB)
    assert kept.kind == "unknown" and kept.original.mime == "application/pdf" and kept.original.data == pdf
    assert kept.small is None and kept.blurhash is None


def test_an_office_file_is_recognised_by_its_content():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    kept = process(out.getvalue(), max_bytes=16 * MB)
    assert kept.kind == "unknown" and kept.original.extension == "docx"


@pytest.mark.parametrize("data", [
    b"<html><script>alert(1)</script></html>",  # whatever the app declared, not a document
    b"MZ\x90\x00\x03\x00\x00\x00",  # a Windows executable
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,  # a PNG's signature and nothing that decodes
    b"\xff\xd8\xff\xe0" + b"garbage" * 20,  # a JPEG's signature, then garbage
])
def test_what_is_not_a_kept_type_or_does_not_decode_is_refused(data):
    with pytest.raises(MediaRefused):
        process(data, max_bytes=16 * MB)


def test_an_empty_or_oversized_file_is_refused():
    with pytest.raises(MediaRefused, match="empty"):
        process(b"", max_bytes=MB)
    with pytest.raises(MediaRefused, match="too large"):
        process(photo(100, 100) + b"\x00" * MB, max_bytes=MB)


def test_a_decompression_bomb_is_refused():
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, format="PNG")  # 100 Mpx in a small file
    assert len(out.getvalue()) < MB
    with pytest.raises(MediaRefused, match="too large"):
        process(out.getvalue(), max_bytes=16 * MB)


def test_content_type_reads_magic_numbers():
    assert content_type(photo(10, 10)) == "image/jpeg"
    assert content_type(b"plain text") is None
