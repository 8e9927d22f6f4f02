"""Benchmark: which OCR engine, page segmentation mode and preprocessing read the certificates best,
and at what cost.

    python bench/bench_ocr.py --quick            # 20 images, 6 configurations: ~4-6 minutes
    python bench/bench_ocr.py --details          # 48 images, every configuration: ~35 minutes
    python bench/bench_ocr.py --configs t11,rapid,cascade --repeat 2 --details
    python bench/bench_ocr.py --psm 4            # the preprocessing ablations at psm 4
    python bench/bench_ocr.py --list             # the configurations

The image set is bench/ocr_set.py's (built on first use into bench/out/ocr-set). For each
configuration, the images are read by a pool of 2 processes, one engine each (as the pipeline's OCR
workers do), and scored against truth.json:

- name: the holder's name appears exactly in the text (whitespace removed); CER: edit distance of
  the best-matching stretch of text to the name, over the name's length; clean miss: clean renders
  whose name was not found;
- id: the 18-character ID number appears exactly (full-width digits and spaces normalised), on the
  kinds that print one (现职称证书, 认定单); no.: the certificate number appears exactly;
- fields (scans/photos): when pipeline/documents/ocr_fields.py exists, the share of certificates whose
  `extract_fields` result has every field right (name, ID, number, the kind's date, the 认定单's year
  and hours); `--details` splits them by field, kind and condition;
- alarms (scans/photos): when pipeline/rules/certificates.py exists, the share of certificates with a
  warning from `cross_check` against the roster's facts; every certificate of the set is the
  declared person's, so each is a false alarm; clean NM: false `ocr.name_mismatch` on clean renders;
- CPU s: CPU seconds per certificate (the worker's own time plus its tesseract children's):
  decoding, preprocessing and OCR; cpu/min: what 2 cores could do at that CPU cost;
- /min: certificates per minute for the whole set with 2 processes; direct: the same engine(s) on
  the same images, already preprocessed, with the same settings, in 2 parallel processes and
  nothing else (the practical limit); ratio: /min over direct. The machine may be shared: `--repeat`
  alternates the timed runs and keeps the best of each, and each run's load average is printed.

Never more than 2 OCR processes run at once. `--json` keeps every text; `--rescore` scores such a
file again without OCR (for a changed field parser).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from multiprocessing.pool import ThreadPool
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.ocr_set import DEFAULT_OUT, KINDS, PHOTOS, SCANS, Item, build, load  # noqa: E402
from pipeline.documents.ocr import TESSERACT_LANG, TESSERACT_PREP  # noqa: E402
from pipeline.documents.ocr import TESSERACT_PSM as DEFAULT_PSM  # noqa: E402
from pipeline.documents.ocr.preprocess import NONE, Preprocessing  # noqa: E402
from pipeline.domain.identity import halfwidth  # noqa: E402

PROCESSES = 2
TIMEOUT = 120.0
FULL = TESSERACT_PREP


@dataclass(frozen=True)
class Config:
    """One engine configuration to measure."""

    key: str
    engine: str                      # tesseract | rapidocr | cascade
    psm: int = 4
    prep: Preprocessing = FULL       # tesseract's (also the cascade's first stage)
    lang: str = TESSERACT_LANG
    confirm: str = "name-id"         # the cascade's: name-id (exact) or strict (also date/hours)
    rapid_prep: Preprocessing = field(default_factory=lambda: _rapid_default())
    note: str = ""

    def build(self):  # type: ignore[no-untyped-def]
        from pipeline.documents.ocr.cascade import CascadeEngine
        from pipeline.documents.ocr.rapid import RapidOcrEngine
        from pipeline.documents.ocr.tesseract import TesseractEngine

        if self.engine == "tesseract":
            return TesseractEngine(psm=self.psm, prep=self.prep, lang=self.lang)
        if self.engine == "rapidocr":
            return RapidOcrEngine(prep=self.rapid_prep)
        return CascadeEngine(TesseractEngine(psm=self.psm, prep=self.prep, lang=self.lang),
                             RapidOcrEngine(prep=self.rapid_prep))


def _rapid_default() -> Preprocessing:
    from pipeline.documents.ocr.rapid import RAPID_PREP

    return RAPID_PREP


def configs(best_psm: int = DEFAULT_PSM) -> list[Config]:
    """Every configuration of the full run. The ablations (`t{psm}-...`) change one thing of the
    default tesseract settings (chi_sim, every preprocessing step, text scaled to 24 px) at psm
    `best_psm` (the package default, 11; `--psm 4` gives the psm-4 ablations); `rapid` is the
    default RapidOCR engine and `cascade` the default cascade."""
    out = [Config(f"t{psm}", "tesseract", psm=psm, note=f"psm {psm}, default preprocessing")
           for psm in (3, 4, 6, 11)]
    p = best_psm
    rapid = _rapid_default()

    def t(key: str, note: str, **changes: Any) -> Config:
        return Config(f"t{p}-{key}", "tesseract", psm=p, prep=replace(FULL, **changes), note=note)

    out += [
        Config(f"t{p}-eng", "tesseract", psm=p, lang="chi_sim+eng", note="lang chi_sim+eng"),
        Config(f"t{p}-raw", "tesseract", psm=p, prep=NONE, note="no preprocessing at all"),
        t("noexif", "without EXIF turn", exif=False),
        t("nored", "without seal removal", red=False),
        t("nogray", "colour kept", gray=False),
        t("noscale", "no scaling", text_height=None),
        t("h32", "text scaled to 32 px", text_height=32),
        t("h40", "text scaled to 40 px", text_height=40),
        t("noflat", "no light flattening", flatten=False),
        t("nocontrast", "no contrast stretch", contrast=False),
        t("nolines", "table rules kept", lines=False),
        Config("rapid", "rapidocr", note="EXIF turn, text scaled to 20 px"),
        Config("rapid-noscale", "rapidocr", rapid_prep=replace(rapid, text_height=None),
               note="EXIF turn only"),
        Config("rapid-h16", "rapidocr", rapid_prep=replace(rapid, text_height=16),
               note="EXIF turn, text scaled to 16 px"),
        Config("rapid-h26", "rapidocr", rapid_prep=replace(rapid, text_height=26),
               note="EXIF turn, text scaled to 26 px"),
        Config("rapid-raw", "rapidocr", rapid_prep=NONE, note="no preprocessing"),
        Config("cascade", "cascade", psm=p, note=f"t{p} first, rapid when name/ID not exact"),
        Config("cascade-t4", "cascade", psm=4, note="t4 first, rapid when name/ID not exact"),
        Config("cascade-strict", "cascade", psm=p, confirm="strict",
               note=f"t{p} first, rapid unless name, ID, date/hours all as declared"),
    ]
    return out


QUICK = ("t3", "t4", "t6", "t11", "rapid", "cascade")
DIRECT = "t{psm},rapid,cascade"


# --- scoring --------------------------------------------------------------------------------------

def squeeze(text: str) -> str:
    """The text with full-width characters made ASCII, whitespace removed, x made X."""
    return "".join(halfwidth(text).split()).replace("x", "X")


def name_cer(name: str, text: str) -> float:
    """Edit distance between `name` and its best-matching stretch of `text`, over len(name)."""
    if not name:
        return 0.0
    prev = [0] * (len(text) + 1)  # a match may start anywhere in the text
    for i, ch in enumerate(name, 1):
        cur = [i] + [0] * len(text)
        for j, tc in enumerate(text, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ch != tc))
        prev = cur
    return min(prev) / len(name)


def confirms(item: Item, mode: str = "name-id") -> Callable[[str], bool]:
    """The cascade's `confirm` for a certificate, from what the roster declares: the name and (where
    the kind prints one) the ID number appear exactly; `strict` also wants the field parser to read
    the declared date (graduation, title) or the declared hours (认定单)."""
    name, id_number = item.name, item.id_number

    if mode == "fields":
        from pipeline.documents.ocr import OcrResult

        check = fields_confirm(item)
        return lambda text: check(OcrResult(text, None, "bare"))

    def confirm(text: str) -> bool:
        flat = squeeze(text)
        if name not in flat or (id_number is not None and id_number not in flat):
            return False
        return mode != "strict" or _declared_fields_read(item, text)

    return confirm


def fields_confirm(item: Item) -> Callable[[Any], bool]:
    """The extract stage's own `confirm` (`fields` mode): every field the rules need read, trusted
    and agreeing with the roster, and the bands where the fast reading fell short
    (pipeline.rules.fields_confirm.FieldsConfirm)."""
    from bench.bench_fields import _declared
    from pipeline.domain.materials import MaterialKind
    from pipeline.rules.fields_confirm import FieldsConfirm

    kind = MaterialKind(item.kind)
    declared = _declared({"declared": item.declared, "dates": item.dates})
    return FieldsConfirm(kind, declared)


def on_text(confirm: Callable[[str], bool]) -> Callable[[Any], bool]:
    """A text `confirm` as the engines take it (on the whole OCR result)."""
    return lambda result: confirm(result.text)


def _declared_fields_read(item: Item, text: str) -> bool:
    parser = _field_parser()
    if parser is None:
        return True
    from pipeline.domain.materials import MaterialKind

    fields = parser(MaterialKind(item.kind), text)
    d = item.declared
    if item.kind in ("学历证书", "学位证书"):
        key = "graduation" if item.kind == "学历证书" else "degree_award"
        got = fields.dates.get(key)
        return got is not None and got.isoformat() == d["graduation_date"]
    if item.kind == "现职称证书":
        got = fields.dates.get("title_approval")
        return got is not None and got.isoformat() == item.dates["approval"]
    return (fields.ce_public_hours == d["ce_public_hours"] and fields.ce_total_hours == d["ce_hours"]
            and fields.ce_professional_hours == d["ce_professional_hours"])


def _field_parser() -> Callable[[str, str], Any] | None:
    try:
        from pipeline.documents.ocr_fields import extract_fields  # another engineer's module, if present
    except ImportError:
        return None
    return extract_fields


def _cross_check() -> Callable[..., Any] | None:
    try:
        from pipeline.rules.certificates import cross_check  # another engineer's module, if present
    except ImportError:
        return None
    return cross_check


def score(item: Item, text: str) -> dict[str, Any]:
    """What the text shows of the truth: name, id, no. (None where the kind does not print it),
    and, where the field parser and cross-checks exist, the fields read and the false alarms."""
    flat = squeeze(text)
    out: dict[str, Any] = {
        "name": item.name in flat,
        "cer": name_cer(item.name, flat),
        "id": None if item.id_number is None else item.id_number in flat,
        "no": None if item.certificate_no is None else item.certificate_no in flat,
    }
    parser = _field_parser()
    if parser is not None:
        out.update(_score_fields(parser, item, text))
    return out


DATE_KEYS = {"学历证书": "graduation", "学位证书": "degree_award", "现职称证书": "title_approval"}
ALARMS = ("ocr.name_mismatch", "ocr.id_mismatch", "ocr.unreadable")


def _score_fields(parser: Callable[..., Any], item: Item, text: str) -> dict[str, Any]:
    """Fields read by pipeline.documents.ocr_fields, and the cross-checks' findings, against the truth (every
    certificate of the set is the declared person's, so every finding is a false alarm)."""
    from datetime import date

    from pipeline.domain.materials import MaterialKind

    kind = MaterialKind(item.kind)
    out: dict[str, Any] = {}
    try:
        fields = parser(kind, text)
    except Exception as exc:  # noqa: BLE001 - a parser bug must not stop the benchmark
        return {"f_error": repr(exc)}
    out["f_name"] = fields.name == item.name
    if item.id_number:
        out["f_id"] = fields.id_number == item.id_number
    if item.certificate_no:
        out["f_no"] = fields.certificate_number == item.certificate_no
    key = DATE_KEYS.get(item.kind)
    if key:
        wanted = item.dates[{"graduation": "graduation", "degree_award": "award",
                             "title_approval": "approval"}[key]]
        got = fields.dates.get(key)
        out["f_date"] = got is not None and got.isoformat() == wanted
    if item.hours:
        h = item.hours
        out["f_hours"] = (fields.ce_year == h["year"] and fields.ce_public_hours == h["public"]
                          and fields.ce_professional_hours == h["professional"]
                          and fields.ce_total_hours == h["total"])
    check = _cross_check()
    if check is not None and item.declared:
        from pipeline.rules.certificates import DeclaredFacts

        values = dict(item.declared)
        values["graduation_date"] = date.fromisoformat(str(values["graduation_date"]))
        try:
            findings = check(kind, fields, text, DeclaredFacts.from_values(values))
        except Exception as exc:  # noqa: BLE001
            return dict(out, f_error=repr(exc))
        # an `info` finding (e.g. ocr.name_unread beside a confirmed ID) asks no one to act
        codes = [f.rule for f in findings if f.level.value != "info"]
        out["alarms"] = codes
        for code in ALARMS:
            out[code] = code in codes
        out["any_alarm"] = bool(codes)
    return out


# --- running --------------------------------------------------------------------------------------

_engine: Any = None
_confirm_mode = "name-id"


def _init(config: Config) -> None:
    global _engine, _confirm_mode
    _engine = config.build()
    _confirm_mode = config.confirm
    if config.engine in ("rapidocr", "cascade"):
        from pipeline.documents.ocr.rapid import load_model

        load_model()  # the model loads once per worker, before the clock starts


def _cpu() -> float:
    own = time.process_time()
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own + kids.ru_utime + kids.ru_stime


def _read_one(task: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    from PIL import Image

    from pipeline.documents.ocr import OcrError

    path, truth = task
    item = Item(**truth)
    start_cpu, start = _cpu(), time.perf_counter()
    try:
        with Image.open(path) as img:
            kwargs = ({"confirm": fields_confirm(item) if _confirm_mode == "fields"
                       else on_text(confirms(item, _confirm_mode))}
                      if _engine.name.startswith("cascade") else {})
            result = _engine.read(img, timeout=TIMEOUT, **kwargs)
        text, used, error = result.text, result.engine, None
    except OcrError as exc:
        text, used, error = "", "", f"{type(exc).__name__}: {exc}"
    return {"file": item.file, "text": text, "engine": used, "error": error,
            "cpu": _cpu() - start_cpu, "wall": time.perf_counter() - start}


def run_pipeline(config: Config, items: list[Item], folder: Path) -> tuple[list[dict[str, Any]], float]:
    """Read every item with a pool of 2 engine processes; the results and the wall time."""
    tasks = [(str(folder / i.file), asdict(i)) for i in items]
    ctx = mp.get_context("spawn")
    with ctx.Pool(PROCESSES, initializer=_init, initargs=(config,)) as pool:
        pool.map(_noop, range(PROCESSES * 4))  # workers up and warm before the clock starts
        start = time.perf_counter()
        results = pool.map(_read_one, tasks, chunksize=1)
        wall = time.perf_counter() - start
    for r, item in zip(results, items):
        r.update(score(item, r["text"]))
    return results, wall


def _noop(_: int) -> None:
    time.sleep(0.05)


# --- the practical limit: the engines alone, on images prepared beforehand -------------------------

def _prepare_all(config: Config, items: list[Item], folder: Path, out: Path) -> dict[str, dict[str, str]]:
    """Each item's image as each engine of `config` receives it, saved as PNG in `out`."""
    from PIL import Image

    engine = config.build()
    stages = [engine.fast, engine.strong] if config.engine == "cascade" else [engine]
    paths: dict[str, dict[str, str]] = {}
    for item in items:
        paths[item.file] = {}
        for stage in stages:
            kind = "t" if stage.name.startswith("tesseract") else "r"
            target = out / f"{kind}-{Path(item.file).stem}.png"
            with Image.open(folder / item.file) as img:
                stage.prepare(img).save(target, compress_level=1)
            paths[item.file][kind] = str(target)
    return paths


_direct_model: Any = None


def _direct_init() -> None:
    global _direct_model
    import cv2
    from rapidocr_onnxruntime import RapidOCR

    cv2.setNumThreads(1)
    _direct_model = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)


def _tesseract_direct(path: str, psm: int, lang: str) -> str:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    proc = subprocess.run(["tesseract", path, "stdout", "-l", lang, "--oem", "1", "--psm",
                           str(psm), "-c", "preserve_interword_spaces=1", "tsv"],
                          capture_output=True, env=env, check=False)
    return proc.stdout.decode("utf-8", "replace")


def _rapid_direct(path: str) -> Any:
    return _direct_model(path)[0]


def _cascade_direct(task: tuple[dict[str, str], int, str, str, dict[str, Any]]) -> None:
    from pipeline.documents.ocr import OcrResult
    from pipeline.documents.ocr.tesseract import lines_from_tsv

    paths, psm, lang, mode, truth = task
    text, _, scores = lines_from_tsv(_tesseract_direct(paths["t"], psm, lang))
    if mode == "fields":
        confirmed = fields_confirm(Item(**truth))(OcrResult(text, None, "bare", line_scores=scores))
    else:
        confirmed = confirms(Item(**truth), mode)(text)
    if not confirmed:
        _rapid_direct(paths["r"])


def run_direct(config: Config, items: list[Item], folder: Path) -> float:
    """Wall seconds for the engine(s) alone on the prepared images, 2 at a time."""
    with tempfile.TemporaryDirectory(prefix="ocr-direct-") as tmp:
        paths = _prepare_all(config, items, folder, Path(tmp))
        if config.engine == "tesseract":
            with ThreadPool(PROCESSES) as pool:  # each thread waits on one tesseract process
                start = time.perf_counter()
                pool.starmap(_tesseract_direct, [(paths[i.file]["t"], config.psm, config.lang) for i in items])
                return time.perf_counter() - start
        ctx = mp.get_context("spawn")
        with ctx.Pool(PROCESSES, initializer=_direct_init) as pool:
            pool.map(_noop, range(PROCESSES * 4))
            start = time.perf_counter()
            if config.engine == "rapidocr":
                pool.map(_rapid_direct, [paths[i.file]["r"] for i in items], chunksize=1)
            else:
                pool.map(_cascade_direct, [(paths[i.file], config.psm, config.lang, config.confirm, asdict(i))
                                           for i in items], chunksize=1)
            return time.perf_counter() - start


# --- tables ---------------------------------------------------------------------------------------

def _share(rows: Iterable[dict[str, Any]], key: str) -> str:
    vals = [r[key] for r in rows if r.get(key) is not None]
    if not vals:
        return "-"
    return f"{100 * sum(bool(v) for v in vals) / len(vals):.0f}%({sum(bool(v) for v in vals)}/{len(vals)})"


def _pct(rows: Iterable[dict[str, Any]], key: str) -> float | None:
    vals = [r[key] for r in rows if r.get(key) is not None]
    return None if not vals else 100 * sum(bool(v) for v in vals) / len(vals)


def _mean(rows: list[dict[str, Any]], key: str) -> float:
    return sum(r[key] for r in rows) / len(rows) if rows else 0.0


def summary_row(config: Config, results: list[dict[str, Any]], items: list[Item], wall: float,
                direct: float | None) -> dict[str, Any]:
    deg = {i.file: i.degradation for i in items}
    scans = [r for r in results if deg[r["file"]] in SCANS]
    photos = [r for r in results if deg[r["file"]] in PHOTOS]
    clean = [r for r in results if deg[r["file"]] == "clean"]
    per_min = 60 * len(results) / wall
    row = {
        "config": config.key, "note": config.note,
        "name_scan": _pct(scans, "name"), "id_scan": _pct(scans, "id"),
        "name_photo": _pct(photos, "name"), "id_photo": _pct(photos, "id"),
        "no_all": _pct(results, "no"), "clean_name_missed": sum(not r["name"] for r in clean),
        "cer": _mean(results, "cer"), "cpu": _mean(results, "cpu"), "per_min": per_min,
        "cpu_bound": 60 * PROCESSES / _mean(results, "cpu") if results else None,
        "direct_per_min": None if direct is None else 60 * len(results) / direct,
        "errors": sum(1 for r in results if r["error"]),
        "fa_clean_name": sum(1 for r in clean if r.get("ocr.name_mismatch")),
        "fa_scan": _pct(scans, "any_alarm"), "fa_photo": _pct(photos, "any_alarm"),
        "fields_scan": _pct([dict(r, f_all=_all_fields(r)) for r in scans], "f_all"),
        "fields_photo": _pct([dict(r, f_all=_all_fields(r)) for r in photos], "f_all"),
        "strong_share": (sum(1 for r in results if r["engine"].startswith("rapidocr")) / len(results)
                         if config.engine == "cascade" else None),
    }
    row["ratio"] = None if direct is None else row["per_min"] / row["direct_per_min"]
    row["wall"], row["direct_wall"] = wall, direct
    return row


def _all_fields(r: dict[str, Any]) -> bool | None:
    keys = [k for k in r if k.startswith("f_") and k not in ("f_error", "f_all")]
    return None if not keys else all(r[k] for k in keys)


def _f(v: float | None, fmt: str) -> str:
    return "-" if v is None else format(v, fmt)


def print_summary(rows: list[dict[str, Any]]) -> None:
    head = (f"{'config':<14} {'name scan':>9} {'id scan':>8} {'name photo':>10} {'id photo':>9} "
            f"{'no.':>5} {'clean miss':>10} {'CER':>5} {'CPU s':>6} {'cpu/min':>7} {'/min':>6} {'direct':>7} "
            f"{'ratio':>6} {'rapid%':>6} {'fields':>7} {'alarms':>7} {'clean NM':>8}  note")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['config']:<14} {_f(r['name_scan'], '.0f'):>8}% {_f(r['id_scan'], '.0f'):>7}% "
              f"{_f(r['name_photo'], '.0f'):>9}% {_f(r['id_photo'], '.0f'):>8}% {_f(r['no_all'], '.0f'):>4}% "
              f"{r['clean_name_missed']:>10} {r['cer']:>5.2f} {r['cpu']:>6.2f} {_f(r.get('cpu_bound'), '.1f'):>7} "
              f"{r['per_min']:>6.1f} "
              f"{_f(r['direct_per_min'], '.1f'):>7} {_f(r['ratio'], '.2f'):>6} "
              f"{_f(None if r['strong_share'] is None else 100 * r['strong_share'], '.0f'):>6} "
              f"{_f(r['fields_scan'], '.0f'):>3}/{_f(r['fields_photo'], '.0f'):<3} "
              f"{_f(r['fa_scan'], '.0f'):>3}/{_f(r['fa_photo'], '.0f'):<3} {r['fa_clean_name']:>8}  {r['note']}")


def print_details(config: Config, results: list[dict[str, Any]], items: list[Item]) -> None:
    by_file = {i.file: i for i in items}
    field_keys = [k for k in ("f_name", "f_id", "f_no", "f_date", "f_hours") if any(k in r for r in results)]
    field_keys += [k for k in ("any_alarm", *ALARMS) if any(k in r for r in results)]
    print(f"\n{config.key}: {config.note}")
    cols = ["name", "id", "no"] + field_keys
    short = {"any_alarm": "alarm", "ocr.name_mismatch": "name_mism", "ocr.id_mismatch": "id_mism",
             "ocr.unreadable": "unreadable"}
    print(f"  {'group':<22} {'n':>3} " + " ".join(f"{short.get(c, c):>11}" for c in cols)
          + f" {'CER':>5} {'CPU s':>6}")
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in results:
        it = by_file[r["file"]]
        groups[f"deg {it.degradation}"].append(r)
        groups[f"kind {it.kind}"].append(r)
    order = [f"deg {d}" for d in ("clean", "scan300", "scan200", "photo", "exif")] + [f"kind {k}" for k in KINDS]
    for g in order:
        rows = groups.get(g, [])
        if rows:
            print(f"  {g:<22} {len(rows):>3} " + " ".join(f"{_share(rows, c):>11}" for c in cols)
                  + f" {_mean(rows, 'cer'):>5.2f} {_mean(rows, 'cpu'):>6.2f}")
    misses = [r for r in results if not r["name"] or r["id"] is False or r.get("alarms")]
    for r in misses[:12]:
        it = by_file[r["file"]]
        what = ", ".join([k for k in ("name", "id") if r[k] is False] + r.get("alarms", []))
        print(f"    missed {what:<8} {r['file']}  ({it.name} {it.id_number or ''})"
              + (f"  {r['error']}" if r["error"] else ""))


def quick_items(items: list[Item]) -> list[Item]:
    """The first image of each kind in each condition (20)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for i in items:
        if (i.kind, i.degradation) not in seen:
            seen.add((i.kind, i.degradation))
            out.append(i)
    return out


def rescore(path: Path, all_configs: list[Config], items: list[Item], args: argparse.Namespace) -> int:
    """The tables of an earlier run, its texts scored again (for a changed field parser)."""
    earlier = json.loads(path.read_text())
    by_key = {c.key: c for c in all_configs}
    by_file = {i.file: i for i in items}
    rows = []
    for key, run in earlier.items():
        engine = "cascade" if key.startswith("cascade") else "rapidocr" if key.startswith("rapid") else "tesseract"
        config = by_key.get(key) or Config(key, engine, note=run["summary"].get("note", ""))
        results = []
        for r in run["results"]:
            kept = {k: r[k] for k in ("file", "text", "engine", "error", "cpu", "wall")}
            kept.update(score(by_file[r["file"]], r["text"]))
            results.append(kept)
        run_items = [by_file[r["file"]] for r in results]
        row = summary_row(config, results, run_items, run["summary"]["wall"], run["summary"]["direct_wall"])
        rows.append(row)
        if args.details:
            print_details(config, results, run_items)
    print()
    print_summary(rows)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", type=Path, default=DEFAULT_OUT, help="image set folder (built if missing)")
    ap.add_argument("--quick", action="store_true", help="20 images and 6 configurations")
    ap.add_argument("--configs", help="comma-separated configuration keys (see --list)")
    ap.add_argument("--list", action="store_true", help="list the configurations and stop")
    ap.add_argument("--psm", type=int, default=DEFAULT_PSM, help="the psm used by ablations and the cascade")
    ap.add_argument("--no-direct", action="store_true", help="skip the direct (practical limit) runs")
    ap.add_argument("--direct", default=DIRECT,
                    help="configurations that also get a direct run (default: %(default)s)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="time each run N times, alternating pipeline and direct, and keep the best")
    ap.add_argument("--details", action="store_true", help="per-kind and per-condition tables for all")
    ap.add_argument("--json", type=Path, help="write every result (texts included) here")
    ap.add_argument("--rescore", type=Path, help="score the texts of an earlier --json run again (no OCR)")
    args = ap.parse_args(argv)

    all_configs = configs(args.psm)
    if args.list:
        for c in all_configs:
            print(f"{c.key:<16} {c.note}")
        return 0
    if not (args.set / "truth.json").exists():
        build(args.set)
    items = load(args.set)
    chosen = all_configs
    if args.quick:
        items = quick_items(items)
        chosen = [c for c in all_configs if c.key in QUICK]
    if args.configs:
        keys = args.configs.split(",")
        chosen = [c for c in all_configs if c.key in keys]
        missing = set(keys) - {c.key for c in chosen}
        if missing:
            ap.error(f"unknown configuration(s): {', '.join(sorted(missing))}")
    direct_keys = set() if args.no_direct else set(args.direct.format(psm=args.psm).split(","))
    from pipeline.documents.ocr.rapid import available

    if not available():
        print("RapidOCR is not installed (rapidocr-onnxruntime): its configurations are skipped",
              file=sys.stderr)
        chosen = [c for c in chosen if c.engine == "tesseract"]

    parser_note = ("fields scored with pipeline.documents.ocr_fields.extract_fields"
                   + (", false alarms with pipeline.rules.certificates.cross_check" if _cross_check() else "")
                   if _field_parser()
                   else "pipeline/documents/ocr_fields.py not present: names, ID numbers and certificate "
                        "numbers are scored as exact substrings of the text; dates are not scored")
    print(f"{len(items)} images from {args.set}; {PROCESSES} processes; {parser_note}", file=sys.stderr)
    rows, everything = [], {}
    if args.rescore:
        return rescore(args.rescore, all_configs, items, args)
    for config in chosen:
        t0 = time.perf_counter()
        results, wall = run_pipeline(config, items, args.set)
        direct = run_direct(config, items, args.set) if config.key in direct_keys else None
        for _ in range(args.repeat - 1):  # best of N: other work on the machine only slows runs down
            wall = min(wall, run_pipeline(config, items, args.set)[1])
            if direct is not None:
                direct = min(direct, run_direct(config, items, args.set))
        row = summary_row(config, results, items, wall, direct)
        rows.append(row)
        everything[config.key] = {"summary": row, "results": results}
        row["load"] = os.getloadavg()[0]
        print(f"  {config.key}: names {row['name_scan']:.0f}% scan / {row['name_photo']:.0f}% photo, "
              f"{row['cpu']:.2f} s CPU, {row['per_min']:.1f}/min ({time.perf_counter() - t0:.0f} s, "
              f"load {row['load']:.1f})", file=sys.stderr)
        if args.details or config.key in ("rapid", "cascade", f"t{args.psm}"):
            print_details(config, results, items)
        if args.json:  # written after each configuration: a killed run keeps what it measured
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(everything, ensure_ascii=False, indent=1, default=str))
        sys.stdout.flush()
    print()
    print_summary(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
