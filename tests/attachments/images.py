"""Small real images made with Pillow for the attachment tests."""

from __future__ import annotations

import io

from PIL import Image

GPS_TAG = 0x8825


def photo(size=(64, 48), fmt="JPEG", *, gps: bool = False, orientation: int | None = None, color=(200, 40, 40),
          **save) -> bytes:
    img = Image.new("RGB", size, color)
    exif = Image.Exif()
    if gps:
        exif[GPS_TAG] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 4.0)}
        exif[0x010F] = "PhoneMaker"  # camera make
    if orientation:
        exif[0x0112] = orientation
    buf = io.BytesIO()
    img.save(buf, format=fmt, **({"exif": exif.tobytes()} if (gps or orientation) else {}), **save)
    return buf.getvalue()


def animated_gif(frames: int = 3, size=(40, 30)) -> bytes:
    imgs = [Image.new("RGB", size, (i * 60 % 255, 100, 200)) for i in range(frames)]
    buf = io.BytesIO()
    imgs[0].save(buf, format="GIF", save_all=True, append_images=imgs[1:], duration=120, loop=0,
                 comment=b"secret comment")
    return buf.getvalue()


def opened(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img
