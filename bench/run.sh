#!/usr/bin/env bash
# bench/run.sh: guest MIPS of govmm (--no-l0 and under L0) side by side with
# QEMU TCG, on two Multiboot kernels whose instruction counts are exact.
#
# This is a measurement, not a test: it is not part of CI (.ci/run does not
# run it) and it fails only when it cannot measure (missing tools, a kernel
# that prints the wrong result or exits wrongly, a wrong instruction count).
# See bench/README.md for what the numbers mean and their caveats.
#
# Usage (from the repository root):  bash bench/run.sh
# Environment:
#   RUNS=3                 runs of each kernel on each engine (median reported)
#   LOOP_N=...             loop iterations        (default: bench/loop/loop.S)
#   MEMSUM_M=... MEMSUM_R=...  memsum dwords, passes (default: bench/memsum/memsum.S)
#   ENGINES="nol0 l0 qemu" which engines to run
#   GOVMM=path             use this govmm binary instead of building one
#   QEMU=qemu-system-x86_64
#   QEMU_COUNT_CHECK=1     also count the small kernels' instructions under QEMU
#                          (single-stepped, exec log; ~30 s per kernel)
#
# Needs: go (unless GOVMM is set), as and ld (binutils, for i386), QEMU.
# Everything it builds goes to a temporary directory, removed at exit.
set -euo pipefail

die() { echo "bench/run.sh: $*" >&2; exit 1; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

QEMU=${QEMU:-qemu-system-x86_64}
RUNS=${RUNS:-3}
ENGINES=${ENGINES:-nol0 l0 qemu}

# Defaults of the workload sizes come from the kernels' sources.
srcdefault() { # file symbol
	sed -n "s/^[[:space:]]*\.set[[:space:]]*$2,[[:space:]]*\([0-9][0-9]*\).*/\1/p" "$1" | head -n 1
}
LOOP_N=${LOOP_N:-$(srcdefault bench/loop/loop.S LOOP_N)}
MEMSUM_M=${MEMSUM_M:-$(srcdefault bench/memsum/memsum.S MEMSUM_M)}
MEMSUM_R=${MEMSUM_R:-$(srcdefault bench/memsum/memsum.S MEMSUM_R)}
for v in RUNS LOOP_N MEMSUM_M MEMSUM_R; do
	[[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, not '${!v}'"
done
((LOOP_N < 1 << 32)) || die "LOOP_N must be < 2^32"
((8 * MEMSUM_M < 1 << 32)) || die "MEMSUM_M is too large"
for e in $ENGINES; do
	case $e in nol0 | l0 | qemu) ;; *) die "ENGINES: unknown engine '$e' (want nol0, l0, qemu)" ;; esac
done

# --- tools ---------------------------------------------------------------
missing=()
command -v as >/dev/null || missing+=("as (binutils)")
command -v ld >/dev/null || missing+=("ld (binutils)")
command -v awk >/dev/null || missing+=("awk")
if [[ " $ENGINES " == *" qemu "* ]]; then
	command -v "$QEMU" >/dev/null || missing+=("$QEMU (QEMU, e.g. apt-get install qemu-system-x86)")
fi
if [[ -z ${GOVMM:-} ]]; then
	command -v go >/dev/null || missing+=("go (or set GOVMM to a govmm binary)")
fi
((${#missing[@]} == 0)) || die "missing tools: ${missing[*]}"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/govmm-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# --- exact instruction counts (formulas documented in the kernels) ----------
insns_null() { echo 3; }
insns_loop() { echo $((4 * $1 + 519)); }                  # N
insns_memsum() { echo $((5 * $1 + $2 * (8 * $1 + 6) + 338)); } # M R

# Expected COM1 output. loop's edx has no closed form: its expected line is
# a regular expression, and run.sh checks that every run prints the same.
expect_loop() { # N
	local n=$1 s
	if ((n % 2 == 0)); then s=$(((n / 2) * (n + 1))); else s=$((n * ((n + 1) / 2))); fi
	printf '^loop eax=%08x edx=[0-9a-f]{8}$' $((s & 0xffffffff))
}
expect_memsum() { # M R
	local m=$1 r=$2
	printf '^memsum sum=%08x$' $(((r * (m * (m - 1) / 2) + m * (r * (r - 1) / 2)) & 0xffffffff))
}

# --- build -------------------------------------------------------------------
build_kernel() { # name out [--defsym SYM=VAL ...]
	local name=$1 out=$2
	shift 2
	as --32 -I bench/lib "$@" -o "$tmp/$out.o" "bench/$name/$name.S" ||
		die "assembling bench/$name/$name.S failed (need GNU as with --32 support)"
	ld -m elf_i386 --build-id=none --no-warn-rwx-segments -n -T bench/link.ld \
		-o "$tmp/$out.elf" "$tmp/$out.o" || die "linking $name failed (need GNU ld with elf_i386)"
}
build_kernel null null
build_kernel loop loop --defsym LOOP_N="$LOOP_N"
build_kernel memsum memsum --defsym MEMSUM_M="$MEMSUM_M" --defsym MEMSUM_R="$MEMSUM_R"
# Small versions for the instruction-count check.
build_kernel loop loop_c1 --defsym LOOP_N=1
build_kernel loop loop_c2 --defsym LOOP_N=1000
build_kernel memsum memsum_c1 --defsym MEMSUM_M=1 --defsym MEMSUM_R=1
build_kernel memsum memsum_c2 --defsym MEMSUM_M=100 --defsym MEMSUM_R=7

if [[ -n ${GOVMM:-} ]]; then
	govmm=$GOVMM
	[[ -x $govmm ]] || die "GOVMM=$govmm is not an executable"
else
	govmm=$tmp/govmm
	echo "building govmm..." >&2
	go build -o "$govmm" ./cmd/govmm || die "go build ./cmd/govmm failed"
fi

# --- instruction-count check -----------------------------------------------
# With --max-insns F govmm --no-l0 must finish (status 1), and with
# F-1 it must be stopped by the limit (status 8) having run F-1: so the kernel
# runs exactly F instructions by govmm's count, the formula's F. This checks
# the formulas (at small sizes; they are linear in N, and in R for a given M)
# against an independent counter. --no-l0, because under L0 the counter also
# charges one tick for each VM exit that made no progress (shadow fills).
count_check() { # elf expected
	local elf=$1 f=$2 st err
	set +e
	"$govmm" run --no-l0 "$elf" --max-insns "$f" >/dev/null 2>&1
	st=$?
	err=$("$govmm" run --no-l0 "$elf" --max-insns $((f - 1)) 2>&1 >/dev/null)
	local st2=$?
	set -e
	[[ $st == 1 && $st2 == 8 && $err == *"($((f - 1)) instructions)"* ]] ||
		die "instruction count of $(basename "$elf"): formula says $f, but govmm --max-insns $f gave status $st and --max-insns $((f - 1)) gave status $st2 ($err)"
}
count_check "$tmp/null.elf" "$(insns_null)"
count_check "$tmp/loop_c1.elf" "$(insns_loop 1)"
count_check "$tmp/loop_c2.elf" "$(insns_loop 1000)"
count_check "$tmp/memsum_c1.elf" "$(insns_memsum 1 1)"
count_check "$tmp/memsum_c2.elf" "$(insns_memsum 100 7)"
echo "instruction counts: formulas agree with govmm's counter" >&2

# Optionally the same against QEMU: run single-stepped (one instruction per
# translation block) with the exec log, and count the blocks executed at
# 1 MiB and up, where the kernel is (SeaBIOS and the Multiboot option ROM
# run below 1 MiB).
qemu_count() { # elf: prints the instruction count
	local step st
	for step in "-accel tcg,one-insn-per-tb=on" "-accel tcg -singlestep"; do
		set +e
		# shellcheck disable=SC2086
		"$QEMU" -machine q35 -cpu max $step -m 128 -nodefaults -display none -serial none \
			-no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 -d exec,nochain \
			-D /dev/stdout -kernel "$1" </dev/null 2>"$tmp/err" |
			awk -F/ '/^Trace/ && $2 ~ /^00000000001[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]$/ {n++} END {print n+0}' >"$tmp/count"
		st=${PIPESTATUS[0]}
		set -e
		# QEMU exits with 1 on a bad option too: 7.2 has no one-insn-per-tb.
		grep -q one-insn-per-tb "$tmp/err" && continue
		if ((st == 1)); then
			cat "$tmp/count"
			return
		fi
	done
	die "QEMU count run of $1 failed: $(head -c 500 "$tmp/err")"
}
if [[ ${QEMU_COUNT_CHECK:-} == 1 && " $ENGINES " == *" qemu "* ]]; then
	for c in "null $(insns_null)" "loop_c2 $(insns_loop 1000)" "memsum_c2 $(insns_memsum 100 7)"; do
		set -- $c
		n=$(qemu_count "$tmp/$1.elf")
		[[ $n == "$2" ]] || die "instruction count of $1: formula says $2, QEMU executed $n"
	done
	echo "instruction counts: formulas agree with QEMU's exec log" >&2
fi

# --- measure -------------------------------------------------------------------
engine_name() {
	case $1 in
	nol0) echo "govmm --no-l0" ;;
	l0) echo "govmm (L0)" ;;
	qemu) echo "qemu tcg" ;;
	esac
}

# run_once engine kernel: sets wall and cpu to the run's wall-clock and CPU
# (user+sys) time in ms, from bash's time keyword; checks status and output.
# (Not run in a subshell: it records the first output of each kernel in seen.)
run_once() {
	local engine=$1 k=$2 elf=$tmp/$2.elf out=$tmp/out st cmd
	case $engine in
	nol0) cmd=("$govmm" run "$elf" --no-l0) ;;
	l0) cmd=("$govmm" run "$elf") ;;
	qemu) cmd=("$QEMU" -machine q35 -cpu max -accel tcg -m 128 -nodefaults -display none
		-serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x04 -kernel "$elf") ;;
	esac
	local TIMEFORMAT='%3R %3U %3S'
	set +e
	{ time "${cmd[@]}" </dev/null >"$out" 2>"$tmp/err"; } 2>"$tmp/time"
	st=$?
	set -e
	[[ $st == 1 ]] || die "$k on $(engine_name "$engine"): exit status $st, want 1: $(head -c 500 "$tmp/err")"
	local got
	got=$(tr -d '\r' <"$out")
	case $k in
	null) [[ -z $got ]] || die "null on $(engine_name "$engine") printed '$got'" ;;
	loop | memsum)
		local re=${expect[$k]}
		[[ $got =~ $re ]] || die "$k on $(engine_name "$engine") printed '$got', want /$re/"
		if [[ -z ${seen[$k]:-} ]]; then
			seen[$k]=$got
		elif [[ ${seen[$k]} != "$got" ]]; then
			die "$k printed '$got' on $(engine_name "$engine") but '${seen[$k]}' before"
		fi
		;;
	esac
	local r u y
	read -r r u y <"$tmp/time"
	[[ $r =~ ^[0-9]+\.[0-9]{3}$ && $u =~ ^[0-9]+\.[0-9]{3}$ && $y =~ ^[0-9]+\.[0-9]{3}$ ]] ||
		die "cannot parse the time of a run: '$(cat "$tmp/time")'"
	wall=$((10#${r/./}))
	cpu=$((10#${u/./} + 10#${y/./}))
}

declare -A expect seen walls cpus insns
expect[loop]=$(expect_loop "$LOOP_N")
expect[memsum]=$(expect_memsum "$MEMSUM_M" "$MEMSUM_R")
insns[null]=$(insns_null)
insns[loop]=$(insns_loop "$LOOP_N")
insns[memsum]=$(insns_memsum "$MEMSUM_M" "$MEMSUM_R")

echo "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at start" >&2
# Rounds interleave kernels and engines, so that a burst of host noise is
# spread over all of them rather than landing on one.
for ((r = 1; r <= RUNS; r++)); do
	for k in null loop memsum; do
		for e in $ENGINES; do
			run_once "$e" "$k"
			walls[$k,$e]="${walls[$k,$e]:-} $wall"
			cpus[$k,$e]="${cpus[$k,$e]:-} $cpu"
			printf 'round %d/%d  %-7s %-14s wall %8.3f s  cpu %8.3f s\n' "$r" "$RUNS" "$k" \
				"$(engine_name "$e")" "${wall}e-3" "${cpu}e-3" >&2
		done
	done
done
loadend=$(cut -d' ' -f1-3 /proc/loadavg)

median() { # values...: prints the median
	printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END{if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'
}

echo
if [[ -n ${GOVMM:-} ]]; then
	version="govmm $GOVMM"
else
	version="govmm $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo '+dirty')"
fi
echo "$version, $("$QEMU" --version 2>/dev/null | head -n 1 || echo 'qemu ?'), $(nproc) CPUs, load average at end $loadend"
echo "loop: N=$LOOP_N   memsum: M=$MEMSUM_M dwords, R=$MEMSUM_R passes   runs: $RUNS"
echo "net = median - median of null (startup) on the same engine; MIPS = guest instructions / net / 1e6"
echo "wall: elapsed time (what the table is about); cpu: user+sys time of the process, less hurt by a busy host"
echo
printf '%-8s %-14s %4s %9s %9s %12s %10s %9s %10s\n' workload engine runs "wall s" "net s" "guest insns" "MIPS(net)" "cpu s" "MIPS(cpu)"
for k in null loop memsum; do
	for e in $ENGINES; do
		# shellcheck disable=SC2086
		awk -v k="$k" -v e="$(engine_name "$e")" -v runs="$RUNS" -v n="${insns[$k]}" \
			-v w="$(median ${walls[$k,$e]})" -v wb="$(median ${walls[null,$e]})" \
			-v c="$(median ${cpus[$k,$e]})" -v cb="$(median ${cpus[null,$e]})" 'BEGIN{
			nw = (w - wb) / 1e3; nc = (c - cb) / 1e3
			if (k == "null") { mw = mc = "(startup)"; nws = "-" }
			else {
				nws = sprintf("%.3f", nw)
				mw = (nw > 0) ? sprintf("%.1f", n / nw / 1e6) : "n/a"
				mc = (nc > 0) ? sprintf("%.1f", n / nc / 1e6) : "n/a"
			}
			printf "%-8s %-14s %4d %9.3f %9s %12s %10s %9.3f %10s\n", k, e, runs, w / 1e3, nws, n, mw, c / 1e3, mc
		}'
	done
done
