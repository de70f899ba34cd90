package nsvm

import (
	"github.com/govmm/govmm/x86"
	"github.com/govmm/govmm/x86/paging"
	"github.com/govmm/govmm/x86/svm"
)

// decodeMode is L1's current decoding mode.
func (v *VCPU) decodeMode() x86.Mode {
	s := &v.cur.vmcb.Save
	switch {
	case v.long64():
		return x86.Mode64
	case v.cur.cr0&x86.CR0PE != 0 && s.RFLAGS&x86.FlagVM == 0 && s.CS.Attrib&0x400 != 0:
		return x86.Mode32
	}
	return x86.Mode16
}

// readGuest copies L1 memory at linear address lin into buf through L1's
// own page tables (no A/D updates beyond what a walk sets), stopping at the
// first unmapped or non-RAM byte. It returns the bytes read.
func (v *VCPU) readGuest(lin uint64, buf []byte) int {
	gm := v.guestMode()
	n := 0
	for n < len(buf) {
		a := lin + uint64(n)
		if !v.long64() {
			a &= 0xffffffff
		}
		r := paging.Walk(v.cpu, gm, v.cur.cr3, a, paging.Fetch, x86.MaxPhysAddr)
		if r.Fault || r.PA >= uint64(len(v.cpu.RAM)) {
			break
		}
		k := copy(buf[n:], v.cpu.RAM[r.PA:min(uint64(len(v.cpu.RAM)), r.PA&^0xfff+0x1000)])
		n += k
	}
	return n
}

// decodeAtRIP decodes L1's instruction at CS:RIP. KVM: the emulator's
// instruction fetch and decode.
func (v *VCPU) decodeAtRIP() (x86.Inst, bool) {
	var buf [15]byte
	n := v.readGuest(v.linearRIP(), buf[:])
	return x86.DecodeInst(v.decodeMode(), buf[:n])
}

// ripAfter returns the RIP following instruction in at RIP, wrapped to the
// code size.
func (v *VCPU) ripAfter(in x86.Inst) uint64 {
	r := v.cur.vmcb.Save.RIP + uint64(in.Len)
	switch v.decodeMode() {
	case x86.Mode16:
		return r & 0xffff
	case x86.Mode32:
		return r & 0xffffffff
	}
	return r
}

// skipInstruction advances RIP past the intercepted instruction: to NRIP
// when the CPU provided it, else by decoding. It reports false when the
// instruction cannot be decoded. KVM: svm_skip_emulated_instruction.
func (v *VCPU) skipInstruction() bool {
	s := &v.cur.vmcb.Save
	if v.cur.vmcb.NRIP != 0 && v.cpu.SVMFeatures()&svm.FeatureNRIPS != 0 {
		s.RIP = v.cur.vmcb.NRIP
	} else {
		in, ok := v.decodeAtRIP()
		if !ok {
			return false
		}
		s.RIP = v.ripAfter(in)
	}
	// Completing an instruction ends an STI/MOV SS shadow.
	v.cur.vmcb.IntState &^= 1
	return true
}

// gpr reads general-purpose register n of L1 (RAX and RSP live in vmcb01).
func (v *VCPU) gpr(n uint8) uint64 {
	switch n {
	case x86.RAX:
		return v.cur.vmcb.Save.RAX
	case x86.RSP:
		return v.cur.vmcb.Save.RSP
	}
	return v.cpu.GPR[n]
}

// setGPR writes general-purpose register n of L1.
func (v *VCPU) setGPR(n uint8, val uint64) {
	switch n {
	case x86.RAX:
		v.cur.vmcb.Save.RAX = val
	case x86.RSP:
		v.cur.vmcb.Save.RSP = val
	default:
		v.cpu.GPR[n] = val
	}
}

// linearAddr computes the linear address of in's memory operand from L1's
// registers (segment base, base, index, displacement, address size).
func (v *VCPU) linearAddr(in x86.Inst) uint64 {
	a := uint64(in.Disp)
	if in.Base != 0xff {
		if in.Base == 0x10 { // RIP-relative
			a += v.ripAfter(in)
		} else {
			a += v.gpr(in.Base)
		}
	}
	if in.Index != 0xff {
		a += v.gpr(in.Index) << in.Scale
	}
	switch in.AdSize {
	case 2:
		a &= 0xffff
	case 4:
		a &= 0xffffffff
	}
	s := &v.cur.vmcb.Save
	var base uint64
	switch in.Seg {
	case x86.ES:
		base = s.ES.Base
	case x86.CS:
		base = s.CS.Base
	case x86.SS:
		base = s.SS.Base
	case x86.DS:
		base = s.DS.Base
	case x86.FS:
		base = s.FS.Base
	case x86.GS:
		base = s.GS.Base
	}
	if v.long64() {
		if in.Seg == x86.FS || in.Seg == x86.GS {
			return a + base
		}
		return a
	}
	return (a + base) & 0xffffffff
}

// writeGuest stores data at linear address lin through L1's page tables
// (as a CPL-3 access when L1 runs at CPL 3). It reports the #PF error code
// when the tables forbid it; nothing is written then.
func (v *VCPU) writeGuest(lin uint64, data []byte) (uint32, bool) {
	gm := v.guestMode()
	acc := paging.Write
	if v.cur.vmcb.Save.CPL == 3 {
		acc |= paging.User
	}
	var pas [2]uint64
	for i := range data {
		if i > 0 && (lin+uint64(i))&0xfff != 0 {
			continue
		}
		r := paging.Walk(v.cpu, gm, v.cur.cr3, lin+uint64(i), acc, x86.MaxPhysAddr)
		if r.Fault {
			return r.ErrCode, false
		}
		pas[min(i, 1)] = r.PA - uint64(i)
	}
	for i, b := range data {
		pa := pas[0] + uint64(i)
		if (lin+uint64(i))&^0xfff != lin&^0xfff {
			pa = pas[1] + uint64(i)
		}
		if pa < uint64(len(v.cpu.RAM)) {
			v.cpu.RAM[pa] = b
		}
	}
	v.cpu.Invalidate()
	return 0, true
}
