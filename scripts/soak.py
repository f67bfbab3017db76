#!/usr/bin/env python3
"""Soak: `gridrelay serve` on a copy of the shipped config under steady load for SECONDS, with
its resident memory (VmRSS), open file descriptors and threads sampled after a warm-up and at
the end. Fails (exit 1) when any grows past its bound:

  RSS      at most 25% + 32 MiB over the warm-up sample (SQLite's page cache and the allocator
           settle during the warm-up; a leak of even 100 bytes a message shows at this rate)
  fds      at most 16 more (keep-alive connections come and go; a leaked socket or file stays)
  threads  at most 4 more (the pools are fixed; a thread per connection or per retry would grow)

The load: `connections` keep-alive clients POSTing distinct generic messages (a fresh msg_id
each, appeals, so each opens a ticket and two outbound rows) at a steady `rate` per second in
all. Traffic stays on 127.0.0.1. Usage: soak.py --gridrelay BIN --config DIR [--seconds N]
"""
import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

RSS_GROWTH = 0.25
RSS_SLACK_KB = 32 * 1024
FD_SLACK = 16
THREAD_SLACK = 4

TEXTS = ["3栋楼道灯坏了好几天了,晚上太黑", "小区东门口的垃圾桶已经满了三天没人清运了",
         "楼上装修从早上七点就开始电钻,周末也不停", "地下车库入口被一辆白色轿车堵住了,我们都出不去了"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def sample(pid):
    status = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            status[key] = value.strip()
    return {"rss_kb": int(status["VmRSS"].split()[0]), "fds": len(os.listdir(f"/proc/{pid}/fd")),
            "threads": int(status["Threads"])}


class Load:
    def __init__(self, port, connections, rate):
        self.port, self.rate = port, rate
        self.stop = threading.Event()
        self.ok = 0
        self.failed = 0
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(i, connections)) for i in range(connections)]

    def run(self, index, connections):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        interval = connections / self.rate
        n = 0
        next_at = time.monotonic()
        while not self.stop.is_set():
            n += 1
            body = json.dumps({"msg_id": f"soak-{index}-{n}", "group_id": f"grid-demo-{n % 4 + 1}",
                               "sender_id": f"u{n % 997}", "text": TEXTS[n % len(TEXTS)]}, ensure_ascii=False)
            try:
                conn.request("POST", "/webhook/generic/demo", body.encode(),
                             {"Content-Type": "application/json", "Authorization": "Bearer gridrelay-demo-secret"})
                resp = conn.getresponse()
                resp.read()
                good = resp.status == 200
            except (OSError, http.client.HTTPException):
                good = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            with self.lock:
                if good:
                    self.ok += 1
                else:
                    self.failed += 1
            next_at += interval
            delay = next_at - time.monotonic()
            if delay > 0:
                self.stop.wait(delay)

    def start(self):
        for t in self.threads:
            t.start()

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gridrelay", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--seconds", type=int, default=180)
    ap.add_argument("--warmup", type=int, default=30)
    ap.add_argument("--rate", type=float, default=200.0)
    ap.add_argument("--connections", type=int, default=16)
    args = ap.parse_args()

    root = tempfile.mkdtemp(prefix="gridrelay-soak-")
    config = os.path.join(root, "config")
    shutil.copytree(args.config, config)
    port = free_port()
    env = dict(os.environ, GRIDRELAY_LOG_LEVEL="error")
    proc = subprocess.Popen([args.gridrelay, "serve", "--config", config, "--listen", f"127.0.0.1:{port}",
                             "--data", os.path.join(root, "data")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    print("soak: the gateway did not start", file=sys.stderr)
                    return 1
                time.sleep(0.1)
        load = Load(port, args.connections, args.rate)
        load.start()
        samples = []
        t0 = time.monotonic()
        end = t0 + args.seconds
        warm = None
        print(f"soak: {args.seconds} s at {args.rate:.0f} messages/s over {args.connections} connections "
              f"(warm-up {args.warmup} s)")
        print(f"{'t':>5} {'ok':>8} {'failed':>6} {'rss MiB':>8} {'fds':>5} {'threads':>7}")
        while time.monotonic() < end and proc.poll() is None:
            time.sleep(min(10, max(0.1, end - time.monotonic())))
            s = sample(proc.pid)
            s["t"] = round(time.monotonic() - t0)
            samples.append(s)
            if warm is None and s["t"] >= args.warmup:
                warm = s
            print(f"{s['t']:>5} {load.ok:>8} {load.failed:>6} {s['rss_kb'] / 1024:>8.1f} {s['fds']:>5} {s['threads']:>7}")
        load.finish()
        if proc.poll() is not None:
            print(f"soak: FAILED: the gateway exited ({proc.returncode})", file=sys.stderr)
            return 1
        final = sample(proc.pid)
        warm = warm or samples[0]
        failures = []
        rss_bound = warm["rss_kb"] * (1 + RSS_GROWTH) + RSS_SLACK_KB
        if final["rss_kb"] > rss_bound:
            failures.append(f"RSS {final['rss_kb'] / 1024:.1f} MiB > bound {rss_bound / 1024:.1f} MiB")
        if final["fds"] > warm["fds"] + FD_SLACK:
            failures.append(f"fds {final['fds']} > {warm['fds']} + {FD_SLACK}")
        if final["threads"] > warm["threads"] + THREAD_SLACK:
            failures.append(f"threads {final['threads']} > {warm['threads']} + {THREAD_SLACK}")
        if load.ok == 0:
            failures.append("no message was acknowledged")
        print(f"soak: {load.ok} messages acknowledged, {load.failed} failed, in {args.seconds} s")
        print(f"soak: after warm-up (t={warm['t']} s): RSS {warm['rss_kb'] / 1024:.1f} MiB, {warm['fds']} fds, "
              f"{warm['threads']} threads")
        print(f"soak: at the end: RSS {final['rss_kb'] / 1024:.1f} MiB (bound {rss_bound / 1024:.1f}), "
              f"{final['fds']} fds (bound {warm['fds'] + FD_SLACK}), {final['threads']} threads "
              f"(bound {warm['threads'] + THREAD_SLACK})")
        if load.failed:
            failures.append(f"{load.failed} requests failed")
        if failures:
            print("soak: FAILED: " + "; ".join(failures), file=sys.stderr)
            return 1
        print("soak: ok")
        return 0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
