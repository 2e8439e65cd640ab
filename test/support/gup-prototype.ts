// The declarations a small C file needs to call get_user_pages_remote(), the
// dropped-result call the end-to-end tests of scan and diff are built on.

export const GUP_PROTOTYPE = `struct mm_struct;
struct page;
struct vm_area_struct;

long get_user_pages_remote(struct mm_struct *mm, unsigned long start, unsigned long nr_pages,
			   unsigned int gup_flags, struct page **pages, struct vm_area_struct **vmas,
			   int *locked);
`;
