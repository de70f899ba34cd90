package x86

import (
	"fmt"

	"github.com/govmm/govmm/x86/svm"
)

// ExitReason says why Run returned.
type ExitReason uint8

// Exit reasons.
const (
	ExitBudget      ExitReason = iota // the instruction budget ran out
	ExitStop                          // RequestStop was called (e.g. isa-debug-exit)
	ExitHalt                          // HLT with no interrupt to wake the CPU
	ExitShutdown                      // triple fault: the CPU entered shutdown
	ExitUnsupported                   // the guest used a feature govmm does not model
)

var exitNames = [...]string{"budget", "stop", "halt", "shutdown", "unsupported"}

func (r ExitReason) String() string {
	if int(r) < len(exitNames) {
		return exitNames[r]
	}
	return fmt.Sprintf("ExitReason(%d)", r)
}

// Exit describes why Run returned.
type Exit struct {
	Reason ExitReason
	// Detail explains a shutdown or an unsupported feature in one line.
	Detail string
}

// unsupportedPanic stops the CPU on a feature it does not model.
type unsupportedPanic struct{}

func (c *CPU) unsupported(format string, args ...any) {
	c.detail = fmt.Sprintf(format, args...)
	panic(unsupportedPanic{})
}

// Run executes instructions until an exit condition or until Insns reaches
// limit.
func (c *CPU) Run(limit uint64) Exit {
	for {
		if c.Halted() {
			if !c.interruptDeliverable() {
				return Exit{Reason: ExitHalt}
			}
			c.setHalted(false)
		}
		if c.Insns >= limit {
			return Exit{Reason: ExitBudget}
		}
		r, stop := c.runBatch(limit)
		if stop {
			return r
		}
	}
}

// runBatch runs the hot loop until something needs the outer loop: an exit,
// or a fault (recovered here and delivered).
func (c *CPU) runBatch(limit uint64) (ex Exit, stop bool) {
	defer func() {
		if r := recover(); r != nil {
			switch r.(type) {
			case faultPanic:
				ex, stop = c.handleFault()
			case vmexitPanic:
				c.exitPending = true
				ex, stop = Exit{Reason: ExitVMExit}, true
			case unsupportedPanic:
				ex, stop = Exit{Reason: ExitUnsupported, Detail: c.detail}, true
			default:
				panic(r)
			}
		}
	}()
	// in is the next instruction when a cache link already names it; prev
	// is the instruction just executed when a link from it is still to be
	// recorded (link says which). Nothing is fetched until the budget and
	// pending events have been checked, so a fetch fault never preempts an
	// interrupt or outlives the budget.
	var in, prev *Inst
	var link uint8 // 1: prev.succ, 2: prev.br
	var prevTag, prevGen uint64
	for c.Insns < limit {
		if a := c.attn.Load(); (a != 0 || c.RFLAGS&(FlagTF|FlagRF) != 0) && !c.intrMaskedOnly(a) {
			in, prev = nil, nil
			if ex, stop := c.slowStep(); stop {
				return ex, true
			}
			continue
		}
		if in == nil {
			in = c.fetchCurrent()
			if prev != nil && prevTag == c.icode.fetchTag && prevGen == c.icode.gen && prev != &c.scratch && in != &c.scratch {
				if link == 1 {
					prev.succ = in
				} else {
					prev.br, prev.brIP = in, c.RIP
				}
			}
			prev = nil
		} else {
			c.next = c.RIP + uint64(in.Len)
			if c.mode != Mode64 {
				if c.next-1 > uint64(c.Seg[CS].Limit) {
					c.raiseGP(0)
				}
				c.next = c.wrapIP(c.next)
			}
		}
		fall, gen := c.next, c.icode.gen
		in.exec(c, in)
		c.RIP = c.next
		c.Insns++
		if c.icode.gen != gen {
			in = nil // paging, mode or code changed: look up afresh
			continue
		}
		if c.next != fall {
			// A branch: follow the cached target if this one went there.
			if s := in.br; s != nil && in.brIP == c.RIP && s.Mode == c.mode && c.linearPage(c.RIP) == c.icode.fetchTag {
				in = s
				continue
			}
			prev, link = in, 2
		} else {
			if s := in.succ; s != nil && s.Mode == c.mode {
				in = s
				continue
			}
			prev, link = in, 1
		}
		prevTag, prevGen = c.icode.fetchTag, gen
		in = nil
	}
	return Exit{Reason: ExitBudget}, true
}

// linearPage returns the fetch tag (linear page | tlbValid) of CS:ip.
func (c *CPU) linearPage(ip uint64) uint64 {
	if c.mode != Mode64 {
		ip = (c.Seg[CS].Base + ip) & 0xffffffff
	}
	return ip>>12 | tlbValid
}

// intrMaskedOnly reports whether the only reasons to leave the fast path
// are interrupts that cannot be taken while RFLAGS.IF is clear: the INTR
// line without V_INTR_MASKING (with it, the host's IF governs) and a
// pending V_IRQ. Instructions then run at full speed until one sets IF,
// and the next boundary takes the slow step again.
func (c *CPU) intrMaskedOnly(a uint32) bool {
	if a&^(attnIntr|attnVIRQ) != 0 || c.RFLAGS&(FlagIF|FlagTF|FlagRF) != 0 {
		return false
	}
	return a&attnIntr == 0 || c.intrMaskedByIF()
}

// intrMaskedByIF reports whether RFLAGS.IF masks the INTR line now: always
// outside guest mode; in guest mode unless V_INTR_MASKING hands the masking
// to the host's IF (always set for L0).
func (c *CPU) intrMaskedByIF() bool {
	return c.RFLAGS&FlagIF == 0 && (c.guest.vmcb == nil || c.guest.vmcb.IntCtl&svm.IntCtlVIntrMasking == 0)
}

// fetchCurrent returns the instruction at CS:RIP and sets c.next.
func (c *CPU) fetchCurrent() *Inst {
	ip := c.RIP
	if c.mode == Mode64 {
		in := c.fetch(ip)
		c.next = ip + uint64(in.Len)
		return in
	}
	cs := &c.Seg[CS]
	in := c.fetch((cs.Base + ip) & 0xffffffff)
	if ip+uint64(in.Len)-1 > uint64(cs.Limit) {
		c.raiseGP(0)
	}
	c.next = c.wrapIP(ip + uint64(in.Len))
	return in
}

// wrapIP truncates a sequential instruction pointer outside 64-bit mode to
// the width of IP (16-bit code) or EIP: an instruction ending at 64 KiB or
// 4 GiB continues at 0.
func (c *CPU) wrapIP(ip uint64) uint64 {
	if c.mode == Mode16 {
		return ip & 0xffff
	}
	return ip & 0xffffffff
}

// interruptDeliverable reports whether an NMI or an external interrupt can
// be taken at this instruction boundary.
func (c *CPU) interruptDeliverable() bool {
	if c.Insns < c.shadowEnd || !c.gif {
		return false
	}
	if c.attn.Load()&attnNMI != 0 && !c.nmiBlocked {
		return true
	}
	if c.attn.Load()&attnIntr != 0 && !c.intrMaskedByIF() {
		return true
	}
	return c.attn.Load()&attnVIRQ != 0 && c.virtualInterruptReady()
}

// takeInterrupts recognises pending NMIs, external interrupts and (in
// guest mode) virtual interrupts at an instruction boundary, exiting to L0
// where they are intercepted. taken reports that an event was handled.
func (c *CPU) takeInterrupts() (ex Exit, stop, taken bool) {
	if c.Insns < c.shadowEnd {
		return Exit{}, false, false
	}
	if !c.gif {
		return Exit{}, false, false
	}
	if c.attn.Load()&attnNMI != 0 && !c.nmiBlocked {
		if c.intercepted(svm.InterceptNMI) {
			c.exit = svmExit{code: svm.ExitNMI}
			c.exitPending = true
			return Exit{Reason: ExitVMExit}, true, true
		}
		c.attn.And(^uint32(attnNMI))
		c.nmiBlocked = true
		c.setHalted(false)
		return c.eventResultExit(c.raiseEventSVM(Event{Vector: VecNMI, Kind: EventNMI}, c.RIP, 0, false))
	}
	if c.attn.Load()&attnIntr != 0 {
		if !c.intrMaskedByIF() {
			if c.intercepted(svm.InterceptINTR) {
				c.exit = svmExit{code: svm.ExitINTR}
				c.exitPending = true
				return Exit{Reason: ExitVMExit}, true, true
			}
			if vec, ok := c.Platform.AckInterrupt(); ok {
				c.setHalted(false)
				return c.eventResultExit(c.raiseEventSVM(Event{Vector: vec, Kind: EventExtInt}, c.RIP, 0, false))
			}
		}
	}
	if c.attn.Load()&attnVIRQ != 0 && c.virtualInterruptReady() {
		if c.intercepted(svm.InterceptVINTR) {
			c.exit = svmExit{code: svm.ExitVINTR}
			c.exitPending = true
			return Exit{Reason: ExitVMExit}, true, true
		}
		c.vintr = false
		c.attn.And(^uint32(attnVIRQ))
		c.setHalted(false)
		vec := uint8(c.guest.vmcb.IntVector)
		return c.eventResultExit(c.raiseEventSVM(Event{Vector: vec, Kind: EventExtInt}, c.RIP, 0, false))
	}
	return Exit{}, false, false
}

// virtualInterruptReady reports whether the pending V_IRQ can be taken:
// guest IF set, V_GIF set when VGIF is on, and its priority above V_TPR
// unless V_IGN_TPR.
func (c *CPU) virtualInterruptReady() bool {
	v := c.guest.vmcb
	if v == nil || !c.vintr || c.RFLAGS&FlagIF == 0 {
		return false
	}
	if c.hasSVM(svm.FeatureVGIF) && v.IntCtl&svm.IntCtlVGIFEnable != 0 && v.IntCtl&svm.IntCtlVGIF == 0 {
		return false
	}
	if v.IntCtl&svm.IntCtlVIgnTPR == 0 {
		prio := v.IntCtl & svm.IntCtlVIntrPrioMask >> svm.IntCtlVIntrPrioShift
		if uint64(prio) <= c.CR8&0xf {
			return false
		}
	}
	return true
}

// eventResultExit converts the outcome of an event delivery at an
// instruction boundary into the slow step's return values.
func (c *CPU) eventResultExit(r eventResult) (Exit, bool, bool) {
	switch r {
	case evShutdown:
		return Exit{Reason: ExitShutdown, Detail: c.detail}, true, true
	case evUnsupported:
		return Exit{Reason: ExitUnsupported, Detail: c.detail}, true, true
	case evVMExit:
		c.exitPending = true
		return Exit{Reason: ExitVMExit}, true, true
	}
	return Exit{}, false, true
}

// slowStep runs one instruction with everything the hot loop skips:
// stop requests, interrupt recognition, breakpoints, single-step and RF.
func (c *CPU) slowStep() (Exit, bool) {
	if c.attn.Load()&attnStop != 0 {
		c.attn.And(^uint32(attnStop))
		return Exit{Reason: ExitStop}, true
	}
	if ex, stop, taken := c.takeInterrupts(); taken || stop {
		return ex, stop
	}
	if c.Halted() {
		return Exit{Reason: ExitHalt}, true
	}
	in := c.fetchCurrent()
	lin := c.RIP
	if c.mode != Mode64 {
		lin = (c.Seg[CS].Base + c.RIP) & 0xffffffff
	}
	if c.bpExec != 0 && c.RFLAGS&FlagRF == 0 {
		if hit := c.checkExecBP(lin); hit != 0 {
			c.DR[6] = c.DR[6]&^0xf | hit | dr6Fixed
			c.raise(VecDB, 0)
		}
	}
	tf := c.RFLAGS&FlagTF != 0 || c.tfHeld
	c.tfHeld = false
	shadowBefore := c.shadowEnd
	c.dbHits = 0
	// RF is cleared at the start of every instruction, after the
	// instruction-breakpoint check (IRET may set it again).
	c.RFLAGS &^= FlagRF
	in.exec(c, in)
	c.RIP = c.next
	c.Insns++
	if tf && c.shadowEnd != shadowBefore && (in.Op == 0x17 || in.Op == 0x8e && (in.ModRM>>3)&7 == SS) {
		// MOV SS / POP SS: the single-step trap (like interrupts) waits
		// until after the next instruction.
		c.tfHeld, tf = true, false
	}
	if tf || c.dbHits != 0 {
		c.DR[6] = c.DR[6]&^0xf | c.dbHits | dr6Fixed
		if tf {
			c.DR[6] |= dr6BS
		}
		c.dbHits = 0
		if ex, stop, _ := c.eventResultExit(c.raiseEventSVM(Event{Vector: VecDB, Kind: EventException}, c.RIP, 0, false)); stop {
			return ex, true
		}
	}
	if c.Halted() {
		return Exit{Reason: ExitHalt}, true
	}
	return Exit{}, false
}

// handleFault delivers the exception recorded in c.fault (the instruction
// that raised it did not complete), escalating to #DF and shutdown, or
// exiting to L0 when the exception is intercepted.
func (c *CPU) handleFault() (Exit, bool) {
	f := c.fault
	ev := Event{Vector: f.vector, Kind: EventException, HasError: f.hasErr, Error: f.err,
		setCR2: f.setCR2, cr2: f.cr2}
	retRIP := c.RIP
	var nrip uint64
	if f.soft {
		ev.Kind = f.kind
		ev.Soft = !f.icebp
		retRIP = c.next
		// RF was cleared when the instruction started: an intercepted
		// fault while vectoring sees RF = 0, so re-executing the INT3
		// would hit its own instruction breakpoint again.
		c.RFLAGS &^= FlagRF
	}
	if f.fromInsn {
		// #BP/#OF/#BR raised by INT3/INTO/BOUND: an intercept of the
		// exception reports the next instruction in NRIP.
		nrip = c.next
	}
	switch c.raiseEventSVM(ev, retRIP, nrip, false) {
	case evShutdown:
		return Exit{Reason: ExitShutdown, Detail: c.detail}, true
	case evUnsupported:
		return Exit{Reason: ExitUnsupported, Detail: c.detail}, true
	case evVMExit:
		c.exitPending = true
		return Exit{Reason: ExitVMExit}, true
	}
	return Exit{}, false
}

// eventResult is the outcome of delivering an event.
type eventResult uint8

const (
	evDelivered   eventResult = iota // the handler is about to run
	evShutdown                       // triple fault
	evVMExit                         // an intercept fired; c.exit holds the #VMEXIT
	evUnsupported                    // delivery needs something not modelled (a task gate); c.detail says what
)

// raiseEventSVM delivers ev and any exceptions its delivery raises, with
// the double-fault rules and, in guest mode, the exception intercepts: an
// intercepted exception exits with EXITINTINFO naming the event whose
// delivery it interrupted. nrip is the NRIP reported if ev itself is
// intercepted. injected marks EVENTINJ, which is exempt from the intercepts.
func (c *CPU) raiseEventSVM(ev Event, retRIP, nrip uint64, injected bool) eventResult {
	var outer Event // the event being delivered when ev arose
	hasOuter := false
	for {
		if !injected && ev.Kind == EventException && c.intercepted(svm.InterceptExcp(ev.Vector)) {
			c.exit = svmExit{code: svm.ExitExcp(ev.Vector), nrip: nrip}
			if ev.HasError {
				c.exit.info1 = uint64(ev.Error)
			}
			if ev.Vector == VecPF {
				c.exit.info2 = ev.cr2 // CR2 is not written when #PF is intercepted
				c.fillInsnBytes()
			}
			if hasOuter {
				c.exit.exitIntInfo = toSVMEvent(outer)
			}
			return evVMExit
		}
		if ev.setCR2 {
			c.CR2 = ev.cr2
		}
		c.Insns++ // a delivery takes a tick: an exception loop still ends the budget
		c.Deliveries++
		if c.tryDeliver(ev, retRIP) {
			return evDelivered
		}
		if c.deliveryExit {
			c.deliveryExit = false
			return evVMExit
		}
		if c.deliveryUnsupported {
			c.deliveryUnsupported = false
			return evUnsupported
		}
		f := c.fault
		second := Event{Vector: f.vector, Kind: EventException, HasError: f.hasErr, Error: f.err,
			setCR2: f.setCR2, cr2: f.cr2}
		if c.intercepted(svm.InterceptExcp(f.vector)) {
			// An intercepted exception raised while delivering ev exits
			// before any double-fault combination, with ev in EXITINTINFO.
			outer, hasOuter = ev, true
			ev, nrip, injected = second, 0, false
			continue
		}
		first := exceptionClass(ev.Vector)
		if ev.Kind != EventException {
			first = 0
		}
		switch {
		case first == 3:
			if c.intercepted(svm.InterceptShutdown) {
				c.exit = svmExit{code: svm.ExitShutdown}
				return evVMExit
			}
			c.detail = fmt.Sprintf("exception %d while delivering #DF", f.vector)
			return evShutdown
		case first == 1 && exceptionClass(f.vector) == 1,
			first == 2 && (exceptionClass(f.vector) == 1 || f.vector == VecPF):
			second = Event{Vector: VecDF, Kind: EventException, HasError: true}
		}
		outer, hasOuter = ev, true
		ev = second
		retRIP = c.RIP
		nrip = 0 // an exception taken while vectoring reports NRIP = 0
		injected = false
	}
}

// tryDeliver delivers ev, reporting false (with c.fault set) if a fault was
// raised during delivery.
func (c *CPU) tryDeliver(ev Event, retRIP uint64) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			switch r.(type) {
			case faultPanic:
				ok = false
			case vmexitPanic:
				// An NPF while vectoring: the exit reports the event.
				c.exit.exitIntInfo = toSVMEvent(ev)
				c.exit.nrip = 0
				c.deliveryExit = true
				ok = false
			case unsupportedPanic:
				c.deliveryUnsupported = true
				ok = false
			default:
				panic(r)
			}
		}
	}()
	c.deliver(ev, retRIP)
	return true
}
