"""Translator tooling: ``python -m roamwatch.i18n extract|update|compile|stats|check|init``.

These wrap Babel's own ``pybabel`` commands with roamwatch's settings (mapping file, keywords,
paths), so a translator can use either, and any gettext tool (Poedit, Weblate, Lokalize) on the
``.po`` files:

- ``extract``: messages from the code (``t``, ``tn``, ``tp``, ``N_``, ``gettext``…) and the
  indicator catalogue → ``locale/roamwatch.pot``;
- ``update``: ``extract``, then merge the template into every language's ``.po`` (new messages
  empty, changed ones marked fuzzy), and report completeness per language;
- ``compile``: ``.po`` → ``.mo`` (the dashboard also compiles stale catalogues when it starts);
- ``stats [--min PERCENT]``: translated / fuzzy / missing per language; exits 1 below ``--min``;
- ``check``: exits 1 when the committed template misses a message the code uses, or a ``.po``
  misses a message of the code (run ``update``); it names messages of the template the code does
  not use (yet);
- ``init LANG``: start a new language's ``.po`` from the template.

Run from a checkout (extraction reads the source tree).
"""

from __future__ import annotations

import argparse
import io
import sys
from dataclasses import dataclass
from pathlib import Path

from roamwatch.i18n import DOMAIN, LOCALE_DIR, TARGET_LANGS, po_path

REPO = Path(__file__).resolve().parents[2]
MAPPING = Path(__file__).resolve().parent / "babel.cfg"
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
#: Call names whose string arguments are messages, in pybabel's ``-k`` syntax (Babel's defaults
#: ``gettext``, ``ngettext``, ``pgettext``, ``N_`` and ``_`` apply too).
KEYWORDS = ("t", "tn:1,2", "tp:1c,2", "tnp:1c,2,3")
#: Folders never walked for messages.
IGNORE_DIRS = (".*", "._", "data", "build", "dist", "node_modules", "tests", "bench", "notebooks")


def _pybabel(*args: str) -> None:
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(["pybabel", "-q", *args])


def extract(output: Path = TEMPLATE, root: Path = REPO) -> Path:
    """Write the template of every message (``.pot``) and return its path."""
    output.parent.mkdir(parents=True, exist_ok=True)
    args = ["extract", "-F", str(MAPPING), "-o", str(output), "--sort-by-file",
            "--add-location=file", "-c", "Translators:", "--project=roamwatch",
            "--copyright-holder=roamwatch contributors", "--msgid-bugs-address=",
            "--ignore-dirs=" + " ".join(IGNORE_DIRS), "--width=100"]
    for keyword in KEYWORDS:
        args += ["-k", keyword]
    import os

    cwd = os.getcwd()
    os.chdir(root)  # mapping patterns are relative to the folder walked
    try:
        _pybabel(*args, ".")
    finally:
        os.chdir(cwd)
    return output


def update(template: Path = TEMPLATE) -> None:
    """Merge the template into every language's catalogue (creating missing ones)."""
    for lang in TARGET_LANGS:
        po = po_path(lang)
        if not po.exists():
            init(lang, template)
            continue
        _pybabel("update", "-i", str(template), "-o", str(po), "-l", lang, "-D", DOMAIN,
                 "--ignore-obsolete", "--width=100", "--init-missing")


def init(lang: str, template: Path = TEMPLATE) -> None:
    po = po_path(lang)
    po.parent.mkdir(parents=True, exist_ok=True)
    _pybabel("init", "-i", str(template), "-o", str(po), "-l", lang, "-D", DOMAIN, "--width=100")


def compile_all() -> list[Path]:
    from roamwatch.i18n import compile_catalog, reload

    written = []
    for lang in TARGET_LANGS:
        po = po_path(lang)
        if po.exists():
            mo = po.with_suffix(".mo")
            compile_catalog(po, mo)
            written.append(mo)
    reload()
    return written


def _read(path: Path):
    from babel.messages.pofile import read_po

    with path.open("rb") as fh:
        return read_po(fh, domain=DOMAIN)


def _write(path: Path, catalog) -> None:
    from babel.messages.pofile import write_po

    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, ignore_obsolete=True)
    path.write_bytes(buffer.getvalue())


@dataclass
class Completeness:
    lang: str
    total: int
    translated: int
    fuzzy: int

    @property
    def missing(self) -> int:
        return self.total - self.translated - self.fuzzy

    @property
    def percent(self) -> float:
        return 100.0 * self.translated / self.total if self.total else 100.0


def _translated(message) -> bool:
    if isinstance(message.string, tuple | list):
        return all(s for s in message.string)
    return bool(message.string)


def completeness(langs: tuple[str, ...] = TARGET_LANGS) -> list[Completeness]:
    rows = []
    for lang in langs:
        po = po_path(lang)
        if not po.exists():
            rows.append(Completeness(lang, 0, 0, 0))
            continue
        messages = [m for m in _read(po) if m.id]
        rows.append(Completeness(
            lang, len(messages),
            sum(1 for m in messages if _translated(m) and not m.fuzzy),
            sum(1 for m in messages if m.fuzzy),
        ))
    return rows


def report(rows: list[Completeness]) -> str:
    lines = [f"{'language':<9}{'messages':>9}{'translated':>12}{'fuzzy':>7}{'missing':>9}{'done':>8}"]
    for row in rows:
        lines.append(f"{row.lang:<9}{row.total:>9}{row.translated:>12}{row.fuzzy:>7}{row.missing:>9}"
                     f"{row.percent:>7.1f}%")
    return "\n".join(lines)


def message_ids(path: Path) -> set[tuple[str, str | None]]:
    """``(msgid, msgctxt)`` of every message of a ``.pot``/``.po`` (plural: the singular)."""
    out = set()
    for message in _read(path):
        if message.id:
            ident = message.id[0] if isinstance(message.id, tuple | list) else message.id
            out.add((ident, message.context))
    return out


def check(root: Path = REPO) -> list[str]:
    """What is out of date: messages in the code missing from the template or a catalogue."""
    import tempfile

    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh = message_ids(extract(Path(tmp) / "fresh.pot", root))
    committed = message_ids(TEMPLATE) if TEMPLATE.exists() else set()
    for ident, context in sorted(fresh - committed, key=str):
        problems.append(f"not in {TEMPLATE.name}: {ident[:70]!r}" + (f" ({context})" if context else ""))
    for lang in TARGET_LANGS:
        po = po_path(lang)
        have = message_ids(po) if po.exists() else set()
        missing = fresh - have
        if missing:
            problems.append(f"{lang}: {len(missing)} message(s) of the code not in {po.name}")
    return problems


def stale(root: Path = REPO) -> list[str]:
    """Messages of the committed template that the code and the catalogue no longer use (they
    go at the next ``update``; translations may be written ahead of code that is about to land)."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        fresh = message_ids(extract(Path(tmp) / "fresh.pot", root))
    committed = message_ids(TEMPLATE) if TEMPLATE.exists() else set()
    return [ident for ident, _context in sorted(committed - fresh, key=str)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m roamwatch.i18n", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("extract", help="write locale/roamwatch.pot from the code and the catalogue")
    sub.add_parser("update", help="extract, merge into every .po, report completeness")
    sub.add_parser("compile", help="compile every .po to .mo")
    stats = sub.add_parser("stats", help="completeness per language")
    stats.add_argument("--min", type=float, default=0.0, help="exit 1 when a language is below this %%")
    sub.add_parser("check", help="exit 1 when the template or a catalogue is out of date")
    new = sub.add_parser("init", help="start the catalogue of a new language")
    new.add_argument("lang")
    args = parser.parse_args(argv)

    if args.command == "extract":
        print(f"wrote {extract()}")
        print(report(completeness()))
    elif args.command == "update":
        extract()
        update()
        print(report(completeness()))
    elif args.command == "compile":
        for mo in compile_all():
            print(f"wrote {mo}")
    elif args.command == "stats":
        rows = completeness()
        print(report(rows))
        low = [r.lang for r in rows if r.percent < args.min]
        if low:
            print(f"below {args.min:g}%: {', '.join(low)}", file=sys.stderr)
            return 1
    elif args.command == "check":
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("run `python -m roamwatch.i18n update` and translate the new messages", file=sys.stderr)
            return 1
        unused = stale()
        if unused:
            print(f"{len(unused)} message(s) of {TEMPLATE.name} not (or not yet) in the code, "
                  f"e.g. {unused[0][:60]!r}")
        print("catalogues up to date")
    elif args.command == "init":
        init(args.lang)
    return 0
