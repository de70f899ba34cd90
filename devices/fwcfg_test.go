package devices

import (
	"bytes"
	"encoding/binary"
	"testing"
)

const (
	fwSel  = FwCfgBase
	fwData = FwCfgBase + 1
)

// sel selects key with a 16-bit write.
func sel(key uint16) step { return wr(fwSel, 2, uint64(key)) }

// data reads len(want) bytes from the data register one at a time.
func data(want ...byte) []step {
	s := make([]step, len(want))
	for i, b := range want {
		s[i] = rdb(fwData, b)
	}
	return s
}

func newFwCfgRig(t *testing.T, f *FwCfg) *rig {
	var b Bus
	if err := b.Insert(f, FwCfgBase, FwCfgSize); err != nil {
		t.Fatal(err)
	}
	return &rig{dev: busDevice{&b}}
}

func TestFwCfg(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{
		{"signature", seq([]step{sel(FwCfgSignature)}, data('Q', 'E', 'M', 'U', 0, 0))},
		{"ID: traditional interface only", seq([]step{sel(FwCfgID)}, data(1, 0, 0, 0, 0))},
		{"RAM size, little-endian", seq([]step{sel(FwCfgRAMSize)}, data(0, 0, 0, 0x08, 0, 0, 0, 0, 0))},
		{"CPUs", seq([]step{sel(FwCfgNbCPUs)}, data(1, 0, 0), []step{sel(FwCfgMaxCPUs)}, data(1, 0, 0))},
		{"empty file directory", seq([]step{sel(FwCfgFileDir)}, data(0, 0, 0, 0, 0))},
		{"unknown keys read 0", seq([]step{sel(0x1234)}, data(0, 0), []step{sel(0x8003)}, data(0, 0))},
		{"selecting rewinds", seq([]step{sel(0)}, data('Q', 'E'), []step{sel(0)}, data('Q'))},
		{"wide data reads", []step{sel(0), rd(fwData, 4, 0x554D4551), rd(fwData, 2, 0)}},
		{"write bit is not part of the key", seq([]step{sel(0x4000)}, data('Q'))},
		{"byte write to the selector", seq([]step{sel(0), wrb(fwSel, FwCfgNbCPUs)}, data(1, 0))},
		{"selector reads 0, data writes ignored", seq([]step{
			sel(0), rdb(fwSel, 0), wrb(fwData, 0xAA)}, data('Q', 'E'))},
		{"16-bit read at the selector returns 0 then data", []step{sel(0), rd(fwSel, 2, 'Q'<<8)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runSteps(t, newFwCfgRig(t, NewFwCfg(128<<20, 1)), tt.steps)
		})
	}
}

func TestFwCfgFiles(t *testing.T) {
	f := NewFwCfg(64<<20, 1)
	f.Set(0x8003, []byte{7})
	k1, err := f.AddFile("etc/one", []byte("hello"))
	if err != nil || k1 != FwCfgFileFirst {
		t.Fatalf("AddFile = %#x, %v", k1, err)
	}
	k2, err := f.AddFile("etc/two", nil)
	if err != nil || k2 != FwCfgFileFirst+1 {
		t.Fatalf("AddFile = %#x, %v", k2, err)
	}
	if _, err := f.AddFile(string(make([]byte, 56)), nil); err == nil {
		t.Fatal("AddFile accepted a 56-byte name")
	}

	read := func(key uint16, n int) []byte {
		f.Write(0, le(uint64(key), 2))
		b := make([]byte, n)
		f.Read(1, b)
		return b
	}
	dir := read(FwCfgFileDir, 4+2*64)
	if n := binary.BigEndian.Uint32(dir); n != 2 {
		t.Fatalf("directory count %d, want 2", n)
	}
	for i, want := range []struct {
		size uint32
		key  uint16
		name string
	}{{5, k1, "etc/one"}, {0, k2, "etc/two"}} {
		rec := dir[4+64*i:]
		name, _, _ := bytes.Cut(rec[8:64], []byte{0})
		if s, k := binary.BigEndian.Uint32(rec), binary.BigEndian.Uint16(rec[4:]); s != want.size || k != want.key || string(name) != want.name {
			t.Errorf("entry %d = %d %#x %q, want %d %#x %q", i, s, k, name, want.size, want.key, want.name)
		}
	}
	if got := read(k1, 6); string(got) != "hello\x00" {
		t.Errorf("file one reads %q", got)
	}
	if got := read(0x8003, 2); !bytes.Equal(got, []byte{7, 0}) {
		t.Errorf("arch-local key reads %v", got)
	}
}
