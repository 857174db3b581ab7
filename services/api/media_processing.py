"""What an uploaded file becomes before it is kept: pure functions, no storage, no HTTP.

The type is decided by the file's content (its magic numbers, ``filetype``), never by the
name or the type the app declared. Images (JPEG, PNG, GIF, WebP) are decoded and encoded
again with Pillow: turned upright by their EXIF orientation, converted to sRGB, at most
``ORIGINAL_SIDE`` px on the long side, and written without any metadata (EXIF, GPS, XMP,
comments), plus a ``SMALL_SIDE`` preview and a blurhash (docs.joinmastodon.org/entities/
MediaAttachment/: ``meta.original``, ``meta.small``, ``blurhash``). Documents (PDF, office
files) are kept as they came and shown as ``type: unknown``. Anything else, or a file that
does not decode, is refused with a sentence an app can show (the api answers 422).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import blurhash
import filetype
from PIL import Image, ImageCms, ImageOps, ImageSequence

ORIGINAL_SIDE = 1920  # the long side of a kept image
SMALL_SIDE = 640  # the long side of its preview
MATRIX_LIMIT = 33_177_600  # width x height of a decoded image, 7680 x 4320 (Mastodon's)
IMAGE_TYPES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}
DOCUMENT_TYPES = frozenset({
    "application/pdf",
    "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
})
SUPPORTED_TYPES = (*IMAGE_TYPES, *sorted(DOCUMENT_TYPES))


class MediaRefused(ValueError):
    """The file cannot be kept; the message says why, in words an app can show."""


@dataclass(frozen=True)
class Rendition:
    data: bytes
    mime: str
    width: int | None = None
    height: int | None = None

    @property
    def extension(self) -> str:
        known = filetype.get_type(mime=self.mime)
        return known.extension if known is not None else "bin"

    def meta(self) -> dict:
        if not self.width or not self.height:
            return {}
        return {"width": self.width, "height": self.height, "size": f"{self.width}x{self.height}",
                "aspect": round(self.width / self.height, 6)}


@dataclass(frozen=True)
class Processed:
    kind: str  # "image" or "unknown" (Mastodon's MediaAttachment types)
    original: Rendition
    small: Rendition | None = None
    blurhash: str | None = None
    meta: dict = field(default_factory=dict)


def content_type(data: bytes) -> str | None:
    """The media type the content itself shows (magic numbers), or None."""
    return filetype.guess_mime(data[:8192] if len(data) > 8192 else data) if data else None


def process(data: bytes, *, max_bytes: int) -> Processed:
    """The file as it will be kept, or ``MediaRefused``."""
    if not data:
        raise MediaRefused("The file is empty")
    if len(data) > max_bytes:
        raise MediaRefused(f"File is too large: the limit is {max_bytes // (1024 * 1024)} MB")
    mime = content_type(data)
    if mime in IMAGE_TYPES:
        return _image(data, mime)
    if mime in DOCUMENT_TYPES:
        return Processed(kind="unknown", original=Rendition(data, mime))
    raise MediaRefused("File type not supported: images (JPEG, PNG, GIF, WebP), PDF and office documents")


def _open(data: bytes, mime: str) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data), formats=[IMAGE_TYPES[mime]])
        if image.width * image.height > MATRIX_LIMIT:
            raise MediaRefused(f"The image is too large: at most {MATRIX_LIMIT} pixels")
        image.load()
    except MediaRefused:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, EOFError):
        raise MediaRefused("The file could not be read as an image") from None
    return image


def _srgb(image: Image.Image) -> Image.Image:
    """The image in sRGB, when it carries another colour profile (phones shoot Display P3);
    the profile itself is not kept."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        return ImageCms.profileToProfile(image, ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                                         ImageCms.createProfile("sRGB"), outputMode=image.mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image


def _still(image: Image.Image, pil_format: str) -> Image.Image:
    """A fresh, upright, sRGB copy in a mode the format writes, with no metadata."""
    upright = ImageOps.exif_transpose(image) or image
    if upright.mode not in ("RGB", "RGBA", "L", "LA", "P"):
        upright = upright.convert("RGBA" if "A" in upright.getbands() else "RGB")
    if upright.mode == "P" and pil_format in ("JPEG", "WEBP"):
        upright = upright.convert("RGBA" if "transparency" in upright.info else "RGB")
    if pil_format == "JPEG" and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    upright = _srgb(upright)
    upright.thumbnail((ORIGINAL_SIDE, ORIGINAL_SIDE), Image.Resampling.LANCZOS)
    return _bare(upright)


def _bare(image: Image.Image) -> Image.Image:
    """The same pixels with nothing else: ``info`` is what encoders copy metadata from."""
    clean = image.copy()
    clean.info = {k: v for k, v in image.info.items() if k in ("transparency", "duration", "loop")}
    return clean


def _encode(image: Image.Image, pil_format: str, **options) -> bytes:
    out = io.BytesIO()
    if pil_format == "JPEG":
        options.setdefault("quality", 85)
        options.setdefault("optimize", True)
    elif pil_format == "WEBP":
        options.setdefault("quality", 85)
    image.save(out, format=pil_format, **options)
    return out.getvalue()


def _animated(image: Image.Image, pil_format: str) -> tuple[bytes, Image.Image]:
    """Every frame resized and written again (GIF, WebP animations), and the first frame."""
    frames, durations = [], []
    for frame in ImageSequence.Iterator(image):
        still = frame.convert("RGBA")
        still.thumbnail((ORIGINAL_SIDE, ORIGINAL_SIDE), Image.Resampling.LANCZOS)
        frames.append(_bare(still))
        durations.append(frame.info.get("duration", 100))
    data = _encode(frames[0], pil_format, save_all=True, append_images=frames[1:], duration=durations,
                   loop=image.info.get("loop", 0), disposal=2 if pil_format == "GIF" else 0)
    return data, frames[0]


def _image(data: bytes, mime: str) -> Processed:
    pil_format = IMAGE_TYPES[mime]
    image = _open(data, mime)
    try:
        if getattr(image, "n_frames", 1) > 1:
            encoded, first = _animated(image, pil_format)
            width, height = first.size
        else:
            first = _still(image, pil_format)
            encoded = _encode(first, pil_format)
            width, height = first.size
        preview = first.convert("RGBA" if "A" in first.getbands() else "RGB")
        preview.thumbnail((SMALL_SIDE, SMALL_SIDE), Image.Resampling.LANCZOS)
        opaque = "A" not in preview.getbands()
        small = Rendition(_encode(_bare(preview), "JPEG" if opaque else "PNG"),
                          "image/jpeg" if opaque else "image/png", *preview.size)
        hash_ = blurhash.encode(preview.convert("RGB"), x_components=4, y_components=3)
    except MediaRefused:
        raise
    except (OSError, SyntaxError, ValueError, EOFError):
        raise MediaRefused("The file could not be read as an image") from None
    original = Rendition(encoded, mime, width, height)
    meta = {"original": original.meta(), "small": small.meta(), "focus": {"x": 0.0, "y": 0.0}}
    return Processed(kind="image", original=original, small=small, blurhash=hash_, meta=meta)
