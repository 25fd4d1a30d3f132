"""Screenshots of every page of the web app for docs/images, taken in Chromium from a running
demo (`make demo`, or `revlens demo --scale small`), logged in with the demo's log-ins.

    .venv/bin/python scripts/screenshots.py --url http://127.0.0.1:8080 --password PASSWORD
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

OUT = Path(__file__).resolve().parents[1] / "docs" / "images"
PERIOD = "from=2026-01-01&to=2026-10-31&compare=previous_year"
PAGES = [  # (file, user, address, language, width)
    ("cockpit.png", "ceo", f"/?{PERIOD}", "zh-CN", 1440),
    ("cockpit-en.png", "ceo", f"/?{PERIOD}", "en", 1440),
    ("events.png", "marketing", f"/d/events?{PERIOD}", "zh-CN", 1440),
    ("ads-web.png", "marketing", f"/d/ads_web?{PERIOD}", "zh-CN", 1440),
    ("content.png", "marketing", f"/d/content?{PERIOD}", "zh-CN", 1440),
    ("sdr.png", "sdr_lead", f"/d/sdr?{PERIOD}", "zh-CN", 1440),
    ("sales.png", "sales_lead", f"/d/sales?{PERIOD}", "zh-CN", 1440),
    ("lead-pool.png", "sdr_lead", "/leads", "zh-CN", 1440),
    ("designer.png", "marketing", "/designer", "zh-CN", 1440),
    ("phone.png", "rep", f"/?{PERIOD}", "zh-CN", 375),
]


def log_in(page: Page, url: str, user: str, password: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_test_id("login-username").fill(user)
    page.get_by_test_id("login-password").fill(password)
    page.get_by_test_id("login-submit").click()
    page.wait_for_url(f"{url}/")


def settled(page: Page) -> None:
    page.wait_for_function("() => document.querySelectorAll('.q-skeleton').length === 0",
                           timeout=120_000)
    page.wait_for_timeout(800)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:8080")
    parser.add_argument("--password", required=True, help="the demo log-ins' password")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu"])
        for name, user, address, lang, width in PAGES:
            page = browser.new_page(viewport={"width": width, "height": 900},
                                    device_scale_factor=1)
            log_in(page, args.url, user, args.password)
            sep = "&" if "?" in address else "?"
            page.goto(f"{args.url}{address}{sep}lang={lang}")
            settled(page)
            if name == "designer.png":
                page.get_by_test_id("designer-catalog").get_by_text("市场", exact=True).click()
                page.get_by_test_id("metric-leads").click()
                page.get_by_test_id("metric-cpl").click()
                page.get_by_test_id("dimension-channel").click()
                page.get_by_test_id("designer-preview").wait_for()
                settled(page)
            page.screenshot(path=str(OUT / name), full_page=True)
            if name == "cockpit.png":
                drill(page)
                page.screenshot(path=str(OUT / "drill-down.png"))
                link = page.get_by_test_id("drill").locator("a[href^='/customers/']").first
                link.click()
                page.get_by_test_id("tab-timeline").wait_for()
                settled(page)
                page.screenshot(path=str(OUT / "customer-360.png"), full_page=True)
            page.close()
        browser.close()
    print(f"screenshots in {OUT}")


def drill(page: Page) -> None:
    """Click the first stage of the cockpit's lead funnel."""
    chart = page.get_by_test_id("chart-lead_funnel")
    chart.scroll_into_view_if_needed()
    element = chart.get_attribute("id").removeprefix("c")
    x, y = page.evaluate("""(id) => {
        const chart = getElement(id).chart;
        const layout = chart.getModel().getSeriesByIndex(0).getData().getItemLayout(1);
        const points = layout.points || layout;
        const xs = points.map(p => p[0]), ys = points.map(p => p[1]);
        return [(Math.min(...xs) + Math.max(...xs)) / 2, (Math.min(...ys) + Math.max(...ys)) / 2];
    }""", element)
    box = chart.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.get_by_test_id("drill").locator(".ag-row").first.wait_for()
    page.wait_for_timeout(500)


if __name__ == "__main__":
    main()
