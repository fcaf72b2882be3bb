import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { configureLogging, createLogger } from '../../src/logging/logger.ts';

describe('logging', () => {
  it('never writes a token, whatever field it is passed in', () => {
    const lines: string[] = [];
    configureLogging({ level: 'debug', format: 'json', write: (line) => lines.push(line) });
    createLogger('test').info('request', { hs_token: 'sekrit1', access_token: 'sekrit2', Authorization: 'Bearer sekrit3', room_id: '!r' });
    assert.equal(lines.length, 1);
    assert.doesNotMatch(lines[0] ?? '', /sekrit/);
    assert.equal((JSON.parse(lines[0] ?? '{}') as { room_id: string }).room_id, '!r');
  });

  it('writes nothing below the configured level', () => {
    const lines: string[] = [];
    configureLogging({ level: 'warn', format: 'text', write: (line) => lines.push(line) });
    const log = createLogger('test');
    log.info('quiet');
    log.warn('loud', { n: 1 });
    assert.equal(lines.length, 1);
    assert.match(lines[0] ?? '', /WARN .*\[test\] loud n=1/);
  });
});
