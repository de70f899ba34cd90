package svm

import "strconv"

// Event is the 64-bit format shared by EVENTINJ (VMCB 0x0A8, an event for
// VMRUN to deliver) and EXITINTINFO (VMCB 0x088, the event that was being
// delivered when the #VMEXIT happened) (APM vol. 2, §15.20 "Event Injection"
// and "Intercepts During IDT Interrupt Delivery"; KVM: SVM_EVTINJ_* and
// SVM_EXITINTINFO_*, which keep bits 63:32 in a separate u32):
//
//	bits 7:0    VECTOR     IDT vector; ignored for NMI
//	bits 10:8   TYPE       EventType
//	bit  11     EV         error code valid
//	bits 30:12  reserved
//	bit  31     V          valid
//	bits 63:32  ERRORCODE  pushed when EV is set
//
// The zero Event is "no event".
type Event uint64

// EventType is the TYPE field, bits 10:8 of an Event.
type EventType uint8

// Event types; 1, 5, 6 and 7 are reserved.
const (
	EventTypeIntr      EventType = 0 // INTR: external or virtual interrupt (KVM: SVM_EVTINJ_TYPE_INTR)
	EventTypeNMI       EventType = 2 // NMI (KVM: SVM_EVTINJ_TYPE_NMI)
	EventTypeException EventType = 3 // exception, fault or trap, including #BP/#OF from INT3/INTO (KVM: SVM_EVTINJ_TYPE_EXEPT)
	EventTypeSoftInt   EventType = 4 // software interrupt, INTn (KVM: SVM_EVTINJ_TYPE_SOFT)
)

// Field masks of Event.
const (
	EventVectorMask   Event = 0xFF       // VECTOR, bits 7:0 (KVM: SVM_EVTINJ_VEC_MASK)
	EventTypeShift          = 8          // shift of TYPE (KVM: SVM_EVTINJ_TYPE_SHIFT)
	EventTypeMask     Event = 7 << 8     // TYPE, bits 10:8 (KVM: SVM_EVTINJ_TYPE_MASK)
	EventEV           Event = 1 << 11    // EV, error code valid (KVM: SVM_EVTINJ_VALID_ERR)
	EventReservedMask Event = 0x7FFFF000 // bits 30:12, reserved (KVM: SVM_EVTINJ_RESERVED_BITS)
	EventV            Event = 1 << 31    // V, valid (KVM: SVM_EVTINJ_VALID)
	EventErrCodeShift       = 32         // shift of ERRORCODE
	EventLowMask      Event = 0xFFFFFFFF // bits 31:0, what KVM keeps in event_inj / exit_int_info
)

// NewEvent returns a valid event of type t with the given vector and no error
// code.
func NewEvent(t EventType, vector uint8) Event {
	return EventV | Event(t&7)<<EventTypeShift | Event(vector)
}

// NewEventErr returns a valid event of type t with the given vector and error
// code; EV is set.
func NewEventErr(t EventType, vector uint8, errCode uint32) Event {
	return NewEvent(t, vector) | EventEV | Event(errCode)<<EventErrCodeShift
}

// Valid reports whether V (bit 31) is set.
func (e Event) Valid() bool { return e&EventV != 0 }

// Vector returns VECTOR, bits 7:0.
func (e Event) Vector() uint8 { return uint8(e) }

// Type returns TYPE, bits 10:8.
func (e Event) Type() EventType { return EventType((e & EventTypeMask) >> EventTypeShift) }

// HasErrCode reports whether EV (bit 11) is set.
func (e Event) HasErrCode() bool { return e&EventEV != 0 }

// ErrCode returns ERRORCODE, bits 63:32. It is meaningful only if HasErrCode.
func (e Event) ErrCode() uint32 { return uint32(e >> EventErrCodeShift) }

// Reserved returns bits 30:12, which must be zero.
func (e Event) Reserved() uint32 { return uint32(e & EventReservedMask) }

// String returns a compact form for traces: "none" for the zero Event,
// otherwise "EXCP vec=0xe err=0x2" (TYPE, VECTOR, and ERRORCODE if EV is
// set), prefixed by "invalid " when V is clear and followed by
// " rsvd=0x…" when reserved bits are set.
func (e Event) String() string {
	if e == 0 {
		return "none"
	}
	s := ""
	if !e.Valid() {
		s = "invalid "
	}
	s += e.Type().String() + " vec=" + hex(uint64(e.Vector()))
	if e.HasErrCode() {
		s += " err=" + hex(uint64(e.ErrCode()))
	}
	if r := e.Reserved(); r != 0 {
		s += " rsvd=" + hex(uint64(r))
	}
	return s
}

// String returns the APM-style name of the event type ("INTR", "NMI",
// "EXCP", "SOFT"), or "TYPE" and the number for a reserved type.
func (t EventType) String() string {
	switch t {
	case EventTypeIntr:
		return "INTR"
	case EventTypeNMI:
		return "NMI"
	case EventTypeException:
		return "EXCP"
	case EventTypeSoftInt:
		return "SOFT"
	}
	return "TYPE" + strconv.Itoa(int(t))
}
