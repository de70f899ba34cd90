package x86

import "github.com/govmm/govmm/x86/svm"

// Segment register loads and far control transfers. AMD APM vol. 2, 4.x and
// vol. 3 (MOV Sreg, JMP/CALL/RET far, IRET).

// realMode reports whether segments load as selector<<4 (real or v8086).
func (c *CPU) realMode() bool { return c.CR0&CR0PE == 0 || c.RFLAGS&FlagVM != 0 }

// loadDataSeg loads ES, SS, DS, FS or GS with sel, with the protected-mode
// checks of MOV Sreg / POP Sreg / LDS.
func (c *CPU) loadDataSeg(seg uint8, sel uint16) {
	if c.realMode() {
		s := &c.Seg[seg]
		s.Sel, s.Base = sel, uint64(sel)<<4
		if c.RFLAGS&FlagVM != 0 {
			*s = Segment{Sel: sel, Base: uint64(sel) << 4, Limit: 0xffff, Attr: SegAttrP | SegAttrS | 0x3 | 3<<5}
		}
		return
	}
	rpl := uint8(sel & 3)
	if sel&^3 == 0 {
		if seg == SS && (c.mode != Mode64 || rpl != c.CPL) {
			c.raiseGP(0)
		}
		// A null selector loads an unusable segment.
		c.Seg[seg] = Segment{Sel: sel}
		if seg == SS {
			c.Seg[seg].Attr = uint16(c.CPL) << 5 // SS.DPL tracks CPL
		}
		return
	}
	d, ok := c.readDescriptor(sel)
	errc := uint32(sel &^ 3)
	if !ok {
		c.raiseGP(errc)
	}
	t := d.typ()
	if seg == SS {
		if rpl != c.CPL || d.dpl() != c.CPL || d.system() || t&0xa != 0x2 {
			c.raiseGP(errc)
		}
		if !d.present() {
			c.raise(VecSS, errc)
		}
	} else {
		// Data or readable code; non-conforming ones need max(CPL, RPL) <= DPL.
		if d.system() || t&0xa == 0x8 {
			c.raiseGP(errc)
		}
		conforming := t&0xc == 0xc
		if !conforming && (rpl > d.dpl() || c.CPL > d.dpl()) {
			c.raiseGP(errc)
		}
		if !d.present() {
			c.raise(VecNP, errc)
		}
	}
	c.setAccessed(sel, d)
	c.Seg[seg] = d.segment(sel)
	c.Seg[seg].Attr |= 1
}

// setAccessed sets the accessed bit of a descriptor in memory.
func (c *CPU) setAccessed(sel uint16, d descriptor) {
	if d&(1<<40) != 0 {
		return
	}
	base := c.GDTR.Base
	if sel&4 != 0 {
		base = c.LDTR.Base
	}
	c.writeSysMem(base+uint64(sel&^7)+5, 1, uint64(d>>40|1)&0xff)
}

// codeSegFor checks sel as the target of a far JMP/CALL/RET at newCPL and
// returns the descriptor. Call gates and task switches stop the CPU as
// unsupported.
func (c *CPU) codeSegFor(sel uint16, ret bool) descriptor {
	errc := uint32(sel &^ 3)
	if sel&^3 == 0 {
		c.raiseGP(0)
	}
	d, ok := c.readDescriptor(sel)
	if !ok {
		c.raiseGP(errc)
	}
	if d.system() {
		switch d.typ() {
		case 0x4, 0xc:
			c.unsupported("far transfer through a call gate (selector %#x)", sel)
		case 0x5, 0x1, 0x9, 0x3, 0xb:
			c.intercept(svm.InterceptTaskSwitch, uint64(sel), 0)
			c.unsupported("task switch (selector %#x)", sel)
		}
		c.raiseGP(errc)
	}
	if d.typ()&8 == 0 {
		c.raiseGP(errc)
	}
	rpl := uint8(sel & 3)
	conforming := d.typ()&4 != 0
	switch {
	case ret:
		if rpl < c.CPL || (conforming && d.dpl() > rpl) || (!conforming && d.dpl() != rpl) {
			c.raiseGP(errc)
		}
	case conforming:
		if d.dpl() > c.CPL {
			c.raiseGP(errc)
		}
	default:
		if rpl > c.CPL || d.dpl() != c.CPL {
			c.raiseGP(errc)
		}
	}
	if !d.present() {
		c.raise(VecNP, errc)
	}
	if c.EFER&EFERLMA != 0 && d&(1<<53) != 0 && d&(1<<54) != 0 {
		c.raiseGP(errc) // L and D both set is reserved
	}
	return d
}

// loadCS commits a new CS (protected mode) at privilege cpl and jumps.
func (c *CPU) loadCS(sel uint16, d descriptor, cpl uint8, target uint64, opSize uint8) {
	s := d.segment(sel&^3 | uint16(cpl))
	s.Attr |= 1
	long := c.EFER&EFERLMA != 0 && s.Attr&SegAttrL != 0
	if !long {
		if opSize == 2 {
			target &= 0xffff
		} else {
			target &= 0xffffffff
		}
		if target > uint64(s.Limit) {
			c.raiseGP(0)
		}
	} else if uint64(int64(target<<16)>>16) != target {
		c.raiseGP(0)
	}
	c.setAccessed(sel, d)
	c.Seg[CS] = s
	c.setCPL(cpl)
	c.updateMode()
	c.icode.resetFetch()
	c.next = target
}

// farJump implements JMP ptr / JMP m16:xx.
func (c *CPU) farJump(sel uint16, off uint64, opSize uint8) {
	if c.realMode() {
		if opSize == 2 {
			off &= 0xffff
		}
		if off > uint64(c.Seg[CS].Limit) {
			c.raiseGP(0)
		}
		c.Seg[CS].Sel, c.Seg[CS].Base = sel, uint64(sel)<<4
		c.next = off
		c.updateMode()
		c.icode.resetFetch()
		return
	}
	d := c.codeSegFor(sel, false)
	c.loadCS(sel, d, c.CPL, off, opSize)
}

// farCall implements CALL ptr / CALL m16:xx (same privilege only).
func (c *CPU) farCall(sel uint16, off uint64, opSize uint8) {
	oldCS, ret := uint64(c.Seg[CS].Sel), c.next
	m := c.stackMask()
	sp := c.GPR[RSP]
	if c.realMode() {
		if opSize == 2 {
			off &= 0xffff
		}
		if off > uint64(c.Seg[CS].Limit) {
			c.raiseGP(0)
		}
		c.write(SS, (sp-uint64(opSize))&m, opSize, oldCS)
		c.write(SS, (sp-2*uint64(opSize))&m, opSize, ret)
		c.setSP(sp - 2*uint64(opSize))
		c.Seg[CS].Sel, c.Seg[CS].Base = sel, uint64(sel)<<4
		c.next = off
		c.icode.resetFetch()
		return
	}
	d := c.codeSegFor(sel, false)
	c.write(SS, (sp-uint64(opSize))&m, opSize, oldCS)
	c.write(SS, (sp-2*uint64(opSize))&m, opSize, ret)
	saved := c.GPR[RSP]
	c.setSP(sp - 2*uint64(opSize))
	defer func() {
		if r := recover(); r != nil {
			c.GPR[RSP] = saved
			panic(r)
		}
	}()
	c.loadCS(sel, d, c.CPL, off, opSize)
}

// CA/CB: RETF [imm16].
func execRetf(c *CPU, in *Inst) {
	size := in.OpSize
	off := c.peek(0, size)
	sel := uint16(c.peek(uint64(size), size))
	if c.realMode() {
		if size == 2 {
			off &= 0xffff
		}
		if off > uint64(c.Seg[CS].Limit) {
			c.raiseGP(0)
		}
		c.Seg[CS].Sel, c.Seg[CS].Base = sel, uint64(sel)<<4
		c.next = off
		c.setSP(c.GPR[RSP] + 2*uint64(size) + in.Imm)
		c.icode.resetFetch()
		return
	}
	d := c.codeSegFor(sel, true)
	rpl := uint8(sel & 3)
	if rpl == c.CPL {
		saved := c.GPR[RSP]
		c.setSP(c.GPR[RSP] + 2*uint64(size) + in.Imm)
		defer func() {
			if r := recover(); r != nil {
				c.GPR[RSP] = saved
				panic(r)
			}
		}()
		c.loadCS(sel, d, rpl, off, size)
		return
	}
	// Return to an outer privilege level: SS:rSP follow on the stack.
	newSP := c.peek(2*uint64(size)+in.Imm, size)
	newSS := uint16(c.peek(3*uint64(size)+in.Imm, size))
	c.returnOuter(sel, d, off, size, newSS, newSP)
}

// returnOuter completes a far return or IRET to an outer privilege level:
// loads SS:rSP and CS:rIP and nulls data segments the new CPL may not use.
func (c *CPU) returnOuter(sel uint16, d descriptor, off uint64, size uint8, newSS uint16, newSP uint64) {
	rpl := uint8(sel & 3)
	var ss Segment
	if newSS&^3 == 0 && c.EFER&EFERLMA != 0 && !(d&(1<<53) == 0) && rpl != 3 {
		ss = Segment{Sel: newSS, Attr: uint16(rpl) << 5}
	} else {
		errc := uint32(newSS &^ 3)
		if newSS&^3 == 0 {
			c.raiseGP(0)
		}
		sd, ok := c.readDescriptor(newSS)
		if !ok || uint8(newSS&3) != rpl || sd.dpl() != rpl || sd.system() || sd.typ()&0xa != 0x2 {
			c.raiseGP(errc)
		}
		if !sd.present() {
			c.raise(VecSS, errc)
		}
		ss = sd.segment(newSS)
		ss.Attr |= 1
	}
	oldCS, oldCPL := c.Seg[CS], c.CPL
	c.loadCS(sel, d, rpl, off, size)
	_ = oldCS
	_ = oldCPL
	c.Seg[SS] = ss
	if size == 8 || ss.Attr&SegAttrDB != 0 {
		c.GPR[RSP] = newSP
		if size == 4 {
			c.GPR[RSP] = newSP & 0xffffffff
		}
	} else {
		c.GPR[RSP] = c.GPR[RSP]&^0xffff | newSP&0xffff
	}
	for _, s := range [...]uint8{ES, DS, FS, GS} {
		seg := &c.Seg[s]
		t := seg.Attr & 0xf
		dataOrNC := seg.Attr&SegAttrS != 0 && (t&8 == 0 || t&4 == 0)
		if dataOrNC && uint8(seg.Attr>>5)&3 < rpl {
			*seg = Segment{Sel: 0}
		}
	}
}

// 8E: MOV Sreg,Ew.
func execMovSregE(c *CPU, in *Inst) {
	seg := (in.ModRM >> 3) & 7
	if seg == CS || seg > GS {
		c.raiseUD()
	}
	var sel uint16
	if in.IsMem {
		sel = uint16(c.read(in.Seg, c.ea(in), 2))
	} else {
		sel = uint16(c.GPR[in.RM])
	}
	c.loadDataSeg(seg, sel)
	if seg == SS {
		c.shadowEnd = c.Insns + 2 // blocks before the next instruction, not after it
	}
}

// 8C: MOV Ev,Sreg.
func execMovESreg(c *CPU, in *Inst) {
	seg := (in.ModRM >> 3) & 7
	if seg > GS {
		c.raiseUD()
	}
	v := uint64(c.Seg[seg].Sel)
	if in.IsMem {
		c.write(in.Seg, c.ea(in), 2, v)
		return
	}
	c.setReg(in.OpSize, in.RM, in.rex(), v) // register form zero-extends
}

// 06/0E/16/1E, 0F A0/A8: PUSH Sreg.
func execPushSeg(c *CPU, in *Inst) {
	c.push(in.OpSize, uint64(c.Seg[pushPopSeg(in.Op)].Sel))
}

// 07/17/1F, 0F A1/A9: POP Sreg.
func execPopSeg(c *CPU, in *Inst) {
	seg := pushPopSeg(in.Op)
	sel := uint16(c.peek(0, in.OpSize))
	c.loadDataSeg(seg, sel)
	c.setSP(c.GPR[RSP] + uint64(in.OpSize))
	if seg == SS {
		c.shadowEnd = c.Insns + 2 // blocks before the next instruction, not after it
	}
}

func pushPopSeg(op uint16) uint8 {
	switch op {
	case 0x06, 0x07:
		return ES
	case 0x0e:
		return CS
	case 0x16, 0x17:
		return SS
	case 0x1e, 0x1f:
		return DS
	case 0x1a0, 0x1a1:
		return FS
	}
	return GS
}

// C4/C5 (legacy): LES/LDS; 0F B2/B4/B5: LSS/LFS/LGS.
func execLoadFar(c *CPU, in *Inst) {
	if !in.IsMem {
		c.raiseUD()
	}
	var seg uint8
	switch in.Op {
	case 0xc4:
		seg = ES
	case 0xc5:
		seg = DS
	case 0x1b2:
		seg = SS
	case 0x1b4:
		seg = FS
	default:
		seg = GS
	}
	off, sel := c.readFarPtr(in)
	c.loadDataSeg(seg, sel)
	c.writeReg(in, off)
}

// CF: IRET/IRETD/IRETQ.
func execIret(c *CPU, in *Inst) {
	if c.realMode() && c.RFLAGS&FlagVM != 0 && c.RFLAGS&FlagIOPL != FlagIOPL {
		c.raiseGP(0)
	}
	c.intercept(svm.InterceptIRET, 0, 0)
	size := in.OpSize
	rip := c.peek(0, size)
	sel := uint16(c.peek(uint64(size), size))
	fl := c.peek(2*uint64(size), size)
	if c.realMode() {
		if c.RFLAGS&FlagVM != 0 && c.RFLAGS&FlagIOPL != FlagIOPL {
			c.raiseGP(0)
		}
		if size == 2 {
			rip &= 0xffff
		}
		if rip > uint64(c.Seg[CS].Limit) {
			c.raiseGP(0)
		}
		c.setSP(c.GPR[RSP] + 3*uint64(size))
		c.Seg[CS].Sel, c.Seg[CS].Base = sel, uint64(sel)<<4
		if c.RFLAGS&FlagVM != 0 {
			c.setFlagsVM86(fl, size)
		} else {
			c.setFlagsFromPop(fl, size)
		}
		c.next = rip
		c.nmiBlocked = false
		c.icode.resetFetch()
		return
	}
	if c.RFLAGS&FlagNT != 0 && c.EFER&EFERLMA == 0 {
		c.unsupported("IRET with NT set (task return)")
	}
	if fl&FlagVM != 0 && c.CPL == 0 && c.EFER&EFERLMA == 0 && size == 4 {
		c.unsupported("IRET to virtual-8086 mode")
	}
	d := c.codeSegFor(sel, true)
	rpl := uint8(sel & 3)
	oldCPL := c.CPL
	if rpl == c.CPL && !(c.mode == Mode64) {
		saved := c.GPR[RSP]
		c.setSP(c.GPR[RSP] + 3*uint64(size))
		defer func() {
			if r := recover(); r != nil {
				c.GPR[RSP] = saved
				panic(r)
			}
		}()
		c.loadCS(sel, d, rpl, rip, size)
	} else {
		newSP := c.peek(3*uint64(size), size)
		newSS := uint16(c.peek(4*uint64(size), size))
		c.returnOuter(sel, d, rip, size, newSS, newSP)
	}
	// Flags are loaded with the privilege of the IRET (the old CPL).
	cpl := c.CPL
	c.CPL = oldCPL
	c.setFlagsFromPop(fl, size)
	c.CPL = cpl
	if size > 2 && fl&FlagRF != 0 {
		c.RFLAGS |= FlagRF // IRET loads RF: the next instruction's breakpoint is skipped
	}
	c.nmiBlocked = false
	c.updateMode()
}

// setFlagsVM86 loads flags in virtual-8086 mode (IOPL 3): IOPL is kept.
func (c *CPU) setFlagsVM86(v uint64, size uint8) {
	changeable := uint64(arithFlags | FlagTF | FlagDF | FlagNT | FlagAC | FlagID | FlagIF)
	if size == 2 {
		changeable &= 0xffff
	}
	c.lazyOp = lazyNone
	c.RFLAGS = c.RFLAGS&^changeable | v&changeable | flagRes1
}
