"""人才热力图 in a real browser: the officer reaches it from the dashboard, ECharts draws Guangxi's 14 cities from the
pinned boundary package, the figure can be switched, the table lists every city, and the page fits a phone."""
from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

from engine import demo_history
from engine.models import GUANGXI_CITIES
from tests.browser.conftest import SCREENSHOTS, LiveApp, People

MAP = "echarts.getInstanceByDom(document.getElementById('chart-map'))"


def series(page: Page) -> dict[str, Any]:
    """The map series' data as ECharts holds it, and the regions of the registered map."""
    return page.evaluate(f"""() => {{
        const option = {MAP}.getOption();
        const geo = echarts.getMap('广西');
        return {{
            type: option.series[0].type, map: option.series[0].map,
            data: Object.fromEntries(option.series[0].data.map(d => [d.name, d.value])),
            regions: (geo.geoJSON || geo.geoJson).features.map(f => f.properties.name),
        }};
    }}""")


def overflow(page: Page) -> list[str]:
    """The elements of the page's content that reach past the window's right edge, other than those inside a box
    that scrolls on its own (none when nothing scrolls sideways). The site's header and navigation are the page
    layout's own test."""
    return list(page.evaluate("""() => {
        const clipped = e => {
            for (let a = e.parentElement; a && a.tagName !== 'MAIN'; a = a.parentElement) {
                if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(a).overflowX)) { return true; }
            }
            return false;
        };
        return [...document.querySelectorAll('main *')]
            .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5 && !clipped(e))
            .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ' '
                      + Math.round(e.getBoundingClientRect().right));
    }"""))


def test_the_talent_map_shows_the_fourteen_cities(live: LiveApp, people: People) -> None:
    with live.sessions.begin() as session:
        demo_history.record(session, {"T1": live.users["applicant"], "T2": live.users["applicant"],
                                      "T3": live.users["applicant"], "T4": live.users["founder"],
                                      "T5": live.users["agency"]})
    page = people("officer")
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live.url}/dashboard/")
    page.wait_for_selector("#dashboard[data-ready='1']")
    # the award charts have bars: the demo's earlier years are awarded teams
    drawn = page.evaluate("""() => ['chart-track', 'chart-city', 'chart-year'].map(id =>
        echarts.getInstanceByDom(document.getElementById(id)).getOption().series[0].data
            .reduce((sum, v) => sum + (typeof v === 'object' ? v.value : v), 0))""")
    assert drawn == [12, 12, 12]
    with page.expect_navigation():
        page.click("#talent-link")
    page.wait_for_selector("#talent[data-ready='1']")

    drawn = series(page)
    assert drawn["type"] == "map" and drawn["map"] == "广西"
    assert sorted(drawn["regions"]) == sorted(GUANGXI_CITIES)  # every boundary of the package, named as in forms
    assert sorted(drawn["data"]) == sorted(GUANGXI_CITIES)
    assert drawn["data"]["南宁市"] == 3 and drawn["data"]["柳州市"] == 2 and drawn["data"]["崇左市"] == 0
    # the canvas really has the map painted (not a blank box)
    painted = page.evaluate(f"() => {MAP}.getDataURL().length")
    assert painted > 20_000

    page.select_option("#map-metric", "members")
    members = series(page)["data"]
    assert members["南宁市"] == 8 and members["百色市"] == 3  # core members brought in, the Guangxi one not
    page.select_option("#map-metric", "field:新材料")
    assert {c for c, n in series(page)["data"].items() if n} == {"柳州市", "百色市"}

    rows = page.locator("#table-cities tbody tr")
    assert rows.count() == 14
    assert [rows.nth(i).locator("td").first.inner_text() for i in range(14)] == list(GUANGXI_CITIES)
    assert page.locator("#table-origin").inner_text().count("境外") == 1

    page.select_option("#map-metric", "teams")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "map-1366.png"), full_page=True)
    assert overflow(page) == []

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.wait_for_selector("#talent[data-ready='1']")
    assert len(series(page)["data"]) == 14
    box = page.locator("#chart-map").bounding_box()
    assert box is not None and box["width"] <= 390
    page.screenshot(path=str(SCREENSHOTS / "map-390.png"), full_page=True)
    assert overflow(page) == [], "the map page scrolls sideways on a phone"
    # the wide city table scrolls inside its own box, not the page, and keeps its words on one line
    # (the table is its own scroll box on phones, or its wrapper is)
    assert page.evaluate("""() => { const table = document.querySelector('#table-cities');
        const box = [table, table.parentElement].find((b) => b.scrollWidth > b.clientWidth);
        return !!box && box.getBoundingClientRect().right <= window.innerWidth; }""")
    # the dashboard at phone width: filters, export and tables stay inside the window
    page.goto(f"{live.url}/dashboard/?year=2024")
    page.wait_for_selector("#dashboard[data-ready='1']")
    assert page.locator("#table-track").inner_text().count("\n") >= 5
    assert overflow(page) == [], "the dashboard scrolls sideways on a phone"
    page.screenshot(path=str(SCREENSHOTS / "dashboard-390.png"), full_page=True)
    year = page.evaluate("() => echarts.getInstanceByDom(document.getElementById('chart-year')).getOption()"
                         ".series[0].data")
    assert sum(year) == 4  # the filter reached the charts: the four teams awarded in 2024
