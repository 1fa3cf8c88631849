"""What an uploaded image must be, and how it is cleaned. Pure functions (bytes in, bytes out): no database.

Every image is decoded with Pillow, so a renamed non-image is refused, and re-encoded in its own format, so
nothing but pixels (and the colour profile) survives: EXIF (GPS position, camera, owner), XMP and comments are
dropped. A phone photo is first turned upright by its EXIF orientation. Animated GIFs and WebPs stay animated
(every frame is re-encoded). The pixel count is checked from the header, before any pixel is decoded, so a
small file that would decode to gigabytes (a decompression bomb) is refused cheaply.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from kefu.core.errors import BadInput, KefuError, NotFound

MB = 1024 * 1024
MAX_BYTES = 10 * MB
MAX_BODY_BYTES = MAX_BYTES + 64 * 1024  # the multipart framing around the file
MAX_PIXELS = 40_000_000  # one frame: 8000 x 5000 covers every phone camera
MAX_FRAMES = 300
MAX_TOTAL_PIXELS = 120_000_000  # all frames of an animation together
MAX_PER_NOTE = 6  # images on one ticket note (a reply, an internal note, the buyer's message)
BUYER_UPLOADS_PER_HOUR = 30  # a buyer photographing a defect sends a few; more is someone filling the disk
THUMB_BOX = 320  # thumbnails fit 320 x 320 (sharp at 160 CSS px on a 2x screen)
IMAGE_PLACEHOLDER = "[图片]"  # an image message's text: previews, lists and message understanding read it
# Pillow's format name -> the MIME type it is served as
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
THUMB_MIME = "image/webp"
_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# Pillow warns from 89 megapixels; kefu's own cap (MAX_PIXELS) is lower and refuses such images first.
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)


class NotAnImage(KefuError):
    status = 415
    code = "not_an_image"
    zh = "无法识别该图片：仅支持 JPG、PNG、WebP、GIF 格式的图片"
    en = "This file is not a valid image: JPEG, PNG, WebP or GIF only"


class TooLarge(KefuError):
    status = 413
    code = "image_too_large"
    zh = f"图片不能超过 {MAX_BYTES // MB} MB，请压缩后重新发送"
    en = f"Images must be at most {MAX_BYTES // MB} MB: please send a smaller one"


@dataclass(frozen=True)
class CleanImage:
    data: bytes
    mime: str
    width: int
    height: int
    thumb: bytes
    thumb_width: int
    thumb_height: int


def sniff(head: bytes) -> str | None:
    """The image type its first bytes announce (JPEG / PNG / GIF / WebP), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_content_length(value: str | None) -> None:
    """Refuse a request body announced larger than an image may be, before reading any of it."""
    if value is None:
        return
    try:
        length = int(value)
    except ValueError:
        raise BadInput("Content-Length 无效", "Bad Content-Length", code="bad_content_length") from None
    if length > MAX_BODY_BYTES:
        raise TooLarge()


def check_size(size: int) -> None:
    if size <= 0:
        raise BadInput("图片是空文件", "The image file is empty", code="image_empty")
    if size > MAX_BYTES:
        raise TooLarge()


def check_pixels(width: int, height: int, frames: int = 1) -> None:
    """Refuse images whose decoded pixels would be too many (checked from the header, before decoding)."""
    if width <= 0 or height <= 0:
        raise NotAnImage()
    if width * height > MAX_PIXELS or frames > MAX_FRAMES or width * height * frames > MAX_TOTAL_PIXELS:
        raise _too_many_pixels()


def _too_many_pixels() -> KefuError:
    return KefuError(f"图片尺寸过大（最多 {MAX_PIXELS // 10_000} 万像素），请缩小后重新发送",
                     f"Image too large: at most {MAX_PIXELS // 1_000_000} megapixels", code="image_too_many_pixels",
                     status=413)


def check_upload_rate(uploads_last_hour: int) -> None:
    if uploads_last_hour >= BUYER_UPLOADS_PER_HOUR:
        raise KefuError("您发送图片太频繁了，请稍后再试", "Too many images in a short time: please wait a little",
                        code="too_many_uploads", status=429)


def check_note_count(count: int) -> None:
    if count > MAX_PER_NOTE:
        raise BadInput(f"每条最多附 {MAX_PER_NOTE} 张图片", f"At most {MAX_PER_NOTE} images per message",
                       code="too_many_images")


def thumb_size(width: int, height: int, box: int = THUMB_BOX) -> tuple[int, int]:
    """The size of a thumbnail fitting box x box, keeping the aspect; never larger than the image."""
    scale = min(1.0, box / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def clean_key(value: object) -> str:
    """An attachment id from a request. Anything that could not be one is simply not found."""
    if not isinstance(value, str) or not _KEY.match(value):
        raise NotFound("图片不存在", "Image not found", code="attachment_not_found")
    return value


def urls(key: str) -> dict:
    return {"url": f"/api/attachments/{key}", "thumb_url": f"/api/attachments/{key}/thumb"}


def public(meta: dict) -> dict:
    """An attachment as messages show it: its metadata and the two URLs (served only to those allowed)."""
    return {**meta, **urls(meta["id"])}


# ---- decoding and re-encoding (Pillow) ---------------------------------------------------------------------


def process(data: bytes) -> CleanImage:
    """Verify ``data`` is an image kefu accepts and return it re-encoded without metadata, with a thumbnail."""
    check_size(len(data))
    mime = sniff(data[:16])
    if mime is None:
        raise NotAnImage()
    fmt = next(name for name, m in FORMATS.items() if m == mime)
    try:
        with Image.open(io.BytesIO(data), formats=[fmt]) as img:
            frames = getattr(img, "n_frames", 1)
            check_pixels(img.width, img.height, frames)
            if frames > 1:
                out, first = _animated(img, fmt)
            else:
                img.load()
                first = ImageOps.exif_transpose(img)
                out = _still(first, fmt, img.info.get("icc_profile"))
            thumb = _thumbnail(first)
            width, height = first.size
    except KefuError:
        raise
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels() from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError,
            IndexError, TypeError, KeyError) as exc:
        raise NotAnImage() from exc
    return CleanImage(out, mime, width, height, thumb.getvalue(), *_size_of(thumb))


def _size_of(thumb: io.BytesIO) -> tuple[int, int]:
    with Image.open(thumb) as im:
        return im.size


KEEP_INFO = ("transparency",)  # what a palette image needs to look the same; every other key is metadata


def _still(img: Image.Image, fmt: str, icc: bytes | None) -> bytes:
    buf = io.BytesIO()
    img = img.copy()
    img.info = {k: v for k, v in img.info.items() if k in KEEP_INFO}  # JPEG writes im.info's comment back
    extra = {"icc_profile": icc} if icc else {}
    if fmt == "JPEG":
        img = img if img.mode in ("RGB", "L") else img.convert("RGB")
        img.save(buf, format="JPEG", quality=90, **extra)
    elif fmt == "PNG":
        img.save(buf, format="PNG", **extra)
    elif fmt == "WEBP":
        img = img if img.mode in ("RGB", "RGBA") else img.convert("RGBA")
        img.save(buf, format="WEBP", quality=90, **extra)
    else:  # a one-frame GIF
        img.save(buf, format="GIF")
    return buf.getvalue()


def _animated(img: Image.Image, fmt: str) -> tuple[bytes, Image.Image]:
    frames, durations = [], []
    for frame in ImageSequence.Iterator(img):
        durations.append(int(frame.info.get("duration") or 100))
        copy = frame.convert("RGBA")
        copy.info = {}  # no comment / XMP / EXIF carried over
        frames.append(copy)
    buf = io.BytesIO()
    opts = {"quality": 90} if fmt == "WEBP" else {"disposal": 2}
    frames[0].save(buf, format=fmt, save_all=True, append_images=frames[1:], duration=durations, loop=0, **opts)
    return buf.getvalue(), frames[0]


def _thumbnail(img: Image.Image) -> io.BytesIO:
    alpha = img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
    thumb = img.convert("RGBA" if alpha else "RGB")
    thumb.thumbnail(thumb_size(*img.size), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    thumb.save(buf, format="WEBP", quality=80)
    buf.seek(0)
    return buf
