// patch-audit benchmark: the typed pair. Coccinelle's nearest equivalent of the
// `seqcount-truncation` rule's first step: an `unsigned long` expression stored into
// an `int`, with both types resolved by spatch. It finds every such narrowing, not the
// ranked round trips the rule reports, so only the time is compared, not the findings.
// Output: one `file:line` line per finding, printed by the python script rule.
//
// Usage: spatch --sp-file bench/narrow.cocci --dir arch/x86/kvm -j 2 --very-quiet

@r@
int x;
unsigned long e;
position p;
@@
* x@p = e

@script:python@
p << r.p;
@@
print("%s:%s" % (p[0].file, p[0].line), flush=True)
