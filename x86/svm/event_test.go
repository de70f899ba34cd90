package svm

import "testing"

func TestEventEncode(t *testing.T) {
	tests := []struct {
		name string
		got  Event
		want Event
	}{
		// EXITINTINFO of a #PF while vectoring INT3: #BP, exception, valid.
		{"#BP from INT3", NewEvent(EventTypeException, 3), 0x80000303},
		{"#OF from INTO", NewEvent(EventTypeException, 4), 0x80000304},
		{"INT 0x20", NewEvent(EventTypeSoftInt, 0x20), 0x80000420},
		{"INT 3 as CD 03", NewEvent(EventTypeSoftInt, 3), 0x80000403},
		{"#GP(0)", NewEventErr(EventTypeException, 13, 0), 0x80000B0D},
		{"#GP(0x18)", NewEventErr(EventTypeException, 13, 0x18), 0x80000B0D | 0x18<<32},
		{"#PF(W)", NewEventErr(EventTypeException, 14, 2), 0x2_80000B0E},
		{"#DF(0)", NewEventErr(EventTypeException, 8, 0), 0x80000B08},
		{"#UD", NewEvent(EventTypeException, 6), 0x80000306},
		{"NMI", NewEvent(EventTypeNMI, 2), 0x80000202},
		{"INTR 0x30", NewEvent(EventTypeIntr, 0x30), 0x80000030},
		{"error code all ones", NewEventErr(EventTypeException, 17, 0xFFFFFFFF), 0xFFFFFFFF_80000B11},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %#x, want %#x", uint64(tt.got), uint64(tt.want))
			}
		})
	}
}

func TestEventDecode(t *testing.T) {
	tests := []struct {
		name     string
		e        Event
		valid    bool
		vector   uint8
		typ      EventType
		hasErr   bool
		errCode  uint32
		reserved uint32
		str      string
	}{
		{"none", 0, false, 0, EventTypeIntr, false, 0, 0, "none"},
		{"#BP", 0x80000303, true, 3, EventTypeException, false, 0, 0, "EXCP vec=0x3"},
		{"soft 0x20", 0x80000420, true, 0x20, EventTypeSoftInt, false, 0, 0, "SOFT vec=0x20"},
		{"#GP(0x18)", 0x18_80000B0D, true, 13, EventTypeException, true, 0x18, 0, "EXCP vec=0xd err=0x18"},
		{"#PF(0)", 0x80000B0E, true, 14, EventTypeException, true, 0, 0, "EXCP vec=0xe err=0x0"},
		{"NMI", 0x80000202, true, 2, EventTypeNMI, false, 0, 0, "NMI vec=0x2"},
		{"INTR 0xef", 0x800000EF, true, 0xEF, EventTypeIntr, false, 0, 0, "INTR vec=0xef"},
		{"V clear", 0x0000030E, false, 14, EventTypeException, false, 0, 0, "invalid EXCP vec=0xe"},
		{"reserved type 5", 0x80000520, true, 0x20, 5, false, 0, 0, "TYPE5 vec=0x20"},
		{"reserved bits", 0x80001303, true, 3, EventTypeException, false, 0, 0x1000, "EXCP vec=0x3 rsvd=0x1000"},
		{"all reserved bits", 0xFFFFFFFF, true, 0xFF, 7, true, 0, 0x7FFFF000, "TYPE7 vec=0xff err=0x0 rsvd=0x7ffff000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.e
			if e.Valid() != tt.valid {
				t.Errorf("Valid() = %v, want %v", e.Valid(), tt.valid)
			}
			if e.Vector() != tt.vector {
				t.Errorf("Vector() = %#x, want %#x", e.Vector(), tt.vector)
			}
			if e.Type() != tt.typ {
				t.Errorf("Type() = %v, want %v", e.Type(), tt.typ)
			}
			if e.HasErrCode() != tt.hasErr {
				t.Errorf("HasErrCode() = %v, want %v", e.HasErrCode(), tt.hasErr)
			}
			if e.ErrCode() != tt.errCode {
				t.Errorf("ErrCode() = %#x, want %#x", e.ErrCode(), tt.errCode)
			}
			if e.Reserved() != tt.reserved {
				t.Errorf("Reserved() = %#x, want %#x", e.Reserved(), tt.reserved)
			}
			if got := e.String(); got != tt.str {
				t.Errorf("String() = %q, want %q", got, tt.str)
			}
		})
	}
}

// TestEventRoundTrip checks that the accessors invert the constructors for
// every type and a spread of vectors and error codes.
func TestEventRoundTrip(t *testing.T) {
	for _, typ := range []EventType{EventTypeIntr, EventTypeNMI, EventTypeException, EventTypeSoftInt} {
		t.Run(typ.String(), func(t *testing.T) {
			for v := 0; v < 256; v += 17 {
				for _, code := range []uint32{0, 1, 0x8000_0000, 0xFFFF_FFFF} {
					e := NewEventErr(typ, uint8(v), code)
					if !e.Valid() || e.Type() != typ || e.Vector() != uint8(v) || !e.HasErrCode() || e.ErrCode() != code || e.Reserved() != 0 {
						t.Fatalf("NewEventErr(%v, %#x, %#x) = %#x decodes wrong", typ, v, code, uint64(e))
					}
					if e&EventLowMask != NewEvent(typ, uint8(v))|EventEV {
						t.Fatalf("low half of %#x wrong", uint64(e))
					}
				}
			}
		})
	}
}

func TestEventMasks(t *testing.T) {
	tests := []struct {
		name      string
		got, want Event
	}{
		{"vector", EventVectorMask, 0xFF},
		{"type", EventTypeMask, 0x700},
		{"EV", EventEV, 0x800},
		{"reserved", EventReservedMask, 0x7FFFF000},
		{"V", EventV, 0x80000000},
		{"low", EventLowMask, 0xFFFFFFFF},
		{"masks tile the low half", EventVectorMask | EventTypeMask | EventEV | EventReservedMask | EventV, EventLowMask},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %#x, want %#x", uint64(tt.got), uint64(tt.want))
			}
		})
	}
}
