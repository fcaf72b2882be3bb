// The homeserver's request bodies, read as JSON. Hearth reads them itself
// rather than through body-parser: the homeserver sends UTF-8 JSON, and
// body-parser decodes every body through iconv-lite, whose tables load at the
// first request and cost a start about 13 ms and the heap 0.7 MiB for good
// (docs/benchmarks.md).
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export type BodyProblem = 'too-large' | 'not-json' | 'unsupported-encoding';

/** A body Hearth will not read, and why: the error handler answers it. */
export class BodyError extends Error {
  readonly problem: BodyProblem;

  constructor(problem: BodyProblem, message: string) {
    super(message);
    this.name = 'BodyError';
    this.problem = problem;
  }
}

/** The charset a Content-Type names, lower case, or null when it names none. */
function charsetOf(contentType: string | undefined): string | null {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '');
  return match?.[1]?.toLowerCase() ?? null;
}

function unreadable(req: Request, limitBytes: number): BodyError | null {
  const encoding = req.headers['content-encoding']?.toLowerCase();
  if (encoding !== undefined && encoding !== 'identity') return new BodyError('unsupported-encoding', `the body is ${encoding}-encoded; Hearth reads bodies as they are`);
  const charset = charsetOf(req.headers['content-type']);
  if (charset !== null && charset !== 'utf-8' && charset !== 'utf8') return new BodyError('unsupported-encoding', `the body is in ${charset}; Hearth reads UTF-8`);
  if (Number(req.headers['content-length']) > limitBytes) return new BodyError('too-large', `the body is larger than ${limitBytes} bytes`);
  return null;
}

function parseInto(req: Request, text: string, next: NextFunction): void {
  try {
    req.body = text === '' ? {} : JSON.parse(text) as unknown;
  } catch (error) {
    next(new BodyError('not-json', error instanceof Error ? error.message : String(error)));
    return;
  }
  next();
}

/**
 * Sets req.body to the parsed JSON (any JSON value; an empty body is {}).
 * A body past `limitBytes` is read to its end and dropped, and then refused,
 * so the answer reaches a homeserver that is still sending.
 */
export function jsonBody(limitBytes: number): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const refused = unreadable(req, limitBytes);
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (refused || tooLarge) return;
      size += chunk.length;
      if (size > limitBytes) {
        tooLarge = true;
        chunks.length = 0;
      } else {
        chunks.push(chunk);
      }
    });
    req.on('error', next);
    req.on('end', () => {
      if (refused) next(refused);
      else if (tooLarge) next(new BodyError('too-large', `the body is larger than ${limitBytes} bytes`));
      else parseInto(req, Buffer.concat(chunks, size).toString('utf8'), next);
    });
  };
}
