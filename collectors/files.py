"""The shared path of file-based sources (Excel and CSV releases).

A file source reads either a local file (``roamwatch collect SOURCE --file PATH``) or the URL
in its configuration (``url``). The file is archived like any response, its SHA-256 recorded,
and re-importing a file already imported by a successful run is a no-op (``--full`` forces it).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from collectors.base import Batch, Collector, RunContext, SourceError


class FileCollector(Collector):
    """Base class of file sources: implement :meth:`parse_file`."""

    #: Run by a bare ``roamwatch collect`` only when a ``url`` is configured.
    file_source = True

    def plan(self, ctx: RunContext) -> list[str]:
        files = ctx.settings.get("file")
        if files:
            return [str(Path(f).expanduser()) for f in (files if isinstance(files, list) else [files])]
        url = ctx.settings.get("url")
        if not url:
            raise SourceError(
                f"{self.name}: no file given and no url configured; use "
                f"`roamwatch collect {self.name} --file PATH` or set [sources.{self.name}].url"
            )
        return [url]

    def read(self, ctx: RunContext, unit: str) -> bytes:
        """The file's bytes, archived in the run's raw directory."""
        if unit.startswith(("http://", "https://")):
            return ctx.http.get(unit).content
        path = Path(unit)
        try:
            content = path.read_bytes()
        except OSError as exc:
            raise SourceError(f"cannot read {path}: {exc.strerror or exc}") from exc
        if ctx.http.archive is not None:
            ctx.http.archive.store(path.resolve().as_uri(), None, content)
        return content

    def fetch(self, ctx: RunContext, unit: str) -> Batch:
        content = self.read(ctx, unit)
        digest = hashlib.sha256(content).hexdigest()
        if not ctx.full and ctx.file_imported(digest):
            ctx.log(f"{unit} (sha256 {digest[:12]}) was already imported; nothing to do")
            batch = Batch()
            batch.skipped["file already imported"] += 1
            return batch
        return self.parse_file(ctx, content, Path(unit).name)

    def parse_file(self, ctx: RunContext, content: bytes, filename: str) -> Batch:
        raise NotImplementedError
