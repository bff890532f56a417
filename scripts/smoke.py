#!/usr/bin/env python3
"""One office day in two minutes, against any `dialbox` binary — native, ARM64 under qemu-user,
Windows under wine — driven from outside over HTTP by the (native) phone simulator:

  start the server on a fresh data folder on 127.0.0.1, log in, bind a simulated phone from the
  page's QR code, click 'call' (§5.0), let the phone ring, connect, end the call and upload its
  recording, check the record and download the recording; stop the server, start it again on
  the same folder and check the record and the recording are still there.

Usage: scripts/smoke.py --phone PATH/dialbox-phone [--name NAME] -- COMMAND... (the command that
runs dialbox, e.g. `qemu-aarch64-static dist/…/dialbox` or `wine dist/…/dialbox.exe`; the
script appends --data-dir and the serve flags). Exit 0 and one line per step on success.
"""
import argparse
import base64
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

PASSWORD = "smoke-Pass-1"
CUSTOMER = "13800138000"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, command, data_dir, port, log):
        self.base = f"http://127.0.0.1:{port}"
        # a Windows path for wine: the data folder is passed as the Linux path, which wine maps
        # to its Z: drive
        args = command + ["--data-dir", data_dir, "serve", "--listen", f"127.0.0.1:{port}",
                          "--public-url", self.base]
        env = dict(os.environ, DIALBOX_INITIAL_ADMIN_PASSWORD=PASSWORD,
                   DIALBOX_QUIET_HOURS="none", DIALBOX_DIAL_MIN_GAP="0", WINEDEBUG="-all")
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True)

    def wait_ready(self, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited with {self.proc.returncode} before answering")
            try:
                self.call("GET", "/api/v1/mobile/ping")  # any answer: it listens
                return
            except (OSError, urllib.error.URLError):
                time.sleep(0.3)
        raise SystemExit(f"the server did not answer within {seconds} s")

    def call(self, method, path, token=None, body=None, raw=False):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                payload = resp.read()
        except urllib.error.HTTPError as e:
            payload = e.read()
            if raw:
                raise SystemExit(f"{method} {path}: {e.code}")
            return e.code, json.loads(payload or b"{}")
        return (200, payload) if raw else (200, json.loads(payload))

    def stop(self, seconds):
        """Asks the server to stop (SIGINT: Ctrl-C, which wine hands a console program as
        CTRL_C_EVENT) and waits for it; killed if it does not stop in time."""
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(seconds)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            raise SystemExit(f"the server did not stop within {seconds} s of Ctrl-C")


def step(name, started):
    print(f"  ok  {name} ({time.monotonic() - started:.1f} s)", flush=True)


def login(server):
    status, body = server.call("POST", "/api/v1/auth/login",
                               body={"username": "admin", "password": PASSWORD})
    assert status == 200, f"login: {status} {body}"
    return body["data"]["token"]


def the_call(server, token):
    status, body = server.call("GET", "/api/v1/calls/records?pageSize=5", token)
    assert status == 200, f"records: {status} {body}"
    records = body["data"]["records"]
    assert len(records) == 1, f"expected one call record, got {records}"
    return records[0]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--phone", required=True, help="the native dialbox-phone")
    ap.add_argument("--name", default="dialbox")
    ap.add_argument("--start-secs", type=float, default=120)
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    command = a.command[1:] if a.command[:1] == ["--"] else a.command
    if not command:
        ap.error("give the command that runs dialbox after --")
    work = tempfile.mkdtemp(prefix=f"smoke-{a.name}-")
    data = os.path.join(work, "data")
    port = free_port()
    log = open(os.path.join(work, "server.log"), "ab")
    t0 = time.monotonic()
    print(f"smoke {a.name}: {' '.join(command)} (logs in {work})", flush=True)
    try:
        server = Server(command, data, port, log)
        server.wait_ready(a.start_secs)
        step("started on a fresh data folder", t0)
        token = login(server)
        step("admin logged in", t0)

        status, body = server.call("POST", "/api/v1/call-config/work-phones/qrcode", token, {})
        assert status == 200, f"qrcode: {status} {body}"
        png = body["data"]["qrCodeUrl"].split(",", 1)[1]
        qr = os.path.join(work, "qr.png")
        with open(qr, "wb") as f:
            f.write(base64.b64decode(png))
        state = os.path.join(work, "phone.json")
        subprocess.run([a.phone, "bind", "--server", server.base, "--username", "admin",
                        "--password", PASSWORD, "--qr", qr, "--state", state],
                       check=True, stdout=subprocess.DEVNULL, timeout=60)
        step("phone bound from the page's QR code", t0)

        phone = subprocess.Popen([a.phone, "run", "--state", state, "--calls", "1",
                                  "--answer", "connected:100", "--ring-secs", "0.5",
                                  "--talk-secs", "1", "--socket-on-server"],
                                 stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            status, body = server.call("POST", "/api/v1/calls/outbound", token,
                                       {"customerPhone": CUSTOMER, "customerName": "冒烟测试"})
            if status == 200:
                break
            # the phone's socket may not be up yet
            assert body.get("code") == "DEVICE_OFFLINE" and time.monotonic() < deadline, \
                f"dial: {status} {body}"
            time.sleep(0.3)
        step("dialed from the page", t0)
        assert phone.wait(120) == 0, "the simulated phone failed"
        deadline = time.monotonic() + 60
        while True:
            call = the_call(server, token)
            if call.get("callStatus") == "connected" and call.get("recordingUrl"):
                break
            assert time.monotonic() < deadline, f"the call never ended with a recording: {call}"
            time.sleep(0.3)
        step("call rang, connected, ended; recording uploaded", t0)
        _, audio = server.call("GET", call["recordingUrl"], token, raw=True)
        assert len(audio) > 0, "empty recording"
        step(f"recording downloaded ({len(audio)} bytes)", t0)

        code = server.stop(30)
        assert code == 0, f"the server exited with {code} on Ctrl-C"
        step("stopped cleanly on Ctrl-C", t0)
        server = Server(command, data, port, log)
        server.wait_ready(a.start_secs)
        token = login(server)
        again = the_call(server, token)
        assert again["id"] == call["id"] and again["callStatus"] == "connected", again
        _, audio_again = server.call("GET", again["recordingUrl"], token, raw=True)
        assert audio_again == audio, "the recording changed over the restart"
        step("restarted: the call and its recording are there", t0)
        server.stop(30)
    except (AssertionError, subprocess.SubprocessError) as e:
        log.flush()
        tail = open(os.path.join(work, "server.log"), "rb").read()[-3000:]
        print(tail.decode(errors="replace"), file=sys.stderr)
        raise SystemExit(f"smoke {a.name}: FAILED: {e}")
    finally:
        for p in (locals().get("server"), ):
            if p and p.proc.poll() is None:
                os.killpg(p.proc.pid, signal.SIGKILL)
    print(f"smoke {a.name}: passed in {time.monotonic() - t0:.1f} s", flush=True)


if __name__ == "__main__":
    main()
