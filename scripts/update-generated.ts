// Rewrites the files generated from the config schema: config/config.sample.yaml
// and the key reference in docs/configuration.md. Run after changing the schema:
//   node scripts/update-generated.ts
import { readFileSync, writeFileSync } from 'node:fs';
import { renderConfigReference, REFERENCE_END, REFERENCE_START } from '../src/config/reference.ts';
import { renderSampleConfig } from '../src/config/sample.ts';

const root = new URL('../', import.meta.url);
writeFileSync(new URL('config/config.sample.yaml', root), renderSampleConfig());

const docsUrl = new URL('docs/configuration.md', root);
const docs = readFileSync(docsUrl, 'utf8');
const start = docs.indexOf(REFERENCE_START);
const end = docs.indexOf(REFERENCE_END);
if (start < 0 || end < 0) throw new Error('docs/configuration.md lost its config-reference markers');
writeFileSync(docsUrl, docs.slice(0, start) + renderConfigReference() + docs.slice(end + REFERENCE_END.length));
process.stdout.write('updated config/config.sample.yaml and docs/configuration.md\n');
