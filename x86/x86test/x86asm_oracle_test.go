// This file gives FuzzDecode x86asm as a length oracle.

package x86test

import (
	"golang.org/x/arch/x86/x86asm"

	"github.com/govmm/govmm/x86"
)

func init() {
	asmOracle = func(m x86.Mode, code []byte) (int, string, bool) {
		inst, err := x86asm.Decode(code, modeBits(m))
		if err != nil || inst.Op == 0 {
			return 0, "", false // prefix pseudo-instructions, truncation, unknown opcodes
		}
		return inst.Len, x86asm.IntelSyntax(inst, 0, nil), true
	}
}

// modeBits is x86asm's name for a mode.
func modeBits(m x86.Mode) int {
	switch m {
	case x86.Mode16:
		return 16
	case x86.Mode32:
		return 32
	}
	return 64
}
