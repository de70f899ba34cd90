package x86test

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govmm/govmm/x86"
)

// knownBugDir holds reproducers in the go fuzz corpus format (for FuzzRun:
// a selector byte and the code). They are kept out of testdata/fuzz/FuzzRun
// so that plain `go test` does not pay for them; copy one there to replay
// it with `go test -run FuzzRun/<name>`.
const knownBugDir = "testdata/known/FuzzRun"

// readCorpusFile parses a go fuzz corpus file holding (uint8, []byte).
func readCorpusFile(path string) (uint8, []byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, nil, err
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) != 3 || lines[0] != "go test fuzz v1" {
		return 0, nil, fmt.Errorf("%s: want a go fuzz v1 file with two values", path)
	}
	var sel uint8
	switch l := lines[1]; {
	case strings.HasPrefix(l, "byte(") && strings.HasSuffix(l, ")"):
		r, _, tail, err := strconv.UnquoteChar(strings.TrimSuffix(strings.TrimPrefix(l, "byte('"), "')"), '\'')
		if err != nil || tail != "" || r > 0xff {
			return 0, nil, fmt.Errorf("%s: bad byte %q", path, l)
		}
		sel = uint8(r)
	case strings.HasPrefix(l, "uint8(") && strings.HasSuffix(l, ")"):
		v, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimPrefix(l, "uint8("), ")"), 0, 8)
		if err != nil {
			return 0, nil, fmt.Errorf("%s: bad uint8 %q", path, l)
		}
		sel = uint8(v)
	default:
		return 0, nil, fmt.Errorf("%s: bad first value %q", path, l)
	}
	l := lines[2]
	if !strings.HasPrefix(l, "[]byte(") || !strings.HasSuffix(l, ")") {
		return 0, nil, fmt.Errorf("%s: bad second value %q", path, l)
	}
	s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(l, "[]byte("), ")"))
	if err != nil {
		return 0, nil, fmt.Errorf("%s: %v", path, err)
	}
	return sel, []byte(s), nil
}

// pageHoleMachine is a long-mode machine whose page 0x21000 is not present
// (4 KiB pages for the first 2 MiB), with code placed just below the hole.
func pageHoleMachine(mc machineConfig, code []byte) *x86.CPU {
	const pt = 0x14000
	mc.mode = long64
	c, _ := newMachine(mc, nil)
	le := binary.LittleEndian
	for i := uint64(0); i < 512; i++ {
		le.PutUint64(c.RAM[pt+i*8:], i<<12|7)
	}
	le.PutUint64(c.RAM[pt+0x21*8:], 0)
	le.PutUint64(c.RAM[pdBase:], pt|7)
	start := 0x21000 - uint64(len(code))
	copy(c.RAM[start:], code)
	s := c.GetState()
	s.RIP = start
	c.SetState(&s)
	c.Invalidate()
	return c
}

// knownRunBugCases reproduce run-loop bugs found by fuzzing (all fixed);
// they run in every test run and guard the fixes.
var knownRunBugCases = []struct {
	name string
	bug  string
	run  func(t *testing.T)
}{
	{
		name: "exception-loop-never-returns",
		bug: "Run(limit) never returns when the handler of an exception faults again at once: " +
			"no instruction retires, so Insns never reaches the limit and nothing else ends the " +
			"runBatch/handleFault loop (here real mode, IVT -> UD2 -> #UD -> same handler, SP wrapping in its 64 KiB segment). " +
			"A VMM cannot regain control (its timeout check runs between Run calls).",
		run: func(t *testing.T) {
			files, _ := filepath.Glob(filepath.Join(knownBugDir, "exception-loop*"))
			if len(files) == 0 {
				t.Fatalf("no reproducer in %s", knownBugDir)
			}
			for _, f := range files {
				sel, code, err := readCorpusFile(f)
				if err != nil {
					t.Fatal(err)
				}
				mc := decodeConfig(sel)
				r := runProgram(mc, code, false)
				if r.hung != "" {
					t.Errorf("%s (%s, code % x): %s", filepath.Base(f), mc, code, r.hung)
				}
			}
		},
	},
	{
		name: "fetch-fault-beats-pending-INTR",
		bug: "after an instruction retires, runBatch fetches the next one before looking at pending " +
			"events, so a fetch fault (#PF, CS limit) of the next instruction is delivered before a pending " +
			"INTR/NMI; APM vol. 2 §8.5 (simultaneous interrupt priorities) takes NMI and INTR before " +
			"faults from fetching the next instruction.",
		run: func(t *testing.T) {
			// mov al, 0x40; out 0x20, al (raises INTR vector 0x40); next page not present.
			c := pageHoleMachine(machineConfig{intr: true}, unhex("b0 40 e6 20"))
			ex := c.Run(runBudget)
			if ex.Reason != x86.ExitHalt {
				t.Fatalf("exit %v (%s), want halt in the handler", ex.Reason, ex.Detail)
			}
			if c.CR2 != 0 {
				t.Errorf("CR2 = %#x: the #PF on fetching 0x21000 was taken before the pending INTR", c.CR2)
			}
			if top := binary.LittleEndian.Uint64(c.RAM[c.GPR[x86.RSP]:]); top != 0x21000 {
				t.Errorf("top of the handler's stack = %#x, want the INTR frame's RIP 0x21000 (no error code)", top)
			}
		},
	},
	{
		name: "budget-exit-after-next-fetch-fault",
		bug: "Run(limit) returns ExitBudget (and ExitStop after RequestStop) only after fetching the " +
			"instruction beyond the limit; if that fetch faults, the exception is delivered before Run " +
			"returns, so the VMM sees the CPU inside a handler for an instruction it never asked to run.",
		run: func(t *testing.T) {
			c := pageHoleMachine(machineConfig{}, unhex("90 90"))
			ex := c.Run(c.Insns + 2)
			if ex.Reason != x86.ExitBudget || c.RIP != 0x21000 || c.CR2 != 0 {
				t.Errorf("Run(2 nops before a page hole) = %v, RIP %#x, CR2 %#x; want budget, RIP 0x21000, CR2 0", ex.Reason, c.RIP, c.CR2)
			}
			c = pageHoleMachine(machineConfig{iopl3: true}, unhex("e6 f4")) // out 0xf4 -> RequestStop
			ex = c.Run(runBudget)
			if ex.Reason != x86.ExitStop || c.RIP != 0x21000 || c.CR2 != 0 {
				t.Errorf("Run(out to the debug-exit port before a page hole) = %v, RIP %#x, CR2 %#x; want stop, RIP 0x21000, CR2 0", ex.Reason, c.RIP, c.CR2)
			}
		},
	},
	{
		name: "mmio-code-refetched-at-run-boundaries",
		bug: "code executing from MMIO is fetched twice at every Run boundary (the loop prefetches the " +
			"next instruction, then the budget check discards it); a device with read side effects " +
			"would see different reads depending on the VMM's Run chunk size.",
		run: func(t *testing.T) {
			const rom = 0x200000 // identity-mapped, above RAM
			reads := func(step bool) int {
				c, p := newMachine(machineConfig{mode: long64}, nil)
				p.romBase, p.rom = rom, unhex("90 90 90 90 90 90 90 90 f4")
				s := c.GetState()
				s.RIP = rom
				c.SetState(&s)
				for c.Insns < 9 {
					limit := uint64(9)
					if step {
						limit = c.Insns + 1
					}
					if ex := c.Run(limit); ex.Reason != x86.ExitBudget {
						break
					}
				}
				return p.count
			}
			if a, b := reads(false), reads(true); a != b {
				t.Errorf("MMIO reads for 8 NOPs + HLT from MMIO: %d with one Run call, %d with one Run per instruction", a, b)
			}
		},
	},
	{
		name: "RequestStop-data-race",
		bug: "CPU's doc says RequestStop is safe for concurrent use, but it is a plain read-modify-write " +
			"of CPU.attn, which Run reads and writes too (Halted, SetINTR, the stop/halt bits): " +
			"`go test -race` reports a data race, and a concurrent update can lose the request or a halt/INTR bit.",
		run: func(t *testing.T) {
			if !raceEnabled {
				t.Skip("the race shows only with -race")
			}
			c, _ := newMachine(machineConfig{mode: long64}, unhex("eb fe")) // jmp $
			done := make(chan x86.Exit, 1)
			go func() { done <- c.Run(1 << 62) }()
			time.Sleep(10 * time.Millisecond)
			c.RequestStop()
			select {
			case ex := <-done:
				if ex.Reason != x86.ExitStop {
					t.Errorf("exit %v, want stop", ex.Reason)
				}
			case <-time.After(hangTimeout):
				t.Fatal("RequestStop from another goroutine did not stop Run")
			}
		},
	},
}

// TestRunLoopRegressions replays the fixed run-loop bugs.
func TestRunLoopRegressions(t *testing.T) {
	for _, tc := range knownRunBugCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Log("guards against: " + tc.bug)
			tc.run(t)
		})
	}
}
