#!/usr/bin/env bash
# The development stack of ckanext-sopsektoral, without Docker:
#   a virtualenv per CKAN version, PostgreSQL 15 and Redis from Debian's packages,
#   and Solr 9 from Maven Central artifacts (tools/solr-runner).
# Everything lives under .dev/ (logs in .dev/logs). Every step is idempotent.
#
# Where CKAN_SQLALCHEMY_URL, CKAN_SOLR_URL and CKAN_REDIS_URL are set, those
# services are used as they are and nothing is started for them.
#
# Usage: scripts/dev.sh COMMAND
#   venv        create/refresh the virtualenv for $CKAN_VERSION
#   services    start PostgreSQL, Redis and Solr (those not given by CKAN_* URLs)
#   test-env    print the exports the test suite runs with
#   demo-env    print the exports the demo runs with
#   test [ARGS] set up everything and run pytest (ARGS go to pytest)
#   test-second-sop [ARGS]  the SOP-dependent tests on the second SOP file (another region's)
#   lint        ruff check of the code
#   bench [ARGS] set up everything and run scripts/benchmark.py in its own database
#   demo        set up everything, load demo data, serve http://127.0.0.1:5000
#   demo-start  as demo, but in the background (stop with `make stop`)
#   dist        build the wheel and sdist into dist/ (python -m build)
#   solr-core NAME [PYTHON]  start Solr and create (or refresh) the core NAME with the
#               schema.xml of the CKAN that PYTHON imports (default: the venv's)
#   stop        stop whatever this script started
#   status      show what runs
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEV=${SOPSEKTORAL_DEV_DIR:-$ROOT/.dev}
LOGS=$DEV/logs
CKAN_VERSION=${CKAN_VERSION:-2.11.6}
SCHEMING_VERSION=${SCHEMING_VERSION:-3.1.0}
RUFF_VERSION=${RUFF_VERSION:-0.16.9}
PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
VENV=$DEV/venv-$CKAN_VERSION
CKAN_MINOR=$(echo "$CKAN_VERSION" | cut -d. -f1,2 | tr . _)
# Another name gives the test suite its own database, Solr core and Redis
# database, so that two runs (e.g. two developers' checkouts) do not collide.
TEST_PURPOSE=${SOPSEKTORAL_TEST_PURPOSE:-test}

PG_PORT=${SOPSEKTORAL_PG_PORT:-55432}
REDIS_PORT=${SOPSEKTORAL_REDIS_PORT:-56379}
SOLR_PORT=${SOPSEKTORAL_SOLR_PORT:-58983}
DEMO_PORT=${SOPSEKTORAL_DEMO_PORT:-5000}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DATA=$DEV/pgdata
PG_SOCKET=$DEV/pgrun
SOLR_HOME=$DEV/solr/home
SOLR_RUNNER=$ROOT/tools/solr-runner
SOLR_JAR=$SOLR_RUNNER/target/ckan-solr-runner-1.0.0.jar

mkdir -p "$LOGS"

say() { printf '\033[1m[dev]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[dev] %s\033[0m\n' "$*" >&2; exit 1; }

# Run a command as the postgres user when we are root (initdb refuses root).
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

apt_install() {
    [ "$(id -u)" = 0 ] || die "missing system packages ($*); install them: sudo apt-get install -y $*"
    say "installing Debian packages: $*"
    if [ ! -f "$DEV/.apt-updated" ]; then
        apt-get update -qq >>"$LOGS/apt.log" 2>&1
        touch "$DEV/.apt-updated"
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >>"$LOGS/apt.log" 2>&1 \
        || { tail -n 20 "$LOGS/apt.log" >&2; die "apt-get install $* failed"; }
}

ensure_system_packages() {
    local missing=()
    [ -x "$PG_BIN/initdb" ] || missing+=(postgresql-15)
    command -v pg_config >/dev/null || missing+=(libpq-dev)
    if [ -z "${CKAN_REDIS_URL:-}" ]; then command -v redis-server >/dev/null || missing+=(redis-server); fi
    if [ -z "${CKAN_SOLR_URL:-}" ]; then
        command -v java >/dev/null || missing+=(openjdk-17-jdk-headless)
        command -v mvn >/dev/null || missing+=(maven)
    fi
    # The letter's PDF: WeasyPrint renders with Pango, in Liberation Sans (metric-compatible with
    # Arial, the Tata Naskah Dinas face) or DejaVu; the tests read it back with poppler's pdftotext
    # and check its signature with pdfsig (trusting the test CA through NSS's certutil).
    [ -e /usr/lib/x86_64-linux-gnu/libpango-1.0.so.0 ] || ls /usr/lib/*/libpango-1.0.so.0 >/dev/null 2>&1 \
        || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
    [ -d /usr/share/fonts/truetype/liberation2 ] || missing+=(fonts-liberation2)
    [ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)
    command -v pdfsig >/dev/null || missing+=(poppler-utils)
    command -v certutil >/dev/null || missing+=(libnss3-tools)  # pdfsig trusting the test CA
    [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

# ---------------------------------------------------------------- virtualenv
venv() {
    local stamp=$VENV/.sopsektoral-stamp want
    want="$CKAN_VERSION $SCHEMING_VERSION $(cat "$ROOT/pyproject.toml" "$ROOT/setup.py" "$ROOT/setup.cfg" | sha1sum | cut -c1-12)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        compile_catalogs
        return 0
    fi
    ensure_system_packages
    say "virtualenv $VENV (CKAN $CKAN_VERSION, ckanext-scheming $SCHEMING_VERSION)"
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    {
        "$VENV/bin/pip" install -q -U pip "setuptools<81" wheel
        "$VENV/bin/pip" install -q "ckan[requirements,dev]==$CKAN_VERSION" "ckanext-scheming==$SCHEMING_VERSION"
        # The test extras (schemathesis for the contract test included) with CKAN's pytest kept:
        # the newest schemathesis wants a newer pytest than CKAN 2.10 and 2.11 pin, and pip
        # then picks the schemathesis that works with it.
        "$VENV/bin/pip" freeze | grep -i '^pytest==' >"$VENV/ckan-pins.txt"
        "$VENV/bin/pip" install -q -c "$VENV/ckan-pins.txt" -e "$ROOT[test,contract,browser]"
    } >>"$LOGS/pip-$CKAN_VERSION.log" 2>&1 || { tail -n 30 "$LOGS/pip-$CKAN_VERSION.log" >&2; die "pip install failed"; }
    compile_catalogs
    echo "$want" >"$stamp"
}

compile_catalogs() {
    # .mo files are build products: compiled from the committed .po catalogues.
    local i18n=$ROOT/ckanext/sopsektoral/i18n po mo
    for po in "$i18n"/*/LC_MESSAGES/ckanext-sopsektoral.po; do
        [ -f "$po" ] || continue
        mo=${po%.po}.mo
        if [ ! -f "$mo" ] || [ "$po" -nt "$mo" ]; then
            "$VENV/bin/pybabel" -q compile -i "$po" -o "$mo" -D ckanext-sopsektoral
        fi
    done
}

# ---------------------------------------------------------------- PostgreSQL
pg_running() { as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }

postgres_start() {
    ensure_system_packages
    if [ ! -f "$PG_DATA/PG_VERSION" ]; then
        say "initialising PostgreSQL cluster in $PG_DATA"
        mkdir -p "$PG_DATA" "$PG_SOCKET"
        [ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_DATA" "$PG_SOCKET"
        as_pg test -w "$PG_DATA" || die "the postgres user cannot write $PG_DATA (a parent folder is not reachable for it?)"
        as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$LOGS/initdb.log" 2>&1 \
            || { tail -n 20 "$LOGS/initdb.log" >&2; die "initdb failed"; }
        touch "$LOGS/postgres.log"
        [ "$(id -u)" = 0 ] && chown postgres:postgres "$LOGS/postgres.log"
    fi
    if ! pg_running; then
        say "starting PostgreSQL 15 on 127.0.0.1:$PG_PORT"
        mkdir -p "$PG_SOCKET"; [ "$(id -u)" = 0 ] && chown postgres:postgres "$PG_SOCKET"
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$LOGS/postgres.log" -w -t 60 \
            -o "-p $PG_PORT -k $PG_SOCKET -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
            start >/dev/null || { tail -n 20 "$LOGS/postgres.log" >&2; die "PostgreSQL did not start"; }
    fi
    psql_admin -tc "SELECT 1 FROM pg_roles WHERE rolname='ckan_default'" | grep -q 1 \
        || psql_admin -c "CREATE ROLE ckan_default LOGIN PASSWORD 'pass' NOSUPERUSER NOCREATEDB NOCREATEROLE" >/dev/null
    local db
    for db in "sopsektoral_${TEST_PURPOSE}_$CKAN_MINOR" "sopsektoral_test_$CKAN_MINOR" "sopsektoral_demo_$CKAN_MINOR" \
            "sopsektoral_bench_$CKAN_MINOR" "sopsektoral_demosop_$CKAN_MINOR"; do
        psql_admin -tc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 \
            || psql_admin -c "CREATE DATABASE $db OWNER ckan_default ENCODING 'UTF8' TEMPLATE template0" >/dev/null
    done
}

psql_admin() { "$PG_BIN/psql" -X -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"; }

# ---------------------------------------------------------------- Redis
redis_start() {
    ensure_system_packages
    if redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then return 0; fi
    say "starting Redis on 127.0.0.1:$REDIS_PORT"
    mkdir -p "$DEV/redis"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
        --dir "$DEV/redis" --pidfile "$DEV/redis.pid" --logfile "$LOGS/redis.log"
    local i
    for i in $(seq 50); do
        redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    tail -n 20 "$LOGS/redis.log" >&2; die "Redis did not answer on port $REDIS_PORT"
}

# ---------------------------------------------------------------- Solr
solr_url() { echo "http://127.0.0.1:$SOLR_PORT/solr"; }

solr_build() {
    if [ -f "$SOLR_JAR" ] && [ "$SOLR_JAR" -nt "$SOLR_RUNNER/pom.xml" ] \
        && [ "$SOLR_JAR" -nt "$SOLR_RUNNER/src/main/java/local/ckan/solr/CkanSolr.java" ]; then
        return 0
    fi
    ensure_system_packages
    say "building the Solr 9 launcher from Maven Central artifacts (first time: ~100 MB)"
    mvn -B -q -f "$SOLR_RUNNER/pom.xml" package >"$LOGS/solr-build.log" 2>&1 \
        || { tail -n 30 "$LOGS/solr-build.log" >&2; die "building tools/solr-runner failed"; }
}

solr_node_up() { curl -fsS -o /dev/null "$(solr_url)/admin/cores?action=STATUS&wt=json" 2>/dev/null; }

solr_start() {
    solr_build
    if solr_node_up; then return 0; fi
    say "starting Solr 9 on 127.0.0.1:$SOLR_PORT"
    mkdir -p "$SOLR_HOME" "$LOGS/solr"
    cp "$SOLR_RUNNER/solr.xml" "$SOLR_HOME/solr.xml"
    : >"$LOGS/solr-stdout.log"
    nohup java -Xms256m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
        -Dsolr.solr.home="$SOLR_HOME" -Dsolr.install.dir="$DEV/solr" -Dsolr.log.dir="$LOGS/solr" \
        -Dlog4j2.configurationFile="$SOLR_RUNNER/log4j2.xml" -Djetty.port="$SOLR_PORT" \
        -Dsolr.lock.type=native -Dsolr.autoSoftCommit.maxTime=1000 \
        -cp "$SOLR_JAR:$SOLR_RUNNER/target/lib/*" local.ckan.solr.CkanSolr \
        >>"$LOGS/solr-stdout.log" 2>&1 &
    echo $! >"$DEV/solr.pid"
    local i pid
    pid=$(cat "$DEV/solr.pid")
    for i in $(seq 240); do
        if grep -q SOLR_READY "$LOGS/solr-stdout.log" 2>/dev/null && solr_node_up; then return 0; fi
        if ! kill -0 "$pid" 2>/dev/null; then break; fi
        sleep 0.5
    done
    say "Solr did not become ready; last lines of its logs:"
    tail -n 20 "$LOGS/solr-stdout.log" >&2 || true
    tail -n 20 "$LOGS/solr/solr.log" >&2 2>/dev/null || true
    die "Solr did not start (logs in $LOGS)"
}

# A core per purpose and CKAN version, with the schema.xml of the CKAN installed in the venv
# (or in the virtualenv whose python is given as second argument).
solr_core() {
    local core=$1 python=${2:-$VENV/bin/python} schema conf
    schema=$("$python" -c 'import ckan, os; print(os.path.join(os.path.dirname(ckan.__file__), "config", "solr", "schema.xml"))')
    conf=$SOLR_HOME/$core/conf
    if [ ! -f "$conf/schema.xml" ] || ! cmp -s "$schema" "$conf/schema.xml"; then
        mkdir -p "$conf"
        cp "$SOLR_RUNNER"/configset/conf/* "$conf/"
        cp "$schema" "$conf/schema.xml"
        if curl -fsS "$(solr_url)/admin/cores?action=STATUS&core=$core&wt=json" | grep -q '"instanceDir"'; then
            curl -fsS -o /dev/null "$(solr_url)/admin/cores?action=RELOAD&core=$core"
        fi
    fi
    if ! curl -fsS "$(solr_url)/admin/cores?action=STATUS&core=$core&wt=json" | grep -q '"instanceDir"'; then
        say "creating Solr core $core ($(grep -o 'schema name="[^"]*"' "$conf/schema.xml"))"
        curl -fsS -o "$LOGS/solr-create-$core.json" "$(solr_url)/admin/cores?action=CREATE&name=$core&instanceDir=$core&wt=json" \
            || { cat "$LOGS/solr-create-$core.json" >&2 2>/dev/null; tail -n 20 "$LOGS/solr/solr.log" >&2; die "creating Solr core $core failed"; }
    fi
    local i
    for i in $(seq 120); do
        if curl -fsS "$(solr_url)/$core/admin/ping?wt=json" 2>/dev/null | grep -q '"status":"OK"'; then return 0; fi
        sleep 0.5
    done
    tail -n 20 "$LOGS/solr/solr.log" >&2; die "Solr core $core does not answer its ping"
}

# ---------------------------------------------------------------- composition
services() {
    local purpose=$1
    [ -n "${CKAN_SQLALCHEMY_URL:-}" ] || postgres_start
    [ -n "${CKAN_REDIS_URL:-}" ] || redis_start
    if [ -z "${CKAN_SOLR_URL:-}" ]; then solr_start; solr_core "${purpose}_$CKAN_MINOR"; fi
}

# Exports for one purpose (test or demo); given CKAN_* URLs win.
service_env() {
    local purpose=$1 redis_db=1
    [ "$purpose" = demo ] && redis_db=2
    [ "$purpose" = bench ] && redis_db=3
    [ "$purpose" = demosop ] && redis_db=14
    case $purpose in test?*) redis_db=$(( 4 + $(printf '%s' "$purpose" | cksum | cut -c1-3) % 10 ));; esac
    echo "export CKAN_SQLALCHEMY_URL=${CKAN_SQLALCHEMY_URL:-postgresql://ckan_default:pass@127.0.0.1:$PG_PORT/sopsektoral_${purpose}_$CKAN_MINOR}"
    echo "export CKAN_SOLR_URL=${CKAN_SOLR_URL:-$(solr_url)/${purpose}_$CKAN_MINOR}"
    echo "export CKAN_REDIS_URL=${CKAN_REDIS_URL:-redis://127.0.0.1:$REDIS_PORT/$redis_db}"
    echo "export CKAN_STORAGE_PATH=${CKAN_STORAGE_PATH:-$DEV/storage-$purpose}"
    echo "export PATH=$VENV/bin:\$PATH"
}

# Services, exports and CKAN's tables for one purpose (test or bench), run with test.ini.
prepare_test_ini() {
    local purpose=$1
    venv
    services "$purpose"
    eval "$(service_env "$purpose")"
    mkdir -p "$CKAN_STORAGE_PATH"
    cd "$ROOT"
    ckan -c test.ini db init >"$LOGS/$purpose-db-init.log" 2>&1 \
        || { tail -n 30 "$LOGS/$purpose-db-init.log" >&2; die "ckan db init failed"; }
}

# The browser tests (tests/browser) drive Debian's Chromium through Playwright's Python package
# (the "browser" extra); Playwright's own browser download is never used.
ensure_chromium() {
    # SOPSEKTORAL_CHROMIUM: another Chromium binary, not installed here.
    if [ -n "${SOPSEKTORAL_CHROMIUM:-}" ] || [ -x /usr/bin/chromium ]; then return 0; fi
    if [ "$(id -u)" = 0 ]; then
        apt_install chromium
    else
        say "no Chromium: the browser tests are skipped (sudo apt-get install -y chromium)"
    fi
}

run_tests() {
    prepare_test_ini "$TEST_PURPOSE"
    ensure_chromium
    say "running the test suite on CKAN $CKAN_VERSION"
    python -m pytest "$@"
}

# The tests whose outcome depends on the SOP file, run on the second one.
SECOND_SOP_FILE=ckanext/sopsektoral/tests/data/sop/kabupaten.yaml
SOP_DEPENDENT_TESTS=(
    ckanext/sopsektoral/tests/sop ckanext/sopsektoral/tests/logic ckanext/sopsektoral/tests/demo
    ckanext/sopsektoral/tests/test_access.py ckanext/sopsektoral/tests/test_events.py
    ckanext/sopsektoral/tests/test_collection.py
    ckanext/sopsektoral/tests/test_notify.py ckanext/sopsektoral/tests/test_views.py
    ckanext/sopsektoral/tests/test_workbench.py ckanext/sopsektoral/tests/test_series.py
    ckanext/sopsektoral/tests/test_jobs.py ckanext/sopsektoral/tests/test_config.py
    ckanext/sopsektoral/tests/test_recurrence_stateful.py ckanext/sopsektoral/tests/test_daftar_data.py
    ckanext/sopsektoral/tests/test_csrf.py ckanext/sopsektoral/tests/letters/test_pdf.py
)

run_second_sop_tests() {
    prepare_test_ini "$TEST_PURPOSE"
    say "running the SOP-dependent tests on $SECOND_SOP_FILE (CKAN $CKAN_VERSION)"
    SOPSEKTORAL_TEST_SOP_FILE=$ROOT/$SECOND_SOP_FILE python -m pytest "${SOP_DEPENDENT_TESTS[@]}" "$@"
}

lint() {
    venv
    "$VENV/bin/python" -c 'import ruff' 2>/dev/null \
        || "$VENV/bin/pip" install -q "ruff==$RUFF_VERSION" >>"$LOGS/pip-$CKAN_VERSION.log" 2>&1 \
        || die "pip install ruff failed (see $LOGS/pip-$CKAN_VERSION.log)"
    say "ruff check (pyproject.toml's rules)"
    "$VENV/bin/ruff" check "$ROOT/ckanext" "$ROOT/scripts" "$ROOT/setup.py"
}

run_benchmark() {
    prepare_test_ini bench
    say "running the benchmark on CKAN $CKAN_VERSION"
    python scripts/benchmark.py "$@"
}

# The wheel and sdist a portal installs: `python -m build` (sdist, then the wheel from it),
# which compiles the .po catalogues into .mo (setup.py) so that both carry them.
dist() {
    venv
    "$VENV/bin/python" -c 'import build' 2>/dev/null \
        || "$VENV/bin/pip" install -q build >>"$LOGS/pip-$CKAN_VERSION.log" 2>&1 \
        || die "pip install build failed (see $LOGS/pip-$CKAN_VERSION.log)"
    mkdir -p "$ROOT/dist"
    rm -f "$ROOT"/dist/ckanext_sopsektoral-*
    say "building the wheel and sdist into dist/ (log: $LOGS/dist.log)"
    "$VENV/bin/python" -m build --outdir "$ROOT/dist" "$ROOT" >"$LOGS/dist.log" 2>&1 \
        || { tail -n 30 "$LOGS/dist.log" >&2; die "python -m build failed"; }
    ls -1 "$ROOT"/dist/ckanext_sopsektoral-*
}

# The demo runs Balikpapan's SOP; SOPSEKTORAL_SOP_FILE=FILE runs it on another SOP file instead,
# in a database, Solr core and Redis database of its own (demosop), through .dev/demo-sop.ini.
DEMO_PURPOSE=demo
DEMO_INI=demo.ini
if [ -n "${SOPSEKTORAL_SOP_FILE:-}" ]; then
    DEMO_PURPOSE=demosop
    DEMO_INI=$DEV/demo-sop.ini
fi

demo_ini() {
    [ "$DEMO_PURPOSE" = demosop ] || return 0
    local file
    file=$(cd "$(dirname "$SOPSEKTORAL_SOP_FILE")" && pwd)/$(basename "$SOPSEKTORAL_SOP_FILE")
    [ -f "$file" ] || die "SOPSEKTORAL_SOP_FILE: no such file: $SOPSEKTORAL_SOP_FILE"
    mkdir -p "$DEV"
    # demo.ini with the SOP file set in [app:main] (CKAN reads the logging sections from the same file).
    sed "s|^\[app:main\]\$|[app:main]\nckanext.sopsektoral.sop_file = $file|" "$ROOT/demo.ini" >"$DEMO_INI"
    say "demo on the SOP file $file ($DEMO_INI)"
}

demo_setup() {
    venv
    demo_ini
    services "$DEMO_PURPOSE"
    eval "$(service_env "$DEMO_PURPOSE")"
    mkdir -p "$CKAN_STORAGE_PATH"
    cd "$ROOT"
    {
        ckan -c "$DEMO_INI" db init
        ckan -c "$DEMO_INI" db upgrade -p sopsektoral
    } >"$LOGS/demo-db.log" 2>&1 || { tail -n 30 "$LOGS/demo-db.log" >&2; die "demo database setup failed"; }
    ckan -c "$DEMO_INI" sopsektoral demo load
}

demo_worker_start() {
    if [ -f "$DEV/worker.pid" ] && kill -0 "$(cat "$DEV/worker.pid")" 2>/dev/null; then return 0; fi
    nohup ckan -c "$DEMO_INI" jobs worker >>"$LOGS/worker.log" 2>&1 &
    echo $! >"$DEV/worker.pid"
}

demo() {
    demo_setup
    demo_worker_start
    if [ "${1:-}" = background ]; then
        if ! curl -fsS -o /dev/null "http://127.0.0.1:$DEMO_PORT/api/3/action/status_show" 2>/dev/null; then
            nohup ckan -c "$DEMO_INI" run --host 127.0.0.1 --port "$DEMO_PORT" --disable-reloader >>"$LOGS/web.log" 2>&1 &
            echo $! >"$DEV/web.pid"
            local i
            for i in $(seq 120); do
                curl -fsS -o /dev/null "http://127.0.0.1:$DEMO_PORT/api/3/action/status_show" 2>/dev/null && break
                sleep 0.5
            done
            curl -fsS -o /dev/null "http://127.0.0.1:$DEMO_PORT/api/3/action/status_show" \
                || { tail -n 30 "$LOGS/web.log" >&2; die "the portal did not start"; }
        fi
        say "portal: http://127.0.0.1:$DEMO_PORT (logs: $LOGS/web.log)"
    else
        say "portal: http://127.0.0.1:$DEMO_PORT  (Ctrl-C stops the web server; 'make stop' stops everything)"
        exec ckan -c "$DEMO_INI" run --host 127.0.0.1 --port "$DEMO_PORT"
    fi
}

stop_pidfile() {
    local file=$1 name=$2 pid i
    [ -f "$file" ] || return 0
    pid=$(cat "$file")
    if kill -0 "$pid" 2>/dev/null; then
        say "stopping $name"
        kill -TERM "$pid" 2>/dev/null || true
        for i in $(seq 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$file"
}

stop() {
    stop_pidfile "$DEV/web.pid" "the portal"
    stop_pidfile "$DEV/worker.pid" "the jobs worker"
    stop_pidfile "$DEV/solr.pid" "Solr"
    # A Solr of this checkout whose pid file was lost (two runs started it at once).
    if pkill -TERM -f -- "-Dsolr.solr.home=$SOLR_HOME" 2>/dev/null; then
        say "stopping Solr (no pid file)"; sleep 3; pkill -KILL -f -- "-Dsolr.solr.home=$SOLR_HOME" 2>/dev/null || true
    fi
    if command -v redis-cli >/dev/null && redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
        say "stopping Redis"; redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    fi
    if [ -f "$PG_DATA/PG_VERSION" ] && pg_running; then
        say "stopping PostgreSQL"; as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
    fi
}

status() {
    pg_running && echo "postgresql: up (127.0.0.1:$PG_PORT)" || echo "postgresql: down"
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && echo "redis: up (127.0.0.1:$REDIS_PORT)" || echo "redis: down"
    solr_node_up && echo "solr: up ($(solr_url))" || echo "solr: down"
    curl -fsS -o /dev/null "http://127.0.0.1:$DEMO_PORT/api/3/action/status_show" 2>/dev/null \
        && echo "portal: up (http://127.0.0.1:$DEMO_PORT)" || echo "portal: down"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
    venv) venv ;;
    # Chromium here too: CI's lanes then run the tests side by side without two apt-gets at once.
    services) venv; services "${1:-test}"; [ "${1:-test}" != test ] || ensure_chromium ;;
    test-env) service_env test ;;
    demo-env) service_env demo ;;
    test) run_tests "$@" ;;
    test-second-sop) run_second_sop_tests "$@" ;;
    lint) lint ;;
    bench) run_benchmark "$@" ;;
    demo) demo ;;
    demo-start) demo background ;;
    dist) dist ;;
    solr-core) [ $# -ge 1 ] || die "usage: scripts/dev.sh solr-core NAME [PYTHON]"; solr_start; solr_core "$@" ;;
    stop) stop ;;
    status) status ;;
    *) sed -n '2,25p' "$0" >&2; exit 2 ;;
esac
