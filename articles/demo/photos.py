"""Demo photos drawn with Pillow: skies, sea and skylines in section colours (no downloads)."""

import io
import random

from PIL import Image, ImageDraw, ImageFilter

PALETTES = {
    "city": ((245, 177, 120), (88, 110, 160), (40, 44, 60)),
    "transit": ((170, 200, 230), (60, 120, 170), (30, 60, 90)),
    "schools": ((250, 220, 150), (120, 170, 110), (60, 80, 50)),
    "business": ((220, 225, 235), (90, 100, 120), (35, 40, 55)),
    "arts": ((240, 160, 190), (120, 80, 160), (50, 30, 70)),
    "sports": ((180, 220, 250), (70, 150, 90), (30, 70, 40)),
    "science": ((200, 235, 240), (40, 130, 150), (20, 60, 70)),
}


def _mix(a, b, t):
    return tuple(round(a[i] + (b[i] - a[i]) * t) for i in range(3))


def demo_photo(section_slug, seed, size=(1200, 800)):
    """A JPEG of a harbour-town scene: sky gradient, sea, skyline and a sun."""
    rng = random.Random(seed)  # noqa: S311  (pictures, not secrets)
    sky, sea, land = PALETTES.get(section_slug, PALETTES["city"])
    width, height = size
    picture = Image.new("RGB", size)
    draw = ImageDraw.Draw(picture)
    horizon = int(height * rng.uniform(0.55, 0.7))
    for y in range(horizon):
        draw.line([(0, y), (width, y)], fill=_mix(sky, (255, 255, 255), y / horizon * 0.5))
    for y in range(horizon, height):
        draw.line([(0, y), (width, y)], fill=_mix(sea, land, (y - horizon) / (height - horizon)))
    sun_x, sun_r = rng.randint(width // 5, width * 4 // 5), rng.randint(40, 90)
    draw.ellipse(
        (sun_x - sun_r, horizon * 0.35 - sun_r, sun_x + sun_r, horizon * 0.35 + sun_r),
        fill=(255, 240, 200),
    )
    x = 0
    while x < width:
        building_w, building_h = rng.randint(40, 120), rng.randint(40, horizon // 2)
        draw.rectangle((x, horizon - building_h, x + building_w, horizon), fill=land)
        for wy in range(horizon - building_h + 10, horizon - 10, 22):
            for wx in range(x + 8, x + building_w - 8, 18):
                if rng.random() < 0.4:
                    draw.rectangle((wx, wy, wx + 6, wy + 9), fill=(255, 230, 160))
        x += building_w + rng.randint(0, 30)
    picture = picture.filter(ImageFilter.SMOOTH)
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()
