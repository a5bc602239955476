"""The page and the rules of who may take part: links for another session, refusals in
plain words, and the completion redirect, in a real browser against a server process."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, Route, expect

from server.access import link_signature
from tests.browser import TIMEOUT_MS, prompt_is, screenshot
from tests.lifecycle_support import LINK_SECRET, small_survey, surveys_dir
from tests.support import ServerProcess, start_server_process

expect.set_options(timeout=TIMEOUT_MS)
PANEL = "http://localhost:9"


@pytest.fixture
def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    directory = surveys_dir(
        tmp_path,
        small_survey("invited-study", access="invited"),
        {**small_survey("linked", access="link"), "default": False},
        {**small_survey("over", closes_at="2020-01-01T00:00:00Z"), "default": False},
        {**small_survey("panel", on_complete={"redirect": PANEL + "/done?pid={user_id}"}),
         "default": False},
    )
    process = start_server_process("--db", str(tmp_path / "b.db"), "--surveys", str(directory),
                                   env={"SURVEY_LINK_SECRET": LINK_SECRET})
    yield process
    if process.process.poll() is None:
        process.terminate()


async def test_a_link_for_another_session_asks_which_to_continue(
    browser: Browser, tmp_path: Path
) -> None:
    process = start_server_process("--db", str(tmp_path / "c.db"))
    try:
        context = await browser.new_context()
        page = await context.new_page()
        await page.goto(process.url + "/s/commute")
        await prompt_is(page, "This short survey")
        await page.keyboard.press("Enter")
        await prompt_is(page, "How do you usually get to work?")
        # The same browser opens a panel link for another id: it asks, in plain words.
        await page.goto(process.url + "/s/commute?user_id=P-55")
        await expect(page.locator("#which-title")).to_be_visible()
        await expect(page.locator("#step-form")).to_be_hidden()
        await screenshot(page, "which-session")
        await page.get_by_role("button", name="Open the link's answers").click()
        await prompt_is(page, "This short survey")
        # The earlier answers are kept and one click away.
        await page.locator("#others summary").click()
        await page.get_by_role("button", name="Continue answer set 1 instead").click()
        await prompt_is(page, "How do you usually get to work?")
        # The link again, and this time the saved answers are kept.
        await page.goto(process.url + "/s/commute?user_id=P-55")
        await page.get_by_role("button", name="Continue my saved answers").click()
        await prompt_is(page, "How do you usually get to work?")
        await page.reload()
        await prompt_is(page, "How do you usually get to work?")  # no question again
        conn = sqlite3.connect(tmp_path / "c.db")
        users = sorted(r[0] for r in conn.execute("SELECT user_id FROM sessions"))
        conn.close()
        assert len(users) == 2 and "P-55" in users
    finally:
        process.terminate()


async def test_refusals_are_said_in_plain_words_without_a_useless_start_again(
    browser: Browser, server: ServerProcess
) -> None:
    page = await browser.new_page()
    await page.goto(server.url + "/s/invited-study?user_id=P-1")
    await expect(page.locator("#blocked-title")).to_have_text("This survey is by invitation only")
    await expect(page.locator("#blocked-action")).to_be_hidden()
    await screenshot(page, "not-invited")
    closed = await browser.new_page()
    await closed.goto(server.url + "/s/over")
    await expect(closed.locator("#blocked-title")).to_have_text("This survey is closed")
    await expect(closed.locator("#blocked-text")).to_contain_text("closed")
    await expect(closed.locator("#blocked-action")).to_be_hidden()
    # A signed link opens its session; the signature comes from the page's address.
    signed = await browser.new_page()
    sig = link_signature(LINK_SECRET, "linked", "P-2")
    await signed.goto(f"{server.url}/s/linked?user_id=P-2&sig={sig}")
    await prompt_is(signed, "Favourite colour?")
    await signed.keyboard.press("1")
    await signed.keyboard.press("Enter")
    await prompt_is(signed, "Why?")
    await signed.reload()
    await prompt_is(signed, "Why?")
    unsigned = await browser.new_page()
    await unsigned.goto(f"{server.url}/s/linked?user_id=P-2")
    await expect(unsigned.locator("#blocked-title")).to_have_text(
        "This survey is by invitation only")


async def test_the_end_screen_sends_the_respondent_on(
    browser: Browser, server: ServerProcess
) -> None:
    page = await browser.new_page()

    async def panel(route: Route) -> None:
        await route.fulfill(status=200, content_type="text/html",
                            body="<title>Panel</title><p>Back at the panel</p>")

    await page.route(PANEL + "/**", panel)
    await page.goto(server.url + "/s/panel?user_id=P-3")
    await prompt_is(page, "Favourite colour?")
    await page.keyboard.press("2")
    await page.keyboard.press("Enter")
    await prompt_is(page, "Why?")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Control+Enter")
    await expect(page.locator("#end-message")).to_have_text("Thank you!")
    link = page.locator("#redirect-link")
    await expect(link).to_be_visible()
    assert await link.get_attribute("href") == PANEL + "/done?pid=P-3"
    await page.wait_for_url(PANEL + "/done?pid=P-3", timeout=TIMEOUT_MS)
