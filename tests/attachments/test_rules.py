"""The pure checks on uploaded images: type by content, size, pixel count, metadata stripped, thumbnails."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from kefu.attachments import rules
from kefu.core.errors import KefuError, NotFound
from tests.attachments.images import GPS_TAG, animated_gif, opened, photo


@pytest.mark.parametrize("fmt,mime", [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp"),
                                      ("GIF", "image/gif")])
def test_each_accepted_format_is_verified_and_kept_in_its_type(fmt, mime):
    out = rules.process(photo(fmt=fmt))
    assert out.mime == mime and (out.width, out.height) == (64, 48)
    assert opened(out.data).format == fmt
    thumb = opened(out.thumb)
    assert thumb.format == "WEBP" and thumb.size == (out.thumb_width, out.thumb_height) == (64, 48)


def test_a_renamed_text_file_is_not_an_image():
    with pytest.raises(rules.NotAnImage) as err:
        rules.process(b"this is my order list, not a photo\n" * 10)
    assert err.value.status == 415 and "JPG" in err.value.zh


def test_a_truncated_jpeg_with_a_real_header_is_refused():
    data = photo(size=(400, 300))
    with pytest.raises(rules.NotAnImage):
        rules.process(data[:200])


def test_svg_and_other_formats_are_refused():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    bmp = io.BytesIO()
    Image.new("RGB", (4, 4)).save(bmp, format="BMP")
    for data in (svg, bmp.getvalue()):
        with pytest.raises(rules.NotAnImage):
            rules.process(data)


def test_gps_and_camera_exif_are_stripped_and_the_photo_turned_upright():
    data = photo(size=(60, 20), gps=True, orientation=6)  # 6: the phone was held sideways
    assert opened(data).getexif().get(GPS_TAG) is not None
    out = rules.process(data)
    img = opened(out.data)
    assert not img.getexif() and "exif" not in img.info
    assert img.size == (20, 60) == (out.width, out.height)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_no_metadata_survives_in_any_format(fmt):
    from PIL import PngImagePlugin

    extra = {"JPEG": {"comment": b"owner: Zhang San 13800138000"},
             "PNG": {"pnginfo": PngImagePlugin.PngInfo()}, "WEBP": {"xmp": b"<x:xmpmeta>secret</x:xmpmeta>"}}[fmt]
    if fmt == "PNG":
        extra["pnginfo"].add_text("Author", "Zhang San 13800138000")
    data = photo(fmt=fmt, gps=True, **extra)
    before = opened(data)
    assert before.getexif().get(GPS_TAG) is not None
    img = opened(rules.process(data).data)
    assert not img.getexif()
    assert not {"exif", "xmp", "comment", "Author"} & set(img.info), img.info


def test_animated_gif_stays_animated_without_its_comment():
    out = rules.process(animated_gif(frames=4))
    img = opened(out.data)
    assert img.format == "GIF" and img.n_frames == 4
    assert "comment" not in img.info


def test_animated_webp_stays_animated():
    frames = [Image.new("RGB", (30, 20), (i * 80, 90, 160)) for i in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, format="WEBP", save_all=True, append_images=frames[1:], duration=100, loop=0)
    out = rules.process(buf.getvalue())
    assert out.mime == "image/webp" and opened(out.data).n_frames == 3


def test_size_limits():
    with pytest.raises(KefuError) as empty:
        rules.check_size(0)
    assert empty.value.status == 422
    rules.check_size(rules.MAX_BYTES)
    with pytest.raises(rules.TooLarge) as big:
        rules.check_size(rules.MAX_BYTES + 1)
    assert big.value.status == 413 and "10 MB" in big.value.zh
    rules.check_content_length(None)
    rules.check_content_length(str(rules.MAX_BODY_BYTES))
    with pytest.raises(rules.TooLarge):
        rules.check_content_length(str(50 * rules.MB))


def test_decompression_bomb_is_refused_from_its_header():
    # 10000 x 10000 pixels of one colour compress to a small PNG but would decode to 300 MB.
    buf = io.BytesIO()
    Image.new("L", (10000, 10000)).save(buf, format="PNG")
    assert len(buf.getvalue()) < rules.MAX_BYTES
    with pytest.raises(KefuError) as err:
        rules.process(buf.getvalue())
    assert err.value.status == 413 and err.value.code == "image_too_many_pixels"
    with pytest.raises(KefuError):
        rules.check_pixels(100, 100, frames=rules.MAX_FRAMES + 1)


def test_thumbnail_fits_the_box_and_keeps_the_aspect():
    assert rules.thumb_size(4000, 3000) == (320, 240)
    assert rules.thumb_size(300, 1200) == (80, 320)
    assert rules.thumb_size(100, 50) == (100, 50)  # never enlarged


def test_sniff_and_keys():
    assert rules.sniff(b"\xff\xd8\xff\xe0") == "image/jpeg"
    assert rules.sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert rules.sniff(b"%PDF-1.7") is None
    for bad in ("1", "../../etc/passwd", "a" * 65, 7, None):
        with pytest.raises(NotFound):
            rules.clean_key(bad)
    assert rules.public({"id": "k" * 32})["thumb_url"] == f"/api/attachments/{'k' * 32}/thumb"
