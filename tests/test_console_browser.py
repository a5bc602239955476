"""The operators' console in a real browser against a real server process."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, expect

from tests.browser import TIMEOUT_MS, prompt_is, screenshot
from tests.operators_support import ADMIN_KEY, finished
from tests.support import COMMUTE_ANSWERS, ServerProcess, start_server_process

expect.set_options(timeout=TIMEOUT_MS)

# Three respondents: one completes, one stops at `minutes`, one turns reading aloud on,
# answers `mode` and goes back to it.
COMPLETES = COMMUTE_ANSWERS
STOPS_AT_MINUTES = COMMUTE_ANSWERS[:3]
GOES_BACK = [("<audio>", True), *COMMUTE_ANSWERS[:2], ("<back>", None)]


@pytest.fixture
def server(tmp_path: Path) -> AsyncIterator[ServerProcess]:
    process = start_server_process("--db", str(tmp_path / "console.db"),
                                   env={"SURVEY_ADMIN_KEY": ADMIN_KEY})
    yield process
    if process.process.poll() is None:
        process.terminate()


async def three_respondents(server: ServerProcess) -> list[str]:
    return [await finished(server.ws_url, steps)
            for steps in (COMPLETES, STOPS_AT_MINUTES, GOES_BACK)]


async def signed_in(browser: Browser, server: ServerProcess, path: str = "/admin",
                    scheme: str = "light") -> Page:
    context = await browser.new_context(color_scheme=scheme,  # type: ignore[arg-type]
                                        viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(server.url + path)
    await page.get_by_label("Admin key").fill(ADMIN_KEY)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_label("Admin key")).to_have_count(0)
    return page


async def funnel_cells(page: Page, step: str) -> list[str]:
    row = page.locator(f"#funnel-table tr[data-step='{step}'] td")
    return [text.strip() for text in await row.all_inner_texts()]


async def serious_violations(page: Page) -> list[str]:
    results = await Axe().run(page)
    return [f"{v['id']}: {v['help']}" for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")]


async def test_a_wrong_key_is_refused_then_sign_in_and_sign_out(
    browser: Browser, server: ServerProcess
) -> None:
    page = await browser.new_page()
    await page.goto(server.url + "/admin")
    await expect(page.get_by_role("heading", name="Sign in to the survey console")).to_be_visible()
    await page.get_by_label("Admin key").fill("not-the-key")
    async with page.expect_response(server.url + "/admin/sign-in") as refused:
        await page.get_by_role("button", name="Sign in").click()
    assert (await refused.value).status == 401
    await expect(page.get_by_role("alert")).to_have_text("That key is not right.")
    assert await page.context.cookies() == []
    await page.get_by_label("Admin key").fill(ADMIN_KEY)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Surveys")).to_be_visible()
    await expect(page.get_by_role("link", name="How you get to work")).to_be_visible()
    [cookie] = await page.context.cookies()
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert not await page.evaluate("document.cookie")  # out of scripts' reach
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_label("Admin key")).to_be_visible()
    assert await page.context.cookies() == []
    await page.goto(server.url + "/admin/surveys/commute")
    await expect(page.get_by_label("Admin key")).to_be_visible()
    await expect(page.locator("#funnel")).to_have_count(0)


async def test_the_funnel_and_the_table_show_what_three_respondents_did(
    browser: Browser, server: ServerProcess
) -> None:
    completed, stopped, went_back = await three_respondents(server)
    page = await signed_in(browser, server)
    await page.get_by_role("link", name="How you get to work").click()
    await expect(page.locator("#count-total")).to_have_text("3")
    await expect(page.locator("#count-completed")).to_have_text("1")
    await expect(page.locator("#count-in_progress")).to_have_text("2")
    # Reached, answered, stopped here.
    assert await funnel_cells(page, "mode") == ["3", "3", "1"]
    assert await funnel_cells(page, "transport") == ["2", "2", "0"]
    assert await funnel_cells(page, "minutes") == ["2", "1", "1"]
    assert await funnel_cells(page, "remote_days") == ["0", "0", "0"]
    assert await funnel_cells(page, "change_why") == ["1", "1", "0"]
    chart = page.locator("svg[role='img']")
    await expect(chart.locator("g[data-step='mode'] .bar-stopped")).to_have_count(1)
    await expect(chart.locator("g[data-step='transport'] .bar-stopped")).to_have_count(0)
    widths = [float(await chart.locator(f"g[data-step='{s}'] .bar-reached").get_attribute("width")
                    or 0) for s in ("mode", "transport", "change")]
    assert widths[0] > widths[1] > widths[2] > 0  # 3, 2 and 1 sessions
    mode = page.locator("article[data-step='mode']")
    await expect(mode.get_by_role("row", name="Public transport 3 100 %")).to_be_visible()
    await expect(page.locator("article[data-step='minutes']")).to_contain_text("35")

    rows = page.locator("#sessions-table tbody tr")
    await expect(rows).to_have_count(3)
    await expect(rows.nth(0)).to_contain_text(completed)
    await expect(rows.nth(0)).to_contain_text("Completed")
    await expect(rows.nth(1)).to_contain_text("minutes")
    await expect(rows.nth(2)).to_contain_text("mode")
    await expect(page.locator("#live-status")).to_contain_text("updated")
    await screenshot(page, "console")
    await page.get_by_label("Status").select_option("completed")
    await page.get_by_role("button", name="Show").click()
    await expect(rows).to_have_count(1)
    await expect(rows.nth(0)).to_contain_text(completed)
    await page.get_by_label("Status").select_option("in_progress")
    await page.get_by_role("button", name="Show").click()
    await expect(rows).to_have_count(2)

    await page.get_by_role("link", name=went_back).click()
    timeline = page.locator("#timeline")
    await expect(timeline).to_contain_text("Turned reading aloud on")
    await expect(timeline).to_contain_text("Answered “How do you usually get to work?”")
    await expect(timeline).to_contain_text("Went back to “How do you usually get to work?”")
    await expect(timeline).to_contain_text("Left the page")
    await expect(page.locator("#answers-table")).to_contain_text("Public transport")
    await screenshot(page, "console-respondent")
    await page.goto(f"{server.url}/admin/sessions/{stopped}")
    await expect(page.locator("#answers-table")).to_contain_text("Bus, Metro")
    events = [text.split("\n")[1] for text in await page.locator("#timeline li").all_inner_texts()]
    assert [event.split(" “")[0] for event in events] == [
        "Started the survey (version 1)", "Read", "Answered", "Answered",
        "Left the page (connection closed) at"]


async def test_an_answer_in_another_browser_updates_the_open_console(
    browser: Browser, server: ServerProcess
) -> None:
    console = await signed_in(browser, server, "/admin/surveys/commute")
    await expect(console.locator("#live-status")).to_have_attribute("data-state", "live")
    await expect(console.locator("#count-total")).to_have_text("0")
    await console.evaluate("window.__notReloaded = true")

    respondent = await (await browser.new_context()).new_page()
    await respondent.goto(server.url + "/s/commute")
    await prompt_is(respondent, "This short survey")
    await respondent.keyboard.press("Enter")
    await prompt_is(respondent, "How do you usually get to work?")
    await expect(console.locator("#count-total")).to_have_text("1")
    await expect(console.locator("#sessions-table tbody tr")).to_have_count(1)
    user_id = (await console.locator("#sessions-table tbody th").inner_text()).strip()
    await expect(console.locator("#sessions-table tbody tr")).to_contain_text("mode")

    # Keyboard focus on the respondent's link stays there through the update.
    await console.locator("#sessions-table tbody a").focus()
    await respondent.get_by_label("On foot").check()
    await respondent.get_by_role("button", name="Next").click()
    await prompt_is(respondent, "About how many minutes")
    await expect(console.locator("#sessions-table tbody tr")).to_contain_text("minutes")
    await expect(console.locator("#sessions-table tbody a")).to_be_focused()
    assert await funnel_cells(console, "mode") == ["1", "1", "0"]
    await expect(console.locator("#funnel-table tr[data-step='minutes'] td").last).to_have_text("1")
    await expect(console.locator("article[data-step='mode']").get_by_role(
        "row", name="On foot 1 100 %")).to_be_visible()
    assert await console.evaluate("window.__notReloaded === true")
    assert await console.evaluate(
        f"document.querySelector('#sessions-table a').textContent.trim() === '{user_id}'")


async def test_an_export_downloads_and_parses(browser: Browser, server: ServerProcess) -> None:
    completed, stopped, went_back = await three_respondents(server)
    page = await signed_in(browser, server, "/admin/surveys/commute")
    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="CSV, completed", exact=True).click()
    download = await waiting.value
    assert download.suggested_filename == "commute-completed.csv"
    text = Path(await download.path()).read_bytes().decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [row["user_id"] for row in rows] == [completed]
    assert rows[0]["mode"] == "public_transport"
    assert rows[0]["transport.Bus"] == "1" and rows[0]["transport.Tram"] == "0"
    assert rows[0]["change_why"] == "A safer bike lane"

    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="CSV for Excel, all").click()
    raw = Path(await (await waiting.value).path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    everyone = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert [row["user_id"] for row in everyone] == [completed, stopped, went_back]
    assert [row["status"] for row in everyone] == ["completed", "in_progress", "in_progress"]


async def test_no_serious_accessibility_violations_on_any_console_page(
    browser: Browser, server: ServerProcess
) -> None:
    _, _, went_back = await three_respondents(server)
    for scheme in ("light", "dark"):
        page = await (await browser.new_context(color_scheme=scheme)).new_page()  # type: ignore[arg-type]
        await page.goto(server.url + "/admin")
        assert await serious_violations(page) == [], f"sign-in ({scheme})"
        await page.get_by_label("Admin key").fill("wrong")
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("alert")).to_be_visible()
        assert await serious_violations(page) == [], f"refused sign-in ({scheme})"
        await page.get_by_label("Admin key").fill(ADMIN_KEY)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("heading", name="Surveys")).to_be_visible()
        assert await serious_violations(page) == [], f"surveys ({scheme})"
        await page.goto(server.url + "/admin/surveys/commute")
        await expect(page.locator("#live-status")).to_have_attribute("data-state", "live")
        assert await serious_violations(page) == [], f"survey ({scheme})"
        await page.goto(f"{server.url}/admin/sessions/{went_back}")
        assert await serious_violations(page) == [], f"respondent ({scheme})"
        await page.goto(f"{server.url}/admin/sessions/nobody-here")
        await expect(page.get_by_role("heading", name="Not found")).to_be_visible()
        assert await serious_violations(page) == [], f"not found ({scheme})"
        await page.goto(f"{server.url}/admin/surveys/commute?after=forged")
        await expect(page.get_by_role("heading", name="That did not work")).to_be_visible()
        assert await serious_violations(page) == [], f"error ({scheme})"
        if scheme == "dark":
            await page.goto(server.url + "/admin/surveys/commute")
            await expect(page.locator("#live-status")).to_contain_text("updated")
            await screenshot(page, "console-dark")


async def tab_to(page: Page, selector: str, limit: int = 80) -> None:
    """Press Tab until `selector` has the focus (it must be reachable by the keyboard)."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"{selector} is not reachable with Tab")


async def test_the_console_works_from_the_keyboard(
    browser: Browser, server: ServerProcess
) -> None:
    for _ in range(51):  # one more than a page
        await finished(server.ws_url, [])
    await finished(server.ws_url, COMPLETES)
    page = await browser.new_page()
    await page.goto(server.url + "/admin/surveys/commute")
    await expect(page.get_by_label("Admin key")).to_be_focused()  # autofocus
    await page.keyboard.type(ADMIN_KEY)
    await page.keyboard.press("Enter")
    await expect(page.locator("#sessions-table tbody tr")).to_have_count(50)

    await tab_to(page, "#next-page")
    await page.keyboard.press("Enter")
    await expect(page.locator("#sessions-table tbody tr")).to_have_count(2)
    assert "after=" in page.url
    await tab_to(page, "#first-page")
    await page.keyboard.press("Enter")
    await expect(page.locator("#sessions-table tbody tr")).to_have_count(50)

    await tab_to(page, "#status-filter")
    await page.keyboard.press("ArrowDown")  # In progress
    await page.keyboard.press("ArrowDown")  # Completed
    await tab_to(page, "#filter-apply")
    await page.keyboard.press("Enter")
    await expect(page.locator("#sessions-table tbody tr")).to_have_count(1)
    assert "status=completed" in page.url

    await page.locator("body").focus()
    await tab_to(page, "a[href$='format=csv&status=completed']")
    async with page.expect_download() as waiting:
        await page.keyboard.press("Enter")
    rows = list(csv.reader(io.StringIO(
        Path(await (await waiting.value).path()).read_text("utf-8"), newline="")))
    assert len(rows) == 2 and rows[0][0] == "user_id"

    await page.locator("body").focus()
    await tab_to(page, "#sign-out")
    await page.keyboard.press("Enter")
    await expect(page.get_by_label("Admin key")).to_be_visible()
