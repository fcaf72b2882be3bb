// The homeserver's request bodies as Hearth reads them: JSON in UTF-8, up to a
// limit, and a clear refusal of anything else.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express, { type NextFunction, type Request, type Response } from 'express';
import { BodyError, jsonBody } from '../../src/matrix/appservice/json-body.ts';

const LIMIT = 64;

describe('jsonBody', () => {
  let server: Server;
  let url = '';
  before(async () => {
    const app = express();
    app.use(jsonBody(LIMIT));
    app.post('/', (req, res) => { res.json({ body: req.body as unknown }); });
    app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
      res.status(400).json({ problem: error instanceof BodyError ? error.problem : 'other' });
    });
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => { server.close(); });

  const post = async (body: string | ReadableStream<Uint8Array>, headers: Record<string, string> = {}): Promise<unknown> => {
    // A streamed body goes out chunked, with no Content-Length; Node's fetch asks for half duplex then.
    const init: RequestInit & { duplex: 'half' } = { method: 'POST', body, headers, duplex: 'half' };
    return (await fetch(url, init)).json();
  };

  it('parses any JSON value, whatever the Content-Type says', async () => {
    assert.deepEqual(await post('{"events":[1,"é"]}', { 'content-type': 'text/plain' }), { body: { events: [1, 'é'] } });
    assert.deepEqual(await post('null'), { body: null });
  });

  it('reads an empty body as {}', async () => {
    assert.deepEqual(await post(''), { body: {} });
  });

  it('refuses text that is not JSON, saying so', async () => {
    assert.deepEqual(await post('{"events": ['), { problem: 'not-json' });
  });

  it('refuses a body past the limit, declared or streamed without a length', async () => {
    assert.deepEqual(await post('x'.repeat(LIMIT + 1)), { problem: 'too-large' });
    const streamed = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode(`"${'y'.repeat(LIMIT / 2)}"`));
        controller.close();
      },
    });
    assert.deepEqual(await post(streamed), { problem: 'too-large' });
  });

  it('refuses a compressed body or one in a charset other than UTF-8', async () => {
    assert.deepEqual(await post('{}', { 'content-encoding': 'gzip' }), { problem: 'unsupported-encoding' });
    assert.deepEqual(await post('{}', { 'content-type': 'application/json; charset=latin1' }), { problem: 'unsupported-encoding' });
    assert.deepEqual(await post('{}', { 'content-type': 'application/json; charset=UTF-8' }), { body: {} });
  });
});
