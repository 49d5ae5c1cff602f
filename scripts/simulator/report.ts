import type { Difference } from './comparison.js';
import type { DeliveryStats } from './delivery-stats.js';
import type { TrueRoom } from './traffic-model.js';

/** The run's final report: what was played, how it was delivered, the true membership, and the verdict. */

export interface RunReport {
  seed: number;
  appId: string;
  callbackUrl: string;
  callbacksPlayed: number;
  durationS: number;
  delivery: {
    sent: number;
    accepted: number;
    retried: number;
    failed: number;
    duplicatesSent: number;
    heldBack: number;
    outcomes: Record<string, number>;
    refusals: Record<string, { count: number; message: string }>;
  };
  truth: { rooms: number; openRooms: number; members: number; byRoom: TrueRoom[] };
  service: { rooms: number; members: number; otherRooms: number } | { error: string };
  differences: Difference[];
  /** The service's rooms match the truth, and no callback was lost. */
  converged: boolean;
}

export function buildReport(input: {
  seed: number;
  appId: string;
  callbackUrl: string;
  callbacksPlayed: number;
  durationS: number;
  stats: DeliveryStats;
  truth: TrueRoom[];
  service: RunReport['service'];
  differences: Difference[];
}): RunReport {
  const { stats, truth } = input;
  return {
    seed: input.seed,
    appId: input.appId,
    callbackUrl: input.callbackUrl,
    callbacksPlayed: input.callbacksPlayed,
    durationS: Math.round(input.durationS * 10) / 10,
    delivery: {
      sent: stats.sent,
      accepted: stats.accepted,
      retried: stats.retried,
      failed: stats.failed,
      duplicatesSent: stats.duplicatesSent,
      heldBack: stats.heldBack,
      outcomes: Object.fromEntries(stats.outcomes),
      refusals: Object.fromEntries(stats.refusals),
    },
    truth: {
      rooms: truth.length,
      openRooms: truth.filter((room) => room.isOpen).length,
      members: truth.reduce((sum, room) => sum + room.members.length, 0),
      byRoom: truth,
    },
    service: input.service,
    differences: input.differences,
    converged: !('error' in input.service) && input.differences.length === 0 && stats.failed === 0,
  };
}

const ROLE_NAMES: Record<number, string> = { 1: 'host', 2: 'audience', 4: 'admin' };

export function formatReport(report: RunReport): string {
  const { delivery, truth, service } = report;
  const lines: string[] = [];
  const outcomes = Object.entries(delivery.outcomes).map(([outcome, count]) => `${outcome} ${count}`).join(', ');
  lines.push(`Played ${report.callbacksPlayed} callbacks of app ${report.appId} to ${report.callbackUrl} in ${report.durationS} s (seed ${report.seed}).`);
  lines.push(
    `Delivery: sent ${delivery.sent} (${delivery.duplicatesSent} duplicates, ${delivery.heldBack} held back), ` +
      `accepted ${delivery.accepted}${outcomes ? ` (${outcomes})` : ''}, retried ${delivery.retried}, failed ${delivery.failed}.`,
  );
  for (const [answer, { count, message }] of Object.entries(delivery.refusals)) {
    lines.push(`  answered ${answer} ${count} times${message ? `: ${message}` : ''}`);
  }
  lines.push('');
  lines.push(`True final membership: ${truth.members} members in ${truth.rooms} rooms (${truth.openRooms} open).`);
  for (const room of truth.byRoom) {
    const state = `${room.isOpen ? 'open' : 'closed'}, lifecycle ${room.roomSeq}`;
    const members = room.members.map((m) => (m.roleCode === 2 ? m.userAccount : `${m.userAccount} (${ROLE_NAMES[m.roleCode] ?? m.roleCode})`));
    lines.push(`  ${room.roomId} [${state}] ${room.members.length}${members.length ? `: ${members.join(', ')}` : ''}`);
  }
  lines.push('');
  if ('error' in service) {
    lines.push(`Could not read the service's rooms: ${service.error}`);
  } else {
    lines.push(`Service (GraphQL rooms): ${service.members} members in ${service.rooms} rooms${service.otherRooms ? ` (and ${service.otherRooms} rooms not played in this run)` : ''}.`);
    if (report.differences.length === 0) lines.push('No difference: the service shows the true membership.');
    else {
      lines.push(`${report.differences.length} differences:`);
      for (const difference of report.differences) lines.push(`  ${difference.roomId}: ${difference.detail}`);
    }
  }
  if (delivery.failed > 0) lines.push(`${delivery.failed} callbacks were lost after ZEGO's last retry.`);
  lines.push(report.converged ? 'Converged.' : 'NOT converged.');
  return lines.join('\n');
}
