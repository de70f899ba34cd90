package x86

// instChunk is a block of decoded instructions. Chunks never move once
// allocated, so pointers to their Insts (Inst.succ) stay valid.
type instChunk [64]Inst

// codePage holds the decoded instructions of one physical page.
type codePage struct {
	slot   [4096]uint16 // per byte offset: 0 = not decoded, else index+1 into the chunks
	n      int          // instructions stored
	chunks []*instChunk
}

// at returns the instruction stored under slot value s (s > 0).
func (cp *codePage) at(s uint16) *Inst {
	i := int(s - 1)
	return &cp.chunks[i>>6][i&63]
}

// icache caches decoded instructions per physical page and tracks which RAM
// pages hold code, so that writes to them invalidate the decoded forms.
type icache struct {
	pages map[uint64]*codePage // by physical page address
	code  []bool               // per RAM page: has a codePage (fast check on writes)

	// Fetch cache: the linear page the loop last fetched from.
	fetchTag uint64    // linear page | tlbValid, 0 when invalid
	fetchPA  uint64    // its physical page
	cur      *codePage // its decoded instructions (nil: not cacheable, e.g. MMIO)

	// gen changes whenever the fetch cache is reset (paging, mode, CS or
	// code changes), which ends any chain of successor links in the loop.
	gen uint64
}

func (ic *icache) resetFetch() { ic.fetchTag = 0; ic.cur = nil; ic.gen++ }

// isCode reports whether physical page pa holds decoded instructions.
func (ic *icache) isCode(pa uint64) bool {
	i := pa >> 12
	return i < uint64(len(ic.code)) && ic.code[i]
}

// written invalidates decoded instructions overlapping [pa, pa+n).
func (ic *icache) written(pa, n uint64) {
	for p := pa >> 12; p <= (pa+n-1)>>12; p++ {
		if p < uint64(len(ic.code)) && ic.code[p] {
			ic.code[p] = false
			delete(ic.pages, p<<12)
			if ic.fetchPA == p<<12 {
				ic.resetFetch()
			}
		}
	}
}

// Invalidate drops every decoded instruction (e.g. after the VM wrote guest
// memory directly).
func (c *CPU) Invalidate() {
	c.icode.pages = nil
	for i := range c.icode.code {
		c.icode.code[i] = false
	}
	c.icode.resetFetch()
	c.tlb.flushAll()
}

// page returns the codePage for physical page pa, creating it (and
// write-protecting the page in the soft TLB) on first use.
func (c *CPU) codePageFor(pa uint64) *codePage {
	ic := &c.icode
	if cp := ic.pages[pa]; cp != nil {
		return cp
	}
	if ic.pages == nil {
		ic.pages = make(map[uint64]*codePage)
		ic.code = make([]bool, (len(c.RAM)+0xfff)>>12)
	}
	cp := &codePage{}
	ic.pages[pa] = cp
	ic.code[pa>>12] = true
	c.tlb.flushPA(pa)
	return cp
}

// fetch returns the decoded instruction at CS:RIP (linear address lin).
func (c *CPU) fetch(lin uint64) *Inst {
	ic := &c.icode
	if lin>>12|tlbValid != ic.fetchTag {
		pa := c.translate(lin, accExec) &^ 0xfff
		ic.fetchTag = lin>>12 | tlbValid
		ic.fetchPA = pa
		ic.cur = nil
		if pa < uint64(len(c.RAM)) {
			ic.cur = c.codePageFor(pa)
		}
	}
	off := lin & 0xfff
	cp := ic.cur
	if cp == nil {
		// Not RAM: decode every time from bytes fetched one by one.
		c.decode(&c.scratch, lin, nil)
		return &c.scratch
	}
	if s := cp.slot[off]; s != 0 {
		if in := cp.at(s); in.Mode == c.mode {
			return in
		}
	}
	page := c.RAM[ic.fetchPA : ic.fetchPA+0x1000]
	if off+15 > 0x1000 {
		// May cross into the next page: decode without caching, since the
		// decoded form would depend on two pages.
		c.decode(&c.scratch, lin, page[off:])
		if uint64(c.scratch.Len)+off <= 0x1000 {
			return c.cacheInst(cp, off, &c.scratch)
		}
		return &c.scratch
	}
	var in Inst
	c.decode(&in, lin, page[off:off+15])
	return c.cacheInst(cp, off, &in)
}

func (c *CPU) cacheInst(cp *codePage, off uint64, in *Inst) *Inst {
	if s := cp.slot[off]; s != 0 {
		p := cp.at(s)
		*p = *in // re-decoded in another mode: replace in place
		return p
	}
	if cp.n == len(cp.chunks)*len(instChunk{}) {
		cp.chunks = append(cp.chunks, new(instChunk))
	}
	cp.n++
	cp.slot[off] = uint16(cp.n)
	p := cp.at(uint16(cp.n))
	*p = *in
	return p
}
