"""Loading gettext catalogs from the bundled ``.po`` files, and checking them.

Catalogs are read with Babel's ``pofile`` reader and compiled to ``.mo`` in memory on first
use, so there is no build step to forget and nothing is downloaded. Fallback follows
:func:`~counterspy.notify.locales.fallback_chain`: ``pt_PT → pt → en``.
"""

from __future__ import annotations

import gettext
import io
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from counterspy.notify.locales import PARTIAL, SHIPPED, SOURCE_LOCALE, fallback_chain, plural_rule
from counterspy.notify.messages import MESSAGES

DOMAIN = "notices"
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _po_path(locale: str) -> str:
    return f"{locale}/LC_MESSAGES/{DOMAIN}.po"


def _locale_root() -> Traversable:
    return files("counterspy.notify") / "data" / "locale"


@cache
def read_catalog(locale: str) -> Catalog | None:
    """The parsed ``.po`` catalog of ``locale``, or None when none is shipped."""
    res = _locale_root() / _po_path(locale)
    if not res.is_file():
        return None
    with res.open("rb") as fh:
        return read_po(fh, locale=locale, domain=DOMAIN)


@cache
def _own_translations(locale: str) -> gettext.NullTranslations:
    catalog = read_catalog(locale)
    if catalog is None:
        return gettext.NullTranslations()
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """Translations for ``locale`` with its fallback chain attached (English last)."""
    chain = [c for c in fallback_chain(locale) if c != SOURCE_LOCALE]
    # Each link is a fresh object: add_fallback mutates, and the cached ones are shared.
    head: gettext.NullTranslations | None = None
    tail: gettext.NullTranslations | None = None
    for loc in chain:
        t = _copy(_own_translations(loc))
        if head is None:
            head = t
        else:
            assert tail is not None
            tail.add_fallback(t)
        tail = t
    return head or gettext.NullTranslations()


def _copy(t: gettext.NullTranslations) -> gettext.NullTranslations:
    if not isinstance(t, gettext.GNUTranslations):
        return gettext.NullTranslations()
    clone = gettext.GNUTranslations.__new__(gettext.GNUTranslations)
    clone.__dict__.update(t.__dict__)
    clone._fallback = None  # type: ignore[attr-defined]
    return clone


@dataclass(frozen=True)
class CatalogProblem:
    locale: str
    key: str
    problem: str


def placeholders(text: str) -> frozenset[str]:
    return frozenset(_PLACEHOLDER.findall(text))


def check_catalogs(locales: tuple[str, ...] = SHIPPED) -> list[CatalogProblem]:
    """Every problem that must fail the build, over the shipped catalogs."""
    problems: list[CatalogProblem] = []
    for locale in locales:
        if locale == SOURCE_LOCALE:
            continue
        catalog = read_catalog(locale)
        if catalog is None:
            problems.append(CatalogProblem(locale, "*", "no catalog file"))
            continue
        problems.extend(check_catalog(locale, catalog))
    return problems


def check_catalog(locale: str, catalog: Catalog) -> list[CatalogProblem]:
    """A missing or fuzzy message, a placeholder set that differs from the English source, a
    plural message with the wrong number of forms, a Plural-Forms header that disagrees with
    the locale's rule, or a message the source no longer has."""
    problems: list[CatalogProblem] = []
    rule = plural_rule(locale)
    if catalog.num_plurals != rule.nplurals or catalog.plural_expr != rule.expr:
        problems.append(
            CatalogProblem(
                locale, "Plural-Forms", f"header {catalog.plural_forms!r}, want {rule.header!r}"
            )
        )
    for msg in MESSAGES:
        mid: str | tuple[str, str] = (msg.text, msg.plural) if msg.plural else msg.text
        entry = catalog.get(mid, context=msg.key)
        if entry is None or entry.fuzzy or not entry.string or not any(_forms(entry.string)):
            # A regional catalog may leave a message to its parent, unless the message is
            # plural and the region counts differently from the parent language.
            parent_rule = plural_rule(locale.split("_")[0])
            if locale in PARTIAL and not (msg.plural and parent_rule != rule):
                continue
            problems.append(CatalogProblem(locale, msg.key, "missing or fuzzy"))
            continue
        forms = _forms(entry.string)
        want = placeholders(msg.text) | (placeholders(msg.plural) if msg.plural else set())
        if msg.plural and len(forms) != rule.nplurals:
            problems.append(
                CatalogProblem(locale, msg.key, f"{len(forms)} plural forms, want {rule.nplurals}")
            )
        for i, form in enumerate(forms):
            if not form.strip():
                problems.append(CatalogProblem(locale, msg.key, f"form {i} is empty"))
            got = placeholders(form)
            if got != want:
                problems.append(
                    CatalogProblem(
                        locale,
                        msg.key,
                        f"placeholders {sorted(got)} differ from source {sorted(want)}",
                    )
                )
    known = {m.key for m in MESSAGES}
    for entry in catalog:
        if entry.id and entry.context not in known:
            problems.append(CatalogProblem(locale, str(entry.context), "obsolete message"))
    return problems


def _forms(string: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    return (string,) if isinstance(string, str) else tuple(string)


def template() -> Catalog:
    """The translation template (``notices.pot``) built from the source messages."""
    pot = Catalog(project="counterspy notices", fuzzy=False, charset="utf-8")
    for m in MESSAGES:
        flags = ["python-format"] if "%(" in m.text else []
        pot.add((m.text, m.plural) if m.plural else m.text, context=m.key, flags=flags)
    return pot


if __name__ == "__main__":  # python -m counterspy.notify.catalogs > notices.pot
    import sys

    from babel.messages.pofile import write_po

    write_po(sys.stdout.buffer, template(), width=0)
