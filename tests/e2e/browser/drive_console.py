"""Drives the console in Debian's headless Chromium with Playwright, as an operator would.

Run as its own process by ``tests/e2e/test_console_browser.py``: Playwright's sync API
does not run under eventlet's monkey-patching, which the test process has. It talks to
the test over lines: it prints ``READY`` once signed in with the live stream connected,
then waits for the alert the test raises, acknowledges it, opens its project, keeps a
screenshot of each, and prints one ``RESULT <json>`` line. It never downloads a browser.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
WAIT_MS = 30_000


def main() -> int:
    parser = argparse.ArgumentParser()
    for name in ("--url", "--username", "--password", "--fingerprint", "--screenshot", "--project-screenshot"):
        parser.add_argument(name, required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wagewatch-chromium-") as profile, sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, args=FLAGS, locale="zh-CN",
            viewport={"width": 1400, "height": 900})
        try:
            result = operate(browser.new_page(), args)
        finally:
            browser.close()
    print("RESULT " + json.dumps(result, ensure_ascii=False), flush=True)
    return 0


def operate(page, args) -> dict:
    page.goto(args.url)
    page.fill("#username", args.username)
    page.fill("#password", args.password)
    page.click("#sign-in")
    page.wait_for_selector('#live[data-live="connected"]', timeout=WAIT_MS)
    print("READY", flush=True)
    row = page.wait_for_selector(f'tr[data-fingerprint="{args.fingerprint}"]', timeout=WAIT_MS)
    shown_at = float(row.get_attribute("data-shown-at"))
    page.click(f'tr[data-fingerprint="{args.fingerprint}"] button.acknowledge')
    page.wait_for_selector(f'tr[data-fingerprint="{args.fingerprint}"][data-status="acknowledged"]', timeout=WAIT_MS)
    page.screenshot(path=args.screenshot, full_page=True)
    seen = {
        "rows": page.eval_on_selector_all("tr[data-fingerprint]", "rows => rows.map(r => r.dataset.fingerprint)"),
        "status": page.inner_text(f'tr[data-fingerprint="{args.fingerprint}"] td:nth-child(8)'),
        "desk": page.inner_text("#desk"),
    }
    page.click(f'tr[data-fingerprint="{args.fingerprint}"] a.project-link')
    page.wait_for_selector("#project:not([hidden]) #project-payroll li", timeout=WAIT_MS)
    page.screenshot(path=args.project_screenshot, full_page=True)
    return {**seen, "shown_at_ms": shown_at, "project": page.inner_text("#project"),
            "page_text": page.inner_text("body")}


if __name__ == "__main__":
    sys.exit(main())
