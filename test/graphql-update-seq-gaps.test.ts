import { describe, expect, it } from 'vitest';
import { databaseTargets } from './support/databases.js';
import { queryData } from './support/graphql.js';
import { serviceFixture } from './support/service.js';
import { loginEvent, logoutEvent, postCallback, signed } from './support/zego.js';

describe.each(databaseTargets())('lost callbacks on Room.updateSeqGaps ($name)', (target) => {
  const gaps = async () =>
    (await queryData<{ room: { updateSeqGaps: unknown[] } }>(fixture.service.url, '{ room(appId: "660", roomId: "g") { updateSeqGaps { roomSeq from to } } }')).room.updateSeqGaps;

  const fixture = serviceFixture(target);

  it("shows the numbers missing from the current lifecycle, and forgets them once they arrive", async () => {
    const room = { appId: '660', roomId: 'g', seq: '8' };
    // An older lifecycle's gap is not this lifecycle's concern.
    await postCallback(fixture.service.url, signed(loginEvent({ ...room, seq: '7', user: 'old', session: '70', at: 100, updateSeq: 1 })));
    await postCallback(fixture.service.url, signed(loginEvent({ ...room, seq: '7', user: 'old2', session: '71', at: 200, updateSeq: 5 })));
    await postCallback(fixture.service.url, signed(loginEvent({ ...room, user: 'a', session: '1', at: 1000, updateSeq: 1 })));
    expect(await gaps()).toEqual([]);
    await postCallback(fixture.service.url, signed(loginEvent({ ...room, user: 'b', session: '2', at: 2000, updateSeq: 4 })));
    expect(await gaps()).toEqual([{ roomSeq: '8', from: '2', to: '3' }]);
    await postCallback(fixture.service.url, signed(logoutEvent({ ...room, user: 'a', session: '1', loginAt: 1000, at: 1500, updateSeq: 2 })));
    await postCallback(fixture.service.url, signed(loginEvent({ ...room, user: 'c', session: '3', at: 1800, updateSeq: 3 })));
    expect(await gaps()).toEqual([]);
  });
});
