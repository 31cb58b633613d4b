"""Helpers with no knowledge of the domain: atomic file writing with Chinese error messages
(``fileio``), safe file names (``names``), table selection (``frames``), where the sample data and
notebooks are (``paths``) and the version.

May import: the standard library (and pandas in ``frames``); nothing of junheng_lib.
"""
