"""Snakemake's HTML report of the tiny workflow: one self-contained file that renders in a browser.

The report is a React app whose results are embedded as data URIs, so reading the
HTML text proves little. The rendering test opens a copy of the report in headless
Chromium with a probe script appended: it records what the app shows on its start
page, in every result category and for every image result (after the browser decoded
it), and writes that as JSON into the DOM that ``--dump-dom`` prints.
"""

from __future__ import annotations

import html as html_module
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import REPO, SNAKEMAKE, snakemake

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(SNAKEMAKE is None, reason="snakemake is not installed in this environment"),
]

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser")) if p), None)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="headless Chromium is not installed"
    " (Debian: apt-get install chromium, or scripts/install_system_deps.sh)",
)

#: result file -> report category, for every output wrapped in report(...) that target `all` builds
EXPECTED_RESULTS = {
    "results/table1.csv": "Tables",
    "results/table_exp2.csv": "Tables",
    "results/table2.csv": "Tables",
    "results/table2_counts.csv": "Tables",
    "results/best_epochs.csv": "Tables",
    "results/table_exp4.csv": "Tables",
    "results/table_exp2_significance.csv": "Tables",
    "results/table2_significance.csv": "Tables",
    "results/table_exp4_significance.csv": "Tables",
    "results/table_exp4_sources.csv": "Tables",
    "results/table_exp4_sources_clusters.csv": "Tables",
    "results/table_exp4_sources_significance.csv": "Tables",
    "results/figures/exp4_sources.png": "Figures",
    "results/table1_per_attack.csv": "Tables",
    "results/table2_per_attack.csv": "Tables",
    "results/figures/table1_per_attack.png": "Figures",
    "results/figures/table2_per_attack.png": "Figures",
    "results/figures/figure1_tsne_by_attack.png": "Figures",
    "results/figures/figure1_tsne.png": "Figures",
    "results/figures/exp4_comparison.png": "Figures",
    "results/nc/asvspoof2019/resnet/distances.png": "Neural collapse",
    "results/models/pretrained/asvspoof2019/resnet/curve.png": "Training curves",
    "results/models/pretrained/asvspoof2019/convnext/curve.png": "Training curves",
}

PROBE = """
<script id="report-probe">
(async () => {
  const probe = { done: false, error: null, step: "start", views: {}, info: {}, images: {} };
  const out = document.createElement("pre");
  out.id = "probe-result";
  const publish = () => { out.textContent = JSON.stringify(probe); };
  document.body.appendChild(out);
  const settle = () => new Promise((done) => setTimeout(done, 300));
  const appText = () => document.querySelector("#app").innerText;
  try {
    await settle();
    probe.views.start = appText();
    probe.vega = Array.from(document.querySelectorAll("#app canvas, #app svg.marks"))
      .map((el) => [el.clientWidth || el.width, el.clientHeight || el.height]);
    probe.categories = Object.keys(categories);
    for (const category of probe.categories) {
      app.setView({ navbarMode: "menu" });  // as a reader does: back to the menu, then the category
      await settle();
      app.showCategory(category);
      await settle();
      probe.views[category] = appText();
      probe.step = category;
      publish();
    }
    for (const [path, result] of Object.entries(results)) {
      if (result.mime_type.startsWith("image/")) continue;
      app.showResultInfo(path);  // the (i) button: caption, size, rule
      await settle();
      probe.info[path] = appText();
    }
    const viewer = new ToggleViewManager(app);  // what the view button of an entry does
    for (const [path, result] of Object.entries(results)) {
      if (!result.mime_type.startsWith("image/")) continue;
      viewer.handleSelectedResult(path);
      await settle();
      const shown = () => Array.from(document.querySelectorAll("#app img"))
        .find((el) => el.src === result.data_uri);
      for (let i = 0; i < 20 && !(shown() && shown().complete); i++) await settle();
      const img = shown();
      probe.images[path] = img ? [img.naturalWidth, img.naturalHeight] : null;
      probe.step = path;
      publish();
    }
  } catch (err) {
    probe.error = String(err);
  }
  probe.done = true;
  publish();
})();
</script>
"""


@pytest.fixture(scope="module")
def report_html(full_workdir: Path) -> Path:
    """``snakemake --report results/report.html`` on the finished tiny workflow."""
    report = full_workdir / "results" / "report.html"
    snakemake(full_workdir, "--report", "results/report.html")
    return report


def embedded_json(html: str, script_id: str, variable: str) -> dict | str:
    """The JSON value of ``var <variable> = ...;`` in the report's ``<script id=script_id>``."""
    match = re.search(
        rf'<script id="{script_id}">\s*var {variable} = (.*?);\s*</script>', html, flags=re.S
    )
    assert match, f"report has no '{script_id}' data block"
    return json.loads(match.group(1))


def test_report_is_one_self_contained_html_file(report_html: Path) -> None:
    html = report_html.read_text()
    assert html.lstrip().lower().startswith("<!doctype html>")
    # nothing is fetched from elsewhere: no external scripts, styles or images
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']?(https?:)?//""", html)
    results = embedded_json(html, "results", "results")
    assert set(EXPECTED_RESULTS) <= set(results)
    for path, result in results.items():
        assert result["data_uri"].startswith(f"data:{result['mime_type']}"), path
        assert result["caption"].strip(), f"{path} has no caption"
    assert "Experiment 1 (paper Table 1)" in results["results/table1.csv"]["caption"]
    assert results["results/figures/figure1_tsne.png"]["mime_type"] == "image/png"
    # the workflow's rule graph is part of every report
    rulegraph = json.dumps(embedded_json(html, "rulegraph", "rulegraph_spec"))
    for rule in ("cache_shard", "pretrain", "sample_exp2", "table_exp3", "table_exp4"):
        assert rule in rulegraph


def test_report_shows_the_workflow_description(report_html: Path) -> None:
    assert 'report: "report/workflow.rst"' in (REPO / "Snakefile").read_text()
    text = embedded_json(report_html.read_text(), "workflow-desc", "workflow_desc")
    assert "Neural-collapse based sampling" in text
    assert "3 methods" in text  # rendered from the tiny config (Jinja)
    assert "System Message" not in text  # every rst link resolved
    assert (
        "javascript:app.showCategory('Tables')" in text
    )  # category links work in the React report


@pytest.mark.chromium
@needs_chromium
def test_report_renders_tables_and_images_in_chromium(report_html: Path, tmp_path: Path) -> None:
    page = tmp_path / "report_probe.html"
    html = report_html.read_text()
    cut = html.lower().rindex("</body>")
    page.write_text(html[:cut] + PROBE + html[cut:])
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
        "--window-size=1400,1000",
        "--virtual-time-budget=15000",
        "--dump-dom",
        page.as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    dom = proc.stdout
    match = re.search(r'<pre id="probe-result">(.*?)</pre>', dom, flags=re.S)
    assert match, "the probe script did not finish; Chromium stderr:\n" + proc.stderr[-3000:]
    probe = json.loads(html_module.unescape(match.group(1)))
    assert probe["error"] is None, probe["error"]
    assert probe["done"], f"the probe stopped at {probe['step']}"

    # the React app replaced its loading screen and draws the rule graph
    assert "Loading Snakemake Report" not in probe["views"]["start"]
    assert probe["vega"] and all(w > 0 and h > 0 for w, h in probe["vega"])
    assert set(EXPECTED_RESULTS.values()) <= set(probe["categories"])
    for category in set(EXPECTED_RESULTS.values()):
        assert category in probe["views"]["start"]  # listed in the menu
    # each category view lists its results by file name
    for path, category in EXPECTED_RESULTS.items():
        if category in ("Tables", "Figures"):
            assert Path(path).name in probe["views"][category], (path, probe["views"][category])
    assert "asvspoof2019" in probe["views"]["Training curves"]  # the dataset label of the curves
    # a table's info panel shows its caption
    assert "Experiment 1 (paper Table 1)" in probe["info"]["results/table1.csv"]
    assert "Experiment 3 (paper Table 2)" in probe["info"]["results/table2.csv"]
    # every image result was shown and decoded by the browser (a broken image has size 0)
    images = probe["images"]
    assert {p for p in EXPECTED_RESULTS if p.endswith(".png")} <= set(images)
    for path, size in images.items():
        assert size is not None, f"{path} was not shown"
        assert size[0] >= 100 and size[1] >= 100, f"{path} rendered as {size}"
