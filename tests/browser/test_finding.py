"""The finding first, in Chromium: the like-for-like sentence and table on `/` with
the numbers recomputed from the records, the first chart above the fold on a phone,
and each published figure's gap link listing exactly its recorded visits (the
`figure` filter of /visits/)."""

import re

import pytest

from visits.models import PublishedFigure, Visit
from visits.stats import figure_q

pytestmark = pytest.mark.browser


def recorded(figure: PublishedFigure) -> int:
    pair = (figure.country_a_id, figure.country_b_id)
    return Visit.objects.published().for_pair(*pair).filter(figure_q(figure)).count()


def totals() -> list[PublishedFigure]:
    """The published totals, latest era first, as the sentence names them."""
    figures = PublishedFigure.objects.select_related("era").filter(metric="total")
    return list(figures.order_by("-era__start_date"))


def expected_sentence() -> str:
    parts = []
    for i, f in enumerate(totals()):
        n = recorded(f)
        if i == 0:
            parts.append(f"{f.era.name} {f.value} published, {n} recorded here")
        else:
            parts.append(f"{f.era.name} {f.value} / {n}")
    return f"As {totals()[0].publisher} counted on 28 March 2018: " + "; ".join(parts)


def finding_rows(page) -> dict:
    rows = page.locator('table[data-chart="finding"] tbody tr')
    out = {}
    for i in range(rows.count()):
        cells = [c.strip() for c in rows.nth(i).locator("th, td").all_inner_texts()]
        out[(cells[0], cells[1])] = cells
    return out


def test_like_for_like_sentence_and_table(page, site, artifacts):
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(site + "/")
    page.wait_for_selector("#finding .plot svg.main-svg")
    sentence = page.locator("p.finding").inner_text()
    assert sentence.startswith(expected_sentence()), sentence
    assert "Xi Jinping 7 published, 9 recorded here" in sentence  # the seed, as of today
    rows = finding_rows(page)
    for f in totals():
        cells = rows[(f.era.name, "All visits, minister or above")]
        assert cells[3:5] == [str(f.value), str(recorded(f))]
    assert page.locator("#finding .plot .barlayer .point").count() == 2 * len(totals())
    link = page.get_by_role("link", name=re.compile(r"See it as CSIS did"))
    assert "as_of=2018-03-28" in link.get_attribute("href")
    page.screenshot(path=str(artifacts / "finding-desktop.png"), full_page=False)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_first_chart_above_the_fold_on_a_phone(browser, site, artifacts, scheme):
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme=scheme)
    page = context.new_page()
    page.goto(site + "/")
    page.wait_for_selector("#finding .plot svg.main-svg")
    page.screenshot(path=str(artifacts / f"finding-phone-{scheme}.png"))
    box = page.locator("#finding .plot").bounding_box()
    assert box["y"] + box["height"] * 0.6 < 844, box  # most of the chart on the first screen
    context.close()


def test_gap_link_lists_exactly_the_recorded_visits(page, site):
    """Needs the `figure` filter of /visits/ (helper "filters")."""
    page.goto(site + "/")
    for f in totals():
        page.goto(site + "/")
        row = finding_rows(page)[(f.era.name, "All visits, minister or above")]
        link = (
            page.locator('table[data-chart="finding"] tbody tr')
            .filter(has_text=f.era.name)
            .filter(has_text="All visits")
            .locator("td a")
            .first
        )
        assert link.inner_text() == row[4]
        link.click()
        page.wait_for_load_state("domcontentloaded")
        assert f"figure={f.pk}" in page.url
        summary = page.locator("p.summary").inner_text()
        assert summary.startswith(f"{row[4]} visit"), summary
        assert int(row[4]) == recorded(f)
