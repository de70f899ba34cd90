package x86test

import (
	"encoding/binary"
	"testing"

	"github.com/govmm/govmm/x86"
)

// TestMaskedINTRDelivery checks that an INTR raised while IF=0 stays
// pending across instructions that run with interrupts masked (the fast
// path), and is taken exactly at the first boundary where it becomes
// deliverable: after the STI shadow, or straight after POPF/IRET-style
// flag loads that set IF.
func TestMaskedINTRDelivery(t *testing.T) {
	const raise = "b0 40 e6 20" // mov al, 0x40; out 0x20, al
	tests := []struct {
		name   string
		code   string // runs after cli; raise
		wantIP uint64 // RIP pushed by the INTR frame, relative to codeBase
	}{
		// cli(1) raise(4) nop*4(4) sti(1) nop(1): shadow covers the first nop.
		{"sti-shadow", "90 90 90 90 fb 90 90", 1 + 4 + 4 + 1 + 1},
		// pushfd with IF=1 built by hand: push 0x202; popfd -> deliverable at once.
		{"popf-sets-IF", "90 68 02 02 00 00 9d 90", 1 + 4 + 1 + 5 + 1},
		// loop of 3 iterations with IF=0, then sti; nop.
		{"loop-then-sti", "b9 03 00 00 00 e2 fe fb 90 90", 1 + 4 + 5 + 2 + 1 + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := unhex("fa " + raise + " " + tt.code + " f4")
			c, p := newMachine(machineConfig{mode: prot32, intr: true}, code)
			ex := c.Run(runBudget)
			if ex.Reason != x86.ExitHalt {
				t.Fatalf("exit %v (%s), want halt in the handler", ex.Reason, ex.Detail)
			}
			if c.RIP != stubBase+1 {
				t.Errorf("halted at %#x, want the handler stub %#x", c.RIP, stubBase+1)
			}
			if p.pending {
				t.Errorf("INTR still pending: never acknowledged")
			}
			top := uint64(binary.LittleEndian.Uint32(c.RAM[c.GPR[x86.RSP]:]))
			if want := codeBase + tt.wantIP; top != want {
				t.Errorf("INTR frame EIP = %#x, want %#x", top, want)
			}
		})
	}
}
