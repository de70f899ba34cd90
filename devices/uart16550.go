package devices

import "io"

// Register offsets of the 16550 (National Semiconductor PC16550D data sheet).
const (
	uartRBR = 0 // receiver buffer (read, DLAB=0); THR on write; DLL when DLAB=1
	uartIER = 1 // interrupt enable (DLAB=0); DLM when DLAB=1
	uartIIR = 2 // interrupt identification (read); FCR on write
	uartLCR = 3 // line control; bit 7 is DLAB
	uartMCR = 4 // modem control; bit 4 is loopback
	uartLSR = 5 // line status
	uartMSR = 6 // modem status
	uartSCR = 7 // scratch
)

// Line status register bits.
const (
	lsrDR   = 0x01 // data ready
	lsrTHRE = 0x20 // transmitter holding register empty
	lsrTEMT = 0x40 // transmitter empty
)

// Interrupt enable register bits.
const (
	ierRDA  = 0x01 // received data available
	ierTHRE = 0x02 // transmitter holding register empty
)

// UART16550 is a 16550A serial port, as at COM1 (0x3f8, IRQ 4). Transmission is
// instantaneous: every byte written to THR goes straight to Out, so LSR always
// reports THRE and TEMT. Received bytes come from Receive.
//
// Fields are the device's registers; they are touched only through Read and
// Write (and Receive), from the one goroutine that runs the CPU.
type UART16550 struct {
	Out io.Writer  // where transmitted bytes go; nil discards them
	IRQ func(bool) // interrupt line level, called on every change; may be nil

	dll, dlm byte // divisor latch
	ier      byte
	lcr      byte
	mcr      byte
	scr      byte
	fcr      byte
	rx       []byte // receive FIFO
	thrIntr  bool   // THRE interrupt pending (cleared by IIR read or THR write)
	irqLevel bool
}

// Receive queues bytes as if they had arrived on the line.
func (u *UART16550) Receive(b []byte) {
	u.rx = append(u.rx, b...)
	u.updateIRQ()
}

// Read implements Device.
func (u *UART16550) Read(off uint64, data []byte) {
	v := u.readReg(off)
	for i := range data {
		data[i] = 0
	}
	if len(data) > 0 {
		data[0] = v
	}
}

// Write implements Device. Only the low byte of a wider write is used.
func (u *UART16550) Write(off uint64, data []byte) {
	if len(data) == 0 {
		return
	}
	u.writeReg(off, data[0])
}

func (u *UART16550) dlab() bool { return u.lcr&0x80 != 0 }

func (u *UART16550) loopback() bool { return u.mcr&0x10 != 0 }

func (u *UART16550) readReg(off uint64) byte {
	switch off {
	case uartRBR:
		if u.dlab() {
			return u.dll
		}
		if len(u.rx) == 0 {
			return 0
		}
		b := u.rx[0]
		u.rx = u.rx[1:]
		u.updateIRQ()
		return b
	case uartIER:
		if u.dlab() {
			return u.dlm
		}
		return u.ier
	case uartIIR:
		id := u.iir()
		if id == 0x02 { // reading IIR acknowledges a THRE interrupt
			u.thrIntr = false
			u.updateIRQ()
		}
		if u.fcr&0x01 != 0 {
			id |= 0xc0 // FIFOs enabled
		}
		return id
	case uartLCR:
		return u.lcr
	case uartMCR:
		return u.mcr
	case uartLSR:
		v := byte(lsrTHRE | lsrTEMT)
		if len(u.rx) > 0 {
			v |= lsrDR
		}
		return v
	case uartMSR:
		if u.loopback() {
			// DTR→DSR, RTS→CTS, OUT1→RI, OUT2→DCD.
			m := u.mcr
			return (m&0x01)<<5 | (m&0x02)<<3 | (m&0x04)<<4 | (m&0x08)<<4
		}
		return 0xb0 // DCD, DSR, CTS asserted: a terminal is attached
	case uartSCR:
		return u.scr
	}
	return 0xff
}

func (u *UART16550) writeReg(off uint64, v byte) {
	switch off {
	case uartRBR:
		if u.dlab() {
			u.dll = v
			return
		}
		if u.loopback() {
			u.rx = append(u.rx, v)
		} else if u.Out != nil {
			_, _ = u.Out.Write([]byte{v})
		}
		u.thrIntr = true // the byte left at once: THR is empty again
	case uartIER:
		if u.dlab() {
			u.dlm = v
			return
		}
		if v&ierTHRE != 0 && u.ier&ierTHRE == 0 {
			u.thrIntr = true // enabling THRE with THR empty raises it
		}
		u.ier = v & 0x0f
	case uartIIR:
		u.fcr = v & 0xc9
		if v&0x02 != 0 { // clear receive FIFO
			u.rx = u.rx[:0]
		}
	case uartLCR:
		u.lcr = v
	case uartMCR:
		u.mcr = v & 0x1f
	case uartSCR:
		u.scr = v
	}
	// LSR and MSR writes are ignored (factory test registers).
	u.updateIRQ()
}

// iir computes the interrupt identification code, highest priority first.
func (u *UART16550) iir() byte {
	switch {
	case u.ier&ierRDA != 0 && len(u.rx) > 0:
		return 0x04
	case u.ier&ierTHRE != 0 && u.thrIntr:
		return 0x02
	}
	return 0x01 // no interrupt pending
}

func (u *UART16550) updateIRQ() {
	// OUT2 gates the interrupt line to the PIC on PC hardware.
	level := u.iir()&0x01 == 0 && u.mcr&0x08 != 0
	if level != u.irqLevel {
		u.irqLevel = level
		if u.IRQ != nil {
			u.IRQ(level)
		}
	}
}
