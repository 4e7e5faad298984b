"""Every report the test suite builds goes through the coherence check (tests/coherence.py)."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gradlab.check  # noqa: E402
from coherence import assert_coherent  # noqa: E402


@pytest.fixture(autouse=True)
def every_report_is_coherent(monkeypatch):
    build = gradlab.check.build_report

    def checked(*fields):
        report = build(*fields)
        return assert_coherent(report)

    monkeypatch.setattr(gradlab.check, "build_report", checked)
    yield
