"""The public page of ringfence-server in a real browser (scripts/test-browser.sh).

Starts the real server on 127.0.0.1 with a fresh SQLite file, lists a number by
writing three votes from three networks into that file (as tests/e2e's seed_votes
does: reports over the API are signed by device keys, which is not what this test is
about), then drives headless Chromium through Selenium:

1. the start page: every field has a label, the skip link comes first on Tab, and every
   text colour has a contrast of at least 7:1 on its background (also on 2 and 3);
2. looks the number up: listed, its category, the evidence in coarse bands;
3. disputes it through the form on the result page: lands on the dispute's state
   (open, held), with an ID;
4. reads the state back by typing the ID into "Check a dispute";
5. the operator clears it (`ringfence-server disputes resolve ID --clear`): the page
   says so, and the look-up no longer lists the number once the server published.

A screenshot of each page goes to --screenshots. Exits non-zero on the first failed
check.
"""

import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

NUMBER = "+82 10-5555-0321"
E164 = 821055550321


def check(ok, what):
    if not ok:
        raise AssertionError(what)
    print(f"ok: {what}")


def start_server(binary, db):
    p = subprocess.Popen(
        [binary, "--db", db, "--listen", "127.0.0.1:0", "--publish-interval", "0.2", "--min-reporters", "2",
         "--list-threshold", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env={**os.environ, "RUST_LOG": "error"})
    for line in p.stdout:
        m = re.search(r"listening on (http://\S+)", line)
        if m:
            return p, m.group(1)
    raise RuntimeError("the server did not start")


def seed(db):
    """Three spam votes on NUMBER from three networks' long-known devices, queued."""
    now = int(time.time())
    c = sqlite3.connect(db, timeout=10)
    for i in range(3):
        device = f"browser-test-device-{i}"
        # Devices the server has known for two months: their votes weigh fully.
        c.execute("INSERT INTO devices (device, first_seen, origin) VALUES (?, ?, ?)", (device, now - 60 * 86400, 1000 + i))
        c.execute("INSERT INTO votes (number, device, spam, category, at, comment, origin) VALUES (?, ?, 1, 6, ?, NULL, ?)",
                  (E164, device, now, 1000 + i))
    c.execute("INSERT OR REPLACE INTO dirty (number) VALUES (?)", (E164,))
    c.commit()
    c.close()


def published(db, number):
    c = sqlite3.connect(db, timeout=10)
    try:
        return c.execute("SELECT count(*) FROM published WHERE number = ?", (number,)).fetchone()[0] > 0
    finally:
        c.close()


# Every element that shows text, with its colour and the first opaque background behind it.
COLOURS_JS = """
const out = [];
for (const el of document.querySelectorAll('h1, h2, p, a, label, legend, dt, dd, button, input, textarea')) {
  const style = getComputedStyle(el);
  if (style.visibility === 'hidden' || el.getClientRects().length === 0 || el.closest('.skip')) continue;
  let bg = 'rgba(0, 0, 0, 0)';
  for (let e = el; e; e = e.parentElement) {
    const b = getComputedStyle(e).backgroundColor;
    if (!b.startsWith('rgba') || !b.endsWith(', 0)')) { bg = b; break; }
  }
  out.push([el.tagName + (el.id ? '#' + el.id : ''), style.color, bg]);
}
return out;
"""


def luminance(rgb):
    def channel(c):
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(float(x)) for x in re.findall(r"[\d.]+", rgb)[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(fg, bg):
    if bg == "rgba(0, 0, 0, 0)":
        bg = "rgb(255, 255, 255)"  # the canvas
    hi, lo = sorted([luminance(fg), luminance(bg)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def check_contrast(browser, page):
    """WCAG AAA for normal text: every text colour on its background at least 7:1."""
    worst = min((contrast(fg, bg), what, fg, bg) for what, fg, bg in browser.execute_script(COLOURS_JS))
    check(worst[0] >= 7.0, f"{page}: text contrast at least 7:1 (lowest {worst[0]:.1f}, {worst[1]})")


def wait_for(what, cond, timeout=20):
    deadline = time.time() + timeout
    while not cond():
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--chromedriver", required=True)
    ap.add_argument("--screenshots")
    ap.add_argument("--no-screenshots", action="store_true")
    args = ap.parse_args()
    shots = None if args.no_screenshots else args.screenshots
    if shots:
        os.makedirs(shots, exist_ok=True)

    tmp = tempfile.mkdtemp(prefix="ringfence-browser-")
    db = os.path.join(tmp, "server.db")
    server, url = start_server(args.server, db)
    opts = webdriver.ChromeOptions()
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1000,1400", "--lang=en-US"]:
        opts.add_argument(a)
    browser = webdriver.Chrome(service=Service(args.chromedriver), options=opts)
    wait = WebDriverWait(browser, 10)

    def shot(name):
        if shots:
            browser.save_screenshot(os.path.join(shots, f"page-{name}.png"))

    try:
        seed(db)
        wait_for("the number to be published", lambda: published(db, E164))

        # 1. The start page.
        browser.get(url + "/")
        check(browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en", "the page names its language")
        for field in browser.find_elements(By.CSS_SELECTOR, "input:not([type=hidden]), textarea"):
            fid = field.get_attribute("id")
            labels = browser.find_elements(By.CSS_SELECTOR, f"label[for='{fid}']")
            check(len(labels) == 1 and labels[0].text.strip(), f"field #{fid} has a label")
        check(not browser.find_elements(By.TAG_NAME, "script"), "no JavaScript on the page")
        check_contrast(browser, "the start page")
        browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
        active = browser.switch_to.active_element
        check(active.get_attribute("class") == "skip", "Tab reaches the skip link first")
        active.send_keys(Keys.ENTER)
        shot("start")

        # 2. Look the number up, from the keyboard.
        field = browser.find_element(By.ID, "number")
        field.send_keys(NUMBER)
        field.send_keys(Keys.ENTER)
        state = wait.until(ec.presence_of_element_located((By.ID, "state")))
        check(state.get_attribute("data-state") == "listed", f"the number is listed ({state.text})")
        check(browser.find_element(By.ID, "category").text == "Telemarketing", "its category")
        check(browser.find_element(By.ID, "reporters").text == "3 to 9 independent networks", "coarse evidence")
        check("browser-test-device" not in browser.page_source, "no reporter on the page")
        check_contrast(browser, "the look-up")
        shot("lookup")

        # 3. Dispute it through the form on the result page.
        check(browser.find_element(By.ID, "dispute-number").get_attribute("value") == "+821055550321",
              "the form carries the number")
        browser.find_element(By.ID, "role-owner").click()
        browser.find_element(By.ID, "contact").send_keys("front-desk@clinic.example")
        browser.find_element(By.ID, "reason").send_keys("This is our clinic's call-back line.")
        browser.find_element(By.CSS_SELECTOR, "form[action='/dispute'] button[type=submit]").click()
        state = wait.until(ec.presence_of_element_located((By.ID, "dispute-state")))
        check(state.get_attribute("data-state") == "open_held", f"the dispute is open and holds the listing ({state.text})")
        dispute_id = browser.find_element(By.ID, "dispute-id-value").text
        check(re.fullmatch(r"[0-9a-z]{10}", dispute_id) is not None, f"a dispute ID ({dispute_id})")
        check("front-desk@clinic.example" not in browser.page_source, "the contact address is not shown")
        check_contrast(browser, "the dispute's page")
        shot("dispute")

        # 4. Read the state back by its ID.
        browser.get(url + "/")
        field = browser.find_element(By.ID, "dispute-id")
        field.send_keys(dispute_id.upper())
        field.send_keys(Keys.ENTER)
        state = wait.until(ec.presence_of_element_located((By.ID, "dispute-state")))
        check(state.get_attribute("data-state") == "open_held", "the state, read back by ID")
        browser.get(url + "/lookup?number=%2B821055550321")
        check(browser.find_element(By.ID, "state").get_attribute("data-state") == "held", "the look-up says held")
        shot("held")

        # 5. The operator clears it.
        out = subprocess.run([args.server, "--db", db, "disputes", "resolve", dispute_id, "--clear", "--note",
                              "checked with the clinic", "--by", "browser-test"], capture_output=True, text=True)
        check(out.returncode == 0 and "cleared" in out.stdout, f"the operator cleared it ({out.stdout}{out.stderr})")
        wait_for("the number to leave the list", lambda: not published(db, E164))
        browser.get(f"{url}/dispute?id={dispute_id}")
        state = browser.find_element(By.ID, "dispute-state")
        check(state.get_attribute("data-state") == "cleared", f"the page says cleared ({state.text})")
        browser.get(url + "/lookup?number=%2B821055550321")
        check(browser.find_element(By.ID, "state").get_attribute("data-state") == "cleared", "the look-up says cleared")
        shot("cleared")

        # A bad number is an error on the page, with the form kept usable.
        browser.get(url + "/lookup?number=0105555")
        check("international form" in browser.find_element(By.CSS_SELECTOR, "[role=alert]").text, "a clear error")
    finally:
        browser.quit()
        server.terminate()
        server.wait()
    print("browser test passed")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"FAILED: {e}", file=sys.stderr)
        sys.exit(1)
