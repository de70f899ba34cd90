package devices

// Time in the devices package is counted in ticks of the instruction clock,
// never read from the wall clock, so that a run is reproducible bit for bit.
// What one tick is belongs to the VM: normally one retired instruction
// (x86.CPU.Insns), which keeps device time monotonic even when the guest
// writes the TSC MSR or runs with an SVM TSC_OFFSET.
//
// Two things flow between the VM and a timed device:
//
//   - The device reads Clock.Now() whenever the guest touches one of its
//     registers, so that a count read mid-instruction-stream (TMCCT, a PIT
//     counter, port 0x61 bit 5) is exact, and events that fell due before the
//     access take effect before it.
//   - The VM asks every Timer for NextDeadline, runs the CPU no further than
//     the earliest one, and calls Tick(now) once the clock has reached it. A
//     halted CPU is fast-forwarded by moving the clock straight to the next
//     deadline and ticking. Any register write can move a deadline earlier,
//     so the VM re-reads NextDeadline after every access to a timed device.

// Clock reads the instruction clock.
type Clock interface {
	// Now returns the current time in ticks. It never goes backwards.
	Now() uint64
}

// ClockFunc adapts a function to Clock, e.g.
// ClockFunc(func() uint64 { return cpu.Insns }).
type ClockFunc func() uint64

// Now implements Clock.
func (f ClockFunc) Now() uint64 { return f() }

// ManualClock is a Clock that moves only when told to: for tests, and for a
// VM that keeps its own time base (e.g. instructions plus idle ticks).
type ManualClock struct {
	T uint64 // current time in ticks
}

// Now implements Clock.
func (c *ManualClock) Now() uint64 { return c.T }

// Advance moves the clock forward by d ticks and returns the new time.
func (c *ManualClock) Advance(d uint64) uint64 {
	c.T += d
	return c.T
}

// Timer is a device with events at points in instruction-clock time.
type Timer interface {
	// NextDeadline returns the tick of the device's next event that has an
	// effect outside the device (an interrupt), or ok = false when none is
	// scheduled. The tick may already be in the past: the VM should then
	// Tick at once. Counting that nobody can observe until the guest reads
	// a register (a masked LAPIC timer, PIT channel 2) is computed lazily
	// and yields no deadline.
	NextDeadline() (tick uint64, ok bool)
	// Tick brings the device up to time now, raising every interrupt that
	// fell due at or before now. Ticking with a time the device has already
	// seen does nothing.
	Tick(now uint64)
}

// Timers is the set of timed devices of a VM.
type Timers []Timer

// NextDeadline returns the earliest deadline of all timers.
func (ts Timers) NextDeadline() (tick uint64, ok bool) {
	for _, t := range ts {
		if d, dok := t.NextDeadline(); dok && (!ok || d < tick) {
			tick, ok = d, true
		}
	}
	return tick, ok
}

// Tick ticks every timer, in order.
func (ts Timers) Tick(now uint64) {
	for _, t := range ts {
		t.Tick(now)
	}
}
