"""Every field the rules need, read from certificate images, scored as exact / unsure / wrong.

    python bench/ocr_set.py && python bench/independent_set.py      # the two sets (once)
    python bench/bench_fields.py                                    # both sets, both cascades
    python bench/bench_fields.py --sets independent --configs fields --limit 8

A field is `exact` when its value is the true one and trusted, `unsure` when it was not read or
not trusted (the packet says 未能可靠识别), `wrong` when it is trusted and not the true one (the
aim: none). `all right` counts certificates whose every field is exact. `false ✗` counts mismatch
findings against a roster that declares the truth. CPU is the reading process's CPU (its own and
its tesseract children's) per certificate, engine and field extraction included. `--json` rows
also carry each field's doubt and the value read, to see why a field is unsure.

Configurations, in the same run so their ratio holds on a loaded machine (each image is read
with every configuration in turn, the models loaded before any timing):
- `name-id`: the cascade as it was (RapidOCR when the declared name or ID number is not exactly in
  tesseract's text; the fields of the kept text alone);
- `fields`:  the cascade as the extract stage runs it now (RapidOCR when a field the rules need is
  missing, unsure or differs from the roster: on the bands of the page where tesseract fell
  short, the whole page when that does not confirm; both readings merged);
- `rapid`:   RapidOCR alone (for reference).
Two worker processes on the machine's 2 cores; one engine per process.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections import defaultdict
from datetime import date
from multiprocessing import Pool
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SETS = {"sample": ROOT / "bench" / "out" / "ocr-set", "independent": ROOT / "bench" / "out" / "independent-set"}
CONFIGS = ("name-id", "fields", "rapid")
SCANS = ("clean", "scan", "scan300", "scan200")
_DATE_KEYS = {"approval": "title_approval", "award": "degree_award"}
_engines: dict[str, Any] = {}


def _cpu() -> float:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


def _declared(truth: dict[str, Any]) -> Any:
    from pipeline.rules.declared import DeclaredFacts

    d = truth["declared"]
    title = d.get("current_title_date") or truth["dates"].get("approval") or truth["dates"].get("title_approval")
    return DeclaredFacts(
        name=d["name"], id_number=d["id_number"], level=d.get("level"), education=d.get("education"),
        degree=d.get("degree"),
        graduation_date=date.fromisoformat(d["graduation_date"]) if d.get("graduation_date") else None,
        current_title_date=date.fromisoformat(title) if title else None, year=d.get("year"),
        ce_hours=d.get("ce_hours"), ce_public_hours=d.get("ce_public_hours"),
        ce_professional_hours=d.get("ce_professional_hours"))


def _engine(config: str) -> Any:
    if config not in _engines:
        from pipeline.documents.ocr import make_engine

        _engines[config] = make_engine("rapidocr" if config == "rapid" else "cascade")
        _engines[config].load()  # the models are loaded before any reading is timed
    return _engines[config]


def read_one(task: tuple[str, str, dict[str, Any]]) -> dict[str, Any]:
    """Read one image with one configuration; the fields, their trust, the findings, the CPU."""
    from PIL import Image

    from pipeline.documents.fields import extract_fields, normalize_ocr_text
    from pipeline.domain.materials import MaterialKind
    from pipeline.rules.certificates import check_certificate
    from pipeline.rules.fields_confirm import FieldsConfirm, result_fields

    config, path, truth = task
    kind = MaterialKind(truth["kind"])
    declared = _declared(truth)
    engine = _engine(config)
    start = _cpu()
    with Image.open(path) as img:
        if config == "name-id":
            def confirm(result: Any) -> bool:
                flat = "".join(normalize_ocr_text(result.text).split()).upper()
                shows_id = declared.id_number.upper() in flat or kind in (
                    MaterialKind.DIPLOMA, MaterialKind.DEGREE_CERT)
                return declared.name in flat and shows_id
            result = engine.read(img, timeout=300, confirm=confirm)
            fields = extract_fields(kind, result.text, result.line_scores, result.char_scores)
        elif config == "fields":
            result = engine.read(img, timeout=300, confirm=FieldsConfirm(kind, declared))
            fields = result_fields(kind, result)
        else:
            result = engine.read(img, timeout=300)
            fields = extract_fields(kind, result.text, result.line_scores, result.char_scores)
    cpu = _cpu() - start
    findings, _ = check_certificate(kind, fields, result.page_text, declared, material=truth["file"])
    alarms = [f.rule for f in findings if f.rule.endswith("mismatch")]
    return {"config": config, "file": truth["file"], "kind": truth["kind"],
            "condition": truth.get("condition") or truth.get("degradation"), "cpu": cpu,
            "escalated": result.first is not None or result.engine.startswith("rapidocr") and config != "rapid",
            "bands": result.engine.endswith(":bands"),
            "fields": score(truth, fields), "right": values_right(truth, fields), "alarms": alarms,
            "doubts": {k: fields.doubts.get(k, "") for k in expected(truth)},
            "read": {k: str(fields.value(k)) for k in expected(truth)}}


def expected(truth: dict[str, Any]) -> dict[str, Any]:
    """The true value of every field the rules need on this kind (None: not printed)."""
    kind = truth["kind"]
    dates = {_DATE_KEYS.get(k, k): v for k, v in truth["dates"].items()}
    out: dict[str, Any] = {"name": truth["name"]}
    if kind in ("现职称证书", "继续教育学时认定单"):
        out["id_number"] = truth["id_number"]
    if truth.get("certificate_no"):
        out["certificate_number"] = truth["certificate_no"]
    key = {"学历证书": "graduation", "学位证书": "degree_award", "现职称证书": "title_approval"}.get(kind)
    if key:
        out[key] = dates[key]
    if truth.get("hours"):
        h = truth["hours"]
        out.update({"ce_year": h["year"], "ce_public_hours": float(h["public"]),
                    "ce_professional_hours": float(h["professional"]), "ce_total_hours": float(h["total"])})
    return out


def score(truth: dict[str, Any], fields: Any) -> dict[str, str]:
    """exact / unsure / wrong for each field of `expected(truth)` (`unsure` also when the value
    read happens to be right: it is not shown as a reading)."""
    return {key: v[0] for key, v in _scored(truth, fields).items()}


def values_right(truth: dict[str, Any], fields: Any) -> dict[str, bool]:
    """Whether each field's value read is the true one, trusted or not (today's measure)."""
    return {key: v[1] for key, v in _scored(truth, fields).items()}


def _scored(truth: dict[str, Any], fields: Any) -> dict[str, tuple[str, bool]]:
    out = {}
    for key, want in expected(truth).items():
        got = fields.value(key)
        if isinstance(got, date):
            precision = fields.date_precision.get(key, "day")
            got = got.isoformat() if precision == "day" else got.isoformat()[:7]
        right = got == want
        if got is None or not fields.trusted(key):
            out[key] = ("unsure", right)
        else:
            out[key] = ("exact" if right else "wrong", right)
    return out


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.0f} %" if d else "—"


def report(rows: list[dict[str, Any]], set_name: str) -> None:
    """Print the tables of one set: per configuration, per kind and condition, per field."""
    by_config: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        by_config[r["config"]].append(r)
    print(f"\n## {set_name}: {len(next(iter(by_config.values())))} certificates\n")
    print("| config | CPU s/cert | escalated | bands alone | all right, scans | all right, photos | fields exact | unsure | wrong (trusted) | names read right | IDs read right | false ✗ |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for config, rs in by_config.items():
        scans = [r for r in rs if r["condition"] in SCANS]
        photos = [r for r in rs if r["condition"] not in SCANS]
        allright = lambda group: sum(all(v == "exact" for v in r["fields"].values()) for r in group)  # noqa: E731
        counts = defaultdict(int)
        for r in rs:
            for v in r["fields"].values():
                counts[v] += 1
        total = sum(counts.values())
        names = [r["right"]["name"] for r in rs]
        ids = [r["right"]["id_number"] for r in rs if "id_number" in r["right"]]
        print(f"| {config} | {sum(r['cpu'] for r in rs) / len(rs):.2f} | {_pct(sum(r['escalated'] for r in rs), len(rs))} "
              f"| {_pct(sum(r['bands'] for r in rs), len(rs))} "
              f"| {_pct(allright(scans), len(scans))} | {_pct(allright(photos), len(photos))} "
              f"| {_pct(counts['exact'], total)} | {_pct(counts['unsure'], total)} | {counts['wrong']} "
              f"| {_pct(sum(names), len(names))} | {_pct(sum(ids), len(ids))} "
              f"| {sum(len(r['alarms']) for r in rs)} |")
    for config, rs in by_config.items():
        print(f"\n{config}: exact / unsure / wrong per kind and field, scans | photos")
        table: dict[tuple[str, str], dict[str, list[int]]] = defaultdict(lambda: {"s": [0, 0, 0], "p": [0, 0, 0]})
        for r in rs:
            side = "s" if r["condition"] in SCANS else "p"
            for key, v in r["fields"].items():
                table[(r["kind"], key)][side][("exact", "unsure", "wrong").index(v)] += 1
        for (kind, key), c in sorted(table.items()):
            print(f"  {kind:<10} {key:<22} {'/'.join(map(str, c['s']))} | {'/'.join(map(str, c['p']))}")
        wrong = [(r["file"], k) for r in rs for k, v in r["fields"].items() if v == "wrong"]
        if wrong:
            print("  wrong and trusted:", wrong)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--sets", default="sample,independent")
    ap.add_argument("--configs", default="name-id,fields")
    ap.add_argument("--limit", type=int, default=0, help="at most this many images per set")
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--kinds", help="only these kinds (comma-separated), e.g. 学历证书,现职称证书")
    ap.add_argument("--json", type=Path, help="write every row here")
    args = ap.parse_args(argv)
    everything = []
    for set_name in args.sets.split(","):
        folder = SETS[set_name]
        truths = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
        if args.kinds:
            truths = [t for t in truths if t["kind"] in args.kinds.split(",")]
        if args.limit:
            truths = truths[::max(1, len(truths) // args.limit)][:args.limit]
        configs = args.configs.split(",")
        # each image read with every configuration one after the other, so that the load of a
        # shared machine, which drifts over minutes, weighs on every configuration alike
        tasks = [(config, str(folder / t["file"]), t) for t in truths for config in configs]
        start = time.perf_counter()
        with Pool(args.processes) as pool:
            done = pool.map(read_one, tasks, chunksize=1)
        rows = [r for config in configs for r in done if r["config"] == config]
        print(f"{set_name} {','.join(configs)}: {len(truths)} images in {time.perf_counter() - start:.0f} s",
              file=sys.stderr)
        report(rows, set_name)
        everything += [dict(r, set=set_name) for r in rows]
    if args.json:
        args.json.write_text(json.dumps(everything, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
