package svm

import (
	"bytes"
	"encoding/binary"
	"errors"
	"reflect"
	"testing"
	"unsafe"
)

// fieldRow pins one named VMCB field: its APM name, its Go name, the offset
// and size Go gives it, and the offset and size the reference wants.
type fieldRow struct {
	name, goName   string
	off, size      uintptr
	want, wantSize uintptr
}

// vmcbFields pins every named VMCB field to the offset and size of the
// reference tables (nsvm-behaviours.md §1.1 and §1.2, APM vol. 2 appendix B).
// Offsets are absolute VMCB offsets. TestFieldsCovered fails if a named field
// is missing here.
var vmcbFields = func() []fieldRow {
	var v VMCB
	row := func(name, goName string, off, size, want, wantSize uintptr) fieldRow {
		return fieldRow{name, goName, off, size, want, wantSize}
	}
	seg := func(name string, off uintptr, want uintptr) fieldRow {
		return fieldRow{name, name, off, unsafe.Sizeof(Segment{}), want, 16}
	}
	return []fieldRow{
		// Control area, table §1.1.
		row("intercepts", "Intercepts", unsafe.Offsetof(v.Intercepts), unsafe.Sizeof(v.Intercepts), 0x000, 24),
		row("PAUSE_FILTER_THRESHOLD", "PauseFilterThreshold", unsafe.Offsetof(v.PauseFilterThreshold), unsafe.Sizeof(v.PauseFilterThreshold), 0x03C, 2),
		row("PAUSE_FILTER_COUNT", "PauseFilterCount", unsafe.Offsetof(v.PauseFilterCount), unsafe.Sizeof(v.PauseFilterCount), 0x03E, 2),
		row("IOPM_BASE_PA", "IOPMBasePA", unsafe.Offsetof(v.IOPMBasePA), unsafe.Sizeof(v.IOPMBasePA), 0x040, 8),
		row("MSRPM_BASE_PA", "MSRPMBasePA", unsafe.Offsetof(v.MSRPMBasePA), unsafe.Sizeof(v.MSRPMBasePA), 0x048, 8),
		row("TSC_OFFSET", "TSCOffset", unsafe.Offsetof(v.TSCOffset), unsafe.Sizeof(v.TSCOffset), 0x050, 8),
		row("ASID", "ASID", unsafe.Offsetof(v.ASID), unsafe.Sizeof(v.ASID), 0x058, 4),
		row("TLB_CONTROL", "TLBControl", unsafe.Offsetof(v.TLBControl), unsafe.Sizeof(v.TLBControl), 0x05C, 1),
		row("ERAP_CTL", "ERAPCtl", unsafe.Offsetof(v.ERAPCtl), unsafe.Sizeof(v.ERAPCtl), 0x05D, 1),
		row("int_ctl", "IntCtl", unsafe.Offsetof(v.IntCtl), unsafe.Sizeof(v.IntCtl), 0x060, 4),
		row("int_vector", "IntVector", unsafe.Offsetof(v.IntVector), unsafe.Sizeof(v.IntVector), 0x064, 4),
		row("int_state", "IntState", unsafe.Offsetof(v.IntState), unsafe.Sizeof(v.IntState), 0x068, 4),
		row("EXITCODE", "ExitCode", unsafe.Offsetof(v.ExitCode), unsafe.Sizeof(v.ExitCode), 0x070, 8),
		row("EXITINFO1", "ExitInfo1", unsafe.Offsetof(v.ExitInfo1), unsafe.Sizeof(v.ExitInfo1), 0x078, 8),
		row("EXITINFO2", "ExitInfo2", unsafe.Offsetof(v.ExitInfo2), unsafe.Sizeof(v.ExitInfo2), 0x080, 8),
		row("EXITINTINFO", "ExitIntInfo", unsafe.Offsetof(v.ExitIntInfo), unsafe.Sizeof(v.ExitIntInfo), 0x088, 8),
		row("NP_ENABLE/misc_ctl", "MiscCtl", unsafe.Offsetof(v.MiscCtl), unsafe.Sizeof(v.MiscCtl), 0x090, 8),
		row("AVIC_APIC_BAR", "AVICAPICBar", unsafe.Offsetof(v.AVICAPICBar), unsafe.Sizeof(v.AVICAPICBar), 0x098, 8),
		row("GHCB", "GHCBPA", unsafe.Offsetof(v.GHCBPA), unsafe.Sizeof(v.GHCBPA), 0x0A0, 8),
		row("EVENTINJ", "EventInj", unsafe.Offsetof(v.EventInj), unsafe.Sizeof(v.EventInj), 0x0A8, 8),
		row("N_CR3", "NCR3", unsafe.Offsetof(v.NCR3), unsafe.Sizeof(v.NCR3), 0x0B0, 8),
		row("LBR_VIRTUALIZATION_ENABLE/misc_ctl2", "MiscCtl2", unsafe.Offsetof(v.MiscCtl2), unsafe.Sizeof(v.MiscCtl2), 0x0B8, 8),
		row("VMCB clean bits", "CleanBits", unsafe.Offsetof(v.CleanBits), unsafe.Sizeof(v.CleanBits), 0x0C0, 4),
		row("nRIP", "NRIP", unsafe.Offsetof(v.NRIP), unsafe.Sizeof(v.NRIP), 0x0C8, 8),
		row("number of bytes fetched", "InsnLen", unsafe.Offsetof(v.InsnLen), unsafe.Sizeof(v.InsnLen), 0x0D0, 1),
		row("guest instruction bytes", "InsnBytes", unsafe.Offsetof(v.InsnBytes), unsafe.Sizeof(v.InsnBytes), 0x0D1, 15),
		row("AVIC_BACKING_PAGE", "AVICBackingPage", unsafe.Offsetof(v.AVICBackingPage), unsafe.Sizeof(v.AVICBackingPage), 0x0E0, 8),
		row("AVIC_LOGICAL_TABLE", "AVICLogicalTable", unsafe.Offsetof(v.AVICLogicalTable), unsafe.Sizeof(v.AVICLogicalTable), 0x0F0, 8),
		row("AVIC_PHYSICAL_TABLE", "AVICPhysicalTable", unsafe.Offsetof(v.AVICPhysicalTable), unsafe.Sizeof(v.AVICPhysicalTable), 0x0F8, 8),
		row("VMSA pointer", "VMSAPA", unsafe.Offsetof(v.VMSAPA), unsafe.Sizeof(v.VMSAPA), 0x108, 8),
		row("bus lock counter", "BusLockCounter", unsafe.Offsetof(v.BusLockCounter), unsafe.Sizeof(v.BusLockCounter), 0x120, 2),
		row("allowed SEV features", "AllowedSEVFeatures", unsafe.Offsetof(v.AllowedSEVFeatures), unsafe.Sizeof(v.AllowedSEVFeatures), 0x138, 8),
		row("guest SEV features", "GuestSEVFeatures", unsafe.Offsetof(v.GuestSEVFeatures), unsafe.Sizeof(v.GuestSEVFeatures), 0x140, 8),
		row("reserved for host", "HostReserved", unsafe.Offsetof(v.HostReserved), unsafe.Sizeof(v.HostReserved), 0x3E0, 32),

		// State save area, table §1.2 (absolute offsets).
		seg("ES", unsafe.Offsetof(v.ES), 0x400),
		seg("CS", unsafe.Offsetof(v.CS), 0x410),
		seg("SS", unsafe.Offsetof(v.SS), 0x420),
		seg("DS", unsafe.Offsetof(v.DS), 0x430),
		seg("FS", unsafe.Offsetof(v.FS), 0x440),
		seg("GS", unsafe.Offsetof(v.GS), 0x450),
		seg("GDTR", unsafe.Offsetof(v.GDTR), 0x460),
		seg("LDTR", unsafe.Offsetof(v.LDTR), 0x470),
		seg("IDTR", unsafe.Offsetof(v.IDTR), 0x480),
		seg("TR", unsafe.Offsetof(v.TR), 0x490),
		row("VMPL", "VMPL", unsafe.Offsetof(v.VMPL), unsafe.Sizeof(v.VMPL), 0x4CA, 1),
		row("CPL", "CPL", unsafe.Offsetof(v.CPL), unsafe.Sizeof(v.CPL), 0x4CB, 1),
		row("EFER", "EFER", unsafe.Offsetof(v.EFER), unsafe.Sizeof(v.EFER), 0x4D0, 8),
		row("CR4", "CR4", unsafe.Offsetof(v.CR4), unsafe.Sizeof(v.CR4), 0x548, 8),
		row("CR3", "CR3", unsafe.Offsetof(v.CR3), unsafe.Sizeof(v.CR3), 0x550, 8),
		row("CR0", "CR0", unsafe.Offsetof(v.CR0), unsafe.Sizeof(v.CR0), 0x558, 8),
		row("DR7", "DR7", unsafe.Offsetof(v.DR7), unsafe.Sizeof(v.DR7), 0x560, 8),
		row("DR6", "DR6", unsafe.Offsetof(v.DR6), unsafe.Sizeof(v.DR6), 0x568, 8),
		row("RFLAGS", "RFLAGS", unsafe.Offsetof(v.RFLAGS), unsafe.Sizeof(v.RFLAGS), 0x570, 8),
		row("RIP", "RIP", unsafe.Offsetof(v.RIP), unsafe.Sizeof(v.RIP), 0x578, 8),
		row("RSP", "RSP", unsafe.Offsetof(v.RSP), unsafe.Sizeof(v.RSP), 0x5D8, 8),
		row("S_CET", "SCET", unsafe.Offsetof(v.SCET), unsafe.Sizeof(v.SCET), 0x5E0, 8),
		row("SSP", "SSP", unsafe.Offsetof(v.SSP), unsafe.Sizeof(v.SSP), 0x5E8, 8),
		row("ISST_ADDR", "ISSTAddr", unsafe.Offsetof(v.ISSTAddr), unsafe.Sizeof(v.ISSTAddr), 0x5F0, 8),
		row("RAX", "RAX", unsafe.Offsetof(v.RAX), unsafe.Sizeof(v.RAX), 0x5F8, 8),
		row("STAR", "STAR", unsafe.Offsetof(v.STAR), unsafe.Sizeof(v.STAR), 0x600, 8),
		row("LSTAR", "LSTAR", unsafe.Offsetof(v.LSTAR), unsafe.Sizeof(v.LSTAR), 0x608, 8),
		row("CSTAR", "CSTAR", unsafe.Offsetof(v.CSTAR), unsafe.Sizeof(v.CSTAR), 0x610, 8),
		row("SFMASK", "SFMASK", unsafe.Offsetof(v.SFMASK), unsafe.Sizeof(v.SFMASK), 0x618, 8),
		row("KernelGSbase", "KernelGSBase", unsafe.Offsetof(v.KernelGSBase), unsafe.Sizeof(v.KernelGSBase), 0x620, 8),
		row("SYSENTER_CS", "SysenterCS", unsafe.Offsetof(v.SysenterCS), unsafe.Sizeof(v.SysenterCS), 0x628, 8),
		row("SYSENTER_ESP", "SysenterESP", unsafe.Offsetof(v.SysenterESP), unsafe.Sizeof(v.SysenterESP), 0x630, 8),
		row("SYSENTER_EIP", "SysenterEIP", unsafe.Offsetof(v.SysenterEIP), unsafe.Sizeof(v.SysenterEIP), 0x638, 8),
		row("CR2", "CR2", unsafe.Offsetof(v.CR2), unsafe.Sizeof(v.CR2), 0x640, 8),
		row("G_PAT", "GPAT", unsafe.Offsetof(v.GPAT), unsafe.Sizeof(v.GPAT), 0x668, 8),
		row("DBGCTL", "DBGCTL", unsafe.Offsetof(v.DBGCTL), unsafe.Sizeof(v.DBGCTL), 0x670, 8),
		row("BR_FROM", "BrFrom", unsafe.Offsetof(v.BrFrom), unsafe.Sizeof(v.BrFrom), 0x678, 8),
		row("BR_TO", "BrTo", unsafe.Offsetof(v.BrTo), unsafe.Sizeof(v.BrTo), 0x680, 8),
		row("LASTEXCPFROM", "LastExcpFrom", unsafe.Offsetof(v.LastExcpFrom), unsafe.Sizeof(v.LastExcpFrom), 0x688, 8),
		row("LASTEXCPTO", "LastExcpTo", unsafe.Offsetof(v.LastExcpTo), unsafe.Sizeof(v.LastExcpTo), 0x690, 8),
		row("SPEC_CTRL", "SpecCtrl", unsafe.Offsetof(v.SpecCtrl), unsafe.Sizeof(v.SpecCtrl), 0x6E0, 8),
	}
}()

func TestFieldOffsets(t *testing.T) {
	for _, f := range vmcbFields {
		t.Run(f.name, func(t *testing.T) {
			if f.off != f.want {
				t.Errorf("offset = %#x, want %#x", f.off, f.want)
			}
			if f.size != f.wantSize {
				t.Errorf("size = %d, want %d", f.size, f.wantSize)
			}
		})
	}
}

func TestSegmentLayout(t *testing.T) {
	var s Segment
	tests := []struct {
		name      string
		off, want uintptr
	}{
		{"selector", unsafe.Offsetof(s.Selector), 0},
		{"attrib", unsafe.Offsetof(s.Attrib), 2},
		{"limit", unsafe.Offsetof(s.Limit), 4},
		{"base", unsafe.Offsetof(s.Base), 8},
		{"size", unsafe.Sizeof(s), 16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.off != tt.want {
				t.Errorf("got %#x, want %#x", tt.off, tt.want)
			}
		})
	}
}

func TestSizes(t *testing.T) {
	var v VMCB
	tests := []struct {
		name      string
		got, want uintptr
	}{
		{"Control", unsafe.Sizeof(Control{}), 0x400},
		{"Save", unsafe.Sizeof(Save{}), 0x2E8},
		{"VMCB", unsafe.Sizeof(VMCB{}), 4096},
		{"offset of Save in VMCB", unsafe.Offsetof(v.Save), 0x400},
		{"ControlSize", ControlSize, 0x400},
		{"SaveOffset", SaveOffset, 0x400},
		{"SaveSize", SaveSize, 0x2E8},
		{"VMCBSize", VMCBSize, 4096},
		{"binary.Size(VMCB)", uintptr(binary.Size(&v)), 4096},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %#x, want %#x", tt.got, tt.want)
			}
		})
	}
}

// leafField is a named field of VMCB found by reflection, with its absolute
// offset and size.
type leafField struct {
	name      string
	off, size uintptr
}

// walkFields returns the named fields of VMCB, descending into the embedded
// Control and Save (but not into Segment, which is pinned separately), and
// the byte ranges of blank (reserved) fields.
func walkFields() (named, blank []leafField) {
	var walk func(t reflect.Type, base uintptr)
	walk = func(t reflect.Type, base uintptr) {
		for i := range t.NumField() {
			f := t.Field(i)
			lf := leafField{f.Name, base + f.Offset, f.Type.Size()}
			switch {
			case f.Name == "_":
				blank = append(blank, lf)
			case f.Anonymous:
				walk(f.Type, base+f.Offset)
			default:
				named = append(named, lf)
			}
		}
	}
	walk(reflect.TypeFor[VMCB](), 0)
	return named, blank
}

// TestFieldsCovered checks that vmcbFields names every field, and that the
// named and blank fields tile the 4 KiB page with no gap (so Go inserted no
// hidden padding).
func TestFieldsCovered(t *testing.T) {
	named, blank := walkFields()
	pinned := map[string]bool{}
	for _, f := range vmcbFields {
		pinned[f.goName] = true
	}
	for _, f := range named {
		if !pinned[f.name] {
			t.Errorf("field %s (offset %#x) is not pinned in vmcbFields", f.name, f.off)
		}
	}
	var cover [VMCBSize]int
	for _, f := range append(named, blank...) {
		for i := f.off; i < f.off+f.size; i++ {
			cover[i]++
		}
	}
	for i, n := range cover {
		if n != 1 {
			t.Errorf("byte %#x covered by %d fields, want 1", i, n)
		}
	}
}

// isLittleEndian reports whether the host stores integers little-endian, in
// which case a VMCB struct's memory equals its APM image.
func isLittleEndian() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}

// structBytes returns the memory of v as a byte slice.
func structBytes(v *VMCB) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(v)), VMCBSize)
}

// TestFieldMarshalPlacement sets one field at a time to distinct non-zero
// bytes and checks that MarshalBinary puts exactly those bytes at the field's
// pinned APM offset and nothing anywhere else, and that Load brings them back
// into that field only.
func TestFieldMarshalPlacement(t *testing.T) {
	if !isLittleEndian() {
		t.Skip("compares struct memory with the little-endian image")
	}
	named, _ := walkFields()
	for _, f := range named {
		t.Run(f.name, func(t *testing.T) {
			var v VMCB
			mem := structBytes(&v)
			for i := range f.size {
				mem[f.off+i] = byte(i + 1)
			}
			img, err := v.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(img, mem) {
				for i := range img {
					if img[i] != mem[i] {
						t.Fatalf("byte %#x = %#x, want %#x", i, img[i], mem[i])
					}
				}
			}
			var w VMCB
			w.Load(img)
			if w != v {
				t.Errorf("Load(MarshalBinary(v)) != v")
			}
		})
	}
}

// TestFieldAtAPMOffset spells out a few fields by hand: a value set in the
// struct lands at its APM offset, little-endian.
func TestFieldAtAPMOffset(t *testing.T) {
	tests := []struct {
		name string
		set  func(v *VMCB)
		off  int
		want []byte
	}{
		{"intercept word 4 (VMRUN)", func(v *VMCB) { v.SetIntercept(InterceptVMRUN) }, 0x010, []byte{1, 0, 0, 0}},
		{"intercept word 2 (#PF)", func(v *VMCB) { v.SetIntercept(InterceptExcpPF) }, 0x008, []byte{0, 0x40, 0, 0}},
		{"TLB_CONTROL", func(v *VMCB) { v.TLBControl = TLBControlFlushASID }, 0x05C, []byte{3}},
		{"int_ctl V_IRQ", func(v *VMCB) { v.IntCtl = IntCtlVIRQ }, 0x060, []byte{0, 1, 0, 0}},
		{"EXITCODE INVALID", func(v *VMCB) { v.ExitCode = ExitInvalid }, 0x070, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{"EXITCODE NPF", func(v *VMCB) { v.ExitCode = ExitNPF }, 0x070, []byte{0x00, 0x04, 0, 0, 0, 0, 0, 0}},
		{"EXITINTINFO", func(v *VMCB) { v.ExitIntInfo = NewEvent(EventTypeException, 3) }, 0x088, []byte{0x03, 0x03, 0x00, 0x80, 0, 0, 0, 0}},
		{"EVENTINJ + err", func(v *VMCB) { v.EventInj = NewEventErr(EventTypeException, 13, 0x1234) }, 0x0A8, []byte{0x0d, 0x0b, 0x00, 0x80, 0x34, 0x12, 0, 0}},
		{"nRIP", func(v *VMCB) { v.NRIP = 0x1122334455667788 }, 0x0C8, []byte{0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11}},
		{"insn bytes", func(v *VMCB) { v.InsnLen = 2; v.InsnBytes[0] = 0xCD; v.InsnBytes[1] = 0x20 }, 0x0D0, []byte{2, 0xCD, 0x20}},
		{"CS", func(v *VMCB) { v.CS = Segment{Selector: 0x08, Attrib: 0x29B, Limit: 0xFFFFFFFF, Base: 0x10} }, 0x410,
			[]byte{0x08, 0, 0x9B, 0x02, 0xff, 0xff, 0xff, 0xff, 0x10, 0, 0, 0, 0, 0, 0, 0}},
		{"CPL", func(v *VMCB) { v.CPL = 3 }, 0x4CB, []byte{3}},
		{"EFER.SVME", func(v *VMCB) { v.EFER = EFERSVME }, 0x4D0, []byte{0, 0x10, 0, 0, 0, 0, 0, 0}},
		{"RIP", func(v *VMCB) { v.RIP = 0xfff0 }, 0x578, []byte{0xf0, 0xff, 0, 0, 0, 0, 0, 0}},
		{"RAX", func(v *VMCB) { v.RAX = 0x1000 }, 0x5F8, []byte{0, 0x10, 0, 0, 0, 0, 0, 0}},
		{"G_PAT", func(v *VMCB) { v.GPAT = 0x0007040600070406 }, 0x668, []byte{0x06, 0x04, 0x07, 0x00, 0x06, 0x04, 0x07, 0x00}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v VMCB
			tt.set(&v)
			img, err := v.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			want := make([]byte, VMCBSize)
			copy(want[tt.off:], tt.want)
			if !bytes.Equal(img, want) {
				t.Errorf("bytes at %#x = % x, want % x", tt.off, img[tt.off:tt.off+len(tt.want)], tt.want)
			}
		})
	}
}

// pattern returns a page whose every byte is non-zero and differs from its
// neighbours.
func pattern() []byte {
	p := make([]byte, VMCBSize)
	for i := range p {
		p[i] = byte(i*7%251 + 1)
	}
	return p
}

func TestRoundTrip(t *testing.T) {
	_, blank := walkFields()
	src := pattern()
	// MarshalBinary emits zeros for reserved bytes.
	wantImg := pattern()
	for _, f := range blank {
		clear(wantImg[f.off : f.off+f.size])
	}

	t.Run("unmarshal-marshal", func(t *testing.T) {
		var v VMCB
		if err := v.UnmarshalBinary(src); err != nil {
			t.Fatal(err)
		}
		got, err := v.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, wantImg) {
			t.Error("MarshalBinary(UnmarshalBinary(pattern)) differs from pattern with reserved bytes zeroed")
		}
	})
	t.Run("load-store preserves reserved bytes", func(t *testing.T) {
		var v VMCB
		v.Load(src)
		page := pattern()
		v.Store(page)
		if !bytes.Equal(page, src) {
			t.Error("Store(Load(pattern)) into the same page changed it")
		}
	})
	t.Run("store over garbage", func(t *testing.T) {
		var v VMCB
		v.Load(src)
		page := make([]byte, VMCBSize)
		for i := range page {
			page[i] = 0xEE
		}
		v.Store(page)
		for _, f := range blank {
			for i := f.off; i < f.off+f.size; i++ {
				if page[i] != 0xEE {
					t.Fatalf("Store wrote reserved byte %#x", i)
				}
			}
		}
		for i := range page {
			if page[i] != 0xEE && page[i] != src[i] {
				t.Fatalf("byte %#x = %#x, want %#x", i, page[i], src[i])
			}
		}
	})
	t.Run("struct memory equals image", func(t *testing.T) {
		if !isLittleEndian() {
			t.Skip("little-endian host only")
		}
		var v VMCB
		v.Load(src)
		if !bytes.Equal(structBytes(&v), wantImg) {
			t.Error("struct memory after Load differs from the APM image")
		}
	})
	t.Run("agrees with encoding/binary reflection", func(t *testing.T) {
		// encoding/binary walks the struct in field order, skipping blank
		// fields when decoding and zeroing them when encoding: an
		// independent check that the struct layout is the APM layout.
		var v, w VMCB
		v.Load(src)
		if _, err := binary.Decode(src, binary.LittleEndian, &w); err != nil {
			t.Fatal(err)
		}
		if v != w {
			t.Error("Load and binary.Decode disagree")
		}
		enc, err := binary.Append(nil, binary.LittleEndian, &v)
		if err != nil {
			t.Fatal(err)
		}
		img, _ := v.MarshalBinary()
		if !bytes.Equal(enc, img) {
			t.Error("MarshalBinary and binary.Append disagree")
		}
	})
}

func TestAreaLoadStore(t *testing.T) {
	src := pattern()
	var v VMCB
	v.Load(src)
	var c Control
	c.Load(src[:ControlSize])
	var s Save
	s.Load(src[SaveOffset:])
	if c != v.Control {
		t.Error("Control.Load differs from VMCB.Load")
	}
	if s != v.Save {
		t.Error("Save.Load differs from VMCB.Load")
	}
}

func TestUnmarshalSize(t *testing.T) {
	tests := []struct {
		name string
		n    int
		ok   bool
	}{
		{"empty", 0, false},
		{"control only", ControlSize, false},
		{"one short", VMCBSize - 1, false},
		{"exact", VMCBSize, true},
		{"one long", VMCBSize + 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v VMCB
			err := v.UnmarshalBinary(make([]byte, tt.n))
			if tt.ok != (err == nil) {
				t.Fatalf("err = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrVMCBSize) {
				t.Errorf("err = %v, want ErrVMCBSize", err)
			}
		})
	}
}

func TestLoadStoreNoAlloc(t *testing.T) {
	page := pattern()
	v := new(VMCB)
	if n := testing.AllocsPerRun(100, func() { v.Load(page) }); n != 0 {
		t.Errorf("Load: %v allocations, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { v.Store(page) }); n != 0 {
		t.Errorf("Store: %v allocations, want 0", n)
	}
}

func TestTLBControlString(t *testing.T) {
	tests := []struct {
		tc   TLBControl
		want string
	}{
		{TLBControlDoNothing, "DO_NOTHING"},
		{TLBControlFlushAll, "FLUSH_ALL_ASID"},
		{TLBControlFlushASID, "FLUSH_ASID"},
		{TLBControlFlushASIDLocal, "FLUSH_ASID_LOCAL"},
		{2, "0x2"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.tc.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFeatures(t *testing.T) {
	tests := []struct {
		name string
		f    Features
		bit  uint
	}{
		{"NP", FeatureNP, 0},
		{"LbrVirt", FeatureLbrVirt, 1},
		{"SVML", FeatureSVML, 2},
		{"NRIPS", FeatureNRIPS, 3},
		{"TscRateMsr", FeatureTscRateMsr, 4},
		{"VmcbClean", FeatureVmcbClean, 5},
		{"FlushByAsid", FeatureFlushByAsid, 6},
		{"DecodeAssists", FeatureDecodeAssists, 7},
		{"PauseFilter", FeaturePauseFilter, 10},
		{"PauseFilterThreshold", FeaturePauseFilterThreshold, 12},
		{"AVIC", FeatureAVIC, 13},
		{"VMSAVEvirt", FeatureVMSAVEvirt, 15},
		{"VGIF", FeatureVGIF, 16},
		{"GMET", FeatureGMET, 17},
		{"x2AVIC", FeatureX2AVIC, 18},
		{"SSSCheck", FeatureSSSCheck, 19},
		{"SpecCtrl", FeatureSpecCtrl, 20},
		{"VNMI", FeatureVNMI, 25},
		{"SvmeAddrChk", FeatureSvmeAddrChk, 28},
		{"BusLockThreshold", FeatureBusLockThreshold, 29},
		{"IdleHLT", FeatureIdleHLT, 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.f != 1<<tt.bit {
				t.Errorf("value = %#x, want bit %d", uint32(tt.f), tt.bit)
			}
			if got := tt.f.String(); got != tt.name {
				t.Errorf("String = %q, want %q", got, tt.name)
			}
		})
	}
	t.Run("String", func(t *testing.T) {
		for _, tt := range []struct {
			f    Features
			want string
		}{
			{0, "0"},
			{FeatureNP | FeatureNRIPS | FeatureSvmeAddrChk, "NP|NRIPS|SvmeAddrChk"},
			{FeatureNRIPS | 1<<8, "NRIPS|0x100"},
			{1 << 31, "0x80000000"},
		} {
			if got := tt.f.String(); got != tt.want {
				t.Errorf("%#x: got %q, want %q", uint32(tt.f), got, tt.want)
			}
		}
	})
	t.Run("Has", func(t *testing.T) {
		f := FeatureNP | FeatureNRIPS
		if !f.Has(FeatureNRIPS) || !f.Has(FeatureNP|FeatureNRIPS) || f.Has(FeatureNRIPS|FeatureVGIF) {
			t.Error("Has is wrong")
		}
	})
}

// TestConstants pins bit and MSR constants to the reference (§1.6–§1.9).
func TestConstants(t *testing.T) {
	tests := []struct {
		name      string
		got, want uint64
	}{
		{"V_TPR", IntCtlVTPRMask, 0xF},
		{"V_IRQ", IntCtlVIRQ, 1 << 8},
		{"V_GIF", IntCtlVGIF, 1 << 9},
		{"V_NMI_PENDING", IntCtlVNMIPending, 1 << 11},
		{"V_NMI_BLOCKING", IntCtlVNMIBlocking, 1 << 12},
		{"V_INTR_PRIO", IntCtlVIntrPrioMask, 0xF0000},
		{"V_IGN_TPR", IntCtlVIgnTPR, 1 << 20},
		{"V_INTR_MASKING", IntCtlVIntrMasking, 1 << 24},
		{"V_GIF_ENABLE", IntCtlVGIFEnable, 1 << 25},
		{"V_NMI_ENABLE", IntCtlVNMIEnable, 1 << 26},
		{"x2AVIC enable", IntCtlX2AVICEnable, 1 << 30},
		{"AVIC enable", IntCtlAVICEnable, 1 << 31},
		{"V_INTR_VECTOR", IntVectorMask, 0xFF},
		{"INTERRUPT_SHADOW", IntStateInterruptShadow, 1},
		{"GUEST_INTERRUPT_MASK", IntStateGuestInterruptMask, 2},
		{"NP_ENABLE", MiscCtlNPEnable, 1},
		{"SEV", MiscCtlSEVEnable, 2},
		{"SEV-ES", MiscCtlSEVESEnable, 4},
		{"LBR virtualization", MiscCtl2LBRVirtEnable, 1},
		{"virtual VMSAVE/VMLOAD", MiscCtl2VVMSaveLoadEnable, 2},
		{"clean I", CleanIntercepts, 1 << 0},
		{"clean IOPM", CleanIOPM, 1 << 1},
		{"clean ASID", CleanASID, 1 << 2},
		{"clean TPR", CleanTPR, 1 << 3},
		{"clean NP", CleanNP, 1 << 4},
		{"clean CRx", CleanCRx, 1 << 5},
		{"clean DRx", CleanDRx, 1 << 6},
		{"clean DT", CleanDT, 1 << 7},
		{"clean SEG", CleanSeg, 1 << 8},
		{"clean CR2", CleanCR2, 1 << 9},
		{"clean LBR", CleanLBR, 1 << 10},
		{"clean AVIC", CleanAVIC, 1 << 11},
		{"clean SW", CleanSW, 1 << 31},
		{"TLB do nothing", uint64(TLBControlDoNothing), 0},
		{"TLB flush all", uint64(TLBControlFlushAll), 1},
		{"TLB flush ASID", uint64(TLBControlFlushASID), 3},
		{"TLB flush ASID local", uint64(TLBControlFlushASIDLocal), 7},
		{"MSR VM_CR", MSRVMCR, 0xC0010114},
		{"MSR VM_IGNNE", MSRVMIGNNE, 0xC0010115},
		{"MSR VM_HSAVE_PA", MSRVMHSavePA, 0xC0010117},
		{"MSR TSC_RATIO", MSRTSCRatio, 0xC0000104},
		{"VM_CR.DPD", VMCRDPD, 1},
		{"VM_CR.R_INIT", VMCRRInit, 2},
		{"VM_CR.DIS_A20M", VMCRDisA20M, 4},
		{"VM_CR.LOCK", VMCRLock, 8},
		{"VM_CR.SVMDIS", VMCRSVMDis, 16},
		{"VM_CR valid", VMCRValidMask, 0x1F},
		{"TSC_RATIO default", TSCRatioDefault, 0x1_0000_0000},
		{"EFER.SVME", EFERSVME, 1 << 12},
		{"CPUID Fn8000_000A", CPUIDFnSVM, 0x8000000A},
		{"CPUID 8000_0001 ECX SVM", CPUIDExtFeatureECXSVM, 4},
		{"SegAttrib P|S|DPL3|type", SegAttribP | SegAttribS | 3<<SegAttribDPLShift | 0xB, 0xFB},
		{"SegAttrib G|DB|L|AVL", SegAttribG | SegAttribDB | SegAttribL | SegAttribAVL, 0xF00},
		{"IOIO port 0x3F8 OUT SZ8", 0x3F8<<IOIOPortShift | IOIOSz8 | IOIOA16, 0x3F80090},
		{"NPF final / page table", NPFFinalAddr | NPFPageTable, 3 << 32},
		{"task switch bits", TaskSwitchIRET | TaskSwitchJMP | TaskSwitchHasErrCode, 1<<36 | 1<<38 | 1<<44},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %#x, want %#x", tt.got, tt.want)
			}
		})
	}
}

func BenchmarkLoad(b *testing.B) {
	page := pattern()
	var v VMCB
	b.SetBytes(VMCBSize)
	for b.Loop() {
		v.Load(page)
	}
}

func BenchmarkStore(b *testing.B) {
	page := pattern()
	var v VMCB
	v.Load(page)
	b.SetBytes(VMCBSize)
	for b.Loop() {
		v.Store(page)
	}
}
