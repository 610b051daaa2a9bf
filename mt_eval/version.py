"""mt-eval's version, and the versions of the tools whose numbers it reports."""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("mt-eval")
except metadata.PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+unknown"

# The packages whose versions a user needs to reproduce a number.
REPORTED_PACKAGES = ("sacrebleu", "unbabel-comet", "hydra-core")


def versions() -> str:
    """mt-eval's version and those of the tools it reports, one per line."""
    parts = [f"mt-eval {__version__}"]
    for package in REPORTED_PACKAGES:
        try:
            parts.append(f"{package} {metadata.version(package)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{package} not installed" if package == "unbabel-comet" else f"{package} ?")
    return "\n".join(parts)
