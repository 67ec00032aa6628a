#!/usr/bin/env bash
# Follows docs/installation.md on a new CKAN portal made with `ckan generate config`
# (not demo.ini or test.ini) that already has datasets, and checks that they keep
# everything. Run by .ci/run (once, on CKAN 2.11.6) and `make install-check`.
#
#  1. builds the wheel and sdist with the project's command (scripts/dev.sh dist);
#  2. makes a clean virtualenv (.dev/install-check/venv) with `ckan[requirements]` only,
#     `ckan generate config`, its own database (sopsektoral_install_check), Solr core
#     (install_check_<minor>, with that CKAN's schema.xml), Redis db and storage path;
#  3. makes an "existing portal" with CKAN's default schema through the running portal's
#     API: a sysadmin and token, an organization, datasets with core fields, tags, a
#     license, free extras (sumber, catatan, a legacy frekuensi = Tahunan), a private
#     one, an uploaded file and a link resource, and saves their package_show;
#  4. runs the ```sh blocks of the "Installation" section of docs/installation.md in order,
#     as written (with CKAN_INI exported and the venv first on PATH). A block after
#     `<!-- install-check: skip ... -->` is not run; after `<!-- install-check: restart ... -->`
#     the script restarts its own `ckan run` and `ckan jobs worker` instead. Before the block
#     that runs `ckan db upgrade -p sopsektoral` it restarts the portal once (the
#     half-installed case) and checks that dataset pages and package_show still answer;
#  5. checks the restarted portal: every dataset still has every original field and extra,
#     value for value; pages, search, download, package_patch, resource_create, the edit
#     form; `ckan sopsektoral adopt` and `adopt --apply`; the Indonesian catalogue; the
#     options of the docs; the cron lines of the docs.
#
# One PASS/FAIL line per check, details in .dev/logs/install-check.log (the portal's log in
# install-check-web.log). Exits 1 if a check failed. What it starts (its portal, its worker)
# is stopped on exit; the shared PostgreSQL, Redis and Solr keep running.
#
# Environment: CKAN_VERSION (default 2.11.6), SOPSEKTORAL_INSTALL_CHECK_PORT (default 5055),
# the ports of scripts/dev.sh (SOPSEKTORAL_PG_PORT, ...); SOPSEKTORAL_INSTALL_CHECK_KEEP=1
# leaves the portal and its worker running at the end, to look at.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CKAN_VERSION=${CKAN_VERSION:-2.11.6}
# CKAN reads CKAN_SQLALCHEMY_URL, CKAN_SOLR_URL, CKAN_SITE_URL, ... over its config file:
# this portal is configured by its ckan.ini alone, on the local services of scripts/dev.sh.
for var in $(compgen -e | grep '^CKAN_'); do
    case $var in CKAN_VERSION) ;; *) unset "$var" ;; esac
done
CKAN_MINOR=$(echo "$CKAN_VERSION" | cut -d. -f1,2 | tr . _)
DEV=${SOPSEKTORAL_DEV_DIR:-$ROOT/.dev}
IC=$DEV/install-check
LOGS=$DEV/logs
LOG=$LOGS/install-check.log
WEB_LOG=$LOGS/install-check-web.log
WORKER_LOG=$LOGS/install-check-worker.log
PORT=${SOPSEKTORAL_INSTALL_CHECK_PORT:-5055}
PG_PORT=${SOPSEKTORAL_PG_PORT:-55432}
REDIS_PORT=${SOPSEKTORAL_REDIS_PORT:-56379}
SOLR_PORT=${SOPSEKTORAL_SOLR_PORT:-58983}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
DB=sopsektoral_install_check
CORE=install_check_$CKAN_MINOR
REDIS_DB=15
VENV=$IC/venv
SITE=http://127.0.0.1:$PORT
DOC=$ROOT/docs/installation.md
ADMIN=icadmin
ADMIN_PASSWORD=InstallCheck2026!
export CKAN_INI=$IC/ckan.ini IC SITE ROOT DOC

mkdir -p "$LOGS" "$IC"
: >"$LOG"
: >"$WEB_LOG"
: >"$WORKER_LOG"
results=()
failed=0
started=$SECONDS
restarted=0
half_done=0

log() { printf '%s\n' "$*" >>"$LOG"; }
say() { printf '\033[1m[install-check]\033[0m %s\n' "$*" >&2; log "==== $*"; }

# record STATUS NAME [DETAIL]: one summary line.
record() {
    local line
    line=$(printf '%-4s %s%s' "$1" "$2" "${3:+: $3}")
    results+=("$line")
    printf '%s\n' "$line"
    log "$line"
    [ "$1" = FAIL ] && failed=$((failed + 1))
    return 0
}

# check NAME COMMAND...: runs COMMAND (output to the log); PASS, or FAIL with its last line.
check() {
    local name=$1 rc t0=$SECONDS out=$IC/last.out
    shift
    printf '\n---- %s\n$ %s\n' "$name" "$*" >>"$LOG"
    "$@" >"$out" 2>&1
    rc=$?
    cat "$out" >>"$LOG"
    if [ $rc -eq 0 ]; then
        record PASS "$name" "$((SECONDS - t0))s$(sed -n 's/^NOTE: /; /p' "$out" | tr -d '\n')"
    else
        record FAIL "$name" "$(grep -v '^[[:space:]]*$' "$out" | tail -n 1 | cut -c1-400)"
    fi
    return $rc
}

summary() {
    local total=${#results[@]}
    echo
    if [ "$failed" -eq 0 ]; then
        echo "install check: PASSED, $total checks in $((SECONDS - started))s (log: $LOG)"
    else
        echo "install check: FAILED, $failed of $total checks in $((SECONDS - started))s (log: $LOG)"
        printf '%s\n' "${results[@]}" | grep '^FAIL' || true
    fi
}

# A step without which nothing after it means anything.
must() { check "$@" || { summary; exit 1; }; }

ckan() { "$VENV/bin/ckan" "$@"; }
icpy() { "$VENV/bin/python" "$IC/check.py" "$@"; }
psql_admin() { "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }

# ---------------------------------------------------------------- processes of our own
stop_pidfile() {
    local file=$1 pid i
    [ -f "$file" ] || return 0
    pid=$(cat "$file")
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null
        for i in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        kill -KILL "$pid" 2>/dev/null
    fi
    rm -f "$file"
}

portal_up() { curl -fsS -o /dev/null --max-time 5 "$SITE/api/3/action/status_show" 2>/dev/null; }

start_portal() {
    local i pid
    printf '\n==== ckan run (%s)\n' "$(date -Is)" >>"$WEB_LOG"
    (cd "$IC" && exec "$VENV/bin/ckan" run -H 127.0.0.1 -p "$PORT" -r >>"$WEB_LOG" 2>&1) &
    echo $! >"$IC/web.pid"
    pid=$!
    for i in $(seq 240); do
        portal_up && { echo "portal up at $SITE (pid $pid)"; return 0; }
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    tail -n 30 "$WEB_LOG"
    echo "the portal did not start (log: $WEB_LOG)"
    return 1
}

start_worker() {
    printf '\n==== ckan jobs worker (%s)\n' "$(date -Is)" >>"$WORKER_LOG"
    (cd "$IC" && exec "$VENV/bin/ckan" jobs worker >>"$WORKER_LOG" 2>&1) &
    echo $! >"$IC/worker.pid"
    sleep 2
    kill -0 "$(cat "$IC/worker.pid")" 2>/dev/null || { tail -n 20 "$WORKER_LOG"; echo "the jobs worker died"; return 1; }
    echo "worker pid $(cat "$IC/worker.pid")"
}

restart_portal() {
    stop_pidfile "$IC/web.pid"
    stop_pidfile "$IC/worker.pid"
    start_portal && start_worker
}

cleanup() {
    if [ -n "${SOPSEKTORAL_INSTALL_CHECK_KEEP:-}" ]; then
        echo "SOPSEKTORAL_INSTALL_CHECK_KEEP: the portal keeps running at $SITE (CKAN_INI=$CKAN_INI); stop it: kill $(cat "$IC/web.pid" "$IC/worker.pid" 2>/dev/null | tr '\n' ' ')"
        return
    fi
    stop_pidfile "$IC/web.pid"
    stop_pidfile "$IC/worker.pid"
    curl -fsS -o /dev/null --max-time 30 \
        "http://127.0.0.1:$SOLR_PORT/solr/admin/cores?action=UNLOAD&core=$CORE&deleteIndex=true" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- steps
build() {
    "$ROOT/scripts/dev.sh" dist
}

wheel_contents() {
    "$PYTHON" - "$ROOT" <<'PY'
import glob, subprocess, sys, tarfile, tomllib, zipfile
root = sys.argv[1]
version = tomllib.load(open(f"{root}/pyproject.toml", "rb"))["project"]["version"]
whl = f"{root}/dist/ckanext_sopsektoral-{version}-py3-none-any.whl"
sdist = f"{root}/dist/ckanext_sopsektoral-{version}.tar.gz"
# The files of the working tree the build sees: committed, or new and not ignored.
tracked = set(subprocess.check_output(["git", "-C", root, "ls-files", "--cached", "--others",
                                       "--exclude-standard", "ckanext/sopsektoral"], text=True).split())
tracked = {f for f in tracked if __import__("os").path.exists(f"{root}/{f}")}
mo = {f"ckanext/sopsektoral/i18n/{l}/LC_MESSAGES/ckanext-sopsektoral.mo"
      for l in ("id", "en")}
runtime = {f for f in tracked if not f.startswith("ckanext/sopsektoral/tests/")} | mo
in_wheel = {n for n in zipfile.ZipFile(whl).namelist() if n.startswith("ckanext/")}
prefix = f"ckanext_sopsektoral-{version}/"
in_sdist = {n[len(prefix):] for n in tarfile.open(sdist).getnames() if n.startswith(prefix)}
problems = [f"not in the wheel: {f}" for f in sorted(runtime - in_wheel)]
problems += [f"in the wheel, not a runtime file: {f}" for f in sorted(in_wheel - runtime)]
problems += [f"not in the sdist: {f}" for f in sorted((tracked | mo) - in_sdist)]
print(f"{whl}: {len(in_wheel)} files; {sdist}: {len(in_sdist)} entries")
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
}

make_venv() {
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV" || return 1
    "$VENV/bin/pip" install -q -U pip || return 1
    "$VENV/bin/pip" install -q "ckan[requirements]==$CKAN_VERSION" || return 1
    "$VENV/bin/python" -c "import ckan; print(ckan.__file__)" || return 1
    "$VENV/bin/pip" freeze >"$IC/freeze-ckan.txt"
    echo "CKAN $CKAN_VERSION in $VENV"
}

database() {
    psql_admin -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || return 1
    psql_admin -c "CREATE DATABASE $DB OWNER ckan_default ENCODING 'UTF8' TEMPLATE template0" || return 1
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" -n "$REDIS_DB" flushdb
}

configure() {
    rm -rf "$IC/storage" "$CKAN_INI"
    mkdir -p "$IC/storage"
    ckan generate config "$CKAN_INI" || return 1
    ckan config-tool "$CKAN_INI" \
        "sqlalchemy.url = postgresql://ckan_default:pass@127.0.0.1:$PG_PORT/$DB" \
        "solr_url = http://127.0.0.1:$SOLR_PORT/solr/$CORE" \
        "ckan.redis.url = redis://127.0.0.1:$REDIS_PORT/$REDIS_DB" \
        "ckan.storage_path = $IC/storage" \
        "ckan.site_url = $SITE" || return 1
    grep -E '^(ckan\.plugins|sqlalchemy\.url|solr_url|ckan\.redis\.url|ckan\.site_url|ckan\.csrf_protection\.ignore_extensions) ' "$CKAN_INI"
}

db_init() {
    ckan db init || return 1
    ckan search-index clear
}

sysadmin() {
    local token
    ckan user add "$ADMIN" email=icadmin@example.org password="$ADMIN_PASSWORD" fullname="Install Check" || return 1
    ckan sysadmin add "$ADMIN" || return 1
    token=$(ckan user token add "$ADMIN" install-check | tail -n 1 | tr -d '[:space:]')
    [ -n "$token" ] || { echo "no API token"; return 1; }
    printf '%s' "$token" >"$IC/token"
    echo "sysadmin $ADMIN with an API token"
}

# The ```sh blocks of the Installation section, in order, run as written.
run_doc_blocks() {
    local n=0 file marker title
    rm -rf "$IC/blocks"
    icpy blocks "$IC/blocks" >>"$LOG" 2>&1 || { record FAIL "docs: read the Installation section" "see $LOG"; return; }
    for file in "$IC"/blocks/*.sh; do
        [ -e "$file" ] || { record FAIL "docs: sh blocks in the Installation section" "none found"; return; }
        n=$((n + 1))
        marker=$(cat "${file%.sh}.marker")
        title="docs block $n: $(grep -v '^[[:space:]]*$' "$file" | head -n 1 | sed 's/[[:space:]]*\\$//' | cut -c1-72)"
        case $marker in
            skip*)
                record SKIP "$title" "$(printf '%s' "$marker" | sed -E 's/^skip[[:space:]]*\(?//; s/\)$//')"
                continue ;;
            restart*)
                check "$title (restarted this check's ckan run and jobs worker)" restart_portal && restarted=1
                continue ;;
        esac
        if [ "$half_done" = 0 ] && grep -q 'db upgrade -p sopsektoral' "$file"; then
            half_installed
            half_done=1
        fi
        check "$title" env PATH="$VENV/bin:$PATH" VIRTUAL_ENV="$VENV" bash -c 'cd "$ROOT" && set -euo pipefail && . "$1"' block "$file"
    done
    [ "$restarted" = 1 ] || record FAIL "docs: a restart of CKAN and the worker in the Installation section" "none marked <!-- install-check: restart -->"
    [ "$half_done" = 1 ] || record FAIL "docs: a block with ckan db upgrade -p sopsektoral" "not found"
}

# The plugin enabled, its tables not yet created, CKAN restarted anyway.
half_installed() {
    check "half-installed: portal restarted before db upgrade" restart_portal || return
    check "half-installed: dataset pages and package_show answer 200" icpy half
    check "half-installed: a sysadmin sees the command to run" icpy half-message
}

installed_from_wheel() {
    local out
    out=$("$VENV/bin/python" -c "import ckanext.sopsektoral, os; print(ckanext.sopsektoral.__file__)") || return 1
    echo "$out"
    "$VENV/bin/python" - "$out" "$ROOT" <<'PY'
import importlib.metadata, json, os, sys, sysconfig, tomllib
path, root = sys.argv[1], sys.argv[2]
site = sysconfig.get_paths()["purelib"]
assert path.startswith(site + os.sep), f"{path} is not in {site}"
assert not path.startswith(os.path.join(root, "ckanext") + os.sep), f"{path} is the source tree"
mo = os.path.join(os.path.dirname(path), "i18n", "id", "LC_MESSAGES", "ckanext-sopsektoral.mo")
assert os.path.isfile(mo), f"no {mo}"
want = tomllib.load(open(os.path.join(root, "pyproject.toml"), "rb"))["project"]["version"]
got = importlib.metadata.version("ckanext-sopsektoral")
assert got == want, f"installed {got}, pyproject says {want}"
direct = json.loads(importlib.metadata.distribution("ckanext-sopsektoral").read_text("direct_url.json") or "{}")
assert not direct.get("dir_info", {}).get("editable"), "an editable install"
print(f"ckanext-sopsektoral {got} in {site}, with {mo}")
PY
}

ckan_requirements_kept() {
    "$VENV/bin/pip" check || return 1
    "$VENV/bin/pip" freeze >"$IC/freeze-after.txt"
    "$VENV/bin/python" - "$IC/freeze-ckan.txt" "$IC/freeze-after.txt" <<'PY'
import sys
def read(p):
    out = {}
    for line in open(p):
        if "==" in line:
            name, version = line.strip().split("==", 1)
            out[name.lower().replace("_", "-")] = version
    return out
before, after = read(sys.argv[1]), read(sys.argv[2])
def key(v):
    return tuple(int(p) if p.isdigit() else 0 for p in v.split(".")[:4])
added = sorted(set(after) - set(before))
print("added:", " ".join(f"{n}=={after[n]}" for n in added))
removed = [n for n in before if n not in after]
down = [f"{n} {v} -> {after[n]}" for n, v in sorted(before.items()) if n in after and key(after[n]) < key(v)]
up = [f"{n} {v} -> {after[n]}" for n, v in sorted(before.items()) if n in after and key(after[n]) > key(v)]
if up:
    print("NOTE: upgraded " + ", ".join(up))
if removed or down:
    print("installing the extension removed or downgraded packages of CKAN's install:", "; ".join(removed + down))
    sys.exit(1)
PY
}

adopt_report() {
    ckan sopsektoral adopt >"$IC/adopt.out" 2>&1
    local rc=$?
    cat "$IC/adopt.out"
    [ $rc -eq 0 ] || { echo "ckan sopsektoral adopt exited $rc"; return 1; }
    icpy adopt-report "$IC/adopt.out"
}

adopt_apply() {
    ckan sopsektoral adopt --apply || { echo "ckan sopsektoral adopt --apply exited $?"; return 1; }
    icpy adopted
}

no_tracebacks() {
    local file bad=0
    for file in "$WEB_LOG" "$WORKER_LOG"; do
        if grep -q '^Traceback' "$file"; then
            grep -B2 -A0 '^[A-Za-z_.]*\(Error\|Exception\)' "$file" | tail -n 6
            echo "$(grep -c '^Traceback' "$file") traceback(s) in $file"
            bad=1
        fi
    done
    return $bad
}

cron_lines() {
    local cmd rc=0
    icpy cron-lines >"$IC/cron.txt" || { cat "$IC/cron.txt"; return 1; }
    while IFS= read -r cmd; do
        echo "\$ $cmd"
        env PATH="$VENV/bin:$PATH" bash -c "$cmd" || { echo "failed ($?): $cmd"; rc=1; }
    done <"$IC/cron.txt"
    return $rc
}

# ---------------------------------------------------------------- the helper in Python
write_helper() {
cat >"$IC/check.py" <<'PY'
"""Helper of scripts/install_check.sh: seeds the existing portal and checks it (written by it)."""
import ast
import configparser
import copy
import gettext
import hashlib
import html
import html.parser
import json
import os
import pathlib
import re
import sys

import requests

IC = pathlib.Path(os.environ["IC"])
SITE = os.environ["SITE"]
STATE = IC / "state.json"
MISSING = "<missing>"


class Failed(Exception):
    pass


def load():
    return json.loads(STATE.read_text()) if STATE.exists() else {}


def store(st):
    STATE.write_text(json.dumps(st, indent=1, ensure_ascii=False))


def token():
    return (IC / "token").read_text().strip()


def api(action, data=None, files=None, auth=True):
    headers = {"Authorization": token()} if auth else {}
    url = f"{SITE}/api/3/action/{action}"
    if files:
        r = requests.post(url, data=data, files=files, headers=headers, timeout=120)
    else:
        r = requests.post(url, json=data or {}, headers=headers, timeout=120)
    try:
        body = r.json()
    except ValueError:
        body = {"success": False, "error": r.text[-400:]}
    if r.status_code != 200 or not body.get("success"):
        raise Failed(f"{action}: HTTP {r.status_code} "
                     f"{json.dumps(body.get('error'), ensure_ascii=False)[:400]}")
    return body["result"]


# ------------------------------------------------------------ the existing portal
ORG = {"name": "dinas-lingkungan-hidup", "title": "Dinas Lingkungan Hidup"}
CSV = "kecamatan,luas_ha\nBalikpapan Selatan,12.5\nBalikpapan Utara,20.1\nBalikpapan Kota,7.25\n"
DATASETS = [
    {
        "name": "ruang-terbuka-hijau-2023",
        "title": "Luas Ruang Terbuka Hijau 2023",
        "notes": "Luas ruang terbuka hijau publik per kecamatan, **hektare**.",
        "author": "Bidang Tata Lingkungan",
        "author_email": "tatling@dlh.example.go.id",
        "maintainer": "Seksi Data dan Informasi DLH",
        "maintainer_email": "data@dlh.example.go.id",
        "version": "1.2",
        "url": "https://dlh.example.go.id/rth",
        "license_id": "cc-by",
        "tags": [{"name": "lingkungan"}, {"name": "taman"}],
        "extras": [
            {"key": "sumber", "value": "Survei lapangan DLH"},
            {"key": "catatan", "value": "Angka sementara"},
            {"key": "frekuensi", "value": "Tahunan"},
        ],
    },
    {
        "name": "jumlah-bank-sampah-2022",
        "title": "Jumlah Bank Sampah 2022",
        "notes": "Bank sampah aktif menurut kelurahan.",
        "author": "Bidang Pengelolaan Sampah",
        "author_email": "sampah@dlh.example.go.id",
        "maintainer": "Seksi Data dan Informasi DLH",
        "maintainer_email": "data@dlh.example.go.id",
        "version": "2022.1",
        "url": "https://dlh.example.go.id/bank-sampah",
        "license_id": "odc-odbl",
        "tags": [{"name": "sampah"}],
        "extras": [
            {"key": "sumber", "value": "Laporan bulanan bank sampah"},
            {"key": "catatan", "value": "Tidak termasuk bank sampah sekolah"},
        ],
    },
    {
        "name": "anggaran-pemeliharaan-taman-2024",
        "title": "Anggaran Pemeliharaan Taman 2024",
        "notes": "Rancangan, belum untuk publik.",
        "private": True,
        "author": "Subbagian Keuangan",
        "author_email": "keuangan@dlh.example.go.id",
        "version": "0.9",
        "url": "https://dlh.example.go.id/anggaran",
        "license_id": "other-closed",
        "tags": [{"name": "anggaran"}],
        "extras": [
            {"key": "sumber", "value": "DPA DLH 2024"},
            {"key": "frekuensi", "value": "Tahunan"},
        ],
    },
]


def cmd_seed():
    org = api("organization_create", ORG)
    st = {"org": org["name"], "names": [], "before": {}, "edited": [], "changes": {}}
    for spec in DATASETS:
        pkg = api("package_create", dict(spec, owner_org=org["id"]))
        st["names"].append(pkg["name"])
    first, second, third = st["names"]
    upload = api("resource_create", {"package_id": first, "name": "RTH per kecamatan",
                                     "format": "CSV", "description": "Unggahan"},
                 files={"upload": ("rth-2023.csv", CSV.encode(), "text/csv")})
    st["upload"] = {"id": upload["id"], "url": upload["url"],
                    "sha1": hashlib.sha1(CSV.encode()).hexdigest()}
    api("resource_create", {"package_id": first, "name": "Peta RTH", "format": "PDF",
                            "url": "https://dlh.example.go.id/peta-rth.pdf"})
    api("resource_create", {"package_id": second, "name": "Daftar bank sampah", "format": "XLSX",
                            "url": "https://dlh.example.go.id/bank-sampah.xlsx"})
    api("resource_create", {"package_id": third, "name": "DPA", "format": "PDF",
                            "url": "https://dlh.example.go.id/dpa-2024.pdf"})
    for name in st["names"]:
        st["before"][name] = api("package_show", {"id": name})
        (IC / f"before-{name}.json").write_text(
            json.dumps(st["before"][name], indent=1, ensure_ascii=False))
    store(st)
    print(f"organization {org['name']}, datasets {', '.join(st['names'])} "
          f"(saved in {IC}/before-*.json), an upload {st['upload']['url']}")


# ------------------------------------------------------------ comparing
def extras(pkg):
    return {e["key"]: e["value"] for e in pkg.get("extras") or []}


def value_of_extra(pkg, key):
    """A free extra, whether the schema keeps it in extras or shows it as a field."""
    ex = extras(pkg)
    if key in ex:
        return ex[key]
    return pkg.get(key, MISSING)


def same(a, b):
    """Equal values; an empty value (None, "") is the same as an absent key."""
    empty = (None, "", MISSING)
    return a == b or (a in empty and b in empty)


def differences(before, after, edited):
    """Every field and extra of `before` must be in `after` with its value; new keys are allowed.
    metadata_modified may change only when the dataset was edited."""
    out = []
    for key, value in before.items():
        if key == "extras":
            for k, v in extras(before).items():
                got = value_of_extra(after, k)
                if not same(got, v):
                    out.append(f"extra {k}: {v!r} -> {got!r}")
        elif key == "resources":
            now = {r["id"]: r for r in after.get("resources") or []}
            for res in value:
                if res["id"] not in now:
                    out.append(f"resource {res['name']!r} is gone")
                    continue
                for rk, rv in res.items():
                    if edited and rk == "metadata_modified":
                        continue
                    if not same(now[res["id"]].get(rk, MISSING), rv):
                        out.append(f"resource {res['name']!r} {rk}: {rv!r} -> "
                                   f"{now[res['id']].get(rk, MISSING)!r}")
        elif key == "num_resources":
            if after.get(key, 0) < value:
                out.append(f"num_resources: {value} -> {after.get(key)}")
        elif key == "tags":
            b = sorted(t["name"] for t in value)
            a = sorted(t["name"] for t in after.get("tags") or [])
            if a != b:
                out.append(f"tags: {b} -> {a}")
        elif key == "organization" and isinstance(value, dict):
            for ok, ov in value.items():
                if not same((after.get("organization") or {}).get(ok, MISSING), ov):
                    out.append(f"organization.{ok}: {ov!r} -> "
                               f"{(after.get('organization') or {}).get(ok, MISSING)!r}")
        elif key == "metadata_modified" and edited:
            continue
        elif key == "license_title":
            continue  # the license's label, in the language of the request (license_id counts)
        elif not same(after.get(key, MISSING), value):
            out.append(f"{key}: {value!r} -> {after.get(key, MISSING)!r}")
    return out


def expected(st, name):
    """The saved package_show with the changes this check made on purpose."""
    exp = copy.deepcopy(st["before"][name])
    for key, value in st["changes"].get(name, {}).items():
        if key.startswith("extra:"):
            for e in exp["extras"]:
                if e["key"] == key[6:]:
                    e["value"] = value
        else:
            exp[key] = value
    return exp


def compare_all(st, names=None):
    bad = []
    for name in names or st["names"]:
        after = api("package_show", {"id": name})
        for d in differences(expected(st, name), after, name in st["edited"]):
            bad.append(f"{name}: {d}")
    return bad


def cmd_compare():
    st = load()
    bad = compare_all(st)
    print("\n".join(bad))
    if bad:
        raise Failed(f"{len(bad)} difference(s), e.g. {bad[0]}")
    print(f"{len(st['names'])} datasets: every original field and extra kept")


# ------------------------------------------------------------ pages, forms
class Forms(html.parser.HTMLParser):
    """The forms of a page and the values a browser would submit."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.forms, self.form, self.select, self.option, self.textarea = [], None, None, None, None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.form = {"attrs": a, "fields": [], "buttons": []}
            self.forms.append(self.form)
            return
        if self.form is None:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind in ("submit", "image", "button"):
                self.form["buttons"].append((name, a.get("value") or ""))
            elif kind not in ("file", "reset"):
                self.form["fields"].append([name, a.get("value") or ""])
        elif tag == "button" and name and (a.get("type") or "submit") == "submit":
            self.form["buttons"].append((name, a.get("value") or ""))
        elif tag == "textarea" and name:
            self.textarea = [name, ""]
        elif tag == "select" and name:
            self.select = {"name": name, "options": [], "multiple": "multiple" in a}
        elif tag == "option" and self.select is not None:
            self.option = {"value": a.get("value"), "selected": "selected" in a, "text": ""}
            self.select["options"].append(self.option)

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data
        if self.option is not None:
            self.option["text"] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self.textarea is not None:
            name, value = self.textarea
            if value.startswith("\n"):
                value = value[1:]
            self.form["fields"].append([name, value])
            self.textarea = None
        elif tag == "option":
            self.option = None
        elif tag == "select" and self.select is not None:
            opts = self.select["options"]
            for o in opts:
                if o["value"] is None:
                    o["value"] = o["text"].strip()
            chosen = [o for o in opts if o["selected"]] or opts[:1]
            if not self.select["multiple"]:
                chosen = chosen[-1:]
            for o in chosen:
                self.form["fields"].append([self.select["name"], o["value"]])
            self.select = None
        elif tag == "form":
            self.form = None


def find_form(text, test, what):
    for form in Forms(text).forms:
        if test(form):
            return form
    raise Failed(f"{what} not found on the page")


def errors_of(text):
    m = re.search(r'class="error-explanation[^"]*"(.{0,2000})', text, re.S)
    if not m:
        return ""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", m.group(1))).split())[:400]


def keep_cookies(s):
    """Store the portal's cookies as a browser does. `ckan generate config` leaves
    SESSION_COOKIE_DOMAIN empty, so CKAN sends `Domain=;`, which browsers ignore (a host-only
    cookie) but Python's cookie jar rejects: without this the CSRF session token is lost."""
    from http.cookies import SimpleCookie

    def hook(r, *args, **kwargs):
        for header in r.raw.headers.getlist("Set-Cookie"):
            for name, morsel in SimpleCookie(header).items():
                s.cookies.set(name, morsel.value, path=morsel["path"] or "/")
        return r

    s.hooks["response"].append(hook)
    return s


def session():
    s = keep_cookies(requests.Session())
    r = s.get(f"{SITE}/user/login", timeout=60)
    if r.status_code != 200:
        raise Failed(f"GET /user/login: {r.status_code}")
    form = find_form(r.text, lambda f: any(k == "login" for k, _ in f["fields"]), "the login form")
    fields = [f for f in form["fields"] if f[0] not in ("login", "password")]
    fields += [["login", "icadmin"], ["password", "InstallCheck2026!"]]
    r = s.post(f"{SITE}/user/login", data=fields, allow_redirects=False, timeout=60)
    if r.status_code not in (302, 303):
        raise Failed(f"login: HTTP {r.status_code} {errors_of(r.text)}")
    return s


def get(s, path, want=200):
    r = s.get(f"{SITE}{path}", timeout=120, allow_redirects=False)
    if r.status_code != want:
        raise Failed(f"GET {path}: HTTP {r.status_code} (wanted {want}) {errors_of(r.text)}")
    return r


def public(st):
    return [n for n in st["names"] if not st["before"][n].get("private")]


def cmd_half():
    cmd_pages()
    for name in load()["names"]:
        api("package_show", {"id": name})
        print(f"package_show {name}: 200")


def cmd_half_message():
    st = load()
    s = session()
    text = get(s, f"/dataset/{st['names'][0]}").text
    if "db upgrade -p sopsektoral" not in html.unescape(text):
        raise Failed(f"/dataset/{st['names'][0]} does not name `ckan db upgrade -p sopsektoral`")
    print("the page names the command")


def cmd_status():
    ext = api("status_show")["extensions"]
    print("extensions:", ext)
    for plugin in ("activity", "sopsektoral", "scheming_datasets"):
        if plugin not in ext:
            raise Failed(f"{plugin} not loaded: {ext}")


def cmd_config():
    cp = configparser.ConfigParser(interpolation=None, strict=False)
    cp.read(os.environ["CKAN_INI"])
    conf = cp["app:main"]
    want = {
        "ckan.display_timezone": "Asia/Makassar",
        "ckan.csrf_protection.ignore_extensions": "false",
        "ckan.locale_default": "id",
        "ckan.locales_offered": "id en",
        "scheming.dataset_schemas": "ckanext.sopsektoral:schemas/dataset.yaml",
    }
    bad = [f"{k} = {conf.get(k)!r} (wanted {v!r})" for k, v in want.items() if conf.get(k) != v]
    plugins = conf.get("ckan.plugins", "").split()
    print("ckan.plugins =", " ".join(plugins))
    if "activity" not in plugins:
        bad.append("ckan.plugins lost the portal's own plugin (activity)")
    if "sopsektoral" not in plugins or "scheming_datasets" not in plugins:
        bad.append("ckan.plugins lacks sopsektoral or scheming_datasets")
    elif plugins.index("sopsektoral") > plugins.index("scheming_datasets"):
        bad.append("sopsektoral is not before scheming_datasets")
    if len(plugins) != len(set(plugins)):
        bad.append("a plugin is listed twice")
    if bad:
        raise Failed("; ".join(bad))
    print("options as in docs/installation.md")


def cmd_pages():
    st = load()
    for name in public(st):
        get(requests, f"/dataset/{name}")
        print(f"GET /dataset/{name}: 200")
    s = session()
    for name in st["names"]:
        get(s, f"/dataset/{name}")
        print(f"GET /dataset/{name} (sysadmin): 200")


def cmd_search():
    st = load()
    for name in st["names"]:
        res = api("package_search", {"fq": f'name:"{name}"', "include_private": True})
        if res["count"] != 1:
            raise Failed(f"package_search name:{name}: {res['count']} results")
    title = st["before"][st["names"][0]]["title"]
    res = api("package_search", {"q": "Ruang Terbuka Hijau"})
    if st["names"][0] not in [p["name"] for p in res["results"]]:
        raise Failed(f"package_search q='Ruang Terbuka Hijau' does not find {title!r}")
    print("package_search finds every dataset")


def cmd_download():
    st = load()
    r = requests.get(st["upload"]["url"], timeout=60)
    if r.status_code != 200 or hashlib.sha1(r.content).hexdigest() != st["upload"]["sha1"]:
        raise Failed(f"GET {st['upload']['url']}: HTTP {r.status_code}, not the uploaded file")
    print("the uploaded file downloads unchanged")


def cmd_i18n():
    import ckanext.sopsektoral as pkg
    mo = pathlib.Path(pkg.__file__).parent / "i18n" / "id" / "LC_MESSAGES" / "ckanext-sopsektoral.mo"
    msgid = "Who else may do what"  # a heading of the SOP page (the title comes from the SOP file)
    with open(mo, "rb") as f:
        translated = gettext.GNUTranslations(f).gettext(msgid)
    if translated == msgid:
        raise Failed(f"{mo} has no Indonesian for {msgid!r}")
    page = html.unescape(get(requests, "/sopsektoral/sop").text)
    if translated not in page:
        raise Failed(f"/sopsektoral/sop (locale id) does not show {translated!r}")
    page_en = html.unescape(get(requests, "/en/sopsektoral/sop").text)
    if msgid not in page_en:
        raise Failed(f"/en/sopsektoral/sop does not show {msgid!r}")
    print(f"/sopsektoral/sop shows {translated!r}, /en/sopsektoral/sop {msgid!r}")


def cmd_patch():
    st = load()
    name = st["names"][1]
    notes = "Bank sampah aktif menurut kelurahan (diperbarui dengan package_patch)."
    api("package_patch", {"id": name, "notes": notes})
    st["changes"].setdefault(name, {})["notes"] = notes
    st["edited"] = sorted(set(st["edited"]) | {name})
    store(st)
    bad = compare_all(st, [name])
    if bad:
        raise Failed(f"package_patch of notes changed other fields: {'; '.join(bad)}")
    if api("package_show", {"id": name})["notes"] != notes:
        raise Failed("package_patch did not change notes")
    print(f"package_patch {name} notes: every other field and extra kept")


def cmd_resource():
    st = load()
    for name in (st["names"][1], st["names"][2]):
        res = api("resource_create", {"package_id": name, "name": "Tambahan setelah instalasi",
                                      "format": "CSV", "url": "https://dlh.example.go.id/tambahan.csv"})
        st["edited"] = sorted(set(st["edited"]) | {name})
        store(st)
        bad = compare_all(st, [name])
        if bad:
            raise Failed(f"resource_create on {name} changed other fields: {'; '.join(bad)}")
        print(f"resource_create on {name}: {res['id']}")


def edit_form(s, name):
    r = get(s, f"/dataset/edit/{name}")
    return find_form(r.text, lambda f: f["attrs"].get("id") == "dataset-edit"
                     or "/dataset/edit/" in (f["attrs"].get("action") or ""), "the dataset form")


def post_form(s, name, form, change=None):
    fields = [list(f) for f in form["fields"]]
    for key, value in (change or {}).items():
        for f in fields:
            if f[0] == key:
                f[1] = value
    buttons = [b for b in form["buttons"] if b[0] == "save"] or form["buttons"][:1]
    fields += [list(b) for b in buttons[:1]]
    action = form["attrs"].get("action") or f"/dataset/edit/{name}"  # action="": the page itself
    url = action if action.startswith("http") else f"{SITE}{action}"
    if "multipart" in (form["attrs"].get("enctype") or ""):
        r = s.post(url, files=[(k, (None, v)) for k, v in fields], allow_redirects=False, timeout=120)
    else:
        r = s.post(url, data=fields, allow_redirects=False, timeout=120)
    if r.status_code not in (302, 303):
        raise Failed(f"POST {action}: HTTP {r.status_code} {errors_of(r.text)}")
    print(f"POST {action} -> {r.status_code} {r.headers.get('Location')}")


def cmd_form_get():
    st = load()
    s = session()
    for name in st["names"]:
        form = edit_form(s, name)
        print(f"GET /dataset/edit/{name}: 200, {len(form['fields'])} fields")
        if not any(f[0] == "_csrf_token" and f[1] for f in form["fields"]):
            raise Failed(f"/dataset/edit/{name}: no _csrf_token in the form")


def cmd_form_post():
    st = load()
    s = session()
    name = st["names"][0]
    post_form(s, name, edit_form(s, name))
    st["edited"] = sorted(set(st["edited"]) | {name})
    store(st)
    bad = compare_all(st, [name])
    if bad:
        raise Failed(f"saving the edit form unchanged lost: {'; '.join(bad)}")
    print(f"{name}: saved through the form, every field and extra kept")


def cmd_form_extra():
    st = load()
    s = session()
    name = st["names"][0]
    form = edit_form(s, name)
    new = "Angka tetap (diubah lewat formulir)"
    names = dict(form["fields"])
    target = None
    for k, v in form["fields"]:
        if v == "catatan" and k.endswith("__key"):
            target = k[: -len("__key")] + "__value"
    if target is None and "catatan" in names:
        target = "catatan"
    if target is None or target not in names:
        raise Failed("the edit form has no field for the free extra catatan")
    post_form(s, name, form, {target: new})
    st["changes"].setdefault(name, {})["extra:catatan"] = new
    store(st)
    bad = compare_all(st, [name])
    if bad:
        raise Failed(f"editing the free extra catatan in the form: {'; '.join(bad)}")
    print(f"{name}: catatan edited through the form ({target}), everything else kept")


def cmd_adopt_report(path):
    st = load()
    out = pathlib.Path(path).read_text()
    missing = [n for n in st["names"] if n not in out]
    if missing:
        raise Failed(f"the adopt report does not name {', '.join(missing)}")
    if "klasifikasi_akses" not in out:
        raise Failed("the adopt report does not mention klasifikasi_akses")
    bad = compare_all(st)
    if bad:
        raise Failed(f"ckan sopsektoral adopt (without --apply) changed: {'; '.join(bad)}")
    # What the report says --apply would change in values the dataset has ("change KEY: A -> B"):
    # adopt --apply may make exactly those changes, nothing else.
    announced, current = {}, None
    for line in out.splitlines():
        m = re.match(r"(\S+) \(", line)
        if m and m.group(1) in st["names"]:
            current = m.group(1)
            continue
        # "change" lines marked "(with --normalise)" are not made by --apply alone.
        m = re.match(r"\s+change\s+(\S+): (.*) -> (.*)$", line)
        if m and current and not line.rstrip().endswith("(with --normalise)"):
            announced.setdefault(current, {})[m.group(1)] = ast.literal_eval(m.group(3))
    st["announced"] = announced
    store(st)
    print("the report names every dataset; nothing changed")
    if announced:
        print("NOTE: --apply announces " + ", ".join(
            f"{n}: {k} -> {v!r}" for n, c in announced.items() for k, v in c.items()))


def cmd_adopted():
    st = load()
    for name in st["names"]:
        pkg = api("package_show", {"id": name})
        value = pkg.get("klasifikasi_akses")
        if not value:
            raise Failed(f"{name}: klasifikasi_akses still empty after adopt --apply")
        hit = api("package_search", {"fq": f'name:"{name}"', "include_private": True})["results"]
        if not hit or hit[0].get("klasifikasi_akses") != value:
            raise Failed(f"{name}: the search index was not updated (klasifikasi_akses "
                         f"{hit[0].get('klasifikasi_akses') if hit else None!r}, wanted {value!r})")
        print(f"{name}: klasifikasi_akses = {value} (indexed)")
    st["edited"] = list(st["names"])
    for name, changes in st.get("announced", {}).items():
        keys = extras(st["before"][name])
        for key, value in changes.items():
            st["changes"].setdefault(name, {})[f"extra:{key}" if key in keys else key] = value
    store(st)
    bad = compare_all(st)
    if bad:
        raise Failed(f"adopt --apply changed more than its report announced: {'; '.join(bad)}")


def cmd_blocks(outdir):
    """The ```sh blocks of the Installation section, each with the install-check marker before it."""
    outdir = pathlib.Path(outdir)
    outdir.mkdir(parents=True)
    lines = pathlib.Path(os.environ["DOC"]).read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "## Installation")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    n, i, marker = 0, start + 1, ""
    while i < end:
        line = lines[i]
        m = re.match(r"\s*<!--\s*install-check:\s*(.*?)\s*-->", line)
        if m:
            marker = m.group(1)
        elif re.match(r"\s*```(sh|bash)\s*$", line):
            indent = len(line) - len(line.lstrip())
            body = []
            i += 1
            while i < end and not lines[i].strip().startswith("```"):
                body.append(lines[i][indent:])
                i += 1
            n += 1
            (outdir / f"{n:02d}.sh").write_text("\n".join(body) + "\n")
            (outdir / f"{n:02d}.marker").write_text(marker)
            print(f"block {n} [{marker or 'run'}]:", *body, sep="\n  ")
            marker = ""
        elif line.strip():
            marker = "" if not line.lstrip().startswith("<!--") else marker
        i += 1


def cmd_cron_lines():
    """The commands of the ```cron blocks, as this check can run them."""
    text = pathlib.Path(os.environ["DOC"]).read_text()
    commands = []
    for block in re.findall(r"```cron\n(.*?)```", text, re.S):
        for line in block.splitlines():
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            command = line.split(None, 5)[5]
            command = re.sub(r"\s*>>?.*$", "", command)
            command = re.sub(r"^\S*/bin/ckan\b", "ckan", command)
            command = re.sub(r"\s-c\s+\S+", "", command)
            commands.append(command)
    if not commands:
        raise Failed("no ```cron block in docs/installation.md")
    print("\n".join(commands))


if __name__ == "__main__":
    command, args = sys.argv[1].replace("-", "_"), sys.argv[2:]
    try:
        globals()[f"cmd_{command}"](*args)
    except Failed as e:
        print(e)
        sys.exit(1)
PY
}

# ---------------------------------------------------------------- the run
say "CKAN $CKAN_VERSION, portal $SITE, log $LOG"
stop_pidfile "$IC/web.pid"      # left over from an interrupted run
stop_pidfile "$IC/worker.pid"
if portal_up; then
    record FAIL "port $PORT is free" "something answers on $SITE; set SOPSEKTORAL_INSTALL_CHECK_PORT"
    summary; exit 1
fi

must "build: wheel and sdist (scripts/dev.sh dist)" build
check "build: the wheel has every runtime file and the .mo catalogues, no tests" wheel_contents
must "shared services: PostgreSQL, Redis, Solr" "$ROOT/scripts/dev.sh" services test
must "clean virtualenv with ckan[requirements]==$CKAN_VERSION only" make_venv
write_helper
must "Solr core $CORE with CKAN $CKAN_VERSION's schema.xml" "$ROOT/scripts/dev.sh" solr-core "$CORE" "$VENV/bin/python"
must "database $DB (dropped and created) and Redis db $REDIS_DB" database
must "ckan generate config + config-tool (database, Solr, Redis, storage, site_url)" configure
must "ckan db init" db_init
must "ckan run (existing portal, default schema)" start_portal
must "existing portal: sysadmin and API token" sysadmin
must "existing portal: organization, datasets with extras, a private one, an upload" icpy seed
check "existing portal: dataset pages answer" icpy pages

say "following docs/installation.md"
run_doc_blocks
check "installed from the wheel into site-packages, with the id .mo" installed_from_wheel
check "pip check passes; no package of CKAN's install removed or downgraded" ckan_requirements_kept

say "checking the portal after the installation"
check "portal runs sopsektoral and scheming_datasets (and kept activity)" icpy status
check "ckan.ini has the options of the docs (timezone, CSRF, locales, plugins)" icpy config
check "existing datasets: every original field and extra, unchanged" icpy compare
check "existing datasets: /dataset/NAME answers 200" icpy pages
check "existing datasets: package_search finds them" icpy search
check "existing datasets: the uploaded file downloads" icpy download
check "Indonesian catalogue on /sopsektoral/sop" icpy i18n
check "package_patch of notes keeps every other field and extra" icpy patch
check "resource_create on old datasets (public and private)" icpy resource
check "edit form GET /dataset/edit/NAME answers 200 with a CSRF token" icpy form-get
check "edit form saved unchanged keeps author, version, url and free extras" icpy form-post
check "edit form: a free extra is editable" icpy form-extra
check "ckan sopsektoral adopt reports and changes nothing" adopt_report
check "ckan sopsektoral adopt --apply fills klasifikasi_akses, reindexes, changes only what it announced" adopt_apply
check "the cron lines of the docs run" cron_lines
check "existing datasets: every original field and extra at the end" icpy compare
check "no traceback in the logs of the portal and the jobs worker" no_tracebacks

summary
[ "$failed" -eq 0 ]
