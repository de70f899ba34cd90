package devices

import "testing"

func TestDebugExitStatus(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"byte 0", []byte{0}, 1},
		{"byte 1", []byte{1}, 3},
		{"byte 0x7f", []byte{0x7f}, 0xff},
		{"word", []byte{0x34, 0x12}, 0x2469},
		{"dword", []byte{0x10, 0, 0, 0}, 0x21},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := -1
			d := &DebugExit{OnExit: func(s int) { got = s }}
			d.Write(0, tt.data)
			if got != tt.want {
				t.Fatalf("status %#x, want %#x", got, tt.want)
			}
		})
	}
	b := []byte{0}
	(&DebugExit{}).Read(0, b)
	if b[0] != 0xff {
		t.Fatalf("read %#x, want 0xff", b[0])
	}
}
