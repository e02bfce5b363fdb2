#!/usr/bin/env python3
"""Opens an HTML page in headless Chromium over the DevTools protocol (standard library only) and
prints what a person would see, as JSON on standard output:

    {"console": [...], "requests": [...], "charts": [{"title", "series": [{"name", "points"}]}],
     "cells": {...}, "width": px, "scrollWidth": px, "screenshot": path}

console: every console message, uncaught exception and browser log entry (a CSP violation, a
failed load); requests: every URL the page asked for other than the page itself. Used by the
`pipe report` tests (Tests/EndToEndTests/ReportBrowserTests.swift).

    scripts/report-browser-check.py PAGE.html --width 1280 --screenshot OUT.png
"""
import argparse
import base64
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

# Collected in the page: charts with their series' point counts, and every cell that carries a
# number the tests compare with `pipe show --json`.
EXTRACT = r"""
(() => {
  const charts = [...document.querySelectorAll('svg[data-chart]')].map(svg => ({
    title: svg.getAttribute('data-chart'),
    series: [...svg.querySelectorAll('polyline[data-series]')].map(p => ({
      name: p.getAttribute('data-series'),
      declared: Number(p.getAttribute('data-points')),
      points: p.points.numberOfItems,
    })),
    bars: [...svg.querySelectorAll('rect.bar')].map(r => Number(r.getAttribute('data-count'))),
  }));
  const splits = [...document.querySelectorAll('article[data-stage] tr[data-split]')].map(tr => ({
    stage: tr.closest('article').getAttribute('data-stage'),
    split: tr.getAttribute('data-split'),
    fields: Object.fromEntries([...tr.querySelectorAll('td[data-field]')].map(
      td => [td.getAttribute('data-field'), td.textContent])),
  }));
  const metrics = [...document.querySelectorAll('article[data-stage] tr[data-metric] td[data-variant]')].map(td => ({
    stage: td.closest('article').getAttribute('data-stage'),
    metric: td.closest('tr').getAttribute('data-metric'),
    variant: td.getAttribute('data-variant'),
    value: td.getAttribute('data-value'),
  }));
  const stages = [...document.querySelectorAll('svg.dag g.stage')].map(g => g.getAttribute('data-stage'));
  const answers = [...document.querySelectorAll('td.answer')].map(td => td.textContent);
  return {charts, splits, metrics, stages, answers,
          scripts: document.scripts.length,
          width: window.innerWidth, scrollWidth: document.documentElement.scrollWidth,
          text: document.body.innerText};
})()
"""


class DevTools:
    """The DevTools protocol over --remote-debugging-pipe: NUL-terminated JSON on fds 3 and 4."""

    def __init__(self, chromium, profile):
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()
        args = [chromium, "--headless", "--remote-debugging-pipe", "--no-first-run", "--disable-gpu",
                "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}", "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")

        def wire_fds():
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        self.process = subprocess.Popen(args, pass_fds=(3, 4), preexec_fn=wire_fds,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        return self.wait_for(lambda m: m.get("id") == self.next_id, f"reply to {method}")

    def read(self):
        while b"\0" not in self.buffer:
            chunk = os.read(self.from_browser, 1 << 20)
            if not chunk:
                raise SystemExit("chromium closed the DevTools pipe")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def wait_for(self, predicate, what):
        for message in self.events:
            if predicate(message):
                self.events.remove(message)
                return message
        while True:
            message = self.read()
            if predicate(message):
                if "error" in message:
                    raise SystemExit(f"{what}: {message['error']}")
                return message
            self.events.append(message)

    def close(self):
        try:
            os.write(self.to_browser, json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
            self.process.wait(timeout=30)
        except Exception:
            self.process.kill()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("page")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--mobile", action="store_true")
    parser.add_argument("--screenshot")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        raise SystemExit("chromium is not installed (Debian: apt-get install chromium; scripts/bootstrap does it)")
    page_url = pathlib.Path(args.page).resolve().as_uri()
    with tempfile.TemporaryDirectory() as profile:
        tools = DevTools(chromium, profile)
        try:
            target = tools.send("Target.createTarget", {"url": "about:blank"})["result"]["targetId"]
            session = tools.send("Target.attachToTarget", {"targetId": target, "flatten": True})["result"]["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                tools.send(f"{domain}.enable", session=session)
            tools.send("Emulation.setDeviceMetricsOverride", {
                "width": args.width, "height": args.height, "deviceScaleFactor": 1, "mobile": args.mobile},
                session=session)
            tools.send("Page.navigate", {"url": page_url}, session=session)
            while True:
                tools.wait_for(lambda m: m.get("method") == "Page.loadEventFired", "page load")
                href = tools.send("Runtime.evaluate", {"expression": "location.href", "returnByValue": True},
                                  session=session)["result"]["result"]["value"]
                if href == page_url:
                    break
            # Late console messages and requests (none are expected) get a moment to arrive.
            tools.send("Runtime.evaluate", {"expression": "new Promise(r => setTimeout(r, 300))",
                                            "awaitPromise": True}, session=session)
            result = tools.send("Runtime.evaluate", {"expression": EXTRACT, "returnByValue": True},
                                session=session)["result"]["result"]["value"]
            if args.screenshot:
                shot = tools.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True},
                                  session=session)["result"]["data"]
                pathlib.Path(args.screenshot).parent.mkdir(parents=True, exist_ok=True)
                pathlib.Path(args.screenshot).write_bytes(base64.b64decode(shot))
                result["screenshot"] = str(pathlib.Path(args.screenshot).resolve())
        finally:
            tools.close()
    console, requests = [], []
    for event in tools.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled":
            console.append({"level": params.get("type"),
                            "text": " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])})
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            text = details.get("exception", {}).get("description") or details.get("text", "exception")
            console.append({"level": "error", "text": text})
        elif method == "Log.entryAdded":
            console.append({"level": params["entry"]["level"], "text": params["entry"]["text"]})
        elif method == "Network.requestWillBeSent":
            url = params["request"]["url"]
            if url != page_url:
                requests.append(url)
    result["console"] = console
    result["requests"] = requests
    json.dump(result, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
