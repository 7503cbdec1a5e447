"""A real browser opens a generated pack from file:// with the network blocked.

Needs Debian's Chromium at /usr/bin/chromium (``apt-get install chromium``; .ci/run installs it)
driven by the ``playwright`` package (no ``playwright install``). Outside CI the test skips with
a reason when Chromium is absent; with ``CI=true`` it runs and fails instead of skipping.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from pipeline.batch import Provenance, RunPlan, run_batch
from pipeline.reporting.export import Source
from pipeline.reporting.pack import District

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
IN_CI = os.environ.get("CI", "").strip().lower() == "true"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "notebooks"
HOSTILE = "<script>window.__pwned=1</script>"


def _need(condition: bool, reason: str) -> None:
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason}: CI must run the browser test (CI=true)")
    pytest.skip(reason)


def localities(district_code: str) -> list[tuple[str, str]]:
    return [("pn-1", HOSTILE), ("forum-2", "Market Harborough & District")]


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    """A pack built from the stand-in notebooks: two steps (a chart, a map), two localities."""
    root = tmp_path_factory.mktemp("browser")
    plan = RunPlan(
        config_path=root / "area.yaml", county="Leicestershire",
        districts=(District("E07000129", "Blaby", "Leicestershire"),),
        provenance=Provenance(code_version="0.1.0+test", sources=(Source("IoD 2019", "2019"),)),
        steps=("01_baseline", "02_evidence"), localities_for=localities, notebooks_dir=FIXTURES,
        reports_dir=root / "reports", processed_dir=root / "processed",
        work_dir=root / "processed" / "runs", progress=False)
    summary = run_batch(plan)
    assert summary.exit_code == 0, summary.table()
    return root / "reports"


@pytest.fixture(scope="module")
def browser():
    _need(CHROMIUM.exists(), f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _need(False, "the playwright package is not installed")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _visit(browser, path: Path) -> dict:
    """Open ``path`` from file:// with everything else blocked; report what happened."""
    context = browser.new_context()
    blocked, failed, errors = [], [], []

    def route(request_route):
        url = request_route.request.url
        if url.startswith("file://"):
            request_route.continue_()
        else:
            blocked.append(url)
            request_route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("requestfailed", lambda r: failed.append(r.url))
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_timeout(300)  # let plotly finish drawing
    result = {
        "blocked": blocked, "failed": failed, "errors": errors,
        "charts": page.locator(".js-plotly-plot").count(),
        "drawn": page.locator(".js-plotly-plot .main-svg").count(),
        "map_shapes": page.locator("path.choroplethlocation").count(),
        "pwned": page.evaluate("typeof window.__pwned"),
        "h1": page.locator("h1").all_inner_texts(),
        "text": page.locator("body").inner_text(),
        "links": page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"),
    }
    context.close()
    return result


@pytest.fixture(scope="module")
def visits(pack, browser) -> dict[str, tuple[dict, int]]:
    """Every page of the site, visited once: relative path -> (what happened, charts expected)."""
    manifest = json.loads((pack / "blaby" / "manifest.json").read_text())
    pages = [("index.html", 0), ("blaby/index.html", 0)]
    pages += [(f"blaby/{p['href']}", p["charts"]) for p in manifest["pages"]]
    return {where: (_visit(browser, pack / where), charts) for where, charts in pages}


def test_every_page_works_offline_from_file_urls(visits):
    assert sorted(visits) == [
        "blaby/01-baseline.html", "blaby/02-evidence.html", "blaby/index.html",
        "blaby/localities/forum-2.html", "blaby/localities/pn-1.html", "index.html"]
    for where, (seen, charts) in visits.items():
        assert seen["errors"] == [], where
        assert seen["blocked"] == [], where
        assert seen["failed"] == [], where
        assert seen["charts"] == charts, where
        assert seen["drawn"] >= charts, where
        assert len(seen["h1"]) == 1, where
        assert seen["pwned"] == "undefined", where
        for link in seen["links"]:
            url = urlparse(link)
            if url.scheme == "file":
                assert Path(unquote(url.path)).exists(), f"{where}: broken link {link}"


def test_step_pages_draw_their_charts_and_map(visits):
    baseline, _ = visits["blaby/01-baseline.html"]
    assert baseline["charts"] == 1 and baseline["drawn"] >= 1
    evidence, _ = visits["blaby/02-evidence.html"]
    assert evidence["charts"] == 1 and evidence["map_shapes"] == 3


def test_a_hostile_locality_name_shows_as_text_and_never_runs(visits):
    profile, _ = visits["blaby/localities/pn-1.html"]
    assert profile["h1"] == [f"Locality profile: {HOSTILE}"]
    assert f"Summary for {HOSTILE}" in profile["text"]
    assert profile["pwned"] == "undefined"
    front, _ = visits["blaby/index.html"]
    assert HOSTILE in front["text"] and "Market Harborough & District" in front["text"]
    assert front["pwned"] == "undefined"
    baseline, _ = visits["blaby/01-baseline.html"]
    assert "<script>alert(1)</script>" in baseline["text"]


# --------------------------------------------------------------------------------------------
# The real thing: the project's notebooks on the real store for Charnwood, with two of its
# localities, one renamed to a hostile string in a copy of the processed data.


@pytest.fixture(scope="module")
def real_pack(ingested, prepared, tmp_path_factory):
    import shutil

    import pandas as pd

    from pipeline.batch import load_provenance
    from pipeline.paths import NOTEBOOKS_DIR

    summary, data = prepared
    processed = tmp_path_factory.mktemp("real") / "processed"
    shutil.copytree(ingested["out"], processed)
    charnwood = summary[summary["lad_code"] == "E07000130"]
    victim = charnwood[charnwood["type"] == "priority_neighbourhood"].iloc[0]["locality_id"]
    forum = charnwood[charnwood["type"] == "forum_area"].iloc[0]
    for name in ("localities.parquet", "locality_membership.parquet"):
        table = pd.read_parquet(processed / name)
        table.loc[table["locality_id"] == victim, "name"] = HOSTILE
        table.to_parquet(processed / name, index=False)
    chosen = ((victim, HOSTILE), (forum["locality_id"], forum["name"]))
    plan = RunPlan(
        config_path=data.config.path, county="Leicestershire",
        districts=(District("E07000130", "Charnwood", "Leicestershire"),),
        provenance=load_provenance(processed), notebooks_dir=NOTEBOOKS_DIR,
        localities_for=lambda code: chosen, reports_dir=processed.parent / "reports",
        processed_dir=processed, work_dir=processed / "runs", progress=False)
    result = run_batch(plan)
    assert result.exit_code == 0, result.table()
    return processed.parent / "reports"


@pytest.fixture(scope="module")
def real_visits(real_pack, browser) -> dict[str, tuple[dict, int]]:
    manifest = json.loads((real_pack / "charnwood" / "manifest.json").read_text())
    pages = [("index.html", 0), ("charnwood/index.html", 0)]
    pages += [(f"charnwood/{p['href']}", p["charts"]) for p in manifest["pages"]]
    return {where: (_visit(browser, real_pack / where), charts) for where, charts in pages}


def test_real_pack_pages_render_every_chart_offline(real_visits):
    assert len(real_visits) == 2 + 5 + 2  # site and pack index, five steps, two profiles
    for where, (seen, charts) in real_visits.items():
        assert seen["errors"] == [], where
        assert seen["blocked"] == [] and seen["failed"] == [], where
        assert seen["charts"] == charts and seen["drawn"] >= charts, where
        assert len(seen["h1"]) == 1, where
    baseline, charts = real_visits["charnwood/01-baseline.html"]
    assert charts >= 8 and baseline["map_shapes"] >= 99  # three maps of the 99 LSOAs


def test_real_hostile_locality_name_is_text(real_visits):
    profiles = [seen for where, (seen, _) in real_visits.items() if "/localities/pn-" in where]
    assert len(profiles) == 1
    assert HOSTILE in profiles[0]["h1"][0] and profiles[0]["pwned"] == "undefined"
    front, _ = real_visits["charnwood/index.html"]
    assert HOSTILE in front["text"] and front["pwned"] == "undefined"
    assert "County Electoral Divisions" in front["text"]
