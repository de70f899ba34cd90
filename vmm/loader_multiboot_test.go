package vmm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// elfSeg is a PT_LOAD segment for a test ELF.
type elfSeg struct {
	vaddr, paddr uint32
	data         []byte
	memsz        uint32
}

// mbHeaderBytes builds a Multiboot header; with aout set it carries the
// address fields.
func mbHeaderBytes(flags uint32, aout [5]uint32) []byte {
	b := make([]byte, 12, 32)
	le := binary.LittleEndian
	le.PutUint32(b[0:], mbHeaderMagic)
	le.PutUint32(b[4:], flags)
	le.PutUint32(b[8:], -(mbHeaderMagic + flags))
	if flags&mbFlagAOutKlg != 0 {
		for _, v := range aout {
			b = le.AppendUint32(b, v)
		}
	}
	return b
}

// makeELF builds an ELF32 (or ELF64 when class64) executable whose first
// segment starts with a Multiboot header.
func makeELF(class64 bool, entry uint32, segs []elfSeg) []byte {
	le := binary.LittleEndian
	var ehsize, phsize int = 52, 32
	if class64 {
		ehsize, phsize = 64, 56
	}
	off := ehsize + phsize*len(segs)
	var img bytes.Buffer
	hdr := make([]byte, ehsize)
	copy(hdr, "\x7fELF")
	hdr[4] = 1
	if class64 {
		hdr[4] = 2
	}
	hdr[5], hdr[6] = 1, 1
	le.PutUint16(hdr[16:], 2) // ET_EXEC
	if class64 {
		le.PutUint16(hdr[18:], 62)
		le.PutUint32(hdr[20:], 1)
		le.PutUint64(hdr[24:], uint64(entry))
		le.PutUint64(hdr[32:], uint64(ehsize))
		le.PutUint16(hdr[52:], uint16(ehsize))
		le.PutUint16(hdr[54:], uint16(phsize))
		le.PutUint16(hdr[56:], uint16(len(segs)))
	} else {
		le.PutUint16(hdr[18:], 3)
		le.PutUint32(hdr[20:], 1)
		le.PutUint32(hdr[24:], entry)
		le.PutUint32(hdr[28:], uint32(ehsize))
		le.PutUint16(hdr[40:], uint16(ehsize))
		le.PutUint16(hdr[42:], uint16(phsize))
		le.PutUint16(hdr[44:], uint16(len(segs)))
	}
	img.Write(hdr)
	dataOff := off
	for _, s := range segs {
		ph := make([]byte, phsize)
		if class64 {
			le.PutUint32(ph[0:], 1)
			le.PutUint32(ph[4:], 7)
			le.PutUint64(ph[8:], uint64(dataOff))
			le.PutUint64(ph[16:], uint64(s.vaddr))
			le.PutUint64(ph[24:], uint64(s.paddr))
			le.PutUint64(ph[32:], uint64(len(s.data)))
			le.PutUint64(ph[40:], uint64(s.memsz))
		} else {
			le.PutUint32(ph[0:], 1)
			le.PutUint32(ph[4:], uint32(dataOff))
			le.PutUint32(ph[8:], s.vaddr)
			le.PutUint32(ph[12:], s.paddr)
			le.PutUint32(ph[16:], uint32(len(s.data)))
			le.PutUint32(ph[20:], s.memsz)
			le.PutUint32(ph[24:], 7)
		}
		img.Write(ph)
		dataOff += len(s.data)
	}
	for _, s := range segs {
		img.Write(s.data)
	}
	return img.Bytes()
}

func TestLoadMultibootELF32(t *testing.T) {
	text := append(mbHeaderBytes(0, [5]uint32{}), 0xf4, 0xeb, 0xfd)
	img := makeELF(false, 0x10000c, []elfSeg{
		{0x100000, 0x100000, text, uint32(len(text))},
		{0x200000, 0x200000, []byte{1, 2, 3}, 0x300000}, // 3 MiB of BSS
	})
	ram := make([]byte, 16<<20)
	for i := 0x200000; i < 0x500000; i++ {
		ram[i] = 0xaa // BSS must be zeroed
	}
	mods := []Module{{String: "env.txt", Data: []byte("A=1\n")}, {String: "blob x y", Data: make([]byte, 5000)}}
	bi, err := LoadMultiboot(ram, img, "k.elf", "a b=c", mods)
	if err != nil {
		t.Fatal(err)
	}
	le := binary.LittleEndian
	if bi.Entry != 0x10000c || bi.MBI != mbiAddr || bi.LoadLow != 0x100000 || bi.LoadHigh != 0x500000 {
		t.Fatalf("boot info %+v", bi)
	}
	if !bytes.Equal(ram[0x100000:0x100000+len(text)], text) || ram[0x200002] != 3 {
		t.Fatal("segments not loaded")
	}
	for i := 0x200003; i < 0x500000; i++ {
		if ram[i] != 0 {
			t.Fatalf("BSS byte at %#x = %#x", i, ram[i])
		}
	}
	mbi := ram[mbiAddr:]
	cstr := func(a uint32) string {
		s := ram[a:]
		return string(s[:bytes.IndexByte(s, 0)])
	}
	checks := []struct {
		name      string
		got, want uint32
	}{
		{"flags", le.Uint32(mbi[0:]), 0x24f},
		{"mem_lower", le.Uint32(mbi[4:]), 639},
		{"mem_upper", le.Uint32(mbi[8:]), (16<<20 - 0x20000 - 0x100000) >> 10},
		{"boot_device", le.Uint32(mbi[12:]), 0x8000ffff},
		{"mods_count", le.Uint32(mbi[20:]), 2},
		{"mods_addr", le.Uint32(mbi[24:]), 0x500000},
		{"mmap_length", le.Uint32(mbi[44:]), 24 * 9},
		{"mmap_addr", le.Uint32(mbi[48:]), mmapAddr},
		{"mod0 start", le.Uint32(ram[0x500000:]), 0x501000},
		{"mod0 end", le.Uint32(ram[0x500004:]), 0x501004},
		{"mod1 start", le.Uint32(ram[0x500010:]), 0x502000},
		{"mod1 end", le.Uint32(ram[0x500014:]), 0x502000 + 5000},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %#x, want %#x", c.name, c.got, c.want)
		}
	}
	if s := cstr(le.Uint32(mbi[16:])); s != "k.elf a b=c" {
		t.Errorf("cmdline %q", s)
	}
	if s := cstr(le.Uint32(ram[0x500018:])); s != "blob x y" {
		t.Errorf("module string %q", s)
	}
	if s := cstr(le.Uint32(mbi[64:])); s != bootLoaderName {
		t.Errorf("loader name %q", s)
	}
	if string(ram[0x501000:0x501004]) != "A=1\n" {
		t.Error("module data not loaded")
	}
	// Memory map entry 4 is the RAM above 1 MiB.
	e := ram[mmapAddr+3*24:]
	if le.Uint32(e) != 20 || le.Uint64(e[4:]) != 0x100000 || le.Uint64(e[12:]) != 16<<20-0x120000 || le.Uint32(e[20:]) != 1 {
		t.Errorf("mmap entry 3 = % x", e[:24])
	}
	// The GDT QEMU's option ROM leaves.
	if le.Uint64(ram[gdtAddr+8:]) != 0x00cf9a000000ffff {
		t.Error("GDT code descriptor missing")
	}
}

func TestLoadMultibootHigherHalfEntry(t *testing.T) {
	text := append(mbHeaderBytes(0, [5]uint32{}), 0xf4)
	img := makeELF(false, 0xc010000c, []elfSeg{{0xc0100000, 0x100000, text, uint32(len(text))}})
	bi, err := LoadMultiboot(make([]byte, 4<<20), img, "k", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if bi.Entry != 0x10000c {
		t.Fatalf("entry %#x, want the physical 0x10000c", bi.Entry)
	}
}

func TestLoadMultibootAOut(t *testing.T) {
	// A flat binary: header at offset 0 with address fields, code after it.
	const load = 0x100000
	hdr := mbHeaderBytes(mbFlagAOutKlg, [5]uint32{load, load, 0, load + 0x2000, load + 32})
	img := append(hdr, 0xf4)
	// ELF64 with the address fields is accepted, too (QEMU's rule).
	elf64 := makeELF(true, load+32, []elfSeg{{load, load, append(mbHeaderBytes(mbFlagAOutKlg,
		[5]uint32{load + 64 + 56, load, 0, 0, load + 64 + 56 + 32}), 0xf4), 0}})
	for _, tc := range []struct {
		name  string
		img   []byte
		hdrAt int // where the header lands: load_addr + (header_addr - load_addr)
	}{{"flat", img, load}, {"elf64", elf64, load + 64 + 56}} {
		t.Run(tc.name, func(t *testing.T) {
			ram := make([]byte, 4<<20)
			bi, err := LoadMultiboot(ram, tc.img, "k", "", nil)
			if err != nil {
				t.Fatal(err)
			}
			if bi.LoadLow != load {
				t.Fatalf("load %#x", bi.LoadLow)
			}
			if binary.LittleEndian.Uint32(ram[tc.hdrAt:]) != mbHeaderMagic {
				t.Fatal("image not at load_addr")
			}
		})
	}
}

func TestLoadMultibootErrors(t *testing.T) {
	good := append(mbHeaderBytes(0, [5]uint32{}), 0xf4)
	tests := []struct {
		name string
		ram  int
		img  []byte
		want string
	}{
		{"empty file", 4 << 20, nil, "no Multiboot header"},
		{"not multiboot", 4 << 20, bytes.Repeat([]byte{0x90}, 9000), "no Multiboot header"},
		{"bad checksum", 4 << 20, []byte{0x02, 0xb0, 0xad, 0x1b, 0, 0, 0, 0, 0, 0, 0, 0}, "no Multiboot header"},
		{"non-ELF without address fields", 4 << 20, good, "not an ELF file"},
		{"ELF64 without address fields", 4 << 20, makeELF(true, 0x100000, []elfSeg{{0x100000, 0x100000, good, 16}}), "ELF64"},
		{"segment outside RAM", 4 << 20, makeELF(false, 0x100000, []elfSeg{{0x10000000, 0x10000000, good, 16}}), "outside guest RAM"},
		{"BSS outside RAM", 4 << 20, makeELF(false, 0x100000, []elfSeg{{0x100000, 0x100000, good, 8 << 20}}), "outside guest RAM"},
		{"RAM too small", 1 << 20, makeELF(false, 0x100000, []elfSeg{{0x100000, 0x100000, good, 16}}), "too small"},
		{"aout load_end before load", 4 << 20, mbHeaderBytes(mbFlagAOutKlg, [5]uint32{0x100000, 0x100000, 0xff000, 0, 0x100000}), "load_end_addr"},
		{"aout header before load", 4 << 20, mbHeaderBytes(mbFlagAOutKlg, [5]uint32{0xff000, 0x100000, 0, 0, 0x100000}), "header_addr"},
		{"aout beyond file", 4 << 20, mbHeaderBytes(mbFlagAOutKlg, [5]uint32{0x100000, 0x100000, 0x200000, 0, 0x100000}), "beyond the end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadMultiboot(make([]byte, tt.ram), tt.img, "k", "", nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := LoadMultiboot(make([]byte, 4<<20), nil, "k", "", nil); !errors.Is(err, ErrNotMultiboot) {
		t.Fatalf("errors.Is(ErrNotMultiboot) failed: %v", err)
	}
}

func FuzzLoadMultiboot(f *testing.F) {
	f.Add(makeELF(false, 0x10000c, []elfSeg{{0x100000, 0x100000, append(mbHeaderBytes(0, [5]uint32{}), 0xf4), 64}}))
	f.Add(append(mbHeaderBytes(mbFlagAOutKlg, [5]uint32{0x100000, 0x100000, 0, 0x101000, 0x100020}), 0xf4))
	f.Fuzz(func(t *testing.T, img []byte) {
		ram := make([]byte, MinMem)
		_, _ = LoadMultiboot(ram, img, "k", "x", []Module{{String: "m", Data: []byte("x")}})
	})
}
