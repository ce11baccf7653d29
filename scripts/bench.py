#!/usr/bin/env python3
"""The benchmark suite behind BENCHMARKS.md (run it through scripts/bench).

Every comparison is side by side in one run: rounds interleave the contenders,
and each figure is the median of the rounds. Generated data goes to a temporary
directory. Results print as Markdown and are saved to target/bench/results.md.
"""
import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TICKS = os.sysconf("SC_CLK_TCK")


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def build():
    run(["cargo", "build", "--release", "--locked"], cwd=ROOT)
    out = run(["cargo", "bench", "--locked", "--no-run", "--bench", "tools", "--message-format=json"], cwd=ROOT).stdout
    tools = None
    for line in out.splitlines():
        msg = json.loads(line)
        if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == "tools" and msg.get("executable"):
            tools = msg["executable"]
    assert tools, "the tools bench was not built"
    return os.path.join(ROOT, "target/release/applinkd"), tools


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, deadline=120):
    """Polls until `url` answers anything HTTP (redirects are not followed)."""
    start = time.time()
    opener = urllib.request.build_opener(NoRedirect)
    while time.time() - start < deadline:
        try:
            opener.open(url, timeout=1).read()
            return
        except urllib.error.HTTPError:
            return
        except Exception:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer")


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except FileNotFoundError:
            pass
    return total / TICKS


def tree(pid):
    """pid and its children (nginx's workers)."""
    pids = [pid]
    try:
        for child in open(f"/proc/{pid}/task/{pid}/children").read().split():
            pids.append(int(child))
    except FileNotFoundError:
        pass
    return pids


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def proc_kib(pid, field):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def median(xs):
    return statistics.median(xs)


# ---------------------------------------------------------------- data

def generate(out, links, files):
    run([sys.executable, os.path.join(ROOT, "scripts/gen-links.py"), out, str(links), str(files)])


def pairs_from(directory, count):
    """Known pairs from the files, plus template-only pairs no file names."""
    explicit, templated = [], []
    pat = re.compile(r'\{ app = "([^"]+)", id = "([^"]+)"(, url = "([^"]+)")? \}')
    for name in sorted(os.listdir(directory)):
        if not name.startswith("links-"):
            continue
        for m in pat.finditer(open(os.path.join(directory, name)).read()):
            (explicit if m.group(4) else templated).append((m.group(1), m.group(2), m.group(4)))
    paths = [f"/{a}/{i}" for a, i, _ in explicit[: count // 2]]
    paths += [f"/{a}/{i}" for a, i, _ in templated[: count // 2 - count // 10]]
    paths += [f"/mailchimp.com/t{n}" for n in range(count // 20)] + [f"/zendesk.com/t{n}" for n in range(count // 20)]
    return paths, explicit


def nginx_conf(workdir, port, explicit, workers):
    os.makedirs(os.path.join(workdir, "logs"), exist_ok=True)
    with open(os.path.join(workdir, "map.conf"), "w") as f:
        for app, id_, url in explicit:
            f.write(f'"/{app}/{id_}" "{url}";\n')
    conf = f"""
worker_processes {workers};
error_log {workdir}/logs/error.log crit;
pid {workdir}/nginx.pid;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    map_hash_max_size {max(4096, 2 * len(explicit))};
    map_hash_bucket_size 128;
    map $uri $applink {{ default ""; include {workdir}/map.conf; }}
    server {{
        listen 127.0.0.1:{port} reuseport;
        add_header Cache-Control no-store always;
        location ~ ^/mailchimp\\.com/(.+)$ {{ return 302 "https://us1.admin.mailchimp.com/lists/members/view?id=$1"; }}
        location ~ ^/zendesk\\.com/(.+)$ {{ return 302 "https://acme.zendesk.com/agent/users/$1"; }}
        location / {{
            if ($applink) {{ return 302 $applink; }}
            return 404;
        }}
    }}
}}
"""
    path = os.path.join(workdir, "nginx.conf")
    with open(path, "w") as f:
        f.write(conf)
    return path


WRK_LUA = """
local paths = {}
for line in io.lines(os.getenv("PAIRS")) do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def wrk(url, seconds, lua, pairs_file):
    env = dict(os.environ, PAIRS=pairs_file)
    out = run(["wrk", "-t1", "-c64", f"-d{seconds}s", "--latency", "-s", lua, url], env=env).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    non = re.search(r"Non-2xx or 3xx responses: (\d+)", out)

    def lat(p):
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        v, unit = float(m.group(1)), m.group(2)
        return v * {"us": 1, "ms": 1000, "s": 1e6}[unit]

    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, "requests": requests, "p50": lat(50), "p99": lat(99), "non3xx": int(non.group(1)) if non else 0, "socket_errors": errors.group(1) if errors else ""}


# ---------------------------------------------------------------- benchmarks

def redirects(applinkd, tools, work, quick, rounds):
    data = os.path.join(work, "redirect-data")
    links = 5_000 if quick else 250_000  # about 100,000 records of 1-4 links
    generate(data, links, 2 if quick else 10)
    paths, explicit = pairs_from(data, 1_000 if quick else 10_000)
    pairs_file = os.path.join(work, "pairs.txt")
    open(pairs_file, "w").write("\n".join(paths) + "\n")
    lua = os.path.join(work, "pairs.lua")
    open(lua, "w").write(WRK_LUA)
    workers = os.cpu_count()
    seconds = 1 if quick else 10

    procs = {}
    port = free_port()
    procs["applinkd"] = (subprocess.Popen([applinkd, "serve", "-c", data, "--listen", f"127.0.0.1:{port}"], stderr=subprocess.DEVNULL), port)
    port = free_port()
    procs["limit"] = (subprocess.Popen([tools, "limit", f"127.0.0.1:{port}"], stderr=subprocess.DEVNULL), port)
    port = free_port()
    ngx_dir = os.path.join(work, "nginx")
    os.makedirs(ngx_dir, exist_ok=True)
    conf = nginx_conf(ngx_dir, port, explicit, workers)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    procs["nginx"] = (subprocess.Popen([nginx, "-p", ngx_dir, "-c", conf, "-g", "daemon off;"], stderr=subprocess.DEVNULL), port)
    try:
        for name, (proc, port) in procs.items():
            wait_http(f"http://127.0.0.1:{port}/mailchimp.com/1" if name != "limit" else f"http://127.0.0.1:{port}/")
        # Same answers from applinkd and nginx for every pair the load uses.
        for path in paths[:: max(1, len(paths) // 200)]:
            answers = set()
            for name in ("applinkd", "nginx"):
                req = urllib.request.Request(f"http://127.0.0.1:{procs[name][1]}{path}", method="GET")
                opener = urllib.request.build_opener(NoRedirect)
                try:
                    opener.open(req, timeout=5)
                    answers.add((200, None))
                except urllib.error.HTTPError as e:
                    answers.add((e.code, e.headers.get("Location")))
            assert len(answers) == 1, f"{path}: applinkd and nginx differ: {answers}"
        # Also a load of pairs with explicit URLs only: no template expansion.
        explicit_file = os.path.join(work, "pairs-explicit.txt")
        open(explicit_file, "w").write("\n".join(f"/{a}/{i}" for a, i, _ in explicit[: len(paths)]) + "\n")
        results = {name: [] for name in procs}
        explicit_results = {name: [] for name in procs}
        for _ in range(rounds):
            for load_file, into in ((pairs_file, results), (explicit_file, explicit_results)):
                for name, (proc, port) in procs.items():
                    pids = tree(proc.pid)
                    before = cpu_seconds(pids)
                    r = wrk(f"http://127.0.0.1:{port}", seconds, lua, load_file)
                    r["cpu_us"] = (cpu_seconds(pids) - before) / max(1, r["requests"]) * 1e6
                    into[name].append(r)
    finally:
        for proc, _ in procs.values():
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
    summary = {}
    for name, rs in results.items():
        summary[name] = {k: median([r[k] for r in rs]) for k in ("rps", "p50", "p99", "cpu_us")}
        summary[name]["non3xx"] = sum(r["non3xx"] for r in rs)
        summary[name]["socket_errors"] = "; ".join(r["socket_errors"] for r in rs if r["socket_errors"])
    explicit_summary = {
        name: {k: median([r[k] for r in rs]) for k in ("rps", "p50", "p99", "cpu_us")} for name, rs in explicit_results.items()
    }
    return {
        "links": links,
        "pairs": len(paths),
        "seconds": seconds,
        "rounds": rounds,
        "workers": workers,
        "servers": summary,
        "explicit_only": explicit_summary,
    }


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def timed(cmd):
    """Wall seconds, peak RSS (KiB) and stdout of one child process (its own rusage, by wait4)."""
    out = tempfile.TemporaryFile()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    out.seek(0)
    return wall, usage.ru_maxrss, proc.returncode, out.read().decode()


def timed_rss(cmd):
    """`timed`, with the peak RSS measured by GNU time: a child forked from this Python
    process counts this process's RSS until its exec (ru_maxrss keeps the larger), which
    for a small command is most of what `timed` reports; time(1) forks from a small process."""
    with tempfile.NamedTemporaryFile(mode="r") as rss:
        wall, _, code, stdout = timed(["/usr/bin/time", "-f", "%M", "-o", rss.name] + cmd)
        return wall, int(rss.read().split()[-1]), code, stdout


def load(applinkd, tools, work, quick, rounds):
    data = os.path.join(work, "million")
    links = 20_000 if quick else 1_000_000
    generate(data, links, 10 if quick else 100)
    check, bare, peaks = [], [], []
    for _ in range(rounds):
        wall, peak, code, stdout = timed([applinkd, "check", "-c", data])
        assert code == 0, stdout
        check.append(wall)
        peaks.append(peak)
        out = run([tools, "bare-parse", data]).stdout
        bare.append(float(re.search(r"bare-parse ([\d.]+) s", out).group(1)))
    counted = int(re.search(r"(\d+) links", stdout).group(1))
    phases = run([tools, "phases", data]).stdout.strip()
    # Resident memory of a daemon with the links loaded, over an empty one.
    empty_dir = os.path.join(work, "empty")
    os.makedirs(empty_dir, exist_ok=True)
    rss = {}
    for name, cfg in (("empty", empty_dir), ("loaded", data)):
        port = free_port()
        proc = subprocess.Popen([applinkd, "serve", "-c", cfg, "--listen", f"127.0.0.1:{port}"], stderr=subprocess.DEVNULL)
        try:
            wait_http(f"http://127.0.0.1:{port}/healthz")
            rss[name] = rss_kib(proc.pid)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
    return {
        "links": counted,
        "check_s": median(check),
        "bare_s": median(bare),
        "check_peak_mib": max(peaks) / 1024,
        "files": len(os.listdir(data)),
        "phases": phases,
        "rss_empty_mib": rss["empty"] / 1024,
        "rss_loaded_mib": rss["loaded"] / 1024,
        "bytes_per_link": (rss["loaded"] - rss["empty"]) * 1024 / counted,
        "data": data,
    }


def reload(applinkd, tools, work, quick, data):
    files = sorted(f for f in os.listdir(data) if f.startswith("links-"))
    target = os.path.join(data, files[len(files) // 2])
    m = re.search(r'app = "(github\.com)", id = "([^"]+)", url = "([^"]+)"', open(target).read())
    app, id_, url = m.groups()
    port = free_port()
    log = os.path.join(work, "reload-serve.log")
    proc = subprocess.Popen([applinkd, "serve", "-c", data, "--listen", f"127.0.0.1:{port}"], stderr=open(log, "w"))
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        rounds = 4 if quick else 20
        out = run([tools, "reload", f"http://127.0.0.1:{port}", target, f"/{app}/{id_}", f'{url}"', f'{url}-new"', str(rounds)]).stdout
        structural = structural_reloads(port, target, 3 if quick else 8)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    lines = [line for line in open(log) if "reloaded" in line]
    reparsed = sorted(set(re.search(r"reparsed=(\d+)", line).group(1) for line in lines))
    patched = sorted(set(re.search(r"patched=(\w+)", line).group(1) for line in lines))
    server_ms = [float(re.search(r'ms="([\d.]+)"', line).group(1)) for line in lines]
    return {
        "structural_ms": structural,
        "result": out.strip(),
        "median_ms": float(re.search(r"reload median ([\d.]+) ms", out).group(1)),
        "failed": int(re.search(r"(\d+) failed requests", out).group(1)),
        "reparsed_per_reload": reparsed,
        "patched": patched,
        "server_median_ms": median(server_ms) if server_ms else None,
        "log_example": lines[0].strip() if lines else "",
    }


def structural_reloads(port, target, rounds):
    """Edits that change a file's shape, timed from the rename to the first answer that
    shows them (issue 12: within 100 ms at a million links). Each kind `rounds` times:
    a record added at the end (as `applinkd add` does), the same removed, a record added
    in the middle, the same removed, an app added (and used), the same removed."""
    opener = urllib.request.build_opener(NoRedirect)

    def status_location(path):
        try:
            opener.open(f"http://127.0.0.1:{port}{path}", timeout=5)
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Location")
        return 200, None

    original = open(target).read()
    half = len(original) // 2
    middle = half + original[half:].index("\n[[")
    times = {}

    def edit(kind, text, path, expect):
        with open(target + ".tmp", "w") as f:
            f.write(text)
        os.rename(target + ".tmp", target)
        start = time.perf_counter()
        while status_location(path)[1] != expect:
            assert time.perf_counter() - start < 30, f"no reload for {kind}"
        times.setdefault(kind, []).append((time.perf_counter() - start) * 1000)
        time.sleep(0.2)

    try:
        for n in range(rounds):
            record = f'\n[[person]]\nname = "New {n}"\nlinks = [{{ app = "github.com", id = "structural{n}", url = "https://github.com/s{n}" }}]\n'
            path, url = f"/github.com/structural{n}", f"https://github.com/s{n}"
            edit("record added at the end", original + record, path, url)
            edit("record removed at the end", original, path, None)
            edit("record added in the middle", original[:middle] + record + original[middle:], path, url)
            edit("record removed in the middle", original, path, None)
            app = f'[apps."new{n}.example"]\nurl = "https://new{n}.example/{{id}}"\n\n'
            used = f'\n[[person]]\nname = "App {n}"\nlinks = [{{ app = "new{n}.example", id = "7" }}]\n'
            edit("app added (and a record using it)", app + original + used, f"/new{n}.example/7", f"https://new{n}.example/7")
            edit("app removed", original, f"/new{n}.example/7", None)
    finally:
        with open(target, "w") as f:
            f.write(original)
    return {kind: median(ms) for kind, ms in times.items()}


def memory(applinkd, work, quick):
    """Issue 12: resident memory against the link files' size, 10k to 1M links, three layouts.
    For each: `serve` RSS after loading and after a reload (one file rewritten with one more
    record), over an empty daemon's; the peak while loading (the daemon's VmHWM); the files'
    bytes on disk. One file of 1M links (75 MB) is over the 64 MiB a link file may be: left out."""
    sizes = [2_000, 20_000] if quick else [10_000, 100_000, 1_000_000]
    rows = []
    empty_dir = os.path.join(work, "memory-empty")
    os.makedirs(empty_dir, exist_ok=True)
    empty = serve_memory(applinkd, empty_dir, None)
    for links in sizes:
        for files in (100, 10, 1):
            if links >= 1_000_000 and files == 1:
                continue
            data = os.path.join(work, f"memory-{links}-{files}")
            generate(data, links, files)
            disk = sum(os.path.getsize(os.path.join(data, f)) for f in os.listdir(data))
            m = serve_memory(applinkd, data, sorted(f for f in os.listdir(data) if f.startswith("links-"))[0])
            shutil.rmtree(data, ignore_errors=True)
            rows.append({
                "links": links, "files": files, "disk_mib": disk / 2**20,
                "loaded_mib": (m["loaded"] - empty["loaded"]) / 1024,
                "reloaded_mib": (m["reloaded"] - empty["loaded"]) / 1024,
                "peak_mib": (m["peak"] - empty["loaded"]) / 1024,
                "reload_peak_mib": (m["reload_peak"] - empty["loaded"]) / 1024,
            })
            r = rows[-1]
            print(f"  {links} links in {files} files: disk {r['disk_mib']:.1f} MiB, loaded {r['loaded_mib']:.1f}, "
                  f"reloaded {r['reloaded_mib']:.1f}, peak {r['peak_mib']:.1f}, reload peak {r['reload_peak_mib']:.1f}", flush=True)
    return {"empty_mib": empty["loaded"] / 1024, "rows": rows}


def serve_memory(applinkd, data, rewrite):
    port = free_port()
    log = open(os.path.join(data, "..", "memory-serve.log"), "w")
    proc = subprocess.Popen([applinkd, "serve", "-c", data, "--listen", f"127.0.0.1:{port}"], stderr=log)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        loaded = proc_kib(proc.pid, "VmRSS")
        load_peak = proc_kib(proc.pid, "VmHWM")
        reloaded = loaded
        if rewrite:
            target = os.path.join(data, rewrite)
            text = open(target).read() + '\n[[person]]\nname = "Memory"\nlinks = [{ app = "github.com", id = "memory-probe", url = "https://github.com/m" }]\n'
            with open(target + ".tmp", "w") as f:
                f.write(text)
            os.rename(target + ".tmp", target)
            opener = urllib.request.build_opener(NoRedirect)
            start = time.perf_counter()
            while True:
                try:
                    opener.open(f"http://127.0.0.1:{port}/github.com/memory-probe", timeout=5)
                except urllib.error.HTTPError as e:
                    if e.code == 302:
                        break
                assert time.perf_counter() - start < 60, "no reload"
                time.sleep(0.02)  # a deadline-bounded poll for the reload
            # The reload is logged after it has given freed memory back: wait for that line.
            log_path = os.path.join(data, "..", "memory-serve.log")
            while "reloaded" not in open(log_path).read():
                assert time.perf_counter() - start < 60, "no reload logged"
                time.sleep(0.02)  # a deadline-bounded poll for the log line
            reloaded = proc_kib(proc.pid, "VmRSS")
        return {"loaded": loaded, "reloaded": reloaded, "peak": load_peak, "reload_peak": proc_kib(proc.pid, "VmHWM")}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def click_to_open(applinkd, work, quick, data):
    runs = 10 if quick else 200
    port = free_port()
    proc = subprocess.Popen([applinkd, "serve", "-c", data, "--listen", f"127.0.0.1:{port}"], stderr=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        m = re.search(r'app = "(github\.com)", id = "([^"]+)"', open(os.path.join(data, sorted(os.listdir(data))[1])).read())
        target = f"applink://{m.group(1)}/{m.group(2)}"
        export = os.path.join(work, "hyperfine.json")
        config = os.path.join(ROOT, "config")
        # Issue 13: a URL that is no App URL to the fallback browser, a real stand-in
        # (`/bin/true`, so the figure is applinkd's own), with and without a daemon.
        router = os.path.join(work, "router")
        os.makedirs(router, exist_ok=True)
        for name in os.listdir(config):
            shutil.copy(os.path.join(config, name), router)
        with open(os.path.join(router, "browser.toml"), "w") as f:
            f.write('[browser]\nfallback = ["/bin/true"]\n')
        other = "https://example.org/page?a=1&b=%20#frag"
        run([
            "hyperfine", "-N", "--warmup", "5", "--runs", str(runs), "--export-json", export,
            "-n", "with daemon", f"env APPLINKD_URL=http://127.0.0.1:{port} {applinkd} open --dry-run {target}",
            "-n", "no daemon, config/", f"env APPLINKD_URL=http://127.0.0.1:9 {applinkd} open -c {config} --dry-run applink://mailchimp.com/48616032",
            "-n", "web link to the fallback, dry run, daemon (1M links)", f"env APPLINKD_URL=http://127.0.0.1:{port} {applinkd} open --dry-run '{other}'",
            "-n", "web link to the fallback, dry run, no daemon", f"env APPLINKD_URL=http://127.0.0.1:9 {applinkd} open -c {router} --dry-run '{other}'",
            "-n", "web link to the fallback, launched, no daemon", f"env APPLINKD_URL=http://127.0.0.1:9 {applinkd} open -c {router} '{other}'",
            "-n", "/bin/true", "/bin/true",
        ])
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    results = json.load(open(export))["results"]
    return {r["command"]: {"median_ms": r["median"] * 1000, "mean_ms": r["mean"] * 1000} for r in results}


def native_host(applinkd, work, quick, data=None):
    """`applinkd native-host` on a kept-open port, as the extension's `connectNative` keeps
    it: messages `route` one after the other (each answered before the next is sent), from
    the link files of `config/` (no daemon) and, with `data`, of a million links; the time
    per message from writing its frame to reading the answer's."""
    import struct
    env = dict(os.environ, APPLINKD_URL="http://127.0.0.1:9")
    cases = [("config/", os.path.join(ROOT, "config"))]
    if data:
        cases.append(("1M links", data))
    urls = ["https://zoom.us/j/85?pwd=x", "https://acme.zendesk.com/agent/users/991", "https://example.org/not-an-app-url"]
    out = {}
    for name, config in cases:
        env["APPLINKD_CONFIG"] = config
        proc = subprocess.Popen([applinkd, "native-host", "applinkd@applinkd.dev"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        times = []
        for i in range(50 if quick else 1000):
            body = json.dumps({"op": "route", "url": urls[i % len(urls)], "id": i}).encode()
            start = time.perf_counter()
            proc.stdin.write(struct.pack("=I", len(body)) + body)
            proc.stdin.flush()
            length = struct.unpack("=I", proc.stdout.read(4))[0]
            answer = json.loads(proc.stdout.read(length))
            times.append(time.perf_counter() - start)
            assert answer["ok"] and answer["id"] == i, answer
        proc.stdin.close()
        assert proc.wait(timeout=30) == 0
        times.sort()
        out[name] = {"messages": len(times), "median_ms": times[len(times) // 2] * 1000, "p95_ms": times[int(len(times) * 0.95)] * 1000}
    return out


class Cdp:
    """A DevTools protocol client over one WebSocket (websocket-client), flat sessions."""

    def __init__(self, ws_url):
        import websocket
        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self.next = 0

    def call(self, method, params=None, session=None):
        self.next += 1
        message = {"id": self.next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        while True:
            answer = json.loads(self.ws.recv())
            if answer.get("id") == self.next:
                assert "error" not in answer, (method, answer)
                return answer["result"]

    def attach(self, target):
        return self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]

    def eval(self, session, body):
        result = self.call("Runtime.evaluate", {"expression": f"(async () => {{ {body} }})()", "awaitPromise": True, "returnByValue": True}, session)
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    def until(self, session, body, what, deadline=60):
        start = time.time()
        while time.time() - start < deadline:
            value = self.eval(session, body)
            if value:
                return value
            time.sleep(0.005)
        raise AssertionError(f"timed out: {what}")


def in_browser(applinkd, work, quick, data=None):
    """Issue 19, the extension in headless Chromium with a real daemon (and, with `data`,
    a million links besides): (1) from a tab's navigation committing (the extension's
    `tabs.onUpdated` with the new URL) to its badge set, tabs alternating between two
    record pages so that every navigation is a lookup; (2) a routed click: from the
    click on a meeting link in a calendar page to the stand-in desktop program started,
    through `applinkd native-host` (installed by `register --extension`, one port kept
    open); (3) the host's `route` as the extension sees it, on that port."""
    import http.server
    import threading
    if subprocess.run([sys.executable, "-c", "import websocket"], capture_output=True).returncode != 0:
        run([sys.executable, "-m", "pip", "install", "--quiet", "websocket-client"])
    chromium = "/usr/lib/chromium/chromium"
    if not os.path.exists(chromium):
        return {"skipped": "no /usr/lib/chromium/chromium (apt-get install chromium)"}
    root = os.path.join(work, "browser")
    links = os.path.join(root, "links")
    os.makedirs(links, exist_ok=True)

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            host = self.headers.get("Host", "")
            if host.startswith("calendar."):
                body = f'<!doctype html><body>calendar <a id="join" href="http://zoom.example:{pages}/j/85?pwd=x">Join</a></body>'
            else:
                body = "<!doctype html><body>a record page</body>"
            data_ = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(data_)))
            self.end_headers()
            self.wfile.write(data_)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    pages = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    started = os.path.join(root, "started")
    stub = os.path.join(root, "zoom-app")
    with open(stub, "w") as f:
        f.write(f"#!/bin/sh\necho \"$@\" > '{started}.tmp' && mv '{started}.tmp' '{started}'\n")
    os.chmod(stub, 0o755)
    with open(os.path.join(links, "browser.toml"), "w") as f:
        f.write(f'[apps."crm.localhost"]\nname = "CRM"\nurl = "http://crm.localhost:{pages}/contacts/{{id}}"\n\n'
                f'[apps."wiki.localhost"]\nname = "Wiki"\nurl = "http://wiki.localhost:{pages}/people/{{id}}"\n\n'
                f'[apps."zoom.example"]\nname = "Zoom"\nurl = "http://zoom.example:{pages}/j/{{id}}{{?pwd}}"\nopen_with = ["{stub}"]\n\n'
                + "".join(f'[[person]]\nname = "Person {n}"\nlinks = [{{ app = "crm.localhost", id = "c{n}" }}, {{ app = "wiki.localhost", id = "w{n}" }}]\n\n' for n in range(1000)))
    configs = [links] + ([data] if data else [])
    port = free_port()
    daemon_url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, HOME=root, XDG_CONFIG_HOME=os.path.join(root, "config"), XDG_DATA_HOME=os.path.join(root, "data"),
               APPLINKD_CONFIG=os.pathsep.join(configs), APPLINKD_URL=daemon_url)
    env.pop("DISPLAY", None)
    cmd = [applinkd, "serve", "--listen", f"127.0.0.1:{port}"]
    for c in configs:
        cmd += ["-c", c]
    daemon = subprocess.Popen(cmd, stderr=subprocess.DEVNULL, env=env)
    browser = None
    try:
        wait_http(f"{daemon_url}/healthz", deadline=600)
        run([applinkd, "register", "--extension"], env=env)
        # Routing on a site needs its host access (granted in the options page): a copy
        # of the extension with it granted stands in for that click.
        extension = os.path.join(root, "extension")
        shutil.copytree(os.path.join(ROOT, "packaging/browser-extension"), extension)
        with open(os.path.join(extension, "manifest.json")) as f:
            manifest = json.load(f)
        manifest["host_permissions"].append("http://*.example/*")
        with open(os.path.join(extension, "manifest.json"), "w") as f:
            json.dump(manifest, f)
        profile = os.path.join(root, "config", "chromium")
        browser = subprocess.Popen([chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                                    "--remote-debugging-port=0", f"--user-data-dir={profile}",
                                    f"--host-resolver-rules=MAP zoom.example 127.0.0.1, MAP calendar.example 127.0.0.1",
                                    f"--load-extension={extension}", f"--disable-extensions-except={extension}", "about:blank"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
        ws = None
        for line in browser.stderr:
            if "ws://" in line:
                ws = line[line.index("ws://"):].strip()
                break
        threading.Thread(target=lambda: [None for _ in browser.stderr], daemon=True).start()
        cdp = Cdp(ws)
        start = time.time()
        worker = None
        while worker is None and time.time() - start < 60:
            for t in cdp.call("Target.getTargets")["targetInfos"]:
                if t["type"] == "service_worker" and t["url"].startswith("chrome-extension://"):
                    worker = cdp.attach(t["targetId"])
            time.sleep(0.02)
        cdp.until(worker, "return typeof globalThis.applinkd === 'object'", "the background")
        cdp.eval(worker, f"await applinkd.useDaemon({json.dumps(daemon_url)}); return true")
        assert cdp.eval(worker, "return applinkd.state.native") is True, "the native host answers"
        out = {"links": "1M links and 1,000 records" if data else "1,000 records"}

        # (1) navigation to badge: each navigation a record not seen before (a request to
        # the daemon), then two records seen before, in turn (answered from the extension's
        # answers for this generation of the files).
        runs = 10 if quick else 200
        tab = cdp.eval(worker, "return (await chrome.tabs.create({ url: 'about:blank' })).id")

        def navigations(urls):
            cdp.eval(worker, "applinkd.state.badgeTimes.length = 0; return true")
            for i, url in enumerate(urls):
                cdp.eval(worker, f"await chrome.tabs.update({tab}, {{ url: {json.dumps(url)} }}); return true")
                cdp.until(worker, f"return applinkd.state.tabs.get({tab})?.url === {json.dumps(url)} && applinkd.state.badgeTimes.length >= {i + 1}", "the badge")
            times = sorted(cdp.eval(worker, "return applinkd.state.badgeTimes"))
            return {"runs": len(times), "median_ms": times[len(times) // 2], "p95_ms": times[int(len(times) * 0.95)]}

        out["badge"] = navigations([f"http://crm.localhost:{pages}/contacts/c{n}" for n in range(runs)])
        seen = [f"http://crm.localhost:{pages}/contacts/c0", f"http://wiki.localhost:{pages}/people/w1"]
        out["badge_seen"] = navigations([seen[n % 2] for n in range(runs)])

        # (2) a routed click, and (3) the host's route on the kept-open port.
        calendar = f"http://calendar.example:{pages}/today"
        target = cdp.call("Target.createTarget", {"url": calendar})["targetId"]
        page = cdp.attach(target)
        cdp.until(page, f"return location.href === {json.dumps(calendar)} && document.readyState === 'complete'", "the calendar")
        clicks = []
        for _ in range(5 if quick else 50):
            if os.path.exists(started):
                os.remove(started)
            t0 = time.perf_counter()
            cdp.call("Runtime.evaluate", {"expression": "document.getElementById('join').click()"}, page)
            while not os.path.exists(started):
                assert time.perf_counter() - t0 < 60, "the click was never routed"
                time.sleep(0.0005)
            clicks.append((time.perf_counter() - t0) * 1000)
            # The tab goes back to the calendar: a new document, attached to again.
            cdp.until(worker, f"return (await chrome.tabs.query({{}})).some(t => t.url === {json.dumps(calendar)} && t.status === 'complete')", "the calendar again")
            page = cdp.attach(target)
            cdp.until(page, "return document.readyState === 'complete' && !!document.getElementById('join')", "the link")
        clicks.sort()
        out["routed_click"] = {"runs": len(clicks), "median_ms": clicks[len(clicks) // 2], "p95_ms": clicks[int(len(clicks) * 0.95)]}
        times = cdp.eval(worker, f"""
            const url = {json.dumps(f"http://zoom.example:{pages}/j/85?pwd=x")};
            const times = [];
            for (let i = 0; i < {20 if quick else 500}; i++) {{
              const t0 = performance.now();
              const a = await applinkd.native({{ op: "route", url }});
              if (!a.ok) throw new Error(JSON.stringify(a));
              times.push(performance.now() - t0);
            }}
            return times;""")
        times.sort()
        out["host_route"] = {"messages": len(times), "median_ms": times[len(times) // 2], "p95_ms": times[int(len(times) * 0.95)]}
        return out
    finally:
        if browser:
            browser.kill()
            browser.wait()
        daemon.terminate()
        daemon.wait()
        server.shutdown()


def click_trust(applinkd, work, quick, base=None):
    """Issue 18: the click's check that a daemon naming a program is the user's own (the
    proof: a fresh nonce, HMAC with the private secret), `open --dry-run` of a web link
    whose daemon gives `[browser] fallback`; beside it the same without a daemon, and
    (`--base`) an older applinkd doing its own check on the same files."""
    runs = 10 if quick else 200
    router = os.path.join(work, "trust-router")
    os.makedirs(router, exist_ok=True)
    config = os.path.join(ROOT, "config")
    for name in os.listdir(config):
        shutil.copy(os.path.join(config, name), router)
    with open(os.path.join(router, "browser.toml"), "w") as f:
        f.write('[browser]\nfallback = ["/bin/true"]\n')
    env = {k: v for k, v in os.environ.items() if k not in ("XDG_RUNTIME_DIR", "APPLINKD_URL", "APPLINKD_CONFIG")}
    env["XDG_CACHE_HOME"] = os.path.join(work, "trust-cache")
    other = "https://example.org/page?a=1&b=%20#frag"
    binaries = [("applinkd", applinkd)] + ([("base", base)] if base else [])
    export = os.path.join(work, "trust.json")
    commands = []
    procs = []
    try:
        for name, binary in binaries:
            port = free_port()
            procs.append(subprocess.Popen([binary, "serve", "-c", router, "--listen", f"127.0.0.1:{port}"],
                                          stderr=subprocess.DEVNULL, env=env))
            wait_http(f"http://127.0.0.1:{port}/healthz")
            commands += ["-n", f"{name}: daemon with a fallback (trust checked)",
                         f"env APPLINKD_URL=http://127.0.0.1:{port} {binary} open --dry-run '{other}'"]
            commands += ["-n", f"{name}: no daemon, the same files",
                         f"env APPLINKD_URL=http://127.0.0.1:9 {binary} open -c {router} --dry-run '{other}'"]
            # The same daemon answer without a program to run: no proof asked, so the
            # difference is the proof's own cost.
            plain = free_port()
            procs.append(subprocess.Popen([binary, "serve", "-c", config, "--listen", f"127.0.0.1:{plain}"],
                                          stderr=subprocess.DEVNULL, env=env))
            wait_http(f"http://127.0.0.1:{plain}/healthz")
            commands += ["-n", f"{name}: daemon without a program (no trust check)",
                         f"env APPLINKD_URL=http://127.0.0.1:{plain} {binary} open --dry-run '{other}'"]
        run(["hyperfine", "-N", "--warmup", "10", "--runs", str(runs), "--export-json", export, *commands], env=env)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
    results = json.load(open(export))["results"]
    return {r["command"]: {"median_ms": r["median"] * 1000, "mean_ms": r["mean"] * 1000} for r in results}


def identify(applinkd, tools, work, quick, rounds):
    """Identify: /go?url=U&to=APP against /APP/ID?to=APP on one daemon (wrk taking
    turns, CPU per request), and the reverse index's memory from 10k to 1M links."""
    records = 2_000 if quick else 100_000
    data = os.path.join(work, "identify-data")
    os.makedirs(data, exist_ok=True)
    with open(os.path.join(data, "links.toml"), "w") as f:
        f.write('[apps."mailchimp.com"]\nurl = "https://us1.admin.mailchimp.com/lists/members/view?id={id}"\n\n')
        for n in range(records):
            f.write(f'[[person]]\nname = "P{n}"\nlinks = [{{ app = "github.com", id = "u{n}", url = "https://github.com/u{n}" }}, {{ app = "mailchimp.com", id = "{n}" }}]\n')
    sample = range(0, records, max(1, records // 10_000))
    q = urllib.parse.quote
    loads = {
        "pair, explicit URL: /github.com/uN?to=mailchimp.com": [f"/github.com/u{n}?to=mailchimp.com" for n in sample],
        "App URL, explicit: /go?url=https://github.com/uN&to=mailchimp.com": [f"/go?url={q(f'https://github.com/u{n}', safe='')}&to=mailchimp.com" for n in sample],
        "pair, template: /mailchimp.com/N?to=github.com": [f"/mailchimp.com/{n}?to=github.com" for n in sample],
        "App URL, template: /go?url=https://us1.admin.mailchimp.com/…?id=N&to=github.com": [
            f"/go?url={q(f'https://us1.admin.mailchimp.com/lists/members/view?id={n}', safe='')}&to=github.com" for n in sample
        ],
    }
    lua = os.path.join(work, "pairs.lua")
    open(lua, "w").write(WRK_LUA)
    files = {}
    for i, (name, paths) in enumerate(loads.items()):
        files[name] = os.path.join(work, f"identify-{i}.txt")
        open(files[name], "w").write("\n".join(paths) + "\n")
    port = free_port()
    proc = subprocess.Popen([applinkd, "serve", "-c", data, "--listen", f"127.0.0.1:{port}"], stderr=subprocess.DEVNULL)
    results = {name: [] for name in loads}
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        opener = urllib.request.build_opener(NoRedirect)
        for name, paths in loads.items():  # every load redirects where its twin does
            try:
                opener.open(f"http://127.0.0.1:{port}{paths[1]}", timeout=5)
                raise AssertionError(f"{name}: no redirect")
            except urllib.error.HTTPError as e:
                assert e.code == 302, f"{name}: {e.code}"
        for _ in range(rounds):
            for name in loads:
                before = cpu_seconds([proc.pid])
                r = wrk(f"http://127.0.0.1:{port}", 1 if quick else 10, lua, files[name])
                r["cpu_us"] = (cpu_seconds([proc.pid]) - before) / max(1, r["requests"]) * 1e6
                results[name].append(r)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    http = {name: {k: median([r[k] for r in rs]) for k in ("rps", "p99", "cpu_us")} for name, rs in results.items()}
    memory = []
    for links in ([2_000] if quick else [10_000, 100_000, 1_000_000]):
        out_dir = os.path.join(work, f"identify-mem-{links}")
        generate(out_dir, links, 10)
        out = run([tools, "phases", out_dir]).stdout
        m = re.search(r"index ([\d.]+) s, (\d+) links.*reverse index (\d+) bytes \(([\d.]+) bytes/link\)", out)
        memory.append({"links": int(m.group(2)), "index_s": float(m.group(1)), "reverse_bytes": int(m.group(3)), "per_link": float(m.group(4))})
        shutil.rmtree(out_dir, ignore_errors=True)
    return {"records": records, "http": http, "memory": memory}


def edits(applinkd, tools, work, quick, rounds):
    """`add` to a 10,000-link file, `import` of a 100,000-row CSV (two links a row)
    into an empty directory, the load of what it wrote, and `export` of 1M links."""
    out = {}
    small = os.path.join(work, "edit-10k")
    generate(small, 2_000 if quick else 10_000, 1)
    adds = []
    for n in range(3 if quick else 10):
        wall, _, code, _ = timed([applinkd, "add", "-c", small, "person", f"Bench {n}", "bench.example", f"b{n}", "--url", f"https://bench.example/{n}"])
        assert code == 0
        adds.append(wall)
    out["add_ms"] = median(adds) * 1000
    rows = 5_000 if quick else 100_000
    csv_path = os.path.join(work, "contacts.csv")
    with open(csv_path, "w") as f:
        f.write("Name,HubSpot ID,Zendesk ID\n")
        for n in range(rows):
            f.write(f"Person {n},h{n},{n}\n")
    imports, checks, bares = [], [], []
    for _ in range(rounds):
        target = tempfile.mkdtemp(dir=work)
        with open(os.path.join(target, "apps.toml"), "w") as f:
            f.write('[apps."hubspot.com"]\nurl = "https://app.hubspot.com/contacts/1/record/0-1/{id}"\n[apps."zendesk.com"]\nurl = "https://acme.zendesk.com/agent/users/{id}"\n')
        wall, _, code, stdout = timed([applinkd, "import", "-c", target, csv_path, "--name-column", "Name", "--link", "hubspot.com=HubSpot ID", "--link", "zendesk.com=Zendesk ID"])
        assert code == 0, stdout
        imports.append(wall)
        wall, _, code, _ = timed([applinkd, "check", "-c", target])
        assert code == 0
        checks.append(wall)
        bare = run([tools, "bare-parse", target]).stdout
        bares.append(float(re.search(r"bare-parse ([\d.]+) s", bare).group(1)))
    out["rows"] = rows
    out["import_s"] = median(imports)
    out["check_s"] = median(checks)
    out["bare_s"] = median(bares)
    big = os.path.join(work, "million")
    if not os.path.isdir(big):
        generate(big, 20_000 if quick else 1_000_000, 10 if quick else 100)
    exports = []
    for _ in range(rounds):
        wall, _, code, _ = timed([applinkd, "export", "-c", big])
        assert code == 0
        exports.append(wall)
    out["export_s"] = median(exports)
    out["export_links"] = 20_000 if quick else 1_000_000
    out["import_memory"] = import_memory(applinkd, work, quick)
    return out


def import_input(path, fmt, size):
    """An input of about `size` bytes in `fmt`: records of two links each (Zendesk, HubSpot)."""
    n = 0
    with open(path, "w") as f:
        if fmt == "csv":
            f.write("Name,Zendesk,HubSpot\n")
        if fmt == "csv-wide":
            f.write("Name,Email,Phone,Company,Title,City,Zendesk,HubSpot,Notes\n")
        if fmt == "cloze":
            f.write('{"people": [\n')
        while f.tell() < size:
            if fmt == "csv":
                f.write(f"Person {n},z{n},h{n}\n")
            elif fmt == "csv-wide":
                f.write(f"Person {n},person.{n}@example.com,+1 555 {n % 10000:04d},Company {n % 997},Account manager,Springfield,z{n},h{n},\"Met at the fair; follow up in spring\"\n")
            elif fmt == "jsonl":
                for app, id in (("zendesk.com", f"z{n}"), ("hubspot.com", f"h{n}")):
                    f.write(json.dumps({"kind": "person", "record": f"Person {n}", "app": app, "id": id, "ref": n + 1}) + "\n")
            else:
                links = [{"source": "zendesk.com", "uniqueid": f"z{n}", "label": "Zendesk"}, {"source": "hubspot.com", "uniqueid": f"h{n}", "label": "HubSpot"}]
                f.write(("," if n else "") + json.dumps({"name": f"Person {n}", "appLinks": links}) + "\n")
            n += 1
        if fmt == "cloze":
            f.write("]}\n")
        return n


def import_memory(applinkd, work, quick):
    """Peak RSS of `import` over the input's size, each format, 1 MB to 60 MB, into an
    empty directory with the two apps defined (the whole command: parse, check, write,
    reload to confirm)."""
    sizes = [1_000_000] if quick else [1_000_000, 10_000_000, 30_000_000, 60_000_000]
    rows = []
    # The command's own floor: the same import of one record (the binary, its
    # allocator, the two apps' file), so that the ratio over it says what the input costs.
    base_target = tempfile.mkdtemp(dir=work)
    with open(os.path.join(base_target, "apps.toml"), "w") as f:
        f.write('[apps."zendesk.com"]\nurl = "https://acme.zendesk.com/agent/users/{id}"\n')
    one = os.path.join(work, "one.jsonl")
    with open(one, "w") as f:
        f.write(json.dumps({"kind": "person", "record": "One", "app": "zendesk.com", "id": "1"}) + "\n")
    _, base_kib, code, _ = timed_rss([applinkd, "import", "-c", base_target, one])
    assert code == 0
    shutil.rmtree(base_target, ignore_errors=True)
    # `csv` is the worst case (a record and two links in ~25 bytes: the TOML it becomes is
    # several times the input); `csv-wide` a CRM's contacts export, nine columns a row.
    for fmt in ("jsonl", "csv", "csv-wide", "cloze"):
        for size in sizes:
            ext = {"jsonl": "jsonl", "csv": "csv", "csv-wide": "csv", "cloze": "json"}[fmt]
            path = os.path.join(work, f"input.{ext}")
            records = import_input(path, fmt, size)
            target = tempfile.mkdtemp(dir=work)
            with open(os.path.join(target, "apps.toml"), "w") as f:
                f.write('[apps."hubspot.com"]\nname = "HubSpot"\nurl = "https://app.hubspot.com/contacts/1/record/0-1/{id}"\n[apps."zendesk.com"]\nname = "Zendesk"\nurl = "https://acme.zendesk.com/agent/users/{id}"\n')
            cmd = [applinkd, "import", "-c", target, path]
            if fmt in ("csv", "csv-wide"):
                cmd += ["--name-column", "Name", "--link", "zendesk.com=Zendesk", "--link", "hubspot.com=HubSpot"]
            wall, peak_kib, code, stdout = timed_rss(cmd)
            # Exit 1 is the 64 MiB cap on the link file the import would write (it says so
            # and writes nothing); anything else is a failure of the bench.
            assert code in (0, 1), (fmt, size, stdout)
            actual = os.path.getsize(path)
            written = sum(os.path.getsize(os.path.join(target, f)) for f in os.listdir(target) if f != "apps.toml")
            rows.append({"format": fmt, "bytes": actual, "records": records, "peak_mib": peak_kib / 1024, "ratio": peak_kib * 1024 / actual, "over_base": max(peak_kib - base_kib, 0) * 1024 / actual, "base_mib": base_kib / 1024, "written_bytes": written, "s": wall, "written": code == 0})
            shutil.rmtree(target, ignore_errors=True)
            os.remove(path)
    return rows


def in_process(quick):
    args = ["cargo", "bench", "--locked", "--bench", "resolve", "--"]
    if quick:
        args += ["--sample-count", "10"]
    return run(args, cwd=ROOT).stdout


# ---------------------------------------------------------------- report

def machine():
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    mem = next(line.split()[1] for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    versions = {}
    for cmd in (["nginx", "-v"], ["wrk", "-v"], ["hyperfine", "--version"], ["rustc", "--version"]):
        try:
            p = subprocess.run(cmd, capture_output=True, text=True)
            versions[cmd[0]] = (p.stdout + p.stderr).strip().splitlines()[0]
        except (FileNotFoundError, IndexError):
            versions[cmd[0]] = "?"
    return f"{os.cpu_count()} cores ({cpu}), {int(mem) // 1024 // 1024} GiB; " + "; ".join(versions.values())


def report(r):
    lines = [f"Machine: {r['machine']}", ""]
    red = r["redirects"]
    s = red["servers"]

    def server_table(servers, with_non3xx):
        head = "| server | requests/s | p50 µs | p99 µs | CPU µs/request |" + (" non-3xx |" if with_non3xx else "")
        rows = [head, "|---|---:|---:|---:|---:|" + ("---:|" if with_non3xx else "")]
        for name in ("applinkd", "nginx", "limit"):
            x = servers[name]
            row = f"| {name} | {x['rps']:,.0f} | {x['p50']:.0f} | {x['p99']:.0f} | {x['cpu_us']:.1f} |"
            rows.append(row + (f" {x['non3xx']} |" if with_non3xx else ""))
        return rows

    lines += [
        f"### 1. Redirects: {red['links']:,} links (~{red['links'] * 2 // 5:,} records), {red['pairs']:,} pairs cycled, wrk -t1 -c64, {red['seconds']} s x {red['rounds']} rounds, {red['workers']} workers each",
        "",
    ]
    lines += server_table(s, True)
    a, n, l = s["applinkd"], s["nginx"], s["limit"]
    lines += ["", "The same, with pairs whose links give explicit URLs only (no template expansion):", ""]
    lines += server_table(red["explicit_only"], False)
    lines += [
        "",
        f"Ratios: requests/s applinkd/nginx **{a['rps'] / n['rps']:.2f}**, applinkd/limit **{a['rps'] / l['rps']:.2f}**; "
        f"p99 applinkd/nginx **{a['p99'] / n['p99']:.2f}**; CPU per request applinkd/nginx **{a['cpu_us'] / n['cpu_us']:.2f}**.",
        "",
    ]
    ld = r["load"]
    lines += [
        f"### 2. Loading {ld['links']:,} links ({ld['files']} files)",
        "",
        "| what | figure |",
        "|---|---:|",
        f"| `applinkd check` wall (validation + index, all cores) | {ld['check_s']:.2f} s |",
        f"| bare `toml::Table` parse, one thread | {ld['bare_s']:.2f} s |",
        f"| ratio check / bare parse | **{ld['check_s'] / ld['bare_s']:.2f}** |",
        f"| `applinkd check` peak RSS | {ld['check_peak_mib']:.0f} MiB |",
        f"| `serve` RSS empty / loaded | {ld['rss_empty_mib']:.1f} MiB / {ld['rss_loaded_mib']:.0f} MiB |",
        f"| RSS per link over an empty daemon | **{ld['bytes_per_link']:.0f} bytes** |",
        f"| phases (in process) | {ld['phases']} |",
        "",
    ]
    rl = r["reload"]
    lines += [
        "### 3. Reload latency (one URL changed in one of the files, light steady load)",
        "",
        f"- write → first response with the new URL: **median {rl['median_ms']:.1f} ms** ({rl['result']})",
        f"- files re-parsed per reload: {', '.join(rl['reparsed_per_reload'])}; index patched: {', '.join(rl['patched'])}; daemon-side median {rl['server_median_ms']:.1f} ms",
        f"- failed requests meanwhile: {rl['failed']}",
        "- edits that change the file's shape, median ms from the rename to the first answer showing them: "
        + "; ".join(f"{kind} {ms:.1f}" for kind, ms in rl["structural_ms"].items()),
        f"- a reload log line: `{rl['log_example'][rl['log_example'].find('reloaded'):]}`",
        "",
    ]
    mem = r["memory"]
    lines += [
        f"### Memory against the link files' size (over an empty daemon's {mem['empty_mib']:.1f} MiB)",
        "",
        "| links | files | on disk MiB | loaded MiB (× disk) | after a reload MiB (× disk) | peak loading MiB (× disk) | peak with a reload MiB (× disk) | bytes/link loaded |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in mem["rows"]:
        d = m["disk_mib"]
        lines.append(
            f"| {m['links']:,} | {m['files']} | {d:.1f} | {m['loaded_mib']:.1f} ({m['loaded_mib'] / d:.2f}) | "
            f"{m['reloaded_mib']:.1f} ({m['reloaded_mib'] / d:.2f}) | {m['peak_mib']:.1f} ({m['peak_mib'] / d:.1f}) | "
            f"{m['reload_peak_mib']:.1f} ({m['reload_peak_mib'] / d:.1f}) | {m['loaded_mib'] * 2**20 / m['links']:.0f} |")
    lines.append("")
    co = r["click"]
    lines += ["### 4. Click to open (`applinkd open --dry-run`)", "", "| case | median ms | mean ms |", "|---|---:|---:|"]
    for name, x in co.items():
        lines.append(f"| {name} | {x['median_ms']:.2f} | {x['mean_ms']:.2f} |")
    idf = r["identify"]
    lines += [
        f"### 5. Identify over HTTP: {idf['records']:,} records of two links, one daemon, wrk -t1 -c64 taking turns",
        "",
        "| load | requests/s | p99 µs | CPU µs/request |",
        "|---|---:|---:|---:|",
    ]
    for name, x in idf["http"].items():
        lines.append(f"| {name} | {x['rps']:,.0f} | {x['p99']:.0f} | {x['cpu_us']:.1f} |")
    names = list(idf["http"])
    cpu = lambda i: idf["http"][names[i]]["cpu_us"]
    lines += [
        "",
        f"CPU per request, App URL / pair: explicit **{cpu(1) / cpu(0):.2f}**, template **{cpu(3) / cpu(2):.2f}**.",
        "",
        "Reverse index (link URL table and template inverses) by size (generated CRM-like sets, 30 % explicit URLs):",
        "",
        "| links | reverse index | bytes/link | whole index build |",
        "|---:|---:|---:|---:|",
    ]
    for m in idf["memory"]:
        lines.append(f"| {m['links']:,} | {m['reverse_bytes'] / 1024 / 1024:.1f} MiB | {m['per_link']:.1f} | {m['index_s']:.3f} s |")
    ed = r["edits"]
    lines += [
        "### 6. Editing, import, export",
        "",
        "| what | figure |",
        "|---|---:|",
        f"| `add` to a 10,000-link file, end to end (median) | {ed['add_ms']:.1f} ms |",
        f"| `import` of a {ed['rows']:,}-row CSV (two links a row) into an empty directory | {ed['import_s']:.2f} s |",
        f"| `check` of what it wrote / bare `toml::Table` parse | {ed['check_s']:.2f} s / {ed['bare_s']:.2f} s |",
        f"| `export` of {ed['export_links']:,} links (JSON lines) | {ed['export_s']:.2f} s |",
        "",
        "`import` memory: peak RSS of the whole command (parse, check, write, reload to confirm) over the input's size,",
        "into an empty directory (goal: within 4x the input); 'over the floor' takes off the RSS of the same import of",
        "one record (the binary and its allocator); 'TOML written' is the new file's size:",
        "",
        "| format | input | records | TOML written | peak RSS | peak / input | over the floor / input | time |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in ed["import_memory"]:
        refused = "" if m.get("written", True) else " (refused: the file would pass 64 MiB)"
        lines.append(f"| {m['format']} | {m['bytes'] / 1e6:.1f} MB | {m['records']:,}{refused} | {m['written_bytes'] / 1e6:.1f} MB | {m['peak_mib']:.0f} MiB | {m['ratio']:.1f}x | {m['over_base']:.1f}x | {m['s']:.2f} s |")
    lines.append(f"\nThe floor (one record): {ed['import_memory'][0]['base_mib']:.1f} MiB.")
    lines.append("")
    lines += ["", "### 7. In-process resolve and identify (divan)", "", "```", r["in_process"].strip(), "```", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------- bounds

BOUNDS_TEMPLATES = [
    "https://h.example/{id}.{id}.{id}",
    "https://h.example/{+id}/{+id}/{+id}",
    "https://h.example/{+a}/{+b}/{+id}",
    "https://h.example/{+id}",
]


def bounds_data(work, apps):
    """`apps` templated apps on one origin, every one a template that can cut a URL
    many ways (README: identify's worst case), and an ordinary app with records beside them."""
    data = os.path.join(work, f"bounds-data-{apps}")
    os.makedirs(data, exist_ok=True)
    with open(os.path.join(data, "links.toml"), "w") as f:
        f.write('[apps."mailchimp.com"]\nurl = "https://us1.admin.mailchimp.com/lists/members/view?id={id}"\n\n')
        for n in range(apps):
            f.write(f'[apps."h{n}.example"]\nurl = "{BOUNDS_TEMPLATES[n % len(BOUNDS_TEMPLATES)]}"\n\n')
        for n in range(2_000):
            f.write(f'[[person]]\nname = "P{n}"\nlinks = [{{ app = "github.com", id = "u{n}", url = "https://github.com/u{n}" }}, {{ app = "mailchimp.com", id = "{n}" }}]\n')
    return data


def bounds_urls():
    """The worst App URLs of 8 KiB I could construct, by the template they aim at."""
    kib8 = 8 * 1024
    base = "https://h.example/"
    fill = lambda unit: base + unit * ((kib8 - len(base)) // len(unit))
    return {
        "{id}.{id}.{id}, 8 KiB of `a.`": fill("a."),
        "{+id}/{+id}/{+id}, 8 KiB of `a/`": fill("a/"),
        "{+a}/{+b}/{+id}, 8 KiB of `%C3%A9a/` (%XX runs)": fill("%C3%A9a/"),
        "{+id}, 8 KiB of `%20` runs": fill("%20"),
        "{+id}, 1 KiB id with six %XX runs (64 readings)": base + "a" * 1000 + "%20b" * 6,
    }


def bounds_query(url):
    """`url` as a query value, left as it is but for what would end the value: the
    daemon form-decodes it (`%C3%A9` to `é`) and canonicalises it back (`é` to
    `%C3%A9`), so an 8 KiB URL with `%XX` runs is an 8 KiB request any page can send."""
    return url.replace("&", "%26").replace("#", "%23").replace("+", "%2B")


def daemon_cpu_per_request(port, pid, paths, seconds, timeout):
    """Daemon CPU milliseconds per request over passes of `paths` on one keep-alive
    connection for at least `seconds` (CPU time counts in ticks of 10 ms: many
    requests make it exact), the largest answer in bytes, or how long the first
    request went unanswered."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    before = cpu_seconds(tree(pid))
    start = time.perf_counter()
    largest, count = 0, 0
    try:
        while count == 0 or time.perf_counter() - start < seconds:
            for path in paths:
                conn.request("GET", path, headers={"Host": f"127.0.0.1:{port}"})
                r = conn.getresponse()
                largest = max(largest, len(r.read()))
                count += 1
    except (TimeoutError, socket.timeout, ConnectionError, http.client.HTTPException):
        wall = time.perf_counter() - start
        return {"cpu_ms": None, "timed_out_after_s": round(wall, 1), "cpu_ms_at_least": (cpu_seconds(tree(pid)) - before) * 1e3}
    finally:
        conn.close()
    return {"cpu_ms": (cpu_seconds(tree(pid)) - before) / max(1, count) * 1e3, "largest_answer": largest, "requests": count}


def bounds(binaries, work, quick, rounds):
    """README: identify, "Identify is bounded": the worst identify I can construct (adversarial
    templates, 2000 templated apps on the URL's origin, 8 KiB URLs) in daemon CPU per
    request, beside the ordinary requests (forward `/{app}/{id}` and `/go`), for each
    binary (the new one and `--baseline`). A baseline request that does not finish
    within the timeout is reported as that: at least so much CPU."""
    apps = 200 if quick else 2_000
    data = bounds_data(work, apps)
    urls = bounds_urls()
    q = urllib.parse.quote
    ordinary = {
        "forward /mailchimp.com/N": [f"/mailchimp.com/{n}" for n in range(0, 2_000, 7)],
        "forward /github.com/uN?to=mailchimp.com": [f"/github.com/u{n}?to=mailchimp.com" for n in range(0, 2_000, 7)],
        "/go?url=https://github.com/uN&to=mailchimp.com": [f"/go?url={q(f'https://github.com/u{n}', safe='')}&to=mailchimp.com" for n in range(0, 2_000, 7)],
        "/go?url=https://us1.admin.mailchimp.com/…?id=N&to=github.com": [
            f"/go?url={q(f'https://us1.admin.mailchimp.com/lists/members/view?id={n}', safe='')}&to=github.com" for n in range(0, 2_000, 7)
        ],
    }
    worst = {}
    for name, url in urls.items():
        value = bounds_query(url)
        worst[name] = [f"/api/v1/show?url={value}", f"/go?url={value}&to=mailchimp.com", f"/show?url={value}"]
    timeout = 5 if quick else 30
    seconds = 0.5 if quick else 5

    def start(binary):
        port = free_port()
        proc = subprocess.Popen([binary, "serve", "-c", data, "--listen", f"127.0.0.1:{port}"], stderr=subprocess.DEVNULL)
        wait_http(f"http://127.0.0.1:{port}/healthz")
        return port, proc

    # Both daemons run side by side, and the contenders take turns, case by case and
    # round after round, so that the machine's load falls on both alike.
    daemons = {label: start(binary) for label, binary in binaries.items()}
    measured = {label: {"ordinary": {n: [] for n in ordinary}, "worst": {n: [] for n in worst}} for label in binaries}
    try:
        for _ in range(rounds):
            for part, cases in (("ordinary", ordinary), ("worst", worst)):
                for name, paths in cases.items():
                    for label, binary in binaries.items():
                        done = measured[label][part][name]
                        if done and done[-1]["cpu_ms"] is None:
                            continue  # it did not finish before: not asked again
                        port, proc = daemons[label]
                        r = daemon_cpu_per_request(port, proc.pid, paths, seconds, timeout)
                        done.append(r)
                        if r["cpu_ms"] is None:
                            # The daemon is still computing: start it again for the next case.
                            proc.kill()
                            proc.wait()
                            daemons[label] = start(binary)
    finally:
        for _, proc in daemons.values():
            proc.kill()
            proc.wait()
    results = {}
    for label in binaries:
        per = {"ordinary": {}, "worst": {}}
        for name, rs in measured[label]["ordinary"].items():
            per["ordinary"][name] = {"cpu_us": median([r["cpu_ms"] for r in rs]) * 1e3}
        for name, rs in measured[label]["worst"].items():
            if all(r["cpu_ms"] is not None for r in rs):
                per["worst"][name] = {"cpu_ms": median([r["cpu_ms"] for r in rs]), "largest_answer": max(r["largest_answer"] for r in rs)}
            else:
                per["worst"][name] = {"cpu_ms": None, "cpu_ms_at_least": rs[-1]["cpu_ms_at_least"], "timed_out_after_s": rs[-1]["timed_out_after_s"]}
        results[label] = per
    return {"apps": apps, "timeout_s": timeout, "rounds": rounds, "results": results}


def bounds_report(r):
    labels = list(r["results"])
    lines = [f"Daemon CPU per request, {r['apps']} templated apps on the URL's origin, median of {r['rounds']} rounds.", ""]
    lines.append("| request | " + " | ".join(labels) + " |")
    lines.append("|---|" + "---:|" * len(labels))
    first = r["results"][labels[0]]
    for name in first["ordinary"]:
        cells = [f"{r['results'][l]['ordinary'][name]['cpu_us']:.0f} µs" for l in labels]
        lines.append(f"| ordinary: {name} | " + " | ".join(cells) + " |")
    for name in first["worst"]:
        cells = []
        for l in labels:
            w = r["results"][l]["worst"][name]
            if w["cpu_ms"] is None:
                cells.append(f"≥ {w['cpu_ms_at_least'] / 1e3:.1f} s (no answer in {w['timed_out_after_s']} s)")
            else:
                cells.append(f"{w['cpu_ms']:.2f} ms, answer ≤ {w['largest_answer'] / 1024:.0f} KiB")
        lines.append(f"| worst: {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true", help="tiny sizes: checks the suite runs, measures nothing")
    p.add_argument("--rounds", type=int)
    p.add_argument("--only", choices=["redirects", "identify", "edits", "memory", "reload", "import", "click", "bounds", "native-host", "browser"], help="run only this part (for profiling work)")
    p.add_argument("--base", help="with --only click: an older applinkd to measure beside this one")
    p.add_argument("--baseline", metavar="BIN", help="with --only bounds: an older applinkd to measure beside this one")
    p.add_argument("--binary", metavar="BIN", help="with --only bounds: measure this applinkd instead of a release build")
    a = p.parse_args()
    rounds = a.rounds or (1 if a.quick else 3)
    if a.only == "bounds":
        if a.binary:
            applinkd = a.binary
        else:
            run(["cargo", "build", "--release", "--locked"], cwd=ROOT)
            applinkd = os.path.join(ROOT, "target/release/applinkd")
        binaries = {"this build": applinkd}
        if a.baseline:
            binaries[f"baseline ({a.baseline})"] = a.baseline
        work = tempfile.mkdtemp(prefix="applinkd-bench-")
        try:
            r = bounds(binaries, work, a.quick, rounds)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        print(json.dumps(r, indent=2))
        print(bounds_report(r))
        return
    applinkd, tools = build()
    work = tempfile.mkdtemp(prefix="applinkd-bench-")
    try:
        results = {"machine": machine(), "quick": a.quick}
        if a.only == "edits":
            print(json.dumps(edits(applinkd, tools, work, a.quick, rounds), indent=2))
            return
        if a.only == "reload":
            data = os.path.join(work, "million")
            generate(data, 20_000 if a.quick else 1_000_000, 10 if a.quick else 100)
            print(json.dumps(reload(applinkd, tools, work, a.quick, data), indent=2))
            return
        if a.only == "import":
            print(json.dumps(import_memory(applinkd, work, a.quick), indent=2))
            return
        if a.only == "memory":
            print(json.dumps(memory(applinkd, work, a.quick), indent=2))
            return
        if a.only == "identify":
            print(json.dumps(identify(applinkd, tools, work, a.quick, rounds), indent=2))
            return
        if a.only == "click":
            print(json.dumps(click_trust(applinkd, work, a.quick, a.base), indent=2))
            return
        if a.only == "native-host":
            print(json.dumps(native_host(applinkd, work, a.quick), indent=2))
            return
        if a.only == "browser":
            data = None
            if not a.quick:
                data = os.path.join(work, "million")
                generate(data, 1_000_000, 100)
            print(json.dumps(in_browser(applinkd, work, a.quick, data), indent=2))
            return
        print("redirects ...", flush=True)
        results["redirects"] = redirects(applinkd, tools, work, a.quick, rounds)
        if a.only == "redirects":
            print(json.dumps(results["redirects"], indent=2))
            return
        print("load ...", flush=True)
        results["load"] = load(applinkd, tools, work, a.quick, rounds)
        print("reload ...", flush=True)
        results["reload"] = reload(applinkd, tools, work, a.quick, results["load"]["data"])
        print("memory ...", flush=True)
        results["memory"] = memory(applinkd, work, a.quick)
        print("click to open ...", flush=True)
        results["click"] = click_to_open(applinkd, work, a.quick, results["load"]["data"])
        print("identify ...", flush=True)
        results["identify"] = identify(applinkd, tools, work, a.quick, rounds)
        print("edits ...", flush=True)
        results["edits"] = edits(applinkd, tools, work, a.quick, rounds)
        print("the click's trust check ...", flush=True)
        results["click_trust"] = click_trust(applinkd, work, a.quick)
        print("native host ...", flush=True)
        results["native_host"] = native_host(applinkd, work, a.quick, results["load"]["data"])
        print("in the browser ...", flush=True)
        results["browser"] = in_browser(applinkd, work, a.quick, None if a.quick else results["load"]["data"])
        print("identify's bounds ...", flush=True)
        results["bounds"] = bounds({"this build": applinkd}, work, a.quick, rounds)
        print("in process ...", flush=True)
        results["in_process"] = in_process(a.quick)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    text = report(results) + "\n### 8. Identify's bounds\n\n" + bounds_report(results["bounds"]) + "\n"
    text += "\n### 9. The native host, `route` on a kept-open port\n\n| link files | messages | median | p95 |\n|---|---:|---:|---:|\n"
    for name, m in results["native_host"].items():
        text += f"| {name} | {m['messages']} | {m['median_ms']:.2f} ms | {m['p95_ms']:.2f} ms |\n"
    b = results["browser"]
    text += "\n### 10. In the browser: the extension in headless Chromium\n\n"
    if "skipped" in b:
        text += f"skipped: {b['skipped']}\n"
    else:
        text += f"Link files: {b['links']}.\n\n| measure | runs | median | p95 | goal |\n|---|---:|---:|---:|---:|\n"
        text += f"| navigation committed → badge set, a record not seen before | {b['badge']['runs']} | {b['badge']['median_ms']:.1f} ms | {b['badge']['p95_ms']:.1f} ms | ≤ 25 ms |\n"
        text += f"| navigation committed → badge set, a record seen before | {b['badge_seen']['runs']} | {b['badge_seen']['median_ms']:.1f} ms | {b['badge_seen']['p95_ms']:.1f} ms | ≤ 25 ms |\n"
        text += f"| routed click → desktop program started (native host) | {b['routed_click']['runs']} | {b['routed_click']['median_ms']:.1f} ms | {b['routed_click']['p95_ms']:.1f} ms | ≤ 60 ms |\n"
        text += f"| `route` on the kept-open port, from the extension | {b['host_route']['messages']} | {b['host_route']['median_ms']:.2f} ms | {b['host_route']['p95_ms']:.2f} ms | ≤ 5 ms |\n"
    os.makedirs(os.path.join(ROOT, "target/bench"), exist_ok=True)
    with open(os.path.join(ROOT, "target/bench/results.md"), "w") as f:
        f.write(text + "\n")
    with open(os.path.join(ROOT, "target/bench/results.json"), "w") as f:
        json.dump(results, f, indent=2, default=str)
    print(text)
    assert results["redirects"]["servers"]["applinkd"]["non3xx"] == 0, "applinkd answered something other than a redirect"
    assert results["reload"]["failed"] == 0, "requests failed during reloads"


if __name__ == "__main__":
    main()
