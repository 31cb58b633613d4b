"""What the county report and the city roll-up share: an outline of sections built once.

A :class:`Report` declares its sections (:mod:`junheng_lib.report.outline`); each section's blocks
— paragraphs, tables, charts (:mod:`junheng_lib.render.blocks`) — are built once, by the methods the
outline names, and read by every renderer: the notebook (:meth:`Report.show`), Word and Excel.
"""
from __future__ import annotations

from junheng_lib.render import notebook
from junheng_lib.report.outline import Section

__all__ = ["Report"]


class Report:
    """A report with an outline. Subclasses give :meth:`sections`; each name in a section's
    ``blocks`` is a method returning a block, a list of blocks, or None (nothing to show)."""

    def sections(self) -> list[Section]:
        raise NotImplementedError

    def section(self, key: str) -> Section | None:
        """The section of that key among :meth:`sections` (None: this report does not have it)."""
        return next((s for s in self.sections() if s.key == key), None)

    def blocks(self, section: Section) -> list:
        """The blocks of one section, in order (None results dropped); built once per report, so the
        notebook and the Word writer show the same objects (charts drawn once)."""
        built = self.__dict__.setdefault("_blocks", {})
        if section.key not in built:
            out = []
            for name in section.blocks:
                b = getattr(self, name)()
                if b is not None:
                    out.extend(b if isinstance(b, list) else [b])
            built[section.key] = out
        return built[section.key]

    @property
    def numbering(self) -> dict:
        """Tables and charts shown so far in the notebook (表N, 图N follow on across sections)."""
        return self.__dict__.setdefault("_numbers", {"table": 0, "chart": 0})

    def show(self, key: str) -> None:
        """Display one section in a notebook (:func:`junheng_lib.render.notebook.show`)."""
        notebook.show(self, key)
