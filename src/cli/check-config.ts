// `hearth check-config`: checks what can be checked before Hearth runs, and
// says for each check what it found. The config itself (schema and the
// refusals of `start`), whether appservice.url and appservice.port agree, the
// database's folder or server, whether the homeserver answers and knows
// Hearth's registration, and whether it can reach Hearth: for that one,
// Hearth's listener is stood in for while Hearth is not running, and the
// homeserver is asked to ping it; when Hearth is running, Hearth answers.
import { accessSync, constants, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../config/load.ts';
import { unsafeValues } from '../config/safety.ts';
import type { Config } from '../config/schema.ts';
import { openDatabase } from '../store/database.ts';
import { loadCodeOfConduct, loadWelcome } from '../onboarding/texts.ts';
import { httpRequest } from '../matrix/http.ts';

export interface Finding {
  ok: boolean;
  text: string;
  /** Worth reading, but nothing to fix: printed as a warning, and not counted as a problem. */
  warning?: boolean;
}

const ok = (text: string): Finding => ({ ok: true, text });
const problem = (text: string): Finding => ({ ok: false, text });

/** The port a URL names, or its scheme's default. */
function portOf(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}

/** The size the guide Hearth follows advises; beyond it, a warning. */
export const ADVISED_MAX_MEMBERS = 100;

export function checkMemberCap(config: Config): Finding | null {
  if (config.community.max_members <= ADVISED_MAX_MEMBERS) return null;
  return {
    ok: true,
    warning: true,
    text: `community.max_members is ${config.community.max_members}. "Run your own social" (runyourown.social), the guide Hearth follows, advises keeping a community to 50 to 100 people who know each other: beyond that, a host can no longer welcome everyone personally or know who everyone is.`,
  };
}

/** The code of conduct and the welcome, when the config names them: Hearth reads both at start-up and refuses to start without them. */
export function checkOnboardingTexts(config: Config): Finding[] {
  const findings: Finding[] = [];
  try {
    const coc = loadCodeOfConduct(config);
    if (coc) findings.push(ok(`the code of conduct is readable at ${config.community.code_of_conduct} (community.code_of_conduct)`));
    loadWelcome(config);
    if (config.community.welcome !== '') findings.push(ok(`the welcome is readable at ${config.community.welcome} (community.welcome)`));
  } catch (error) {
    findings.push(problem(error instanceof Error ? error.message.replace(/^config: invalid configuration:\n\s*- /, '') : String(error)));
  }
  return findings;
}

export function checkUrlAndPort(config: Config): Finding {
  const url = new URL(config.appservice.url);
  const port = portOf(url);
  if (port === config.appservice.port) return ok(`appservice.url (${config.appservice.url}) names the port Hearth listens on (appservice.port ${config.appservice.port})`);
  return problem(`appservice.url (${config.appservice.url}) names port ${port}, but Hearth listens on appservice.port ${config.appservice.port}; make them agree (unless a proxy forwards one to the other)`);
}

/** The nearest folder that exists, going up from `path`. */
function nearestExisting(path: string): string {
  let folder = path;
  while (!existsSync(folder) && dirname(folder) !== folder) folder = dirname(folder);
  return folder;
}

async function checkDatabase(config: Config): Promise<Finding> {
  if (config.database.engine === 'sqlite') {
    const folder = dirname(config.database.sqlite_path);
    const existing = nearestExisting(folder);
    try {
      accessSync(existing, constants.W_OK);
      return ok(`the SQLite database goes in ${folder}, which ${existing === folder ? 'is' : 'can be created and is'} writable`);
    } catch {
      return problem(`the SQLite database goes in ${folder}, but ${existing} is not writable by this user`);
    }
  }
  const db = openDatabase(config.database);
  try {
    await db.raw('select 1');
    return ok('PostgreSQL answers at database.postgres_url');
  } catch (error) {
    return problem(`PostgreSQL does not answer at database.postgres_url: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    await db.destroy();
  }
}

async function homeserverCall(config: Config, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await httpRequest(new URL(path, config.homeserver.url), {
    method,
    headers: { authorization: `Bearer ${config.appservice.as_token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(config.homeserver.request_timeout_seconds * 1000),
  });
  const json = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: response.status, json };
}

async function checkHomeserver(config: Config): Promise<Finding> {
  try {
    const { status } = await homeserverCall(config, 'GET', '/_matrix/client/versions');
    if (status === 200) return ok(`the homeserver answers at ${config.homeserver.url} (homeserver.url)`);
    return problem(`${config.homeserver.url} (homeserver.url) answered ${status} where a Matrix homeserver answers 200`);
  } catch (error) {
    return problem(`the homeserver does not answer at ${config.homeserver.url} (homeserver.url): ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function checkRegistrationLoaded(config: Config): Promise<Finding> {
  const { status, json } = await homeserverCall(config, 'GET', '/_matrix/client/v3/account/whoami');
  if (status === 200) return ok(`the homeserver knows appservice.as_token: it loaded Hearth's registration (bot ${String(json.user_id)})`);
  if (status === 401) return problem('the homeserver does not know appservice.as_token: list the registration in its app_service_config_files (see `hearth synapse-snippet`) and restart it; after a new `hearth registration`, copy the file again and restart it');
  return problem(`the homeserver answered ${status} when asked who appservice.as_token is: ${JSON.stringify(json)}`);
}

/**
 * Stands in for Hearth's listener so the homeserver has someone to ping:
 * answers the ping when it carries the hs_token, and every transaction with
 * 503, so the homeserver keeps them for the real Hearth.
 */
function standIn(config: Config): Promise<Server | 'busy'> {
  const server = createServer((request, response) => {
    const authorised = request.headers.authorization === `Bearer ${config.appservice.hs_token}`;
    const isPing = request.method === 'POST' && request.url?.startsWith('/_matrix/app/v1/ping');
    response.setHeader('content-type', 'application/json');
    if (isPing && authorised) response.writeHead(200).end('{}');
    else if (isPing) response.writeHead(403).end('{"errcode":"M_FORBIDDEN"}');
    else response.writeHead(503).end('{"errcode":"M_UNAVAILABLE","error":"Hearth is not running; only its config is being checked"}');
    request.resume();
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => { if (error.code === 'EADDRINUSE') resolvePromise('busy'); else reject(error); });
    server.listen(config.appservice.port, config.appservice.bind_address, () => { resolvePromise(server); });
  });
}

async function checkHomeserverReachesHearth(config: Config): Promise<Finding> {
  const listener = await standIn(config);
  const who = listener === 'busy'
    ? `something already listens on ${config.appservice.bind_address}:${config.appservice.port} (Hearth, if it is running), and it answered`
    : 'a stand-in for Hearth answered (Hearth is not running)';
  try {
    const { status, json } = await homeserverCall(config, 'POST', `/_matrix/client/v1/appservice/${encodeURIComponent(config.appservice.id)}/ping`, { transaction_id: `check-config-${randomBytes(6).toString('hex')}` });
    if (status === 200) return ok(`the homeserver reaches Hearth at ${config.appservice.url} (appservice.url) with the right hs_token: ${who}`);
    const code = typeof json.errcode === 'string' ? json.errcode : String(status);
    const detail = typeof json.error === 'string' ? json.error : '';
    const hint = /403/.test(detail)
      ? 'it reached appservice.url but presented another hs_token: the homeserver still has an older registration; copy the current one and restart it'
      : 'check that appservice.url is reachable from the homeserver (a container\'s 127.0.0.1 is the container itself) and that the homeserver loaded the current registration';
    return problem(`the homeserver could not ping Hearth at ${config.appservice.url} (appservice.url): ${code} ${detail}; ${hint}`);
  } finally {
    if (listener !== 'busy') await new Promise((done) => listener.close(done));
  }
}

export async function checkConfig(path: string): Promise<Finding[]> {
  const config = loadConfig(path);
  const findings: Finding[] = [ok(`${path} is a valid config`)];
  const unsafe = unsafeValues(config);
  findings.push(...unsafe.map((u) => problem(`${u.path}: ${u.message}`)));
  const cap = checkMemberCap(config);
  if (cap) findings.push(cap);
  findings.push(...checkOnboardingTexts(config));
  findings.push(checkUrlAndPort(config), await checkDatabase(config));
  const homeserver = await checkHomeserver(config);
  findings.push(homeserver);
  if (!homeserver.ok) return [...findings, problem('the homeserver\'s side was not checked: it does not answer')];
  const registration = await checkRegistrationLoaded(config);
  findings.push(registration);
  if (registration.ok) findings.push(await checkHomeserverReachesHearth(config));
  return findings;
}

export async function runCheckConfig(path: string): Promise<boolean> {
  const findings = await checkConfig(path);
  for (const finding of findings) process.stdout.write(`${finding.warning ? 'WARNING' : finding.ok ? 'ok' : 'PROBLEM'}: ${finding.text}\n`);
  const problems = findings.filter((f) => !f.ok).length;
  process.stdout.write(problems === 0 ? 'Everything Hearth can check is in order.\n' : `${problems === 1 ? '1 problem' : `${problems} problems`} found.\n`);
  return problems === 0;
}
