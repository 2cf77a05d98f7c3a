"""Regenerate docs/crosswalk.md from packager/schemas/crosswalk.toml."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from packager.metadata.crosswalk import render_markdown  # noqa: E402

TARGET = Path(__file__).resolve().parent.parent / "docs" / "crosswalk.md"

if __name__ == "__main__":
    TARGET.write_text(render_markdown(), encoding="utf-8")
    print(f"wrote {TARGET}", file=sys.stderr)
