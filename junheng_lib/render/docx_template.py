"""The Word template of a report: junheng's default, or a bureau's own, checked (readable, a real
.docx, its placeholders ``{{ title }}``, ``{{ issuer }}``, ``{{ date }}``) and filled in with docxtpl;
every problem a Chinese :class:`TemplateError` naming the template."""
from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from docxtpl import DocxTemplate
from lxml import etree

from junheng_lib.render.docx_styles import DEFAULT_TEMPLATE


class TemplateError(ValueError):
    """A Word template that cannot be used (missing, unreadable, not a .docx); the message is Chinese."""



# ---------------------------------------------------------------------------------------------- template
def default_template() -> Path:
    """Path of the template shipped with junheng."""
    return Path(str(resources.files(__package__).joinpath("templates", DEFAULT_TEMPLATE)))


def check_template(path: str | Path) -> Path:
    """The template's absolute path, once it is known to be a readable Word document; otherwise a
    :class:`TemplateError` with a Chinese message (before any work starts). A Word template file
    (.dotx), a macro-enabled document (.docm) and a document whose text part is not well-formed XML
    are refused here; :func:`check_template_renders` also fills it in once."""
    import zipfile
    p = Path(path).expanduser()
    shown = p.name or str(path)
    if not p.exists():
        raise TemplateError(f"Word 模板“{shown}”不存在")
    if p.is_dir():
        raise TemplateError(f"Word 模板“{shown}”是一个文件夹，应为 .docx 文件")
    try:
        with zipfile.ZipFile(p) as z:
            names = set(z.namelist())
            if "word/document.xml" not in names or "[Content_Types].xml" not in names:
                raise TemplateError(f"Word 模板“{shown}”不是 Word 文档(.docx)")
            _check_content_type(shown, z.read("[Content_Types].xml"))
            _check_xml(shown, "word/document.xml", z.read("word/document.xml"))
    except PermissionError:
        raise TemplateError(f"Word 模板“{shown}”无法读取：没有读取权限") from None
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, NotImplementedError, RuntimeError):
        raise TemplateError(f"Word 模板“{shown}”不是 Word 文档(.docx)，或文件已损坏"
                            + ("；旧版 .doc 文件请在 Word 或 WPS 中另存为 .docx" if p.suffix.lower() == ".doc" else "")
                            ) from None
    except OSError as e:
        raise TemplateError(f"Word 模板“{shown}”无法读取：{e.strerror or e}") from None
    return p.resolve()


#: content type of the main part of a Word document (.docx), the only kind python-docx opens
_DOCUMENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_CT_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
SAVE_AS = "请在 Word 或 WPS 中打开它，另存为“Word 文档(.docx)”后再使用"


def _check_content_type(shown: str, content_types: bytes) -> None:
    """Refuse a package whose main part is not a Word document's: a template (.dotx, .dotm) or a
    macro-enabled document (.docm) has the same parts under another content type."""
    try:
        root = etree.fromstring(content_types, parser=_SAFE_XML)
    except etree.XMLSyntaxError:
        raise TemplateError(f"Word 模板“{shown}”已损坏（[Content_Types].xml 无法读取）；请在 Word 或 WPS 中打开后"
                            "重新保存为 .docx") from None
    kind = next((el.get("ContentType", "") for el in root.iter(f"{_CT_NS}Override")
                 if el.get("PartName", "").lower() == "/word/document.xml"), None)
    if kind is None:
        kind = next((el.get("ContentType", "") for el in root.iter(f"{_CT_NS}Default")
                     if el.get("Extension", "").lower() == "xml"), "")
    if kind == _DOCUMENT_TYPE:
        return
    low = kind.lower()
    if "template" in low:
        what = " Word 模板文件(.dotx/.dotm)，不是 Word 文档"
    elif "macroenabled" in low:
        what = "启用宏的 Word 文档(.docm)"
    else:
        what = "不是 Word 文档(.docx)"
        raise TemplateError(f"Word 模板“{shown}”{what}（内容类型：{kind or '未注明'}）；{SAVE_AS}")
    raise TemplateError(f"Word 模板“{shown}”是{what}；{SAVE_AS}")


#: lxml parser for the template's parts: no entities resolved, no network
_SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True)


def _check_xml(shown: str, part: str, data: bytes) -> None:
    try:
        etree.fromstring(data, parser=_SAFE_XML)
    except etree.XMLSyntaxError as e:
        raise TemplateError(f"Word 模板“{shown}”已损坏：其中的 {part} 不是完整的 XML（{first_line(e)}）；"
                            "请在 Word 或 WPS 中打开后重新保存为 .docx") from None


def first_line(e: BaseException) -> str:
    text = str(getattr(e, "message", None) or e).strip()
    return (text.splitlines() or [type(e).__name__])[0][:200]


#: the placeholders a template may use, with what they are filled with
PLACEHOLDERS = {"title": "标题", "issuer": "发文单位", "date": "日期"}
_ALLOWED = "、".join(f"{{{{ {k} }}}}（{v}）" for k, v in PLACEHOLDERS.items())


def _jinja_message(name: str, e: BaseException) -> str:
    """A Jinja error of a template, in Chinese (the Jinja text in parentheses)."""
    import jinja2
    detail = first_line(e)
    near = ""
    for line in getattr(e, "docx_context", None) or []:   # the paragraphs around the error (docxtpl)
        text = re.sub(r"\s+", " ", str(line)).strip()
        if "{" in text or "}" in text:
            near = text[:80]
            break
    where = f"（所在段落：“{near}”）" if near else ""
    jinja = f"（Jinja：{detail}）"
    if isinstance(e, jinja2.UndefinedError):
        m = re.search(r"'([^']+)' is undefined", detail)
        what = f"占位符“{{{{ {m.group(1)} }}}}”无法填写" if m else "占位符无法填写"
        return f"Word 模板“{name}”中的{what}{where}：模板中只能使用 {_ALLOWED}{jinja}"
    if isinstance(e, jinja2.TemplateAssertionError):
        m = re.search(r"No (filter|test) named '([^']+)'", detail)
        if m:
            kind = "过滤器" if m.group(1) == "filter" else "测试"
            return f"Word 模板“{name}”中的占位符有误：使用了不存在的{kind}“{m.group(2)}”{where}{jinja}"
    if isinstance(e, jinja2.TemplateSyntaxError):
        return (f"Word 模板“{name}”中的占位符有误：“{{{{ … }}}}”或“{{% … %}}”不完整、未闭合或写法不对{where}"
                f"；可用的占位符为 {_ALLOWED}{jinja}")
    return f"Word 模板“{name}”中的占位符有误{where}{jinja}"


def render_template(template: Path, context: dict):
    """The template with its placeholders filled (docxtpl), as a python-docx Document, and whether it
    shows the title itself. A placeholder other than :data:`PLACEHOLDERS` is an error (never filled
    with nothing), and so is any Jinja error: a :class:`TemplateError` in Chinese."""
    import jinja2
    name = template.name
    tpl = DocxTemplate(str(template))
    try:
        tpl.init_docx()
    except Exception as e:  # noqa: BLE001 - python-docx refuses the package
        raise TemplateError(f"Word 模板“{name}”无法打开（{type(e).__name__}：{first_line(e)}）；{SAVE_AS}") from e
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    try:
        tpl.render(context, jinja_env=env, autoescape=True)
        used = tpl.get_undeclared_template_variables(jinja_env=jinja2.Environment())
    except jinja2.TemplateError as e:   # a Jinja error in a bureau's template: say what and where
        raise TemplateError(_jinja_message(name, e)) from e
    except Exception as e:  # noqa: BLE001 - e.g. the filled-in text is no longer valid WordprocessingML
        raise TemplateError(f"Word 模板“{name}”填入标题、发文单位和日期后不再是有效的 Word 文档"
                            f"（{type(e).__name__}：{first_line(e)}）") from e
    return tpl.docx, "title" in used
