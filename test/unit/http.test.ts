import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { httpRequest } from '../../src/matrix/http.ts';

let server: Server;
let base: string;

before(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => { body += chunk.toString(); });
    request.on('end', () => {
      if (request.url === '/echo') {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: request.method, body, auth: request.headers.authorization }));
      } else if (request.url === '/limited') {
        response.writeHead(429, { 'retry-after': '3' }).end('{"errcode":"M_LIMIT_EXCEEDED"}');
      } else if (request.url === '/cut') {
        response.writeHead(200, { 'content-length': '100' });
        response.write('{"half":');
        setTimeout(() => response.destroy(), 20);
      } else if (request.url === '/slow') {
        setTimeout(() => response.end('{}'), 5_000).unref();
      } else {
        response.writeHead(200).end('not json');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => { server.closeAllConnections(); server.close(); });

describe('the HTTP requests Hearth makes', () => {
  it('sends the method, headers and body, and reads the answer', async () => {
    const answer = await httpRequest(`${base}/echo`, { method: 'PUT', headers: { authorization: 'Bearer t' }, body: '{"a":1}' });
    assert.equal(answer.ok, true);
    assert.equal(answer.headers.get('Content-Type'), 'application/json');
    assert.deepEqual(await answer.json(), { method: 'PUT', body: '{"a":1}', auth: 'Bearer t' });
  });

  it('hands back a refusal with its status and headers, not as an error', async () => {
    const answer = await httpRequest(`${base}/limited`);
    assert.equal(answer.ok, false);
    assert.equal(answer.status, 429);
    assert.equal(answer.headers.get('retry-after'), '3');
    assert.match(await answer.text(), /M_LIMIT_EXCEEDED/);
  });

  it('a body that is not JSON rejects when read as JSON', async () => {
    await assert.rejects((await httpRequest(`${base}/other`)).json(), SyntaxError);
  });

  it('an answer cut off half-way is an error, never half an answer', async () => {
    await assert.rejects(httpRequest(`${base}/cut`));
  });

  it('a timed-out request rejects with the timeout as its reason', async () => {
    await assert.rejects(httpRequest(`${base}/slow`, { signal: AbortSignal.timeout(50) }), { name: 'TimeoutError' });
  });

  it('a server that is not there is an error naming the refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(httpRequest(`http://127.0.0.1:${port}/`), /ECONNREFUSED/);
  });

  it('the homeserver client never goes through fetch, whose undici would cost memory', () => {
    const script = `
      globalThis.fetch = () => { throw new Error('fetch was used'); };
      import { createServer } from 'node:http';
      import { createHomeserverClient } from './src/matrix/client.ts';
      const server = createServer((q, s) => s.end('{"event_id":"$e"}')).listen(0, '127.0.0.1', async () => {
        const log = { debug() {}, info() {}, warn() {}, error() {}, child() { return log; } };
        const client = createHomeserverClient({ homeserverUrl: 'http://127.0.0.1:' + server.address().port, asToken: 't', botUserId: '@hearth:camp.test', log, requestTimeoutMs: 5000, halt: new AbortController().signal });
        await client.request('PUT', '/rooms/!r/state/m.room.topic/', { topic: 'x' });
        server.close();
        process.stdout.write('answered');
      });`;
    assert.equal(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }), 'answered');
  });

  it('loads https at the first https URL, never for a homeserver over http', () => {
    const script = `
      import { createServer } from 'node:http';
      import { httpRequest } from './src/matrix/http.ts';
      const httpsLoaded = () => process.moduleLoadList.includes('NativeModule https');
      const server = createServer((q, s) => s.end('{}')).listen(0, '127.0.0.1', async () => {
        await httpRequest('http://127.0.0.1:' + server.address().port + '/');
        server.close();
        const afterHttp = httpsLoaded();
        await httpRequest('https://127.0.0.1:1/').catch(() => undefined);
        process.stdout.write(JSON.stringify([afterHttp, httpsLoaded()]));
      });`;
    assert.equal(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }), '[false,true]');
  });
});
