package x86

import "fmt"

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
			case unsupportedPanic:
				ex, stop = Exit{Reason: ExitUnsupported, Detail: c.detail}, true
			default:
				panic(r)
			}
		}
	}()
	// in is the next instruction when it is already known: the cached
	// successor of a fall-through instruction on the same code page.
	var in *Inst
	for c.Insns < limit {
		if c.attn != 0 || c.RFLAGS&(FlagTF|FlagRF) != 0 {
			in = nil
			if ex, stop := c.slowStep(); stop {
				return ex, true
			}
			continue
		}
		if in == nil {
			in = c.fetchCurrent()
		}
		fall, gen := c.next, c.icode.gen
		in.exec(c, in)
		c.RIP = c.next
		c.Insns++
		if c.icode.gen != gen {
			in = nil // paging, mode or code changed: look up afresh
			continue
		}
		var s *Inst
		if c.next != fall {
			// A branch: follow the cached target if this one went there.
			if s = in.br; s == nil || in.brIP != c.RIP || s.Mode != c.mode || c.linearPage(c.RIP) != c.icode.fetchTag {
				prev, tag := in, c.icode.fetchTag
				in = c.fetchCurrent()
				if tag == c.icode.fetchTag && c.icode.gen == gen && prev != &c.scratch && in != &c.scratch {
					prev.br, prev.brIP = in, c.RIP
				}
				continue
			}
		} else if s = in.succ; s == nil || s.Mode != c.mode {
			prev, tag := in, c.icode.fetchTag
			in = c.fetchCurrent()
			if tag == c.icode.fetchTag && c.icode.gen == gen && prev != &c.scratch && in != &c.scratch {
				prev.succ = in
			}
			continue
		}
		in = s
		c.next = c.RIP + uint64(s.Len)
		if c.mode != Mode64 {
			if c.next-1 > uint64(c.Seg[CS].Limit) {
				c.raiseGP(0)
			}
			if c.mode == Mode16 {
				c.next &= 0xffff
			}
		}
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
	c.next = ip + uint64(in.Len)
	if c.mode == Mode16 {
		c.next &= 0xffff
	}
	return in
}

// interruptDeliverable reports whether an NMI or an external interrupt can
// be taken at this instruction boundary.
func (c *CPU) interruptDeliverable() bool {
	if c.Insns <= c.intShadow && c.intShadow != 0 {
		return false
	}
	if c.attn&attnNMI != 0 && !c.nmiBlocked {
		return true
	}
	return c.attn&attnIntr != 0 && c.RFLAGS&FlagIF != 0
}

// slowStep runs one instruction with everything the hot loop skips:
// stop requests, interrupt recognition, breakpoints, single-step and RF.
func (c *CPU) slowStep() (Exit, bool) {
	if c.attn&attnStop != 0 {
		c.attn &^= attnStop
		return Exit{Reason: ExitStop}, true
	}
	shadow := c.intShadow != 0 && c.Insns <= c.intShadow
	if !shadow {
		if c.attn&attnNMI != 0 && !c.nmiBlocked {
			c.attn &^= attnNMI
			c.nmiBlocked = true
			c.setHalted(false)
			if !c.raiseEvent(Event{Vector: VecNMI, Kind: EventNMI}, c.RIP) {
				return Exit{Reason: ExitShutdown, Detail: c.detail}, true
			}
			return Exit{}, false
		}
		if c.attn&attnIntr != 0 && c.RFLAGS&FlagIF != 0 {
			vec, ok := c.Platform.AckInterrupt()
			if ok {
				c.setHalted(false)
				if !c.raiseEvent(Event{Vector: vec, Kind: EventExtInt}, c.RIP) {
					return Exit{Reason: ExitShutdown, Detail: c.detail}, true
				}
				return Exit{}, false
			}
		}
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
	tf := c.RFLAGS&FlagTF != 0
	c.dbHits = 0
	c.keepRF = false
	in.exec(c, in)
	c.RIP = c.next
	c.Insns++
	if c.RFLAGS&FlagRF != 0 && !c.keepRF {
		c.RFLAGS &^= FlagRF // RF lasts for one completed instruction
	}
	c.keepRF = false
	if tf || c.dbHits != 0 {
		c.DR[6] = c.DR[6]&^0xf | c.dbHits | dr6Fixed
		if tf {
			c.DR[6] |= dr6BS
		}
		c.dbHits = 0
		if !c.raiseEvent(Event{Vector: VecDB, Kind: EventException}, c.RIP) {
			return Exit{Reason: ExitShutdown, Detail: c.detail}, true
		}
	}
	if c.Halted() {
		return Exit{Reason: ExitHalt}, true
	}
	return Exit{}, false
}

// handleFault delivers the exception recorded in c.fault (the instruction
// that raised it did not complete), escalating to #DF and shutdown.
func (c *CPU) handleFault() (Exit, bool) {
	f := c.fault
	ev := Event{Vector: f.vector, Kind: EventException, HasError: f.hasErr, Error: f.err}
	retRIP := c.RIP
	if f.soft {
		ev.Kind = f.kind
		ev.Soft = true
		retRIP = c.next
	}
	if f.setCR2 {
		c.CR2 = f.cr2
	}
	if !c.raiseEvent(ev, retRIP) {
		return Exit{Reason: ExitShutdown, Detail: c.detail}, true
	}
	return Exit{}, false
}

// raiseEvent delivers ev and any exceptions its delivery raises, with the
// double-fault rules. It reports false when the CPU shuts down.
func (c *CPU) raiseEvent(ev Event, retRIP uint64) bool {
	for {
		if c.tryDeliver(ev, retRIP) {
			return true
		}
		f := c.fault
		if f.setCR2 {
			c.CR2 = f.cr2
		}
		second := Event{Vector: f.vector, Kind: EventException, HasError: f.hasErr, Error: f.err}
		first := exceptionClass(ev.Vector)
		if ev.Kind != EventException {
			first = 0
		}
		switch {
		case first == 3:
			c.detail = fmt.Sprintf("exception %d while delivering #DF", f.vector)
			return false
		case first == 1 && exceptionClass(f.vector) == 1,
			first == 2 && (exceptionClass(f.vector) == 1 || f.vector == VecPF):
			second = Event{Vector: VecDF, Kind: EventException, HasError: true}
		}
		ev = second
		retRIP = c.RIP
	}
}

// tryDeliver delivers ev, reporting false (with c.fault set) if a fault was
// raised during delivery.
func (c *CPU) tryDeliver(ev Event, retRIP uint64) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, isFault := r.(faultPanic); !isFault {
				panic(r)
			}
			ok = false
		}
	}()
	c.deliver(ev, retRIP)
	return true
}
