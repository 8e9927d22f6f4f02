"""The OCR benchmark set: certificates of the four kinds, degraded like real uploads.

    python bench/ocr_set.py                      # 48 images into bench/out/ocr-set
    python bench/ocr_set.py --out DIR --seed 7

Each image is one certificate of one sample person (zhicheng.sample's renderer: 学历证书, 学位证书,
现职称证书, 继续教育学时认定单), in one of five conditions:

- `clean`    the render itself, as a PNG;
- `scan300`  a flatbed scan at 300 dpi: the render taken as the paper at 300 dpi, a slight skew
             (under half a degree), a slight blur, sensor noise, JPEG quality 85;
- `scan200`  the same at 200 dpi (the page downscaled to two thirds first), JPEG quality 80;
- `photo`    a phone photo on a desk: perspective of a few percent, a rotation of 1-4 degrees, light
             falling off across the sheet, blur, noise, fewer pixels, JPEG quality 70-80;
- `exif`     a phone photo taken sideways: the pixels are stored turned 90 degrees and the EXIF
             orientation (6 or 8) says how to turn them upright for display.

`truth.json` lists, for each file: kind, degradation, the name and ID number the certificate shows
(the ID only where the kind prints one: 现职称证书 and 认定单), the certificate number, the dates it
shows, on the 认定单 the year and hours, and the roster's declared facts for the cross-checks.
Everything is deterministic for a seed.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PIL import Image, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from zhicheng.sample.certificates import (  # noqa: E402
    ce_form_image,
    degree_image,
    diploma_image,
    title_certificate_image,
)
from zhicheng.sample.people import Person, make_person  # noqa: E402
from zhicheng.sample.units import choose_units, sample_units  # noqa: E402

KINDS = ("学历证书", "学位证书", "现职称证书", "继续教育学时认定单")
DEGRADATIONS = ("clean", "scan300", "scan200", "photo", "exif")
# How many certificates of each kind are made in each condition (48 in all).
PER_KIND = {"clean": 2, "scan300": 2, "scan200": 3, "photo": 3, "exif": 2}
SCANS = ("clean", "scan300", "scan200")
PHOTOS = ("photo", "exif")
DEFAULT_OUT = ROOT / "bench" / "out" / "ocr-set"
_DESK = [(112, 92, 72), (86, 88, 92), (150, 130, 105), (60, 62, 70)]


@dataclass(frozen=True)
class Item:
    """One image of the set and what it truly shows."""

    file: str
    kind: str
    degradation: str
    name: str
    id_number: str | None
    certificate_no: str | None
    dates: dict[str, str]
    hours: dict[str, int] | None
    declared: dict[str, object]      # the roster's facts (docs/reference.md §1), for the cross-checks


def _people(seed: int, year: int, count: int) -> list[Person]:
    """`count` people who hold a degree and a current title, so every kind can be drawn."""
    working, _ = choose_units(sample_units())
    used: set[str] = set()
    people: list[Person] = []
    i = 0
    while len(people) < count:
        rng = random.Random(f"{seed}:ocr-person:{i}")
        unit = rng.choice(working)
        p = make_person(rng, i, year, (unit.code, unit.name, unit.kind), used, None)
        i += 1
        a = p.applicant
        if a.level != "初级" and a.degree in ("学士", "硕士", "博士") and a.current_title_date:
            people.append(p)
    return people


def render(kind: str, p: Person, seed: int) -> Image.Image:
    """The certificate `kind` of person `p`, drawn at full (non-light) size."""
    a = p.applicant
    if kind == "学历证书":
        return diploma_image(p, light=False)
    if kind == "学位证书":
        return degree_image(p, light=False)
    if kind == "现职称证书":
        return title_certificate_image(p, light=False, shown_id=a.id_number)
    rng = random.Random(f"{seed}:ce:{a.id_number}")
    return ce_form_image(p, light=False, rng=rng, shown_name=a.name, shown_id=a.id_number)


def truth(kind: str, p: Person) -> tuple[str | None, str | None, dict[str, str], dict[str, int] | None]:
    """(ID number shown, certificate number, dates shown, hours) for `kind` of person `p`."""
    from datetime import timedelta

    a = p.applicant
    if kind == "学历证书":
        return None, p.diploma_no, {"graduation": a.graduation_date.isoformat(),
                                    "birth": p.birth.isoformat(),
                                    "study_start": p.study_start.isoformat()[:7]}, None
    if kind == "学位证书":
        return None, p.degree_no, {"award": a.graduation_date.isoformat(),
                                   "birth": p.birth.isoformat()}, None
    if kind == "现职称证书":
        d = a.current_title_date
        assert d is not None
        return a.id_number, p.title_cert_no, {"approval": d.isoformat(),
                                              "issue": (d + timedelta(days=20)).isoformat()}, None
    issued = date(a.year, 1, 10) + timedelta(days=p.index % 40)
    return a.id_number, None, {"issue": issued.isoformat()}, {
        "year": a.year - 1, "public": a.ce_public_hours,
        "professional": a.ce_professional_hours, "total": a.ce_hours}


def declared(p: Person) -> dict[str, object]:
    """What the roster declares for `p`, as far as the cross-checks compare it (dates as ISO)."""
    a = p.applicant
    return {"name": a.name, "id_number": a.id_number, "level": a.level, "education": a.education,
            "degree": a.degree, "graduation_date": a.graduation_date.isoformat(), "year": a.year,
            "ce_hours": a.ce_hours, "ce_public_hours": a.ce_public_hours,
            "ce_professional_hours": a.ce_professional_hours}


# --- degradations -------------------------------------------------------------------------------

def _noise(img: Image.Image, rng: random.Random, sigma: float) -> Image.Image:
    """Gaussian sensor noise of `sigma` grey levels (the same on the three channels)."""
    import numpy as np

    gen = np.random.default_rng(rng.randrange(2**32))
    arr = np.asarray(img, dtype=np.int16)
    noise = gen.normal(0.0, sigma, size=arr.shape[:2]).astype(np.int16)
    arr = arr + (noise[..., None] if arr.ndim == 3 else noise)
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), img.mode)


def _jpeg(img: Image.Image, quality: int, exif: bytes | None = None) -> bytes:
    buf = io.BytesIO()
    if exif:
        img.save(buf, "JPEG", quality=quality, exif=exif)
    else:
        img.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def scan(img: Image.Image, rng: random.Random, dpi: int) -> bytes:
    """A flatbed scan at `dpi` (the render is the page at 300 dpi)."""
    if dpi != 300:
        img = img.resize((round(img.width * dpi / 300), round(img.height * dpi / 300)),
                         Image.Resampling.LANCZOS)
    img = img.rotate(rng.uniform(-0.45, 0.45), resample=Image.Resampling.BICUBIC, expand=False,
                     fillcolor=(250, 250, 250))
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 0.8)))
    img = _noise(img, rng, rng.uniform(4, 7))
    return _jpeg(img, 85 if dpi >= 300 else 80)


def _perspective_coeffs(src: list[tuple[float, float]], dst: list[tuple[float, float]]) -> list[float]:
    """Coefficients for Image.transform(PERSPECTIVE) that map output points `dst` to input `src`."""
    import numpy as np

    rows = []
    for (x, y), (u, v) in zip(dst, src):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=float)
    b = np.array([c for pt in src for c in pt], dtype=float)
    return list(np.linalg.solve(a, b))


def _lighting(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """A light gradient: full light at one corner falling to 55-75 % at the opposite one."""
    w, h = size
    small = Image.new("L", (64, 64))
    low = rng.uniform(0.55, 0.75)
    cx, cy = rng.choice([(0, 0), (63, 0), (0, 63), (63, 63), (32, 0)])
    px = small.load()
    for y in range(64):
        for x in range(64):
            d = min(1.0, ((x - cx) ** 2 + (y - cy) ** 2) ** 0.5 / 80)
            px[x, y] = round(255 * (1 - (1 - low) * d))
    return small.resize((w, h), Image.Resampling.BILINEAR)


def photo(img: Image.Image, rng: random.Random) -> Image.Image:
    """A phone photo of the certificate on a desk, upright (the caller encodes it)."""
    desk = rng.choice(_DESK)
    margin_x, margin_y = int(img.width * 0.09), int(img.height * 0.11)
    bw, bh = img.width + 2 * margin_x, img.height + 2 * margin_y
    canvas = Image.new("RGB", (bw, bh), desk)
    canvas.paste(img, (margin_x, margin_y))
    # perspective: move each corner by up to 3 % of the size
    jx, jy = bw * 0.03, bh * 0.03
    src = [(0, 0), (bw, 0), (bw, bh), (0, bh)]
    dst = [(x + rng.uniform(-jx, jx), y + rng.uniform(-jy, jy)) for x, y in src]
    coeffs = _perspective_coeffs(src, dst)
    canvas = canvas.transform((bw, bh), Image.Transform.PERSPECTIVE, coeffs,
                              Image.Resampling.BICUBIC, fillcolor=desk)
    angle = rng.uniform(1.0, 4.0) * rng.choice((-1, 1))
    canvas = canvas.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=desk)
    light = _lighting(canvas.size, rng)
    warm = Image.merge("RGB", [light, light.point(lambda v: v * 0.97), light.point(lambda v: v * 0.9)])
    from PIL import ImageChops

    canvas = ImageChops.multiply(canvas, warm)
    # fewer pixels than the page deserves: the sheet spans ~1250-1450 px
    scale = rng.uniform(0.78, 0.9)
    canvas = canvas.resize((round(bw * scale), round(bh * scale)), Image.Resampling.BILINEAR)
    canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.0)))
    return _noise(canvas, rng, rng.uniform(5, 9))


def exif_photo(img: Image.Image, rng: random.Random) -> bytes:
    """A sideways phone photo: pixels stored turned by 90 degrees, EXIF orientation 6 or 8."""
    upright = photo(img, rng)
    orientation = rng.choice((6, 8))
    # 6: display = stored turned 90 degrees clockwise, so store it turned counter-clockwise
    stored = upright.transpose(Image.Transpose.ROTATE_90 if orientation == 6 else Image.Transpose.ROTATE_270)
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "HUAWEI"
    exif[0x0110] = "ELS-AN00"
    return _jpeg(stored, rng.choice((75, 80)), exif.tobytes())


def degrade(img: Image.Image, degradation: str, rng: random.Random) -> tuple[bytes, str]:
    """The file bytes and extension of `img` in condition `degradation`."""
    if degradation == "clean":
        buf = io.BytesIO()
        img.save(buf, "PNG", compress_level=3)
        return buf.getvalue(), "png"
    if degradation == "scan300":
        return scan(img, rng, 300), "jpg"
    if degradation == "scan200":
        return scan(img, rng, 200), "jpg"
    if degradation == "photo":
        return _jpeg(photo(img, rng), rng.choice((70, 75, 80))), "jpg"
    if degradation == "exif":
        return exif_photo(img, rng), "jpg"
    raise ValueError(f"unknown degradation {degradation!r}")


def plan(per_kind: dict[str, int] = PER_KIND) -> list[tuple[str, str, int]]:
    """(kind, degradation, person index) for every image; each image has its own person."""
    jobs = []
    n = 0
    for degradation in DEGRADATIONS:
        for kind in KINDS:
            for _ in range(per_kind[degradation]):
                jobs.append((kind, degradation, n))
                n += 1
    return jobs


def build(out: Path, seed: int = 2026, year: int = 2026) -> list[Item]:
    """Write the set into `out` (replacing an earlier one) and return what it holds."""
    jobs = plan()
    people = _people(seed, year, len(jobs))
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*"):
        if old.suffix in (".png", ".jpg") or old.name == "truth.json":
            old.unlink()
    items: list[Item] = []
    for kind, degradation, n in jobs:
        p = people[n]
        rng = random.Random(f"{seed}:degrade:{n}")
        img = render(kind, p, seed)
        data, ext = degrade(img, degradation, rng)
        name = f"{n:03d}-{degradation}-{kind}.{ext}"
        (out / name).write_bytes(data)
        id_number, number, dates, hours = truth(kind, p)
        items.append(Item(name, kind, degradation, p.applicant.name, id_number, number, dates, hours,
                          declared(p)))
    (out / "truth.json").write_text(json.dumps([i.__dict__ for i in items], ensure_ascii=False, indent=1),
                                    encoding="utf-8")
    return items


def load(folder: Path) -> list[Item]:
    """The items of a set written by `build`."""
    return [Item(**d) for d in json.loads((folder / "truth.json").read_text(encoding="utf-8"))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args(argv)
    items = build(args.out, args.seed)
    print(f"wrote {len(items)} images and truth.json to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
