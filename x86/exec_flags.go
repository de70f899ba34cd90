package x86

import "github.com/govmm/govmm/x86/svm"

// F5: CMC; F8: CLC; F9: STC.
func execCarry(c *CPU, in *Inst) {
	c.materialize()
	switch in.Op {
	case 0xf5:
		c.RFLAGS ^= FlagCF
	case 0xf8:
		c.RFLAGS &^= FlagCF
	case 0xf9:
		c.RFLAGS |= FlagCF
	}
}

// FC: CLD; FD: STD.
func execDir(c *CPU, in *Inst) {
	if in.Op == 0xfc {
		c.RFLAGS &^= FlagDF
	} else {
		c.RFLAGS |= FlagDF
	}
}

// canChangeIF reports whether CLI/STI may change IF at this privilege.
func (c *CPU) canChangeIF() bool {
	if c.CR0&CR0PE == 0 {
		return true
	}
	iopl := uint8(c.RFLAGS>>12) & 3
	if c.RFLAGS&FlagVM != 0 {
		return iopl == 3
	}
	return c.CPL <= iopl
}

// FA: CLI.
func execCli(c *CPU, in *Inst) {
	if !c.canChangeIF() {
		c.raiseGP(0)
	}
	c.RFLAGS &^= FlagIF
}

// FB: STI. Setting IF starts a one-instruction interrupt shadow.
func execSti(c *CPU, in *Inst) {
	if !c.canChangeIF() {
		c.raiseGP(0)
	}
	if c.RFLAGS&FlagIF == 0 {
		c.shadowEnd = c.Insns + 2 // blocks before the next instruction, not after it
	}
	c.RFLAGS |= FlagIF
}

// 9E: SAHF.
func execSahf(c *CPU, in *Inst) {
	c.materialize()
	const m = FlagSF | FlagZF | FlagAF | FlagPF | FlagCF
	c.RFLAGS = c.RFLAGS&^m | c.GPR[RAX]>>8&m
}

// 9F: LAHF.
func execLahf(c *CPU, in *Inst) {
	f := c.Flags()
	c.GPR[RAX] = c.GPR[RAX]&^0xff00 | (f&0xd7|flagRes1)<<8
}

// 9C: PUSHF/PUSHFD/PUSHFQ (VM and RF read as 0 in the image).
func execPushf(c *CPU, in *Inst) {
	if c.RFLAGS&FlagVM != 0 && c.RFLAGS&FlagIOPL != FlagIOPL {
		c.raiseGP(0)
	}
	c.intercept(svm.InterceptPUSHF, 0, 0)
	f := c.Flags() &^ (FlagVM | FlagRF)
	c.push(in.OpSize, f&sizeMask[in.OpSize])
}

// 9D: POPF/POPFD/POPFQ, with the privilege rules for IF and IOPL.
func execPopf(c *CPU, in *Inst) {
	if c.RFLAGS&FlagVM != 0 && c.RFLAGS&FlagIOPL != FlagIOPL {
		c.raiseGP(0)
	}
	c.intercept(svm.InterceptPOPF, 0, 0)
	v := c.pop(in.OpSize)
	c.setFlagsFromPop(v, in.OpSize)
}

// setFlagsFromPop loads RFLAGS from a popped image of the given size.
func (c *CPU) setFlagsFromPop(v uint64, size uint8) {
	changeable := uint64(arithFlags | FlagTF | FlagDF | FlagNT | FlagAC | FlagID | FlagIF | FlagIOPL)
	if c.CR0&CR0PE != 0 {
		iopl := uint8(c.RFLAGS>>12) & 3
		if c.CPL > 0 {
			changeable &^= FlagIOPL
		}
		if c.CPL > iopl {
			changeable &^= FlagIF
		}
	}
	if size == 2 {
		changeable &= 0xffff
	}
	// POPF that sets IF does not start an interrupt shadow (only STI and
	// MOV/POP SS do).
	c.lazyOp = lazyNone
	c.RFLAGS = c.RFLAGS&^changeable | v&changeable | flagRes1
	c.updateAC()
}
