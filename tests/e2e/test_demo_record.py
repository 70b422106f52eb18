"""make demo-record: a screenshot per inspector step and a video of the whole flow."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import pytest

from portal_sim.record import STEPS
from tests.e2e.support import REPO

pytestmark = pytest.mark.e2e

PNG = b"\x89PNG\r\n\x1a\n"
WEBM = b"\x1a\x45\xdf\xa3"


def avi_frames(data: bytes) -> list[bytes]:
    """The video frames of a Motion JPEG AVI, read from its movi list."""
    assert data[:4] == b"RIFF" and data[8:12] == b"AVI "
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8
    at = data.index(b"movi") + 4
    frames = []
    while data[at : at + 4] == b"00dc":
        size = struct.unpack("<I", data[at + 4 : at + 8])[0]
        frames.append(data[at + 8 : at + 8 + size])
        at += 8 + size + size % 2
    assert data[at : at + 4] == b"idx1"
    return frames


def test_demo_record_writes_a_screenshot_per_step_and_a_video(tmp_path: Path) -> None:
    out = tmp_path / "recordings"
    run = subprocess.run(
        [sys.executable, "-m", "portal_sim.record", "--out", str(out), "--dwell", "0.1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr

    shots = sorted(path.name for path in out.glob("[0-9][0-9]-*.png"))
    assert shots == [f"{number:02d}-{step}.png" for number, step in enumerate(STEPS, start=1)]
    for name in [*shots, "flow.png"]:
        assert (out / name).read_bytes()[:8] == PNG, name
    videos = [path for path in out.iterdir() if path.suffix in {".webm", ".avi"}]
    assert len(videos) == 1
    data = videos[0].read_bytes()
    if videos[0].suffix == ".webm":
        assert data[:4] == WEBM
    else:
        frames = avi_frames(data)
        assert len(frames) >= 10
        assert all(frame[:2] == b"\xff\xd8" for frame in frames)
    for path in out.iterdir():
        assert f"wrote {path}" in run.stdout


def make_dry_run(*arguments: str) -> str:
    """What `make -n` would run, setup taken as done."""
    dry = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-n",
            "-W",
            ".venv/.installed",
            "-W",
            ".venv/.browser",
            *arguments,
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert dry.returncode == 0, dry.stderr
    return dry.stdout.strip().splitlines()[-1]


def test_make_demo_record_runs_the_recorder_into_recordings() -> None:
    assert make_dry_run("demo-record").endswith("-m portal_sim.record --out recordings")
    assert "recordings/" in (REPO / ".gitignore").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("presenter", "flag"),
    [(None, False), ("1", True), ("yes", True), ("0", False), ("no", False)],
)
def test_make_demo_presenter_switches_presenter_mode(presenter: str | None, flag: bool) -> None:
    line = make_dry_run("demo", *([f"PRESENTER={presenter}"] if presenter else []))
    assert "-m portal_sim demo" in line
    assert line.endswith("--presenter") is flag
