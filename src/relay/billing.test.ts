import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeQuota, type PricingTables, resolvePricing, roundHalfAway } from './billing.ts';

const tables: PricingTables = {
  modelRatio: { 'gpt-4o': 1.25, free: 0, tiny: 0.001 },
  completionRatio: { 'gpt-4o': 4 },
  modelPrice: { 'dall-e-3': 0.04, 'gpt-4o': 9 },
  groupRatio: { default: 1, vip: 0.5, svip: 1.5 },
  quotaPerUnit: 500000,
};

describe('billing', () => {
  it('rounds half away from zero', () => {
    assert.equal(roundHalfAway(2.5), 3);
    assert.equal(roundHalfAway(2.4999), 2);
    assert.equal(roundHalfAway(-2.5), -3);
    assert.equal(roundHalfAway(0), 0);
  });

  it('bills ratio models by the formula', () => {
    const p = resolvePricing({ ...tables, modelPrice: {} }, 'gpt-4o', 'vip')!;
    assert.deepEqual(p, {
      modelRatio: 1.25,
      completionRatio: 4,
      cacheRatio: 1,
      createCacheRatio: 1.25,
      modelPrice: -1,
      groupRatio: 0.5,
      quotaPerUnit: 500000,
    });
    // (10 + 7 × 4) × 1.25 × 0.5 = 23.75 → 24
    assert.equal(computeQuota(p, { prompt: 10, completion: 7 }), 24);
    // (1 + 0) × 0.625 = 0.625 → 1
    assert.equal(computeQuota(p, { prompt: 1, completion: 0 }), 1);
  });

  it("bills cached prompt tokens at the model's CacheRatio (1 when unset)", () => {
    const p = resolvePricing(
      { ...tables, modelPrice: {}, cacheRatio: { 'gpt-4o': 0.1 } },
      'gpt-4o',
      'default',
    )!;
    assert.equal(p.cacheRatio, 0.1);
    // (1000 − 800 + 800 × 0.1 + 10 × 4) × 1.25 = (200 + 80 + 40) × 1.25 = 400
    assert.equal(computeQuota(p, { prompt: 1000, completion: 10, cached: 800 }), 400);
    // more cached than prompt (a broken upstream) counts the whole prompt as cached, never negative
    assert.equal(computeQuota(p, { prompt: 100, completion: 0, cached: 900 }), 13);
    const plain = resolvePricing({ ...tables, modelPrice: {} }, 'gpt-4o', 'default')!;
    assert.equal(computeQuota(plain, { prompt: 1000, completion: 10, cached: 800 }), 1300);
  });

  it("bills cache writes at the model's CreateCacheRatio (1.25 when unset, as New API)", () => {
    const p = resolvePricing(
      { ...tables, modelPrice: {}, cacheRatio: { 'gpt-4o': 0.1 }, createCacheRatio: { 'gpt-4o': 2 } },
      'gpt-4o',
      'default',
    )!;
    assert.equal(p.createCacheRatio, 2);
    // (1000 − 600 − 300 + 600 × 0.1 + 300 × 2 + 10 × 4) × 1.25 = (100 + 60 + 600 + 40) × 1.25 = 1000
    assert.equal(computeQuota(p, { prompt: 1000, completion: 10, cached: 600, created: 300 }), 1000);
    const unset = resolvePricing({ ...tables, modelPrice: {} }, 'gpt-4o', 'default')!;
    assert.equal(unset.createCacheRatio, 1.25);
    // (1000 − 400 + 400 × 1.25) × 1.25 = 1100 × 1.25 = 1375
    assert.equal(computeQuota(unset, { prompt: 1000, completion: 0, created: 400 }), 1375);
    // writes beyond what is left of the prompt (a broken upstream) count up to it, never below zero:
    // (100 − 80 − 20 + 80 × 1 + 20 × 1.25) × 1.25 = 105 × 1.25 = 131.25 → 131
    assert.equal(computeQuota(unset, { prompt: 100, completion: 0, cached: 80, created: 900 }), 131);
  });

  it('charges at least 1 when the ratio product is non-zero, 0 when it is zero', () => {
    const tiny = resolvePricing(tables, 'tiny', 'default')!;
    assert.equal(computeQuota(tiny, { prompt: 3, completion: 2 }), 1);
    const free = resolvePricing(tables, 'free', 'default')!;
    assert.equal(computeQuota(free, { prompt: 3000, completion: 2000 }), 0);
  });

  it('bills price models per request, and a price wins over a ratio', () => {
    const p = resolvePricing(tables, 'dall-e-3', 'svip')!;
    assert.equal(p.modelPrice, 0.04);
    // 0.04 × 500000 × 1.5 = 30000
    assert.equal(computeQuota(p, { prompt: 999, completion: 999 }), 30000);
    const both = resolvePricing(tables, 'gpt-4o', 'default')!;
    assert.equal(computeQuota(both, { prompt: 1, completion: 1 }), 4500000);
  });

  it('defaults completion ratio and unknown groups to 1; unknown models have no pricing', () => {
    const p = resolvePricing(tables, 'tiny', 'nobody')!;
    assert.equal(p.completionRatio, 1);
    assert.equal(p.groupRatio, 1);
    assert.equal(resolvePricing(tables, 'unknown-model', 'default'), null);
  });
});
