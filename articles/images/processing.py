"""
Uploads in, safe files out.

An upload is judged by its content (Pillow decodes it), never by its name. What
is stored is never the upload itself: the picture is turned upright by its EXIF
orientation, converted to sRGB, and encoded again with no metadata at all, so no
GPS position, camera serial or owner name reaches a reader. Renditions are made
from that clean picture, at fixed widths, never larger than the original.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, ImageCms, ImageFile, ImageOps

ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated file is refused, not half-read

ACCEPTED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "GIF": "GIF", "MPO": "JPEG"}
CROP_RATIO = 3 / 2  # listing thumbnails
THUMB_WIDTHS = (320, 640)
# Crops for sharing and structured data: Google asks for 16:9, 4:3 and 1:1 versions
# of an article's picture, at least 1,200 px wide where the original allows.
CARD_RATIOS = {"16x9": 16 / 9, "4x3": 4 / 3, "1x1": 1.0}
CARD_WIDTH = 1200
SRGB = ImageCms.createProfile("sRGB")


@dataclass
class Rendition:
    name: str
    data: bytes
    width: int
    height: int
    content_type: str


@dataclass
class CleanImage:
    """A decoded, upright, sRGB picture and the metadata-free file stored for it."""

    picture: Image.Image
    data: bytes
    extension: str
    content_type: str
    has_alpha: bool
    digest: str = field(default="")


def human_size(size):
    return f"{size / 1_048_576:.1f} MB" if size >= 1_048_576 else f"{size / 1024:.0f} KB"


def _refuse(message, code):
    raise ValidationError(message, code=code)


def open_upload(upload):
    """Decode an upload completely, or refuse it with a message an editor can act on."""
    size = getattr(upload, "size", None)
    limit = settings.IMAGE_MAX_UPLOAD_BYTES
    if size is not None and size > limit:
        _refuse(
            f"The file is {human_size(size)}; the limit is {human_size(limit)}. "
            "Export a smaller version and try again.",
            "too_big",
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # Past the pixel limit Pillow only warns; the check below refuses with the size.
            # Past twice the limit it raises DecompressionBombError: a bomb.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            probe = Image.open(upload)
            fmt = probe.format
            width, height = probe.size
            if fmt not in ACCEPTED_FORMATS:
                _refuse(
                    f"{fmt or 'This'} files are not accepted: upload a JPEG, PNG, WebP or "
                    "GIF picture.",
                    "format",
                )
            if width * height > settings.IMAGE_MAX_PIXELS:
                _refuse(
                    f"The picture is {width} × {height} pixels "
                    f"({width * height / 1e6:.0f} megapixels); the limit is "
                    f"{settings.IMAGE_MAX_PIXELS / 1e6:.0f} megapixels.",
                    "pixels",
                )
            probe.verify()  # checks the file's structure without decoding
            upload.seek(0)
            picture = Image.open(upload)
            picture.load()  # decodes every pixel: a truncated file fails here
    except ValidationError:
        raise
    except Image.DecompressionBombError:
        _refuse(
            "The picture claims to be far larger than its file: it looks like a "
            "decompression bomb and was refused.",
            "bomb",
        )
    except Image.UnidentifiedImageError:
        _refuse(
            "This file is not a picture we can read: upload a JPEG, PNG, WebP or GIF "
            "(SVG and other formats are not accepted).",
            "format",
        )
    except (OSError, SyntaxError, ValueError, EOFError):
        _refuse(
            "The picture is damaged or incomplete (perhaps the upload was cut off). "
            "Export it again and retry.",
            "corrupt",
        )
    return picture


def clean(upload, picture=None):
    """The upright, sRGB, metadata-free picture for an accepted upload.

    ``picture`` is the upload already decoded by ``open_upload``, to avoid doing it twice.
    """
    picture = picture or open_upload(upload)
    ImageOps.exif_transpose(picture, in_place=True)
    if picture.info.get("icc_profile"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(picture.info["icc_profile"]))
            mode = "RGBA" if "A" in picture.getbands() else "RGB"
            picture = ImageCms.profileToProfile(
                picture.convert(mode), source, SRGB, outputMode=mode
            )
        except (ImageCms.PyCMSError, OSError):
            pass  # an unreadable profile: keep the pixels as they are
    has_alpha = picture.mode in {"RGBA", "LA", "PA"} or (
        picture.mode == "P" and "transparency" in picture.info
    )
    target = "RGBA" if has_alpha else "RGB"
    if picture.mode != target:
        picture = picture.convert(target)
    picture.info = {}  # nothing from the upload travels on
    if has_alpha:
        data, extension, content_type = encode(picture, "PNG"), "png", "image/png"
    else:
        data, extension, content_type = encode(picture, "JPEG", quality=90), "jpg", "image/jpeg"
    digest = hashlib.sha256(data).hexdigest()
    return CleanImage(picture, data, extension, content_type, has_alpha, digest)


def encode(picture, fmt, **options):
    """Encode with no metadata (no exif, icc_profile, comments or text chunks)."""
    buffer = io.BytesIO()
    if fmt == "JPEG":
        picture.save(buffer, "JPEG", optimize=True, progressive=True, **options)
    elif fmt == "WEBP":
        picture.save(buffer, "WEBP", method=4, **options)
    else:
        picture.save(buffer, fmt, optimize=True, **options)
    return buffer.getvalue()


def rendition_widths(original_width):
    """The configured widths up to the original's; the original's own if it falls between."""
    widths = [w for w in settings.IMAGE_RENDITION_WIDTHS if w < original_width]
    if original_width <= max(settings.IMAGE_RENDITION_WIDTHS):
        widths.append(original_width)
    else:
        widths.append(max(settings.IMAGE_RENDITION_WIDTHS))
    return sorted(set(widths))


def focal_crop(picture, focal_x, focal_y, ratio=CROP_RATIO):
    """The largest ``ratio`` crop of ``picture`` centred as near the focal point as fits."""
    width, height = picture.size
    if width / height > ratio:
        crop_w, crop_h = round(height * ratio), height
    else:
        crop_w, crop_h = width, round(width / ratio)
    left = min(max(round(focal_x * width - crop_w / 2), 0), width - crop_w)
    top = min(max(round(focal_y * height - crop_h / 2), 0), height - crop_h)
    return picture.crop((left, top, left + crop_w, top + crop_h))


def _resized(picture, width):
    if width >= picture.width:
        return picture
    height = max(1, round(picture.height * width / picture.width))
    return picture.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)


def renditions(cleaned, focal_x=0.5, focal_y=0.5):
    """Every rendition of a cleaned picture: full frames and 3:2 thumbnails, WebP + fallback,
    and the sharing crops (``cards``)."""
    made = {"full": [], "thumb": []}
    fallback_fmt = "PNG" if cleaned.has_alpha else "JPEG"
    fallback_ext = "png" if cleaned.has_alpha else "jpg"
    fallback_type = "image/png" if cleaned.has_alpha else "image/jpeg"
    # Work downwards from the largest size: each resize starts from a smaller picture.
    source, largest = cleaned.picture, None
    for width in sorted(rendition_widths(source.width), reverse=True):
        source = _resized(source, width)
        largest = largest or source
        made["full"].append(_pair(source, f"{width}", fallback_fmt, fallback_ext, fallback_type))
    # Thumbnails are at most 640 wide: crop the largest rendition, not the original.
    crop = focal_crop(largest, focal_x, focal_y)
    for width in sorted((w for w in THUMB_WIDTHS if w <= crop.width), reverse=True) or [crop.width]:
        crop = _resized(crop, width)
        made["thumb"].append(
            _pair(crop, f"thumb-{width}", fallback_fmt, fallback_ext, fallback_type)
        )
    for kind in made:
        made[kind].sort(key=lambda pair: pair[0].width)
    made["cards"] = cards(largest, focal_x, focal_y, fallback_fmt, fallback_ext, fallback_type)
    return made


def sharing_crops(cleaned, focal_x=0.5, focal_y=0.5):
    """``cards`` alone, for a photo stored before they existed: cropped from the largest
    full frame, as ``renditions`` crops them."""
    largest = _resized(cleaned.picture, max(rendition_widths(cleaned.picture.width)))
    if cleaned.has_alpha:
        return cards(largest, focal_x, focal_y, "PNG", "png", "image/png")
    return cards(largest, focal_x, focal_y, "JPEG", "jpg", "image/jpeg")


def cards(largest, focal_x, focal_y, fallback_fmt, fallback_ext, fallback_type):
    """The crops search engines and social networks are given (``CARD_RATIOS``), one
    each, in the fallback format only: crawlers read JPEG and PNG, not WebP."""
    made = {}
    for kind, ratio in CARD_RATIOS.items():
        crop = _resized(focal_crop(largest, focal_x, focal_y, ratio), CARD_WIDTH)
        quality = {"quality": 82} if fallback_fmt == "JPEG" else {}
        made[kind] = Rendition(
            f"card-{kind}.{fallback_ext}",
            encode(crop, fallback_fmt, **quality),
            crop.width,
            crop.height,
            fallback_type,
        )
    return made


def _pair(picture, stem, fallback_fmt, fallback_ext, fallback_type):
    quality = {"quality": 82} if fallback_fmt == "JPEG" else {}
    webp = Rendition(
        f"{stem}.webp",
        encode(picture, "WEBP", quality=80),
        picture.width,
        picture.height,
        "image/webp",
    )
    fallback = Rendition(
        f"{stem}.{fallback_ext}",
        encode(picture, fallback_fmt, **quality),
        picture.width,
        picture.height,
        fallback_type,
    )
    return webp, fallback
