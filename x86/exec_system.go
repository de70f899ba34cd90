package x86

import "github.com/govmm/govmm/x86/svm"

// System instructions: control and debug registers, descriptor tables,
// privileged housekeeping, SYSCALL/SYSRET, SYSENTER/SYSEXIT, SWAPGS.

// cpl0 raises #GP(0) unless running at CPL 0 (real mode counts as CPL 0).
func (c *CPU) cpl0() {
	if c.CR0&CR0PE != 0 && (c.CPL != 0 || c.RFLAGS&FlagVM != 0) {
		c.raiseGP(0)
	}
}

// protectedOnly raises #UD in real and virtual-8086 mode.
func (c *CPU) protectedOnly() {
	if c.realMode() {
		c.raiseUD()
	}
}

// crValid lists the implemented CR4 bits.
const cr4Valid = CR4VME | CR4PVI | CR4TSD | CR4DE | CR4PSE | CR4PAE | CR4MCE | CR4PGE | CR4PCE

// SetCR0 writes CR0 with the architectural checks, reporting false (#GP).
// It also activates or deactivates long mode.
func (c *CPU) SetCR0(v uint64) bool {
	if v>>32 != 0 {
		return false
	}
	v |= CR0ET
	if v&CR0PG != 0 && v&CR0PE == 0 || v&CR0NW != 0 && v&CR0CD == 0 {
		return false
	}
	old := c.CR0
	if v&CR0PG != 0 && old&CR0PG == 0 && c.EFER&EFERLME != 0 {
		if c.CR4&CR4PAE == 0 || c.Seg[CS].Attr&SegAttrL != 0 {
			return false
		}
		c.EFER |= EFERLMA
	}
	if v&CR0PG == 0 && old&CR0PG != 0 && c.EFER&EFERLMA != 0 {
		if c.mode == Mode64 {
			return false // leaving long mode from 64-bit code
		}
		c.EFER &^= EFERLMA
	}
	c.CR0 = v
	c.updateAC()
	if (old^v)&(CR0PG|CR0WP|CR0PE) != 0 {
		c.tlb.flushAll()
		c.icode.resetFetch()
	}
	c.updateMode()
	return true
}

// cr0SelectiveIntercept exits when a CR0 write changes bits other than TS
// and MP and the selective CR0 intercept is set.
func (c *CPU) cr0SelectiveIntercept(v, info uint64) {
	if (v^c.CR0)&^uint64(CR0TS|CR0MP) != 0 {
		c.intercept(svm.InterceptSelectiveCR0, info, 0)
	}
}

// CR4Valid reports whether v is a CR4 value the CPU accepts.
func CR4Valid(v uint64) bool { return v&^cr4Valid == 0 }

// SetCR4 writes CR4 with the architectural checks.
func (c *CPU) SetCR4(v uint64) bool {
	if v&^cr4Valid != 0 {
		return false
	}
	if c.EFER&EFERLMA != 0 && v&CR4PAE == 0 {
		return false
	}
	if (c.CR4^v)&(CR4PSE|CR4PAE|CR4PGE) != 0 {
		c.tlb.flushAll()
		c.icode.resetFetch()
	}
	c.CR4 = v
	return true
}

// SetCR3 writes CR3 (flushing the TLB).
func (c *CPU) SetCR3(v uint64) bool {
	if c.EFER&EFERLMA != 0 && v>>MaxPhysAddr != 0 {
		return false
	}
	c.CR3 = v
	c.tlb.flushAll()
	c.icode.resetFetch()
	return true
}

// 0F 20: MOV r,CRn; 0F 22: MOV CRn,r. The r/m field always names a
// register; the operand is 64-bit in long mode and 32-bit otherwise.
func execMovCR(c *CPU, in *Inst) {
	cr := in.Reg
	c.cpl0()
	r := in.ModRM&7 | (in.RM & 8)
	if cr != 0 && cr != 2 && cr != 3 && cr != 4 && cr != 8 {
		c.raiseUD()
	}
	if in.Op == 0x120 {
		c.intercept(svm.InterceptCRRead(cr), c.crExitInfo(r, true), 0)
		var v uint64
		switch cr {
		case 0:
			v = c.CR0
		case 2:
			v = c.CR2
		case 3:
			v = c.CR3
		case 4:
			v = c.CR4
		case 8:
			v = c.CR8
		default:
			c.raiseUD()
		}
		if c.mode == Mode64 {
			c.GPR[r] = v
		} else {
			c.GPR[r] = v & 0xffffffff
		}
		return
	}
	v := c.GPR[r]
	if c.mode != Mode64 {
		v &= 0xffffffff
	}
	c.intercept(svm.InterceptCRWrite(cr), c.crExitInfo(r, true), 0)
	if cr == 0 {
		c.cr0SelectiveIntercept(v, c.crExitInfo(r, true))
	}
	ok := true
	switch cr {
	case 0:
		ok = c.SetCR0(v)
	case 2:
		c.CR2 = v
	case 3:
		ok = c.SetCR3(v)
	case 4:
		ok = c.SetCR4(v)
	case 8:
		ok = v&^0xf == 0
		if ok {
			c.CR8 = v
		}
	default:
		c.raiseUD()
	}
	if !ok {
		c.raiseGP(0)
	}
}

// 0F 21: MOV r,DRn; 0F 23: MOV DRn,r.
func execMovDR(c *CPU, in *Inst) {
	dr := in.Reg
	c.cpl0()
	if dr > 7 {
		c.raiseUD()
	}
	if dr == 4 || dr == 5 {
		if c.CR4&CR4DE != 0 {
			c.raiseUD()
		}
		dr += 2
	}
	if c.DR[7]&dr7GD != 0 {
		// General detect: #DB fault before the access, with DR6.BD.
		c.DR[6] |= dr6BD
		c.DR[7] &^= dr7GD
		c.raise(VecDB, 0)
	}
	r := in.ModRM&7 | (in.RM & 8)
	if in.Op == 0x121 {
		c.intercept(svm.InterceptDRRead(in.Reg), c.crExitInfo(r, true), 0)
		v := c.DR[dr]
		if c.mode != Mode64 {
			v &= 0xffffffff
		}
		c.GPR[r] = v
		return
	}
	c.intercept(svm.InterceptDRWrite(in.Reg), c.crExitInfo(r, true), 0)
	v := c.GPR[r]
	if c.mode != Mode64 {
		v &= 0xffffffff
	}
	switch dr {
	case 6:
		if v>>32 != 0 {
			c.raiseGP(0)
		}
		v = v&dr6Writable | dr6Fixed
	case 7:
		if v>>32 != 0 {
			c.raiseGP(0)
		}
		v = v&^0xd800 | 0x400 // bits 11, 12, 14, 15 read as 0; bit 10 as 1
	default:
		if c.mode != Mode64 {
			v &= 0xffffffff
		}
	}
	c.DR[dr] = v
	c.debugChanged()
}

// 0F 06: CLTS.
func execClts(c *CPU, in *Inst) {
	c.cpl0()
	c.intercept(svm.InterceptCR0Write, 0, 0)
	c.CR0 &^= CR0TS
}

// 0F 08: INVD; 0F 09: WBINVD (caches are not modelled).
func execInvd(c *CPU, in *Inst) {
	c.cpl0()
	if in.Op == 0x108 {
		c.intercept(svm.InterceptINVD, 0, 0)
	} else {
		c.intercept(svm.InterceptWBINVD, 0, 0)
	}
}

// Hint NOPs, PREFETCH, ENDBR64 (0F 0D, 0F 18-1F).
func execNopModRM(c *CPU, in *Inst) {}

// 0F 00: group 6 (SLDT, STR, LLDT, LTR, VERR, VERW).
func execGrp6(c *CPU, in *Inst) {
	c.protectedOnly()
	op := (in.ModRM >> 3) & 7
	switch op {
	case 0, 1: // SLDT, STR
		sel := c.LDTR.Sel
		if op == 1 {
			c.intercept(svm.InterceptStoreTR, 0, 0)
			sel = c.TR.Sel
		} else {
			c.intercept(svm.InterceptStoreLDTR, 0, 0)
		}
		if in.IsMem {
			c.write(in.Seg, c.ea(in), 2, uint64(sel))
		} else {
			c.setReg(in.OpSize, in.RM, in.rex(), uint64(sel))
		}
	case 2, 3: // LLDT, LTR
		c.cpl0()
		if op == 2 {
			c.intercept(svm.InterceptLoadLDTR, 0, 0)
		} else {
			c.intercept(svm.InterceptLoadTR, 0, 0)
		}
		sel := uint16(c.readRM16(in))
		if op == 2 {
			c.lldt(sel)
		} else {
			c.ltr(sel)
		}
	case 4, 5: // VERR, VERW
		sel := uint16(c.readRM16(in))
		ok := false
		if sel&^3 != 0 {
			if d, found := c.readDescriptor(sel); found && !d.system() {
				t := d.typ()
				conformingCode := t&0xc == 0xc
				priv := conformingCode || (d.dpl() >= c.CPL && d.dpl() >= uint8(sel&3))
				if op == 4 {
					ok = priv && (t&8 == 0 || t&2 != 0)
				} else {
					ok = priv && t&8 == 0 && t&2 != 0
				}
			}
		}
		c.setZF(ok)
	default:
		c.raiseUD()
	}
}

// readRM16 reads a 16-bit r/m operand whatever the operand size.
func (c *CPU) readRM16(in *Inst) uint64 {
	if in.IsMem {
		return c.read(in.Seg, c.ea(in), 2)
	}
	return c.GPR[in.RM] & 0xffff
}

func (c *CPU) setZF(z bool) {
	c.materialize()
	if z {
		c.RFLAGS |= FlagZF
	} else {
		c.RFLAGS &^= FlagZF
	}
}

// readSysDescriptor reads a GDT system descriptor (16 bytes in long mode).
func (c *CPU) readSysDescriptor(sel uint16) (descriptor, uint64) {
	if sel&4 != 0 {
		c.raiseGP(uint32(sel &^ 3))
	}
	d, ok := c.readDescriptor(sel)
	if !ok {
		c.raiseGP(uint32(sel &^ 3))
	}
	var hi uint64
	if c.EFER&EFERLMA != 0 {
		off := uint64(sel&^7) + 8
		if off+7 > uint64(c.GDTR.Limit) {
			c.raiseGP(uint32(sel &^ 3))
		}
		hi = c.readSysMem(c.GDTR.Base+off, 8)
	}
	return d, hi
}

func (c *CPU) lldt(sel uint16) {
	if sel&^3 == 0 {
		c.LDTR = Segment{Sel: sel}
		return
	}
	d, hi := c.readSysDescriptor(sel)
	if !d.system() || d.typ() != 2 {
		c.raiseGP(uint32(sel &^ 3))
	}
	if !d.present() {
		c.raise(VecNP, uint32(sel&^3))
	}
	s := d.segment(sel)
	s.Base |= hi << 32
	c.LDTR = s
}

func (c *CPU) ltr(sel uint16) {
	if sel&^3 == 0 {
		c.raiseGP(0)
	}
	d, hi := c.readSysDescriptor(sel)
	t := d.typ()
	long := c.EFER&EFERLMA != 0
	if !d.system() || !(t == 9 || (t == 1 && !long)) {
		c.raiseGP(uint32(sel &^ 3))
	}
	if !d.present() {
		c.raise(VecNP, uint32(sel&^3))
	}
	// Mark the TSS busy in the GDT.
	c.writeSysMem(c.GDTR.Base+uint64(sel&^7)+5, 1, uint64(d>>40|2)&0xff)
	s := d.segment(sel)
	s.Base |= hi << 32
	s.Attr |= 2
	c.TR = s
}

// 0F 01: group 7.
func execGrp7(c *CPU, in *Inst) {
	op := (in.ModRM >> 3) & 7
	if !in.IsMem {
		switch in.ModRM {
		case 0xf8: // SWAPGS
			if c.mode != Mode64 {
				c.raiseUD()
			}
			c.cpl0()
			c.Seg[GS].Base, c.KernelGSBase = c.KernelGSBase, c.Seg[GS].Base
			return
		case 0xf9:
			execRdtscp(c, in)
			return
		case 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf:
			c.svmInstruction(in)
			return
		}
		switch op {
		case 4: // SMSW r
			c.intercept(svm.InterceptCR0Read, 0, 0)
			c.setReg(in.OpSize, in.RM, in.rex(), c.CR0&sizeMask[in.OpSize])
			return
		case 6: // LMSW r
			c.lmsw(c.GPR[in.RM])
			return
		}
		c.raiseUD()
	}
	switch op {
	case 0, 1: // SGDT, SIDT
		t := c.GDTR
		if op == 1 {
			c.intercept(svm.InterceptStoreIDTR, 0, 0)
			t = c.IDTR
		} else {
			c.intercept(svm.InterceptStoreGDTR, 0, 0)
		}
		ea := c.ea(in)
		baseSize := uint8(4)
		if c.mode == Mode64 {
			baseSize = 8
		}
		lin := c.segAddr(in.Seg, ea, 2+baseSize, true)
		c.checkWritable(lin, 2)
		c.checkWritable(lin+2, baseSize)
		c.writeLin(lin, 2, uint64(t.Limit))
		c.writeLin(lin+2, baseSize, t.Base)
	case 2, 3: // LGDT, LIDT
		c.cpl0()
		if op == 2 {
			c.intercept(svm.InterceptLoadGDTR, 0, 0)
		} else {
			c.intercept(svm.InterceptLoadIDTR, 0, 0)
		}
		ea := c.ea(in)
		limit := c.read(in.Seg, ea, 2)
		var base uint64
		switch {
		case c.mode == Mode64:
			base = c.read(in.Seg, (ea+2)&sizeMask[in.AdSize], 8)
			if !canonical(base) {
				c.raiseGP(0)
			}
		case in.OpSize == 2:
			base = c.read(in.Seg, (ea+2)&sizeMask[in.AdSize], 4) & 0xffffff
		default:
			base = c.read(in.Seg, (ea+2)&sizeMask[in.AdSize], 4)
		}
		t := DescTable{Base: base, Limit: uint32(limit)}
		if op == 2 {
			c.GDTR = t
		} else {
			c.IDTR = t
		}
	case 4: // SMSW m16
		c.intercept(svm.InterceptCR0Read, 0, 0)
		c.write(in.Seg, c.ea(in), 2, c.CR0&0xffff)
	case 6: // LMSW m16
		c.lmsw(c.read(in.Seg, c.ea(in), 2))
	case 7: // INVLPG
		c.cpl0()
		var info uint64
		if c.hasSVM(svm.FeatureDecodeAssists) {
			info = c.ea(in) // the linear address operand (decode assist)
			if c.mode != Mode64 {
				info = (c.Seg[in.Seg].Base + info) & 0xffffffff
			} else if in.Seg >= FS {
				info += c.Seg[in.Seg].Base
			}
		}
		c.intercept(svm.InterceptINVLPG, info, 0)
		c.segAddr(in.Seg, c.ea(in), 1, false)
		c.tlb.flushAll()
		c.icode.resetFetch()
	default:
		c.raiseUD()
	}
}

// lmsw loads CR0 bits 0-3; PE can be set but not cleared.
func (c *CPU) lmsw(v uint64) {
	c.cpl0()
	n := c.CR0&^0xe | v&0xe
	n |= (c.CR0 | v) & CR0PE
	c.intercept(svm.InterceptCR0Write, 0, 0)
	c.cr0SelectiveIntercept(n, 0)
	if !c.SetCR0(n) {
		c.raiseGP(0)
	}
}

// 0F 02: LAR; 0F 03: LSL.
func execLarLsl(c *CPU, in *Inst) {
	c.protectedOnly()
	sel := uint16(c.readRM16(in))
	ok := false
	var v uint64
	if sel&^3 != 0 {
		if d, found := c.readDescriptor(sel); found {
			t := d.typ()
			valid := true
			if d.system() {
				long := c.EFER&EFERLMA != 0
				switch t {
				case 2, 9, 0xb:
				case 1, 3:
					valid = !long
				case 4, 0xc:
					valid = in.Op == 0x102 && (t == 0xc || !long)
				case 5:
					valid = in.Op == 0x102 && !long
				default:
					valid = false
				}
			}
			conformingCode := !d.system() && t&0xc == 0xc
			if valid && (conformingCode || (d.dpl() >= c.CPL && d.dpl() >= uint8(sel&3))) {
				ok = true
				if in.Op == 0x102 {
					v = uint64(d>>32) & 0x00f0ff00
				} else {
					v = uint64(d.segment(sel).Limit)
				}
			}
		}
	}
	c.setZF(ok)
	if ok {
		c.writeReg(in, v)
	}
}

// 0F 05: SYSCALL (AMD: also in legacy mode).
func execSyscall(c *CPU, in *Inst) {
	if c.EFER&EFERSCE == 0 {
		c.raiseUD()
	}
	c.protectedOnly()
	sel := uint16(c.STAR >> 32 & 0xfffc)
	flags := c.Flags()
	if c.EFER&EFERLMA != 0 {
		c.GPR[RCX] = c.next
		c.GPR[R11] = flags &^ FlagRF
		target := c.LSTAR
		if c.mode != Mode64 {
			target = c.CSTAR
		}
		c.Seg[CS] = Segment{Sel: sel, Limit: 0xffffffff, Attr: SegAttrP | SegAttrS | 0xb | SegAttrL | SegAttrG}
		c.RFLAGS = flags &^ (c.SFMASK | FlagRF)
		c.next = target
	} else {
		c.GPR[RCX] = c.next & 0xffffffff
		c.Seg[CS] = Segment{Sel: sel, Limit: 0xffffffff, Attr: SegAttrP | SegAttrS | 0xb | SegAttrDB | SegAttrG}
		c.RFLAGS = flags &^ (FlagVM | FlagIF | FlagRF)
		c.next = c.STAR & 0xffffffff
	}
	c.RFLAGS |= flagRes1
	c.lazyOp = lazyNone
	c.Seg[SS] = Segment{Sel: sel + 8, Limit: 0xffffffff, Attr: SegAttrP | SegAttrS | 0x3 | SegAttrDB | SegAttrG}
	c.setCPL(0)
	c.updateMode()
	c.icode.resetFetch()
}

// 0F 07: SYSRET.
func execSysret(c *CPU, in *Inst) {
	if c.EFER&EFERSCE == 0 {
		c.raiseUD()
	}
	c.protectedOnly()
	if c.CPL != 0 {
		c.raiseGP(0)
	}
	sel := uint16(c.STAR >> 48)
	if c.EFER&EFERLMA != 0 {
		if in.OpSize == 8 {
			c.Seg[CS] = Segment{Sel: (sel + 16) | 3, Limit: 0xffffffff, Attr: SegAttrP | SegAttrS | 0xb | 3<<5 | SegAttrL | SegAttrG}
			c.next = c.GPR[RCX]
		} else {
			c.Seg[CS] = Segment{Sel: sel | 3, Limit: 0xffffffff, Attr: SegAttrP | SegAttrS | 0xb | 3<<5 | SegAttrDB | SegAttrG}
			c.next = c.GPR[RCX] & 0xffffffff
		}
		c.setFlagsRaw(c.GPR[R11]&^(FlagRF|FlagVM) | flagRes1)
	} else {
		c.Seg[CS] = Segment{Sel: sel | 3, Limit: 0xffffffff, Attr: SegAttrP | SegAttrS | 0xb | 3<<5 | SegAttrDB | SegAttrG}
		c.next = c.GPR[RCX] & 0xffffffff
		c.materialize()
		c.RFLAGS |= FlagIF
	}
	// AMD keeps SS's hidden state but sets the selector and DPL.
	c.Seg[SS].Sel = (sel + 8) | 3
	c.Seg[SS].Attr = c.Seg[SS].Attr&^SegAttrDPL | 3<<5
	c.setCPL(3)
	c.updateMode()
	c.icode.resetFetch()
}

// setFlagsRaw loads RFLAGS without privilege filtering.
func (c *CPU) setFlagsRaw(v uint64) {
	c.lazyOp = lazyNone
	c.RFLAGS = v | flagRes1
	c.updateAC()
}

// 0F 34: SYSENTER (legacy mode only on AMD).
func execSysenter(c *CPU, in *Inst) {
	if c.EFER&EFERLMA != 0 {
		c.raiseUD()
	}
	c.protectedOnly()
	sel := uint16(c.SysenterCS) &^ 3
	if sel == 0 {
		c.raiseGP(0)
	}
	c.materialize()
	c.RFLAGS &^= FlagVM | FlagIF | FlagRF
	c.Seg[CS] = Segment{Sel: sel, Limit: 0xffffffff, Attr: SegAttrP | SegAttrS | 0xb | SegAttrDB | SegAttrG}
	c.Seg[SS] = Segment{Sel: sel + 8, Limit: 0xffffffff, Attr: SegAttrP | SegAttrS | 0x3 | SegAttrDB | SegAttrG}
	c.GPR[RSP] = c.SysenterESP & 0xffffffff
	c.next = c.SysenterEIP & 0xffffffff
	c.setCPL(0)
	c.updateMode()
	c.icode.resetFetch()
}

// 0F 35: SYSEXIT (legacy mode only on AMD).
func execSysexit(c *CPU, in *Inst) {
	if c.EFER&EFERLMA != 0 {
		c.raiseUD()
	}
	c.protectedOnly()
	sel := uint16(c.SysenterCS) &^ 3
	if sel == 0 || c.CPL != 0 {
		c.raiseGP(0)
	}
	c.Seg[CS] = Segment{Sel: (sel + 16) | 3, Limit: 0xffffffff, Attr: SegAttrP | SegAttrS | 0xb | 3<<5 | SegAttrDB | SegAttrG}
	c.Seg[SS] = Segment{Sel: (sel + 24) | 3, Limit: 0xffffffff, Attr: SegAttrP | SegAttrS | 0x3 | 3<<5 | SegAttrDB | SegAttrG}
	c.GPR[RSP] = c.GPR[RCX] & 0xffffffff
	c.next = c.GPR[RDX] & 0xffffffff
	c.setCPL(3)
	c.updateMode()
	c.icode.resetFetch()
}

// 0F AE: group 15 (fences, CLFLUSH; FXSAVE and friends are not advertised).
func execGrp15(c *CPU, in *Inst) {
	op := (in.ModRM >> 3) & 7
	if !in.IsMem {
		if op >= 5 { // LFENCE, MFENCE, SFENCE
			return
		}
		c.raiseUD()
	}
	if op == 7 { // CLFLUSH: translate like a read
		lin := c.segAddr(in.Seg, c.ea(in), 1, false)
		c.readLin(lin, 1)
		return
	}
	c.raiseUD()
}

// 0F AA: RSM: #UD outside SMM (after its intercept).
func execRsm(c *CPU, in *Inst) {
	c.intercept(svm.InterceptRSM, 0, 0)
	c.raiseUD()
}
