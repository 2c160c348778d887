"""Both API docs render in a real browser from the site's own files: Swagger UI comes with the
site (no CDN), runs under the pages' Content-Security-Policy and names the API it documents."""

from urllib.parse import urlsplit

import pytest

from tests.browser import screenshot
from tests.processes import command_env, process_stop, serve

pytestmark = pytest.mark.django_db(transaction=True)

DOCS = {
    "/docs": "PoCo Market market API",
    "/api/docs/": "PoCo Market read API",
}


@pytest.mark.parametrize("debug", ["true", "false"])
def test_api_docs_render_offline_under_the_csp(browser, devnet, debug):
    server, url = serve(env=command_env(devnet, DEBUG=debug))
    try:
        page = browser.new_page(base_url=url)
        errors: list[str] = []
        foreign: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on(
            "request",
            lambda r: urlsplit(r.url).netloc != urlsplit(url).netloc and foreign.append(r.url),
        )
        for path, title in DOCS.items():
            page.goto(path)
            # Swagger UI draws the title once it has fetched and read the schema.
            page.locator(".swagger-ui .info .title").filter(has_text=title).wait_for()
            assert page.locator(".swagger-ui .opblock").count() > 3, path
            screenshot(page, f"docs{path.replace('/', '-').rstrip('-')}-debug-{debug}")
        page.close()
    finally:
        process_stop(server)
    assert not foreign, foreign
    assert not errors, errors
