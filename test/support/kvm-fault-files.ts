// A miniature of document 003's shape, shared by the diff tests: a header
// whose fault snapshot (mmu_seq) is `seq` wide, and a file that snapshots the
// unsigned long counter into it and compares it back. With `int` the round
// trip truncates; with `unsigned long` it does not.

export const faultHeader = (seq: string) =>
  `struct kvm {\n\tunsigned long mmu_invalidate_seq;\n};\n\nstruct kvm_page_fault {\n\t${seq} mmu_seq;\n\tunsigned long hva;\n};\n`;

/** Includes "fault.h"; its line 10 snapshots the counter (the truncation when mmu_seq is narrow). */
export const FAULT_USER = [
  '#include "fault.h"',
  '',
  'static inline int retry_hva(struct kvm *kvm, unsigned long mmu_seq, unsigned long hva)',
  '{',
  '\treturn kvm->mmu_invalidate_seq != mmu_seq;',
  '}',
  '',
  'void snapshot(struct kvm *kvm, struct kvm_page_fault *fault)',
  '{',
  '\tfault->mmu_seq = kvm->mmu_invalidate_seq;',
  '}',
  '',
  'int stale(struct kvm *kvm, struct kvm_page_fault *fault)',
  '{',
  '\treturn retry_hva(kvm, fault->mmu_seq, fault->hva);',
  '}',
  '',
].join('\n');
