"""The input tables as users export them: the declared schemas (``schema``), reading CSV and .xlsx
in any encoding a bureau uses with every error at once (``io``, ``errors``), the validated
``Dataset`` of a data folder and a county's slice of it (``dataset``), the published results of a
year folder the roll-up reads (``results``), and the sample city (``sample``).

Nothing here computes an indicator.

May import: ``junheng_lib.util``, ``junheng_lib.rules``.
"""
