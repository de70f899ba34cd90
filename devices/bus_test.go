package devices

import (
	"strings"
	"testing"
)

// recorder is a test device that records accesses and returns a constant.
type recorder struct {
	offs []uint64
	val  byte
}

func (r *recorder) Read(off uint64, data []byte) {
	r.offs = append(r.offs, off)
	for i := range data {
		data[i] = r.val
	}
}

func (r *recorder) Write(off uint64, data []byte) { r.offs = append(r.offs, off) }

func TestBusInsert(t *testing.T) {
	tests := []struct {
		name    string
		base, n uint64
		wantErr string
	}{
		{"zero length", 0x100, 0, "zero length"},
		{"wraps", ^uint64(0) - 1, 4, "wraps"},
		{"overlaps start", 0x0fe, 4, "overlaps"},
		{"overlaps end", 0x107, 2, "overlaps"},
		{"inside", 0x102, 1, "overlaps"},
		{"covers", 0x0f0, 0x40, "overlaps"},
		{"adjacent below", 0x0f8, 8, ""},
		{"adjacent above", 0x108, 8, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b Bus
			if err := b.Insert(&recorder{}, 0x100, 8); err != nil {
				t.Fatal(err)
			}
			err := b.Insert(&recorder{}, tt.base, tt.n)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Insert: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Insert error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestBusRouting(t *testing.T) {
	var b Bus
	lo, hi := &recorder{val: 0x11}, &recorder{val: 0x22}
	if err := b.Insert(hi, 0x3f8, 8); err != nil {
		t.Fatal(err)
	}
	if err := b.Insert(lo, 0xf4, 4); err != nil {
		t.Fatal(err)
	}
	data := []byte{0}
	if !b.Read(0x3fd, data) || data[0] != 0x22 {
		t.Fatalf("read 0x3fd = %v, %#x", true, data[0])
	}
	if !b.Write(0xf7, data) {
		t.Fatal("write 0xf7 not claimed")
	}
	if b.Read(0x400, data) || b.Write(0xf8, data) || b.Read(0xf3, data) {
		t.Fatal("unclaimed address was claimed")
	}
	if got := hi.offs; len(got) != 1 || got[0] != 5 {
		t.Fatalf("uart offsets = %v, want [5]", got)
	}
	if got := lo.offs; len(got) != 1 || got[0] != 3 {
		t.Fatalf("exit offsets = %v, want [3]", got)
	}
}
