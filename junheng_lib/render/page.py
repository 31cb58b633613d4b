"""An executed report notebook as one self-contained HTML page: no code, in Chinese, offline.

:func:`notebook_to_html` is what the runner calls after a notebook has run: nbconvert's HTML
export without input cells or prompts (one exporter per process, its templates loaded once), the
page declared Chinese, nbconvert's scripts from the web removed, character references written as
characters, and a contents list (目录) after the title.
"""
from __future__ import annotations

import functools
import re
import threading
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

from junheng_lib.util.fileio import atomic_write_text

__all__ = ["notebook_to_html", "prepare_html", "offline", "unentity", "zh_lang", "add_contents", "CONTENTS_TITLE"]


#: what nbconvert's HTMLExporter adds in its last pass (BeautifulSoup): a text alternative on images
#: without one, and keyboard focus on each output area
_IMG_WITHOUT_ALT = re.compile(r"<img\b(?![^>]*\balt=)([^>]*?)(/?)>")
_FOCUSABLE = re.compile(r'(<div\b[^>]*\bclass="[^"]*\b(?:jp-OutputArea-output|jp-Cell-inputWrapper)\b[^"]*"[^>]*?)(?<!/)>')
_NO_ALT = "No description has been provided for this image"


def _exporter_class():
    """nbconvert's HTMLExporter without its last pass, which parses the whole page again with
    BeautifulSoup (pure Python: about a second for a county report's thousands of table cells) to add
    two attributes to tags of its own template; here two regular expressions add the same attributes
    to the same tags (tests/test_batch_floor.py: the same document as nbconvert's)."""
    class ReportHTMLExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            html = _IMG_WITHOUT_ALT.sub(lambda m: f'<img{m.group(1)} alt="{_NO_ALT}"{m.group(2)}>', html)
            html = _FOCUSABLE.sub(lambda m: f'{m.group(1)} tabindex="0">', html)
            return html, resources

    return ReportHTMLExporter


_HTML_LOCK = threading.Lock()


@functools.cache
def _html_exporter():
    """The HTML exporter of this process (its templates are loaded once)."""
    exporter = _exporter_class()(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    exporter.from_notebook_node(nbformat.v4.new_notebook(), resources={"metadata": {"name": ""}})
    return exporter


def html_exporter():
    """The HTML exporter of this process, made once (also from a background thread: see
    :func:`prepare_html`)."""
    with _HTML_LOCK:
        return _html_exporter()


def prepare_html() -> None:
    """Load the HTML conversion in the background (while a kernel runs the notebook)."""
    threading.Thread(target=html_exporter, name="junheng-html", daemon=True).start()


def notebook_to_html(nb_path: str | Path, html_path: str | Path, title: str) -> Path:
    """Self-contained HTML of an executed notebook, without code cells or prompts, in Chinese, with
    a contents list, opening without the network; written atomically."""
    nb = nbformat.read(str(nb_path), as_version=4)
    body, _ = html_exporter().from_notebook_node(nb, resources={"metadata": {"name": title}})
    body = offline(zh_lang(unentity(body)))   # a Chinese document that opens without the network
    body = add_contents(body)
    return atomic_write_text(html_path, body)


#: the contents list of an HTML report: one link per section heading (h2), after the title (h1)
CONTENTS_TITLE = "目录"
_CONTENTS_CSS = """<style>
nav.jh-contents { margin: 1em 0 1.5em; padding: 0.6em 1.2em; border: 1px solid #ccc; break-inside: avoid; }
nav.jh-contents p { font-weight: bold; margin: 0 0 0.4em; }
nav.jh-contents ul { list-style: none; margin: 0; padding: 0; columns: 2; }
nav.jh-contents li { margin: 0.15em 0; }
nav.jh-contents a { text-decoration: none; color: inherit; }
@media print { nav.jh-contents { border: none; padding: 0; } nav.jh-contents a::after { content: none; } }
</style>"""


_CDN_SCRIPTS = (
    re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S),
    re.compile(r'<script type="module">(?:(?!</script>).)*?cdnjs\.cloudflare\.com/ajax/libs/mermaid.*?</script>', re.S),
    re.compile(r'<script src="https://cdnjs\.cloudflare\.com/ajax/libs/require\.js/[^"]*"></script>'),
)


def offline(body: str) -> str:
    """The page without nbconvert's scripts from the web (MathJax, mermaid, require.js): a report has
    no formulas or diagrams, and on an office PC without internet (or when printed headless) the
    MathJax request would only hold the page.

    >>> page = ('<head><!-- Load mathjax -->\\n<script src="https://cdnjs.cloudflare.com/x.js"> </script>'
    ...         '<!-- End of mathjax configuration --><script type="module">import("https://cdnjs.cloudflare.com/'
    ...         'ajax/libs/mermaid/1/m.mjs")</script><script src="https://cdnjs.cloudflare.com/ajax/libs/'
    ...         'require.js/2.1.10/require.min.js"></script><script>x()</script></head>')
    >>> offline(page)
    '<head><script>x()</script></head>'
    """
    for pattern in _CDN_SCRIPTS:
        body = pattern.sub("", body, count=1)
    return body


def unentity(body: str) -> str:
    """The page with non-ASCII character references written as the characters themselves.

    nbconvert serializes each heading it anchors with ElementTree's ASCII default, so a Chinese heading
    reaches the page as ``&#24635;&#20307;…``: it displays the same, but a search of the file, a diff, or
    a screen reader's source view sees numbers. Only references above ASCII are replaced, so markup
    escapes (``&#60;``) stay escapes.

    >>> unentity("<h2>&#24635;&#20307;&#32467;&#35770; &#60;b&#62; &#x4E00;</h2>")
    '<h2>总体结论 &#60;b&#62; 一</h2>'
    """
    def char(m: re.Match) -> str:
        code = int(m.group(1)[1:], 16) if m.group(1)[:1] in "xX" else int(m.group(1))
        return chr(code) if 127 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else m.group(0)
    return re.sub(r"&#([0-9]+|[xX][0-9a-fA-F]+);", char, body)


def zh_lang(body: str) -> str:
    """The page declared Chinese: ``<html lang="zh-CN">`` (nbconvert writes ``lang="en"``).

    >>> zh_lang('<!DOCTYPE html>\\n<html lang="en">'), zh_lang("<html>")
    ('<!DOCTYPE html>\\n<html lang="zh-CN">', '<html lang="zh-CN">')
    """
    if re.search(r"<html[^>]*\blang=", body):
        return re.sub(r'(<html[^>]*\blang=)("[^"]*"|\'[^\']*\')', r'\1"zh-CN"', body, count=1)
    return re.sub(r"<html", '<html lang="zh-CN"', body, count=1)


def add_contents(body: str) -> str:
    """The HTML with a contents list (目录) linking every section heading (``<h2 id=…>``), placed right
    after the report's title (or at the top of the page without one) and kept in print; unchanged
    when the page has no section heading.

    >>> html = '<head></head><body><main><h1 id="t">报告</h1><h2 id="a">一、基本情况<a class="anchor-link" href="#a">¶</a></h2></main></body>'
    >>> out = add_contents(html)
    >>> '<li><a href="#a">一、基本情况</a></li>' in out and out.index("目录") > out.index("</h1>")
    True
    """
    heads = re.findall(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', body, flags=re.S)
    if not heads:
        return body
    items = []
    for anchor, inner in heads:
        text = re.sub(r"<a class=\"anchor-link\".*?</a>", "", inner, flags=re.S)
        text = re.sub(r"<[^>]+>", "", text).strip()
        if text:
            items.append(f'<li><a href="#{anchor}">{text}</a></li>')
    nav = (f'<nav class="jh-contents" aria-label="{CONTENTS_TITLE}"><p>{CONTENTS_TITLE}</p><ul>'
           + "".join(items) + "</ul></nav>")
    m = re.search(r"</h1>", body)
    if m:
        body = body[:m.end()] + nav + body[m.end():]
    else:
        m = re.search(r"<main[^>]*>|<body[^>]*>", body)
        at = m.end() if m else 0
        body = body[:at] + nav + body[at:]
    return body.replace("</head>", _CONTENTS_CSS + "</head>", 1)
