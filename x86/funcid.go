package x86

import "reflect"

// funcID identifies a function value (for comparisons outside the hot path).
func funcID(f func(*CPU, *Inst)) uintptr { return reflect.ValueOf(f).Pointer() }
