#!/usr/bin/env python3
"""Page timings of the admin page in headless Chromium (issue 14's figures), against a running
DialBox — typically a release build on a data folder filled by `dialbox gen-calls`:

    dialbox --data-dir /tmp/pt gen-calls --count 100000 --seed 1
    dialbox --data-dir /tmp/pt user add --username ptadmin --password pt-admin-pw --role admin
    dialbox --data-dir /tmp/pt serve --listen 127.0.0.1:3900 &
    scripts/page-timings.py http://127.0.0.1:3900 ptadmin pt-admin-pw

It measures, as a user waits for them: the first load after login (概览 with its figures), a
page switch (概览 → 通话记录 with its rows), the jump to the last page of 通话记录, and a
customer's page. Each is the median of several rounds; it prints one line per measure. A
measurement tool, not a test: nothing here passes or fails on time. Needs `chromium` and
`chromedriver` (as the browser tests do); talks W3C WebDriver over plain HTTP.
"""
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROUNDS = int(os.environ.get("ROUNDS", "5"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Driver:
    def __init__(self):
        self.port = free_port()
        self.proc = subprocess.Popen(["chromedriver", f"--port={self.port}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.profile = tempfile.mkdtemp()
        for _ in range(100):
            try:
                self.call("GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        caps = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": {
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1366,768",
                     f"--user-data-dir={self.profile}"]}}}}
        self.session = self.call("POST", "/session", caps)["value"]["sessionId"]

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read())

    def s(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def js(self, script, *args):
        return self.s("POST", "/execute/sync", {"script": script, "args": list(args)})["value"]

    def goto(self, url):
        self.s("POST", "/url", {"url": url})

    def wait(self, script, *args, limit=30.0):
        """Polls `script` until true; the milliseconds it took, measured in the page."""
        started = time.perf_counter()
        while time.perf_counter() - started < limit:
            if self.js(script, *args):
                return (time.perf_counter() - started) * 1000
            time.sleep(0.005)
        raise SystemExit(f"timed out waiting for: {script}")

    def quit(self):
        try:
            self.s("DELETE", "")
        finally:
            self.proc.kill()


def api(base, path, token=None, body=None):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode() if body else None,
                                 headers={"Content-Type": "application/json",
                                          **({"Authorization": f"Bearer {token}"} if token else {})})
    with urllib.request.urlopen(req) as resp:
        return json.loads(resp.read())["data"]


def main():
    base, user, password = sys.argv[1:4]
    login = api(base, "/api/v1/auth/login", body={"username": user, "password": password})
    token = login["token"]
    total = api(base, "/api/v1/calls/records?pageSize=1", token)["total"]
    # a customer with a call, for the customer page
    customers = api(base, "/api/v1/customers?pageSize=1", token)["records"]
    customer = customers[0]["id"] if customers else api(
        base, "/api/v1/customers", token, {"name": "计时客户", "phone": "13900009999"})["id"]
    d = Driver()
    timings = {k: [] for k in ["first load", "page switch", "jump to last page", "customer page"]}
    try:
        d.goto(base + "/")
        d.js("localStorage.setItem('dialbox.token', arguments[0]);"
             "localStorage.setItem('dialbox.user', JSON.stringify(arguments[1]));", token, login["user"])
        stats_shown = ("const el = document.getElementById('today-stats');"
                       "return !!el && el.children.length > 0;")
        rows_shown = "return document.querySelectorAll('#call-list tr.call-row').length > 0;"
        for _ in range(ROUNDS):
            d.goto(base + "/#/overview")
            d.js("location.reload(); return true;")
            timings["first load"].append(d.wait(stats_shown))
            d.js("document.querySelector('#nav a[data-page=calls]').click(); return true;")
            timings["page switch"].append(d.wait(rows_shown))
            pages = d.js("const t = document.querySelector('#call-list .pager').textContent;"
                         "return Number(t.match(/\\/ (\\d+) 页/)[1]);")
            d.js("const i = document.querySelector('#call-list input.pager-jump'); i.value = arguments[0];"
                 "document.querySelector('#call-list button.pager-go').click(); return true;", str(pages))
            timings["jump to last page"].append(d.wait(
                "return document.querySelector('#call-list .pager').textContent.includes(`第 ${arguments[0]} / `);",
                pages))
            d.js("location.hash = arguments[0]; return true;", f"#/customer?id={customer}")
            timings["customer page"].append(d.wait(
                "const el = document.getElementById('customer-timeline');"
                "return !!el && !!el.querySelector('h3');"))
            d.js("location.hash = '#/overview'; return true;")
            d.wait(stats_shown)
    finally:
        d.quit()
    print(f"page timings at {total} calls, median of {ROUNDS} (ms):")
    for name, values in timings.items():
        print(f"  {name:18} {statistics.median(values):7.1f}   (min {min(values):.1f}, max {max(values):.1f})")


if __name__ == "__main__":
    main()
