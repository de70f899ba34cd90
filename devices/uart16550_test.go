package devices

import (
	"bytes"
	"testing"
)

// op is one register access in a UART test sequence.
type op struct {
	write bool
	off   uint64
	val   byte // value written, or expected on read
}

func w(off uint64, v byte) op { return op{true, off, v} }
func r(off uint64, v byte) op { return op{false, off, v} }

func TestUART16550Registers(t *testing.T) {
	tests := []struct {
		name string
		ops  []op
		out  string
	}{
		{"reset values", []op{r(uartIER, 0), r(uartIIR, 0x01), r(uartLCR, 0), r(uartMCR, 0),
			r(uartLSR, lsrTHRE|lsrTEMT), r(uartMSR, 0xb0), r(uartSCR, 0)}, ""},
		{"transmit", []op{w(uartRBR, 'h'), w(uartRBR, 'i'), r(uartLSR, 0x60)}, "hi"},
		{"divisor latch", []op{w(uartLCR, 0x83), w(0, 0x01), w(1, 0x02), r(0, 0x01), r(1, 0x02),
			w(uartLCR, 0x03), r(uartIER, 0), r(uartLCR, 0x03)}, ""},
		{"DLAB write does not transmit", []op{w(uartLCR, 0x80), w(0, 'x'), w(uartLCR, 0)}, ""},
		{"scratch", []op{w(uartSCR, 0x5a), r(uartSCR, 0x5a)}, ""},
		{"IER keeps low nibble", []op{w(uartIER, 0xff), r(uartIER, 0x0f)}, ""},
		{"FIFO bits in IIR", []op{w(uartIIR, 0x07), r(uartIIR, 0xc1)}, ""},
		{"THRE interrupt", []op{w(uartIER, ierTHRE), r(uartIIR, 0x02), r(uartIIR, 0x01),
			w(uartRBR, 'a'), r(uartIIR, 0x02)}, "a"},
		{"loopback", []op{w(uartMCR, 0x1f), w(uartRBR, 'z'), r(uartLSR, 0x61), r(uartRBR, 'z'),
			r(uartLSR, 0x60), r(uartMSR, 0xf0)}, ""},
		{"LSR and MSR writes ignored", []op{w(uartLSR, 0), w(uartMSR, 0), r(uartLSR, 0x60), r(uartMSR, 0xb0)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			u := &UART16550{Out: &out}
			for i, o := range tt.ops {
				b := []byte{o.val}
				if o.write {
					u.Write(o.off, b)
					continue
				}
				b[0] = 0xee
				u.Read(o.off, b)
				if b[0] != o.val {
					t.Fatalf("op %d: read reg %d = %#x, want %#x", i, o.off, b[0], o.val)
				}
			}
			if out.String() != tt.out {
				t.Fatalf("output %q, want %q", out.String(), tt.out)
			}
		})
	}
}

func TestUART16550Receive(t *testing.T) {
	var levels []bool
	u := &UART16550{IRQ: func(l bool) { levels = append(levels, l) }}
	u.Write(uartMCR, []byte{0x08}) // OUT2 gates the IRQ line
	u.Write(uartIER, []byte{ierRDA})
	u.Receive([]byte("ok"))
	b := []byte{0}
	u.Read(uartIIR, b)
	if b[0] != 0x04 {
		t.Fatalf("IIR = %#x, want 0x04 (received data)", b[0])
	}
	u.Read(uartRBR, b)
	u.Read(uartRBR, b)
	if b[0] != 'k' {
		t.Fatalf("second byte %q, want 'k'", b[0])
	}
	u.Read(uartLSR, b)
	if b[0]&lsrDR != 0 {
		t.Fatal("DR still set after draining")
	}
	if len(levels) != 2 || !levels[0] || levels[1] {
		t.Fatalf("IRQ levels %v, want [true false]", levels)
	}
}
