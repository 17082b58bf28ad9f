"""Progress: quiet when piped unless asked, plain lines with rate and ETA in logs, forced on/off."""

from __future__ import annotations

import pytest

from rexbench import progress


def test_quiet_when_piped_unless_asked(monkeypatch, capsys):
    monkeypatch.delenv(progress.PROGRESS_ENV, raising=False)
    with progress.progress_bar("meteor", 10) as advance:   # pytest's stderr is not a terminal
        advance(10)
    assert capsys.readouterr().err == ""
    with progress.progress_mode(True), progress.progress_bar("report: meteor", 10) as advance:
        advance(10)
    assert capsys.readouterr().err == "report: meteor: 10/10 in 0.0 s\n"


@pytest.mark.parametrize("env, mode, arg, expected", [
    ("", None, None, None), ("1", None, None, True), ("0", None, None, False), ("1", False, None, False),
    ("0", True, None, True), ("1", True, False, False), ("never", None, True, True),
])
def test_precedence_argument_then_option_then_environment(monkeypatch, env, mode, arg, expected):
    monkeypatch.setenv(progress.PROGRESS_ENV, env)
    with progress.progress_mode(mode):
        assert progress.wanted(arg) is expected


def test_log_lines_carry_rate_and_eta_and_are_rate_limited():
    now = [0.0]
    lines: list[str] = []
    with progress._lines("findings: meteor", 1000, every=5.0, clock=lambda: now[0], write=lines.append) as advance:
        now[0] = 2.0
        advance(100)              # too soon for a line
        now[0] = 5.0
        advance(150)              # 250 done in 5 s: 50 pairs/s, 750 left -> 15 s
        now[0] = 6.0
        advance(50)
        now[0] = 20.0
        advance(700)              # finished: only the closing line
    assert lines == ["findings: meteor: 250/1,000 (25 %), 50 pairs/s, ETA 15 s",
                     "findings: meteor: 1,000/1,000 in 20.0 s"]


def test_formats():
    assert progress.format_rate(0, 1.0) == "" and progress.format_rate(5, 2.0) == "2.50 pairs/s"
    assert progress.format_eta(0, 10, 1.0) == "ETA ?" and progress.format_eta(5, 10, 1.0) == "ETA 1.0 s"
