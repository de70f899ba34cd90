package devices

import (
	"fmt"
	"testing"
)

// PIC port addresses as the guest sees them.
const (
	mCmd, mData = PICMasterBase, PICMasterBase + 1
	sCmd, sData = PICSlaveBase, PICSlaveBase + 1
)

func newPICRig(t *testing.T) *rig {
	r := &rig{}
	p := NewPIC8259()
	var b Bus
	if err := b.Insert(p.Master(), PICMasterBase, PICSize); err != nil {
		t.Fatal(err)
	}
	if err := b.Insert(p.Slave(), PICSlaveBase, PICSize); err != nil {
		t.Fatal(err)
	}
	r.dev, r.ctl = busDevice{&b}, p
	return r
}

// irq sets ISA line n to level.
func irq(n int, level bool) step {
	return call(fmt.Sprintf("IRQ%d=%v", n, level), func(r *rig) { r.ctl.(*PIC8259).SetIRQ(n, level) })
}

// pulse raises and lowers line n.
func pulse(n int) []step { return []step{irq(n, true), irq(n, false)} }

// linuxInit is the ICW sequence Linux's init_8259A uses: master vectors
// 0x30, slave 0x38, edge-triggered, 8086 mode.
var linuxInit = []step{
	wrb(mCmd, 0x11), wrb(mData, 0x30), wrb(mData, 0x04), wrb(mData, 0x01),
	wrb(sCmd, 0x11), wrb(sData, 0x38), wrb(sData, 0x02), wrb(sData, 0x01),
}

// Status reads after OCW3: readIRR/readISR select what the command port
// returns.
var (
	mReadISR = wrb(mCmd, 0x0B)
	mReadIRR = wrb(mCmd, 0x0A)
	sReadISR = wrb(sCmd, 0x0B)
)

func TestPIC8259(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"reset state", []step{
			rdb(mData, 0), rdb(sData, 0), rdb(mCmd, 0), rdb(sCmd, 0), pend(false), ack(0, false),
		}},
		{"reset vectors and IRR read", seq(pulse(0), []step{
			rdb(mCmd, 0x01), pend(true), ack(0x08, true), rdb(mCmd, 0), mReadISR, rdb(mCmd, 0x01), mReadIRR, rdb(mCmd, 0),
		}, pulse(8), []step{
			pend(false), ack(0, false), // IR0 in service blocks IR2
			wrb(mCmd, 0x20), ack(0x70, true),
		})},
		{"ICW sequence sets vectors", seq(linuxInit, []step{
			rdb(mData, 0), rdb(sData, 0),
			irq(1, true), ack(0x31, true), wrb(mCmd, 0x20),
			irq(14, true), rdb(mCmd, 0x04), rdb(sCmd, 0x40), ack(0x3E, true),
			mReadISR, sReadISR, rdb(mCmd, 0x04), rdb(sCmd, 0x40),
			wrb(sCmd, 0x20), wrb(mCmd, 0x20), rdb(mCmd, 0), rdb(sCmd, 0),
		})},
		{"ICW1 resets IMR and ISR", seq(linuxInit, []step{
			wrb(mData, 0xFF), irq(3, true), mReadISR,
			wrb(mCmd, 0x11), rdb(mData, 0), wrb(mData, 0x40), wrb(mData, 0x04), wrb(mData, 0x01),
			rdb(mData, 0), rdb(mCmd, 0), pend(false), // IRR reset: a new edge is needed
			irq(3, false), irq(3, true), ack(0x43, true),
		})},
		{"single mode without ICW4", []step{
			wrb(mCmd, 0x12), wrb(mData, 0x50), wrb(mData, 0x0F), // ICW3/4 skipped: this is OCW1
			rdb(mData, 0x0F), irq(4, true), ack(0x54, true),
		}},
		{"IMR masks requests", seq(linuxInit, []step{
			wrb(mData, 0x01), rdb(mData, 0x01),
			irq(0, true), rdb(mCmd, 0x01), pend(false), ack(0, false),
			wrb(mData, 0x00), pend(true), ack(0x30, true),
		})},
		{"slave IMR and master IR2 mask", seq(linuxInit, []step{
			wrb(sData, 0x10), irq(12, true), pend(false), rdb(mCmd, 0), rdb(sCmd, 0x10),
			wrb(mData, 0x04), wrb(sData, 0), pend(false), rdb(mCmd, 0x04),
			wrb(mData, 0), pend(true), ack(0x3C, true),
		})},
		{"priority and EOI", seq(linuxInit, []step{
			irq(3, true), irq(1, true), rdb(mCmd, 0x0A),
			ack(0x31, true), pend(false), // IR3 waits for IR1's EOI
			wrb(mCmd, 0x20), pend(true), ack(0x33, true), wrb(mCmd, 0x20), pend(false),
		})},
		{"higher priority nests", seq(linuxInit, []step{
			irq(5, true), ack(0x35, true), irq(6, true), pend(false), irq(1, true), pend(true),
			ack(0x31, true), mReadISR, rdb(mCmd, 0x22),
			wrb(mCmd, 0x20), rdb(mCmd, 0x20), // non-specific EOI retires the highest (IR1)
			wrb(mCmd, 0x20), ack(0x36, true),
		})},
		{"specific EOI", seq(linuxInit, []step{
			irq(5, true), ack(0x35, true), irq(1, true), ack(0x31, true), mReadISR,
			wrb(mCmd, 0x65), rdb(mCmd, 0x02), wrb(mCmd, 0x61), rdb(mCmd, 0),
		})},
		{"cascade", seq(linuxInit, []step{
			irq(12, true), irq(3, true),
			ack(0x3C, true), // IR2 (the slave) outranks IR3
			mReadISR, sReadISR, rdb(mCmd, 0x04), rdb(sCmd, 0x10), pend(false),
			wrb(sCmd, 0x20), wrb(mCmd, 0x20), rdb(sCmd, 0), pend(true), ack(0x33, true),
		})},
		{"slave priority inside IR2", seq(linuxInit, []step{
			irq(15, true), irq(9, true), ack(0x39, true), wrb(sCmd, 0x20), wrb(mCmd, 0x20),
			ack(0x3F, true), wrb(sCmd, 0x20), wrb(mCmd, 0x20), pend(false),
		})},
		{"edge triggering", seq(linuxInit, []step{
			irq(4, true), irq(4, true), ack(0x34, true), wrb(mCmd, 0x20), pend(false), // no new edge
			irq(4, false), irq(4, true), ack(0x34, true), wrb(mCmd, 0x20), irq(4, false),
		}, pulse(4), []step{
			rdb(mCmd, 0x10), pend(true), ack(0x34, true), // a pulse stays latched
			irq(2, true), rdb(mCmd, 0), // IRQ2 is the cascade, not a line
		})},
		{"level triggering (LTIM)", []step{
			wrb(mCmd, 0x19), wrb(mData, 0x30), wrb(mData, 0x04), wrb(mData, 0x01),
			irq(4, true), ack(0x34, true), rdb(mCmd, 0x10), wrb(mCmd, 0x20), pend(true),
			irq(4, false), rdb(mCmd, 0), pend(false),
		}},
		{"automatic EOI", []step{
			wrb(mCmd, 0x11), wrb(mData, 0x30), wrb(mData, 0x04), wrb(mData, 0x03),
			irq(3, true), irq(1, true), ack(0x31, true), mReadISR, rdb(mCmd, 0), pend(true), ack(0x33, true),
		}},
		{"rotate on AEOI", []step{
			wrb(mCmd, 0x11), wrb(mData, 0x30), wrb(mData, 0x04), wrb(mData, 0x03),
			wrb(mCmd, 0x80), irq(1, true), ack(0x31, true), // IR1 becomes the lowest
			irq(0, true), irq(1, false), irq(1, true), irq(7, true), ack(0x37, true), ack(0x30, true), ack(0x31, true),
			wrb(mCmd, 0x00), irq(6, true), ack(0x36, true), irq(5, true), irq(3, true), ack(0x33, true),
		}},
		{"set priority and rotating EOI", seq(linuxInit, []step{
			// Set priority: IR3 lowest, so IR4 is the highest and IR1 ranks below it.
			wrb(mCmd, 0xC3), irq(1, true), irq(4, true), ack(0x34, true), pend(false),
			// Rotate on non-specific EOI: IR4 becomes the lowest; IR5 outranks IR1.
			wrb(mCmd, 0xA0), ack(0x31, true), irq(5, true), pend(true),
			// Rotate on specific EOI 1: IR1 lowest, IR2 highest; IR3 outranks IR5.
			wrb(mCmd, 0xE1), ack(0x35, true), irq(3, true), pend(true), ack(0x33, true),
		})},
		{"poll command", seq(linuxInit, []step{
			wrb(mCmd, 0x0C), rdb(mCmd, 0), // nothing requested
			irq(6, true), wrb(mCmd, 0x0C), rdb(mCmd, 0x86), pend(false), mReadISR, rdb(mCmd, 0x40),
			rdb(mCmd, 0x40), // the poll is over: ISR again
		})},
		{"special mask mode", seq(linuxInit, []step{
			irq(1, true), ack(0x31, true), irq(5, true), pend(false),
			wrb(mCmd, 0x68), wrb(mData, 0x02), pend(true), ack(0x35, true), // masking IR1 lifts its block
			wrb(mCmd, 0x48), irq(6, true), pend(false), // SMM off: IR1 and IR5 block again
		})},
		{"SeaBIOS masks", []step{
			call("SetIMR", func(r *rig) { r.ctl.(*PIC8259).SetIMR(SeaBIOSMasterIMR, SeaBIOSSlaveIMR) }),
			rdb(mData, 0xB8), rdb(sData, 0x8E),
			irq(4, true), pend(false), irq(0, true), ack(0x08, true), wrb(mCmd, 0x20),
			irq(8, true), ack(0x70, true),
		}},
		{"word access splits into ports", seq(linuxInit, []step{
			wr(mCmd, 2, 0x5500), rdb(mData, 0x55), rd(mCmd, 2, 0x5500),
		})},
		{"INTR follows the master's output", seq(linuxInit, []step{
			call("hook INTR", func(r *rig) { r.ctl.(*PIC8259).INTR = r.level("intr") }),
			irq(3, true), evs("intr=1"), wrb(mData, 0x08), evs("intr=0"), wrb(mData, 0), evs("intr=1"),
			ack(0x33, true), evs("intr=0"), irq(10, true), evs("intr=1"), // IR2 ranks above IR3
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runSteps(t, newPICRig(t), tt.steps) })
	}
}
