"""Rendering: the blocks a report is made of (``blocks``: paragraphs, charts; ``table``: the one
table model) and one module per format, each owning it — ``html`` (tables), ``page`` (an executed
notebook as a self-contained HTML page), ``docx`` (GB/T 9704 Word from a template; its page and
styles ``docx_styles``, the template checked and filled ``docx_template``, tables ``docx_table``), ``xlsx`` (workbooks, the
``evaluate`` and ``check`` tables) and ``notebook`` (the one display loop of a report's sections).

Renderers only lay out what a report gives them; they never compute a value or decide a verdict.
They know blocks, not reports (as statsmodels' ``iolib`` knows tables, not models): a report is any
object with ``sections()`` and ``blocks(section)``.

May import: ``junheng_lib.util``, ``junheng_lib.rules``, ``junheng_lib.data``, ``junheng_lib.analysis``,
``junheng_lib.evaluation``.
"""
