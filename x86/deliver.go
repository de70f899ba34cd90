package x86

// Delivery of interrupts and exceptions through the IVT (real mode) or the
// IDT (protected and long mode). AMD APM vol. 2, chapter 8.

// descriptor is a raw 8-byte segment or gate descriptor.
type descriptor uint64

func (d descriptor) present() bool { return d&(1<<47) != 0 }
func (d descriptor) dpl() uint8    { return uint8(d>>45) & 3 }
func (d descriptor) typ() uint8    { return uint8(d>>40) & 0xf }
func (d descriptor) system() bool  { return d&(1<<44) == 0 }

// segment converts a code/data descriptor into a segment register cache.
func (d descriptor) segment(sel uint16) Segment {
	limit := uint32(d&0xffff) | uint32(d>>48&0xf)<<16
	if d&(1<<55) != 0 {
		limit = limit<<12 | 0xfff
	}
	return Segment{
		Sel:   sel,
		Base:  uint64(d>>16&0xffffff) | uint64(d>>56&0xff)<<24,
		Limit: limit,
		Attr:  uint16(d>>40&0xff) | uint16(d>>52&0xf)<<8,
	}
}

// readSysMem reads memory as an implicit supervisor access (descriptor
// tables, TSS), whatever the CPL.
func (c *CPU) readSysMem(lin uint64, size uint8) uint64 {
	old := c.implicitSV
	c.implicitSV = true
	defer func() { c.implicitSV = old }()
	if c.CR0&CR0PG != 0 && c.CPL == 3 {
		// The TLB is filled for CPL 3; bypass it so a supervisor-only page
		// is not cached as user-accessible.
		return c.physRead(c.walk(lin, accRead), size)
	}
	return c.readLin(lin, size)
}

// writeSysMem writes memory as an implicit supervisor access.
func (c *CPU) writeSysMem(lin uint64, size uint8, v uint64) {
	old := c.implicitSV
	c.implicitSV = true
	defer func() { c.implicitSV = old }()
	if c.CR0&CR0PG != 0 && c.CPL == 3 {
		c.physWrite(c.walk(lin, accWrite), size, v)
		return
	}
	c.writeLin(lin, size, v)
}

// readDescriptor reads the descriptor for sel from the GDT or LDT. It reports
// false when the selector lies outside the table.
func (c *CPU) readDescriptor(sel uint16) (descriptor, bool) {
	base, limit := c.GDTR.Base, c.GDTR.Limit
	if sel&4 != 0 {
		if c.LDTR.Attr&SegAttrP == 0 {
			return 0, false
		}
		base, limit = c.LDTR.Base, c.LDTR.Limit
	}
	off := uint64(sel &^ 7)
	if off+7 > uint64(limit) {
		return 0, false
	}
	return descriptor(c.readSysMem(base+off, 8)), true
}

// pushDuring pushes during event delivery on the stack described by ss/rsp
// and returns the new stack pointer. size is 2, 4 or 8.
func (c *CPU) pushDuring(ss *Segment, rsp uint64, size uint8, v uint64, long bool) uint64 {
	rsp -= uint64(size)
	if long {
		if uint64(int64(rsp<<16)>>16) != rsp {
			c.raise(VecSS, 0)
		}
		c.writeSysMemCPL(rsp, size, v)
		return rsp
	}
	if ss.Attr&SegAttrDB == 0 {
		rsp &= 0xffff
	} else {
		rsp &= 0xffffffff
	}
	if ss.Attr&0x4 == 0 && rsp+uint64(size)-1 > uint64(ss.Limit) { // expand-up limit
		c.raise(VecSS, 0)
	}
	c.writeSysMemCPL(ss.Base+rsp&0xffffffff, size, v)
	return rsp
}

// writeSysMemCPL writes a stack frame word: an access at the new CPL.
func (c *CPU) writeSysMemCPL(lin uint64, size uint8, v uint64) {
	if c.deliverCPL < 3 {
		c.writeSysMem(lin, size, v)
		return
	}
	c.writeLin(lin, size, v)
}

// deliver delivers ev through the IVT or IDT. retRIP is the RIP pushed for
// the interrupted context (the next instruction for traps and soft events).
// It may raise a fault (panic), in which case no architectural state has
// been changed.
func (c *CPU) deliver(ev Event, retRIP uint64) {
	if c.CR0&CR0PE == 0 {
		c.deliverReal(ev, retRIP)
		return
	}
	c.deliverProtected(ev, retRIP)
}

func (c *CPU) deliverReal(ev Event, retRIP uint64) {
	off := uint64(ev.Vector) * 4
	if off+3 > uint64(c.IDTR.Limit) {
		c.raiseGP(uint32(ev.Vector)*8 + 2)
	}
	ent := c.readLin(c.IDTR.Base+off, 4)
	ss := c.Seg[SS]
	c.deliverCPL = 0
	flags := c.Flags()
	sp := c.GPR[RSP]
	sp = c.pushDuring(&ss, sp, 2, flags, false)
	sp = c.pushDuring(&ss, sp, 2, uint64(c.Seg[CS].Sel), false)
	sp = c.pushDuring(&ss, sp, 2, retRIP, false)
	c.GPR[RSP] = c.GPR[RSP]&^0xffff | sp&0xffff
	c.RFLAGS = flags &^ (FlagIF | FlagTF | FlagAC | FlagRF)
	c.lazyOp = lazyNone
	sel := uint16(ent >> 16)
	c.Seg[CS].Sel = sel
	c.Seg[CS].Base = uint64(sel) << 4
	c.RIP = ent & 0xffff
	c.updateMode()
}

// pushedRF returns FlagRF when the RFLAGS image pushed for ev must have RF
// set: fault-class exceptions other than #DB (so the faulting instruction
// restarts without re-triggering its instruction breakpoint), and
// interrupts taken between iterations of a REP string instruction.
func (c *CPU) pushedRF(ev Event) uint64 {
	if ev.Kind == EventException && !ev.Soft {
		switch ev.Vector {
		case VecDB, VecBP, VecOF:
		default:
			return FlagRF
		}
	}
	if c.midRep && ev.Kind != EventSoftInt && !ev.Soft {
		return FlagRF
	}
	return 0
}

// extBit is the EXT bit of error codes for faults raised while delivering ev.
func extBit(ev Event) uint32 {
	if ev.Soft && ev.Kind == EventSoftInt || ev.Soft && (ev.Vector == VecBP || ev.Vector == VecOF) {
		return 0
	}
	return 1
}

func (c *CPU) deliverProtected(ev Event, retRIP uint64) {
	long := c.EFER&EFERLMA != 0
	ext := extBit(ev)
	idtErr := uint32(ev.Vector)*8 + 2 + ext
	gsize := uint64(8)
	if long {
		gsize = 16
	}
	off := uint64(ev.Vector) * gsize
	if off+gsize-1 > uint64(c.IDTR.Limit) {
		c.raiseGP(idtErr)
	}
	lo := descriptor(c.readSysMem(c.IDTR.Base+off, 8))
	var hi uint64
	if long {
		hi = c.readSysMem(c.IDTR.Base+off+8, 8)
	}
	typ := lo.typ()
	switch {
	case long && (typ == 0xe || typ == 0xf):
	case !long && (typ == 0x6 || typ == 0x7 || typ == 0xe || typ == 0xf):
	case !long && typ == 0x5:
		c.unsupported("task gate in the IDT (vector %d)", ev.Vector)
	default:
		c.raiseGP(idtErr)
	}
	if ev.Soft && ev.Kind != EventException || ev.Soft && (ev.Vector == VecBP || ev.Vector == VecOF) {
		if lo.dpl() < c.CPL {
			c.raiseGP(idtErr)
		}
	}
	if !lo.present() {
		c.raise(VecNP, idtErr)
	}
	gate32 := typ&8 != 0
	target := uint64(lo&0xffff) | uint64(lo>>48&0xffff)<<16
	if long {
		target |= hi << 32
	} else if !gate32 {
		target &= 0xffff
	}
	csSel := uint16(lo >> 16)
	if csSel&^3 == 0 {
		c.raiseGP(ext)
	}
	cd, ok := c.readDescriptor(csSel)
	selErr := uint32(csSel&^3) + ext
	if !ok {
		c.raiseGP(selErr)
	}
	if cd.system() || cd.typ()&8 == 0 || cd.dpl() > c.CPL {
		c.raiseGP(selErr)
	}
	if !cd.present() {
		c.raise(VecNP, selErr)
	}
	if long && (cd&(1<<53) == 0 || cd&(1<<54) != 0) {
		c.raiseGP(selErr) // target must be a 64-bit code segment
	}
	newCPL := c.CPL
	if cd.typ()&4 == 0 { // non-conforming: run at the segment's DPL
		newCPL = cd.dpl()
	}
	if c.RFLAGS&FlagVM != 0 && newCPL != 0 {
		c.raiseGP(selErr)
	}
	ss := c.Seg[SS]
	rsp := c.GPR[RSP]
	ist := uint8(lo>>32) & 7 // interrupt stack table index (long mode)
	stackSwitch := newCPL < c.CPL || c.RFLAGS&FlagVM != 0
	if long {
		if stackSwitch || ist != 0 {
			var slot uint64
			if ist != 0 {
				slot = 0x24 + uint64(ist-1)*8
			} else {
				slot = 4 + uint64(newCPL)*8
			}
			if slot+7 > uint64(c.TR.Limit) {
				c.raise(VecTS, uint32(c.TR.Sel&^3)+ext)
			}
			rsp = c.readSysMem(c.TR.Base+slot, 8)
		}
		if stackSwitch {
			ss = Segment{Sel: uint16(newCPL), Attr: SegAttrDB, Limit: 0} // null SS with RPL = new CPL
		}
		rsp &^= 0xf
	} else if stackSwitch {
		// 32-bit TSS: ESPn at 4+n*8, SSn at 8+n*8.
		slot := 4 + uint64(newCPL)*8
		if slot+5 > uint64(c.TR.Limit) {
			c.raise(VecTS, uint32(c.TR.Sel&^3)+ext)
		}
		newESP := c.readSysMem(c.TR.Base+slot, 4)
		newSS := uint16(c.readSysMem(c.TR.Base+slot+4, 2))
		ssErr := uint32(newSS&^3) + ext
		if newSS&^3 == 0 {
			c.raise(VecTS, ssErr)
		}
		sd, ok := c.readDescriptor(newSS)
		if !ok || uint8(newSS&3) != newCPL || sd.dpl() != newCPL || sd.system() || sd.typ()&0xa != 0x2 {
			c.raise(VecTS, ssErr)
		}
		if !sd.present() {
			c.raise(VecSS, ssErr)
		}
		ss = sd.segment(newSS)
		rsp = newESP
	}

	// Build the frame. All pushes happen before any register is changed.
	c.deliverCPL = newCPL
	flags := c.Flags() | c.pushedRF(ev)
	size := uint8(2)
	switch {
	case long:
		size = 8
	case gate32:
		size = 4
	}
	oldSS, oldRSP := c.Seg[SS], c.GPR[RSP]
	push := func(v uint64) { rsp = c.pushDuring(&ss, rsp, size, v, long) }
	if stackSwitch || long {
		if c.RFLAGS&FlagVM != 0 {
			push(uint64(c.Seg[GS].Sel))
			push(uint64(c.Seg[FS].Sel))
			push(uint64(c.Seg[DS].Sel))
			push(uint64(c.Seg[ES].Sel))
		}
		push(uint64(oldSS.Sel))
		push(oldRSP)
	}
	push(flags)
	push(uint64(c.Seg[CS].Sel))
	push(retRIP)
	if ev.HasError {
		push(uint64(ev.Error))
	}

	// Commit.
	if c.RFLAGS&FlagVM != 0 {
		for _, s := range []int{ES, DS, FS, GS} {
			c.Seg[s] = Segment{}
		}
	}
	if stackSwitch {
		c.Seg[SS] = ss
	}
	if long || ss.Attr&SegAttrDB != 0 {
		c.GPR[RSP] = rsp
	} else {
		c.GPR[RSP] = c.GPR[RSP]&^0xffff | rsp&0xffff
	}
	cs := cd.segment(csSel&^3 | uint16(newCPL))
	cs.Attr |= 1 // accessed
	c.Seg[CS] = cs
	c.setCPL(newCPL)
	nf := flags &^ (FlagTF | FlagNT | FlagRF | FlagVM)
	if typ&1 == 0 { // interrupt gate
		nf &^= FlagIF
	}
	c.RFLAGS = nf
	c.lazyOp = lazyNone
	c.RIP = target
	c.midRep = false
	c.updateMode()
	c.icode.resetFetch()
}

// setCPL changes the current privilege level, flushing the soft TLB (whose
// entries are filled for one privilege).
func (c *CPU) setCPL(cpl uint8) {
	if cpl != c.CPL {
		c.CPL = cpl
		c.tlb.flushAll()
		c.icode.resetFetch()
		c.updateAC()
	}
}
