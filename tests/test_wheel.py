"""The built wheel carries conf/ and the bundled test set: the default job
runs from an installed package, outside any checkout."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile

from conftest import ROOT


def test_wheel_runs_the_default_job_outside_the_checkout(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        # Build isolation: the build backend comes from the package index, as for any user.
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    wheel = next(wheels.glob("mt_eval-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "mt_eval/conf/config.yaml" in names
    assert "mt_eval/conf/testset/al-mayadeen.yaml" in names
    assert "mt_eval/testsets/al-mayadeen-2021-07-25/source.ar" in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    work = tmp_path / "elsewhere"
    work.mkdir()
    code = (
        f"import sys; sys.path.insert(0, {str(site)!r}); import mt_eval; "
        f"assert mt_eval.__file__.startswith({str(site)!r}), mt_eval.__file__; "
        "from mt_eval.cli import main; sys.argv=['mt-eval','report.terminal=false','report.dir=out']; main()"
    )
    # -I: ignore the checkout's editable install and the current directory.
    completed = subprocess.run([sys.executable, "-I", "-c", code], cwd=work, capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    report = json.loads((work / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["testset"]["segments"] == 14
    assert str(site) in report["testset"]["source"]
