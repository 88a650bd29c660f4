/**
 * The demo server in the simulator: a German community with a welcome/invite-log channel, a few
 * inviters with their own codes, the team's general invite (excluded in the dashboard), a vanity
 * URL, and an admin who logs in to the dashboard.
 */
import type { Simulator } from '../sim';

export type DemoWorld = {
  guildId: string;
  guildName: string;
  welcomeChannelId: string;
  adminId: string;
  teamCode: string;
  vanityCode: string;
  /** Codes with their inviter and how often newcomers pick them. */
  codes: { code: string; inviterId: string; weight: number }[];
};

const VANITY = 'spieleabend';

export function buildDemoWorld(sim: Simulator): DemoWorld {
  const admin = sim.createUser({ username: 'demo-admin', globalName: 'Demo-Admin', locale: 'de' });
  const guild = sim.createGuild({
    name: 'Spieleabend Community',
    ownerId: admin.id,
    locale: 'de',
    vanityCode: VANITY,
    vanityUses: 12,
    // The bot can read invites, the audit log (to confirm used-up one-use links) and post.
    botPermissions: (1n << 10n) | (1n << 11n) | (1n << 14n) | (1n << 5n) | (1n << 4n) | (1n << 7n),
  });
  const welcome = sim.createChannel(guild.id, { name: 'willkommen' });
  const events = sim.createChannel(guild.id, { name: 'events' });
  const inviter = (username: string, globalName: string) => {
    const user = sim.createUser({ username, globalName, locale: 'de' });
    sim.addMember(guild.id, user.id);
    return user;
  };
  const lena = inviter('lena', 'Lena');
  const max = inviter('max', 'Max');
  const sophie = inviter('sophie', 'Sophie');
  const team = inviter('team', 'Team Spieleabend');
  const codes = [
    {
      code: sim.createInvite(guild.id, { inviterId: lena.id, channelId: welcome.id }).code,
      inviterId: lena.id,
      weight: 5,
    },
    {
      code: sim.createInvite(guild.id, { inviterId: lena.id, channelId: events.id }).code,
      inviterId: lena.id,
      weight: 2,
    },
    {
      code: sim.createInvite(guild.id, { inviterId: max.id, channelId: welcome.id, maxUses: 250 })
        .code,
      inviterId: max.id,
      weight: 3,
    },
    {
      code: sim.createInvite(guild.id, {
        inviterId: sophie.id,
        channelId: events.id,
        maxAge: 7 * 86_400,
      }).code,
      inviterId: sophie.id,
      weight: 3,
    },
  ];
  const teamCode = sim.createInvite(guild.id, { inviterId: team.id, channelId: welcome.id }).code;
  codes.push({ code: teamCode, inviterId: team.id, weight: 2 });
  return {
    guildId: guild.id,
    guildName: guild.name,
    welcomeChannelId: welcome.id,
    adminId: admin.id,
    teamCode,
    vanityCode: VANITY,
    codes,
  };
}
