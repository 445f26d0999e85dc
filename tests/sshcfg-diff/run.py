#!/usr/bin/env python3
"""Differential test of cswarm's ~/.ssh/config reading against OpenSSH.

Every cases/*.conf file is an ssh config; its "#> HOST [-l USER] [-p PORT]"
lines (comments to OpenSSH) are the lookups. Each lookup runs
`ssh -G -F FILE [-l USER] [-p PORT] HOST` and cswarm's
build/asan/tools/ssh_resolve with the same arguments, and compares the
keywords cswarm uses. Both refusing the file counts as identical.

ssh -G prints IdentityFile as written (ssh expands it when loading keys):
it is expanded here as ssh.c does (~ from the passwd entry, %-tokens,
${VAR}), and "none" entries, which ssh skips, are dropped.

Any other difference fails, unless expected-differences lists it with a
reason; a listed difference that no longer occurs fails too (remove it).
Prints TAP, then "# N of M lookups identical to ssh -G".

Usage: tests/sshcfg-diff/run.py [CASE.conf...]
"""
import hashlib
import os
import pwd
import re
import shlex
import socket
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOOL = os.environ.get("SSH_RESOLVE", os.path.join(ROOT, "build/asan/tools/ssh_resolve"))
KEYWORDS = ["hostname", "port", "user", "identityfile", "proxyjump", "proxycommand",
            "userknownhostsfile", "stricthostkeychecking", "connecttimeout"]


def run(argv, env):
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       env=env, timeout=60)
    return p.returncode, p.stdout, p.stderr


def parse(text):
    """The keywords compared, as {keyword: [values]}."""
    got = {}
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if key in KEYWORDS:
            got.setdefault(key, []).append(value)
    return got


def expand_identity(path, g, alias, env):
    """ssh.c's tilde_expand_filename + default_client_percent_dollar_expand."""
    pw = pwd.getpwuid(os.getuid())
    if path.startswith("~"):
        user, _, rest = path[1:].partition("/")
        home = pwd.getpwnam(user).pw_dir if user else pw.pw_dir
        path = home.rstrip("/") + "/" + rest.lstrip("/")
    host, port, user = g["hostname"][0], g["port"][0], g["user"][0]
    local = socket.gethostname()
    tokens = {
        "%": "%", "d": pw.pw_dir, "h": host, "r": user, "p": port, "n": alias, "k": alias,
        "u": pw.pw_name, "i": str(os.getuid()), "l": local, "L": local.split(".")[0],
        "C": hashlib.sha1((local + host + port + user).encode()).hexdigest(),
    }
    path = re.sub(r"\$\{([^}]+)\}", lambda m: env[m.group(1)], path)
    return re.sub(r"%(.)", lambda m: tokens[m.group(1)], path)


def ssh_view(g, alias, env):
    ids = [i for i in g.get("identityfile", []) if i.lower() != "none"]
    if ids:
        g["identityfile"] = [expand_identity(i, g, alias, env) for i in ids]
    else:
        g.pop("identityfile", None)
    return g


def load_expected(path):
    """map rules {keyword: {from: to}} and listed differences {(case, n, kw): reason}."""
    maps, listed = {}, {}
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            head, sep, reason = line.partition(": ")
            words = head.split()
            if not sep or not reason.strip():
                sys.exit(f"{path}:{lineno}: every entry needs \": reason\"")
            if words[0] == "map" and len(words) == 4:
                maps.setdefault(words[1], {})[words[2]] = words[3]
            elif len(words) == 2 and "#" in words[0]:
                case, n = words[0].rsplit("#", 1)
                listed[(case, int(n), words[1])] = reason
            else:
                sys.exit(f"{path}:{lineno}: expected \"map KEYWORD FROM TO: reason\" "
                         f"or \"CASE#N KEYWORD: reason\"")
    return maps, listed


def lookups(path):
    with open(path, errors="replace") as f:
        return [shlex.split(l[2:]) for l in f if l.startswith("#>")]


def compare(case, args, env, maps):
    """{keyword: (ssh, cswarm)} for every keyword that differs."""
    conf = os.path.join(HERE, "cases", case)
    alias = args[0]
    s_rc, s_out, s_err = run(["ssh", "-G", "-F", conf] + args, env)
    c_rc, c_out, c_err = run([TOOL, "-F", conf] + args, env)
    if s_rc or c_rc:
        if s_rc and c_rc:
            return {}
        return {"error": (s_err.strip().splitlines()[-1:] if s_rc else "accepted",
                          c_err.strip() if c_rc else "accepted")}
    s, c = ssh_view(parse(s_out), alias, env), parse(c_out)
    diffs = {}
    for kw in KEYWORDS:
        sv = [maps.get(kw, {}).get(v, v) for v in s.get(kw, [])]
        if sv != c.get(kw, []):
            diffs[kw] = (sv, c.get(kw, []))
    return diffs


def main():
    env = dict(os.environ, HOME=os.path.join(HERE, "home"))
    env.pop("CSWARM_KNOWN_HOSTS", None)
    env.pop("CSWARM_SSH_CONFIG", None)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1")
    maps, listed = load_expected(os.path.join(HERE, "expected-differences"))
    cases = sys.argv[1:] or sorted(f for f in os.listdir(os.path.join(HERE, "cases"))
                                   if f.endswith(".conf"))
    used, n, identical, failed = set(), 0, 0, 0
    for case in cases:
        for i, args in enumerate(lookups(os.path.join(HERE, "cases", case)), 1):
            n += 1
            diffs = compare(case, args, env, maps)
            identical += not diffs
            unlisted = [kw for kw in diffs if (case, i, kw) not in listed]
            stale = [kw for (c, j, kw) in listed if (c, j) == (case, i) and kw not in diffs]
            used.update((case, i, kw) for kw in diffs)
            what = f"{case}#{i}: {' '.join(args)}"
            if unlisted or stale:
                failed += 1
                print(f"not ok {n} - {what}")
                for kw in unlisted:
                    print(f"#   {kw}: ssh -G {diffs[kw][0]!r}, cswarm {diffs[kw][1]!r}")
                for kw in stale:
                    print(f"#   {kw}: listed in expected-differences but identical now")
            else:
                notes = "; ".join(f"{kw}: {listed[(case, i, kw)]}" for kw in diffs)
                print(f"ok {n} - {what}" + (f" # expected difference: {notes}" if notes else ""))
    print(f"1..{n}")
    print(f"# {identical} of {n} lookups identical to ssh -G")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
