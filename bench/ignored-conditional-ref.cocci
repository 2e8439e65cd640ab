// patch-audit benchmark: Coccinelle equivalent of the `nonrefcounted-page-ref` rule
// (benchmark subset). Reports a call to a conditional reference acquire whose result
// is discarded: the call is the whole expression statement. A `(void)` cast is an
// explicit discard and is not reported (`disable drop_cast` keeps it that way).
// Output: one `file:line` line per finding, printed by the python script rule.
//
// Usage: spatch --sp-file bench/ignored-conditional-ref.cocci --dir TREE --include-headers \
//          --no-includes -j 2 --very-quiet

@r disable drop_cast@
position p;
@@
(
get_page_unless_zero@p(...);
|
try_get_page@p(...);
|
folio_try_get@p(...);
|
kref_get_unless_zero@p(...);
|
refcount_inc_not_zero@p(...);
)

@script:python@
p << r.p;
@@
print("%s:%s" % (p[0].file, p[0].line), flush=True)
