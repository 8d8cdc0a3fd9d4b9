"""Pictures made on the spot with Pillow, for upload tests."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

GPS_IFD = 0x8825
EXIF_IFD = 0x8769
ORIENTATION = 0x0112


def picture_bytes(size=(1200, 800), fmt="JPEG", mode="RGB", exif=None, **options):
    picture = Image.new(mode, size, (30, 90, 160) if mode == "RGB" else (30, 90, 160, 128))
    draw = ImageDraw.Draw(picture)
    draw.rectangle((size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2), fill="orange")
    buffer = io.BytesIO()
    if exif is not None:
        options["exif"] = exif
    picture.save(buffer, fmt, **options)
    return buffer.getvalue()


def jpeg_with_secrets(size=(1200, 800), orientation=1):
    """A JPEG carrying a GPS position, a camera serial number and an owner's name."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[0x013B] = "Jane Source"  # Artist
    exif[0x010F] = "Camera Maker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)})
    exif.get_ifd(EXIF_IFD).update({0xA431: "SERIAL-123456", 0xA430: "Jane Source"})
    return picture_bytes(size, exif=exif.tobytes())


def bomb_png(width=40_000, height=40_000):
    """A tiny PNG whose header claims an enormous picture."""
    small = picture_bytes((1, 1), "PNG")
    header = struct.pack(">II", width, height) + small[24:29]
    chunk = b"IHDR" + header
    patched = small[:12] + chunk + struct.pack(">I", zlib.crc32(chunk)) + small[33:]
    return patched


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)
