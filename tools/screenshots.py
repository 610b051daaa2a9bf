"""Screenshots of the HTML report's reader for docs/ and the README.

    python tools/screenshots.py [--out docs]

Takes, at 1280 px and 800 px wide:
- the bundled test set (draft against presstv, differences from the reference);
- a 4-system, 2,000-segment synthetic run (benchmarks/_corpus.py: no repeated
  sentence), with the pair chooser on sys1 against sys3 and the filter
  "where sys1 beats sys3 by more than 10 BLEU".
Needs chromium and playwright (the test extra).
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "references" / "al-mayadeen-2021-07-25"


def _corpus():
    spec = importlib.util.spec_from_file_location("_corpus", ROOT / "benchmarks" / "_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if found is None:
        raise SystemExit("no chromium on this machine (Debian: apt-get install chromium)")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    import mt_eval
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        mt_eval.score(BUNDLED / "source.ar", [BUNDLED / "reference.en"],
                      {"draft": BUNDLED / "systems" / "draft.en", "presstv": BUNDLED / "systems" / "presstv.en"},
                      metrics=["bleu", "chrf", "ter"]).save(work / "bundled", formats=("html",))
        data = _corpus().make_testset(work / "data", 2000, 4)
        mt_eval.score(data["source"], [data["reference"]], data["systems"], metrics=["bleu", "chrf"]).save(work / "large", formats=("html",))
        shots = [
            ("bundled", "#a=0&b=1&view=ref:0", "#segments-title"),
            ("large", "#a=0&b=2&m=0&view=ref:0&beats=1&margin=10&bm=0", "#pair"),
        ]
        args.out.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
            for name, fragment, anchor in shots:
                for width in (1280, 800):
                    page = browser.new_page(viewport={"width": width, "height": 1100})
                    page.goto((work / name / "report.html").as_uri() + fragment)
                    page.wait_for_selector("body[data-ready]")
                    page.evaluate(f"document.querySelector('{anchor}').scrollIntoView()")
                    target = args.out / f"reader-{name}-{width}.png"
                    page.screenshot(path=str(target))
                    print(f"{target} ({target.stat().st_size // 1024} KB)")
                    page.close()
            browser.close()


if __name__ == "__main__":
    main()
