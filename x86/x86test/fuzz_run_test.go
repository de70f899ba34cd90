package x86test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"regexp"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govmm/govmm/x86"
)

// runBudget is the instruction budget of one random program.
const runBudget = 256

// runResult is the outcome of running one program.
type runResult struct {
	exit   x86.Exit // the last exit (Run is called again after ExitStop)
	stops  int      // ExitStop exits seen before it
	insns  uint64
	state  x86.State
	mode   x86.Mode
	halted bool
	ram    []byte
	io     []ioEvent // Platform calls (the first maxEvents)
	ioN    int
	fx     []ioEvent // Platform calls other than MMIO reads
	fxN    int
	errs   []string // Platform contract violations

	panicked any    // a Go panic that escaped Run
	stack    string // its stack
	hung     string // Run did not return in time: what the watchdog saw
}

// hangTimeout bounds one program's wall-clock time. A program runs at most
// a few hundred instructions (well under a millisecond), so reaching this
// means Run is not making progress; it is generous for loaded machines.
const hangTimeout = 2 * time.Second

// runProgram runs code on a fresh machine, converting a panic escaping Run
// into a result. A watchdog stops a Run that does not return: it calls
// RequestStop from another goroutine (documented as safe for concurrent
// use), and if even that fails, it abandons the goroutine.
//
// With step set, Run is called once per instruction (Run(Insns+1)), which
// must not change the outcome: a VMM runs the CPU in chunks of any size.
func runProgram(mc machineConfig, code []byte, step bool) runResult {
	c, p := newMachine(mc, code)
	done := make(chan runResult, 1)
	var abort atomic.Bool
	go func() { done <- runOn(c, p, step, &abort) }()
	timer := time.NewTimer(hangTimeout)
	defer timer.Stop()
	select {
	case r := <-done:
		return r
	case <-timer.C:
	}
	// RequestStop is repeated because a concurrent request can be lost
	// (see the RequestStop-data-race known bug).
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	giveUp := time.After(hangTimeout)
	abort.Store(true)
	for {
		c.RequestStop()
		select {
		case r := <-done:
			r.hung = fmt.Sprintf("Run(%d) did not return within %v; RequestStop ended it with exit %v after %d instructions",
				runBudget, hangTimeout, r.exit.Reason, r.insns)
			if r.insns < runBudget {
				r.hung += " (retired instructions stayed below the budget: a loop that retires nothing)"
			}
			return r
		case <-tick.C:
		case <-giveUp:
			return runResult{hung: fmt.Sprintf("Run(%d) did not return within %v, nor after RequestStop (goroutine abandoned)", runBudget, hangTimeout)}
		}
	}
}

// runOn runs the CPU up to runBudget instructions, continuing after
// ExitStop, and collects the result; it runs on its own goroutine.
// abort is set by the watchdog: stop at the next ExitStop.
func runOn(c *x86.CPU, p *ioStub, step bool, abort *atomic.Bool) (r runResult) {
	defer func() {
		if v := recover(); v != nil {
			r.panicked, r.stack = v, string(debug.Stack())
		}
	}()
	for {
		limit := uint64(runBudget)
		if step {
			limit = min(c.Insns+1, runBudget)
		}
		r.exit = c.Run(limit)
		switch {
		case r.exit.Reason == x86.ExitStop && abort.Load():
		case r.exit.Reason == x86.ExitStop:
			r.stops++
			if r.stops > runBudget+1 {
				return r // every stop follows a retired OUT: cannot happen
			}
			continue
		case r.exit.Reason == x86.ExitBudget && c.Insns < runBudget:
			continue
		}
		break
	}
	r.insns = c.Insns
	r.state = c.GetState()
	r.mode = c.Mode()
	r.halted = c.Halted()
	r.ram = c.RAM
	r.io, r.ioN, r.errs = p.events, p.count, p.errs
	r.fx, r.fxN = p.effects, p.effectN
	return r
}

// signature names a failed run's bug for grouping and for knownRunBugs: a
// panic by its value and the innermost govmm/x86 function on its stack, a
// hang by what the watchdog saw.
func (r runResult) signature() string {
	switch {
	case r.panicked != nil:
		return "panic: " + panicSignature(r.panicked, r.stack)
	case r.hung != "":
		return "hang: " + r.hung
	}
	return ""
}

// panicSignature names a panic by its value and the innermost govmm/x86
// function on the stack, to group equal bugs.
func panicSignature(v any, stack string) string {
	frame := "?"
	lines := strings.Split(stack, "\n")
	seenPanic := false
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "panic(") {
			seenPanic = true
			continue
		}
		if seenPanic && strings.HasPrefix(l, "github.com/govmm/govmm/x86.") {
			frame = l
			if i := strings.LastIndex(frame, "("); i > 0 {
				frame = frame[:i]
			}
			break
		}
	}
	return fmt.Sprintf("%v @ %s", v, frame)
}

// knownRunBug is a crash or hang found by FuzzRun that is not fixed yet.
// match is applied to runResult.signature; the inputs that reproduce it are
// in testdata/known/FuzzRun (see TestKnownRunBugs).
type knownRunBug struct {
	name  string
	match string // substring of the signature
}

// knownRunBugs lists unfixed bugs so that FuzzRun and TestRunRandomCode stay
// green. Delete an entry when the bug is fixed: TestKnownRunBugs then runs
// its inputs for real.
var knownRunBugs = []knownRunBug{
	{
		name:  "exception loop: Run never returns when every instruction faults and the handler faults again (no instruction retires, so the budget is never consumed)",
		match: "a loop that retires nothing",
	},
}

func knownBug(sig string) (string, bool) {
	for _, b := range knownRunBugs {
		if strings.Contains(sig, b.match) {
			return b.name, true
		}
	}
	return "", false
}

// checkRun returns what is wrong with a run's outcome, or nil.
func checkRun(mc machineConfig, r runResult) []string {
	var bad []string
	if r.panicked != nil {
		return []string{fmt.Sprintf("Go panic escaped Run: %v\n%s", r.panicked, r.stack)}
	}
	if r.hung != "" {
		return []string{r.hung}
	}
	bad = append(bad, r.errs...)
	validReason := func(e x86.Exit) bool {
		switch e.Reason {
		case x86.ExitBudget, x86.ExitStop, x86.ExitHalt, x86.ExitShutdown, x86.ExitUnsupported:
			return true
		}
		return false
	}
	if !validReason(r.exit) {
		bad = append(bad, fmt.Sprintf("Run returned undefined exit reason %v", r.exit.Reason))
	}
	if (r.exit.Reason == x86.ExitShutdown || r.exit.Reason == x86.ExitUnsupported) && r.exit.Detail == "" {
		bad = append(bad, fmt.Sprintf("exit %v without Detail", r.exit.Reason))
	}
	if r.insns > runBudget {
		bad = append(bad, fmt.Sprintf("Insns = %d, over the budget %d", r.insns, runBudget))
	}
	if r.exit.Reason == x86.ExitStop {
		bad = append(bad, fmt.Sprintf("%d ExitStops in a row", r.stops))
	}
	if r.exit.Reason == x86.ExitBudget && r.insns < runBudget {
		bad = append(bad, fmt.Sprintf("budget exit with Insns = %d < %d", r.insns, runBudget))
	}
	if r.exit.Reason == x86.ExitHalt && !r.halted {
		bad = append(bad, "halt exit but Halted() = false")
	}

	s := r.state
	if s.RFLAGS&0x2 == 0 {
		bad = append(bad, fmt.Sprintf("RFLAGS %#x: reserved bit 1 clear", s.RFLAGS))
	}
	if rsv := s.RFLAGS &^ uint64(0x3f7fd7); rsv != 0 {
		bad = append(bad, fmt.Sprintf("RFLAGS %#x: reserved bits %#x set", s.RFLAGS, rsv))
	}
	if s.CPL > 3 {
		bad = append(bad, fmt.Sprintf("CPL %d", s.CPL))
	}
	if s.CR0&x86.CR0PE == 0 && s.CPL != 0 {
		bad = append(bad, fmt.Sprintf("CPL %d in real mode", s.CPL))
	}
	lma := s.EFER&x86.EFERLMA != 0
	if lma && (s.CR0&x86.CR0PG == 0 || s.CR0&x86.CR0PE == 0 || s.CR4&x86.CR4PAE == 0 || s.EFER&x86.EFERLME == 0) {
		bad = append(bad, fmt.Sprintf("EFER.LMA with CR0 %#x CR4 %#x EFER %#x", s.CR0, s.CR4, s.EFER))
	}
	want := x86.Mode16
	switch {
	case lma && s.Seg[x86.CS].Attr&x86.SegAttrL != 0:
		want = x86.Mode64
	case s.CR0&x86.CR0PE != 0 && s.RFLAGS&x86.FlagVM == 0 && s.Seg[x86.CS].Attr&x86.SegAttrDB != 0:
		want = x86.Mode32
	}
	if r.mode != want {
		bad = append(bad, fmt.Sprintf("Mode() = %s, but the state says %s", modeName(r.mode), modeName(want)))
	}
	switch r.mode {
	case x86.Mode64:
		if uint64(int64(s.RIP<<16)>>16) != s.RIP {
			bad = append(bad, fmt.Sprintf("non-canonical RIP %#x in 64-bit mode", s.RIP))
		}
	default:
		if s.RIP>>32 != 0 {
			bad = append(bad, fmt.Sprintf("RIP %#x above 4 GiB outside 64-bit mode", s.RIP))
		}
		if r.mode == x86.Mode16 && s.Seg[x86.CS].Limit <= 0xffff && s.RIP > 0xffff {
			bad = append(bad, fmt.Sprintf("IP %#x above 64 KiB in 16-bit code", s.RIP))
		}
	}
	if len(r.ram) != ramSize {
		bad = append(bad, fmt.Sprintf("RAM resized to %d bytes", len(r.ram)))
	}
	return bad
}

// sameRun reports how two runs of the same program differ, or "".
// MMIO reads are compared only when mmioReads is set (see FuzzRun).
func sameRun(a, b runResult, mmioReads bool) string {
	if !mmioReads {
		a.io, a.ioN, b.io, b.ioN = a.fx, a.fxN, b.fx, b.fxN
	}
	switch {
	case a.exit != b.exit || a.stops != b.stops:
		return fmt.Sprintf("exit %+v after %d stops vs %+v after %d stops", a.exit, a.stops, b.exit, b.stops)
	case a.insns != b.insns:
		return fmt.Sprintf("Insns %d vs %d", a.insns, b.insns)
	case !reflect.DeepEqual(a.state, b.state):
		return fmt.Sprintf("state\n%+v\nvs\n%+v", a.state, b.state)
	case !bytes.Equal(a.ram, b.ram):
		return "RAM contents differ"
	case a.ioN != b.ioN || !reflect.DeepEqual(a.io, b.io):
		return fmt.Sprintf("I/O %d events %v vs %d events %v", a.ioN, a.io, b.ioN, b.io)
	}
	return ""
}

// decodeConfig maps a fuzz byte to a machine configuration.
func decodeConfig(sel uint8) machineConfig {
	return machineConfig{
		mode:    cpuMode(sel & 7 % uint8(numModes)),
		zeroIDT: sel&0x10 != 0,
		intr:    sel&0x20 != 0,
		iopl3:   sel&0x40 != 0,
	}
}

func encodeConfig(mc machineConfig) uint8 {
	s := uint8(mc.mode)
	if mc.zeroIDT {
		s |= 0x10
	}
	if mc.intr {
		s |= 0x20
	}
	if mc.iopl3 {
		s |= 0x40
	}
	return s
}

// FuzzRun runs arbitrary code in real, protected, long, compatibility,
// user and virtual-8086 mode: Run must return a defined exit without a Go
// panic or a hang, the state must stay consistent, a second run of the same
// program must be identical, and so must a run that calls Run once per
// instruction. The last comparison ignores MMIO reads: code fetched from
// MMIO is fetched again after every Run boundary (a known, minor issue, see
// TestKnownRunBugs).
func FuzzRun(f *testing.F) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 128 {
		mc := decodeConfig(uint8(i))
		f.Add(encodeConfig(mc), genProgram(rng, mc.mode))
	}
	for _, tc := range decodeLenCases {
		f.Add(uint8(tc.mode), unhex(tc.code))
	}
	f.Fuzz(func(t *testing.T, sel uint8, code []byte) {
		if len(code) > codeMax {
			code = code[:codeMax]
		}
		mc := decodeConfig(sel)
		r := runProgram(mc, code, false)
		if sig := r.signature(); sig != "" {
			if name, ok := knownBug(sig); ok {
				t.Skipf("known bug: %s (%s)", name, sig)
			}
		}
		if bad := checkRun(mc, r); len(bad) > 0 {
			t.Fatalf("%s, code % x:\n%s", mc, code[:min(len(code), 64)], strings.Join(bad, "\n"))
		}
		if d := sameRun(r, runProgram(mc, code, false), true); d != "" {
			t.Fatalf("%s, code % x: not deterministic: %s", mc, code[:min(len(code), 64)], d)
		}
		if d := sameRun(r, runProgram(mc, code, true), false); d != "" {
			t.Fatalf("%s, code % x: running one instruction per Run call changes the outcome: %s", mc, code[:min(len(code), 64)], d)
		}
	})
}

// detailClass matches the numbers in an exit Detail, to group similar ones.
var detailClass = regexp.MustCompile(`\b(0x[0-9a-fA-F]+|[0-9a-fA-F]{2}|[0-9]+)\b`)

// TestRunRandomCode runs a fixed set of pseudo-random programs (so CI
// exercises the run loop without -fuzz). Panics are grouped by signature;
// known bugs (knownRunBugs) are logged, anything else fails.
func TestRunRandomCode(t *testing.T) {
	n := 2000
	if testing.Short() {
		n = 300
	}
	rng := rand.New(rand.NewPCG(0x60766d6d, 0x783836)) // fixed seed
	type crash struct {
		mc    machineConfig
		code  []byte
		stack string
		count int
	}
	crashes := map[string]*crash{}
	var order []string
	exits := map[string]int{}
	unsupported := map[string]int{}
	for i := range n {
		mc := machineConfig{
			mode:    cpuMode(i % int(numModes)),
			zeroIDT: i/int(numModes)%4 == 3,
			intr:    i/int(numModes)%5 == 4,
			iopl3:   i/int(numModes)%3 == 2,
		}
		code := genProgram(rng, mc.mode)
		r := runProgram(mc, code, false)
		if sig := r.signature(); sig != "" {
			c := crashes[sig]
			if c == nil {
				c = &crash{mc: mc, code: code, stack: r.stack}
				crashes[sig] = c
				order = append(order, sig)
			}
			c.count++
			continue
		}
		exits[mc.mode.String()+"/"+r.exit.Reason.String()]++
		if r.exit.Reason == x86.ExitUnsupported {
			unsupported[detailClass.ReplaceAllString(r.exit.Detail, "#")]++
		}
		if bad := checkRun(mc, r); len(bad) > 0 {
			t.Errorf("program %d (%s), code % x:\n%s", i, mc, code[:min(len(code), 64)], strings.Join(bad, "\n"))
			continue
		}
		if i%4 == 0 {
			if d := sameRun(r, runProgram(mc, code, false), true); d != "" {
				t.Errorf("program %d (%s): not deterministic: %s", i, mc, d)
			}
		}
		if i%4 == 1 {
			if d := sameRun(r, runProgram(mc, code, true), false); d != "" {
				t.Errorf("program %d (%s), code % x: running one instruction per Run call changes the outcome: %s", i, mc, code[:min(len(code), 64)], d)
			}
		}
	}
	t.Logf("%d programs; exits: %v", n, exits)
	t.Logf("unsupported details (top 15): %s", topCounts(unsupported, 15))
	for _, sig := range order {
		c := crashes[sig]
		msg := fmt.Sprintf("%s, %d programs; first: %s, code (%d bytes) % x\n%s",
			sig, c.count, c.mc, len(c.code), c.code[:min(len(c.code), 96)], c.stack)
		if name, ok := knownBug(sig); ok {
			t.Logf("known bug %s: %s", name, msg)
			continue
		}
		t.Error(msg)
	}
}

// genProgram returns a random program for a CPU mode: either raw random
// bytes, or a sequence of mostly well-formed instructions (templates with
// random operands), which gets further before faulting.
func genProgram(rng *rand.Rand, m cpuMode) []byte {
	n := 1 + rng.IntN(96)
	if rng.IntN(4) == 0 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		return b
	}
	var out []byte
	for len(out) < n {
		switch k := rng.IntN(10); {
		case k < 6:
			t := progTemplates[rng.IntN(len(progTemplates))]
			is64 := m == long64 || m == user64
			if t.only64 && !is64 || t.no64 && is64 {
				continue
			}
			ins := unhex(t.hex)
			for i, b := range ins {
				if b == 0xcc && i > 0 { // placeholders: random operand bytes
					ins[i] = byte(rng.Uint32())
				}
			}
			out = append(out, ins...)
		case k < 8:
			// A random prefix or two, then a random opcode and operands.
			prefixes := []byte{0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x2e, 0x26, 0x64, 0x65, 0x48, 0x41, 0x0f}
			for range rng.IntN(3) {
				out = append(out, prefixes[rng.IntN(len(prefixes))])
			}
			for range 1 + rng.IntN(6) {
				out = append(out, byte(rng.Uint32()))
			}
		default:
			// A whole table case.
			tc := decodeLenCases[rng.IntN(len(decodeLenCases))]
			b := unhex(tc.code)
			if tc.ok && tc.n > 0 && tc.n <= len(b) {
				b = b[:tc.n]
			}
			out = append(out, b...)
		}
	}
	return out
}

// progTemplate is an instruction with cc placeholders for random bytes.
type progTemplate struct {
	hex    string
	only64 bool
	no64   bool
}

var progTemplates = []progTemplate{
	{hex: "b8 cc cc cc cc"}, // mov eax, imm
	{hex: "b9 cc cc 00 00"}, // mov ecx, small imm
	{hex: "ba cc cc cc cc"}, // mov edx, imm
	{hex: "bb cc cc cc cc"}, // mov ebx, imm
	{hex: "be cc cc cc cc"}, // mov esi, imm
	{hex: "bf cc cc cc cc"}, // mov edi, imm
	{hex: "48 b8 cc cc cc cc cc cc cc cc", only64: true},
	{hex: "01 cc"},                                     // add r/m, r
	{hex: "29 cc"},                                     // sub
	{hex: "31 cc"},                                     // xor
	{hex: "83 cc cc"},                                  // grp1 ib
	{hex: "81 cc cc cc cc cc"},                         // grp1 iz (32-bit) / misc
	{hex: "f7 cc"},                                     // grp3
	{hex: "f6 cc cc"},                                  // grp3 byte
	{hex: "d3 cc"},                                     // shift by cl
	{hex: "c1 cc cc"},                                  // shift ib
	{hex: "0f af cc"},                                  // imul
	{hex: "0f b6 cc"},                                  // movzx
	{hex: "0f a3 cc"},                                  // bt
	{hex: "0f bc cc"},                                  // bsf
	{hex: "0f c1 cc"},                                  // xadd
	{hex: "0f b1 cc"},                                  // cmpxchg
	{hex: "89 cc"},                                     // mov r/m, r
	{hex: "8b cc"},                                     // mov r, r/m
	{hex: "88 cc"},                                     // mov r/m8, r8
	{hex: "8d cc"},                                     // lea
	{hex: "87 cc"},                                     // xchg
	{hex: "50"}, {hex: "5b"}, {hex: "9c"}, {hex: "9d"}, // push/pop/pushf/popf
	{hex: "e8 00 00 00 00"}, // call next
	{hex: "c3"},             // ret
	{hex: "75 cc"},          // jnz rel8
	{hex: "e2 cc"},          // loop
	{hex: "eb 02"},          // jmp +2
	{hex: "ff cc"},          // grp5
	{hex: "cd cc"},          // int n
	{hex: "cc"},             // int3 (the opcode byte itself)
	{hex: "ce", no64: true}, // into
	{hex: "f1"},             // icebp
	{hex: "cf"},             // iret
	{hex: "f4"},             // hlt
	{hex: "fa"}, {hex: "fb"}, {hex: "fc"}, {hex: "fd"},
	{hex: "f3 a4"}, {hex: "f3 ab"}, {hex: "f2 ae"}, {hex: "a5"}, {hex: "ad"}, // strings
	{hex: "e6 f4"},                                     // out 0xf4, al (debug exit)
	{hex: "e6 20"},                                     // out 0x20, al (INTR with vector al)
	{hex: "e6 61"},                                     // out 0x61 (NMI)
	{hex: "e4 cc"},                                     // in al, imm
	{hex: "ec"}, {hex: "ef"}, {hex: "6c"}, {hex: "6f"}, // in/out dx, ins/outs
	{hex: "8e d8"}, {hex: "8e c0"}, {hex: "8e d0"}, {hex: "8e cc"}, // mov sreg
	{hex: "0f 20 c0"}, {hex: "0f 22 c0"}, {hex: "0f 22 d8"}, {hex: "0f 22 e0"}, // mov cr
	{hex: "0f 21 c0"}, {hex: "0f 23 f8"}, {hex: "0f 23 c0"}, // mov dr
	{hex: "0f 01 10"}, {hex: "0f 01 18"}, {hex: "0f 01 cc"}, {hex: "0f 00 cc"}, // lgdt/lidt/grp7/grp6
	{hex: "0f 32"}, {hex: "0f 30"}, {hex: "0f 31"}, {hex: "0f a2"}, {hex: "0f 01 f9"}, // msr, tsc, cpuid, rdtscp
	{hex: "0f 05", only64: true}, {hex: "0f 07", only64: true}, {hex: "0f 34"}, {hex: "0f 35"}, // syscall/sysret/sysenter/sysexit
	{hex: "0f 01 d8"}, {hex: "0f 01 d9"}, {hex: "0f 01 dc"}, {hex: "0f 01 dd"}, {hex: "0f 01 df"}, // SVM
	{hex: "ea 00 00 02 00 18 00", no64: true}, // jmp far
	{hex: "9a 00 00 02 00 18 00", no64: true}, // call far
	{hex: "cb"}, {hex: "ca cc 00"}, // retf
	{hex: "c8 cc 00 cc"}, {hex: "c9"}, // enter/leave
	{hex: "60", no64: true}, {hex: "61", no64: true}, // pusha/popa
	{hex: "27", no64: true}, {hex: "d4 cc", no64: true}, {hex: "d5 cc", no64: true}, // daa/aam/aad
	{hex: "d7"}, {hex: "98"}, {hex: "99"}, {hex: "9e"}, {hex: "9f"}, // xlat, cbw, cwd, sahf, lahf
	{hex: "9b"}, {hex: "db e3"}, {hex: "d9 cc"}, {hex: "dd cc"}, // fwait, fninit, x87
	{hex: "0f 0b"}, {hex: "0f ff cc"}, // ud2, ud0
	{hex: "8f c0"}, {hex: "8f cc"},
	{hex: "f0 01 cc"}, {hex: "f0 0f c7 cc"}, // lock
	{hex: "66 cc"}, {hex: "67 cc"},
	{hex: "48 cf", only64: true},                                                    // iretq
	{hex: "0f 09"}, {hex: "0f 08"}, {hex: "0f 06"}, {hex: "0f 01 f8", only64: true}, // wbinvd, invd, clts, swapgs
	{hex: "0f 01 38"},                    // invlpg
	{hex: "0f 00 d8"}, {hex: "0f 00 d0"}, // ltr ax, lldt ax
	{hex: "0f 02 cc"}, {hex: "0f 03 cc"}, // lar, lsl
	{hex: "63 cc"},
	{hex: "c4 cc"}, {hex: "c5 cc"}, {hex: "62 cc"},
}
