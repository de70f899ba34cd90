package x86test

import (
	"testing"

	"github.com/govmm/govmm/x86"
)

// TestMachineSetup checks the test machines themselves: in every mode a
// short known program must reach the expected exit, so that FuzzRun really
// runs code in the mode it claims rather than faulting on a broken setup.
func TestMachineSetup(t *testing.T) {
	const (
		atCode = iota // halted after the program's HLT (no fault)
		atStub        // halted in the ring-0 HLT stub after an event
	)
	type want struct {
		reason x86.ExitReason
		where  int
	}
	tests := []struct {
		name string
		code string
		// want per mode; modes not listed expect def.
		def  want
		mode map[cpuMode]want
		cfg  machineConfig
	}{
		{
			name: "hlt",
			code: "90 f4",
			def:  want{x86.ExitHalt, atCode},
			// HLT at CPL 3 raises #GP(0).
			mode: map[cpuMode]want{user32: {x86.ExitHalt, atStub}, user64: {x86.ExitHalt, atStub}, v86: {x86.ExitHalt, atStub}},
		},
		{
			name: "debug exit",
			code: "e6 f4 f4",
			cfg:  machineConfig{iopl3: true},
			def:  want{x86.ExitStop, 0},
			// In virtual-8086 mode the TSS I/O bitmap decides whatever
			// IOPL is; this TSS has none, so OUT raises #GP(0).
			mode: map[cpuMode]want{v86: {x86.ExitHalt, atStub}},
		},
		{
			name: "out denied at CPL 3, IOPL 0",
			code: "e6 f4 f4",
			def:  want{x86.ExitStop, 0},
			mode: map[cpuMode]want{user32: {x86.ExitHalt, atStub}, user64: {x86.ExitHalt, atStub}, v86: {x86.ExitHalt, atStub}},
		},
		{
			name: "ud2 reaches the handler",
			code: "0f 0b",
			def:  want{x86.ExitHalt, atStub},
		},
		{
			name: "ud2 with a zero IDT shuts down",
			code: "0f 0b",
			cfg:  machineConfig{zeroIDT: true},
			def:  want{x86.ExitShutdown, 0},
		},
		{
			name: "int 0x80",
			code: "cd 80 f4",
			cfg:  machineConfig{iopl3: true},
			def:  want{x86.ExitHalt, atStub},
		},
		{
			name: "loop runs out the budget",
			code: "eb fe",
			def:  want{x86.ExitBudget, 0},
		},
		{
			name: "stack works",
			code: "6a 05 58 f4", // push 5; pop ax/eax/rax; hlt
			def:  want{x86.ExitHalt, atCode},
			mode: map[cpuMode]want{user32: {x86.ExitHalt, atStub}, user64: {x86.ExitHalt, atStub}, v86: {x86.ExitHalt, atStub}},
		},
	}
	for _, tc := range tests {
		for m := range numModes {
			mc := tc.cfg
			mc.mode = m
			t.Run(tc.name+"/"+mc.String(), func(t *testing.T) {
				w, ok := tc.mode[m]
				if !ok {
					w = tc.def
				}
				c, _ := newMachine(mc, unhex(tc.code))
				ex := c.Run(runBudget)
				if ex.Reason != w.reason {
					t.Fatalf("exit %v (%s), want %v; RIP %#x CS %+v", ex.Reason, ex.Detail, w.reason, c.RIP, c.Seg[x86.CS])
				}
				if w.reason != x86.ExitHalt {
					return
				}
				lin := c.Seg[x86.CS].Base + c.RIP
				switch w.where {
				case atCode:
					wantLin := uint64(codeBase + len(unhex(tc.code)))
					if lin != wantLin {
						t.Errorf("halted at %#x, want %#x (after the program)", lin, wantLin)
					}
				case atStub:
					if lin != stubBase+1 {
						t.Errorf("halted at %#x, want %#x (the HLT stub)", lin, stubBase+1)
					}
					if c.CPL != 0 {
						t.Errorf("CPL %d in the handler, want 0", c.CPL)
					}
				}
				if m == realMode || m == v86 {
					return
				}
				if got, want := c.Mode(), map[bool]x86.Mode{true: x86.Mode64, false: x86.Mode32}[m == long64 || m == user64 || w.where == atStub && (m == compat32)]; got != want {
					t.Errorf("mode %s at exit, want %s", modeName(got), modeName(want))
				}
			})
		}
	}
}
