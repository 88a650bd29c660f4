/** Which of a member's personal links `/invites link` gives again (pure). */
import { describe, expect, it } from 'vitest';
import { reusableLink } from '../../gateway/commands/personal-link';
import type { PersonalLink } from '../../db/queries/personal-links';
import type { InviteRecord } from '../../gateway/attribution/types';

const NOW = Date.parse('2026-12-03T07:00:00Z');
const link = (code: string, createdAgoMs: number, o: Partial<PersonalLink> = {}): PersonalLink => ({
  guildId: '100000000000000001',
  code,
  ownerId: '200000000000000001',
  channelId: '300000000000000001',
  maxAge: 0,
  maxUses: 0,
  createdAt: new Date(NOW - createdAgoMs),
  ...o,
});
const invite = (code: string, o: Partial<InviteRecord> = {}): InviteRecord => ({
  code,
  uses: 0,
  maxUses: 0,
  expiresAt: null,
  inviterId: '999999999999999999',
  channelId: '300000000000000001',
  temporary: false,
  deletedAt: null,
  ...o,
});

describe('personal links: reuse', () => {
  it('reuses the newest live link, skipping used-up, expired and deleted ones', () => {
    const links = [link('used', 1e6), link('expired', 2e6), link('gone', 3e6), link('live', 4e6)];
    const invites = [
      invite('used', { uses: 5, maxUses: 5 }),
      invite('expired', { expiresAt: NOW - 1 }),
      invite('gone', { deletedAt: NOW - 10 }),
      invite('live', { uses: 2, maxUses: 5, expiresAt: NOW + 60_000 }),
    ];
    expect(reusableLink(links, invites, NOW)).toMatchObject({
      link: { code: 'live' },
      uses: 2,
      expiresAt: NOW + 60_000,
    });
    expect(reusableLink(links.slice(0, 3), invites, NOW)).toBeNull();
  });

  it('trusts a link created moments ago that the snapshot does not show yet, not an old one', () => {
    expect(reusableLink([link('fresh', 5_000, { maxAge: 3600 })], [], NOW)).toMatchObject({
      link: { code: 'fresh' },
      expiresAt: NOW - 5_000 + 3_600_000,
    });
    expect(reusableLink([link('old', 120_000)], [], NOW)).toBeNull();
    expect(reusableLink([], [invite('someone-else')], NOW)).toBeNull();
  });
});
