#!/usr/bin/env python3
"""Webhook ingest benchmark: gridrelay against a do-nothing cpp-httplib baseline, same run.

Time-boxed wrk rounds alternate baseline / gateway on loopback. For the gateway it also reads
/metrics to report how fast messages are routed (ticket created) while the load runs, and the
inbox backlog it leaves, because an acknowledgement rate that leaves a growing backlog is no rate.
Every request carries a fresh msg_id, so no message is a duplicate.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def wait_port(port, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return True
        except urllib.error.HTTPError:
            return True  # the baseline answers 404 on GET: it is up
        except Exception:
            time.sleep(0.1)
    return False


def metrics(port):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    out = {"received": 0.0, "backlog": 0.0, "routed": 0.0, "tickets": 0.0}
    for line in text.splitlines():
        if line.startswith("gridrelay_messages_received_total"):
            out["received"] += float(line.split()[-1])
        elif line.startswith('gridrelay_messages{state="received"}'):
            out["backlog"] = float(line.split()[-1])
        elif line.startswith("gridrelay_messages{"):
            out["routed"] += float(line.split()[-1])
        elif line.startswith("gridrelay_tickets_created_total"):
            out["tickets"] += float(line.split()[-1])
    return out


def to_ms(value):
    m = re.match(r"([\d.]+)(us|ms|s)", value)
    if not m:
        return float("nan")
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v


def run_wrk(port, args, run_id):
    env = dict(os.environ, RUN_ID=run_id)
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency",
           "-s", os.path.join(HERE, "post_messages.lua"), f"http://127.0.0.1:{port}/webhook/generic/demo"]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    lat = {p: to_ms(re.search(rf"\s{p}%\s+(\S+)", out).group(1)) for p in ("50", "99")}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "requests": total, "p50_ms": lat["50"], "p99_ms": lat["99"],
            "non_2xx": int(errors.group(1)) if errors else 0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gridrelay", required=True)
    ap.add_argument("--baseline", required=True)
    ap.add_argument("--config", default="config")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--callbacks", help="gridrelay_bench_callbacks: also compare WeCom callback ingest with generic")
    ap.add_argument("--callback-requests", type=int, default=10000)
    args = ap.parse_args()

    data = tempfile.mkdtemp(prefix="gridrelay-bench-")
    gw_port, base_port = 18931, 18932
    log = open(os.path.join(data, "gateway.log"), "w")
    env = dict(os.environ, GRIDRELAY_LOG_LEVEL="error")
    gw = subprocess.Popen([args.gridrelay, "serve", "--config", args.config, "--listen", f"127.0.0.1:{gw_port}",
                           "--data", data], stdout=log, stderr=log, env=env)
    base = subprocess.Popen([args.baseline, str(base_port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not wait_port(gw_port) or not wait_port(base_port):
            sys.exit("servers did not start; see " + log.name)
        rounds = []
        for r in range(args.rounds):
            b = run_wrk(base_port, args, f"base{r}")
            before = metrics(gw_port)
            t0 = time.time()
            g = run_wrk(gw_port, args, f"gw{r}-{int(t0)}")
            elapsed = time.time() - t0
            after = metrics(gw_port)
            g["routed_per_s"] = (after["routed"] - before["routed"]) / elapsed
            g["tickets_per_s"] = (after["tickets"] - before["tickets"]) / elapsed
            g["backlog_after"] = after["backlog"]
            rounds.append({"baseline": b, "gateway": g})
            print(f"round {r + 1}: baseline {b['rps']:.0f} req/s (p99 {b['p99_ms']:.2f} ms) | gridrelay "
                  f"{g['rps']:.0f} req/s (p50 {g['p50_ms']:.2f} ms, p99 {g['p99_ms']:.2f} ms), routed "
                  f"{g['routed_per_s']:.0f}/s, tickets {g['tickets_per_s']:.0f}/s, backlog {g['backlog_after']:.0f}",
                  flush=True)
        platform = None
        if args.callbacks:
            # WeCom callbacks (verify, decrypt, parse, commit) against generic JSON, alternating.
            runs = {"demo": [], "wecom-demo": []}
            for r in range(args.rounds):
                for channel, group in (("demo", "grid-demo-1"), ("wecom-demo", "wecom-demo-group-1")):
                    out = subprocess.run([args.callbacks, "--config", args.config, "--url", f"http://127.0.0.1:{gw_port}",
                                          "--channel", channel, "--group", group, "--requests",
                                          str(args.callback_requests), "--connections", str(args.connections // 2),
                                          "--tag", f"{channel}-{r}-{time.time()}"],
                                         capture_output=True, text=True)
                    res = json.loads(out.stdout.strip().splitlines()[-1])
                    runs[channel].append(res["rps"])
                    print(f"callbacks round {r + 1}: {channel} {res['rps']:.0f} req/s ({res['failed']} failed)", flush=True)
            g, w = sorted(runs["demo"])[len(runs["demo"]) // 2], sorted(runs["wecom-demo"])[len(runs["wecom-demo"]) // 2]
            platform = {"generic_rps": g, "wecom_rps": w, "wecom_over_generic": w / g}
        # Drain: how long the backlog takes to clear once the load stops.
        t0 = time.time()
        while metrics(gw_port)["backlog"] > 0 and time.time() - t0 < 300:
            time.sleep(0.2)
        drain_s = time.time() - t0
        final = metrics(gw_port)
    finally:
        gw.send_signal(signal.SIGTERM)
        base.send_signal(signal.SIGTERM)
        gw.wait(timeout=60)
        base.wait(timeout=10)
    med = lambda xs: sorted(xs)[len(xs) // 2]
    summary = {
        "baseline_rps": med([r["baseline"]["rps"] for r in rounds]),
        "gateway_rps": med([r["gateway"]["rps"] for r in rounds]),
        "gateway_p50_ms": med([r["gateway"]["p50_ms"] for r in rounds]),
        "gateway_p99_ms": med([r["gateway"]["p99_ms"] for r in rounds]),
        "routed_per_s": med([r["gateway"]["routed_per_s"] for r in rounds]),
        "tickets_per_s": med([r["gateway"]["tickets_per_s"] for r in rounds]),
        "max_backlog_after_round": max(r["gateway"]["backlog_after"] for r in rounds),
        "drain_seconds": drain_s,
        "messages_committed": final["received"],
        "non_2xx": sum(r["gateway"]["non_2xx"] for r in rounds),
        "gateway_exit_code": gw.returncode,
    }
    summary["ratio"] = summary["gateway_rps"] / summary["baseline_rps"]
    if platform:
        summary["callbacks"] = platform
    print(json.dumps(summary, indent=2))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"rounds": rounds, "summary": summary, "args": vars(args)}, f, indent=2)
    shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
