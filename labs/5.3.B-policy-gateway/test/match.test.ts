import { describe, expect, it } from 'vitest';
import { matchRule } from '../src/match';
import { RuleSchema, type Rule } from '../src/policy';

const rule = (id: string, method: string, route: string): Rule => RuleSchema.parse({ id, method, route });

describe('exercise 1: rule matching — the most specific rule wins', () => {
  const rules = [rule('any', '*', '*'), rule('orders-all', '*', '/orders/*'), rule('order-get', 'GET', '/orders/:id'), rule('order-any', '*', '/orders/:id'), rule('deep', '*', '/orders/:id/items/*')];

  it('an exact pattern beats a prefix, a named method beats *', () => {
    expect(matchRule(rules, 'GET', '/orders/:id')?.id).toBe('order-get');
    expect(matchRule(rules, 'DELETE', '/orders/:id')?.id).toBe('order-any');
  });

  it('HEAD is limited as GET', () => {
    expect(matchRule(rules, 'HEAD', '/orders/:id')?.id).toBe('order-get');
    expect(matchRule(rules, 'head', '/orders/:id')?.id).toBe('order-get');
  });

  it('the longer prefix wins; a prefix covers its base; * catches the rest', () => {
    expect(matchRule(rules, 'GET', '/orders/:id/items/:item')?.id).toBe('deep');
    expect(matchRule(rules, 'POST', '/orders')?.id).toBe('orders-all');
    expect(matchRule(rules, 'GET', '/search')?.id).toBe('any');
  });

  it('a prefix does not match a longer word (/orders/* is not /ordersx)', () => {
    expect(matchRule([rule('o', '*', '/orders/*')], 'GET', '/ordersx')).toBeUndefined();
  });

  it('no rule: undefined; ties go to the smaller id whatever the order', () => {
    expect(matchRule([rule('b', 'GET', '/search')], 'POST', '/search')).toBeUndefined();
    expect(matchRule([rule('b', '*', '/search'), rule('a', '*', '/search')], 'GET', '/search')?.id).toBe('a');
    expect(matchRule([rule('a', '*', '/search'), rule('b', '*', '/search')], 'GET', '/search')?.id).toBe('a');
  });
});
