package x86

import (
	"github.com/govmm/govmm/x86/svm"
)

// One-level AMD SVM, as the silicon implements it (AMD APM vol. 2, ch. 15).
// L0 runs a guest with VMRun(vmcb): the CPU checks and loads the VMCB's guest
// state, injects EVENTINJ, runs the guest until an intercepted event, and
// writes the guest state and the exit information back (#VMEXIT). The CPU
// knows nothing of nesting: L0 (package nsvm) runs L1 and L2 through this
// one call, as KVM does on real hardware.
//
// Host state is not modelled: L0 is Go code, so #VMEXIT simply returns to it.
// The VMLOAD/VMSAVE state (FS, GS, TR, LDTR, KernelGSBase, STAR, LSTAR,
// CSTAR, SFMASK, SYSENTER_*) is not touched by VMRun, as on hardware; L0
// moves it with VMLoad and VMSave. GPRs other than RAX and RSP stay in the
// CPU, as on hardware, and L0 keeps one set per guest.

// guestCtl is the CPU's view of the VMCB it is running (nil when not in
// guest mode).
type guestCtl struct {
	vmcb *svm.VMCB
}

// svmExit is a pending #VMEXIT: the exit information the CPU writes into the
// VMCB.
type svmExit struct {
	code        svm.ExitCode
	info1       uint64
	info2       uint64
	exitIntInfo svm.Event
	nrip        uint64 // written only with NRIPS
	insnLen     uint8  // decode assists: bytes fetched for #PF/NPF exits
	insnBytes   [15]byte
}

// vmexitPanic unwinds an instruction that caused a #VMEXIT.
type vmexitPanic struct{}

// SVMFeatures returns the SVM features the CPU implements and advertises.
func (c *CPU) SVMFeatures() svm.Features { return c.svmFeatures }

// SetSVMFeatures selects the SVM features the CPU exposes (CPUID
// 8000_0001h ECX.SVM and leaf 8000_000Ah). Zero hides SVM entirely. Only
// features the silicon implements may be set.
func (c *CPU) SetSVMFeatures(f svm.Features) {
	c.svmFeatures = f & ImplementedSVMFeatures
	l := c.CPUID.Leaves[0x80000001]
	if c.svmFeatures != 0 || f != 0 {
		l.ECX |= CPUIDSVM
		c.CPUID.Leaves[svm.CPUIDFnSVM] = CPUIDLeaf{EAX: 1, EBX: svmASIDs, EDX: uint32(c.svmFeatures)}
	} else {
		l.ECX &^= CPUIDSVM
		delete(c.CPUID.Leaves, svm.CPUIDFnSVM)
	}
	c.CPUID.Leaves[0x80000001] = l
}

// svmASIDs is the number of ASIDs CPUID reports.
const svmASIDs = 16

// ImplementedSVMFeatures are the SVM features the silicon models.
const ImplementedSVMFeatures = svm.FeatureNP | svm.FeatureNRIPS | svm.FeatureDecodeAssists | svm.FeatureVGIF |
	svm.FeatureSvmeAddrChk | svm.FeatureFlushByAsid | svm.FeatureVmcbClean

// Feature sets.
const (
	// SVMFeaturesDefault is govmm's default: what the silicon implements,
	// less NP until L0 can virtualize L1's nested page tables.
	SVMFeaturesDefault = ImplementedSVMFeatures &^ svm.FeatureNP
	// SVMFeaturesQEMUMax is what QEMU 7.2 TCG with -cpu max exposes in
	// CPUID 8000_000Ah EDX (0x10010001).
	SVMFeaturesQEMUMax = svm.FeatureNP | svm.FeatureVGIF | svm.FeatureSvmeAddrChk
)

func (c *CPU) hasSVM(f svm.Features) bool { return c.svmFeatures&f != 0 }

// InGuestMode reports whether the CPU is running a guest under VMRun.
func (c *CPU) InGuestMode() bool { return c.guest.vmcb != nil }

// intercepted reports whether the running VMCB intercepts i. Outside guest
// mode the intercept words are zero.
func (c *CPU) intercepted(i svm.Intercept) bool {
	return c.icpt[i>>5]&(1<<(i&31)) != 0
}

// vmexit ends the current instruction with a #VMEXIT. nrip is the next
// instruction's RIP for instruction intercepts (0 otherwise).
func (c *CPU) vmexit(code svm.ExitCode, info1, info2 uint64, nrip uint64) {
	c.exit = svmExit{code: code, info1: info1, info2: info2, nrip: nrip}
	panic(vmexitPanic{})
}

// intercept performs the instruction intercept i, if the VMCB sets it, with
// the given EXITINFO fields: NRIP is the next instruction.
func (c *CPU) intercept(i svm.Intercept, info1, info2 uint64) {
	if c.icpt[i>>5]&(1<<(i&31)) != 0 {
		c.vmexit(i.ExitCode(), info1, info2, c.next)
	}
}

// VMCBValid reports whether VMRUN of v would pass the consistency checks,
// for the CPU's SVM features. L0 uses it to check L1's vmcb12 exactly as the
// silicon checks a VMCB.
func (c *CPU) VMCBValid(v *svm.VMCB) bool { return c.checkVMCB(v) }

// checkVMCB applies the VMRUN consistency checks (APM 15.5.1 and 15.20).
// It reports whether VMRUN may proceed.
func (c *CPU) checkVMCB(v *svm.VMCB) bool {
	s := &v.Save
	physMask := ^(uint64(1)<<MaxPhysAddr - 1)
	lme, pg := s.EFER&EFERLME != 0, s.CR0&CR0PG != 0
	switch {
	case s.EFER&EFERSVME == 0:
		return false
	case s.CR0&CR0CD == 0 && s.CR0&CR0NW != 0:
		return false
	case s.CR0>>32 != 0:
		return false
	case s.CR3&physMask != 0:
		return false
	case s.CR4&^cr4Valid != 0:
		return false
	case s.DR6>>32 != 0 || s.DR7>>32 != 0:
		return false
	case s.EFER&^(EFERSCE|EFERLME|EFERLMA|EFERNXE|EFERSVME) != 0:
		return false
	case lme && pg && s.CR4&CR4PAE == 0:
		return false
	case lme && pg && s.CR0&CR0PE == 0:
		return false
	case lme && pg && s.CR4&CR4PAE != 0 && s.CS.Attrib&svm.SegAttribL != 0 && s.CS.Attrib&svm.SegAttribDB != 0:
		return false
	case !v.Control.Intercepted(svm.InterceptVMRUN):
		return false
	case v.ASID == 0:
		return false
	case (v.MSRPMBasePA&^0xfff+0x2000-1)&physMask != 0 || (v.IOPMBasePA&^0xfff+0x3000-1)&physMask != 0:
		return false
	case c.hasSVM(svm.FeatureNP) && v.MiscCtl&svm.MiscCtlNPEnable != 0 && v.NCR3&physMask != 0:
		return false
	}
	return c.eventInjLegal(v.EventInj, s.CR0&CR0PE != 0)
}

// eventInjLegal checks EVENTINJ: reserved types, type 3 with a vector that
// is not an exception, and an error code in real mode make VMRUN fail.
func (c *CPU) eventInjLegal(e svm.Event, protected bool) bool {
	if !e.Valid() {
		return true
	}
	switch e.Type() {
	case svm.EventTypeIntr, svm.EventTypeNMI, svm.EventTypeSoftInt:
	case svm.EventTypeException:
		switch e.Vector() {
		case 0, 1, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 14, 16, 17, 18, 19, 28, 30:
		default:
			return false
		}
	default:
		return false
	}
	if e.HasErrCode() && !protected {
		return false // an error code cannot be pushed in real mode
	}
	return e.Reserved() == 0
}

func segFromVMCB(s svm.Segment) Segment {
	return Segment{Sel: s.Selector, Attr: s.Attrib & svm.SegAttribMask, Limit: s.Limit, Base: s.Base}
}

func segToVMCB(s Segment) svm.Segment {
	return svm.Segment{Selector: s.Sel, Attrib: s.Attr, Limit: s.Limit, Base: s.Base}
}

// VMLoad loads the VMLOAD state set from save into the CPU (FS, GS, TR,
// LDTR with their hidden state, KernelGSBase, STAR, LSTAR, CSTAR, SFMASK,
// SYSENTER_CS/ESP/EIP), as the VMLOAD instruction does.
func (c *CPU) VMLoad(s *svm.Save) {
	c.Seg[FS] = segFromVMCB(s.FS)
	c.Seg[GS] = segFromVMCB(s.GS)
	c.TR = segFromVMCB(s.TR)
	c.LDTR = segFromVMCB(s.LDTR)
	c.KernelGSBase = s.KernelGSBase
	c.STAR, c.LSTAR, c.CSTAR, c.SFMASK = s.STAR, s.LSTAR, s.CSTAR, s.SFMASK
	c.SysenterCS, c.SysenterESP, c.SysenterEIP = s.SysenterCS, s.SysenterESP, s.SysenterEIP
}

// VMSave stores the VMLOAD state set into save, as the VMSAVE instruction
// does.
func (c *CPU) VMSave(s *svm.Save) {
	s.FS = segToVMCB(c.Seg[FS])
	s.GS = segToVMCB(c.Seg[GS])
	s.TR = segToVMCB(c.TR)
	s.LDTR = segToVMCB(c.LDTR)
	s.KernelGSBase = c.KernelGSBase
	s.STAR, s.LSTAR, s.CSTAR, s.SFMASK = c.STAR, c.LSTAR, c.CSTAR, c.SFMASK
	s.SysenterCS, s.SysenterESP, s.SysenterEIP = c.SysenterCS, c.SysenterESP, c.SysenterEIP
}

// loadGuest loads the VMRUN state set from the save area.
func (c *CPU) loadGuest(v *svm.VMCB) {
	s := &v.Save
	c.Seg[ES] = segFromVMCB(s.ES)
	c.Seg[CS] = segFromVMCB(s.CS)
	c.Seg[SS] = segFromVMCB(s.SS)
	c.Seg[DS] = segFromVMCB(s.DS)
	c.GDTR = DescTable{Base: s.GDTR.Base, Limit: s.GDTR.Limit}
	c.IDTR = DescTable{Base: s.IDTR.Base, Limit: s.IDTR.Limit}
	c.EFER = s.EFER &^ EFERLMA
	if s.EFER&EFERLME != 0 && s.CR0&CR0PG != 0 && s.CR0&CR0PE != 0 {
		c.EFER |= EFERLMA
	}
	c.CR0 = s.CR0 | CR0ET
	c.CR2, c.CR3, c.CR4 = s.CR2, s.CR3, s.CR4
	c.CR8 = uint64(v.IntCtl & svm.IntCtlVTPRMask)
	c.DR[6] = s.DR6&dr6Writable | dr6Fixed
	c.DR[7] = s.DR7&^0xd800 | 0x400
	c.RFLAGS = s.RFLAGS | flagRes1
	c.lazyOp = lazyNone
	c.RIP, c.GPR[RSP], c.GPR[RAX] = s.RIP, s.RSP, s.RAX
	c.CPL = s.CPL & 3
	if c.CR0&CR0PE == 0 {
		c.CPL = 0
	}
	c.shadowEnd = 0
	if v.IntState&svm.IntStateInterruptShadow != 0 {
		c.shadowEnd = c.Insns + 1 // blocks interrupts before the first instruction
	}
	c.Refresh()
	c.debugChanged()
}

// storeGuest writes the guest state back into the save area at #VMEXIT.
func (c *CPU) storeGuest(v *svm.VMCB) {
	s := &v.Save
	s.ES = segToVMCB(c.Seg[ES])
	s.CS = segToVMCB(c.Seg[CS])
	s.SS = segToVMCB(c.Seg[SS])
	s.DS = segToVMCB(c.Seg[DS])
	s.GDTR = svm.Segment{Base: c.GDTR.Base, Limit: c.GDTR.Limit}
	s.IDTR = svm.Segment{Base: c.IDTR.Base, Limit: c.IDTR.Limit}
	s.EFER, s.CR0, s.CR2, s.CR3, s.CR4 = c.EFER, c.CR0, c.CR2, c.CR3, c.CR4
	s.DR6, s.DR7 = c.DR[6], c.DR[7]
	s.RFLAGS = c.Flags()
	s.RIP, s.RSP, s.RAX = c.RIP, c.GPR[RSP], c.GPR[RAX]
	s.CPL = c.CPL
	v.IntCtl = v.IntCtl&^svm.IntCtlVTPRMask | uint32(c.CR8&0xf)
	v.IntState = 0
	if c.Insns < c.shadowEnd {
		v.IntState |= svm.IntStateInterruptShadow
	}
	if c.RFLAGS&FlagIF != 0 {
		v.IntState |= svm.IntStateGuestInterruptMask
	}
}

// VMExit describes how VMRun ended. The exit itself is in the VMCB
// (EXITCODE and friends); Reason says whether there was one.
type VMExit struct {
	// Reason is ExitVMExit for a #VMEXIT (including VMEXIT_INVALID), or one
	// of the Run reasons when the guest did not exit: ExitBudget (the
	// time slice ran out), ExitStop, ExitHalt (HLT not intercepted),
	// ExitUnsupported, ExitShutdown (shutdown not intercepted).
	Reason ExitReason
	Detail string
}

// ExitVMExit means VMRun ended with a #VMEXIT written into the VMCB.
const ExitVMExit ExitReason = 100

// VMRun runs the guest described by vmcb until a #VMEXIT, or until Insns
// reaches limit (then the guest state is written back as for a #VMEXIT but
// EXITCODE is VMEXIT_INTR, as a host timer interrupt would cause, and Reason
// is ExitBudget). It is the software VMRUN instruction executed by L0.
//
// Precondition: not already in guest mode.
func (c *CPU) VMRun(vmcb *svm.VMCB, limit uint64) VMExit {
	v := vmcb
	if !c.checkVMCB(v) {
		// VMEXIT_INVALID: nothing else changes (APM 15.5.1).
		v.ExitCode = svm.ExitInvalid
		v.ExitInfo1, v.ExitInfo2 = 0, 0
		v.ExitIntInfo = 0
		v.EventInj = 0
		c.gif = false
		return VMExit{Reason: ExitVMExit}
	}
	c.guest.vmcb = v
	// NMI blocking is not part of the VMCB: a guest starts unblocked and
	// its hypervisor tracks NMI windows itself (IRET intercept).
	c.nmiBlocked = false
	c.icpt = v.Intercepts
	c.npEnabled = c.hasSVM(svm.FeatureNP) && v.MiscCtl&svm.MiscCtlNPEnable != 0
	c.gif = true
	c.guestTSCOffset = v.TSCOffset
	c.loadGuest(v)
	c.tlb.flushAll() // the soft TLB is not tagged by ASID
	c.exit = svmExit{}
	c.vintr = v.IntCtl&svm.IntCtlVIRQ != 0
	if c.vintr {
		c.attn.Or(attnVIRQ)
	}

	ex := c.vmrunInject(v)
	if ex.Reason == 0 {
		ex = c.runGuest(limit)
	}
	if ex.Reason != ExitVMExit && ex.Reason != ExitBudget && ex.Reason != ExitStop {
		// The guest did not exit (unsupported feature, unintercepted
		// shutdown or HLT): report it, with the state written back.
		c.storeGuest(v)
		c.leaveGuest()
		return ex
	}
	if ex.Reason != ExitVMExit {
		c.exit = svmExit{code: svm.ExitINTR}
	}
	c.finishVMExit(v)
	return ex
}

// runGuest runs guest instructions until a #VMEXIT or another exit.
func (c *CPU) runGuest(limit uint64) VMExit {
	for {
		if c.Halted() {
			if !c.interruptDeliverable() {
				return VMExit{Reason: ExitHalt}
			}
			c.setHalted(false)
		}
		if c.Insns >= limit {
			return VMExit{Reason: ExitBudget}
		}
		r, stop := c.runBatch(limit)
		if c.exitPending {
			c.exitPending = false
			return VMExit{Reason: ExitVMExit}
		}
		if stop {
			return VMExit(r)
		}
	}
}

// finishVMExit writes the guest state and the exit information into the
// VMCB and leaves guest mode.
func (c *CPU) finishVMExit(v *svm.VMCB) {
	c.storeGuest(v)
	e := &c.exit
	v.ExitCode = e.code
	v.ExitInfo1, v.ExitInfo2 = e.info1, e.info2
	v.ExitIntInfo = e.exitIntInfo
	if c.hasSVM(svm.FeatureNRIPS) {
		v.NRIP = e.nrip
	}
	if c.hasSVM(svm.FeatureDecodeAssists) {
		v.InsnLen = e.insnLen
		v.InsnBytes = e.insnBytes
	}
	v.EventInj = 0
	if c.vintr {
		v.IntCtl |= svm.IntCtlVIRQ
	} else {
		v.IntCtl &^= svm.IntCtlVIRQ
	}
	c.leaveGuest()
}

// leaveGuest ends guest mode: GIF is cleared, intercepts are off.
func (c *CPU) leaveGuest() {
	c.guest.vmcb = nil
	c.nmiBlocked = false
	c.npEnabled = false
	c.icpt = [6]uint32{}
	c.gif = false
	c.guestTSCOffset = 0
	c.attn.And(^uint32(attnVIRQ))
	c.vintr = false
	c.tlb.flushAll()
	c.icode.resetFetch()
}

// vmrunInject delivers EVENTINJ before the first guest instruction. Its
// delivery ignores IF, the interrupt shadow and the exception intercepts;
// an intercepted exception raised while delivering it exits with the event
// in EXITINTINFO.
func (c *CPU) vmrunInject(v *svm.VMCB) VMExit {
	e := v.EventInj
	if !e.Valid() {
		return VMExit{}
	}
	ev := Event{Vector: e.Vector(), HasError: e.HasErrCode(), Error: e.ErrCode(), injected: true}
	ret := c.RIP
	switch e.Type() {
	case svm.EventTypeIntr:
		ev.Kind = EventExtInt
	case svm.EventTypeNMI:
		ev.Kind, ev.Vector = EventNMI, VecNMI
	case svm.EventTypeException:
		ev.Kind = EventException
		if ev.Vector == VecBP || ev.Vector == VecOF {
			ev.Soft = true
			ret = c.injectRetRIP(v)
		}
	case svm.EventTypeSoftInt:
		ev.Kind, ev.Soft = EventSoftInt, true
		ret = c.injectRetRIP(v)
	}
	switch c.raiseEventSVM(ev, ret, 0, true) {
	case evVMExit:
		return VMExit{Reason: ExitVMExit}
	case evShutdown:
		return VMExit{Reason: ExitShutdown, Detail: c.detail}
	case evUnsupported:
		return VMExit{Reason: ExitUnsupported, Detail: c.detail}
	}
	if ev.Kind == EventNMI {
		c.nmiBlocked = true // only a delivered NMI blocks further NMIs
	}
	return VMExit{}
}

// injectRetRIP is the return address of an injected soft event: NRIP with
// NRIPS, the VMCB's RIP without (L0 must then advance RIP itself).
func (c *CPU) injectRetRIP(v *svm.VMCB) uint64 {
	if c.hasSVM(svm.FeatureNRIPS) {
		return v.NRIP
	}
	return c.RIP
}

// toSVMEvent encodes an event for EXITINTINFO.
func toSVMEvent(ev Event) svm.Event {
	t := svm.EventType(ev.Kind)
	var e svm.Event
	if ev.HasError {
		e = svm.NewEventErr(t, ev.Vector, ev.Error)
	} else {
		e = svm.NewEvent(t, ev.Vector)
	}
	return e
}
