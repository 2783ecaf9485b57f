"""Browser tests: the real stack (broker, worker, API) with the Ontario sample data, driven by
Debian's headless Chromium through Playwright's sync API. Nothing is fetched from the internet."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, DESKTOP, SCREENSHOTS


class _Quiet:
    """The seed loader reports progress to a console; the tests keep their output clean."""

    def print(self, *args, **kwargs) -> None:
        pass


@pytest.fixture(scope="module")
def seeded(stack, settings_for):
    """The stack with the shipped partners, shelters and ice-storm scenario loaded."""
    from muster.seed import load_sample, sample

    counts = load_sample(stack.api.base, settings_for(), _Quiet())
    scenario = sample("scenario_ice_storm.json")
    expected = {"shelters": len(sample("shelters.json")["shelters"]), "incidents": len(scenario["incidents"]),
                "volunteer hours": len(scenario["volunteer_hours"]), "resource requests": len(scenario["resource_requests"])}
    assert {kind: counts[kind] for kind in expected} == expected, "every sample the pages show was accepted"
    return stack


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium (scripts/test does)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the dev extra has it)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


class Watched:
    """A page with its console errors and uncaught exceptions collected, to assert there are none."""

    def __init__(self, page) -> None:
        self.page = page
        self.errors: list[str] = []
        self.urls: list[str] = []
        page.on("request", lambda request: self.urls.append(request.url))
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def screenshot(self, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=False)
        return path


@pytest.fixture
def open_page(browser, seeded):
    """open_page(token=None, lang="en", viewport=DESKTOP, path="/") -> Watched; closed afterwards,
    each failing its test if the page logged an error."""
    contexts, pages = [], []

    def open_(token: str | None = None, lang: str = "en", viewport: dict = DESKTOP, path: str = "/",
              allowed_errors: tuple[str, ...] = ()) -> Watched:
        context = browser.new_context(viewport=viewport, locale="fr-CA" if lang == "fr" else "en-CA",
                                      timezone_id="America/Toronto")
        context.set_default_timeout(20_000)
        if token:
            # sessionStorage is per tab: set it before the app's script reads it.
            context.add_init_script(f"window.sessionStorage.setItem('muster.token', {token!r});")
        contexts.append(context)
        watched = Watched(context.new_page())
        watched.allowed = allowed_errors
        pages.append(watched)
        watched.page.goto(seeded.api.base + path)
        return watched

    yield open_
    for context in contexts:
        context.close()
    for watched in pages:
        unexpected = [e for e in watched.errors if not any(a in e for a in watched.allowed)]
        assert not unexpected, f"console errors: {unexpected}"
        # Works with no internet: every request stays on the API's own origin.
        outside = [u for u in watched.urls if not u.startswith((seeded.api.base + "/", "data:", "blob:", "about:"))]
        assert not outside, f"requests off the origin: {outside}"
