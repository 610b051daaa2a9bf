"""The HTML report's weight in a browser: file size, time until the reader is
ready, and the time its controls take, for 4 systems × 2,000 segments, with
and without COMET columns.

    python benchmarks/html_page.py [--segments 2000] [--systems 4]

Data: benchmarks/_corpus.py (distinct synthetic sentences, none repeated).
COMET columns come from a tiny randomly initialised COMET checkpoint built
offline (tests/tiny_comet.py): its scores mean nothing, but they take the
same room in the page as a real model's. Needs chromium, playwright (the
test extra) and, for the COMET run, the comet extra.
Timings: Chromium's own performance.now() inside the page (navigation start
to the reader ready, and around each control change), median of 3 loads.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Dict

HERE = Path(__file__).resolve().parent
import _corpus  # noqa: E402  (this script's folder is first on the path)

# Then keep benchmarks/ off the path: its comet.py would shadow unbabel-comet.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE]


def measure(browser, html: Path) -> Dict[str, float]:
    """Median over 3 fresh pages: ms until ready, ms to show all differences, ms to filter."""
    runs = []
    for _ in range(3):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(html.as_uri())
        page.wait_for_selector("body[data-ready]")
        ready = float(page.get_attribute("body", "data-ready-ms"))
        # Differences on: ms until the segments on screen are redrawn, and until all 2,000 are (drawn in slices).
        diff, diff_all = page.evaluate("""async () => { const t = performance.now(); const v = document.getElementById('view');
            v.value = 'ref:0'; v.dispatchEvent(new Event('change')); const first = performance.now() - t;
            while (document.body.dataset.rendered !== 'yes') { await new Promise(r => setTimeout(r, 5)); }
            return [first, performance.now() - t]; }""")
        beats = page.evaluate("""() => { const t = performance.now(); const b = document.getElementById('beats');
            b.checked = true; b.dispatchEvent(new Event('change')); return performance.now() - t; }""")
        pair = page.evaluate("""() => { const t = performance.now(); const a = document.getElementById('pair-a');
            a.value = '2'; a.dispatchEvent(new Event('change')); return performance.now() - t; }""")
        runs.append({"ready_ms": ready, "differences_ms": diff, "differences_all_ms": diff_all, "filter_ms": beats, "pair_ms": pair})
        page.close()
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--segments", type=int, default=2000)
    parser.add_argument("--systems", type=int, default=4)
    args = parser.parse_args()
    import mt_eval
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if chromium is None:
        raise SystemExit("no chromium on this machine (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        data = _corpus.make_testset(work / "data", args.segments, args.systems)
        runs = {"BLEU, chrF, TER": {"metrics": ["bleu", "chrf", "ter"], "overrides": []}}
        try:
            import comet  # noqa: F401

            sys.path.insert(0, str(HERE.parent / "tests"))
            import tiny_comet as tiny
            lines = [line for path in (data["source"], data["reference"]) for line in path.read_text(encoding="utf-8").splitlines()[:500]]
            checkpoint = tiny.build_checkpoint(work / "model", tiny.build_encoder(work / "encoder", lines))
            runs["BLEU, chrF, TER, COMET (tiny model)"] = {"metrics": ["bleu", "chrf", "ter", "comet"],
                                                           "overrides": [f"comet.model={checkpoint}", f"comet.cache_dir={work / 'cache'}"]}
        except ImportError:
            print("unbabel-comet is not installed: the COMET run is left out (pip install -e '.[comet,test]')")
        print(f"{args.systems} systems × {args.segments} segments, Chromium headless, 1280 px")
        print(f"{'metrics':<38} {'report.html':>11} {'ready':>8} {'diffs on (on screen / all)':>27} {'filter':>8} {'pair':>8}")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            for label, run in runs.items():
                folder = work / label.split(",")[-1].strip().split()[0].lower()
                mt_eval.score(data["source"], [data["reference"]], data["systems"], metrics=run["metrics"],
                              overrides=run["overrides"]).save(folder, formats=("html",))
                html = folder / "report.html"
                figures = measure(browser, html)
                print(f"{label:<38} {html.stat().st_size / 1e6:>8.2f} MB {figures['ready_ms'] / 1000:>6.2f} s "
                      f"{figures['differences_ms'] / 1000:>16.2f} s / {figures['differences_all_ms'] / 1000:.2f} s {figures['filter_ms'] / 1000:>6.2f} s {figures['pair_ms'] / 1000:>6.2f} s")
            browser.close()


if __name__ == "__main__":
    main()
