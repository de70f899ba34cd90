package vmm

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
)

// Multiboot v1 header constants (Multiboot Specification 0.6.96, 3.1).
const (
	mbHeaderMagic  = 0x1badb002
	mbSearchLimit  = 8192
	mbFlagAOutKlg  = 1 << 16 // the header's address fields are valid
	mbInfoFlags    = 0x24f   // mem, boot device, cmdline, mods, mmap, loader name
	mbBootDevice   = 0x8000ffff
	bootLoaderName = "govmm"
)

// ErrNotMultiboot means the image has no Multiboot v1 header.
var ErrNotMultiboot = errors.New("no Multiboot header in the first 8192 bytes")

// Module is a Multiboot module: a file's contents and the string the kernel
// sees for it (QEMU passes the whole -initrd item, arguments included).
type Module struct {
	String string
	Data   []byte
}

// BootInfo is the machine state at the kernel's entry point.
type BootInfo struct {
	Entry    uint32 // physical entry point (EIP)
	LoadLow  uint32 // lowest loaded physical address
	LoadHigh uint32 // end of the image including BSS
	MBI      uint32 // address of the Multiboot information structure (EBX)
	MemUpper uint32 // mem_upper in KiB
}

// mbHeader is the Multiboot header as found in the image.
type mbHeader struct {
	off                                                  int // file offset
	flags                                                uint32
	headerAddr, loadAddr, loadEndAddr, bssEndAddr, entry uint32
}

func findHeader(img []byte) (mbHeader, error) {
	n := len(img)
	if n > mbSearchLimit {
		n = mbSearchLimit
	}
	le := binary.LittleEndian
	for off := 0; off+12 <= n; off += 4 {
		if le.Uint32(img[off:]) != mbHeaderMagic {
			continue
		}
		flags := le.Uint32(img[off+4:])
		if mbHeaderMagic+flags+le.Uint32(img[off+8:]) != 0 {
			continue // checksum mismatch: not a header
		}
		h := mbHeader{off: off, flags: flags}
		if flags&mbFlagAOutKlg != 0 {
			if off+32 > len(img) {
				return h, fmt.Errorf("multiboot header at %#x is truncated", off)
			}
			h.headerAddr = le.Uint32(img[off+12:])
			h.loadAddr = le.Uint32(img[off+16:])
			h.loadEndAddr = le.Uint32(img[off+20:])
			h.bssEndAddr = le.Uint32(img[off+24:])
			h.entry = le.Uint32(img[off+28:])
		}
		return h, nil
	}
	return mbHeader{}, ErrNotMultiboot
}

// segment is one piece of the kernel image to place in RAM.
type segment struct {
	pa    uint64
	data  []byte // file contents
	memsz uint64 // size in memory; the part beyond data is zeroed (BSS)
}

// checkSegment validates a segment against the RAM size.
func checkSegment(ramSize, pa, filesz, memsz uint64) error {
	if memsz < filesz {
		return fmt.Errorf("segment at %#x has file size %#x above its memory size %#x", pa, filesz, memsz)
	}
	if pa+memsz < pa || pa+memsz > ramSize {
		return fmt.Errorf("segment [%#x, %#x) lies outside guest RAM (%d MiB)", pa, pa+memsz, ramSize>>20)
	}
	return nil
}

// parseKernel finds the kernel's segments, physical entry point and
// loaded range.
func parseKernel(ramSize uint64, img []byte) (segs []segment, entry, low, high uint32, err error) {
	h, err := findHeader(img)
	if err != nil {
		return nil, 0, 0, 0, err
	}
	if h.flags&mbFlagAOutKlg != 0 {
		return parseAOut(ramSize, img, h)
	}
	if len(img) < 4 || !bytes.Equal(img[:4], []byte(elf.ELFMAG)) {
		return nil, 0, 0, 0, errors.New("not an ELF file, and the Multiboot header has no address fields (flag bit 16)")
	}
	f, err := elf.NewFile(bytes.NewReader(img))
	if err != nil {
		return nil, 0, 0, 0, fmt.Errorf("bad ELF: %w", err)
	}
	if f.Class != elf.ELFCLASS32 {
		return nil, 0, 0, 0, errors.New("ELF64 kernel without Multiboot address fields (flag bit 16): give a 32-bit ELF, as QEMU requires")
	}
	if f.Machine != elf.EM_386 && f.Machine != elf.EM_X86_64 {
		return nil, 0, 0, 0, fmt.Errorf("ELF machine %v is not x86", f.Machine)
	}
	low, high = ^uint32(0), 0
	entry = uint32(f.Entry)
	for _, p := range f.Progs {
		if p.Type != elf.PT_LOAD || p.Memsz == 0 {
			continue
		}
		data := make([]byte, p.Filesz)
		if _, err := p.ReadAt(data, 0); err != nil {
			return nil, 0, 0, 0, fmt.Errorf("reading segment at %#x: %w", p.Paddr, err)
		}
		if err := checkSegment(ramSize, p.Paddr, p.Filesz, p.Memsz); err != nil {
			return nil, 0, 0, 0, err
		}
		segs = append(segs, segment{pa: p.Paddr, data: data, memsz: p.Memsz})
		// A higher-half kernel's entry is translated from virtual to physical.
		if f.Entry >= p.Vaddr && f.Entry < p.Vaddr+p.Memsz {
			entry = uint32(f.Entry - p.Vaddr + p.Paddr)
		}
		low = min(low, uint32(p.Paddr))
		high = max(high, uint32(p.Paddr+p.Memsz))
	}
	if high == 0 {
		return nil, 0, 0, 0, errors.New("ELF has no loadable segment")
	}
	return segs, entry, low, high, nil
}

// parseAOut finds an image's placement through the Multiboot header's address fields.
func parseAOut(ramSize uint64, img []byte, h mbHeader) (segs []segment, entry, low, high uint32, err error) {
	if h.headerAddr < h.loadAddr {
		return nil, 0, 0, 0, errors.New("multiboot header: header_addr below load_addr")
	}
	textOff := int64(h.off) - int64(h.headerAddr-h.loadAddr)
	if textOff < 0 {
		return nil, 0, 0, 0, errors.New("multiboot header: header_addr does not match the header's file offset")
	}
	loadSize := uint64(len(img)) - uint64(textOff)
	if h.loadEndAddr != 0 {
		if h.loadEndAddr < h.loadAddr {
			return nil, 0, 0, 0, errors.New("multiboot header: load_end_addr below load_addr")
		}
		loadSize = uint64(h.loadEndAddr - h.loadAddr)
	}
	if uint64(textOff)+loadSize > uint64(len(img)) {
		return nil, 0, 0, 0, errors.New("multiboot header: load_end_addr lies beyond the end of the file")
	}
	memSize := loadSize
	if h.bssEndAddr != 0 {
		if uint64(h.bssEndAddr) < uint64(h.loadAddr)+loadSize {
			return nil, 0, 0, 0, errors.New("multiboot header: bss_end_addr below load_end_addr")
		}
		memSize = uint64(h.bssEndAddr - h.loadAddr)
	}
	data := img[textOff : uint64(textOff)+loadSize]
	if err := checkSegment(ramSize, uint64(h.loadAddr), loadSize, memSize); err != nil {
		return nil, 0, 0, 0, err
	}
	segs = []segment{{pa: uint64(h.loadAddr), data: data, memsz: memSize}}
	return segs, h.entry, h.loadAddr, h.loadAddr + uint32(memSize), nil
}

func pageAlign(v uint64) uint64 { return (v + 0xfff) &^ 0xfff }

// LoadMultiboot loads kernel image img into ram as QEMU's -kernel does, with
// the command line "name append" and the given modules, and writes the boot
// structures (BDA, GDT, memory map, Multiboot information).
func LoadMultiboot(ram, img []byte, name, appendText string, mods []Module) (BootInfo, error) {
	if uint64(len(ram)) < MinMem {
		return BootInfo{}, fmt.Errorf("guest RAM of %d KiB is too small: at least %d MiB is needed", len(ram)>>10, MinMem>>20)
	}
	ramSize := uint64(len(ram))
	segs, entry, low, high, err := parseKernel(ramSize, img)
	if err != nil {
		return BootInfo{}, err
	}
	le := binary.LittleEndian

	// Module list, then strings (module strings, cmdline, loader name), then
	// page-aligned module data: QEMU's order.
	modsAddr := uint64(low) + pageAlign(uint64(high-low))
	strAddr := modsAddr + 16*uint64(len(mods))
	put := func(addr uint64, s string) (uint64, error) {
		if addr+uint64(len(s))+1 > ramSize {
			return 0, fmt.Errorf("boot data at %#x does not fit in guest RAM", addr)
		}
		copy(ram[addr:], s)
		ram[addr+uint64(len(s))] = 0
		return addr + uint64(len(s)) + 1, nil
	}
	p := strAddr
	modStr := make([]uint64, len(mods))
	for i, m := range mods {
		modStr[i] = p
		if p, err = put(p, m.String); err != nil {
			return BootInfo{}, err
		}
	}
	cmdAddr := p
	if p, err = put(p, name+" "+appendText); err != nil {
		return BootInfo{}, err
	}
	nameAddr := p
	if p, err = put(p, bootLoaderName); err != nil {
		return BootInfo{}, err
	}
	next := pageAlign(p)
	for i, m := range mods {
		end := next + uint64(len(m.Data))
		if end > ramSize-reservedTail {
			return BootInfo{}, fmt.Errorf("module %q (%d bytes) does not fit in guest RAM", m.String, len(m.Data))
		}
		copy(ram[next:], m.Data)
		e := modsAddr + 16*uint64(i)
		le.PutUint32(ram[e:], uint32(next))
		le.PutUint32(ram[e+4:], uint32(end))
		le.PutUint32(ram[e+8:], uint32(modStr[i]))
		le.PutUint32(ram[e+12:], 0)
		next = pageAlign(end)
	}

	// BIOS data area and the option ROM's GDT.
	le.PutUint16(ram[bdaEBDASeg:], ebdaAddr>>4)
	le.PutUint16(ram[bdaBaseMemKB:], ebdaAddr>>10)
	for i, d := range gdtEntries {
		le.PutUint64(ram[gdtAddr+8*i:], d)
	}

	// Memory map: entries of {size=20, base, length, type}.
	mm := memoryMap(ramSize)
	for i, e := range mm {
		a := mmapAddr + 24*i
		le.PutUint32(ram[a:], 20)
		le.PutUint64(ram[a+4:], e.base)
		le.PutUint64(ram[a+12:], e.length)
		le.PutUint32(ram[a+20:], e.typ)
	}

	memUpper := uint32((ramSize - reservedTail - highMemStart) >> 10)
	mbi := ram[mbiAddr : mbiAddr+mbiSize]
	clear(mbi)
	le.PutUint32(mbi[0:], mbInfoFlags)
	le.PutUint32(mbi[4:], ebdaAddr>>10) // mem_lower
	le.PutUint32(mbi[8:], memUpper)
	le.PutUint32(mbi[12:], mbBootDevice)
	le.PutUint32(mbi[16:], uint32(cmdAddr))
	le.PutUint32(mbi[20:], uint32(len(mods)))
	le.PutUint32(mbi[24:], uint32(modsAddr))
	le.PutUint32(mbi[44:], uint32(24*len(mm)))
	le.PutUint32(mbi[48:], mmapAddr)
	le.PutUint32(mbi[64:], uint32(nameAddr))

	// The kernel is copied last, as QEMU's option ROM does: a kernel that
	// overlaps the boot structures wins.
	for _, sg := range segs {
		copy(ram[sg.pa:], sg.data)
		clear(ram[sg.pa+uint64(len(sg.data)) : sg.pa+sg.memsz])
	}

	return BootInfo{Entry: entry, LoadLow: low, LoadHigh: high, MBI: mbiAddr, MemUpper: memUpper}, nil
}
