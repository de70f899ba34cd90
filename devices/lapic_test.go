package devices

import "testing"

// LAPIC test helpers: 4-byte register accesses.
func aw(off uint64, v uint32) step { return wr(off, 4, uint64(v)) }
func ar(off uint64, v uint32) step { return rd(off, 4, uint64(v)) }

// irrBit reads the IRR/ISR/TMR word holding vector v and checks its bit.
func vecBit(base uint64, v uint8, set bool) step {
	want := uint64(0)
	if set {
		want = 1 << (v % 32)
	}
	return rdm(base+uint64(v/32)*16, 4, 1<<(v%32), want)
}

// lapicEnable software-enables the APIC with spurious vector 0xFF.
var lapicEnable = []step{aw(apicSPIV, 0x1FF)}

// selfIPI sends fixed vector v to self by shorthand.
func selfIPI(v uint8) step { return aw(apicICRLO, shSelf|uint32(v)) }

func newLAPICRig() *rig {
	r := &rig{clock: &ManualClock{T: 1000}}
	l := NewLAPIC(r.clock)
	l.NMI = r.event("nmi")
	r.dev, r.timer, r.ctl = l, l, l
	return r
}

func TestLAPICRegisters(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"reset values", []step{
			ar(apicID, 0), ar(apicVER, 0x00050014), ar(apicTPR, 0), ar(apicAPR, 0), ar(apicPPR, 0),
			ar(apicRRD, 0), ar(apicLDR, 0), ar(apicDFR, 0xFFFFFFFF), ar(apicSPIV, 0xFF),
			ar(apicISR, 0), ar(apicTMR+0x70, 0), ar(apicIRR+0x30, 0), ar(apicESR, 0),
			ar(apicICRLO, 0), ar(apicICRHI, 0),
			ar(apicLVTT, 0x10000), ar(apicLVTTHR, 0x10000), ar(apicLVTPC, 0x10000),
			ar(apicLVT0, 0x10000), ar(apicLVT1, 0x10000), ar(apicLVTERR, 0x10000),
			ar(apicTMICT, 0), ar(apicTMCCT, 0), ar(apicTDCR, 0),
		}},
		{"writable bits", []step{
			aw(apicID, 0xFFFFFFFF), ar(apicID, 0xFF000000),
			aw(apicTPR, 0xFFFFFFFF), ar(apicTPR, 0xFF),
			aw(apicLDR, 0xFFFFFFFF), ar(apicLDR, 0xFF000000),
			aw(apicDFR, 0), ar(apicDFR, 0x0FFFFFFF),
			aw(apicSPIV, 0xFFFFFFFF), ar(apicSPIV, 0x3FF),
			aw(apicICRHI, 0xFFFFFFFF), ar(apicICRHI, 0xFF000000),
			aw(apicLVTT, 0xFFFFFFFF), ar(apicLVTT, 0x000300FF),
			aw(apicLVTTHR, 0xFFFFFFFF), ar(apicLVTTHR, 0x000107FF),
			aw(apicLVTPC, 0xFFFFFFFF), ar(apicLVTPC, 0x000107FF),
			aw(apicLVT0, 0xFFFFFFFF), ar(apicLVT0, 0x0001A7FF),
			aw(apicLVT1, 0xFFFFFFFF), ar(apicLVT1, 0x0001A7FF),
			aw(apicLVTERR, 0xFFFFFFFF), ar(apicLVTERR, 0x000100FF),
			aw(apicTDCR, 0xFFFFFFFF), ar(apicTDCR, 0xB),
		}},
		{"read-only registers ignore writes", []step{
			aw(apicVER, 0), aw(apicPPR, 0xF0), aw(apicAPR, 0xF0), aw(apicISR, 1), aw(apicIRR+0x10, 1),
			aw(apicTMCCT, 5),
			ar(apicVER, 0x00050014), ar(apicPPR, 0), ar(apicAPR, 0), ar(apicISR, 0), ar(apicIRR+0x10, 0),
			ar(apicTMCCT, 0),
		}},
		{"disabled APIC forces LVT masks", []step{
			aw(apicLVTT, 0x20), ar(apicLVTT, 0x10020),
			aw(apicSPIV, 0x1FF), aw(apicLVTT, 0x20), aw(apicLVT0, 0x700), ar(apicLVTT, 0x20),
			aw(apicSPIV, 0xFF), ar(apicLVTT, 0x10020), ar(apicLVT0, 0x10700),
		}},
		{"sub-dword reads and writes", []step{
			aw(apicID, 0x12000000),
			rd(apicID+3, 1, 0x12), rd(apicID+2, 2, 0x1200), rd(apicID, 8, 0x12000000),
			rd(apicVER+2, 1, 0x05), rd(apicID+4, 4, 0),
			wr(apicTPR, 1, 0x40), ar(apicTPR, 0), // byte write ignored
			wr(apicTPR, 2, 0x40), ar(apicTPR, 0), // word write ignored
			wr(apicTPR+4, 4, 0x40), ar(apicTPR, 0), // misaligned write ignored
			wr(apicTPR, 8, 0x40), ar(apicTPR, 0), // qword write ignored
		}},
		{"SeaBIOS state", []step{
			call("SeaBIOSState", func(r *rig) { r.dev.(*LAPIC).SeaBIOSState() }),
			ar(apicSPIV, 0x1FF), ar(apicLVT0, 0x8700), ar(apicLVT1, 0x8400),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runSteps(t, newLAPICRig(), tt.steps) })
	}
}

func TestLAPICInterrupts(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"self IPI: IRR, ack to ISR, EOI", seq(lapicEnable, []step{
			pend(false), ack(0, false),
			selfIPI(0x31), vecBit(apicIRR, 0x31, true), ar(apicIRR+0x10, 1<<17), pend(true),
			ar(apicAPR, 0x30), ar(apicPPR, 0),
			ack(0x31, true), vecBit(apicIRR, 0x31, false), vecBit(apicISR, 0x31, true),
			ar(apicPPR, 0x30), pend(false),
			aw(apicEOI, 0), ar(apicISR+0x10, 0), ar(apicPPR, 0),
			aw(apicEOI, 0), ar(apicPPR, 0), // EOI with nothing in service
		})},
		{"highest vector first, nesting by class", seq(lapicEnable, []step{
			selfIPI(0x45), selfIPI(0x80), selfIPI(0x46),
			ack(0x80, true), pend(false), // 0x46 is class 4 < PPR class 8
			selfIPI(0x90), pend(true), ack(0x90, true), ar(apicPPR, 0x90),
			aw(apicEOI, 0), vecBit(apicISR, 0x90, false), vecBit(apicISR, 0x80, true), ar(apicPPR, 0x80),
			aw(apicEOI, 0), ar(apicPPR, 0), pend(true),
			ack(0x46, true), pend(false), // 0x45 is in the same class as 0x46
			aw(apicEOI, 0), ack(0x45, true), aw(apicEOI, 0), pend(false),
		})},
		{"TPR masks by class", seq(lapicEnable, []step{
			aw(apicTPR, 0x50), selfIPI(0x45), pend(false), ar(apicPPR, 0x50), ar(apicAPR, 0x50),
			aw(apicTPR, 0x4F), pend(false), ack(0, false),
			aw(apicTPR, 0x3F), pend(true), ar(apicPPR, 0x3F),
			ack(0x45, true), ar(apicPPR, 0x40),
		})},
		{"physical destination", seq(lapicEnable, []step{
			aw(apicICRHI, 0), aw(apicICRLO, 0x40), vecBit(apicIRR, 0x40, true), // own ID 0
			aw(apicICRHI, 0x01000000), aw(apicICRLO, 0x41), vecBit(apicIRR, 0x41, false), // absent CPU
			aw(apicICRHI, 0xFF000000), aw(apicICRLO, 0x42), vecBit(apicIRR, 0x42, true), // broadcast
			aw(apicID, 0x07000000), aw(apicICRHI, 0x07000000), aw(apicICRLO, 0x43), vecBit(apicIRR, 0x43, true),
			ar(apicICRLO, 0x43), // delivery status reads 0
		})},
		{"logical destination, flat and cluster", seq(lapicEnable, []step{
			aw(apicLDR, 0x01000000),
			aw(apicICRHI, 0x03000000), aw(apicICRLO, icrLogical|0x50), vecBit(apicIRR, 0x50, true),
			aw(apicICRHI, 0x02000000), aw(apicICRLO, icrLogical|0x51), vecBit(apicIRR, 0x51, false),
			aw(apicDFR, 0x0FFFFFFF), aw(apicLDR, 0x21000000),
			aw(apicICRHI, 0x23000000), aw(apicICRLO, icrLogical|0x52), vecBit(apicIRR, 0x52, true),
			aw(apicICRHI, 0x11000000), aw(apicICRLO, icrLogical|0x53), vecBit(apicIRR, 0x53, false),
			aw(apicICRHI, 0x22000000), aw(apicICRLO, icrLogical|0x54), vecBit(apicIRR, 0x54, false),
		})},
		{"shorthands", seq(lapicEnable, []step{
			aw(apicICRHI, 0x05000000),
			aw(apicICRLO, shAllIncl|0x60), vecBit(apicIRR, 0x60, true),
			aw(apicICRLO, shAllExcl|0x61), vecBit(apicIRR, 0x61, false),
			aw(apicICRLO, shSelf|dmLowest|0x62), vecBit(apicIRR, 0x62, true),
		})},
		{"INIT, SIPI, SMI to others are ignored", seq(lapicEnable, []step{
			aw(apicICRLO, 0x000C4500), aw(apicICRLO, 0x000C4610), ar(apicICRLO, 0x000C4610),
			aw(apicICRLO, shAllIncl|dmSMI), aw(apicICRLO, dmINIT), aw(apicICRLO, dmSIPI|0x10),
			pend(false), ar(apicIRR, 0), ar(apicESR, 0), evs(),
		})},
		{"NMI IPI", seq(lapicEnable, []step{
			aw(apicICRLO, shSelf|dmNMI), evs("nmi"),
			aw(apicICRHI, 0), aw(apicICRLO, dmNMI), evs("nmi"),
			aw(apicICRHI, 0x03000000), aw(apicICRLO, dmNMI), evs(),
			aw(apicICRLO, shAllExcl|dmNMI), evs(),
			pend(false),
		})},
		{"illegal vectors and the error LVT", seq(lapicEnable, []step{
			aw(apicLVTERR, 0xE0),
			selfIPI(0x05), ar(apicESR, 0), aw(apicESR, 0), ar(apicESR, esrSendIllegal),
			vecBit(apicIRR, 0xE0, true), vecBit(apicIRR, 0x05, false),
			call("SetIRQ(3)", func(r *rig) { r.dev.(*LAPIC).SetIRQ(3) }),
			aw(apicESR, 0), ar(apicESR, esrRecvIllegal), aw(apicESR, 0), ar(apicESR, 0),
		})},
		{"software-disabled APIC drops fixed interrupts", []step{
			selfIPI(0x40), call("SetIRQ(0x41)", func(r *rig) { r.dev.(*LAPIC).SetIRQ(0x41) }),
			ar(apicIRR+0x20, 0), pend(false),
			aw(apicICRLO, shSelf|dmNMI), evs("nmi"), // NMIs still go through
		}},
		{"SetIRQ", seq(lapicEnable, []step{
			call("SetIRQ(0x99)", func(r *rig) { r.dev.(*LAPIC).SetIRQ(0x99) }),
			pend(true), ack(0x99, true), aw(apicEOI, 0),
		})},
		{"INTR follows Pending", seq(lapicEnable, []step{
			call("hook INTR", func(r *rig) { r.dev.(*LAPIC).INTR = r.level("intr") }),
			selfIPI(0x70), evs("intr=1"), selfIPI(0x71), evs(),
			aw(apicTPR, 0x80), evs("intr=0"), aw(apicTPR, 0), evs("intr=1"),
			ack(0x71, true), evs("intr=0"), // 0x70 is blocked by 0x71 in service
			aw(apicEOI, 0), evs("intr=1"), ack(0x70, true), evs("intr=0"),
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runSteps(t, newLAPICRig(), tt.steps) })
	}
}

func TestLAPICTimer(t *testing.T) {
	const vec = 0x20
	fired := func(set bool) step { return vecBit(apicIRR, vec, set) }
	ackEOI := []step{ack(vec, true), aw(apicEOI, 0)}
	tests := []struct {
		name  string
		steps []step
	}{
		{"one-shot fires after TMICT ticks", seq(lapicEnable, []step{
			aw(apicTDCR, 0xB), aw(apicLVTT, vec), deadline(0, false),
			aw(apicTMICT, 1000), ar(apicTMICT, 1000), ar(apicTMCCT, 1000), deadline(1000, true),
			adv(999), fired(false), ar(apicTMCCT, 1), pend(false), deadline(1, true),
			adv(1), fired(true), ar(apicTMCCT, 0), pend(true), deadline(0, false),
		}, ackEOI, []step{
			adv(5000), fired(false), pend(false), ar(apicTMCCT, 0), ar(apicTMICT, 1000),
		})},
		{"periodic re-arms", seq(lapicEnable, []step{
			aw(apicTDCR, 0xB), aw(apicLVTT, lvtPeriodic|vec), aw(apicTMICT, 100),
			adv(100), fired(true), ar(apicTMCCT, 100), deadline(100, true),
		}, ackEOI, []step{
			adv(50), ar(apicTMCCT, 50), fired(false),
			adv(50), fired(true),
		}, ackEOI, []step{
			adv(1050), fired(true), ar(apicTMCCT, 50), deadline(50, true), // missed periods collapse
		})},
		{"register reads see an expiry before Tick", seq(lapicEnable, []step{
			aw(apicTDCR, 0xB), aw(apicLVTT, vec), aw(apicTMICT, 10),
			call("clock +10 without Tick", func(r *rig) { r.clock.Advance(10) }),
			fired(true), ar(apicTMCCT, 0),
		})},
		{"divide by 2", seq(lapicEnable, []step{
			aw(apicTDCR, 0), aw(apicLVTT, vec), aw(apicTMICT, 10), deadline(20, true),
			adv(1), ar(apicTMCCT, 10), adv(1), ar(apicTMCCT, 9), adv(17), ar(apicTMCCT, 1), fired(false),
			adv(1), fired(true), ar(apicTMCCT, 0),
		})},
		{"divide change keeps the count", seq(lapicEnable, []step{
			aw(apicTDCR, 0xB), aw(apicLVTT, vec), aw(apicTMICT, 100),
			adv(40), aw(apicTDCR, 0x3), ar(apicTMCCT, 60), deadline(960, true),
			adv(16), ar(apicTMCCT, 59),
		})},
		{"masked timer counts silently", seq(lapicEnable, []step{
			aw(apicTDCR, 0xB), aw(apicLVTT, lvtMasked|vec), aw(apicTMICT, 100), deadline(0, false),
			adv(40), ar(apicTMCCT, 60), adv(60), fired(false), ar(apicTMCCT, 0),
			aw(apicLVTT, vec), adv(1000), fired(false),
		})},
		{"unmasking a running periodic timer", seq(lapicEnable, []step{
			aw(apicTDCR, 0xB), aw(apicLVTT, lvtMasked|lvtPeriodic|vec), aw(apicTMICT, 100),
			adv(250), fired(false), aw(apicLVTT, lvtPeriodic|vec), deadline(50, true), ar(apicTMCCT, 50),
			adv(50), fired(true),
		})},
		{"TMICT 0 stops the timer", seq(lapicEnable, []step{
			aw(apicTDCR, 0xB), aw(apicLVTT, lvtPeriodic|vec), aw(apicTMICT, 100), adv(30),
			aw(apicTMICT, 0), ar(apicTMCCT, 0), deadline(0, false), adv(1000), fired(false),
		})},
		{"TMICT write restarts", seq(lapicEnable, []step{
			aw(apicTDCR, 0xB), aw(apicLVTT, vec), aw(apicTMICT, 100), adv(90),
			aw(apicTMICT, 100), ar(apicTMCCT, 100), adv(99), fired(false), adv(1), fired(true),
		})},
		{"mode change keeps the running count", seq(lapicEnable, []step{
			// The kvm-unit-tests apic "change mode" sequence.
			aw(apicTDCR, 0xB), aw(apicLVTT, vec), aw(apicTMICT, 1000),
			adv(600), aw(apicLVTT, lvtPeriodic|vec), ar(apicTMICT, 1000), ar(apicTMCCT, 400),
			adv(400), fired(true), ar(apicTMCCT, 1000),
		}, ackEOI, []step{
			adv(700), aw(apicLVTT, vec), ar(apicTMCCT, 300),
			adv(300), fired(true), ar(apicTMCCT, 0),
		}, ackEOI, []step{
			aw(apicLVTT, lvtPeriodic|vec), ar(apicTMCCT, 0), adv(5000), fired(false),
		})},
		{"timer with an illegal vector sets ESR", seq(lapicEnable, []step{
			aw(apicTDCR, 0xB), aw(apicLVTT, 0x02), aw(apicTMICT, 5), adv(5),
			ar(apicIRR, 0), aw(apicESR, 0), ar(apicESR, esrRecvIllegal),
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { runSteps(t, newLAPICRig(), tt.steps) })
	}
}

func TestLAPICTimerDivide(t *testing.T) {
	for tdcr, div := range map[uint32]uint64{
		0x0: 2, 0x1: 4, 0x2: 8, 0x3: 16, 0x8: 32, 0x9: 64, 0xA: 128, 0xB: 1,
	} {
		r := newLAPICRig()
		runSteps(t, r, seq(lapicEnable, []step{
			aw(apicTDCR, tdcr), aw(apicLVTT, 0x20), aw(apicTMICT, 3), deadline(3*div, true),
		}))
	}
}

func TestLAPICPassesPIC(t *testing.T) {
	tests := []struct {
		name string
		lvt0 uint32
		want bool
	}{
		{"ExtINT", 0x700, true},
		{"ExtINT level", 0x8700, true},
		{"masked ExtINT", 0x10700, false},
		{"fixed", 0x30, false},
		{"NMI", 0x400, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLAPIC(&ManualClock{})
			if l.PassesPIC() {
				t.Fatal("reset LINT0 passes the PIC")
			}
			l.Write(apicSPIV, le(0x1FF, 4))
			l.Write(apicLVT0, le(uint64(tt.lvt0), 4))
			if got := l.PassesPIC(); got != tt.want {
				t.Fatalf("PassesPIC() = %v, want %v", got, tt.want)
			}
		})
	}
}
