package devices

import (
	"fmt"
	"sort"
)

// Device is a port-I/O or MMIO device. off is relative to the device's base;
// len(data) is the access size (1, 2, 4 or 8 bytes), little-endian.
type Device interface {
	Read(off uint64, data []byte)
	Write(off uint64, data []byte)
}

// busRange is one device mapped at [base, base+n).
type busRange struct {
	base, n uint64
	dev     Device
}

// Bus maps address ranges to devices. It is used both for the 64 KiB port-I/O
// space and for MMIO. The zero value is an empty bus.
//
// Invariant: ranges is sorted by base and no two ranges overlap.
type Bus struct {
	ranges []busRange
}

// Insert maps d at [base, base+n). It rejects n == 0, wrap-around and any
// overlap with a range already on the bus.
func (b *Bus) Insert(d Device, base, n uint64) error {
	if n == 0 {
		return fmt.Errorf("bus: device at %#x has zero length", base)
	}
	if base+n < base {
		return fmt.Errorf("bus: range %#x+%#x wraps around", base, n)
	}
	i := sort.Search(len(b.ranges), func(i int) bool { return b.ranges[i].base >= base })
	if i > 0 {
		if p := b.ranges[i-1]; p.base+p.n > base {
			return fmt.Errorf("bus: range %#x+%#x overlaps %#x+%#x", base, n, p.base, p.n)
		}
	}
	if i < len(b.ranges) {
		if q := b.ranges[i]; base+n > q.base {
			return fmt.Errorf("bus: range %#x+%#x overlaps %#x+%#x", base, n, q.base, q.n)
		}
	}
	b.ranges = append(b.ranges, busRange{})
	copy(b.ranges[i+1:], b.ranges[i:])
	b.ranges[i] = busRange{base: base, n: n, dev: d}
	return nil
}

// find returns the range containing addr, or nil.
func (b *Bus) find(addr uint64) *busRange {
	i := sort.Search(len(b.ranges), func(i int) bool { return b.ranges[i].base+b.ranges[i].n > addr })
	if i < len(b.ranges) && b.ranges[i].base <= addr {
		return &b.ranges[i]
	}
	return nil
}

// Read dispatches a read of len(data) bytes at addr. It reports false when no
// device claims addr; data is then left untouched and the caller decides what
// an unclaimed access means (all-ones for port I/O).
func (b *Bus) Read(addr uint64, data []byte) bool {
	r := b.find(addr)
	if r == nil {
		return false
	}
	r.dev.Read(addr-r.base, data)
	return true
}

// Write dispatches a write of data at addr. It reports false when no device
// claims addr.
func (b *Bus) Write(addr uint64, data []byte) bool {
	r := b.find(addr)
	if r == nil {
		return false
	}
	r.dev.Write(addr-r.base, data)
	return true
}
