package devices

import (
	"fmt"
	"testing"
)

// PIT ports as the guest sees them.
const (
	pitCtrl = PITBase + 3
	portB   = PortBBase
)

// newPITRig returns a PIT and port 0x61 on a bus, with IRQ0 logged as
// "irq0=1", "irq0=0". With tickHz = PITHz one tick is one PIT cycle.
func newPITRig(t *testing.T, tickHz uint64) *rig {
	r := &rig{clock: &ManualClock{}}
	p := NewPIT8254(r.clock, tickHz)
	p.IRQ = r.level("irq0")
	var b Bus
	if err := b.Insert(p, PITBase, PITSize); err != nil {
		t.Fatal(err)
	}
	if err := b.Insert(p.PortB(), PortBBase, PortBSize); err != nil {
		t.Fatal(err)
	}
	r.dev, r.timer = busDevice{&b}, p
	return r
}

// ctrl writes a control word.
func ctrl(v byte) step { return wrb(pitCtrl, v) }

// count writes a count LSB then MSB to counter ch.
func count(ch int, v uint16) []step {
	return []step{wrb(uint64(PITBase+ch), byte(v)), wrb(uint64(PITBase+ch), byte(v>>8))}
}

// latched latches counter ch and reads it LSB then MSB.
func latched(ch int, want uint16) []step {
	port := uint64(PITBase + ch)
	return []step{ctrl(byte(ch) << 6), rdb(port, byte(want)), rdb(port, byte(want>>8))}
}

// status reads counter ch's status byte with the read-back command.
func status(ch int, want byte) []step {
	return []step{ctrl(0xC0 | rbNotCount | 2<<ch), rdb(uint64(PITBase+ch), want)}
}

// out2 checks counter 2's OUT on port 0x61 bit 5.
func out2(high bool) step {
	want := uint64(0)
	if high {
		want = portBOut2
	}
	return rdm(portB, 1, portBOut2, want)
}

// irq0 is the log of one IRQ0 pulse.
var irq0 = evs("irq0=1", "irq0=0")

func TestPIT8254(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"mode 2 rate generator", seq([]step{ctrl(0x34)}, count(0, 100), latched(0, 100), []step{
			deadline(100, true), adv(30)}, latched(0, 70), []step{
			adv(69)}, latched(0, 1), []step{evs(), adv(1), irq0}, latched(0, 100), []step{
			deadline(100, true), adv(100), irq0, adv(250), irq0, deadline(50, true)}, latched(0, 50),
		)},
		{"unlatched LSB/MSB reads", seq([]step{ctrl(0x34)}, count(0, 0x1234), []step{
			adv(0x34), rdb(PITBase, 0x00), adv(1), rdb(PITBase, 0x11), // MSB read one cycle later
			rdb(PITBase, 0xFF), rdb(PITBase, 0x11),
		})},
		{"a latch holds until read", seq([]step{ctrl(0x34)}, count(0, 1000), []step{
			ctrl(0x00), adv(10), rdb(PITBase, 0xE8), adv(10), rdb(PITBase, 0x03),
			rdb(PITBase, 0xD4), rdb(PITBase, 0x03), // live again: 980
			ctrl(0x00), adv(5), ctrl(0x00), rdb(PITBase, 0xD4), rdb(PITBase, 0x03), // second latch ignored
		})},
		{"mode 0 interrupt on terminal count", seq([]step{ctrl(0x30)}, status(0, 0x70), count(0, 50),
			status(0, 0x30), []step{deadline(50, true), adv(49), evs(), adv(1), irq0},
			status(0, 0xB0), []step{adv(1)}, latched(0, 0xFFFF), []step{
				deadline(0, false), adv(100000), evs()}, status(0, 0xB0),
		)},
		{"mode 0 new count restarts", seq([]step{ctrl(0x30)}, count(0, 50), []step{adv(40)},
			count(0, 50), status(0, 0x30), []step{deadline(50, true), adv(50), irq0},
		)},
		{"mode 3 square wave, even count", seq([]step{ctrl(0x36)}, count(0, 4),
			status(0, 0xB6), latched(0, 4), []step{adv(1)}, latched(0, 2), status(0, 0xB6),
			[]step{adv(1)}, latched(0, 4), status(0, 0x36), []step{adv(1)}, latched(0, 2), status(0, 0x36),
			[]step{evs(), adv(1), irq0}, latched(0, 4), status(0, 0xB6),
		)},
		{"mode 3 square wave, odd count", seq([]step{ctrl(0x36)}, count(0, 5),
			latched(0, 5), status(0, 0xB6), []step{adv(1)}, latched(0, 4), status(0, 0xB6),
			[]step{adv(1)}, latched(0, 2), status(0, 0xB6),
			[]step{adv(1)}, latched(0, 5), status(0, 0x36), []step{adv(1)}, latched(0, 2), status(0, 0x36),
			[]step{evs(), adv(1), irq0}, latched(0, 5), status(0, 0xB6),
		)},
		{"mode 4 software strobe", seq([]step{ctrl(0x38)}, count(0, 5), status(0, 0xB8),
			[]step{adv(5), evs()}, status(0, 0x38), []step{adv(1), irq0}, status(0, 0xB8),
			[]step{adv(100), evs()},
		)},
		{"LSB-only and MSB-only access", []step{
			ctrl(0x14), wrb(PITBase, 0x10), rdb(PITBase, 0x10), rdb(PITBase, 0x10), deadline(16, true),
			ctrl(0x24), wrb(PITBase, 0x01), rdb(PITBase, 0x01), adv(1), rdb(PITBase, 0x00), deadline(255, true),
		}},
		{"BCD counting", seq([]step{ctrl(0x35)}, count(0, 0x0100), []step{adv(1)}, latched(0, 0x0099),
			[]step{adv(99), irq0}, latched(0, 0x0100), []step{ctrl(0x35)}, count(0, 0), latched(0, 0x0000),
			[]step{deadline(10000, true), adv(1)}, latched(0, 0x9999),
		)},
		{"count 0 is 65536", seq([]step{ctrl(0x34)}, count(0, 0), latched(0, 0),
			[]step{deadline(65536, true), adv(1)}, latched(0, 0xFFFF),
		)},
		{"mode 2 new count waits for the period's end", seq([]step{ctrl(0x34)}, count(0, 100),
			[]step{adv(30)}, count(0, 50), status(0, 0xF4), latched(0, 70), []step{
				deadline(70, true), adv(70), irq0}, latched(0, 50), status(0, 0xB4), []step{
				deadline(50, true), adv(50), irq0},
		)},
		{"control word stops the counter", seq([]step{ctrl(0x34)}, count(0, 10), []step{
			adv(3), ctrl(0x34), deadline(0, false), adv(100), evs()},
		)},
		{"read-back of two counters", seq([]step{ctrl(0x34)}, count(0, 100), []step{ctrl(0xB0)}, count(2, 7),
			[]step{adv(1), ctrl(0xCA),
				rdb(PITBase, 0xB4), rdb(PITBase, 99), rdb(PITBase, 0),
				rdb(PITBase+2, 0x30), rdb(PITBase+2, 7), rdb(PITBase+2, 0),
			},
		)},
		{"read-back of the count only", seq([]step{ctrl(0x34)}, count(0, 100), []step{
			ctrl(0xD2), adv(5), rdb(PITBase, 100), rdb(PITBase, 0)},
		)},
		{"counter 2: gate and OUT on port 0x61", seq([]step{ctrl(0xB0)}, count(2, 100), []step{
			out2(false), adv(200)}, latched(2, 100), []step{
			wrb(portB, 0x01), rdm(portB, 1, 0x2F, 0x01), adv(99), out2(false), adv(1), out2(true), evs(),
			deadline(0, false),
		})},
		{"counter 2: mode 0 gate pauses", seq([]step{ctrl(0xB0)}, count(2, 100), []step{
			wrb(portB, 0x01), adv(40), wrb(portB, 0x00), adv(100)}, latched(2, 60), []step{
			wrb(portB, 0x01), adv(59), out2(false), adv(1), out2(true),
		})},
		{"counter 2: mode 2 gate stops and reloads", seq([]step{ctrl(0xB4)}, count(2, 10), []step{
			wrb(portB, 0x01), adv(9), out2(false), adv(1), out2(true), adv(5)}, latched(2, 5), []step{
			wrb(portB, 0x00), out2(true), adv(100)}, latched(2, 5), []step{
			wrb(portB, 0x01)}, latched(2, 10),
		)},
		{"counter 2: mode 1 one-shot on gate edge", seq([]step{ctrl(0xB2)}, count(2, 10), []step{
			out2(true), adv(5), out2(true), wrb(portB, 0x01), out2(false), adv(9), out2(false),
			adv(1), out2(true), wrb(portB, 0x00), adv(3), out2(true), wrb(portB, 0x01), out2(false),
			adv(4), wrb(portB, 0x00), wrb(portB, 0x01), adv(9), out2(false), adv(1), out2(true), // retriggered
		})},
		{"counter 2: mode 5 strobe on gate edge", seq([]step{ctrl(0xBA)}, count(2, 3), []step{
			out2(true), adv(10), out2(true), wrb(portB, 0x01), adv(2), out2(true), adv(1), out2(false),
			adv(1), out2(true),
		})},
		{"port 0x61 bits", []step{
			wrb(portB, 0xFF), rdm(portB, 1, 0xCF, 0x0F), wrb(portB, 0x00), rdm(portB, 1, 0xCF, 0x00),
		}},
		{"refresh toggle every 18 cycles", []step{
			rdm(portB, 1, portBRefresh, 0), adv(17), rdm(portB, 1, portBRefresh, 0),
			adv(1), rdm(portB, 1, portBRefresh, portBRefresh), adv(18), rdm(portB, 1, portBRefresh, 0),
		}},
		{"control port reads all-ones", []step{rdb(pitCtrl, 0xFF)}},
		{"SeaBIOS state", seq([]step{
			adv(7), call("SeaBIOSState", func(r *rig) { r.timer.(*PIT8254).SeaBIOSState() }),
			deadline(65536, true)}, status(0, 0xB4), []step{adv(65536), irq0},
		)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runSteps(t, newPITRig(t, PITHz), tt.steps) })
	}
}

func TestPIT8254TickRatio(t *testing.T) {
	tests := []struct {
		tickHz uint64
		n      uint16
	}{
		{0, 1193},        // default: 10⁹ ticks per second, ~1 ms
		{PITHz * 3, 10},  // exactly three ticks per cycle
		{100_000, 65535}, // a coarse clock: several cycles per tick
	}
	for _, tt := range tests {
		hz := tt.tickHz
		if hz == 0 {
			hz = DefaultTickHz
		}
		// The edge is at cycle n; it begins at tick ceil(n*hz/PITHz).
		at := (uint64(tt.n)*hz + PITHz - 1) / PITHz
		t.Run(fmt.Sprint(hz), func(t *testing.T) {
			r := newPITRig(t, tt.tickHz)
			runSteps(t, r, seq([]step{ctrl(0x34)}, count(0, tt.n), []step{
				deadline(at, true), adv(at - 1), evs(), deadline(1, true), adv(1), irq0,
			}))
		})
	}
}
