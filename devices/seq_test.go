package devices

import (
	"fmt"
	"slices"
	"testing"
)

// rig is what a register-sequence test drives: a device (or a bus of them)
// at fixed addresses, the clock it reads, and its timer and CPU-side
// interrupt interface when it has them. Callbacks append to events.
type rig struct {
	dev    Device
	clock  *ManualClock
	timer  Timer
	ctl    InterruptController
	events []string
}

// busDevice lets a test address several devices through one Bus.
type busDevice struct{ b *Bus }

func (d busDevice) Read(addr uint64, data []byte) {
	if !d.b.Read(addr, data) {
		for i := range data {
			data[i] = 0xFF
		}
	}
}

func (d busDevice) Write(addr uint64, data []byte) { d.b.Write(addr, data) }

// event returns a callback that logs name.
func (r *rig) event(name string) func() {
	return func() { r.events = append(r.events, name) }
}

// level returns a callback that logs name=0 or name=1.
func (r *rig) level(name string) func(bool) {
	return func(l bool) {
		v := 0
		if l {
			v = 1
		}
		r.events = append(r.events, fmt.Sprintf("%s=%d", name, v))
	}
}

// step is one action of a sequence; what says what it does, for failures.
type step struct {
	what string
	do   func(r *rig) error
}

func runSteps(t *testing.T, r *rig, steps []step) {
	t.Helper()
	for i, s := range steps {
		if err := s.do(r); err != nil {
			t.Fatalf("step %d (%s): %v", i, s.what, err)
		}
	}
}

func le(v uint64, size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(v >> (8 * i))
	}
	return b
}

// wr writes size bytes of v at off.
func wr(off uint64, size int, v uint64) step {
	return step{fmt.Sprintf("write %#x/%d = %#x", off, size, v), func(r *rig) error {
		r.dev.Write(off, le(v, size))
		return nil
	}}
}

// wrb writes a byte.
func wrb(off uint64, v byte) step { return wr(off, 1, uint64(v)) }

// rdm reads size bytes at off and checks the bits in mask.
func rdm(off uint64, size int, mask, want uint64) step {
	return step{fmt.Sprintf("read %#x/%d &%#x == %#x", off, size, mask, want), func(r *rig) error {
		b := make([]byte, size)
		for i := range b {
			b[i] = 0xEE
		}
		r.dev.Read(off, b)
		var got uint64
		for i := len(b) - 1; i >= 0; i-- {
			got = got<<8 | uint64(b[i])
		}
		if got&mask != want {
			return fmt.Errorf("read %#x/%d = %#x (masked %#x), want %#x", off, size, got, got&mask, want)
		}
		return nil
	}}
}

// rd reads size bytes at off and checks them all.
func rd(off uint64, size int, want uint64) step {
	return rdm(off, size, 1<<(8*size)-1, want)
}

// rdb reads a byte.
func rdb(off uint64, want byte) step { return rd(off, 1, uint64(want)) }

// adv advances the clock by n ticks and ticks the timer.
func adv(n uint64) step {
	return step{fmt.Sprintf("advance %d", n), func(r *rig) error {
		r.clock.Advance(n)
		if r.timer != nil {
			r.timer.Tick(r.clock.T)
		}
		return nil
	}}
}

// pend checks Pending.
func pend(want bool) step {
	return step{fmt.Sprintf("pending %v", want), func(r *rig) error {
		if got := r.ctl.Pending(); got != want {
			return fmt.Errorf("Pending() = %v, want %v", got, want)
		}
		return nil
	}}
}

// ack checks Ack.
func ack(vector uint8, ok bool) step {
	return step{fmt.Sprintf("ack %#x %v", vector, ok), func(r *rig) error {
		v, gotOK := r.ctl.Ack()
		if v != vector || gotOK != ok {
			return fmt.Errorf("Ack() = %#x, %v; want %#x, %v", v, gotOK, vector, ok)
		}
		return nil
	}}
}

// deadline checks the timer's NextDeadline, relative to the current time.
func deadline(in uint64, ok bool) step {
	return step{fmt.Sprintf("deadline now+%d %v", in, ok), func(r *rig) error {
		d, gotOK := r.timer.NextDeadline()
		if gotOK != ok || ok && d != r.clock.T+in {
			return fmt.Errorf("NextDeadline() = now+%d, %v; want now+%d, %v", d-r.clock.T, gotOK, in, ok)
		}
		return nil
	}}
}

// evs checks and clears the callback log.
func evs(want ...string) step {
	return step{fmt.Sprintf("events %v", want), func(r *rig) error {
		if len(r.events) != len(want) || !slices.Equal(r.events, want) {
			return fmt.Errorf("events %q, want %q", r.events, want)
		}
		r.events = nil
		return nil
	}}
}

// call runs f on the rig, e.g. to raise an input line.
func call(what string, f func(r *rig)) step {
	return step{what, func(r *rig) error {
		f(r)
		return nil
	}}
}

// seq concatenates step lists.
func seq(parts ...[]step) []step { return slices.Concat(parts...) }
