"""Self-corrections: "the bus, no sorry, the train" means the train. The last correction
wins; what came before it is dropped, whatever it was."""

from __future__ import annotations

from collections.abc import Callable

from .phrases import Match, scan, strip_edges

# Decides whether one occurrence of a correction phrase really corrects (given the words of
# the whole text); "no" before an option is a negation, not a correction.
Corrects = Callable[[list[str], Match], bool]


def always(words: list[str], match: Match) -> bool:
    return True


def last_correction(
    text: str, markers: tuple[str, ...], edges: tuple[str, ...], corrects: Corrects = always,
    keep: tuple[str, ...] = (), trailing_is_polite: bool = False,
) -> str:
    """The words after the last correction; the whole text when nothing is corrected. A
    longer phrase in `keep` holding a marker is no correction ("pero no" excludes, it does
    not correct). Nothing after the last correction ("car? no") leaves nothing, unless a
    trailing one is only polite ("no, sorry" answering yes or no)."""
    words = text.split()
    kinds = dict.fromkeys(keep, "kept")
    kinds.update(dict.fromkeys(markers, "correction"))
    found = [m for m in scan(words, kinds) if m.kind == "correction" and corrects(words, m)]
    if not found:
        return text
    bounds = [0, *(b for m in found for b in (m.start, m.end)), len(words)]
    segments = [strip_edges(words[bounds[i]:bounds[i + 1]], edges)
                for i in range(0, len(bounds), 2)]
    kept = [segment for segment in segments if segment]
    if not segments[-1] and not trailing_is_polite:
        return ""
    return " ".join(kept[-1]) if kept else ""
