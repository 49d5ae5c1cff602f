/**
 * What a committed write tells subscribers: which rooms reached which presence version, and which
 * logout events were stored. Notices are wake-up calls, not the data: subscribers read the changes
 * from the database by version, so a lost or repeated notice costs latency, never correctness.
 */

export interface RoomVersionNotice {
  appId: string;
  roomId: string;
  version: number;
}

export interface CommitNotice {
  rooms: RoomVersionNotice[];
  logoutEventIds: number[];
}
