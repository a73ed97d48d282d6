"""Notice catalogs, plural rules, locale resolution and every rendering of every locale."""

from __future__ import annotations

import re
from datetime import date

import pytest
from babel.messages.catalog import Catalog

from counterspy.model import Phase
from counterspy.model.firms import FirmId
from counterspy.notify.catalogs import check_catalog, check_catalogs, read_catalog, translations
from counterspy.notify.content import RENDERERS, compose, render_email, render_in_product
from counterspy.notify.helplines import helplines
from counterspy.notify.locales import (
    PARTIAL,
    SHIPPED,
    PluralRule,
    coverage,
    fallback_chain,
    plural_mismatches,
    plural_rule,
    resolve_locale,
    text_direction,
)
from counterspy.notify.messages import BY_KEY, MESSAGES

DAY = date(2026, 11, 29)
RTL = {"ar", "fa", "ur", "he"}


def test_every_shipped_catalog_is_complete_and_consistent() -> None:
    problems = check_catalogs()
    assert not problems, "\n".join(f"{p.locale} {p.key}: {p.problem}" for p in problems)


def _catalog_like(locale: str) -> Catalog:
    source = read_catalog(locale)
    assert source is not None
    copy = Catalog(locale=locale)
    copy._num_plurals, copy._plural_expr = source.num_plurals, source.plural_expr
    for m in source:
        if m.id:
            copy.add(m.id, string=m.string, context=m.context)
    return copy


def test_check_flags_a_missing_message() -> None:
    cat = _catalog_like("de")
    cat.delete(BY_KEY["step.2fa"].text, context="step.2fa")
    problems = check_catalog("de", cat)
    assert [(p.key, p.problem) for p in problems] == [("step.2fa", "missing or fuzzy")]


def test_check_flags_a_changed_placeholder() -> None:
    cat = _catalog_like("fr")
    msg = BY_KEY["helpline"]
    entry = cat.get(msg.text, context="helpline")
    assert entry is not None
    entry.string = "Contactez %(helpline)s (%(kontakt)s)."
    problems = check_catalog("fr", cat)
    assert len(problems) == 1
    assert problems[0].key == "helpline"
    assert "kontakt" in problems[0].problem


def test_check_flags_wrong_plural_header_and_form_count() -> None:
    cat = _catalog_like("ru")
    cat._num_plurals, cat._plural_expr = 2, "(n != 1)"
    m = BY_KEY["retention"]
    entry = cat.get((m.text, m.plural), context="retention")
    assert entry is not None
    entry.string = tuple(entry.string)[:2]  # the classic mistake: one / other only
    problems = {p.key: p.problem for p in check_catalog("ru", cat)}
    assert set(problems) == {"Plural-Forms", "retention"}
    assert problems["retention"] == "2 plural forms, want 3"


@pytest.mark.parametrize("locale", SHIPPED)
def test_gettext_plural_forms_agree_with_cldr(locale: str) -> None:
    wrong = plural_mismatches(locale, plural_rule(locale))
    assert not wrong, f"{locale}: (n, gettext category, CLDR category): {wrong[:5]}"


def test_agreement_check_catches_the_one_other_mistake_for_russian() -> None:
    naive = PluralRule(2, "(n != 1)", ("one", "other"))
    wrong = plural_mismatches("ru", naive, upto=30)
    assert (2, "other", "few") in wrong
    assert (21, "other", "one") in wrong


@pytest.mark.parametrize(
    ("n", "word"), [(1, "день"), (2, "дня"), (5, "дней"), (21, "день"), (22, "дня"), (111, "дней")]
)
def test_russian_retention_uses_one_few_many(n: int, word: str) -> None:
    m = BY_KEY["retention"]
    assert m.plural is not None
    text = translations("ru").npgettext("retention", m.text, m.plural, n) % {"num": n}
    assert text.endswith(f" {n} {word}.")


def test_polish_and_ukrainian_many_for_teens() -> None:
    m = BY_KEY["retention"]
    assert m.plural is not None
    assert "12 dni" in translations("pl").npgettext("retention", m.text, m.plural, 12) % {"num": 12}
    assert "12 днів" in translations("uk").npgettext("retention", m.text, m.plural, 12) % {
        "num": 12
    }


def test_coverage_is_at_least_30_locales_and_100_countries() -> None:
    cov = coverage()
    assert len(SHIPPED) >= 30
    assert len(cov.countries) >= 100
    # Without English the bar still holds: coverage is not one language doing all the work.
    without_en = {c for loc, cs in cov.by_locale.items() if loc != "en" for c in cs}
    assert len(without_en) >= 100
    assert "BR" in cov.by_locale["pt"]
    assert "SA" in cov.by_locale["ar"]


@pytest.mark.parametrize(
    ("tag", "want"),
    [
        ("pt-BR", "pt"),
        ("pt_PT", "pt_PT"),
        ("zh-TW", "zh_Hant"),
        ("zh-HK", "zh_Hant"),
        ("zh-CN", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("ar-EG", "ar"),
        ("de-AT", "de"),
        ("sr-RS", "en"),
        ("not a tag", "en"),
        (None, "en"),
        ("", "en"),
    ],
)
def test_resolve_locale(tag: str | None, want: str) -> None:
    assert resolve_locale(tag) == want


def test_fallback_chain_and_partial_regional_catalog() -> None:
    assert fallback_chain("pt_BR") == ("pt_BR", "pt", "en")
    assert "pt_PT" in PARTIAL
    pt_pt = translations("pt_PT")
    own = pt_pt.pgettext("step.update", BY_KEY["step.update"].text)
    inherited = pt_pt.pgettext("step.2fa", BY_KEY["step.2fa"].text)
    assert "telemóveis" in own
    assert inherited == translations("pt").pgettext("step.2fa", BY_KEY["step.2fa"].text)
    assert inherited != BY_KEY["step.2fa"].text  # came from pt, not English
    # pt_BR has no catalog of its own: its chain resolves to pt.
    title = BY_KEY["title"].text
    assert translations("pt_BR").pgettext("title", title) == translations("pt").pgettext(
        "title", title
    )


def test_dates_and_numbers_are_localised() -> None:
    h = helplines().default
    de = compose(Phase.ENGAGEMENT, "de", h, DAY, retention_days=1000)
    assert "29. November 2026" in de.date_line
    assert "1.000 Tage" in de.retention
    en = compose(Phase.ENGAGEMENT, "en", h, DAY, retention_days=1000)
    assert "November 29, 2026" in en.date_line
    assert "1,000 days" in en.retention
    ja = compose(Phase.ENGAGEMENT, "ja", h, DAY)
    assert "2026年11月29日" in ja.date_line


def test_helpline_by_region() -> None:
    assert helplines().for_country("LB").id == "smex"
    assert helplines().for_country("lb").id == "smex"
    assert helplines().for_country("DE").id == "access_now"
    assert helplines().for_country("").id == "access_now"


_LINKISH = re.compile(r"https?:|www\.|<a[\s>]", re.IGNORECASE)
_NAMES = [f.value for f in FirmId] + [
    "Cobwebs", "Cognyte", "Black Cube", "Bluehawk", "BellTroX", "Cytrox", "op-",
]  # fmt: skip


@pytest.mark.parametrize("locale", SHIPPED)
def test_every_locale_renders_every_variant(locale: str) -> None:
    for phase in Phase:
        for country in ("", "LB"):
            n = compose(phase, locale, helplines().for_country(country), DAY)
            for name, render in RENDERERS.items():
                r = render(n)
                assert r.subject
                assert r.text.strip()
                assert "%(" not in r.text
                assert "%(" not in (r.html or "")
                if name in ("email", "sms"):
                    assert not _LINKISH.search(r.text), f"{locale} {name} text has a link"
                    assert not _LINKISH.search(r.html or ""), f"{locale} {name} html has a link"
                body = r.text + (r.html or "")
                for firm in _NAMES:
                    assert firm.lower() not in body.lower(), f"{locale} {name} names {firm}"
            want = "rtl" if locale.split("_")[0] in RTL else "ltr"
            assert n.direction == want == text_direction(locale)
            assert f'dir="{want}"' in (render_in_product(n).html or "")
            assert f'<body dir="{want}">' in (render_email(n).html or "")


def test_phase_variants_differ_and_say_only_the_phase() -> None:
    h = helplines().default
    texts = {p: compose(p, "en", h, DAY).lead[0] for p in Phase}
    assert len(set(texts.values())) == 3
    assert "link" in texts[Phase.EXPLOITATION]
    assert "fake account" in texts[Phase.ENGAGEMENT]


def test_content_has_confidence_steps_and_verification() -> None:
    n = compose(Phase.RECONNAISSANCE, "en", helplines().default, DAY)
    text = render_email(n).text
    for must in ("false alarm", "Update the software", "two-factor", "security key",
                 "sign out", "Lockdown Mode", "Access Now", "without using any link",
                 "never ask for your password"):  # fmt: skip
        assert must in text, must
    assert "without using any link" not in render_in_product(n).text  # in-product needs none
    assert len(MESSAGES) == len({m.key for m in MESSAGES})


def test_translation_template_matches_the_source_messages() -> None:
    from importlib.resources import files

    from babel.messages.pofile import read_po

    pot = files("counterspy.notify") / "data" / "locale" / "notices.pot"
    with pot.open("rb") as fh:
        template = read_po(fh)
    got = {(m.context, m.id if isinstance(m.id, str) else tuple(m.id)) for m in template if m.id}
    want = {(m.key, (m.text, m.plural) if m.plural else m.text) for m in MESSAGES}
    assert got == want, (
        "notices.pot is stale: python -m counterspy.notify.catalogs > .../locale/notices.pot"
    )
