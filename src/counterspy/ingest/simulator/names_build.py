"""Regenerate the bundled name lists (``data/names.json``) from Faker (a dev dependency).

Run: ``python -m counterspy.ingest.simulator.names_build``. The simulator itself only reads the
JSON file, so Faker is not needed at run time and the lists stay fixed between Faker releases.
"""

from __future__ import annotations

import json
from pathlib import Path

from counterspy.ingest.simulator.reference import countries

# Locales whose names are written family-name first: keep whole names for them.
WHOLE_NAME_PREFIXES = ("zh", "ja", "ko", "vi", "hu")
N_FIRST, N_LAST, N_WHOLE, N_ORG, N_CITY = 120, 120, 200, 30, 20


def build() -> dict[str, dict[str, list[str]]]:
    from faker import Faker  # dev dependency

    out: dict[str, dict[str, list[str]]] = {}
    for loc in sorted({c.faker_locale for c in countries()}):
        fake = Faker(loc)
        fake.seed_instance(20211216)

        def uniq(fn: object, n: int) -> list[str]:
            seen: dict[str, None] = {}
            for _ in range(n * 4):
                seen.setdefault(str(fn()), None)  # type: ignore[operator]
                if len(seen) >= n:
                    break
            return list(seen)

        entry = {
            "first": uniq(fake.first_name, N_FIRST),
            "last": uniq(fake.last_name, N_LAST),
            "org": uniq(fake.company, N_ORG),
            "city": uniq(fake.city, N_CITY),
        }
        if loc.startswith(WHOLE_NAME_PREFIXES):
            entry["whole"] = uniq(fake.name, N_WHOLE)
        out[loc] = entry
    return out


def main() -> None:
    target = Path(__file__).parent / "data" / "names.json"
    target.write_text(json.dumps(build(), ensure_ascii=False, indent=0, sort_keys=True) + "\n")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
