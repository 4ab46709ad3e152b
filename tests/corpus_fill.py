"""Fill a data directory from the real recorded files of the shared corpus, then score it.

    python -m tests.corpus_fill --data-dir /tmp/roamwatch-real [--corpus ../shared/corpus] \
        [--validation [docs/validation.md]]

The files are read in place through each file collector's real ``--file`` path (nothing is
copied): Access Now's #KeepItOn workbook 2016–2022, Freedom on the Net 2018, and ITU's June 2019
releases (Internet use 2000–2018, fixed-broadband and mobile-cellular subscriptions, Internet use
by sex). The API sources (World Bank, OONI, IODA, APNIC, DGG) and V-Dem have no complete real
answer in the corpus and stay empty, so the scores show what these real files alone support.
``--validation`` then writes the validation report (:mod:`indicators.validation`) from it: the
committed ``docs/validation.md`` is made this way, and a test regenerates it when the corpus is
present.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

#: (collector, corpus file, settings)
FILES = (
    ("accessnow", "accessnow_stop/#KeepItOn STOP Data 2016-2022 [Public].xlsx", {}),
    ("fotn", "freedom_house/FINAL_DATA_FOTN2018_TOTAL_and_CATEGORY_SCORES.xlsx", {}),
    ("itu", "itu/Individuals_Internet_2000-2018_Jun2019.xls", {}),
    ("itu", "itu/Fixed_broadband_2000-2018_Jun2019_revised27082019.xls", {}),
    ("itu", "itu/Mobile_cellular_2000-2018_Jun2019.xls", {}),
    ("itu", "itu/Individuals using the internet by gender_Jun2019.xlsx", {}),
)


def fill(data_dir: Path, corpus: Path, log=print) -> str:
    """Import the corpus files into ``data_dir``, recompute the scores; returns the snapshot id."""
    from collectors.runner import run_collectors
    from indicators.cli import recompute_and_publish
    from roamwatch.config import load_config

    missing = [f for _, f, _ in FILES if not (corpus / f).is_file()]
    if missing:
        raise FileNotFoundError(f"corpus files missing under {corpus}: {missing}")
    config = load_config(env={"ROAMWATCH_DATA_DIR": str(data_dir)})  # no user configuration
    for name, file, settings in FILES:
        (result,), _ = run_collectors([name], config, progress=False, log=lambda _m: None,
                                      options={"file": [str(corpus / file)], **settings})
        if result.status != "success":
            raise RuntimeError(f"{name} {file}: {result.status}: {result.error}")
        log(f"{name}: {Path(file).name}: {result.rows_written} rows")
    _result, snapshot_id = recompute_and_publish(config)
    log(f"scored; snapshot {snapshot_id}")
    return snapshot_id


NOTE = ("Data: the real files of the shared corpus, imported through the collectors by "
        "`python -m tests.corpus_fill` (Access Now #KeepItOn 2016–2022, Freedom on the Net 2018, "
        "ITU's June 2019 releases of Internet use, fixed-broadband and mobile-cellular "
        "subscriptions and Internet use by sex). The other sources (World Bank, OONI, IODA, "
        "APNIC, Digital Gender Gaps, V-Dem) have no complete real file there and are empty, so "
        "several categories cannot be scored: the figures below are what these files alone "
        "support.")


def validation(data_dir: Path, output: Path) -> str:
    """Write the validation report of ``data_dir``'s snapshot to ``output``; returns it."""
    from indicators.validation import read_snapshot, render

    text = render(read_snapshot(data_dir / "serving"), note=NOTE)
    output.write_text(text, encoding="utf-8")
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--corpus", type=Path,
                        default=Path(os.environ.get("ROAMWATCH_CORPUS", "../shared/corpus")))
    parser.add_argument("--validation", type=Path, nargs="?", const=Path("docs/validation.md"),
                        help="then write the validation report (default docs/validation.md)")
    args = parser.parse_args(argv)
    data_dir = args.data_dir.expanduser().resolve()
    fill(data_dir, args.corpus.expanduser().resolve())
    if args.validation is not None:
        validation(data_dir, args.validation)
        print(f"wrote {args.validation}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
