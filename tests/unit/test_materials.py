"""Material kinds: file names as units really send them map to the right kind and part."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.domain.materials import (
    CERTIFICATE_KINDS,
    EXPECTED_FORM,
    ORDER,
    Classified,
    Form,
    MaterialKind,
    classify,
    required_kinds,
)

K = MaterialKind

NAMES: list[tuple[str, MaterialKind, int]] = [
    # canonical names, any extension and case
    ("专业技术职称评审表.pdf", K.APPRAISAL_FORM, 1),
    ("学历证书.jpg", K.DIPLOMA, 1),
    ("学位证书.png", K.DEGREE_CERT, 1),
    ("继续教育学时认定单.jpg", K.CE_RECORD, 1),
    ("现职称证书.jpeg", K.TITLE_CERT, 1),
    ("业绩材料.pdf", K.ACHIEVEMENTS, 1),
    ("述职报告.PDF", K.WORK_REPORT, 1),
    ("身份证.JPG", K.ID_CARD, 1),
    ("学历证书", K.DIPLOMA, 1),
    # variants
    ("毕业证.jpg", K.DIPLOMA, 1),
    ("毕业证书.jpg", K.DIPLOMA, 1),
    ("学历证.png", K.DIPLOMA, 1),
    ("学历.jpg", K.DIPLOMA, 1),
    ("学位证.jpg", K.DEGREE_CERT, 1),
    ("学位.jpg", K.DEGREE_CERT, 1),
    ("职称评审表.pdf", K.APPRAISAL_FORM, 1),
    ("评审表.pdf", K.APPRAISAL_FORM, 1),
    ("专业技术职务评审表.pdf", K.APPRAISAL_FORM, 1),
    ("专业技术资格评审表.pdf", K.APPRAISAL_FORM, 1),
    ("评审申报表.pdf", K.APPRAISAL_FORM, 1),
    ("继续教育证明.jpg", K.CE_RECORD, 1),
    ("继续教育学时.jpg", K.CE_RECORD, 1),
    ("学时认定单.jpg", K.CE_RECORD, 1),
    ("继续教育登记.jpg", K.CE_RECORD, 1),
    ("现职称.jpg", K.TITLE_CERT, 1),
    ("职称证书.jpg", K.TITLE_CERT, 1),
    ("资格证书.jpg", K.TITLE_CERT, 1),
    ("专业技术资格证书.jpg", K.TITLE_CERT, 1),
    ("中级职称证书.jpg", K.TITLE_CERT, 1),
    ("业绩.pdf", K.ACHIEVEMENTS, 1),
    ("工作业绩.pdf", K.ACHIEVEMENTS, 1),
    ("业绩证明.pdf", K.ACHIEVEMENTS, 1),
    ("述职.pdf", K.WORK_REPORT, 1),
    ("个人述职.pdf", K.WORK_REPORT, 1),
    ("工作总结.pdf", K.WORK_REPORT, 1),
    ("身份证正面.jpg", K.ID_CARD, 1),
    ("身份证反面.jpg", K.ID_CARD, 2),
    # the tricky ones: a shorter name inside a longer one of another kind
    ("学位证书.jpg", K.DEGREE_CERT, 1),
    ("学历学位证书.jpg", K.DEGREE_CERT, 1),
    ("现职称证书.jpg", K.TITLE_CERT, 1),
    ("专业技术职称评审表.pdf", K.APPRAISAL_FORM, 1),
    ("现职称评审表.pdf", K.APPRAISAL_FORM, 1),
    ("专业技术资格证书.png", K.TITLE_CERT, 1),
    ("继续教育学时认定单-学历.jpg", K.CE_RECORD, 1),
    # several files of one kind
    ("业绩材料-2.pdf", K.ACHIEVEMENTS, 2),
    ("业绩材料_3.pdf", K.ACHIEVEMENTS, 3),
    ("业绩材料(2).pdf", K.ACHIEVEMENTS, 2),
    ("业绩材料（2）.PDF", K.ACHIEVEMENTS, 2),
    ("业绩材料 2.pdf", K.ACHIEVEMENTS, 2),
    ("业绩材料\u30002.pdf", K.ACHIEVEMENTS, 2),
    ("业绩材料2.pdf", K.ACHIEVEMENTS, 2),
    ("业绩材料-10.pdf", K.ACHIEVEMENTS, 10),
    ("业绩材料（二）.pdf", K.ACHIEVEMENTS, 2),
    ("业绩材料－２．ＰＤＦ", K.ACHIEVEMENTS, 2),
    ("业绩材料-1.pdf", K.ACHIEVEMENTS, 1),
    ("学历证书 (2).jpg", K.DIPLOMA, 2),
    ("身份证反面-1.jpg", K.ID_CARD, 1),
    ("其他材料-3.pdf", K.OTHER, 3),
    # prefixed (or suffixed) with the applicant's name or ID number, or numbered
    ("张三_毕业证.JPG", K.DIPLOMA, 1),
    ("张三-学位证书.jpg", K.DEGREE_CERT, 1),
    ("430102199001011234-学历证书.jpg", K.DIPLOMA, 1),
    ("43010219900101123X_张三_现职称证书.jpg", K.TITLE_CERT, 1),
    ("张三_430102199001011234_业绩材料-2.pdf", K.ACHIEVEMENTS, 2),
    ("学历证书_43010219900101123x.jpg", K.DIPLOMA, 1),
    ("张三 学历证书.jpg", K.DIPLOMA, 1),
    ("【张三】述职报告.pdf", K.WORK_REPORT, 1),
    ("01.专业技术职称评审表.pdf", K.APPRAISAL_FORM, 1),
    ("2-学历证书.jpg", K.DIPLOMA, 1),
    ("张三/学历证书.jpg", K.DIPLOMA, 1),
    # full-width letters, spaces, odd case
    ("学历证书．ＪＰＧ", K.DIPLOMA, 1),
    (" 学历证书 .Jpg", K.DIPLOMA, 1),
    ("学 历 证 书.jpg", K.DIPLOMA, 1),
    # 其他材料 is a name of its own
    ("其他材料.pdf", K.OTHER, 1),
]


@pytest.mark.parametrize(("filename", "kind", "part"), NAMES)
def test_real_world_file_names_map_to_their_kind_and_part(filename: str, kind: MaterialKind, part: int) -> None:
    assert classify(filename) == Classified(kind, True, part)


@pytest.mark.parametrize("filename", ["扫描件.pdf", "IMG_20240301_120000.jpg", "新建文件夹.zip", "职称.jpg", "", ".pdf", "张三.jpg", "abc-2.pdf"])
def test_names_of_no_kind_are_kept_as_unrecognised_other_material(filename: str) -> None:
    assert classify(filename) == Classified(K.OTHER, False, 1)


def test_an_id_number_after_the_material_name_is_not_taken_for_a_part_number() -> None:
    assert classify("业绩材料-430102199001011234.pdf").part == 1


@given(st.text(max_size=60))
def test_any_file_name_classifies_without_error(filename: str) -> None:
    result = classify(filename)
    assert isinstance(result.kind, MaterialKind)
    assert result.part >= 1
    assert result.recognized or result == Classified(K.OTHER, False, 1)


def test_kinds_keep_the_contract_names_and_order() -> None:
    assert [str(k) for k in ORDER] == [
        "专业技术职称评审表", "学历证书", "学位证书", "继续教育学时认定单", "现职称证书",
        "业绩材料", "述职报告", "身份证", "其他材料",
    ]
    assert set(ORDER) == set(MaterialKind)


def test_each_kind_expects_the_contract_form() -> None:
    assert {k for k, f in EXPECTED_FORM.items() if f is Form.PDF} == {
        K.APPRAISAL_FORM, K.ACHIEVEMENTS, K.WORK_REPORT,
    }
    assert EXPECTED_FORM[K.OTHER] is Form.ANY
    assert {k for k, f in EXPECTED_FORM.items() if f is Form.IMAGE} == {
        K.DIPLOMA, K.DEGREE_CERT, K.CE_RECORD, K.TITLE_CERT, K.ID_CARD,
    }
    assert CERTIFICATE_KINDS == {K.DIPLOMA, K.DEGREE_CERT, K.TITLE_CERT, K.CE_RECORD, K.ID_CARD}


ALWAYS = [K.APPRAISAL_FORM, K.DIPLOMA, K.CE_RECORD, K.ACHIEVEMENTS, K.WORK_REPORT]


@pytest.mark.parametrize(
    ("level", "degree", "expected"),
    [
        ("初级", None, ALWAYS),
        ("初级", "无", ALWAYS),
        ("初级", "", ALWAYS),
        ("初级", "学士", [K.APPRAISAL_FORM, K.DIPLOMA, K.DEGREE_CERT, K.CE_RECORD, K.ACHIEVEMENTS, K.WORK_REPORT]),
        ("中级", None, [K.APPRAISAL_FORM, K.DIPLOMA, K.CE_RECORD, K.TITLE_CERT, K.ACHIEVEMENTS, K.WORK_REPORT]),
        ("副高级", "硕士", [K.APPRAISAL_FORM, K.DIPLOMA, K.DEGREE_CERT, K.CE_RECORD, K.TITLE_CERT, K.ACHIEVEMENTS, K.WORK_REPORT]),
        ("正高级", " 博士 ", [K.APPRAISAL_FORM, K.DIPLOMA, K.DEGREE_CERT, K.CE_RECORD, K.TITLE_CERT, K.ACHIEVEMENTS, K.WORK_REPORT]),
        (None, None, ALWAYS),
    ],
)
def test_required_materials_depend_on_level_and_declared_degree(
    level: str | None, degree: str | None, expected: list[MaterialKind]
) -> None:
    assert required_kinds(level, degree) == expected
