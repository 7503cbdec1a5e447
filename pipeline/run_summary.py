"""How a run went: one entry per district, the summary table, ``reports/run_summary.json``.

A district is ``ok`` (every page published), ``partial`` (the pack is published, but some pages
could not be produced and each is replaced by a notice page naming the problem) or ``failed``
(its results could not be computed or its pack not assembled: no new pack, the previous one,
if any, stays). The exit status of a run is 0 only when every district is ``ok``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from pipeline.errors import InputError
from pipeline.execute import NotebookFailed

OK, PARTIAL, FAILED = "ok", "partial", "failed"


def one_line(exc: BaseException) -> str:
    """An exception as one short line for the run summary."""
    text = str(exc) if isinstance(exc, (InputError, NotebookFailed)) else \
        f"{type(exc).__name__}: {exc}"
    text = " ".join(text.split())
    return text[:300] + ("..." if len(text) > 300 else "")


@dataclass
class DistrictResult:
    """How one district's run went (``seconds``, when it was done after the run started, is
    the only value that varies between runs of the same work). ``notices`` lists the pages
    published as a notice, each as ``"<page>: <problem>"``."""

    code: str
    name: str
    slug: str
    status: str
    seconds: float
    pages: int
    error: str = ""
    ran: int = 0
    reused: int = 0
    computed: int = 0
    published: bool = False
    notices: list[str] = field(default_factory=list)

    def pack_done(self, pages: int, published: bool, notices: list[str]) -> None:
        """Record the published pack (and the pages replaced by a notice)."""
        self.pages, self.published, self.notices = pages, published, list(notices)
        if notices and self.status == OK:
            self.status = PARTIAL
            more = f" (and {len(notices) - 1} more)" if len(notices) > 1 else ""
            self.error = f"{len(notices)} page(s) replaced by a notice: {notices[0]}{more}"

    def fail(self, error: str) -> None:
        """Record the district's failure (the first one counts)."""
        if self.status != FAILED:
            self.status, self.error, self.pages = FAILED, error, 0


@dataclass
class RunSummary:
    """Per-district results of a run, in the order of the area settings."""

    results: list[DistrictResult]

    @property
    def failed(self) -> list[DistrictResult]:
        """The districts without a new pack."""
        return [r for r in self.results if r.status == FAILED]

    @property
    def partial(self) -> list[DistrictResult]:
        """The districts whose pack was published with notice pages."""
        return [r for r in self.results if r.status == PARTIAL]

    @property
    def exit_code(self) -> int:
        """0 when every district succeeded, 1 when one failed or has a notice page."""
        return 1 if self.failed or self.partial else 0

    def as_dict(self) -> dict[str, Any]:
        """The JSON written to ``reports/run_summary.json``."""
        return {"districts": [asdict(r) for r in self.results],
                "ok": len(self.results) - len(self.failed) - len(self.partial),
                "partial": len(self.partial), "failed": len(self.failed)}

    def table(self) -> str:
        """A plain-text table for the terminal, then one line per notice page."""
        rows = [("District", "Code", "Status", "Done at (s)", "Pages", "Run", "Reused", "Error")]
        rows += [(r.name, r.code, r.status, f"{r.seconds:.1f}", str(r.pages), str(r.ran),
                  str(r.reused), r.error) for r in self.results]
        last = len(rows[0]) - 1
        widths = [max(len(row[i]) for row in rows) for i in range(last)]
        lines = ["  ".join(cell.ljust(widths[i]) if i < last else cell
                           for i, cell in enumerate(row)).rstrip() for row in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        lines += [f"Notice page in {r.name}: {notice}" for r in self.partial
                  for notice in r.notices]
        return "\n".join(lines)

    def reuse(self) -> str:
        """One line on what this run reused rather than ran again."""
        ok = [r for r in self.results if r.status != FAILED]
        pages = sum(r.ran + r.reused for r in ok)
        return (f"Pages: {sum(r.ran for r in ok)} run, {sum(r.reused for r in ok)} of {pages} "
                f"reused; results: {sum(r.computed for r in ok)} part(s) computed; packs: "
                f"{sum(r.published for r in ok)} published, "
                f"{sum(not r.published for r in ok)} unchanged.")
