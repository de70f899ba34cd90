// Package mmu is L0's shadow paging (later NPT): a guest page-table walker,
// shadow page tables in L0-private memory filled lazily on intercepted #PF,
// and zap policies that make vectoring faults happen on purpose.
//
// It does not decide where events are routed; that is nsvm's job.
//
// Status: planned (issue 5); nothing is implemented yet.
package mmu
