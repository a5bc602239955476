"""The survey page in several languages, in a real browser against a real server process.

A French browser is a browser context with locale fr-FR: its navigator.languages is French.
The bundled survey (server/surveys/commute.json) is in English and French.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser import FAKE_SPEECH, TIMEOUT_MS, prompt_is, screenshot, until_true
from tests.lifecycle_support import small_survey, surveys_dir
from tests.support import ServerProcess, start_server_process

expect.set_options(timeout=TIMEOUT_MS)

INTRO_FR = "Ce court questionnaire"
MODE_FR = "Comment allez-vous d'habitude au travail ?"
MINUTES_FR = "Combien de minutes dure environ le trajet"
SATISFACTION_FR = "Êtes-vous satisfait de votre trajet"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "languages.db"


@pytest.fixture
def server(db: Path) -> AsyncIterator[ServerProcess]:
    process = start_server_process("--db", str(db))
    yield process
    if process.process.poll() is None:
        process.terminate()


async def french_browser(browser: Browser) -> BrowserContext:
    return await browser.new_context(locale="fr-FR")


def stored(db: Path) -> tuple[list[str | None], dict[str, object]]:
    """Each session's language, and every answer stored, by step."""
    conn = sqlite3.connect(db)
    languages = [row[0] for row in conn.execute("SELECT language FROM sessions")]
    answers = {step: json.loads(answer)["value"] for step, answer in conn.execute(
        "SELECT step, answer FROM session_history WHERE action = 'answer' ORDER BY id")}
    conn.close()
    return languages, answers


async def to_satisfaction_in_english(page: Page, server: ServerProcess) -> None:
    """Intro, Car, 20 minutes: at the satisfaction question, with two answers behind."""
    await page.goto(server.url + "/")
    await prompt_is(page, "This short survey")
    await page.get_by_role("button", name="Next").click()
    await prompt_is(page, "How do you usually get to work?")
    await page.get_by_label("Car").check()
    await page.get_by_role("button", name="Next").click()
    await prompt_is(page, "About how many minutes")
    await page.get_by_label("Your answer").fill("20")
    await page.get_by_role("button", name="Next").click()
    await prompt_is(page, "How happy are you")


async def test_a_french_browser_gets_the_french_survey(
    browser: Browser, server: ServerProcess, db: Path
) -> None:
    context = await french_browser(browser)
    page = await context.new_page()
    assert await page.evaluate("navigator.languages") == ["fr-FR"]
    await page.goto(server.url + "/")
    await prompt_is(page, INTRO_FR)
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    await expect(page.locator("#survey-title")).to_have_text("Comment vous allez au travail")
    await expect(page).to_have_title("Comment vous allez au travail")
    await expect(page.locator("#save-status")).to_have_text("Enregistré")
    await expect(page.locator("#audio-toggle")).to_have_text("Lire à voix haute")
    await expect(page.get_by_role("button", name="Suivant")).to_be_visible()
    await page.get_by_role("button", name="Suivant").click()
    await prompt_is(page, MODE_FR)
    await expect(page.locator("#progress-label")).to_have_text("Question 2 sur environ 5")
    await expect(page.get_by_label("Transports en commun")).to_be_visible()
    await expect(page.get_by_role("button", name="Retour")).to_be_visible()
    await expect(page.locator("#handoff summary")).to_have_text("Continuer sur un autre appareil")
    # The menu names each language in itself, the session's chosen.
    menu = page.get_by_label("Langue")
    await expect(menu).to_have_value("fr")
    await expect(menu.locator("option")).to_have_text(["English", "Français"])
    await page.get_by_label("Transports en commun").check()
    await page.get_by_role("button", name="Suivant").click()
    await prompt_is(page, "Lesquels utilisez-vous")
    await screenshot(page, "french")
    languages, answers = stored(db)
    assert languages == ["fr"]  # chosen by the server from the hello's navigator.languages
    assert answers == {"intro": None, "mode": "public_transport"}  # values, not French labels


async def test_switching_language_mid_survey_keeps_answers_place_and_back_path(
    browser: Browser, server: ServerProcess, db: Path
) -> None:
    page = await browser.new_page(locale="en-GB")
    await to_satisfaction_in_english(page, server)
    await expect(page.locator("#language-menu")).to_have_value("en")
    # The menu is reached with the keyboard, and changed with it.
    await page.locator("#prompt").focus()
    await page.keyboard.press("Shift+Tab")  # the read-aloud button
    await page.keyboard.press("Shift+Tab")
    await expect(page.get_by_label("Language")).to_be_focused()
    await page.keyboard.press("ArrowDown")
    await prompt_is(page, SATISFACTION_FR)  # the same place, now in French
    await expect(page.locator("html")).to_have_attribute("lang", "fr")
    await expect(page.get_by_label("Langue")).to_have_value("fr")
    await expect(page.locator("#progress-label")).to_have_text("Question 4 sur environ 5")
    await expect(page.locator("#save-status")).to_have_text("Enregistré")
    await page.get_by_role("button", name="Retour").click()
    await prompt_is(page, MINUTES_FR)
    await expect(page.get_by_label("Votre réponse")).to_have_value("20")
    await page.get_by_role("button", name="Retour").click()
    await prompt_is(page, MODE_FR)
    await expect(page.get_by_label("Voiture")).to_be_checked()
    await page.get_by_role("button", name="Suivant").click()
    await prompt_is(page, MINUTES_FR)
    await page.get_by_label("Langue").select_option("en")
    await prompt_is(page, "About how many minutes")
    await expect(page.get_by_label("Your answer")).to_have_value("20")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    languages, answers = stored(db)
    assert languages == ["en"]
    assert answers == {"intro": None, "mode": "Car", "minutes": 20}


async def test_a_reload_keeps_the_language(browser: Browser, server: ServerProcess) -> None:
    # A French browser that switched to English stays in English: the session's language,
    # not the browser's, decides once the survey has started.
    context = await french_browser(browser)
    page = await context.new_page()
    await page.goto(server.url + "/")
    await prompt_is(page, INTRO_FR)
    await page.get_by_role("button", name="Suivant").click()
    await prompt_is(page, MODE_FR)
    await page.get_by_label("Langue").select_option("en")
    await prompt_is(page, "How do you usually get to work?")
    await expect(page.locator("#save-status")).to_have_text("Saved")
    await page.reload()
    await prompt_is(page, "How do you usually get to work?")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_label("Language")).to_have_value("en")
    await expect(page.get_by_role("button", name="Next")).to_be_visible()
    await expect(page.locator("#notice")).to_contain_text("Welcome back")


async def test_a_switch_made_offline_is_sent_when_the_server_is_back(
    browser: Browser, server: ServerProcess, db: Path
) -> None:
    page = await browser.new_page(locale="en-US")
    await page.goto(server.url + "/")
    await prompt_is(page, "This short survey")
    await page.get_by_role("button", name="Next").click()
    await prompt_is(page, "How do you usually get to work?")
    server.kill()
    await expect(page.locator("#save-status")).to_contain_text("Offline")
    await page.get_by_label("Language").select_option("fr")
    outbox = await page.evaluate(
        "Object.keys(localStorage).filter(k => k.includes(':outbox:'))"
        ".flatMap(k => JSON.parse(localStorage.getItem(k)).items.map(i => i.type))")
    assert outbox == ["set_language"]
    port = server.url.rsplit(":", 1)[1]
    restarted = start_server_process("--db", str(db), "--port", port)
    try:
        await prompt_is(page, MODE_FR)
        await expect(page.locator("html")).to_have_attribute("lang", "fr")
        await expect(page.locator("#save-status")).to_have_text("Enregistré")
    finally:
        restarted.terminate()
    assert stored(db)[0] == ["fr"]


async def test_reading_aloud_and_listening_in_the_sessions_language(
    browser: Browser, server: ServerProcess
) -> None:
    context = await french_browser(browser)
    await context.add_init_script(FAKE_SPEECH)
    page = await context.new_page()
    await page.goto(server.url + "/")
    await prompt_is(page, INTRO_FR)
    await page.get_by_role("button", name="Suivant").click()
    await prompt_is(page, MODE_FR)
    await page.get_by_role("button", name="Lire à voix haute").click()
    await expect(page.locator("#audio-toggle")).to_have_text("Lecture à voix haute\u00a0: activée")
    await expect(page.locator("#audio-note")).to_contain_text("Les questions sont lues")
    await until_true(page, "window.__spoken.some(t => t.includes('1\u00a0: Voiture.'))")
    assert await page.evaluate("window.__spokenLanguages") == ["fr"]
    await until_true(page, "window.__recognizers.some(r => r.listening && r.lang === 'fr')")
    assert await page.evaluate("window.__say('à vélo')")
    await expect(page.locator("#heard")).to_contain_text("J'ai entendu")
    await prompt_is(page, MINUTES_FR)
    await until_true(page, "window.__spoken.some(t => t.includes('Dites un nombre.'))")
    # Switched, the same question is read again in English, and listened for in English.
    await page.get_by_label("Langue").select_option("en")
    await prompt_is(page, "About how many minutes")
    await until_true(page, "window.__spoken.some(t => t.includes('Say a number.'))")
    assert (await page.evaluate("window.__spokenLanguages"))[-1] == "en"
    await until_true(page, "window.__recognizers.some(r => r.listening && r.lang === 'en')")


async def test_no_serious_accessibility_violations_in_french(
    browser: Browser, server: ServerProcess
) -> None:
    context = await french_browser(browser)
    page = await context.new_page()
    await page.goto(server.url + "/")
    await prompt_is(page, INTRO_FR)
    await page.keyboard.press("Enter")
    await prompt_is(page, MODE_FR)
    axe = Axe()

    async def serious() -> list[str]:
        results = await axe.run(page)
        return [f"{v['id']}: {v['help']}" for v in results.response["violations"]
                if v["impact"] in ("serious", "critical")]

    await expect(page.get_by_label("Langue")).to_be_visible()
    assert await serious() == []  # a question, with the language menu
    await page.keyboard.press("Enter")  # nothing chosen
    await expect(page.locator("#error")).to_be_visible()
    assert await serious() == []  # an error
    await page.emulate_media(color_scheme="dark")
    assert await serious() == []


async def test_a_survey_in_one_language_has_no_menu(browser: Browser, tmp_path: Path) -> None:
    surveys = tmp_path / "surveys"
    surveys.mkdir()
    (surveys / "d.json").write_text(json.dumps({
        "id": "d", "title": "Umfrage", "version": 1, "language": "de", "steps": [
            {"id": "q", "type": "yes_no", "prompt": "Fahren Sie Rad?"},
            {"id": "z", "type": "end", "prompt": "Danke"}]}))
    process = start_server_process("--db", str(tmp_path / "d.db"), "--surveys", str(surveys))
    try:
        page = await browser.new_page(locale="fr-FR")  # a language the survey does not have
        await page.goto(process.url + "/")
        await prompt_is(page, "Fahren Sie Rad?")
        await expect(page.locator("html")).to_have_attribute("lang", "de")
        await expect(page.get_by_label("Ja")).to_be_visible()
        await expect(page.get_by_role("button", name="Weiter")).to_be_visible()
        await expect(page.locator("#language-choice")).to_be_hidden()
    finally:
        process.terminate()


async def test_refusals_before_any_session_are_in_the_surveys_language(
    browser: Browser, tmp_path: Path
) -> None:
    # No welcome ever comes: the page's words follow the browser's best match among the
    # survey's languages, or the survey's only language.
    directory = surveys_dir(
        tmp_path,
        small_survey("invited-study", access="invited", language="fr"),
        {**small_survey("over", closes_at="2020-01-01T00:00:00Z", languages=["en", "fr"]),
         "default": False},
    )
    process = start_server_process("--db", str(tmp_path / "r.db"), "--surveys", str(directory))
    try:
        page = await browser.new_page(locale="en-US")
        await page.goto(process.url + "/s/invited-study?user_id=P-1")
        await expect(page.locator("#blocked-title")).to_have_text(
            "Ce questionnaire est accessible sur invitation uniquement")
        await expect(page.locator("html")).to_have_attribute("lang", "fr")
        await expect(page.locator("#save-status")).to_have_text("Non connecté")
        french = await (await french_browser(browser)).new_page()
        await french.goto(process.url + "/s/over")
        await expect(french.locator("#blocked-title")).to_have_text("Ce questionnaire est fermé")
        english = await browser.new_page(locale="en-GB")
        await english.goto(process.url + "/s/over")
        await expect(english.locator("#blocked-title")).to_have_text("This survey is closed")
    finally:
        process.terminate()
