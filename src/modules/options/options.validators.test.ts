import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INFERRED_VENDORS, inferVendor } from '../catalog/vendor-infer.ts';
import { OPTION_DEFAULTS, SECRET_OPTION_KEYS } from './options.defaults.ts';
import { OPTION_VALIDATORS } from './options.validators.ts';

test('every settable option has a validator, and every default passes it', () => {
  for (const [key, value] of Object.entries(OPTION_DEFAULTS)) {
    if (SECRET_OPTION_KEYS.has(key)) continue;
    const validate = OPTION_VALIDATORS[key];
    assert.ok(validate, `${key} has no validator`);
    assert.equal(validate(value), null, `default of ${key}`);
  }
});

test('validators refuse what they should, with a reason', () => {
  const bad: Array<[string, string]> = [
    ['ModelRatio', '{"gpt-4o": -1}'],
    ['ModelRatio', '{"gpt-4o": "1"}'],
    ['ModelRatio', '[1, 2]'],
    ['ModelRatio', '{not json'],
    ['GroupRatio', '{"": 1}'],
    ['UserUsableGroups', '{"vip": 1}'],
    ['AutoGroups', '{"a": 1}'],
    ['RegisterEnabled', 'yes'],
    ['QuotaPerUnit', '0'],
    ['RetentionDays', '-1'],
    ['RetentionDays', '1.5'],
    ['Logo', 'javascript:alert(1)'],
    ['SystemName', 'x'.repeat(65)],
  ];
  for (const [key, value] of bad) assert.match(OPTION_VALIDATORS[key](value) ?? '', /./, `${key}=${value}`);
});

test('vendor inference from model names', () => {
  assert.equal(inferVendor('gpt-4o-mini'), 'OpenAI');
  assert.equal(inferVendor('o3-mini'), 'OpenAI');
  assert.equal(inferVendor('claude-sonnet-4-20250514'), 'Anthropic');
  assert.equal(inferVendor('gemini-2.5-pro'), 'Google');
  assert.equal(inferVendor('deepseek-reasoner'), 'DeepSeek');
  assert.equal(inferVendor('qwen-max'), 'Alibaba');
  assert.equal(inferVendor('my-private-model'), null);
  assert.deepEqual(
    [...INFERRED_VENDORS].sort(),
    [
      'Alibaba',
      'Anthropic',
      'DeepSeek',
      'Google',
      'Meta',
      'Mistral',
      'Moonshot',
      'OpenAI',
      'Zhipu',
      'xAI',
    ].sort(),
    'migration main-002 seeds exactly these',
  );
});
