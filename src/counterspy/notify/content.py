"""The words of a notice, per phase and locale, and its renderings per channel.

Practice of Apple, Google and Meta: the in-product notice is the authoritative copy; email and
SMS copies only tell the person to open the product themselves, and carry no links at all. No
copy names the attacker, the firm, the operation or how it was found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal
from jinja2 import Environment, select_autoescape

from counterspy.model import Phase
from counterspy.notify.catalogs import translations
from counterspy.notify.helplines import Helpline
from counterspy.notify.locales import text_direction
from counterspy.notify.messages import BY_KEY, PHASE_KEYS, STEP_KEYS

RETENTION_DAYS = 90


@dataclass(frozen=True)
class NoticeText:
    """Every sentence of one notice, already translated."""

    locale: str
    direction: str  # ltr | rtl
    title: str
    lead: tuple[str, ...]  # what happened, what we did, confidence, why no details
    steps_heading: str
    steps: tuple[str, ...]
    helpline: str
    verify: str
    never_ask: str
    retention: str
    date_line: str


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str | None


def compose(
    phase: Phase,
    locale: str,
    helpline: Helpline,
    notice_date: date,
    retention_days: int = RETENTION_DAYS,
) -> NoticeText:
    t = translations(locale)

    def tr(key: str) -> str:
        return t.pgettext(key, BY_KEY[key].text)

    retention_msg = BY_KEY["retention"]
    assert retention_msg.plural is not None
    retention = t.npgettext(
        "retention", retention_msg.text, retention_msg.plural, retention_days
    ) % {"num": format_decimal(retention_days, locale=locale)}
    return NoticeText(
        locale=locale,
        direction=text_direction(locale),
        title=tr("title"),
        lead=(tr(PHASE_KEYS[phase]), tr("action_taken"), tr("confidence"), tr("no_details")),
        steps_heading=tr("steps_heading"),
        steps=tuple(tr(k) for k in STEP_KEYS),
        helpline=tr("helpline") % {"helpline": helpline.name, "contact": helpline.contact},
        verify=tr("verify"),
        never_ask=tr("never_ask"),
        retention=retention,
        date_line=tr("date") % {"date": format_date(notice_date, format="long", locale=locale)},
    )


_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))

_IN_PRODUCT = _env.from_string(
    """<article class="security-notice" lang="{{ lang }}" dir="{{ n.direction }}">
<h2>{{ n.title }}</h2>
{% for p in n.lead %}<p>{{ p }}</p>
{% endfor %}<h3>{{ n.steps_heading }}</h3>
<ol>
{% for s in n.steps %}<li>{{ s }}</li>
{% endfor %}</ol>
<p>{{ n.helpline }}</p>
<p>{{ n.never_ask }}</p>
<p class="meta">{{ n.date_line }} · {{ n.retention }}</p>
</article>"""
)

# Email HTML copy: the same words, direction set, and deliberately no anchors or images.
_EMAIL_HTML = _env.from_string(
    """<!DOCTYPE html>
<html lang="{{ lang }}" dir="{{ n.direction }}"><head><meta charset="utf-8">
<title>{{ n.title }}</title></head>
<body dir="{{ n.direction }}">
<h2>{{ n.title }}</h2>
<p><strong>{{ n.verify }}</strong></p>
{% for p in n.lead %}<p>{{ p }}</p>
{% endfor %}<h3>{{ n.steps_heading }}</h3>
<ol>
{% for s in n.steps %}<li>{{ s }}</li>
{% endfor %}</ol>
<p>{{ n.helpline }}</p>
<p>{{ n.never_ask }}</p>
<p>{{ n.date_line }}</p>
</body></html>"""
)


def _lang(locale: str) -> str:
    return locale.replace("_", "-")


def _text(n: NoticeText, *, with_verify: bool) -> str:
    parts = [n.title, ""]
    if with_verify:
        parts += [n.verify, ""]
    parts += [*n.lead, "", n.steps_heading]
    parts += [f"{i}. {s}" for i, s in enumerate(n.steps, start=1)]
    parts += ["", n.helpline, n.never_ask, "", n.date_line]
    return "\n".join(parts) + "\n"


def render_in_product(n: NoticeText) -> Rendered:
    return Rendered(
        subject=n.title,
        text=_text(n, with_verify=False) + n.retention + "\n",
        html=_IN_PRODUCT.render(n=n, lang=_lang(n.locale)),
    )


def render_email(n: NoticeText) -> Rendered:
    return Rendered(
        subject=n.title,
        text=_text(n, with_verify=True),
        html=_EMAIL_HTML.render(n=n, lang=_lang(n.locale)),
    )


def render_sms(n: NoticeText) -> Rendered:
    return Rendered(subject=n.title, text=f"{n.title}. {n.verify} {n.never_ask}", html=None)


RENDERERS = {"in_product": render_in_product, "email": render_email, "sms": render_sms}
