"""What an applicant's PDF may not bring into the packet: actions a reader would run.

Pages are merged as they are, except that every action goes: the page's own /AA, and each
annotation's /A and /AA (links, form buttons); annotations that carry a file or media
(FileAttachment, Sound, Movie, Screen, RichMedia, 3D) are dropped whole. Document-level
actions (/OpenAction, /AA, the JavaScript and EmbeddedFiles name trees, XFA forms) are never
copied, since only pages are. What was found is named in Chinese for the packet's cover.
"""

from __future__ import annotations

from typing import Any

from pypdf.generic import ArrayObject, DictionaryObject, NameObject

# Action types a reviewer's PDF reader would run, and how the cover names them.
DANGEROUS = {
    "/JavaScript": "JavaScript脚本", "/Launch": "启动外部程序（Launch）", "/URI": "外部网址链接（URI）",
    "/SubmitForm": "提交表单到外部地址（SubmitForm）", "/ImportData": "导入外部数据（ImportData）",
    "/GoToR": "打开其他文件（GoToR）", "/GoToE": "打开嵌入文件（GoToE）", "/Rendition": "播放媒体（Rendition）",
    "/Sound": "播放声音", "/Movie": "播放视频", "/RichMediaExecute": "富媒体命令",
    "/ResetForm": "重置表单（ResetForm）", "/Hide": "隐藏/显示页面内容（Hide）",
}
MEDIA_ANNOTATIONS = {"/FileAttachment": "附件（嵌入文件）", "/Sound": "声音附件", "/Movie": "视频",
                     "/Screen": "媒体播放区", "/RichMedia": "富媒体", "/3D": "三维模型"}
CATALOG = {"/OpenAction": "打开文件时自动执行的动作（OpenAction）", "/AA": "文档级自动动作（AA）"}
NAMES = {"/JavaScript": "文档级JavaScript脚本", "/EmbeddedFiles": "嵌入文件（EmbeddedFiles）"}
_MAX_CHAIN = 50  # /Next chains longer than this are not followed (a loop, or an attack)


def _resolve(obj: Any) -> Any:
    return obj.get_object() if hasattr(obj, "get_object") else obj


def _action_labels(action: Any, found: set[str], depth: int = 0) -> None:
    """Name the dangerous types in an action and its /Next chain (an action or an array)."""
    action = _resolve(action)
    if depth > _MAX_CHAIN:
        return
    if isinstance(action, ArrayObject):
        for item in action:
            _action_labels(item, found, depth + 1)
        return
    if not isinstance(action, DictionaryObject):
        return
    kind = str(action.get("/S", ""))
    found.add(DANGEROUS.get(kind, "其他动作"))
    if "/Next" in action:
        _action_labels(action["/Next"], found, depth + 1)


def _aa_labels(aa: Any, found: set[str]) -> None:
    aa = _resolve(aa)
    if isinstance(aa, DictionaryObject):
        for value in aa.values():
            _action_labels(value, found)


def page_actions(page: Any, remove: bool = False) -> set[str]:
    """The active content of one page (names for the cover); with `remove`, strip it in place."""
    found: set[str] = set()
    if "/AA" in page:
        _aa_labels(page["/AA"], found)
        if remove:
            del page[NameObject("/AA")]
    annots = _resolve(page.get("/Annots"))
    if isinstance(annots, ArrayObject):
        kept = ArrayObject()
        for ref in annots:
            annot = _resolve(ref)
            if not isinstance(annot, DictionaryObject):
                continue
            subtype = str(annot.get("/Subtype", ""))
            if subtype in MEDIA_ANNOTATIONS:
                found.add(MEDIA_ANNOTATIONS[subtype])
                continue  # dropped whole
            if "/A" in annot:
                _action_labels(annot["/A"], found)
                if remove:
                    del annot[NameObject("/A")]
            if "/AA" in annot:
                _aa_labels(annot["/AA"], found)
                if remove:
                    del annot[NameObject("/AA")]
            kept.append(ref)
        if remove:
            page[NameObject("/Annots")] = kept
    found.discard("其他动作")  # internal jumps (GoTo, Named): removed, not worth a warning
    return found


def document_actions(reader: Any) -> set[str]:
    """Active content at the document's level (never copied into the packet, only named)."""
    found: set[str] = set()
    root = _resolve(reader.trailer.get("/Root"))
    if not isinstance(root, DictionaryObject):
        return found
    for key, label in CATALOG.items():
        if key in root:
            found.add(label)
    names = _resolve(root.get("/Names"))
    if isinstance(names, DictionaryObject):
        for key, label in NAMES.items():
            if key in names:
                found.add(label)
    form = _resolve(root.get("/AcroForm"))
    if isinstance(form, DictionaryObject) and "/XFA" in form:
        found.add("XFA动态表单")
    return found


def describe(found: set[str]) -> tuple[str, ...]:
    """A stable order for the cover."""
    order = [*DANGEROUS.values(), *MEDIA_ANNOTATIONS.values(), *CATALOG.values(), *NAMES.values(),
             "XFA动态表单"]
    return tuple(label for label in dict.fromkeys(order) if label in found)
