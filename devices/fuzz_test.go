package devices

import (
	"encoding/binary"
	"testing"
)

// FuzzTimedDevices drives the PIC, PIT, port 0x61, LAPIC and fw_cfg with an
// arbitrary stream of accesses and clock steps. It asserts that nothing
// panics, that TMCCT never exceeds TMICT, that deadlines are never in the
// past after a Tick, and that Ack agrees with Pending.
func FuzzTimedDevices(f *testing.F) {
	f.Add([]byte{0x03, 0x34, 0x00, 0xFF, 0x00, 0x01, 0x04, 0x10})
	f.Add([]byte{0x2F, 0xF0, 0x01, 0xFF, 0x2F, 0x20, 0x03, 0x20, 0x2F, 0x80, 0x03, 0x05, 0x44, 0x00})
	f.Add([]byte{0x10, 0x11, 0x11, 0x30, 0x11, 0x04, 0x11, 0x03, 0x5A, 0x44, 0x7F})
	f.Fuzz(func(t *testing.T, prog []byte) {
		clock := &ManualClock{}
		pic := NewPIC8259()
		pit := NewPIT8254(clock, uint64(PITHz)*3)
		pit.IRQ = func(l bool) { pic.SetIRQ(0, l) }
		lapic := NewLAPIC(clock)
		fw := NewFwCfg(1<<30, 1)
		timers := Timers{pit, lapic}
		for len(prog) >= 3 {
			op, a, v := prog[0], prog[1], prog[2]
			prog = prog[3:]
			switch op % 8 {
			case 0: // PIT port write
				pit.Write(uint64(a%4), []byte{v})
			case 1: // PIC port write
				[]Device{pic.Master(), pic.Slave()}[a>>7].Write(uint64(a&1), []byte{v})
			case 2: // LAPIC register write, value v repeated
				lapic.Write(uint64(a)<<4&0x3F0, []byte{v, v & 0x0F, v >> 7, 0})
			case 3: // reads
				b := make([]byte, 1+int(v%4))
				pit.Read(uint64(a%4), b)
				pit.PortB().Read(0, b)
				[]Device{pic.Master(), pic.Slave()}[a>>7].Read(uint64(a&1), b)
				lapic.Read(uint64(a)<<4&0x3FF, b)
				fw.Read(uint64(a&1), b)
			case 4: // clock step
				clock.Advance(uint64(a) << (v % 24))
				timers.Tick(clock.T)
				if d, ok := timers.NextDeadline(); ok && d <= clock.T {
					t.Fatalf("deadline %d not after now %d", d, clock.T)
				}
			case 5: // interrupt lines and port 0x61
				pic.SetIRQ(int(a%17), v&1 != 0)
				lapic.SetIRQ(v)
				pit.PortB().Write(0, []byte{a})
			case 6: // take interrupts
				for _, c := range []InterruptController{lapic, pic} {
					p := c.Pending()
					if _, ok := c.Ack(); ok != p {
						t.Fatalf("%T: Ack ok = %v, Pending was %v", c, ok, p)
					}
				}
			case 7: // fw_cfg select, EOIs
				fw.Write(0, []byte{a, v})
				lapic.Write(apicEOI, make([]byte, 4))
				pic.Master().Write(0, []byte{0x20})
			}
			var b [4]byte
			lapic.Read(apicTMICT, b[:])
			ict := binary.LittleEndian.Uint32(b[:])
			lapic.Read(apicTMCCT, b[:])
			if cct := binary.LittleEndian.Uint32(b[:]); cct > ict {
				t.Fatalf("TMCCT %d > TMICT %d", cct, ict)
			}
		}
	})
}
