package kvm

import (
	gokvm "github.com/bobuhiro11/gokvm/kvm"
	"github.com/govmm/govmm/x86"
)

// Conversions between govmm's architectural state (x86.State, segments in
// the VMCB attribute format) and KVM's kvm_regs, kvm_sregs and
// kvm_debugregs. The emu backend and this one start a kernel from the same
// x86.State, so the two cannot drift apart: Boot builds the state with
// vmm's loader and the same values as vmm.VM.Boot, and converts it here.

// DefaultAPICBase is the APIC_BASE MSR of the bootstrap processor after
// RESET: xAPIC enabled at 0xFEE00000, BSP set (as KVM and govmm's CPU
// have it).
const DefaultAPICBase = 0xfee00900

// Regs converts the general-purpose registers, RIP and RFLAGS of s.
// RFLAGS bit 1 is always set, as the CPU has it.
func Regs(s *x86.State) gokvm.Regs {
	g := &s.GPR
	return gokvm.Regs{
		RAX: g[x86.RAX], RBX: g[x86.RBX], RCX: g[x86.RCX], RDX: g[x86.RDX],
		RSI: g[x86.RSI], RDI: g[x86.RDI], RSP: g[x86.RSP], RBP: g[x86.RBP],
		R8: g[x86.R8], R9: g[x86.R9], R10: g[x86.R10], R11: g[x86.R11],
		R12: g[x86.R12], R13: g[x86.R13], R14: g[x86.R14], R15: g[x86.R15],
		RIP: s.RIP, RFLAGS: s.RFLAGS | 2,
	}
}

// Segment converts a segment register from the VMCB attribute layout
// (type, S, DPL, P in bits 0-7; AVL, L, D/B, G in bits 8-11; byte-granular
// limit) to struct kvm_segment. A segment that is not present is marked
// unusable, which is how KVM's SVM code reads a clear P bit back.
func Segment(s x86.Segment) gokvm.Segment {
	a := s.Attr
	seg := gokvm.Segment{
		Base:     s.Base,
		Limit:    s.Limit,
		Selector: s.Sel,
		Typ:      uint8(a & x86.SegAttrType),
		S:        b2u(a&x86.SegAttrS != 0),
		DPL:      uint8(a&x86.SegAttrDPL) >> 5,
		Present:  b2u(a&x86.SegAttrP != 0),
		AVL:      b2u(a&x86.SegAttrAVL != 0),
		L:        b2u(a&x86.SegAttrL != 0),
		DB:       b2u(a&x86.SegAttrDB != 0),
		G:        b2u(a&x86.SegAttrG != 0),
	}
	seg.Unusable = 1 - seg.Present
	return seg
}

// SegmentState converts a kvm_segment back to the VMCB layout (an
// unusable segment has P clear).
func SegmentState(k gokvm.Segment) x86.Segment {
	a := uint16(k.Typ) & x86.SegAttrType
	a |= uint16(k.S&1) << 4
	a |= uint16(k.DPL&3) << 5
	if k.Present != 0 && k.Unusable == 0 {
		a |= x86.SegAttrP
	}
	a |= uint16(k.AVL&1) << 8
	a |= uint16(k.L&1) << 9
	a |= uint16(k.DB&1) << 10
	a |= uint16(k.G&1) << 11
	return x86.Segment{Sel: k.Selector, Attr: a, Limit: k.Limit, Base: k.Base}
}

// Sregs converts the segment registers, descriptor tables, control
// registers and EFER of s, with APIC_BASE apicBase and no interrupt
// pending.
func Sregs(s *x86.State, apicBase uint64) gokvm.Sregs {
	return gokvm.Sregs{
		ES: Segment(s.Seg[x86.ES]), CS: Segment(s.Seg[x86.CS]), SS: Segment(s.Seg[x86.SS]),
		DS: Segment(s.Seg[x86.DS]), FS: Segment(s.Seg[x86.FS]), GS: Segment(s.Seg[x86.GS]),
		TR:  Segment(s.TR),
		LDT: Segment(s.LDTR),
		GDT: gokvm.Descriptor{Base: s.GDTR.Base, Limit: uint16(s.GDTR.Limit)},
		IDT: gokvm.Descriptor{Base: s.IDTR.Base, Limit: uint16(s.IDTR.Limit)},
		CR0: s.CR0, CR2: s.CR2, CR3: s.CR3, CR4: s.CR4, CR8: s.CR8,
		EFER:     s.EFER,
		ApicBase: apicBase,
	}
}

// DebugRegs converts DR0-DR3, DR6 and DR7 of s.
func DebugRegs(s *x86.State) gokvm.DebugRegs {
	return gokvm.DebugRegs{
		DB:  [4]uint64{s.DR[0], s.DR[1], s.DR[2], s.DR[3]},
		DR6: s.DR[6],
		DR7: s.DR[7],
	}
}

// State converts KVM's register sets back to an x86.State (the fields the
// three structures carry; MSRs and CPL are left zero).
func State(r *gokvm.Regs, sr *gokvm.Sregs, dr *gokvm.DebugRegs) x86.State {
	var s x86.State
	g := &s.GPR
	g[x86.RAX], g[x86.RBX], g[x86.RCX], g[x86.RDX] = r.RAX, r.RBX, r.RCX, r.RDX
	g[x86.RSI], g[x86.RDI], g[x86.RSP], g[x86.RBP] = r.RSI, r.RDI, r.RSP, r.RBP
	g[x86.R8], g[x86.R9], g[x86.R10], g[x86.R11] = r.R8, r.R9, r.R10, r.R11
	g[x86.R12], g[x86.R13], g[x86.R14], g[x86.R15] = r.R12, r.R13, r.R14, r.R15
	s.RIP, s.RFLAGS = r.RIP, r.RFLAGS
	s.Seg[x86.ES], s.Seg[x86.CS], s.Seg[x86.SS] = SegmentState(sr.ES), SegmentState(sr.CS), SegmentState(sr.SS)
	s.Seg[x86.DS], s.Seg[x86.FS], s.Seg[x86.GS] = SegmentState(sr.DS), SegmentState(sr.FS), SegmentState(sr.GS)
	s.TR, s.LDTR = SegmentState(sr.TR), SegmentState(sr.LDT)
	s.GDTR = x86.DescTable{Base: sr.GDT.Base, Limit: uint32(sr.GDT.Limit)}
	s.IDTR = x86.DescTable{Base: sr.IDT.Base, Limit: uint32(sr.IDT.Limit)}
	s.CR0, s.CR2, s.CR3, s.CR4, s.CR8, s.EFER = sr.CR0, sr.CR2, sr.CR3, sr.CR4, sr.CR8, sr.EFER
	if dr != nil {
		s.DR[0], s.DR[1], s.DR[2], s.DR[3] = dr.DB[0], dr.DB[1], dr.DB[2], dr.DB[3]
		s.DR[6], s.DR[7] = dr.DR6, dr.DR7
	}
	return s
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}
