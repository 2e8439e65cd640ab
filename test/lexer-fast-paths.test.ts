// The lexer's and normaliser's shortcuts (name-filter.ts, the character table, the
// token columns' growth, the warm-up) give the answers the plain rules give.

import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { NameFilter } from '../src/frontend/name-filter';
import { TokenKind, tokenize } from '../src/frontend/lexer';
import { loadHints } from '../src/frontend/hints';
import { normalise, WARM_UP_SOURCE } from '../src/frontend/normalise';

describe('NameFilter', () => {
  const filter = new NameFilter(['while', 'list_for_each_entry', '__read_mostly']);
  const at = (text: string): boolean => filter.mayHold(text, 0, text.length);

  it('lets every listed name through', () => {
    assert.ok(at('while'));
    assert.ok(at('list_for_each_entry'));
    assert.ok(at('__read_mostly'));
  });

  it('stops a name of another length or first character', () => {
    assert.equal(at('whiles'), false);
    assert.equal(at('xhile'), false);
    assert.equal(at('count'), false);
  });

  it('reads the word where it is in a longer text', () => {
    const text = 'x = while(y)';
    assert.ok(filter.mayHold(text, 4, 9));
    assert.equal(filter.mayHold(text, 0, 1), false);
  });

  it('lets through every length from a prefix rule on, names past 31 characters in one bucket', () => {
    const prefixed = new NameFilter([]).addPrefix('D'.charCodeAt(0), 8);
    assert.ok(prefixed.mayHold('DEFINE_X', 0, 8));
    assert.ok(prefixed.mayHold('DECLARE_A_VERY_LONG_NAME_OF_MORE_THAN_THIRTY_ONE', 0, 48));
    assert.equal(prefixed.mayHold('DEFINE_', 0, 7), false);
    assert.equal(new NameFilter(['a'.repeat(40)]).mayHold('a'.repeat(35), 0, 35), true);
  });
});

describe('tokenize', () => {
  it('grows its columns past the first estimate (one token per character)', () => {
    const text = Array.from({ length: 5000 }, (_, i) => 'abcdefghij'[i % 10]).join(',');
    const tokens = tokenize(text);
    assert.equal(tokens.count, text.length);
    for (let t = 0; t < tokens.count; t++) {
      assert.equal(tokens.start[t], t);
      assert.equal(tokens.end[t], t + 1);
      assert.equal(tokens.kind[t], t % 2 === 0 ? TokenKind.Identifier : TokenKind.Punct);
    }
  });

  it('classes words, numbers with exponent signs, prefixed literals and blanks', () => {
    const text = 'a_1$ 0x1p-3 1e+5 .5 L"s" u8\'c\' \u00e9x\t...';
    const tokens = tokenize(text);
    const words: [TokenKind, string][] = [];
    for (let t = 0; t < tokens.count; t++) words.push([tokens.kind[t] as TokenKind, text.slice(tokens.start[t], tokens.end[t])]);
    assert.deepEqual(words, [
      [TokenKind.Identifier, 'a_1$'],
      [TokenKind.Number, '0x1p-3'],
      [TokenKind.Number, '1e+5'],
      [TokenKind.Number, '.5'],
      [TokenKind.String, 'L"s"'],
      [TokenKind.Char, "u8'c'"],
      [TokenKind.Punct, '\u00e9'],
      [TokenKind.Identifier, 'x'],
      [TokenKind.Punct, '...'],
    ]);
  });
});

describe('the normaliser warm-up', () => {
  it('leaves the result of the first text as it is on any later call', () => {
    const hints = loadHints();
    const first = normalise(WARM_UP_SOURCE, hints);
    const again = normalise(WARM_UP_SOURCE, hints);
    assert.equal(first.text, again.text);
    assert.deepEqual(first.rewrites, again.rewrites);
    assert.equal(first.text.length, WARM_UP_SOURCE.length);
  });

  it('takes the paths it is there for: hints, iterators, type arguments, case ranges and conditionals', () => {
    const { rewrites } = normalise(WARM_UP_SOURCE, loadHints());
    for (const kind of ['hint', 'iterator', 'type-argument', 'case-range', 'conditional'] as const) assert.ok(rewrites[kind] > 0, kind);
  });
});
