"""The console's sign-in over HTTP: the cookie's attributes, Origin checks, refusals, expiry."""

from __future__ import annotations

import time
from http.cookies import SimpleCookie
from pathlib import Path

import httpx
import pytest

from server.operators.auth import COOKIE_LIFETIME, COOKIE_NAME, signed_in_cookie
from server.operators.sign_in import SignInLimits
from tests.operators_support import ADMIN_KEY, admin_settings, finished
from tests.support import COMMUTE_ANSWERS, running_server, settings_for

CONSOLE_PAGES = ["/admin", "/admin/surveys/commute", "/admin/surveys/commute/parts",
                 "/admin/sessions/abcdef0123456789"]


def set_cookie(response: httpx.Response) -> dict[str, str]:
    """The attributes of the Set-Cookie header for the console cookie, lower-cased names."""
    headers = response.headers.get_list("set-cookie")
    assert len(headers) == 1, headers
    parsed = SimpleCookie()
    parsed.load(headers[0])
    morsel = parsed[COOKIE_NAME]
    attributes = {key: str(value) for key, value in morsel.items() if value}
    lowered = headers[0].lower()
    for flag in ("httponly", "secure"):
        attributes[flag] = "yes" if f"; {flag}" in lowered else ""
    return {"value": morsel.value, **attributes}


async def sign_in(url: str, key: str, origin: str | None = None, **form: str) -> httpx.Response:
    headers = {"Origin": origin if origin is not None else url}
    if origin == "":
        headers = {}
    async with httpx.AsyncClient(base_url=url) as http:
        return await http.post("/admin/sign-in", data={"key": key, **form}, headers=headers)


async def page(url: str, path: str, cookie: str | None) -> httpx.Response:
    cookies = {COOKIE_NAME: cookie} if cookie else None
    async with httpx.AsyncClient(base_url=url, cookies=cookies) as http:
        return await http.get(path)


async def test_the_right_key_signs_in_with_a_strict_http_only_cookie(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        before = await page(server.url, "/admin", None)
        response = await sign_in(server.url, ADMIN_KEY)
        cookie = set_cookie(response)
        listing = await page(server.url, "/admin", cookie["value"])
        async with httpx.AsyncClient(base_url=server.url,
                                     cookies={COOKIE_NAME: cookie["value"]}) as http:
            api = await http.get("/api/surveys")
    assert before.status_code == 200
    assert 'name="key"' in before.text and "Surveys" not in before.text.split("<main")[1]
    assert response.status_code == 303
    assert response.headers["location"] == "/admin"
    assert response.headers["cache-control"] == "no-store"
    assert cookie["httponly"] == "yes"
    assert cookie["samesite"].lower() == "strict"
    assert cookie["max-age"] == str(COOKIE_LIFETIME) == str(12 * 3600)
    assert cookie["path"] == "/"
    assert cookie["secure"] == ""  # plain http here; see the https test
    assert listing.status_code == 200
    assert "How you get to work" in listing.text and 'name="key"' not in listing.text
    assert listing.headers["content-security-policy"].startswith("default-src 'self'")
    assert listing.headers["cache-control"] == "no-store"
    assert api.status_code == 200  # the API takes the console's cookie too


async def post_as_if_proxied(url: str) -> httpx.Response:
    """A sign-in as a TLS proxy in front would pass it: X-Forwarded-Proto https."""
    host = url.removeprefix("http://")
    async with httpx.AsyncClient(base_url=url) as http:
        return await http.post("/admin/sign-in", data={"key": ADMIN_KEY},
                               headers={"Origin": f"https://{host}", "X-Forwarded-Proto": "https"})


async def test_over_https_the_cookie_is_secure(tmp_path: Path) -> None:
    trusting = admin_settings(tmp_path, forwarded_allow_ips=("127.0.0.1",))
    async with running_server(trusting) as server:
        response = await post_as_if_proxied(server.url)
    async with running_server(admin_settings(tmp_path)) as server:
        # Trusting no proxy, the header is ignored: this is http, and the https Origin is not ours.
        untrusted = await post_as_if_proxied(server.url)
    assert response.status_code == 303
    assert set_cookie(response)["secure"] == "yes"
    assert untrusted.status_code == 403


async def test_with_a_public_origin_only_that_origin_may_sign_in(tmp_path: Path) -> None:
    public = "https://survey.example.org"
    async with running_server(admin_settings(tmp_path, public_origin=public)) as server:
        rebound = server.url.replace("127.0.0.1", "localhost")
        codes = {}
        for origin in (server.url, rebound, "http://survey.example.org", public + ":443", public):
            response = await sign_in(server.url, ADMIN_KEY, origin)
            codes[origin] = response.status_code
        cookie = set_cookie(response)
    assert codes == {server.url: 403, rebound: 403, "http://survey.example.org": 403,
                     public + ":443": 303, public: 303}
    assert cookie["secure"] == "yes"  # the public origin is https, whatever reached us


async def test_a_wrong_key_is_refused_with_401_and_no_cookie(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        for key in ("wrong-key", "", ADMIN_KEY + "x", ADMIN_KEY[:-1]):
            response = await sign_in(server.url, key)
            assert response.status_code == 401, key
            assert "set-cookie" not in response.headers
            assert "That key is not right." in response.text
            assert ADMIN_KEY not in response.text


async def test_sign_in_needs_this_servers_origin(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        for origin in ("", "null", "http://evil.example", server.url.replace("127.0.0.1", "localhost"),
                       server.url.replace("http://", "https://"), server.url + "1"):
            response = await sign_in(server.url, ADMIN_KEY, origin)
            assert response.status_code == 403, origin
            assert "set-cookie" not in response.headers, origin


async def test_sign_in_goes_back_only_to_console_pages(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        wanted = await sign_in(server.url, ADMIN_KEY, next="/admin/surveys/commute")
        respondent = await sign_in(server.url, ADMIN_KEY, next="/admin/sessions/P-1.2:3")
        for elsewhere in ("https://evil.example/admin", "//evil.example", "/api/surveys",
                          "/admin/../api", "/admin/./x", "/admin?x=1", "/admin//evil.example"):
            response = await sign_in(server.url, ADMIN_KEY, next=elsewhere)
            assert response.headers["location"] == "/admin", elsewhere
    assert wanted.headers["location"] == "/admin/surveys/commute"
    assert respondent.headers["location"] == "/admin/sessions/P-1.2:3"


async def test_a_page_asked_for_before_sign_in_shows_the_form_and_comes_back(
    tmp_path: Path
) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        response = await page(server.url, "/admin/surveys/commute", None)
    assert response.status_code == 401
    assert 'name="next" value="/admin/surveys/commute"' in response.text
    assert "Funnel" not in response.text


async def test_sign_in_attempts_are_limited_per_address(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        server.app.state.sign_in_limits = SignInLimits(burst=3, per_minute=0.001)
        codes = [(await sign_in(server.url, "wrong-key")).status_code for _ in range(3)]
        limited = await sign_in(server.url, ADMIN_KEY)  # even the right key, for now
    assert codes == [401, 401, 401]
    assert limited.status_code == 429
    assert "set-cookie" not in limited.headers
    assert int(limited.headers["retry-after"]) > 0
    assert "Too many attempts" in limited.text


def test_the_limit_refills_with_time_and_forgets_old_addresses() -> None:
    now = [0.0]
    limits = SignInLimits(burst=2, per_minute=6, max_addresses=2, clock=lambda: now[0])
    assert [limits.allow("a") for _ in range(3)] == [True, True, False]
    now[0] += 10  # one attempt back (6 a minute)
    assert [limits.allow("a") for _ in range(2)] == [True, False]
    assert limits.allow("b") and limits.allow("c")  # "a" is forgotten: at most two kept
    assert [limits.allow("a") for _ in range(3)] == [True, True, False]


async def test_an_expired_or_foreign_cookie_is_not_a_sign_in(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        expired = signed_in_cookie(ADMIN_KEY, now=time.time() - COOKIE_LIFETIME - 1)
        almost = signed_in_cookie(ADMIN_KEY, now=time.time() - COOKIE_LIFETIME + 60)
        other_key = signed_in_cookie("another-admin-key")
        for cookie in (expired, other_key, almost[:-2] + "xx", "garbage"):
            response = await page(server.url, "/admin", cookie)
            assert 'name="key"' in response.text, cookie
            api = await page(server.url, "/api/surveys", cookie)
            assert api.status_code == 401
        still = await page(server.url, "/admin", almost)
    assert 'name="key"' not in still.text and "How you get to work" in still.text


async def test_sign_out_clears_the_cookie_and_checks_origin(tmp_path: Path) -> None:
    # The client keeps cookies, as browsers do.
    async with running_server(admin_settings(tmp_path)) as server, \
            httpx.AsyncClient(base_url=server.url) as http:
        signed = await http.post("/admin/sign-in", data={"key": ADMIN_KEY},
                                 headers={"Origin": server.url})
        before = await http.get("/admin")
        foreign = await http.post("/admin/sign-out", headers={"Origin": "http://evil.example"})
        response = await http.post("/admin/sign-out", headers={"Origin": server.url})
        after = await http.get("/admin")
    assert signed.status_code == 303 and 'name="key"' not in before.text
    assert foreign.status_code == 403 and "set-cookie" not in foreign.headers
    assert response.status_code == 303
    cleared = set_cookie(response)
    assert cleared["value"] == "" and cleared["max-age"] == "0"
    assert cleared["httponly"] == "yes" and cleared["samesite"].lower() == "strict"
    assert 'name="key"' in after.text  # signed out


@pytest.mark.parametrize("path", CONSOLE_PAGES)
async def test_every_console_page_is_404_while_admin_access_is_off(
    tmp_path: Path, path: str
) -> None:
    async with running_server(settings_for(tmp_path)) as server:
        response = await page(server.url, path, signed_in_cookie("any-key-at-all"))
        posts = []
        async with httpx.AsyncClient(base_url=server.url) as http:
            for action in ("/admin/sign-in", "/admin/sign-out"):
                posts.append(await http.post(action, data={"key": "x"},
                                             headers={"Origin": server.url}))
    assert response.status_code == 404
    assert [post.status_code for post in posts] == [404, 404]


async def test_unknown_surveys_respondents_and_cursors(tmp_path: Path) -> None:
    async with running_server(admin_settings(tmp_path)) as server:
        user_id = await finished(server.ws_url, COMMUTE_ANSWERS[:2])
        cookie = signed_in_cookie(ADMIN_KEY)
        found = await page(server.url, f"/admin/sessions/{user_id}", cookie)
        missing = await page(server.url, "/admin/sessions/abcdef0123456789", cookie)
        bad_id = await page(server.url, "/admin/sessions/not%20an%20id", cookie)
        survey = await page(server.url, "/admin/surveys/nope", cookie)
        cursor = await page(server.url, "/admin/surveys/commute?after=forged", cookie)
        status = await page(server.url, "/admin/surveys/commute?status=lost", cookie)
    assert found.status_code == 200 and "How do you usually get to work?" in found.text
    assert [missing.status_code, bad_id.status_code, survey.status_code] == [404, 404, 404]
    assert cursor.status_code == 400 and "after is not a cursor" in cursor.text
    assert status.status_code == 400 and "status must be one of" in status.text
