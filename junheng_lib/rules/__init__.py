"""The rules of the official evaluation, as data: ``rules.toml`` read once (``table``: standard
library only, so the command line starts fast), the indicator table built from it (``indicators``:
codes, names, units, standards, limits, tolerance, display formats), the status and severity codes
whose words the rule table gives (``codes``), and the open points as one ``Options`` object.

A threshold, share or label written anywhere else is a bug: computation, tables and report text all
read them from here.

May import: ``junheng_lib.util``.
"""
