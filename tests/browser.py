"""Real-browser helpers: Debian's Chromium driven by Playwright, speech test doubles."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path

from playwright.async_api import Browser, Page, async_playwright

from tests.support import PROJECT_ROOT

CHROMIUM = os.environ.get("SURVEY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
TIMEOUT_MS = 20_000

# Speech APIs replaced before the page's own scripts run: the test reads what would be
# spoken from window.__spoken and "says" an answer with window.__say(text).
FAKE_SPEECH = """
(() => {
  window.__spoken = [];
  window.__spokenLanguages = [];
  window.__recognizers = [];
  window.__interacted = false;
  for (const kind of ["pointerdown", "keydown"]) {
    window.addEventListener(kind, (event) => {
      if (event.isTrusted) window.__interacted = true;
    }, true);
  }
  class FakeUtterance extends EventTarget {
    constructor(text) { super(); this.text = text; }
  }
  const synthesis = {
    speak(utterance) {
      // Refuse to speak until the user interacts with this document, as browsers may.
      // (Tracked here: Chromium sometimes carries activation over a reload.)
      if (window.__needsActivation && !window.__interacted) {
        const refusal = new Event("error");
        refusal.error = "not-allowed";
        setTimeout(() => utterance.dispatchEvent(refusal), 0);
        return;
      }
      window.__spoken.push(utterance.text);
      window.__spokenLanguages.push(utterance.lang);
      setTimeout(() => utterance.dispatchEvent(new Event("end")), 0);
    },
    cancel() {}, getVoices() { return []; }, speaking: false, pending: false,
  };
  Object.defineProperty(window, "speechSynthesis", { value: synthesis, configurable: true });
  window.SpeechSynthesisUtterance = FakeUtterance;
  class FakeRecognition extends EventTarget {
    start() { this.listening = true; window.__recognizers.push(this); }
    abort() { this.listening = false; }
    stop() { this.listening = false; }
  }
  window.SpeechRecognition = FakeRecognition;
  window.webkitSpeechRecognition = FakeRecognition;
  window.__say = (text) => {
    const listening = window.__recognizers.filter((r) => r.listening);
    if (!listening.length) return false;
    const event = new Event("result");
    event.results = [[{ transcript: text, confidence: 0.9 }]];
    listening[listening.length - 1].dispatchEvent(event);
    return true;
  };
})();
"""


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    executable = CHROMIUM if Path(CHROMIUM).exists() else None  # else Playwright's own
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


async def prompt_is(page: Page, text: str) -> None:
    await page.locator("#prompt", has_text=text).wait_for(timeout=TIMEOUT_MS)


async def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    await page.screenshot(path=str(path), full_page=True)
    return path


async def until_true(page: Page, expression: str) -> None:
    """Wait for a page expression to hold. (wait_for_function evaluates strings, which the
    page's Content-Security-Policy rightly forbids; evaluate() goes through the debugger.)"""
    from tests.support import wait_until

    async def holds() -> bool:
        return bool(await page.evaluate(expression))

    await wait_until(holds, timeout=TIMEOUT_MS / 1000)
