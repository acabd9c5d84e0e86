import json
import re
from pathlib import Path

from django.test import Client
from plotly.offline import get_plotlyjs_version

from visits.staticstorage import CollectedStaticStorage

BUNDLE = "vendor/plotly.js-basic-dist-min/plotly-basic.min.js"
BASIC_TRACES = {"bar", "scatter", "pie"}  # what plotly.js's basic bundle registers


def test_vendored_bundle_matches_the_plotly_the_figures_are_built_for(settings):
    path = settings.BASE_DIR / "static" / BUNDLE
    head = path.read_text(encoding="utf-8")[:200]
    assert f"plotly.js (basic - minified) v{get_plotlyjs_version()}" in head
    assert (path.parent / "LICENSE").read_text().startswith("MIT License")


def figure_traces(html: str) -> set[str]:
    scripts = re.findall(
        r'<script id="fig-[^"]+" type="application/json">(.*?)</script>', html, re.S
    )
    assert scripts
    return {t.get("type", "scatter") for s in scripts for t in json.loads(s)["data"]}


def test_every_chart_draws_only_traces_of_the_basic_bundle(seeded):
    client = Client()
    for url in ["/", "/compare/?pair=CHN,PRK&scheme=dprk-supreme-leader", "/people/kim-jong-il/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert BUNDLE in response.content.decode()
        assert figure_traces(response.content.decode()) <= BASIC_TRACES, url


def test_collected_urls_are_hashed_even_with_debug_on(settings, tmp_path):
    settings.DEBUG = True
    (tmp_path / "staticfiles.json").write_text(
        json.dumps({"version": "1.1", "paths": {"js/a.js": "js/a.0123456789ab.js"}})
    )
    storage = CollectedStaticStorage(location=tmp_path, base_url="/static/")
    assert storage.url("js/a.js") == "/static/js/a.0123456789ab.js"


def test_collectstatic_writes_hashed_compressed_copies(collected_static):
    root, _ = collected_static
    bundle = root / "vendor" / "plotly.js-basic-dist-min"
    (hashed,) = bundle.glob("plotly-basic.min.*.js")
    assert 1_000_000 < hashed.stat().st_size < 1_500_000
    assert Path(f"{hashed}.br").stat().st_size < 400_000
    assert Path(f"{hashed}.gz").stat().st_size < 450_000
    assert list((root / "css").glob("site.*.css.gz"))
