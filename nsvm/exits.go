package nsvm

import (
	"fmt"

	"github.com/govmm/govmm/mmu"
	"github.com/govmm/govmm/x86"
	"github.com/govmm/govmm/x86/svm"
)

// exitHandler handles one exit. It fills rec.Action/Note, and returns
// stop=true with a Stop when the VM must stop.
type exitHandler func(v *VCPU, rec *Record) (Stop, bool)

// exitHandlers mirrors KVM's svm_exit_handlers[]; index = EXITCODE.
var exitHandlers [0x100]exitHandler

func init() {
	h := &exitHandlers
	h[svm.ExitCR0Read] = (*VCPU).crRead
	h[svm.ExitCR3Read] = (*VCPU).crRead
	h[svm.ExitCR0Write] = (*VCPU).crWrite
	h[svm.ExitCR3Write] = (*VCPU).crWrite
	h[svm.ExitCR4Write] = (*VCPU).crWrite
	h[svm.ExitExcpPF] = (*VCPU).pfIntercept
	h[svm.ExitINTR] = (*VCPU).intrIntercept
	h[svm.ExitNMI] = (*VCPU).intrIntercept
	h[svm.ExitVINTR] = (*VCPU).vintrIntercept
	h[svm.ExitIRET] = (*VCPU).iretIntercept
	h[svm.ExitCPUID] = (*VCPU).cpuidIntercept
	h[svm.ExitHLT] = (*VCPU).hltIntercept
	h[svm.ExitINVLPG] = (*VCPU).invlpgIntercept
	h[svm.ExitINVLPGA] = (*VCPU).invlpgIntercept
	h[svm.ExitIOIO] = (*VCPU).ioIntercept
	h[svm.ExitMSR] = (*VCPU).msrIntercept
	h[svm.ExitShutdown] = (*VCPU).shutdownIntercept
	h[svm.ExitVMRUN] = (*VCPU).vmrunIntercept
	h[svm.ExitVMMCALL] = (*VCPU).udIntercept
	h[svm.ExitSKINIT] = (*VCPU).udIntercept
	h[svm.ExitVMLOAD] = (*VCPU).vmloadIntercept
	h[svm.ExitVMSAVE] = (*VCPU).vmloadIntercept
	h[svm.ExitSTGI] = (*VCPU).gifIntercept
	h[svm.ExitCLGI] = (*VCPU).gifIntercept
	h[svm.ExitICEBP] = (*VCPU).icebpIntercept
}

// handleExit dispatches the exit in vmcb01. KVM: svm_invoke_exit_handler.
func (v *VCPU) handleExit(rec *Record) (Stop, bool) {
	c := v.cur.vmcb.ExitCode
	if c == svm.ExitInvalid {
		return Stop{Reason: StopUnsupported, Detail: "VMRUN of vmcb01 failed its consistency checks (L0 bug)"}, true
	}
	if c >= svm.ExitCode(len(exitHandlers)) || exitHandlers[c] == nil {
		rec.Action = ActionStop
		return Stop{Reason: StopUnsupported, Detail: fmt.Sprintf("unexpected exit %v at rip %#x", c, v.cur.vmcb.Save.RIP)}, true
	}
	return exitHandlers[c](v, rec)
}

func (v *VCPU) stopUnsupported(rec *Record, format string, args ...any) (Stop, bool) {
	rec.Action = ActionStop
	return Stop{Reason: StopUnsupported, Detail: fmt.Sprintf(format, args...)}, true
}

// injectUD queues #UD for the guest.
func (v *VCPU) injectUD(rec *Record) (Stop, bool) {
	rec.Action = ActionInjected
	rec.Note = "#UD"
	v.queueException(x86.VecUD, false, 0)
	return Stop{}, false
}

// injectGP queues #GP(0) for the guest.
func (v *VCPU) injectGP(rec *Record) (Stop, bool) {
	rec.Action = ActionInjected
	rec.Note = "#GP(0)"
	if !v.queueException(x86.VecGP, true, 0) {
		return Stop{Reason: StopShutdown, Detail: "triple fault"}, true
	}
	return Stop{}, false
}

func (v *VCPU) udIntercept(rec *Record) (Stop, bool) { return v.injectUD(rec) }

// skip advances past the intercepted instruction or stops the VM. An
// instruction L0 emulates with RFLAGS.TF set ends with the single-step
// trap, as it would on the CPU. KVM: kvm_skip_emulated_instruction.
func (v *VCPU) skip(rec *Record) (Stop, bool) {
	tf := v.cur.vmcb.Save.RFLAGS&x86.FlagTF != 0
	if !v.skipInstruction() {
		return v.stopUnsupported(rec, "cannot decode the instruction at rip %#x", v.cur.vmcb.Save.RIP)
	}
	if tf {
		v.singleStep()
	}
	return Stop{}, false
}

// singleStep raises the single-step #DB trap (DR6.BS) for the current level.
func (v *VCPU) singleStep() {
	v.cur.vmcb.Save.DR6 |= 1 << 14
	v.queueException(x86.VecDB, false, 0)
}

// crGPR decodes the GPR operand of an intercepted MOV CR: from EXITINFO1
// with decode assists, else from the instruction. ok is false for
// LMSW/CLTS (handled by decoding) or undecodable code.
func (v *VCPU) crOperand() (gpr uint8, in x86.Inst, ok bool) {
	if v.cur.vmcb.ExitInfo1>>63 != 0 {
		return uint8(v.cur.vmcb.ExitInfo1 & 15), x86.Inst{}, true
	}
	in, ok = v.decodeAtRIP()
	if !ok {
		return 0, in, false
	}
	if in.Op == 0x120 || in.Op == 0x122 {
		return in.ModRM&7 | in.RM&8, in, true
	}
	return 0, in, true
}

// crRead emulates MOV reg, CR0/CR3 with L1's values. KVM: cr_interception.
func (v *VCPU) crRead(rec *Record) (Stop, bool) {
	gpr, in, ok := v.crOperand()
	if !ok {
		return v.stopUnsupported(rec, "cannot decode CR read at rip %#x", v.cur.vmcb.Save.RIP)
	}
	val := v.cur.cr0
	if v.cur.vmcb.ExitCode == svm.ExitCR3Read {
		val = v.cur.cr3
	}
	if in.Op == 0x101 { // SMSW: the low 16 bits to memory, CR0 to a register
		return v.smsw(rec, in)
	}
	if !v.long64() {
		val &= 0xffffffff
	}
	v.setGPR(gpr, val)
	rec.Note = fmt.Sprintf("CR read %#x", val)
	return v.skip(rec)
}

// cr0WriteValue computes the value an intercepted CR write (MOV CR, CLTS,
// LMSW) stores, from EXITINFO1's decode assist or by decoding.
func (v *VCPU) cr0WriteValue() (uint64, bool) {
	gpr, in, ok := v.crOperand()
	if !ok {
		return 0, false
	}
	switch {
	case v.cur.vmcb.ExitInfo1>>63 != 0 || in.Op == 0x122:
		val := v.gpr(gpr)
		if !v.long64() {
			val &= 0xffffffff
		}
		return val, true
	case in.Op == 0x106: // CLTS
		return v.cur.cr0 &^ x86.CR0TS, true
	case in.Op == 0x101 && (in.ModRM>>3)&7 == 6 && !in.IsMem: // LMSW reg
		src := v.gpr(in.RM)
		return v.cur.cr0&^0xe | src&0xe | (v.cur.cr0|src)&x86.CR0PE, true
	}
	return 0, false
}

// crWrite emulates MOV CR0/CR3/CR4, LMSW and CLTS. KVM: cr_interception,
// kvm_set_cr0/3/4.
func (v *VCPU) crWrite(rec *Record) (Stop, bool) {
	code := v.cur.vmcb.ExitCode
	val, ok := v.cr0WriteValue()
	if !ok {
		return v.stopUnsupported(rec, "cannot decode the CR write at rip %#x (LMSW from memory is not emulated)", v.cur.vmcb.Save.RIP)
	}
	switch code {
	case svm.ExitCR0Write:
		if !v.setCR0(val) {
			return v.injectGP(rec)
		}
	case svm.ExitCR3Write:
		if v.cur.efer&x86.EFERLMA != 0 && val>>x86.MaxPhysAddr != 0 {
			return v.injectGP(rec)
		}
		v.cur.cr3 = val
		v.cur.mmu.Zap() // a CR3 write flushes the TLB: drop the shadow
	case svm.ExitCR4Write:
		if !x86.CR4Valid(val) || v.cur.efer&x86.EFERLMA != 0 && val&x86.CR4PAE == 0 {
			return v.injectGP(rec)
		}
		if (val^v.cur.vmcb.Save.CR4)&(x86.CR4PSE|x86.CR4PAE|x86.CR4PGE) != 0 {
			v.cur.mmu.Zap()
		}
		v.cur.vmcb.Save.CR4 = val
	}
	rec.Note = fmt.Sprintf("CR write %#x", val)
	return v.skip(rec)
}

// setCR0 applies L1's CR0 write with the architectural checks and long
// mode activation, reporting false for #GP. KVM: kvm_set_cr0.
func (v *VCPU) setCR0(val uint64) bool {
	val |= x86.CR0ET
	if val>>32 != 0 || val&x86.CR0PG != 0 && val&x86.CR0PE == 0 || val&x86.CR0NW != 0 && val&x86.CR0CD == 0 {
		return false
	}
	old := v.cur.cr0
	if val&x86.CR0PG != 0 && old&x86.CR0PG == 0 && v.cur.efer&x86.EFERLME != 0 {
		if v.cur.vmcb.Save.CR4&x86.CR4PAE == 0 || v.cur.vmcb.Save.CS.Attrib&svm.SegAttribL != 0 {
			return false
		}
		v.cur.efer |= x86.EFERLMA
	}
	if val&x86.CR0PG == 0 && old&x86.CR0PG != 0 && v.cur.efer&x86.EFERLMA != 0 {
		if v.long64() {
			return false
		}
		v.cur.efer &^= x86.EFERLMA
	}
	v.cur.cr0 = val
	if (old^val)&(x86.CR0PG|x86.CR0WP|x86.CR0PE) != 0 {
		v.cur.mmu.Zap()
	}
	return true
}

// pfIntercept is the shadow-paging #PF: fill the shadow entry when L1's
// tables allow the access, otherwise inject L1's own #PF.
// KVM: pf_interception → kvm_mmu_page_fault.
func (v *VCPU) pfIntercept(rec *Record) (Stop, bool) {
	vm := &v.cur.vmcb
	addr, hwErr := vm.ExitInfo2, uint32(vm.ExitInfo1)
	gm := v.guestMode()
	f, err := v.cur.mmu.HandleFault(gm, v.cur.cr3, addr, hwErr, mmu.HardwareFormat(gm, vm.Save.CR4&x86.CR4PAE != 0))
	if err != nil {
		return v.stopUnsupported(rec, "%v", err)
	}
	switch f.Outcome {
	case mmu.Filled:
		// Guard against a fill that does not cure the fault (an L0 bug
		// would otherwise spin forever).
		if v.lastPF.addr == addr {
			v.lastPF.count++
			if v.lastPF.count > 8 {
				return v.stopUnsupported(rec, "shadow fill at %#x does not resolve the fault (error code %#x)", addr, hwErr)
			}
		} else {
			v.lastPF.addr, v.lastPF.count = addr, 0
		}
		rec.Action = ActionShadowFill
		rec.Note = fmt.Sprintf("gva %#x -> gpa %#x", addr, f.GPA)
		return Stop{}, false
	case mmu.Reserved:
		return v.stopUnsupported(rec, "guest maps physical address %#x, which is reserved for L0", f.GPA)
	}
	rec.Action = ActionInjected
	rec.Note = fmt.Sprintf("guest #PF cr2=%#x err=%#x", addr, f.ErrCode)
	if !v.queuePF(addr, f.ErrCode) {
		return Stop{Reason: StopShutdown, Detail: "triple fault (#PF while delivering #DF)"}, true
	}
	return Stop{}, false
}

// intrIntercept: a host interrupt, the time slice, or a device kick. The
// injection step picks up whatever became pending.
func (v *VCPU) intrIntercept(rec *Record) (Stop, bool) {
	rec.Action = ActionHandled
	return Stop{}, false
}

// vintrIntercept: the interrupt window opened. KVM: interrupt_window_interception.
func (v *VCPU) vintrIntercept(rec *Record) (Stop, bool) {
	v.closeIRQWindow()
	rec.Action = ActionHandled
	rec.Note = "interrupt window"
	return Stop{}, false
}

// iretIntercept: NMI window; NMIs unmask once the IRET has completed.
// KVM: iret_interception.
func (v *VCPU) iretIntercept(rec *Record) (Stop, bool) {
	v.cur.vmcb.ClearIntercept(svm.InterceptIRET)
	v.ev.iretRIP = v.cur.vmcb.Save.RIP
	rec.Action = ActionHandled
	return Stop{}, false
}

func (v *VCPU) cpuidIntercept(rec *Record) (Stop, bool) {
	l := v.cpu.CPUIDLookup(uint32(v.gpr(x86.RAX)), uint32(v.gpr(x86.RCX)))
	v.setGPR(x86.RAX, uint64(l.EAX))
	v.setGPR(x86.RBX, uint64(l.EBX))
	v.setGPR(x86.RCX, uint64(l.ECX))
	v.setGPR(x86.RDX, uint64(l.EDX))
	rec.Action = ActionHandled
	return v.skip(rec)
}

// hltIntercept waits for the next interrupt: if one can come, the clock is
// advanced to the next timer deadline; if none can, the VM is halted for
// good. KVM: kvm_emulate_halt.
func (v *VCPU) hltIntercept(rec *Record) (Stop, bool) {
	rec.Action = ActionHandled
	if st, stop := v.skip(rec); stop {
		return st, stop
	}
	for {
		if v.host.Stopped() {
			return Stop{Reason: StopHost}, true
		}
		open := v.interruptsCanWake()
		if v.ev.nmiPending || v.host.InterruptPending() && open {
			return Stop{}, false
		}
		d, ok := v.host.NextDeadline()
		if !ok || !open {
			return Stop{Reason: StopHalted, Detail: fmt.Sprintf("guest halted at rip %#x with nothing to wake it", v.cur.vmcb.Save.RIP)}, true
		}
		if now := v.cpu.HostTSC(); d > now {
			v.cpu.AdvanceClock(d - now)
		}
		v.host.Tick()
	}
}

// interruptsCanWake reports whether an interrupt would end a halt: the
// running guest's IF, or — while L2 runs — L1's masking when L1
// intercepts INTR (the interrupt then exits to L1).
func (v *VCPU) interruptsCanWake() bool {
	if v.nested.active && v.nested.ctl12.Intercepted(svm.InterceptINTR) && v.l1InterruptsOpen() {
		return true
	}
	return v.cur.vmcb.Save.RFLAGS&x86.FlagIF != 0
}

func (v *VCPU) invlpgIntercept(rec *Record) (Stop, bool) {
	v.cur.mmu.Zap()
	rec.Action = ActionHandled
	return v.skip(rec)
}

// ioIntercept: L0's IOPM intercepts no port today; an IOIO exit is a bug.
func (v *VCPU) ioIntercept(rec *Record) (Stop, bool) {
	return v.stopUnsupported(rec, "unexpected IOIO exit (info1 %#x)", v.cur.vmcb.ExitInfo1)
}

// msrIntercept emulates the MSRs L0 virtualizes: EFER, VM_HSAVE_PA, VM_CR.
// KVM: msr_interception.
func (v *VCPU) msrIntercept(rec *Record) (Stop, bool) {
	msr := uint32(v.gpr(x86.RCX))
	write := v.cur.vmcb.ExitInfo1 == 1
	rec.Action = ActionHandled
	if !write {
		var val uint64
		switch msr {
		case x86.MSREFER:
			val = v.cur.efer
		case x86.MSRTSC:
			val = v.cpu.HostTSC() + v.cur.vmcb.TSCOffset
		default:
			val = v.cpu.MSR(msr)
		}
		v.setGPR(x86.RAX, val&0xffffffff)
		v.setGPR(x86.RDX, val>>32)
		return v.skip(rec)
	}
	val := v.gpr(x86.RDX)<<32 | v.gpr(x86.RAX)&0xffffffff
	switch msr {
	case x86.MSREFER:
		allowed := uint64(x86.EFERSCE | x86.EFERLME | x86.EFERLMA | x86.EFERNXE)
		if v.cpu.SVMFeatures() != 0 {
			allowed |= x86.EFERSVME
		}
		if val&^allowed != 0 || v.cur.cr0&x86.CR0PG != 0 && (val^v.cur.efer)&x86.EFERLME != 0 {
			return v.injectGP(rec)
		}
		val = val&^x86.EFERLMA | v.cur.efer&x86.EFERLMA
		if (val^v.cur.efer)&x86.EFERNXE != 0 {
			v.cur.mmu.Zap()
		}
		v.cur.efer = val
	case x86.MSRTSC:
		v.cur.vmcb.TSCOffset = val - v.cpu.HostTSC()
	default:
		if !v.cpu.SetMSR(msr, val) {
			return v.injectGP(rec)
		}
	}
	return v.skip(rec)
}

func (v *VCPU) shutdownIntercept(rec *Record) (Stop, bool) {
	rec.Action = ActionStop
	return Stop{Reason: StopShutdown, Detail: "triple fault"}, true
}

// vmloadIntercept emulates VMLOAD/VMSAVE for L1: its VMCB addresses are
// guest-physical and equal to host-physical for RAM.
func (v *VCPU) vmloadIntercept(rec *Record) (Stop, bool) {
	if v.cur.efer&x86.EFERSVME == 0 {
		return v.injectUD(rec) // the silicon checked L0's EFER, which has SVME
	}
	pa := v.gpr(x86.RAX)
	if v.decodeMode() != x86.Mode64 {
		pa &= 0xffffffff
	}
	if pa+svm.VMCBSize > uint64(len(v.cpu.RAM)) {
		return v.injectGP(rec)
	}
	page := v.cpu.RAM[pa : pa+svm.VMCBSize]
	var vmcb svm.VMCB
	vmcb.Load(page)
	if v.cur.vmcb.ExitCode == svm.ExitVMLOAD {
		s := &v.cur.vmcb.Save
		s.FS, s.GS, s.TR, s.LDTR = vmcb.FS, vmcb.GS, vmcb.TR, vmcb.LDTR
		s.KernelGSBase, s.STAR, s.LSTAR, s.CSTAR, s.SFMASK = vmcb.KernelGSBase, vmcb.STAR, vmcb.LSTAR, vmcb.CSTAR, vmcb.SFMASK
		s.SysenterCS, s.SysenterESP, s.SysenterEIP = vmcb.SysenterCS, vmcb.SysenterESP, vmcb.SysenterEIP
	} else {
		s := &v.cur.vmcb.Save
		vmcb.FS, vmcb.GS, vmcb.TR, vmcb.LDTR = s.FS, s.GS, s.TR, s.LDTR
		vmcb.KernelGSBase, vmcb.STAR, vmcb.LSTAR, vmcb.CSTAR, vmcb.SFMASK = s.KernelGSBase, s.STAR, s.LSTAR, s.CSTAR, s.SFMASK
		vmcb.SysenterCS, vmcb.SysenterESP, vmcb.SysenterEIP = s.SysenterCS, s.SysenterESP, s.SysenterEIP
		vmcb.Store(page)
		v.cpu.Invalidate()
	}
	rec.Action = ActionHandled
	return v.skip(rec)
}

// gifIntercept emulates STGI/CLGI for L1 (L0 keeps L1's GIF).
func (v *VCPU) gifIntercept(rec *Record) (Stop, bool) {
	if v.cur.efer&x86.EFERSVME == 0 {
		return v.injectUD(rec)
	}
	v.gif = v.cur.vmcb.ExitCode == svm.ExitSTGI
	rec.Action = ActionHandled
	return v.skip(rec)
}

// icebpIntercept emulates ICEBP (INT1): a #DB trap whose return address is
// the next instruction. L0 intercepts it so the #DB is injected with RIP
// already past the ICEBP: EVENTINJ has no "soft" form for #DB, and an
// interrupted delivery is then re-injected without ambiguity.
func (v *VCPU) icebpIntercept(rec *Record) (Stop, bool) {
	if st, stop := v.skip(rec); stop {
		return st, stop
	}
	rec.Action = ActionInjected
	rec.Note = "#DB (ICEBP)"
	if !v.queueException(x86.VecDB, false, 0) {
		return Stop{Reason: StopShutdown, Detail: "triple fault"}, true
	}
	return Stop{}, false
}

// smsw emulates SMSW (a CR0 read): L1's CR0, not the hardware's.
func (v *VCPU) smsw(rec *Record, in x86.Inst) (Stop, bool) {
	cr0 := v.cur.cr0
	if !in.IsMem {
		mask := uint64(1)<<(8*uint(in.OpSize)) - 1
		if in.OpSize == 8 {
			mask = ^uint64(0)
		}
		v.setGPR(in.RM, v.gpr(in.RM)&^mask|cr0&mask)
		return v.skip(rec)
	}
	lin := v.linearAddr(in)
	if errCode, ok := v.writeGuest(lin, []byte{byte(cr0), byte(cr0 >> 8)}); !ok {
		rec.Action = ActionInjected
		rec.Note = fmt.Sprintf("guest #PF on SMSW's store to %#x", lin)
		if !v.queuePF(lin, errCode) {
			return Stop{Reason: StopShutdown, Detail: "triple fault"}, true
		}
		return Stop{}, false
	}
	rec.Note = fmt.Sprintf("SMSW %#x", cr0&0xffff)
	return v.skip(rec)
}
