#!/usr/bin/env bash
# wrk.sh: issue 8's load figures, measured with wrk against the real binary.
#
#   cmd/seedload/wrk.sh [sqlite|postgres|both]      (default: both)
#
# For each engine it builds pasched and seedload, fills a fresh database
# with seedload (20 PAs, 620 approved shifts in March 2030), starts
# `pasched serve` on 127.0.0.1, waits for /readyz and runs ROUNDS
# interleaved rounds of:
#   list   GET /api/shifts/ (page 1, as the admin)
#   month  GET /api/calendar/month/2030/3/ with an idle email queue, DRAIN_DUR
#   drain  the same while 1,000 emails drain: seedload -emails-only queues
#          them in one transaction (as a burst of changes would); the window
#          is the drain itself: wrk starts once the first email is delivered
#          and is stopped (SIGINT) once the last one is (at most DRAIN_MAX).
#          The line gives the window, the emails delivered in it and the
#          sink's CPU an email (it shares the two cores with the server).
# After the rounds, `emails` drains one more burst with no requests at all:
# its time and the CPU an email costs the server (and the sink).
# Emails go where production sends them, over SMTP (EMAIL_BACKEND=smtp, the
# default): to `seedload -smtp-sink`, a process of its own on SINK_PORT that
# speaks real SMTP and counts what it accepts (its counter on
# SINK_HTTP_PORT). EMAIL_BACKEND=file writes one .eml per message instead
# (the development backend: its cost is ext4's inode allocation, which
# depends on what the machine deleted in the last minutes). Deliveries are
# counted at the receiving end, never by polling the server under test.
# Then, on a second fresh database with PENDING pending requests, ROUNDS
# rounds of approvals (approve.lua, each request approved once); on
# PostgreSQL each round is followed by a round of pgbench's TPC-B-like
# transaction with as many clients (pgbench_round), the machine's yardstick.
# Every figure is printed with the 1-minute load average taken just after
# it and the CPU a request cost the server process (and, on PostgreSQL, the
# backends connected to the database under test), which a loaded machine
# changes far less than requests/s; medians are printed at the end. PostgreSQL: a database $PGDB (and
# ${PGDB}_approve) is created on $PGHOSTPORT and dropped on exit.
#
# Knobs (environment): ROUNDS=3 DUR=5s DRAIN_DUR=2s DRAIN_MAX=30s CONNS=8
# THREADS=2 EMAILS=1000 PENDING=30000 EMAIL_BACKEND=smtp PORT=18431
# SINK_PORT=PORT+1 SINK_HTTP_PORT=PORT+2 PGHOSTPORT=127.0.0.1:5432 PGDB=pasched_wrk.
# Every step is bounded in time (timeout); the whole run takes 2–4 minutes.
#
# Figures (2 vCPU AMD EPYC, 24 GiB, Linux 6.18, Go 1.26.8; 2026-12-06, the
# machine shared with other engineers' builds): `ROUNDS=5 wrk.sh sqlite`,
# EMAIL_BACKEND=smtp, EMAIL_MAX_RATE unset (600/s): drain/idle month medians
# 0.84, 0.93, 0.90, 0.88, 0.86 at load average 5.4–12.4, then 0.64 and 0.78
# at 7.5–10.3 and, ROUNDS=9, 0.69 at 8.0–11.3 (single rounds 0.49–1.51):
# met in five runs of eight; EMAIL_MAX_RATE=0 0.61 (load 10–11);
# `wrk.sh postgres` 0.87 (load 8.5–12). The `emails` line: 0.44–0.59 ms of
# server CPU an email at load 9.4–10.7, the sink 0.09–0.16 ms. README,
# "Performance", has the rest.
set -euo pipefail
cd "$(dirname "$0")/../.."

MODE=${1:-both}
ROUNDS=${ROUNDS:-3}
DUR=${DUR:-5s}
DRAIN_DUR=${DRAIN_DUR:-2s}
DRAIN_MAX=${DRAIN_MAX:-30s}
CONNS=${CONNS:-8}
THREADS=${THREADS:-2}
EMAILS=${EMAILS:-1000}
PENDING=${PENDING:-30000}
PORT=${PORT:-18431}
SINK_PORT=${SINK_PORT:-$((PORT + 1))}
SINK_HTTP_PORT=${SINK_HTTP_PORT:-$((PORT + 2))}
EMAIL_BACKEND=${EMAIL_BACKEND:-smtp}
PGHOSTPORT=${PGHOSTPORT:-127.0.0.1:5432}
PGDB=${PGDB:-pasched_wrk}
BASE=http://127.0.0.1:$PORT
PGH=${PGHOSTPORT%:*}
PGP=${PGHOSTPORT##*:}
case $MODE in sqlite | postgres | both) ;; *)
	echo "usage: $0 [sqlite|postgres|both]" >&2
	exit 2
	;;
esac
case $EMAIL_BACKEND in smtp | file) ;; *)
	echo "EMAIL_BACKEND must be smtp or file" >&2
	exit 2
	;;
esac

work=$(mktemp -d /tmp/pasched-wrk.XXXXXX)
server=
srvpid=
pgdbs=()
cleanup() {
	stop_server
	stop_sink >/dev/null
	for d in "${pgdbs[@]}"; do
		dropdb -h "$PGH" -p "$PGP" -U postgres --force --if-exists "$d" || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

load() { cut -d' ' -f1 /proc/loadavg; }
# CPU accounting, so that a figure taken on a loaded machine still says
# what a request costs: ticks (1/100 s) of the server process and of the
# PostgreSQL client backends connected to the database under test
# (autovacuum, which comes and goes, is left out).
dbname=
ticks() { # pids…
	local t=0 p
	for p in "$@"; do
		p=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)
		t=$((t + p))
	done
	echo "$t"
}
backends() {
	[ -n "$dbname" ] || return 0
	psql -h "$PGH" -p "$PGP" -U postgres -tAc "SELECT pid FROM pg_stat_activity WHERE datname = '$dbname' AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
}
cpu_mark() { # → "server-ticks pid:ticks…"
	local p out
	out="$(ticks "$srvpid")"
	for p in $(backends); do
		out="$out $p:$(ticks "$p")"
	done
	echo "$out"
}
cpu_per() { # mark requests → " cpu/req: server X ms[, PostgreSQL Y ms]"
	local s0 marks m p t s1 pg=0
	read -r s0 marks <<<"$1"
	s1=$(ticks "$srvpid")
	# Backends alive at both ends count their ticks in between, new ones
	# all theirs; one that ended in between is lost (an undercount).
	declare -A at=()
	for m in $marks; do at[${m%%:*}]=${m##*:}; done
	for p in $(backends); do
		t=$(ticks "$p")
		if [ "$t" -ge "${at[$p]:-0}" ]; then pg=$((pg + t - ${at[$p]:-0})); fi
	done
	[ "$2" -gt 0 ] || return 0
	if [ -n "$dbname" ]; then
		awk -v s=$((s1 - s0)) -v p="$pg" -v n="$2" 'BEGIN {printf " cpu/req: server %.2f ms, PostgreSQL %.2f ms", s * 10 / n, p * 10 / n}'
	else
		awk -v s=$((s1 - s0)) -v n="$2" 'BEGIN {printf " cpu/req: server %.2f ms", s * 10 / n}'
	fi
}
sink_per() { # sink-ticks-before emails → "; SMTP sink X ms an email" (its CPU shares the cores)
	[ -n "$sink" ] && [ "$2" -gt 0 ] || return 0
	awk -v t=$(($(ticks "$sink") - $1)) -v n="$2" 'BEGIN {printf "; SMTP sink %.2f ms an email", t * 10 / n}'
}
results=$work/results.txt
: >"$results"
# record engine target round value unit
record() {
	printf '%-8s %-8s round %s: %10s %-6s load %s%s\n' "$1" "$2" "$3" "$4" "$5" "$(load)" "${6:-}"
	echo "$1 $2 $4" >>"$results"
}

echo "== build $(git rev-parse --short HEAD) on $(nproc) CPUs, $(uptime); emails: EMAIL_BACKEND=$EMAIL_BACKEND"
go build -o "$work/pasched" ./cmd/pasched
go build -o "$work/seedload" ./cmd/seedload

stop_server() {
	if [ -n "$server" ]; then
		kill "$server" 2>/dev/null || true
		wait "$server" 2>/dev/null || true
		server=
	fi
}

# The email backend the server sends with: smtp (default; the production
# path) talks to a seedload -smtp-sink process on SINK_PORT; file writes one
# .eml per message into the work directory.
sink=
start_sink() {
	[ "$EMAIL_BACKEND" = smtp ] || return 0
	"$work/seedload" -smtp-sink "127.0.0.1:$SINK_PORT" -sink-http "127.0.0.1:$SINK_HTTP_PORT" 2>"$work/sink.log" &
	sink=$!
	for _ in $(seq 100); do
		curl -sf -o /dev/null "http://127.0.0.1:$SINK_HTTP_PORT/count" && return 0
		kill -0 "$sink" 2>/dev/null || break
		sleep 0.05
	done
	echo "the SMTP sink did not start:" >&2
	cat "$work/sink.log" >&2
	exit 1
}
stop_sink() {
	if [ -n "$sink" ]; then
		kill "$sink" 2>/dev/null || true
		wait "$sink" 2>/dev/null || true
		sink=
		sed 's/^[0-9/]* [0-9:]* //' "$work/sink.log" | tail -1
	fi
}
email_env() {
	case $EMAIL_BACKEND in
	smtp) echo "EMAIL_BACKEND=smtp EMAIL_HOST=127.0.0.1 EMAIL_PORT=$SINK_PORT EMAIL_USE_TLS=False" ;;
	file) echo "EMAIL_BACKEND=file EMAIL_FILE_PATH=$work/mail" ;;
	esac
}

start_server() { # database URL
	mkdir -p "$work/mail"
	# shellcheck disable=SC2046 # email_env's words are NAME=value pairs
	env DATABASE_URL="$1" $(email_env) SECRET_KEY=wrk-load-test-secret-key-0123456789 \
		LOG_LEVEL=WARN ALLOWED_HOSTS=127.0.0.1,localhost PPROF_ADDR=${PPROF_ADDR:-} \
		timeout 900 "$work/pasched" serve --addr "127.0.0.1:$PORT" >"$work/serve.log" 2>&1 &
	server=$!
	for _ in $(seq 300); do
		if curl -sf -o /dev/null "$BASE/readyz"; then
			srvpid=$(pgrep -P "$server" -x pasched)
			TOKEN=$(curl -sf -X POST "$BASE/api/auth/login/" -H 'Content-Type: application/json' \
				-d '{"email":"admin@example.com","password":"Load-Test-Pass-2030"}' | jq -r .tokens.access)
			return 0
		fi
		if ! kill -0 "$server" 2>/dev/null; then break; fi
		sleep 0.1
	done
	echo "pasched did not become ready:" >&2
	cat "$work/serve.log" >&2
	exit 1
}

# delivered: the messages the backend has received so far; waitdelivered n
# timeout: until it has n. Counted at the receiving end (the sink's counter
# answers a long poll; the file backend's .eml files are counted every
# 10 ms by seedload), never by polling the server under test, whose
# /metrics counts River's jobs at a cost of its own.
delivered() {
	case $EMAIL_BACKEND in
	smtp) curl -sf "http://127.0.0.1:$SINK_HTTP_PORT/count" ;;
	file) find "$work/mail" -maxdepth 1 -name '*.eml' | wc -l ;;
	esac
}
waitdelivered() {
	case $EMAIL_BACKEND in
	smtp) curl -sf -o /dev/null -m 65 "http://127.0.0.1:$SINK_HTTP_PORT/wait?n=$1&timeout=$2" ;;
	file) "$work/seedload" -wait-files "$work/mail" -until "$1" -wait-timeout "$2" 2>/dev/null ;;
	esac
}

# rps duration path: "requests/s requests" from wrk (errors, if any, on
# stderr).
rps() {
	local out
	out=$(timeout 60 wrk -t"$THREADS" -c"$CONNS" -d"$1" -H "Authorization: Bearer $TOKEN" "$BASE$2")
	if grep -q 'Non-2xx\|Socket errors' <<<"$out"; then
		grep 'Non-2xx\|Socket errors' <<<"$out" >&2
	fi
	awk '/^Requests\/sec:/ {r = $2} / requests in / {n = $1} END {printf "%.0f %d\n", r, n}' <<<"$out"
}

# measure engine target round duration path [note]: one wrk round, recorded
# with its CPU per request.
measure() {
	local mark fig n
	mark=$(cpu_mark)
	read -r fig n < <(rps "$4" "$5")
	record "$1" "$2" "$3" "$fig" req/s "$(cpu_per "$mark" "$n")${6:-}"
}

seed() { # database URL, pending, ids file
	timeout 300 "$work/seedload" -db "$1" -pending "$2" -pending-ids "$3" 2>&1 | tail -1
}

fresh_pg() { # name → URL
	dropdb -h "$PGH" -p "$PGP" -U postgres --force --if-exists "$1"
	createdb -h "$PGH" -p "$PGP" -U postgres "$1"
	echo "postgres://postgres@$PGHOSTPORT/$1?sslmode=disable"
}

reads() { # engine database-URL
	local eng=$1 url=$2 r
	seed "$url" 0 "$work/none.txt"
	start_server "$url"
	rps 1s /api/shifts/ >/dev/null # warm up
	rps 1s /api/calendar/month/2030/3/ >/dev/null
	for r in $(seq "$ROUNDS"); do
		measure "$eng" list "$r" "$DUR" /api/shifts/
		measure "$eng" month "$r" "$DRAIN_DUR" /api/calendar/month/2030/3/
		# A burst of EMAILS emails; the window is the drain itself: wrk
		# starts once the first email is delivered and is stopped (SIGINT:
		# it reports what it did until then) once the last one is.
		local before mark fig n secs sink0 sent0 after
		before=$(delivered)
		timeout 120 "$work/seedload" -db "$url" -emails-only -emails "$EMAILS" 2>/dev/null
		# The CPU marks come first: on PostgreSQL cpu_mark runs psql, which
		# at a high load average takes long enough for a quarter of the
		# drain to go by. The few milliseconds of emails before wrk starts
		# are counted against the month requests of the window (an
		# overstatement of their CPU, not an understatement).
		mark=$(cpu_mark)
		sink0=$(ticks "${sink:-0}")
		waitdelivered $((before + 1)) 20s
		timeout 120 wrk -t"$THREADS" -c"$CONNS" -d"$DRAIN_MAX" -H "Authorization: Bearer $TOKEN" \
			"$BASE/api/calendar/month/2030/3/" >"$work/drain.out" 2>&1 &
		local w=$!
		sent0=$(delivered) # just after wrk's start: the emails of its window
		waitdelivered $((before + EMAILS)) "$DRAIN_MAX" || true
		kill -INT "$w" 2>/dev/null || true
		wait "$w" || true
		after=$(delivered)
		grep 'Non-2xx\|Socket errors' "$work/drain.out" >&2 || true
		read -r fig n secs < <(awk '/^Requests\/sec:/ {r = $2} / requests in / {n = $1; s = $4; sub(/,$/, "", s)} END {printf "%.0f %d %s\n", r, n, s}' "$work/drain.out")
		record "$eng" drain "$r" "$fig" req/s "$(cpu_per "$mark" "$n"); window $secs: $((after - sent0)) emails delivered in it, $((after - before)) of $EMAILS by its end$(sink_per "$sink0" $((after - sent0)))"
		# Let the rest drain before the next idle round (bounded).
		waitdelivered $((before + EMAILS)) 60s || true
	done
	# What an email costs: the same burst with no requests at all, from
	# the queueing to the last delivery (the server's CPU includes its
	# fetch, send, sent mark and completion; PostgreSQL's backends too).
	local before mark sink0 t0 t1
	before=$(delivered)
	mark=$(cpu_mark)
	sink0=$(ticks "${sink:-0}")
	t0=$(date +%s.%N)
	timeout 120 "$work/seedload" -db "$url" -emails-only -emails "$EMAILS" 2>/dev/null
	waitdelivered $((before + EMAILS)) 60s || true
	t1=$(date +%s.%N)
	record "$eng" emails 1 "$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')" s \
		"$(cpu_per "$mark" $(($(delivered) - before)) | sed 's|cpu/req|cpu/email, no requests|')$(sink_per "$sink0" $(($(delivered) - before)))"
	stop_server
}

approvals() { # engine database-URL
	local eng=$1 url=$2 r n per
	seed "$url" "$PENDING" "$work/ids.txt"
	start_server "$url"
	n=$(wc -l <"$work/ids.txt")
	per=$((n / ROUNDS))
	for r in $(seq "$ROUNDS"); do
		sed -n "$(((r - 1) * per + 1)),$((r * per))p" "$work/ids.txt" >"$work/ids-$r.txt"
		local out ok mark
		mark=$(cpu_mark)
		out=$(IDS=$work/ids-$r.txt TOKEN=$TOKEN THREADS=$THREADS timeout 60 \
			wrk -t"$THREADS" -c"$CONNS" -d"$DUR" -s cmd/seedload/approve.lua "$BASE")
		ok=$(awk '/^approved:/ {print $2}' <<<"$out")
		secs=$(awk '/^approved:/ {print $4}' <<<"$out")
		grep '^ran out\|^other responses: [1-9]\|Socket errors' <<<"$out" >&2 || true
		record "$eng" approve "$r" "$(awk -v a="$ok" -v s="$secs" 'BEGIN {printf "%.0f", a / s}')" /s "$(cpu_per "$mark" "$ok")"
		if [ "$eng" = postgres ]; then pgbench_round "$r"; fi
	done
	stop_server
}

# pgbench_round r: the machine's yardstick, right after each PostgreSQL
# approval round: PostgreSQL's own TPC-B-like transaction (BEGIN, three
# UPDATEs, a SELECT, an INSERT, END: 7 statements, no application server)
# from pgbench with CONNS clients for DUR, on a scale-10 database of its
# own. An approval sends about 18 statements in its transaction, then its
# email and live event cost a few more, all through the Go server and
# the SMTP sink on the same two cores: the ratio of the two figures says
# what the machine allows far better than either alone. Skipped when
# pgbench is not installed (PGBENCH=0 skips it too).
pgbench_round() {
	[ "${PGBENCH:-1}" != 0 ] && command -v pgbench >/dev/null || return 0
	local db=${PGDB}_pgbench tps
	if [ "$1" = 1 ]; then
		pgdbs+=("$db")
		fresh_pg "$db" >/dev/null
		timeout 120 pgbench -h "$PGH" -p "$PGP" -U postgres -i -q -s 10 "$db" >/dev/null 2>&1
	fi
	tps=$(timeout 60 pgbench -h "$PGH" -p "$PGP" -U postgres -n -M prepared -c "$CONNS" -j "$THREADS" -T "${DUR%s}" "$db" 2>/dev/null |
		awk '/^tps =/ {printf "%.0f", $3}')
	record postgres pgbench "$1" "${tps:-0}" tps " (TPC-B-like, $CONNS clients, no application server)"
}

start_sink
if [ "$MODE" != postgres ]; then
	dbname=
	reads sqlite "sqlite://$work/load.db"
	approvals sqlite "sqlite://$work/approve.db"
fi
if [ "$MODE" != sqlite ]; then
	pgdbs+=("$PGDB" "${PGDB}_approve") # dropped on exit (fresh_pg runs in a subshell)
	dbname=$PGDB
	reads postgres "$(fresh_pg "$PGDB")"
	dbname=${PGDB}_approve
	approvals postgres "$(fresh_pg "${PGDB}_approve")"
fi

stop_sink
echo "== medians ($ROUNDS rounds, $CONNS connections), $(uptime)"
awk '{v[$1" "$2] = v[$1" "$2] " " $3} END {for (k in v) print k v[k]}' "$results" | sort |
	while read -r eng what vals; do
		med=$(tr ' ' '\n' <<<"$vals" | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}')
		printf '%-8s %-8s median %8s   (%s)\n' "$eng" "$what" "$med" "$vals"
	done
for eng in sqlite postgres; do
	awk -v e="$eng" '$1 == e && $2 == "month" {m[++i] = $3} $1 == e && $2 == "drain" {d[++j] = $3}
		END {for (k = 1; k <= i && k <= j; k++) r = r sprintf(" %.2f", d[k] / m[k]); if (r != "") print e " drain/idle month, round by round:" r}' "$results"
done
