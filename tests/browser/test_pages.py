import csv
import io
from pathlib import Path

import pytest

from visits.models import Era, Visit

pytestmark = pytest.mark.browser
CHARTS = ["era-comparison", "timeline", "rate", "window", "leader-visits"]


def open_page(page, url):
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    assert response.status == 200, url
    assert page.problems == [], page.problems


def xticks(page, chart):
    return page.locator(f"#{chart} .plot .xtick text").all_text_contents()


def test_every_page_loads_cleanly(page, site):
    visit = Visit.objects.published().first()
    for path in [
        "/",
        "/compare/?pair=CHN,PRK&scheme=dprk-supreme-leader",
        "/visits/",
        f"/visits/{visit.pk}/",
        "/people/kim-jong-il/",
        "/eras/china-paramount/hu/",
        "/about/",
        "/abroad/",
    ]:
        open_page(page, site + path)
        assert page.title().endswith("Summitry")
        assert page.locator('meta[name="description"]').get_attribute("content")


def test_home_charts_render_with_era_names_and_bars(page, site):
    open_page(page, site + "/")
    eras = list(Era.objects.filter(scheme__slug="china-paramount").values_list("name", flat=True))
    for chart in CHARTS:
        assert page.locator(f"#{chart} .plot svg.main-svg").count() >= 1, chart
    assert xticks(page, "era-comparison") == eras
    assert xticks(page, "rate") == eras
    # two directions, one bar per era each
    assert page.locator("#era-comparison .plot .barlayer .trace").count() == 2
    assert page.locator("#era-comparison .plot .barlayer .trace").first.locator(
        ".point"
    ).count() == len(eras)
    assert page.locator("#timeline .plot .barlayer .point").count() > 100
    assert "Xi Jinping" in page.locator("#timeline .plot").inner_text()


def table(page, chart):
    rows = page.locator(f'table[data-chart="{chart}"] tr')
    return [
        [c.strip() for c in rows.nth(i).locator("th, td").all_text_contents()]
        for i in range(rows.count())
    ]


def test_changing_the_form_updates_chart_table_and_url(page, site):
    open_page(page, site + "/compare/")
    page.select_option("#id_scheme", "dprk-supreme-leader")
    page.select_option("#id_min_level", "senior")
    page.fill("#id_as_of", "2011-01-01")
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "scheme=dprk-supreme-leader" in page.url and "as_of=2011-01-01" in page.url
    assert xticks(page, "era-comparison") == ["Kim Il-sung", "Kim Jong-il"]
    first = table(page, "era-comparison")
    assert [r[0] for r in first[1:]] == ["Kim Il-sung", "Kim Jong-il"]
    url = page.url
    open_page(page, url)
    assert table(page, "era-comparison") == first


def test_bad_parameter_shows_the_form_with_the_error(page, site):
    response = page.goto(site + "/compare/?pair=CHN&scheme=china-paramount&as_of=soon")
    assert response.status == 400
    assert "two different alpha-3 codes" in page.locator("#pair-error").inner_text()
    assert "Enter a valid date" in page.locator("#as_of-error").inner_text()
    assert "Traceback" not in page.content()


def test_chart_csv_holds_the_numbers_of_its_table(page, site):
    open_page(page, site + "/compare/?pair=CHN,PRK&scheme=china-paramount&as_of=2018-03-28")
    for chart in ["era-comparison", "leader-visits"]:
        page.locator(f"#{chart} details").evaluate("d => d.open = true")
        with page.expect_download() as info:
            page.click(f"#{chart} a[download]")
        text = Path(info.value.path()).read_text(encoding="utf-8")
        rows = [[c.strip() for c in r] for r in csv.reader(io.StringIO(text))]
        assert rows == table(page, chart), chart
    hu = next(r for r in table(page, "leader-visits") if r[0] == "Hu Jintao")
    assert hu[1:3] == ["1", "6"]


def test_abroad_chart_draws_each_era_and_each_published_rate(page, site):
    open_page(page, site + "/abroad/")
    assert page.locator("#rate .plot svg.main-svg").count() >= 1
    assert xticks(page, "rate") == [r[0].split(" (")[0] for r in table(page, "rate")[1:]]
    rates = page.locator("#rate .plot .scatterlayer .trace").first.locator("path.point")
    assert rates.count() == 4  # Lowy's four presidents, each a diamond at its era
    assert "Lowy Institute" in page.locator("p.finding").inner_text()


@pytest.mark.parametrize(("name", "width", "height"), [("phone", 390, 844), ("desktop", 1366, 900)])
def test_screenshots(browser, site, artifacts, name, width, height):
    for scheme in ("light", "dark"):
        context = browser.new_context(
            viewport={"width": width, "height": height}, color_scheme=scheme
        )
        page = context.new_page()
        for path, label in [
            ("/", "home"),
            ("/compare/?pair=CHN,PRK&scheme=china-head-of-state&min_level=senior", "compare"),
            ("/visits/", "visits"),
            ("/people/kim-jong-il/", "person"),
            ("/abroad/", "abroad"),
        ]:
            page.goto(site + path)
            page.wait_for_load_state("networkidle")
            shot = artifacts / f"{label}-{name}-{scheme}.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
            overflow = page.evaluate("document.documentElement.scrollWidth > innerWidth + 1")
            assert not overflow, f"{label} scrolls sideways at {width}px"
        context.close()
