"""How `diff` reports: each change once with its count, old and new side by side; or JSON."""

from __future__ import annotations

import json

from lgsco_letters.editors.diff import Change, DiffReport
from lgsco_letters.words import plural


def _change_lines(change: Change, indent: str = "    ") -> list[str]:
    old, new = change
    return [f"{indent}- {old}" if old else f"{indent}- (nothing)",
            f"{indent}+ {new}" if new else f"{indent}+ (removed)"]


def as_text(report: DiffReport) -> str:
    letters = plural(report.letters, "letter")
    lines = [f"Against {report.against}: {len(report.changed)} of {letters} change."]
    ordered = sorted(report.changes.items(), key=lambda item: (-len(item[1]), item[0]))
    if ordered:
        lines += ["", "Changes, each shown once («authority» and «recipient» stand for each "
                      "letter's own):"]
    for change, names in ordered:
        who = "" if len(names) == report.letters else (
            f": {', '.join(names[:3])}{' and more' if len(names) > 3 else ''}")
        lines += [f"  in {plural(len(names), 'letter')}{who}", *_change_lines(change)]
    if report.differing:
        lines += ["", f"Letters whose change differs from the rest ({len(report.differing)}):"]
        for name, (extra, missing) in sorted(report.differing.items()):
            lines.append(f"  {name}")
            for change in extra:
                lines += ["    also:", *_change_lines(change, "      ")]
            for change in missing:
                lines += ["    not:", *_change_lines(change, "      ")]
    if report.pages:
        lines += ["", f"Page counts that moved ({len(report.pages)}):"]
        lines += [f"  {name}: {before} -> {after} pages"
                  for name, (before, after) in sorted(report.pages.items())]
    if report.errors:
        lines += ["", "Letters that could not be rendered:", *(f"  {e}" for e in report.errors)]
    return "\n".join(lines)


def as_json(report: DiffReport) -> str:
    def change(item: Change) -> dict:
        return {"old": item[0], "new": item[1]}

    return json.dumps({
        "against": report.against,
        "letters": report.letters,
        "changed": len(report.changed),
        "changed_letters": report.changed,
        "changes": [{**change(c), "letters": len(names), "authorities": names}
                    for c, names in sorted(report.changes.items(),
                                           key=lambda item: (-len(item[1]), item[0]))],
        "differing": [{"authority": name, "also": [change(c) for c in extra],
                       "not": [change(c) for c in missing]}
                      for name, (extra, missing) in sorted(report.differing.items())],
        "pages": [{"authority": name, "before": b, "after": a}
                  for name, (b, a) in sorted(report.pages.items())],
        "errors": report.errors,
    }, indent=1, ensure_ascii=False)
