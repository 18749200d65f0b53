import { describe, expect, it } from 'vitest';
import { configErrors, containing } from '../testing.js';
import { emitMetricExample } from './example.js';

describe('emit-metric', () => {
  it('accepts the example', () => {
    expect(configErrors('emit-metric', emitMetricExample)).toEqual([]);
  });

  it('requires a value for dimensions the gateway does not fill in', () => {
    expect(configErrors('emit-metric', { name: 'm', dimension: [{ name: 'API ID' }, { name: 'Client' }] })).toEqual([
      { path: 'dimension[1]', message: containing("'value' is required unless the dimension is one of") },
    ]);
  });

  it('allows at most 10 dimensions', () => {
    const dimension = Array.from({ length: 11 }, (_, i) => ({ name: `d${i}`, value: 'v' }));
    expect(configErrors('emit-metric', { name: 'm', dimension })).toEqual([{ path: 'dimension', message: containing('<=10') }]);
  });

  it('accepts an integer expression for the double value', () => {
    expect(configErrors('emit-metric', { name: 'm', value: '@(size(request.body))', dimension: [{ name: 'API ID' }] })).toEqual(
      [],
    );
  });

  it('refuses two dimensions that would become the same label', () => {
    expect(
      configErrors('emit-metric', {
        name: 'm',
        dimension: [{ name: 'API ID' }, { name: 'Client', value: 'x' }, { name: 'api-id', value: 'y' }],
      }),
    ).toEqual([
      { path: 'dimension[2].name', message: "dimension 'api-id' has the same name as 'API ID' (both become the label 'api_id')" },
    ]);
  });
});
