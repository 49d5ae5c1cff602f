import type { TrueMember, TrueRoom } from './traffic-model.js';

/** The service's rooms, read through its public GraphQL API, set against the model's true state. */

export interface ServiceRoom {
  roomId: string;
  roomSeq: string | null;
  isOpen: boolean;
  memberCount: number;
  members: TrueMember[];
}

export interface Difference {
  roomId: string;
  /** What differs, said as "the service has X, the truth is Y". */
  detail: string;
}

// Rooms per page: each carries up to 500 members, and the API's cost limit bounds a page's values.
const PAGE = 5;
const MEMBER_PAGE = 500;

const MEMBER_FIELDS = /* GraphQL */ `
  pageInfo { hasNextPage endCursor }
  edges { node { userAccount nickname sessionId roleCode loginAt } }
`;

const ROOMS = /* GraphQL */ `
  query SimulatorRooms($appId: String, $after: String) {
    rooms(appId: $appId, first: ${PAGE}, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { roomId roomSeq isOpen memberCount members(first: ${MEMBER_PAGE}) { ${MEMBER_FIELDS} } } }
    }
  }
`;

const MORE_MEMBERS = /* GraphQL */ `
  query SimulatorMembers($appId: String, $roomId: String!, $after: String) {
    room(appId: $appId, roomId: $roomId) { members(first: ${MEMBER_PAGE}, after: $after) { ${MEMBER_FIELDS} } }
  }
`;

interface MemberPage {
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  edges: { node: { userAccount: string; nickname: string; sessionId: string; roleCode: number; loginAt: string } }[];
}

export interface GraphQLEndpoint {
  url: string;
  /** Sent as `Authorization: Bearer <token>` when the service requires API tokens. */
  token?: string;
}

async function query<T>(endpoint: GraphQLEndpoint, text: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(endpoint.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(endpoint.token ? { authorization: `Bearer ${endpoint.token}` } : {}),
    },
    body: JSON.stringify({ query: text, variables }),
  });
  const body = (await response.json().catch(() => ({}))) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length || !body.data) {
    const reason = body.errors?.map((e) => e.message).join('; ') ?? `HTTP ${response.status}`;
    throw new Error(`GraphQL at ${endpoint.url} answered ${response.status}: ${reason}`);
  }
  return body.data;
}

const toMembers = (page: MemberPage): TrueMember[] =>
  page.edges.map(({ node }) => ({ ...node, loginAt: Date.parse(node.loginAt) }));

/** The app's rooms that `wanted` accepts, with all their members, following the cursors; the others are only counted. */
export async function readServiceRooms(
  endpoint: GraphQLEndpoint,
  appId: string,
  wanted: (roomId: string) => boolean,
): Promise<{ rooms: ServiceRoom[]; otherRooms: number }> {
  const rooms: ServiceRoom[] = [];
  let otherRooms = 0;
  let after: string | null = null;
  do {
    type RoomsPage = {
      rooms: {
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        edges: { node: Omit<ServiceRoom, 'members'> & { members: MemberPage } }[];
      };
    };
    const page: RoomsPage = await query<RoomsPage>(endpoint, ROOMS, { appId, after });
    for (const { node } of page.rooms.edges) {
      if (!wanted(node.roomId)) {
        otherRooms++;
        continue;
      }
      const members = toMembers(node.members);
      let memberPage = node.members.pageInfo;
      while (memberPage.hasNextPage) {
        const more = await query<{ room: { members: MemberPage } | null }>(endpoint, MORE_MEMBERS, { appId, roomId: node.roomId, after: memberPage.endCursor });
        if (more.room === null) break;
        members.push(...toMembers(more.room.members));
        memberPage = more.room.members.pageInfo;
      }
      rooms.push({ ...node, members });
    }
    after = page.rooms.pageInfo.hasNextPage ? page.rooms.pageInfo.endCursor : null;
  } while (after !== null);
  return { rooms, otherRooms };
}

const describeMember = (m: TrueMember) =>
  `session ${m.sessionId}, role ${m.roleCode}, nickname ${JSON.stringify(m.nickname)}, since ${new Date(m.loginAt).toISOString()}`;

/**
 * Every way the service's rooms differ from the truth: members missing, extra or different, the
 * lifecycle or its open state, and a member count that does not match the members listed. Rooms
 * the model never played are not its to judge.
 */
export function compareRooms(truth: readonly TrueRoom[], service: readonly ServiceRoom[]): Difference[] {
  const differences: Difference[] = [];
  const serviceRooms = new Map(service.map((room) => [room.roomId, room]));
  for (const expected of truth) {
    const actual = serviceRooms.get(expected.roomId);
    const differ = (detail: string) => differences.push({ roomId: expected.roomId, detail });
    if (!actual) {
      differ(`missing from the service (truth: ${expected.members.length} members, lifecycle ${expected.roomSeq})`);
      continue;
    }
    if (actual.roomSeq !== expected.roomSeq) differ(`lifecycle ${actual.roomSeq} where the truth is ${expected.roomSeq}`);
    if (actual.isOpen !== expected.isOpen) differ(`${actual.isOpen ? 'open' : 'closed'} where the truth is ${expected.isOpen ? 'open' : 'closed'}`);
    if (actual.memberCount !== actual.members.length) differ(`memberCount ${actual.memberCount} but ${actual.members.length} members listed`);
    const present = new Map(actual.members.map((member) => [member.userAccount, member]));
    for (const member of expected.members) {
      const found = present.get(member.userAccount);
      present.delete(member.userAccount);
      if (!found) differ(`${member.userAccount} missing (truth: ${describeMember(member)})`);
      else if (describeMember(found) !== describeMember(member)) differ(`${member.userAccount} has ${describeMember(found)}; truth: ${describeMember(member)}`);
    }
    for (const extra of present.values()) differ(`${extra.userAccount} present but gone in truth (${describeMember(extra)})`);
  }
  return differences;
}
