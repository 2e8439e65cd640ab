// Value facts: ranges of expressions, the origins that bound them, "wide
// only by promotion", and the same-quantity round trip. Each snippet marks
// the expression under test as the argument of probe().

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { extractFacts } from '../src/types/extract';
import { TypeIndex } from '../src/types/type-index';
import { Typer } from '../src/types/typer';
import { ValueFacts } from '../rules/seqcount-truncation/values/facts';
import { show } from '../rules/seqcount-truncation/values/interval';
import { wideOnlyByPromotion } from '../rules/seqcount-truncation/values/promotion';
import { quantitiesOf, sameQuantityIn } from '../rules/seqcount-truncation/values/quantities';
import { findRoundTrip } from '../rules/seqcount-truncation/values/round-trip';
import { conversionsIn } from '../src/analysis/conversions';
import { functionDefinitions } from '../src/frontend/syntax';
import { parseFixture } from './support/fixtures';

function setUp(code: string) {
  const parsed = parseFixture('values.c', code);
  const typer = new Typer(parsed, new TypeIndex(null, { abi: 'lp64', arch: 'x86' }).scopeFor('values.c', extractFacts(parsed)));
  const probes = parsed.tree.rootNode
    .descendantsOfType('call_expression')
    .filter((call) => call.childForFieldName('function')?.text === 'probe')
    .map((call) => call.childForFieldName('arguments')!.namedChildren[0]);
  return { parsed, typer, probes, facts: new ValueFacts(typer, parsed.tree.rootNode) };
}

/** The range of each probe, and why, as `lo..hi: why (line N)`. */
function ranges(code: string): string[] {
  const { probes, facts } = setUp(code);
  return probes.map((p) => {
    const bound = facts.rangeOf(p);
    return bound ? `${show(bound.range)}: ${bound.why} (line ${bound.at.startPosition.row + 1})` : 'unknown';
  });
}

const PRELUDE = [
  'void probe(unsigned long v);',
  'u32 readl(const void *addr);',
  'unsigned long find_first_bit(const unsigned long *addr, unsigned long size);',
  '#define LOW_BITS 0x7f',
  '#define WINDOW (1UL << 12)',
  'enum level { LEVEL_LOW, LEVEL_HIGH = 40 };',
].join('\n');

describe('value ranges of expressions', () => {
  it('masks, shifts, remainders and divisions of an unbounded value', () => {
    const got = ranges(`${PRELUDE}
void f(unsigned long x)
{
	probe(x & 0x7f);
	probe(x & LOW_BITS);
	probe(x >> 56);
	probe(x % 10);
	probe((x & 0xffff) / 16);
	probe(x & WINDOW);
	probe(x + 1);
}`);
    assert.deepEqual(got, [
      '0..127: masked with 0x7f (line 9)',
      '0..127: masked with LOW_BITS (line 10)',
      '0..255: shifted right by 56 (line 11)',
      '0..9: reduced modulo 10 (line 12)',
      '0..4095: masked with 0xffff, divided by 16 (line 13)',
      '0..4096: masked with WINDOW (line 14)',
      "0..0xffffffffffffffff: 'x + 1' is unsigned long (line 15)",
    ]);
  });

  it('narrow types, bit-fields, casts and enumerators', () => {
    const got = ranges(`${PRELUDE}
struct regs { u64 low : 12; u64 wide; u8 small; };
void f(struct regs *r, u16 half, unsigned long x)
{
	probe(r->low);
	probe(r->small + half);
	probe((u8)x + 1);
	probe(LEVEL_HIGH);
	probe(r->wide);
}`);
    assert.equal(got[0], "0..4095: 'r->low' is a 12-bit bit-field (line 10)");
    assert.equal(got[1].split(':')[0], '0..0x100fe');
    assert.equal(got[2].split(':')[0], '1..256');
    assert.equal(got[3], 'LEVEL_HIGH is 40 (line 13)'.replace(/^/, '40: '));
    assert.match(got[4], /^0\.\.0xffffffffffffffff: 'r->wide' is unsigned long long/);
  });

  it('a parameter or a local named like a file-scope constant is the variable, not the constant', () => {
    const got = ranges(`${PRELUDE}
enum regs { cr3 = 3 };
void f(unsigned long cr3, unsigned long x)
{
	probe(cr3 & 0xfe0);
	probe(cr3);
	{
		unsigned long LEVEL_HIGH = x;
		probe(LEVEL_HIGH);
	}
	probe(LEVEL_HIGH);
}`);
    assert.deepEqual(got, [
      '0..4064: masked with 0xfe0 (line 10)',
      "0..0xffffffffffffffff: 'cr3' is unsigned long (line 11)",
      "0..0xffffffffffffffff: 'x' is unsigned long (line 13)",
      '40: LEVEL_HIGH is 40 (line 16)',
    ]);
  });

  it('min, max, clamp, sizeof and bit searches bounded by their size', () => {
    const got = ranges(`${PRELUDE}
void f(unsigned long x, unsigned long *map)
{
	probe(min(x, 100UL));
	probe(min_t(unsigned long, x, 64));
	probe(clamp(x, 1UL, 8UL));
	probe(sizeof(struct regs *));
	probe(find_first_bit(map, 512));
	probe(find_first_bit(map, x));
}`);
    assert.deepEqual(got.slice(0, 3), [
      '0..100: capped by min(..., 100UL) (line 9)',
      '0..64: capped by min_t(..., 64) (line 10)',
      '1..8: clamped to 1UL..8UL (line 11)',
    ]);
    assert.match(got[3], /^0\.\.0x7fffffff: sizeof is the size of an object/);
    assert.match(got[4], /^0\.\.512: find_first_bit\(\) returns a bit number at most its size argument '512'/);
    assert.match(got[5], /^0\.\.0xffffffffffffffff: /, 'an unbounded size bounds nothing');
  });
});

describe('origins that bound a value', () => {
  it('a register read, followed through a local', () => {
    const got = ranges(`${PRELUDE}
void f(void *base)
{
	unsigned long status = readl(base + 4);
	unsigned long other = readl(base + 8);

	other += 1;
	probe(status);
	probe(other);
}`);
    assert.equal(got[0], '0..0xffffffff: read from readl(), a 32-bit register (line 9)');
    assert.match(got[1], /: 'other' is unsigned long/, 'a local changed by += is not followed');
  });

  it('an endian conversion the typer cannot type, and an atomic_t', () => {
    const got = ranges(`
void probe(unsigned long v);
void f(struct hdr *h, atomic_t *a)
{
	unsigned long len = le32_to_cpu(h->len);
	long users = atomic_read(a);
	probe(len);
	probe(users);
}`);
    assert.equal(got[0], '0..0xffffffff: read from le32_to_cpu(), a 32-bit little-endian value (line 5)');
    assert.equal(got[1], '-0x80000000..0x7fffffff: read from atomic_read(), an atomic_t (int) (line 6)');
  });

  it('every store into a member in the file, and every return of a same-file callee', () => {
    const got = ranges(`${PRELUDE}
struct dev { unsigned long mode; unsigned long count; };
static unsigned long pick(unsigned long x)
{
	if (x > 3)
		return x & 3;
	return 2;
}
void set(struct dev *d, unsigned long v) { d->mode = v & 7; d->count = v; }
void reset(struct dev *d) { d->mode = 0; d->count += 1; }
void f(struct dev *d, unsigned long v)
{
	probe(d->mode);
	probe(d->count);
	probe(pick(v));
}`);
    assert.equal(got[0], "0..7: every store into 'mode' in this file is bounded: masked with 7 at line 14 (line 18)");
    assert.match(got[1], /'d->count' is unsigned long/);
    assert.equal(got[2], "0..3: every value pick() returns is bounded: masked with 3 at line 11 (line 20)");
  });

  it('a parameter of a static function, from what its callers pass', () => {
    const got = ranges(`${PRELUDE}
static void show_level(unsigned long level)
{
	probe(level);
}
void exported(unsigned long level)
{
	probe(level);
}
void callers(unsigned long x)
{
	show_level(x & 0xf);
	show_level(3);
	exported(1);
}`);
    assert.match(got[0], /^0\.\.15: every value assigned to 'level' is bounded: masked with 0xf/);
    assert.match(got[1], /'level' is unsigned long/, 'a function others may call says nothing about its parameter');
  });

  it('a constant global of the file', () => {
    const got = ranges(`${PRELUDE}
static const unsigned long magic = 0x3c3c;
void f(void) { probe(magic); }`);
    assert.equal(got[0], "0x3c3c: the constant 'magic' is 0x3c3c (line 7)");
  });
});

describe('ranges from the control flow (guards and loop bounds)', () => {
  it('a dominating check, a loop condition, and an assignment that forgets', () => {
    const got = ranges(`${PRELUDE}
int f(unsigned long x, unsigned long y, long n)
{
	unsigned long i;

	if (x > 0xff)
		return -EINVAL;
	probe(x);
	for (i = 0; i < 16; i++)
		probe(i);
	if (y >= 4096)
		y = n;
	probe(y);
	if (n < 0 || n >= 100)
		return -ERANGE;
	probe(n);
	return 0;
}`);
    assert.deepEqual(got, [
      "0..255: checked by '!(x > 0xff)' (line 11)",
      "0..15: checked by 'i < 16' (line 14)",
      "0..0xffffffffffffffff: 'y' is unsigned long (line 18)",
      "0..99: checked by '!(n >= 100)' (line 19)",
    ]);
  });

  it('a bound of a narrower type, and what a pointer points to until a call may change it', () => {
    const got = ranges(`${PRELUDE}
void refresh(void);
int f(long long *index, unsigned int limit)
{
	if (*index >= limit)
		return 0;
	probe(*index);
	refresh();
	probe(*index);
	return 1;
}`);
    assert.deepEqual(got, [
      "-0x8000000000000000..0xfffffffe: checked by '!(*index >= limit)' (line 10)",
      "-0x8000000000000000..0x7fffffffffffffff: '*index' is long long (line 14)",
    ]);
  });
});

describe('wide only by promotion', () => {
  const promoted = (code: string) => {
    const { probes, typer } = setUp(code);
    return probes.map((p) => wideOnlyByPromotion(p, typer, 32)?.why ?? null);
  };
  it('a wide literal, a wide constant or a bit search among narrow operands', () => {
    const got = promoted(`${PRELUDE}
void f(u32 ms, u32 pages, unsigned long total, unsigned long *map)
{
	probe(ms * 1000UL);
	probe(pages * WINDOW);
	probe(find_first_bit(map, 64) + 1);
	probe(ms * total);
	probe(74L);
}`);
    assert.deepEqual(got, [
      'the literal 1000UL is unsigned long',
      'the constant WINDOW is unsigned long',
      'find_first_bit() returns a bit number as unsigned long',
      null,
      null,
    ]);
  });
});

describe('the same quantity', () => {
  it('a member of the same object, a getter with the same arguments, copies of a sequence count by name', () => {
    const { probes, typer } = setUp(`
void probe(unsigned long v);
unsigned long get_count(struct dev *d);
struct dev { unsigned long seq; unsigned long count; };
struct urb { unsigned long unlink_seqnum; unsigned long seqnum; };
void f(struct dev *d, struct dev *e, struct urb *u, struct urb *p, unsigned long local)
{
	unsigned long snap = d->seq;
	probe(d->seq); probe(d->seq);
	probe(d->count); probe(e->count);
	probe(get_count(d)); probe(get_count(d));
	probe(get_count(d)); probe(get_count(e));
	probe(u->unlink_seqnum); probe(p->seqnum);
	probe(snap); probe(d->seq);
	probe(local); probe(local);
}`);
    const same = (i: number) => sameQuantityIn(quantitiesOf(probes[i], typer), quantitiesOf(probes[i + 1], typer, false));
    assert.match(same(0) ?? '', /same member/);
    assert.equal(same(2), null, 'the same member of another object, in one function');
    assert.match(same(4) ?? '', /is/);
    assert.equal(same(6), null, 'a getter asked about another object');
    assert.match(same(8) ?? '', /same sequence count .* by name/);
    assert.match(same(10) ?? '', /same member/, 'a local stands for what was assigned to it');
    assert.equal(same(12), null, 'a parameter cannot change under the function: comparing with it checks the narrowing');
  });
});

describe('round trips', () => {
  const trips = (code: string) => {
    const { parsed, typer } = setUp(code);
    const root = parsed.tree.rootNode;
    return functionDefinitions(root).flatMap((fn) =>
      conversionsIn(fn, typer)
        .filter((c) => c.to.bits < c.from.bits)
        .map((c) => {
          const search = findRoundTrip(c, typer, root);
          return search.trip ? `${c.source.startPosition.row + 1}: ${search.trip.how}` : `${c.source.startPosition.row + 1}: none (${search.otherUses.map((u) => u.how).join('; ')})`;
        }),
    );
  };

  it('a snapshot compared with the live count, directly and through a same-file callee', () => {
    const got = trips(`
struct kvm { unsigned long seq; unsigned long len; };
void work(struct kvm *kvm);
static int retry(struct kvm *kvm, unsigned long seq) { return kvm->seq != seq; }
static int stale(struct kvm *kvm, int seq) { return retry(kvm, seq); }
int f(struct kvm *kvm)
{
	unsigned long wide = kvm->seq;
	int snap = kvm->seq;
	u32 len = kvm->len;

	work(kvm);
	if (snap != kvm->seq)
		return 1;
	memset(kvm, 0, len);
	return stale(kvm, wide);
}`);
    assert.deepEqual(got, [
      "9: compared with 'kvm->seq' (unsigned long)",
      "10: none (passed to memset())",
      "16: passed to retry() and there compared with 'kvm->seq' (unsigned long)",
    ]);
  });

  it('an overflow check of the narrowing itself is no round trip', () => {
    const got = trips(`
struct stat { unsigned long long ino; };
struct old { u32 st_ino; };
int f(struct stat *stat, struct old *tmp)
{
	tmp->st_ino = stat->ino;
	if (tmp->st_ino != stat->ino)
		return -EOVERFLOW;
	return 0;
}`);
    assert.equal(got.length, 1);
    assert.match(got[0], /^6: none \(compared with 'stat->ino' at once, failing with EOVERFLOW: an overflow check\)/);
  });
});
