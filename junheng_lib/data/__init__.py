"""The input tables as users export them: the declared schemas (``schema``); reading CSV and .xlsx in
any encoding a bureau uses, every error at once — the readers by format (``csv``, ``xlsx``), what
both share (``sheet``), the header row (``headers``), rows to skip or refuse (``rows``), the table
read (``read``), cells to typed values (``cells``), the row rules (``validate``) and the public
readers (``io``: ``read_schools``, ``read_classes``, ``read_counties``; ``errors``); the validated
``Dataset`` of a data folder and a county's slice of it (``dataset``); the published results of a
year folder that the roll-up reads (``results``); and the sample city (``sample``).

Nothing here computes an indicator.

May import: ``junheng_lib.util``, ``junheng_lib.rules``.
"""
