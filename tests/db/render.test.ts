import { describe, expect, it } from 'vitest';
import { defaultSettings } from '../../db/queries/settings';
import { renderInviterDm, renderLogMessage, type RenderInput } from '../../db/shared/render';

/** Direction overrides, embeddings, isolates and marks: what can make text read in another order. */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/;

describe('bot messages', () => {
  const settings = {
    ...defaultSettings('100000000000000001'),
    logChannelId: '200000000000000001',
    dmInviter: true,
    templates: {
      log: '{member} kam zu {guild} über {code} von {inviter}',
      logUndecided: '{member} kam zu {guild}; {reason}.',
      dm: '{member} ist {guild} beigetreten',
      logFake: '{member} kam zu {guild}, Fake ({flags})',
      leave: '{member} hat {guild} verlassen',
    },
  };
  const input: RenderInput = {
    settings,
    guildName:
      'Bank \u202Egnp.exe\u202C \u2066Support\u2069 \u200F\u061C\u202A\u202B\u202D\u2067\u2068\u200E_*',
    memberId: '500000000000000001',
    outcome: 'exact',
    reason: 'single_code',
    code: 'abc123',
    inviterId: '400000000000000001',
    candidates: null,
    excluded: false,
    counts: { total: 3, regular: 4, left: 1, fake: 1, bonus: 0, pending: 0 },
    xpAwarded: 50,
  };

  it('carry no direction controls from a guild name, and still escape its markdown', () => {
    const messages = [
      renderLogMessage(input),
      renderLogMessage({ ...input, outcome: 'unknown', reason: 'no_use_changed', inviterId: null }),
      renderInviterDm(input),
    ];
    for (const message of messages) {
      expect(message).not.toBeNull();
      expect(message!.content).not.toMatch(BIDI_CONTROLS);
      expect(message!.content).toContain('Bank gnp.exe Support \\_\\*');
    }
    // People are mentions, which Discord renders itself: nothing of theirs is free text.
    expect(messages[0]!.content).toBe(
      '<@500000000000000001> kam zu Bank gnp.exe Support \\_\\* über abc123 von <@400000000000000001>',
    );
  });
});
