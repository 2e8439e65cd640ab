// SPDX-License-Identifier: GPL-2.0
/*
 * A bundled example for the README: a pfn lookup on a VM_PFNMAP mapping in
 * the shape discussed in the KVM non-refcounted pfn series, written for
 * patch-audit (not kernel source). The conditional reference acquire's result
 * is dropped, then the page is released as if a reference had been taken.
 */
struct page;
struct vm_area_struct;

struct pfn_lookup {
	unsigned long hva;
	bool writable;
};

extern int follow_pfn(struct vm_area_struct *vma, unsigned long addr, unsigned long *pfn);
extern struct page *pfn_to_page(unsigned long pfn);
extern bool get_page_unless_zero(struct page *page);
extern void put_page(struct page *page);
extern void copy_from_remapped(struct page *page, void *dst);

static int __must_check read_remapped(struct vm_area_struct *vma,
				      struct pfn_lookup *lookup, void *dst)
{
	unsigned long pfn;
	struct page *page;
	int r;

	r = follow_pfn(vma, lookup->hva, &pfn);
	if (r)
		return r;

	page = pfn_to_page(pfn);
	get_page_unless_zero(page);
	copy_from_remapped(page, dst);
	put_page(page);
	return 0;
}
