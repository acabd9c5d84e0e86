"""axe-core (bundled by axe-playwright-python) on every public page: no serious or
critical violation. Each violation found is printed with its page and elements."""

import pytest
from axe_playwright_python.sync_playwright import Axe

from visits.models import Visit

pytestmark = pytest.mark.browser
BLOCKING = {"serious", "critical"}


def public_pages() -> list[str]:
    visit = Visit.objects.published().order_by("pk").first()
    return [
        "/",
        "/compare/?pair=CHN,PRK&scheme=dprk-supreme-leader&min_level=senior",
        "/visits/",
        "/visits/?date_from=2018-13",  # the form with its errors
        f"/visits/{visit.pk}/",
        "/people/kim-jong-il/",
        "/eras/china-paramount/hu/",
        "/about/",
        "/abroad/",
        "/abroad/?side=CHN",  # the form with its error
    ]


def violations(page, url: str) -> tuple[list[str], list[dict]]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    found = Axe().run(page).response["violations"]
    return [
        f"{v['impact']} {v['id']} on {url}: {node['target']} {node['html'][:120]}"
        for v in found
        for node in v["nodes"]
    ], [v for v in found if v["impact"] in BLOCKING]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_or_critical_violations(browser, site, capsys, scheme):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    report, blocking = [], []
    for path in public_pages():
        lines, worst = violations(page, site + path)
        report += lines
        blocking += [f"{v['id']} on {path}" for v in worst]
    context.close()
    with capsys.disabled():
        print(f"\naxe ({scheme}): {len(report)} violating elements", *report, sep="\n  ")
    assert not blocking, blocking
