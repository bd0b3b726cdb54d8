"""The client report opened in a real browser (headless Chromium), as a person would.

Chromium is driven through the Chrome DevTools Protocol over a websocket
(``websocket-client``, already a Jupyter dependency), so no browser is downloaded: the
test uses Debian's ``chromium`` package and is skipped, saying so, when it is absent.
For the English and the French report of a real run of the sample engagement it checks:
no console error, no failed request, no request to anything but the file itself and its
embedded ``data:`` images, every image decoded, every table-of-contents link landing on
its section; and it writes a full-page screenshot to ``artifacts/``.

``python tests/test_browser.py docs/report-screenshot.png`` writes the small screenshot
the README shows.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("STRATBOOK_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(
    os.environ.get("STRATBOOK_ARTIFACTS", Path(__file__).resolve().parents[1] / "artifacts")
)
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--mute-audio",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--remote-debugging-port=0",
)
VIEWPORT_WIDTH = 1000
VIEWPORT_HEIGHT = 1300
START_TIMEOUT_S = 30
PAGE_TIMEOUT_S = 30
#: schemes a self-contained report may load: itself and its embedded images
ALLOWED_SCHEMES = ("file:", "data:", "about:")
#: the sample is scaled down: the browser test is about the page, not the numbers
SAMPLE_SCALE = 0.3

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} not found: install Debian's chromium package (apt-get install chromium) "
    "to open the report in a real browser",
)


class Chromium:
    """A headless Chromium with one page, driven over the DevTools protocol."""

    def __init__(self, executable: Path = CHROMIUM) -> None:
        import websocket

        self.profile = Path(tempfile.mkdtemp(prefix="stratbook-chromium-"))
        self.process = subprocess.Popen(
            [
                str(executable),
                *CHROMIUM_FLAGS,
                f"--user-data-dir={self.profile}",
                f"--window-size={VIEWPORT_WIDTH},{VIEWPORT_HEIGHT}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = self.profile / "DevToolsActivePort"
        deadline = time.monotonic() + START_TIMEOUT_S
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(
                    f"{CHROMIUM} did not start (exit code {self.process.returncode})"
                )
            time.sleep(0.05)
        port, path = port_file.read_text().splitlines()[:2]
        self.ws = websocket.create_connection(
            f"ws://127.0.0.1:{port}{path}", timeout=PAGE_TIMEOUT_S, suppress_origin=True
        )
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.send("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session=True)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=VIEWPORT_WIDTH,
            height=VIEWPORT_HEIGHT,
            deviceScaleFactor=1,
            mobile=False,
        )

    def send(self, method: str, *, session: bool = False, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        self.ws.send(json.dumps(message))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, event: str, timeout: float = PAGE_TIMEOUT_S) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for e in self.events:
                if e["method"] == event:
                    return e
            self.events.append(json.loads(self.ws.recv()))
        raise TimeoutError(f"no {event} within {timeout} s")

    def open(self, path: Path) -> None:
        self.events.clear()
        self.send("Page.navigate", session=True, url=path.resolve().as_uri())
        self.wait_for("Page.loadEventFired")
        self.evaluate("new Promise(r => requestAnimationFrame(() => setTimeout(r, 100)))")

    def evaluate(self, expression: str) -> Any:
        result = self.send(
            "Runtime.evaluate",
            session=True,
            expression=expression,
            returnByValue=True,
            awaitPromise=True,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def screenshot(self, path: Path, *, full_page: bool = True) -> Path:
        import base64

        height = VIEWPORT_HEIGHT
        if full_page:
            height = int(self.evaluate("document.documentElement.scrollHeight"))
        self.evaluate("window.scrollTo(0, 0)")
        shot = self.send(
            "Page.captureScreenshot",
            session=True,
            format="png",
            captureBeyondViewport=full_page,
            clip={"x": 0, "y": 0, "width": VIEWPORT_WIDTH, "height": height, "scale": 1},
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def problems(self) -> dict[str, list[str]]:
        """Console errors, uncaught exceptions, failed and non-file requests so far."""
        errors, failed, remote = [], [], []
        for e in self.events:
            p = e.get("params", {})
            if e["method"] == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                errors.append(
                    " ".join(str(a.get("value", a.get("description"))) for a in p.get("args", []))
                )
            elif e["method"] == "Runtime.exceptionThrown":
                errors.append(p["exceptionDetails"].get("text", "exception"))
            elif e["method"] == "Log.entryAdded" and p["entry"].get("level") == "error":
                errors.append(p["entry"].get("text", ""))
            elif e["method"] == "Network.loadingFailed":
                failed.append(f"{p.get('errorText')} ({p.get('blockedReason', '')})")
            elif e["method"] == "Network.requestWillBeSent":
                url = p["request"]["url"]
                if not url.startswith(ALLOWED_SCHEMES):
                    remote.append(url)
        return {"console_errors": errors, "failed_requests": failed, "remote_requests": remote}

    def close(self) -> None:
        ws = getattr(self, "ws", None)
        if ws is not None:
            try:
                self.send("Browser.close")
            except Exception:
                pass
            ws.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)


#: what the page reports about itself: images, table of contents, cover
PAGE_CHECK = """
(() => {
  const images = [...document.images].map(i => ({complete: i.complete, width: i.naturalWidth}));
  const links = [...document.querySelectorAll('nav.toc a[href^="#"]')];
  const landing = [];
  const bottom = () =>
    window.scrollY + window.innerHeight >= document.documentElement.scrollHeight - 2;
  for (const a of links) {
    const id = decodeURIComponent(a.getAttribute('href').slice(1));
    const target = document.getElementById(id);
    a.click();
    const top = target ? target.getBoundingClientRect().top : null;
    const landed = target !== null && (Math.abs(top) < 2 || bottom());
    landing.push({id, exists: !!target, top, landed});
  }
  window.scrollTo(0, 0);
  return {
    lang: document.documentElement.lang,
    title: document.title,
    cover: document.querySelector('header.cover').innerText,
    summaryItems: document.querySelectorAll('#summary li').length,
    chapters: document.querySelectorAll('section.chapter').length,
    images, landing,
  };
})()
"""


def _report_of_sample_run(folder: Path, language: str, *, name: str | None = None) -> Path:
    from helpers.book import build_report
    from helpers.runner import run_engagement
    from helpers.sample import write_sample_engagement

    engagement = write_sample_engagement(
        folder / (name or f"client-{language}"), language=language, scale=SAMPLE_SCALE
    )
    result = run_engagement(engagement, only=["01"])
    return build_report(result.run_dir)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The English and French reports of a real run (01_diagnostic).

    Built one after the other: cookiecutter and papermill change the process's working
    directory, so two engagements cannot be made or run in threads side by side.
    """
    folder = tmp_path_factory.mktemp("browser")
    return {lang: _report_of_sample_run(folder, lang) for lang in ("en", "fr")}


@pytest.fixture(scope="module")
def browser() -> Any:
    chromium = Chromium()
    yield chromium
    chromium.close()


COVER = {
    "en": ("Commercial strategy", "Period analysed", r"\d{4}-\d{2}-\d{2}"),
    "fr": ("Stratégie commerciale", "Période analysée", r"\d{2}/\d{2}/\d{4}"),
}


@needs_chromium
@pytest.mark.slow
@pytest.mark.parametrize("language", ["en", "fr"])
def test_report_in_a_real_browser(
    browser: Chromium, reports: dict[str, Path], language: str
) -> None:
    import re

    report = reports[language]
    browser.open(report)
    page = browser.evaluate(PAGE_CHECK)
    assert browser.problems() == {
        "console_errors": [],
        "failed_requests": [],
        "remote_requests": [],
    }
    assert page["lang"] == language
    assert page["images"], "the report shows no chart"
    assert all(i["complete"] and i["width"] > 0 for i in page["images"]), page["images"]
    assert page["landing"], "the table of contents has no link"
    assert [x for x in page["landing"] if not x["landed"]] == []
    title, period, date_pattern = COVER[language]
    assert title in page["cover"] and period in page["cover"]
    assert re.search(date_pattern, page["cover"])
    assert page["chapters"] == 1 and page["summaryItems"] >= 1
    shot = browser.screenshot(ARTIFACTS / f"report_{language}.png")
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


PRINT_CHECK = """
(() => ({
  button: getComputedStyle(document.querySelector('.to-top')).display,
  chapter: getComputedStyle(document.querySelector('section.chapter')).breakBefore,
}))()
"""


@needs_chromium
@pytest.mark.slow
def test_print_styles_and_pdf(browser: Chromium, reports: dict[str, Path]) -> None:
    """Printed, the report has no navigation button and starts each chapter on a page."""
    import re

    from helpers.book import print_pdf

    browser.open(reports["fr"])
    browser.send("Emulation.setEmulatedMedia", session=True, media="print")
    try:
        assert browser.evaluate(PRINT_CHECK) == {"button": "none", "chapter": "page"}
    finally:
        browser.send("Emulation.setEmulatedMedia", session=True, media="")
    pdf = print_pdf(reports["fr"], browser=str(CHROMIUM)).read_bytes()
    assert pdf.startswith(b"%PDF")
    # cover, contents, summary and warnings, then the chapter from a new page
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 4


def write_readme_screenshot(target: Path) -> Path:
    """Build a sample report and save its first screen, small, for the README."""
    from PIL import Image

    with tempfile.TemporaryDirectory() as tmp:
        report = _report_of_sample_run(Path(tmp), "en", name="maison-durand")
        chromium = Chromium()
        try:
            chromium.open(report)
            raw = chromium.screenshot(Path(tmp) / "full.png", full_page=False)
        finally:
            chromium.close()
        image = Image.open(raw).convert("RGB")
        image = image.quantize(colors=128, method=Image.Quantize.MEDIANCUT)
        target.parent.mkdir(parents=True, exist_ok=True)
        image.save(target, optimize=True)
    return target


if __name__ == "__main__":  # python tests/test_browser.py docs/report-screenshot.png
    out = write_readme_screenshot(
        Path(sys.argv[1] if len(sys.argv) > 1 else "docs/report-screenshot.png")
    )
    print(f"{out}: {out.stat().st_size // 1024} KB")
