"""The survey page in a real browser against a real server process."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, Page, expect

from tests.browser import FAKE_SPEECH, TIMEOUT_MS, prompt_is, screenshot, until_true
from tests.support import COMMUTE_ANSWERS, ServerProcess, start_server_process

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "browser.db"


@pytest.fixture
def server(db: Path) -> AsyncIterator[ServerProcess]:
    process = start_server_process("--db", str(db))
    yield process
    if process.process.poll() is None:
        process.terminate()


def port_of(server: ServerProcess) -> str:
    return server.url.rsplit(":", 1)[1]


def answer_rows(db: Path) -> list[tuple[str, str]]:
    conn = sqlite3.connect(db)
    rows = conn.execute(
        "SELECT step, answer FROM session_history WHERE action = 'answer' ORDER BY id"
    ).fetchall()
    conn.close()
    return rows


async def choose(page: Page, key: str) -> None:
    await page.keyboard.press(key)


async def answer_by_keyboard(page: Page) -> None:
    """The bundled survey on the public-transport path, keyboard only."""
    await prompt_is(page, "This short survey")
    await page.keyboard.press("Enter")
    await prompt_is(page, "How do you usually get to work?")
    await choose(page, "2")  # Public transport
    await page.keyboard.press("Enter")
    await prompt_is(page, "Which do you use?")
    await choose(page, "1")  # Bus
    await choose(page, "3")  # Metro
    await page.keyboard.press("Enter")
    await prompt_is(page, "About how many minutes")
    await page.keyboard.press("Tab")
    await page.keyboard.type("35")
    await page.keyboard.press("Enter")
    await prompt_is(page, "How happy are you")
    await choose(page, "7")
    await page.keyboard.press("Enter")
    await prompt_is(page, "Would you change")
    await choose(page, "1")  # Yes
    await page.keyboard.press("Enter")
    await prompt_is(page, "What would help you change?")
    await page.keyboard.press("Tab")
    await page.keyboard.type("A safer bike lane")
    await page.keyboard.press("Control+Enter")


async def open_at_first_question(page: Page, server: ServerProcess) -> None:
    """Load the page and go past the introduction, with the keyboard."""
    await page.goto(server.url + "/")
    await prompt_is(page, "This short survey")
    await page.keyboard.press("Enter")
    await prompt_is(page, "How do you usually get to work?")


async def test_a_whole_survey_with_the_keyboard_only(
    browser: Browser, server: ServerProcess, db: Path
) -> None:
    page = await browser.new_page()
    await page.goto(server.url + "/")
    await answer_by_keyboard(page)
    await expect(page.locator("#end-message")).to_have_text("Thank you! Your answers are saved.")
    await expect(page.locator("#end-message")).to_be_focused()
    await expect(page.locator("#save-status")).to_have_text("Saved")
    assert [step for step, _ in answer_rows(db)] == [step for step, _ in COMMUTE_ANSWERS]
    stored = {step: json.loads(answer)["value"] for step, answer in answer_rows(db)}
    assert stored == dict(COMMUTE_ANSWERS)
    await screenshot(page, "end")


async def test_each_step_shows_progress_focus_and_errors(
    browser: Browser, server: ServerProcess
) -> None:
    page = await browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    await page.goto(server.url + "/")
    await prompt_is(page, "This short survey")
    await expect(page.locator("#prompt")).to_be_focused()
    await expect(page.locator("#back")).to_be_hidden()
    await page.keyboard.press("Enter")
    await prompt_is(page, "How do you usually get to work?")
    await expect(page.locator("#prompt")).to_be_focused()
    await expect(page.locator("#progress-label")).to_have_text("Question 2 of about 5")
    await expect(page.get_by_label("Public transport")).to_be_visible()
    await screenshot(page, "question")
    await page.keyboard.press("Enter")  # nothing chosen
    await expect(page.locator("#error")).to_have_text("Please answer this question to continue.")
    await expect(page.locator("#announcer")).to_contain_text("Question 2 of about 5")
    await screenshot(page, "error")


async def test_a_reload_resumes_at_the_same_step_with_answers_and_back_path(
    browser: Browser, server: ServerProcess
) -> None:
    page = await browser.new_page()
    await open_at_first_question(page, server)
    await page.get_by_label("Car").check()
    await page.get_by_role("button", name="Next").click()
    await prompt_is(page, "About how many minutes")
    await page.get_by_label("Your answer").fill("20")
    await page.get_by_role("button", name="Next").click()
    await prompt_is(page, "How happy are you")
    await page.reload()
    await prompt_is(page, "How happy are you")
    await expect(page.locator("#notice")).to_contain_text("Welcome back")
    await page.get_by_role("button", name="Back").click()
    await prompt_is(page, "About how many minutes")
    await expect(page.get_by_label("Your answer")).to_have_value("20")
    await page.get_by_role("button", name="Back").click()
    await prompt_is(page, "How do you usually get to work?")
    await expect(page.get_by_label("Car")).to_be_checked()


async def test_a_draft_comes_back_after_a_reload(browser: Browser, server: ServerProcess) -> None:
    page = await browser.new_page()
    await page.goto(server.url + "/")
    await prompt_is(page, "This short survey")
    for key in ["Enter", "5", "Enter"]:  # "I work from home"
        await page.keyboard.press(key)
        if key == "Enter":
            await page.locator("#next:not([disabled])").wait_for()
    await prompt_is(page, "How many days")
    await page.get_by_label("Your answer").fill("3")
    await page.keyboard.press("Enter")
    await prompt_is(page, "How happy are you")
    await page.keyboard.press("4")
    await page.keyboard.press("Enter")
    await prompt_is(page, "Would you change")
    await page.keyboard.press("1")
    await page.keyboard.press("Enter")
    await prompt_is(page, "What would help")
    await page.get_by_label("Your answer").fill("Working from a café")
    # The draft goes to the server after a pause in typing, and is saved when the page goes.
    await until_true(page, "window.surveyPage.pendingDraft !== null")
    await page.reload()
    await prompt_is(page, "What would help")
    await expect(page.get_by_label("Your answer")).to_have_value("Working from a café")


async def test_the_server_is_killed_mid_survey_and_the_page_carries_on(
    browser: Browser, server: ServerProcess, db: Path
) -> None:
    page = await browser.new_page()
    await open_at_first_question(page, server)
    await page.get_by_label("Bicycle").check()
    await page.get_by_role("button", name="Next").click()
    await prompt_is(page, "About how many minutes")
    server.kill()
    await expect(page.locator("#save-status")).to_have_text(
        "Offline - your answers are kept on this device")
    restarted = start_server_process("--db", str(db), "--port", port_of(server))
    try:
        await expect(page.locator("#save-status")).to_have_text("Saved")
        await page.get_by_label("Your answer").fill("15")
        await page.get_by_role("button", name="Next").click()
        await prompt_is(page, "How happy are you")
    finally:
        restarted.terminate()
    assert [step for step, _ in answer_rows(db)] == ["intro", "mode", "minutes"]


async def test_an_answer_given_while_the_server_is_down_is_delivered_once(
    browser: Browser, server: ServerProcess, db: Path
) -> None:
    page = await browser.new_page()
    await open_at_first_question(page, server)
    server.kill()
    await expect(page.locator("#save-status")).to_contain_text("Offline")
    await page.get_by_label("On foot").check()
    await page.get_by_role("button", name="Next").click()
    await expect(page.locator("#notice")).to_contain_text("kept on this device")
    outbox = await page.evaluate(
        "Object.keys(localStorage).filter(k => k.includes(':outbox:'))"
        ".map(k => JSON.parse(localStorage.getItem(k)).items.length)")
    assert outbox == [1]
    restarted = start_server_process("--db", str(db), "--port", port_of(server))
    try:
        await prompt_is(page, "About how many minutes")
        await expect(page.locator("#save-status")).to_have_text("Saved")
    finally:
        restarted.terminate()
    assert [step for step, _ in answer_rows(db)] == ["intro", "mode"]
    assert json.loads(answer_rows(db)[1][1]) == {"value": "on_foot"}


async def test_two_pages_on_one_session(browser: Browser, server: ServerProcess) -> None:
    context = await browser.new_context()  # shared localStorage: the same respondent
    first = await context.new_page()
    await first.goto(server.url + "/")
    await prompt_is(first, "This short survey")
    second = await context.new_page()
    await second.goto(server.url + "/")
    await prompt_is(second, "This short survey")
    await expect(first.locator("#blocked-title")).to_have_text(
        "This survey is open in another window")
    # Not "offline": this page stopped, and shows no question to read aloud.
    await expect(first.locator("#save-status")).to_have_attribute("data-state", "stopped")
    await expect(first.locator("#audio-toggle")).to_be_hidden()
    await first.get_by_role("button", name="Continue here").click()
    await prompt_is(first, "This short survey")
    await expect(first.locator("#audio-toggle")).to_be_visible()
    await expect(second.locator("#blocked-title")).to_have_text(
        "This survey is open in another window")
    await first.keyboard.press("Enter")
    await prompt_is(first, "How do you usually get to work?")


async def test_audio_mode_survives_a_reload(browser: Browser, server: ServerProcess) -> None:
    context = await browser.new_context()
    await context.add_init_script(FAKE_SPEECH)
    page = await context.new_page()
    await open_at_first_question(page, server)
    await page.get_by_role("button", name="Read aloud").click()
    await expect(page.locator("#audio-toggle")).to_have_attribute("aria-pressed", "true")
    spoken = await page.evaluate("window.__spoken")
    assert any("How do you usually get to work?" in text and "Public transport" in text
               for text in spoken)
    await expect(page.locator("#save-status")).to_have_text("Saved")
    await page.reload()
    await prompt_is(page, "How do you usually get to work?")
    await expect(page.locator("#audio-toggle")).to_have_attribute("aria-pressed", "true")
    await until_true(page, "window.__spoken.some(t => t.includes('How do you usually get to'))")
    await until_true(page, "window.__recognizers.some(r => r.listening)")
    assert await page.evaluate("window.__say('um, I walk')")
    await expect(page.locator("#heard")).to_have_text("I heard: “um, I walk”")
    await prompt_is(page, "About how many minutes")
    await until_true(page, "window.__spoken.some(t => t.includes('About how many minutes'))")
    await until_true(page, "window.__recognizers.some(r => r.listening)")
    await page.evaluate("window.__say('a long time')")
    await expect(page.locator("#error")).to_contain_text("did not catch one number")


async def test_where_speech_waits_for_a_click_one_click_brings_it_back(
    browser: Browser, server: ServerProcess
) -> None:
    context = await browser.new_context()
    await context.add_init_script(FAKE_SPEECH)
    page = await context.new_page()
    await page.goto(server.url + "/")
    await prompt_is(page, "This short survey")
    await page.get_by_role("button", name="Read aloud").click()
    await expect(page.locator("#audio-toggle")).to_have_attribute("aria-pressed", "true")
    await expect(page.locator("#save-status")).to_have_text("Saved")
    await context.add_init_script("window.__needsActivation = true;")
    await page.reload()
    await prompt_is(page, "This short survey")
    await expect(page.locator("#audio-note")).to_contain_text("paused reading aloud")
    assert await page.evaluate("window.__spoken") == []
    await page.get_by_role("button", name="Reading aloud: on").click()
    await until_true(page, "window.__spoken.some(t => t.includes('This short survey'))")
    await expect(page.locator("#audio-toggle")).to_have_attribute("aria-pressed", "true")


async def test_safe_rendering_of_survey_text(browser: Browser, tmp_path: Path) -> None:
    surveys = tmp_path / "surveys"
    surveys.mkdir()
    (surveys / "x.json").write_text(json.dumps({
        "id": "x", "title": "<b>Bold</b>", "version": 1, "steps": [
            {"id": "q", "type": "single_choice", "prompt": "<img src=x onerror=alert(1)>?",
             "options": ["<script>alert(2)</script>", "plain"]},
            {"id": "z", "type": "end", "prompt": "bye"}]}))
    process = start_server_process("--db", str(tmp_path / "x.db"), "--surveys", str(surveys))
    try:
        page = await browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", lambda dialog: dialogs.append(dialog.message))
        await page.goto(process.url + "/")
        await prompt_is(page, "<img src=x onerror=alert(1)>?")
        await expect(page.get_by_label("<script>alert(2)</script>")).to_be_visible()
        assert await page.locator("#app img, #app script").count() == 0
        assert dialogs == []
    finally:
        process.terminate()


async def test_no_serious_accessibility_violations(browser: Browser, server: ServerProcess) -> None:
    page = await browser.new_page()
    await open_at_first_question(page, server)
    axe = Axe()

    async def serious() -> list[str]:
        results = await axe.run(page)
        return [f"{v['id']}: {v['help']}" for v in results.response["violations"]
                if v["impact"] in ("serious", "critical")]

    assert await serious() == []  # question screen
    await page.keyboard.press("Enter")
    await expect(page.locator("#error")).to_be_visible()
    assert await serious() == []  # error screen
    await page.emulate_media(color_scheme="dark")
    assert await serious() == []  # the same in the dark scheme
    page = await browser.new_page()
    await page.goto(server.url + "/")
    await answer_by_keyboard(page)
    await expect(page.locator("#end-message")).to_be_visible()
    assert await serious() == []  # end screen


async def test_panel_links_resume_links_and_a_second_device_without_one(
    browser: Browser, server: ServerProcess, db: Path
) -> None:
    phone = await browser.new_page()
    await phone.goto(server.url + "/s/commute?user_id=P-123")
    await prompt_is(phone, "This short survey")
    await phone.keyboard.press("Enter")
    await prompt_is(phone, "How do you usually get to work?")
    link = await phone.locator("#resume-link").input_value()
    assert "#u=P-123&t=" in link and "?" not in link.split("#")[0]
    # Another device: the resume link carries on at the same step.
    laptop = await browser.new_page()
    await laptop.goto(link)
    await prompt_is(laptop, "How do you usually get to work?")
    assert "#" not in laptop.url  # the token leaves the address bar
    # A device with the panel link but no token cannot open P-123. Starting again there
    # would answer under a random id and lose the panel's: the page sends them back instead.
    stranger = await browser.new_page()
    await stranger.goto(server.url + "/s/commute?user_id=P-123")
    await expect(stranger.locator("#blocked-title")).to_have_text(
        "This link is already in use on another device")
    await expect(stranger.locator("#blocked-text")).to_contain_text("Continue on another device")
    await expect(stranger.get_by_role("button", name="Start again")).to_have_count(0)
    conn = sqlite3.connect(db)
    users = [r[0] for r in conn.execute("SELECT user_id FROM sessions ORDER BY created_at")]
    conn.close()
    assert users == ["P-123"]


@pytest.mark.parametrize("native", [True, False], ids=["toWellFormed", "fallback"])
async def test_half_an_emoji_in_a_text_answer_is_sent_as_well_formed_text(
    browser: Browser, server: ServerProcess, db: Path, native: bool
) -> None:
    """A lone surrogate (an emoji cut in half) used to close the socket with 1011, forever."""
    page = await browser.new_page()
    if not native:  # browsers before 2023 lack String.prototype.toWellFormed
        await page.add_init_script("delete String.prototype.toWellFormed;")
    await page.goto(server.url + "/")
    await prompt_is(page, "This short survey")
    for key in ["Enter", "5", "Enter"]:  # "I work from home"
        await page.keyboard.press(key)
        if key == "Enter":
            await page.locator("#next:not([disabled])").wait_for()
    await prompt_is(page, "How many days")
    await page.get_by_label("Your answer").fill("3")
    await page.keyboard.press("Enter")
    await prompt_is(page, "How happy are you")
    await page.keyboard.press("4")
    await page.keyboard.press("Enter")
    await prompt_is(page, "Would you change")
    await page.keyboard.press("1")
    await page.keyboard.press("Enter")
    await prompt_is(page, "What would help")
    await page.get_by_label("Your answer").evaluate(
        """(box) => {
             box.value = "A bike " + String.fromCharCode(0xD83D) + "!";
             box.dispatchEvent(new Event("input", { bubbles: true }));
           }"""
    )
    await page.get_by_label("Your answer").focus()
    await page.keyboard.press("Control+Enter")
    await expect(page.locator("#end-message")).to_have_text("Thank you! Your answers are saved.")
    assert json.loads(answer_rows(db)[-1][1]) == {"value": "A bike \ufffd!"}
    # Back after the end: the end screen, without "carry on where you left off".
    await page.reload()
    await expect(page.locator("#save-status")).to_have_attribute("data-state", "saved")
    await expect(page.locator("#end-message")).to_have_text("Thank you! Your answers are saved.")
    await expect(page.locator("#notice")).to_be_hidden()
