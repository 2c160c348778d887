"""Every page, in the light and the dark theme, passes axe-core's WCAG 2 A/AA rules (labels,
contrast, names, landmarks) with no serious or critical violation, fits a phone's width, and
starts with a keyboard skip link."""

import pytest

from marketplace.chain.artifacts import NODE_MODULES
from marketplace.models import Deal, Task, Workerpool
from tests.browser import screenshot
from tests.processes import running_stack

pytestmark = pytest.mark.django_db(transaction=True)
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def site(market_devnet, tmp_path):
    with running_stack(devnet=market_devnet, logs_dir=tmp_path) as (url, _logs):
        deal = Deal.objects.order_by("-block_id").first()
        task = Task.objects.order_by("-block_id").first()
        pool = Workerpool.objects.order_by("block_id").first()
        yield (
            url,
            [
                "/",
                f"/quote?app={deal.app_pointer}&category={deal.category}&trust=1&volume=1",
                "/pools",
                f"/pools/{pool.address}",
                "/deals/all",
                f"/deal/{deal.dealid}",
                f"/task/{task.taskid}",
                f"/accounts/{deal.requester}",
                f"/workers/{task.contributors[0] if task.contributors else deal.requester}",
                f"/apps/{deal.app_pointer}",
                "/search?q=nothing-like-this",
            ],
        )


def _violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}})"
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_pages_are_accessible_in_both_themes(browser, site, theme):
    url, paths = site
    # axe-core is injected as an inline script, which the site's CSP rightly refuses.
    context = browser.new_context(base_url=url, color_scheme=theme, bypass_csp=True)
    context.add_init_script(f"localStorage.setItem('theme', '{theme}')")
    page = context.new_page()
    problems = {}
    for path in paths:
        page.goto(path)
        found = _violations(page)
        if found:
            problems[path] = found
    screenshot(page, f"accessibility-{theme}")
    context.close()
    assert not problems, problems


def test_pages_fit_a_phone_and_start_with_a_skip_link(browser, site):
    url, paths = site
    context = browser.new_context(base_url=url, viewport=PHONE, is_mobile=True)
    page = context.new_page()
    too_wide = {}
    for path in paths:
        page.goto(path)
        # Tables may scroll inside their own box; the page itself must not scroll sideways.
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if overflow > 1:
            too_wide[path] = overflow
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    screenshot(page, "phone-market")
    context.close()
    assert not too_wide, too_wide
