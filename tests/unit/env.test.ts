import { describe, expect, it } from 'vitest';
import { checkGatewayConfig } from '../../gateway/env';
import { withDefaults } from '../../gateway/options';

const token = 'x'.repeat(24) + '.abc.def';

describe('gateway configuration', () => {
  it('reads ATTRIBUTION_COUNTED_AT_JOIN into the engine settings, off unless set', () => {
    const on = checkGatewayConfig({ DISCORD_TOKEN: token, ATTRIBUTION_COUNTED_AT_JOIN: 'true' });
    const off = checkGatewayConfig({ DISCORD_TOKEN: token, ATTRIBUTION_COUNTED_AT_JOIN: '0' });
    const unset = checkGatewayConfig({ DISCORD_TOKEN: token });
    const counted = (c: typeof on) =>
      c.ok
        ? withDefaults({ ...c.config.gateway, db: null as never }).attribution.countedAtJoin
        : null;
    expect([counted(on), counted(off), counted(unset)]).toEqual([true, false, false]);
  });

  it('names a value that is not true or false', () => {
    const bad = checkGatewayConfig({ DISCORD_TOKEN: token, ATTRIBUTION_COUNTED_AT_JOIN: 'yes' });
    expect(bad.ok ? [] : bad.problems).toEqual([
      'ATTRIBUTION_COUNTED_AT_JOIN must be true or false',
    ]);
  });
});
