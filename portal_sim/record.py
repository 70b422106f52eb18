"""Record the quote flow for slides and handouts: a screenshot per step and a video.

``python -m portal_sim.record`` (or ``make demo-record``) starts its own portal and quote API
with ``--inspector --presenter`` on free ports and fresh data folders, drives a headless
Chromium through Alice's implicit grant flow (signed out first, so the sign-in step shows),
and writes into ``recordings/``:

- ``NN-<step>.png``: each inspector step as it appears (``01-authorize-request.png``, ...);
- ``flow.png``: the whole redirect page at the end, every step listed;
- ``flow.webm`` (Playwright's recorder), or ``flow.avi`` (Motion JPEG from the browser's own
  screencast) where Playwright's ffmpeg is not installed.

The browser is the one ``make setup`` chose (``CHROMIUM_PATH``, else ``.venv/.browser``, else
Playwright's own Chromium). Playwright comes with the test extra.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portal_sim.browser import launch_options
from portal_sim.demo import DEMO_PASSWORD, start_child, stop_child, wait_healthy

VIEWPORT = {"width": 1280, "height": 900}
FRAMES_PER_SECOND = 10
START_TIMEOUT = 30.0
STEPS = [
    "authorize-request",
    "sign-in",
    "token-issued",
    "state-validated",
    "api-request",
    "api-validated",
    "quote-rendered",
]


class RecordError(Exception):
    """Something that stops the recording, with a message for the person running it."""


def free_port() -> int:
    """A loopback port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Services:
    """The recording's own portal and quote API."""

    portal_origin: str
    api_origin: str
    children: list[subprocess.Popen] = field(default_factory=list)


@contextmanager
def services(folder: Path) -> Iterator[Services]:
    """Both services with the inspector in presenter mode, stopped again on the way out."""
    portal_port, api_port = free_port(), free_port()
    running = Services(f"http://localhost:{portal_port}", f"http://127.0.0.1:{api_port}")
    try:
        portal = start_child(
            "portal_sim",
            [
                "--port",
                str(portal_port),
                "--api-url",
                running.api_origin,
                "--data-dir",
                str(folder / "portal"),
                "--inspector",
                "--presenter",
            ],
        )
        running.children.append(portal)
        wait_healthy("portal-sim", running.portal_origin, portal, START_TIMEOUT)
        api = start_child(
            "quote_api",
            [
                "--port",
                str(api_port),
                "--portal-url",
                running.portal_origin,
                "--db",
                str(folder / "quote-api" / "quotes.db"),
                "--inspector",
            ],
        )
        running.children.append(api)
        wait_healthy("quote-api", running.api_origin, api, START_TIMEOUT)
        yield running
    finally:
        for process in reversed(running.children):
            stop_child(process)


class MotionJpeg:
    """Frames of the browser's screencast, written as a Motion JPEG AVI at a steady rate."""

    def __init__(self) -> None:
        self.frames: list[tuple[float, bytes]] = []

    def add(self, timestamp: float, jpeg: bytes) -> None:
        """Keep one frame and when the browser painted it."""
        self.frames.append((timestamp, jpeg))

    def steady(self, hold_seconds: float = 2.0) -> list[bytes]:
        """The frames at FRAMES_PER_SECOND, each repeated until the next one was painted."""
        if not self.frames:
            return []
        start = self.frames[0][0]
        end = self.frames[-1][0] + hold_seconds
        steady: list[bytes] = []
        index = 0
        tick = 0
        while start + tick / FRAMES_PER_SECOND < end:
            moment = start + tick / FRAMES_PER_SECOND
            while index + 1 < len(self.frames) and self.frames[index + 1][0] <= moment:
                index += 1
            steady.append(self.frames[index][1])
            tick += 1
        return steady

    def write(self, path: Path, width: int, height: int) -> None:
        """Write the AVI file (RIFF, one MJPG video stream, an idx1 index)."""
        frames = self.steady()
        if not frames:
            raise RecordError("the browser sent no screencast frames")
        chunks = []
        index = []
        offset = 4
        for jpeg in frames:
            padded = jpeg + (b"\0" if len(jpeg) % 2 else b"")
            chunks.append(b"00dc" + struct.pack("<I", len(jpeg)) + padded)
            index.append(b"00dc" + struct.pack("<III", 0x10, offset, len(jpeg)))
            offset += 8 + len(padded)
        movi = _list(b"movi", b"".join(chunks))
        idx1 = b"idx1" + struct.pack("<I", 16 * len(index)) + b"".join(index)
        largest = max(len(jpeg) for jpeg in frames)
        avih = struct.pack(
            "<IIIIIIIIII16x",
            1_000_000 // FRAMES_PER_SECOND,
            largest * FRAMES_PER_SECOND,
            0,
            0x10,  # AVIF_HASINDEX
            len(frames),
            0,
            1,
            largest,
            width,
            height,
        )
        strh = struct.pack(
            "<4s4sIHHIIIIIIIIhhhh",
            b"vids",
            b"MJPG",
            0,
            0,
            0,
            0,
            1,
            FRAMES_PER_SECOND,
            0,
            len(frames),
            largest,
            0xFFFFFFFF,
            0,
            0,
            0,
            width,
            height,
        )
        strf = struct.pack(
            "<IiiHH4sIiiII", 40, width, height, 1, 24, b"MJPG", width * height * 3, 0, 0, 0, 0
        )
        strl = _list(b"strl", _chunk(b"strh", strh) + _chunk(b"strf", strf))
        hdrl = _list(b"hdrl", _chunk(b"avih", avih) + strl)
        body = b"AVI " + hdrl + movi + idx1
        path.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)


def _chunk(name: bytes, data: bytes) -> bytes:
    return name + struct.pack("<I", len(data)) + data + (b"\0" if len(data) % 2 else b"")


def _list(kind: bytes, data: bytes) -> bytes:
    return b"LIST" + struct.pack("<I", len(data) + 4) + kind + data


def _jpeg_size(jpeg: bytes) -> tuple[int, int]:
    """Width and height from a JPEG's start-of-frame marker."""
    at = 2
    while at + 9 < len(jpeg):
        if jpeg[at] != 0xFF:
            break
        marker = jpeg[at + 1]
        length = struct.unpack(">H", jpeg[at + 2 : at + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", jpeg[at + 5 : at + 9])
            return width, height
        at += 2 + length
    return VIEWPORT["width"], VIEWPORT["height"]


def record_flow(out: Path, dwell_seconds: float = 1.5, timeout_ms: float = 15000) -> list[Path]:
    """Run Alice's flow through the inspector and write the files; returns what was written.

    ``dwell_seconds`` is how long the video stays on each step, so a viewer can read it.
    """
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        raise RecordError(
            "Playwright is not installed: run make setup (it installs the test extra)."
        ) from None

    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    launch = launch_options()
    expect.set_options(timeout=timeout_ms)
    with (
        tempfile.TemporaryDirectory() as folder,
        services(Path(folder)) as running,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(**launch)
        video_dir = Path(folder) / "video"
        screencast: MotionJpeg | None = None
        context = browser.new_context(
            viewport=VIEWPORT, record_video_dir=str(video_dir), record_video_size=VIEWPORT
        )
        try:
            page = context.new_page()
        except PlaywrightError:
            # Playwright's recorder needs its own ffmpeg; the browser's screencast does not.
            context.close()
            context = browser.new_context(viewport=VIEWPORT)
            page = context.new_page()
            screencast = MotionJpeg()
        if screencast is not None:
            session = context.new_cdp_session(page)
            frames = screencast

            def on_frame(event: dict[str, Any]) -> None:
                # Arrival time, not the frame's own timestamp: the browser sends a frame only
                # when the page changes, and the pauses between changes belong in the video.
                frames.add(time.monotonic(), base64.b64decode(event["data"]))
                # A frame that arrives as the page closes needs no answer.
                with contextlib.suppress(PlaywrightError):
                    session.send("Page.screencastFrameAck", {"sessionId": event["sessionId"]})

            session.on("Page.screencastFrame", on_frame)
            session.send(
                "Page.startScreencast",
                {
                    "format": "jpeg",
                    "quality": 80,
                    "maxWidth": VIEWPORT["width"],
                    "maxHeight": VIEWPORT["height"],
                },
            )

        def shoot(number: int, step: str) -> None:
            target = page.locator(f"#flow-inspector [data-step={step}]")
            expect(target).to_be_visible()
            target.scroll_into_view_if_needed()
            path = out / f"{number:02d}-{step}.png"
            target.screenshot(path=str(path))
            written.append(path)
            # A pause for the video's viewers, not a wait for the page.
            page.wait_for_timeout(dwell_seconds * 1000)

        def next_hop() -> None:
            page.locator("#flow-inspector").get_by_role("button", name="Next").click()

        page.goto(f"{running.portal_origin}/quote/")
        page.get_by_role("button", name="Give me a Quote!").click()
        shoot(1, "authorize-request")
        next_hop()
        expect(page.get_by_label("Email")).to_be_visible()
        shoot(2, "sign-in")
        page.get_by_label("Email").fill("alice@contoso.com")
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        shoot(3, "token-issued")
        shoot(4, "state-validated")
        waiting = page.locator("#flow-inspector [data-step=api-request]")
        expect(waiting).to_have_attribute("data-status", "waiting")
        shoot(5, "api-request")
        next_hop()
        expect(page.locator("#quote-result").get_by_role("table")).to_be_visible()
        validated = page.locator("#flow-inspector [data-step=api-validated]")
        expect(validated).to_have_attribute("data-status", "done")
        shoot(6, "api-validated")
        shoot(7, "quote-rendered")
        whole = out / "flow.png"
        page.screenshot(path=str(whole), full_page=True)
        written.append(whole)

        if screencast is not None:
            # The last step stays on screen as long as the others did.
            page.wait_for_timeout(dwell_seconds * 1000)
            session.send("Page.stopScreencast")
            context.close()
            first = screencast.frames[0][1] if screencast.frames else b""
            width, height = _jpeg_size(first)
            video = out / "flow.avi"
            screencast.write(video, width, height)
        else:
            recorded = page.video
            context.close()
            video = out / "flow.webm"
            assert recorded is not None  # the context was made with record_video_dir
            recorded.save_as(str(video))
        written.append(video)
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    """Record the flow; 0 when every file was written."""
    parser = argparse.ArgumentParser(
        prog="python -m portal_sim.record",
        description="Record the quote flow as a screenshot per step and a video.",
    )
    parser.add_argument("--out", default="recordings", help="output folder (default recordings)")
    parser.add_argument(
        "--dwell",
        type=float,
        default=1.5,
        help="seconds the video stays on each step (default 1.5)",
    )
    args = parser.parse_args(argv)
    try:
        written = record_flow(Path(args.out), dwell_seconds=max(0.0, args.dwell))
    except RecordError as exc:
        print(f"demo-record: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
