"""One module per source layout; each exposes SPEC (a parsers.layout.LayoutSpec).

`layout_specs()` is the registry `detect` and `parse_text` use. Adding a layout = one module
plus its name in LAYOUT_MODULES. The module declares:
- its headings (exact lines, or a regex for counted ones like "Locations (3)"), its chrome
  lines / brand / footer marker, and whether a fixed sentence follows each heading;
- a `Signature` (brand or marker line near the top + distinctive headings) for `detect`;
- one small reader per block: `reader(record, block) -> unused lines`, built from the engine's
  helpers (`normalized`, `fill_slots`, `add_conditions`, `add_identifier`, ...) and
  `parsers.criteria.add_criteria`.
The engine (parsers.layout) does the rest: lines, chrome, blocks, guarded readers, warnings.
(ctgov_json, ctgov_json_download and ctgov_xml are not line layouts: the multi-record
readers of registry exports are listed in parsers.exports.READERS.)
"""
from __future__ import annotations

from functools import lru_cache

LAYOUT_MODULES: tuple[str, ...] = ("veeva", "medpath", "ctgov_text")


@lru_cache(maxsize=None)
def layout_specs() -> dict:
    from importlib import import_module

    return {name: import_module(f"parsers.sources.{name}").SPEC for name in LAYOUT_MODULES}
