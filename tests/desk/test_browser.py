"""The review desk in a real browser: Debian's chromium, driven through its chromedriver, against the desk
served by uvicorn. It opens the overview, a report, highlights a value on its source page, corrects a
value and marks a finding, and checks the warehouse changed. Screenshots of each page are saved under
tests/screenshots/ (or $JIXIAO_SCREENSHOTS) for a person to look at; they are not committed."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
import uvicorn

from jixiao.desk import create_app

pytestmark = [pytest.mark.browser]

CHROMIUM, CHROMEDRIVER = shutil.which("chromium") or "/usr/bin/chromium", shutil.which("chromedriver") or "/usr/bin/chromedriver"
SHOTS = Path(os.environ.get("JIXIAO_SCREENSHOTS") or Path(__file__).resolve().parents[1] / "screenshots")


@pytest.fixture()
def served(desk_db, tmp_path):
    """The desk on a free loopback port, in a thread of this process."""
    app = create_app(desk_db, pages_dir=tmp_path / "pages", user="王审核")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the desk did not start"
        time.sleep(0.05)
    yield app, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture()
def browser():
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.fail("The browser tests need Debian's chromium and chromium-driver: run scripts/setup")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1500,1000",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)  # a driver path: nothing is downloaded
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


def _shot(driver, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def _wait(condition, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, "the page did not get there in time"
        time.sleep(0.1)


def _read(app, sql: str, params=()):
    with app.state.desk.reading() as con:  # the desk's own lock: never beside its connection
        return con.execute(sql, list(params)).fetchall()


def test_review_a_report_in_the_browser(served, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    app, base = served
    browser.get(base + "/")
    assert browser.find_element(By.ID, "n-reports").text == "5"
    assert len(browser.find_elements(By.CSS_SELECTOR, "#chart rect.bar")) == 5
    assert "The PDF is damaged" in browser.find_element(By.ID, "failed").text
    _shot(browser, "1-overview")

    browser.find_element(By.ID, "nav-reports").click()
    _wait(lambda: browser.current_url.endswith("/reports"))
    Select(browser.find_element(By.NAME, "year")).select_by_visible_text("2021")
    browser.find_element(By.CSS_SELECTOR, "form.filters button").click()
    _wait(lambda: "year=2021" in browser.current_url)  # the filtered page, not the one being left
    browser.find_element(By.LINK_TEXT, "政务服务及政务大厅运转经费").click()
    _wait(lambda: "/report/" in browser.current_url)
    _wait(lambda: browser.find_element(By.ID, "page-img").get_property("naturalWidth") > 0)
    _shot(browser, "2-report")

    # hovering the value outlines its cell on page 3, where the PDF's own cell is
    [(rid,)] = _read(app, "SELECT report_id FROM reports WHERE fiscal_year = 2021 AND project_name LIKE '政务服务%'")
    [(page, x0, y0, x1, y1)] = _read(app, "SELECT page, x0, y0, x1, y1 FROM fields WHERE report_id = ? AND key = 'funding.county.spent_yuan'", [rid])
    ActionChains(browser).move_to_element(browser.find_element(By.ID, "value-spent_yuan")).perform()
    highlight = browser.find_element(By.ID, "highlight")
    _wait(highlight.is_displayed)
    assert browser.find_element(By.ID, "page-no").text == str(page)
    _wait(lambda: browser.find_element(By.ID, "page-img").get_attribute("src").endswith(f"/{page}.png"))
    image = browser.find_element(By.ID, "page-img")
    _wait(lambda: image.get_property("complete") and image.get_property("naturalWidth") > 0)
    box, img = highlight.rect, image.rect
    scale = img["width"] / browser.execute_script("return JSON.parse(document.getElementById('viewer').dataset.sizes)")[page - 1][0]
    assert abs(box["x"] - img["x"] - x0 * scale) < 2 and abs(box["y"] - img["y"] - y0 * scale) < 2
    assert abs(box["width"] - (x1 - x0) * scale) < 2 and abs(box["height"] - (y1 - y0) * scale) < 2
    assert browser.find_element(By.ID, "found-by").text == "The cell the value was read from"  # the page's words, in English
    _shot(browser, "3-highlight")

    # correct the stated rate: the extracted value stays, v_spending shows the correction
    row = browser.find_element(By.ID, "value-execution_rate_pct")
    row.find_element(By.TAG_NAME, "summary").click()
    form = row.find_element(By.TAG_NAME, "form")
    form.find_element(By.NAME, "value").send_keys("74.36%")
    form.find_element(By.NAME, "reason").send_keys("原表支出率填错：94.44 ÷ 127 = 74.36%")
    _shot(browser, "4-correcting")
    form.find_element(By.TAG_NAME, "button").click()
    message = _wait(lambda: browser.find_elements(By.ID, "message"))[0]
    # the narrative's 74.36 % now agrees with the corrected rate: the correction closes that finding, and says so
    assert message.text.startswith(
        "Corrected execution_rate_pct: 80.00 → 74.36; closes finding facts_agree: The narrative says the "
        "execution rate is 74.36 % but the table gives 80.00 %"
    )
    assert "Corrected" in browser.find_element(By.ID, "value-execution_rate_pct").text
    closed = browser.find_element(By.CSS_SELECTOR, "#report-findings tr.verdict-explained")
    assert "facts_agree" in closed.text and "Resolved by correction 1" in closed.text
    _shot(browser, "5-corrected")
    assert _read(app, "SELECT execution_rate_pct FROM v_spending WHERE report_id = ?", [rid]) == [(Decimal("74.36"),)]
    assert _read(app, "SELECT execution_rate_pct FROM reports WHERE report_id = ?", [rid]) == [(Decimal("80.00"),)]
    assert _read(app, "SELECT corrected_by FROM corrections") == [("王审核",)]
    assert _read(app, "SELECT rule, verdict, review_note, reviewed_by FROM v_findings WHERE report_id = ? ORDER BY rule", [rid]) == [
        ("execution_rate_matches", "open", None, None),  # the 区县财政 row still says 80.00 %
        ("facts_agree", "explained", "Resolved by correction 1: execution rate (%) 80.00 → 74.36 (原表支出率填错：94.44 ÷ 127 = 74.36%).", "王审核"),
    ]

    # triage: the contradiction is confirmed, with a note
    browser.find_element(By.ID, "nav-findings").click()
    _wait(lambda: browser.current_url.endswith("/findings"))
    Select(browser.find_element(By.NAME, "rule")).select_by_value("execution_rate_matches")
    browser.find_element(By.CSS_SELECTOR, "form.filters button").click()
    _wait(lambda: "rule=execution_rate_matches" in browser.current_url)
    finding = browser.find_element(By.CSS_SELECTOR, "#findings tr.finding")
    Select(finding.find_element(By.NAME, "verdict")).select_by_value("confirmed")
    finding.find_element(By.NAME, "note").send_keys("已更正为74.36%")
    finding.find_element(By.TAG_NAME, "button").click()
    _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#findings tr.verdict-confirmed"))
    _shot(browser, "6-findings")
    assert _read(app, "SELECT verdict, review_note, reviewed_by FROM v_findings WHERE rule = 'execution_rate_matches'") == [
        ("confirmed", "已更正为74.36%", "王审核")
    ]
    logs = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE" and "favicon" not in entry["message"]]
    assert not logs, logs  # no script error, nothing the page's policy blocked


def test_a_word_report_shows_its_converted_page(served, browser, chinese):
    """Read in Chinese: desk.js says where it found the value in the words the page gives it."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    app, base = served
    [(rid,)] = _read(app, "SELECT report_id FROM reports WHERE project_name = '农村道路建设项目'")
    browser.get(f"{base}/report/{rid}")
    ActionChains(browser).move_to_element(browser.find_element(By.ID, "value-spent_yuan")).perform()
    _wait(browser.find_element(By.ID, "highlight").is_displayed)
    assert browser.find_element(By.ID, "found-by").text == "按文字在原件中找到"
    _shot(browser, "7-word-report")


def test_a_refused_correction_is_red_and_keeps_the_value(served, browser):
    """A value the column cannot hold: the reason in red above the table, the form left open with the value and
    the reason as typed, the field edged in red, and nothing written."""
    from selenium.webdriver.common.by import By

    app, base = served
    [(rid,)] = _read(app, "SELECT report_id FROM reports WHERE fiscal_year = 2021 AND project_name LIKE '政务服务%'")
    browser.get(f"{base}/report/{rid}")
    row = browser.find_element(By.ID, "value-spent_yuan")
    row.find_element(By.TAG_NAME, "summary").click()
    form = row.find_element(By.TAG_NAME, "form")
    form.find_element(By.NAME, "value").send_keys("九十四万")
    form.find_element(By.NAME, "reason").send_keys("原表第2页")
    form.find_element(By.TAG_NAME, "button").click()
    message = _wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#message.refused"))[0]
    assert message.text.startswith("「九十四万」 is not a value spent can hold")
    assert message.value_of_css_property("color") == "rgba(176, 0, 32, 1)"  # #b00020
    row = browser.find_element(By.ID, "value-spent_yuan")
    assert row.find_element(By.TAG_NAME, "details").get_attribute("open") is not None
    field = row.find_element(By.NAME, "value")
    assert field.get_property("value") == "九十四万" and row.find_element(By.NAME, "reason").get_property("value") == "原表第2页"
    assert field.value_of_css_property("border-top-color") == "rgba(176, 0, 32, 1)"
    _shot(browser, "8-refused")
    assert _read(app, "SELECT count(*) FROM corrections") == [(0,)]
