"""Accessibility checks that need no browser: colour contrast computed from the stylesheet's
variables, labels on every form control, landmarks and a skip link on every page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from counterspy.api.app import create_app
from tests.console_fixtures import PASSWORD, ConsoleEnv, login_token, make_console_env

CSS = files("counterspy.console").joinpath("static/console.css").read_text("utf-8")
TEMPLATES = Path(str(files("counterspy.console").joinpath("templates")))

# (text colour, background) pairs the stylesheet actually uses for text.
TEXT_PAIRS = [
    ("fg", "bg"),
    ("muted", "bg"),
    ("accent", "bg"),
    ("fg", "surface"),
    ("muted", "surface"),
    ("fg", "nav-bg"),
    ("accent-fg", "accent"),
    ("accent-fg", "danger"),
    ("danger", "danger-bg"),
    ("danger", "bg"),
    ("ok", "ok-bg"),
    ("warn", "warn-bg"),
    ("header-fg", "header-bg"),
]


def css_variables(css: str) -> dict[str, str]:
    root = re.search(r":root\s*\{([^}]*)\}", css)
    assert root, "no :root block in the stylesheet"
    return dict(re.findall(r"--([\w-]+)\s*:\s*(#[0-9a-fA-F]{6})\s*;", root.group(1)))


def luminance(hex_colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_formula_matches_known_values() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # a classic fail


@pytest.mark.parametrize(("text", "background"), TEXT_PAIRS)
def test_text_colours_meet_wcag_aa(text: str, background: str) -> None:
    colours = css_variables(CSS)
    ratio = contrast(colours[text], colours[background])
    assert ratio >= 4.5, f"--{text} on --{background}: {ratio:.2f}:1 < 4.5:1"


def test_focus_ring_is_visible_on_every_background() -> None:
    colours = css_variables(CSS)
    for bg in ("bg", "surface", "nav-bg"):
        assert contrast(colours["focus"], colours[bg]) >= 3.0, bg  # WCAG 1.4.11 non-text
    assert ":focus-visible" in CSS


def test_templates_use_no_inline_style_or_script() -> None:
    for path in TEMPLATES.glob("*.j2"):
        text = path.read_text("utf-8")
        assert not re.search(r"\sstyle=", text), f"{path.name}: inline style (CSP forbids it)"
        assert "<script" not in text, f"{path.name}: inline script"
        urls = re.findall(r"https?://[^\s\"'<]+", text)
        assert set(urls) <= {"http://www.w3.org/2000/svg"}, f"{path.name}: external URL {urls}"


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str]] = []
        self.label_for: set[str] = set()
        self.tags: list[str] = []
        self.html_lang: str | None = None
        self.first_link: str | None = None
        self._label_depth = 0
        self.wrapped: int = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append(tag)
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag == "a" and self.first_link is None:
            self.first_link = a.get("href")
        if tag == "label":
            self._label_depth += 1
            if "for" in a:
                self.label_for.add(a["for"])
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.controls.append(a)
            if self._label_depth:
                self.wrapped += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_depth -= 1


def unlabelled(page: PageParser) -> list[str]:
    return [
        c.get("name", "?")
        for c in page.controls
        if not (c.get("id") in page.label_for or c.get("aria-label"))
    ]


def test_label_check_catches_an_unlabelled_input() -> None:
    p = PageParser()
    p.feed('<label for="a">A</label><input id="a"><input id="b" name="b">')
    assert unlabelled(p) == ["b"]


@pytest.fixture(scope="module")
def admin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    env: ConsoleEnv = make_console_env(tmp_path_factory.mktemp("a11y"))
    with TestClient(create_app(env.workspace, store=env.store)) as client:
        form = client.get("/console/sign-in")
        client.post(
            "/console/sign-in",
            data={"name": "u-admin", "password": PASSWORD, "login_token": login_token(form.text)},
        )
        yield client
    env.store.dispose()


PAGES = [
    "/console/",
    "/console/account",
    "/console/cases",
    "/console/cases/1",
    "/console/appeals",
    "/console/operations",
    "/console/operations/op-0001",
    "/console/actions",
    "/console/notifications",
    "/console/notifications/preview?locale=ar",
    "/console/legal",
    "/console/legal/mine",
    "/console/intel",
    "/console/audit",
    "/console/audit/verify",
    "/verify-notice",
]


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_labels_landmarks_and_a_skip_link(admin: TestClient, path: str) -> None:
    resp = admin.get(path)
    assert resp.status_code == 200, resp.text[:300]
    page = PageParser()
    page.feed(resp.text)
    assert not unlabelled(page), f"{path}: controls without a label: {unlabelled(page)}"
    assert page.html_lang == "en"
    assert page.first_link == "#main", f"{path}: the skip link must come first"
    assert page.tags.count("main") == 1
    assert page.tags.count("h1") == 1
    for landmark in ("header", "nav", "footer"):
        assert landmark in page.tags, f"{path}: no <{landmark}>"


def test_sign_in_page_is_labelled() -> None:
    html = (TEMPLATES / "sign_in.html.j2").read_text("utf-8")
    page = PageParser()
    page.feed(html)
    assert not unlabelled(page)
    assert 'autocomplete="current-password"' in html
