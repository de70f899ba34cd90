package devices

// DebugExit is QEMU's isa-debug-exit device. A write of value v asks the VM to
// stop with exit status (v<<1)|1, exactly as QEMU's device does, so scripts that
// check QEMU's status work unchanged. The value is the full width of the write.
type DebugExit struct {
	// OnExit is called with the exit status on every write. The VM stops the CPU
	// from it; DebugExit keeps no state of its own.
	OnExit func(status int)
}

// Read returns all-ones, as an ISA bus with nothing driving it.
func (d *DebugExit) Read(off uint64, data []byte) {
	for i := range data {
		data[i] = 0xff
	}
}

// Write requests the exit with status (value<<1)|1.
func (d *DebugExit) Write(off uint64, data []byte) {
	var v uint64
	for i := len(data) - 1; i >= 0; i-- {
		v = v<<8 | uint64(data[i])
	}
	if d.OnExit != nil {
		d.OnExit(int(uint32(v<<1 | 1)))
	}
}
