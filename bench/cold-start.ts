// cold-start: from spawning `hearth start` until Hearth is ready (it reached
// the homeserver, was pinged back through the appservice API, set up the
// community, and its health answers ok), on glen.test with the testbed's
// config. The floor, in the same run: a bare Node process running an express
// server with one route, from spawning it until that route answers. Both are
// polled the same way. The note adds the floor with the crypto's own part of
// a start (encryption is on in the testbed): the same server, started after
// loading the crypto and opening two new devices in memory.
import { startCryptoFloor, startFloor, startHearthByHand } from './processes.ts';
import type { Trial } from './runner.ts';

const SERVER = 'glen.test';

export function coldStart(): Promise<Trial> {
  return Promise.resolve(async () => {
    const floor = await startFloor();
    await floor.stop();
    const withCrypto = await startCryptoFloor();
    await withCrypto.stop();
    const hearth = await startHearthByHand(SERVER);
    await hearth.stop();
    return {
      name: 'cold-start',
      unit: 'ms',
      hearth: hearth.startMs,
      baseline: floor.startMs,
      target: { ratio: 3 },
      note: `${SERVER}: process spawned until ready and pinged vs a bare Node express server until its one route answers`
        + `; the same server after the crypto's own start (its WebAssembly, two new devices in memory) took ${withCrypto.startMs.toFixed(0)} ms: `
        + `${(withCrypto.startMs / floor.startMs).toFixed(2)}× at best, Hearth ${(hearth.startMs / withCrypto.startMs).toFixed(2)}× of it`,
    };
  });
}
