"""The reports: the county report (``county``) and the city roll-up (``city``) turn an evaluation
(or the counties' results) into sections of blocks, declared once in ``outline``; ``narrative``
owns all report prose; ``plots`` draws the charts (with the bundled CJK font in ``fonts/``);
``display`` gives styled tables for exploring in JupyterLab; ``base`` is what both reports share.

A report formats and arranges; it never computes an indicator or decides a verdict (the evaluation
did). It shows and writes itself through ``junheng_lib.render``.

May import: every layer below it (``util``, ``rules``, ``data``, ``analysis``, ``evaluation``, ``render``).
"""
