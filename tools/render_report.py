"""Open a report.html in headless Chromium: check that its script ran
without errors, and take a screenshot.

    python tools/render_report.py reports/.../report.html [--screenshot docs/report.png]

Exits 1 if the page did not load cleanly. Used by the tests and to refresh
the screenshot in docs/.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional, Tuple

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-quic", "--hide-scrollbars"]


def chromium() -> Optional[str]:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def render(page: Path, screenshot: Optional[Path] = None, width: int = 1300, height: int = 2200) -> Tuple[str, float]:
    """The DOM after the page's script ran, and the seconds Chromium took."""
    binary = chromium()
    if binary is None:
        raise FileNotFoundError("no chromium on this machine (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory() as profile:
        base = [binary, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}", "--virtual-time-budget=5000"]
        start = time.perf_counter()
        dom = subprocess.run(base + ["--dump-dom", page.resolve().as_uri()], capture_output=True, text=True, timeout=120, check=True).stdout
        elapsed = time.perf_counter() - start
        if screenshot is not None:
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run(base + [f"--screenshot={screenshot.resolve()}", page.resolve().as_uri()], capture_output=True, timeout=120, check=True)
    return dom, elapsed


def loaded_cleanly(dom: str) -> bool:
    body = re.search(r"<body[^>]*>", dom)
    return bool(body) and 'data-ready="yes"' in body.group(0) and "data-error" not in body.group(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("page", type=Path)
    parser.add_argument("--screenshot", type=Path)
    args = parser.parse_args()
    dom, elapsed = render(args.page, args.screenshot)
    ok = loaded_cleanly(dom)
    print(f"{args.page}: {'loaded without errors' if ok else 'FAILED to load cleanly'} in {elapsed:.2f} s ({args.page.stat().st_size / 1e6:.2f} MB)")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
