package nsvm

import (
	"github.com/govmm/govmm/x86"
	"github.com/govmm/govmm/x86/svm"
)

// events is KVM's event model for one vCPU (KVM: vcpu->arch.exception,
// nmi_*, interrupt; svm->soft_int_*).
type events struct {
	// exc is the exception queue: pending = raised by L0 (not yet
	// delivered), injected = was being delivered when an exit interrupted
	// it and must be re-delivered unchanged.
	exc struct {
		pending, injected bool
		vector            uint8
		hasErr            bool
		err               uint32
		cr2               uint64 // #PF payload, written into CR2 when delivered
		hasCR2            bool
	}
	nmiPending, nmiInjected bool
	nmiMasked               bool   // an NMI handler runs (until IRET)
	iretRIP                 uint64 // RIP of the IRET that will unmask NMIs (0: not waiting)
	irq                     struct {
		injected bool
		vector   uint8
		soft     bool // INTn (type 4)
	}
	// soft is the soft-interrupt tracking of the last soft event L0
	// injected (KVM: soft_int_injected, soft_int_csbase, soft_int_old_rip,
	// soft_int_next_rip).
	soft struct {
		injected        bool
		csbase          uint64
		oldRIP, nextRIP uint64
	}
	// known is the soft state of an interrupted soft event that is being
	// requeued: its re-injection reuses next_rip instead of decoding (the
	// event may have no backing instruction: L1 injected it).
	known struct {
		valid           bool
		csbase          uint64
		oldRIP, nextRIP uint64
	}
	irqWindow bool // V_IRQ + VINTR intercept armed to catch IF=1

	// vmexit is an exception L0 raised for L2 that L1 intercepts: it
	// becomes a nested #VMEXIT, leaving the interrupted event queued so it
	// lands in vmcb12's EXITINTINFO (KVM: exception_vmexit).
	vmexit struct {
		valid  bool
		vector uint8
		hasErr bool
		err    uint32
		cr2    uint64
	}
}

// exceptionClass is used to combine exceptions (double-fault rules).
func exceptionClass(v uint8) int {
	switch v {
	case x86.VecDE, x86.VecTS, x86.VecNP, x86.VecSS, x86.VecGP:
		return 1
	case x86.VecPF:
		return 2
	case x86.VecDF:
		return 3
	}
	return 0
}

// queueException raises an exception for L1, combining it with an event
// already being (re-)delivered the way the processor would: contributory on
// contributory, or contributory/#PF on #PF, becomes #DF; a fault while
// delivering #DF is a triple fault (reported as false). Otherwise the new
// exception wins and the interrupted one is regenerated when its instruction
// re-executes. KVM: kvm_multiple_exception.
func (v *VCPU) queueException(vec uint8, hasErr bool, errCode uint32) bool {
	if v.nested.active && v.nested.ctl12.Intercepted(svm.InterceptExcp(vec)) {
		x := &v.ev.vmexit
		x.valid, x.vector, x.hasErr, x.err, x.cr2 = true, vec, hasErr, errCode, 0
		return true
	}
	e := &v.ev.exc
	if e.pending || e.injected {
		c1, c2 := exceptionClass(e.vector), exceptionClass(vec)
		switch {
		case c1 == 3:
			return false
		case c1 == 1 && c2 == 1, c1 == 2 && (c2 == 1 || c2 == 2):
			vec, hasErr, errCode = x86.VecDF, true, 0
		}
	}
	e.pending, e.injected = true, false
	e.vector, e.hasErr, e.err, e.hasCR2 = vec, hasErr, errCode, false
	return true
}

// queuePF raises #PF with CR2 = addr.
func (v *VCPU) queuePF(addr uint64, errCode uint32) bool {
	if !v.queueException(x86.VecPF, true, errCode) {
		return false
	}
	if v.ev.vmexit.valid && v.ev.vmexit.vector == x86.VecPF {
		v.ev.vmexit.cr2 = addr
		return true
	}
	if v.ev.exc.vector == x86.VecPF {
		v.ev.exc.cr2, v.ev.exc.hasCR2 = addr, true
	}
	return true
}

// softException reports whether an exception vector is a soft one when
// raised by INT3/INTO (KVM: kvm_exception_is_soft).
func softException(vec uint8) bool { return vec == x86.VecBP || vec == x86.VecOF }

// injectEvents programs EVENTINJ for the next VMRUN, in KVM's priority
// order: a re-injected exception, a pending exception, a re-injected NMI,
// a re-injected interrupt, then new NMIs and interrupts (opening a window
// when they cannot be taken yet). It reports false when the VM must stop.
// KVM: kvm_check_and_inject_events.
func (v *VCPU) injectEvents() (Stop, bool) {
	vm := &v.cur.vmcb
	v.closeIRQWindow()
	if v.nested.runPending {
		// vmcb02's EVENTINJ is L1's, delivered by this VMRUN; an event
		// of L0's must wait for the next entry, which comes at once.
		v.immediateExit = v.ev.nmiPending || v.host.InterruptPending()
		return Stop{}, true
	}
	vm.EventInj = 0
	if v.host.TakeNMI() {
		v.ev.nmiPending = true
	}
	e := &v.ev.exc
	if v.nested.active {
		// An exception L0 raised for L2 that L1 intercepts becomes a nested
		// #VMEXIT; so does a pending interrupt when L1 intercepts INTR.
		// KVM: svm_check_nested_events.
		c12 := &v.nested.ctl12
		if x := v.ev.vmexit; x.valid {
			info1 := uint64(0)
			if x.hasErr {
				info1 = uint64(x.err)
			}
			v.ev.vmexit.valid = false
			v.nested.setNRIP0 = true // exceptions raised by L0 carry no next RIP
			v.nestedVMExit(svm.ExitExcp(x.vector), info1, x.cr2)
			return v.injectEvents()
		}
		idle := !e.pending && !e.injected && !v.ev.nmiInjected && !v.ev.irq.injected
		if idle && v.ev.nmiPending && c12.Intercepted(svm.InterceptNMI) {
			v.nestedVMExit(svm.ExitNMI, 0, 0)
			return v.injectEvents()
		}
		if idle && v.host.InterruptPending() && c12.Intercepted(svm.InterceptINTR) && v.l1InterruptsOpen() {
			v.nestedVMExit(svm.ExitINTR, 0, 0)
			return v.injectEvents()
		}
	}
	switch {
	case e.injected || e.pending:
		if e.pending && e.hasCR2 {
			vm.Save.CR2 = e.cr2 // the #PF payload lands when it is delivered
		}
		reinjected := e.injected
		e.pending, e.injected = false, true
		if softException(e.vector) && !e.hasErr {
			// KVM: svm_inject_exception → svm_update_soft_interrupt_rip.
			if !v.updateSoftIntRIP(e.vector, svm.EventTypeException) {
				e.injected = false // the code changed: drop it, retry the instruction
				return Stop{}, true
			}
		}
		ev := svm.NewEvent(svm.EventTypeException, e.vector)
		if e.hasErr {
			ev = svm.NewEventErr(svm.EventTypeException, e.vector, e.err)
		}
		_ = reinjected
		vm.EventInj = ev
	case v.ev.nmiInjected:
		vm.EventInj = svm.NewEvent(svm.EventTypeNMI, x86.VecNMI)
	case v.ev.irq.injected:
		v.injectIRQ()
	case v.ev.nmiPending && v.nmiAllowed():
		v.ev.nmiPending, v.ev.nmiInjected, v.ev.nmiMasked = false, true, true
		vm.SetIntercept(svm.InterceptIRET) // the NMI window opens at IRET
		vm.EventInj = svm.NewEvent(svm.EventTypeNMI, x86.VecNMI)
	case v.host.InterruptPending():
		if !v.interruptAllowed() {
			if v.gif {
				v.openIRQWindow() // IF or the shadow block it; GIF=0 waits for STGI
			}
			break
		}
		vec, ok := v.host.AckInterrupt()
		if ok {
			v.ev.irq.injected, v.ev.irq.vector, v.ev.irq.soft = true, vec, false
			v.injectIRQ()
		}
	}
	return Stop{}, true
}

// injectIRQ programs EVENTINJ for the queued interrupt. KVM: svm_inject_irq.
func (v *VCPU) injectIRQ() {
	q := &v.ev.irq
	if q.soft {
		if !v.updateSoftIntRIP(q.vector, svm.EventTypeSoftInt) {
			q.injected = false
			return
		}
		v.cur.vmcb.EventInj = svm.NewEvent(svm.EventTypeSoftInt, q.vector)
		return
	}
	v.cur.vmcb.EventInj = svm.NewEvent(svm.EventTypeIntr, q.vector)
}

// l1InterruptsOpen reports whether a physical interrupt can reach L1
// while L2 runs: with V_INTR_MASKING, L1's own RFLAGS.IF (saved at VMRUN)
// masks it; without, L2's IF does.
func (v *VCPU) l1InterruptsOpen() bool {
	if v.nested.ctl12.IntCtl&svm.IntCtlVIntrMasking != 0 {
		return v.l1.vmcb.Save.RFLAGS&x86.FlagIF != 0
	}
	return v.l2.vmcb.Save.RFLAGS&x86.FlagIF != 0
}

// interruptAllowed: GIF set, IF set, no interrupt shadow.
// KVM: svm_interrupt_allowed.
func (v *VCPU) interruptAllowed() bool {
	return v.gif && v.cur.vmcb.Save.RFLAGS&x86.FlagIF != 0 && v.cur.vmcb.IntState&svm.IntStateInterruptShadow == 0
}

// nmiAllowed: GIF set, NMIs not masked, no interrupt shadow.
func (v *VCPU) nmiAllowed() bool {
	return v.gif && !v.ev.nmiMasked && v.cur.vmcb.IntState&svm.IntStateInterruptShadow == 0
}

// openIRQWindow asks the CPU to exit (VINTR) as soon as L1 can take an
// interrupt: a dummy V_IRQ that is never delivered. KVM: svm_enable_irq_window.
func (v *VCPU) openIRQWindow() {
	vm := &v.cur.vmcb
	vm.IntCtl |= svm.IntCtlVIRQ | svm.IntCtlVIgnTPR
	vm.SetIntercept(svm.InterceptVINTR)
	v.ev.irqWindow = true
}

// closeIRQWindow removes the dummy V_IRQ. KVM: svm_clear_vintr.
func (v *VCPU) closeIRQWindow() {
	if !v.ev.irqWindow {
		return
	}
	vm := &v.cur.vmcb
	vm.IntCtl &^= svm.IntCtlVIRQ | svm.IntCtlVIgnTPR
	vm.ClearIntercept(svm.InterceptVINTR)
	v.ev.irqWindow = false
}

// linearRIP is CS.base + RIP (truncated outside 64-bit mode).
func (v *VCPU) linearRIP() uint64 {
	s := &v.cur.vmcb.Save
	if v.long64() {
		return s.RIP
	}
	return (s.CS.Base + s.RIP) & 0xffffffff
}

// long64 reports whether L1 runs 64-bit code.
func (v *VCPU) long64() bool {
	return v.cur.efer&x86.EFERLMA != 0 && v.cur.vmcb.Save.CS.Attrib&svm.SegAttribL != 0
}

// updateSoftIntRIP prepares the injection of a soft event: it finds the
// return address (the silicon's NRIP when it gave one, else by decoding
// the instruction at RIP and checking it is the matching INT3/INTO/INTn),
// records the soft_int state, and either stuffs NRIP (NRIPS) or advances
// RIP (no NRIPS). It reports false when the instruction at RIP is not the
// event's (the code changed): the event must then be dropped.
// KVM: svm_update_soft_interrupt_rip (skip, then unwind).
func (v *VCPU) updateSoftIntRIP(vec uint8, t svm.EventType) bool {
	s := &v.cur.vmcb.Save
	nrips := v.cpu.SVMFeatures()&svm.FeatureNRIPS != 0
	oldRIP := s.RIP
	next := v.cur.vmcb.NRIP
	if k := v.ev.known; k.valid && s.CS.Base+oldRIP == k.csbase+k.oldRIP {
		next = k.nextRIP
		v.ev.known.valid = false
	} else if !nrips || next == 0 {
		in, ok := v.decodeAtRIP()
		if !ok || !matchesSoftEvent(in, vec, t) {
			return false
		}
		next = v.ripAfter(in)
	}
	v.ev.soft.injected = true
	v.ev.soft.csbase = s.CS.Base
	v.ev.soft.oldRIP, v.ev.soft.nextRIP = oldRIP, next
	if nrips {
		v.cur.vmcb.NRIP = next // the CPU pushes NRIP; RIP stays on the instruction
	} else {
		s.RIP = next // the CPU pushes RIP: advance it (unwound if injection fails)
		// A fault the delivery itself raises (#NP, #GP, #SS, #TS) would
		// be pushed with the advanced RIP; intercept them for this entry
		// so L0 can unwind RIP and deliver the fault at the instruction.
		v.faultTraps = true
	}
	return true
}

// matchesSoftEvent reports whether in is the instruction that raises the
// soft event (vec, t): CC for #BP, CE for #OF, CD ib for INTn.
func matchesSoftEvent(in x86.Inst, vec uint8, t svm.EventType) bool {
	switch {
	case t == svm.EventTypeException && vec == x86.VecBP:
		return in.Op == 0xcc
	case t == svm.EventTypeException && vec == x86.VecOF:
		return in.Op == 0xce
	case t == svm.EventTypeSoftInt:
		return in.Op == 0xcd && uint8(in.Imm) == vec
	}
	return false
}

// completeInterrupts runs after every exit: it clears the injected queues
// and requeues the event EXITINTINFO says was being delivered, completing
// soft events (re-stuff NRIP, or unwind RIP without NRIPS).
// KVM: svm_complete_interrupts / svm_complete_soft_interrupt.
func (v *VCPU) completeInterrupts() {
	vm := &v.cur.vmcb
	softWas := v.ev.soft.injected
	v.ev.soft.injected = false
	v.ev.known.valid = false
	if v.ev.iretRIP != 0 && vm.Save.RIP != v.ev.iretRIP {
		v.ev.nmiMasked, v.ev.iretRIP = false, 0 // the IRET completed
	}
	v.ev.nmiInjected = false
	v.ev.exc.injected = false
	v.ev.irq.injected = false
	e := vm.ExitIntInfo
	if !e.Valid() {
		return
	}
	vec, t := e.Vector(), e.Type()
	soft := t == svm.EventTypeSoftInt || t == svm.EventTypeException && softException(vec)
	if softWas && !v.retired {
		// The soft event L0 injected was not delivered (no instruction
		// retired since): re-stuff or unwind. Checking retirement avoids
		// KVM's known false positive, an unrelated exception that happens
		// to be raised at next_rip after the handler ran.
		v.completeSoftInterrupt(soft, t == svm.EventTypeException)
	}
	switch t {
	case svm.EventTypeNMI:
		v.ev.nmiInjected = true
	case svm.EventTypeException:
		if soft && v.cfg.SoftInt == SoftIntRetry {
			return // pre-2022 KVM: re-execute INT3/INTO instead
		}
		q := &v.ev.exc
		q.pending, q.injected = false, true
		q.vector, q.hasErr, q.err, q.hasCR2 = vec, e.HasErrCode(), e.ErrCode(), false
	case svm.EventTypeIntr:
		v.ev.irq.injected, v.ev.irq.vector, v.ev.irq.soft = true, vec, false
	case svm.EventTypeSoftInt:
		if v.cfg.SoftInt == SoftIntRetry {
			return // pre-2022 KVM: INTn was simply re-executed
		}
		v.ev.irq.injected, v.ev.irq.vector, v.ev.irq.soft = true, vec, true
	}
}

// completeSoftInterrupt handles an exit that interrupted a soft event L0
// had injected. With NRIPS, if the guest has not moved, NRIP is re-stuffed
// from the saved next_rip so the re-injection needs no decoding (this is
// what keeps events without a backing instruction alive). Without NRIPS, RIP
// was advanced for the injection and is unwound if the guest is still at
// next_rip (for any exception reported, e.g. an INTn → #NP → #PF chain).
func (v *VCPU) completeSoftInterrupt(soft, exception bool) {
	s := &v.cur.vmcb.Save
	sv := &v.ev.soft
	lin := v.linearRIP()
	if v.cpu.SVMFeatures()&svm.FeatureNRIPS != 0 {
		if soft && lin == sv.csbase+sv.oldRIP {
			v.cur.vmcb.NRIP = sv.nextRIP
			v.ev.known.valid, v.ev.known.csbase, v.ev.known.oldRIP, v.ev.known.nextRIP = true, sv.csbase, sv.oldRIP, sv.nextRIP
		}
		return
	}
	if (soft || exception) && lin == sv.csbase+sv.nextRIP {
		s.RIP = sv.oldRIP
		if soft {
			v.ev.known.valid, v.ev.known.csbase, v.ev.known.oldRIP, v.ev.known.nextRIP = true, sv.csbase, sv.oldRIP, sv.nextRIP
		}
	}
}

// deliveryFaults are the exceptions an INT n delivery can raise.
var deliveryFaults = [...]uint8{x86.VecTS, x86.VecNP, x86.VecSS, x86.VecGP}

// armFaultTraps sets, for one entry, the intercepts of the faults a soft
// event's delivery can raise, when that event was injected with RIP
// advanced (no NRIPS). It returns the intercepts it added.
func (v *VCPU) armFaultTraps() []svm.Intercept {
	if !v.faultTraps {
		return nil
	}
	v.faultTraps = false
	var added []svm.Intercept
	for _, vec := range deliveryFaults {
		i := svm.InterceptExcp(vec)
		if !v.cur.vmcb.Intercepted(i) {
			v.cur.vmcb.SetIntercept(i)
			added = append(added, i)
		}
	}
	return added
}

// disarmFaultTraps removes the intercepts armFaultTraps added.
func (v *VCPU) disarmFaultTraps(added []svm.Intercept) {
	for _, i := range added {
		v.cur.vmcb.ClearIntercept(i)
	}
	if len(added) > 0 {
		v.trapped = v.cur.vmcb.ExitCode.IsException() && containsIntercept(added, svm.Intercept(v.cur.vmcb.ExitCode))
	}
}

func containsIntercept(list []svm.Intercept, i svm.Intercept) bool {
	for _, x := range list {
		if x == i {
			return true
		}
	}
	return false
}
