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
