"""Writing one applicant's folder: every material, with the flaw the plan gave the applicant."""

from __future__ import annotations

import random
from pathlib import Path

from pipeline.domain.identity import make_id_number

from .certificates import (
    ce_form_image,
    degree_image,
    diploma_image,
    honor_image,
    scanned_page_image,
    title_certificate_image,
)
from .documents import achievements_pdf, application_form_pdf, report_pdf, word_document_bytes
from .image_files import jpeg_bytes, phone_photo_bytes, png_bytes
from .people import Person, SampleApplicant, pick_name
from .people_data import ID_REGIONS


def write_materials(folder: Path, p: Person, flaw: str | None, light: bool, seed: int,
                    exif_photo: bool, second_achievement: bool) -> list[str]:
    """Write one applicant's materials into `folder`, flaw included; returns the file names."""
    a = p.applicant
    rng = random.Random(f"{seed}:render:{a.id_number}")
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, bytes] = {}

    shown_name = a.name
    shown_id = a.id_number
    if flaw == "ocr.name_mismatch":
        other = pick_name(rng, p.true_gender)
        while other == a.name:
            other = pick_name(rng, p.true_gender)
        shown_name = other
    if flaw == "ocr.id_mismatch":
        first17 = rng.choice(ID_REGIONS) + a.id_number[6:14] + f"{rng.randrange(1000):03d}"
        shown_id = make_id_number(first17)
        if shown_id == a.id_number:
            shown_id = make_id_number(first17[:14] + f"{(int(first17[14:]) + 2) % 1000:03d}")

    files["专业技术职称评审表.pdf"] = application_form_pdf(p, light, rng)
    diploma = diploma_image(p, light)
    files["学历证书.jpg"] = phone_photo_bytes(diploma, rng, a.year, light) if exif_photo else jpeg_bytes(diploma, light)
    if a.degree in ("学士", "硕士", "博士"):
        files["学位证书.png"] = png_bytes(degree_image(p, light), light)
    files["继续教育学时认定单.jpg"] = jpeg_bytes(ce_form_image(p, light, rng, shown_name, shown_id), light)
    if a.level != "初级":
        title_id = shown_id if flaw == "ocr.id_mismatch" else a.id_number
        files["现职称证书.jpg"] = jpeg_bytes(title_certificate_image(p, light, title_id), light)
    files["业绩材料.pdf"] = achievements_pdf(p, light, rng, 1)
    if second_achievement or flaw in ("material.bad_type", "material.wrong_form"):
        files["业绩材料-2.pdf"] = achievements_pdf(p, light, rng, 2)
    report = report_pdf(p, light, rng, short=flaw == "report.too_short")
    files["述职报告.pdf"] = report

    if flaw == "material.missing":
        del files["述职报告.pdf"]
    elif flaw == "material.bad_type":
        files["业绩材料.pdf"] = word_document_bytes(p)
    elif flaw == "material.unreadable":
        files["述职报告.pdf"] = report[: len(report) // 2]
    elif flaw == "material.unknown_name":
        files["扫描件001.jpg"] = jpeg_bytes(honor_image(p, light), light)
    elif flaw == "material.duplicate":
        files["毕业证-2.jpg"] = files["学历证书.jpg"]
    elif flaw == "material.wrong_form":
        del files["业绩材料.pdf"]
        files["业绩材料.jpg"] = jpeg_bytes(scanned_page_image(p, light, rng), light)

    for name, data in files.items():
        (folder / name).write_bytes(data)
    return sorted(files)


def folder_name(a: SampleApplicant, index: int) -> str:
    """The applicant's folder name, in the shapes units use: ID_name, name_ID, a bare ID, a lower x."""
    id_number = a.id_number
    if id_number.endswith("X") and index % 2 == 1:
        id_number = id_number[:-1] + "x"  # the contract treats x as X
    if index % 6 == 4:
        return f"{a.name}_{id_number}"
    if index % 10 == 7:
        return id_number
    return f"{id_number}_{a.name}"
