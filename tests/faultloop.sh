#!/bin/sh
# faultloop.sh [ROUNDS]: the fault-injection suite (faultlivetest.sh) ROUNDS times in a
# row (default 10), outside `make check`, run from the build directory by `make
# fault-loop FAULT_ROUNDS=N`. Each round kills qvsh, qvirtd and the supervisor once at
# every step the suite names; the table counts, for each kind of trial, how many times it
# ran and how many of the checks that judge it (those up to the next trial) passed and
# failed. Each round's log is kept in fault-loop/round-N.log.
rounds=${1:-10}
make=${MAKE:-make}
mkdir -p fault-loop
rm -f fault-loop/round-*.log
r=1
while [ "$r" -le "$rounds" ]; do
    $make check TESTS=tests/faultlivetest.sh >/dev/null 2>&1
    if [ -f tests/faultlivetest.log ]; then
        cp tests/faultlivetest.log "fault-loop/round-$r.log"
    else
        echo "round $r: no log (the build failed?)" >&2
        exit 1
    fi
    printf 'round %d: %s passed, %s failed\n' "$r" \
        "$(grep -c '^ok ' "fault-loop/round-$r.log")" \
        "$(grep -c '^not ok ' "fault-loop/round-$r.log")"
    r=$((r + 1))
done
awk '
/^# trial: / { trial = substr($0, 10); runs[trial]++; if (!(trial in order)) order[trial] = ++n; next }
/^ok / && trial != "" { pass[trial]++ }
/^not ok / { fails++; if (trial != "") fail[trial]++; else fail["(before any trial)"]++ }
END {
    printf "\n%-72s %6s %7s %7s\n", "trial", "runs", "passed", "failed"
    for (i = 1; i <= n; i++)
        for (t in order)
            if (order[t] == i)
                printf "%-72s %6d %7d %7d\n", t, runs[t], pass[t], fail[t]
    printf "\n%d failed check(s) in all\n", fails
    exit fails > 0
}' fault-loop/round-*.log
