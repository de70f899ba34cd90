package devices

import (
	"fmt"
	"slices"
	"testing"
)

// fakeTimer is a Timer with a fixed deadline that records its ticks.
type fakeTimer struct {
	at    uint64
	ok    bool
	ticks []uint64
}

func (f *fakeTimer) NextDeadline() (uint64, bool) { return f.at, f.ok }
func (f *fakeTimer) Tick(now uint64)              { f.ticks = append(f.ticks, now) }

func TestTimersNextDeadline(t *testing.T) {
	tests := []struct {
		name   string
		timers []*fakeTimer
		want   uint64
		ok     bool
	}{
		{"none", nil, 0, false},
		{"none scheduled", []*fakeTimer{{at: 5}, {at: 3}}, 0, false},
		{"earliest wins", []*fakeTimer{{at: 50, ok: true}, {at: 30, ok: true}, {at: 40, ok: true}}, 30, true},
		{"unscheduled ignored", []*fakeTimer{{at: 10}, {at: 70, ok: true}}, 70, true},
		{"deadline 0", []*fakeTimer{{at: 9, ok: true}, {at: 0, ok: true}}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ts Timers
			for _, f := range tt.timers {
				ts = append(ts, f)
			}
			got, ok := ts.NextDeadline()
			if got != tt.want || ok != tt.ok {
				t.Fatalf("NextDeadline() = %d, %v; want %d, %v", got, ok, tt.want, tt.ok)
			}
			ts.Tick(77)
			for i, f := range tt.timers {
				if !slices.Equal(f.ticks, []uint64{77}) {
					t.Fatalf("timer %d ticks %v, want [77]", i, f.ticks)
				}
			}
		})
	}
}

func TestClocks(t *testing.T) {
	var n uint64 = 42
	var c Clock = ClockFunc(func() uint64 { return n })
	if c.Now() != 42 {
		t.Fatalf("ClockFunc.Now() = %d", c.Now())
	}
	m := &ManualClock{T: 10}
	if m.Advance(5) != 15 || m.Now() != 15 {
		t.Fatalf("ManualClock at %d after Advance(5) from 10", m.Now())
	}
}

// runIdleVM plays a VM whose CPU halts between interrupts: it jumps the
// clock to the next deadline, ticks, and takes and EOIs every interrupt,
// LAPIC first. It returns "tick:vector" for each interrupt taken.
func runIdleVM(events int) []string {
	clock := &ManualClock{}
	pic := NewPIC8259()
	pit := NewPIT8254(clock, PITHz*2) // two ticks per PIT cycle
	pit.IRQ = func(level bool) { pic.SetIRQ(0, level) }
	lapic := NewLAPIC(clock)
	timers := Timers{pit, lapic}

	lapic.Write(apicSPIV, le(0x1FF, 4))
	lapic.Write(apicTDCR, le(0x1, 4))              // divide by 4
	lapic.Write(apicLVTT, le(lvtPeriodic|0x30, 4)) // periodic, vector 0x30
	lapic.Write(apicTMICT, le(700, 4))             // every 2800 ticks
	pit.Write(3, []byte{0x34})                     // counter 0, mode 2
	pit.Write(0, []byte{0xE8})                     // 1000 cycles = 2000 ticks,
	pit.Write(0, []byte{0x03})                     // LSB then MSB

	var log []string
	for len(log) < events {
		d, ok := timers.NextDeadline()
		if !ok {
			break
		}
		clock.T = d
		timers.Tick(d)
		for {
			if v, ok := lapic.Ack(); ok {
				log = append(log, fmt.Sprintf("%d:%#x", clock.T, v))
				lapic.Write(apicEOI, le(0, 4))
				continue
			}
			if v, ok := pic.Ack(); ok {
				log = append(log, fmt.Sprintf("%d:%#x", clock.T, v))
				pic.Master().Write(0, []byte{0x20})
				continue
			}
			break
		}
	}
	return log
}

func TestFastForwardIsDeterministic(t *testing.T) {
	want := []string{
		"2000:0x8", "2800:0x30", "4000:0x8", "5600:0x30", "6000:0x8", "8000:0x8",
		"8400:0x30", "10000:0x8", "11200:0x30", "12000:0x8", "14000:0x30", "14000:0x8",
	}
	first := runIdleVM(len(want))
	if !slices.Equal(first, want) {
		t.Fatalf("interrupts %v, want %v", first, want)
	}
	if again := runIdleVM(len(want)); !slices.Equal(again, first) {
		t.Fatalf("second run %v differs from first %v", again, first)
	}
}
