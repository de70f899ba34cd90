package x86

// Debug registers and the single-step trap (AMD APM vol. 2, chapter 13).
//
// Instruction breakpoints are checked before an instruction runs (a fault:
// RFLAGS.RF=1 suppresses the check for one instruction, which is how a
// handler returns to a breakpointed instruction without re-triggering it).
// Data breakpoints and TF single-step are traps taken after the instruction.
// While any breakpoint or TF is active the CPU runs its slow step, and while
// a data breakpoint is enabled the soft TLB is bypassed so every access can
// be checked; with none active the hot loop pays nothing.

// DR6 and DR7 bits.
const (
	dr6BD       = 1 << 13 // general detect
	dr6BS       = 1 << 14 // single step
	dr6BT       = 1 << 15 // task switch
	dr6Fixed    = 0xffff0ff0
	dr6Writable = 0xf | dr6BD | dr6BS | dr6BT
	dr7GD       = 1 << 13
)

// Attention bits: reasons for the hot loop to take the slow step.
const (
	attnStop  = 1 << iota // RequestStop
	attnIntr              // the INTR line is asserted
	attnNMI               // an NMI is pending
	attnDebug             // a breakpoint is enabled in DR7
	attnHalt              // HLT: the CPU waits for an interrupt
	attnVIRQ              // SVM V_IRQ: a virtual interrupt is pending
)

// debugChanged recomputes the breakpoint state after DR0-DR7 change.
func (c *CPU) debugChanged() {
	c.bpExec, c.bpData = 0, 0
	for i := 0; i < 4; i++ {
		if c.DR[7]>>(2*i)&3 == 0 {
			continue // neither L nor G enabled
		}
		switch c.DR[7] >> (16 + 4*i) & 3 {
		case 0:
			c.bpExec |= 1 << i
		case 1, 3:
			c.bpData |= 1 << i
		}
	}
	if c.bpExec|c.bpData != 0 {
		c.attn.Or(attnDebug)
	} else {
		c.attn.And(^uint32(attnDebug))
	}
	// Data breakpoints need every access on the slow path.
	c.tlb.flushAll()
	c.icode.resetFetch()
}

// bpLen returns the byte length of breakpoint i from DR7.LENi.
func (c *CPU) bpLen(i int) uint64 {
	switch c.DR[7] >> (18 + 4*i) & 3 {
	case 0:
		return 1
	case 1:
		return 2
	case 2:
		return 8
	}
	return 4
}

// checkExecBP returns the DR6 B-bits of instruction breakpoints matching
// linear address lin.
func (c *CPU) checkExecBP(lin uint64) uint64 {
	var hit uint64
	for i := 0; i < 4; i++ {
		if c.bpExec&(1<<i) != 0 && c.DR[i] == lin {
			hit |= 1 << i
		}
	}
	return hit
}

// checkDataBP records data breakpoints hit by an access of size bytes at lin.
func (c *CPU) checkDataBP(lin uint64, size uint8, write bool) {
	for i := 0; i < 4; i++ {
		if c.bpData&(1<<i) == 0 {
			continue
		}
		if !write && c.DR[7]>>(16+4*i)&3 == 1 {
			continue // write-only breakpoint
		}
		n := c.bpLen(i)
		a := c.DR[i] &^ (n - 1)
		if lin < a+n && a < lin+uint64(size) {
			c.dbHits |= 1 << i
		}
	}
}
