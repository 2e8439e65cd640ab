/*
 * Built-in macro hints for patch-audit's front end.
 *
 * Each line tells the parser how to read a kernel macro, as a C #define.
 * The expansion is laid out in place of the invocation so that lines and
 * columns stay true: parameters must appear in the expansion in the order
 * they are declared, at most once each, and the literal text must fit in the
 * space taken by the macro name, the parentheses and the commas.
 *
 *   #define __read_mostly                 annotation: blanked
 *   #define __aligned(x)                  annotation with arguments: blanked
 *   #define DEFINE_PER_CPU(type, name) type name        declarator
 *   #define list_for_each_entry(pos, head, member) while (pos, head, member)
 *   #define FNAME(name) FNAME_##name                    token pasting
 *
 * Users extend this list with --macros FILE (same syntax, later wins).
 * Iterator macros that nobody listed are still recognised by their shape:
 * `name(...) {` at statement level reads as a loop.
 */

/* Storage, section and placement annotations */
#define __read_mostly
#define __ro_after_init
#define __initdata
#define __initconst
#define __exitdata
#define __init
#define __exit
#define __ref
#define __refdata
#define __refconst
#define __meminit
#define __meminitdata
#define __meminitconst
#define __init_memblock
#define __initdata_memblock
#define __init_or_module
#define __head
#define __cpuinit
#define __cpuinitdata
#define __devinit
#define __devinitdata
#define __devexit
#define __sched
#define __EXTERN_INLINE inline
#define __exception_irq_entry
#define __xipram
#define debug_noinline
#define __net_init
#define __net_exit
#define __net_initdata
#define __exit_p(x) x
#define __init_or_acpilib
#define __kprobes
#define __irq_entry
#define __softirq_entry
#define __lockfunc
#define __page_aligned_bss
#define __page_aligned_data
#define __cacheline_aligned
#define __cacheline_aligned_in_smp
#define ____cacheline_aligned
#define ____cacheline_aligned_in_smp
#define __cacheline_internodealigned_in_smp
#define ____cacheline_internodealigned_in_smp
#define __section(s)
#define __aligned(x)
#define __aligned_largest
#define __packed
#define __weak
#define __used
#define __visible
#define __maybe_unused
#define __always_unused
#define __attribute_used__
#define __nosavedata
#define __percpu
#define __rcu
#define __user
#define __kernel
#define __iomem
#define __force
#define __nocast
#define __safe
#define __private
#define __bitwise
#define __bitwise__
#define __must_check
#define __must_hold(x)
#define __acquires(x)
#define __releases(x)
#define __cond_acquires(x)
#define __cond_lock(x, c) c
#define __printf(a, b)
#define __scanf(a, b)
#define __malloc
#define __pure
#define __const
#define __attribute_const__
#define __cold
#define __hot
#define __noreturn
#define __deprecated
#define __designated_init
#define __nonstring
#define __randomize_layout
#define __no_randomize_layout
#define randomized_struct_fields_start
#define randomized_struct_fields_end
#define __latent_entropy
#define __alias(x)
#define __copy(x)
#define __mode(x)
#define __nocfi
#define __noscs
#define __nostackprotector
#define __no_stack_protector
#define __no_sanitize_address
#define __no_sanitize_thread
#define __no_sanitize_undefined
#define __no_sanitize_coverage
#define __no_sanitize_or_inline inline
#define __no_kcsan
#define __no_kmsan_checks
#define __no_profile
#define __noinstr_section(s)
#define __cpuidle
#define __flatten
#define __noclone
#define __naked
#define __gnu_inline
#define __ksym
#define __kstrtab
#define __initcall(fn)
#define __exitcall(fn)
#define __assume_aligned(a)
#define __alloc_size(a)
#define __compiletime_error(msg)
#define __compiletime_warning(msg)
#define __bpf_kfunc
#define __attribute_noinline__
#define __always_inline inline
#define noinline
#define noinline_for_stack
#define noinstr
#define notrace
#define __notrace_funcgraph
#define __nokprobe
#define nokprobe_inline inline
#define asmlinkage
#define __fix_address

/* Exports, initcalls and module metadata at file level */
#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)
#define EXPORT_SYMBOL_NS(sym, ns)
#define EXPORT_SYMBOL_NS_GPL(sym, ns)
#define EXPORT_SYMBOL_GPL_FUTURE(sym)
#define EXPORT_UNUSED_SYMBOL(sym)
#define EXPORT_UNUSED_SYMBOL_GPL(sym)
#define EXPORT_PER_CPU_SYMBOL(sym)
#define EXPORT_PER_CPU_SYMBOL_GPL(sym)
#define EXPORT_STATIC_CALL(name)
#define EXPORT_STATIC_CALL_GPL(name)
#define EXPORT_STATIC_CALL_TRAMP(name)
#define EXPORT_STATIC_CALL_TRAMP_GPL(name)
#define EXPORT_TRACEPOINT_SYMBOL(name)
#define EXPORT_TRACEPOINT_SYMBOL_GPL(name)
#define NOKPROBE_SYMBOL(fn)
#define ALLOW_ERROR_INJECTION(fn, type)
#define STACK_FRAME_NON_STANDARD(fn)
#define STACK_FRAME_NON_STANDARD_FP(fn)
#define ANNOTATE_NOENDBR
#define MODULE_LICENSE(x)
#define MODULE_AUTHOR(x)
#define MODULE_DESCRIPTION(x)
#define MODULE_VERSION(x)
#define MODULE_ALIAS(x)
#define MODULE_SOFTDEP(x)
#define MODULE_FIRMWARE(x)
#define MODULE_IMPORT_NS(x)
#define MODULE_DEVICE_TABLE(type, name)
#define MODULE_PARM_DESC(parm, desc)
#define module_param(name, type, perm)
#define module_param_named(name, value, type, perm)
#define module_param_unsafe(name, type, perm)
#define module_param_array(name, type, nump, perm)
#define module_param_cb(name, ops, arg, perm)
#define module_param_string(name, string, len, perm)
#define core_param(name, var, type, perm)
#define module_init(fn)
#define module_exit(fn)
#define early_initcall(fn)
#define pure_initcall(fn)
#define core_initcall(fn)
#define core_initcall_sync(fn)
#define postcore_initcall(fn)
#define arch_initcall(fn)
#define subsys_initcall(fn)
#define subsys_initcall_sync(fn)
#define fs_initcall(fn)
#define fs_initcall_sync(fn)
#define rootfs_initcall(fn)
#define device_initcall(fn)
#define late_initcall(fn)
#define late_initcall_sync(fn)
#define console_initcall(fn)
#define security_initcall(fn)
#define __setup(str, fn)
#define early_param(str, fn)

/* Declarator macros */
#define DEFINE_PER_CPU(type, name) type name
#define DECLARE_PER_CPU(type, name) extern type name
#define DEFINE_PER_CPU_ALIGNED(type, name) type name
#define DECLARE_PER_CPU_ALIGNED(type, name) extern type name
#define DEFINE_PER_CPU_SHARED_ALIGNED(type, name) type name
#define DECLARE_PER_CPU_SHARED_ALIGNED(type, name) extern type name
#define DEFINE_PER_CPU_PAGE_ALIGNED(type, name) type name
#define DECLARE_PER_CPU_PAGE_ALIGNED(type, name) extern type name
#define DEFINE_PER_CPU_READ_MOSTLY(type, name) type name
#define DECLARE_PER_CPU_READ_MOSTLY(type, name) extern type name
#define DEFINE_PER_CPU_DECRYPTED(type, name) type name
#define DECLARE_PER_CPU_DECRYPTED(type, name) extern type name
#define DEFINE_PER_CPU_FIRST(type, name) type name
#define DEFINE_PER_CPU_USER_MAPPED(type, name) type name
#define DEFINE_PER_CPU_HOT(type, name) type name
#define DEFINE_PER_CPU_CACHE_HOT(type, name) type name
#define DEFINE_PER_CPU_SECTION(type, name, sec) type name
#define DECLARE_PER_CPU_SECTION(type, name, sec) extern type name
#define DEFINE_EARLY_PER_CPU(type, name, init) type name
#define DECLARE_EARLY_PER_CPU(type, name) extern type name
#define DEFINE_EARLY_PER_CPU_READ_MOSTLY(type, name, init) type name
#define DECLARE_EARLY_PER_CPU_READ_MOSTLY(type, name) extern type name
#define DECLARE_BITMAP(name, bits) unsigned long name[bits]
#define DEFINE_STATIC_KEY_TRUE(name) int name
#define DEFINE_STATIC_KEY_FALSE(name) int name
#define DECLARE_STATIC_KEY_TRUE(name) extern int name
#define DECLARE_STATIC_KEY_FALSE(name) extern int name
#define DEFINE_STATIC_KEY_TRUE_RO(name) int name
#define DEFINE_STATIC_KEY_FALSE_RO(name) int name
#define DECLARE_KERNEL_PARAM_OPS(name) int name
#define DECLARE_HASHTABLE(name, bits) int name[bits]
#define DEFINE_HASHTABLE(name, bits) int name[bits]
#define DEFINE_READ_MOSTLY_HASHTABLE(name, bits) int name[bits]
#define __DECLARE_FLEX_ARRAY(type, name) type name[]
#define DECLARE_FLEX_ARRAY(type, name) type name[]

/* Token pasting (arch/x86/kvm/mmu/paging_tmpl.h and friends) */
#define FNAME(name) FNAME_##name
#define PT_FNAME(name) PT_FNAME_##name

/* BPF helper definitions */
#define BPF_CALL_0(name) u64 name(void)
#define BPF_CALL_1(name, t1, a1) u64 name(t1 a1)
#define BPF_CALL_2(name, t1, a1, t2, a2) u64 name(t1 a1, t2 a2)
#define BPF_CALL_3(name, t1, a1, t2, a2, t3, a3) u64 name(t1 a1, t2 a2, t3 a3)
#define BPF_CALL_4(name, t1, a1, t2, a2, t3, a3, t4, a4) u64 name(t1 a1, t2 a2, t3 a3, t4 a4)
#define BPF_CALL_5(name, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5) u64 name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5)

/* System call definitions */
#define SYSCALL_DEFINE0(name) long sys_##name(void)
#define SYSCALL_DEFINE1(name, t1, a1) long sys_##name(t1 a1)
#define SYSCALL_DEFINE2(name, t1, a1, t2, a2) long sys_##name(t1 a1, t2 a2)
#define SYSCALL_DEFINE3(name, t1, a1, t2, a2, t3, a3) long sys_##name(t1 a1, t2 a2, t3 a3)
#define SYSCALL_DEFINE4(name, t1, a1, t2, a2, t3, a3, t4, a4) long sys_##name(t1 a1, t2 a2, t3 a3, t4 a4)
#define SYSCALL_DEFINE5(name, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5) long sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5)
#define SYSCALL_DEFINE6(name, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, t6, a6) long sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6)
#define COMPAT_SYSCALL_DEFINE0(name) long compat_sys_##name(void)
#define COMPAT_SYSCALL_DEFINE1(name, t1, a1) long compat_sys_##name(t1 a1)
#define COMPAT_SYSCALL_DEFINE2(name, t1, a1, t2, a2) long compat_sys_##name(t1 a1, t2 a2)
#define COMPAT_SYSCALL_DEFINE3(name, t1, a1, t2, a2, t3, a3) long compat_sys_##name(t1 a1, t2 a2, t3 a3)
#define COMPAT_SYSCALL_DEFINE4(name, t1, a1, t2, a2, t3, a3, t4, a4) long compat_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4)
#define COMPAT_SYSCALL_DEFINE5(name, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5) long compat_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5)
#define COMPAT_SYSCALL_DEFINE6(name, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, t6, a6) long compat_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6)

/* Iterators (most are also found by shape; listing them helps when the body is a single statement on the same line) */
#define list_for_each(pos, head) while (pos, head)
#define list_for_each_safe(pos, n, head) while (pos, n, head)
#define list_for_each_entry(pos, head, member) while (pos, head, member)
#define list_for_each_entry_safe(pos, n, head, member) while (pos, n, head, member)
#define list_for_each_entry_rcu(pos, head, member, ...) while (pos, head, member)
#define list_for_each_entry_reverse(pos, head, member) while (pos, head, member)
#define hlist_for_each_entry(pos, head, member) while (pos, head, member)
#define hlist_for_each_entry_safe(pos, n, head, member) while (pos, n, head, member)
#define hlist_for_each_entry_rcu(pos, head, member, ...) while (pos, head, member)
#define for_each_possible_cpu(cpu) while (cpu)
#define for_each_online_cpu(cpu) while (cpu)
#define for_each_present_cpu(cpu) while (cpu)
#define for_each_cpu(cpu, mask) while (cpu, mask)
#define for_each_node(node) while (node)
#define for_each_online_node(node) while (node)
#define for_each_zone(zone) while (zone)
#define for_each_populated_zone(zone) while (zone)
#define for_each_process(p) while (p)
#define kvm_for_each_vcpu(idx, vcpup, kvm) while (idx, vcpup, kvm)
#define kvm_for_each_memslot(memslot, bkt, slots) while (memslot, bkt, slots)
#define for_each_set_bit(bit, addr, size) while (bit, addr, size)
#define for_each_clear_bit(bit, addr, size) while (bit, addr, size)
#define for_each_sg(sglist, sg, nr, i) while (sglist, sg, nr, i)
#define xa_for_each(xa, index, entry) while (xa, index, entry)
