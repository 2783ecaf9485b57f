"""The navigator's service search and the caller's printed list in a real browser, on the seeded
sample stack: a navigator working in French finds a charging station open now near Orillia, with
the keyboard alone, and prints the list in French on one or two pages."""
from __future__ import annotations

import re

import pytest

from tests.support.browser import DESKTOP, PHONE, SCREENSHOTS

expect = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the dev extra has it)").expect
expect.set_options(timeout=20_000)

AROUND_THE_CLOCK = "orillia-fire-hall-charging"
"""The sample charging station with no hours set: open now whatever the time of the run."""


def pages_of(pdf: bytes) -> int:
    """Pages in a PDF as Chromium writes it: one `/Type /Page` object each (`/Pages` is their tree)."""
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def wait_until_live(page) -> None:
    expect(page.locator("#live[data-state='live']")).to_be_visible()


def test_a_french_navigator_finds_a_charging_station_open_now_near_orillia_and_prints_the_list(open_page, tokens):
    watched = open_page(tokens["navigator"], lang="fr", path="/#/navigator")
    page = watched.page
    requests: list[str] = []
    page.context.on("request", lambda request: requests.append(request.url))
    wait_until_live(page)
    expect(page.get_by_role("heading", name="Autres services près de l’appelant")).to_be_visible()

    # Keyboard only: type the place, tick the type and "open now" with the space bar, Enter to search.
    where = page.get_by_label("Près de quel lieu?")
    where.fill("Orillia")
    page.get_by_label("Borne de recharge").press("Space")
    page.get_by_label("sont ouverts maintenant").press("Space")
    where.press("Enter")

    results = page.locator("#service-result ol.services > li")
    expect(results.first).to_be_visible()
    station = page.locator(f"#service-result [data-site-id='{AROUND_THE_CLOCK}']")
    expect(station).to_contain_text("Borne de recharge")
    expect(station).to_contain_text("500 Gill St, Orillia")
    expect(station.locator(".hours")).to_have_text("ouvert maintenant, jour et nuit")
    expect(station.locator(".row-figure")).to_have_text(re.compile(r"^1,4 km NO$"))
    assert set(results.evaluate_all("items => items.map(i => i.dataset.serviceType)")) == {"charging_station"}
    for hours in results.locator(".hours").all_inner_texts():
        assert hours.startswith("ouvert maintenant"), hours
    for reasons in page.locator("#service-result .exclusion").all_inner_texts():
        assert not re.search(r"\b(not open|closed|inside|no pets)\b", reasons), reasons  # translated from codes
    watched.screenshot("navigator-services-fr")

    page.get_by_role("button", name="Liste en français").press("Enter")
    frame = page.frame_locator("#list-frame")
    expect(frame.locator("h1")).to_have_text("Services près de chez vous")
    expect(frame.locator("body")).to_contain_text("Près d’Orillia")
    expect(frame.locator("body")).to_contain_text("Seulement les lieux ouverts à l’impression.")
    listed = frame.locator("li.site", has_text="Sample: Orillia fire hall charging station")
    expect(listed).to_contain_text("500 Gill St, Orillia, ON L3V 4N4")
    expect(listed).to_contain_text("1,4 km NO")
    expect(listed.locator(".hours")).to_have_text("ouvert maintenant, jour et nuit")
    expect(frame.locator("svg.site-map .map-site").first).to_be_visible()
    page.locator("#service-search").screenshot(path=str(SCREENSHOTS / "navigator-service-list-fr.png"))

    with page.context.expect_page() as opened:
        page.locator("#list-open").click()
    printed = opened.value
    printed.wait_for_load_state()
    expect(printed.locator("html")).to_have_attribute("lang", "fr")
    assert 1 <= pages_of(printed.pdf(format="Letter")) <= 2
    printed.close()
    outside = [u for u in requests if not u.startswith((page.url.split("/#")[0] + "/", "blob:", "data:", "about:"))]
    assert not outside, f"the list reached off the origin: {outside}"

    # A household with a dog: the library takes no pets and is left out, said in French from its code.
    page.get_by_label("acceptent les animaux").check()
    page.get_by_role("button", name="Trouver des services").click()
    left_out = page.locator("#service-result .excluded-item[data-site-id='orillia-library-charging']")
    expect(left_out.locator(".exclusion")).to_contain_text("animaux non admis")
    expect(station).to_be_visible()


def test_the_longest_list_every_type_at_any_hour_still_prints_on_two_pages_at_phone_width(open_page, tokens):
    watched = open_page(tokens["navigator"], lang="fr", viewport=PHONE, path="/#/navigator")
    page = watched.page
    wait_until_live(page)
    page.get_by_label("Près de quel lieu?").fill("Orillia")
    page.get_by_role("button", name="Trouver des services").click()
    expect(page.locator("#service-result ol.services > li").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    watched.screenshot("navigator-services-fr-phone")
    page.get_by_role("button", name="Liste en français").click()
    expect(page.frame_locator("#list-frame").locator("h1")).to_have_text("Services près de chez vous")
    with page.context.expect_page() as opened:
        page.locator("#list-open").click()
    printed = opened.value
    printed.wait_for_load_state()
    assert printed.locator("li.site").count() >= 12  # one of each type the sample has near Orillia, or more
    assert pages_of(printed.pdf(format="Letter")) <= 2
    printed.close()
    page.set_viewport_size(DESKTOP)


def test_a_search_by_coordinates_offers_no_printed_list_and_says_why(open_page, tokens):
    watched = open_page(tokens["navigator"], path="/#/navigator")
    page = watched.page
    wait_until_live(page)
    page.get_by_label("Where is the caller?").fill("44.6087, -79.4207")
    expect(page.get_by_label("Near which place?")).to_have_value("44.6087, -79.4207")  # copied from the bed form
    page.get_by_role("button", name="Find services").click()
    expect(page.locator("#service-result ol.services > li").first).to_be_visible()
    expect(page.locator("#service-result")).to_contain_text("never their exact point")
    expect(page.get_by_role("button", name="List in English")).to_be_disabled()
