package devices

import (
	"encoding/binary"
	"fmt"
)

// I/O ports of QEMU's fw_cfg device on x86: the 16-bit selector register at
// 0x510 and the data register at 0x511. The DMA interface (0x514) is not
// provided, and FwCfgID says so.
const (
	FwCfgBase = 0x510
	FwCfgSize = 2
)

// fw_cfg selector keys (QEMU docs/specs/fw_cfg.rst, "Firmware Configuration
// Items").
const (
	FwCfgSignature = 0x0000 // "QEMU"
	FwCfgID        = 0x0001 // feature bitmap, 32-bit little-endian
	FwCfgUUID      = 0x0002
	FwCfgRAMSize   = 0x0003 // 64-bit little-endian
	FwCfgNoGraphic = 0x0004
	FwCfgNbCPUs    = 0x0005 // 16-bit little-endian
	FwCfgMaxCPUs   = 0x000F // 16-bit little-endian
	FwCfgFileDir   = 0x0019 // file directory, big-endian
	FwCfgFileFirst = 0x0020 // first key of a named file

	fwCfgWrite = 0x4000 // selector bit 14: write channel (deprecated), not part of the key
)

// fwCfgFileEntry is the size of one FWCfgFile record in the file directory:
// size (BE32), select (BE16), reserved (16 bits), name[56].
const fwCfgFileEntry = 64

// FwCfg is QEMU's firmware configuration device with the traditional
// (non-DMA) interface: writing a key to the selector register chooses an
// item and rewinds it; each byte read from the data register returns the
// item's next byte, and 0 past its end or for an unknown key. A read of N
// bytes from the data register returns the next N bytes, as QEMU documents.
// The selector reads as 0; data writes (the deprecated write channel) are
// ignored.
//
// Byte orders are QEMU's: the well-known numeric items are little-endian,
// the file directory is big-endian. Keys with bit 15 set (FW_CFG_ARCH_LOCAL)
// are separate items, as in QEMU; bit 14 (write) is ignored.
type FwCfg struct {
	items map[uint16][]byte
	files []byte // directory records after the count, in AddFile order
	key   uint16 // selected key (write bit removed)
	pos   int    // next byte of the selected item to read
}

// NewFwCfg returns a fw_cfg device describing a machine with ramSize bytes of
// RAM and cpus CPUs: signature "QEMU", ID 1 (traditional interface only),
// RAM_SIZE, NB_CPUS, MAX_CPUS and an empty file directory.
func NewFwCfg(ramSize uint64, cpus uint16) *FwCfg {
	f := &FwCfg{items: map[uint16][]byte{}}
	f.Set(FwCfgSignature, []byte("QEMU"))
	f.Set(FwCfgID, binary.LittleEndian.AppendUint32(nil, 1))
	f.Set(FwCfgRAMSize, binary.LittleEndian.AppendUint64(nil, ramSize))
	f.Set(FwCfgNbCPUs, binary.LittleEndian.AppendUint16(nil, cpus))
	f.Set(FwCfgMaxCPUs, binary.LittleEndian.AppendUint16(nil, cpus))
	f.Set(FwCfgFileDir, make([]byte, 4))
	return f
}

// Set makes key read as data (the slice is kept, not copied).
func (f *FwCfg) Set(key uint16, data []byte) {
	f.items[key&^fwCfgWrite] = data
}

// AddFile adds a named item at the next free file key and lists it in the
// file directory. It fails when the name does not fit the directory's 56
// bytes (with its NUL) or the file keys are exhausted.
func (f *FwCfg) AddFile(name string, data []byte) (key uint16, err error) {
	if len(name) == 0 || len(name) > 55 {
		return 0, fmt.Errorf("fw_cfg: file name %q must be 1 to 55 bytes", name)
	}
	n := len(f.files) / fwCfgFileEntry
	if FwCfgFileFirst+n >= fwCfgWrite {
		return 0, fmt.Errorf("fw_cfg: no file key left for %q", name)
	}
	key = uint16(FwCfgFileFirst + n)
	var rec [fwCfgFileEntry]byte
	binary.BigEndian.PutUint32(rec[0:], uint32(len(data)))
	binary.BigEndian.PutUint16(rec[4:], key)
	copy(rec[8:], name)
	f.files = append(f.files, rec[:]...)
	dir := binary.BigEndian.AppendUint32(nil, uint32(n+1))
	f.Set(FwCfgFileDir, append(dir, f.files...))
	f.Set(key, data)
	return key, nil
}

// Read implements Device. The selector reads as 0; from the data register
// on, each byte of the access is the item's next byte.
func (f *FwCfg) Read(off uint64, data []byte) {
	clear(data)
	if off > 1 {
		return
	}
	item := f.items[f.key]
	for i := 1 - int(off); i < len(data); i++ {
		if f.pos < len(item) {
			data[i] = item[f.pos]
			f.pos++
		}
	}
}

// Write implements Device. A write to the selector (16-bit, little-endian;
// a byte write sets the low byte and clears the high) selects an item.
func (f *FwCfg) Write(off uint64, data []byte) {
	if off != 0 || len(data) == 0 {
		return // data register writes are ignored
	}
	sel := uint16(data[0])
	if len(data) > 1 {
		sel |= uint16(data[1]) << 8
	}
	f.key, f.pos = sel&^fwCfgWrite, 0
}
