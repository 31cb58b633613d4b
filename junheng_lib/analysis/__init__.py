"""The analyses, one module per family, each tidy DataFrames in and tidy DataFrames out with
documented columns at full precision: multi-stage splitting and scope (``stages``), the weighted
CV, Theil and Gini kernels (``measures``), coefficients and compliance (``coefficients``), the
schools behind a CV (``contributions``), 基本情况 counts (``overview``),
shortfalls and least-cost plans (``plans``), class and school size (``size``), the county items and
三个增长 (``items``), the 城乡 gap (``gap``), CV trends and warnings (``trends``), the 整改台账
(``ledger``), the enrolment projection (``projection``, a county's own intake ``intake``) and what it means for
the indicators (``outlook``), data screening (``screening``: ``screen_schools``, ``screen_counties``
on the common ``screen_base``), the
readiness grade (``readiness``) and the city aggregates of the counties' results (``city``).

No module here reads files, draws, or writes prose for a report.

May import: ``junheng_lib.util``, ``junheng_lib.rules``, ``junheng_lib.data``.
"""
