"""V-Dem (Varieties of Democracy) country-year dataset: Digital Society Project variables.

The dataset is one large CSV ("V-Dem-CY-Full+Others-v14.csv", about 4,000 columns and 27,000
rows, usually shipped as a .zip with the codebook). Only ``country_text_id``, ``year``,
``country_name`` and the configured variables are read (pyarrow's CSV reader with
``include_columns``, streaming from the zip member), so the rest of the file costs only
parsing time, not memory.

Each variable ``X`` becomes the yearly metric ``vdem.X``. The ``v2sm*`` and ``v2cs*`` values
are point estimates of V-Dem's measurement model (roughly −3 … +3); for the digital-society
variables higher means *less* government repression or censorship. ``v2x_*`` indices run 0–1.
``country_text_id`` is ISO3-like; historical polities and territories without an ISO code
(Somaliland, Zanzibar, Palestine/Gaza, Baden …) are counted as unmapped, never stored.

The dataset version comes from the ``version`` option, else from the file (or zip member)
name, and is written into each metric's description.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from typing import IO

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from collectors.base import Batch, PublishedFile, RunContext, SourceError
from collectors.files import FileCollector
from roamwatch.countries import is_iso3
from roamwatch.i18n import N_
from roamwatch.warehouse.store import MetricInfo, SourceInfo

# variable → (label, unit). Core Digital Society Project variables first.
VARIABLES: dict[str, tuple[str, str]] = {
    "v2smgovfilprc": ("Government Internet filtering in practice", "latent"),
    "v2smgovshut": ("Government Internet shut down in practice", "latent"),
    "v2smgovsmcenprc": ("Government social media censorship in practice", "latent"),
    "v2smgovsmmon": ("Government social media monitoring", "latent"),
    "v2smprivex": ("Privacy protection by law exists", "latent"),
    "v2smarrest": ("Arrests for political content", "latent"),
    "v2cscnsult": ("CSO consultation", "latent"),
    "v2csprtcpt": ("CSO participatory environment", "latent"),
    "v2x_cspart": ("Civil society participation index", "index"),
}
UNITS = {
    "latent": "V-Dem model estimate (about −3 to +3)",
    "index": "index 0–1",
}
DIRECTION = {
    "v2sm": "higher = less government control or repression",
    "v2cs": "higher = more civil-society consultation or participation",
    "v2x_": "higher = more participation",
}
ID_COLUMNS = ("country_text_id", "year")
#: The country-year Full+Others dataset, version 16 (the zipped CSV, about 26 MB), at the address
#: V-Dem's download page links. Unverified here (no network); a new version each March means a new
#: address: set [sources.vdem].url to it, or import the file with --file.
VDEM_ZIP_URL = "https://v-dem.net/media/datasets/V-Dem-CY-FullOthers-v16_csv.zip"
_VERSION = re.compile(r"(?i)(?:^|[^a-z])v(\d{1,2}(?:\.\d+)?)(?![\d.]*\d)")


def detect_version(*names: str) -> str | None:
    """``"V-Dem-CY-Full+Others-v14.csv"`` → ``"14"``; None when no name carries one."""
    for name in names:
        found = _VERSION.findall(re.sub(r"\.(csv|zip)$", "", name or "", flags=re.I))
        if found:
            return found[-1]
    return None


def _open_csv(content: bytes, filename: str) -> tuple[Callable[[], IO[bytes]], str]:
    """A function opening the CSV as a fresh binary stream, and the CSV's own name."""
    if content[:2] == b"PK":
        try:
            archive = zipfile.ZipFile(io.BytesIO(content))
            members = [
                m for m in archive.namelist()
                if m.lower().endswith(".csv") and not m.startswith("__MACOSX/")
            ]
        except zipfile.BadZipFile as exc:
            raise SourceError(f"vdem: {filename}: not a readable zip archive ({exc})") from exc
        if len(members) > 1:
            country_year = [m for m in members if "-cy" in m.lower()]
            members = country_year if len(country_year) == 1 else members
        if len(members) != 1:
            raise SourceError(
                f"vdem: {filename}: expected one CSV in the zip archive, found "
                f"{members or 'none'}"
            )
        member = members[0]
        return (lambda: archive.open(member)), member.rsplit("/", 1)[-1]
    return (lambda: io.BytesIO(content)), filename


def _header(stream: IO[bytes], filename: str) -> list[str]:
    try:
        first = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="").readline()
    except (UnicodeDecodeError, zipfile.BadZipFile, OSError, EOFError) as exc:
        raise SourceError(f"vdem: {filename}: cannot read the CSV header ({exc})") from exc
    return next(csv.reader([first]), [])


def read_columns(content: bytes, filename: str, variables: list[str]) -> tuple[pd.DataFrame, list[str], str]:
    """(frame of id columns + present variables, missing variables, CSV name)."""
    opener, csv_name = _open_csv(content, filename)
    with opener() as stream:
        header = _header(stream, filename)
    missing_ids = [c for c in ID_COLUMNS if c not in header]
    if missing_ids:
        raise SourceError(
            f"vdem: {csv_name}: no {' or '.join(missing_ids)} column; this is not the V-Dem "
            "country-year CSV, or its layout changed"
        )
    present = [v for v in variables if v in header]
    missing = [v for v in variables if v not in header]
    core = [v for v in variables if v.startswith("v2sm")]
    if not present or (core and not any(v in header for v in core)):
        raise SourceError(
            f"vdem: {csv_name}: none of the Digital Society variables "
            f"{', '.join(core or variables)} is in the file; download the Full+Others "
            "country-year dataset"
        )
    names = [*ID_COLUMNS, *(["country_name"] if "country_name" in header else []), *present]
    types = {"country_text_id": pa.string(), "country_name": pa.string(), "year": pa.int64()}
    types.update({v: pa.float64() for v in present})
    try:
        with opener() as stream:
            table = pacsv.read_csv(
                stream,
                read_options=pacsv.ReadOptions(block_size=1 << 24),
                convert_options=pacsv.ConvertOptions(
                    include_columns=names, column_types=types, strings_can_be_null=True
                ),
            )
    except (pa.ArrowInvalid, zipfile.BadZipFile, OSError, EOFError) as exc:
        raise SourceError(f"vdem: {csv_name}: cannot parse the CSV ({exc})") from exc
    return table.to_pandas(), missing, csv_name


class Vdem(FileCollector):
    name = "vdem"
    source = SourceInfo(
        id="vdem",
        name="V-Dem (Varieties of Democracy), Digital Society Project variables",
        homepage="https://www.v-dem.net/data/the-v-dem-dataset/",
        licence=N_("CC BY-SA 4.0 (as reported by third parties; not verified here)"),
        licence_url="https://creativecommons.org/licenses/by-sa/4.0/",
        citation=(
            "Coppedge, Michael, John Gerring, Carl Henrik Knutsen, Staffan I. Lindberg, Jan "
            "Teorell, et al. V-Dem Country-Year Dataset vN. Varieties of Democracy (V-Dem) "
            "Project; and Mechkova, Valeriya, Daniel Pemstein, Brigitte Seim and Steven Wilson, "
            "Digital Society Project Dataset."
        ),
        terms=N_(
            "Cite the V-Dem dataset version used (e.g. v16, doi:10.23696/vdemds26) and share "
            "derived data alike."
        ),
    )
    defaults = {
        "enabled": True,
        "schedule": "0 6 15 * *",  # monthly, the 15th at 06:00 UTC: a new version each March
        "url": VDEM_ZIP_URL,
        "first_year": 2000,  # the Digital Society variables start in 2000
        "variables": list(VARIABLES),
    }

    published_file = PublishedFile(
        page="https://v-dem.net/data/the-v-dem-dataset/",
        what="the Country-Year V-Dem Full+Others dataset, CSV (the .zip as downloaded, or the "
             ".csv inside it)",
        example="V-Dem-CY-FullOthers-v16_csv.zip",
    )

    def parse_file(self, ctx: RunContext, content: bytes, filename: str) -> Batch:
        if not content:
            raise SourceError(f"vdem: {filename}: the file is empty")
        variables = [str(v) for v in ctx.settings.get("variables") or VARIABLES]
        frame, missing, csv_name = read_columns(content, filename, variables)
        version = ctx.settings.get("version") or detect_version(csv_name, filename)
        version = str(version).lstrip("vV") if version else None
        batch = Batch()
        for column in missing:
            batch.skipped[f"variable not in file: {column}"] += 1
        if missing:
            ctx.log(f"{csv_name}: variables not in the file: {', '.join(missing)}")
        ctx.log(f"{csv_name}: V-Dem dataset version {version or 'unknown'}, {len(frame)} rows")

        first_year = int(ctx.settings.get("first_year") or 0)
        early = frame["year"].isna() | (frame["year"] < first_year)
        if early.any():
            batch.skipped[f"country-year before {first_year}"] += int(early.sum())
        frame = frame.loc[~early]
        codes = frame["country_text_id"].fillna("").str.strip().str.upper()
        mapped = codes.map(is_iso3).astype(bool)
        if (~mapped).any():
            names = frame.get("country_name", codes).fillna("")
            labels = codes[~mapped] + " (" + names[~mapped].astype(str) + ")"
            for label, count in labels.value_counts().items():
                batch.unmapped[str(label).replace(" ()", "")] += int(count)
        frame = frame.loc[mapped].assign(country=codes[mapped])
        present = [v for v in variables if v in frame.columns]
        long = frame.melt(
            id_vars=["country", "year"], value_vars=present, var_name="code", value_name="value"
        )
        empty = long["value"].isna()
        if empty.any():
            batch.skipped["no estimate for the country-year"] += int(empty.sum())
        long = long.loc[~empty]
        batch.observations = pd.DataFrame({
            "metric": "vdem." + long["code"],
            "country": long["country"],
            "period": long["year"].astype(int).astype(str),
            "value": long["value"].astype(float),
        })
        batch.metrics = [self.metric(v, version) for v in present]
        batch.notes = {"vdem_version": version, "variables": list(present)}
        return batch

    @staticmethod
    def metric(variable: str, version: str | None) -> MetricInfo:
        label, kind = VARIABLES.get(variable, (variable, "latent"))
        direction = next((d for p, d in DIRECTION.items() if variable.startswith(p)), "")
        release = f"v{version}" if version else "(version unknown)"
        return MetricInfo(
            id=f"vdem.{variable}",
            source="vdem",
            source_code=variable,
            name=f"V-Dem: {label}",
            unit=UNITS[kind],
            frequency="year",
            description=(
                f"V-Dem Country-Year Dataset {release}, variable {variable} ({label}); "
                f"{UNITS[kind]}{', ' + direction if direction else ''}. Point estimate of the "
                "V-Dem measurement model (expert-coded)."
            ),
        )


COLLECTORS = (Vdem,)
